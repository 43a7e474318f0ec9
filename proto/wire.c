/* wire.c - the msgpack core under every codec of proto/ (PROTOCOL.md §1): the size guard that
 * measures input before msgpack-c sees it, the decoding helpers that hand out borrowed pointers,
 * the packer's sink, and the checks and packing of field names and values (§2) that changes and
 * record state share. It knows no message: each codec file builds its own on these. */
#include "proto/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Shared checks */

static bool is_kind_char(unsigned char ch) {
	return (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_name_char(unsigned char ch) {
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static bool all_chars(const char *s, size_t len, bool (*ok)(unsigned char)) {
	for (size_t i = 0; i < len; i++) {
		if (!ok((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

bool uccn_wire_valid_kind(const char *s, size_t len) {
	return len >= 1 && len <= UCCN_KIND_MAX && all_chars(s, len, is_kind_char);
}

bool uccn_wire_valid_name(const char *s, size_t len) {
	return len >= 1 && len <= UCCN_NAME_MAX && all_chars(s, len, is_name_char);
}

/* Copies an untrusted string into out for a message, replacing what is not printable ASCII so
 * that a peer cannot put control characters into our logs. */
const char *uccn_wire_printable(const char *s, size_t len, char *out, size_t out_len) {
	size_t n = 0;
	for (size_t i = 0; i < len && n + 4 < out_len; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[n++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch : '?';
	}
	if (len > 0 && n < len && n + 4 >= out_len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Size guard.
 *
 * msgpack-c's C API has no limits (its C++ API has unpack_limit; the C API has nothing like it):
 * it allocates an array's or a map's slots at the size the header declares as soon as it reads
 * the header, before any element arrives, so five hostile bytes (dd ff ff ff ff) would make it
 * ask for 96 GiB. So no input reaches msgpack-c before uccn_wire_size_guard() has measured every
 * size it declares (container counts, str, bin and ext lengths) against the bytes actually present
 * and against a limit. The guard produces no values and judges nothing but sizes: msgpack-c
 * decodes, and refuses what is not msgpack. Once the guard has passed an object, msgpack-c
 * allocates at most a small multiple of its length. The guard also tells where the object ends,
 * which a streaming reader needs to know when an item is complete.
 *
 * It bounds nesting too. msgpack-c keeps a fixed stack of 32 open containers and reports a
 * deeper object as if it had run out of memory, which would make a hostile change look like a
 * fault of this node (an import stopped, a session ended for memory) instead of a malformed
 * change refused. So the guard refuses any array or map nested deeper than UCCN_NEST_MAX levels
 * (§1) as soon as it reads its tag, well inside msgpack-c's stack. */

enum { COUNTS_BYTES, COUNTS_ELEMENTS, COUNTS_PAIRS };

/* The tags 0xc0..0xdf: how wide a length follows the tag, what it counts, and how many bytes
 * of fixed size come after it. 0xc1 (never used) measures as the tag alone; msgpack-c refuses
 * it. */
static const struct {
	uint8_t width, counts, fixed;
} TAGS[32] = {
	{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, /* nil, (unused), false, true */
	{1, COUNTS_BYTES, 0}, {2, COUNTS_BYTES, 0}, {4, COUNTS_BYTES, 0}, /* bin 8/16/32 */
	{1, COUNTS_BYTES, 1}, {2, COUNTS_BYTES, 1}, {4, COUNTS_BYTES, 1}, /* ext 8/16/32 + type */
	{0, 0, 4}, {0, 0, 8},                                             /* float 32/64 */
	{0, 0, 1}, {0, 0, 2}, {0, 0, 4}, {0, 0, 8},                       /* uint 8/16/32/64 */
	{0, 0, 1}, {0, 0, 2}, {0, 0, 4}, {0, 0, 8},                       /* int 8/16/32/64 */
	{0, 0, 2}, {0, 0, 3}, {0, 0, 5}, {0, 0, 9}, {0, 0, 17}, /* fixext 1/2/4/8/16 + type */
	{1, COUNTS_BYTES, 0}, {2, COUNTS_BYTES, 0}, {4, COUNTS_BYTES, 0}, /* str 8/16/32 */
	{2, COUNTS_ELEMENTS, 0}, {4, COUNTS_ELEMENTS, 0},                 /* array 16/32 */
	{2, COUNTS_PAIRS, 0}, {4, COUNTS_PAIRS, 0},                       /* map 16/32 */
};

/* Measures the msgpack object at buf, of which avail bytes are present, against limit. */
enum uccn_wire_guard uccn_wire_size_guard(
	const uint8_t *buf, size_t avail, size_t limit, size_t bin_max, size_t *end) {
	uint64_t pending = 1; /* objects not yet measured; each takes at least one byte */
	/* left[k]: objects not yet measured in the container open at level k (level 0 holds the
	 * one outermost object); depth: containers open around the next object. */
	uint64_t left[UCCN_NEST_MAX + 1];
	size_t depth = 0;
	left[0] = 1;
	size_t pos = 0;
	while (pending > 0) {
		while (left[depth] == 0) {
			depth--; /* pending > 0, so some enclosing container still waits */
		}
		if (pending > limit - pos) {
			return UCCN_GUARD_TOO_LARGE;
		}
		if (pos >= avail) {
			*end = pos + (size_t)pending;
			return UCCN_GUARD_PARTIAL;
		}
		uint8_t tag = buf[pos++];
		pending--;
		left[depth]--;
		uint64_t skip = 0;     /* payload bytes after the tag and its length */
		uint64_t elements = 0; /* objects the container holds, keys and values */
		bool container = false;
		if (tag >= 0x80 && tag <= 0x8f) {
			container = true;
			elements = 2 * (uint64_t)(tag & 0x0f); /* fixmap */
		} else if (tag >= 0x90 && tag <= 0x9f) {
			container = true;
			elements = tag & 0x0f; /* fixarray */
		} else if (tag >= 0xa0 && tag <= 0xbf) {
			skip = tag & 0x1f; /* fixstr */
		} else if (tag >= 0xc0 && tag <= 0xdf) {
			size_t width = TAGS[tag - 0xc0].width;
			skip = TAGS[tag - 0xc0].fixed;
			if (width + pending > limit - pos) {
				return UCCN_GUARD_TOO_LARGE;
			}
			if (width > avail - pos) {
				*end = pos + width + (size_t)pending;
				return UCCN_GUARD_PARTIAL;
			}
			uint64_t n = 0;
			for (size_t i = 0; i < width; i++) {
				n = n << 8 | buf[pos++];
			}
			if (TAGS[tag - 0xc0].counts == COUNTS_BYTES) {
				if (n > bin_max) {
					return UCCN_GUARD_TOO_LONG; /* uccn never needs one that
								       long */
				}
				skip += n;
			} else {
				container = true;
				elements = TAGS[tag - 0xc0].counts == COUNTS_PAIRS ? 2 * n : n;
			}
		} /* else a positive or negative fixint: the tag alone */
		if (container) {
			/* An empty container counts too: the rule is about levels, not contents. */
			if (depth >= UCCN_NEST_MAX) {
				return UCCN_GUARD_TOO_DEEP;
			}
			pending += elements;
			if (elements > 0) {
				left[++depth] = elements;
			}
		}
		if (skip + pending > limit - pos) {
			return UCCN_GUARD_TOO_LARGE;
		}
		if (skip > avail - pos) {
			*end = pos + (size_t)skip + (size_t)pending;
			return UCCN_GUARD_PARTIAL;
		}
		pos += (size_t)skip;
	}
	*end = pos;
	return UCCN_GUARD_DONE;
}

/* Why a whole object did not pass the guard: too deep, or otherwise. */
const char *uccn_wire_guard_why(enum uccn_wire_guard g, const char *otherwise) {
	return g == UCCN_GUARD_TOO_DEEP ? UCCN_WIRE_TOO_DEEP : otherwise;
}

/* Unpacks the one object that fills buf[0, len), which uccn_wire_size_guard() has measured. */
int uccn_wire_unpack_whole(msgpack_unpacked *u, const uint8_t *buf, size_t len) {
	size_t off = 0;
	msgpack_unpack_return ret = msgpack_unpack_next(u, (const char *)buf, len, &off);
	switch (ret) {
	case MSGPACK_UNPACK_SUCCESS:
	case MSGPACK_UNPACK_EXTRA_BYTES:
		/* The guard said the object ends at len; a disagreement is a bug in one of the two.
		 */
		return off == len ? UCCN_OK : UCCN_EPROTO;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		return UCCN_ENOMEM;
	case MSGPACK_UNPACK_CONTINUE:
	case MSGPACK_UNPACK_PARSE_ERROR:
	default:
		/* Not msgpack (0xc1), or nested deeper than msgpack-c's fixed stack (32). */
		return UCCN_EPROTO;
	}
}

int uccn_wire_unpack_exact(msgpack_unpacked *u, const uint8_t *buf, size_t len, size_t bin_max,
	const char *prefix, const char *not_whole, const char *not_msgpack, char *why,
	size_t why_len) {
	size_t end = 0;
	enum uccn_wire_guard g = uccn_wire_size_guard(buf, len, len, bin_max, &end);
	if (g != UCCN_GUARD_DONE || end != len) {
		return prefix == NULL ? uccn_error_set(why, why_len, UCCN_EPROTO, "%s", not_whole)
				      : uccn_error_set(why, why_len, UCCN_EPROTO, "%s%s", prefix,
						uccn_wire_guard_why(g, not_whole));
	}
	msgpack_unpacked_init(u);
	int err = uccn_wire_unpack_whole(u, buf, len);
	if (err < 0) {
		msgpack_unpacked_destroy(u);
		return err == UCCN_ENOMEM
			       ? err
			       : uccn_error_set(why, why_len, UCCN_EPROTO, "%s", not_msgpack);
	}
	return UCCN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Decoding helpers. msgpack-c does not copy strings or bins: they point into the input. Each
 * pointer kept is checked to lie inside that input before it is handed out as borrowed. */

static bool inside(const struct uccn_wire_decoder *d, const void *p, size_t n) {
	const uint8_t *q = p;
	if (n == 0) {
		return true;
	}
	return q != NULL && q >= d->base && n <= d->len && (size_t)(q - d->base) <= d->len - n;
}

bool uccn_wire_is_uint(const msgpack_object *o) {
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

bool uccn_wire_is_key(const msgpack_object *o) {
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == UCCN_KEY_BYTES;
}

/* A str, checked to lie in the input; str_len receives its size. */
int uccn_wire_get_str(
	struct uccn_wire_decoder *d, const msgpack_object *o, const char **s, size_t *len) {
	if (o->type != MSGPACK_OBJECT_STR) {
		return UCCN_EPROTO;
	}
	if (!inside(d, o->via.str.ptr, o->via.str.size)) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"internal error: a string outside the input");
	}
	*s = o->via.str.size > 0 ? o->via.str.ptr : "";
	*len = o->via.str.size;
	return UCCN_OK;
}

/* A bin, left where it is in the input: *p borrows it, checked to lie inside. not_bin is the
 * reason given if o is not a bin. */
int uccn_wire_get_bin_ref(struct uccn_wire_decoder *d, const msgpack_object *o, const char *not_bin,
	const uint8_t **p, size_t *len) {
	if (o->type != MSGPACK_OBJECT_BIN) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "%s", not_bin);
	}
	if (!inside(d, o->via.bin.ptr, o->via.bin.size)) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "internal error: a bin outside the input");
	}
	*p = o->via.bin.size > 0 ? (const uint8_t *)o->via.bin.ptr : d->base;
	*len = o->via.bin.size;
	return UCCN_OK;
}

/* A bin of exactly n bytes, copied to out. */
int uccn_wire_get_bin(
	struct uccn_wire_decoder *d, const msgpack_object *o, uint8_t *out, size_t n) {
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n) {
		return UCCN_EPROTO;
	}
	memcpy(out, o->via.bin.ptr, n);
	return UCCN_OK;
}

/* A scalar value or list item: int or str. Returns 1, with no message, for any other type, so
 * that the caller can say where the value was. */
static int get_scalar(struct uccn_wire_decoder *d, const msgpack_object *o, struct uccn_value *v,
	const char *where, const char *name, size_t name_len) {
	char shown[48];
	memset(v, 0, sizeof(*v));
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"%s \"%s\": integer does not fit 64 signed bits", where,
				uccn_wire_printable(name, name_len, shown, sizeof(shown)));
		}
		v->type = UCCN_VALUE_INT;
		v->i = (int64_t)o->via.u64;
		return UCCN_OK;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		v->type = UCCN_VALUE_INT;
		v->i = o->via.i64;
		return UCCN_OK;
	}
	if (o->type == MSGPACK_OBJECT_STR) {
		if (o->via.str.size > UCCN_STR_MAX) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"%s \"%s\": a string is at most %d bytes", where,
				uccn_wire_printable(name, name_len, shown, sizeof(shown)),
				UCCN_STR_MAX);
		}
		v->type = UCCN_VALUE_STR;
		return uccn_wire_get_str(d, o, &v->str, &v->str_len);
	}
	return 1;
}

/* A field value (§2): nil, int, str, or a flat list of ints and strs. */
int uccn_wire_get_value(struct uccn_wire_decoder *d, const msgpack_object *o, struct uccn_value *v,
	const char *name, size_t name_len) {
	char shown[48];
	if (o->type == MSGPACK_OBJECT_NIL) {
		memset(v, 0, sizeof(*v));
		return UCCN_OK;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		int err = get_scalar(d, o, v, "field", name, name_len);
		if (err > 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"field \"%s\" must be nil, an integer, a string or a list",
				uccn_wire_printable(name, name_len, shown, sizeof(shown)));
		}
		return err;
	}
	size_t n = o->via.array.size;
	if (n > UCCN_LIST_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"field \"%s\": a list holds at most %d items",
			uccn_wire_printable(name, name_len, shown, sizeof(shown)), UCCN_LIST_MAX);
	}
	if (n > UCCN_ITEMS_MAX - d->nitems) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"more than %d list items in all", UCCN_ITEMS_MAX);
	}
	struct uccn_value *items = d->items + d->nitems;
	for (size_t i = 0; i < n; i++) {
		int err = get_scalar(d, &o->via.array.ptr[i], &items[i], "list", name, name_len);
		if (err > 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"field \"%s\": list item %zu must be an integer or a string",
				uccn_wire_printable(name, name_len, shown, sizeof(shown)), i);
		}
		if (err < 0) {
			return err;
		}
	}
	d->nitems += n;
	memset(v, 0, sizeof(*v));
	v->type = UCCN_VALUE_LIST;
	v->items = items;
	v->count = n;
	return UCCN_OK;
}

