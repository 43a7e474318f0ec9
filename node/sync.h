/* sync.h - one replication session with one peer, sans-IO: payloads in, payloads out, no
 * sockets, no clock, no threads. It runs on top of an established session (node/session.h),
 * which authenticates and encrypts; this engine decides what to send.
 *
 * Both sides send a version vector (what they hold of each chain), then batches of what the
 * other lacks, in chain order, at most `window` unacknowledged; a batch is acknowledged only
 * once stored (commit before ack), so a session cut anywhere resumes from the next vector
 * without resending what was acknowledged. DONE says "nothing more for now"; local changes
 * written later are pushed after uccn_sync_notify. Not yet: filtering by kind or audience
 * (PROTOCOL.md §11 explains why that needs a decision about chains first), so no program uses
 * this engine yet. */
#ifndef NODE_SYNC_H
#define NODE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

#include "node/changelog.h"
#include "node/store.h"

struct uccn_sync_config {
	struct uccn_store *st;      /* borrowed; outlives the engine */
	struct uccn_changelog *log; /* borrowed; applies what arrives */
	size_t batch_changes;       /* changes per batch; 0: 256 */
	size_t window;              /* batches sent and not yet acknowledged; 0: 8 */
};

struct uccn_sync_stats {
	uint64_t sent;     /* changes sent */
	uint64_t received; /* changes received */
	uint64_t applied, duplicate, held, refused;
	uint64_t batches_sent, batches_acked;
};

struct uccn_sync;

/* An engine that has already queued its version vector. */
UCCN_NODISCARD int uccn_sync_create(const struct uccn_sync_config *cfg, struct uccn_sync **out);
/* Accepts NULL. */
void uccn_sync_destroy(struct uccn_sync *s);

/* One payload from the peer. UCCN_OK, UCCN_EPROTO (a malformed or out-of-order message: end
 * the session), or a storage error (the batch was rolled back and not acknowledged). */
UCCN_NODISCARD int uccn_sync_on_payload(
	struct uccn_sync *s, const uint8_t *buf, size_t len, uint64_t now_ms);

/* The next payload to send, moved into out (replaced; the caller frees it). */
bool uccn_sync_pop_payload(struct uccn_sync *s, struct uccn_bytes *out);

/* Local changes were written: send the peer what it lacks now (live push). */
UCCN_NODISCARD int uccn_sync_notify(struct uccn_sync *s);

/* Both sides said DONE and nothing is in flight: the two hold the same, for now. */
bool uccn_sync_is_idle(const struct uccn_sync *s);

void uccn_sync_get_stats(const struct uccn_sync *s, struct uccn_sync_stats *out);

#endif
