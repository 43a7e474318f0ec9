/* node.h - a city's node: one home folder holding one Ed25519 identity and one SQLite store.
 * This is the API the uccn program is written against. Every call works offline; functions run
 * on the caller's thread and a node must not be used from two threads at once. */
#ifndef UCCN_NODE_H
#define UCCN_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

struct uccn_node;

struct uccn_node_init_options {
	const char *name;       /* the city's name (or the Secretariat's): required */
	const char *country;    /* ISO 3166-1 alpha-2: required for a city */
	const char *field;      /* creative field: required for a city */
	const uint8_t *network; /* UCCN_KEY_BYTES, or NULL for no network yet (all zeros) */
	/* Creates a network instead of joining one: the new key is the root, its public key the
	 * network id; network, country and field must be unset, and no city record is written. */
	bool secretariat;
};

/* Creates a node in home (made if missing, must otherwise hold no node): a new key pair in
 * home/node.key (mode 0600), the store home/uccn.db, and the node's own city record as its first
 * change. *out receives the open node (close with uccn_node_close).
 * Errors: UCCN_EEXIST (home already holds a node), UCCN_ESCHEMA (a bad name, country or field),
 * UCCN_EIO, UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_node_init(const char *home, const struct uccn_node_init_options *opt,
	uint64_t now_ms, struct uccn_node **out);

/* A node made in no network (all-zero network id) joins network, the Secretariat's public key
 * (PROTOCOL.md §9.1.1): every record the node owns is written again, as new changes signed
 * under network, into a new database that takes the old one's place; the old database (and
 * node.head) stay in home with the suffix ".before-join". The key and the remembered peers
 * stay; what other authors wrote (from files) does not come along. The node must not be open
 * elsewhere (no serve running). *records (may be NULL) receives how many records were written
 * again. UCCN_EEXIST (already in a network), UCCN_EINVAL (not a network id, or a node that
 * rotated its key), storage errors; err (may be NULL) gets the reason. */
UCCN_NODISCARD int uccn_node_join(const char *home, const uint8_t network[UCCN_KEY_BYTES],
	uint64_t now_ms, size_t *records, struct uccn_error *err);

/* Opens the node in home. Errors: UCCN_ENOTFOUND (no node there), UCCN_EPERM (the key file is
 * readable by others), UCCN_ECORRUPT (a damaged key or database, or a key that is not the
 * database's), UCCN_EBUSY, UCCN_EIO, UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_node_open(const char *home, struct uccn_node **out);

/* Closes the node; accepts NULL. */
void uccn_node_close(struct uccn_node *node);

/* The reason in words of the last failed call on node, as sqlite3_errmsg gives it: "" after a
 * success, or when the failure has no more to say than its code (uccn_strerror). The calls whose
 * failures have reasons (put, delete, import, backup, the registry's writes and proof,
 * witness_add, peer_add) clear it when they start; the others leave it alone. Borrowed until
 * the next call on node. Calls without a node handle report through a struct uccn_error
 * (<uccn/error.h>). */
const char *uccn_node_errmsg(const struct uccn_node *node);

/* The node's public key and its network id (all zeros: none). */
void uccn_node_public_key(const struct uccn_node *node, uint8_t out[UCCN_KEY_BYTES]);
void uccn_node_network(const struct uccn_node *node, uint8_t out[UCCN_KEY_BYTES]);
/* Whether the node holds the network's root key (the Secretariat). */
bool uccn_node_is_secretariat(const struct uccn_node *node);

/* Writes a put: a new record when id is NULL (a fresh id is written to out_id), else a change
 * to the fields of an existing record of kind (owner found by id). Only the given fields change;
 * a NIL value removes a field. The change is signed, stored and applied in one transaction.
 * Errors: UCCN_ESCHEMA (uccn_node_errmsg names the field), UCCN_ENOTFOUND (no such record),
 * UCCN_EPERM (a record the node may not change), UCCN_EINVAL (no fields), storage errors. */
UCCN_NODISCARD int uccn_node_put(struct uccn_node *node, const char *kind, const char *id,
	const struct uccn_field *fields, size_t nfields, uint64_t now_ms,
	char out_id[UCCN_ID_MAX + 1]);

