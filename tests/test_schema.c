/* test_schema.c - the record kinds and their field rules: each type accepted at its edges and
 * refused just past them, messages that name the field, and whole-change checks (parsing the
 * command line's text is tests/test_cli_text.c's). Pure functions, so no files or network
 * here. */
#include <uccn/schema.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/change_internal.h"
#include "tests/support.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

static void teardown(void) {
#ifdef __SANITIZE_ADDRESS__
	/* A leak report in Criterion's forked worker does not fail the test by itself. */
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}

TestSuite(schema, .fini = teardown);

#define KEY_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* The public key of the seed 32 x 0xb1 (KEY_A happens to be a point of the curve too). */
#define KEY_B "4721b5b632272e65a68dda7ac25b4185f8b01916db185c14287db92e2b770fae"

static struct uccn_value str_n(const char *s, size_t len) {
	return (struct uccn_value){.type = UCCN_VALUE_STR, .str = s, .str_len = len};
}

static struct uccn_value str(const char *s) {
	return str_n(s, strlen(s));
}

static struct uccn_value num(int64_t i) {
	return (struct uccn_value){.type = UCCN_VALUE_INT, .i = i};
}

static struct uccn_value list(const struct uccn_value *items, size_t count) {
	return (struct uccn_value){.type = UCCN_VALUE_LIST, .items = items, .count = count};
}

static struct uccn_value nil(void) {
	return (struct uccn_value){.type = UCCN_VALUE_NIL};
}

/* Checks value as field of kind; the reason lands in why (cleared first). */
static int check(const char *kind, const char *field, struct uccn_value v, char *why) {
	const struct uccn_kind_spec *k = uccn_schema_kind(kind);
	cr_assert(k != NULL, "kind %s", kind);
	struct uccn_field f = {.name = field, .name_len = strlen(field), .value = v};
	struct uccn_error e;
	int err = uccn_schema_check_field(k, &f, &e);
	snprintf(why, UCCN_ERRMSG_MAX, "%s", e.msg);
	return err;
}

static void expect_ok(const char *kind, const char *field, struct uccn_value v) {
	char why[UCCN_ERRMSG_MAX];
	int err = check(kind, field, v, why);
	cr_assert_eq(err, UCCN_OK, "%s.%s refused: %s", kind, field, why);
}

/* Expects a refusal whose message names kind.field. */
static void expect_refused(const char *kind, const char *field, struct uccn_value v) {
	char why[UCCN_ERRMSG_MAX];
	char path[64];
	cr_assert_eq(check(kind, field, v, why), UCCN_ESCHEMA, "%s.%s accepted", kind, field);
	snprintf(path, sizeof(path), "%s.%s: ", kind, field);
	cr_assert(strstr(why, path) == why, "message does not name %s: %s", path, why);
}

static void expect_message(
	const char *kind, const char *field, struct uccn_value v, const char *message) {
	char why[UCCN_ERRMSG_MAX];
	cr_assert_eq(check(kind, field, v, why), UCCN_ESCHEMA);
	cr_assert_str_eq(why, message);
}

static const struct uccn_field_spec *spec_of(const char *kind, const char *field) {
	const struct uccn_field_spec *s =
		uccn_schema_field(uccn_schema_kind(kind), field, strlen(field));
	cr_assert(s != NULL, "%s.%s", kind, field);
	return s;
}

/* ---- kinds and their tables ---- */

Test(schema, the_kinds_of_the_design_and_of_the_registry_are_known) {
	/* The seven of the design, then the registry's own: key records, rotations, tree heads,
	 * the witnesses' cosignatures and their alarms. */
	static const char *const names[] = {"designation", "city", "best_practice", "event",
		"project", "report", "role", "key", "rotation", "treehead", "cosignature", "alarm"};
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	cr_assert_eq(n, 12);
	for (size_t i = 0; i < 12; i++) {
		const struct uccn_kind_spec *k = uccn_schema_kind(names[i]);
		cr_assert(k != NULL, "%s", names[i]);
		cr_assert_str_eq(k->name, names[i]);
		cr_assert(k >= all && k < all + n);
	}
}

Test(schema, a_check_tells_its_code_and_reason_in_the_error_it_is_given) {
	const struct uccn_kind_spec *k = uccn_schema_kind("best_practice");
	struct uccn_field f = {.name = "year", .name_len = 4, .value = num(99999)};
	struct uccn_error e;
	memset(&e, 'x', sizeof(e));
	cr_assert_eq(uccn_schema_check_field(k, &f, &e), UCCN_ESCHEMA);
	cr_assert_eq(e.code, UCCN_ESCHEMA);
	cr_assert(strstr(e.msg, "year") != NULL, "%s", e.msg);
	cr_assert_eq(uccn_schema_check_field(k, &f, NULL), UCCN_ESCHEMA, "no error to fill");
	f.value = num(2024);
	cr_assert_eq(uccn_schema_check_field(k, &f, &e), UCCN_OK);
	cr_assert_eq(e.code, UCCN_OK);
	cr_assert_str_eq(e.msg, "", "a success leaves no reason behind");
}

Test(schema, unknown_kind_name_finds_nothing) {
	cr_assert(uccn_schema_kind("bestpractice") == NULL);
	cr_assert(uccn_schema_kind("") == NULL);
	cr_assert(uccn_schema_kind(NULL) == NULL);
}

