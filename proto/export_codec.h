/* export_codec.h - the export file (PROTOCOL.md §7): writers for its parts and a streaming
 * reader. No I/O: the caller moves the bytes and checks the trailer's hash. */
#ifndef PROTO_EXPORT_CODEC_H
#define PROTO_EXPORT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

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

#endif
