/* codec.h - msgpack encoding and decoding of everything uccn writes: signed changes, record
 * state, and the export file. The only module that includes <msgpack.h>. No I/O, no clock, no
 * crypto: signatures and hashes are computed by the caller (node/crypto.h). Every decoder reads
 * a whole item or fails with UCCN_EPROTO; none reads past the length it is given.
 * Section numbers refer to proto/PROTOCOL.md. */
#ifndef PROTO_CODEC_H
#define PROTO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

#define UCCN_WIRE_VERSION 1

/* Arrays and maps nest at most this deep, the outermost object being at level 1 (PROTOCOL.md
 * §1): a decoder refuses a container inside this many others as malformed. uccn itself never
 * nests deeper than 4; msgpack-c gives up past 32, and as if for want of memory. */
#define UCCN_NEST_MAX 16

/* Encodes the signed body of c (PROTOCOL.md §2): network, author, seq, prev (nil when !has_prev),
 * hlc, kind, owner (nil when equal to author), id, op, fields in the given order. Appends to out.
 * Returns UCCN_OK, UCCN_EINVAL (c breaks a limit of change.h: too long a kind, id or name, too
 * many fields or items, a nested list), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_encode_body(const struct uccn_change *c, struct uccn_bytes *out);

/* Wraps a body and its Ed25519 signature into the signed change (PROTOCOL.md §3). */
UCCN_NODISCARD int uccn_codec_encode_signed(const uint8_t *body, size_t body_len,
	const uint8_t sig[UCCN_SIG_BYTES], struct uccn_bytes *out);

/* Decodes a signed change that fills buf exactly (no trailing bytes). Fills *out with borrowed
 * pointers into buf; does not verify the signature or any rule beyond the wire shape (types,
 * sizes, limits, seq >= 1, prev present exactly when seq > 1, no duplicate field names).
 * Returns UCCN_OK or UCCN_EPROTO (why, if not NULL, says what is wrong), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_change(
	const uint8_t *buf, size_t len, struct uccn_change *out, char *why, size_t why_len);

/* One field of a record's merge state: the winning value and the clock that wrote it. */
struct uccn_state_field {
	struct uccn_field field; /* value may be NIL: a removed field that still holds its clock */
	uint64_t hlc;
	uint8_t author[UCCN_KEY_BYTES];
};

/* The merge state of one record (PROTOCOL.md §6, internal to a node but canonical: the same
 * logical state always encodes to the same bytes). Strings borrow whatever the fields were
 * copied from; list items live in items. */
struct uccn_state {
	bool has_tomb;
	uint64_t tomb_hlc;
	uint8_t tomb_author[UCCN_KEY_BYTES];
	uint64_t created_hlc; /* lowest HLC of any change applied */
	uint64_t updated_hlc; /* highest */
	size_t nfields;       /* sorted by name, bytewise */
	struct uccn_state_field fields[UCCN_FIELDS_MAX];
	size_t nitems;
	struct uccn_value items[UCCN_ITEMS_MAX];
};

/* Encodes s canonically (fields must already be sorted by name). Appends to out. */
UCCN_NODISCARD int uccn_codec_encode_state(const struct uccn_state *s, struct uccn_bytes *out);

/* Decodes a state written by uccn_codec_encode_state; strings borrow buf. UCCN_EPROTO if the
 * bytes are not one. */
UCCN_NODISCARD int uccn_codec_decode_state(const uint8_t *buf, size_t len, struct uccn_state *out);

/* The export file (PROTOCOL.md §7): a header, each signed change wrapped as a msgpack bin, and a
 * trailer with the count and the BLAKE2b-256 of the changes' bytes concatenated. */
UCCN_NODISCARD int uccn_codec_encode_file_header(
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_bytes *out);
/* The header of a file that carries feeds meant for the Secretariat alone: it names reader, the
 * key of the node it was written for (§7). */
UCCN_NODISCARD int uccn_codec_encode_file_header_for(const uint8_t network[UCCN_KEY_BYTES],
	const uint8_t reader[UCCN_KEY_BYTES], struct uccn_bytes *out);
