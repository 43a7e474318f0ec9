/* test_store.c - the SQLite store: schema and migrations, transactions, heads, records, held
 * changes and forks, and refusing files that are not ours. */
#include "node/store.h"

#include <criterion/criterion.h>
#include <msgpack.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/merge.h"
#include "proto/change_internal.h"
#include "proto/state_codec.h"
#include "tests/support.h"

static char *dir;
static char path[512];
static struct uccn_store *st;
static struct uccn_change c;

static void setup(void) {
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/uccn.db", dir);
	cr_assert_eq(uccn_store_open(path, true, &st), UCCN_OK);
}

static void teardown(void) {
	uccn_store_close(st);
	st = NULL;
	test_rmdir(dir);
	test_check_leaks();
}

TestSuite(store, .init = setup, .fini = teardown);

static const uint8_t raw[] = "signed bytes";

static struct uccn_change *fake(uint8_t author, uint64_t seq, const char *id) {
	memset(&c, 0, sizeof(c));
	memset(c.author, author, UCCN_KEY_BYTES);
	memcpy(c.owner, c.author, UCCN_KEY_BYTES);
	c.seq = seq;
	c.has_prev = seq > 1;
	memset(c.prev, (int)(seq - 1), sizeof(c.prev)); /* put() hashes seq n as n bytes of n */
	c.hlc = 1000 + seq;
	snprintf(c.kind, sizeof(c.kind), "event");
	snprintf(c.id, sizeof(c.id), "%s", id);
	c.raw = raw;
	c.raw_len = sizeof(raw);
	return &c;
}

static void put(uint8_t author, uint64_t seq, const char *id, int64_t *rid) {
	uint8_t hash[UCCN_HASH_BYTES];
	memset(hash, (int)seq, sizeof(hash));
	const uint8_t state[] = {0x01, 0x02};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_put_change(st, fake(author, seq, id), "event", hash, rid, state,
			     sizeof(state), false),
		UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
}

Test(store, put_change_moves_the_head_and_reads_back_the_same_bytes) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	cr_assert_gt(rid, 0);
	struct uccn_store_head head;
	uint8_t author[UCCN_KEY_BYTES];
	memset(author, 7, sizeof(author));
	cr_assert_eq(uccn_store_get_head(st, author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 1);
	cr_assert_eq(head.hlc, 1001);
	cr_assert_eq(head.hash[0], 1);
	struct uccn_bytes out = {0};
	cr_assert_eq(uccn_store_get_change(st, author, 1, &out), UCCN_OK);
	cr_assert_eq(out.len, sizeof(raw));
	cr_assert_eq(memcmp(out.data, raw, sizeof(raw)), 0);
	cr_assert_eq(uccn_store_get_change(st, author, 2, &out), UCCN_ENOTFOUND);
	uccn_bytes_finish(&out);
}

Test(store, unknown_author_has_head_zero) {
	uint8_t author[UCCN_KEY_BYTES] = {9};
	struct uccn_store_head head;
	cr_assert_eq(uccn_store_get_head(st, author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 0);
}

Test(store, rollback_leaves_nothing_behind) {
	uint8_t hash[UCCN_HASH_BYTES] = {0};
	int64_t rid = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(
		uccn_store_put_change(st, fake(3, 1, "e1"), "event", hash, &rid, raw, 3, false),
		UCCN_OK);
	uccn_store_rollback(st);
	uint64_t n;
	cr_assert_eq(uccn_store_count_changes(st, &n), UCCN_OK);
	cr_assert_eq(n, 0);
	struct uccn_store_head head;
	cr_assert_eq(uccn_store_get_head(st, c.author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 0, "the cached author id must not survive the rollback");
	rid = 0;
	put(3, 1, "e1", &rid); /* and the author can be added again */
}

Test(store, record_state_is_found_by_kind_owner_and_id) {
	int64_t rid = 0, found = 0;
	put(7, 1, "e1", &rid);
	struct uccn_bytes state = {0};
	cr_assert_eq(uccn_store_get_state(st, "event", c.owner, "e1", &found, &state), UCCN_OK);
	cr_assert_eq(found, rid);
	cr_assert_eq(state.len, 2);
	cr_assert_eq(
		uccn_store_get_state(st, "event", c.owner, "e2", &found, &state), UCCN_ENOTFOUND);
	cr_assert_eq(
		uccn_store_get_state(st, "project", c.owner, "e1", &found, &state), UCCN_ENOTFOUND);
	uccn_bytes_finish(&state);
}

static int count_rows(void *userdata, const struct uccn_store_row *row) {
	(*(int *)userdata)++;
	return 0;
}

Test(store, records_are_listed_by_kind_and_found_by_id_whatever_the_owner) {
	int64_t r1 = 0, r2 = 0;
	put(7, 1, "same", &r1);
	put(8, 1, "same", &r2);
	cr_assert_neq(r1, r2);
	int n = 0;
	cr_assert_eq(uccn_store_find_records(st, "event", "same", count_rows, &n), UCCN_OK);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(uccn_store_each_record(st, "event", false, count_rows, &n), UCCN_OK);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(uccn_store_each_record(st, "city", false, count_rows, &n), UCCN_OK);
	cr_assert_eq(n, 0);
}

static int count_blobs(void *userdata, const uint8_t *data, size_t len) {
	(*(int *)userdata)++;
	return 0;
}

Test(store, history_lists_every_change_of_a_record) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	put(7, 2, "e1", &rid);
	put(7, 3, "other", &(int64_t){0});
	int n = 0;
	cr_assert_eq(uccn_store_each_record_change(st, "event", c.owner, "e1", count_blobs, &n),
		UCCN_OK);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(uccn_store_each_change(st, count_blobs, &n), UCCN_OK);
	cr_assert_eq(n, 3);
}

Test(store, held_changes_pop_once_and_holding_twice_is_a_no_op) {
	uint8_t hash[UCCN_HASH_BYTES] = {1};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_hold(st, fake(5, 3, "e1"), hash, UCCN_EAGAIN, "gap", 42), UCCN_OK);
	cr_assert_eq(uccn_store_hold(st, &c, hash, UCCN_EAGAIN, "gap", 43), UCCN_OK);
	struct uccn_bytes out = {0};
	uint8_t one[UCCN_HASH_BYTES], two[UCCN_HASH_BYTES];
	memset(one, 1, sizeof(one));
	memset(two, 2, sizeof(two));
	cr_assert_eq(uccn_store_pop_held(st, c.author, one, &out), UCCN_ENOTFOUND);
	cr_assert_eq(uccn_store_pop_held(st, c.author, two, &out), UCCN_OK, "waits for #2");
	cr_assert_eq(out.len, sizeof(raw));
	cr_assert_eq(uccn_store_pop_held(st, c.author, two, &out), UCCN_ENOTFOUND);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	uccn_bytes_finish(&out);
}

