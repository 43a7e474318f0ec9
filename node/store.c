/* store.c - durable storage of changes, records, held changes and forks in one SQLite file.
 * The only file that talks to SQLite; it knows nothing of signatures, merge rules or the network
 * (see store.h). Statements are prepared once at open; the schema version is PRAGMA user_version
 * and every migration runs in its own transaction. */
#include "node/store.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <uccn/log.h>

#include "node/alloc.h"
#include "proto/change_internal.h"
#include "proto/state_codec.h"

/* "UCCN": lets us tell our database from any other SQLite file. */
#define APPLICATION_ID 0x5543434e

/* The WAL grows this much between checkpoints (SQLite's default is 1,000 pages of any size). */
#define WAL_CHECKPOINT_BYTES (16 * 1024 * 1024)

/* Each entry takes the schema from the version before it to its own number. Never edit a
 * released entry: add one. */
static const char *const migrations[] = {
	/* 1: the first schema. Each entry is one string; the parentheses say so to compilers that
	 * suspect a missing comma between adjacent literals. */
	("CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	 /* Authors get small integer ids so that every change row does not repeat a 32-byte key. */
	 "CREATE TABLE authors(aid INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE,"
	 " head_seq INTEGER NOT NULL DEFAULT 0, head_hash BLOB, head_hlc INTEGER NOT NULL DEFAULT "
	 "0);"
	 "CREATE TABLE records(rid INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL,"
	 " owner BLOB NOT NULL, deleted INTEGER NOT NULL, created_hlc INTEGER NOT NULL,"
	 " state BLOB NOT NULL, UNIQUE(kind, id, owner));"
	 "CREATE INDEX records_by_kind ON records(kind, created_hlc);"
	 /* Clustered by (author, seq): export and sync read chains in this order. */
	 "CREATE TABLE changes(aid INTEGER NOT NULL, seq INTEGER NOT NULL, rid INTEGER NOT NULL,"
	 " hlc INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(aid, seq)) WITHOUT ROWID;"
	 "CREATE INDEX changes_by_record ON changes(rid, hlc);"
	 "CREATE TABLE held(hid INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, author BLOB NOT "
	 "NULL,"
	 " seq INTEGER NOT NULL, err INTEGER NOT NULL, why TEXT NOT NULL, since_ms INTEGER NOT "
	 "NULL,"
	 " data BLOB NOT NULL);"
	 "CREATE INDEX held_by_author ON held(author, seq);"
	 "CREATE TABLE forks(author BLOB NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
	 " data BLOB NOT NULL, PRIMARY KEY(author, seq, hash));"),
	/* 2: membership. A change applied before a withdrawal or revocation reached us, beyond the
	 * cut-off it names, stays in its chain as evidence but no longer counts for its record. */
	("ALTER TABLE changes ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;"
	 "CREATE INDEX held_by_err ON held(err);"),
	/* 3: finding revoked changes without reading every chain, so that a cut-off lifted later
	 * (a city designated again) gives its changes back. */
	"CREATE INDEX changes_revoked ON changes(aid, seq) WHERE revoked;",
	/* 4: one hash chain per (author, feed) (PROTOCOL.md §4.5), so that a session can carry
	 * some kinds and not others without leaving gaps; and the peers `serve` dials. Stores of
	 * schema 3 chained every change of an author together and are refused before this runs
	 * (see migrate). Held rows wait on their predecessor's hash from now on. */
	("CREATE TABLE feeds(fid INTEGER PRIMARY KEY, aid INTEGER NOT NULL, name TEXT NOT NULL,"
	 " head_seq INTEGER NOT NULL, head_hash BLOB NOT NULL, head_hlc INTEGER NOT NULL,"
	 " UNIQUE(aid, name));"
	 "ALTER TABLE changes ADD COLUMN fid INTEGER NOT NULL DEFAULT 0;"
	 "CREATE INDEX changes_by_feed ON changes(fid, seq);"
	 "DELETE FROM held;"
	 "ALTER TABLE held ADD COLUMN prev BLOB;"
	 "CREATE INDEX held_by_prev ON held(author, prev);"
	 "CREATE TABLE peers(url TEXT PRIMARY KEY, pin BLOB, kinds TEXT NOT NULL,"
	 " connected INTEGER NOT NULL DEFAULT 0, key BLOB, last_contact_ms INTEGER NOT NULL "
	 "DEFAULT 0,"
	 " ours INTEGER NOT NULL DEFAULT 0, theirs INTEGER NOT NULL DEFAULT 0,"
	 " last_error TEXT NOT NULL DEFAULT '');"),
	/* 5: releasing held changes one link at a time reads them by (author, prev) in seq order;
	 * without seq in the index that was a scan of the author's held rows per release. */
	("DROP INDEX held_by_prev;"
	 "CREATE INDEX held_by_prev ON held(author, prev, seq, hash);"),
	/* 6: what a held change waits on besides its predecessor (its author's designation, its
	 * record), so that it is found by index when that arrives rather than by re-reading every
	 * held change. Rows held before wait on their author: a row whose author is already a
	 * member is found again when the registry next reloads (the keys it names are looked up).
	 */
	("ALTER TABLE held ADD COLUMN waits BLOB;"
	 "UPDATE held SET waits = author WHERE err = -20;"
	 "CREATE INDEX held_by_waits ON held(waits) WHERE waits IS NOT NULL;"),
	/* 7: a change clocked too far ahead waits for the node's wall clock (PROTOCOL.md §4 step
	 * 6): due_ms is when it may come in, 0 for every other reason; the partial index finds
	 * those whose time has come without reading the others. */
	("ALTER TABLE held ADD COLUMN due_ms INTEGER NOT NULL DEFAULT 0;"
	 "CREATE INDEX held_by_due ON held(due_ms) WHERE due_ms > 0;"),
	/* 8: full-text search over the records' texts (the web page's search). The index is kept
	 * in step by triggers that note each record row written in fts_dirty, in the writing
	 * transaction; the node turns the noted rows' states into text before each search (a
	 * state is the merge's encoding, which SQL cannot read). Existing records are all noted. */
	("CREATE VIRTUAL TABLE record_fts USING fts5(text,"
	 " tokenize = 'unicode61 remove_diacritics 2');"
	 "CREATE TABLE fts_dirty(rid INTEGER PRIMARY KEY);"
	 "CREATE TRIGGER records_fts_insert AFTER INSERT ON records"
	 " BEGIN INSERT OR IGNORE INTO fts_dirty(rid) VALUES(new.rid); END;"
	 "CREATE TRIGGER records_fts_update AFTER UPDATE ON records"
	 " BEGIN INSERT OR IGNORE INTO fts_dirty(rid) VALUES(new.rid); END;"
	 "CREATE TRIGGER records_fts_delete AFTER DELETE ON records"
	 " BEGIN DELETE FROM record_fts WHERE rowid = old.rid;"
	 " DELETE FROM fts_dirty WHERE rid = old.rid; END;"
	 "INSERT INTO fts_dirty(rid) SELECT rid FROM records;"),
	/* 9: smaller files. A record's state no longer writes its owner, nor the clock of a field
	 * the owner's newest change wrote (PROTOCOL.md §6): every state is rewritten by
	 * rewrite_states. Changes move to a rowid table: rows arrive in order, so its pages fill
	 * up, where a table clustered by (author, seq) split its pages among the authors of a
	 * batch and kept them part empty. A record's changes are few, so finding them needs the
	 * record alone: that index drops the clock, which history sorts by itself. */
	("CREATE TABLE changes_by_arrival(aid INTEGER NOT NULL, seq INTEGER NOT NULL,"
	 " fid INTEGER NOT NULL, rid INTEGER NOT NULL, hlc INTEGER NOT NULL,"
	 " revoked INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL);"
	 "INSERT INTO changes_by_arrival(aid, seq, fid, rid, hlc, revoked, data)"
	 " SELECT aid, seq, fid, rid, hlc, revoked, data FROM changes ORDER BY aid, seq;"
	 "DROP TABLE changes;"
	 "ALTER TABLE changes_by_arrival RENAME TO changes;"
	 "CREATE UNIQUE INDEX changes_by_author ON changes(aid, seq);"
	 "CREATE INDEX changes_revoked ON changes(aid, seq) WHERE revoked;"
	 "CREATE INDEX changes_by_feed ON changes(fid, seq);"
	 "CREATE INDEX changes_by_record ON changes(rid);"),
	/* 10: how many changes each feed holds, kept as they are stored, so that counting what a
	 * peer holds or lacks reads a row, not a million index entries. */
	("ALTER TABLE feeds ADD COLUMN n INTEGER NOT NULL DEFAULT 0;"
	 "UPDATE feeds SET n = (SELECT count(*) FROM changes c WHERE c.fid = feeds.fid);"),
	/* 11: the sessions the network loop had with each peer (`uccn status`, `uccn health`): one
	 * row per peer, keyed by its key in hex (or its address before it proved one). */
	("CREATE TABLE sessions(peer TEXT PRIMARY KEY, key BLOB, address TEXT NOT NULL,"
	 " incoming INTEGER NOT NULL, live INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
	 " ended_ms INTEGER NOT NULL, ok_ms INTEGER NOT NULL, seen_ms INTEGER NOT NULL,"
	 " sessions INTEGER NOT NULL,"
	 " failures INTEGER NOT NULL, sent INTEGER NOT NULL, received INTEGER NOT NULL,"
	 " applied INTEGER NOT NULL, duplicate INTEGER NOT NULL, held INTEGER NOT NULL,"
	 " refused INTEGER NOT NULL, dropped INTEGER NOT NULL, held_there INTEGER NOT NULL,"
	 " err INTEGER NOT NULL, error TEXT NOT NULL);"
	 /* and the last sessions that ended, whoever with (UCCN_NET_HISTORY_MAX of them) */
	 "CREATE TABLE session_log(n INTEGER PRIMARY KEY, key BLOB, address TEXT NOT NULL,"
	 " incoming INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL,"
	 " sent INTEGER NOT NULL, received INTEGER NOT NULL, applied INTEGER NOT NULL,"
	 " held INTEGER NOT NULL, refused INTEGER NOT NULL, held_there INTEGER NOT NULL,"
	 " err INTEGER NOT NULL, error TEXT NOT NULL);"),
	/* 12: the store notes each record row it writes in fts_dirty itself (mark_for_search), in
	 * the same transaction, instead of by trigger: a trigger runs as a sub-program of its
	 * statement, which cost about a microsecond a row, a tenth of storing a change. Deleting
	 * a row (purging a feed, rare) still drops it from the index by trigger. */
	("DROP TRIGGER records_fts_insert;"
	 "DROP TRIGGER records_fts_update;"),
	/* 13: a record row written with a change is found for the search index by the change,
	 * not by a note: changes are numbered as they are stored, and fts_done.upto is the last
	 * one whose record was indexed. Storing a change thereby writes one row fewer. A state
	 * rewritten without a change (a revocation's rebuild) is still noted in fts_dirty. Every
	 * record row written so far is indexed or noted. A purge frees the highest numbers and
	 * takes upto back with it; VACUUM, and so a backup, keeps the numbers. */
	("CREATE TABLE fts_done(upto INTEGER NOT NULL);"
	 "INSERT INTO fts_done(upto) SELECT coalesce(max(rowid), 0) FROM changes;"),
	/* 14: changes are found by feed alone. Every change is in its author's feeds, so the
	 * index by (author, seq) repeated the one by (feed, seq) at the cost of a row written per
	 * change; an author's changes are read feed after feed (export, verify) or gathered from
	 * its few feeds and sorted (the registry's scan of the root). The index by feed is unique
	 * now: a feed has one change at each seq, and the store refuses a second. */
	("DROP INDEX changes_by_author;"
	 "DROP INDEX changes_by_feed;"
	 "CREATE UNIQUE INDEX changes_by_feed ON changes(fid, seq);"),
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define STATEMENTS(XX)                                                                             \
	XX(BEGIN, "BEGIN IMMEDIATE")                                                               \
	XX(BEGIN_READ, "BEGIN DEFERRED")                                                           \
	XX(DATA_VERSION, "PRAGMA data_version")                                                    \
	XX(COMMIT, "COMMIT")                                                                       \
	XX(ROLLBACK, "ROLLBACK")                                                                   \
	XX(GET_META, "SELECT value FROM meta WHERE key = ?1")                                      \
	XX(SET_META, "INSERT INTO meta(key, value) VALUES(?1, ?2)"                                 \
		     " ON CONFLICT(key) DO UPDATE SET value = excluded.value")                     \
	XX(GET_HEAD, "SELECT aid, head_seq, head_hash, head_hlc FROM authors WHERE key = ?1")      \
	XX(ADD_AUTHOR, "INSERT INTO authors(key) VALUES(?1)")                                      \
	XX(SET_HEAD,                                                                               \
		"UPDATE authors SET head_seq = ?2, head_hash = ?3, head_hlc = ?4 WHERE aid = ?1")  \
	XX(MAX_HLC, "SELECT coalesce(max(head_hlc), 0) FROM authors")                              \
	XX(GET_CHANGE, "SELECT c.data FROM authors a JOIN feeds f ON f.aid = a.aid"                \
		       " JOIN changes c ON c.fid = f.fid AND c.seq = ?2 WHERE a.key = ?1")         \
	XX(PUT_CHANGE, "INSERT INTO changes(aid, seq, rid, hlc, data, fid)"                        \
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)")                                          \
	XX(GET_FEED, "SELECT fid, head_seq, head_hash, head_hlc, n FROM feeds WHERE aid = ?1 AND " \
		     "name = ?2")                                                                  \
	XX(ADD_FEED, "INSERT INTO feeds(aid, name, head_seq, head_hash, head_hlc)"                 \
		     " VALUES(?1, ?2, 0, zeroblob(32), 0)")                                        \
	XX(SET_FEED, "UPDATE feeds SET head_seq = ?2, head_hash = ?3, head_hlc = ?4, n = ?5"       \
		     " WHERE fid = ?1")                                                            \
	XX(EACH_FEED, "SELECT a.key, f.name, f.head_seq FROM feeds f JOIN authors a ON a.aid = "   \
		      "f.aid WHERE f.head_seq > 0 ORDER BY a.key IS NOT ?1, a.key, f.name")        \
	XX(FEED_CHANGES, "SELECT c.seq, c.data FROM changes c WHERE c.fid = ?1 AND c.seq > ?2"     \
			 " ORDER BY c.seq")                                                        \
	XX(COUNT_FEED_AFTER, "SELECT count(*) FROM changes WHERE fid = ?1 AND seq > ?2")           \
	XX(COUNT_BY, "SELECT coalesce(sum(f.n), 0) FROM feeds f JOIN authors a ON a.aid = f.aid"   \
		     " WHERE a.key = ?1")                                                          \
	XX(PUT_PEER, "INSERT INTO peers(url, pin, kinds) VALUES(?1, ?2, ?3) ON CONFLICT(url)"      \
		     " DO UPDATE SET pin = excluded.pin, kinds = excluded.kinds")                  \
	XX(DROP_PEER, "DELETE FROM peers WHERE url = ?1")                                          \
	XX(EACH_PEER, "SELECT url, pin, kinds, connected, key, last_contact_ms, ours, theirs,"     \
		      " last_error FROM peers ORDER BY url")                                       \
	XX(NOTE_PEER, "UPDATE peers SET connected = ?2, key = ?3, last_contact_ms = ?4, ours = "   \
		      "?5, theirs = ?6, last_error = ?7 WHERE url = ?1")                           \
	XX(NOTE_SESSION,                                                                           \
		"INSERT INTO sessions VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, " \
		"?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21) ON CONFLICT(peer) DO UPDATE SET"               \
		" key = coalesce(excluded.key, key), address = excluded.address,"                  \
		" incoming = excluded.incoming, live = excluded.live,"                             \
		" started_ms = excluded.started_ms, ended_ms = excluded.ended_ms,"                 \
		" ok_ms = max(ok_ms, excluded.ok_ms), seen_ms = max(seen_ms, excluded.seen_ms),"    \
		" sessions = sessions + excluded.sessions,"    \
		" failures = failures + excluded.failures, sent = excluded.sent,"                  \
		" received = excluded.received, applied = excluded.applied,"                       \
		" duplicate = excluded.duplicate, held = excluded.held,"                           \
		" refused = excluded.refused, dropped = excluded.dropped,"                         \
		" held_there = excluded.held_there, err = excluded.err, error = excluded.error")   \
	XX(TRIM_SESSIONS, "DELETE FROM sessions WHERE peer IN (SELECT peer FROM sessions ORDER BY" \
			  " key IS NULL, max(started_ms, ended_ms) DESC LIMIT -1 OFFSET ?1)")      \
	XX(LOG_SESSION, "INSERT INTO session_log(key, address, incoming, started_ms, ended_ms, sent,"  \
			" received, applied, held, refused, held_there, err, error)"               \
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")         \
	XX(TRIM_LOG, "DELETE FROM session_log WHERE n <= last_insert_rowid() - ?1")               \
	XX(EACH_LOGGED, "SELECT key, address, incoming, started_ms, ended_ms, sent, received,"    \
			" applied, held, refused, held_there, err, error FROM session_log"         \
			" ORDER BY n DESC LIMIT ?1")                                               \
	XX(EACH_SESSION, "SELECT key, address, incoming, live, started_ms, ended_ms, ok_ms, seen_ms,"       \
			 " sessions, failures, sent, received, applied, duplicate, held, refused," \
			 " dropped, held_there, err, error FROM sessions"                          \
			 " ORDER BY max(started_ms, ended_ms) DESC, peer")                         \
	XX(MATCH_IDS, "SELECT DISTINCT id FROM records WHERE kind = ?1 AND id GLOB ?2"             \
		      " ORDER BY id LIMIT ?3")                                                     \
	XX(COUNT_CHANGES, "SELECT coalesce(sum(n), 0) FROM feeds")                                 \
	XX(EACH_CHANGE, "SELECT c.data FROM authors a CROSS JOIN feeds f CROSS JOIN changes c"     \
			" WHERE f.aid = a.aid AND c.fid = f.fid ORDER BY a.key, f.name, c.seq")    \
	XX(RECORD_CHANGES, "SELECT c.data FROM records r JOIN changes c ON c.rid = r.rid"          \
			   " JOIN authors a ON a.aid = c.aid WHERE r.kind = ?1 AND r.id = ?2 AND " \
			   "r.owner = ?3"                                                          \
			   " ORDER BY c.hlc, a.key")                                               \
	XX(GET_STATE, "SELECT rid, state FROM records WHERE kind = ?1 AND id = ?2 AND owner = ?3") \
	XX(ADD_RECORD, "INSERT INTO records(kind, id, owner, deleted, created_hlc, state)"         \
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6)")                                          \
	XX(SET_RECORD, "UPDATE records SET deleted = ?2, state = ?3 WHERE rid = ?1")               \
	XX(EACH_RECORD, "SELECT kind, owner, id, deleted, state FROM records"                      \
			" WHERE ?2 OR NOT deleted ORDER BY kind, created_hlc, owner, id")          \
	XX(EACH_RECORD_OF, "SELECT kind, owner, id, deleted, state FROM records"                   \
			   " WHERE kind = ?1 AND (?2 OR NOT deleted)"                              \
			   " ORDER BY created_hlc, owner, id")                                     \
	XX(FIND_RECORDS, "SELECT kind, owner, id, deleted, state FROM records"                     \
			 " WHERE kind = ?1 AND id = ?2 ORDER BY owner")                            \
	XX(FTS_DIRTY, "SELECT r.kind, r.owner, r.id, r.deleted, r.state, r.rid FROM fts_dirty d"    \
		      " JOIN records r ON r.rid = d.rid LIMIT ?1")                                 \
	XX(FTS_NEW, "SELECT r.kind, r.owner, r.id, r.deleted, r.state, r.rid, c.rowid"             \
		    " FROM changes c JOIN records r ON r.rid = c.rid"                              \
		    " WHERE c.rowid > (SELECT upto FROM fts_done) ORDER BY c.rowid LIMIT ?1")      \
	XX(FTS_PASS, "UPDATE fts_done SET upto = ?1")                                              \
	XX(FTS_DROP, "DELETE FROM record_fts WHERE rowid = ?1")                                    \
	XX(FTS_ADD, "INSERT INTO record_fts(rowid, text) VALUES(?1, ?2)")                          \
	XX(FTS_CLEAN, "DELETE FROM fts_dirty WHERE rid = ?1")                                      \
	XX(FTS_MARK, "INSERT OR IGNORE INTO fts_dirty(rid) VALUES(?1)")                            \
	XX(FTS_SEARCH, "SELECT r.kind, r.owner, r.id, snippet(record_fts, 0, '', '', '…', 16)"     \
		       " FROM record_fts f JOIN records r ON r.rid = f.rowid"                      \
		       " WHERE record_fts MATCH ?1 AND NOT r.deleted AND (?2 IS NULL OR r.kind = ?2)" \
		       " ORDER BY f.rank LIMIT ?3")                                                \
	XX(HOLD, "INSERT OR IGNORE INTO held(hash, author, seq, err, why, since_ms, data, prev,"   \
		 " waits) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                             \
	XX(IS_HELD, "SELECT 1 FROM held WHERE hash = ?1")                                          \
	XX(COUNT_HELD_BY, "SELECT count(*) FROM held WHERE author = ?1")                           \
	XX(HELD_WAITING, "SELECT data FROM held WHERE waits = ?1 ORDER BY hid")                    \
	XX(DROP_HELD_WAITING, "DELETE FROM held WHERE waits = ?1")                                 \
	XX(FIRST_HELD, "SELECT hid, data FROM held WHERE author = ?1 AND prev = ?2"                \
		       " ORDER BY seq, hash LIMIT 1")                                              \
	XX(DROP_HELD, "DELETE FROM held WHERE hid = ?1")                                           \
	XX(COUNT_HELD, "SELECT count(*) FROM held")                                                \
	XX(SET_HELD_DUE, "UPDATE held SET due_ms = ?2 WHERE hash = ?1")                            \
	XX(DUE_HELD,                                                                               \
		"SELECT data FROM held WHERE due_ms > 0 AND due_ms <= ?1 ORDER BY due_ms, hid")    \
	XX(NEXT_DUE, "SELECT coalesce(min(due_ms), 0) FROM held WHERE due_ms > 0")                 \
	XX(DROP_DUE_HELD, "DELETE FROM held WHERE due_ms > 0 AND due_ms <= ?1")                    \
	XX(AUTHOR_CHANGES, "SELECT c.data FROM authors a JOIN feeds f ON f.aid = a.aid"            \
			   " JOIN changes c ON c.fid = f.fid AND c.seq >= ?2 WHERE a.key = ?1"     \
			   " ORDER BY c.seq")                                                      \
	XX(UNREVOKE_UPTO, "UPDATE changes SET revoked = 0 WHERE aid = (SELECT aid FROM authors "   \
			  "WHERE key = ?1) AND seq <= ?2 AND revoked RETURNING rid")               \
	XX(REVOKED_AUTHORS, "SELECT DISTINCT a.key FROM changes c JOIN authors a ON a.aid = "      \
			    "c.aid WHERE c.revoked")                                               \
	XX(REVOKE_AFTER, "UPDATE changes SET revoked = 1 WHERE fid IN (SELECT f.fid FROM feeds f"  \
			 " JOIN authors a ON a.aid = f.aid WHERE a.key = ?1) AND seq > ?2"         \
			 " AND NOT revoked RETURNING rid")                                         \
	XX(LIVE_CHANGES, "SELECT data FROM changes WHERE rid = ?1 AND NOT revoked")                \
	XX(SET_STATE, "UPDATE records SET deleted = ?2, state = ?3 WHERE rid = ?1")                \
	XX(HELD_BY_ERR, "SELECT data FROM held WHERE err = ?1 ORDER BY hid")                       \
	XX(DROP_HELD_BY_ERR, "DELETE FROM held WHERE err = ?1")                                    \
	XX(EACH_HELD,                                                                              \
		"SELECT author, seq, err, why, since_ms, data FROM held ORDER BY author, seq")     \
	XX(ADD_FORK,                                                                               \
		"INSERT OR IGNORE INTO forks(author, seq, hash, data) VALUES(?1, ?2, ?3, ?4)")     \
	XX(EACH_FORK, "SELECT author, seq, hash, data FROM forks ORDER BY author, seq, hash")

