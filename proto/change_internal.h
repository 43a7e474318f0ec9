/* change_internal.h - the layout of a decoded change and a materialised record, which
 * <uccn/change.h> keeps opaque: only the library (node/ and proto/), its tests and the
 * benchmarks that time its internals read the fields. Callers outside go through the
 * accessors, so a limit of change.h can change without breaking them. */
#ifndef PROTO_CHANGE_INTERNAL_H
#define PROTO_CHANGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>

/* A decoded signed change. Pointers borrow the encoded bytes (raw) and stay valid while those
 * bytes do; list items live in the struct's own items array. */
struct uccn_change {
	const uint8_t *raw; /* the whole signed change, as stored and sent */
	size_t raw_len;
	const uint8_t *body; /* the signed part of raw */
	size_t body_len;
	const uint8_t *sig; /* UCCN_SIG_BYTES */

	uint8_t network[UCCN_KEY_BYTES];
	uint8_t author[UCCN_KEY_BYTES];
	uint64_t seq;  /* 1 for the author's first change */
	bool has_prev; /* false exactly when seq == 1 */
	uint8_t prev[UCCN_HASH_BYTES];
	uint64_t hlc;                  /* hybrid logical clock: ms << 16 | counter */
	char kind[UCCN_KIND_MAX + 1];  /* NUL-terminated */
	uint8_t owner[UCCN_KEY_BYTES]; /* the record's owner; equals author when the wire says nil
					*/
	char id[UCCN_ID_MAX + 1];      /* NUL-terminated */
	enum uccn_op op;
	size_t nfields;
	struct uccn_field fields[UCCN_FIELDS_MAX];
	size_t nitems;
	struct uccn_value items[UCCN_ITEMS_MAX];
};

/* A record as materialised from its changes, with only the visible (non-deleted, non-nil)
 * fields. Strings borrow the buffer the record was read from. */
struct uccn_record {
	char kind[UCCN_KIND_MAX + 1];
	uint8_t owner[UCCN_KEY_BYTES];
	char id[UCCN_ID_MAX + 1];
	bool deleted;
	uint64_t created_hlc; /* HLC of the oldest change that touched the record */
	uint64_t updated_hlc; /* HLC of the newest */
	size_t nfields;       /* sorted by name */
	struct uccn_field fields[UCCN_FIELDS_MAX];
	size_t nitems;
	struct uccn_value items[UCCN_ITEMS_MAX];
};

#endif