static int count_forks(void *userdata, const struct uccn_store_fork *f) {
	(*(int *)userdata)++;
	return 0;
}

Test(store, forks_are_kept_once) {
	uint8_t author[UCCN_KEY_BYTES] = {4}, hash[UCCN_HASH_BYTES] = {5};
	cr_assert_eq(uccn_store_add_fork(st, author, 1, hash, raw, sizeof(raw)), UCCN_OK);
	cr_assert_eq(uccn_store_add_fork(st, author, 1, hash, raw, sizeof(raw)), UCCN_OK);
	int n = 0;
	cr_assert_eq(uccn_store_each_fork(st, count_forks, &n), UCCN_OK);
	cr_assert_eq(n, 1);
}

Test(store, data_survives_reopening) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	cr_assert_eq(uccn_store_set_meta(st, "key", raw, 4), UCCN_OK);
	uccn_store_close(st);
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK);
	struct uccn_bytes out = {0};
	cr_assert_eq(uccn_store_get_meta(st, "key", &out), UCCN_OK);
	cr_assert_eq(out.len, 4);
	cr_assert_eq(uccn_store_get_meta(st, "nothing", &out), UCCN_ENOTFOUND);
	uint64_t max;
	cr_assert_eq(uccn_store_max_hlc(st, &max), UCCN_OK);
	cr_assert_eq(max, 1001);
	uccn_bytes_finish(&out);
	cr_assert_eq(uccn_store_check_integrity(st), UCCN_OK);
}

Test(store, missing_file_is_not_found_without_create) {
	struct uccn_store *s = NULL;
	char other[600];
	snprintf(other, sizeof(other), "%s/none.db", dir);
	cr_assert_eq(uccn_store_open(other, false, &s), UCCN_ENOTFOUND);
	cr_assert_null(s);
}

Test(store, garbage_file_is_corrupt) {
	char other[600];
	snprintf(other, sizeof(other), "%s/garbage.db", dir);
	FILE *f = fopen(other, "wb");
	for (int i = 0; i < 4096; i++) {
		fputc(i * 31 % 251, f);
	}
	fclose(f);
	struct uccn_store *s = NULL;
	cr_assert_eq(uccn_store_open(other, false, &s), UCCN_ECORRUPT);
	cr_assert_null(s);
}

Test(store, another_programs_sqlite_file_is_refused) {
	char other[600];
	snprintf(other, sizeof(other), "%s/other.db", dir);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(other, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct uccn_store *s = NULL;
	cr_assert_eq(uccn_store_open(other, false, &s), UCCN_ECORRUPT);
}

Test(store, newer_schema_is_refused) {
	uccn_store_close(st);
	st = NULL;
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_ECORRUPT);
}

Test(store, schema_is_at_the_current_version_in_wal_mode) {
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
	cr_assert_geq(sqlite3_column_int(stmt, 0), 6);
	sqlite3_finalize(stmt);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* The record rows waiting to be indexed for search (at most 8 in these tests). */
struct noted {
	int64_t rids[8];
	int n;
};

static int take_noted(void *userdata, int64_t rid, const struct uccn_store_row *row) {
	(void)row;
	struct noted *w = userdata;
	cr_assert_lt(w->n, 8);
	w->rids[w->n++] = rid;
	return UCCN_OK;
}

/* Reading them moves the store past them: a transaction rolled back leaves them noted. */
static struct noted noted_rows(void) {
	struct noted w = {.n = 0};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_fts_dirty(st, 8, take_noted, &w), UCCN_OK);
	uccn_store_rollback(st);
	return w;
}

static int noted_for_search(void) {
	return noted_rows().n;
}

/* Indexes every noted row (with no text), as a search does before it asks. */
static void index_noted(void) {
	struct noted w = {.n = 0};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_fts_dirty(st, 8, take_noted, &w), UCCN_OK);
	for (int i = 0; i < w.n; i++) {
		cr_assert_eq(uccn_store_fts_set(st, w.rids[i], NULL, 0), UCCN_OK);
	}
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
}

/* Each way a record row is written notes it for the search index, in its transaction:
 * storing a change that makes the record, one that changes it, and rewriting its state
 * (a revocation's rebuild). */
Test(store, every_record_row_written_is_noted_for_search) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	cr_assert_eq(noted_for_search(), 1, "a new record");
	index_noted();
	cr_assert_eq(noted_for_search(), 0);
	put(7, 2, "e1", &rid);
	cr_assert_eq(noted_for_search(), 1, "a change to a record");
	index_noted();
	const uint8_t state[] = {0x01, 0x03};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_set_state(st, rid, state, sizeof(state), true), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(noted_for_search(), 1, "a rewritten state");
}

/* The triggers that kept the search index's notes from schema 8 to 11 (migration 12 drops
 * them): a file taken back to one of those by hand has them again. */
#define SCHEMA_8_TO_11_TRIGGERS                                             \
	" CREATE TRIGGER records_fts_insert AFTER INSERT ON records"        \
	" BEGIN INSERT OR IGNORE INTO fts_dirty(rid) VALUES(new.rid); END;" \
	" CREATE TRIGGER records_fts_update AFTER UPDATE ON records"        \
	" BEGIN INSERT OR IGNORE INTO fts_dirty(rid) VALUES(new.rid); END;"

/* The change table's indexes from schema 9 to 13 (migration 14 drops the first and makes the
 * second unique). */
#define SCHEMA_9_TO_13_INDEXES                                         \
	" CREATE UNIQUE INDEX changes_by_author ON changes(aid, seq);" \
	" CREATE INDEX changes_by_feed ON changes(fid, seq);"