Test(schema, every_kind_has_a_writer_a_title_field_and_well_formed_fields) {
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	for (size_t i = 0; i < n; i++) {
		const struct uccn_kind_spec *k = &all[i];
		cr_assert(k->writer != NULL && k->writer[0] != '\0', "%s", k->name);
		cr_assert(strlen(k->name) <= UCCN_KIND_MAX);
		cr_assert(uccn_schema_field(k, k->title, strlen(k->title)) != NULL, "%s", k->name);
		cr_assert(k->nfields > 0 && k->nfields <= UCCN_FIELDS_MAX);
		for (size_t j = 0; j < k->nfields; j++) {
			const struct uccn_field_spec *f = &k->fields[j];
			size_t len = strlen(f->name);
			cr_assert(len > 0 && len <= UCCN_NAME_MAX);
			cr_assert_eq(strspn(f->name, "abcdefghijklmnopqrstuvwxyz0123456789_"), len,
				"%s.%s", k->name, f->name);
			cr_assert(f->help != NULL && f->help[0] != '\0', "%s.%s", k->name, f->name);
			cr_assert_eq(uccn_schema_field(k, f->name, len), f);
			if (f->type == UCCN_TYPE_CHOICE) {
				cr_assert(f->choices != NULL && f->choices[0] != NULL);
			}
			if (f->type == UCCN_TYPE_INT) {
				cr_assert(f->min <= f->max);
			}
		}
	}
}

/* The most items a valid value of list type t holds. Lists are sets (a repeated item is
 * refused), so creative fields and SDGs are bounded by how many there are. */
static size_t list_max(enum uccn_type t) {
	size_t n = 0;
	switch (t) {
	case UCCN_TYPE_FIELDS:
		while (uccn_creative_fields[n] != NULL) {
			n++;
		}
		return n;
	case UCCN_TYPE_SDGS:
		return 17;
	case UCCN_TYPE_TEXTS:
	case UCCN_TYPE_KEYS:
		return UCCN_LIST_MAX;
	default:
		return 0;
	}
}

/* Fills items with n valid items of list type t, distinct as long as n <= list_max(t); past
 * that, creative fields and SDGs repeat. keys holds the text of TEXTS and KEYS items. */
static void fill_list(enum uccn_type t, size_t n, struct uccn_value *items, char (*keys)[65]) {
	for (size_t i = 0; i < n; i++) {
		if (t == UCCN_TYPE_FIELDS) {
			items[i] = str(uccn_creative_fields[i % list_max(t)]);
		} else if (t == UCCN_TYPE_SDGS) {
			items[i] = num(1 + (int64_t)(i % 17));
		} else if (t == UCCN_TYPE_KEYS) {
			test_key_hex((unsigned)i, keys[i]);
			items[i] = str(keys[i]);
		} else {
			snprintf(keys[i], 65, "partner %zu", i);
			items[i] = str(keys[i]);
		}
	}
}

/* Merge materialises a record whose fields are the union of the fields of all its changes, so
 * the limits of one change are not enough: the largest record any set of valid changes can
 * build must fit struct uccn_state and struct uccn_record (node/schema.c, above the kinds). */
Test(schema, kinds_fit_a_record_by_construction) {
	static struct uccn_value items[UCCN_LIST_MAX + 1];
	static char keys[UCCN_LIST_MAX + 1][65];
	char why[UCCN_ERRMSG_MAX];
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	cr_assert_eq(list_max(UCCN_TYPE_FIELDS), 7);
	for (size_t i = 0; i < n; i++) {
		const struct uccn_kind_spec *k = &all[i];
		cr_assert_leq(k->nfields, UCCN_FIELDS_MAX, "%s", k->name);
		size_t total = 0;
		for (size_t j = 0; j < k->nfields; j++) {
			const struct uccn_field_spec *f = &k->fields[j];
			size_t max = list_max(f->type);
			if (max == 0) {
				continue;
			}
			total += max;
			/* The bound is the schema's own: max items pass, one more is refused. */
			fill_list(f->type, max + 1, items, keys);
			cr_assert_eq(check(k->name, f->name, list(items, max), why), UCCN_OK,
				"%s.%s: %s", k->name, f->name, why);
			cr_assert_eq(check(k->name, f->name, list(items, max + 1), why),
				UCCN_ESCHEMA, "%s.%s takes %zu items", k->name, f->name, max + 1);
		}
		cr_assert_leq(
			total, UCCN_ITEMS_MAX, "%s: lists of up to %zu items", k->name, total);
	}
}

Test(schema, titles_are_the_fields_that_name_records) {
	cr_assert_str_eq(uccn_schema_kind("designation")->title, "name");
	cr_assert_str_eq(uccn_schema_kind("city")->title, "name");
	cr_assert_str_eq(uccn_schema_kind("best_practice")->title, "title");
	cr_assert_str_eq(uccn_schema_kind("event")->title, "title");
	cr_assert_str_eq(uccn_schema_kind("project")->title, "title");
	cr_assert_str_eq(uccn_schema_kind("report")->title, "period");
	cr_assert_str_eq(uccn_schema_kind("role")->title, "role");
}

