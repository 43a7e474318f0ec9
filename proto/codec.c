/* codec.c - the msgpack wire format of proto/PROTOCOL.md: signed changes (§2, §3), record state
 * (§6) and the export file (§7), plus the growable byte buffer everything encodes into. The only
 * file that includes <msgpack.h>. It checks shapes, types and limits, never signatures, hashes,
 * the schema or the chain: those belong to node/crypto.c and node/changelog.c. */
#include "proto/codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

/* Longest body that still fits a signed change of UCCN_CHANGE_MAX bytes: the outer fixarray
 * (1), a bin16 header (3), the signature's bin8 header (2) and the signature (64). */
#define BODY_MAX (UCCN_CHANGE_MAX - 1 - 3 - 2 - UCCN_SIG_BYTES)
/* The export reader gives up on an item that has not completed within this many bytes. */
#define FILE_ITEM_MAX (UCCN_CHANGE_MAX + 1024)
/* A header is a few dozen bytes; anything longer at the start is not an export file. */
#define FILE_HEADER_MAX 256

static const char FILE_MAGIC[] = "uccn-export";
static const char FILE_END[] = "end";

/* ---------------------------------------------------------------------------------------- */
/* Byte buffers (change.h) */

int uccn_bytes_reserve(struct uccn_bytes *b, size_t extra) {
	if (extra <= b->cap - b->len) {
		return UCCN_OK;
	}
	if (extra > SIZE_MAX - b->len) {
		return UCCN_ENOMEM;
	}
	size_t need = b->len + extra;
	size_t cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need) {
		/* Doubling keeps appends amortised O(1); past SIZE_MAX / 2 take exactly what is
		 * needed. */
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	}
	uint8_t *data = realloc(b->data, cap);
	if (data == NULL) {
		return UCCN_ENOMEM;
	}
	b->data = data;
	b->cap = cap;
	return UCCN_OK;
}