/* A field name: a str of 1..31 bytes of [a-z0-9_]. */
int uccn_wire_get_name(
	struct uccn_wire_decoder *d, const msgpack_object *o, const char **name, size_t *len) {
	char shown[48];
	*name = NULL; /* gcc -O2 cannot see that get_str sets both whenever it succeeds */
	*len = 0;
	if (uccn_wire_get_str(d, o, name, len) < 0) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "a field name must be a string");
	}
	if (*len == 0 || *len > UCCN_NAME_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"field name \"%s\" must be 1 to %d bytes",
			uccn_wire_printable(*name, *len, shown, sizeof(shown)), UCCN_NAME_MAX);
	}
	if (!uccn_wire_valid_name(*name, *len)) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"field name \"%s\" has invalid characters",
			uccn_wire_printable(*name, *len, shown, sizeof(shown)));
	}
	return UCCN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Encoding. The packer writes straight into a struct uccn_bytes; a failed append is remembered
 * and reported once at the end, and the buffer is cut back to where the call started. */

static int sink_write(void *data, const char *buf, size_t len) {
	struct uccn_wire_sink *s = data;
	if (s->failed || uccn_bytes_append(s->out, buf, len) < 0) {
		s->failed = true;
		return -1;
	}
	return 0;
}

msgpack_packer *uccn_wire_sink_begin(struct uccn_wire_sink *s, struct uccn_bytes *out) {
	s->out = out;
	s->start = out->len;
	s->failed = false;
	msgpack_packer_init(&s->pk, s, sink_write);
	return &s->pk;
}

