/* export_codec.c - the export file (PROTOCOL.md §7): the writers of its header, changes and
 * trailer, and a streaming reader that takes bytes as they come and returns whole items. No
 * I/O: the caller reads and writes the file, and checks the trailer's hash. */
#include "proto/export_codec.h"

#include <stdlib.h>
#include <string.h>

#include "node/alloc.h"
#include "proto/wire.h"

/* The export reader gives up on an item that has not completed within this many bytes. */
#define FILE_ITEM_MAX (UCCN_CHANGE_MAX + 1024)
/* A header is a few dozen bytes; anything longer at the start is not an export file. */
#define FILE_HEADER_MAX 256

static const char FILE_MAGIC[] = "uccn-export";
static const char FILE_END[] = "end";

static int encode_file_header(
	const uint8_t network[UCCN_KEY_BYTES], const uint8_t *reader, struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, reader != NULL ? 4 : 3);
	uccn_wire_pack_str(pk, FILE_MAGIC, sizeof(FILE_MAGIC) - 1);
	msgpack_pack_uint64(pk, 1);
	uccn_wire_pack_bin(pk, network, UCCN_KEY_BYTES);
	if (reader != NULL) {
		uccn_wire_pack_bin(pk, reader, UCCN_KEY_BYTES);
	}
	return uccn_wire_sink_end(&s);
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
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	uccn_wire_pack_bin(pk, change, len);
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_file_trailer(
	uint64_t count, const uint8_t hash[UCCN_HASH_BYTES], struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 3);
	uccn_wire_pack_str(pk, FILE_END, sizeof(FILE_END) - 1);
	msgpack_pack_uint64(pk, count);
	uccn_wire_pack_bin(pk, hash, UCCN_HASH_BYTES);
	return uccn_wire_sink_end(&s);
}

enum reader_state {
	READ_HEADER,
	READ_CHANGES,
	READ_DONE,
	READ_FAILED,
};

/* The reader keeps its own buffer and hands msgpack-c one complete item at a time, measured by
 * uccn_wire_size_guard(), rather than using msgpack_unpacker, whose streaming parse allocates a
 * container at its declared size before the bytes are there (see the size guard in proto/wire.c).
 */
struct uccn_file_reader {
	struct uccn_bytes buf;
	size_t pos;    /* start of the first byte not yet returned as an item */
	uint64_t base; /* file offset of buf.data[0] */
	size_t need;   /* the item at pos needs at least this many bytes: no use measuring before */
	enum reader_state state;
	msgpack_unpacked last; /* the last item's objects; its bytes stay in buf until a feed */
};

int uccn_codec_reader_create(struct uccn_file_reader **out) {
	struct uccn_file_reader *r = uccn_alloc_calloc(1, sizeof(*r));
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
	uccn_alloc_free(r);
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
	return uccn_error_set(why, why_len, UCCN_EPROTO, "%s at byte %llu", what,
		(unsigned long long)(r->base + r->pos));
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
		memcmp(e[0].via.str.ptr, tag, tag_len) != 0 || !uccn_wire_is_uint(&e[1]) ||
		!uccn_wire_is_key(&e[2])) {
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
		return uccn_error_set(
			why, why_len, UCCN_EPROTO, "the export file was already found invalid");
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
	switch (uccn_wire_size_guard(
		p, avail, header ? FILE_HEADER_MAX : FILE_ITEM_MAX, UCCN_CHANGE_MAX, &end)) {
	case UCCN_GUARD_DONE:
		break;
	case UCCN_GUARD_PARTIAL:
		r->need = end;
		return UCCN_EAGAIN;
	case UCCN_GUARD_TOO_LONG:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header"
			       : "damaged item: a bin, string or ext larger than 65536 bytes");
	case UCCN_GUARD_TOO_DEEP:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header"
			       : "damaged item: " UCCN_WIRE_TOO_DEEP);
	default:
		return reader_fail(r, why, why_len,
			header ? "not an uccn export file: no header"
			       : "damaged item: item too large");
	}
	r->need = 0;
	int err = uccn_wire_unpack_whole(&r->last, p, end);
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
			if (!uccn_wire_is_key(&o->via.array.ptr[3])) {
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
		struct uccn_wire_decoder d = {
			.base = p, .len = end, .why = why, .why_len = why_len};
		item->type = UCCN_FILE_CHANGE;
		if (uccn_wire_get_bin_ref(&d, o, "", &item->change, &item->change_len) < 0) {
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