int uccn_bytes_append(struct uccn_bytes *b, const void *data, size_t len) {
	if (len == 0) {
		return UCCN_OK;
	}
	int err = uccn_bytes_reserve(b, len);
	if (err < 0) {
		return err;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return UCCN_OK;
}

void uccn_bytes_finish(struct uccn_bytes *b) {
	if (b == NULL) {
		return;
	}
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

const struct uccn_value *uccn_record_field(const struct uccn_record *r, const char *name) {
	size_t len = strlen(name);
	/* At most UCCN_FIELDS_MAX entries: a scan is as fast as a search and does not depend on the
	 * caller having kept them sorted. */
	for (size_t i = 0; i < r->nfields; i++) {
		const struct uccn_field *f = &r->fields[i];
		if (f->name_len == len && memcmp(f->name, name, len) == 0) {
			return &f->value;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Shared checks */

static bool is_kind_char(unsigned char ch) {
	return (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_id_char(unsigned char ch) {
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == ':' || ch == '-';
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

static bool valid_kind(const char *s, size_t len) {
	return len >= 1 && len <= UCCN_KIND_MAX && all_chars(s, len, is_kind_char);
}

static bool valid_id(const char *s, size_t len) {
	return len >= 1 && len <= UCCN_ID_MAX && all_chars(s, len, is_id_char);
}

static bool valid_name(const char *s, size_t len) {
	return len >= 1 && len <= UCCN_NAME_MAX && all_chars(s, len, is_name_char);
}

/* Bytewise order of field names, the shorter first when one is a prefix of the other (§6). */
static int compare_names(const char *a, size_t alen, const char *b, size_t blen) {
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0) {
		return c;
	}
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Copies an untrusted string into out for a message, replacing what is not printable ASCII so
 * that a peer cannot put control characters into our logs. */
static const char *printable(const char *s, size_t len, char *out, size_t out_len) {
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

__attribute__((format(printf, 3, 4))) static int refuse(
	char *why, size_t why_len, const char *fmt, ...) {
	if (why != NULL && why_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return UCCN_EPROTO;
}

/* ---------------------------------------------------------------------------------------- */
/* Size guard.
 *
 * msgpack-c's C API has no limits (its C++ API has unpack_limit; the C API has nothing like it):
 * it allocates an array's or a map's slots at the size the header declares as soon as it reads
 * the header, before any element arrives, so five hostile bytes (dd ff ff ff ff) would make it
 * ask for 96 GiB. So no input reaches msgpack-c before size_guard() has measured every size it
 * declares (container counts, str, bin and ext lengths) against the bytes actually present and
 * against a limit. The guard produces no values and judges nothing but sizes: msgpack-c decodes,
 * and refuses what is not msgpack. Once the guard has passed an object, msgpack-c allocates at
 * most a small multiple of its length. The guard also tells where the object ends, which a
 * streaming reader needs to know when an item is complete.
 *
 * It bounds nesting too. msgpack-c keeps a fixed stack of 32 open containers and reports a
 * deeper object as if it had run out of memory, which would make a hostile change look like a
 * fault of this node (an import stopped, a session ended for memory) instead of a malformed
 * change refused. So the guard refuses any array or map nested deeper than UCCN_NEST_MAX levels
 * (§1) as soon as it reads its tag, well inside msgpack-c's stack. */

enum guard_result {
	GUARD_DONE,      /* *end: the object's length */
	GUARD_PARTIAL,   /* *end: a lower bound of the length; more bytes needed */
	GUARD_TOO_LARGE, /* the object would be longer than limit */
	GUARD_TOO_LONG,  /* a str, bin or ext declares more than UCCN_CHANGE_MAX bytes */
	GUARD_TOO_DEEP,  /* an array or map nested deeper than UCCN_NEST_MAX levels */
};

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
static enum guard_result size_guard(const uint8_t *buf, size_t avail, size_t limit, size_t *end) {
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
			return GUARD_TOO_LARGE;
		}
		if (pos >= avail) {
			*end = pos + (size_t)pending;
			return GUARD_PARTIAL;
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
				return GUARD_TOO_LARGE;
			}
			if (width > avail - pos) {
				*end = pos + width + (size_t)pending;
				return GUARD_PARTIAL;
			}
			uint64_t n = 0;
			for (size_t i = 0; i < width; i++) {
				n = n << 8 | buf[pos++];
			}
			if (TAGS[tag - 0xc0].counts == COUNTS_BYTES) {
				if (n > UCCN_CHANGE_MAX) {
					return GUARD_TOO_LONG; /* uccn never needs one that long */
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
				return GUARD_TOO_DEEP;
			}
			pending += elements;
			if (elements > 0) {
				left[++depth] = elements;
			}
		}
		if (skip + pending > limit - pos) {
			return GUARD_TOO_LARGE;
		}
		if (skip > avail - pos) {
			*end = pos + (size_t)skip + (size_t)pending;
			return GUARD_PARTIAL;
		}
		pos += (size_t)skip;
	}
	*end = pos;
	return GUARD_DONE;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define TOO_DEEP "nested deeper than " STR(UCCN_NEST_MAX) " levels"

/* Why a whole object did not pass the guard: too deep, or otherwise. */
static const char *guard_why(enum guard_result g, const char *otherwise) {
	return g == GUARD_TOO_DEEP ? TOO_DEEP : otherwise;
}

/* Unpacks the one object that fills buf[0, len), which size_guard() has measured. */
static int unpack_whole(msgpack_unpacked *u, const uint8_t *buf, size_t len) {
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

/* ---------------------------------------------------------------------------------------- */
/* Decoding helpers. msgpack-c does not copy strings or bins: they point into the input. Each
 * pointer kept is checked to lie inside that input before it is handed out as borrowed. */

struct decoder {
	const uint8_t *base;
	size_t len;
	char *why;
	size_t why_len;
	struct uccn_value *items; /* the caller's list item storage */
	size_t nitems;
};

static bool inside(const struct decoder *d, const void *p, size_t n) {
	const uint8_t *q = p;
	if (n == 0) {
		return true;
	}
	return q != NULL && q >= d->base && n <= d->len && (size_t)(q - d->base) <= d->len - n;
}

static bool is_uint(const msgpack_object *o) {
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

static bool is_key(const msgpack_object *o) {
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == UCCN_KEY_BYTES;
}

/* A str, checked to lie in the input; str_len receives its size. */
static int get_str(struct decoder *d, const msgpack_object *o, const char **s, size_t *len) {
	if (o->type != MSGPACK_OBJECT_STR) {
		return UCCN_EPROTO;
	}
	if (!inside(d, o->via.str.ptr, o->via.str.size)) {
		return refuse(d->why, d->why_len, "internal error: a string outside the input");
	}
	*s = o->via.str.size > 0 ? o->via.str.ptr : "";
	*len = o->via.str.size;
	return UCCN_OK;
}

/* A bin, left where it is in the input: *p borrows it, checked to lie inside. not_bin is the
 * reason given if o is not a bin. */
static int get_bin_ref(struct decoder *d, const msgpack_object *o, const char *not_bin,
	const uint8_t **p, size_t *len) {
	if (o->type != MSGPACK_OBJECT_BIN) {
		return refuse(d->why, d->why_len, "%s", not_bin);
	}
	if (!inside(d, o->via.bin.ptr, o->via.bin.size)) {
		return refuse(d->why, d->why_len, "internal error: a bin outside the input");
	}
	*p = o->via.bin.size > 0 ? (const uint8_t *)o->via.bin.ptr : d->base;
	*len = o->via.bin.size;
	return UCCN_OK;
}

/* A bin of exactly n bytes, copied to out. */
static int get_bin(struct decoder *d, const msgpack_object *o, uint8_t *out, size_t n) {
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n) {
		return UCCN_EPROTO;
	}
	memcpy(out, o->via.bin.ptr, n);
	return UCCN_OK;
}

/* A scalar value or list item: int or str. Returns 1, with no message, for any other type, so
 * that the caller can say where the value was. */
static int get_scalar(struct decoder *d, const msgpack_object *o, struct uccn_value *v,
	const char *where, const char *name, size_t name_len) {
	char shown[48];
	memset(v, 0, sizeof(*v));
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX) {
			return refuse(d->why, d->why_len,
				"%s \"%s\": integer does not fit 64 signed bits", where,
				printable(name, name_len, shown, sizeof(shown)));
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
			return refuse(d->why, d->why_len, "%s \"%s\": a string is at most %d bytes",
				where, printable(name, name_len, shown, sizeof(shown)),
				UCCN_STR_MAX);
		}
		v->type = UCCN_VALUE_STR;
		return get_str(d, o, &v->str, &v->str_len);
	}
	return 1;
}

/* A field value (§2): nil, int, str, or a flat list of ints and strs. */
static int get_value(struct decoder *d, const msgpack_object *o, struct uccn_value *v,
	const char *name, size_t name_len) {
	char shown[48];
	if (o->type == MSGPACK_OBJECT_NIL) {
		memset(v, 0, sizeof(*v));
		return UCCN_OK;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		int err = get_scalar(d, o, v, "field", name, name_len);
		if (err > 0) {
			return refuse(d->why, d->why_len,
				"field \"%s\" must be nil, an integer, a string or a list",
				printable(name, name_len, shown, sizeof(shown)));
		}
		return err;
	}
	size_t n = o->via.array.size;
	if (n > UCCN_LIST_MAX) {
		return refuse(d->why, d->why_len, "field \"%s\": a list holds at most %d items",
			printable(name, name_len, shown, sizeof(shown)), UCCN_LIST_MAX);
	}
	if (n > UCCN_ITEMS_MAX - d->nitems) {
		return refuse(d->why, d->why_len, "more than %d list items in all", UCCN_ITEMS_MAX);
	}
	struct uccn_value *items = d->items + d->nitems;
	for (size_t i = 0; i < n; i++) {
		int err = get_scalar(d, &o->via.array.ptr[i], &items[i], "list", name, name_len);
		if (err > 0) {
			return refuse(d->why, d->why_len,
				"field \"%s\": list item %zu must be an integer or a string",
				printable(name, name_len, shown, sizeof(shown)), i);
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
static int get_name(struct decoder *d, const msgpack_object *o, const char **name, size_t *len) {
	char shown[48];
	*name = NULL; /* gcc -O2 cannot see that get_str sets both whenever it succeeds */
	*len = 0;
	if (get_str(d, o, name, len) < 0) {
		return refuse(d->why, d->why_len, "a field name must be a string");
	}
	if (*len == 0 || *len > UCCN_NAME_MAX) {
		return refuse(d->why, d->why_len, "field name \"%s\" must be 1 to %d bytes",
			printable(*name, *len, shown, sizeof(shown)), UCCN_NAME_MAX);
	}
	if (!valid_name(*name, *len)) {
		return refuse(d->why, d->why_len, "field name \"%s\" has invalid characters",
			printable(*name, *len, shown, sizeof(shown)));
	}
	return UCCN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Changes (§2, §3) */

static const char *const BODY_NAMES[11] = {"version", "network", "author", "seq", "prev", "hlc",
	"kind", "owner", "id", "op", "fields"};

static int bad_element(struct decoder *d, int i, const char *must) {
	return refuse(d->why, d->why_len, "field %d (%s) must be %s", i, BODY_NAMES[i], must);
}

static int decode_body(struct decoder *d, const msgpack_object *root, struct uccn_change *out) {
	char shown[48];
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 11) {
		return refuse(d->why, d->why_len, "the body must be an array of 11 elements");
	}
	const msgpack_object *e = root->via.array.ptr;

	if (!is_uint(&e[0]) || e[0].via.u64 != UCCN_WIRE_VERSION) {
		return is_uint(&e[0]) ? refuse(d->why, d->why_len, "unsupported version %llu",
						(unsigned long long)e[0].via.u64)
				      : bad_element(d, 0, "an unsigned integer");
	}
	if (get_bin(d, &e[1], out->network, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 1, "a 32-byte bin");
	}
	if (get_bin(d, &e[2], out->author, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 2, "a 32-byte bin");
	}
	if (!is_uint(&e[3]) || e[3].via.u64 == 0) {
		return bad_element(d, 3, "a positive integer");
	}
	out->seq = e[3].via.u64;
	/* nil starts a feed (§4.5); the author's first change can only start one. */
	if (e[4].type == MSGPACK_OBJECT_NIL) {
		out->has_prev = false;
		memset(out->prev, 0, sizeof(out->prev));
	} else if (out->seq == 1) {
		return bad_element(d, 4, "nil when seq is 1");
	} else {
		if (get_bin(d, &e[4], out->prev, UCCN_HASH_BYTES) < 0) {
			return bad_element(d, 4, "nil or a 32-byte bin");
		}
		out->has_prev = true;
	}
	if (!is_uint(&e[5])) {
		return bad_element(d, 5, "an unsigned integer");
	}
	out->hlc = e[5].via.u64;

	const char *s = NULL; /* set by get_str; gcc -O2 does not see it */
	size_t len = 0;
	if (get_str(d, &e[6], &s, &len) < 0) {
		return bad_element(d, 6, "a string");
	}
	if (!valid_kind(s, len)) {
		return refuse(d->why, d->why_len,
			"field 6 (kind) \"%s\" must be 1 to %d bytes of [a-z_]",
			printable(s, len, shown, sizeof(shown)), UCCN_KIND_MAX);
	}
	memcpy(out->kind, s, len);
	out->kind[len] = '\0';

	if (e[7].type == MSGPACK_OBJECT_NIL) {
		memcpy(out->owner, out->author, UCCN_KEY_BYTES);
	} else if (get_bin(d, &e[7], out->owner, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 7, "nil or a 32-byte bin");
	}

	if (get_str(d, &e[8], &s, &len) < 0) {
		return bad_element(d, 8, "a string");
	}
	if (!valid_id(s, len)) {
		return refuse(d->why, d->why_len,
			"field 8 (id) \"%s\" must be 1 to %d bytes of [A-Za-z0-9._:-]",
			printable(s, len, shown, sizeof(shown)), UCCN_ID_MAX);
	}
	memcpy(out->id, s, len);
	out->id[len] = '\0';

	if (!is_uint(&e[9]) || e[9].via.u64 > UCCN_OP_DELETE) {
		return bad_element(d, 9, "0 (put) or 1 (delete)");
	}
	out->op = (enum uccn_op)e[9].via.u64;

	if (e[10].type != MSGPACK_OBJECT_MAP) {
		return bad_element(d, 10, "a map");
	}
	size_t n = e[10].via.map.size;
	if (n > UCCN_FIELDS_MAX) {
		return refuse(d->why, d->why_len, "%zu fields; at most %d", n, UCCN_FIELDS_MAX);
	}
	if (out->op == UCCN_OP_DELETE && n > 0) {
		return refuse(d->why, d->why_len, "a delete carries no fields");
	}
	d->items = out->items;
	d->nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object_kv *kv = &e[10].via.map.ptr[i];
		struct uccn_field *f = &out->fields[i];
		int err = get_name(d, &kv->key, &f->name, &f->name_len);
		if (err < 0) {
			return err;
		}
		/* At most 32 names: pairwise is cheaper than sorting. */
		for (size_t j = 0; j < i; j++) {
			if (out->fields[j].name_len == f->name_len &&
				memcmp(out->fields[j].name, f->name, f->name_len) == 0) {
				return refuse(d->why, d->why_len, "field \"%s\" appears twice",
					printable(f->name, f->name_len, shown, sizeof(shown)));
			}
		}
		if ((err = get_value(d, &kv->val, &f->value, f->name, f->name_len)) < 0) {
			return err;
		}
	}
	out->nfields = n;
	out->nitems = d->nitems;
	return UCCN_OK;
}

/* The signed change [bin body, bin signature] (§3) that msgpack-c decoded into o from the
 * first end bytes of the input. Both bins stay where they are in the input. */
static int get_envelope(struct decoder *d, const msgpack_object *o, size_t end,
	const uint8_t **body, size_t *body_len, const uint8_t **sig) {
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		return refuse(d->why, d->why_len, "a change must be an array of 2");
	}
	if (o->via.array.size != 2) {
		return refuse(d->why, d->why_len, "a change must be an array of 2, not %u",
			o->via.array.size);
	}
	size_t sig_len = 0;
	int err = get_bin_ref(d, &o->via.array.ptr[0],
		"element 0 of a change must be a bin (the body)", body, body_len);
	if (err < 0 || (err = get_bin_ref(d, &o->via.array.ptr[1],
				"element 1 of a change must be a bin (the signature)", sig,
				&sig_len)) < 0) {
		return err;
	}
	if (sig_len != UCCN_SIG_BYTES) {
		return refuse(d->why, d->why_len, "the signature must be %d bytes, not %zu",
			UCCN_SIG_BYTES, sig_len);
	}
	if (end != d->len) {
		return refuse(d->why, d->why_len, "trailing bytes after the change");
	}
	/* §3 domain separation: a body is recognisable by its first byte alone. */
	if (*body_len == 0 || (*body)[0] != 0x9b) {
		return refuse(d->why, d->why_len, "the body must start with 0x9b (an array of 11)");
	}
	size_t body_end = 0;
	enum guard_result g = size_guard(*body, *body_len, *body_len, &body_end);
	if (g != GUARD_DONE) {
		return refuse(d->why, d->why_len, "the body is %s", guard_why(g, "truncated"));
	}
	if (body_end != *body_len) {
		return refuse(d->why, d->why_len, "trailing bytes after the body");
	}
	return UCCN_OK;
}

int uccn_codec_decode_change(
	const uint8_t *buf, size_t len, struct uccn_change *out, char *why, size_t why_len) {
	if (why != NULL && why_len > 0) {
		why[0] = '\0';
	}
	if (len > UCCN_CHANGE_MAX) {
		return refuse(why, why_len, "a change is at most %d bytes, this one is %zu",
			UCCN_CHANGE_MAX, len);
	}
	size_t end = 0;
	enum guard_result g = size_guard(buf, len, len, &end);
	if (g != GUARD_DONE) {
		return refuse(why, why_len, "the change is %s", guard_why(g, "truncated"));
	}

	/* msgpack-c runs twice: on the signed change, whose body it leaves in buf as a bin, and
	 * then on that body. */
	struct decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const uint8_t *body = NULL, *sig = NULL;
	size_t body_len = 0;
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = unpack_whole(&u, buf, end);
	if (err == UCCN_EPROTO) {
		err = refuse(why, why_len, "the change is not valid msgpack");
	}
	if (err < 0 || (err = get_envelope(&d, &u.data, end, &body, &body_len, &sig)) < 0) {
		goto out;
	}
	/* This drops the outer objects, which are no longer needed. */
	err = unpack_whole(&u, body, body_len);
	if (err == UCCN_EPROTO) {
		err = refuse(why, why_len, "the body is not valid msgpack (byte 0xc1)");
	}
	if (err < 0) {
		goto out;
	}
	d = (struct decoder){.base = body, .len = body_len, .why = why, .why_len = why_len};
	if ((err = decode_body(&d, &u.data, out)) < 0) {
		goto out;
	}
	out->raw = buf;
	out->raw_len = len;
	out->body = body;
	out->body_len = body_len;
	out->sig = sig;
out:
	msgpack_unpacked_destroy(&u);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Encoding. The packer writes straight into a struct uccn_bytes; a failed append is remembered
 * and reported once at the end, and the buffer is cut back to where the call started. */

struct sink {
	struct uccn_bytes *out;
	bool failed;
};

static int sink_write(void *data, const char *buf, size_t len) {
	struct sink *s = data;
	if (s->failed || uccn_bytes_append(s->out, buf, len) < 0) {
		s->failed = true;
		return -1;
	}
	return 0;
}

static int sink_end(struct sink *s, size_t start) {
	if (s->failed) {
		s->out->len = start;
		return UCCN_ENOMEM;
	}
	return UCCN_OK;
}

static void pack_str(msgpack_packer *pk, const char *s, size_t len) {
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

static void pack_bin(msgpack_packer *pk, const uint8_t *b, size_t len) {
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
static bool valid_value(const struct uccn_value *v, size_t *nitems) {
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
		pack_str(pk, v->str, v->str_len);
	}
}

static void pack_value(msgpack_packer *pk, const struct uccn_value *v) {
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

static bool valid_fields(const struct uccn_field *fields, size_t n) {
	size_t nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const struct uccn_field *f = &fields[i];
		if (f->name == NULL || !valid_name(f->name, f->name_len) ||
			!valid_value(&f->value, &nitems)) {
			return false;
		}
		for (size_t j = 0; j < i; j++) {
			if (fields[j].name_len == f->name_len &&
				memcmp(fields[j].name, f->name, f->name_len) == 0) {
				return false;
			}
		}
	}
	return true;
}

int uccn_codec_encode_body(const struct uccn_change *c, struct uccn_bytes *out) {
	size_t kind_len = strnlen(c->kind, sizeof(c->kind));
	size_t id_len = strnlen(c->id, sizeof(c->id));
	/* Refuse here anything uccn_codec_decode_change would refuse, so that nothing we cannot
	 * read back is ever signed. */
	if (!valid_kind(c->kind, kind_len) || !valid_id(c->id, id_len) || c->seq == 0 ||
		(c->has_prev && c->seq == 1) || (c->op != UCCN_OP_PUT && c->op != UCCN_OP_DELETE) ||
		c->nfields > UCCN_FIELDS_MAX || (c->op == UCCN_OP_DELETE && c->nfields > 0) ||
		!valid_fields(c->fields, c->nfields)) {
		return UCCN_EINVAL;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	if (uccn_bytes_reserve(out, 256) < 0) {
		return UCCN_ENOMEM;
	}
	msgpack_pack_array(&pk, 11);
	msgpack_pack_uint64(&pk, UCCN_WIRE_VERSION);
	pack_bin(&pk, c->network, UCCN_KEY_BYTES);
	pack_bin(&pk, c->author, UCCN_KEY_BYTES);
	msgpack_pack_uint64(&pk, c->seq);
	if (c->has_prev) {
		pack_bin(&pk, c->prev, UCCN_HASH_BYTES);
	} else {
		msgpack_pack_nil(&pk);
	}
	msgpack_pack_uint64(&pk, c->hlc);
	pack_str(&pk, c->kind, kind_len);
	if (memcmp(c->owner, c->author, UCCN_KEY_BYTES) == 0) {
		msgpack_pack_nil(&pk);
	} else {
		pack_bin(&pk, c->owner, UCCN_KEY_BYTES);
	}
	pack_str(&pk, c->id, id_len);
	msgpack_pack_uint64(&pk, (uint64_t)c->op);
	msgpack_pack_map(&pk, c->nfields);
	for (size_t i = 0; i < c->nfields; i++) {
		pack_str(&pk, c->fields[i].name, c->fields[i].name_len);
		pack_value(&pk, &c->fields[i].value);
	}
	int err = sink_end(&s, start);
	if (err == UCCN_OK && out->len - start > BODY_MAX) {
		out->len = start;
		err = UCCN_EINVAL; /* the signed change would exceed UCCN_CHANGE_MAX */
	}
	return err;
}

int uccn_codec_encode_signed(const uint8_t *body, size_t body_len,
	const uint8_t sig[UCCN_SIG_BYTES], struct uccn_bytes *out) {
	if (body_len > BODY_MAX || body_len == 0 || body[0] != 0x9b) {
		return UCCN_EINVAL;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	if (uccn_bytes_reserve(out, body_len + 8 + UCCN_SIG_BYTES) < 0) {
		return UCCN_ENOMEM;
	}
	msgpack_pack_array(&pk, 2);
	pack_bin(&pk, body, body_len);
	pack_bin(&pk, sig, UCCN_SIG_BYTES);
	return sink_end(&s, start);
}

/* ---------------------------------------------------------------------------------------- */
/* Record state (§6) */

static int compare_keys(const void *a, const void *b) {
	return memcmp(a, b, UCCN_KEY_BYTES);
}

int uccn_codec_encode_state(const struct uccn_state *st, struct uccn_bytes *out) {
	if (st->nfields > UCCN_FIELDS_MAX) {
		return UCCN_EINVAL;
	}
	size_t nitems = 0;
	for (size_t i = 0; i < st->nfields; i++) {
		const struct uccn_field *f = &st->fields[i].field;
		if (f->name == NULL || !valid_name(f->name, f->name_len) ||
			!valid_value(&f->value, &nitems)) {
			return UCCN_EINVAL;
		}
		/* Strictly ascending also rules out a name given twice. */
		if (i > 0) {
			const struct uccn_field *p = &st->fields[i - 1].field;
			if (compare_names(p->name, p->name_len, f->name, f->name_len) >= 0) {
				return UCCN_EINVAL;
			}
		}
	}

	/* The authors table is sorted and unique whatever order the fields name them in, so the
	 * same logical state always gives the same bytes. */
	uint8_t authors[UCCN_FIELDS_MAX][UCCN_KEY_BYTES];
	size_t nauthors = 0;
	for (size_t i = 0; i < st->nfields; i++) {
		memcpy(authors[nauthors++], st->fields[i].author, UCCN_KEY_BYTES);
	}
	qsort(authors, nauthors, UCCN_KEY_BYTES, compare_keys);
	size_t unique = 0;
	for (size_t i = 0; i < nauthors; i++) {
		if (unique == 0 || memcmp(authors[unique - 1], authors[i], UCCN_KEY_BYTES) != 0) {
			memmove(authors[unique++], authors[i], UCCN_KEY_BYTES);
		}
	}
	nauthors = unique;

	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 5);
	if (st->has_tomb) {
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, st->tomb_hlc);
		pack_bin(&pk, st->tomb_author, UCCN_KEY_BYTES);
	} else {
		msgpack_pack_nil(&pk);
	}
	msgpack_pack_uint64(&pk, st->created_hlc);
	msgpack_pack_uint64(&pk, st->updated_hlc);
	msgpack_pack_array(&pk, nauthors);
	for (size_t i = 0; i < nauthors; i++) {
		pack_bin(&pk, authors[i], UCCN_KEY_BYTES);
	}
	msgpack_pack_array(&pk, st->nfields);
	for (size_t i = 0; i < st->nfields; i++) {
		const struct uccn_state_field *f = &st->fields[i];
		const uint8_t *found =
			bsearch(f->author, authors, nauthors, UCCN_KEY_BYTES, compare_keys);
		msgpack_pack_array(&pk, 4);
		pack_str(&pk, f->field.name, f->field.name_len);
		pack_value(&pk, &f->field.value);
		msgpack_pack_uint64(&pk, f->hlc);
		msgpack_pack_uint64(&pk, (uint64_t)(found - authors[0]) / UCCN_KEY_BYTES);
	}
	return sink_end(&s, start);
}

static int decode_state(struct decoder *d, const msgpack_object *root, struct uccn_state *out) {
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 5) {
		return refuse(d->why, d->why_len, "a state is an array of 5");
	}
	const msgpack_object *e = root->via.array.ptr;
	if (e[0].type == MSGPACK_OBJECT_NIL) {
		out->has_tomb = false;
		out->tomb_hlc = 0;
		memset(out->tomb_author, 0, UCCN_KEY_BYTES);
	} else if (e[0].type == MSGPACK_OBJECT_ARRAY && e[0].via.array.size == 2 &&
		   is_uint(&e[0].via.array.ptr[0]) &&
		   get_bin(d, &e[0].via.array.ptr[1], out->tomb_author, UCCN_KEY_BYTES) == 0) {
		out->has_tomb = true;
		out->tomb_hlc = e[0].via.array.ptr[0].via.u64;
	} else {
		return refuse(d->why, d->why_len, "the tombstone must be nil or [hlc, author]");
	}
	if (!is_uint(&e[1]) || !is_uint(&e[2])) {
		return refuse(d->why, d->why_len, "created and updated must be unsigned integers");
	}
	out->created_hlc = e[1].via.u64;
	out->updated_hlc = e[2].via.u64;

	if (e[3].type != MSGPACK_OBJECT_ARRAY || e[3].via.array.size > UCCN_FIELDS_MAX) {
		return refuse(d->why, d->why_len,
			"the authors table must be an array of at most %d", UCCN_FIELDS_MAX);
	}
	const msgpack_object *authors = e[3].via.array.ptr;
	size_t nauthors = e[3].via.array.size;
	bool used[UCCN_FIELDS_MAX] = {false};
	for (size_t i = 0; i < nauthors; i++) {
		if (!is_key(&authors[i])) {
			return refuse(d->why, d->why_len, "author %zu must be a 32-byte bin", i);
		}
		/* Canonical form: sorted and unique. */
		if (i > 0 && memcmp(authors[i - 1].via.bin.ptr, authors[i].via.bin.ptr,
				     UCCN_KEY_BYTES) >= 0) {
			return refuse(
				d->why, d->why_len, "the authors table is not sorted and unique");
		}
	}

	if (e[4].type != MSGPACK_OBJECT_ARRAY || e[4].via.array.size > UCCN_FIELDS_MAX) {
		return refuse(d->why, d->why_len, "the fields must be an array of at most %d",
			UCCN_FIELDS_MAX);
	}
	size_t n = e[4].via.array.size;
	d->items = out->items;
	d->nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *fo = &e[4].via.array.ptr[i];
		struct uccn_state_field *f = &out->fields[i];
		if (fo->type != MSGPACK_OBJECT_ARRAY || fo->via.array.size != 4) {
			return refuse(
				d->why, d->why_len, "state field %zu must be an array of 4", i);
		}
		const msgpack_object *fe = fo->via.array.ptr;
		int err = get_name(d, &fe[0], &f->field.name, &f->field.name_len);
		if (err < 0) {
			return err;
		}
		if (i > 0 && compare_names(out->fields[i - 1].field.name,
				     out->fields[i - 1].field.name_len, f->field.name,
				     f->field.name_len) >= 0) {
			return refuse(d->why, d->why_len, "state fields are not sorted by name");
		}
		if ((err = get_value(
			     d, &fe[1], &f->field.value, f->field.name, f->field.name_len)) < 0) {
			return err;
		}
		if (!is_uint(&fe[2]) || !is_uint(&fe[3]) || fe[3].via.u64 >= nauthors) {
			return refuse(d->why, d->why_len,
				"state field %zu: bad clock or author index", i);
		}
		f->hlc = fe[2].via.u64;
		memcpy(f->author, authors[fe[3].via.u64].via.bin.ptr, UCCN_KEY_BYTES);
		used[fe[3].via.u64] = true;
	}
	for (size_t i = 0; i < nauthors; i++) {
		if (!used[i]) {
			return refuse(d->why, d->why_len, "author %zu is named by no field", i);
		}
	}
	out->nfields = n;
	out->nitems = d->nitems;
	return UCCN_OK;
}

int uccn_codec_decode_state(const uint8_t *buf, size_t len, struct uccn_state *out) {
	size_t end = 0;
	if (size_guard(buf, len, len, &end) != GUARD_DONE || end != len) {
		return UCCN_EPROTO;
	}
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = unpack_whole(&u, buf, len);
	if (err == UCCN_OK) {
		struct decoder d = {.base = buf, .len = len};
		err = decode_state(&d, &u.data, out);
	}
	msgpack_unpacked_destroy(&u);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Export files (§7) */

static int encode_file_header(
	const uint8_t network[UCCN_KEY_BYTES], const uint8_t *reader, struct uccn_bytes *out) {
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, reader != NULL ? 4 : 3);
	pack_str(&pk, FILE_MAGIC, sizeof(FILE_MAGIC) - 1);
	msgpack_pack_uint64(&pk, 1);
	pack_bin(&pk, network, UCCN_KEY_BYTES);
	if (reader != NULL) {
		pack_bin(&pk, reader, UCCN_KEY_BYTES);
	}
	return sink_end(&s, start);
}

int uccn_codec_encode_file_header(const uint8_t network[UCCN_KEY_BYTES], struct uccn_bytes *out) {
	return encode_file_header(network, NULL, out);
}

int uccn_codec_encode_file_header_for(const uint8_t network[UCCN_KEY_BYTES],
	const uint8_t reader[UCCN_KEY_BYTES], struct uccn_bytes *out) {
	return encode_file_header(network, reader, out);
}

int uccn_codec_encode_file_change(const uint8_t *change, size_t len, struct uccn_bytes *out) {
	if (len > UCCN_CHANGE_MAX) {
		return UCCN_EINVAL;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	pack_bin(&pk, change, len);
	return sink_end(&s, start);
}

int uccn_codec_encode_file_trailer(
	uint64_t count, const uint8_t hash[UCCN_HASH_BYTES], struct uccn_bytes *out) {
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 3);
	pack_str(&pk, FILE_END, sizeof(FILE_END) - 1);
	msgpack_pack_uint64(&pk, count);
	pack_bin(&pk, hash, UCCN_HASH_BYTES);
	return sink_end(&s, start);
}

enum reader_state {
	READ_HEADER,
	READ_CHANGES,
	READ_DONE,
	READ_FAILED,
};

/* The reader keeps its own buffer and hands msgpack-c one complete item at a time, measured by
 * size_guard(), rather than using msgpack_unpacker, whose streaming parse allocates a container
 * at its declared size before the bytes are there (see the size guard above). */
struct uccn_file_reader {
	struct uccn_bytes buf;
	size_t pos;    /* start of the first byte not yet returned as an item */
	uint64_t base; /* file offset of buf.data[0] */
	size_t need;   /* the item at pos needs at least this many bytes: no use measuring before */
	enum reader_state state;
	msgpack_unpacked last; /* the last item's objects; its bytes stay in buf until a feed */
};

int uccn_codec_reader_create(struct uccn_file_reader **out) {
	struct uccn_file_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return UCCN_ENOMEM;
	}
	msgpack_unpacked_init(&r->last);
	r->state = READ_HEADER;
	*out = r;
	return UCCN_OK;
}

void uccn_codec_reader_destroy(struct uccn_file_reader *r) {
	if (r == NULL) {
		return;
	}
	msgpack_unpacked_destroy(&r->last);
	uccn_bytes_finish(&r->buf);
	free(r);
}

int uccn_codec_reader_feed(struct uccn_file_reader *r, const uint8_t *buf, size_t len) {
	/* Items returned before this call are no longer borrowed: drop their bytes when that moves
	 * little, so that feeding a byte at a time stays linear. */
	msgpack_unpacked_destroy(&r->last);
	size_t rest = r->buf.len - r->pos;
	if (r->pos > 0 && r->pos >= rest) {
		memmove(r->buf.data, r->buf.data + r->pos, rest);
		r->buf.len = rest;
		r->base += r->pos;
		r->pos = 0;
	}
	return uccn_bytes_append(&r->buf, buf, len);
}

static int reader_fail(struct uccn_file_reader *r, char *why, size_t why_len, const char *what) {
	r->state = READ_FAILED;
	return refuse(
		why, why_len, "%s at byte %llu", what, (unsigned long long)(r->base + r->pos));
}

/* Interprets a header or trailer: [str tag, uint, bin 32]. */
static bool get_tagged(
	const msgpack_object *o, const char *tag, uint64_t *num, uint8_t key[UCCN_KEY_BYTES]) {
	size_t tag_len = strlen(tag);
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3) {
		return false;
	}
	const msgpack_object *e = o->via.array.ptr;
	if (e[0].type != MSGPACK_OBJECT_STR || e[0].via.str.size != tag_len ||
		memcmp(e[0].via.str.ptr, tag, tag_len) != 0 || !is_uint(&e[1]) || !is_key(&e[2])) {
		return false;
	}
	*num = e[1].via.u64;
	memcpy(key, e[2].via.bin.ptr, UCCN_KEY_BYTES);
	return true;
}

int uccn_codec_reader_next(
	struct uccn_file_reader *r, struct uccn_file_item *item, char *why, size_t why_len) {
	if (why != NULL && why_len > 0) {
		why[0] = '\0';
	}
	msgpack_unpacked_destroy(&r->last);
	if (r->state == READ_FAILED) {
		return refuse(why, why_len, "the export file was already found invalid");
	}
	size_t avail = r->buf.len - r->pos;
	if (avail == 0) {
		return UCCN_EAGAIN; /* and buf.data may still be NULL */
	}
	const uint8_t *p = r->buf.data + r->pos;
	if (r->state == READ_DONE) {
		return reader_fail(r, why, why_len, "bytes after the trailer");
	}
	if (avail < r->need) {
		return UCCN_EAGAIN;
	}

	/* The guard refuses an oversize item from its header alone (a bin announcing more than
	 * UCCN_CHANGE_MAX bytes, an array of a billion) and finds where a complete one ends. */
	bool header = r->state == READ_HEADER;
	size_t end = 0;
	switch (size_guard(p, avail, header ? FILE_HEADER_MAX : FILE_ITEM_MAX, &end)) {
	case GUARD_DONE:
		break;
	case GUARD_PARTIAL:
		r->need = end;
		return UCCN_EAGAIN;
	case GUARD_TOO_LONG:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header"
			       : "damaged item: a bin, string or ext larger than 65536 bytes");
	case GUARD_TOO_DEEP:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header" : "damaged item: " TOO_DEEP);
	default:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header"
			       : "damaged item: item too large");
	}
	r->need = 0;
	int err = unpack_whole(&r->last, p, end);
	if (err == UCCN_ENOMEM) {
		return err;
	}
	if (err < 0) {
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: not msgpack"
			       : "damaged item: not msgpack");
	}

	const msgpack_object *o = &r->last.data;
	uint64_t version = 0;
	memset(item, 0, sizeof(*item));
	item->offset = r->base + r->pos;
	if (header) {
		/* A fourth element names the reader of a file that carries Secretariat-only
		 * feeds (§7); the first three are read as always. */
		msgpack_object three = *o;
		if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 4) {
			if (!is_key(&o->via.array.ptr[3])) {
				return reader_fail(
					r, why, why_len, "not an uccn export file: bad header");
			}
			item->has_reader = true;
			memcpy(item->reader, o->via.array.ptr[3].via.bin.ptr, UCCN_KEY_BYTES);
			three.via.array.size = 3;
		}
		if (!get_tagged(&three, FILE_MAGIC, &version, item->network)) {
			return reader_fail(r, why, why_len, "not an uccn export file: bad header");
		}
		if (version != 1) {
			return reader_fail(r, why, why_len, "unsupported export file version");
		}
		item->type = UCCN_FILE_HEADER;
		r->state = READ_CHANGES;
	} else if (o->type == MSGPACK_OBJECT_BIN) {
		struct decoder d = {.base = p, .len = end, .why = why, .why_len = why_len};
		item->type = UCCN_FILE_CHANGE;
		if (get_bin_ref(&d, o, "", &item->change, &item->change_len) < 0) {
			r->state = READ_FAILED; /* d.why says why */
			return UCCN_EPROTO;
		}
	} else if (get_tagged(o, FILE_END, &item->count, item->hash)) {
		item->type = UCCN_FILE_TRAILER;
		r->state = READ_DONE;
	} else {
		return reader_fail(
			r, why, why_len, "damaged item: neither a change (bin) nor the trailer");
	}
	r->pos += end;
	return UCCN_OK;
}

bool uccn_codec_reader_has_partial(const struct uccn_file_reader *r) {
	return r->state != READ_FAILED && r->buf.len > r->pos;
}

bool uccn_codec_reader_is_done(const struct uccn_file_reader *r) {
	return r->state == READ_DONE;
}

/* ---------------------------------------------------------------------------------------- */
/* Inclusion proofs (§9) */

static const char PROOF_MAGIC[] = "uccn-proof";

int uccn_codec_encode_proof(const struct uccn_proof *p, struct uccn_bytes *out) {
	if (p->npath > UCCN_PROOF_MAX_PATH) {
		return UCCN_EINVAL;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 8);
	pack_str(&pk, PROOF_MAGIC, sizeof(PROOF_MAGIC) - 1);
	msgpack_pack_uint64(&pk, 2);
	pack_bin(&pk, p->network, UCCN_KEY_BYTES);
	pack_bin(&pk, p->designation, p->designation_len);
	msgpack_pack_uint64(&pk, p->index);
	pack_bin(&pk, p->head, p->head_len);
	msgpack_pack_array(&pk, p->npath);
	for (size_t i = 0; i < p->npath; i++) {
		pack_bin(&pk, p->path[i], UCCN_HASH_BYTES);
	}
	pack_str(&pk, p->note, p->note_len);
	return sink_end(&s, start);
}

int uccn_codec_decode_proof(
	const uint8_t *buf, size_t len, struct uccn_proof *out, char *why, size_t why_len) {
	size_t end = 0;
	if (len > 4 * UCCN_CHANGE_MAX || size_guard(buf, len, len, &end) != GUARD_DONE ||
		end != len) {
		return refuse(why, why_len, "not a uccn proof (not one whole msgpack object)");
	}
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = unpack_whole(&u, buf, len);
	if (err < 0) {
		msgpack_unpacked_destroy(&u);
		return err == UCCN_ENOMEM ? err : refuse(why, why_len, "not a uccn proof");
	}
	struct decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	const msgpack_object *e = o->via.array.ptr;
	size_t magic = sizeof(PROOF_MAGIC) - 1;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
		e[0].type != MSGPACK_OBJECT_STR || e[0].via.str.size != magic ||
		memcmp(e[0].via.str.ptr, PROOF_MAGIC, magic) != 0) {
		refuse(why, why_len, "not a uccn proof");
	} else if (is_uint(&e[1]) && e[1].via.u64 == 1) {
		/* Version 1 proved against BLAKE2b tree heads, which no checkpoint signs. */
		refuse(why, why_len,
			"a proof of version 1 (before checkpoints): ask the city for a new one");
	} else if (!is_uint(&e[1]) || e[1].via.u64 != 2) {
		refuse(why, why_len, "a proof of an unknown version");
	} else if (o->via.array.size != 8) {
		refuse(why, why_len, "not a uccn proof");
	} else if (get_bin(&d, &e[2], out->network, UCCN_KEY_BYTES) < 0) {
		refuse(why, why_len, "the proof's network is not a key");
	} else if (get_bin_ref(&d, &e[3], "the proof's designation is not a change",
			   &out->designation, &out->designation_len) < 0 ||
		   !is_uint(&e[4]) ||
		   get_bin_ref(&d, &e[5], "the proof's tree head is not a change", &out->head,
			   &out->head_len) < 0) {
		if (why != NULL && why[0] == '\0') {
			refuse(why, why_len, "the proof's leaf index is not an integer");
		}
	} else if (e[6].type != MSGPACK_OBJECT_ARRAY || e[6].via.array.size > UCCN_PROOF_MAX_PATH) {
		refuse(why, why_len, "the proof's path is not a list of at most %d hashes",
			UCCN_PROOF_MAX_PATH);
	} else if (e[7].type != MSGPACK_OBJECT_STR ||
		   !inside(&d, e[7].via.str.ptr, e[7].via.str.size)) {
		refuse(why, why_len, "the proof's checkpoint is not text");
	} else {
		out->note = e[7].via.str.size > 0 ? e[7].via.str.ptr : (const char *)buf;
		out->note_len = e[7].via.str.size;
		out->index = e[4].via.u64;
		out->npath = e[6].via.array.size;
		err = UCCN_OK;
		for (size_t i = 0; i < out->npath && err == UCCN_OK; i++) {
			if (get_bin(&d, &e[6].via.array.ptr[i], out->path[i], UCCN_HASH_BYTES) <
				0) {
				err = refuse(why, why_len,
					"element %zu of the proof's path is not a hash", i);
			}
		}
	}
	msgpack_unpacked_destroy(&u);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Session handshake messages (§10) */

static const char HELLO_MAGIC[] = "uccn-hello";
static const char WELCOME_MAGIC[] = "uccn-welcome";
static const char AUTH_MAGIC[] = "uccn-auth";
static const char ERROR_MAGIC[] = "uccn-error";

/* A WELCOME is a fixarray of 8 and its signed part a fixarray of 7 (§10.3). */
#define WELCOME_FRAME_TAG 0x98
/* The signature closes a WELCOME as bin 8 of 64 bytes: c4 40, then the signature. */
#define WELCOME_SIG_TAIL (2 + UCCN_SIG_BYTES)

static bool has_magic(const msgpack_object *o, const char *magic) {
	size_t n = strlen(magic);
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, magic, n) == 0;
}

static int check_session_msg(const struct uccn_session_msg *m) {
	if (m->type == UCCN_SESSION_ERROR) {
		return m->reason_len <= UCCN_SESSION_REASON_MAX &&
				       (m->reason != NULL || m->reason_len == 0)
			       ? UCCN_OK
			       : UCCN_EINVAL;
	}
	if (m->type != UCCN_SESSION_HELLO && m->type != UCCN_SESSION_WELCOME) {
		return UCCN_OK;
	}
	if (m->nkinds > UCCN_SESSION_KINDS_MAX) {
		return UCCN_EINVAL;
	}
	for (size_t i = 0; i < m->nkinds; i++) {
		if (m->kinds[i] == NULL || !valid_kind(m->kinds[i], m->kind_lens[i])) {
			return UCCN_EINVAL;
		}
	}
	return UCCN_OK;
}

/* HELLO, or WELCOME with (signed) or without its signature. */
static int encode_intro(const struct uccn_session_msg *m, bool with_sig, struct uccn_bytes *out) {
	int err = check_session_msg(m);
	if (err < 0) {
		return err;
	}
	bool hello = m->type == UCCN_SESSION_HELLO;
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, with_sig ? 8 : 7);
	const char *magic = hello ? HELLO_MAGIC : WELCOME_MAGIC;
	pack_str(&pk, magic, strlen(magic));
	msgpack_pack_uint64(&pk, UCCN_SESSION_VERSION);
	pack_bin(&pk, m->network, UCCN_KEY_BYTES);
	pack_bin(&pk, m->node_key, UCCN_KEY_BYTES);
	pack_bin(&pk, m->kx_key, UCCN_KEY_BYTES);
	pack_bin(&pk, m->nonce, UCCN_SESSION_NONCE_BYTES);
	msgpack_pack_array(&pk, m->nkinds);
	for (size_t i = 0; i < m->nkinds; i++) {
		pack_str(&pk, m->kinds[i], m->kind_lens[i]);
	}
	if (with_sig) {
		pack_bin(&pk, m->sig, UCCN_SIG_BYTES);
	}
	return sink_end(&s, start);
}

int uccn_codec_encode_session(const struct uccn_session_msg *m, struct uccn_bytes *out) {
	if (m->type == UCCN_SESSION_HELLO) {
		return encode_intro(m, false, out);
	}
	if (m->type == UCCN_SESSION_WELCOME) {
		return encode_intro(m, true, out);
	}
	int err = check_session_msg(m);
	if (err < 0) {
		return err;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	if (m->type == UCCN_SESSION_AUTH) {
		msgpack_pack_array(&pk, 2);
		pack_str(&pk, AUTH_MAGIC, sizeof(AUTH_MAGIC) - 1);
		pack_bin(&pk, m->sig, UCCN_SIG_BYTES);
	} else if (m->type == UCCN_SESSION_ERROR) {
		msgpack_pack_array(&pk, 3);
		pack_str(&pk, ERROR_MAGIC, sizeof(ERROR_MAGIC) - 1);
		msgpack_pack_uint64(&pk, m->code);
		pack_str(&pk, m->reason_len > 0 ? m->reason : "", m->reason_len);
	} else {
		return UCCN_EINVAL;
	}
	return sink_end(&s, start);
}

int uccn_codec_encode_welcome_unsigned(const struct uccn_session_msg *m, struct uccn_bytes *out) {
	if (m->type != UCCN_SESSION_WELCOME) {
		return UCCN_EINVAL;
	}
	return encode_intro(m, false, out);
}

/* Elements 2 to 6 of a HELLO or WELCOME of version 1: network, node key, kx key, nonce, kinds. */
static int decode_intro(struct decoder *d, const msgpack_object *e, struct uccn_session_msg *out) {
	static const char *const names[] = {"network", "node key", "key exchange key", "nonce"};
	uint8_t *fields[] = {out->network, out->node_key, out->kx_key, out->nonce};
	for (int i = 0; i < 4; i++) {
		if (get_bin(d, &e[2 + i], fields[i], UCCN_KEY_BYTES) < 0) {
			return refuse(d->why, d->why_len,
				"element %d (%s) is not a bin of 32 bytes", 2 + i, names[i]);
		}
	}
	const msgpack_object *k = &e[6];
	if (k->type != MSGPACK_OBJECT_ARRAY || k->via.array.size > UCCN_SESSION_KINDS_MAX) {
		return refuse(d->why, d->why_len,
			"element 6 (kinds) is not an array of at most %d kinds",
			UCCN_SESSION_KINDS_MAX);
	}
	out->nkinds = k->via.array.size;
	for (size_t i = 0; i < out->nkinds; i++) {
		const char *s = NULL;
		size_t len = 0;
		if (get_str(d, &k->via.array.ptr[i], &s, &len) < 0 || !valid_kind(s, len)) {
			if (d->why != NULL && d->why[0] == '\0') {
				refuse(d->why, d->why_len,
					"kind %zu is not 1 to %d bytes of [a-z_]", i,
					UCCN_KIND_MAX);
			}
			return UCCN_EPROTO;
		}
		out->kinds[i] = s;
		out->kind_lens[i] = len;
	}
	return UCCN_OK;
}

/* The elements of a decoded frame, given its type; o is its array. */
static int decode_session_elements(
	struct decoder *d, const msgpack_object *o, struct uccn_session_msg *out) {
	const msgpack_object *e = o->via.array.ptr;
	uint32_t n = o->via.array.size;
	if (out->type == UCCN_SESSION_AUTH) {
		if (n != 2 || get_bin(d, &e[1], out->sig, UCCN_SIG_BYTES) < 0) {
			return refuse(
				d->why, d->why_len, "an AUTH is [\"uccn-auth\", bin 64 signature]");
		}
		return UCCN_OK;
	}
	if (out->type == UCCN_SESSION_ERROR) {
		if (n != 3 || !is_uint(&e[1]) ||
			get_str(d, &e[2], &out->reason, &out->reason_len) < 0) {
			if (d->why != NULL && d->why[0] == '\0') {
				refuse(d->why, d->why_len,
					"an ERROR is [\"uccn-error\", uint code, str reason]");
			}
			return UCCN_EPROTO;
		}
		out->code = e[1].via.u64;
		return UCCN_OK;
	}
	if (!is_uint(&e[1])) {
		return refuse(d->why, d->why_len, "element 1 (version) is not a uint");
	}
	out->version = e[1].via.u64;
	if (out->version != UCCN_SESSION_VERSION) {
		return UCCN_OK; /* refused by version alone; the shape may differ */
	}
	bool hello = out->type == UCCN_SESSION_HELLO;
	if (n != (hello ? 7u : 8u)) {
		return refuse(d->why, d->why_len, "a %s has %d elements, this one %u",
			hello ? "HELLO" : "WELCOME", hello ? 7 : 8, (unsigned)n);
	}
	int err = decode_intro(d, e, out);
	if (err < 0 || hello) {
		return err;
	}
	/* The signed part is found by position, so it must be the exact bytes the server signed:
	 * a fixarray header and a bin 8 signature at the very end (§10.3). */
	if (d->base[0] != WELCOME_FRAME_TAG || d->len < 1 + WELCOME_SIG_TAIL ||
		e[7].type != MSGPACK_OBJECT_BIN || e[7].via.bin.size != UCCN_SIG_BYTES ||
		(const uint8_t *)e[7].via.bin.ptr != d->base + d->len - UCCN_SIG_BYTES ||
		d->base[d->len - WELCOME_SIG_TAIL] != 0xc4) {
		return refuse(d->why, d->why_len,
			"a WELCOME is a fixarray of 8 (0x98) ending with its signature as bin 8 of "
			"64 bytes");
	}
	memcpy(out->sig, e[7].via.bin.ptr, UCCN_SIG_BYTES);
	out->signed_elements = d->base + 1;
	out->signed_elements_len = d->len - 1 - WELCOME_SIG_TAIL;
	return UCCN_OK;
}

int uccn_codec_decode_session(
	const uint8_t *buf, size_t len, struct uccn_session_msg *out, char *why, size_t why_len) {
	if (why != NULL && why_len > 0) {
		why[0] = '\0';
	}
	if (len > UCCN_SESSION_HANDSHAKE_MAX) {
		return refuse(why, why_len,
			"a handshake frame is at most %d bytes, this one is %zu",
			UCCN_SESSION_HANDSHAKE_MAX, len);
	}
	size_t end = 0;
	enum guard_result g = size_guard(buf, len, len, &end);
	if (g != GUARD_DONE || end != len) {
		return refuse(why, why_len, "%s", guard_why(g, "not one whole msgpack object"));
	}
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = unpack_whole(&u, buf, len);
	if (err < 0) {
		msgpack_unpacked_destroy(&u);
		return err == UCCN_ENOMEM ? err : refuse(why, why_len, "not valid msgpack");
	}
	memset(out, 0, sizeof(*out));
	struct decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2) {
		refuse(why, why_len, "not a session message (an array of at least 2)");
	} else {
		const msgpack_object *magic = &o->via.array.ptr[0];
		if (has_magic(magic, HELLO_MAGIC)) {
			out->type = UCCN_SESSION_HELLO;
		} else if (has_magic(magic, WELCOME_MAGIC)) {
			out->type = UCCN_SESSION_WELCOME;
		} else if (has_magic(magic, AUTH_MAGIC)) {
			out->type = UCCN_SESSION_AUTH;
		} else if (has_magic(magic, ERROR_MAGIC)) {
			out->type = UCCN_SESSION_ERROR;
		}
		if (out->type == 0) {
			refuse(why, why_len, "not a session message (unknown first element)");
		} else {
			err = decode_session_elements(&d, o, out);
		}
	}
	msgpack_unpacked_destroy(&u);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Sync messages (§11), the payloads of an established session */

int uccn_codec_encode_sync_vector(
	const struct uccn_sync_entry *entries, size_t n, struct uccn_bytes *out) {
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, UCCN_SYNC_VECTOR);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(&pk, 3);
		pack_bin(&pk, entries[i].author, UCCN_KEY_BYTES);
		pack_str(&pk, entries[i].feed, strlen(entries[i].feed));
		msgpack_pack_uint64(&pk, entries[i].seq);
	}
	return sink_end(&s, start);
}