Test(schema, required_fields_match_the_design) {
	static const struct {
		const char *kind, *field;
		bool required;
		enum uccn_type type;
	} want[] = {
		{"designation", "city", true, UCCN_TYPE_KEY},
		{"designation", "name", true, UCCN_TYPE_TEXT},
		{"designation", "country", true, UCCN_TYPE_COUNTRY},
		{"designation", "field", true, UCCN_TYPE_FIELD},
		{"designation", "year", true, UCCN_TYPE_INT},
		{"designation", "status", true, UCCN_TYPE_CHOICE},
		{"designation", "reason", false, UCCN_TYPE_TEXT},
		{"designation", "cutoff", false, UCCN_TYPE_INT},
		{"city", "name", true, UCCN_TYPE_TEXT},
		{"city", "website", false, UCCN_TYPE_URL},
		{"city", "email", false, UCCN_TYPE_TEXT},
		{"best_practice", "title", true, UCCN_TYPE_TEXT},
		{"best_practice", "sdgs", false, UCCN_TYPE_SDGS},
		{"best_practice", "partners", false, UCCN_TYPE_TEXTS},
		{"event", "starts", true, UCCN_TYPE_DATE},
		{"event", "ends", false, UCCN_TYPE_DATE},
		{"event", "fields", false, UCCN_TYPE_FIELDS},
		{"project", "type", false, UCCN_TYPE_CHOICE},
		{"project", "editors", false, UCCN_TYPE_KEYS},
		{"report", "period", true, UCCN_TYPE_PERIOD},
		{"report", "audience", false, UCCN_TYPE_CHOICE},
		{"role", "city", true, UCCN_TYPE_KEY},
		{"role", "from", true, UCCN_TYPE_DATE},
		{"role", "to", true, UCCN_TYPE_DATE},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct uccn_field_spec *s = spec_of(want[i].kind, want[i].field);
		cr_assert_eq(s->required, want[i].required, "%s.%s", want[i].kind, want[i].field);
		cr_assert_eq(s->type, want[i].type, "%s.%s", want[i].kind, want[i].field);
	}
}

Test(schema, field_lookup_reads_only_the_given_length) {
	const struct uccn_kind_spec *k = uccn_schema_kind("best_practice");
	const struct uccn_field_spec *s = uccn_schema_field(k, "titlexyz", 5);
	cr_assert(s != NULL);
	cr_assert_str_eq(s->name, "title");
	cr_assert(uccn_schema_field(k, "tit", 3) == NULL);
	cr_assert(uccn_schema_field(k, "Title", 5) == NULL);
}

Test(schema, unknown_field_is_refused_naming_kind_and_field) {
	char why[UCCN_ERRMSG_MAX];
	cr_assert_eq(check("best_practice", "titel", str("x"), why), UCCN_ESCHEMA);
	cr_assert_str_eq(why, "best_practice: unknown field \"titel\"");
}

Test(schema, unknown_field_name_with_control_bytes_is_escaped_in_the_message) {
	char why[UCCN_ERRMSG_MAX];
	cr_assert_eq(check("event", "a\nb", str("x"), why), UCCN_ESCHEMA);
	cr_assert(strchr(why, '\n') == NULL, "%s", why);
}

Test(schema, nil_passes_for_every_field_of_every_kind) {
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < all[i].nfields; j++) {
			expect_ok(all[i].name, all[i].fields[j].name, nil());
		}
	}
}

Test(schema, integer_given_for_text_is_refused_naming_the_field) {
	expect_refused("best_practice", "title", num(5));
	expect_message("best_practice", "title", num(5),
		"best_practice.title: expected text, got an integer");
}

Test(schema, list_given_for_text_and_text_given_for_list_are_refused) {
	struct uccn_value items[] = {str("a")};
	expect_refused("event", "place", list(items, 1));
	expect_refused("event", "fields", str("music"));
	expect_refused("best_practice", "sdgs", num(4));
}

/* ---- TEXT ---- */

Test(schema, text_accepts_utf8_tabs_and_newlines) {
	expect_ok("city", "description", str("Montréal, ville UNESCO de design\n\tline two\r\n"));
	expect_ok("city", "name", str("Łódź"));
	expect_ok("city", "name", str("成都"));
	expect_ok("city", "name", str("music \xf0\x9f\x8e\xb5")); /* a 4-byte character */
	expect_ok("city", "name", str("\xf4\x8f\xbf\xbf"));       /* U+10FFFF, the last one */
	expect_ok("city", "name", str(""));
}

Test(schema, text_of_16384_bytes_passes_and_one_more_is_refused) {
	char *big = malloc(16385);
	cr_assert(big != NULL);
	memset(big, 'a', 16385);
	expect_ok("city", "description", str_n(big, 16384));
	expect_refused("city", "description", str_n(big, 16385));
	free(big);
}

Test(schema, text_with_overlong_encoding_is_refused) {
	expect_refused("city", "name", str("\xc0\xaf"));
	expect_refused("city", "name", str("\xc1\xbf"));
	expect_refused("city", "name", str("\xe0\x80\xaf"));
	expect_refused("city", "name", str("\xf0\x80\x80\xaf"));
}

Test(schema, text_with_surrogate_is_refused) {
	expect_refused("city", "name", str("\xed\xa0\x80"));
	expect_refused("city", "name", str("\xed\xbf\xbf"));
}

Test(schema, text_above_u10ffff_is_refused) {
	expect_refused("city", "name", str("\xf4\x90\x80\x80"));
	expect_refused("city", "name", str("\xf5\x80\x80\x80"));
	expect_refused("city", "name", str("\xf8\x88\x80\x80\x80"));
}

Test(schema, text_with_cut_or_stray_utf8_bytes_is_refused) {
	expect_refused("city", "name", str("ab\xe2\x82"));
	expect_refused("city", "name", str("\x80"));
	expect_refused("city", "name", str("a\xc3(b"));
	expect_message(
		"city", "name", str("ab\xff"), "city.name: text is not valid UTF-8 (at byte 2)");
}

Test(schema, text_with_nul_or_control_characters_is_refused) {
	expect_refused("city", "name", str_n("a\0b", 3));
	expect_refused("city", "name", str("a\x1b[31m"));
	expect_refused("city", "name", str("a\x7f"));
	expect_refused("city", "name", str("a\xc2\x85")); /* U+0085, a C1 control */
	expect_message("city", "name", str("ab\x07"),
		"city.name: text contains a control character (at byte 2)");
}