int uccn_wire_sink_end(struct uccn_wire_sink *s) {
	if (s->failed) {
		s->out->len = s->start;
		return UCCN_ENOMEM;
	}
	return UCCN_OK;
}

void uccn_wire_pack_str(msgpack_packer *pk, const char *s, size_t len) {
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

void uccn_wire_pack_bin(msgpack_packer *pk, const uint8_t *b, size_t len) {
	msgpack_pack_bin(pk, len);
	msgpack_pack_bin_body(pk, b, len);
}

static bool valid_scalar(const struct uccn_value *v) {
	if (v->type == UCCN_VALUE_INT) {
		return true;
	}
	return v->type == UCCN_VALUE_STR && v->str_len <= UCCN_STR_MAX &&
	       (v->str != NULL || v->str_len == 0);
}

/* Whether v is a value the decoder accepts; adds its list items to *nitems. */
bool uccn_wire_valid_value(const struct uccn_value *v, size_t *nitems) {
	switch (v->type) {
	case UCCN_VALUE_NIL:
	case UCCN_VALUE_INT:
	case UCCN_VALUE_STR:
		return v->type == UCCN_VALUE_NIL || valid_scalar(v);
	case UCCN_VALUE_LIST:
		if (v->count > UCCN_LIST_MAX || v->count > UCCN_ITEMS_MAX - *nitems ||
			(v->count > 0 && v->items == NULL)) {
			return false;
		}
		for (size_t i = 0; i < v->count; i++) {
			if (!valid_scalar(&v->items[i])) {
				return false;
			}
		}
		*nitems += v->count;
		return true;
	default:
		return false;
	}
}

static void pack_scalar(msgpack_packer *pk, const struct uccn_value *v) {
	if (v->type == UCCN_VALUE_INT) {
		/* msgpack-c picks the shortest form, as §2 requires. */
		msgpack_pack_int64(pk, v->i);
	} else {
		uccn_wire_pack_str(pk, v->str, v->str_len);
	}
}

void uccn_wire_pack_value(msgpack_packer *pk, const struct uccn_value *v) {
	if (v->type == UCCN_VALUE_NIL) {
		msgpack_pack_nil(pk);
	} else if (v->type == UCCN_VALUE_LIST) {
		msgpack_pack_array(pk, v->count);
		for (size_t i = 0; i < v->count; i++) {
			pack_scalar(pk, &v->items[i]);
		}
	} else {
		pack_scalar(pk, v);
	}
}
