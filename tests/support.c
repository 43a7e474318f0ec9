/* support.c - helpers shared by the test suites (see support.h). */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700

#include "tests/support.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <uccn/node.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/node_internal.h"
#include "node/node_records.h"
#include "node/schema_internal.h"
#include "node/store.h"
#include "proto/codec.h"

void test_author_init(struct test_author *a, uint8_t seed_byte) {
	uint8_t seed[32];
	memset(seed, seed_byte, sizeof(seed));
	memset(a, 0, sizeof(*a));
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &a->id), UCCN_OK);
	uccn_crypto_identity_public_key(a->id, a->pk);
	a->hlc = (uint64_t)1700000000000 << 16;
}

void test_author_finish(struct test_author *a) {
	uccn_crypto_identity_destroy(a->id);
	a->id = NULL;
}

void test_sign_raw(struct test_author *a, struct uccn_change *c, struct uccn_bytes *out) {
	struct uccn_bytes body = {0};
	uint8_t sig[UCCN_SIG_BYTES];
	memcpy(c->author, a->pk, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_codec_encode_body(c, &body), UCCN_OK);
	uccn_crypto_sign(a->id, body.data, body.len, sig);
	out->len = 0;
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, sig, out), UCCN_OK);
	uccn_bytes_finish(&body);
}

/* The newest clock any test author signed: like a node, an author signing after it has seen
 * another's change clocks its own later. */
static uint64_t last_signed;

void test_sign(struct test_author *a, const uint8_t network[UCCN_KEY_BYTES], uint64_t hlc,
	const char *kind, const uint8_t *owner, const char *id, enum uccn_op op,
	const struct uccn_field *fields, size_t nfields, struct uccn_bytes *out) {
	static struct uccn_change c; /* large; tests are single-threaded per process */
	memset(&c, 0, sizeof(c));
	memcpy(c.network, network, UCCN_KEY_BYTES);
	c.seq = a->seq + 1;
	c.hlc = hlc != 0 ? hlc : (a->hlc > last_signed ? a->hlc : last_signed) + 1;
	snprintf(c.kind, sizeof(c.kind), "%s", kind);
	memcpy(c.owner, owner != NULL ? owner : a->pk, UCCN_KEY_BYTES);
	snprintf(c.id, sizeof(c.id), "%s", id);
	c.op = op;
	c.nfields = nfields;
	if (nfields > 0) {
		memcpy(c.fields, fields, nfields * sizeof(fields[0]));
	}
	char feed[UCCN_FEED_MAX + 1];
	uccn_schema_feed(&c, feed);
	const uint8_t *head = test_feed_head(a, feed);
	static const uint8_t zero[UCCN_HASH_BYTES];
	c.has_prev = memcmp(head, zero, UCCN_HASH_BYTES) != 0;
	memcpy(c.prev, head, UCCN_HASH_BYTES);
	test_sign_raw(a, &c, out);
	test_author_note(a, &c, out->data, out->len);
	if (c.hlc > last_signed) {
		last_signed = c.hlc;
	}
}

void test_sign_practices(struct test_author *a, const uint8_t network[UCCN_KEY_BYTES],
	const char *prefix, struct uccn_bytes *out, size_t n) {
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "%s%zu", prefix, i);
		struct uccn_field f = test_str("title", id);
		test_sign(a, network, 0, "best_practice", NULL, id, UCCN_OP_PUT, &f, 1, &out[i]);
	}
}

uint8_t *test_feed_head(struct test_author *a, const char *feed) {
	for (size_t i = 0; i < a->nfeeds; i++) {
		if (strcmp(a->feeds[i].name, feed) == 0) {
			return a->feeds[i].head;
		}
	}
	cr_assert_lt(a->nfeeds, sizeof(a->feeds) / sizeof(a->feeds[0]));
	struct test_feed *f = &a->feeds[a->nfeeds++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", feed);
	return f->head;
}

void test_author_note(
	struct test_author *a, const struct uccn_change *c, const uint8_t *raw, size_t len) {
	char feed[UCCN_FEED_MAX + 1];
	uccn_schema_feed(c, feed);
	uccn_crypto_hash(raw, len, test_feed_head(a, feed));
	if (c->seq > a->seq) {
		a->seq = c->seq;
		a->hlc = c->hlc;
	}
}

void test_key(unsigned n, uint8_t out[UCCN_KEY_BYTES]) {
	uint8_t seed[32] = {0};
	memcpy(seed, &n, sizeof(n));
	seed[31] = 0x6b;
	struct uccn_identity *id = NULL;
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &id), UCCN_OK);
	uccn_crypto_identity_public_key(id, out);
	uccn_crypto_identity_destroy(id);
}