enum statement {
#define XX(name, sql) STMT_##name,
	STATEMENTS(XX)
#undef XX
		STMT_COUNT
};

static const char *const statement_sql[] = {
#define XX(name, sql) sql,
	STATEMENTS(XX)
#undef XX
};

/* A few authors write most changes; remembering their row ids saves a lookup per change. */
#define AUTHOR_CACHE 64

/* Heads live here between writes: a change moves its author's head, and the row is written back
 * once per transaction (at commit, or when the slot is reused) instead of once per change. */
/* An author writes a handful of feeds (one per kind and audience): their heads are cached with
 * the author's, on the same terms. */
#define FEEDS_PER_SLOT 8

struct feed_slot {
	bool dirty;
	int64_t fid;
	char name[UCCN_FEED_MAX + 1];
	struct uccn_store_head head;
	int64_t n; /* changes stored in the feed */
};

struct author_slot {
	bool used;
	bool dirty; /* head differs from the authors row */
	uint8_t key[UCCN_KEY_BYTES];
	int64_t aid; /* 0: the author has no row yet */
	struct uccn_store_head head;
	struct feed_slot feeds[FEEDS_PER_SLOT];
	size_t nfeeds;
};

struct uccn_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	bool in_tx;
	int64_t held; /* rows in held, or -1 when unknown: most nodes hold nothing, most of the time
		       */
	uint64_t held_read; /* held rows loaded to be offered again (uccn_store_held_reads) */
	/* Another process (a `uccn put` beside a running serve) may commit to the same file:
	 * SQLite's data_version moves then, and what this connection caches must be read again. */
	int64_t data_version;
	uint64_t foreign; /* how many times another connection's commits were noticed */
	char *read_only;  /* why a store opened read-only refuses writes (NULL: writable) */
	struct author_slot authors[AUTHOR_CACHE];
};

