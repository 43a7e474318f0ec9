/* state_codec.h - the canonical encoding of a record's merge state (PROTOCOL.md §6). */
#ifndef PROTO_STATE_CODEC_H
#define PROTO_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

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

/* Encodes s canonically (fields must already be sorted by name) for the record owned by owner,
 * which the bytes imply and do not carry (§6). Appends to out. */
UCCN_NODISCARD int uccn_codec_encode_state(
	const struct uccn_state *s, const uint8_t owner[UCCN_KEY_BYTES], struct uccn_bytes *out);

/* Decodes a state written by uccn_codec_encode_state for the same owner; strings borrow buf.
 * UCCN_EPROTO if the bytes are not one. */
UCCN_NODISCARD int uccn_codec_decode_state(const uint8_t *buf, size_t len,
	const uint8_t owner[UCCN_KEY_BYTES], struct uccn_state *out);

/* Decodes a state of the first layout (every field with its clock, the owner in the authors
 * table), which stores of schema 8 and before hold; only their migration reads it. */
UCCN_NODISCARD int uccn_codec_decode_state_v1(
	const uint8_t *buf, size_t len, struct uccn_state *out);

#endif