/* ---- INT ---- */

Test(schema, year_from_2004_to_2100_passes) {
	expect_ok("designation", "year", num(2004));
	expect_ok("designation", "year", num(2100));
	expect_ok("best_practice", "year", num(2019));
}

Test(schema, year_outside_2004_to_2100_is_refused_naming_the_field) {
	expect_refused("designation", "year", num(2003));
	expect_refused("designation", "year", num(2101));
	expect_refused("best_practice", "year", num(INT64_MIN));
	expect_message("best_practice", "year", num(2003),
		"best_practice.year: 2003 is outside 2004-2100");
}

Test(schema, cutoff_accepts_0_to_2_pow_62_only) {
	expect_ok("designation", "cutoff", num(0));
	expect_ok("designation", "cutoff", num(INT64_C(1) << 62));
	expect_refused("designation", "cutoff", num(-1));
	expect_refused("designation", "cutoff", num((INT64_C(1) << 62) + 1));
	expect_refused("designation", "cutoff", num(INT64_MAX));
}

Test(schema, string_given_for_integer_is_refused) {
	expect_refused("designation", "year", str("2019"));
}

/* ---- DATE ---- */

Test(schema, leap_day_passes_in_leap_years) {
	expect_ok("event", "starts", str("2024-02-29"));
	expect_ok("event", "starts", str("2000-02-29"));
	expect_ok("event", "starts", str("1904-02-29"));
}

Test(schema, leap_day_is_refused_in_common_years) {
	expect_refused("event", "starts", str("2023-02-29"));
	expect_refused("event", "starts", str("1900-02-29"));
	expect_refused("event", "starts", str("2100-02-29"));
}

Test(schema, impossible_date_is_refused_naming_the_field) {
	char why[UCCN_ERRMSG_MAX];
	cr_assert_eq(check("event", "starts", str("2024-02-30"), why), UCCN_ESCHEMA);
	cr_assert_str_eq(why, "event.starts: \"2024-02-30\" is not a date (YYYY-MM-DD)");
	expect_refused("event", "ends", str("2024-04-31"));
	expect_refused("event", "ends", str("2024-13-01"));
	expect_refused("event", "ends", str("2024-00-10"));
	expect_refused("event", "ends", str("2024-01-00"));
	expect_refused("event", "ends", str("2024-01-32"));
}

Test(schema, date_in_another_shape_is_refused) {
	expect_refused("event", "starts", str("2024-1-01"));
	expect_refused("event", "starts", str("2024/01/01"));
	expect_refused("event", "starts", str("2024-01-01T10:00"));
	expect_refused("event", "starts", str("24-01-01"));
	expect_refused("event", "starts", str("2024-0a-01"));
	expect_refused("event", "starts", str(""));
	expect_refused("event", "starts", str_n("2024-01-01", 9));
}

Test(schema, date_years_outside_1900_to_2200_are_refused) {
	expect_ok("role", "from", str("1900-01-01"));
	expect_ok("role", "to", str("2200-12-31"));
	expect_refused("role", "from", str("1899-12-31"));
	expect_refused("role", "to", str("2201-01-01"));
	expect_message("role", "from", str("1899-12-31"),
		"role.from: \"1899-12-31\" is outside the years 1900-2200");
}

Test(schema, every_month_ends_on_its_last_day) {
	static const char *const last[] = {"2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30",
		"2023-05-31", "2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31",
		"2023-11-30", "2023-12-31"};
	static const char *const past[] = {"2023-01-32", "2023-02-29", "2023-03-32", "2023-04-31",
		"2023-05-32", "2023-06-31", "2023-07-32", "2023-08-32", "2023-09-31", "2023-10-32",
		"2023-11-31", "2023-12-32"};
	for (size_t i = 0; i < 12; i++) {
		expect_ok("project", "ends", str(last[i]));
		expect_refused("project", "ends", str(past[i]));
	}
}

/* ---- URL ---- */

Test(schema, http_and_https_urls_pass) {
	expect_ok("city", "website", str("https://en.unesco.org/creative-cities/"));
	expect_ok("city", "website", str("http://example.org"));
	expect_ok("event", "url", str("https://example.org/a?b=c#d"));
	expect_ok("event", "url", str("https://[::1]:8080/"));
}

Test(schema, url_without_http_scheme_or_host_is_refused_naming_the_field) {
	expect_refused("city", "website", str("ftp://example.org"));
	expect_refused("city", "website", str("example.org"));
	expect_refused("city", "website", str("http://"));
	expect_refused("city", "website", str("https:///path"));
	expect_refused("city", "website", str("https://?q"));
	expect_refused("city", "website", str(""));
}

Test(schema, url_with_spaces_or_control_characters_is_refused) {
	expect_refused("best_practice", "url", str("https://example.org/a b"));
	expect_refused("best_practice", "url", str("https://example.org/a\tb"));
	expect_refused("best_practice", "url", str("https://example.org/\n"));
	expect_refused("best_practice", "url", str_n("https://example.org/\0", 21));
}

Test(schema, url_of_2048_bytes_passes_and_2049_is_refused) {
	char url[2049];
	memset(url, 'a', sizeof(url));
	memcpy(url, "https://example.org/", 20);
	expect_ok("city", "website", str_n(url, 2048));
	expect_refused("city", "website", str_n(url, 2049));
}

/* ---- KEY, COUNTRY, CHOICE ---- */

Test(schema, key_of_64_lowercase_hex_digits_passes) {
	expect_ok("designation", "city", str(KEY_A));
	expect_ok("role", "city", str(KEY_B));
}