/* Deletes a record (a signed tombstone). Errors as uccn_node_put. */
UCCN_NODISCARD int uccn_node_delete(
	struct uccn_node *node, const char *kind, const char *id, uint64_t now_ms);

/* Receives records; r and its strings are borrowed for the call. A non-zero return stops the
 * walk and is returned by the caller. */
typedef int (*uccn_record_fn)(void *userdata, const struct uccn_record *r);
/* Receives changes, likewise borrowed; hash is the change's id. */
typedef int (*uccn_change_fn)(
	void *userdata, const struct uccn_change *c, const uint8_t hash[UCCN_HASH_BYTES]);

/* The record of kind with id (deleted ones too, marked). UCCN_ENOTFOUND if none. */
UCCN_NODISCARD int uccn_node_get(struct uccn_node *node, const char *kind, const char *id,
	uccn_record_fn fn, void *userdata);

/* Every record of kind (NULL: all kinds), by kind then creation time; deleted ones only when
 * with_deleted. */
UCCN_NODISCARD int uccn_node_list(struct uccn_node *node, const char *kind, bool with_deleted,
	uccn_record_fn fn, void *userdata);

/* The records (deleted ones too) of kind (NULL: every kind) whose id starts with prefix, by kind
 * then id, at most limit of them (each (kind, id) once, whoever owns it): for finding the record
 * a user means by the first characters of its id. fn's strings are borrowed for the call; its
 * non-zero return stops the walk and is returned. UCCN_OK, UCCN_EINVAL (prefix is not the start
 * of a record id), UCCN_ESCHEMA (no such kind), storage errors. */
typedef int (*uccn_id_fn)(void *userdata, const char *kind, const char *id);
UCCN_NODISCARD int uccn_node_match_ids(struct uccn_node *node, const char *kind,
	const char *prefix, size_t limit, uccn_id_fn fn, void *userdata);

/* Every change of one record, oldest first by (HLC, author). UCCN_ENOTFOUND if no record. */
UCCN_NODISCARD int uccn_node_history(struct uccn_node *node, const char *kind, const char *id,
	uccn_change_fn fn, void *userdata);

/* Receives one search result: the record, and plain text around the first match. Borrowed
 * for the call. A non-zero return stops the search and is returned. */
typedef int (*uccn_search_fn)(void *userdata, const struct uccn_record *r, const char *snippet);

/* Full-text search (SQLite FTS5) over the texts of every record the node holds, deleted ones
 * left out: words separated by spaces must all appear (in any case, accents ignored); "a
 * phrase" in double quotes appears as one; a word ending in '*' matches as a prefix; other
 * punctuation is ignored, never read as query syntax. kind NULL: every kind. At most max
 * results (0: 1000), best first. UCCN_EINVAL when words hold nothing to search, UCCN_ESCHEMA
 * for an unknown kind. */
UCCN_NODISCARD int uccn_node_search(struct uccn_node *node, const char *words, const char *kind,
	size_t max, uccn_search_fn fn, void *userdata);

/* Writes bytes of an export; returns UCCN_OK or a negative code that aborts the export. */
typedef int (*uccn_write_fn)(void *userdata, const uint8_t *buf, size_t len);
/* Reads up to cap bytes into buf; returns the count (0 at the end) or a negative code. */
typedef long (*uccn_read_fn)(void *userdata, uint8_t *buf, size_t cap);

/* Writes the stored changes of the public feeds, byte for byte as signed, in the export file
 * format of proto/PROTOCOL.md (header, changes author by author and each feed in chain order,
 * trailer). *count receives the number of changes written. */
UCCN_NODISCARD int uccn_node_export(
	struct uccn_node *node, uccn_write_fn write, void *userdata, uint64_t *count);

/* As uccn_node_export, for a reader whose key is reader: the file also carries the feeds meant
 * for the Secretariat alone that reader may hold (PROTOCOL.md §11.5), and its header names
 * reader. UCCN_EPERM, with nothing written, when reader is neither the Secretariat (the root
 * or a relay) nor a key of this node's own city: what it may hold is not this node's to give. */
