/* store.h - durable storage of changes, records, held changes and forks in one SQLite file.
 * store.c is the only file that talks to SQLite; it knows nothing of signatures, merge rules or
 * the network. It maps SQLITE_BUSY to UCCN_EBUSY, CORRUPT/NOTADB to UCCN_ECORRUPT, NOMEM to
 * UCCN_ENOMEM and anything else to UCCN_EIO, logging SQLite's message where it happens. */
#ifndef NODE_STORE_H
#define NODE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>
#include <uccn/net.h>

struct uccn_store;

/* Opens (creating if missing) the store at path, WAL mode, migrating the schema to the current
 * version. ":memory:" gives a private in-memory store. create false refuses a missing file with
 * UCCN_ENOTFOUND. A newer schema than this program knows is UCCN_ECORRUPT (logged). */
UCCN_NODISCARD int uccn_store_open(const char *path, bool create, struct uccn_store **out);
/* Opens an existing store for reading only (a home on a read-only filesystem): no migration,
 * no WAL file made; a write transaction is then refused with UCCN_EPERM, logging refusal
 * (copied). UCCN_ENOTFOUND if there is no file; a schema other than this program's is
 * UCCN_ECORRUPT. */
UCCN_NODISCARD int uccn_store_open_readonly(
	const char *path, const char *refusal, struct uccn_store **out);
/* Opens a backup to restore it: read-only like uccn_store_open_readonly, but a store of an
 * older schema is accepted, for its settings (uccn_store_get_meta) and to be copied whole
 * (uccn_store_copy_from); opening the copy migrates it. Nothing else may be asked of it. */
UCCN_NODISCARD int uccn_store_open_backup(const char *path, struct uccn_store **out);
bool uccn_store_is_read_only(const struct uccn_store *st);
/* Closes; rolls back an open transaction. Accepts NULL. */
void uccn_store_close(struct uccn_store *st);

/* One transaction per batch: every write between begin and commit lands together or not at all.
 * Transactions do not nest. */
UCCN_NODISCARD int uccn_store_begin(struct uccn_store *st);
UCCN_NODISCARD int uccn_store_commit(struct uccn_store *st);
/* A read snapshot: later reads see one consistent state while writers go on; end it with
 * uccn_store_rollback. */
UCCN_NODISCARD int uccn_store_begin_read(struct uccn_store *st);
void uccn_store_rollback(struct uccn_store *st);

/* Another process may write the same file (a `uccn put` beside a running serve). Each begin,
 * and uccn_store_refresh outside a transaction, notices it and drops what this store caches;
 * the count of such moments lets the layers above drop their own caches too. */
uint64_t uccn_store_foreign_writes(const struct uccn_store *st);
UCCN_NODISCARD int uccn_store_refresh(struct uccn_store *st);

/* Small named settings (the node's key, its network). get: UCCN_ENOTFOUND if unset; out is
 * replaced. */
UCCN_NODISCARD int uccn_store_get_meta(
	struct uccn_store *st, const char *key, struct uccn_bytes *out);
UCCN_NODISCARD int uccn_store_set_meta(
	struct uccn_store *st, const char *key, const uint8_t *value, size_t len);

/* The setting that tells a node to take back its own changes before signing a new one
 * (PROTOCOL.md §11.7): 8 bytes, little-endian, the head a peer showed (0: not known yet). */
#define UCCN_META_CATCH_UP "catch_up"

/* Removes a setting; no-op if unset. */
UCCN_NODISCARD int uccn_store_drop_meta(struct uccn_store *st, const char *key);

/* Writes a consistent copy of the whole database (one snapshot, what the WAL holds included)
 * to path, which must not exist or be empty, while other connections go on writing.
 * Outside a transaction. */
UCCN_NODISCARD int uccn_store_copy_to(struct uccn_store *st, const char *path);
/* Replaces everything st holds with a copy of from, in one write transaction. The caller
 * should close and reopen st afterwards (the copy may be of an older schema). Outside a
 * transaction. */
UCCN_NODISCARD int uccn_store_copy_from(struct uccn_store *st, struct uccn_store *from);

/* The last change applied from one author. seq is 0 (and hash, hlc zero) for an unknown one. */
struct uccn_store_head {
	uint64_t seq;
	uint8_t hash[UCCN_HASH_BYTES];
	uint64_t hlc;
};
UCCN_NODISCARD int uccn_store_get_head(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], struct uccn_store_head *out);
/* The highest HLC of any applied change, 0 if none. */
UCCN_NODISCARD int uccn_store_max_hlc(struct uccn_store *st, uint64_t *out);

/* A stored change's signed bytes, into out (replaced). UCCN_ENOTFOUND if none. */
UCCN_NODISCARD int uccn_store_get_change(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], uint64_t seq, struct uccn_bytes *out);

