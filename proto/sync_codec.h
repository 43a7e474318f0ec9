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
	UCCN_SYNC_RECON = 7,   /* [7, [feature str...], [range...]]: reconciling feed heads */
	/* [8, batch uint, zstd frame bin]: CHANGES compressed; decoded as UCCN_SYNC_CHANGES with
	 * `compressed` set. */
	UCCN_SYNC_ZCHANGES = 8,
};
#define UCCN_SYNC_VECTOR_MAX 65536 /* feeds in one vector */
#define UCCN_SYNC_BATCH_MAX 1024   /* changes in one batch */
/* What a compressed batch may decompress to (PROTOCOL.md §11.9): a frame's worth. */
#define UCCN_SYNC_INFLATED_MAX (1024 * 1024)
/* A range's bound: a prefix of a feed's key, author (32 bytes) then feed name (§11.1). */
#define UCCN_SYNC_BOUND_MAX (UCCN_KEY_BYTES + UCCN_FEED_MAX)
#define UCCN_SYNC_FP_BYTES 8       /* a range's fingerprint */
#define UCCN_SYNC_SALT_BYTES 8     /* a LIST's salt for the digests of its heads */
#define UCCN_SYNC_DIGEST_BYTES 4   /* a head's digest in a LIST */
#define UCCN_SYNC_RANGES_MAX 65536 /* ranges in one RECON */
#define UCCN_SYNC_FEATURES_MAX 16  /* features offered in one RECON */
#define UCCN_SYNC_FEATURE_ZSTD 1u  /* "zstd" offered (a bit of uccn_sync_msg.features) */
#define UCCN_SYNC_FEATURE_ACK_HELD 2u /* "ack-held": its ACKs may carry held (§11.1) */

/* What a RECON says of one range of feed keys (PROTOCOL.md §11.8). */
enum uccn_sync_mode {
	UCCN_RANGE_SKIP = 0, /* nothing more to say of it */
	UCCN_RANGE_FP = 1,   /* the fingerprint of the sender's heads in it */
	UCCN_RANGE_LIST = 2, /* every head the sender has in it: most by digest */
	UCCN_RANGE_LACK = 3, /* the answer to a LIST: where the sender is behind it */
};

/* A range: from the bound of the range before it (the first: from the empty key) up to, not
 * including, its own bound; the last one has no bound (open_end). */
struct uccn_sync_range {
	uint8_t bound[UCCN_SYNC_BOUND_MAX];
	size_t bound_len;
	bool open_end;
	enum uccn_sync_mode mode;
	uint8_t fp[UCCN_SYNC_FP_BYTES];     /* FP */
	uint8_t salt[UCCN_SYNC_SALT_BYTES]; /* LIST */
	size_t first, count;   /* LIST, LACK: the heads named in full, entries[first, first + count) */
	size_t tfirst, tcount; /* LIST: heads by digest; LACK: answers by index; tags[tfirst, ...) */
};

/* A LIST's head by digest, or a LACK's answer to the head at an index of the LIST. */
struct uccn_sync_tag {
	uint32_t id; /* LIST: the digest's 4 bytes, big-endian; LACK: the index */
	uint64_t seq;
};

struct uccn_sync_entry {
	uint8_t author[UCCN_KEY_BYTES]; /* in a RECON, not on the wire: the engine sets it from who */
	const char *feed;               /* the feed's name (PROTOCOL.md §4.5) */
	char feed_buf[UCCN_FEED_MAX + 1];
	uint64_t seq;
	uint8_t who; /* in a RECON: the author is 0 the session's client's key, 1 its server's */
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
	bool compressed;                 /* CHANGES: it came as ZCHANGES */
	uint8_t *inflated;               /* owned: what changes borrow from when compressed */
	unsigned features;               /* RECON: UCCN_SYNC_FEATURE_* offered */
	struct uccn_sync_range *ranges;  /* RECON; its items are entries[0, count), tags[0, ntags) */
	size_t nranges;
	struct uccn_sync_tag *tags;
	size_t ntags;
};

/* A feed's key, author then feed name, into key (UCCN_SYNC_BOUND_MAX bytes); its length. */
size_t uccn_codec_sync_key(const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint8_t *key);
/* Bytewise order (§1): memcmp over the shorter length, then the shorter first. */
int uccn_codec_sync_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Whether key lies below the range's bound (always, for the last range). */
bool uccn_codec_sync_below(const struct uccn_sync_range *r, const uint8_t *key, size_t len);

UCCN_NODISCARD int uccn_codec_encode_sync_vector(
	const struct uccn_sync_entry *entries, size_t n, struct uccn_bytes *out);
UCCN_NODISCARD int uccn_codec_encode_sync_changes(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out);
/* CHANGES as ZCHANGES: the batch's array of changes in one zstd frame. */
UCCN_NODISCARD int uccn_codec_encode_sync_zchanges(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out);
/* A RECON: features (UCCN_SYNC_FEATURE_* bits), then n ranges whose LIST and LACK items are
 * in entries (by who and feed) and tags. */
UCCN_NODISCARD int uccn_codec_encode_sync_recon(unsigned features,
	const struct uccn_sync_range *ranges, size_t n, const struct uccn_sync_entry *entries,
	const struct uccn_sync_tag *tags, struct uccn_bytes *out);
/* ACK, DONE, PING or PONG. */
UCCN_NODISCARD int uccn_codec_encode_sync_simple(
	enum uccn_sync_type type, uint64_t value, struct uccn_bytes *out);
/* ACK with its third element, held (PROTOCOL.md §11.1): only for a peer whose first RECON
 * offered "ack-held". */
UCCN_NODISCARD int uccn_codec_encode_sync_ack_held(
	uint64_t batch, uint64_t held, struct uccn_bytes *out);
/* UCCN_OK, UCCN_EPROTO (why says what), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len);
/* Accepts a zeroed message. */
void uccn_codec_sync_msg_finish(struct uccn_sync_msg *m);

#endif
