/* test_cli.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, cli) {
}