Test(schema, key_of_wrong_length_or_case_is_refused_naming_the_field) {
	expect_refused("designation", "city", str_n(KEY_A, 63));
	expect_refused("designation", "city", str(KEY_A "0"));
	expect_refused("designation", "city",
		str("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	expect_refused("designation", "city",
		str("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	expect_refused("role", "city", num(1));
}

Test(schema, country_of_two_capital_letters_passes) {
	expect_ok("city", "country", str("FR"));
	expect_ok("designation", "country", str("BR"));
}

Test(schema, other_country_codes_are_refused_naming_the_field) {
	expect_refused("city", "country", str("fr"));
	expect_refused("city", "country", str("FRA"));
	expect_refused("city", "country", str("F"));
	expect_refused("city", "country", str("F1"));
	expect_refused("city", "country", str("Fr"));
	expect_refused("city", "country", str(""));
}

Test(schema, every_listed_choice_passes) {
	expect_ok("designation", "status", str("active"));
	expect_ok("designation", "status", str("withdrawn"));
	const struct uccn_field_spec *type = spec_of("project", "type");
	size_t n = 0;
	for (; type->choices[n] != NULL; n++) {
		expect_ok("project", "type", str(type->choices[n]));
	}
	cr_assert_eq(n, 6);
	expect_ok("project", "status", str("cancelled"));
	expect_ok("report", "audience", str("secretariat"));
	expect_ok("role", "role", str("coordinator"));
	expect_ok("role", "role", str("deputy"));
}

Test(schema, unlisted_choice_is_refused_listing_the_choices) {
	expect_message("designation", "status", str("gone"),
		"designation.status: \"gone\" is not one of: active, withdrawn");
	expect_refused("designation", "status", str("Active"));
	expect_refused("project", "status", str("done"));
	expect_refused("report", "audience", str("everyone"));
	expect_refused("role", "role", str("chair"));
}

/* ---- FIELD and FIELDS ---- */

Test(schema, every_creative_field_is_accepted) {
	size_t n = 0;
	for (; uccn_creative_fields[n] != NULL; n++) {
		expect_ok("city", "field", str(uccn_creative_fields[n]));
		expect_ok("designation", "field", str(uccn_creative_fields[n]));
	}
	cr_assert_eq(n, 7);
	cr_assert_str_eq(uccn_creative_fields[0], "crafts_folk_art");
	cr_assert_str_eq(uccn_creative_fields[5], "media_arts");
}

Test(schema, cinema_is_not_a_creative_field) {
	expect_message("city", "field", str("cinema"),
		"city.field: \"cinema\" is not a creative field (crafts_folk_art, design, film, "
		"gastronomy, literature, media_arts, music)");
}

Test(schema, friendly_spelling_is_refused_on_the_wire) {
	expect_refused("city", "field", str("Media Arts"));
	expect_refused("city", "field", str("Music"));
	expect_refused("role", "field", str("crafts"));
}

Test(schema, list_of_one_to_seven_distinct_creative_fields_passes) {
	struct uccn_value all[7];
	for (size_t i = 0; i < 7; i++) {
		all[i] = str(uccn_creative_fields[i]);
	}
	expect_ok("event", "fields", list(all, 1));
	expect_ok("event", "fields", list(all, 7));
}

Test(schema, empty_or_repeating_creative_field_list_is_refused) {
	struct uccn_value twice[] = {str("music"), str("film"), str("music")};
	expect_refused("event", "fields", list(NULL, 0));
	expect_message(
		"event", "fields", list(twice, 3), "event.fields: \"music\" is listed twice");
}

Test(schema, list_of_eight_creative_fields_is_refused) {
	struct uccn_value eight[8];
	for (size_t i = 0; i < 7; i++) {
		eight[i] = str(uccn_creative_fields[i]);
	}
	eight[7] = str("music");
	expect_refused("project", "fields", list(eight, 8));
}

Test(schema, creative_field_list_with_unknown_or_integer_item_is_refused) {
	struct uccn_value cinema[] = {str("music"), str("cinema")};
	struct uccn_value number[] = {num(3)};
	expect_refused("best_practice", "fields", list(cinema, 2));
	expect_refused("best_practice", "fields", list(number, 1));
}

/* ---- SDGS ---- */

Test(schema, sdgs_from_1_to_17_pass) {
	struct uccn_value goals[17];
	for (size_t i = 0; i < 17; i++) {
		goals[i] = num((int64_t)i + 1);
	}
	expect_ok("best_practice", "sdgs", list(goals, 17));
	expect_ok("event", "sdgs", list(goals + 10, 1));
	expect_ok("project", "sdgs", list(NULL, 0));
}

Test(schema, sdg_outside_1_to_17_is_refused_naming_the_field) {
	struct uccn_value high[] = {num(4), num(18)};
	struct uccn_value zero[] = {num(0)};
	expect_message("best_practice", "sdgs", list(high, 2),
		"best_practice.sdgs: 18 is not an SDG (1-17)");
	expect_refused("best_practice", "sdgs", list(zero, 1));
}

Test(schema, repeated_or_textual_sdg_is_refused) {
	struct uccn_value twice[] = {num(11), num(4), num(11)};
	struct uccn_value text[] = {str("11")};
	expect_message("event", "sdgs", list(twice, 3), "event.sdgs: 11 is listed twice");
	expect_refused("event", "sdgs", list(text, 1));
}

/* ---- TEXTS ---- */

Test(schema, list_of_short_distinct_texts_passes) {
	struct uccn_value partners[] = {str("Lyon"), str("Montréal"), str("Ville de Québec")};
	expect_ok("best_practice", "partners", list(partners, 3));
	expect_ok("project", "partners", list(NULL, 0));
}

Test(schema, text_item_of_256_bytes_passes_and_257_is_refused) {
	char item[257];
	memset(item, 'x', sizeof(item));
	struct uccn_value ok[] = {str_n(item, 256)};
	struct uccn_value long_one[] = {str_n(item, 257)};
	expect_ok("project", "partners", list(ok, 1));
	expect_refused("project", "partners", list(long_one, 1));
}

Test(schema, empty_repeated_or_multiline_text_item_is_refused_naming_the_field) {
	struct uccn_value empty[] = {str("Lyon"), str("")};
	struct uccn_value twice[] = {str("Lyon"), str("Lyon")};
	struct uccn_value lines[] = {str("Lyon\nParis")};
	struct uccn_value bad_utf8[] = {str("Lyon\xc0\xaf")};
	struct uccn_value number[] = {num(1)};
	expect_refused("best_practice", "partners", list(empty, 2));
	expect_refused("best_practice", "partners", list(twice, 2));
	expect_refused("best_practice", "partners", list(lines, 1));
	expect_refused("best_practice", "partners", list(bad_utf8, 1));
	expect_refused("best_practice", "partners", list(number, 1));
}

Test(schema, text_list_of_64_items_passes_and_65_is_refused) {
	static char names[65][8];
	struct uccn_value items[65];
	for (size_t i = 0; i < 65; i++) {
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		items[i] = str(names[i]);
	}
	expect_ok("project", "partners", list(items, 64));
	expect_refused("project", "partners", list(items, 65));
}

/* ---- KEYS ---- */

Test(schema, list_of_distinct_keys_passes) {
	struct uccn_value keys[] = {str(KEY_A), str(KEY_B)};
	expect_ok("project", "editors", list(keys, 2));
}

Test(schema, bad_or_repeated_key_in_a_list_is_refused_naming_the_field) {
	struct uccn_value bad[] = {str(KEY_A), str("abc")};
	struct uccn_value twice[] = {str(KEY_A), str(KEY_A)};
	struct uccn_value number[] = {num(7)};
	expect_refused("project", "editors", list(bad, 2));
	expect_refused("project", "editors", list(twice, 2));
	expect_refused("project", "editors", list(number, 1));
}

/* ---- ids ---- */

Test(schema, ids_of_1_to_64_allowed_characters_are_valid) {
	cr_assert(uccn_schema_is_valid_id("a"));
	cr_assert(uccn_schema_is_valid_id("bp-2024.01:Lyon_x"));
	cr_assert(uccn_schema_is_valid_id(KEY_A));
}

Test(schema, empty_long_or_odd_ids_are_invalid) {
	cr_assert_not(uccn_schema_is_valid_id(""));
	cr_assert_not(uccn_schema_is_valid_id(NULL));
	cr_assert_not(uccn_schema_is_valid_id(KEY_A "0"));
	cr_assert_not(uccn_schema_is_valid_id("a b"));
	cr_assert_not(uccn_schema_is_valid_id("a/b"));
	cr_assert_not(uccn_schema_is_valid_id("café"));
}

/* ---- whole changes ---- */

static void fill_author(struct uccn_change *c, uint8_t first) {
	for (size_t i = 0; i < UCCN_KEY_BYTES; i++) {
		c->author[i] = (uint8_t)(first + i);
	}
	memcpy(c->owner, c->author, UCCN_KEY_BYTES);
}

/* The author key that fill_author(c, 0xa0) sets, in lowercase hex. */
#define AUTHOR_A0 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

static struct uccn_change *new_change(const char *kind, const char *id, enum uccn_op op) {
	struct uccn_change *c = calloc(1, sizeof(*c));
	cr_assert(c != NULL);
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->op = op;
	c->seq = 1;
	fill_author(c, 0xa0);
	return c;
}

static void add_field(struct uccn_change *c, const char *name, struct uccn_value v) {
	cr_assert(c->nfields < UCCN_FIELDS_MAX);
	c->fields[c->nfields++] =
		(struct uccn_field){.name = name, .name_len = strlen(name), .value = v};
}

/* A put that sets each of its fields, then the reason it is refused. */
struct change_case {
	const char *kind;
	const char *field[3];
	struct uccn_value value[3];
	const char *refused; /* a part of the reason, naming the field ("": any); NULL: passes */
};

/* The same with its id and operation. */
struct whole_case {
	const char *id;
	enum uccn_op op;
	struct change_case change;
};

static void check_whole_cases(const struct whole_case *cases, size_t n) {
	for (size_t i = 0; i < n; i++) {
		const struct change_case *cc = &cases[i].change;
		struct uccn_error why_err;
		struct uccn_change *c = new_change(cc->kind, cases[i].id, cases[i].op);
		for (size_t f = 0; f < 3 && cc->field[f] != NULL; f++) {
			add_field(c, cc->field[f], cc->value[f]);
		}
		int err = uccn_schema_check_change(c, &why_err);
		if (cc->refused == NULL) {
			cr_assert_eq(err, UCCN_OK, "case %zu (%s): %s", i, cc->kind, why_err.msg);
		} else {
			cr_assert_eq(err, UCCN_ESCHEMA, "case %zu (%s) passed", i, cc->kind);
			cr_assert_not_null(
				strstr(why_err.msg, cc->refused), "case %zu: %s", i, why_err.msg);
		}
		free(c);
	}
}

static void check_cases(const struct change_case *cases, size_t n) {
	for (size_t i = 0; i < n; i++) {
		const struct whole_case w = {"r1", UCCN_OP_PUT, cases[i]};
		check_whole_cases(&w, 1);
	}
}

Test(schema, put_with_valid_fields_passes) {
	struct uccn_error why_err;
	struct uccn_change *c = new_change("best_practice", "bp-1", UCCN_OP_PUT);
	c->items[0] = num(4);
	c->items[1] = num(11);
	c->nitems = 2;
	add_field(c, "title", str("Night of Literature"));
	add_field(c, "sdgs", list(c->items, 2));
	add_field(c, "url", nil());
	cr_assert_eq(uccn_schema_check_change(c, &why_err), UCCN_OK, "%s", why_err.msg);
	free(c);
}

Test(schema, a_change_is_checked_whole_its_operation_id_and_fields) {
	static const char upper_a0[] =
		"A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF";
	const struct whole_case cases[] = {
		/* A put sets fields; a delete sets none. */
		{"ev-1", UCCN_OP_PUT, {"event", {NULL}, {{0}}, "event"}},
		{"ev-1", UCCN_OP_DELETE, {"event", {NULL}, {{0}}, NULL}},
		{"ev-1", UCCN_OP_DELETE, {"event", {"title"}, {str("x")}, "delete"}},
		{"ev-1", (enum uccn_op)7, {"event", {NULL}, {{0}}, ""}},
		/* Its kind, id and fields are known and valid, each field given once. */
		{"bp-1", UCCN_OP_PUT,
			{"bestpractice", {"title"}, {str("x")}, "unknown kind \"bestpractice\""}},
		{"ev 1", UCCN_OP_PUT, {"event", {"title"}, {str("x")}, "id"}},
		{"bp-1", UCCN_OP_PUT,
			{"best_practice", {"title", "titel"}, {str("x"), str("y")},
				"best_practice: unknown field \"titel\""}},
		{"ev-1", UCCN_OP_PUT,
			{"event", {"title", "starts"}, {str("x"), str("2024-02-30")},
				"event.starts: "}},
		{"ev-1", UCCN_OP_PUT, {"event", {"title", "title"}, {str("x"), str("y")}, "title"}},
		/* A city record is named by its owner's key, whatever the operation. */
		{AUTHOR_A0, UCCN_OP_PUT,
			{"city", {"name", "country", "field"},
				{str("Lyon"), str("FR"), str("media_arts")}, NULL}},
		{KEY_A, UCCN_OP_PUT, {"city", {"name"}, {str("Lyon")}, "city"}}, /* another's */
		{upper_a0, UCCN_OP_PUT, {"city", {"name"}, {str("Lyon")}, "city"}},
		{"lyon", UCCN_OP_PUT, {"city", {"name"}, {str("Lyon")}, "city"}},
		{KEY_A, UCCN_OP_DELETE, {"city", {NULL}, {{0}}, ""}},
		/* Other kinds take any valid id. */
		{KEY_A, UCCN_OP_DELETE, {"designation", {NULL}, {{0}}, NULL}},
		{KEY_A, UCCN_OP_DELETE, {"best_practice", {NULL}, {{0}}, NULL}},
		{KEY_A, UCCN_OP_DELETE, {"event", {NULL}, {{0}}, NULL}},
		{KEY_A, UCCN_OP_DELETE, {"project", {NULL}, {{0}}, NULL}},
		{KEY_A, UCCN_OP_DELETE, {"report", {NULL}, {{0}}, NULL}},
		{KEY_A, UCCN_OP_DELETE, {"role", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"designation", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"best_practice", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"event", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"project", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"report", {NULL}, {{0}}, NULL}},
		{"x:1", UCCN_OP_DELETE, {"role", {NULL}, {{0}}, NULL}},
	};
	check_whole_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(schema, kind_without_terminating_nul_is_refused_without_overreading) {
	struct uccn_error why_err;
	struct uccn_change *c = new_change("event", "ev-1", UCCN_OP_PUT);
	add_field(c, "title", str("x"));
	memset(c->kind, 'e', sizeof(c->kind));
	memset(c->id, 'i', sizeof(c->id));
	cr_assert_eq(uccn_schema_check_change(c, &why_err), UCCN_ESCHEMA);
	free(c);
}

Test(schema, check_change_accepts_a_null_reason_buffer) {
	struct uccn_change *c = new_change("event", "ev-1", UCCN_OP_PUT);
	cr_assert_eq(uccn_schema_check_change(c, NULL), UCCN_ESCHEMA);
	free(c);
}

/* ---- type names ---- */

Test(schema, every_type_has_its_name) {
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_TEXT), "text");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_INT), "integer");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_DATE), "date (YYYY-MM-DD)");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_URL), "URL");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_KEY), "public key (64 hex digits)");
	cr_assert_str_eq(
		uccn_schema_type_name(UCCN_TYPE_COUNTRY), "country code (ISO 3166 alpha-2)");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_CHOICE), "choice");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_FIELD), "creative field");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_FIELDS), "list of creative fields");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_SDGS), "list of SDGs (1-17)");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_TEXTS), "list of texts");
	cr_assert_str_eq(uccn_schema_type_name(UCCN_TYPE_KEYS), "list of public keys");
}