/* Maps an SQLite result to our code and logs SQLite's message: no caller can see it later. */
static int fail(struct uccn_store *st, int rc, const char *what) {
	int err;
	if (st != NULL && st->read_only != NULL && (rc & 0xff) == SQLITE_READONLY) {
		/* A write outside a transaction (a peer noted, a setting): the same refusal. */
		uccn_log(UCCN_LOG_ERROR, "%s", st->read_only);
		return UCCN_EPERM;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err = UCCN_EBUSY;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		err = UCCN_ECORRUPT;
		break;
	case SQLITE_NOMEM:
		err = UCCN_ENOMEM;
		break;
	case SQLITE_CANTOPEN:
		err = UCCN_EIO;
		break;
	default:
		err = UCCN_EIO;
		break;
	}
	const char *msg =
		st != NULL && st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	if (err == UCCN_ECORRUPT) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (%s: %s)", what, msg);
	} else {
		uccn_log(UCCN_LOG_ERROR, "database: %s: %s", what, msg);
	}
	return err;
}

static int write_heads(struct uccn_store *st);
static int notice_foreign(struct uccn_store *st);
static void forget_cache(struct uccn_store *st);
static int step_row(struct uccn_store *st, sqlite3_stmt *stmt, const char *what);

static sqlite3_stmt *use(struct uccn_store *st, enum statement s) {
	sqlite3_stmt *stmt = st->stmt[s];
	assert(stmt != NULL); /* a backup of an older schema is read for its settings alone */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* Runs a statement that returns no rows. */
static int run(struct uccn_store *st, sqlite3_stmt *stmt, const char *what) {
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		return fail(st, rc, what);
	}
	return UCCN_OK;
}

static int exec(struct uccn_store *st, const char *sql, const char *what) {
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? UCCN_OK : fail(st, rc, what);
}

static int pragma_int(struct uccn_store *st, const char *sql, int64_t *out) {
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(stmt, 0);
			rc = SQLITE_OK;
		}
	}
	int err = rc == SQLITE_OK ? UCCN_OK : fail(st, rc, sql);
	sqlite3_finalize(stmt);
	return err;
}

/* Rewrites every record's state from the layout of schema 8 to §6's (migration 9), a slice of
 * rows at a time so that no cursor reads the table while it is written. */
static int rewrite_states(struct uccn_store *st) {
	static struct uccn_state state; /* large; migrations run on one thread at open */
	sqlite3_stmt *sel = NULL, *upd = NULL;
	struct uccn_bytes out = {0};
	int rc = sqlite3_prepare_v2(st->db,
		"SELECT rid, owner, state FROM records WHERE rid > ?1 ORDER BY rid LIMIT 1", -1,
		&sel, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(
			st->db, "UPDATE records SET state = ?2 WHERE rid = ?1", -1, &upd, NULL);
	}
	int err = rc == SQLITE_OK ? UCCN_OK : fail(st, rc, "migrating record states");
	int64_t rid = 0;
	while (err == UCCN_OK) {
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, rid);
		if ((err = step_row(st, sel, "migrating record states")) < 0) {
			err = err == UCCN_ENOTFOUND ? UCCN_OK : err;
			break;
		}
		rid = sqlite3_column_int64(sel, 0);
		const uint8_t *owner = sqlite3_column_blob(sel, 1);
		out.len = 0;
		const uint8_t *old = sqlite3_column_blob(sel, 2);
		size_t old_len = (size_t)sqlite3_column_bytes(sel, 2);
		/* A state already in §6's layout (a store taken back by hand) never decodes in the
		 * old one, which counts table indexes from 0 and has no short field: it is kept. */
		bool done = uccn_codec_decode_state_v1(old, old_len, &state) < 0 &&
			    owner != NULL && sqlite3_column_bytes(sel, 1) == UCCN_KEY_BYTES &&
			    uccn_codec_decode_state(old, old_len, owner, &state) == UCCN_OK;
		if (done) {
			continue;
		}
		if (owner == NULL || sqlite3_column_bytes(sel, 1) != UCCN_KEY_BYTES ||
			uccn_codec_decode_state_v1(old, old_len, &state) < 0 ||
			uccn_codec_encode_state(&state, owner, &out) < 0) {
			uccn_log(UCCN_LOG_ERROR,
				"the database is damaged (the state of record %lld does not "
				"decode)",
				(long long)rid);
			err = UCCN_ECORRUPT;
			break;
		}
		sqlite3_reset(upd);
		sqlite3_bind_int64(upd, 1, rid);
		sqlite3_bind_blob(upd, 2, out.data, (int)out.len, SQLITE_STATIC);
		err = run(st, upd, "migrating record states");
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	uccn_bytes_finish(&out);
	return err;
}

/* What a migration does beyond its SQL, in the same transaction. */
static int migrate_rows(struct uccn_store *st, int version) {
	return version == 9 ? rewrite_states(st) : UCCN_OK;
}

static int migrate(struct uccn_store *st) {
	int64_t version = 0, app = 0, objects = 0;
	int err;
	if ((err = pragma_int(st, "PRAGMA user_version", &version)) < 0 ||
		(err = pragma_int(st, "PRAGMA application_id", &app)) < 0 ||
		(err = pragma_int(st, "SELECT count(*) FROM sqlite_master", &objects)) < 0) {
		return err;
	}
	if (app != APPLICATION_ID && (app != 0 || objects != 0)) {
		uccn_log(UCCN_LOG_ERROR, "not a uccn database (another program's SQLite file)");
		return UCCN_ECORRUPT;
	}
	if (version > SCHEMA_VERSION) {
		uccn_log(UCCN_LOG_ERROR,
			"the database has schema version %lld, newer than this program knows (%d): "
			"upgrade uccn",
			(long long)version, SCHEMA_VERSION);
		return UCCN_ECORRUPT;
	}
	if (version >= 1 && version < 4) {
		int64_t changes = 0;
		if ((err = pragma_int(st, "SELECT count(*) FROM changes", &changes)) < 0) {
			return err;
		}
		if (changes > 0) {
			uccn_log(UCCN_LOG_ERROR,
				"the database has schema version %lld, from a development version "
				"that chained all of an author's changes together; this one chains "
				"them by feed and cannot convert it: make a new node",
				(long long)version);
			return UCCN_ECORRUPT;
		}
	}
	for (int v = (int)version; v < SCHEMA_VERSION; v++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
			v + 1, APPLICATION_ID);
		if ((err = exec(st, "BEGIN IMMEDIATE", "migration")) < 0) {
			return err;
		}
		if ((err = exec(st, migrations[v], "migration")) < 0 ||
			(err = migrate_rows(st, v + 1)) < 0 ||
			(err = exec(st, sql, "migration")) < 0 ||
			(err = exec(st, "COMMIT", "migration")) < 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return err;
		}
		uccn_log(UCCN_LOG_INFO, "database schema migrated to version %d", v + 1);
	}
	return UCCN_OK;
}

/* Prepares every statement once: a store answers thousands of calls per batch. A store of an
 * older schema opened to be copied (older) prepares what its tables allow and leaves the rest
 * NULL: it is read for its settings and copied whole, nothing else. */
static int prepare_all(struct uccn_store *st, bool older) {
	for (int i = 0; i < STMT_COUNT; i++) {
		int rc = sqlite3_prepare_v3(st->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
			&st->stmt[i], NULL);
		if (rc != SQLITE_OK && !older) {
			return fail(st, rc, statement_sql[i]);
		}
	}
	return UCCN_OK;
}

/* The last steps of both opens: the statements prepared (as prepare_all says for older) and
 * the foreign tables noticed, then the store is the caller's (*st NULL). */
static int hand_over(struct uccn_store **st, bool older, struct uccn_store **out) {
	int err = prepare_all(*st, older);
	if (err < 0 || (err = notice_foreign(*st)) < 0) {
		return err;
	}
	*out = *st;
	*st = NULL;
	return UCCN_OK;
}

/* SQLite counts every allocation it makes for sqlite3_memory_used() under one global mutex
 * unless told not to, before its first use; nothing here reads those counts. */
static void configure_sqlite_once(void) {
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(const char *path, int flags, sqlite3 **db) {
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_sqlite_once);
	return sqlite3_open_v2(path, db, flags, NULL);
}

int uccn_store_open(const char *path, bool create, struct uccn_store **out) {
	int err = UCCN_ENOMEM;
	struct uccn_store *st = uccn_alloc_calloc(1, sizeof(*st));
	if (st == NULL) {
		goto out;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = open_db(path, flags, &st->db);
	if (rc != SQLITE_OK) {
		if (!create && (rc & 0xff) == SQLITE_CANTOPEN) {
			err = UCCN_ENOTFOUND;
			goto out;
		}
		err = fail(st, rc, path);
		goto out;
	}
	st->held = -1;
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* 16 KiB pages for a new file (an existing one keeps its own: WAL cannot change it): a
	 * page holds about 40 stored changes, so storing a batch dirties and writes fewer pages,
	 * index descents are shorter, and less of the file is page headers and slack. WAL:
	 * readers never block the writer; a checkpoint every WAL_CHECKPOINT_BYTES of it, whatever
	 * the page size. synchronous=FULL: a committed batch survives power loss, which matters
	 * because a peer forgets what we acknowledged. */
	int64_t page = 0;
	if ((err = exec(st,
		     "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
		     " PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;"
		     " PRAGMA cache_size = -16000;",
		     path)) < 0 ||
		(err = pragma_int(st, "PRAGMA page_size", &page)) < 0) {
		goto out;
	}
	sqlite3_wal_autocheckpoint(st->db, page > 0 ? (int)(WAL_CHECKPOINT_BYTES / page) : 1000);
	if ((err = migrate(st)) < 0) {
		goto out;
	}
	err = hand_over(&st, false, out);
out:
	uccn_store_close(st);
	return err;
}

static int open_read(
	const char *path, const char *refusal, bool older_ok, struct uccn_store **out) {
	int err = UCCN_ENOMEM;
	struct uccn_store *st = uccn_alloc_calloc(1, sizeof(*st));
	char *uri = NULL;
	if (st == NULL || (st->read_only = uccn_alloc_strdup(refusal)) == NULL) {
		goto out;
	}
	int rc = open_db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, &st->db);
	int64_t version = 0;
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(st->db, 1);
		sqlite3_busy_timeout(st->db, 5000);
		rc = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if ((rc & 0xff) == SQLITE_CANTOPEN) {
		/* A WAL database closed cleanly leaves no -shm, and none can be made where nothing
		 * can be written. Nothing can change the file there either, so SQLite may read it
		 * as immutable: no locks, no shared memory. A -wal left by a crash comes with its
		 * -shm, and the first open reads both. */
		sqlite3_close(st->db);
		st->db = NULL;
		char *wal = sqlite3_mprintf("%s-wal", path);
		struct stat sb;
		if (wal != NULL && stat(wal, &sb) == 0 && sb.st_size > 0) {
			uccn_log(UCCN_LOG_WARN,
				"%s cannot be read where nothing can be written: its newest "
				"changes are not shown",
				wal);
		}
		sqlite3_free(wal);
		uri = sqlite3_mprintf("file:%s?immutable=1", path);
		if (uri == NULL) {
			goto out;
		}
		rc = sqlite3_open_v2(uri, &st->db,
			SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_extended_result_codes(st->db, 1);
		}
	}
	if (rc != SQLITE_OK) {
		err = (rc & 0xff) == SQLITE_CANTOPEN ? UCCN_ENOTFOUND : fail(st, rc, path);
		goto out;
	}
	st->held = -1;
	if ((err = pragma_int(st, "PRAGMA user_version", &version)) < 0) {
		goto out;
	}
	bool older = older_ok && version >= 1 && version < SCHEMA_VERSION;
	if (version != SCHEMA_VERSION && !older) {
		uccn_log(UCCN_LOG_ERROR,
			"the database has schema version %lld and needs version %d, which "
			"cannot be written on a read-only filesystem",
			(long long)version, SCHEMA_VERSION);
		err = UCCN_ECORRUPT;
		goto out;
	}
	err = hand_over(&st, older, out);
out:
	sqlite3_free(uri);
	uccn_store_close(st);
	return err;
}

