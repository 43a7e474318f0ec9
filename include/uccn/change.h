/* change.h - the unit of replication and the values it carries, as decoded views.
 * The wire form is specified in proto/PROTOCOL.md; this header only describes the decoded shape.
 * Strings in these structs are borrowed from the bytes they were decoded from and are not
 * NUL-terminated unless said otherwise. */
#ifndef UCCN_CHANGE_H
#define UCCN_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/error.h>

#define UCCN_KEY_BYTES 32
#define UCCN_HASH_BYTES 32
#define UCCN_SIG_BYTES 64
#define UCCN_KIND_MAX 23 /* longest kind name, bytes */
#define UCCN_ID_MAX 64   /* longest record id, bytes */
/* Longest feed name (PROTOCOL.md §4.5): a kind, then "@secretariat" for the Secretariat alone. */
#define UCCN_FEED_MAX (UCCN_KIND_MAX + 12)
#define UCCN_NAME_MAX 31      /* longest field name, bytes */
#define UCCN_STR_MAX 16384    /* longest string value or list item, bytes */
#define UCCN_FIELDS_MAX 32    /* fields in one change or record */
#define UCCN_ITEMS_MAX 256    /* list items in one change or record, all fields together */
#define UCCN_LIST_MAX 64      /* items in one list value */
#define UCCN_CHANGE_MAX 65536 /* largest signed change, bytes */

/* A growable byte buffer. Zero-initialise it; release with uccn_bytes_finish(). */
struct uccn_bytes {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Appends len bytes; UCCN_OK or UCCN_ENOMEM (the buffer is unchanged then). */
UCCN_NODISCARD int uccn_bytes_append(struct uccn_bytes *b, const void *data, size_t len);
/* Makes room for extra more bytes without changing len. */
UCCN_NODISCARD int uccn_bytes_reserve(struct uccn_bytes *b, size_t extra);
/* Frees the data and zeroes the struct; accepts a zeroed struct. */
void uccn_bytes_finish(struct uccn_bytes *b);

enum uccn_value_type {
	UCCN_VALUE_NIL = 0, /* in a put: removes the field */
	UCCN_VALUE_INT,
	UCCN_VALUE_STR,
	UCCN_VALUE_LIST, /* items are INT or STR, never nested */
};

struct uccn_value {
	enum uccn_value_type type;
	int64_t i;
	const char *str; /* STR: borrowed, str_len bytes, not NUL-terminated */
	size_t str_len;
	const struct uccn_value *items; /* LIST: borrowed */
	size_t count;
};

struct uccn_field {
	const char *name; /* borrowed, name_len bytes */
	size_t name_len;
	struct uccn_value value;
};

enum uccn_op {
	UCCN_OP_PUT = 0,
	UCCN_OP_DELETE = 1,
};

/* A decoded signed change and a materialised record. Opaque: the library hands them out
 * (borrowed, for a callback's duration) and callers read them through the accessors below, so
 * the limits above are not part of the ABI. */
struct uccn_change;
struct uccn_record;

/* The field named name in a record's visible fields, or NULL. */
const struct uccn_value *uccn_record_field(const struct uccn_record *r, const char *name);

/* Accessors: what a caller outside the library reads of a record or a change. Strings are
 * NUL-terminated; everything returned is borrowed for as long as the record or change is. */
const char *uccn_record_kind(const struct uccn_record *r);
const char *uccn_record_id(const struct uccn_record *r);
const uint8_t *uccn_record_owner(const struct uccn_record *r); /* UCCN_KEY_BYTES */
bool uccn_record_deleted(const struct uccn_record *r);
uint64_t uccn_record_created_hlc(const struct uccn_record *r);
uint64_t uccn_record_updated_hlc(const struct uccn_record *r);
/* The visible fields, sorted by name: i from 0 to uccn_record_field_count() - 1. */
size_t uccn_record_field_count(const struct uccn_record *r);
const struct uccn_field *uccn_record_field_at(const struct uccn_record *r, size_t i);

const uint8_t *uccn_change_network(const struct uccn_change *c); /* UCCN_KEY_BYTES */
const uint8_t *uccn_change_author(const struct uccn_change *c);  /* UCCN_KEY_BYTES */
uint64_t uccn_change_seq(const struct uccn_change *c);
/* The hash of the author's previous change in the same feed, or NULL when this change starts
 * the feed (PROTOCOL.md §4.5). */
const uint8_t *uccn_change_prev(const struct uccn_change *c);
uint64_t uccn_change_hlc(const struct uccn_change *c);
const char *uccn_change_kind(const struct uccn_change *c);
const uint8_t *uccn_change_owner(const struct uccn_change *c); /* UCCN_KEY_BYTES */
const char *uccn_change_id(const struct uccn_change *c);
enum uccn_op uccn_change_op(const struct uccn_change *c);
/* The fields the change sets, in wire order; a NIL value removes the field. */
size_t uccn_change_field_count(const struct uccn_change *c);
const struct uccn_field *uccn_change_field_at(const struct uccn_change *c, size_t i);
/* Whether the change's signature is its author's over its signed part (checked anew). */
UCCN_NODISCARD bool uccn_change_signature_ok(const struct uccn_change *c);
/* The whole signed change as stored and sent; *len receives its size. */
const uint8_t *uccn_change_raw(const struct uccn_change *c, size_t *len);

#endif