UCCN_NODISCARD int uccn_node_export_for(struct uccn_node *node,
	const uint8_t reader[UCCN_KEY_BYTES], uccn_write_fn write, void *userdata, uint64_t *count);

enum uccn_outcome {
	UCCN_APPLIED,   /* new, verified, applied */
	UCCN_DUPLICATE, /* already held: nothing changed */
	UCCN_HELD,      /* kept aside until what it waits for arrives */
	UCCN_REFUSED,   /* rejected; the store is as it was (forks are kept as evidence) */
	UCCN_DROPPED,   /* meant for the Secretariat alone, and this node may not hold it: not
			 * stored, not an error of the sender's (PROTOCOL.md §11.5) */
};

/* What became of one change offered to the node. Only the library fills one, handed to a
 * callback borrowed; the arrays sized by limits (kind, id) come last, so a change of a limit
 * moves no field a caller compiled before it reads. */
struct uccn_apply_result {
	enum uccn_outcome outcome;
	int err;       /* for HELD, REFUSED, DROPPED: the reason code (UCCN_EBADSIG, ...) */
	char why[256]; /* for HELD, REFUSED, DROPPED: the reason in words */
	bool decoded;  /* whether the fields below are known */
	bool released; /* held earlier, applied (or refused) now that what it waited for came */
	uint8_t hash[UCCN_HASH_BYTES];
	uint8_t author[UCCN_KEY_BYTES];
	uint64_t seq;
	char kind[UCCN_KIND_MAX + 1];
	char id[UCCN_ID_MAX + 1];
};

struct uccn_import_stats {
	uint64_t read; /* changes found in the input */
	uint64_t applied, duplicate, held, refused;
	uint64_t dropped;  /* meant for the Secretariat alone, not for this node: not stored */
	uint64_t released; /* held changes (from earlier or this import) applied once unblocked */
};

/* Called once per change read (and per held change released). Borrowed for the call. */
typedef void (*uccn_result_fn)(void *userdata, const struct uccn_apply_result *res);

/* Reads an export file through read and offers each change to the node, in batches of one
 * transaction each. Every change is verified on its own, so the changes of a damaged file that
 * verify are still taken. Returns UCCN_OK when the whole file was well-formed; UCCN_ETRUNC when
 * it ended early; UCCN_EPROTO when it is not an export file or is damaged (uccn_node_errmsg says
 * where); UCCN_ENETWORK when it is from another network (nothing taken); storage errors (the batch
 * in progress is rolled back). Refused changes are not errors: see stats and fn. */
UCCN_NODISCARD int uccn_node_import(struct uccn_node *node, uccn_read_fn read, void *readdata,
	uccn_result_fn fn, void *userdata, struct uccn_import_stats *stats);

/* One fault found by uccn_node_verify. */
struct uccn_fault {
	int err; /* UCCN_EBADSIG, UCCN_ECHAIN, UCCN_EFORK, UCCN_ECORRUPT, ... */
	uint8_t author[UCCN_KEY_BYTES];
	uint64_t seq;
	char why[192];
};
typedef void (*uccn_fault_fn)(void *userdata, const struct uccn_fault *f);

/* Re-verifies every stored change (signature, network, schema) and every chain (sequence,
 * previous hash, increasing HLC), reports recorded forks and runs SQLite's integrity check.
 * Returns the number of faults (0: all good) or a negative code if it could not finish. */
UCCN_NODISCARD int uccn_node_verify(
	struct uccn_node *node, uccn_fault_fn fn, void *userdata, uint64_t *changes_checked);

/* --- Back up and restore; signing only what the network has not seen ----------------------
 * A node signs its changes in one sequence. Signing a sequence number a second time, with
 * something else, is a fork (a copied key, as far as any other node can tell), so a node that
 * may have lost part of its own past signs nothing new until it has taken it back from a peer:
 * after a restore, when a peer showed more of its own changes than it holds, or when the
 * record of its head kept beside the database (home/node.head) is ahead of the database. */