int uccn_store_open_readonly(const char *path, const char *refusal, struct uccn_store **out) {
	return open_read(path, refusal, false, out);
}

int uccn_store_open_backup(const char *path, struct uccn_store **out) {
	return open_read(path, "a backup is only read", true, out);
}

bool uccn_store_is_read_only(const struct uccn_store *st) {
	return st->read_only != NULL;
}

int uccn_store_copy_to(struct uccn_store *st, const char *path) {
	assert(!st->in_tx);
	/* VACUUM INTO reads one snapshot, the WAL included, while writers go on, and refuses a
	 * file that already holds anything. */
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, "VACUUM INTO ?1", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
	}
	int err = rc == SQLITE_OK || rc == SQLITE_DONE ? UCCN_OK : fail(st, rc, path);
	sqlite3_finalize(stmt);
	return err;
}

int uccn_store_copy_from(struct uccn_store *st, struct uccn_store *from) {
	assert(!st->in_tx && !from->in_tx);
	/* The online backup copies every page of one snapshot of from and replaces this
	 * database in one write transaction, under its locks: another connection sees the old
	 * database or the new one, never a mix. */
	sqlite3_backup *b = sqlite3_backup_init(st->db, "main", from->db, "main");
	if (b == NULL) {
		return fail(st, sqlite3_errcode(st->db), "restoring");
	}
	int rc;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		sqlite3_sleep(50);
	}
	int done = sqlite3_backup_finish(b);
	forget_cache(st);
	if (rc != SQLITE_DONE) {
		return fail(st, rc, "restoring");
	}
	return done == SQLITE_OK ? UCCN_OK : fail(st, done, "restoring");
}

int uccn_store_drop_meta(struct uccn_store *st, const char *key) {
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, "DELETE FROM meta WHERE key = ?1", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
	}
	int err = rc == SQLITE_OK || rc == SQLITE_DONE ? UCCN_OK : fail(st, rc, "writing settings");
	sqlite3_finalize(stmt);
	return err;
}

void uccn_store_close(struct uccn_store *st) {
	if (st == NULL) {
		return;
	}
	if (st->in_tx) {
		uccn_store_rollback(st);
	}
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
	}
	sqlite3_close(st->db);
	uccn_alloc_free(st->read_only);
	uccn_alloc_free(st);
}

/* What this connection remembers of the file between statements: author and feed heads, the
 * count of held rows. */
static void forget_cache(struct uccn_store *st) {
	memset(st->authors, 0, sizeof(st->authors));
	st->held = -1;
}

/* Drops the cached heads and counts when another connection committed since we last looked.
 * Inside a transaction the snapshot is then the one read after this check. */
static int notice_foreign(struct uccn_store *st) {
	sqlite3_stmt *stmt = use(st, STMT_DATA_VERSION);
	int err = step_row(st, stmt, "reading the data version");
	if (err < 0) {
		return err;
	}
	int64_t version = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (version != st->data_version) {
		if (st->data_version != 0) {
			forget_cache(st);
			st->foreign++;
		}
		st->data_version = version;
	}
	return UCCN_OK;
}

static int begin(struct uccn_store *st, enum statement which) {
	assert(!st->in_tx);
	if (st->read_only != NULL && which == STMT_BEGIN) {
		uccn_log(UCCN_LOG_ERROR, "%s", st->read_only);
		return UCCN_EPERM;
	}
	int err = run(st, use(st, which), "begin");
	st->in_tx = err == UCCN_OK;
	if (err == UCCN_OK && (err = notice_foreign(st)) < 0) {
		uccn_store_rollback(st);
	}
	return err;
}

int uccn_store_begin(struct uccn_store *st) {
	return begin(st, STMT_BEGIN);
}

int uccn_store_begin_read(struct uccn_store *st) {
	return begin(st, STMT_BEGIN_READ);
}

uint64_t uccn_store_foreign_writes(const struct uccn_store *st) {
	return st->foreign;
}

int uccn_store_refresh(struct uccn_store *st) {
	return st->in_tx ? UCCN_OK : notice_foreign(st);
}

int uccn_store_commit(struct uccn_store *st) {
	assert(st->in_tx);
	int err = write_heads(st);
	if (err == UCCN_OK) {
		err = run(st, use(st, STMT_COMMIT), "commit");
	}
	if (err < 0) {
		uccn_store_rollback(st);
		return err;
	}
	st->in_tx = false;
	return UCCN_OK;
}

void uccn_store_rollback(struct uccn_store *st) {
	if (!st->in_tx) {
		return;
	}
	/* Author rows and heads written in this transaction vanish with it; so must their copies.
	 */
	forget_cache(st);
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_reset(st->stmt[i]);
	}
	if (sqlite3_get_autocommit(st->db) == 0) {
		sqlite3_step(use(st, STMT_ROLLBACK));
		sqlite3_reset(st->stmt[STMT_ROLLBACK]);
	}
	st->in_tx = false;
}

static int copy_blob(sqlite3_stmt *stmt, int col, struct uccn_bytes *out) {
	const void *data = sqlite3_column_blob(stmt, col);
	size_t len = (size_t)sqlite3_column_bytes(stmt, col);
	out->len = 0;
	return len == 0 ? UCCN_OK : uccn_bytes_append(out, data, len);
}

/* Steps a one-row query: UCCN_OK with the row ready, UCCN_ENOTFOUND, or an error. */
static int step_row(struct uccn_store *st, sqlite3_stmt *stmt, const char *what) {
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		return UCCN_OK;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? UCCN_ENOTFOUND : fail(st, rc, what);
}

int uccn_store_get_meta(struct uccn_store *st, const char *key, struct uccn_bytes *out) {
	sqlite3_stmt *stmt = use(st, STMT_GET_META);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	int err = step_row(st, stmt, "reading settings");
	if (err == UCCN_OK) {
		err = copy_blob(stmt, 0, out);
		sqlite3_reset(stmt);
	}
	return err;
}

int uccn_store_set_meta(struct uccn_store *st, const char *key, const uint8_t *value, size_t len) {
	sqlite3_stmt *stmt = use(st, STMT_SET_META);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, value, (int)len, SQLITE_STATIC);
	return run(st, stmt, "writing settings");
}

static struct author_slot *cache_slot(struct uccn_store *st, const uint8_t key[UCCN_KEY_BYTES]) {
	/* Keys are uniformly random, so their first bytes are already a good hash. */
	return &st->authors[key[0] % AUTHOR_CACHE];
}

/* Heads of authors and of feeds are rows of the same shape: (id, seq, hash, hlc), and a feed's
 * count of changes after them (n, when the statement has a fifth parameter). */
static int write_head_row(struct uccn_store *st, enum statement which, int64_t id,
	const struct uccn_store_head *head, int64_t n, const char *what) {
	sqlite3_stmt *stmt = use(st, which);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)head->seq);
	sqlite3_bind_blob(stmt, 3, head->hash, UCCN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (int64_t)head->hlc);
	if (sqlite3_bind_parameter_count(stmt) == 5) {
		sqlite3_bind_int64(stmt, 5, n);
	}
	return run(st, stmt, what);
}

/* Reads (id, seq, hash, hlc) from the row stmt has stepped to, and (when n is given) a feed's
 * count of changes, and resets it. */
static void read_head_row(
	sqlite3_stmt *stmt, int64_t *id, struct uccn_store_head *head, int64_t *n) {
	*id = sqlite3_column_int64(stmt, 0);
	head->seq = (uint64_t)sqlite3_column_int64(stmt, 1);
	const void *hash = sqlite3_column_blob(stmt, 2);
	if (hash != NULL && sqlite3_column_bytes(stmt, 2) == UCCN_HASH_BYTES) {
		memcpy(head->hash, hash, UCCN_HASH_BYTES);
	}
	head->hlc = (uint64_t)sqlite3_column_int64(stmt, 3);
	if (n != NULL) {
		*n = sqlite3_column_int64(stmt, 4);
	}
	sqlite3_reset(stmt);
}

static int write_feed(struct uccn_store *st, struct feed_slot *f) {
	if (!f->dirty) {
		return UCCN_OK;
	}
	int err = write_head_row(st, STMT_SET_FEED, f->fid, &f->head, f->n, "moving a feed's head");
	f->dirty = err < 0;
	return err;
}

static int write_head(struct uccn_store *st, struct author_slot *slot) {
	for (size_t i = 0; i < slot->nfeeds; i++) {
		int err = write_feed(st, &slot->feeds[i]);
		if (err < 0) {
			return err;
		}
	}
	if (!slot->dirty) {
		return UCCN_OK;
	}
	int err = write_head_row(
		st, STMT_SET_HEAD, slot->aid, &slot->head, 0, "moving an author's head");
	slot->dirty = err < 0;
	return err;
}

/* The cache slot holding the author, loading it from the authors row (or as unknown: aid 0,
 * head zero) and writing back the slot's previous occupant first. */
static int author_slot(
	struct uccn_store *st, const uint8_t key[UCCN_KEY_BYTES], struct author_slot **out) {
	struct author_slot *slot = cache_slot(st, key);
	*out = slot;
	if (slot->used && memcmp(slot->key, key, UCCN_KEY_BYTES) == 0) {
		return UCCN_OK;
	}
	int err = write_head(st, slot);
	if (err < 0) {
		return err;
	}
	memset(slot, 0, sizeof(*slot));
	sqlite3_stmt *stmt = use(st, STMT_GET_HEAD);
	sqlite3_bind_blob(stmt, 1, key, UCCN_KEY_BYTES, SQLITE_STATIC);
	err = step_row(st, stmt, "reading an author");
	if (err == UCCN_OK) {
		read_head_row(stmt, &slot->aid, &slot->head, NULL);
	} else if (err != UCCN_ENOTFOUND) {
		return err;
	}
	slot->used = true;
	memcpy(slot->key, key, UCCN_KEY_BYTES);
	return UCCN_OK;
}

int uccn_store_get_head(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], struct uccn_store_head *out) {
	struct author_slot *slot;
	int err = author_slot(st, author, &slot);
	if (err < 0) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	*out = slot->head;
	return UCCN_OK;
}

/* The cache entry of the author's feed, loading it from its row (fid 0, head zero when the
 * feed has none yet). The slot's oldest entry makes room when all are taken. */
static int feed_slot(
	struct uccn_store *st, struct author_slot *slot, const char *feed, struct feed_slot **out) {
	for (size_t i = 0; i < slot->nfeeds; i++) {
		if (strcmp(slot->feeds[i].name, feed) == 0) {
			*out = &slot->feeds[i];
			return UCCN_OK;
		}
	}
	int err;
	if (slot->nfeeds == FEEDS_PER_SLOT) {
		if ((err = write_feed(st, &slot->feeds[0])) < 0) {
			return err;
		}
		memmove(&slot->feeds[0], &slot->feeds[1],
			(FEEDS_PER_SLOT - 1) * sizeof(slot->feeds[0]));
		slot->nfeeds--;
	}
	struct feed_slot *f = &slot->feeds[slot->nfeeds];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", feed);
	if (slot->aid != 0) {
		sqlite3_stmt *stmt = use(st, STMT_GET_FEED);
		sqlite3_bind_int64(stmt, 1, slot->aid);
		sqlite3_bind_text(stmt, 2, feed, -1, SQLITE_STATIC);
		err = step_row(st, stmt, "reading a feed");
		if (err == UCCN_OK) {
			read_head_row(stmt, &f->fid, &f->head, &f->n);
		} else if (err != UCCN_ENOTFOUND) {
			return err;
		}
	}
	slot->nfeeds++;
	*out = f;
	return UCCN_OK;
}

