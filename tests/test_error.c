/* test_error.c - error codes have names and messages, generated from one list. */
#include <uccn/error.h>

#include <criterion/criterion.h>
#include <stdio.h>
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

/* PROTOCOL.md §10.5 lists every code with its number, name and message, as a peer receives
 * them in an ERROR: the table and this list must not drift apart. */
Test(error, the_protocol_table_lists_every_code_as_the_code_has_it) {
	FILE *f = fopen(UCCN_SOURCE_ROOT "/proto/PROTOCOL.md", "r");
	cr_assert_not_null(f);
	static char doc[1 << 20];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[len] = '\0';
	const char *table = strstr(doc, "### 10.5 ERROR and closing");
	cr_assert_not_null(table);
	const char *next = strstr(table, "### 10.6");
	cr_assert_not_null(next);
	size_t rows = 0;
#define XX(name, num, msg)                                                                 \
	{                                                                                  \
		char row[160];                                                             \
		snprintf(row, sizeof(row), "\n| %d | `%s` | %s |", -(num), #name, msg);    \
		const char *at = strstr(table, row);                                       \
		cr_assert(at != NULL && at < next, "§10.5 lacks the row \"%s\"", row + 1); \
		rows++;                                                                    \
	}
	UCCN_ERRNO_MAP(XX)
#undef XX
	/* And nothing more: each row of the table is one of the codes. */
	size_t listed = 0;
	for (const char *p = strstr(table, "\n| 1 |"); p != NULL && p < next;
		p = strstr(p + 1, "\n| ")) {
		listed++;
	}
	cr_assert_eq(listed, rows, "§10.5 lists %zu codes, error.h has %zu", listed, rows);
}