void test_key_hex(unsigned n, char out[2 * UCCN_KEY_BYTES + 1]) {
	uint8_t pk[UCCN_KEY_BYTES];
	test_key(n, pk);
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, out);
}

struct uccn_field test_str(const char *name, const char *value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_STR, .str = value, .str_len = strlen(value)}};
}

struct uccn_field test_int(const char *name, int64_t value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_INT, .i = value}};
}

static int write_bytes(void *userdata, const uint8_t *buf, size_t len) {
	return uccn_bytes_append(userdata, buf, len);
}

void test_export(struct uccn_node *node, struct uccn_bytes *out) {
	out->len = 0;
	cr_assert_eq(uccn_node_export(node, write_bytes, out, NULL), UCCN_OK);
}

void test_export_for(struct uccn_node *node, const uint8_t *reader, struct uccn_bytes *out) {
	out->len = 0;
	cr_assert_eq(uccn_node_export_for(node, reader, write_bytes, out, NULL), UCCN_OK);
}

struct reader {
	const struct uccn_bytes *bytes;
	size_t pos, end;
};

static long read_bytes(void *userdata, uint8_t *buf, size_t cap) {
	struct reader *r = userdata;
	size_t n = r->end - r->pos < cap ? r->end - r->pos : cap;
	memcpy(buf, r->bytes->data + r->pos, n);
	r->pos += n;
	return (long)n;
}

void test_import_hobart_practice(
	struct uccn_node *node, const char *home, const char *title, char *id) {
	struct uccn_node *hobart = NULL;
	struct uccn_node_init_options o = {.name = "Hobart", .country = "AU", .field = "music"};
	cr_assert_eq(uccn_node_init(home, &o, test_wall_ms(), &hobart), UCCN_OK);
	struct uccn_import_stats st;
	test_give_practice(hobart, node, title, id, &st);
	uccn_node_close(hobart);
}

void test_give_practice(struct uccn_node *from, struct uccn_node *to, const char *title, char *id,
	struct uccn_import_stats *st) {
	struct uccn_field f = test_str("title", title);
	cr_assert_eq(
		uccn_node_put(from, "best_practice", NULL, &f, 1, test_wall_ms(), id), UCCN_OK);
	struct uccn_bytes exp = {0};
	test_export(from, &exp);
	cr_assert_eq(test_import(to, &exp, exp.len, st), UCCN_OK);
	uccn_bytes_finish(&exp);
}

int test_import(struct uccn_node *node, const struct uccn_bytes *bytes, size_t limit,
	struct uccn_import_stats *stats) {
	struct reader r = {bytes, 0, limit < bytes->len ? limit : bytes->len};
	return uccn_node_import(node, read_bytes, &r, NULL, NULL, stats);
}

static int dump_row(void *userdata, const struct uccn_store_row *row) {
	struct uccn_bytes *out = userdata;
	uint8_t deleted = row->deleted;
	cr_assert_eq(uccn_bytes_append(out, row->kind, strlen(row->kind) + 1), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(out, row->owner, UCCN_KEY_BYTES), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(out, row->id, strlen(row->id) + 1), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(out, &deleted, 1), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(out, row->state, row->state_len), UCCN_OK);
	return 0;
}

void test_dump_records(struct uccn_store *st, struct uccn_bytes *out) {
	test_dump_kind(st, NULL, out);
}

void test_dump_kind(struct uccn_store *st, const char *kind, struct uccn_bytes *out) {
	out->len = 0;
	cr_assert_eq(uccn_store_each_record(st, kind, true, dump_row, out), UCCN_OK);
}

uint64_t test_wall_ms(void) {
	return uccn_node_wall_ms();
}

uint64_t test_clock_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t test_node_count(struct uccn_node *node) {
	uint64_t n = 0;
	cr_assert_eq(uccn_store_count_changes(node->st, &n), UCCN_OK);
	return n;
}

static int count_change(void *userdata, const uint8_t *data, size_t len) {
	(void)data;
	(void)len;
	(*(uint64_t *)userdata)++;
	return 0;
}

uint64_t test_node_record_changes(struct uccn_node *node, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id) {
	uint64_t n = 0;
	cr_assert_eq(uccn_store_each_record_change(node->st, kind, owner, id, count_change, &n),
		UCCN_OK);
	return n;
}