/* Closes st and runs sql on its file, as an older program (or a hand) would write it. */
static void rewrite_by_hand(const char *sql) {
	uccn_store_close(st);
	st = NULL;
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The first column of the first row sql gives on the file at path, read beside the store. */
static int file_int(const char *sql) {
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
	int v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* The schema version the file at path says it has. */
static int file_schema_version(void) {
	return file_int("PRAGMA user_version");
}

/* Takes the file at path back to schema 1 by hand: what a node of the first release left. */
static void back_to_version_1(void) {
	rewrite_by_hand("DROP TABLE fts_done; DROP TABLE sessions; DROP TABLE session_log;"
			" DROP TRIGGER records_fts_delete; DROP TABLE fts_dirty;"
			" DROP TABLE record_fts;"
			" DROP INDEX held_by_due; ALTER TABLE held DROP COLUMN due_ms;"
			" DROP INDEX held_by_waits; ALTER TABLE held DROP COLUMN waits;"
			" DROP TABLE feeds; DROP TABLE peers; DROP INDEX changes_by_feed;"
			" DROP INDEX held_by_prev; ALTER TABLE changes DROP COLUMN fid;"
			" ALTER TABLE held DROP COLUMN prev;"
			" DROP INDEX changes_revoked; DROP INDEX held_by_err;"
			" ALTER TABLE changes DROP COLUMN revoked;"
			" PRAGMA user_version = 1;");
}

Test(store, a_version_1_database_without_changes_is_migrated) {
	cr_assert_eq(uccn_store_set_meta(st, "name", (const uint8_t *)"x", 1), UCCN_OK);
	back_to_version_1();
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK);
	struct uccn_bytes out = {0};
	cr_assert_eq(uccn_store_get_meta(st, "name", &out), UCCN_OK, "the data is kept");
	uccn_bytes_finish(&out);
	int64_t rid = 0;
	put(7, 1, "e1", &rid); /* and every table of the new schema works */
	int64_t *rids = NULL;
	size_t count = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_set_cutoff(st, c.author, 0, &rids, &count), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(count, 1);
	free(rids);
}

Test(store, an_older_database_with_one_chain_per_author_is_refused_untouched) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	back_to_version_1();
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_ECORRUPT);
	cr_assert_eq(file_schema_version(), 1, "nothing was migrated");
}

/* A record state as schema 8 wrote it: every author in the table, every field with its clock
 * (the §6 layout before the owner was implied). Written here by hand, as the old program did. */
static void pack_value(msgpack_packer *pk, const struct uccn_value *v) {
	switch (v->type) {
	case UCCN_VALUE_STR:
		msgpack_pack_str(pk, v->str_len);
		msgpack_pack_str_body(pk, v->str, v->str_len);
		break;
	case UCCN_VALUE_INT:
		msgpack_pack_int64(pk, v->i);
		break;
	case UCCN_VALUE_LIST:
		msgpack_pack_array(pk, v->count);
		for (size_t i = 0; i < v->count; i++) {
			pack_value(pk, &v->items[i]);
		}
		break;
	default:
		msgpack_pack_nil(pk);
		break;
	}
}

static int key_cmp(const void *a, const void *b) {
	return memcmp(a, b, UCCN_KEY_BYTES);
}

static void encode_state_v1(const struct uccn_state *s, msgpack_sbuffer *out) {
	uint8_t authors[UCCN_FIELDS_MAX][UCCN_KEY_BYTES];
	size_t n = 0;
	for (size_t i = 0; i < s->nfields; i++) {
		if (bsearch(s->fields[i].author, authors, n, UCCN_KEY_BYTES, key_cmp) == NULL) {
			memcpy(authors[n++], s->fields[i].author, UCCN_KEY_BYTES);
			qsort(authors, n, UCCN_KEY_BYTES, key_cmp);
		}
	}
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 5);
	if (s->has_tomb) {
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, s->tomb_hlc);
		msgpack_pack_bin(&pk, UCCN_KEY_BYTES);
		msgpack_pack_bin_body(&pk, s->tomb_author, UCCN_KEY_BYTES);
	} else {
		msgpack_pack_nil(&pk);
	}
	msgpack_pack_uint64(&pk, s->created_hlc);
	msgpack_pack_uint64(&pk, s->updated_hlc);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_bin(&pk, UCCN_KEY_BYTES);
		msgpack_pack_bin_body(&pk, authors[i], UCCN_KEY_BYTES);
	}
	msgpack_pack_array(&pk, s->nfields);
	for (size_t i = 0; i < s->nfields; i++) {
		const struct uccn_state_field *f = &s->fields[i];
		const uint8_t *at = bsearch(f->author, authors, n, UCCN_KEY_BYTES, key_cmp);
		msgpack_pack_array(&pk, 4);
		msgpack_pack_str(&pk, f->field.name_len);
		msgpack_pack_str_body(&pk, f->field.name, f->field.name_len);
		pack_value(&pk, &f->field.value);
		msgpack_pack_uint64(&pk, f->hlc);
		msgpack_pack_uint64(&pk, (uint64_t)(at - authors[0]) / UCCN_KEY_BYTES);
	}
}

/* Three records as the merge makes them: one its owner wrote once, one written by its owner
 * and another author then deleted, one written by someone other than its owner. */
static struct uccn_change old_changes[4];
static struct uccn_state old_states[3];
static const char *const old_ids[3] = {"e1", "e2", "e3"};
static const uint8_t *const owners[3] = {
	old_changes[0].owner, old_changes[1].owner, old_changes[3].owner};

static void old_records(void) {
	static const struct uccn_value sdgs[2] = {{.type = UCCN_VALUE_INT, .i = 4},
		{.type = UCCN_VALUE_STR, .str = "x", .str_len = 1}};
	/* author, owner, hlc, op, record */
	static const struct {
		uint8_t author, owner;
		uint64_t hlc;
		enum uccn_op op;
		int record;
	} w[4] = {{7, 7, 100, UCCN_OP_PUT, 0}, {7, 7, 110, UCCN_OP_PUT, 1},
		{9, 7, 120, UCCN_OP_PUT, 1}, {9, 8, 130, UCCN_OP_PUT, 2}};
	for (int r = 0; r < 3; r++) {
		uccn_merge_init(&old_states[r]);
	}
	for (int i = 0; i < 4; i++) {
		struct uccn_change *x = &old_changes[i];
		memset(x, 0, sizeof(*x));
		memset(x->author, w[i].author, UCCN_KEY_BYTES);
		memset(x->owner, w[i].owner, UCCN_KEY_BYTES);
		x->hlc = w[i].hlc;
		x->op = w[i].op;
		x->fields[x->nfields++] = test_str("title", i == 2 ? "by another" : "t");
		x->fields[x->nfields++] = (struct uccn_field){.name = "sdgs",
			.name_len = 4,
			.value = {.type = UCCN_VALUE_LIST, .items = sdgs, .count = 2}};
		if (i == 1) {
			x->fields[x->nfields++] = test_int("year", 2024);
		}
		cr_assert_eq(uccn_merge_apply(&old_states[w[i].record], x), UCCN_OK);
	}
	struct uccn_change del = old_changes[1];
	del.op = UCCN_OP_DELETE;
	del.hlc = 115;
	cr_assert_eq(uccn_merge_apply(&old_states[1], &del), UCCN_OK);
}