struct uccn_node_signing {
	bool may_sign;
	uint64_t head;         /* the last of its own changes the store holds (0: none) */
	uint64_t signed_up_to; /* what the record beside the database says it signed (0: none) */
	bool marked; /* restored, or a peer showed more; cleared by a session that catches up */
	uint64_t peer_head; /* the most a peer showed of its own changes (0: not known) */
};
UCCN_NODISCARD int uccn_node_signing(struct uccn_node *node, struct uccn_node_signing *out);

/* The user says this is the only copy of the node: signing resumes after the store's head, and
 * whatever the node signed beyond it is given up. */
UCCN_NODISCARD int uccn_node_resume_signing(struct uccn_node *node);

/* Writes a consistent copy of the node's database to path (a running serve may go on
 * writing; what its WAL holds is in the copy) and the node's secret key to path + ".key",
 * mode 0600. Neither may exist (UCCN_EEXIST). */
UCCN_NODISCARD int uccn_node_backup(struct uccn_node *node, const char *path);

/* Puts the backup at path in place in home: the key must be the one home already holds, or,
 * in a home with no key, path + ".key" (UCCN_EPERM for another node's key: a restore never
 * replaces an identity). Unless only_copy, the node then signs nothing until a session has
 * given it back its own newer changes. err (may be NULL) gets the reason of a failure. */
UCCN_NODISCARD int uccn_node_restore(
	const char *home, const char *path, bool only_copy, struct uccn_error *err);

/* Held changes: what they are and why they wait. */
UCCN_NODISCARD int uccn_node_held(struct uccn_node *node, uccn_result_fn fn, void *userdata);

/* --- The registry (the Secretariat's designations) and membership trust ---------------------
 * Designations, roles and key records are written by the root only. Each call that changes a
 * designation or a key record also signs a new tree head over the registry (the tree's leaves
 * are exactly those changes; roles are signed records but not leaves). They return UCCN_EPERM
 * on a node that is not the Secretariat. */

/* Designates the city whose key is city. UCCN_EEXIST if it already has an active designation,
 * UCCN_EINVAL for the root's own key. */
UCCN_NODISCARD int uccn_node_designate(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *name, const char *country, const char *field, int year, uint64_t now_ms);

/* One city to designate: its key (the id of its designation) and what the registry says of it.
 * The strings are borrowed for the call. */
struct uccn_designation {
	uint8_t city[UCCN_KEY_BYTES];
	const char *name;
	const char *country; /* ISO 3166-1 alpha-2 */
	const char *field;   /* a creative field's name (schema.h) */
	int year;
};

/* Designates n cities at once: every designation is checked first (as uccn_node_designate
 * checks one, and no key twice), then all are written in one transaction under one signed tree
 * head; on any failure nothing is written and *failed (may be NULL) receives the index of the
 * designation refused (uccn_node_errmsg says why). UCCN_EINVAL for n == 0. */
UCCN_NODISCARD int uccn_node_designate_many(struct uccn_node *node,
	const struct uccn_designation *list, size_t n, uint64_t now_ms, size_t *failed);

/* Withdraws a city's designation. Its changes up to the cut-off (the last sequence of the city's
 * current key this node holds) stay; later ones are refused everywhere. */
UCCN_NODISCARD int uccn_node_withdraw(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *reason, uint64_t now_ms);

/* Records a city's role in a sub-network (coordinator or deputy) for a mandate. */
UCCN_NODISCARD int uccn_node_role(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *field, const char *role, const char *from, const char *to, uint64_t now_ms);

/* City side of a key rotation: makes a new key pair, signs with the old key a rotation change
 * naming the new public key, and from then on signs with the new key (the old key file is kept
 * beside it as node.key.old-XXXXXXXX). new_key receives the new public key. */
UCCN_NODISCARD int uccn_node_rotate_key(
	struct uccn_node *node, uint64_t now_ms, uint8_t new_key[UCCN_KEY_BYTES]);

/* Secretariat side: confirms a rotation whose change (signed by old_key, naming new_key) this
 * node holds. Changes made under the old key up to the rotation stay valid. */
