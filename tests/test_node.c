/* test_node.c - the node API: init and open of a home, edits, export and import between two
 * nodes, verify, and every bad input leaving what was stored intact. */
#include <uccn/node.h>

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uccn/schema.h>

#include "node/crypto.h"
#include "node/hlc.h"
#include "node/node_internal.h" /* the wall clock, tested here */
#include "node/node_verify.h"   /* release_due, tested here */
#include "node/schema_internal.h"
#include "proto/codec.h"
#include "tests/support.h"

static char *dir;
static char home_a[512], home_b[512];
static struct uccn_node *na, *nb;
static const uint64_t now = 1763700000000;

static void setup(void) {
	dir = test_tmpdir();
	snprintf(home_a, sizeof(home_a), "%s/adelaide", dir);
	snprintf(home_b, sizeof(home_b), "%s/hobart", dir);
	struct uccn_node_init_options oa = {.name = "Adelaide", .country = "AU", .field = "music"};
	struct uccn_node_init_options ob = {
		.name = "Hobart", .country = "AU", .field = "literature"};
	cr_assert_eq(uccn_node_init(home_a, &oa, now, &na), UCCN_OK);
	cr_assert_eq(uccn_node_init(home_b, &ob, now, &nb), UCCN_OK);
}

static void teardown(void) {
	uccn_node_close(na);
	uccn_node_close(nb);
	na = nb = NULL;
	test_rmdir(dir);
	test_check_leaks();
}

TestSuite(node, .init = setup, .fini = teardown);

static int count_record(void *userdata, const struct uccn_record *r) {
	(*(int *)userdata)++;
	return 0;
}

static int count_list(struct uccn_node *n, const char *kind, bool with_deleted) {
	int count = 0;
	cr_assert_eq(uccn_node_list(n, kind, with_deleted, count_record, &count), UCCN_OK);
	return count;
}

static char *put_practice(struct uccn_node *n, const char *title) {
	static char id[UCCN_ID_MAX + 1];
	struct uccn_field f = test_str("title", title);
	cr_assert_eq(uccn_node_put(n, "best_practice", NULL, &f, 1, now, id), UCCN_OK, "%s",
		uccn_node_errmsg(n));
	return id;
}

struct mem {
	struct uccn_bytes bytes;
	size_t pos;
	size_t limit; /* read at most this many bytes in all: a cut file */
};

static int mem_write(void *userdata, const uint8_t *buf, size_t len) {
	return uccn_bytes_append(&((struct mem *)userdata)->bytes, buf, len);
}

static long mem_read(void *userdata, uint8_t *buf, size_t cap) {
	struct mem *m = userdata;
	size_t end = m->limit < m->bytes.len ? m->limit : m->bytes.len;
	size_t n = end - m->pos < cap ? end - m->pos : cap;
	memcpy(buf, m->bytes.data + m->pos, n);
	m->pos += n;
	return (long)n;
}

static void export_from(struct uccn_node *n, struct mem *m, uint64_t *count) {
	memset(m, 0, sizeof(*m));
	cr_assert_eq(uccn_node_export(n, mem_write, m, count), UCCN_OK);
	m->limit = SIZE_MAX;
}

Test(node, init_writes_the_city_record_as_first_change) {
	cr_assert_eq(count_list(na, "city", false), 1);
	uint64_t checked = 0;
	cr_assert_eq(uccn_node_verify(na, NULL, NULL, &checked), 0);
	cr_assert_eq(checked, 1);
}

Test(node, init_twice_is_refused_and_keeps_the_key) {
	uint8_t before[UCCN_KEY_BYTES];
	uccn_node_public_key(na, before);
	struct uccn_node *again = NULL;
	struct uccn_node_init_options o = {.name = "X", .country = "AU", .field = "music"};
	cr_assert_eq(uccn_node_init(home_a, &o, now, &again), UCCN_EEXIST);
	uccn_node_close(na);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_OK);
	uint8_t after[UCCN_KEY_BYTES];
	uccn_node_public_key(na, after);
	cr_assert_eq(memcmp(before, after, UCCN_KEY_BYTES), 0);
}

Test(node, init_with_a_bad_field_creates_nothing) {
	char home[600];
	snprintf(home, sizeof(home), "%s/nowhere", dir);
	struct uccn_node *n = NULL;
	struct uccn_node_init_options o = {.name = "Somewhere", .country = "AU", .field = "cinema"};
	cr_assert_eq(uccn_node_init(home, &o, now, &n), UCCN_ESCHEMA);
	struct stat sb;
	cr_assert_neq(stat(home, &sb), 0);
}