/* Leaves at path a store of schema 8 holding the three old records (states as it wrote them)
 * and a setting; st is closed. */
static void make_version_8(void) {
	old_records();
	cr_assert_eq(uccn_store_set_meta(
			     st, "key", (const uint8_t *)"0123456789abcdef0123456789abcdef", 32),
		UCCN_OK);
	uint8_t hash[UCCN_HASH_BYTES] = {0};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	for (int r = 0; r < 3; r++) {
		msgpack_sbuffer v1;
		msgpack_sbuffer_init(&v1);
		encode_state_v1(&old_states[r], &v1);
		struct uccn_change *x = fake((uint8_t)(40 + r), 1, old_ids[r]);
		memcpy(x->owner, owners[r], UCCN_KEY_BYTES);
		int64_t rid = 0;
		cr_assert_eq(uccn_store_put_change(st, x, "event", hash, &rid,
				     (const uint8_t *)v1.data, v1.size, r == 1),
			UCCN_OK);
		msgpack_sbuffer_destroy(&v1);
	}
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	/* Schema 8's changes table, clustered by (author, seq), and its indexes. */
	rewrite_by_hand("DROP TABLE fts_done; DROP TABLE sessions; DROP TABLE session_log;"
			" CREATE TABLE v7(aid INTEGER NOT NULL, seq INTEGER NOT NULL,"
			" rid INTEGER NOT NULL, hlc INTEGER NOT NULL, data BLOB NOT NULL,"
			" revoked INTEGER NOT NULL DEFAULT 0, fid INTEGER NOT NULL DEFAULT 0,"
			" PRIMARY KEY(aid, seq)) WITHOUT ROWID;"
			" INSERT INTO v7 SELECT aid, seq, rid, hlc, data, revoked, fid"
			" FROM changes;"
			" DROP TABLE changes; ALTER TABLE v7 RENAME TO changes;"
			" CREATE INDEX changes_by_record ON changes(rid, hlc);"
			" CREATE INDEX changes_revoked ON changes(aid, seq) WHERE revoked;"
			" CREATE INDEX changes_by_feed ON changes(fid, seq);"
			" ALTER TABLE feeds DROP COLUMN n;" SCHEMA_8_TO_11_TRIGGERS
			" PRAGMA user_version = 8;");
}

/* Every old record, found by its key, holds the state the merge made, in §6's layout now. */
static void assert_old_records_kept(void) {
	static struct uccn_state back;
	struct uccn_bytes state = {0}, want = {0};
	for (int r = 0; r < 3; r++) {
		int64_t rid = 0;
		cr_assert_eq(uccn_store_get_state(st, "event", owners[r], old_ids[r], &rid, &state),
			UCCN_OK);
		cr_assert_eq(uccn_codec_decode_state(state.data, state.len, owners[r], &back),
			UCCN_OK, "record %d", r);
		want.len = 0;
		cr_assert_eq(uccn_codec_encode_state(&old_states[r], owners[r], &want), UCCN_OK);
		cr_assert_eq(state.len, want.len, "record %d", r);
		cr_assert_eq(memcmp(state.data, want.data, want.len), 0, "record %d", r);
		cr_assert_eq(back.nfields, old_states[r].nfields);
		cr_assert_eq(back.has_tomb, old_states[r].has_tomb);
		cr_assert_eq(uccn_merge_is_deleted(&back), uccn_merge_is_deleted(&old_states[r]));
		for (size_t i = 0; i < back.nfields; i++) {
			cr_assert_eq(back.fields[i].hlc, old_states[r].fields[i].hlc);
			cr_assert_eq(memcmp(back.fields[i].author, old_states[r].fields[i].author,
					     UCCN_KEY_BYTES),
				0);
		}
		int n = 0;
		cr_assert_eq(uccn_store_each_record_change(
				     st, "event", owners[r], old_ids[r], count_blobs, &n),
			UCCN_OK);
		cr_assert_eq(n, 1, "record %d keeps its change", r);
	}
	struct uccn_bytes raw_back = {0};
	cr_assert_eq(uccn_store_get_change(st, c.author, 1, &raw_back), UCCN_OK);
	cr_assert_eq(raw_back.len, sizeof(raw));
	uccn_bytes_finish(&raw_back);
	int all = 0;
	cr_assert_eq(uccn_store_each_change(st, count_blobs, &all), UCCN_OK);
	cr_assert_eq(all, 3);
	uccn_bytes_finish(&state);
	uccn_bytes_finish(&want);
}

Test(store, a_version_8_database_keeps_every_record_state) {
	make_version_8();
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK);
	assert_old_records_kept();
}

Test(store, a_backup_of_version_8_is_restored_and_then_migrated) {
	make_version_8();
	char backup[600];
	snprintf(backup, sizeof(backup), "%s/backup.db", dir);
	cr_assert_eq(rename(path, backup), 0);
	struct uccn_store *from = NULL;
	cr_assert_eq(uccn_store_open_readonly(backup, "read-only", &from), UCCN_ECORRUPT,
		"a read-only home of an older schema cannot be migrated");
	cr_assert_eq(uccn_store_open_backup(backup, &from), UCCN_OK);
	struct uccn_bytes key = {0};
	cr_assert_eq(uccn_store_get_meta(from, "key", &key), UCCN_OK);
	cr_assert_eq(key.len, 32);
	uccn_bytes_finish(&key);
	cr_assert_eq(uccn_store_open(path, true, &st), UCCN_OK);
	cr_assert_eq(uccn_store_copy_from(st, from), UCCN_OK);
	uccn_store_close(from);
	uccn_store_close(st);
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK); /* migrates the copy */
	assert_old_records_kept();
}