/* The merge state of the record (kind, owner, id) into state (replaced); *rid receives its row
 * id for uccn_store_put_change. UCCN_ENOTFOUND (and *rid = 0) if there is none yet. */
UCCN_NODISCARD int uccn_store_get_state(struct uccn_store *st, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, int64_t *rid,
	struct uccn_bytes *state);

/* The last change applied in one of the author's feeds (PROTOCOL.md §4.5); zero if none. */
UCCN_NODISCARD int uccn_store_get_feed_head(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, struct uccn_store_head *out);

/* Stores an applied change of feed: its signed bytes, the new heads of its feed and of its
 * author, and the record's new state (a new record row when *rid is 0; *rid then receives its
 * id). Must be inside a transaction. */
UCCN_NODISCARD int uccn_store_put_change(struct uccn_store *st, const struct uccn_change *c,
	const char *feed, const uint8_t hash[UCCN_HASH_BYTES], int64_t *rid, const uint8_t *state,
	size_t state_len, bool deleted);

/* A stored blob, borrowed for the callback. A non-zero return from a callback stops the walk
 * and is returned. */
typedef int (*uccn_store_blob_fn)(void *userdata, const uint8_t *data, size_t len);

/* Every applied change's signed bytes, by author key, then feed, then seq (chain order). */
UCCN_NODISCARD int uccn_store_each_change(
	struct uccn_store *st, uccn_store_blob_fn fn, void *userdata);
/* Every change of one record, by (HLC, author key). */
UCCN_NODISCARD int uccn_store_each_record_change(struct uccn_store *st, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, uccn_store_blob_fn fn, void *userdata);
/* Counts applied changes (from the feeds' counts: no row of changes is read). */
UCCN_NODISCARD int uccn_store_count_changes(struct uccn_store *st, uint64_t *out);

/* A record row, borrowed for the callback. */
struct uccn_store_row {
	const char *kind;
	const uint8_t *owner; /* UCCN_KEY_BYTES */
	const char *id;
	bool deleted;
	const uint8_t *state;
	size_t state_len;
};
typedef int (*uccn_store_row_fn)(void *userdata, const struct uccn_store_row *row);

/* Records of kind (NULL: every kind) by kind then first change; deleted ones only if asked. */
UCCN_NODISCARD int uccn_store_each_record(struct uccn_store *st, const char *kind,
	bool with_deleted, uccn_store_row_fn fn, void *userdata);
/* Records of kind whose id is id, whatever their owner. */
UCCN_NODISCARD int uccn_store_find_records(struct uccn_store *st, const char *kind, const char *id,
	uccn_store_row_fn fn, void *userdata);

/* Full-text search (the web page's). Record rows written since they were last indexed, at most
 * max, with their row ids (a row written twice may come twice); the caller gives each its text
 * with uccn_store_fts_set in the same transaction, which it commits, or rolls back to be given
 * them again. Inside a transaction. */
typedef int (*uccn_store_fts_row_fn)(
	void *userdata, int64_t rid, const struct uccn_store_row *row);
UCCN_NODISCARD int uccn_store_fts_dirty(
	struct uccn_store *st, size_t max, uccn_store_fts_row_fn fn, void *userdata);
/* Sets the indexed text of record row rid (NULL or empty: none) and marks it indexed. */
UCCN_NODISCARD int uccn_store_fts_set(
	struct uccn_store *st, int64_t rid, const char *text, size_t len);
/* Records not deleted (of kind, NULL: any) whose text matches the FTS5 query match, best first
 * (bm25), at most max; snippet is plain text around the first match. */
typedef int (*uccn_store_match_fn)(void *userdata, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, const char *snippet);
UCCN_NODISCARD int uccn_store_fts_search(struct uccn_store *st, const char *match,
	const char *kind, size_t max, uccn_store_match_fn fn, void *userdata);

/* Keeps a change aside, with why it waits. Keeping the same change (same hash) again is a
 * no-op. */
UCCN_NODISCARD int uccn_store_hold(struct uccn_store *st, const struct uccn_change *c,
	const uint8_t hash[UCCN_HASH_BYTES], int err, const char *why, uint64_t now_ms);
/* The same, noting what else the change waits on: waits (UCCN_HASH_BYTES, or NULL for nothing
 * but its predecessor) is a key uccn_store_take_waiting finds it by. */
UCCN_NODISCARD int uccn_store_hold_waiting(struct uccn_store *st, const struct uccn_change *c,
	const uint8_t hash[UCCN_HASH_BYTES], int err, const char *why,
	const uint8_t waits[UCCN_HASH_BYTES], uint64_t now_ms);
/* How many changes are held: of author, or in all when author is NULL (kept in memory: no
 * read). */
