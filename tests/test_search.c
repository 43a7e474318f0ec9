/* test_search.c - full-text search over a node's records (uccn_node_search): words, phrases,
 * prefixes, accents, kinds, deleted records, edits seen at once, query syntax typed by a
 * person, and a store of the schema before the index gets every record it held indexed. */
#include <criterion/criterion.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/uccn.h>

#include "tests/support.h"

static char *dir;
static struct uccn_node *node;

static void setup(void) {
	dir = test_tmpdir();
	struct uccn_node_init_options o = {.name = "Adelaide", .country = "AU", .field = "music"};
	cr_assert_eq(uccn_node_init(dir, &o, test_wall_ms(), &node), UCCN_OK);
}

static void teardown(void) {
	uccn_node_close(node);
	test_rmdir(dir);
}

TestSuite(search, .init = setup, .fini = teardown);

static void put(
	const char *kind, const char *title, const char *summary, char id[UCCN_ID_MAX + 1]) {
	struct uccn_field f[2] = {test_str("title", title),
		test_str(strcmp(kind, "event") == 0 ? "description" : "summary", summary)};
	struct uccn_field g[3] = {f[0], f[1], test_str("starts", "2026-01-01")};
	cr_assert_eq(uccn_node_put(node, kind, NULL, strcmp(kind, "event") == 0 ? g : f,
			     strcmp(kind, "event") == 0 ? 3 : 2, test_wall_ms(), id),
		UCCN_OK);
}

struct hits {
	size_t n;
	char titles[8][128];
	char snippet[256];
};

static int hit(void *userdata, const struct uccn_record *r, const char *snippet) {
	struct hits *h = userdata;
	const struct uccn_value *t = uccn_record_field(r, "title");
	if (h->n < 8 && t != NULL) {
		snprintf(h->titles[h->n], sizeof(h->titles[0]), "%.*s", (int)t->str_len, t->str);
	}
	if (h->n == 0) {
		snprintf(h->snippet, sizeof(h->snippet), "%s", snippet);
	}
	h->n++;
	return 0;
}

static size_t search(const char *words, const char *kind) {
	struct hits h = {0};
	cr_assert_eq(uccn_node_search(node, words, kind, 0, hit, &h), UCCN_OK, "%s", words);
	return h.n;
}

Test(search, words_phrases_prefixes_and_accents) {
	char id[UCCN_ID_MAX + 1];
	put("best_practice", "Music in schools", "Every child learns an instrument.", id);
	put("best_practice", "Street food", "Markets for children in the old town.", id);
	put("event", "Fête de la musique", "Concerts in every street.", id);
	cr_assert_eq(search("instrument", NULL), 1);
	cr_assert_eq(search("INSTRUMENT", NULL), 1);
	cr_assert_eq(search("child*", NULL), 2);
	cr_assert_eq(search("child", NULL), 1);
	cr_assert_eq(search("street", NULL), 2);
	cr_assert_eq(search("street", "event"), 1);
	cr_assert_eq(search("\"old town\"", NULL), 1);
	cr_assert_eq(search("\"town old\"", NULL), 0);
	cr_assert_eq(search("fete", NULL), 1);
	cr_assert_eq(search("street children", NULL), 1);
	struct hits h = {0};
	cr_assert_eq(uccn_node_search(node, "instrument", NULL, 0, hit, &h), UCCN_OK);
	cr_assert(strstr(h.snippet, "instrument") != NULL, "%s", h.snippet);
	cr_assert_str_eq(h.titles[0], "Music in schools");
}

Test(search, what_a_person_types_is_never_query_syntax) {
	char id[UCCN_ID_MAX + 1];
	put("best_practice", "Music in schools", "Every child learns.", id);
	const char *odd[] = {"music OR", "NEAR(music", "\"music", "music)", "title:music", "^music",
		"music -child", "*", "music AND NOT"};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct hits h = {0};
		int err = uccn_node_search(node, odd[i], NULL, 0, hit, &h);
		cr_assert(err == UCCN_OK || err == UCCN_EINVAL, "%s: %d", odd[i], err);
	}
	cr_assert_eq(
		uccn_node_search(node, "  ... !!", NULL, 0, hit, &(struct hits){0}), UCCN_EINVAL);
	cr_assert_eq(uccn_node_search(node, "music", "nonsense", 0, hit, &(struct hits){0}),
		UCCN_ESCHEMA);
}

Test(search, edits_and_deletes_are_seen_at_once) {
	char id[UCCN_ID_MAX + 1];
	put("best_practice", "Music in schools", "Every child learns.", id);
	cr_assert_eq(search("schools", NULL), 1);
	struct uccn_field f = test_str("title", "Music in libraries");
	cr_assert_eq(
		uccn_node_put(node, "best_practice", id, &f, 1, test_wall_ms(), NULL), UCCN_OK);
	cr_assert_eq(search("schools", NULL), 0);
	cr_assert_eq(search("libraries", NULL), 1);
	cr_assert_eq(uccn_node_delete(node, "best_practice", id, test_wall_ms()), UCCN_OK);
	cr_assert_eq(search("libraries", NULL), 0);
}

Test(search, records_received_from_a_peer_are_found) {
	char other_dir[1024];
	snprintf(other_dir, sizeof(other_dir), "%s/hobart", dir);
	char id[UCCN_ID_MAX + 1];
	test_import_hobart_practice(node, other_dir, "Festival of Voices", id);
	cr_assert_eq(search("voices", NULL), 1);
}

/* A store written before the index existed (schema 7): opening it indexes what it holds. */
Test(search, a_store_from_before_the_index_is_indexed) {
	char id[UCCN_ID_MAX + 1];
	put("best_practice", "Music in schools", "Every child learns.", id);
	uccn_node_close(node);
	node = NULL;
	char db[1024];
	snprintf(db, sizeof(db), "%s/uccn.db", dir);
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h,
			     "DROP TABLE fts_done; DROP TABLE sessions; DROP TABLE session_log;"
			     "DROP TRIGGER records_fts_delete; DROP TABLE fts_dirty;"
			     "DROP TABLE record_fts; ALTER TABLE feeds DROP COLUMN n;"
			     "PRAGMA user_version = 7;",
			     NULL, NULL, NULL),
		SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_close(h);
	cr_assert_eq(uccn_node_open(dir, &node), UCCN_OK);
	cr_assert_eq(search("schools", NULL), 1);
}