/* Stores change seq of author in feed, for a record of its own (id). */
static void put_in(uint8_t author, uint64_t seq, const char *id, const char *feed) {
	uint8_t hash[UCCN_HASH_BYTES];
	memset(hash, (int)seq, sizeof(hash));
	const uint8_t state[] = {0x01, 0x02};
	int64_t rid = 0;
	cr_assert_eq(uccn_store_put_change(st, fake(author, seq, id), feed, hash, &rid, state,
			     sizeof(state), false),
		UCCN_OK);
}

/* Purges the author's feed in a transaction of its own. */
static void purge(uint8_t author, const char *feed) {
	uint8_t key[UCCN_KEY_BYTES];
	memset(key, author, sizeof(key));
	int64_t *rids = NULL;
	size_t nrids = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_purge_feed(st, key, feed, &rids, &nrids), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	free(rids);
}

/* A feed holds one change at each seq: the store refuses a second, whatever its caller checked,
 * and keeps the first. The same seq in another feed of the author is no concern of the store's
 * (the changelog finds it by the author's head). */
Test(store, a_second_change_at_a_seq_of_a_feed_is_refused) {
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	put_in(7, 1, "a1", "event");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	uint8_t hash[UCCN_HASH_BYTES];
	memset(hash, 1, sizeof(hash));
	const uint8_t state[] = {0x01, 0x02};
	int64_t rid = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_lt(uccn_store_put_change(st, fake(7, 1, "a2"), "event", hash, &rid, state,
			     sizeof(state), false),
		0);
	uccn_store_rollback(st);
	uint8_t a7[UCCN_KEY_BYTES];
	memset(a7, 7, sizeof(a7));
	uint64_t n = 0;
	cr_assert_eq(uccn_store_count_by(st, a7, &n), UCCN_OK);
	cr_assert_eq(n, 1);
	struct uccn_store_head head;
	cr_assert_eq(uccn_store_get_feed_head(st, a7, "event", &head), UCCN_OK);
	cr_assert_eq(head.seq, 1);
}

/* Purging the feed that holds the newest changes frees their numbers: the next change takes
 * one the search index had passed, and its record is still given to the index. */
Test(store, a_change_stored_after_a_purge_is_given_to_the_search_index) {
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	put_in(7, 1, "a1", "project");
	put_in(7, 2, "a2", "event");
	put_in(7, 3, "a3", "event");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(noted_for_search(), 3);
	index_noted();
	cr_assert_eq(noted_for_search(), 0, "indexed");
	purge(7, "event");
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	put_in(8, 1, "b1", "event");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	struct noted w = noted_rows();
	cr_assert_eq(w.n, 1, "the change stored after the purge");
	struct uccn_bytes state = {0};
	int64_t rid = 0;
	uint8_t a8[UCCN_KEY_BYTES];
	memset(a8, 8, sizeof(a8));
	cr_assert_eq(uccn_store_get_state(st, "event", a8, "b1", &rid, &state), UCCN_OK);
	uccn_bytes_finish(&state);
	cr_assert_eq(w.rids[0], rid);
}

/* The feeds' kept counts against what the changes table holds, counted row by row. */
static void assert_counts(const char *when) {
	uint8_t a7[UCCN_KEY_BYTES], a8[UCCN_KEY_BYTES];
	memset(a7, 7, sizeof(a7));
	memset(a8, 8, sizeof(a8));
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	static const struct {
		uint8_t author;
		const char *feed;
		uint64_t upto;
	} q[] = {{7, "event", 99}, {7, "event", 2}, {7, "event", 1}, {7, "event", 0},
		{7, "project", 99}, {8, "event", 99}, {8, "event", 1}};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		uint8_t key[UCCN_KEY_BYTES];
		memset(key, q[i].author, sizeof(key));
		sqlite3_stmt *stmt;
		cr_assert_eq(sqlite3_prepare_v2(db,
				     "SELECT count(*) FROM changes c JOIN feeds f ON f.fid = c.fid"
				     " JOIN authors a ON a.aid = f.aid WHERE a.key = ?1"
				     " AND f.name = ?2 AND c.seq <= ?3",
				     -1, &stmt, NULL),
			SQLITE_OK);
		sqlite3_bind_blob(stmt, 1, key, UCCN_KEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, q[i].feed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, (int64_t)q[i].upto);
		cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
		uint64_t want = (uint64_t)sqlite3_column_int64(stmt, 0), got = 99;
		sqlite3_finalize(stmt);
		cr_assert_eq(uccn_store_count_feed(st, key, q[i].feed, q[i].upto, &got), UCCN_OK);
		cr_assert_eq(got, want, "%s: %u's %s up to %llu", when, q[i].author, q[i].feed,
			(unsigned long long)q[i].upto);
	}
	sqlite3_close(db);
	uint64_t by7 = 0, by8 = 0, all = 0;
	cr_assert_eq(uccn_store_count_by(st, a7, &by7), UCCN_OK);
	cr_assert_eq(uccn_store_count_by(st, a8, &by8), UCCN_OK);
	cr_assert_eq(uccn_store_count_changes(st, &all), UCCN_OK);
	int rows = 0;
	cr_assert_eq(uccn_store_each_change(st, count_blobs, &rows), UCCN_OK);
	cr_assert_eq(by7 + by8, (uint64_t)rows, "%s: the authors' counts", when);
	cr_assert_eq(all, (uint64_t)rows, "%s: the store's count", when);
}