Test(node, put_get_change_and_delete_a_record) {
	char id[UCCN_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", put_practice(na, "Music in schools"));
	struct uccn_field f = test_str("summary", "revised");
	cr_assert_eq(uccn_node_put(na, "best_practice", id, &f, 1, now, NULL), UCCN_OK);
	cr_assert_eq(count_list(na, "best_practice", false), 1);
	cr_assert_eq(uccn_node_delete(na, "best_practice", id, now), UCCN_OK);
	cr_assert_eq(count_list(na, "best_practice", false), 0);
	cr_assert_eq(count_list(na, "best_practice", true), 1);
	cr_assert_eq(uccn_node_delete(na, "best_practice", id, now), UCCN_ENOTFOUND);
}

Test(node, a_failed_call_leaves_its_reason_on_the_node_and_the_next_success_clears_it) {
	cr_assert_str_eq(uccn_node_errmsg(na), "", "a fresh node has no failure to tell");
	cr_assert_str_eq(uccn_node_errmsg(NULL), "");
	struct uccn_field f = test_int("year", 99999);
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, &f, 1, now, NULL), UCCN_ESCHEMA);
	cr_assert(strstr(uccn_node_errmsg(na), "year") != NULL, "%s", uccn_node_errmsg(na));
	cr_assert_str_eq(uccn_node_errmsg(nb), "", "the reason stays with its node");
	put_practice(na, "Music in schools");
	cr_assert_str_eq(uccn_node_errmsg(na), "", "%s", uccn_node_errmsg(na));
	/* The next failure tells its own reason, not the last one's. */
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, &f, 1, now, NULL), UCCN_ESCHEMA);
	cr_assert_eq(uccn_node_delete(na, "best_practice", "no-such-id", now), UCCN_ENOTFOUND);
	cr_assert(strstr(uccn_node_errmsg(na), "no-such-id") != NULL &&
			  strstr(uccn_node_errmsg(na), "year") == NULL,
		"%s", uccn_node_errmsg(na));
}

/* What a caller outside the library reads of a record: only through the accessors. */
static int read_record(void *userdata, const struct uccn_record *r) {
	const uint8_t *owner = userdata;
	cr_assert_str_eq(uccn_record_kind(r), "best_practice");
	cr_assert_eq(strlen(uccn_record_id(r)), 32);
	cr_assert_eq(memcmp(uccn_record_owner(r), owner, UCCN_KEY_BYTES), 0);
	cr_assert_not(uccn_record_deleted(r));
	cr_assert_lt(uccn_record_created_hlc(r), uccn_record_updated_hlc(r));
	cr_assert_eq(uccn_record_field_count(r), 2);
	const struct uccn_field *f = uccn_record_field_at(r, 0);
	cr_assert_eq(f->name_len, 7);
	cr_assert_eq(memcmp(f->name, "summary", 7), 0);
	cr_assert_eq(uccn_record_field_at(r, 1)->value.str_len, strlen("Music in schools"));
	cr_assert_null(uccn_record_field_at(r, 2));
	return 0;
}

struct seen_changes {
	const uint8_t *author;
	uint64_t seq;
	int n;
};

static int read_change(void *userdata, const struct uccn_change *c, const uint8_t *hash) {
	struct seen_changes *seen = userdata;
	cr_assert_eq(memcmp(uccn_change_author(c), seen->author, UCCN_KEY_BYTES), 0);
	cr_assert_eq(memcmp(uccn_change_owner(c), seen->author, UCCN_KEY_BYTES), 0);
	cr_assert_gt(uccn_change_seq(c), seen->seq);
	/* Chains are per feed (PROTOCOL.md §4.5): the first best practice starts its feed. */
	cr_assert_eq(uccn_change_prev(c) == NULL, seen->n == 0);
	seen->seq = uccn_change_seq(c);
	cr_assert_str_eq(uccn_change_kind(c), "best_practice");
	cr_assert_eq(uccn_change_op(c), UCCN_OP_PUT);
	cr_assert_eq(uccn_change_field_count(c), 1);
	cr_assert_null(uccn_change_field_at(c, 1));
	size_t len = 0;
	cr_assert_not_null(uccn_change_raw(c, &len));
	cr_assert_gt(len, UCCN_SIG_BYTES);
	cr_assert_gt(uccn_change_hlc(c), 0);
	seen->n++;
	return 0;
}