int uccn_store_get_feed_head(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const char *feed, struct uccn_store_head *out) {
	memset(out, 0, sizeof(*out));
	struct author_slot *slot;
	struct feed_slot *f;
	int err;
	if ((err = author_slot(st, author, &slot)) < 0 ||
		(err = feed_slot(st, slot, feed, &f)) < 0) {
		return err;
	}
	*out = f->head;
	return UCCN_OK;
}

/* Writes every moved head back to its row; called before anything reads the authors table. */
static int write_heads(struct uccn_store *st) {
	for (int i = 0; i < AUTHOR_CACHE; i++) {
		int err = write_head(st, &st->authors[i]);
		if (err < 0) {
			return err;
		}
	}
	return UCCN_OK;
}

/* A figure over all feeds (statement s: one row, one number), counting the heads this
 * transaction moved: they are written first. */
static int feeds_figure(struct uccn_store *st, enum statement s, const char *what, uint64_t *out) {
	int err = write_heads(st);
	if (err < 0) {
		return err;
	}
	sqlite3_stmt *stmt = use(st, s);
	err = step_row(st, stmt, what);
	if (err == UCCN_OK) {
		*out = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
	}
	return err;
}

int uccn_store_max_hlc(struct uccn_store *st, uint64_t *out) {
	return feeds_figure(st, STMT_MAX_HLC, "reading clocks", out);
}

int uccn_store_get_change(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t seq,
	struct uccn_bytes *out) {
	sqlite3_stmt *stmt = use(st, STMT_GET_CHANGE);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)seq);
	int err = step_row(st, stmt, "reading a change");
	if (err == UCCN_OK) {
		err = copy_blob(stmt, 0, out);
		sqlite3_reset(stmt);
	}
	return err;
}

int uccn_store_get_state(struct uccn_store *st, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, int64_t *rid,
	struct uccn_bytes *state) {
	*rid = 0;
	sqlite3_stmt *stmt = use(st, STMT_GET_STATE);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, owner, UCCN_KEY_BYTES, SQLITE_STATIC);
	int err = step_row(st, stmt, "reading a record");
	if (err == UCCN_OK) {
		*rid = sqlite3_column_int64(stmt, 0);
		err = copy_blob(stmt, 1, state);
		sqlite3_reset(stmt);
	}
	return err;
}

/* Notes a record row just written for the search index, in its transaction: a row written
 * without storing a change, which the index would not find by the change (migration 13). */
static int mark_for_search(struct uccn_store *st, int64_t rid) {
	sqlite3_stmt *stmt = use(st, STMT_FTS_MARK);
	sqlite3_bind_int64(stmt, 1, rid);
	return run(st, stmt, "noting a record for search");
}

int uccn_store_put_change(struct uccn_store *st, const struct uccn_change *c, const char *feed,
	const uint8_t hash[UCCN_HASH_BYTES], int64_t *rid, const uint8_t *state, size_t state_len,
	bool deleted) {
	assert(st->in_tx);
	struct author_slot *slot;
	int err = author_slot(st, c->author, &slot);
	if (err < 0) {
		return err;
	}
	if (slot->aid == 0) {
		sqlite3_stmt *add = use(st, STMT_ADD_AUTHOR);
		sqlite3_bind_blob(add, 1, c->author, UCCN_KEY_BYTES, SQLITE_STATIC);
		if ((err = run(st, add, "adding an author")) < 0) {
			return err;
		}
		slot->aid = sqlite3_last_insert_rowid(st->db);
	}
	struct feed_slot *f;
	if ((err = feed_slot(st, slot, feed, &f)) < 0) {
		return err;
	}
	if (f->fid == 0) {
		sqlite3_stmt *add = use(st, STMT_ADD_FEED);
		sqlite3_bind_int64(add, 1, slot->aid);
		sqlite3_bind_text(add, 2, feed, -1, SQLITE_STATIC);
		if ((err = run(st, add, "adding a feed")) < 0) {
			return err;
		}
		f->fid = sqlite3_last_insert_rowid(st->db);
	}
	sqlite3_stmt *stmt;
	if (*rid == 0) {
		stmt = use(st, STMT_ADD_RECORD);
		sqlite3_bind_text(stmt, 1, c->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 3, c->owner, UCCN_KEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 4, deleted);
		sqlite3_bind_int64(stmt, 5, (int64_t)c->hlc);
		sqlite3_bind_blob(stmt, 6, state, (int)state_len, SQLITE_STATIC);
		if ((err = run(st, stmt, "adding a record")) < 0) {
			return err;
		}
		*rid = sqlite3_last_insert_rowid(st->db);
	} else {
		stmt = use(st, STMT_SET_RECORD);
		sqlite3_bind_int64(stmt, 1, *rid);
		sqlite3_bind_int(stmt, 2, deleted);
		sqlite3_bind_blob(stmt, 3, state, (int)state_len, SQLITE_STATIC);
		if ((err = run(st, stmt, "updating a record")) < 0) {
			return err;
		}
	}
	stmt = use(st, STMT_PUT_CHANGE);
	sqlite3_bind_int64(stmt, 1, slot->aid);
	sqlite3_bind_int64(stmt, 2, (int64_t)c->seq);
	sqlite3_bind_int64(stmt, 3, *rid);
	sqlite3_bind_int64(stmt, 4, (int64_t)c->hlc);
	sqlite3_bind_blob(stmt, 5, c->raw, (int)c->raw_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, f->fid);
	if ((err = run(st, stmt, "storing a change")) < 0) {
		return err;
	}
	f->head.seq = c->seq;
	memcpy(f->head.hash, hash, UCCN_HASH_BYTES);
	f->head.hlc = c->hlc;
	f->n++;
	f->dirty = true;
	if (c->seq < slot->head.seq) {
		return UCCN_OK; /* an older link of another feed: the author's newest stays */
	}
	slot->head.seq = c->seq;
	memcpy(slot->head.hash, hash, UCCN_HASH_BYTES);
	slot->head.hlc = c->hlc;
	slot->dirty = true;
	return UCCN_OK;
}

/* Steps through a query's rows calling each(row) until a non-zero return or the end. */
static int walk(struct uccn_store *st, sqlite3_stmt *stmt, const char *what,
	int (*each)(sqlite3_stmt *stmt, void *ctx), void *ctx) {
	int rc, ret = UCCN_OK;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((ret = each(stmt, ctx)) != 0) {
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		ret = fail(st, rc, what);
	}
	sqlite3_reset(stmt);
	return ret;
}

/* What a walk hands each row to: the caller's function, of the type its walk calls, and data. */
struct fn_walk {
	union {
		uccn_store_blob_fn blob;
		uccn_store_row_fn row;
		uccn_store_match_fn match;
		uccn_store_held_fn held;
		uccn_store_fork_fn fork;
		uccn_store_feed_fn feed;
		uccn_store_link_fn link;
		uccn_store_peer_fn peer;
		uccn_net_session_fn session;
	} fn;
	void *userdata;
};

static int each_blob(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	return w->fn.blob(
		w->userdata, sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0));
}

/* EACH_CHANGE's CROSS JOINs keep its nesting (authors by key, their feeds by name, each feed's
 * changes by seq), whose indexes give the order with nothing to sort: left to itself, the
 * planner of a small file sorts every change. */
int uccn_store_each_change(struct uccn_store *st, uccn_store_blob_fn fn, void *userdata) {
	struct fn_walk w = {.fn.blob = fn, .userdata = userdata};
	return walk(st, use(st, STMT_EACH_CHANGE), "reading changes", each_blob, &w);
}

int uccn_store_each_record_change(struct uccn_store *st, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, uccn_store_blob_fn fn,
	void *userdata) {
	sqlite3_stmt *stmt = use(st, STMT_RECORD_CHANGES);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, owner, UCCN_KEY_BYTES, SQLITE_STATIC);
	struct fn_walk w = {.fn.blob = fn, .userdata = userdata};
	return walk(st, stmt, "reading a record's history", each_blob, &w);
}

int uccn_store_count_changes(struct uccn_store *st, uint64_t *out) {
	return feeds_figure(st, STMT_COUNT_CHANGES, "counting changes", out);
}

/* The record row of a statement whose first columns are kind, owner, id, deleted, state. */
static int read_row(sqlite3_stmt *stmt, struct uccn_store_row *row) {
	*row = (struct uccn_store_row){
		.kind = (const char *)sqlite3_column_text(stmt, 0),
		.owner = sqlite3_column_blob(stmt, 1),
		.id = (const char *)sqlite3_column_text(stmt, 2),
		.deleted = sqlite3_column_int(stmt, 3) != 0,
		.state = sqlite3_column_blob(stmt, 4),
		.state_len = (size_t)sqlite3_column_bytes(stmt, 4),
	};
	if (row->kind == NULL || row->id == NULL || row->owner == NULL ||
		sqlite3_column_bytes(stmt, 1) != UCCN_KEY_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (a record row is incomplete)");
		return UCCN_ECORRUPT;
	}
	return UCCN_OK;
}

static int each_row(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_store_row row;
	int err = read_row(stmt, &row);
	return err < 0 ? err : w->fn.row(w->userdata, &row);
}

int uccn_store_each_record(struct uccn_store *st, const char *kind, bool with_deleted,
	uccn_store_row_fn fn, void *userdata) {
	/* One kind has its own statement: "?1 IS NULL OR kind = ?1" would keep the planner from
	 * the index on kind, and a kind of three records would read every record to find them. */
	sqlite3_stmt *stmt = use(st, kind != NULL ? STMT_EACH_RECORD_OF : STMT_EACH_RECORD);
	if (kind != NULL) {
		sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(stmt, 2, with_deleted);
	struct fn_walk w = {.fn.row = fn, .userdata = userdata};
	return walk(st, stmt, "reading records", each_row, &w);
}

struct fts_walk {
	uccn_store_fts_row_fn fn;
	void *userdata;
	size_t given;
	bool by_change; /* FTS_NEW's rows, which end with their change's number */
	int64_t upto;   /* the last change whose record was given; 0: none */
};

static int each_fts_row(sqlite3_stmt *stmt, void *ctx) {
	struct fts_walk *w = ctx;
	struct uccn_store_row row;
	int err = read_row(stmt, &row);
	if (err < 0) {
		return err;
	}
	w->given++;
	if (w->by_change) {
		w->upto = sqlite3_column_int64(stmt, 6);
	}
	return w->fn(w->userdata, sqlite3_column_int64(stmt, 5), &row);
}

int uccn_store_fts_dirty(
	struct uccn_store *st, size_t max, uccn_store_fts_row_fn fn, void *userdata) {
	assert(st->in_tx);
	struct fts_walk w = {.fn = fn, .userdata = userdata};
	sqlite3_stmt *stmt = use(st, STMT_FTS_DIRTY);
	sqlite3_bind_int64(stmt, 1, (int64_t)max);
	int err = walk(st, stmt, "reading records to index", each_fts_row, &w);
	if (err == UCCN_OK && w.given < max) {
		stmt = use(st, STMT_FTS_NEW);
		sqlite3_bind_int64(stmt, 1, (int64_t)(max - w.given));
		w.by_change = true;
		err = walk(st, stmt, "reading records to index", each_fts_row, &w);
	}
	if (err == UCCN_OK && w.upto > 0) {
		stmt = use(st, STMT_FTS_PASS);
		sqlite3_bind_int64(stmt, 1, w.upto);
		err = run(st, stmt, "indexing records");
	}
	return err;
}

int uccn_store_fts_set(struct uccn_store *st, int64_t rid, const char *text, size_t len) {
	sqlite3_stmt *stmt = use(st, STMT_FTS_DROP);
	sqlite3_bind_int64(stmt, 1, rid);
	int err = run(st, stmt, "indexing a record");
	if (err == UCCN_OK && text != NULL && len > 0) {
		stmt = use(st, STMT_FTS_ADD);
		sqlite3_bind_int64(stmt, 1, rid);
		sqlite3_bind_text(stmt, 2, text, (int)len, SQLITE_STATIC);
		err = run(st, stmt, "indexing a record");
	}
	if (err == UCCN_OK) {
		stmt = use(st, STMT_FTS_CLEAN);
		sqlite3_bind_int64(stmt, 1, rid);
		err = run(st, stmt, "indexing a record");
	}
	return err;
}

static int each_match(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	const char *kind = (const char *)sqlite3_column_text(stmt, 0);
	const uint8_t *owner = sqlite3_column_blob(stmt, 1);
	const char *id = (const char *)sqlite3_column_text(stmt, 2);
	const char *snippet = (const char *)sqlite3_column_text(stmt, 3);
	if (kind == NULL || id == NULL || owner == NULL ||
		sqlite3_column_bytes(stmt, 1) != UCCN_KEY_BYTES) {
		return UCCN_ECORRUPT;
	}
	return w->fn.match(w->userdata, kind, owner, id, snippet != NULL ? snippet : "");
}

int uccn_store_fts_search(struct uccn_store *st, const char *match, const char *kind, size_t max,
	uccn_store_match_fn fn, void *userdata) {
	sqlite3_stmt *stmt = use(st, STMT_FTS_SEARCH);
	sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
	if (kind != NULL) {
		sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(stmt, 2);
	}
	sqlite3_bind_int64(stmt, 3, (int64_t)max);
	struct fn_walk w = {.fn.match = fn, .userdata = userdata};
	return walk(st, stmt, "searching", each_match, &w);
}

int uccn_store_find_records(struct uccn_store *st, const char *kind, const char *id,
	uccn_store_row_fn fn, void *userdata) {
	sqlite3_stmt *stmt = use(st, STMT_FIND_RECORDS);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
	struct fn_walk w = {.fn.row = fn, .userdata = userdata};
	return walk(st, stmt, "finding a record", each_row, &w);
}

int uccn_store_hold(struct uccn_store *st, const struct uccn_change *c,
	const uint8_t hash[UCCN_HASH_BYTES], int err, const char *why, uint64_t now_ms) {
	return uccn_store_hold_waiting(st, c, hash, err, why, NULL, now_ms);
}

int uccn_store_hold_waiting(struct uccn_store *st, const struct uccn_change *c,
	const uint8_t hash[UCCN_HASH_BYTES], int err, const char *why,
	const uint8_t waits[UCCN_HASH_BYTES], uint64_t now_ms) {
	sqlite3_stmt *stmt = use(st, STMT_HOLD);
	sqlite3_bind_blob(stmt, 1, hash, UCCN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, c->author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)c->seq);
	sqlite3_bind_int(stmt, 4, err);
	sqlite3_bind_text(stmt, 5, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, (int64_t)now_ms);
	sqlite3_bind_blob(stmt, 7, c->raw, (int)c->raw_len, SQLITE_STATIC);
	if (c->has_prev) {
		sqlite3_bind_blob(stmt, 8, c->prev, UCCN_HASH_BYTES, SQLITE_STATIC);
	} else {
		sqlite3_bind_zeroblob(stmt, 8, UCCN_HASH_BYTES);
	}
	if (waits != NULL) {
		sqlite3_bind_blob(stmt, 9, waits, UCCN_HASH_BYTES, SQLITE_STATIC);
	}
	int err2 = run(st, stmt, "holding a change");
	if (err2 == UCCN_OK && st->held >= 0) {
		st->held += sqlite3_changes(st->db);
	}
	return err2;
}

