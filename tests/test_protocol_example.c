/* test_protocol_example.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, protocol_example) {
}