Test(node, records_and_changes_read_through_their_accessors) {
	char id[UCCN_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", put_practice(na, "Music in schools"));
	struct uccn_field f = test_str("summary", "revised");
	cr_assert_eq(uccn_node_put(na, "best_practice", id, &f, 1, now, NULL), UCCN_OK);
	uint8_t me[UCCN_KEY_BYTES];
	uccn_node_public_key(na, me);
	cr_assert_eq(uccn_node_get(na, "best_practice", id, read_record, me), UCCN_OK);
	struct seen_changes seen = {.author = me};
	cr_assert_eq(uccn_node_history(na, "best_practice", id, read_change, &seen), UCCN_OK);
	cr_assert_eq(seen.n, 2);
}

static int count_change(void *userdata, const struct uccn_change *c, const uint8_t *hash) {
	(*(int *)userdata)++;
	return 0;
}

Test(node, history_holds_every_change_oldest_first) {
	char id[UCCN_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", put_practice(na, "one"));
	struct uccn_field f = test_str("title", "two");
	cr_assert_eq(uccn_node_put(na, "best_practice", id, &f, 1, now, NULL), UCCN_OK);
	cr_assert_eq(uccn_node_delete(na, "best_practice", id, now), UCCN_OK);
	int n = 0;
	cr_assert_eq(uccn_node_history(na, "best_practice", id, count_change, &n), UCCN_OK);
	cr_assert_eq(n, 3);
}

Test(node, a_new_record_needs_its_required_fields) {
	struct uccn_field f = test_str("summary", "no title");
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, &f, 1, now, NULL), UCCN_ESCHEMA);
	cr_assert_not_null(strstr(uccn_node_errmsg(na), "title"), "%s", uccn_node_errmsg(na));
}

Test(node, another_citys_record_cannot_be_changed) {
	char id[UCCN_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", put_practice(na, "Adelaide's"));
	struct mem m;
	export_from(na, &m, NULL);
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, NULL), UCCN_OK);
	struct uccn_field f = test_str("title", "taken over");
	cr_assert_eq(uccn_node_put(nb, "best_practice", id, &f, 1, now, NULL), UCCN_EPERM);
	cr_assert_not_null(strstr(uccn_node_errmsg(nb), "owner"), "%s", uccn_node_errmsg(nb));
	uccn_bytes_finish(&m.bytes);
}

Test(node, export_then_import_carries_every_record) {
	put_practice(na, "Music in schools");
	put_practice(na, "Street music");
	struct mem m;
	uint64_t count = 0;
	export_from(na, &m, &count);
	cr_assert_eq(count, 3);
	struct uccn_import_stats stats;
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, &stats), UCCN_OK, "%s",
		uccn_node_errmsg(nb));
	cr_assert_eq(stats.read, 3);
	cr_assert_eq(stats.applied, 3);
	cr_assert_eq(count_list(nb, "best_practice", false), 2);
	cr_assert_eq(count_list(nb, "city", false), 2);
	m.pos = 0;
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, &stats), UCCN_OK);
	cr_assert_eq(stats.duplicate, 3, "importing twice changes nothing");
	cr_assert_eq(uccn_node_verify(nb, NULL, NULL, NULL), 0);
	uccn_bytes_finish(&m.bytes);
}

/* A practice with two partners, whose id goes to id. */
static void put_partners(const char *title, const char *first, const char *second, char *id) {
	struct uccn_value items[2] = {
		{.type = UCCN_VALUE_STR, .str = first, .str_len = strlen(first)},
		{.type = UCCN_VALUE_STR, .str = second, .str_len = strlen(second)}};
	struct uccn_field f[2] = {test_str("title", title),
		{.name = "partners",
			.name_len = 8,
			.value = {.type = UCCN_VALUE_LIST, .items = items, .count = 2}}};
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, f, 2, now, id), UCCN_OK, "%s",
		uccn_node_errmsg(na));
}

static int second_partner(void *userdata, const struct uccn_record *r) {
	const struct uccn_value *v = uccn_record_field(r, "partners");
	cr_assert(v != NULL && v->type == UCCN_VALUE_LIST && v->count == 2);
	snprintf(userdata, 64, "%.*s", (int)v->items[1].str_len, v->items[1].str);
	return 0;
}

/* An import decodes each change once and applies it later, from what the batch kept: each
 * change's lists must be its own, not those of the change decoded last. */
Test(node, import_keeps_each_changes_lists) {
	char first[UCCN_ID_MAX + 1], second[UCCN_ID_MAX + 1];
	put_partners("Music in schools", "the conservatory", "the schools", first);
	put_partners("Street music", "the buskers", "the city", second);
	struct mem m;
	export_from(na, &m, NULL);
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, NULL), UCCN_OK);
	char got[64] = "";
	cr_assert_eq(uccn_node_get(nb, "best_practice", first, second_partner, got), UCCN_OK);
	cr_assert_str_eq(got, "the schools");
	cr_assert_eq(uccn_node_get(nb, "best_practice", second, second_partner, got), UCCN_OK);
	cr_assert_str_eq(got, "the city");
	uccn_bytes_finish(&m.bytes);
}

/* A signed change whose body holds a field nested `levels` arrays deep: msgpack-c alone would
 * take it for a lack of memory. */
