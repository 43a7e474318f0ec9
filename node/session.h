/* session.h - the authenticated, encrypted session between two nodes (proto/PROTOCOL.md §10):
 * the HELLO / WELCOME / AUTH handshake, then every frame sealed with the direction's session
 * key. Sans-IO: no sockets, no clock, no threads. Frames received go in through
 * uccn_session_on_frame, time through now_ms, and frames to send come out of
 * uccn_session_pop_frame; the caller carries them over one websocket, one binary message per
 * frame, in order. It knows nothing of what the payloads mean: that is the sync engine's. */
#ifndef NODE_SESSION_H
#define NODE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

#include "node/crypto.h"

/* The largest frame either side sends or accepts (§10.1); a larger one ends the session. */
#define UCCN_FRAME_MAX (1024 * 1024)
/* The largest application payload: a frame less the AEAD tag. */
#define UCCN_SESSION_PAYLOAD_MAX (UCCN_FRAME_MAX - UCCN_CHANNEL_TAG_BYTES)
/* The handshake timeout when the config gives 0. */
#define UCCN_SESSION_HANDSHAKE_TIMEOUT_MS 10000

struct uccn_session_config {
	const struct uccn_identity *id;  /* our node key; borrowed for the session's lifetime */
	uint8_t network[UCCN_KEY_BYTES]; /* our network id; a peer in another is refused */
	bool is_client;                  /* true: we connected and send HELLO */
	const uint8_t *pinned;           /* UCCN_KEY_BYTES: the only peer key accepted; NULL: any */
	const char *const *kinds;        /* the kinds we want, NUL-terminated; none = all */
	size_t nkinds;
	uint64_t handshake_timeout_ms; /* 0: UCCN_SESSION_HANDSHAKE_TIMEOUT_MS */
};

struct uccn_session;

/* Creates a session at now_ms; the handshake must complete by now_ms + the timeout. A client
 * queues its HELLO at once. cfg is read during the call only, except cfg->id. Caller owns *out
 * (free with uccn_session_destroy). UCCN_OK, UCCN_EINVAL (more than UCCN_SESSION_KINDS_MAX kinds,
 * or one that is not a kind name), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_session_create(
	const struct uccn_session_config *cfg, uint64_t now_ms, struct uccn_session **out);

/* As uccn_session_create, with the ephemeral key pair made from kx_seed and the handshake
 * nonce given instead of drawn at random. For tests and worked examples only (§10.7): a
 * session whose ephemeral key can be predicted has no forward secrecy. */
UCCN_NODISCARD int uccn_session_create_seeded(const struct uccn_session_config *cfg,
	uint64_t now_ms, const uint8_t kx_seed[UCCN_KX_SEED_BYTES],
	const uint8_t nonce[UCCN_KEY_BYTES], struct uccn_session **out);

/* Wipes the session's keys and frees it, with any frames not popped; accepts NULL. */
void uccn_session_destroy(struct uccn_session *s);

/* Feeds one received frame (len bytes, one websocket binary message). During the handshake the
 * frame is handled here and *payload is set to NULL, *payload_len to 0. Once established, the
 * frame is decrypted and *payload borrows the application payload (valid until the next call on
 * s) and *payload_len is its length.
 * Returns UCCN_OK, or a negative code after which the session is closed, uccn_session_error()
 * says why and an ERROR frame may be queued for the peer (plaintext during the handshake,
 * sealed after it; none when the peer's own ERROR ended the session):
 * UCCN_EPROTO (malformed or oversize frame, unexpected message, wrong version, unusable key),
 * UCCN_ENETWORK (the peer is in another network), UCCN_EPERM (the peer is not the pinned key,
 * or is ourselves), UCCN_EBADSIG (a handshake signature fails, or a frame fails
 * authentication: tampered, replayed, dropped before it or reordered), UCCN_ETIMEDOUT (the
 * handshake deadline has passed), UCCN_ECLOSED (the peer sent an ERROR, in plaintext during
 * the handshake or sealed after it, or the session was already closed), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_session_on_frame(struct uccn_session *s, const uint8_t *frame, size_t len,
	uint64_t now_ms, const uint8_t **payload, size_t *payload_len);

/* Encrypts an application payload of at most UCCN_SESSION_PAYLOAD_MAX bytes into the next
 * outgoing frame. A client may send as soon as it is established (after queueing AUTH), before
 * the server has checked AUTH. UCCN_OK, UCCN_EAGAIN (the handshake is not complete; nothing
 * queued), UCCN_ECLOSED, UCCN_EINVAL (payload too long), UCCN_ENOMEM (nothing queued; the
 * session stays usable). */
UCCN_NODISCARD int uccn_session_send(struct uccn_session *s, const uint8_t *payload, size_t len);

/* Ends the session for a reason of the caller's (the sync engine refused a payload, nothing
 * arrived for too long, ...): queues the ERROR that tells the peer err and reason, in plaintext
 * during the handshake and sealed once established (§10.5), then closes. Send the frames still
 * queued (uccn_session_pop_frame) before closing the websocket. reason is copied, and is what
 * uccn_session_error() returns afterwards. Returns err, or UCCN_ECLOSED (already closed:
 * nothing queued). */
int uccn_session_end(struct uccn_session *s, int err, const char *reason);

/* Encodes the plaintext ERROR frame that refuses a connection before any session exists (too
 * many connections, say): a client reads it where it expects the WELCOME (§10.5). err is a
 * negative uccn code. Appends to out. UCCN_OK, UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_session_encode_refusal(int err, const char *reason, struct uccn_bytes *out);

/* Takes the oldest queued outgoing frame into *frame (caller owns it: uccn_bytes_finish).
 * false when none is queued. Frames queued before the session closed can still be popped and
 * should be sent before closing the websocket: the last one may be an ERROR saying why. */
bool uccn_session_pop_frame(struct uccn_session *s, struct uccn_bytes *frame);

/* Closes a handshake that has not completed by its deadline, queueing an ERROR. UCCN_OK (not
 * due, or established), UCCN_ETIMEDOUT (closed now), UCCN_ECLOSED (already closed). */
int uccn_session_on_timer(struct uccn_session *s, uint64_t now_ms);

/* The handshake deadline while handshaking; UINT64_MAX once established or closed. */
uint64_t uccn_session_next_deadline(const struct uccn_session *s);

bool uccn_session_is_established(const struct uccn_session *s); /* and not closed */
bool uccn_session_is_closed(const struct uccn_session *s);
/* Why the session closed, NUL-terminated, valid for the session's lifetime; "" if it has not.
 */
const char *uccn_session_error(const struct uccn_session *s);

/* The peer's node key. Only once established (asserted); it has then proved it holds it. */
void uccn_session_peer(const struct uccn_session *s, uint8_t key[UCCN_KEY_BYTES]);

/* The kinds the peer asked for, as NUL-terminated strings owned by s; returns their count, 0
 * meaning all kinds. Only once established (asserted). */
size_t uccn_session_peer_kinds(const struct uccn_session *s, const char *const **kinds);

#endif
