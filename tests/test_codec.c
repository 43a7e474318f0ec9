/* test_codec.c - the wire format of proto/PROTOCOL.md: round trips of changes, states and export
 * files, refusal of every malformed shape, every truncation and seeded corruptions. Malformed
 * inputs are written by a small independent msgpack writer below, not by the codec, so the
 * tests also show that another implementation of §2 interoperates. Inputs are decoded from
 * exact-size heap copies so that AddressSanitizer sees any read past the end. */
#include "proto/codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <zstd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

/* 64 bytes of 0xab: the codec never verifies a signature. */
static uint8_t FAKE_SIG[UCCN_SIG_BYTES];

static void setup(void) {
	memset(FAKE_SIG, 0xab, sizeof(FAKE_SIG));
}

static void teardown(void) {
#ifdef __SANITIZE_ADDRESS__
	/* A leak in Criterion's forked worker is reported but does not fail the test otherwise. */
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}

TestSuite(codec, .init = setup, .fini = teardown);

#define HLC_2023 ((uint64_t)1700000000000 << 16)

/* ---------------------------------------------------------------------------------------- */
/* An independent msgpack writer, shortest forms only (as §2 asks of encoders). */

static void mp_raw(struct uccn_bytes *b, const void *p, size_t n) {
	cr_assert_eq(uccn_bytes_append(b, p, n), UCCN_OK);
}

static void mp_byte(struct uccn_bytes *b, uint8_t x) {
	mp_raw(b, &x, 1);
}

static void mp_be(struct uccn_bytes *b, uint8_t tag, uint64_t v, size_t n) {
	mp_byte(b, tag);
	for (size_t i = n; i > 0; i--) {
		mp_byte(b, (uint8_t)(v >> (8 * (i - 1))));
	}
}

static void mp_uint(struct uccn_bytes *b, uint64_t v) {
	if (v < 128) {
		mp_byte(b, (uint8_t)v);
	} else if (v <= UINT8_MAX) {
		mp_be(b, 0xcc, v, 1);
	} else if (v <= UINT16_MAX) {
		mp_be(b, 0xcd, v, 2);
	} else if (v <= UINT32_MAX) {
		mp_be(b, 0xce, v, 4);
	} else {
		mp_be(b, 0xcf, v, 8);
	}
}

static void mp_nil(struct uccn_bytes *b) {
	mp_byte(b, 0xc0);
}

static void mp_array(struct uccn_bytes *b, uint32_t n) {
	if (n < 16) {
		mp_byte(b, (uint8_t)(0x90 | n));
	} else if (n <= UINT16_MAX) {
		mp_be(b, 0xdc, n, 2);
	} else {
		mp_be(b, 0xdd, n, 4);
	}
}

static void mp_map(struct uccn_bytes *b, uint32_t n) {
	if (n < 16) {
		mp_byte(b, (uint8_t)(0x80 | n));
	} else if (n <= UINT16_MAX) {
		mp_be(b, 0xde, n, 2);
	} else {
		mp_be(b, 0xdf, n, 4);
	}
}

static void mp_str_n(struct uccn_bytes *b, const char *s, size_t n) {
	if (n < 32) {
		mp_byte(b, (uint8_t)(0xa0 | n));
	} else if (n <= UINT8_MAX) {
		mp_be(b, 0xd9, n, 1);
	} else if (n <= UINT16_MAX) {
		mp_be(b, 0xda, n, 2);
	} else {
		mp_be(b, 0xdb, n, 4);
	}
	mp_raw(b, s, n);
}

static void mp_str(struct uccn_bytes *b, const char *s) {
	mp_str_n(b, s, strlen(s));
}

static void mp_bin(struct uccn_bytes *b, const uint8_t *p, size_t n) {
	if (n <= UINT8_MAX) {
		mp_be(b, 0xc4, n, 1);
	} else if (n <= UINT16_MAX) {
		mp_be(b, 0xc5, n, 2);
	} else {
		mp_be(b, 0xc6, n, 4);
	}
	mp_raw(b, p, n);
}

static void mp_key(struct uccn_bytes *b, uint8_t fill, size_t n) {
	uint8_t k[64];
	memset(k, fill, sizeof(k));
	mp_bin(b, k, n);
}

/* ---------------------------------------------------------------------------------------- */
/* A valid change, as a struct and as hand-written bytes. */

static const char *const TITLE = "Music in schools";

/* Fills c with a put that uses every kind of value. */
static void sample_change(struct uccn_change *c) {
	memset(c, 0, sizeof(*c));
	memset(c->network, 0x11, UCCN_KEY_BYTES);
	memset(c->author, 0x22, UCCN_KEY_BYTES);
	memcpy(c->owner, c->author, UCCN_KEY_BYTES);
	c->seq = 2;
	c->has_prev = true;
	memset(c->prev, 0x33, UCCN_HASH_BYTES);
	c->hlc = HLC_2023 | 7;
	strcpy(c->kind, "best_practice");
	strcpy(c->id, "0123456789abcdef0123456789abcdef");
	c->op = UCCN_OP_PUT;
	c->items[0] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 4};
	c->items[1] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 11};
	c->items[2] = (struct uccn_value){.type = UCCN_VALUE_STR, .str = "music", .str_len = 5};
	c->items[3] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = -300};
	c->nitems = 4;
	c->fields[0] = (struct uccn_field){.name = "title",
		.name_len = 5,
		.value = {.type = UCCN_VALUE_STR, .str = TITLE, .str_len = strlen(TITLE)}};
	c->fields[1] = (struct uccn_field){.name = "sdgs",
		.name_len = 4,
		.value = {.type = UCCN_VALUE_LIST, .items = c->items, .count = 2}};
	c->fields[2] = (struct uccn_field){
		.name = "year", .name_len = 4, .value = {.type = UCCN_VALUE_INT, .i = 2024}};
	c->fields[3] = (struct uccn_field){
		.name = "summary", .name_len = 7, .value = {.type = UCCN_VALUE_NIL}};
	c->fields[4] = (struct uccn_field){.name = "mixed",
		.name_len = 5,
		.value = {.type = UCCN_VALUE_LIST, .items = c->items + 2, .count = 2}};
	c->fields[5] = (struct uccn_field){
		.name = "min", .name_len = 3, .value = {.type = UCCN_VALUE_INT, .i = INT64_MIN}};
	c->fields[6] = (struct uccn_field){
		.name = "max", .name_len = 3, .value = {.type = UCCN_VALUE_INT, .i = INT64_MAX}};
	c->fields[7] = (struct uccn_field){
		.name = "empty", .name_len = 5, .value = {.type = UCCN_VALUE_LIST, .count = 0}};
	c->nfields = 8;
}

/* Encodes c and wraps it with FAKE_SIG. */
static void encode_change(const struct uccn_change *c, struct uccn_bytes *out) {
	struct uccn_bytes body = {0};
	cr_assert_eq(uccn_codec_encode_body(c, &body), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, FAKE_SIG, out), UCCN_OK);
	uccn_bytes_finish(&body);
}

/* Writes element i of a valid body (the sample's shape, fewer fields) by hand. */
static void default_element(struct uccn_bytes *b, int i) {
	switch (i) {
	case 0:
		mp_uint(b, 1);
		break;
	case 1:
		mp_key(b, 0x11, 32);
		break;
	case 2:
		mp_key(b, 0x22, 32);
		break;
	case 3:
		mp_uint(b, 2);
		break;
	case 4:
		mp_key(b, 0x33, 32);
		break;
	case 5:
		mp_uint(b, HLC_2023 | 7);
		break;
	case 6:
		mp_str(b, "best_practice");
		break;
	case 7:
		mp_nil(b);
		break;
	case 8:
		mp_str(b, "0123456789abcdef0123456789abcdef");
		break;
	case 9:
		mp_uint(b, 0);
		break;
	case 10:
		mp_map(b, 2);
		mp_str(b, "title");
		mp_str(b, TITLE);
		mp_str(b, "sdgs");
		mp_array(b, 2);
		mp_uint(b, 4);
		mp_uint(b, 11);
		break;
	default:
		mp_nil(b);
		break;
	}
}

/* Writes a signed change whose body has nelems elements, each written by element (which falls
 * back to default_element for the ones it does not change). */
static void hand_change(
	struct uccn_bytes *out, int nelems, void (*element)(struct uccn_bytes *, int)) {
	struct uccn_bytes body = {0};
	mp_array(&body, (uint32_t)nelems);
	for (int i = 0; i < nelems; i++) {
		element(&body, i);
	}
	mp_array(out, 2);
	mp_bin(out, body.data, body.len);
	mp_bin(out, FAKE_SIG, sizeof(FAKE_SIG));
	uccn_bytes_finish(&body);
}

/* Decodes from an exact-size heap copy, so that a read past len is caught. */
static int decode_copy(const uint8_t *buf, size_t len, struct uccn_change *c, char *why, size_t n) {
	uint8_t *copy = malloc(len > 0 ? len : 1);
	cr_assert_not_null(copy);
	if (len > 0) {
		memcpy(copy, buf, len);
	}
	int err = uccn_codec_decode_change(copy, len, c, why, n);
	free(copy);
	return err;
}

static void assert_values_equal(const struct uccn_value *a, const struct uccn_value *b) {
	cr_assert_eq(a->type, b->type);
	switch (a->type) {
	case UCCN_VALUE_INT:
		cr_assert_eq(a->i, b->i);
		break;
	case UCCN_VALUE_STR:
		cr_assert_eq(a->str_len, b->str_len);
		cr_assert_eq(memcmp(a->str, b->str, a->str_len), 0);
		break;
	case UCCN_VALUE_LIST:
		cr_assert_eq(a->count, b->count);
		for (size_t i = 0; i < a->count; i++) {
			assert_values_equal(&a->items[i], &b->items[i]);
		}
		break;
	default:
		break;
	}
}

static void assert_changes_equal(const struct uccn_change *a, const struct uccn_change *b) {
	cr_assert_eq(memcmp(a->network, b->network, UCCN_KEY_BYTES), 0);
	cr_assert_eq(memcmp(a->author, b->author, UCCN_KEY_BYTES), 0);
	cr_assert_eq(memcmp(a->owner, b->owner, UCCN_KEY_BYTES), 0);
	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->has_prev, b->has_prev);
	if (a->has_prev) {
		cr_assert_eq(memcmp(a->prev, b->prev, UCCN_HASH_BYTES), 0);
	}
	cr_assert_eq(a->hlc, b->hlc);
	cr_assert_str_eq(a->kind, b->kind);
	cr_assert_str_eq(a->id, b->id);
	cr_assert_eq(a->op, b->op);
	cr_assert_eq(a->nfields, b->nfields);
	for (size_t i = 0; i < a->nfields; i++) {
		cr_assert_eq(a->fields[i].name_len, b->fields[i].name_len);
		cr_assert_eq(
			memcmp(a->fields[i].name, b->fields[i].name, a->fields[i].name_len), 0);
		assert_values_equal(&a->fields[i].value, &b->fields[i].value);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Changes: round trips */

Test(codec, body_round_trips_every_field) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	encode_change(&in, &buf);
	char why[128] = "";
	cr_assert_eq(decode_copy(buf.data, buf.len, &out, why, sizeof(why)), UCCN_OK, "%s", why);
	/* decode_copy freed its copy; decode again in place for the borrowed pointers. */
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, why, sizeof(why)), UCCN_OK);
	assert_changes_equal(&in, &out);
	cr_assert_eq(out.nitems, 4);
	cr_assert_eq(out.fields[1].value.items, out.items, "list items live in the struct");
	uccn_bytes_finish(&buf);
}

