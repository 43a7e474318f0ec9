/* test_cli_text.c - the command line's text for a field parsed into a value (tools/cli_text.c):
 * every type from what people type, items appended after those used, and every refusal
 * naming the field. Pure functions, so no files or network here. */
#include "tools/cli_text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/support.h"

TestSuite(cli_text, .fini = test_check_leaks);

#define KEY_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* The public key of the seed 32 x 0xb1 (KEY_A happens to be a point of the curve too). */
#define KEY_B "4721b5b632272e65a68dda7ac25b4185f8b01916db185c14287db92e2b770fae"

static struct uccn_value num(int64_t i) {
	return (struct uccn_value){.type = UCCN_VALUE_INT, .i = i};
}

static struct uccn_value nil(void) {
	return (struct uccn_value){.type = UCCN_VALUE_NIL};
}

static const struct uccn_field_spec *spec_of(const char *kind, const char *field) {
	const struct uccn_field_spec *s =
		uccn_schema_field(uccn_schema_kind(kind), field, strlen(field));
	cr_assert(s != NULL, "%s.%s", kind, field);
	return s;
}

/* Parses text for kind.field with a fresh item array; returns the code. */
static int parse(const char *kind, const char *field, const char *text, struct uccn_value *out,
	struct uccn_value *items, size_t *nitems, char *why) {
	why[0] = '\0';
	*nitems = 0;
	return uccn_cli_parse_text(spec_of(kind, field), text, out, items, 16, nitems, why, 256);
}

Test(cli_text, empty_text_parses_as_nil_for_every_type) {
	size_t n = 0;
	const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < all[i].nfields; j++) {
			struct uccn_value v = num(9);
			struct uccn_value items[4];
			size_t nitems = 0;
			char why[256] = "";
			int err = uccn_cli_parse_text(
				&all[i].fields[j], "", &v, items, 4, &nitems, why, sizeof(why));
			cr_assert_eq(err, UCCN_OK, "%s", why);
			cr_assert_eq(v.type, UCCN_VALUE_NIL);
			cr_assert_eq(nitems, 0);
		}
	}
}

Test(cli_text, text_parses_borrowing_the_given_bytes) {
	const char *text = "Festival of Lights";
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("event", "title", text, &v, items, &nitems, why), UCCN_OK, "%s", why);
	cr_assert_eq(v.type, UCCN_VALUE_STR);
	cr_assert(v.str == text);
	cr_assert_eq(v.str_len, strlen(text));
}

Test(cli_text, integer_parses_strictly_within_its_range) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("best_practice", "year", "2019", &v, items, &nitems, why), UCCN_OK);
	cr_assert_eq(v.type, UCCN_VALUE_INT);
	cr_assert_eq(v.i, 2019);
	cr_assert_eq(parse("designation", "cutoff", "4611686018427387904", &v, items, &nitems, why),
		UCCN_OK, "%s", why);
	cr_assert_eq(v.i, INT64_C(1) << 62);
}

Test(cli_text, date_url_key_and_country_parse_as_given) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("event", "starts", "2024-02-29", &v, items, &nitems, why), UCCN_OK);
	cr_assert_eq(v.type, UCCN_VALUE_STR);
	cr_assert_eq(v.str_len, 10);
	cr_assert_eq(
		parse("event", "url", "https://example.org", &v, items, &nitems, why), UCCN_OK);
	cr_assert_eq(parse("role", "city", KEY_A, &v, items, &nitems, why), UCCN_OK);
	cr_assert_eq(parse("city", "country", "JP", &v, items, &nitems, why), UCCN_OK);
}

Test(cli_text, choice_parses_in_any_case_to_the_static_spelling) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	const struct uccn_field_spec *s = spec_of("project", "type");
	cr_assert_eq(parse("project", "type", "South-South", &v, items, &nitems, why), UCCN_OK);
	cr_assert(v.str == s->choices[1]);
	cr_assert_eq(v.str_len, strlen("south-south"));
}

