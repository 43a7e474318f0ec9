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
};

UCCN_NODISCARD int uccn_codec_encode_proof(const struct uccn_proof *p, struct uccn_bytes *out);
/* UCCN_OK, or UCCN_EPROTO with why; pointers borrow buf. */
UCCN_NODISCARD int uccn_codec_decode_proof(
	const uint8_t *buf, size_t len, struct uccn_proof *out, char *why, size_t why_len);

#endif
