/* sync.h - one replication session with one peer, sans-IO: payloads in, payloads out, no
 * sockets, no clock, no threads. It runs on top of an established session (node/session.h),
 * which authenticates and encrypts; this engine decides what to send.
 *
 * The two sides first reconcile the heads of their chains (which feeds each holds, how far):
 * fingerprints of ranges of feeds, split only where they differ, so that this costs what
 * differs and not what both hold (PROTOCOL.md §11.8). Then each sends batches of what the other
 * lacks, in chain order, at most `window` unacknowledged; a batch is acknowledged only
 * once stored (commit before ack), so a session cut anywhere resumes from the next vector
 * without resending what was acknowledged. Batches of changes public to every node go
 * compressed when both sides offer it. DONE says "nothing more for now"; local changes
 * written later are pushed after uccn_sync_notify. Only the feeds that travel in the session
 * (kinds both sides chose; what is meant for the Secretariat alone only to a peer that may hold
 * it) are announced or sent; a received change this node may not hold is dropped by the change
 * log, and the session goes on. */
#ifndef NODE_SYNC_H
#define NODE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>
#include <uccn/net.h> /* struct uccn_net_stats: the engine counts in the public shape */

#include "node/changelog.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/sync_codec.h"

struct uccn_sync_config {
	struct uccn_store *st;      /* borrowed; outlives the engine */
	struct uccn_changelog *log; /* borrowed; applies what arrives */
	size_t batch_changes;       /* changes per batch; 0: 256 */
	size_t window;              /* batches sent and not yet acknowledged; 0: 16 */
	/* Borrowed, may be shared by every engine of a loop, may be NULL (verify inline). With
	 * one, received batches are gathered (up to 1024 changes, 16 batches or 1 MiB) and
	 * verified on its threads while the gathering before is applied in one transaction; each
	 * batch is acknowledged once its gathering is committed, when the next gathering is
	 * handed to the pool or at uccn_sync_flush, which the caller must call once it has fed
	 * every payload it had for now. */
	struct uccn_verifier *verifier;
	/* What may travel (PROTOCOL.md §11.5). A kind travels in either direction only when both
	 * sides chose it (an empty list: every kind); a feed meant for the Secretariat alone goes
	 * only to a peer that may hold it (uccn_changelog_may_hold on peer_key). */
	const char *const *kinds; /* the kinds we chose; NULL or none: all */
	size_t nkinds;
	const char *const *peer_kinds; /* the kinds the peer chose (uccn_session_peer_kinds) */
	size_t npeer_kinds;
	const uint8_t *peer_key; /* UCCN_KEY_BYTES: the peer's authenticated key; copied */
	/* Treat the peer as the Secretariat whatever the registry says: for engines over a bare
	 * store with no registry (tests). A node leaves it false; its registry decides. */
	bool peer_secretariat;
	/* The side that opened the session (its client): it opens the reconciliation of feed
	 * heads (PROTOCOL.md §11.8); the other answers. */
	bool initiator;
	/* Do not offer compressed batches (§11.9): the peer then sends plain ones, as to a node
	 * that does not know them. */
	bool no_compress;
};

/* What the reconciliation and the compression of a session did (§11.8, §11.9): the engine's
 * own figures for the tests and the benchmarks, beside the public struct uccn_net_stats, whose
 * layout (embedded in struct uccn_net_progress) they would otherwise shift. */
struct uccn_sync_wire_stats {
	/* RECON messages sent, the fingerprints and heads they carried. */
	uint64_t recon_sent, fingerprints_sent, heads_sent;
	bool compressing;       /* both sides offered compressed batches */
	uint64_t zbatches_sent; /* batches sent compressed */
};

struct uccn_sync;

/* An engine; an initiator has already queued its first reconciliation message. */
UCCN_NODISCARD int uccn_sync_create(const struct uccn_sync_config *cfg, struct uccn_sync **out);
/* Accepts NULL. */
void uccn_sync_destroy(struct uccn_sync *s);
/* Makes the engine the initiator if nothing was said yet (as cfg.initiator does): it queues
 * the first reconciliation message. Does nothing once either side has spoken. */
UCCN_NODISCARD int uccn_sync_open(struct uccn_sync *s);

/* One payload from the peer. UCCN_OK, UCCN_EPROTO (a malformed or out-of-order message: end
 * the session), or a storage error (the batch was rolled back and not acknowledged). */
UCCN_NODISCARD int uccn_sync_on_payload(
	struct uccn_sync *s, const uint8_t *buf, size_t len, uint64_t now_ms);

/* Applies and acknowledges a batch still being verified (with cfg.verifier), then sends what
 * the window allows. Call it when no more payloads are at hand for now. */
UCCN_NODISCARD int uccn_sync_flush(struct uccn_sync *s, uint64_t now_ms);

/* The next payload to send, moved into out (replaced; the caller frees it). */
bool uccn_sync_pop_payload(struct uccn_sync *s, struct uccn_bytes *out);

/* Queues a PING; the peer's engine answers PONG (PROTOCOL.md §11.1). The caller decides when:
 * the engine keeps no clock. */
UCCN_NODISCARD int uccn_sync_ping(struct uccn_sync *s, uint64_t token);

/* Local changes were written: send the peer what it lacks now (live push). */
UCCN_NODISCARD int uccn_sync_notify(struct uccn_sync *s);

/* After UCCN_EPROTO from uccn_sync_on_payload or uccn_sync_flush: what the peer did wrong, in
 * words ("a second vector in one session"), NUL-terminated, valid until the next call on s;
 * "" before. The engine does not log it: the caller logs it and tells the peer. */
const char *uccn_sync_error(const struct uccn_sync *s);

/* Both sides said DONE and nothing is in flight: the two hold the same, for now. */
bool uccn_sync_is_idle(const struct uccn_sync *s);

void uccn_sync_get_stats(const struct uccn_sync *s, struct uccn_net_stats *out);
void uccn_sync_get_wire_stats(const struct uccn_sync *s, struct uccn_sync_wire_stats *out);

/* Once the peer's VECTOR has arrived: how many changes signed by author the peer said it
 * holds (counted in our store, feed by feed, up to the peer's seq). 0 before the vector. */
UCCN_NODISCARD int uccn_sync_peer_holds(
	struct uccn_sync *s, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out);

/* The fingerprint of n heads in key order (PROTOCOL.md §11.8): BLAKE2b-256 of
 * "uccn-recon-v1", then each head's author, feed length (one byte), feed and seq (8 bytes,
 * big-endian), cut to its first 8 bytes. Head i is at (uint8_t *)heads + i * stride. */
void uccn_sync_fingerprint(const struct uccn_sync_entry *heads, size_t n, size_t stride,
	uint8_t out[UCCN_SYNC_FP_BYTES]);

/* A head's digest in a LIST under its salt (PROTOCOL.md §11.8): the first 4 bytes of
 * BLAKE2b-256 of "uccn-recon-id-v1", the salt, the author, the feed's length (one byte) and
 * the feed. */
void uccn_sync_digest(const uint8_t salt[UCCN_SYNC_SALT_BYTES],
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint8_t out[UCCN_SYNC_DIGEST_BYTES]);

/* Changes still to send to the peer, for progress: what the peer lacked when first asked (once
 * its vector has arrived: this first call counts them), less what was sent since. */
uint64_t uccn_sync_pending(struct uccn_sync *s);

#endif