static void deep_change(struct uccn_bytes *out, int levels) {
	struct uccn_bytes body = {0};
	static const uint8_t head[] = {0x9b, 0x01};
	cr_assert_eq(uccn_bytes_append(&body, head, sizeof(head)), UCCN_OK);
	for (int i = 0; i < levels; i++) {
		cr_assert_eq(uccn_bytes_append(&body, "\x91", 1), UCCN_OK);
	}
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(uccn_bytes_append(&body, "\xc0", 1), UCCN_OK); /* the rest: nil */
	}
	uint8_t sig[UCCN_SIG_BYTES] = {0};
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, sig, out), UCCN_OK);
	uccn_bytes_finish(&body);
}

static void keep_refusal(void *userdata, const struct uccn_apply_result *res) {
	if (res->outcome == UCCN_REFUSED) {
		snprintf(userdata, 256, "%s", res->why);
	}
}

Test(node, a_change_nested_too_deep_is_refused_and_the_import_goes_on) {
	put_practice(na, "Music in schools");
	struct mem m;
	export_from(na, &m, NULL);
	/* Rewrite the export as: first change, the deep one, second change, trailer. */
	struct uccn_file_reader *r = NULL;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, m.bytes.data, m.bytes.len), UCCN_OK);
	struct uccn_file_item item;
	struct uccn_bytes good[2] = {{0}, {0}}, deep = {0};
	struct mem f = {.limit = SIZE_MAX};
	cr_assert_eq(uccn_codec_reader_next(r, &item, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_file_header(item.network, &f.bytes), UCCN_OK);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(uccn_codec_reader_next(r, &item, NULL, 0), UCCN_OK);
		cr_assert_eq(item.type, UCCN_FILE_CHANGE);
		cr_assert_eq(uccn_bytes_append(&good[k], item.change, item.change_len), UCCN_OK);
	}
	uccn_codec_reader_destroy(r);
	deep_change(&deep, 5000);
	const struct uccn_bytes *order[3] = {&good[0], &deep, &good[1]};
	struct uccn_hash_state h;
	uccn_crypto_hash_init(&h);
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(uccn_codec_encode_file_change(order[k]->data, order[k]->len, &f.bytes),
			UCCN_OK);
		uccn_crypto_hash_update(&h, order[k]->data, order[k]->len);
	}
	uint8_t hash[UCCN_HASH_BYTES];
	uccn_crypto_hash_final(&h, hash);
	cr_assert_eq(uccn_codec_encode_file_trailer(3, hash, &f.bytes), UCCN_OK);

	struct uccn_import_stats stats;
	char refusal[256] = "";
	cr_assert_eq(uccn_node_import(nb, mem_read, &f, keep_refusal, refusal, &stats), UCCN_OK,
		"%s", uccn_node_errmsg(nb));
	cr_assert_not_null(strstr(refusal, "malformed: the body is nested deeper than 16 levels"),
		"%s", refusal);
	cr_assert_eq(stats.read, 3);
	cr_assert_eq(stats.applied, 2);
	cr_assert_eq(stats.refused, 1);
	cr_assert_eq(count_list(nb, "best_practice", false), 1);
	uccn_bytes_finish(&good[0]);
	uccn_bytes_finish(&good[1]);
	uccn_bytes_finish(&deep);
	uccn_bytes_finish(&f.bytes);
	uccn_bytes_finish(&m.bytes);
}

Test(node, truncated_file_keeps_the_changes_before_the_cut) {
	for (int i = 0; i < 20; i++) {
		put_practice(na, "practice");
	}
	struct mem m;
	export_from(na, &m, NULL);
	m.limit = m.bytes.len / 2;
	struct uccn_import_stats stats;
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, &stats), UCCN_ETRUNC);
	cr_assert_not_null(strstr(uccn_node_errmsg(nb), "truncated"), "%s", uccn_node_errmsg(nb));
	cr_assert_gt(stats.applied, 5);
	cr_assert_lt(stats.applied, 21);
	/* Each change kept made a record of Adelaide's, beside Hobart's own city. */
	cr_assert_eq(count_list(nb, NULL, false), 1 + (int)stats.applied);
	uccn_bytes_finish(&m.bytes);
}

Test(node, every_cut_of_an_export_is_an_error_never_a_crash) {
	put_practice(na, "one");
	struct mem m;
	export_from(na, &m, NULL);
	for (size_t cut = 0; cut < m.bytes.len; cut++) {
		m.pos = 0;
		m.limit = cut;
		int err = uccn_node_import(nb, mem_read, &m, NULL, NULL, NULL);
		cr_assert(err == UCCN_ETRUNC || err == UCCN_EPROTO, "cut %zu: %s", cut,
			uccn_err_name(err));
	}
	uccn_bytes_finish(&m.bytes);
}