UCCN_NODISCARD int uccn_store_count_held(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out);
/* Whether the change whose hash is hash is held. */
UCCN_NODISCARD int uccn_store_is_held(
	struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES], bool *out);
/* How many held rows this store has loaded to offer them again, since it was opened: a figure
 * for tests, which check that re-offering reads what waits on what arrived and nothing else. */
uint64_t uccn_store_held_reads(const struct uccn_store *st);
/* Removes one held change of author whose prev is prev (the first of a feed: prev all zeros)
 * and hands its bytes over in out (replaced). UCCN_ENOTFOUND when none is left. */
UCCN_NODISCARD int uccn_store_pop_held(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const uint8_t prev[UCCN_HASH_BYTES], struct uccn_bytes *out);

/* Marks the held change hash as waiting for the wall clock: it may come in once the node's
 * wall clock reaches due_ms (uccn_store_take_due). */
UCCN_NODISCARD int uccn_store_set_held_due(
	struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES], uint64_t due_ms);

/* A held change, borrowed for the callback. */
struct uccn_store_held {
	const uint8_t *author;
	uint64_t seq;
	int err;
	const char *why;
	uint64_t since_ms;
	const uint8_t *data;
	size_t len;
};
typedef int (*uccn_store_held_fn)(void *userdata, const struct uccn_store_held *h);
UCCN_NODISCARD int uccn_store_each_held(
	struct uccn_store *st, uccn_store_held_fn fn, void *userdata);

/* Keeps the second of two different changes with the same author and seq as evidence.
 * Idempotent. */
UCCN_NODISCARD int uccn_store_add_fork(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	uint64_t seq, const uint8_t hash[UCCN_HASH_BYTES], const uint8_t *data, size_t len);
struct uccn_store_fork {
	const uint8_t *author;
	uint64_t seq;
	const uint8_t *hash;
	const uint8_t *data;
	size_t len;
};
typedef int (*uccn_store_fork_fn)(void *userdata, const struct uccn_store_fork *f);
UCCN_NODISCARD int uccn_store_each_fork(
	struct uccn_store *st, uccn_store_fork_fn fn, void *userdata);

/* The author's applied changes from from_seq on, in chain order. */
UCCN_NODISCARD int uccn_store_each_author_change(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], uint64_t from_seq, uccn_store_blob_fn fn,
	void *userdata);

/* Makes the author's revoked marks say exactly "seq > cutoff" (UINT64_MAX: none revoked):
 * revoked changes stay in the chain as evidence but no longer count for their records, and a
 * cut-off lifted later gives them back. *rids (caller frees with free()) receives the distinct
 * record rows whose changes changed mark, which the caller must rebuild. Inside a
 * transaction. */
UCCN_NODISCARD int uccn_store_set_cutoff(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], uint64_t cutoff, int64_t **rids, size_t *count);

/* The authors that have revoked changes, as concatenated keys in keys (replaced). */
UCCN_NODISCARD int uccn_store_revoked_authors(struct uccn_store *st, struct uccn_bytes *keys);

/* The changes of record row rid that are not revoked, in no particular order (merge does not
 * need one). */
UCCN_NODISCARD int uccn_store_each_live_change(
	struct uccn_store *st, int64_t rid, uccn_store_blob_fn fn, void *userdata);

/* Replaces the merge state of record row rid. */
UCCN_NODISCARD int uccn_store_set_state(
	struct uccn_store *st, int64_t rid, const uint8_t *state, size_t len, bool deleted);

/* Removes every held change kept for reason err_code and hands over copies of their bytes:
 * *out (count entries; free each with uccn_bytes_finish, then the array with free()). The
 * caller offers them again; those still waiting are held anew. Inside a transaction. */
UCCN_NODISCARD int uccn_store_take_held(
	struct uccn_store *st, int err_code, struct uccn_bytes **out, size_t *count);
/* The same for the changes held with this waits key (uccn_store_hold_waiting), found by index. */
UCCN_NODISCARD int uccn_store_take_waiting(struct uccn_store *st,
	const uint8_t waits[UCCN_HASH_BYTES], struct uccn_bytes **out, size_t *count);

/* The earliest due_ms of the changes waiting for the wall clock (0: none), from the index. */
UCCN_NODISCARD int uccn_store_next_due(struct uccn_store *st, uint64_t *due_ms);
/* As uccn_store_take_held, for the changes waiting for the wall clock whose time has come
 * (due_ms <= wall_ms). An index finds them; with nothing held it reads nothing. */
UCCN_NODISCARD int uccn_store_take_due(
	struct uccn_store *st, uint64_t wall_ms, struct uccn_bytes **out, size_t *count);

