/* test_node.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, node) {
}