void test_node_dump(struct uccn_node *node, const char *kind, struct uccn_bytes *out) {
	test_dump_kind(node->st, kind, out);
}

static int count_fork(void *userdata, const struct uccn_store_fork *f) {
	(void)f;
	(*(size_t *)userdata)++;
	return 0;
}

size_t test_node_forks(struct uccn_node *node) {
	size_t forks = 0;
	cr_assert_eq(uccn_store_each_fork(node->st, count_fork, &forks), UCCN_OK);
	return forks;
}

void test_node_set_clock(struct uccn_node *node, test_clock_fn clock, void *arg) {
	uccn_changelog_set_clock(node->log, clock, arg);
}

static int keep_link(void *userdata, uint64_t seq, const uint8_t *data, size_t len) {
	(void)seq;
	struct uccn_bytes *all = userdata;
	uint32_t n = (uint32_t)len;
	cr_assert_eq(uccn_bytes_append(all, (const uint8_t *)&n, sizeof(n)), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(all, data, len), UCCN_OK);
	return 0;
}

void test_node_feed(struct uccn_node *node, const uint8_t author[UCCN_KEY_BYTES], const char *feed,
	struct uccn_bytes *out) {
	cr_assert_eq(
		uccn_store_each_feed_change(node->st, author, feed, 0, keep_link, out), UCCN_OK);
}

void test_node_apply_unjudged(struct uccn_node *node, const struct uccn_bytes *list) {
	struct uccn_changelog *bare;
	cr_assert_eq(uccn_changelog_create(node->st, node->network, &bare), UCCN_OK);
	cr_assert_eq(uccn_store_begin(node->st), UCCN_OK);
	for (size_t at = 0; at < list->len;) {
		uint32_t n;
		memcpy(&n, list->data + at, sizeof(n));
		struct uccn_apply_result res;
		cr_assert_eq(uccn_changelog_apply(bare, list->data + at + sizeof(n), n,
				     uccn_node_wall_ms(), &res, NULL, NULL),
			UCCN_OK);
		cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
		at += sizeof(n) + n;
	}
	cr_assert_eq(uccn_store_commit(node->st), UCCN_OK);
	uccn_changelog_destroy(bare);
}

void test_node_store_raw(
	struct uccn_node *node, const char *kind, const struct uccn_bytes *raw, size_t n) {
	static struct uccn_change c; /* large: not on the stack */
	static const uint8_t empty_state[] = {0x95, 0xc0, 0, 0, 0x90, 0x90};
	cr_assert_eq(uccn_store_begin(node->st), UCCN_OK);
	int64_t rid = 0;
	for (size_t k = 0; k < n; k++) {
		uint8_t hash[UCCN_HASH_BYTES];
		uccn_crypto_hash(raw[k].data, raw[k].len, hash);
		cr_assert_eq(
			uccn_codec_decode_change(raw[k].data, raw[k].len, &c, NULL, 0), UCCN_OK);
		cr_assert_eq(uccn_store_put_change(node->st, &c, kind, hash, &rid, empty_state,
				     sizeof(empty_state), false),
			UCCN_OK);
	}
	cr_assert_eq(uccn_store_commit(node->st), UCCN_OK);
}

void test_node_put_many(struct uccn_node *node, const char *kind, const char *prefix, int n) {
	cr_assert_eq(uccn_store_begin(node->st), UCCN_OK);
	for (int i = 0; i < n; i++) {
		char id[40], title[64], why[256] = "";
		snprintf(id, sizeof(id), "%s%08d", prefix, i);
		snprintf(title, sizeof(title), "%s %d", prefix, i);
		struct uccn_field f = test_str("title", title);
		cr_assert_eq(uccn_node_append(node, kind, node->pk, id, UCCN_OP_PUT, &f, 1,
				     uccn_node_wall_ms(), why, sizeof(why)),
			UCCN_OK, "%s", why);
	}
	cr_assert_eq(uccn_store_commit(node->st), UCCN_OK);
}

char *test_read_file(const char *path) {
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	cr_assert_gt(size, 0);
	cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
	char *text = malloc((size_t)size + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	return text;
}

int test_hex_digit(char ch) {
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	return -1;
}

char *test_tmpdir(void) {
	char *dir = strdup("/tmp/uccn-test-XXXXXX");
	cr_assert_not_null(dir);
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

void test_rmdir(char *dir) {
	if (dir != NULL) {
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(dir);
	}
}

void test_check_leaks(void) {
#ifdef __SANITIZE_ADDRESS__
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}