/* SQLite's own integrity check. UCCN_OK, or UCCN_ECORRUPT with the first problem logged. */
UCCN_NODISCARD int uccn_store_check_integrity(struct uccn_store *st);

/* Every feed's head, by author key then feed name: what this node holds of each chain. The
 * feeds of first (UCCN_KEY_BYTES, or NULL) come before all others. */
typedef int (*uccn_store_feed_fn)(
	void *userdata, const uint8_t *author, const char *feed, uint64_t seq);
UCCN_NODISCARD int uccn_store_each_feed_head(
	struct uccn_store *st, const uint8_t *first, uccn_store_feed_fn fn, void *userdata);

/* Every feed meant for the Secretariat alone (a name with '@'), by author key then name. */
UCCN_NODISCARD int uccn_store_each_secretariat_feed(
	struct uccn_store *st, uccn_store_feed_fn fn, void *userdata);

/* Deletes every change of the author's feed and the feed itself, and the records no change is
 * left for: for a node that may not hold the feed (an upgrade, PROTOCOL.md §11.5). *rids
 * (caller frees with free()) receives the records still standing that lost changes, which the
 * caller must rebuild. Inside a transaction. */
UCCN_NODISCARD int uccn_store_purge_feed(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, int64_t **rids, size_t *count);

/* Deletes the held change, and the fork evidence, whose hash is hash. Inside a transaction. */
UCCN_NODISCARD int uccn_store_drop_kept(struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES]);

/* The changes of one feed with seq above after_seq, in chain order, with their seq. */
typedef int (*uccn_store_link_fn)(void *userdata, uint64_t seq, const uint8_t *data, size_t len);
UCCN_NODISCARD int uccn_store_each_feed_change(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint64_t after_seq,
	uccn_store_link_fn fn, void *userdata);

/* How many changes of the feed have seq up to upto_seq: the feed's kept count, less the
 * changes after upto_seq (read, so the cost follows what lies beyond it). */
UCCN_NODISCARD int uccn_store_count_feed(struct uccn_store *st,
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint64_t upto_seq, uint64_t *out);

/* How many changes author signed that the store holds: the sum of its feeds' counts. */
UCCN_NODISCARD int uccn_store_count_by(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out);

/* Peers (struct uccn_peer of include/uccn/node.h, in the store's terms). */
struct uccn_store_peer {
	char url[256];
	bool pinned;
	uint8_t pin[UCCN_KEY_BYTES];
	char kinds[256];
	bool connected;
	bool key_known;
	uint8_t key[UCCN_KEY_BYTES];
	uint64_t last_contact_ms, ours, theirs;
	char last_error[128];
};
typedef int (*uccn_store_peer_fn)(void *userdata, const struct uccn_store_peer *p);
/* Adds a peer or replaces its url, pin (NULL: none) and kinds, keeping what was noted. */
UCCN_NODISCARD int uccn_store_put_peer(
	struct uccn_store *st, const char *url, const uint8_t *pin, const char *kinds);
/* UCCN_ENOTFOUND if no peer has that url. */
UCCN_NODISCARD int uccn_store_drop_peer(struct uccn_store *st, const char *url);
UCCN_NODISCARD int uccn_store_each_peer(
	struct uccn_store *st, uccn_store_peer_fn fn, void *userdata);
/* Notes what serve saw (every field but url's pin and kinds). UCCN_ENOTFOUND if unknown. */
UCCN_NODISCARD int uccn_store_note_peer(struct uccn_store *st, const struct uccn_store_peer *p);

/* The ids of kind's records (deleted ones too) that start with prefix (valid id characters
 * only), in id order, at most limit; fn's non-zero return stops the walk. */
typedef int (*uccn_store_id_fn)(void *userdata, const char *kind, const char *id);
UCCN_NODISCARD int uccn_store_match_ids(struct uccn_store *st, const char *kind,
	const char *prefix, size_t limit, uccn_store_id_fn fn, void *userdata);

/* Sessions (struct uccn_net_session of <uccn/net.h>): one row per peer, by key (or address).
 * Noting writes the last session's fields and adds s->sessions and s->failures to the row's
 * counts (ok_ms only moves forward; a key noted before is kept when s has none), then trims
 * the table to UCCN_NET_SESSIONS_MAX rows. Outside a transaction. */
UCCN_NODISCARD int uccn_store_note_session(struct uccn_store *st, const struct uccn_net_session *s);
/* The last sessions that ended (at most max), the latest first: one record each, its counts
 * those of that one session. */
UCCN_NODISCARD int uccn_store_session_log(
	struct uccn_store *st, size_t max, uccn_net_session_fn fn, void *userdata);
/* Every row, the most recently active first. */
UCCN_NODISCARD int uccn_store_each_session(
	struct uccn_store *st, uccn_net_session_fn fn, void *userdata);

#endif
