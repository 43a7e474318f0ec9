/* test_error.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, error) {
}
