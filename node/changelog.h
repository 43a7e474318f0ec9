/* changelog.h - the path every change takes into a node, local or received: decode, network,
 * signature, schema, hash chain, ownership, merge, store. One function decides; the store only
 * keeps what it is told. Held changes are released here when what they wait for arrives. */
#ifndef NODE_CHANGELOG_H
#define NODE_CHANGELOG_H

#include <stdint.h>

#include <uccn/change.h>
#include <uccn/node.h>

#include "node/crypto.h"
#include "node/store.h"

struct uccn_changelog;

/* A change log over st (borrowed: must outlive the log) for the network named by network. */
UCCN_NODISCARD int uccn_changelog_create(
	struct uccn_store *st, const uint8_t network[UCCN_KEY_BYTES], struct uccn_changelog **out);
/* Accepts NULL. */
void uccn_changelog_destroy(struct uccn_changelog *log);

/* The network id the log was made for (the root key; all zeros: none). */
void uccn_changelog_network(const struct uccn_changelog *log, uint8_t out[UCCN_KEY_BYTES]);

/* The city (the key it was designated under) that key speaks for, as the registry stands. */
bool uccn_changelog_city_of(const struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES],
	uint8_t city[UCCN_KEY_BYTES]);

/* Whether key is the root's or a relay's: a node that may receive what is meant for the
 * Secretariat alone. */
bool uccn_changelog_is_secretariat(
	const struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]);

/* Whether the node whose key is holder may hold a change of feed by author: the one audience
 * rule (PROTOCOL.md §11.5), judged by this node's registry and own keys. */
bool uccn_changelog_may_hold(const struct uccn_changelog *log, const uint8_t holder[UCCN_KEY_BYTES],
	const char *feed, const uint8_t author[UCCN_KEY_BYTES]);

/* Names a key the node signed with before a rotation; its records stay the node's own here. */
void uccn_changelog_add_former(struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]);

/* The node's wall clock, in milliseconds since the Unix epoch; arg is passed back. */
typedef uint64_t (*uccn_wall_clock_fn)(void *arg);

/* Sets the wall clock that bounds received clocks (PROTOCOL.md §4 step 6): a change clocked more
 * than UCCN_HLC_SKEW_MS ahead of it is held until it comes within that. NULL: the system's real
 * time (the default). Tests pass a clock of their own. */
void uccn_changelog_set_clock(struct uccn_changelog *log, uccn_wall_clock_fn wall, void *arg);

/* Names the node's own key, whose changes this node applies before its designation arrives. */
void uccn_changelog_set_self(struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]);
/* The key set by uccn_changelog_set_self into out; false (out untouched) if none was. */
bool uccn_changelog_self(const struct uccn_changelog *log, uint8_t out[UCCN_KEY_BYTES]);

/* Offers the signed change buf to the node. Must be called inside a store transaction. The
 * outcome, with its reason, goes to *res; each held change this one releases is applied too and
 * reported to released (may be NULL). Returns UCCN_OK whatever the outcome, or a storage error
 * after which the caller must roll the transaction back. */
UCCN_NODISCARD int uccn_changelog_apply(struct uccn_changelog *log, const uint8_t *buf, size_t len,
	uint64_t now_ms, struct uccn_apply_result *res, uccn_result_fn released, void *userdata);

/* As uccn_changelog_apply, with the signature already verified elsewhere (a batch checked on
 * every core by node/verifier.h): sig is that result, UCCN_OK or UCCN_EBADSIG, for exactly
 * these bytes; UCCN_SIG_UNCHECKED verifies here. */
#define UCCN_SIG_UNCHECKED 1
UCCN_NODISCARD int uccn_changelog_apply_verified(struct uccn_changelog *log, const uint8_t *buf,
	size_t len, int sig, uint64_t now_ms, struct uccn_apply_result *res,
	uccn_result_fn released, void *userdata);