Test(codec, signed_change_exposes_raw_body_and_signature) {
	struct uccn_change in, out;
	struct uccn_bytes body = {0}, buf = {0};
	sample_change(&in);
	cr_assert_eq(uccn_codec_encode_body(&in, &body), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, FAKE_SIG, &buf), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(out.raw, buf.data);
	cr_assert_eq(out.raw_len, buf.len);
	cr_assert_eq(out.body_len, body.len);
	cr_assert_eq(memcmp(out.body, body.data, body.len), 0);
	cr_assert(out.body > buf.data && out.body + out.body_len <= buf.data + buf.len);
	cr_assert_eq(memcmp(out.sig, FAKE_SIG, UCCN_SIG_BYTES), 0);
	cr_assert_eq(out.sig + UCCN_SIG_BYTES, buf.data + buf.len, "the signature ends the change");
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

Test(codec, body_starts_with_fixarray_11) {
	struct uccn_change in;
	struct uccn_bytes body = {0};
	sample_change(&in);
	cr_assert_eq(uccn_codec_encode_body(&in, &body), UCCN_OK);
	cr_assert_eq(body.data[0], 0x9b);
	cr_assert_eq(body.data[1], 0x01, "version 1 as a positive fixint");
	uccn_bytes_finish(&body);
}

Test(codec, encoder_output_matches_an_independent_writer) {
	struct uccn_change in;
	sample_change(&in);
	in.nfields = 2; /* title and sdgs: what default_element writes */
	struct uccn_bytes mine = {0}, theirs = {0};
	encode_change(&in, &mine);
	hand_change(&theirs, 11, default_element);
	cr_assert_eq(mine.len, theirs.len);
	cr_assert_eq(memcmp(mine.data, theirs.data, mine.len), 0);
	uccn_bytes_finish(&mine);
	uccn_bytes_finish(&theirs);
}

Test(codec, first_change_has_nil_prev) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	in.seq = 1;
	in.has_prev = false;
	encode_change(&in, &buf);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(out.seq, 1);
	cr_assert_not(out.has_prev);
	uccn_bytes_finish(&buf);
}

Test(codec, a_later_change_may_start_a_feed_with_nil_prev) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	in.seq = 7;
	in.has_prev = false;
	encode_change(&in, &buf);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(out.seq, 7);
	cr_assert_not(out.has_prev);
	uccn_bytes_finish(&buf);
}

Test(codec, owner_equal_to_author_is_written_as_nil) {
	struct uccn_change in, out;
	struct uccn_bytes same = {0}, other = {0};
	sample_change(&in);
	encode_change(&in, &same);
	memset(in.owner, 0x44, UCCN_KEY_BYTES);
	encode_change(&in, &other);
	/* nil is 1 byte, a 32-byte bin 34. */
	cr_assert_eq(other.len, same.len + 33);
	cr_assert_eq(uccn_codec_decode_change(same.data, same.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(memcmp(out.owner, out.author, UCCN_KEY_BYTES), 0);
	cr_assert_eq(uccn_codec_decode_change(other.data, other.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(out.owner[0], 0x44);
	cr_assert_eq(out.author[0], 0x22);
	uccn_bytes_finish(&same);
	uccn_bytes_finish(&other);
}

Test(codec, delete_round_trips_with_no_fields) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	in.op = UCCN_OP_DELETE;
	in.nfields = 0;
	encode_change(&in, &buf);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	cr_assert_eq(out.op, UCCN_OP_DELETE);
	cr_assert_eq(out.nfields, 0);
	uccn_bytes_finish(&buf);
}

Test(codec, encoders_append_to_what_the_buffer_holds) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	mp_raw(&buf, "xyz", 3);
	encode_change(&in, &buf);
	cr_assert_eq(memcmp(buf.data, "xyz", 3), 0);
	cr_assert_eq(uccn_codec_decode_change(buf.data + 3, buf.len - 3, &out, NULL, 0), UCCN_OK);
	uccn_bytes_finish(&buf);
}

Test(codec, largest_values_round_trip) {
	static char big[16384];
	memset(big, 'x', sizeof(big));
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	sample_change(&in);
	in.fields[0].value.str = big;
	in.fields[0].value.str_len = sizeof(big);
	/* Four lists of 64 items fill the 256 items of a change. */
	for (size_t i = 0; i < UCCN_ITEMS_MAX; i++) {
		in.items[i] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = (int64_t)i - 128};
	}
	static const char *const names[] = {"a", "b", "c", "d"};
	for (size_t i = 0; i < 4; i++) {
		in.fields[1 + i] = (struct uccn_field){.name = names[i],
			.name_len = 1,
			.value = {
				.type = UCCN_VALUE_LIST, .items = in.items + 64 * i, .count = 64}};
	}
	in.nfields = 5;
	memset(in.id, 'Z', UCCN_ID_MAX);
	in.id[UCCN_ID_MAX] = '\0';
	memset(in.kind, 'k', UCCN_KIND_MAX);
	in.kind[UCCN_KIND_MAX] = '\0';
	in.seq = UINT64_MAX;
	in.hlc = UINT64_MAX;
	encode_change(&in, &buf);
	char why[128] = "";
	cr_assert_eq(decode_copy(buf.data, buf.len, &out, why, sizeof(why)), UCCN_OK, "%s", why);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, why, sizeof(why)), UCCN_OK);
	assert_changes_equal(&in, &out);
	cr_assert_eq(out.nitems, UCCN_ITEMS_MAX);
	uccn_bytes_finish(&buf);
}

Test(codec, thirty_two_fields_round_trip) {
	struct uccn_change in, out;
	struct uccn_bytes buf = {0};
	static char names[UCCN_FIELDS_MAX][4];
	sample_change(&in);
	for (size_t i = 0; i < UCCN_FIELDS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		in.fields[i] = (struct uccn_field){.name = names[i],
			.name_len = strlen(names[i]),
			.value = {.type = UCCN_VALUE_INT, .i = (int64_t)i * 1000}};
	}
	in.nfields = UCCN_FIELDS_MAX;
	encode_change(&in, &buf);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	assert_changes_equal(&in, &out);
	uccn_bytes_finish(&buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Changes: the encoder refuses what the decoder would */

static void expect_einval(const struct uccn_change *c) {
	struct uccn_bytes buf = {0};
	mp_raw(&buf, "ab", 2);
	cr_assert_eq(uccn_codec_encode_body(c, &buf), UCCN_EINVAL);
	cr_assert_eq(buf.len, 2, "a refused encode leaves the buffer as it was");
	uccn_bytes_finish(&buf);
}

Test(codec, encoder_refuses_what_breaks_a_limit) {
	struct uccn_change c;

	sample_change(&c);
	strcpy(c.kind, "Best");
	expect_einval(&c);

	sample_change(&c);
	c.kind[0] = '\0';
	expect_einval(&c);

	sample_change(&c);
	memset(c.id, 'a', sizeof(c.id)); /* 65 bytes, no NUL */
	expect_einval(&c);

	sample_change(&c);
	strcpy(c.id, "has space");
	expect_einval(&c);

	sample_change(&c);
	c.seq = 1; /* with prev */
	expect_einval(&c);

	sample_change(&c);
	c.seq = 0;
	c.has_prev = false;
	expect_einval(&c);

	sample_change(&c);
	c.fields[1].name = "title";
	c.fields[1].name_len = 5;
	expect_einval(&c); /* a name twice */

	sample_change(&c);
	c.fields[0].name = "Title";
	expect_einval(&c);

	sample_change(&c);
	c.fields[0].name = "a_name_that_is_thirty_two_bytes_";
	c.fields[0].name_len = 32;
	expect_einval(&c);

	sample_change(&c);
	c.items[0].type = UCCN_VALUE_LIST; /* a nested list */
	expect_einval(&c);

	sample_change(&c);
	c.items[0].type = UCCN_VALUE_NIL; /* nil inside a list */
	expect_einval(&c);

	sample_change(&c);
	c.nfields = UCCN_FIELDS_MAX + 1;
	expect_einval(&c);

	sample_change(&c);
	c.op = UCCN_OP_DELETE; /* with fields */
	expect_einval(&c);

	sample_change(&c);
	c.op = (enum uccn_op)2;
	expect_einval(&c);

	sample_change(&c);
	c.fields[0].value.str_len = 16385;
	expect_einval(&c);

	sample_change(&c);
	c.fields[1].value.count = UCCN_LIST_MAX + 1;
	expect_einval(&c);

	sample_change(&c);
	c.fields[2].value.type = (enum uccn_value_type)9;
	expect_einval(&c);
}

Test(codec, encoder_refuses_more_than_256_items) {
	struct uccn_change c;
	sample_change(&c);
	for (size_t i = 0; i < UCCN_ITEMS_MAX; i++) {
		c.items[i] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 1};
	}
	static const char *const names[] = {"a", "b", "c", "d", "e"};
	for (size_t i = 0; i < 5; i++) {
		/* Five lists of 64 over the same items: 320 in all. */
		c.fields[i] = (struct uccn_field){.name = names[i],
			.name_len = 1,
			.value = {.type = UCCN_VALUE_LIST, .items = c.items, .count = 64}};
	}
	c.nfields = 5;
	expect_einval(&c);
	c.nfields = 4;
	struct uccn_bytes buf = {0};
	cr_assert_eq(uccn_codec_encode_body(&c, &buf), UCCN_OK);
	uccn_bytes_finish(&buf);
}

Test(codec, encoder_refuses_a_change_over_65536_bytes) {
	static char big[16384];
	memset(big, 'x', sizeof(big));
	struct uccn_change c;
	sample_change(&c);
	static const char *const names[] = {"a", "b", "c", "d"};
	for (size_t i = 0; i < 4; i++) {
		c.fields[i] = (struct uccn_field){.name = names[i],
			.name_len = 1,
			.value = {.type = UCCN_VALUE_STR, .str = big, .str_len = sizeof(big)}};
	}
	c.nfields = 4; /* 65536 bytes of strings alone */
	expect_einval(&c);
	c.fields[3].value.str_len = 16384 - 1000;
	struct uccn_bytes body = {0}, buf = {0};
	cr_assert_eq(uccn_codec_encode_body(&c, &body), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, FAKE_SIG, &buf), UCCN_OK);
	cr_assert_leq(buf.len, UCCN_CHANGE_MAX);
	struct uccn_change out;
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &out, NULL, 0), UCCN_OK);
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Changes: the decoder refuses every malformed shape */

/* Builds the change element writes, decodes it and expects UCCN_EPROTO with a reason that
 * contains hint. */
static void expect_refused(
	int nelems, void (*element)(struct uccn_bytes *, int), const char *hint) {
	struct uccn_bytes buf = {0};
	struct uccn_change c;
	char why[160] = "";
	hand_change(&buf, nelems, element);
	cr_assert_eq(decode_copy(buf.data, buf.len, &c, why, sizeof(why)), UCCN_EPROTO,
		"expected a refusal mentioning \"%s\"", hint);
	cr_assert_not_null(strstr(why, hint), "reason \"%s\" does not mention \"%s\"", why, hint);
	uccn_bytes_finish(&buf);
}

