/* test_schema.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, schema) {
}
