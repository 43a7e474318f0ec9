/* test_merge.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, merge) {
}
