/* sync_codec.h - the sync messages of an established session (PROTOCOL.md §11). */
#ifndef PROTO_SYNC_CODEC_H
#define PROTO_SYNC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* Sync messages (PROTOCOL.md §11): the payloads of an established session (§10). */
enum uccn_sync_type {
	UCCN_SYNC_VECTOR = 1,  /* [1, [[author bin32, feed str, seq uint]...]]: what I hold */
	UCCN_SYNC_CHANGES = 2, /* [2, batch uint, [change bin...]]: in chain order */
	UCCN_SYNC_ACK = 3,     /* [3, batch uint(, held uint)]: that batch is stored */
	UCCN_SYNC_DONE = 4,    /* [4, changes sent uint]: nothing more to send for now */
	UCCN_SYNC_PING = 5,    /* [5, token uint]: are you there? */
	UCCN_SYNC_PONG = 6,    /* [6, token uint]: the answer, same token */
};
#define UCCN_SYNC_VECTOR_MAX 65536 /* feeds in one vector */
#define UCCN_SYNC_BATCH_MAX 1024   /* changes in one batch */

struct uccn_sync_entry {
	uint8_t author[UCCN_KEY_BYTES];
	const char *feed; /* the feed's name (PROTOCOL.md §4.5) */
	char feed_buf[UCCN_FEED_MAX + 1];
	uint64_t seq;
};

struct uccn_sync_slice {
	const uint8_t *data; /* borrowed from the message */
	size_t len;
};

/* A decoded sync message; free with uccn_codec_sync_msg_finish. */
struct uccn_sync_msg {
	enum uccn_sync_type type;
	uint64_t value; /* CHANGES: batch number; ACK: batch; DONE: changes sent */
	bool has_held;  /* ACK: it carried its optional third element */
	uint64_t held;  /* ACK: of the changes received in the session, those held back */
	size_t count;
	struct uccn_sync_entry *entries; /* VECTOR */
	struct uccn_sync_slice *changes; /* CHANGES */
};

UCCN_NODISCARD int uccn_codec_encode_sync_vector(
	const struct uccn_sync_entry *entries, size_t n, struct uccn_bytes *out);
UCCN_NODISCARD int uccn_codec_encode_sync_changes(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out);
/* ACK, DONE, PING or PONG. */
UCCN_NODISCARD int uccn_codec_encode_sync_simple(
	enum uccn_sync_type type, uint64_t value, struct uccn_bytes *out);
/* ACK with its third element, held (PROTOCOL.md §11.1): for a peer that announced it reads it. */
UCCN_NODISCARD int uccn_codec_encode_sync_ack_held(
	uint64_t batch, uint64_t held, struct uccn_bytes *out);
/* The VECTOR entry that says "I read the ACK's held" (§11.1): the zero key, this feed name. */
#define UCCN_SYNC_ACK_HELD_FEED "ack-held"
/* UCCN_OK, UCCN_EPROTO (why says what), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len);
/* Accepts a zeroed message. */
void uccn_codec_sync_msg_finish(struct uccn_sync_msg *m);

#endif
