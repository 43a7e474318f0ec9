/* test_hlc.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, hlc) {
}