/* ---- messages ---- */

Test(schema, long_hostile_value_is_quoted_short_and_escaped) {
	char value[300];
	char why[UCCN_ERRMSG_MAX];
	memset(value, '"', sizeof(value));
	value[10] = '\n';
	cr_assert_eq(check("city", "country", str_n(value, sizeof(value)), why), UCCN_ESCHEMA);
	cr_assert(strchr(why, '\n') == NULL, "%s", why);
	cr_assert(strstr(why, "...") != NULL, "%s", why);
	cr_assert(strstr(why, "city.country: ") == why, "%s", why);
}

/* ---- rules of the kinds that bind a whole change (PROTOCOL.md §9.2) ---- */

Test(schema, a_put_cannot_remove_a_required_field) {
	const struct change_case cases[] = {
		{"best_practice", {"title"}, {nil()}, "best_practice.title: required"},
		{"best_practice", {"summary"}, {nil()}, NULL},
		{"event", {"starts"}, {nil()}, "event.starts: required"},
		{"event", {"ends"}, {nil()}, NULL},
		{"report", {"period"}, {nil()}, "report.period: required"},
		{"role", {"to"}, {nil()}, "role.to: required"},
		{"designation", {"reason"}, {nil()}, NULL},
		{"key", {"successor", "cutoff"}, {nil(), nil()}, NULL},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* Every required field of every kind, and no other. */
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < all[i].nfields; j++) {
			char want[64];
			snprintf(want, sizeof(want), "%s.%s: required", all[i].name,
				all[i].fields[j].name);
			const struct change_case one = {all[i].name, {all[i].fields[j].name},
				{nil()}, all[i].fields[j].required ? want : NULL};
			if (strcmp(all[i].name, "city") == 0) {
				continue; /* its id must be its owner's key: checked below */
			}
			check_cases(&one, 1);
		}
	}
}

