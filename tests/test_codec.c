/* test_codec.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, codec) {
}