UCCN_NODISCARD int uccn_node_confirm_rotation(struct uccn_node *node,
	const uint8_t old_key[UCCN_KEY_BYTES], const uint8_t new_key[UCCN_KEY_BYTES],
	uint64_t now_ms);

/* Secretariat side: revokes a compromised key. Its changes after cutoff are refused; successor
 * (may be NULL) becomes the city's key. */
UCCN_NODISCARD int uccn_node_revoke(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES],
	uint64_t cutoff, const uint8_t *successor, const char *reason, uint64_t now_ms);

/* Secretariat side: makes key a relay of the Secretariat (active true) or no longer one. A relay
 * is a node of the Secretariat's: it receives what is meant for the Secretariat alone
 * (PROTOCOL.md §11.5). UCCN_EEXIST (already a relay, or a member city's key), UCCN_ENOTFOUND
 * (removing a key that is not a relay), UCCN_EPERM (not the root). */
UCCN_NODISCARD int uccn_node_relay(
	struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], bool active, uint64_t now_ms);

/* An application: a key that is not a member (never designated, or withdrawn) whose own city
 * record waits in the held changes (a city syncs with the hub before its designation). The
 * fields are the newest the city gave, "" where it gave none; strings are borrowed for the
 * callback. */
struct uccn_application {
	uint8_t key[UCCN_KEY_BYTES];
	const char *name, *country, *field;
	const char *website, *focal_point, *email;
	uint64_t hlc;      /* the clock of the newest held change of its city record */
	uint64_t held;     /* changes of that key held in all */
	bool withdrawn;    /* the key had a designation, withdrawn since */
};
typedef int (*uccn_application_fn)(void *userdata, const struct uccn_application *a);

/* Every application this node holds, by name then key. A non-zero return of fn stops the walk
 * and is returned. */
UCCN_NODISCARD int uccn_node_applications(
	struct uccn_node *node, uccn_application_fn fn, void *userdata);

/* A member city as the registry knows it. Strings are borrowed for the callback. */
struct uccn_member {
	uint8_t city[UCCN_KEY_BYTES]; /* the key the city was designated under (its id) */
	uint8_t key[UCCN_KEY_BYTES];  /* the key it signs with now */
	const char *name;
	const char *country;
	const char *field;
	int year;
	bool active;     /* false: withdrawn */
	uint64_t cutoff; /* withdrawn: the last sequence kept */
	const char *reason;
	uint64_t designated_hlc; /* the designation change's clock */
};
typedef int (*uccn_member_fn)(void *userdata, const struct uccn_member *m);

/* Every designated city (withdrawn ones too), by name. */
UCCN_NODISCARD int uccn_node_registry(struct uccn_node *node, uccn_member_fn fn, void *userdata);

/* A signed tree head: the registry's size (designation and key changes), Merkle root, time. */
struct uccn_tree_head {
	uint64_t size;
	uint8_t root[UCCN_HASH_BYTES];
	uint64_t hlc;
	uint64_t seq; /* of the root's change that carries it */
};

/* The newest tree head this node holds. UCCN_ENOTFOUND if none yet. */
UCCN_NODISCARD int uccn_node_tree_head(struct uccn_node *node, struct uccn_tree_head *out);

/* Recomputes the Merkle tree over the designations held, checks it against every signed tree
 * head, and checks that each head extends the one before it. Faults (a head that does not
 * match, a head that forks the registry: an alarm) go to fn. Returns the number of faults, or a
 * negative code when it could not finish. */
UCCN_NODISCARD int uccn_node_registry_verify(
	struct uccn_node *node, uccn_fault_fn fn, void *userdata);

/* An inclusion proof of city's newest designation change under the newest tree head, in the
 * proof format of proto/PROTOCOL.md, appended to out. UCCN_ENOTMEMBER if no designation names
 * city. A withdrawn city's proof proves the withdrawal: its check says not a member. */
UCCN_NODISCARD int uccn_node_registry_prove(
	struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES], struct uccn_bytes *out);

/* The newest checkpoint this node holds (PROTOCOL.md §9.7): the newest tree head whose root
 * signature verifies and that matches the registry held, as a C2SP signed note, followed by
 * the cosignatures held of it (§9.11), appended to out. UCCN_ENOTFOUND if there is none. */