Test(node, garbage_file_is_not_an_export) {
	struct mem m = {.limit = SIZE_MAX};
	static const char zip[] = "PK\x03\x04 a zip, not ours";
	cr_assert_eq(uccn_bytes_append(&m.bytes, zip, sizeof(zip) - 1), UCCN_OK);
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, NULL), UCCN_EPROTO);
	cr_assert_not_null(
		strstr(uccn_node_errmsg(nb), "not a uccn export"), "%s", uccn_node_errmsg(nb));
	cr_assert_eq(count_list(nb, NULL, true), 1);
	uccn_bytes_finish(&m.bytes);
}

Test(node, file_from_another_network_is_refused_whole) {
	char home[600];
	snprintf(home, sizeof(home), "%s/elsewhere", dir);
	uint8_t network[UCCN_KEY_BYTES];
	memset(network, 0xaa, sizeof(network));
	struct uccn_node_init_options o = {
		.name = "Elsewhere", .country = "FR", .field = "design", .network = network};
	struct uccn_node *other;
	cr_assert_eq(uccn_node_init(home, &o, now, &other), UCCN_OK);
	struct mem m;
	export_from(other, &m, NULL);
	struct uccn_import_stats stats;
	cr_assert_eq(uccn_node_import(nb, mem_read, &m, NULL, NULL, &stats), UCCN_ENETWORK);
	cr_assert_not_null(
		strstr(uccn_node_errmsg(nb), "another network"), "%s", uccn_node_errmsg(nb));
	cr_assert_eq(stats.applied, 0);
	uccn_node_close(other);
	uccn_bytes_finish(&m.bytes);
}

Test(node, open_refuses_a_key_readable_by_others) {
	uccn_node_close(na);
	na = NULL;
	char key[600];
	snprintf(key, sizeof(key), "%s/node.key", home_a);
	cr_assert_eq(chmod(key, 0644), 0);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_EPERM);
}

Test(node, open_of_an_empty_or_missing_folder_is_not_found) {
	struct uccn_node *n = NULL;
	cr_assert_eq(uccn_node_open(dir, &n), UCCN_ENOTFOUND);
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	cr_assert_eq(uccn_node_open(missing, &n), UCCN_ENOTFOUND);
}

Test(node, open_of_a_corrupt_database_is_corrupt) {
	uccn_node_close(na);
	na = NULL;
	char db[600];
	snprintf(db, sizeof(db), "%s/uccn.db", home_a);
	FILE *f = fopen(db, "wb");
	fputs("this is not a database, just words that fill the first page of the file", f);
	fclose(f);
	char wal[620];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	remove(wal);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_ECORRUPT);
}

static void fault_counter(void *userdata, const struct uccn_fault *f) {
	(*(int *)userdata)++;
}

Test(node, verify_finds_a_tampered_change) {
	put_practice(na, "honest");
	uccn_node_close(na);
	na = NULL;
	char db[600];
	snprintf(db, sizeof(db), "%s/uccn.db", home_a);
	sqlite3 *h;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	/* Change one byte inside the stored title: the signature no longer holds. */
	cr_assert_eq(sqlite3_exec(h,
			     "UPDATE changes SET data = replace(data, CAST('honest' AS BLOB),"
			     " CAST('HONEST' AS BLOB)) WHERE seq = 2",
			     NULL, NULL, NULL),
		SQLITE_OK);
	cr_assert_eq(sqlite3_changes(h), 1);
	sqlite3_close(h);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_OK);
	int faults = 0;
	cr_assert_gt(uccn_node_verify(na, fault_counter, &faults, NULL), 0);
	cr_assert_gt(faults, 0);
}

Test(node, an_empty_change_in_a_file_is_refused_as_malformed) {
	struct uccn_bytes file = {0};
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(nb, network);
	struct uccn_hash_state h;
	uint8_t hash[UCCN_HASH_BYTES];
	uccn_crypto_hash_init(&h);
	uccn_crypto_hash_final(&h, hash);
	cr_assert_eq(uccn_codec_encode_file_header(network, &file), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_file_change(NULL, 0, &file), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_file_trailer(1, hash, &file), UCCN_OK);
	struct uccn_import_stats stats;
	int err = test_import(nb, &file, SIZE_MAX, &stats);
	cr_assert_eq(err, UCCN_OK, "%s", uccn_err_name(err));
	cr_assert_eq(stats.read, 1);
	cr_assert_eq(stats.refused, 1);
	uccn_bytes_finish(&file);
}

static int feeds_of_history(void *userdata, const struct uccn_change *c, const uint8_t *hash) {
	char feed[UCCN_FEED_MAX + 1];
	uccn_schema_feed(c, feed);
	cr_assert_str_eq(feed, (const char *)userdata, "change #%llu", (unsigned long long)c->seq);
	return 0;
}

