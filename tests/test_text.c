/* test_text.c - the character rules every module shares (<uccn/text.h>): the record-id class and
 * its length bounds, UTF-8 decoding at each edge it refuses, and hex both ways. */
#include <uccn/text.h>

#include <criterion/criterion.h>
#include <string.h>

#include <uccn/change.h>

Test(text, id_class_is_letters_digits_and_four_marks) {
	cr_assert(uccn_text_is_valid_id("Az09._:-", 8));
	const char *bad = " /@#\"'\\ \x7f\x80\xc3";
	for (size_t i = 0; i < strlen(bad); i++) {
		char id[3] = {'a', bad[i], '\0'};
		cr_assert_not(uccn_text_is_valid_id(id, 2), "byte 0x%02x", (unsigned char)bad[i]);
	}
	/* Each end of every range, and its neighbours outside. */
	cr_assert(uccn_text_is_valid_id("aAzZ09", 6));
	cr_assert_not(uccn_text_is_valid_id("`", 1));
	cr_assert_not(uccn_text_is_valid_id("{", 1));
	cr_assert_not(uccn_text_is_valid_id("@", 1));
	cr_assert_not(uccn_text_is_valid_id("[", 1));
	cr_assert_not(uccn_text_is_valid_id("/", 1));
	cr_assert_not(uccn_text_is_valid_id(";", 1));
}

Test(text, id_is_one_to_id_max_bytes) {
	char id[UCCN_ID_MAX + 1];
	memset(id, 'x', sizeof(id));
	cr_assert_not(uccn_text_is_valid_id(id, 0));
	cr_assert(uccn_text_is_valid_id(id, 1));
	cr_assert(uccn_text_is_valid_id(id, UCCN_ID_MAX));
	cr_assert_not(uccn_text_is_valid_id(id, UCCN_ID_MAX + 1));
}

static size_t utf8_len(const char *s, size_t len) {
	size_t pos = 0;
	uint32_t cp = 0;
	return uccn_text_utf8_next((const uint8_t *)s, len, &pos, &cp) ? pos : 0;
}

Test(text, utf8_takes_each_length_and_its_code_point) {
	size_t pos = 0;
	uint32_t cp = 0;
	const uint8_t s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	uint32_t want[] = {'a', 0xe9, 0x20ac, 0x1f600};
	for (size_t i = 0; i < 4; i++) {
		cr_assert(uccn_text_utf8_next(s, sizeof(s) - 1, &pos, &cp));
		cr_assert_eq(cp, want[i]);
	}
	cr_assert_eq(pos, sizeof(s) - 1);
}

Test(text, utf8_refuses_overlong_surrogates_and_past_u10ffff) {
	cr_assert_eq(utf8_len("\xc2\x80", 2), 2);         /* U+0080, the least of 2 bytes */
	cr_assert_eq(utf8_len("\xc1\xbf", 2), 0);         /* overlong U+007F */
	cr_assert_eq(utf8_len("\xe0\xa0\x80", 3), 3);     /* U+0800 */
	cr_assert_eq(utf8_len("\xe0\x9f\xbf", 3), 0);     /* overlong U+07FF */
	cr_assert_eq(utf8_len("\xed\x9f\xbf", 3), 3);     /* U+D7FF */
	cr_assert_eq(utf8_len("\xed\xa0\x80", 3), 0);     /* U+D800, a surrogate */
	cr_assert_eq(utf8_len("\xed\xbf\xbf", 3), 0);     /* U+DFFF */
	cr_assert_eq(utf8_len("\xee\x80\x80", 3), 3);     /* U+E000 */
	cr_assert_eq(utf8_len("\xf0\x90\x80\x80", 4), 4); /* U+10000 */
	cr_assert_eq(utf8_len("\xf0\x8f\xbf\xbf", 4), 0); /* overlong U+FFFF */
	cr_assert_eq(utf8_len("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF */
	cr_assert_eq(utf8_len("\xf4\x90\x80\x80", 4), 0); /* U+110000 */
	cr_assert_eq(utf8_len("\x80", 1), 0);             /* a continuation byte first */
	cr_assert_eq(utf8_len("\xf8\x88\x80\x80", 4), 0); /* no 5-byte forms */
	cr_assert_eq(utf8_len("\xc3\x28", 2), 0);         /* not a continuation byte */
	cr_assert_eq(utf8_len("\xe2\x82\xac", 2), 0);     /* cut short by len */
}

Test(text, hex_round_trips_and_takes_either_case) {
	const uint8_t bin[] = {0x00, 0x01, 0x9a, 0xf0, 0xff};
	char hex[2 * sizeof(bin) + 1];
	uccn_text_to_hex(bin, sizeof(bin), hex);
	cr_assert_str_eq(hex, "00019af0ff");
	uint8_t back[sizeof(bin)];
	cr_assert_eq(uccn_text_from_hex(hex, strlen(hex), back, sizeof(back)), UCCN_OK);
	cr_assert_arr_eq(back, bin, sizeof(bin));
	cr_assert_eq(uccn_text_from_hex("00019AF0FF", 10, back, sizeof(back)), UCCN_OK);
	cr_assert_arr_eq(back, bin, sizeof(bin));
	cr_assert(uccn_text_is_lower_hex(hex, strlen(hex)));
	cr_assert_not(uccn_text_is_lower_hex("00019AF0FF", 10));
}

Test(text, hex_refuses_other_lengths_and_non_digits) {
	uint8_t out[2];
	cr_assert_eq(uccn_text_from_hex("abc", 3, out, 2), UCCN_EINVAL);
	cr_assert_eq(uccn_text_from_hex("abcdef", 6, out, 2), UCCN_EINVAL);
	const char *bad = "gG/:@`";
	for (size_t i = 0; i < strlen(bad); i++) {
		char hex[5] = {'a', 'b', 'c', bad[i], '\0'};
		cr_assert_eq(uccn_text_from_hex(hex, 4, out, 2), UCCN_EINVAL, "%c", bad[i]);
		cr_assert_not(uccn_text_is_lower_hex(hex, 4), "%c", bad[i]);
	}
}

Test(text, quote_escapes_what_could_forge_a_line_and_cuts_long_values) {
	char q[UCCN_TEXT_QUOTE_BUF];
	cr_assert_str_eq(uccn_text_quote(q, "Caf\xc3\xa9", 5), "\"Caf\xc3\xa9\"");
	cr_assert_str_eq(uccn_text_quote(q, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	cr_assert_str_eq(uccn_text_quote(q, "x\ny\x7f\xff", 5), "\"x\\x0ay\\x7f\\xff\"");
	char long_text[200];
	memset(long_text, 'a', sizeof(long_text));
	uccn_text_quote(q, long_text, sizeof(long_text));
	cr_assert_eq(strlen(q), UCCN_TEXT_QUOTE_SHOWN + 2 + 3, "%s", q);
	cr_assert(strcmp(q + strlen(q) - 4, "\"...") == 0, "%s", q);
	memset(long_text, 0x01,
		sizeof(long_text)); /* every byte escaped: the buffer's worst case */
	uccn_text_quote(q, long_text, sizeof(long_text));
	cr_assert_eq(strlen(q), 4 * UCCN_TEXT_QUOTE_SHOWN + 2 + 3);
}