Test(store, feed_counts_stay_right_across_writes_rollbacks_purges_and_restores) {
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	put_in(7, 1, "a1", "event");
	put_in(7, 2, "a2", "event");
	put_in(7, 3, "a3", "project");
	put_in(8, 1, "b1", "event");
	uint64_t n = 0;
	uint8_t a7[UCCN_KEY_BYTES];
	memset(a7, 7, sizeof(a7));
	cr_assert_eq(uccn_store_count_by(st, a7, &n), UCCN_OK);
	cr_assert_eq(n, 3, "inside the transaction that stored them");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	assert_counts("stored");

	cr_assert_eq(uccn_store_begin(st), UCCN_OK); /* a batch refused whole */
	put_in(7, 4, "a4", "event");
	uccn_store_rollback(st);
	assert_counts("rolled back");

	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	put_in(7, 4, "a4", "event");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	uccn_store_close(st);
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK);
	assert_counts("reopened");

	char copy[600];
	snprintf(copy, sizeof(copy), "%s/backup.db", dir);
	cr_assert_eq(uccn_store_copy_to(st, copy), UCCN_OK);
	purge(7, "event");
	assert_counts("a feed purged");
	cr_assert_eq(uccn_store_count_by(st, a7, &n), UCCN_OK);
	cr_assert_eq(n, 1);

	struct uccn_store *from = NULL;
	cr_assert_eq(uccn_store_open_readonly(copy, "a backup", &from), UCCN_OK);
	cr_assert_eq(uccn_store_copy_from(st, from), UCCN_OK);
	uccn_store_close(from);
	assert_counts("restored");
	cr_assert_eq(uccn_store_count_by(st, a7, &n), UCCN_OK);
	cr_assert_eq(n, 4);
}

Test(store, revoked_changes_no_longer_count_for_their_record) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	put(7, 2, "e1", &rid);
	put(7, 3, "e1", &rid);
	int64_t *rids = NULL;
	size_t count = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_set_cutoff(st, c.author, 1, &rids, &count), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(count, 1);
	free(rids);
	int live = 0, all = 0;
	cr_assert_eq(uccn_store_each_live_change(st, rid, count_blobs, &live), UCCN_OK);
	cr_assert_eq(uccn_store_each_change(st, count_blobs, &all), UCCN_OK);
	cr_assert_eq(live, 1);
	cr_assert_eq(all, 3, "revoked changes stay in the chain as evidence");
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_set_cutoff(st, c.author, UINT64_MAX, &rids, &count), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(count, 1, "a lifted cut-off gives the changes back");
	free(rids);
	live = 0;
	cr_assert_eq(uccn_store_each_live_change(st, rid, count_blobs, &live), UCCN_OK);
	cr_assert_eq(live, 3);
	struct uccn_bytes keys = {0};
	cr_assert_eq(uccn_store_revoked_authors(st, &keys), UCCN_OK);
	cr_assert_eq(keys.len, 0);
	uccn_bytes_finish(&keys);
}

Test(store, held_changes_are_taken_back_by_reason) {
	uint8_t h1[UCCN_HASH_BYTES] = {1}, h2[UCCN_HASH_BYTES] = {2};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(
		uccn_store_hold(st, fake(5, 3, "e1"), h1, UCCN_ENOTMEMBER, "unknown", 1), UCCN_OK);
	cr_assert_eq(uccn_store_hold(st, fake(5, 4, "e1"), h2, UCCN_EAGAIN, "gap", 1), UCCN_OK);
	struct uccn_bytes *items = NULL;
	size_t count = 0;
	cr_assert_eq(uccn_store_take_held(st, UCCN_ENOTMEMBER, &items, &count), UCCN_OK);
	cr_assert_eq(count, 1);
	uccn_bytes_finish(&items[0]);
	free(items);
	cr_assert_eq(uccn_store_take_held(st, UCCN_ENOTMEMBER, &items, &count), UCCN_OK);
	cr_assert_eq(count, 0);
	struct uccn_bytes out = {0};
	uint8_t three[UCCN_HASH_BYTES];
	memset(three, 3, sizeof(three));
	cr_assert_eq(uccn_store_pop_held(st, c.author, three, &out), UCCN_OK, "the gap hold stays");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	uccn_bytes_finish(&out);
}

static int sum_feeds(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	uint64_t *sum = userdata;
	*sum += seq * (strcmp(feed, "event") == 0 ? 1 : 1000);
	return 0;
}

static int collect_seqs(void *userdata, uint64_t seq, const uint8_t *data, size_t len) {
	uint64_t *digits = userdata;
	*digits = *digits * 10 + seq;
	return 0;
}

