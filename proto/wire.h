/* wire.h - the msgpack core under every codec of proto/, internal to proto/: the one header that
 * includes <msgpack.h>, which no file outside proto/ may include (tests/confined.sh checks). It
 * declares the size guard, the decoding helpers, the packer's sink, and the checks and packing
 * of field names and values (PROTOCOL.md §2) that changes and record state share. It defines no
 * message: each codec file builds its own on these. */
#ifndef PROTO_WIRE_H
#define PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <uccn/change.h>
#include <uccn/error.h>

#include "node/error_internal.h"
#include "proto/codec.h"

/* Whether s is a kind (1 to UCCN_KIND_MAX bytes of [a-z_]) or a field name (1 to
 * UCCN_NAME_MAX bytes of [a-z0-9_]). */
bool uccn_wire_valid_kind(const char *s, size_t len);
bool uccn_wire_valid_name(const char *s, size_t len);

/* Copies an untrusted string into out for a message, replacing what is not printable ASCII so
 * that a peer cannot put control characters into our logs. Returns out. */
const char *uccn_wire_printable(const char *s, size_t len, char *out, size_t out_len);

/* The size guard (wire.c says why it exists): what it found of the object it measured. */
enum uccn_wire_guard {
	UCCN_GUARD_DONE,      /* *end: the object's length */
	UCCN_GUARD_PARTIAL,   /* *end: a lower bound of the length; more bytes needed */
	UCCN_GUARD_TOO_LARGE, /* the object would be longer than limit */
	UCCN_GUARD_TOO_LONG,  /* a str, bin or ext declares more than bin_max bytes */
	UCCN_GUARD_TOO_DEEP,  /* an array or map nested deeper than UCCN_NEST_MAX levels */
};

/* Measures the msgpack object at buf, of which avail bytes are present, against limit, each
 * str, bin and ext in it against bin_max (UCCN_CHANGE_MAX for anything but a compressed batch).
 * No input reaches msgpack-c before this has passed it. */
enum uccn_wire_guard uccn_wire_size_guard(
	const uint8_t *buf, size_t avail, size_t limit, size_t bin_max, size_t *end);

#define UCCN_WIRE_STR_(x) #x
#define UCCN_WIRE_STR(x) UCCN_WIRE_STR_(x)
#define UCCN_WIRE_TOO_DEEP "nested deeper than " UCCN_WIRE_STR(UCCN_NEST_MAX) " levels"

/* Why a whole object did not pass the guard: too deep, or otherwise. */
const char *uccn_wire_guard_why(enum uccn_wire_guard g, const char *otherwise);

/* Unpacks the one object that fills buf[0, len), which uccn_wire_size_guard() has measured.
 * UCCN_OK, UCCN_EPROTO (not msgpack), UCCN_ENOMEM. */
int uccn_wire_unpack_whole(msgpack_unpacked *u, const uint8_t *buf, size_t len);

/* The input a decoder reads, where its messages go, and the caller's list item storage. */
struct uccn_wire_decoder {
	const uint8_t *base;
	size_t len;
	char *why;
	size_t why_len;
	struct uccn_value *items; /* the caller's list item storage */
	size_t nitems;
};

bool uccn_wire_is_uint(const msgpack_object *o);
/* A bin of UCCN_KEY_BYTES. */
bool uccn_wire_is_key(const msgpack_object *o);
/* A str, checked to lie in the input; *s borrows it, *len receives its size. */
int uccn_wire_get_str(
	struct uccn_wire_decoder *d, const msgpack_object *o, const char **s, size_t *len);
/* A bin, left where it is in the input: *p borrows it, checked to lie inside. not_bin is the
 * reason given if o is not a bin. */
int uccn_wire_get_bin_ref(struct uccn_wire_decoder *d, const msgpack_object *o, const char *not_bin,
	const uint8_t **p, size_t *len);
/* A bin of exactly n bytes, copied to out. */
int uccn_wire_get_bin(struct uccn_wire_decoder *d, const msgpack_object *o, uint8_t *out, size_t n);
/* A field value (§2): nil, int, str, or a flat list of ints and strs; list items go to d->items. */
int uccn_wire_get_value(struct uccn_wire_decoder *d, const msgpack_object *o, struct uccn_value *v,
	const char *name, size_t name_len);
/* A field name: a str of 1..31 bytes of [a-z0-9_]. */
int uccn_wire_get_name(
	struct uccn_wire_decoder *d, const msgpack_object *o, const char **name, size_t *len);

/* The opening of a decoder of one message that fills buf exactly: the size guard measures
 * it, then msgpack-c unpacks it into u (initialised here; on UCCN_OK the caller destroys it, on
 * failure there is nothing to destroy). UCCN_OK, UCCN_ENOMEM, or UCCN_EPROTO with why:
 * prefix followed by not_whole when the guard refuses (or the guard's own words, for nesting
 * too deep), not_whole alone whatever the guard found when prefix is NULL, and not_msgpack
 * when msgpack-c refuses. */
UCCN_NODISCARD int uccn_wire_unpack_exact(msgpack_unpacked *u, const uint8_t *buf, size_t len,
	size_t bin_max, const char *prefix, const char *not_whole, const char *not_msgpack, char *why,
	size_t why_len);

/* The packer writes straight into a struct uccn_bytes; a failed append is remembered and
 * reported once at the end, and the buffer is cut back to where the encoding started. */
struct uccn_wire_sink {
	struct uccn_bytes *out;
	size_t start; /* out->len when the encoding began */
	bool failed;
	msgpack_packer pk;
};

/* Starts an encoding appended to out; returns the packer to write with (it lives in s). */
msgpack_packer *uccn_wire_sink_begin(struct uccn_wire_sink *s, struct uccn_bytes *out);
/* UCCN_OK, or UCCN_ENOMEM with out cut back to where the encoding began. */
int uccn_wire_sink_end(struct uccn_wire_sink *s);
void uccn_wire_pack_str(msgpack_packer *pk, const char *s, size_t len);
void uccn_wire_pack_bin(msgpack_packer *pk, const uint8_t *b, size_t len);
/* Whether v is a value the decoder accepts; adds its list items to *nitems. */
bool uccn_wire_valid_value(const struct uccn_value *v, size_t *nitems);
void uccn_wire_pack_value(msgpack_packer *pk, const struct uccn_value *v);

#endif
