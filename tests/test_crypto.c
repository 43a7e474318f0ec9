/* test_crypto.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, crypto) {
}