Test(node, an_edit_keeps_a_record_marked_for_the_secretariat_in_its_feed) {
	struct uccn_field f[2] = {test_str("title", "draft"), test_str("audience", "secretariat")};
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, f, 2, now, id), UCCN_OK, "%s",
		uccn_node_errmsg(na));
	struct uccn_field edit = test_str("summary", "still a draft");
	cr_assert_eq(uccn_node_put(na, "best_practice", id, &edit, 1, now, NULL), UCCN_OK, "%s",
		uccn_node_errmsg(na));
	cr_assert_eq(uccn_node_history(na, "best_practice", id, feeds_of_history,
			     (void *)"best_practice@secretariat"),
		UCCN_OK);
	uint64_t checked = 0;
	cr_assert_eq(uccn_node_verify(na, NULL, NULL, &checked), 0, "its chains verify");
}

/* --- Backup and restore, and a node that lags behind its own chain ------------------------ */

static void copy_file(const char *from, const char *to) {
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	cr_assert(in != NULL && out != NULL, "%s -> %s", from, to);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		cr_assert_eq(fwrite(buf, 1, n, out), n);
	}
	fclose(in);
	cr_assert_eq(fclose(out), 0);
}

static void remember_fault(void *userdata, const struct uccn_fault *f) {
	*(struct uccn_fault *)userdata = *f;
}

static struct uccn_node_signing signing(struct uccn_node *n) {
	struct uccn_node_signing s;
	cr_assert_eq(uccn_node_signing(n, &s), UCCN_OK);
	return s;
}

static int put_result(struct uccn_node *n, const char *title) {
	char id[UCCN_ID_MAX + 1];
	struct uccn_field f = test_str("title", title);
	return uccn_node_put(n, "best_practice", NULL, &f, 1, now, id);
}

Test(node, a_backup_of_an_open_node_holds_what_its_wal_holds_and_the_key_apart) {
	for (int i = 0; i < 3; i++) {
		put_practice(na, "in the WAL");
	}
	/* A second connection, as `uccn backup` beside a running serve: na still holds the
	 * WAL, unchecked-pointed. */
	struct uccn_node *other = NULL;
	cr_assert_eq(uccn_node_open(home_a, &other), UCCN_OK);
	char path[600], key[600], home_c[600];
	struct uccn_error why_err;
	snprintf(path, sizeof(path), "%s/a.backup", dir);
	snprintf(key, sizeof(key), "%s/a.backup.key", dir);
	snprintf(home_c, sizeof(home_c), "%s/copy", dir);
	cr_assert_eq(uccn_node_backup(other, path), UCCN_OK, "%s", uccn_node_errmsg(other));
	cr_assert_eq(
		uccn_node_backup(other, path), UCCN_EEXIST, "a backup never overwrites a file");
	uccn_node_close(other);
	struct stat sb;
	cr_assert_eq(stat(key, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "the key file is the city's identity");
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "the copy holds reports meant for one reader");
	cr_assert_eq(uccn_node_restore(home_c, path, false, &why_err), UCCN_OK, "%s", why_err.msg);
	struct uccn_node *nc = NULL;
	cr_assert_eq(uccn_node_open(home_c, &nc), UCCN_OK);
	cr_assert_eq(count_list(nc, "best_practice", false), 3);
	uint8_t ka[UCCN_KEY_BYTES], kc[UCCN_KEY_BYTES];
	uccn_node_public_key(na, ka);
	uccn_node_public_key(nc, kc);
	cr_assert_eq(memcmp(ka, kc, UCCN_KEY_BYTES), 0, "the same node, key and all");
	cr_assert_eq(uccn_node_verify(nc, NULL, NULL, NULL), 0);
	uccn_node_close(nc);
}

Test(node, a_restore_never_replaces_another_nodes_key_and_needs_one) {
	char path[600], key[600], home_c[600], why[256] = "";
	struct uccn_error why_err;
	snprintf(path, sizeof(path), "%s/a.backup", dir);
	snprintf(key, sizeof(key), "%s/a.backup.key", dir);
	snprintf(home_c, sizeof(home_c), "%s/copy", dir);
	put_practice(nb, "Hobart's own");
	cr_assert_eq(uccn_node_backup(na, path), UCCN_OK, "%s", uccn_node_errmsg(na));
	uccn_node_close(nb);
	nb = NULL;
	cr_assert_eq(uccn_node_restore(home_b, path, false, &why_err), UCCN_EPERM);
	cr_assert(strstr(why_err.msg, "never replaces") != NULL, "%s", why_err.msg);
	cr_assert_eq(uccn_node_open(home_b, &nb), UCCN_OK, "Hobart is as it was");
	cr_assert_eq(count_list(nb, "best_practice", false), 1);
	cr_assert_eq(unlink(key), 0);
	cr_assert_eq(uccn_node_restore(home_c, path, false, &why_err), UCCN_ENOTFOUND);
	cr_assert(strstr(why_err.msg, "key") != NULL, "%s", why_err.msg);
	snprintf(why, sizeof(why), "%s/nothing", dir);
	cr_assert_lt(uccn_node_restore(home_c, why, false, &why_err), 0);
}

