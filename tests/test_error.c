/* test_error.c - error codes have names and messages, generated from one list. */
#include <uccn/error.h>

#include <criterion/criterion.h>
#include <string.h>

Test(error, every_code_has_a_distinct_name_and_message) {
	const int codes[] = {
#define XX(name, num, msg) UCCN_##name,
		UCCN_ERRNO_MAP(XX)
#undef XX
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(codes[i], 0);
		cr_assert_str_neq(uccn_strerror(codes[i]), "unknown error");
		for (size_t j = i + 1; j < n; j++) {
			cr_assert_neq(codes[i], codes[j]);
			cr_assert_str_neq(uccn_err_name(codes[i]), uccn_err_name(codes[j]));
		}
	}
}

Test(error, names_match_the_enum) {
	cr_assert_str_eq(uccn_err_name(UCCN_EBADSIG), "UCCN_EBADSIG");
	cr_assert_str_eq(uccn_strerror(UCCN_EBADSIG), "bad signature");
	cr_assert_str_eq(uccn_err_name(UCCN_OK), "UCCN_OK");
}

Test(error, unknown_code_is_named_unknown) {
	cr_assert_str_eq(uccn_strerror(-999), "unknown error");
	cr_assert_str_eq(uccn_err_name(12345), "UCCN_EUNKNOWN");
}