Test(cli_text, friendly_creative_field_spellings_parse_to_the_static_wire_name) {
	static const struct {
		const char *text;
		size_t field;
	} cases[] = {
		{"Media Arts", 5},
		{"media-arts", 5},
		{"MEDIA_ARTS", 5},
		{"media arts", 5},
		{"Crafts and Folk Arts", 0},
		{"crafts & folk art", 0},
		{"crafts", 0},
		{"crafts_folk_art", 0},
		{"Music", 6},
		{"  film ", 2},
		{"Gastronomy", 3},
		{"LITERATURE", 4},
		{"Design", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uccn_value v, items[16];
		size_t nitems;
		char why[256];
		cr_assert_eq(parse("city", "field", cases[i].text, &v, items, &nitems, why),
			UCCN_OK, "%s: %s", cases[i].text, why);
		cr_assert(v.str == uccn_creative_fields[cases[i].field], "%s", cases[i].text);
		cr_assert_eq(v.str_len, strlen(uccn_creative_fields[cases[i].field]));
	}
}

Test(cli_text, creative_field_list_parses_trimmed_and_friendly) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("event", "fields", "music,  Media Arts , film", &v, items, &nitems, why),
		UCCN_OK, "%s", why);
	cr_assert_eq(v.type, UCCN_VALUE_LIST);
	cr_assert_eq(v.count, 3);
	cr_assert_eq(nitems, 3);
	cr_assert(v.items == items);
	cr_assert(items[0].str == uccn_creative_fields[6]);
	cr_assert(items[1].str == uccn_creative_fields[5]);
	cr_assert(items[2].str == uccn_creative_fields[2]);
}

Test(cli_text, sdg_list_parses_as_integers) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("best_practice", "sdgs", "4, 11,17", &v, items, &nitems, why), UCCN_OK,
		"%s", why);
	cr_assert_eq(v.count, 3);
	cr_assert_eq(items[0].type, UCCN_VALUE_INT);
	cr_assert_eq(items[0].i, 4);
	cr_assert_eq(items[1].i, 11);
	cr_assert_eq(items[2].i, 17);
}

Test(cli_text, text_list_items_are_trimmed_and_borrow_the_text) {
	const char *text = "Lyon, Ville de Québec ,Montréal";
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(
		parse("project", "partners", text, &v, items, &nitems, why), UCCN_OK, "%s", why);
	cr_assert_eq(v.count, 3);
	cr_assert(items[0].str == text);
	cr_assert_eq(items[0].str_len, 4);
	cr_assert(items[1].str == text + 6);
	cr_assert_eq(items[1].str_len, strlen("Ville de Québec"));
	cr_assert_eq(items[2].str_len, strlen("Montréal"));
	cr_assert_eq(memcmp(items[2].str, "Montréal", items[2].str_len), 0);
}

Test(cli_text, key_list_parses_and_refuses_a_bad_key_naming_the_field) {
	struct uccn_value v, items[16];
	size_t nitems;
	char why[256];
	cr_assert_eq(parse("project", "editors", KEY_A ", " KEY_B, &v, items, &nitems, why),
		UCCN_OK, "%s", why);
	cr_assert_eq(v.count, 2);
}

/* Text that does not parse: refused, the reason naming kind.field (and saying more where the
 * row says what), the value left as it was. */