Test(node, a_restored_node_signs_nothing_until_it_has_its_own_changes_or_is_told) {
	char path[600], home_c[600];
	struct uccn_error why_err;
	snprintf(path, sizeof(path), "%s/a.backup", dir);
	snprintf(home_c, sizeof(home_c), "%s/copy", dir);
	put_practice(na, "before the backup");
	cr_assert_eq(uccn_node_backup(na, path), UCCN_OK, "%s", uccn_node_errmsg(na));
	put_practice(na, "after");
	put_practice(na, "after, again");
	cr_assert(signing(na).may_sign);
	uccn_node_close(na);
	na = NULL;
	/* Restored in place: the home's record says #4 was signed; the copy ends at #2. */
	cr_assert_eq(uccn_node_restore(home_a, path, false, &why_err), UCCN_OK, "%s", why_err.msg);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_OK);
	struct uccn_node_signing s = signing(na);
	cr_assert_not(s.may_sign);
	cr_assert(s.marked);
	cr_assert_eq(s.head, 2);
	cr_assert_eq(s.signed_up_to, 4);
	cr_assert_eq(put_result(na, "would fork"), UCCN_EBEHIND);
	const char *why = uccn_node_errmsg(na);
	cr_assert(strstr(why, "resume-signing") != NULL && strstr(why, "sync") != NULL, "%s", why);
	cr_assert_eq(count_list(na, "best_practice", false), 1, "nothing was written");
	/* Restored elsewhere, with no record of the head beside it: the mark alone holds. */
	cr_assert_eq(uccn_node_restore(home_c, path, false, &why_err), UCCN_OK, "%s", why_err.msg);
	struct uccn_node *nc = NULL;
	cr_assert_eq(uccn_node_open(home_c, &nc), UCCN_OK);
	cr_assert_eq(put_result(nc, "would fork"), UCCN_EBEHIND);
	cr_assert(strstr(uccn_node_errmsg(nc), "restored") != NULL, "%s", uccn_node_errmsg(nc));
	/* The user's word that this is the only copy. */
	cr_assert_eq(uccn_node_resume_signing(nc), UCCN_OK);
	cr_assert_eq(put_result(nc, "signed again"), UCCN_OK, "%s", uccn_node_errmsg(nc));
	cr_assert_eq(signing(nc).head, 3);
	uccn_node_close(nc);
	/* --only-copy: at once. */
	snprintf(home_c, sizeof(home_c), "%s/copy2", dir);
	cr_assert_eq(uccn_node_restore(home_c, path, true, &why_err), UCCN_OK, "%s", why_err.msg);
	cr_assert_eq(uccn_node_open(home_c, &nc), UCCN_OK);
	cr_assert(signing(nc).may_sign);
	uccn_node_close(nc);
}

Test(node, a_store_that_lost_its_last_commits_says_what_is_missing_and_signs_nothing) {
	/* Closing checkpoints the WAL: the database file then holds init's change. */
	uccn_node_close(na);
	cr_assert_eq(uccn_node_open(home_a, &na), UCCN_OK);
	for (int i = 0; i < 3; i++) {
		put_practice(na, "acknowledged, then lost");
	}
	/* The home as a crash that lost the WAL leaves it: the database file alone, beside the
	 * key and the record of the head. */
	char home_c[600], from[700], to[700];
	snprintf(home_c, sizeof(home_c), "%s/lost", dir);
	cr_assert_eq(mkdir(home_c, 0700), 0);
	const char *files[] = {"uccn.db", "node.key", "node.head"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s/%s", home_a, files[i]);
		snprintf(to, sizeof(to), "%s/%s", home_c, files[i]);
		copy_file(from, to);
	}
	snprintf(to, sizeof(to), "%s/node.key", home_c);
	cr_assert_eq(chmod(to, 0600), 0);
	struct uccn_node *nc = NULL;
	cr_assert_eq(uccn_node_open(home_c, &nc), UCCN_OK);
	cr_assert_eq(count_list(nc, "best_practice", false), 0, "the WAL held them all");
	struct uccn_fault v = {0};
	cr_assert_eq(uccn_node_verify(nc, remember_fault, &v, NULL), 1);
	cr_assert_eq(v.err, UCCN_EBEHIND);
	cr_assert(strstr(v.why, "ends at #1 but this node signed up to #4") != NULL, "%s", v.why);
	cr_assert(strstr(v.why, "3 of its changes are missing") != NULL, "%s", v.why);
	cr_assert_eq(put_result(nc, "would fork"), UCCN_EBEHIND);
	/* Getting them back (here from a file the node exported before) lifts it. */
	struct mem m;
	uint64_t count = 0;
	export_from(na, &m, &count);
	cr_assert_eq(uccn_node_import(nc, mem_read, &m, NULL, NULL, NULL), UCCN_OK);
	uccn_bytes_finish(&m.bytes);
	cr_assert(signing(nc).may_sign);
	cr_assert_eq(uccn_node_verify(nc, NULL, NULL, NULL), 0);
	cr_assert_eq(put_result(nc, "next"), UCCN_OK, "%s", uccn_node_errmsg(nc));
	uccn_node_close(nc);
}