Test(codec, hand_written_change_decodes) {
	struct uccn_bytes buf = {0};
	struct uccn_change c;
	char why[160] = "";
	hand_change(&buf, 11, default_element);
	cr_assert_eq(decode_copy(buf.data, buf.len, &c, why, sizeof(why)), UCCN_OK, "%s", why);
	uccn_bytes_finish(&buf);
}

Test(codec, wrong_array_length_is_refused) {
	expect_refused(10, default_element, "array of 11");
	expect_refused(12, default_element, "array of 11");
}

static void version_2(struct uccn_bytes *b, int i) {
	i == 0 ? mp_uint(b, 2) : default_element(b, i);
}
static void seq_0(struct uccn_bytes *b, int i) {
	i == 3 ? mp_uint(b, 0) : default_element(b, i);
}
static void seq_1_with_prev(struct uccn_bytes *b, int i) {
	i == 3 ? mp_uint(b, 1) : default_element(b, i);
}
static void seq_2_with_short_prev(struct uccn_bytes *b, int i) {
	i == 4 ? mp_bin(b, (const uint8_t *)"0123456789abcdef0123456789abcde", 31)
	       : default_element(b, i);
}
static void kind_uppercase(struct uccn_bytes *b, int i) {
	i == 6 ? mp_str(b, "Best_practice") : default_element(b, i);
}
static void kind_empty(struct uccn_bytes *b, int i) {
	i == 6 ? mp_str(b, "") : default_element(b, i);
}
static void kind_24_bytes(struct uccn_bytes *b, int i) {
	i == 6 ? mp_str(b, "abcdefghijklmnopqrstuvwx") : default_element(b, i);
}
static void kind_with_nul(struct uccn_bytes *b, int i) {
	i == 6 ? mp_str_n(b, "best\0practice", 13) : default_element(b, i);
}
static void id_65_bytes(struct uccn_bytes *b, int i) {
	i == 8 ? mp_str(b, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")
	       : default_element(b, i);
}
static void id_with_slash(struct uccn_bytes *b, int i) {
	i == 8 ? mp_str(b, "a/b") : default_element(b, i);
}
static void id_as_bin(struct uccn_bytes *b, int i) {
	i == 8 ? mp_key(b, 'a', 8) : default_element(b, i);
}
static void author_31_bytes(struct uccn_bytes *b, int i) {
	i == 2 ? mp_key(b, 0x22, 31) : default_element(b, i);
}
static void network_33_bytes(struct uccn_bytes *b, int i) {
	i == 1 ? mp_key(b, 0x11, 33) : default_element(b, i);
}
static void prev_as_str(struct uccn_bytes *b, int i) {
	i == 4 ? mp_str(b, "0123456789abcdef0123456789abcdef") : default_element(b, i);
}
static void owner_31_bytes(struct uccn_bytes *b, int i) {
	i == 7 ? mp_key(b, 0x44, 31) : default_element(b, i);
}
static void hlc_negative(struct uccn_bytes *b, int i) {
	i == 5 ? mp_byte(b, 0xff) : default_element(b, i);
}
static void op_2(struct uccn_bytes *b, int i) {
	i == 9 ? mp_uint(b, 2) : default_element(b, i);
}
static void delete_with_fields(struct uccn_bytes *b, int i) {
	i == 9 ? mp_uint(b, 1) : default_element(b, i);
}
static void fields_as_array(struct uccn_bytes *b, int i) {
	i == 10 ? mp_array(b, 0) : default_element(b, i);
}
static void one_field(struct uccn_bytes *b, const char *name, void (*value)(struct uccn_bytes *)) {
	mp_map(b, 1);
	mp_str(b, name);
	value(b);
}
static void nested_list_value(struct uccn_bytes *b) {
	mp_array(b, 2);
	mp_uint(b, 4);
	mp_array(b, 1);
	mp_uint(b, 11);
}
static void nested_list(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "sdgs", nested_list_value) : default_element(b, i);
}
static void nil_in_list_value(struct uccn_bytes *b) {
	mp_array(b, 2);
	mp_uint(b, 4);
	mp_nil(b);
}
static void nil_in_list(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "sdgs", nil_in_list_value) : default_element(b, i);
}
static void long_list_value(struct uccn_bytes *b) {
	mp_array(b, UCCN_LIST_MAX + 1);
	for (int i = 0; i <= UCCN_LIST_MAX; i++) {
		mp_uint(b, 1);
	}
}
static void long_list(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "sdgs", long_list_value) : default_element(b, i);
}
static void map_value(struct uccn_bytes *b) {
	mp_map(b, 0);
}
static void map_as_value(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "title", map_value) : default_element(b, i);
}
static void true_value(struct uccn_bytes *b) {
	mp_byte(b, 0xc3);
}
static void bool_as_value(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "title", true_value) : default_element(b, i);
}
static void float_value(struct uccn_bytes *b) {
	mp_be(b, 0xcb, 0x3ff0000000000000, 8);
}
static void float_as_value(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "year", float_value) : default_element(b, i);
}
static void huge_uint_value(struct uccn_bytes *b) {
	mp_uint(b, (uint64_t)INT64_MAX + 1);
}
static void int_over_int64(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "year", huge_uint_value) : default_element(b, i);
}
static void long_str_value(struct uccn_bytes *b) {
	static char big[16385];
	memset(big, 'x', sizeof(big));
	mp_str_n(b, big, sizeof(big));
}
static void str_over_16384(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "title", long_str_value) : default_element(b, i);
}
static void ext_value(struct uccn_bytes *b) {
	mp_byte(b, 0xd4);
	mp_byte(b, 1);
	mp_byte(b, 2);
}
static void ext_as_value(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "title", ext_value) : default_element(b, i);
}
static void nil_value(struct uccn_bytes *b) {
	mp_nil(b);
}
static void name_with_space(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "tit le", nil_value) : default_element(b, i);
}
static void name_32_bytes(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "abcdefghijklmnopqrstuvwxyz012345", nil_value)
		: default_element(b, i);
}
static void name_empty(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "", nil_value) : default_element(b, i);
}
static void name_as_int(struct uccn_bytes *b, int i) {
	if (i != 10) {
		default_element(b, i);
		return;
	}
	mp_map(b, 1);
	mp_uint(b, 1);
	mp_nil(b);
}
static void duplicate_names(struct uccn_bytes *b, int i) {
	if (i != 10) {
		default_element(b, i);
		return;
	}
	mp_map(b, 2);
	mp_str(b, "title");
	mp_str(b, "a");
	mp_str(b, "title");
	mp_str(b, "b");
}
static void fields_33(struct uccn_bytes *b, int i) {
	if (i != 10) {
		default_element(b, i);
		return;
	}
	mp_map(b, 33);
	for (int j = 0; j < 33; j++) {
		char name[8];
		snprintf(name, sizeof(name), "f%d", j);
		mp_str(b, name);
		mp_uint(b, 1);
	}
}
static void items_320(struct uccn_bytes *b, int i) {
	if (i != 10) {
		default_element(b, i);
		return;
	}
	mp_map(b, 5);
	for (int j = 0; j < 5; j++) {
		char name[8];
		snprintf(name, sizeof(name), "f%d", j);
		mp_str(b, name);
		mp_array(b, 64);
		for (int k = 0; k < 64; k++) {
			mp_uint(b, 1);
		}
	}
}

Test(codec, each_malformed_element_is_refused_with_its_reason) {
	expect_refused(11, version_2, "version");
	expect_refused(11, seq_0, "field 3 (seq) must be a positive integer");
	expect_refused(11, seq_1_with_prev, "field 4 (prev) must be nil");
	expect_refused(11, seq_2_with_short_prev, "field 4 (prev) must be nil or a 32-byte bin");
	expect_refused(11, kind_uppercase, "field 6 (kind)");
	expect_refused(11, kind_empty, "field 6 (kind)");
	expect_refused(11, kind_24_bytes, "field 6 (kind)");
	expect_refused(11, kind_with_nul, "field 6 (kind)");
	expect_refused(11, id_65_bytes, "field 8 (id)");
	expect_refused(11, id_with_slash, "field 8 (id)");
	expect_refused(11, id_as_bin, "field 8 (id) must be a string");
	expect_refused(11, author_31_bytes, "field 2 (author)");
	expect_refused(11, network_33_bytes, "field 1 (network)");
	expect_refused(11, prev_as_str, "field 4 (prev)");
	expect_refused(11, owner_31_bytes, "field 7 (owner)");
	expect_refused(11, hlc_negative, "field 5 (hlc)");
	expect_refused(11, op_2, "field 9 (op)");
	expect_refused(11, delete_with_fields, "a delete carries no fields");
	expect_refused(11, fields_as_array, "field 10 (fields) must be a map");
	expect_refused(11, nested_list, "list item 1");
	expect_refused(11, nil_in_list, "list item 1");
	expect_refused(11, long_list, "at most 64 items");
	expect_refused(11, map_as_value, "field \"title\" must be");
	expect_refused(11, bool_as_value, "field \"title\" must be");
	expect_refused(11, float_as_value, "field \"year\" must be");
	expect_refused(11, ext_as_value, "field \"title\" must be");
	expect_refused(11, int_over_int64, "64 signed bits");
	expect_refused(11, str_over_16384, "at most 16384 bytes");
	expect_refused(11, name_with_space, "field name \"tit le\" has invalid characters");
	expect_refused(11, name_32_bytes, "must be 1 to 31 bytes");
	expect_refused(11, name_empty, "must be 1 to 31 bytes");
	expect_refused(11, name_as_int, "a field name must be a string");
	expect_refused(11, duplicate_names, "field \"title\" appears twice");
	expect_refused(11, fields_33, "33 fields");
	expect_refused(11, items_320, "more than 256 list items");
}

/* Decodes raw bytes given in full, expecting a refusal that mentions hint. */
static void expect_raw_refused(const uint8_t *buf, size_t len, const char *hint) {
	struct uccn_change c;
	char why[160] = "";
	cr_assert_eq(decode_copy(buf, len, &c, why, sizeof(why)), UCCN_EPROTO, "%s", hint);
	cr_assert_not_null(strstr(why, hint), "reason \"%s\" does not mention \"%s\"", why, hint);
}

Test(codec, malformed_framing_is_refused) {
	struct uccn_bytes body = {0}, buf = {0};
	mp_array(&body, 11);
	for (int i = 0; i < 11; i++) {
		default_element(&body, i);
	}

	/* The signature must be 64 bytes. */
	mp_array(&buf, 2);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 63);
	expect_raw_refused(buf.data, buf.len, "signature must be 64 bytes");

	/* An outer array of 3. */
	buf.len = 0;
	mp_array(&buf, 3);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	mp_nil(&buf);
	expect_raw_refused(buf.data, buf.len, "array of 2");

	/* The body as a str rather than a bin. */
	buf.len = 0;
	mp_array(&buf, 2);
	mp_str_n(&buf, (const char *)body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "must be a bin (the body)");

	/* The body unwrapped. */
	expect_raw_refused(body.data, body.len, "array of 2");

	/* An array 16 of 11 is valid msgpack but not a body (§3 domain separation). */
	struct uccn_bytes wide = {0};
	mp_be(&wide, 0xdc, 11, 2);
	mp_raw(&wide, body.data + 1, body.len - 1);
	buf.len = 0;
	mp_array(&buf, 2);
	mp_bin(&buf, wide.data, wide.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "0x9b");

	/* A body with a byte after its array. */
	mp_byte(&body, 0xc0);
	buf.len = 0;
	mp_array(&buf, 2);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "trailing bytes after the body");

	/* A body cut short inside its own bin. */
	body.len -= 5;
	buf.len = 0;
	mp_array(&buf, 2);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "body is truncated");

	/* An empty input. */
	expect_raw_refused((const uint8_t *)"", 0, "truncated");

	uccn_bytes_finish(&wide);
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