Test(store, each_feed_has_its_own_head_and_its_own_order) {
	/* One author, seqs 1..4 alternating between two feeds. */
	uint8_t hash[UCCN_HASH_BYTES];
	const uint8_t state[] = {1};
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	for (uint64_t seq = 1; seq <= 4; seq++) {
		int64_t rid = 0;
		char id[8];
		snprintf(id, sizeof(id), "e%d", (int)seq);
		memset(hash, (int)seq, sizeof(hash));
		cr_assert_eq(uccn_store_put_change(st, fake(7, seq, id),
				     seq % 2 ? "event" : "report@secretariat", hash, &rid, state,
				     sizeof(state), false),
			UCCN_OK);
	}
	struct uccn_store_head head;
	cr_assert_eq(uccn_store_get_feed_head(st, c.author, "event", &head), UCCN_OK);
	cr_assert_eq(head.seq, 3);
	cr_assert_eq(head.hash[0], 3);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK); /* and the cached heads reach their rows */
	cr_assert_eq(uccn_store_get_feed_head(st, c.author, "report@secretariat", &head), UCCN_OK);
	cr_assert_eq(head.seq, 4);
	cr_assert_eq(uccn_store_get_feed_head(st, c.author, "project", &head), UCCN_OK);
	cr_assert_eq(head.seq, 0);
	cr_assert_eq(uccn_store_get_head(st, c.author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 4, "the author's newest change, whatever its feed");
	uint64_t sum = 0;
	cr_assert_eq(uccn_store_each_feed_head(st, NULL, sum_feeds, &sum), UCCN_OK);
	cr_assert_eq(sum, 3 + 4000);
	uint64_t digits = 0;
	cr_assert_eq(uccn_store_each_feed_change(st, c.author, "event", 0, collect_seqs, &digits),
		UCCN_OK);
	cr_assert_eq(digits, 13);
	digits = 0;
	cr_assert_eq(uccn_store_each_feed_change(
			     st, c.author, "report@secretariat", 2, collect_seqs, &digits),
		UCCN_OK);
	cr_assert_eq(digits, 4);
	uint64_t n = 0;
	cr_assert_eq(uccn_store_count_feed(st, c.author, "event", 2, &n), UCCN_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(uccn_store_count_by(st, c.author, &n), UCCN_OK);
	cr_assert_eq(n, 4);
}

static int copy_peer(void *userdata, const struct uccn_store_peer *p) {
	*(struct uccn_store_peer *)userdata = *p;
	return 0;
}

Test(store, peers_are_remembered_noted_and_forgotten) {
	uint8_t pin[UCCN_KEY_BYTES] = {4};
	cr_assert_eq(uccn_store_put_peer(st, "ws://127.0.0.1:7420", pin, "event"), UCCN_OK);
	struct uccn_store_peer p = {.connected = true, .key_known = true, .ours = 5, .theirs = 6};
	snprintf(p.url, sizeof(p.url), "ws://127.0.0.1:7420");
	snprintf(p.last_error, sizeof(p.last_error), "cut");
	cr_assert_eq(uccn_store_note_peer(st, &p), UCCN_OK);
	/* Adding again replaces pin and kinds, and keeps what was noted. */
	cr_assert_eq(uccn_store_put_peer(st, "ws://127.0.0.1:7420", NULL, ""), UCCN_OK);
	struct uccn_store_peer got;
	memset(&got, 0, sizeof(got));
	cr_assert_eq(uccn_store_each_peer(st, copy_peer, &got), UCCN_OK);
	cr_assert_str_eq(got.url, "ws://127.0.0.1:7420");
	cr_assert_not(got.pinned);
	cr_assert_str_eq(got.kinds, "");
	cr_assert(got.connected && got.key_known);
	cr_assert_eq(got.ours, 5);
	cr_assert_eq(got.theirs, 6);
	cr_assert_str_eq(got.last_error, "cut");
	cr_assert_eq(uccn_store_drop_peer(st, "ws://127.0.0.1:7420"), UCCN_OK);
	cr_assert_eq(uccn_store_drop_peer(st, "ws://127.0.0.1:7420"), UCCN_ENOTFOUND);
	snprintf(p.url, sizeof(p.url), "ws://nowhere:1");
	cr_assert_eq(uccn_store_note_peer(st, &p), UCCN_ENOTFOUND);
}

Test(store, what_another_connection_commits_is_seen_at_the_next_begin) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	struct uccn_store_head head;
	cr_assert_eq(uccn_store_get_head(st, c.author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 1); /* cached now */
	struct uccn_store *other;
	cr_assert_eq(uccn_store_open(path, false, &other), UCCN_OK);
	struct uccn_store *mine = st;
	st = other; /* put() writes through st */
	put(7, 2, "e1", &rid);
	st = mine;
	uccn_store_close(other);
	uint64_t before = uccn_store_foreign_writes(st);
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_store_get_head(st, c.author, &head), UCCN_OK);
	cr_assert_eq(head.seq, 2, "not the cached #1");
	cr_assert_eq(uccn_store_get_feed_head(st, c.author, "event", &head), UCCN_OK);
	cr_assert_eq(head.seq, 2);
	uccn_store_rollback(st);
	cr_assert_eq(uccn_store_foreign_writes(st), before + 1);
	cr_assert_eq(uccn_store_refresh(st), UCCN_OK);
	cr_assert_eq(uccn_store_foreign_writes(st), before + 1, "nothing new since");
}

static uint64_t head_of(struct uccn_store *s, uint8_t author) {
	uint8_t key[UCCN_KEY_BYTES];
	memset(key, author, sizeof(key));
	struct uccn_store_head h;
	cr_assert_eq(uccn_store_get_head(s, key, &h), UCCN_OK);
	return h.seq;
}

Test(store, a_copy_holds_what_is_still_in_the_wal_and_a_restore_replaces_everything) {
	put(1, 1, "e1", &(int64_t){0});
	put(1, 2, "e2", &(int64_t){0});
	/* st keeps the file open, so nothing has left the WAL; a second connection copies. */
	struct uccn_store *other = NULL;
	cr_assert_eq(uccn_store_open(path, false, &other), UCCN_OK);
	char copy[600];
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	cr_assert_eq(uccn_store_copy_to(other, copy), UCCN_OK);
	cr_assert_neq(uccn_store_copy_to(other, copy), UCCN_OK, "an existing copy is kept");
	uccn_store_close(other);
	struct uccn_store *ro = NULL;
	cr_assert_eq(uccn_store_open_readonly(copy, "read only, for the test", &ro), UCCN_OK);
	cr_assert(uccn_store_is_read_only(ro));
	cr_assert_eq(head_of(ro, 1), 2, "the copy holds both commits");
	/* Later changes are undone by putting the copy back. */
	put(1, 3, "e3", &(int64_t){0});
	cr_assert_eq(uccn_store_set_meta(st, "note", (const uint8_t *)"x", 1), UCCN_OK);
	cr_assert_eq(uccn_store_copy_from(st, ro), UCCN_OK);
	cr_assert_eq(head_of(st, 1), 2);
	struct uccn_bytes v = {0};
	cr_assert_eq(uccn_store_get_meta(st, "note", &v), UCCN_ENOTFOUND);
	uccn_store_close(ro);
}

Test(store, a_read_only_store_reads_and_refuses_every_write_with_the_reason) {
	put(2, 1, "e2", &(int64_t){0});
	cr_assert_eq(uccn_store_set_meta(st, "kept", (const uint8_t *)"y", 1), UCCN_OK);
	uccn_store_close(st);
	st = NULL;
	struct uccn_store *ro = NULL;
	cr_assert_eq(uccn_store_open_readonly(path, "the home is on a read-only filesystem", &ro),
		UCCN_OK);
	cr_assert_eq(head_of(ro, 2), 1);
	struct uccn_bytes v = {0};
	cr_assert_eq(uccn_store_get_meta(ro, "kept", &v), UCCN_OK);
	uccn_bytes_finish(&v);
	cr_assert_eq(uccn_store_begin(ro), UCCN_EPERM);
	cr_assert_eq(uccn_store_set_meta(ro, "kept", (const uint8_t *)"z", 1), UCCN_EPERM);
	cr_assert_eq(uccn_store_drop_meta(ro, "kept"), UCCN_EPERM);
	cr_assert_eq(uccn_store_begin_read(ro), UCCN_OK, "a read snapshot is no write");
	uccn_store_rollback(ro);
	uccn_store_close(ro);
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/none.db", dir);
	cr_assert_eq(uccn_store_open_readonly(missing, "-", &ro), UCCN_ENOTFOUND);
}

/* Sessions read back (at most cap kept in out; n counts them all). */
struct sessions_read {
	struct uccn_net_session *out;
	size_t cap, n;
	bool keyless;
	bool key7;
};