UCCN_NODISCARD int uccn_codec_encode_file_change(
	const uint8_t *change, size_t len, struct uccn_bytes *out);
UCCN_NODISCARD int uccn_codec_encode_file_trailer(
	uint64_t count, const uint8_t hash[UCCN_HASH_BYTES], struct uccn_bytes *out);

enum uccn_file_item_type {
	UCCN_FILE_HEADER,
	UCCN_FILE_CHANGE,
	UCCN_FILE_TRAILER,
};

struct uccn_file_item {
	enum uccn_file_item_type type;
	uint64_t offset;                 /* byte offset of the item in the file, for messages */
	uint8_t network[UCCN_KEY_BYTES]; /* HEADER */
	bool has_reader;                 /* HEADER: written for one reader (§7) */
	uint8_t reader[UCCN_KEY_BYTES];  /* HEADER, when has_reader */
	const uint8_t *change;           /* CHANGE: borrowed until the next reader call */
	size_t change_len;
	uint64_t count;                /* TRAILER */
	uint8_t hash[UCCN_HASH_BYTES]; /* TRAILER */
};

/* A streaming reader of export files: feed it bytes as they come, take items as they complete.
 * It enforces the order header, changes, trailer, and that nothing follows the trailer. */
struct uccn_file_reader;

UCCN_NODISCARD int uccn_codec_reader_create(struct uccn_file_reader **out);
/* Accepts NULL. */
void uccn_codec_reader_destroy(struct uccn_file_reader *r);
/* Copies len bytes into the reader. UCCN_OK or UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_reader_feed(
	struct uccn_file_reader *r, const uint8_t *buf, size_t len);
/* The next complete item. UCCN_OK: *item is filled (borrowed until the next call);
 * UCCN_EAGAIN: more bytes are needed; UCCN_EPROTO: the bytes are not a valid export file (why
 * says what and where; the reader is then unusable); UCCN_ENOMEM.
 * After the trailer, any further byte is UCCN_EPROTO. */
UCCN_NODISCARD int uccn_codec_reader_next(
	struct uccn_file_reader *r, struct uccn_file_item *item, char *why, size_t why_len);
/* Whether the reader holds bytes it has not yet returned as items (a cut-off file at EOF). */
bool uccn_codec_reader_has_partial(const struct uccn_file_reader *r);
/* Whether the trailer has been read. */
bool uccn_codec_reader_is_done(const struct uccn_file_reader *r);

/* An inclusion proof of one designation under a signed tree head (PROTOCOL.md §9). The two
 * changes are borrowed (as signed); the codec checks shapes only, never signatures. */
#define UCCN_PROOF_MAX_PATH 64
struct uccn_proof {
	uint8_t network[UCCN_KEY_BYTES];
	const uint8_t *designation; /* the signed designation change: the leaf */
	size_t designation_len;
	uint64_t index;      /* the leaf's index in the tree */
	const uint8_t *head; /* the signed tree head change */
	size_t head_len;
	size_t npath;
	uint8_t path[UCCN_PROOF_MAX_PATH][UCCN_HASH_BYTES]; /* the audit path, leaf upwards */
	const char *note; /* the checkpoint as a signed note (§9.8 version 2), not NUL-ended */
	size_t note_len;
};

UCCN_NODISCARD int uccn_codec_encode_proof(const struct uccn_proof *p, struct uccn_bytes *out);
/* UCCN_OK, or UCCN_EPROTO with why; pointers borrow buf. */
UCCN_NODISCARD int uccn_codec_decode_proof(
	const uint8_t *buf, size_t len, struct uccn_proof *out, char *why, size_t why_len);

/* Session handshake messages (PROTOCOL.md §10): HELLO, WELCOME, AUTH and ERROR, each one whole
 * websocket frame. The codec checks shapes and limits only; the session (node/session.c)
 * checks networks, keys and signatures. */