Test(codec, hostile_container_sizes_are_refused_without_allocating) {
	/* A body whose map claims 2^32-1 entries: msgpack-c alone would ask for ~200 GiB. */
	struct uccn_bytes body = {0}, buf = {0};
	mp_array(&body, 11);
	for (int i = 0; i < 10; i++) {
		default_element(&body, i);
	}
	mp_be(&body, 0xdf, UINT32_MAX, 4);
	mp_array(&buf, 2);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "truncated");

	/* The same claims in the outer array, which msgpack-c also decodes (§3). */
	static const uint8_t huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
	expect_raw_refused(huge_array, sizeof(huge_array), "truncated");
	static const uint8_t huge_map_inside[] = {0x92, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0};
	expect_raw_refused(huge_map_inside, sizeof(huge_map_inside), "truncated");
	static const uint8_t huge_bin_inside[] = {0x92, 0xc6, 0xff, 0xff, 0xff, 0xff, 0xc0};
	expect_raw_refused(huge_bin_inside, sizeof(huge_bin_inside), "truncated");
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

Test(codec, byte_c1_is_refused_in_the_change_and_in_the_body) {
	/* 0xc1 is the one byte msgpack never uses: msgpack-c refuses it wherever it is. */
	static const uint8_t outer[] = {0x92, 0xc1, 0xc0};
	expect_raw_refused(outer, sizeof(outer), "not valid msgpack");
	struct uccn_bytes body = {0}, buf = {0};
	mp_array(&body, 11);
	for (int i = 0; i < 10; i++) {
		default_element(&body, i);
	}
	mp_byte(&body, 0xc1);
	mp_array(&buf, 2);
	mp_bin(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	expect_raw_refused(buf.data, buf.len, "body is not valid msgpack");
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

Test(codec, decoder_accepts_longer_integer_forms) {
	/* §2: decoders accept any valid representation; only the bytes signed are fixed. */
	struct uccn_bytes body = {0}, buf = {0};
	mp_array(&body, 11);
	mp_be(&body, 0xcf, 1, 8); /* version as uint 64 */
	default_element(&body, 1);
	default_element(&body, 2);
	mp_be(&body, 0xd3, 2, 8); /* seq as int 64 */
	for (int i = 4; i < 11; i++) {
		default_element(&body, i);
	}
	mp_array(&buf, 2);
	mp_be(&buf, 0xc6, body.len, 4); /* bin 32 for a short body */
	mp_raw(&buf, body.data, body.len);
	mp_bin(&buf, FAKE_SIG, 64);
	struct uccn_change c;
	char why[160] = "";
	cr_assert_eq(decode_copy(buf.data, buf.len, &c, why, sizeof(why)), UCCN_OK, "%s", why);
	cr_assert_eq(uccn_codec_decode_change(buf.data, buf.len, &c, why, sizeof(why)), UCCN_OK);
	cr_assert_eq(c.seq, 2);
	cr_assert_eq(c.body_len, body.len);
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&buf);
}

Test(codec, change_over_65536_bytes_is_refused) {
	uint8_t *big = calloc(1, UCCN_CHANGE_MAX + 1);
	cr_assert_not_null(big);
	expect_raw_refused(big, UCCN_CHANGE_MAX + 1, "at most 65536 bytes");
	free(big);
}

Test(codec, trailing_byte_is_refused) {
	struct uccn_change c;
	struct uccn_bytes buf = {0};
	sample_change(&c);
	encode_change(&c, &buf);
	mp_byte(&buf, 0xc0);
	expect_raw_refused(buf.data, buf.len, "trailing bytes after the change");
	uccn_bytes_finish(&buf);
}

Test(codec, every_truncation_is_refused) {
	struct uccn_change c;
	struct uccn_bytes buf = {0};
	sample_change(&c);
	encode_change(&c, &buf);
	for (size_t len = 0; len < buf.len; len++) {
		char why[160] = "";
		cr_assert_eq(decode_copy(buf.data, len, &c, why, sizeof(why)), UCCN_EPROTO,
			"cut at %zu of %zu", len, buf.len);
		cr_assert_neq(why[0], '\0', "a refusal always says why");
	}
	uccn_bytes_finish(&buf);
}

/* xorshift64*: the same seed gives the same mutations on every machine. */
static uint64_t next_random(uint64_t *s) {
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

Test(codec, seeded_corruptions_never_crash) {
	struct uccn_change c;
	struct uccn_bytes valid = {0};
	sample_change(&c);
	encode_change(&c, &valid);
	uint64_t seed = 0x5eed0001;
	uint8_t *copy = malloc(valid.len + 8);
	cr_assert_not_null(copy);
	size_t accepted = 0;
	for (int round = 0; round < 5000; round++) {
		size_t len = valid.len;
		memcpy(copy, valid.data, len);
		int flips = 1 + (int)(next_random(&seed) % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = next_random(&seed) % len;
			uint64_t r = next_random(&seed);
			if (r % 8 == 0) {
				copy[at] = (uint8_t)(0xc0 + r % 64); /* a msgpack type byte */
			} else {
				copy[at] ^= (uint8_t)(1u << (r % 8));
			}
		}
		if (next_random(&seed) % 10 == 0) {
			len -= next_random(&seed) % len; /* and sometimes cut it */
		}
		/* Decode from an exact-size copy so any over-read is caught. */
		uint8_t *exact = malloc(len > 0 ? len : 1);
		cr_assert_not_null(exact);
		memcpy(exact, copy, len);
		char why[160];
		int err = uccn_codec_decode_change(exact, len, &c, why, sizeof(why));
		cr_assert(err == UCCN_OK || err == UCCN_EPROTO, "round %d: %d", round, err);
		if (err == UCCN_OK) {
			accepted++;
			cr_assert_leq(c.nfields, UCCN_FIELDS_MAX);
			cr_assert_leq(c.nitems, UCCN_ITEMS_MAX);
			cr_assert(!c.has_prev || c.seq > 1, "only a later change names a prev");
			cr_assert_lt(strlen(c.kind), sizeof(c.kind));
			cr_assert_lt(strlen(c.id), sizeof(c.id));
		}
		free(exact);
	}
	/* Some flips land in a string or key and leave a valid change: that is fine. */
	cr_assert_lt(accepted, 5000);
	free(copy);
	uccn_bytes_finish(&valid);
}

/* ---------------------------------------------------------------------------------------- */
/* Record state (§6) */

/* The owner of the sample state's record: it wrote sdgs and title, the other fields are by 0x22
 * and 0x55, and title carries the record's clock (updated_hlc, owner). */
static uint8_t owner77[UCCN_KEY_BYTES];

static void sample_state(struct uccn_state *s) {
	memset(owner77, 0x77, UCCN_KEY_BYTES);
	memset(s, 0, sizeof(*s));
	s->has_tomb = true;
	s->tomb_hlc = HLC_2023;
	memset(s->tomb_author, 0x99, UCCN_KEY_BYTES);
	s->created_hlc = HLC_2023 - 5;
	s->updated_hlc = HLC_2023 + 5;
	s->items[0] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 4};
	s->items[1] = (struct uccn_value){.type = UCCN_VALUE_STR, .str = "x", .str_len = 1};
	s->nitems = 2;
	static const char *const names[] = {"sdgs", "summary", "title", "year"};
	static const uint8_t authors[] = {0x77, 0x22, 0x77, 0x55};
	for (size_t i = 0; i < 4; i++) {
		s->fields[i].field.name = names[i];
		s->fields[i].field.name_len = strlen(names[i]);
		s->fields[i].hlc = HLC_2023 + i;
		memset(s->fields[i].author, authors[i], UCCN_KEY_BYTES);
	}
	s->fields[0].field.value =
		(struct uccn_value){.type = UCCN_VALUE_LIST, .items = s->items, .count = 2};
	s->fields[1].field.value = (struct uccn_value){.type = UCCN_VALUE_NIL};
	s->fields[2].field.value =
		(struct uccn_value){.type = UCCN_VALUE_STR, .str = TITLE, .str_len = strlen(TITLE)};
	s->fields[3].field.value = (struct uccn_value){.type = UCCN_VALUE_INT, .i = -2024};
	s->fields[2].hlc = s->updated_hlc;
	s->nfields = 4;
}

static void assert_states_equal(const struct uccn_state *a, const struct uccn_state *b) {
	cr_assert_eq(a->has_tomb, b->has_tomb);
	if (a->has_tomb) {
		cr_assert_eq(a->tomb_hlc, b->tomb_hlc);
		cr_assert_eq(memcmp(a->tomb_author, b->tomb_author, UCCN_KEY_BYTES), 0);
	}
	cr_assert_eq(a->created_hlc, b->created_hlc);
	cr_assert_eq(a->updated_hlc, b->updated_hlc);
	cr_assert_eq(a->nfields, b->nfields);
	for (size_t i = 0; i < a->nfields; i++) {
		const struct uccn_state_field *fa = &a->fields[i], *fb = &b->fields[i];
		cr_assert_eq(fa->field.name_len, fb->field.name_len);
		cr_assert_eq(memcmp(fa->field.name, fb->field.name, fa->field.name_len), 0);
		assert_values_equal(&fa->field.value, &fb->field.value);
		cr_assert_eq(fa->hlc, fb->hlc);
		cr_assert_eq(memcmp(fa->author, fb->author, UCCN_KEY_BYTES), 0);
	}
}

static int decode_state_copy(const uint8_t *buf, size_t len, struct uccn_state *s) {
	uint8_t *copy = malloc(len > 0 ? len : 1);
	cr_assert_not_null(copy);
	if (len > 0) {
		memcpy(copy, buf, len);
	}
	int err = uccn_codec_decode_state(copy, len, owner77, s);
	free(copy);
	return err;
}

Test(codec, state_round_trips) {
	struct uccn_state in, out;
	struct uccn_bytes buf = {0}, again = {0};
	sample_state(&in);
	cr_assert_eq(uccn_codec_encode_state(&in, owner77, &buf), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_state(buf.data, buf.len, owner77, &out), UCCN_OK);
	assert_states_equal(&in, &out);
	cr_assert_eq(out.nitems, 2);
	cr_assert_eq(uccn_codec_encode_state(&out, owner77, &again), UCCN_OK);
	cr_assert_eq(again.len, buf.len);
	cr_assert_eq(memcmp(again.data, buf.data, buf.len), 0);

	in.has_tomb = false;
	in.nfields = 0;
	buf.len = 0;
	cr_assert_eq(uccn_codec_encode_state(&in, owner77, &buf), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_state(buf.data, buf.len, owner77, &out), UCCN_OK);
	assert_states_equal(&in, &out);
	uccn_bytes_finish(&buf);
	uccn_bytes_finish(&again);
}

Test(codec, state_bytes_match_the_documented_layout) {
	struct uccn_state s;
	struct uccn_bytes mine = {0}, theirs = {0};
	sample_state(&s);
	cr_assert_eq(uccn_codec_encode_state(&s, owner77, &mine), UCCN_OK);

	/* §6, written by hand: the authors table is 0x22.., 0x55.. whatever order the fields
	 * name them in (0x77, 0x22, 0x77, 0x55); the owner 0x77 is index 0 and not in it, and
	 * title, written at the record's clock, is [name, value] alone. */
	mp_array(&theirs, 5);
	mp_array(&theirs, 2);
	mp_uint(&theirs, HLC_2023);
	mp_key(&theirs, 0x99, 32);
	mp_uint(&theirs, HLC_2023 - 5);
	mp_uint(&theirs, HLC_2023 + 5);
	mp_array(&theirs, 2);
	mp_key(&theirs, 0x22, 32);
	mp_key(&theirs, 0x55, 32);
	mp_array(&theirs, 4);
	mp_array(&theirs, 4);
	mp_str(&theirs, "sdgs");
	mp_array(&theirs, 2);
	mp_uint(&theirs, 4);
	mp_str(&theirs, "x");
	mp_uint(&theirs, HLC_2023);
	mp_uint(&theirs, 0);
	mp_array(&theirs, 4);
	mp_str(&theirs, "summary");
	mp_nil(&theirs);
	mp_uint(&theirs, HLC_2023 + 1);
	mp_uint(&theirs, 1);
	mp_array(&theirs, 2);
	mp_str(&theirs, "title");
	mp_str(&theirs, TITLE);
	mp_array(&theirs, 4);
	mp_str(&theirs, "year");
	mp_byte(&theirs, 0xd1); /* -2024 as int 16 */
	mp_byte(&theirs, 0xf8);
	mp_byte(&theirs, 0x18);
	mp_uint(&theirs, HLC_2023 + 3);
	mp_uint(&theirs, 2);

	cr_assert_eq(mine.len, theirs.len);
	cr_assert_eq(memcmp(mine.data, theirs.data, mine.len), 0);
	uccn_bytes_finish(&mine);
	uccn_bytes_finish(&theirs);
}

Test(codec, state_encoding_is_canonical) {
	/* The same logical state, built two ways: authors met in another order, list items stored
	 * elsewhere in items. The bytes must be the same. */
	struct uccn_state a, b;
	struct uccn_bytes ba = {0}, bb = {0};
	sample_state(&a);
	sample_state(&b);
	memset(b.fields[0].author, 0x22, UCCN_KEY_BYTES);
	memset(b.fields[1].author, 0x77, UCCN_KEY_BYTES);
	memset(a.fields[0].author, 0x22, UCCN_KEY_BYTES);
	memset(a.fields[1].author, 0x77, UCCN_KEY_BYTES);
	memset(b.fields[3].author, 0x22, UCCN_KEY_BYTES);
	memset(a.fields[3].author, 0x22, UCCN_KEY_BYTES);
	b.items[10] = b.items[0];
	b.items[11] = b.items[1];
	b.items[0] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 999};
	b.fields[0].field.value.items = b.items + 10;
	b.nitems = 12;
	cr_assert_eq(uccn_codec_encode_state(&a, owner77, &ba), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_state(&b, owner77, &bb), UCCN_OK);
	cr_assert_eq(ba.len, bb.len);
	cr_assert_eq(memcmp(ba.data, bb.data, ba.len), 0);

	/* Permuting which field names which author changes only the indexes, never the table. */
	struct uccn_state c;
	sample_state(&c);
	memset(c.fields[0].author, 0x55, UCCN_KEY_BYTES);
	memset(c.fields[1].author, 0x77, UCCN_KEY_BYTES);
	memset(c.fields[2].author, 0x22, UCCN_KEY_BYTES);
	memset(c.fields[3].author, 0x77, UCCN_KEY_BYTES);
	struct uccn_bytes bc = {0};
	cr_assert_eq(uccn_codec_encode_state(&c, owner77, &bc), UCCN_OK);
	struct uccn_state back;
	cr_assert_eq(uccn_codec_decode_state(bc.data, bc.len, owner77, &back), UCCN_OK);
	assert_states_equal(&c, &back);
	uccn_bytes_finish(&ba);
	uccn_bytes_finish(&bb);
	uccn_bytes_finish(&bc);
}