UCCN_NODISCARD int uccn_node_checkpoint(struct uccn_node *node, struct uccn_bytes *out);

/* The Secretariat signs a tree head with its checkpoint over the registry as it stands (what
 * every registry write does at its end): how a registry whose heads predate checkpoints gets
 * one (PROTOCOL.md §9.7). UCCN_EPERM on a node that is not the Secretariat. */
UCCN_NODISCARD int uccn_node_registry_sign_checkpoint(struct uccn_node *node, uint64_t now_ms);

/* The node as a witness (PROTOCOL.md §9.11): if the newest checkpoint it holds is new, and
 * extends the last checkpoint it cosigned (checked with an RFC 6962 consistency proof from the
 * leaves it holds), cosigns it with its own key, as its `cosignature` record, and remembers
 * it in the store in the same transaction, so it never cosigns two inconsistent checkpoints,
 * across restarts too. First it compares the checkpoints other nodes cosigned with its own:
 * one that no registry shares with its own raises an alarm, written as its `alarm` record
 * with the evidence (§9.13) unless it holds a valid one already. The Secretariat and a node in
 * no network do nothing. Returns 1 when it wrote a cosignature or an alarm, 0 when there was
 * nothing to write, or a negative code. `serve` calls it after each batch that applied something,
 * import at its end. */
UCCN_NODISCARD int uccn_node_witness(struct uccn_node *node, uint64_t now_ms);

/* The split views this node holds evidence of (PROTOCOL.md §9.13): each `alarm` record whose
 * evidence checks (two checkpoints signed by the root that no one registry has) goes to fn
 * (may be NULL) as a fault. Returns how many, or a negative code. uccn_node_registry_verify
 * counts them among its faults. */
UCCN_NODISCARD int uccn_node_split_views(struct uccn_node *node, uccn_fault_fn fn, void *userdata);

/* A checkpoint note shown to this node by another path (a proof file, say): if no one registry
 * has it and this node's newest checkpoint, raises the alarm as uccn_node_witness does, its
 * `alarm` record carrying the evidence. Returns 1 when it wrote one, 0 when the two may be one
 * registry's (or the note's is larger: its holders catch it), UCCN_EPROTO, UCCN_ENETWORK or
 * UCCN_EBADSIG for a note that is not a checkpoint of this network signed by its root. */
UCCN_NODISCARD int uccn_node_consider_checkpoint(
	struct uccn_node *node, const char *note, size_t len, uint64_t now_ms);

/* The evidence text of the first split view held, appended to out; UCCN_ENOTFOUND if none. */
UCCN_NODISCARD int uccn_node_split_view_evidence(struct uccn_node *node, struct uccn_bytes *out);

/* The witnesses of the newest checkpoint (PROTOCOL.md §9.14). */
#define UCCN_FIELDS_COUNT 7
struct uccn_witness_count {
	uint64_t size;   /* the checkpoint's */
	size_t cosigned; /* cosignatures held that verify */
	size_t fields;   /* creative fields of the active member cities among the cosigners */
	size_t required; /* the node's policy: fields required, 0 for none */
};
/* UCCN_ENOTFOUND if the node holds no checkpoint (out->required is still set). */
UCCN_NODISCARD int uccn_node_checkpoint_witnesses(
	struct uccn_node *node, struct uccn_witness_count *out);

/* The node's policy: from now on it treats a checkpoint as the registry (proves under it) only
 * once member cities of n different creative fields cosigned it; 0 lifts the requirement.
 * UCCN_EINVAL above UCCN_FIELDS_COUNT. Kept in the store. */
UCCN_NODISCARD int uccn_node_require_witnesses(struct uccn_node *node, unsigned n);

/* The Secretariat adds (or, for a name it has, replaces) an external witness that speaks C2SP
 * tlog-witness: its submission URL (http://HOST[:PORT][/PREFIX]) and verifier key
 * (NAME+KEYID+BASE64). UCCN_EPERM off the Secretariat, UCCN_EINVAL (uccn_node_errmsg says why). */
