/* sync_codec.c - the sync messages of an established session (PROTOCOL.md §11): vector, changes,
 * ack, done, ping and pong. Shapes and limits only: node/sync.c decides what they mean. */
#include "proto/sync_codec.h"

#include <stdlib.h>
#include <string.h>

#include "node/alloc.h"
#include "proto/wire.h"

int uccn_codec_encode_sync_vector(
	const struct uccn_sync_entry *entries, size_t n, struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, UCCN_SYNC_VECTOR);
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(pk, 3);
		uccn_wire_pack_bin(pk, entries[i].author, UCCN_KEY_BYTES);
		uccn_wire_pack_str(pk, entries[i].feed, strlen(entries[i].feed));
		msgpack_pack_uint64(pk, entries[i].seq);
	}
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_sync_changes(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, UCCN_SYNC_CHANGES);
	msgpack_pack_uint64(pk, batch);
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		uccn_wire_pack_bin(pk, changes[i].data, changes[i].len);
	}
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_sync_simple(
	enum uccn_sync_type type, uint64_t value, struct uccn_bytes *out) {
	if (type != UCCN_SYNC_ACK && type != UCCN_SYNC_DONE && type != UCCN_SYNC_PING &&
		type != UCCN_SYNC_PONG) {
		return UCCN_EINVAL;
	}
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, type);
	msgpack_pack_uint64(pk, value);
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_sync_ack_held(uint64_t batch, uint64_t held, struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, UCCN_SYNC_ACK);
	msgpack_pack_uint64(pk, batch);
	msgpack_pack_uint64(pk, held);
	return uccn_wire_sink_end(&s);
}

void uccn_codec_sync_msg_finish(struct uccn_sync_msg *m) {
	uccn_alloc_free(m->entries);
	uccn_alloc_free(m->changes);
	memset(m, 0, sizeof(*m));
}

int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len) {
	memset(out, 0, sizeof(*out));
	msgpack_unpacked u;
	int err = uccn_wire_unpack_exact(&u, buf, len, "a sync message ",
		"is not one whole msgpack object", "not a sync message", why, why_len);
	if (err < 0) {
		return err;
	}
	struct uccn_wire_decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
		!uccn_wire_is_uint(&o->via.array.ptr[0])) {
		uccn_error_set(why, why_len, UCCN_EPROTO,
			"a sync message is an array starting with its type");
		goto out;
	}
	const msgpack_object *e = o->via.array.ptr;
	out->type = (enum uccn_sync_type)e[0].via.u64;
	switch (e[0].via.u64) {
	case UCCN_SYNC_VECTOR: {
		if (o->via.array.size != 2 || e[1].type != MSGPACK_OBJECT_ARRAY ||
			e[1].via.array.size > UCCN_SYNC_VECTOR_MAX) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"a vector is [1, [[author, feed, seq]...]]");
			goto out;
		}
		size_t n = e[1].via.array.size;
		out->entries = uccn_alloc_calloc(n ? n : 1, sizeof(*out->entries));
		if (out->entries == NULL) {
			err = UCCN_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const msgpack_object *t = &e[1].via.array.ptr[i];
			struct uccn_sync_entry *x = &out->entries[i];
			const msgpack_object *f = t->via.array.ptr;
			if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size != 3 ||
				uccn_wire_get_bin(&d, &f[0], x->author, UCCN_KEY_BYTES) < 0 ||
				f[1].type != MSGPACK_OBJECT_STR ||
				f[1].via.str.size > UCCN_FEED_MAX || !uccn_wire_is_uint(&f[2])) {
				uccn_error_set(why, why_len, UCCN_EPROTO,
					"vector entry %zu is not [author, feed, seq]", i);
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
		if (o->via.array.size != 3 || !uccn_wire_is_uint(&e[1]) ||
			e[2].type != MSGPACK_OBJECT_ARRAY ||
			e[2].via.array.size > UCCN_SYNC_BATCH_MAX) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"a batch is [2, number, [change...]] of at most %d",
				UCCN_SYNC_BATCH_MAX);
			goto out;
		}
		size_t n = e[2].via.array.size;
		out->value = e[1].via.u64;
		out->changes = uccn_alloc_calloc(n ? n : 1, sizeof(*out->changes));
		if (out->changes == NULL) {
			err = UCCN_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (uccn_wire_get_bin_ref(&d, &e[2].via.array.ptr[i],
				    "a batch holds changes as bins", &out->changes[i].data,
				    &out->changes[i].len) < 0) {
				goto out;
			}
		}
		out->count = n;
		break;
	}
	case UCCN_SYNC_ACK:
		/* The third element, held, is optional (§11.1). */
		if (o->via.array.size == 3 && uccn_wire_is_uint(&e[1]) &&
			uccn_wire_is_uint(&e[2])) {
			out->value = e[1].via.u64;
			out->has_held = true;
			out->held = e[2].via.u64;
			break;
		}
		/* fall through */
	case UCCN_SYNC_DONE:
	case UCCN_SYNC_PING:
	case UCCN_SYNC_PONG:
		if (o->via.array.size != 2 || !uccn_wire_is_uint(&e[1])) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"an ack, done, ping or pong is [type, number] (an ack may add held)");
			goto out;
		}
		out->value = e[1].via.u64;
		break;
	default:
		uccn_error_set(why, why_len, UCCN_EPROTO, "unknown sync message type %llu",
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
