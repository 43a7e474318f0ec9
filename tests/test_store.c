/* test_store.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, store) {
}