/* --- A change clocked ahead of the receiver's clock --------------------------------------- */

static uint64_t node_wall;
static uint64_t node_clock(void *arg) {
	return *(const uint64_t *)arg;
}

static void held_why(void *userdata, const struct uccn_apply_result *res) {
	snprintf(userdata, sizeof(res->why), "%s", res->why);
}

Test(node, a_change_from_a_clock_ahead_is_held_with_its_time_and_let_in_when_it_comes) {
	uint64_t wall = uccn_node_wall_ms();
	uint64_t ahead = wall + 60 * 60 * 1000; /* an hour fast */
	struct uccn_field f = test_str("title", "From the future");
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(na, "best_practice", NULL, &f, 1, ahead, id), UCCN_OK,
		"%s: a node's own clock is its own", uccn_node_errmsg(na));
	struct uccn_bytes file = {0};
	struct uccn_import_stats stats;
	test_export(na, &file);
	node_wall = wall;
	test_node_set_clock(nb, node_clock, &node_wall);
	cr_assert_eq(test_import(nb, &file, SIZE_MAX, &stats), UCCN_OK);
	cr_assert_eq(stats.held, 1);
	cr_assert_eq(count_list(nb, "best_practice", false), 0);
	static char shown[256];
	cr_assert_eq(uccn_node_held(nb, held_why, shown), UCCN_OK);
	cr_assert_not_null(strstr(shown, "clock ahead"), "%s", shown);
	cr_assert_not_null(strstr(shown, "held until"), "%s", shown);
	size_t applied = 9;
	cr_assert_eq(uccn_node_release_due(nb, &applied), UCCN_OK);
	cr_assert_eq(applied, 0, "not yet");
	node_wall = ahead - UCCN_HLC_SKEW_MS;
	cr_assert_eq(uccn_node_release_due(nb, &applied), UCCN_OK);
	cr_assert_eq(applied, 1);
	cr_assert_eq(count_list(nb, "best_practice", false), 1);
	shown[0] = '\0';
	cr_assert_eq(uccn_node_held(nb, held_why, shown), UCCN_OK);
	cr_assert_str_eq(shown, "", "nothing is held any more");
	uccn_bytes_finish(&file);
}

static void count_clock_faults(void *userdata, const struct uccn_fault *f) {
	if (f->err == UCCN_ECHAIN && strstr(f->why, "clock does not advance") != NULL) {
		(*(int *)userdata)++;
	}
}

/* verify applies the chain's clock rule to what is stored, as a receiver does: a link clocked
 * equal to the one before it is a fault, one clocked a unit later is not. The links are
 * written to the store directly, as a store written by a faulty node would hold them. */
Test(node, verify_holds_a_feeds_clocks_to_strictly_increasing) {
	static const struct {
		uint64_t delta;
		int faults;
	} cases[] = {{1, 0}, {0, 1}}; /* faults add up: each case leaves its chain stored */
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(nb, network);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_author w;
		test_author_init(&w, (uint8_t)(0x90 + i));
		uint64_t h = (uint64_t)1700000000000 << 16;
		struct uccn_bytes raw[2] = {{0}};
		struct uccn_field f = test_str("title", "t");
		test_sign(&w, network, h, "best_practice", NULL, "bp", UCCN_OP_PUT, &f, 1, &raw[0]);
		test_sign(&w, network, h + cases[i].delta, "best_practice", NULL, "bp", UCCN_OP_PUT,
			&f, 1, &raw[1]);
		test_node_store_raw(nb, "best_practice", raw, 2);
		int faults = 0;
		cr_assert_geq(uccn_node_verify(nb, count_clock_faults, &faults, NULL), 0);
		cr_assert_eq(faults, cases[i].faults, "case %zu", i);
		uccn_bytes_finish(&raw[0]);
		uccn_bytes_finish(&raw[1]);
		test_author_finish(&w);
	}
}