#define UCCN_SESSION_VERSION 1
#define UCCN_SESSION_NONCE_BYTES 32
#define UCCN_SESSION_KINDS_MAX 32       /* kinds in one HELLO or WELCOME */
#define UCCN_SESSION_REASON_MAX 255     /* bytes of an ERROR's reason, as encoded */
#define UCCN_SESSION_HANDSHAKE_MAX 4096 /* longest handshake frame (the real ones are < 1 KiB) */

enum uccn_session_msg_type {
	UCCN_SESSION_HELLO = 1,
	UCCN_SESSION_WELCOME,
	UCCN_SESSION_AUTH,
	UCCN_SESSION_ERROR,
};

/* A handshake message; which fields count depends on type (the comment after each). Decoded
 * pointers borrow the frame. */
struct uccn_session_msg {
	enum uccn_session_msg_type type;
	uint64_t version;                          /* HELLO, WELCOME */
	uint8_t network[UCCN_KEY_BYTES];           /* HELLO, WELCOME */
	uint8_t node_key[UCCN_KEY_BYTES];          /* HELLO, WELCOME: Ed25519 public key */
	uint8_t kx_key[UCCN_KEY_BYTES];            /* HELLO, WELCOME: ephemeral X25519 public key */
	uint8_t nonce[UCCN_SESSION_NONCE_BYTES];   /* HELLO, WELCOME */
	size_t nkinds;                             /* HELLO, WELCOME: 0 = all kinds */
	const char *kinds[UCCN_SESSION_KINDS_MAX]; /* kind_lens[i] bytes each, not NUL-terminated */
	size_t kind_lens[UCCN_SESSION_KINDS_MAX];
	uint8_t sig[UCCN_SIG_BYTES]; /* WELCOME, AUTH */
	/* WELCOME, decoded: the bytes of elements 0 to 6 in the frame. The server signed the array
	 * of 7 that is the byte 0x97 followed by these (§10.3). */
	const uint8_t *signed_elements;
	size_t signed_elements_len;
	uint64_t code;      /* ERROR: a uccn error code, as a positive number */
	const char *reason; /* ERROR: reason_len bytes, not NUL-terminated, not checked */
	size_t reason_len;
};

/* Encodes m as its frame (for a WELCOME, all 8 elements, with m->sig). Appends to out.
 * UCCN_OK, UCCN_EINVAL (too many kinds, a kind that is not 1 to 23 bytes of [a-z_], a reason
 * longer than UCCN_SESSION_REASON_MAX), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_encode_session(
	const struct uccn_session_msg *m, struct uccn_bytes *out);

/* Encodes the part of a WELCOME the server signs: the array of its first 7 elements. Appends to
 * out. Errors as uccn_codec_encode_session. */
UCCN_NODISCARD int uccn_codec_encode_welcome_unsigned(
	const struct uccn_session_msg *m, struct uccn_bytes *out);

/* Decodes a handshake frame that fills buf exactly. A HELLO or WELCOME whose version is not
 * UCCN_SESSION_VERSION is returned with only type and version set, since the rest of another
 * version's message may have another shape: the caller refuses it by its version.
 * UCCN_OK, UCCN_EPROTO (why, if not NULL, says what is wrong), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_session(
	const uint8_t *buf, size_t len, struct uccn_session_msg *out, char *why, size_t why_len);

/* Sync messages (PROTOCOL.md §11): the payloads of an established session (§10). */
enum uccn_sync_type {
	UCCN_SYNC_VECTOR = 1,  /* [1, [[author bin32, feed str, seq uint]...]]: what I hold */
	UCCN_SYNC_CHANGES = 2, /* [2, batch uint, [change bin...]]: in chain order */
	UCCN_SYNC_ACK = 3,     /* [3, batch uint]: that batch is stored */
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
/* UCCN_OK, UCCN_EPROTO (why says what), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len);
/* Accepts a zeroed message. */
void uccn_codec_sync_msg_finish(struct uccn_sync_msg *m);

#endif