/* Reads the count of held rows once; it is kept up to date after that. */
static int know_held(struct uccn_store *st) {
	if (st->held >= 0) {
		return UCCN_OK;
	}
	sqlite3_stmt *count = use(st, STMT_COUNT_HELD);
	int err = step_row(st, count, "counting held changes");
	if (err < 0) {
		return err;
	}
	st->held = sqlite3_column_int64(count, 0);
	sqlite3_reset(count);
	return UCCN_OK;
}

int uccn_store_count_held(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out) {
	*out = 0;
	int err = know_held(st);
	if (err < 0 || st->held == 0 || author == NULL) {
		*out = err < 0 ? 0 : (uint64_t)st->held;
		return err;
	}
	sqlite3_stmt *stmt = use(st, STMT_COUNT_HELD_BY);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	if ((err = step_row(st, stmt, "counting held changes")) == UCCN_OK) {
		*out = (uint64_t)sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	return err;
}

int uccn_store_is_held(struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES], bool *out) {
	*out = false;
	int err = know_held(st);
	if (err < 0 || st->held == 0) {
		return err;
	}
	sqlite3_stmt *stmt = use(st, STMT_IS_HELD);
	sqlite3_bind_blob(stmt, 1, hash, UCCN_HASH_BYTES, SQLITE_STATIC);
	err = step_row(st, stmt, "looking for a held change");
	sqlite3_reset(stmt);
	if (err == UCCN_ENOTFOUND) {
		return UCCN_OK;
	}
	*out = err == UCCN_OK;
	return err;
}

uint64_t uccn_store_held_reads(const struct uccn_store *st) {
	return st->held_read;
}

int uccn_store_pop_held(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const uint8_t prev[UCCN_HASH_BYTES], struct uccn_bytes *out) {
	int err0 = know_held(st);
	if (err0 < 0) {
		return err0;
	}
	if (st->held == 0) {
		return UCCN_ENOTFOUND;
	}
	sqlite3_stmt *stmt = use(st, STMT_FIRST_HELD);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, prev, UCCN_HASH_BYTES, SQLITE_STATIC);
	int err = step_row(st, stmt, "reading held changes");
	if (err < 0) {
		return err;
	}
	int64_t hid = sqlite3_column_int64(stmt, 0);
	st->held_read++;
	err = copy_blob(stmt, 1, out);
	sqlite3_reset(stmt);
	if (err < 0) {
		return err;
	}
	stmt = use(st, STMT_DROP_HELD);
	sqlite3_bind_int64(stmt, 1, hid);
	if ((err = run(st, stmt, "releasing a held change")) == UCCN_OK) {
		st->held--;
	}
	return err;
}

int uccn_store_set_held_due(
	struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES], uint64_t due_ms) {
	sqlite3_stmt *stmt = use(st, STMT_SET_HELD_DUE);
	sqlite3_bind_blob(stmt, 1, hash, UCCN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)due_ms);
	return run(st, stmt, "dating a held change");
}

static int each_held(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_store_held h = {
		.author = sqlite3_column_blob(stmt, 0),
		.seq = (uint64_t)sqlite3_column_int64(stmt, 1),
		.err = sqlite3_column_int(stmt, 2),
		.why = (const char *)sqlite3_column_text(stmt, 3),
		.since_ms = (uint64_t)sqlite3_column_int64(stmt, 4),
		.data = sqlite3_column_blob(stmt, 5),
		.len = (size_t)sqlite3_column_bytes(stmt, 5),
	};
	if (h.author == NULL || sqlite3_column_bytes(stmt, 0) != UCCN_KEY_BYTES || h.why == NULL) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (a held row is incomplete)");
		return UCCN_ECORRUPT;
	}
	return w->fn.held(w->userdata, &h);
}

int uccn_store_each_held(struct uccn_store *st, uccn_store_held_fn fn, void *userdata) {
	struct fn_walk w = {.fn.held = fn, .userdata = userdata};
	return walk(st, use(st, STMT_EACH_HELD), "reading held changes", each_held, &w);
}

int uccn_store_add_fork(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t seq,
	const uint8_t hash[UCCN_HASH_BYTES], const uint8_t *data, size_t len) {
	sqlite3_stmt *stmt = use(st, STMT_ADD_FORK);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)seq);
	sqlite3_bind_blob(stmt, 3, hash, UCCN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, data, (int)len, SQLITE_STATIC);
	return run(st, stmt, "keeping a fork");
}

static int each_fork(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_store_fork f = {
		.author = sqlite3_column_blob(stmt, 0),
		.seq = (uint64_t)sqlite3_column_int64(stmt, 1),
		.hash = sqlite3_column_blob(stmt, 2),
		.data = sqlite3_column_blob(stmt, 3),
		.len = (size_t)sqlite3_column_bytes(stmt, 3),
	};
	if (f.author == NULL || f.hash == NULL || sqlite3_column_bytes(stmt, 0) != UCCN_KEY_BYTES ||
		sqlite3_column_bytes(stmt, 2) != UCCN_HASH_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (a fork row is incomplete)");
		return UCCN_ECORRUPT;
	}
	return w->fn.fork(w->userdata, &f);
}

int uccn_store_each_fork(struct uccn_store *st, uccn_store_fork_fn fn, void *userdata) {
	struct fn_walk w = {.fn.fork = fn, .userdata = userdata};
	return walk(st, use(st, STMT_EACH_FORK), "reading forks", each_fork, &w);
}

int uccn_store_check_integrity(struct uccn_store *st) {
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA integrity_check(1)", -1, &stmt, NULL);
	int err = UCCN_OK;
	if (rc != SQLITE_OK) {
		return fail(st, rc, "integrity check");
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		err = fail(st, rc, "integrity check");
	} else {
		const char *res = (const char *)sqlite3_column_text(stmt, 0);
		if (res == NULL || strcmp(res, "ok") != 0) {
			uccn_log(UCCN_LOG_ERROR, "the database is damaged (%s)", res ? res : "?");
			err = UCCN_ECORRUPT;
		}
	}
	sqlite3_finalize(stmt);
	return err;
}

int uccn_store_each_author_change(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	uint64_t from_seq, uccn_store_blob_fn fn, void *userdata) {
	sqlite3_stmt *stmt = use(st, STMT_AUTHOR_CHANGES);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)from_seq);
	struct fn_walk w = {.fn.blob = fn, .userdata = userdata};
	return walk(st, stmt, "reading a chain", each_blob, &w);
}

struct rid_list {
	int64_t *rids;
	size_t n, cap;
};

static int collect_rid(sqlite3_stmt *stmt, void *ctx) {
	struct rid_list *l = ctx;
	int64_t rid = sqlite3_column_int64(stmt, 0);
	for (size_t i = 0; i < l->n; i++) {
		if (l->rids[i] == rid) {
			return 0;
		}
	}
	if (l->n == l->cap) {
		int64_t *r = uccn_alloc_grow(l->rids, &l->cap, 16, sizeof(*r));
		if (r == NULL) {
			return UCCN_ENOMEM;
		}
		l->rids = r;
	}
	l->rids[l->n++] = rid;
	return 0;
}

/* Statements for rare work (an upgrade's purge): prepared when used, not kept. */
static int run_once(struct uccn_store *st, const char *sql, const uint8_t *blob, size_t blob_len,
	const char *text, int64_t num, int (*each)(sqlite3_stmt *stmt, void *ctx), void *ctx,
	const char *what) {
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		return fail(st, rc, what);
	}
	if (blob != NULL) {
		sqlite3_bind_blob(stmt, 1, blob, (int)blob_len, SQLITE_STATIC);
	}
	if (text != NULL) {
		sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	}
	if (sqlite3_bind_parameter_count(stmt) >= 3) {
		sqlite3_bind_int64(stmt, 3, num);
	}
	int err;
	if (each != NULL) {
		err = walk(st, stmt, what, each, ctx);
	} else {
		err = run(st, stmt, what);
	}
	sqlite3_finalize(stmt);
	return err;
}

static int each_marked_feed(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	const uint8_t *key = sqlite3_column_blob(stmt, 0);
	const char *name = (const char *)sqlite3_column_text(stmt, 1);
	if (key == NULL || sqlite3_column_bytes(stmt, 0) != UCCN_KEY_BYTES || name == NULL) {
		return 0;
	}
	return w->fn.feed(w->userdata, key, name, (uint64_t)sqlite3_column_int64(stmt, 2));
}

int uccn_store_each_secretariat_feed(struct uccn_store *st, uccn_store_feed_fn fn, void *userdata) {
	int err = write_heads(st);
	if (err < 0) {
		return err;
	}
	struct fn_walk w = {.fn.feed = fn, .userdata = userdata};
	return run_once(st,
		"SELECT a.key, f.name, f.head_seq FROM feeds f JOIN authors a ON a.aid = f.aid"
		" WHERE instr(f.name, '@') > 0 ORDER BY a.key, f.name",
		NULL, 0, NULL, 0, each_marked_feed, &w, "reading feeds");
}