Test(codec, state_encoder_refuses_unsorted_or_repeated_fields) {
	struct uccn_state s;
	struct uccn_bytes buf = {0};
	sample_state(&s);
	struct uccn_state_field t = s.fields[1];
	s.fields[1] = s.fields[2];
	s.fields[2] = t;
	cr_assert_eq(uccn_codec_encode_state(&s, owner77, &buf), UCCN_EINVAL);
	sample_state(&s);
	s.fields[1].field.name = "sdgs";
	s.fields[1].field.name_len = 4;
	cr_assert_eq(uccn_codec_encode_state(&s, owner77, &buf), UCCN_EINVAL);
	sample_state(&s);
	s.fields[0].field.name = "sdg";
	s.fields[0].field.name_len = 3;
	s.fields[1].field.name = "sdgs"; /* a prefix sorts first */
	s.fields[1].field.name_len = 4;
	cr_assert_eq(uccn_codec_encode_state(&s, owner77, &buf), UCCN_OK);
	cr_assert_eq(buf.len > 0, true);
	uccn_bytes_finish(&buf);
}

/* Writes a state (updated_hlc 6) with two fields, a at clock 5 and second at clock 6, naming
 * author indexes ia and ib of a hand-made table (0: the owner, 0x77; i: fills[i - 1]). A
 * negative ib writes the second field in the short form, [name, value]. */
static void hand_state(struct uccn_bytes *b, const uint8_t *fills, uint32_t n, uint64_t ia,
	int64_t ib, const char *second) {
	mp_array(b, 5);
	mp_nil(b);
	mp_uint(b, 1);
	mp_uint(b, 6);
	mp_array(b, n);
	for (uint32_t i = 0; i < n; i++) {
		mp_key(b, fills[i], 32);
	}
	mp_array(b, 2);
	mp_array(b, 4);
	mp_str(b, "a");
	mp_uint(b, 1);
	mp_uint(b, 5);
	mp_uint(b, ia);
	mp_array(b, ib < 0 ? 2 : 4);
	mp_str(b, second);
	mp_uint(b, 2);
	if (ib >= 0) {
		mp_uint(b, 6);
		mp_uint(b, (uint64_t)ib);
	}
}

Test(codec, state_decoder_accepts_only_the_canonical_form) {
	struct uccn_state s;
	struct uccn_bytes b = {0};
	static const uint8_t sorted[] = {0x10, 0x20}, unsorted[] = {0x20, 0x10},
			     repeated[] = {0x10, 0x10}, three[] = {0x10, 0x20, 0x30},
			     one[] = {0x10}, with_owner[] = {0x10, 0x77};
	sample_state(&s); /* sets owner77 */
	hand_state(&b, sorted, 2, 1, 2, "b");
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_state(b.data, b.len, owner77, &s), UCCN_OK);
	cr_assert_eq(s.fields[0].author[0], 0x10);
	cr_assert_eq(s.fields[1].author[0], 0x20);
	b.len = 0;
	hand_state(&b, one, 1, 0, 1, "b"); /* index 0 is the owner */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_OK);
	cr_assert_eq(s.fields[0].author[0], 0x77);
	cr_assert_eq(s.fields[0].hlc, 5);
	b.len = 0;
	hand_state(&b, one, 1, 1, -1, "b"); /* the short form: the record's clock, the owner's */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_OK);
	cr_assert_eq(s.fields[1].author[0], 0x77);
	cr_assert_eq(s.fields[1].hlc, 6);
	b.len = 0;
	hand_state(&b, one, 1, 1, 0, "b"); /* the record's clock written in full */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, with_owner, 2, 1, 2, "b"); /* the owner in the table */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, unsorted, 2, 1, 2, "b");
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, repeated, 2, 1, 2, "b");
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, three, 3, 1, 2, "b"); /* an author no field names */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, sorted, 2, 1, 3, "b"); /* an index out of the table */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, sorted, 2, 1, 2, "a"); /* a name twice */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	b.len = 0;
	hand_state(&b, sorted, 2, 1, 2, "B"); /* a bad name */
	cr_assert_eq(decode_state_copy(b.data, b.len, &s), UCCN_EPROTO);
	uccn_bytes_finish(&b);
}

Test(codec, every_state_truncation_and_corruption_is_refused_cleanly) {
	struct uccn_state s;
	struct uccn_bytes buf = {0};
	sample_state(&s);
	cr_assert_eq(uccn_codec_encode_state(&s, owner77, &buf), UCCN_OK);
	for (size_t len = 0; len < buf.len; len++) {
		cr_assert_eq(decode_state_copy(buf.data, len, &s), UCCN_EPROTO, "cut at %zu", len);
	}
	mp_byte(&buf, 0xc0);
	cr_assert_eq(decode_state_copy(buf.data, buf.len, &s), UCCN_EPROTO, "a trailing byte");
	buf.len--;
	uint64_t seed = 0x5eed0002;
	uint8_t *copy = malloc(buf.len);
	cr_assert_not_null(copy);
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, buf.data, buf.len);
		copy[next_random(&seed) % buf.len] ^= (uint8_t)(1u << (next_random(&seed) % 8));
		int err = decode_state_copy(copy, buf.len, &s);
		cr_assert(err == UCCN_OK || err == UCCN_EPROTO);
	}
	free(copy);
	uccn_bytes_finish(&buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Export files (§7) */

#define NCHANGES 3
#define NITEMS (NCHANGES + 2)

/* Where each item of sample_file ends. */
static size_t item_ends[NITEMS];

/* Writes a whole export file of NCHANGES changes; changes[i] receives each change's bytes. */
static void sample_file(struct uccn_bytes *file, struct uccn_bytes changes[NCHANGES]) {
	uint8_t network[UCCN_KEY_BYTES], hash[UCCN_HASH_BYTES];
	memset(network, 0x11, sizeof(network));
	memset(hash, 0x5a, sizeof(hash)); /* the codec does not check it: import does */
	cr_assert_eq(uccn_codec_encode_file_header(network, file), UCCN_OK);
	item_ends[0] = file->len;
	for (int i = 0; i < NCHANGES; i++) {
		struct uccn_change c;
		sample_change(&c);
		c.seq = (uint64_t)i + 2;
		c.nfields = (size_t)i + 1;
		changes[i] = (struct uccn_bytes){0};
		encode_change(&c, &changes[i]);
		cr_assert_eq(uccn_codec_encode_file_change(changes[i].data, changes[i].len, file),
			UCCN_OK);
		item_ends[i + 1] = file->len;
	}
	cr_assert_eq(uccn_codec_encode_file_trailer(NCHANGES, hash, file), UCCN_OK);
	item_ends[NITEMS - 1] = file->len;
}

static void finish_changes(struct uccn_bytes changes[NCHANGES]) {
	for (int i = 0; i < NCHANGES; i++) {
		uccn_bytes_finish(&changes[i]);
	}
}

/* Checks that item is the kth of sample_file's items (0: header, last: trailer). */
static void assert_sample_item(
	const struct uccn_file_item *item, int k, struct uccn_bytes changes[NCHANGES]) {
	if (k == 0) {
		cr_assert_eq(item->type, UCCN_FILE_HEADER);
		cr_assert_eq(item->offset, 0);
		cr_assert_eq(item->network[0], 0x11);
	} else if (k <= NCHANGES) {
		cr_assert_eq(item->type, UCCN_FILE_CHANGE);
		cr_assert_eq(item->change_len, changes[k - 1].len);
		cr_assert_eq(memcmp(item->change, changes[k - 1].data, item->change_len), 0);
		struct uccn_change c;
		cr_assert_eq(uccn_codec_decode_change(item->change, item->change_len, &c, NULL, 0),
			UCCN_OK);
		cr_assert_eq(c.seq, (uint64_t)k + 1);
	} else {
		cr_assert_eq(item->type, UCCN_FILE_TRAILER);
		cr_assert_eq(item->count, NCHANGES);
		cr_assert_eq(item->hash[0], 0x5a);
	}
}

Test(codec, whole_file_reads_back_item_by_item) {
	struct uccn_bytes file = {0}, changes[NCHANGES];
	sample_file(&file, changes);
	struct uccn_file_reader *r = NULL;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, file.data, file.len), UCCN_OK);
	struct uccn_file_item item;
	char why[160] = "";
	uint64_t last_offset = 0;
	for (int k = 0; k <= NCHANGES + 1; k++) {
		cr_assert_eq(
			uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_OK, "%s", why);
		assert_sample_item(&item, k, changes);
		cr_assert(k == 0 || item.offset > last_offset);
		last_offset = item.offset;
	}
	cr_assert_eq(uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_EAGAIN);
	cr_assert(uccn_codec_reader_is_done(r));
	cr_assert_not(uccn_codec_reader_has_partial(r));
	uccn_codec_reader_destroy(r);
	uccn_bytes_finish(&file);
	finish_changes(changes);
}

