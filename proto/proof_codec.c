/* proof_codec.c - inclusion proofs of a designation under a signed tree head (PROTOCOL.md §9).
 * Shapes only: node/registry.c checks the signatures and the path. */
#include "proto/proof_codec.h"

#include <string.h>

#include "proto/wire.h"

static const char PROOF_MAGIC[] = "uccn-proof";

int uccn_codec_encode_proof(const struct uccn_proof *p, struct uccn_bytes *out) {
	if (p->npath > UCCN_PROOF_MAX_PATH) {
		return UCCN_EINVAL;
	}
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 8);
	uccn_wire_pack_str(pk, PROOF_MAGIC, sizeof(PROOF_MAGIC) - 1);
	msgpack_pack_uint64(pk, 2);
	uccn_wire_pack_bin(pk, p->network, UCCN_KEY_BYTES);
	uccn_wire_pack_bin(pk, p->designation, p->designation_len);
	msgpack_pack_uint64(pk, p->index);
	uccn_wire_pack_bin(pk, p->head, p->head_len);
	msgpack_pack_array(pk, p->npath);
	for (size_t i = 0; i < p->npath; i++) {
		uccn_wire_pack_bin(pk, p->path[i], UCCN_HASH_BYTES);
	}
	uccn_wire_pack_str(pk, p->note, p->note_len);
	return uccn_wire_sink_end(&s);
}

int uccn_codec_decode_proof(
	const uint8_t *buf, size_t len, struct uccn_proof *out, char *why, size_t why_len) {
	static const char not_whole[] = "not a uccn proof (not one whole msgpack object)";
	if (len > 4 * UCCN_CHANGE_MAX) {
		return uccn_error_set(why, why_len, UCCN_EPROTO, "%s", not_whole);
	}
	msgpack_unpacked u;
	int err = uccn_wire_unpack_exact(
		&u, buf, len, UCCN_CHANGE_MAX, NULL, not_whole, "not a uccn proof", why, why_len);
	if (err < 0) {
		return err;
	}
	struct uccn_wire_decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	const msgpack_object *e = o->via.array.ptr;
	size_t magic = sizeof(PROOF_MAGIC) - 1;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
		e[0].type != MSGPACK_OBJECT_STR || e[0].via.str.size != magic ||
		memcmp(e[0].via.str.ptr, PROOF_MAGIC, magic) != 0) {
		uccn_error_set(why, why_len, UCCN_EPROTO, "not a uccn proof");
	} else if (uccn_wire_is_uint(&e[1]) && e[1].via.u64 == 1) {
		/* Version 1 proved against BLAKE2b tree heads, which no checkpoint signs. */
		uccn_error_set(why, why_len, UCCN_EPROTO,
			"a proof of version 1 (before checkpoints): ask the city for a new one");
	} else if (!uccn_wire_is_uint(&e[1]) || e[1].via.u64 != 2) {
		uccn_error_set(why, why_len, UCCN_EPROTO, "a proof of an unknown version");
	} else if (o->via.array.size != 8) {
		uccn_error_set(why, why_len, UCCN_EPROTO, "not a uccn proof");
	} else if (uccn_wire_get_bin(&d, &e[2], out->network, UCCN_KEY_BYTES) < 0) {
		uccn_error_set(why, why_len, UCCN_EPROTO, "the proof's network is not a key");
	} else if (uccn_wire_get_bin_ref(&d, &e[3], "the proof's designation is not a change",
			   &out->designation, &out->designation_len) < 0 ||
		   !uccn_wire_is_uint(&e[4]) ||
		   uccn_wire_get_bin_ref(&d, &e[5], "the proof's tree head is not a change",
			   &out->head, &out->head_len) < 0) {
		if (why != NULL && why[0] == '\0') {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"the proof's leaf index is not an integer");
		}
	} else if (e[6].type != MSGPACK_OBJECT_ARRAY || e[6].via.array.size > UCCN_PROOF_MAX_PATH) {
		uccn_error_set(why, why_len, UCCN_EPROTO,
			"the proof's path is not a list of at most %d hashes", UCCN_PROOF_MAX_PATH);
	} else if (uccn_wire_get_str(&d, &e[7], &out->note, &out->note_len) < 0) {
		uccn_error_set(why, why_len, UCCN_EPROTO, "the proof's checkpoint is not text");
	} else {
		out->index = e[4].via.u64;
		out->npath = e[6].via.array.size;
		err = UCCN_OK;
		for (size_t i = 0; i < out->npath && err == UCCN_OK; i++) {
			if (uccn_wire_get_bin(&d, &e[6].via.array.ptr[i], out->path[i],
				    UCCN_HASH_BYTES) < 0) {
				err = uccn_error_set(why, why_len, UCCN_EPROTO,
					"element %zu of the proof's path is not a hash", i);
			}
		}
	}
	msgpack_unpacked_destroy(&u);
	return err;
}