Test(schema, a_span_cannot_end_before_it_starts) {
	const struct change_case cases[] = {
		{"event", {"starts", "ends"}, {str("2024-05-02"), str("2024-05-01")},
			"event.ends: \"2024-05-01\" is before starts"},
		{"event", {"starts", "ends"}, {str("2024-05-02"), str("2024-05-02")}, NULL},
		{"event", {"ends", "starts"}, {str("2024-05-03"), str("2024-05-02")}, NULL},
		{"event", {"ends", "starts"}, {str("2023-12-31"), str("2024-01-01")}, "event.ends"},
		{"event", {"starts", "ends"}, {str("2024-05-02"), nil()}, NULL},
		{"event", {"ends"}, {str("1999-01-01")}, NULL}, /* its start is not in the change */
		{"project", {"starts", "ends"}, {str("2025-01-01"), str("2024-12-31")},
			"project.ends: \"2024-12-31\" is before starts"},
		{"project", {"starts", "ends"}, {str("2025-01-01"), str("2025-01-01")}, NULL},
		{"role", {"from", "to"}, {str("2025-01-01"), str("2024-12-31")},
			"role.to: \"2024-12-31\" is before from"},
		{"role", {"from", "to"}, {str("2025-01-01"), str("2025-01-01")}, NULL},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(schema, a_report_period_is_four_years) {
	const struct change_case cases[] = {
		{"report", {"period"}, {str("2019-2023")}, NULL},
		{"report", {"period"}, {str("1900-1904")}, NULL},
		{"report", {"period"}, {str("2196-2200")}, NULL},
		{"report", {"period"}, {str("2024")}, "report.period: \"2024\" is not a four-year"},
		{"report", {"period"}, {str("2019-2022")}, "report.period"},
		{"report", {"period"}, {str("2019-2024")}, "report.period"},
		{"report", {"period"}, {str("2023-2019")}, "report.period"},
		{"report", {"period"}, {str("1896-1900")}, "report.period"},
		{"report", {"period"}, {str("2197-2201")}, "report.period"},
		{"report", {"period"}, {str("2019 2023")}, "report.period"},
		{"report", {"period"}, {str("2019-2O23")}, "report.period"},
		{"report", {"period"}, {str("")}, "report.period"},
		{"report", {"period"}, {num(2019)}, "report.period"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

#define ZERO_KEY "0000000000000000000000000000000000000000000000000000000000000000"
/* 64 hex digits whose 32 bytes are not an Ed25519 public key. */
#define NOT_A_POINT "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
/* The identity point's encoding: on the curve, but of small order. */
#define SMALL_ORDER "0100000000000000000000000000000000000000000000000000000000000000"

Test(schema, a_key_must_be_an_ed25519_public_key_and_a_hash_need_not) {
	static struct uccn_value one_zero[1], one_bad[1], one_good[1];
	one_zero[0] = str(ZERO_KEY);
	one_bad[0] = str(NOT_A_POINT);
	one_good[0] = str(KEY_B);
	const struct change_case cases[] = {
		{"designation", {"city"}, {str(KEY_B)}, NULL},
		{"designation", {"city"}, {str(ZERO_KEY)}, "designation.city: \"0000"},
		{"designation", {"city"}, {str(NOT_A_POINT)}, "not an Ed25519 public key"},
		{"designation", {"city"}, {str(SMALL_ORDER)}, "not an Ed25519 public key"},
		{"role", {"city"}, {str(ZERO_KEY)}, "role.city"},
		{"key", {"city"}, {str(NOT_A_POINT)}, "key.city"},
		{"key", {"successor"}, {str(ZERO_KEY)}, "key.successor"},
		{"rotation", {"key"}, {str(SMALL_ORDER)}, "rotation.key"},
		{"project", {"editors"}, {list(one_good, 1)}, NULL},
		{"project", {"editors"}, {list(one_zero, 1)}, "project.editors"},
		{"project", {"editors"}, {list(one_bad, 1)}, "project.editors"},
		{"treehead", {"root"}, {str(ZERO_KEY)}, NULL},
		{"treehead", {"root"}, {str(NOT_A_POINT)}, NULL},
		{"treehead", {"root"}, {str("abc")}, "treehead.root"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