int uccn_codec_encode_sync_changes(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out) {
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint64(&pk, UCCN_SYNC_CHANGES);
	msgpack_pack_uint64(&pk, batch);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++) {
		pack_bin(&pk, changes[i].data, changes[i].len);
	}
	return sink_end(&s, start);
}

int uccn_codec_encode_sync_simple(
	enum uccn_sync_type type, uint64_t value, struct uccn_bytes *out) {
	if (type != UCCN_SYNC_ACK && type != UCCN_SYNC_DONE && type != UCCN_SYNC_PING &&
		type != UCCN_SYNC_PONG) {
		return UCCN_EINVAL;
	}
	size_t start = out->len;
	struct sink s = {.out = out};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &s, sink_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, type);
	msgpack_pack_uint64(&pk, value);
	return sink_end(&s, start);
}

void uccn_codec_sync_msg_finish(struct uccn_sync_msg *m) {
	free(m->entries);
	free(m->changes);
	memset(m, 0, sizeof(*m));
}

int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len) {
	memset(out, 0, sizeof(*out));
	size_t end = 0;
	enum guard_result g = size_guard(buf, len, len, &end);
	if (g != GUARD_DONE || end != len) {
		return refuse(why, why_len, "a sync message %s",
			guard_why(g, "is not one whole msgpack object"));
	}
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = unpack_whole(&u, buf, len);
	if (err < 0) {
		msgpack_unpacked_destroy(&u);
		return err == UCCN_ENOMEM ? err : refuse(why, why_len, "not a sync message");
	}
	struct decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
		!is_uint(&o->via.array.ptr[0])) {
		refuse(why, why_len, "a sync message is an array starting with its type");
		goto out;
	}
	const msgpack_object *e = o->via.array.ptr;
	out->type = (enum uccn_sync_type)e[0].via.u64;
	switch (e[0].via.u64) {
	case UCCN_SYNC_VECTOR: {
		if (o->via.array.size != 2 || e[1].type != MSGPACK_OBJECT_ARRAY ||
			e[1].via.array.size > UCCN_SYNC_VECTOR_MAX) {
			refuse(why, why_len, "a vector is [1, [[author, feed, seq]...]]");
			goto out;
		}
		size_t n = e[1].via.array.size;
		out->entries = calloc(n ? n : 1, sizeof(*out->entries));
		if (out->entries == NULL) {
			err = UCCN_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const msgpack_object *t = &e[1].via.array.ptr[i];
			struct uccn_sync_entry *x = &out->entries[i];
			const msgpack_object *f = t->via.array.ptr;
			if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size != 3 ||
				get_bin(&d, &f[0], x->author, UCCN_KEY_BYTES) < 0 ||
				f[1].type != MSGPACK_OBJECT_STR ||
				f[1].via.str.size > UCCN_FEED_MAX || !is_uint(&f[2])) {
				refuse(why, why_len, "vector entry %zu is not [author, feed, seq]",
					i);
				goto out;
			}
			memcpy(x->feed_buf, f[1].via.str.ptr, f[1].via.str.size);
			x->feed_buf[f[1].via.str.size] = '\0';
			x->feed = x->feed_buf;
			x->seq = f[2].via.u64;
		}
		out->count = n;
		break;
	}
	case UCCN_SYNC_CHANGES: {
		if (o->via.array.size != 3 || !is_uint(&e[1]) ||
			e[2].type != MSGPACK_OBJECT_ARRAY ||
			e[2].via.array.size > UCCN_SYNC_BATCH_MAX) {
			refuse(why, why_len, "a batch is [2, number, [change...]] of at most %d",
				UCCN_SYNC_BATCH_MAX);
			goto out;
		}
		size_t n = e[2].via.array.size;
		out->value = e[1].via.u64;
		out->changes = calloc(n ? n : 1, sizeof(*out->changes));
		if (out->changes == NULL) {
			err = UCCN_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (get_bin_ref(&d, &e[2].via.array.ptr[i], "a batch holds changes as bins",
				    &out->changes[i].data, &out->changes[i].len) < 0) {
				goto out;
			}
		}
		out->count = n;
		break;
	}
	case UCCN_SYNC_ACK:
	case UCCN_SYNC_DONE:
	case UCCN_SYNC_PING:
	case UCCN_SYNC_PONG:
		if (o->via.array.size != 2 || !is_uint(&e[1])) {
			refuse(why, why_len, "an ack, done, ping or pong is [type, number]");
			goto out;
		}
		out->value = e[1].via.u64;
		break;
	default:
		refuse(why, why_len, "unknown sync message type %llu",
			(unsigned long long)e[0].via.u64);
		goto out;
	}
	err = UCCN_OK;
out:
	msgpack_unpacked_destroy(&u);
	if (err < 0) {
		uccn_codec_sync_msg_finish(out);
	}
	return err;
}