Test(codec, file_fed_one_byte_at_a_time_gives_the_same_items) {
	struct uccn_bytes file = {0}, changes[NCHANGES];
	sample_file(&file, changes);
	struct uccn_file_reader *r = NULL;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	struct uccn_file_item item;
	int k = 0;
	for (size_t i = 0; i < file.len; i++) {
		/* Feed from a one-byte heap copy so the reader cannot keep a pointer to our bytes.
		 */
		uint8_t *one = malloc(1);
		cr_assert_not_null(one);
		*one = file.data[i];
		cr_assert_eq(uccn_codec_reader_feed(r, one, 1), UCCN_OK);
		free(one);
		int err;
		while ((err = uccn_codec_reader_next(r, &item, NULL, 0)) == UCCN_OK) {
			assert_sample_item(&item, k++, changes);
		}
		cr_assert_eq(err, UCCN_EAGAIN, "at byte %zu", i);
	}
	cr_assert_eq(k, NITEMS);
	cr_assert(uccn_codec_reader_is_done(r));
	cr_assert_not(uccn_codec_reader_has_partial(r));
	uccn_codec_reader_destroy(r);
	uccn_bytes_finish(&file);
	finish_changes(changes);
}

Test(codec, file_cut_anywhere_reads_as_unfinished) {
	struct uccn_bytes file = {0}, changes[NCHANGES];
	sample_file(&file, changes);
	for (size_t len = 0; len < file.len; len++) {
		struct uccn_file_reader *r = NULL;
		cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
		uint8_t *copy = malloc(len > 0 ? len : 1);
		cr_assert_not_null(copy);
		memcpy(copy, file.data, len);
		cr_assert_eq(uccn_codec_reader_feed(r, copy, len), UCCN_OK);
		struct uccn_file_item item;
		char why[160] = "";
		int k = 0, err;
		while ((err = uccn_codec_reader_next(r, &item, why, sizeof(why))) == UCCN_OK) {
			assert_sample_item(&item, k++, changes);
		}
		cr_assert_eq(err, UCCN_EAGAIN, "cut at %zu: %s", len, why);
		cr_assert_not(uccn_codec_reader_is_done(r));
		/* Exactly the items that fit before the cut, and the rest is held as partial. */
		int fit = 0;
		while (fit < NITEMS && item_ends[fit] <= len) {
			fit++;
		}
		cr_assert_eq(k, fit, "cut at %zu", len);
		size_t used = k > 0 ? item_ends[k - 1] : 0;
		cr_assert_eq(uccn_codec_reader_has_partial(r), len > used, "cut at %zu", len);
		free(copy);
		uccn_codec_reader_destroy(r);
	}
	uccn_bytes_finish(&file);
	finish_changes(changes);
}

/* Feeds buf whole and expects the items before it to read fine and then UCCN_EPROTO with a
 * reason mentioning hint. */
static void expect_file_refused(const uint8_t *buf, size_t len, const char *hint) {
	struct uccn_file_reader *r = NULL;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, buf, len), UCCN_OK);
	struct uccn_file_item item;
	char why[160] = "";
	int err;
	while ((err = uccn_codec_reader_next(r, &item, why, sizeof(why))) == UCCN_OK) {
	}
	cr_assert_eq(err, UCCN_EPROTO, "expected a refusal mentioning \"%s\"", hint);
	cr_assert_not_null(strstr(why, hint), "reason \"%s\" does not mention \"%s\"", why, hint);
	cr_assert_eq(uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_EPROTO,
		"the reader stays failed");
	uccn_codec_reader_destroy(r);
}

Test(codec, file_without_a_header_is_not_an_export_file) {
	const char *text = "hello, this is a text file\n";
	expect_file_refused((const uint8_t *)text, strlen(text), "not an uccn export file");
	struct uccn_bytes b = {0};
	mp_array(&b, 3);
	mp_str(&b, "uccn-exports");
	mp_uint(&b, 1);
	mp_key(&b, 0, 32);
	expect_file_refused(b.data, b.len, "not an uccn export file");
	b.len = 0;
	mp_array(&b, 3);
	mp_str(&b, "uccn-export");
	mp_uint(&b, 2);
	mp_key(&b, 0, 32);
	expect_file_refused(b.data, b.len, "unsupported export file version");
	b.len = 0;
	mp_key(&b, 0, 32); /* a change with no header */
	expect_file_refused(b.data, b.len, "not an uccn export file");
	b.len = 0;
	mp_be(&b, 0xdd, UINT32_MAX, 4); /* an array that never ends */
	for (int i = 0; i < 300; i++) {
		mp_nil(&b);
	}
	expect_file_refused(b.data, b.len, "not an uccn export file");
	uccn_bytes_finish(&b);
}

Test(codec, a_header_may_name_the_reader_the_file_was_written_for) {
	uint8_t network[UCCN_KEY_BYTES], reader[UCCN_KEY_BYTES];
	memset(network, 0x21, sizeof(network));
	memset(reader, 0x42, sizeof(reader));
	struct uccn_bytes b = {0};
	for (int named = 0; named < 2; named++) {
		b.len = 0;
		cr_assert_eq(named ? uccn_codec_encode_file_header_for(network, reader, &b)
				   : uccn_codec_encode_file_header(network, &b),
			UCCN_OK);
		cr_assert_eq(b.data[0], named ? 0x94 : 0x93, "four elements only with a reader");
		struct uccn_file_reader *r = NULL;
		cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
		cr_assert_eq(uccn_codec_reader_feed(r, b.data, b.len), UCCN_OK);
		struct uccn_file_item item;
		char why[160] = "";
		cr_assert_eq(
			uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_OK, "%s", why);
		cr_assert_eq(item.type, UCCN_FILE_HEADER);
		cr_assert_eq(memcmp(item.network, network, UCCN_KEY_BYTES), 0);
		cr_assert_eq(item.has_reader, named == 1);
		if (named) {
			cr_assert_eq(memcmp(item.reader, reader, UCCN_KEY_BYTES), 0);
		}
		uccn_codec_reader_destroy(r);
	}
	/* A fourth element that is not a key. */
	b.len = 0;
	mp_array(&b, 4);
	mp_str(&b, "uccn-export");
	mp_uint(&b, 1);
	mp_key(&b, 0, 32);
	mp_key(&b, 0, 31);
	expect_file_refused(b.data, b.len, "bad header");
	uccn_bytes_finish(&b);
}

Test(codec, bytes_after_the_trailer_are_refused) {
	struct uccn_bytes file = {0}, changes[NCHANGES];
	sample_file(&file, changes);
	mp_byte(&file, 0x00);
	expect_file_refused(file.data, file.len, "bytes after the trailer");
	uccn_bytes_finish(&file);
	finish_changes(changes);
}

Test(codec, damaged_items_are_refused) {
	uint8_t network[UCCN_KEY_BYTES] = {0};
	struct uccn_bytes b = {0};

	/* A bin announcing more than 65536 bytes: refused from its header alone. */
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_be(&b, 0xc6, UCCN_CHANGE_MAX + 1, 4);
	expect_file_refused(b.data, b.len, "larger than 65536");

	/* A str where a change should be. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_str(&b, "change");
	expect_file_refused(b.data, b.len, "damaged item");

	/* A second header. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	expect_file_refused(b.data, b.len, "damaged item");

	/* A trailer with a short hash. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_array(&b, 3);
	mp_str(&b, "end");
	mp_uint(&b, 0);
	mp_key(&b, 0, 31);
	expect_file_refused(b.data, b.len, "damaged item");

	/* A str announcing more than 65536 bytes, and an array announcing more elements than
	 * any item holds bytes: refused from their headers alone, without waiting for the rest. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_be(&b, 0xdb, UCCN_CHANGE_MAX + 1, 4);
	expect_file_refused(b.data, b.len, "larger than 65536");
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_be(&b, 0xdd, UINT32_MAX, 4);
	expect_file_refused(b.data, b.len, "too large");

	/* An item that grows past any change without ending. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_be(&b, 0xdd, 100000, 4);
	for (int i = 0; i < 100000; i++) {
		mp_nil(&b);
	}
	expect_file_refused(b.data, b.len, "too large");

	/* The one byte msgpack never uses. */
	b.len = 0;
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	mp_byte(&b, 0xc1);
	expect_file_refused(b.data, b.len, "damaged item");
	uccn_bytes_finish(&b);
}

Test(codec, empty_file_and_header_only_are_unfinished) {
	struct uccn_file_reader *r = NULL;
	struct uccn_file_item item;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_next(r, &item, NULL, 0), UCCN_EAGAIN);
	cr_assert_not(uccn_codec_reader_has_partial(r));
	cr_assert_not(uccn_codec_reader_is_done(r));
	uint8_t network[UCCN_KEY_BYTES] = {0};
	struct uccn_bytes b = {0};
	cr_assert_eq(uccn_codec_encode_file_header(network, &b), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, b.data, b.len), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_next(r, &item, NULL, 0), UCCN_OK);
	cr_assert_eq(item.type, UCCN_FILE_HEADER);
	cr_assert_eq(uccn_codec_reader_next(r, &item, NULL, 0), UCCN_EAGAIN);
	cr_assert_not(uccn_codec_reader_has_partial(r));
	cr_assert_not(uccn_codec_reader_is_done(r));
	uccn_codec_reader_destroy(r);
	uccn_codec_reader_destroy(NULL);
	uccn_bytes_finish(&b);
}