Test(cli_text, text_that_does_not_parse_is_refused_naming_the_field) {
	static const struct {
		const char *kind, *field, *text;
		const char *says; /* a part of the reason beyond kind.field; NULL: nothing more */
	} cases[] = {
		{"event", "title", "a\x1b", NULL},
		{"best_practice", "year", "2019x", NULL},
		{"best_practice", "year", " 2019", NULL},
		{"best_practice", "year", "2019 ", NULL},
		{"best_practice", "year", "0x7e3", NULL},
		{"best_practice", "year", "20 19", NULL},
		{"best_practice", "year", "2003", NULL},
		{"best_practice", "year", "2101", NULL},
		{"best_practice", "year", "99999999999999999999999", NULL},
		{"best_practice", "year", "-", NULL},
		{"best_practice", "year", "x", NULL},
		{"event", "starts", "2024-02-30", "\"2024-02-30\" is not a date (YYYY-MM-DD"},
		{"event", "url", "www.example.org", NULL},
		{"role", "city", "abc", NULL},
		{"city", "country", "jp", NULL},
		{"designation", "status", "gone", NULL},
		{"city", "field", "cinema", NULL},
		{"city", "field", "musics", NULL},
		{"city", "field", "media arts crafts", NULL},
		{"city", "field", "and", NULL},
		{"event", "fields", "music,,film", NULL},
		{"event", "fields", "music,", NULL},
		{"event", "fields", ",music", NULL},
		{"event", "fields", " , ", NULL},
		{"event", "fields", "music, ,film", NULL},
		{"event", "fields", "music, Music", NULL},
		{"event", "fields", "music, cinema", "cinema"},
		{"best_practice", "sdgs", "4,18", "18 is not an SDG (1-17)"},
		{"best_practice", "sdgs", "4,x", NULL},
		{"best_practice", "sdgs", "4,4", NULL},
		{"best_practice", "sdgs", "4.5", NULL},
		{"project", "editors", KEY_A ",xyz", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uccn_value v = nil(), items[16];
		size_t nitems;
		char why[256], path[64];
		cr_assert_eq(parse(cases[i].kind, cases[i].field, cases[i].text, &v, items, &nitems,
				     why),
			UCCN_ESCHEMA, "%s.%s: %s", cases[i].kind, cases[i].field, cases[i].text);
		snprintf(path, sizeof(path), "%s.%s: ", cases[i].kind, cases[i].field);
		cr_assert(strstr(why, path) == why, "%s", why);
		cr_assert(cases[i].says == NULL || strstr(why, cases[i].says) != NULL, "%s", why);
		cr_assert_eq(v.type, UCCN_VALUE_NIL, "out must stay untouched on error");
	}
}

Test(cli_text, list_items_are_appended_after_those_already_used) {
	struct uccn_value v, items[8];
	size_t nitems = 2;
	char why[256];
	int err = uccn_cli_parse_text(
		spec_of("event", "sdgs"), "3,5", &v, items, 8, &nitems, why, sizeof(why));
	cr_assert_eq(err, UCCN_OK, "%s", why);
	cr_assert(v.items == items + 2);
	cr_assert_eq(v.count, 2);
	cr_assert_eq(nitems, 4);
	cr_assert_eq(items[2].i, 3);
	cr_assert_eq(items[3].i, 5);
}

Test(cli_text, list_longer_than_the_room_left_is_refused_and_counts_nothing) {
	struct uccn_value v = nil(), items[4];
	size_t nitems = 2;
	char why[256];
	int err = uccn_cli_parse_text(
		spec_of("event", "sdgs"), "1,2,3", &v, items, 4, &nitems, why, sizeof(why));
	cr_assert_eq(err, UCCN_ESCHEMA);
	cr_assert_eq(nitems, 2);
	cr_assert_eq(v.type, UCCN_VALUE_NIL);
	cr_assert(strstr(why, "event.sdgs: ") == why, "%s", why);
}

Test(cli_text, refused_list_text_leaves_the_item_count_alone) {
	struct uccn_value v = nil(), items[8];
	size_t nitems = 1;
	char why[256];
	int err = uccn_cli_parse_text(
		spec_of("event", "sdgs"), "3,99", &v, items, 8, &nitems, why, sizeof(why));
	cr_assert_eq(err, UCCN_ESCHEMA);
	cr_assert_eq(nitems, 1);
	cr_assert_eq(v.type, UCCN_VALUE_NIL);
}

Test(cli_text, a_spec_outside_the_tables_is_still_checked_by_field_name) {
	static const struct uccn_field_spec spec = {
		.name = "count", .type = UCCN_TYPE_INT, .min = 1, .max = 3, .help = "a count"};
	struct uccn_value v, items[1];
	size_t nitems = 0;
	char why[256];
	cr_assert_eq(
		uccn_cli_parse_text(&spec, "2", &v, items, 1, &nitems, why, sizeof(why)), UCCN_OK);
	cr_assert_eq(v.i, 2);
	cr_assert_eq(uccn_cli_parse_text(&spec, "4", &v, items, 1, &nitems, why, sizeof(why)),
		UCCN_ESCHEMA);
	cr_assert_str_eq(why, "count: 4 is outside 1-3");
}
