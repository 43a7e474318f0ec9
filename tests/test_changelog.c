/* test_changelog.c - placeholder. */
#include <criterion/criterion.h>
Test(placeholder, changelog) {
}