UCCN_NODISCARD int uccn_node_witness_add(struct uccn_node *node, const char *url, const char *vkey);

/* What one external witness answered. */
struct uccn_witness_result {
	const char *url, *name;
	int err;         /* UCCN_EIO: no answer; the store's errors stop the round */
	int http_status; /* 0 when there was no answer */
	bool cosigned;   /* it cosigned the newest checkpoint (now or before) */
	uint64_t size;
};
typedef void (*uccn_witness_result_fn)(void *userdata, const struct uccn_witness_result *r);

/* The Secretariat submits its newest checkpoint to every external witness (add-checkpoint,
 * PROTOCOL.md §9.15) and keeps each cosignature as its own `cosignature` record, which
 * travels to every node beside the cities'. One blocking HTTP request per witness (two after
 * a 409), each bounded by a timeout. Returns how many witnesses cosigned, or a negative code;
 * fn (may be NULL) hears of each. */
UCCN_NODISCARD int uccn_node_witnesses_submit(
	struct uccn_node *node, uint64_t now_ms, uccn_witness_result_fn fn, void *userdata);

/* The verifier key of the network's checkpoints, as signed-note tools take it
 * ("<origin>+<key ID>+<base64 key>"), NUL-terminated into out. UCCN_ENOTFOUND on a node in no
 * network, UCCN_EINVAL if out_len is too small (128 is enough). */
UCCN_NODISCARD int uccn_node_checkpoint_key(struct uccn_node *node, char *out, size_t out_len);

/* The RFC 6962 consistency proof from the registry's first old_size leaves to the newest
 * checkpoint, one base64 hash per line, appended to out; *new_size (if not NULL) receives the
 * checkpoint's size. UCCN_ENOTFOUND (no checkpoint), UCCN_EINVAL (old_size is 0 or larger). */
UCCN_NODISCARD int uccn_node_registry_consistency(
	struct uccn_node *node, uint64_t old_size, struct uccn_bytes *out, uint64_t *new_size);

/* --- Peers: the nodes `serve` dials and keeps sessions with ------------------------------ */

#define UCCN_URL_MAX 255
#define UCCN_KINDS_TEXT_MAX 255

/* A remembered peer and what the last `serve` saw of it. */
struct uccn_peer {
	char url[UCCN_URL_MAX + 1]; /* ws://host:port[/path] */
	bool pinned;                /* only this key is accepted at url */
	uint8_t pin[UCCN_KEY_BYTES];
	char kinds[UCCN_KINDS_TEXT_MAX + 1]; /* comma-separated kinds we want; "": all */
	/* Written by `serve`; zero until the first session. */
	bool connected; /* at the time of the last update */
	bool key_known; /* key: the key the peer last proved */
	uint8_t key[UCCN_KEY_BYTES];
	uint64_t last_contact_ms; /* wall clock of the last frame received */
	uint64_t ours;            /* changes of ours the peer holds (its vector) */
	uint64_t theirs;          /* changes signed by the peer's key we hold */
	char last_error[128];     /* why the last session ended; "" if cleanly */
};
typedef int (*uccn_peer_fn)(void *userdata, const struct uccn_peer *p);

/* Remembers a peer, or replaces the one with the same url (keeping what serve saw of it).
 * pin: UCCN_KEY_BYTES or NULL; kinds: comma-separated kind names or NULL/"" for all.
 * UCCN_EINVAL (not a ws:// url, too long, or an unknown kind: uccn_node_errmsg says which). */
UCCN_NODISCARD int uccn_node_peer_add(
	struct uccn_node *node, const char *url, const uint8_t *pin, const char *kinds);

/* Forgets a peer. UCCN_ENOTFOUND if no peer has that url. */
UCCN_NODISCARD int uccn_node_peer_remove(struct uccn_node *node, const char *url);

/* Every remembered peer, by url. */
UCCN_NODISCARD int uccn_node_peer_list(struct uccn_node *node, uccn_peer_fn fn, void *userdata);

/* Changes signed by key that this node holds. */
UCCN_NODISCARD int uccn_node_count_by(
	struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], uint64_t *out);

#endif