/* As uccn_changelog_apply_verified, for a change already decoded (c->raw and c->raw_len its
 * bytes, at most UCCN_CHANGE_MAX), so a batch is decoded once (node/ingest.c). c is borrowed
 * for the call. */
UCCN_NODISCARD int uccn_changelog_apply_decoded(struct uccn_changelog *log,
	const struct uccn_change *c, int sig, uint64_t now_ms, struct uccn_apply_result *res,
	uccn_result_fn released, void *userdata);

/* Offers again the changes held because their author or record was not known yet, when what
 * they wait on was applied since (their author's designation or key record, their record):
 * only those, found by index (PROTOCOL.md §9.5); and those whose clock was ahead and whose
 * time has come (§4 step 6). Call it once after a batch, inside the transaction. Changes it
 * applies or refuses go to released. */
UCCN_NODISCARD int uccn_changelog_retry_held(
	struct uccn_changelog *log, uint64_t now_ms, uccn_result_fn released, void *userdata);

/* The bounds on held changes (PROTOCOL.md §9.5): an author the registry does not know may have
 * at most UCCN_HELD_PER_AUTHOR changes held, and the node holds at most UCCN_HELD_MAX in all; a
 * change past either is refused with UCCN_EBUSY. */
#define UCCN_HELD_PER_AUTHOR 1000
#define UCCN_HELD_MAX 100000
/* Other bounds, for tests (0 keeps a bound as it is). */
void uccn_changelog_set_held_limits(
	struct uccn_changelog *log, uint64_t per_author, uint64_t total);

/* Finds what the store holds that this node may not (uccn_changelog_may_hold for its own key):
 * feeds meant for the Secretariat alone kept by a version before that rule, or since the
 * registry moved (a relay ended), and such changes held or kept as fork evidence. *count
 * receives how many changes that is. With apply, they are deleted and the records they touched
 * rebuilt from what is left (a record left with no change goes); must then be called inside a
 * store transaction. A log with no own key (uccn_changelog_set_self) finds nothing. */
UCCN_NODISCARD int uccn_changelog_drop_unheld(
	struct uccn_changelog *log, bool apply, uint64_t *count);

/* Offers again the changes held because their clock was ahead, whose time has come by the wall
 * clock (an indexed query; nothing at all when nothing is held). uccn_changelog_retry_held
 * does this too; a node's loop calls this on its timer, so such a change comes in without any
 * new traffic. Inside a transaction. *applied (may be NULL) is increased by the number applied. */
UCCN_NODISCARD int uccn_changelog_release_due(struct uccn_changelog *log, uint64_t now_ms,
	uccn_result_fn released, void *userdata, size_t *applied);
/* Whether some change held for its clock is due now: one indexed read, outside a transaction,
 * so a loop can ask often and open a transaction only when there is work. */
UCCN_NODISCARD int uccn_changelog_has_due(struct uccn_changelog *log, bool *out);

/* Writes a local change: the next in id's chain, clocked after everything seen, signed, and
 * applied through uccn_changelog_apply, so a local edit obeys exactly the rules a received one
 * does. Must be called inside a store transaction. UCCN_OK with res->outcome UCCN_APPLIED, or
 * the reason it was refused (res->err, also returned) or a storage error. */
UCCN_NODISCARD int uccn_changelog_append(struct uccn_changelog *log, const struct uccn_identity *id,
	const char *kind, const uint8_t owner[UCCN_KEY_BYTES], const char *record_id,
	enum uccn_op op, const struct uccn_field *fields, size_t nfields, uint64_t now_ms,
	struct uccn_apply_result *res);

/* Every check uccn_changelog_apply makes on a change by itself (network, signature, schema),
 * without the store. Used by verify. UCCN_OK or the reason code with why filled. */
UCCN_NODISCARD int uccn_changelog_check(
	struct uccn_changelog *log, const struct uccn_change *c, char *why, size_t why_len);

#endif