int uccn_store_purge_feed(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const char *feed, int64_t **rids, size_t *count) {
	assert(st->in_tx);
	*rids = NULL;
	*count = 0;
	/* Heads go to their rows first, then the cache forgets them: the feed's row is deleted
	 * under it. */
	int err = write_heads(st);
	if (err < 0) {
		return err;
	}
	forget_cache(st);
	struct rid_list l = {0};
	static const char feed_of[] = "(SELECT f.fid FROM feeds f JOIN authors a ON a.aid = f.aid"
				      " WHERE a.key = ?1 AND f.name = ?2)";
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT DISTINCT rid FROM changes WHERE fid = %s", feed_of);
	err = run_once(st, sql, author, UCCN_KEY_BYTES, feed, 0, collect_rid, &l, "purging a feed");
	if (err == UCCN_OK) {
		snprintf(sql, sizeof(sql), "DELETE FROM changes WHERE fid = %s", feed_of);
		err = run_once(
			st, sql, author, UCCN_KEY_BYTES, feed, 0, NULL, NULL, "purging a feed");
	}
	/* The next change stored takes the number after the highest left, which may be one the
	 * search index has passed: the index comes back to it (migration 13). */
	if (err == UCCN_OK) {
		err = run_once(st,
			"UPDATE fts_done SET upto = min(upto, (SELECT coalesce(max(rowid), 0) FROM "
			"changes))",
			NULL, 0, NULL, 0, NULL, NULL, "purging a feed");
	}
	if (err == UCCN_OK) {
		snprintf(sql, sizeof(sql), "DELETE FROM feeds WHERE fid = %s", feed_of);
		err = run_once(
			st, sql, author, UCCN_KEY_BYTES, feed, 0, NULL, NULL, "purging a feed");
	}
	/* The author's head is its last change: the highest head of its feeds left. */
	if (err == UCCN_OK) {
		err = run_once(st,
			"UPDATE authors SET (head_seq, head_hash, head_hlc) = (SELECT f.head_seq,"
			" f.head_hash, f.head_hlc FROM feeds f WHERE f.aid = authors.aid"
			" UNION ALL SELECT 0, NULL, 0 ORDER BY 1 DESC LIMIT 1) WHERE key = ?1",
			author, UCCN_KEY_BYTES, NULL, 0, NULL, NULL, "moving an author's head");
	}
	/* A record no change speaks for any more goes with them; the others are rebuilt by the
	 * caller from what is left. */
	size_t kept = 0;
	for (size_t i = 0; i < l.n && err == UCCN_OK; i++) {
		err = run_once(st,
			"DELETE FROM records WHERE rid = ?3"
			" AND NOT EXISTS (SELECT 1 FROM changes WHERE rid = ?3)",
			NULL, 0, NULL, l.rids[i], NULL, NULL, "purging a record");
		if (err == UCCN_OK && sqlite3_changes(st->db) == 0) {
			l.rids[kept++] = l.rids[i];
		}
	}
	if (err < 0) {
		uccn_alloc_free(l.rids);
		return err;
	}
	*rids = l.rids;
	*count = kept;
	return UCCN_OK;
}

int uccn_store_drop_kept(struct uccn_store *st, const uint8_t hash[UCCN_HASH_BYTES]) {
	assert(st->in_tx);
	st->held = -1;
	int err = run_once(st, "DELETE FROM held WHERE hash = ?1", hash, UCCN_HASH_BYTES, NULL, 0,
		NULL, NULL, "dropping a held change");
	if (err == UCCN_OK) {
		err = run_once(st, "DELETE FROM forks WHERE hash = ?1", hash, UCCN_HASH_BYTES, NULL,
			0, NULL, NULL, "dropping a fork");
	}
	return err;
}

int uccn_store_set_cutoff(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	uint64_t cutoff, int64_t **rids, size_t *count) {
	assert(st->in_tx);
	struct rid_list l = {0};
	int64_t cut = cutoff > INT64_MAX ? INT64_MAX : (int64_t)cutoff;
	sqlite3_stmt *stmt = use(st, STMT_REVOKE_AFTER);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, cut);
	int err = walk(st, stmt, "revoking changes", collect_rid, &l);
	if (err == UCCN_OK) {
		stmt = use(st, STMT_UNREVOKE_UPTO);
		sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, cut);
		err = walk(st, stmt, "restoring changes", collect_rid, &l);
	}
	if (err < 0) {
		uccn_alloc_free(l.rids);
		return err;
	}
	*rids = l.rids;
	*count = l.n;
	return UCCN_OK;
}

int uccn_store_each_live_change(
	struct uccn_store *st, int64_t rid, uccn_store_blob_fn fn, void *userdata) {
	sqlite3_stmt *stmt = use(st, STMT_LIVE_CHANGES);
	sqlite3_bind_int64(stmt, 1, rid);
	struct fn_walk w = {.fn.blob = fn, .userdata = userdata};
	return walk(st, stmt, "reading a record's changes", each_blob, &w);
}

int uccn_store_set_state(
	struct uccn_store *st, int64_t rid, const uint8_t *state, size_t len, bool deleted) {
	sqlite3_stmt *stmt = use(st, STMT_SET_STATE);
	sqlite3_bind_int64(stmt, 1, rid);
	sqlite3_bind_int(stmt, 2, deleted);
	sqlite3_bind_blob(stmt, 3, state, (int)len, SQLITE_STATIC);
	int err = run(st, stmt, "rewriting a record");
	return err < 0 ? err : mark_for_search(st, rid);
}

struct held_copy {
	struct uccn_store *st;
	struct uccn_bytes *items;
	size_t n, cap;
};

static int copy_held(sqlite3_stmt *stmt, void *ctx) {
	struct held_copy *h = ctx;
	if (h->n == h->cap) {
		struct uccn_bytes *items = uccn_alloc_grow(h->items, &h->cap, 8, sizeof(*items));
		if (items == NULL) {
			return UCCN_ENOMEM;
		}
		h->items = items;
	}
	struct uccn_bytes *b = &h->items[h->n];
	memset(b, 0, sizeof(*b));
	h->n++;
	h->st->held_read++;
	return copy_blob(stmt, 0, b);
}

/* Hands over the rows sel reads, then removes them with del (both bound by the caller). */
static int take_rows(struct uccn_store *st, sqlite3_stmt *sel, sqlite3_stmt *del,
	struct uccn_bytes **out, size_t *count) {
	struct held_copy h = {st, NULL, 0, 0};
	int err = walk(st, sel, "reading held changes", copy_held, &h);
	if (err == UCCN_OK && h.n > 0) {
		err = run(st, del, "releasing held changes");
		if (err == UCCN_OK && st->held > 0) {
			st->held -= sqlite3_changes(st->db);
		}
	}
	if (err < 0) {
		for (size_t i = 0; i < h.n; i++) {
			uccn_bytes_finish(&h.items[i]);
		}
		uccn_alloc_free(h.items);
		return err;
	}
	*out = h.items;
	*count = h.n;
	return UCCN_OK;
}

int uccn_store_take_held(
	struct uccn_store *st, int err_code, struct uccn_bytes **out, size_t *count) {
	assert(st->in_tx);
	*out = NULL;
	*count = 0;
	if (st->held == 0) {
		return UCCN_OK;
	}
	sqlite3_stmt *sel = use(st, STMT_HELD_BY_ERR);
	sqlite3_bind_int(sel, 1, err_code);
	sqlite3_stmt *del = use(st, STMT_DROP_HELD_BY_ERR);
	sqlite3_bind_int(del, 1, err_code);
	return take_rows(st, sel, del, out, count);
}

int uccn_store_take_waiting(struct uccn_store *st, const uint8_t waits[UCCN_HASH_BYTES],
	struct uccn_bytes **out, size_t *count) {
	assert(st->in_tx);
	*out = NULL;
	*count = 0;
	int err = know_held(st);
	if (err < 0 || st->held == 0) {
		return err;
	}
	sqlite3_stmt *sel = use(st, STMT_HELD_WAITING);
	sqlite3_bind_blob(sel, 1, waits, UCCN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_stmt *del = use(st, STMT_DROP_HELD_WAITING);
	sqlite3_bind_blob(del, 1, waits, UCCN_HASH_BYTES, SQLITE_STATIC);
	return take_rows(st, sel, del, out, count);
}

int uccn_store_next_due(struct uccn_store *st, uint64_t *due_ms) {
	*due_ms = 0;
	int err = know_held(st);
	if (err < 0 || st->held == 0) {
		return err; /* the common case: no query at all */
	}
	sqlite3_stmt *stmt = use(st, STMT_NEXT_DUE);
	if ((err = step_row(st, stmt, "reading held changes")) == UCCN_OK) {
		*due_ms = (uint64_t)sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	return err;
}

int uccn_store_take_due(
	struct uccn_store *st, uint64_t wall_ms, struct uccn_bytes **out, size_t *count) {
	assert(st->in_tx);
	*out = NULL;
	*count = 0;
	int err = know_held(st);
	if (err < 0 || st->held == 0) {
		return err;
	}
	sqlite3_stmt *sel = use(st, STMT_DUE_HELD);
	sqlite3_bind_int64(sel, 1, (int64_t)wall_ms);
	sqlite3_stmt *del = use(st, STMT_DROP_DUE_HELD);
	sqlite3_bind_int64(del, 1, (int64_t)wall_ms);
	return take_rows(st, sel, del, out, count);
}

static int collect_key(sqlite3_stmt *stmt, void *ctx) {
	struct uccn_bytes *keys = ctx;
	if (sqlite3_column_bytes(stmt, 0) != UCCN_KEY_BYTES) {
		return 0;
	}
	return uccn_bytes_append(keys, sqlite3_column_blob(stmt, 0), UCCN_KEY_BYTES);
}

int uccn_store_revoked_authors(struct uccn_store *st, struct uccn_bytes *keys) {
	keys->len = 0;
	return walk(
		st, use(st, STMT_REVOKED_AUTHORS), "reading revoked changes", collect_key, keys);
}

static int each_feed_row(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	if (sqlite3_column_bytes(stmt, 0) != UCCN_KEY_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (an author row has no key)");
		return UCCN_ECORRUPT;
	}
	return w->fn.feed(w->userdata, sqlite3_column_blob(stmt, 0),
		(const char *)sqlite3_column_text(stmt, 1),
		(uint64_t)sqlite3_column_int64(stmt, 2));
}

int uccn_store_each_feed_head(
	struct uccn_store *st, const uint8_t *first, uccn_store_feed_fn fn, void *userdata) {
	/* Outside a transaction this is where a loop looks first (what to send, what changed):
	 * what it finds must not be read through a stale cache afterwards. */
	int err = uccn_store_refresh(st);
	if (err == UCCN_OK) {
		err = write_heads(st);
	}
	if (err < 0) {
		return err;
	}
	struct fn_walk w = {.fn.feed = fn, .userdata = userdata};
	sqlite3_stmt *stmt = use(st, STMT_EACH_FEED);
	if (first != NULL) {
		sqlite3_bind_blob(stmt, 1, first, UCCN_KEY_BYTES, SQLITE_STATIC);
	}
	return walk(st, stmt, "reading feeds", each_feed_row, &w);
}

/* The feed's row id, 0 when the store has no change in it. */
static int feed_id(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], const char *feed,
	int64_t *fid) {
	struct author_slot *slot;
	struct feed_slot *f;
	int err;
	*fid = 0;
	if ((err = author_slot(st, author, &slot)) < 0 ||
		(err = feed_slot(st, slot, feed, &f)) < 0) {
		return err;
	}
	*fid = f->fid;
	return UCCN_OK;
}

static int each_link(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	return w->fn.link(w->userdata, (uint64_t)sqlite3_column_int64(stmt, 0),
		sqlite3_column_blob(stmt, 1), (size_t)sqlite3_column_bytes(stmt, 1));
}

int uccn_store_each_feed_change(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const char *feed, uint64_t after_seq, uccn_store_link_fn fn, void *userdata) {
	int64_t fid;
	int err = feed_id(st, author, feed, &fid);
	if (err < 0 || fid == 0) {
		return err;
	}
	sqlite3_stmt *stmt = use(st, STMT_FEED_CHANGES);
	sqlite3_bind_int64(stmt, 1, fid);
	sqlite3_bind_int64(stmt, 2, after_seq > INT64_MAX ? INT64_MAX : (int64_t)after_seq);
	struct fn_walk w = {.fn.link = fn, .userdata = userdata};
	return walk(st, stmt, "reading a feed", each_link, &w);
}

static int count_query(struct uccn_store *st, sqlite3_stmt *stmt, uint64_t *out) {
	int err = step_row(st, stmt, "counting changes");
	if (err == UCCN_OK) {
		*out = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
	}
	return err;
}

int uccn_store_count_feed(struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES],
	const char *feed, uint64_t upto_seq, uint64_t *out) {
	struct author_slot *slot;
	struct feed_slot *f;
	*out = 0;
	int err;
	if ((err = author_slot(st, author, &slot)) < 0 ||
		(err = feed_slot(st, slot, feed, &f)) < 0 || f->fid == 0) {
		return err;
	}
	/* The feed's count less what lies beyond upto_seq: a peer asks about a head near ours,
	 * so what is read is what it lacks, never the whole feed. */
	uint64_t after = 0;
	if (upto_seq < f->head.seq) {
		sqlite3_stmt *stmt = use(st, STMT_COUNT_FEED_AFTER);
		sqlite3_bind_int64(stmt, 1, f->fid);
		sqlite3_bind_int64(stmt, 2, (int64_t)upto_seq);
		if ((err = count_query(st, stmt, &after)) < 0) {
			return err;
		}
	}
	*out = (uint64_t)f->n > after ? (uint64_t)f->n - after : 0;
	return UCCN_OK;
}