Test(codec, seeded_file_corruptions_never_crash) {
	struct uccn_bytes file = {0}, changes[NCHANGES];
	sample_file(&file, changes);
	uint64_t seed = 0x5eed0003;
	for (int round = 0; round < 1000; round++) {
		uint8_t *copy = malloc(file.len);
		cr_assert_not_null(copy);
		memcpy(copy, file.data, file.len);
		for (int f = 0; f < 3; f++) {
			copy[next_random(&seed) % file.len] = (uint8_t)next_random(&seed);
		}
		struct uccn_file_reader *r = NULL;
		cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
		size_t at = 0;
		int err = UCCN_OK;
		while (at < file.len && err != UCCN_EPROTO) {
			size_t n = 1 + next_random(&seed) % 64;
			n = n > file.len - at ? file.len - at : n;
			cr_assert_eq(uccn_codec_reader_feed(r, copy + at, n), UCCN_OK);
			at += n;
			struct uccn_file_item item;
			while ((err = uccn_codec_reader_next(r, &item, NULL, 0)) == UCCN_OK) {
				if (item.type == UCCN_FILE_CHANGE) {
					struct uccn_change c;
					char why[160];
					err = uccn_codec_decode_change(
						item.change, item.change_len, &c, why, sizeof(why));
					cr_assert(err == UCCN_OK || err == UCCN_EPROTO);
				}
			}
			cr_assert(err == UCCN_EAGAIN || err == UCCN_EPROTO, "round %d: %d", round,
				err);
		}
		uccn_codec_reader_destroy(r);
		free(copy);
	}
	uccn_bytes_finish(&file);
	finish_changes(changes);
}

/* ---------------------------------------------------------------------------------------- */
/* Byte buffers and records (change.h) */

Test(codec, bytes_grow_and_finish_clean) {
	struct uccn_bytes b = {0};
	for (int i = 0; i < 10000; i++) {
		uint8_t x = (uint8_t)i;
		cr_assert_eq(uccn_bytes_append(&b, &x, 1), UCCN_OK);
	}
	cr_assert_eq(b.len, 10000);
	cr_assert_geq(b.cap, b.len);
	cr_assert_eq(b.data[9999], (uint8_t)9999);
	cr_assert_eq(uccn_bytes_reserve(&b, 100000), UCCN_OK);
	cr_assert_geq(b.cap, b.len + 100000);
	cr_assert_eq(b.len, 10000);
	cr_assert_eq(uccn_bytes_reserve(&b, SIZE_MAX), UCCN_ENOMEM);
	cr_assert_eq(b.len, 10000, "a failed reserve leaves the buffer as it was");
	uccn_bytes_finish(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	uccn_bytes_finish(&b);
}

Test(codec, record_field_finds_by_exact_name) {
	struct uccn_record r;
	memset(&r, 0, sizeof(r));
	r.fields[0] = (struct uccn_field){.name = "title",
		.name_len = 5,
		.value = {.type = UCCN_VALUE_STR, .str = "x", .str_len = 1}};
	r.fields[1] = (struct uccn_field){
		.name = "year", .name_len = 4, .value = {.type = UCCN_VALUE_INT, .i = 2024}};
	r.nfields = 2;
	const struct uccn_value *v = uccn_record_field(&r, "year");
	cr_assert_not_null(v);
	cr_assert_eq(v->i, 2024);
	cr_assert_null(uccn_record_field(&r, "yea"));
	cr_assert_null(uccn_record_field(&r, "years"));
	cr_assert_null(uccn_record_field(&r, ""));
}

Test(codec, sync_messages_round_trip_and_every_cut_is_refused) {
	struct uccn_sync_entry entries[2] = {{.feed = "", .seq = 7}, {.feed = "", .seq = 1}};
	memset(entries[0].author, 0x11, UCCN_KEY_BYTES);
	memset(entries[1].author, 0x22, UCCN_KEY_BYTES);
	struct uccn_bytes changes[2] = {{0}, {0}};
	cr_assert_eq(uccn_bytes_append(&changes[0], "abc", 3), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(&changes[1], "de", 2), UCCN_OK);
	struct uccn_bytes msgs[4] = {{0}, {0}, {0}, {0}};
	cr_assert_eq(uccn_codec_encode_sync_vector(entries, 2, &msgs[0]), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_changes(5, changes, 2, &msgs[1]), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_simple(UCCN_SYNC_ACK, 5, &msgs[2]), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_simple(UCCN_SYNC_DONE, 9, &msgs[3]), UCCN_OK);
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(msgs[0].data, msgs[0].len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_VECTOR);
	cr_assert_eq(m.count, 2);
	cr_assert_eq(m.entries[0].seq, 7);
	cr_assert_str_eq(m.entries[1].feed, "");
	cr_assert_eq(m.entries[1].author[0], 0x22);
	uccn_codec_sync_msg_finish(&m);
	cr_assert_eq(uccn_codec_decode_sync(msgs[1].data, msgs[1].len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_CHANGES);
	cr_assert_eq(m.value, 5);
	cr_assert_eq(m.count, 2);
	cr_assert_eq(m.changes[1].len, 2);
	cr_assert_eq(memcmp(m.changes[0].data, "abc", 3), 0);
	uccn_codec_sync_msg_finish(&m);
	cr_assert_eq(uccn_codec_decode_sync(msgs[3].data, msgs[3].len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_DONE);
	cr_assert_eq(m.value, 9);
	uccn_codec_sync_msg_finish(&m);
	for (int k = 0; k < 4; k++) {
		for (size_t cut = 0; cut < msgs[k].len; cut++) {
			uint8_t *copy = malloc(cut > 0 ? cut : 1);
			memcpy(copy, msgs[k].data, cut);
			cr_assert_eq(uccn_codec_decode_sync(copy, cut, &m, NULL, 0), UCCN_EPROTO,
				"message %d cut at %zu", k, cut);
			free(copy);
		}
		uccn_bytes_finish(&msgs[k]);
	}
	const uint8_t unknown[] = {0x92, 0x09, 0x00};
	cr_assert_eq(uccn_codec_decode_sync(unknown, sizeof(unknown), &m, NULL, 0), UCCN_EPROTO);
	uccn_bytes_finish(&changes[0]);
	uccn_bytes_finish(&changes[1]);
}

/* ---------------------------------------------------------------------------------------- */
/* Nesting: msgpack-c reports an object deeper than its stack as if memory ran out. The guard
 * refuses it first, as malformed, whatever decoder reads it. */

static int deep_levels; /* arrays around the innermost value of deep_value */

static void deep_value(struct uccn_bytes *b) {
	for (int i = 0; i < deep_levels; i++) {
		mp_array(b, 1);
	}
	mp_uint(b, 4);
}
static void deep_field(struct uccn_bytes *b, int i) {
	i == 10 ? one_field(b, "sdgs", deep_value) : default_element(b, i);
}

/* The body's fields: the body is level 1, the fields map level 2, so a field value of n
 * arrays reaches level n + 2. */
static void decode_deep_field(int arrays, char *why, size_t why_len, int *err) {
	struct uccn_bytes buf = {0};
	struct uccn_change c;
	deep_levels = arrays;
	hand_change(&buf, 11, deep_field);
	*err = decode_copy(buf.data, buf.len, &c, why, why_len);
	uccn_bytes_finish(&buf);
}

Test(codec, a_change_nested_5000_deep_is_malformed_not_out_of_memory) {
	char why[160] = "";
	int err = 0;
	decode_deep_field(5000, why, sizeof(why), &err);
	cr_assert_eq(err, UCCN_EPROTO, "%s", uccn_err_name(err));
	cr_assert_not_null(strstr(why, "nested deeper than 16 levels"), "%s", why);
}

Test(codec, nesting_is_refused_from_level_17_and_not_before) {
	char why[160] = "";
	int err = 0;
	/* Level 16: the guard lets it through, and the body's rules refuse a nested list. */
	decode_deep_field(UCCN_NEST_MAX - 2, why, sizeof(why), &err);
	cr_assert_eq(err, UCCN_EPROTO);
	cr_assert_null(strstr(why, "deeper"), "level 16 is allowed by the guard: %s", why);
	decode_deep_field(UCCN_NEST_MAX - 1, why, sizeof(why), &err);
	cr_assert_eq(err, UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "nested deeper than 16 levels"), "%s", why);
	/* An empty container counts as a level as well. */
	struct uccn_bytes b = {0};
	for (int i = 0; i < UCCN_NEST_MAX; i++) {
		mp_array(&b, i + 1 < UCCN_NEST_MAX ? 1 : 0);
	}
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(b.data, b.len, &m, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_null(strstr(why, "deeper"), "16 levels: %s", why);
	b.len = 0;
	for (int i = 0; i <= UCCN_NEST_MAX; i++) {
		mp_array(&b, i < UCCN_NEST_MAX ? 1 : 0);
	}
	cr_assert_eq(uccn_codec_decode_sync(b.data, b.len, &m, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "nested deeper than 16 levels"), "%s", why);
	uccn_bytes_finish(&b);
}

Test(codec, deep_sync_and_handshake_messages_are_malformed) {
	struct uccn_bytes b = {0};
	mp_array(&b, 2);
	mp_uint(&b, UCCN_SYNC_VECTOR);
	for (int i = 0; i < 1000; i++) {
		mp_map(&b, 1);
		mp_uint(&b, 1);
	}
	mp_nil(&b);
	char why[160] = "";
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(b.data, b.len, &m, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "nested deeper than 16 levels"), "%s", why);
	b.len = 0;
	mp_array(&b, 2);
	mp_str(&b, "uccn-auth");
	for (int i = 0; i < 1000; i++) {
		mp_array(&b, 1);
	}
	mp_nil(&b);
	struct uccn_session_msg sm;
	cr_assert_eq(uccn_codec_decode_session(b.data, b.len, &sm, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "nested deeper than 16 levels"), "%s", why);
	uccn_bytes_finish(&b);
}

Test(codec, a_deep_item_in_an_export_file_is_damaged_and_a_deep_change_is_just_a_change) {
	uint8_t network[UCCN_KEY_BYTES];
	memset(network, 0x44, sizeof(network));
	struct uccn_bytes file = {0}, change = {0};
	cr_assert_eq(uccn_codec_encode_file_header(network, &file), UCCN_OK);
	/* A change nested deep travels as a bin: the file stays readable, the change decoder
	 * refuses it later. */
	deep_levels = 5000;
	hand_change(&change, 11, deep_field);
	cr_assert_eq(uccn_codec_encode_file_change(change.data, change.len, &file), UCCN_OK);
	size_t after_bin = file.len;
	for (int i = 0; i < 5000; i++) {
		mp_array(&file, 1);
	}
	mp_nil(&file);
	struct uccn_file_reader *r = NULL;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, file.data, file.len), UCCN_OK);
	struct uccn_file_item item;
	char why[160] = "";
	cr_assert_eq(uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_OK, "%s", why);
	cr_assert_eq(uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_OK, "%s", why);
	cr_assert_eq(item.type, UCCN_FILE_CHANGE);
	cr_assert_eq(item.change_len, change.len);
	cr_assert_eq(uccn_codec_reader_next(r, &item, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "damaged item: nested deeper than 16 levels"), "%s", why);
	char at[40];
	snprintf(at, sizeof(at), "at byte %zu", after_bin);
	cr_assert_not_null(strstr(why, at), "%s", why);
	uccn_codec_reader_destroy(r);
	uccn_bytes_finish(&file);
	uccn_bytes_finish(&change);
}

/* [8, 0, bin frame] around a frame made here. */
static void zchanges_around(const uint8_t *frame, size_t len, struct uccn_bytes *out) {
	uint8_t head[8] = {0x93, 0x08, 0x00, 0xc6, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
		(uint8_t)(len >> 8), (uint8_t)len};
	out->len = 0;
	cr_assert_eq(uccn_bytes_append(out, head, sizeof(head)), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(out, frame, len), UCCN_OK);
}

