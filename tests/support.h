/* support.h - helpers shared by the test suites: authors that sign chains of changes, and field
 * builders. Test code only. */
#ifndef TESTS_SUPPORT_H
#define TESTS_SUPPORT_H

#include <stdint.h>

#include <uccn/change.h>

#include "node/crypto.h"

/* An author writing its own chain, as a node would. */
struct test_author {
	struct uccn_identity *id;
	uint8_t pk[UCCN_KEY_BYTES];
	uint64_t seq; /* of the last change signed */
	uint64_t hlc;
	/* The last link of each feed signed (PROTOCOL.md §4.5): what the next change of that feed
	 * names as prev. */
	struct test_feed {
		char name[UCCN_FEED_MAX + 1];
		uint8_t head[UCCN_HASH_BYTES];
	} feeds[16];
	size_t nfeeds;
};

/* The head of a's feed (made, all zeros, if a has signed nothing in it yet). */
uint8_t *test_feed_head(struct test_author *a, const char *feed);
/* Takes a change of a's (decoded c, signed bytes raw) as the latest of its feed. */
void test_author_note(
	struct test_author *a, const struct uccn_change *c, const uint8_t *raw, size_t len);

/* A deterministic author: the seed is 32 copies of seed_byte. */
void test_author_init(struct test_author *a, uint8_t seed_byte);
void test_author_finish(struct test_author *a);

/* Signs the next change of a's chain (owner NULL: a itself) into out (replaced) and advances
 * the chain. hlc 0 clocks it after every change any test author signed, as a node would
 * after seeing them. */
void test_sign(struct test_author *a, const uint8_t network[UCCN_KEY_BYTES], uint64_t hlc,
	const char *kind, const uint8_t *owner, const char *id, enum uccn_op op,
	const struct uccn_field *fields, size_t nfields, struct uccn_bytes *out);

/* Signs n new best practices of a's into out[0..n) (each replaced), ids and titles prefix0,
 * prefix1, ...: a stream of changes for a peer to take. */
void test_sign_practices(struct test_author *a, const uint8_t network[UCCN_KEY_BYTES],
	const char *prefix, struct uccn_bytes *out, size_t n);

/* Signs an arbitrary body (for refusal tests): c is encoded as given, with c->author replaced
 * by a's key. Does not advance a. */
void test_sign_raw(struct test_author *a, struct uccn_change *c, struct uccn_bytes *out);

/* The public key of seed n (a real Ed25519 key, distinct for each n), and its lowercase hex. */
void test_key(unsigned n, uint8_t out[UCCN_KEY_BYTES]);
void test_key_hex(unsigned n, char out[2 * UCCN_KEY_BYTES + 1]);

struct uccn_field test_str(const char *name, const char *value);
struct uccn_field test_int(const char *name, int64_t value);

struct uccn_node;
struct uccn_import_stats;

/* Exports every change of the public feeds of node into out (replaced), as `uccn export`
 * does. */
void test_export(struct uccn_node *node, struct uccn_bytes *out);
/* The same with what reader may hold of the Secretariat's feeds (`uccn export --for`). */
void test_export_for(struct uccn_node *node, const uint8_t *reader, struct uccn_bytes *out);
/* Imports the export in bytes (its first limit bytes: a cut file) into node; returns what
 * uccn_node_import returned and fills stats. */
int test_import(struct uccn_node *node, const struct uccn_bytes *bytes, size_t limit,
	struct uccn_import_stats *stats);

/* from writes a best practice titled title (its id into id, UCCN_ID_MAX + 1 bytes), and to
 * imports from's export (what it made of it into *st). */
void test_give_practice(struct uccn_node *from, struct uccn_node *to, const char *title, char *id,
	struct uccn_import_stats *st);

/* Another city, Hobart (a node made in home), writes a best practice titled title (its id into
 * id, UCCN_ID_MAX + 1 bytes), and node imports Hobart's export: a record node does not own. */
void test_import_hobart_practice(
	struct uccn_node *node, const char *home, const char *title, char *id);

struct uccn_store;

/* Everything st holds about records (kind, owner, id, deleted, merge state), in the store's
 * fixed order, into out (replaced): replicas compare equal byte for byte exactly when they
 * hold the same records. */
void test_dump_records(struct uccn_store *st, struct uccn_bytes *out);
/* The same for the records of one kind (NULL: all). */
void test_dump_kind(struct uccn_store *st, const char *kind, struct uccn_bytes *out);

/* A node's state past its public API, for the tests that must read or write it: reached here
 * alone, so that no suite depends on the node's private layout. */
typedef uint64_t (*test_clock_fn)(void *arg);
/* The wall clock a node signs by, in ms. */
uint64_t test_wall_ms(void);
/* A monotonic clock in milliseconds, for deadlines while tests wait on other processes. */
uint64_t test_clock_ms(void);
/* Every change node stores. */
uint64_t test_node_count(struct uccn_node *node);
/* How many changes of the record kind/owner/id node stores. */
uint64_t test_node_record_changes(struct uccn_node *node, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id);
/* test_dump_kind on node's store. */
void test_node_dump(struct uccn_node *node, const char *kind, struct uccn_bytes *out);
/* How many forks node has recorded. */
size_t test_node_forks(struct uccn_node *node);
/* The wall clock node's change log judges received clocks by. */
void test_node_set_clock(struct uccn_node *node, test_clock_fn clock, void *arg);
/* Appends to out every change of author's feed that node stores, each behind its length (a
 * uint32_t in host order). */
void test_node_feed(struct uccn_node *node, const uint8_t author[UCCN_KEY_BYTES], const char *feed,
	struct uccn_bytes *out);
/* Applies the changes of list (as test_node_feed writes them) in one transaction, by a change
 * log that judges no holder (as an earlier version of the node did); each must apply. */
void test_node_apply_unjudged(struct uccn_node *node, const struct uccn_bytes *list);
/* Stores the signed changes raw[0..n) of kind as they are, with an empty merge state, in one
 * transaction: what a store written by a faulty node may hold. No rule is checked. */
void test_node_store_raw(
	struct uccn_node *node, const char *kind, const struct uccn_bytes *raw, size_t n);
/* Signs n changes of node's own records of kind (ids prefix followed by 8 digits, a title) in
 * one transaction: thousands of local edits in a second. */
void test_node_put_many(struct uccn_node *node, const char *kind, const char *prefix, int n);

/* A whole file, NUL-terminated (free() it); fails the test if it cannot be read. */
char *test_read_file(const char *path);
/* The value of a lowercase hex digit, or -1. */
int test_hex_digit(char ch);

/* Makes a fresh private directory (removed by test_rmdir). Caller frees. */
char *test_tmpdir(void);
/* Removes a directory tree made by test_tmpdir. Accepts NULL. */
void test_rmdir(char *dir);

/* Fails the test when AddressSanitizer finds a leak (Criterion's workers would hide it). */
void test_check_leaks(void);

#endif