int uccn_store_count_by(
	struct uccn_store *st, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out) {
	int err = write_heads(st); /* the counts of feeds moved in this transaction */
	if (err < 0) {
		return err;
	}
	sqlite3_stmt *stmt = use(st, STMT_COUNT_BY);
	sqlite3_bind_blob(stmt, 1, author, UCCN_KEY_BYTES, SQLITE_STATIC);
	return count_query(st, stmt, out);
}

int uccn_store_put_peer(
	struct uccn_store *st, const char *url, const uint8_t *pin, const char *kinds) {
	sqlite3_stmt *stmt = use(st, STMT_PUT_PEER);
	sqlite3_bind_text(stmt, 1, url, -1, SQLITE_STATIC);
	if (pin != NULL) {
		sqlite3_bind_blob(stmt, 2, pin, UCCN_KEY_BYTES, SQLITE_STATIC);
	}
	sqlite3_bind_text(stmt, 3, kinds != NULL ? kinds : "", -1, SQLITE_STATIC);
	return run(st, stmt, "remembering a peer");
}

int uccn_store_drop_peer(struct uccn_store *st, const char *url) {
	sqlite3_stmt *stmt = use(st, STMT_DROP_PEER);
	sqlite3_bind_text(stmt, 1, url, -1, SQLITE_STATIC);
	int err = run(st, stmt, "forgetting a peer");
	return err == UCCN_OK && sqlite3_changes(st->db) == 0 ? UCCN_ENOTFOUND : err;
}

static void copy_text(sqlite3_stmt *stmt, int col, char *out, size_t cap) {
	const unsigned char *t = sqlite3_column_text(stmt, col);
	snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static int each_peer_row(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_store_peer p;
	memset(&p, 0, sizeof(p));
	copy_text(stmt, 0, p.url, sizeof(p.url));
	if (sqlite3_column_bytes(stmt, 1) == UCCN_KEY_BYTES) {
		p.pinned = true;
		memcpy(p.pin, sqlite3_column_blob(stmt, 1), UCCN_KEY_BYTES);
	}
	copy_text(stmt, 2, p.kinds, sizeof(p.kinds));
	p.connected = sqlite3_column_int(stmt, 3) != 0;
	if (sqlite3_column_bytes(stmt, 4) == UCCN_KEY_BYTES) {
		p.key_known = true;
		memcpy(p.key, sqlite3_column_blob(stmt, 4), UCCN_KEY_BYTES);
	}
	p.last_contact_ms = (uint64_t)sqlite3_column_int64(stmt, 5);
	p.ours = (uint64_t)sqlite3_column_int64(stmt, 6);
	p.theirs = (uint64_t)sqlite3_column_int64(stmt, 7);
	copy_text(stmt, 8, p.last_error, sizeof(p.last_error));
	return w->fn.peer(w->userdata, &p);
}

int uccn_store_each_peer(struct uccn_store *st, uccn_store_peer_fn fn, void *userdata) {
	struct fn_walk w = {.fn.peer = fn, .userdata = userdata};
	return walk(st, use(st, STMT_EACH_PEER), "reading peers", each_peer_row, &w);
}

int uccn_store_note_peer(struct uccn_store *st, const struct uccn_store_peer *p) {
	sqlite3_stmt *stmt = use(st, STMT_NOTE_PEER);
	sqlite3_bind_text(stmt, 1, p->url, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, p->connected);
	if (p->key_known) {
		sqlite3_bind_blob(stmt, 3, p->key, UCCN_KEY_BYTES, SQLITE_STATIC);
	}
	sqlite3_bind_int64(stmt, 4, (int64_t)p->last_contact_ms);
	sqlite3_bind_int64(stmt, 5, (int64_t)p->ours);
	sqlite3_bind_int64(stmt, 6, (int64_t)p->theirs);
	sqlite3_bind_text(stmt, 7, p->last_error, -1, SQLITE_STATIC);
	int err = run(st, stmt, "noting a peer");
	return err == UCCN_OK && sqlite3_changes(st->db) == 0 ? UCCN_ENOTFOUND : err;
}

/* The row's name: the key in hex, or the address for a peer that proved none. */
static void session_peer(const struct uccn_net_session *s, char *out, size_t cap) {
	if (!s->key_known) {
		snprintf(out, cap, "%s", s->address);
		return;
	}
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < UCCN_KEY_BYTES && 2 * i + 2 < cap; i++) {
		out[2 * i] = digits[s->key[i] >> 4];
		out[2 * i + 1] = digits[s->key[i] & 15];
		out[2 * i + 2] = '\0';
	}
}

/* An ended session goes to the log too, which keeps the last UCCN_NET_HISTORY_MAX. */
static int log_session(struct uccn_store *st, const struct uccn_net_session *s) {
	sqlite3_stmt *stmt = use(st, STMT_LOG_SESSION);
	if (s->key_known) {
		sqlite3_bind_blob(stmt, 1, s->key, UCCN_KEY_BYTES, SQLITE_STATIC);
	}
	sqlite3_bind_text(stmt, 2, s->address, -1, SQLITE_STATIC);
	const struct uccn_net_stats *x = &s->stats;
	const int64_t values[] = {s->incoming, (int64_t)s->started_ms, (int64_t)s->ended_ms,
		(int64_t)x->sent, (int64_t)x->received, (int64_t)x->applied, (int64_t)x->held,
		(int64_t)x->refused, (int64_t)x->held_there, s->err};
	for (int i = 0; i < (int)(sizeof(values) / sizeof(values[0])); i++) {
		sqlite3_bind_int64(stmt, 3 + i, values[i]);
	}
	sqlite3_bind_text(stmt, 13, s->error, -1, SQLITE_STATIC);
	int err = run(st, stmt, "logging a session");
	if (err == UCCN_OK) {
		stmt = use(st, STMT_TRIM_LOG);
		sqlite3_bind_int64(stmt, 1, UCCN_NET_HISTORY_MAX);
		err = run(st, stmt, "forgetting old sessions");
	}
	return err;
}

int uccn_store_note_session(struct uccn_store *st, const struct uccn_net_session *s) {
	char peer[UCCN_URL_MAX + 1];
	session_peer(s, peer, sizeof(peer));
	sqlite3_stmt *stmt = use(st, STMT_NOTE_SESSION);
	const struct uccn_net_stats *x = &s->stats;
	sqlite3_bind_text(stmt, 1, peer, -1, SQLITE_TRANSIENT);
	if (s->key_known) {
		sqlite3_bind_blob(stmt, 2, s->key, UCCN_KEY_BYTES, SQLITE_STATIC);
	}
	sqlite3_bind_text(stmt, 3, s->address, -1, SQLITE_STATIC);
	const int64_t values[] = {s->incoming, s->live, (int64_t)s->started_ms,
		(int64_t)s->ended_ms, (int64_t)s->ok_ms, (int64_t)s->seen_ms, (int64_t)s->sessions, (int64_t)s->failures,
		(int64_t)x->sent, (int64_t)x->received, (int64_t)x->applied, (int64_t)x->duplicate,
		(int64_t)x->held, (int64_t)x->refused, (int64_t)x->dropped, (int64_t)x->held_there,
		s->err};
	for (int i = 0; i < (int)(sizeof(values) / sizeof(values[0])); i++) {
		sqlite3_bind_int64(stmt, 4 + i, values[i]);
	}
	sqlite3_bind_text(stmt, 21, s->error, -1, SQLITE_STATIC);
	int err = run(st, stmt, "noting a session");
	if (err == UCCN_OK) {
		stmt = use(st, STMT_TRIM_SESSIONS);
		sqlite3_bind_int64(stmt, 1, UCCN_NET_SESSIONS_MAX);
		err = run(st, stmt, "forgetting old sessions");
	}
	if (err == UCCN_OK && s->sessions > 0) {
		err = log_session(st, s);
	}
	return err;
}

/* A session row's first three columns, the same in both tables: key, address, incoming. */
static void read_session_peer(sqlite3_stmt *stmt, struct uccn_net_session *s) {
	memset(s, 0, sizeof(*s));
	if (sqlite3_column_bytes(stmt, 0) == UCCN_KEY_BYTES) {
		s->key_known = true;
		memcpy(s->key, sqlite3_column_blob(stmt, 0), UCCN_KEY_BYTES);
	}
	copy_text(stmt, 1, s->address, sizeof(s->address));
	s->incoming = sqlite3_column_int(stmt, 2) != 0;
}

static int each_session_row(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_net_session s;
	read_session_peer(stmt, &s);
	s.live = sqlite3_column_int(stmt, 3) != 0;
	uint64_t *const cols[] = {&s.started_ms, &s.ended_ms, &s.ok_ms, &s.seen_ms, &s.sessions, &s.failures,
		&s.stats.sent, &s.stats.received, &s.stats.applied, &s.stats.duplicate,
		&s.stats.held, &s.stats.refused, &s.stats.dropped, &s.stats.held_there};
	for (int i = 0; i < (int)(sizeof(cols) / sizeof(cols[0])); i++) {
		*cols[i] = (uint64_t)sqlite3_column_int64(stmt, 4 + i);
	}
	s.err = sqlite3_column_int(stmt, 18);
	copy_text(stmt, 19, s.error, sizeof(s.error));
	return w->fn.session(w->userdata, &s);
}

int uccn_store_each_session(struct uccn_store *st, uccn_net_session_fn fn, void *userdata) {
	struct fn_walk w = {.fn.session = fn, .userdata = userdata};
	return walk(st, use(st, STMT_EACH_SESSION), "reading sessions", each_session_row, &w);
}

struct id_walk {
	const char *kind;
	uccn_store_id_fn fn;
	void *userdata;
};

static int each_id_row(sqlite3_stmt *stmt, void *ctx) {
	struct id_walk *w = ctx;
	char id[UCCN_ID_MAX + 1];
	copy_text(stmt, 0, id, sizeof(id));
	return w->fn(w->userdata, w->kind, id);
}

int uccn_store_match_ids(struct uccn_store *st, const char *kind, const char *prefix,
	size_t limit, uccn_store_id_fn fn, void *userdata) {
	/* A record id has no GLOB metacharacter (PROTOCOL.md §1), so "prefix*" is a plain
	 * prefix, and SQLite reads it as a range of the (kind, id) index. */
	char pattern[UCCN_ID_MAX + 2];
	snprintf(pattern, sizeof(pattern), "%s*", prefix);
	sqlite3_stmt *stmt = use(st, STMT_MATCH_IDS);
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, pattern, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 3, (int64_t)limit);
	struct id_walk w = {kind, fn, userdata};
	return walk(st, stmt, "finding ids", each_id_row, &w);
}

static int each_logged_row(sqlite3_stmt *stmt, void *ctx) {
	struct fn_walk *w = ctx;
	struct uccn_net_session s;
	read_session_peer(stmt, &s);
	uint64_t *const cols[] = {&s.started_ms, &s.ended_ms, &s.stats.sent, &s.stats.received,
		&s.stats.applied, &s.stats.held, &s.stats.refused, &s.stats.held_there};
	for (int i = 0; i < (int)(sizeof(cols) / sizeof(cols[0])); i++) {
		*cols[i] = (uint64_t)sqlite3_column_int64(stmt, 3 + i);
	}
	s.err = sqlite3_column_int(stmt, 11);
	copy_text(stmt, 12, s.error, sizeof(s.error));
	s.sessions = 1;
	s.failures = s.err != 0;
	s.ok_ms = s.err == 0 ? s.ended_ms : 0;
	return w->fn.session(w->userdata, &s);
}

int uccn_store_session_log(
	struct uccn_store *st, size_t max, uccn_net_session_fn fn, void *userdata) {
	struct fn_walk w = {.fn.session = fn, .userdata = userdata};
	sqlite3_stmt *stmt = use(st, STMT_EACH_LOGGED);
	sqlite3_bind_int64(stmt, 1, (int64_t)max);
	return walk(st, stmt, "reading the session log", each_logged_row, &w);
}