Test(codec, a_compressed_batch_round_trips_and_a_bomb_is_refused) {
	/* Round trip: what went in comes out, byte for byte. */
	struct uccn_bytes items[2] = {{0}, {0}}, msg = {0};
	cr_assert_eq(uccn_bytes_append(&items[0], "\xaa\xbb\xcc", 3), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(&items[1], "\xdd", 1), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_zchanges(9, items, 2, &msg), UCCN_OK);
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_CHANGES);
	cr_assert(m.compressed);
	cr_assert_eq(m.value, 9);
	cr_assert_eq(m.count, 2);
	cr_assert_eq(m.changes[0].len, 3);
	cr_assert_eq(memcmp(m.changes[0].data, "\xaa\xbb\xcc", 3), 0);
	uccn_codec_sync_msg_finish(&m);
	/* A bomb: 64 MiB of zeros in a frame of a few KiB, declaring its size. */
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(big, 1);
	cr_assert_not_null(zeros);
	size_t cap = ZSTD_compressBound(big);
	uint8_t *frame = malloc(cap);
	cr_assert_not_null(frame);
	size_t n = ZSTD_compress(frame, cap, zeros, big, 3);
	cr_assert_not(ZSTD_isError(n));
	cr_assert_lt(n, 64 * 1024);
	zchanges_around(frame, n, &msg);
	char why[200];
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "declaring at most 1048576 bytes"), "%s", why);
	/* The same bomb with its size left out of the frame's header (streamed). */
	ZSTD_CCtx *c = ZSTD_createCCtx();
	cr_assert_not(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0)));
	ZSTD_inBuffer in = {zeros, big, 0};
	ZSTD_outBuffer out = {frame, cap, 0};
	cr_assert_eq(ZSTD_compressStream2(c, &out, &in, ZSTD_e_end), 0);
	ZSTD_freeCCtx(c);
	cr_assert_eq(ZSTD_getFrameContentSize(frame, out.pos), ZSTD_CONTENTSIZE_UNKNOWN);
	zchanges_around(frame, out.pos, &msg);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, NULL, 0), UCCN_EPROTO);
	uint8_t small[64];
	size_t honest = ZSTD_compress(small, sizeof(small), zeros, 1024, 3);
	cr_assert_not(ZSTD_isError(honest));
	/* Two frames back to back, and a frame cut short. */
	memcpy(frame, small, honest);
	memcpy(frame + honest, small, honest);
	zchanges_around(frame, 2 * honest, &msg);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, NULL, 0), UCCN_EPROTO);
	zchanges_around(frame, honest - 1, &msg);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, NULL, 0), UCCN_EPROTO);
	/* 1 KiB of zeros is a frame that opens, but not a batch. */
	zchanges_around(frame, honest, &msg);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, why, sizeof(why)), UCCN_EPROTO);
	free(zeros);
	free(frame);
	uccn_bytes_finish(&items[0]);
	uccn_bytes_finish(&items[1]);
	uccn_bytes_finish(&msg);
}

/* ---------------------------------------------------------------------------------------- */
/* §11.8: the shapes of LIST and LACK. */

/* A RECON of one range over everything, LIST or LACK, written by hand: digests of dlen bytes
 * with nseqs seqs; named heads (who, feed) of seq 1; LACK answers at the given indexes. */
struct hand_range {
	bool lack;
	size_t dlen, nseqs;
	const uint64_t *picks;
	size_t npicks;
	const uint64_t *who;
	const char *const *feeds;
	size_t nnamed;
};

static void hand_recon(struct uccn_bytes *b, const struct hand_range *h) {
	static const uint8_t salt[8] = {1, 2, 3, 4, 5, 6, 7, 8}, digests[64] = {0x10, 0x20};
	b->len = 0;
	mp_array(b, 3);
	mp_uint(b, UCCN_SYNC_RECON);
	mp_array(b, 0);
	mp_array(b, 1);
	mp_array(b, h->lack ? 4 : 6);
	mp_nil(b);
	mp_uint(b, h->lack ? UCCN_RANGE_LACK : UCCN_RANGE_LIST);
	if (h->lack) {
		mp_array(b, (uint32_t)h->npicks);
		for (size_t i = 0; i < h->npicks; i++) {
			mp_array(b, 2);
			mp_uint(b, h->picks[i]);
			mp_uint(b, 0);
		}
	} else {
		mp_bin(b, salt, sizeof(salt));
		mp_bin(b, digests, h->dlen);
		mp_array(b, (uint32_t)h->nseqs);
		for (size_t i = 0; i < h->nseqs; i++) {
			mp_uint(b, i + 1);
		}
	}
	mp_array(b, (uint32_t)h->nnamed);
	for (size_t i = 0; i < h->nnamed; i++) {
		mp_array(b, 3);
		mp_uint(b, h->who[i]);
		mp_str(b, h->feeds[i]);
		mp_uint(b, 1);
	}
}

static int decode_hand_recon(const struct hand_range *h, char *why, size_t why_len) {
	struct uccn_bytes b = {0};
	struct uccn_sync_msg m;
	hand_recon(&b, h);
	int err = uccn_codec_decode_sync(b.data, b.len, &m, why, why_len);
	if (err == UCCN_OK) {
		uccn_codec_sync_msg_finish(&m);
	}
	uccn_bytes_finish(&b);
	return err;
}

Test(codec, lists_and_lacks_keep_their_shape) {
	char why[160];
	static const uint64_t zero_one[] = {0, 1}, one_one[] = {1, 1}, two[] = {2}, one_zero[] = {1, 0};
	static const char *const ab[] = {"a", "b"}, *const ba[] = {"b", "a"}, *const empty[] = {""};
	/* Well formed: two digests, two seqs, the client's "a" and the server's "a". */
	struct hand_range ok = {.dlen = 8, .nseqs = 2, .who = zero_one, .feeds = ab, .nnamed = 2};
	cr_assert_eq(decode_hand_recon(&ok, why, sizeof(why)), UCCN_OK, "%s", why);
	struct hand_range same_who_rising = ok;
	same_who_rising.who = one_one;
	cr_assert_eq(decode_hand_recon(&same_who_rising, why, sizeof(why)), UCCN_OK, "%s", why);
	struct hand_range bad = ok;
	bad.dlen = 7; /* not whole digests */
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	bad = ok;
	bad.nseqs = 3; /* a seq without a digest */
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	bad = ok;
	bad.who = two; /* neither the client's key nor the server's */
	bad.nnamed = 1;
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "is not [0 or 1, feed, seq]"), "%s", why);
	bad = ok;
	bad.who = one_one;
	bad.feeds = ba; /* falling */
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "out of order"), "%s", why);
	bad = ok;
	bad.who = one_zero; /* the server's before the client's */
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	bad = ok;
	bad.feeds = empty; /* no feed has an empty name */
	bad.nnamed = 1;
	cr_assert_eq(decode_hand_recon(&bad, why, sizeof(why)), UCCN_EPROTO);
	/* A LACK's indexes rise strictly. */
	struct hand_range lack = {.lack = true, .picks = zero_one, .npicks = 2};
	cr_assert_eq(decode_hand_recon(&lack, why, sizeof(why)), UCCN_OK, "%s", why);
	lack.picks = one_one;
	cr_assert_eq(decode_hand_recon(&lack, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "above the one before"), "%s", why);
	/* Cut anywhere, a LIST is malformed. */
	struct uccn_bytes b = {0};
	struct uccn_sync_msg m;
	hand_recon(&b, &ok);
	for (size_t cut = 0; cut < b.len; cut++) {
		cr_assert_eq(uccn_codec_decode_sync(b.data, cut, &m, NULL, 0), UCCN_EPROTO,
			"cut at %zu", cut);
	}
	uccn_bytes_finish(&b);
}

/* A RECON of two FP ranges cut at the bound 22, written by hand: the first's fingerprint of
 * 8 bytes, the second's of fplen. */
static void hand_fp_recon(struct uccn_bytes *b, size_t fplen) {
	static const uint8_t bound[] = {0x22}, fp[32] = {0xaa, 0x3d, 0xe1, 0x38};
	b->len = 0;
	mp_array(b, 3);
	mp_uint(b, UCCN_SYNC_RECON);
	mp_array(b, 0);
	mp_array(b, 2);
	mp_array(b, 3);
	mp_bin(b, bound, sizeof(bound));
	mp_uint(b, UCCN_RANGE_FP);
	mp_bin(b, fp, 8);
	mp_array(b, 3);
	mp_nil(b);
	mp_uint(b, UCCN_RANGE_FP);
	mp_bin(b, fp, fplen);
}

Test(codec, a_fingerprint_is_a_bin_of_exactly_8_bytes) {
	struct uccn_bytes b = {0};
	struct uccn_sync_msg m;
	char why[160];
	hand_fp_recon(&b, 8);
	cr_assert_eq(
		uccn_codec_decode_sync(b.data, b.len, &m, why, sizeof(why)), UCCN_OK, "%s", why);
	cr_assert_eq(m.nranges, 2);
	cr_assert_eq(m.ranges[1].mode, UCCN_RANGE_FP);
	cr_assert_eq(memcmp(m.ranges[1].fp, "\xaa\x3d\xe1\x38\0\0\0\0", 8), 0);
	uccn_codec_sync_msg_finish(&m);
	/* Cut anywhere, it is malformed. */
	for (size_t cut = 0; cut < b.len; cut++) {
		cr_assert_eq(uccn_codec_decode_sync(b.data, cut, &m, NULL, 0), UCCN_EPROTO,
			"cut at %zu", cut);
	}
	/* The 16 bytes of the earlier fingerprint, and one byte short or over, are not one. */
	static const size_t wrong[] = {0, 7, 9, 16, 32};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		hand_fp_recon(&b, wrong[i]);
		cr_assert_eq(uccn_codec_decode_sync(b.data, b.len, &m, why, sizeof(why)),
			UCCN_EPROTO, "a fingerprint of %zu bytes", wrong[i]);
		cr_assert_not_null(
			strstr(why, "range 1's fingerprint is not a bin of 8 bytes"), "%s", why);
	}
	uccn_bytes_finish(&b);
}

/* A sync message's bins may be as long as a frame (a compressed batch's frame is one), but a
 * change in a batch is held to a change's limit (§11.4). */
Test(codec, a_batch_holding_a_change_longer_than_a_change_may_be_is_malformed) {
	struct uccn_bytes change = {0}, msg = {0};
	struct uccn_sync_msg m;
	char why[160];
	for (size_t i = 0; i <= UCCN_CHANGE_MAX; i++) {
		mp_byte(&change, 0xaa);
	}
	cr_assert_eq(uccn_codec_encode_sync_changes(3, &change, 1, &msg), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, why, sizeof(why)), UCCN_EPROTO);
	cr_assert_not_null(strstr(why, "longer than 65536 bytes"), "%s", why);
	change.len = UCCN_CHANGE_MAX;
	msg.len = 0;
	cr_assert_eq(uccn_codec_encode_sync_changes(3, &change, 1, &msg), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_sync(msg.data, msg.len, &m, why, sizeof(why)), UCCN_OK, "%s",
		why);
	cr_assert_eq(m.changes[0].len, UCCN_CHANGE_MAX);
	uccn_codec_sync_msg_finish(&m);
	uccn_bytes_finish(&change);
	uccn_bytes_finish(&msg);
}