static int read_session(void *userdata, const struct uccn_net_session *s) {
	struct sessions_read *r = userdata;
	if (r->n < r->cap) {
		r->out[r->n] = *s;
	}
	r->n++;
	r->keyless = r->keyless || !s->key_known;
	r->key7 = r->key7 || (s->key_known && s->key[0] == 7 && s->key[31] == 7);
	return 0;
}

/* The record of sessions is bounded: one row per peer, updated, and past the bound the rows of
 * peers that proved no key go first, then the longest quiet. A stranger making up addresses or
 * keys cannot grow the file without end. */
Test(store, sessions_keep_one_row_per_peer_and_stay_bounded) {
	struct uccn_net_session s;
	memset(&s, 0, sizeof(s));
	s.key_known = true;
	memset(s.key, 7, UCCN_KEY_BYTES);
	snprintf(s.address, sizeof(s.address), "ws://hub:1");
	s.started_ms = 10;
	s.live = true;
	s.seen_ms = 10;
	cr_assert_eq(uccn_store_note_session(st, &s), UCCN_OK);
	s.live = false;
	s.ended_ms = 20;
	s.sessions = 1;
	s.failures = 1;
	s.err = UCCN_ETIMEDOUT;
	s.seen_ms = 0;
	snprintf(s.error, sizeof(s.error), "nothing received");
	cr_assert_eq(uccn_store_note_session(st, &s), UCCN_OK);
	s.failures = 0;
	s.err = 0;
	s.error[0] = '\0';
	s.ok_ms = 30;
	s.ended_ms = 30;
	s.stats.held_there = 2;
	cr_assert_eq(uccn_store_note_session(st, &s), UCCN_OK);
	struct uccn_net_session got[2];
	struct sessions_read r = {got, 2, 0, false, false};
	cr_assert_eq(uccn_store_each_session(st, read_session, &r), UCCN_OK);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(got[0].sessions, 2);
	cr_assert_eq(got[0].failures, 1);
	cr_assert_eq(got[0].seen_ms, 10, "the last time the key was proved stays");
	cr_assert_eq(got[0].ok_ms, 30);
	cr_assert_eq(got[0].err, 0);
	cr_assert_str_eq(got[0].error, "");
	cr_assert_eq(got[0].stats.held_there, 2);
	cr_assert(!got[0].live);
	/* A keyless row, the newest of all, then more keyed peers than the bound: the keyless
	 * one goes first, then the quietest keyed one (the first). */
	struct uccn_net_session k = s;
	k.key_known = false;
	snprintf(k.address, sizeof(k.address), "198.51.100.7");
	k.ended_ms = 1000000;
	cr_assert_eq(uccn_store_note_session(st, &k), UCCN_OK);
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	for (uint32_t i = 0; i < UCCN_NET_SESSIONS_MAX; i++) {
		s.ended_ms = 100 + i;
		memset(s.key, 0, UCCN_KEY_BYTES);
		memcpy(s.key, &i, sizeof(i));
		s.key[31] = 1;
		cr_assert_eq(uccn_store_note_session(st, &s), UCCN_OK);
	}
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	struct sessions_read all = {NULL, 0, 0, false, false};
	cr_assert_eq(uccn_store_each_session(st, read_session, &all), UCCN_OK);
	cr_assert_eq(all.n, UCCN_NET_SESSIONS_MAX);
	cr_assert(!all.keyless, "a peer that proved no key outlived the known ones");
	cr_assert(!all.key7, "the quietest peer was kept past the bound");
	/* The log of ended sessions keeps the last UCCN_NET_HISTORY_MAX, the latest first. */
	struct uccn_net_session last[1];
	struct sessions_read log = {last, 1, 0, false, false};
	cr_assert_eq(uccn_store_session_log(st, 5000, read_session, &log), UCCN_OK);
	cr_assert_eq(log.n, UCCN_NET_HISTORY_MAX);
	cr_assert_eq(last[0].ended_ms, 100 + UCCN_NET_SESSIONS_MAX - 1);
	cr_assert_eq(last[0].sessions, 1);
}

/* A store of schema 10 (before the record of sessions) migrates to 11: its records and feed
 * counts are kept, and the sessions it then notes are listed and logged. */
Test(store, a_version_10_database_gains_the_record_of_sessions) {
	int64_t rid = 0;
	put(7, 1, "e1", &rid);
	rewrite_by_hand("DROP TABLE fts_done; DROP INDEX changes_by_feed;" SCHEMA_9_TO_13_INDEXES
			" DROP TABLE sessions; DROP TABLE session_log;" SCHEMA_8_TO_11_TRIGGERS
			" PRAGMA user_version = 10;");
	cr_assert_eq(uccn_store_open(path, false, &st), UCCN_OK);
	uint64_t all = 0;
	cr_assert_eq(uccn_store_count_changes(st, &all), UCCN_OK);
	cr_assert_eq(all, 1, "the change and its feed's count are kept");
	struct uccn_net_session s;
	memset(&s, 0, sizeof(s));
	snprintf(s.address, sizeof(s.address), "ws://hub:1");
	s.started_ms = 10;
	s.ended_ms = 20;
	s.sessions = 1;
	cr_assert_eq(uccn_store_note_session(st, &s), UCCN_OK);
	struct uccn_net_session got[1];
	struct sessions_read r = {got, 1, 0, false, false};
	cr_assert_eq(uccn_store_each_session(st, read_session, &r), UCCN_OK);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(got[0].address, "ws://hub:1");
	cr_assert_eq(file_schema_version(), 14);
	cr_assert_eq(
		file_int("SELECT count(*) FROM sqlite_master WHERE name = 'changes_by_author'"), 0,
		"migration 14 drops the index by author");
	cr_assert_eq(file_int("SELECT \"unique\" FROM pragma_index_list('changes')"
			      " WHERE name = 'changes_by_feed'"),
		1, "and makes the one by feed unique");
	int64_t again = rid;
	put(7, 2, "e1", &again);
	cr_assert_eq(noted_for_search(), 1,
		"a record written after the migrations is noted, once: not the change before them");
	cr_assert_eq(file_int("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
			      " AND name IN ('records_fts_insert', 'records_fts_update')"),
		0, "migration 12 drops the triggers the store does without");
}
