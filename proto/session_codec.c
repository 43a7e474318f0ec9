/* session_codec.c - the handshake messages of a session (PROTOCOL.md §10): HELLO, WELCOME, AUTH
 * and ERROR. Shapes and limits only: node/session.c checks networks, keys and signatures. */
#include "proto/session_codec.h"

#include <string.h>

#include "proto/wire.h"

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
		if (m->kinds[i] == NULL || !uccn_wire_valid_kind(m->kinds[i], m->kind_lens[i])) {
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
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, with_sig ? 8 : 7);
	const char *magic = hello ? HELLO_MAGIC : WELCOME_MAGIC;
	uccn_wire_pack_str(pk, magic, strlen(magic));
	msgpack_pack_uint64(pk, UCCN_SESSION_VERSION);
	uccn_wire_pack_bin(pk, m->network, UCCN_KEY_BYTES);
	uccn_wire_pack_bin(pk, m->node_key, UCCN_KEY_BYTES);
	uccn_wire_pack_bin(pk, m->kx_key, UCCN_KEY_BYTES);
	uccn_wire_pack_bin(pk, m->nonce, UCCN_SESSION_NONCE_BYTES);
	msgpack_pack_array(pk, m->nkinds);
	for (size_t i = 0; i < m->nkinds; i++) {
		uccn_wire_pack_str(pk, m->kinds[i], m->kind_lens[i]);
	}
	if (with_sig) {
		uccn_wire_pack_bin(pk, m->sig, UCCN_SIG_BYTES);
	}
	return uccn_wire_sink_end(&s);
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
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	if (m->type == UCCN_SESSION_AUTH) {
		msgpack_pack_array(pk, 2);
		uccn_wire_pack_str(pk, AUTH_MAGIC, sizeof(AUTH_MAGIC) - 1);
		uccn_wire_pack_bin(pk, m->sig, UCCN_SIG_BYTES);
	} else if (m->type == UCCN_SESSION_ERROR) {
		msgpack_pack_array(pk, 3);
		uccn_wire_pack_str(pk, ERROR_MAGIC, sizeof(ERROR_MAGIC) - 1);
		msgpack_pack_uint64(pk, m->code);
		uccn_wire_pack_str(pk, m->reason_len > 0 ? m->reason : "", m->reason_len);
	} else {
		return UCCN_EINVAL;
	}
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_welcome_unsigned(const struct uccn_session_msg *m, struct uccn_bytes *out) {
	if (m->type != UCCN_SESSION_WELCOME) {
		return UCCN_EINVAL;
	}
	return encode_intro(m, false, out);
}

/* Elements 2 to 6 of a HELLO or WELCOME of version 1: network, node key, kx key, nonce, kinds. */
static int decode_intro(
	struct uccn_wire_decoder *d, const msgpack_object *e, struct uccn_session_msg *out) {
	static const char *const names[] = {"network", "node key", "key exchange key", "nonce"};
	uint8_t *fields[] = {out->network, out->node_key, out->kx_key, out->nonce};
	for (int i = 0; i < 4; i++) {
		if (uccn_wire_get_bin(d, &e[2 + i], fields[i], UCCN_KEY_BYTES) < 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"element %d (%s) is not a bin of 32 bytes", 2 + i, names[i]);
		}
	}
	const msgpack_object *k = &e[6];
	if (k->type != MSGPACK_OBJECT_ARRAY || k->via.array.size > UCCN_SESSION_KINDS_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"element 6 (kinds) is not an array of at most %d kinds",
			UCCN_SESSION_KINDS_MAX);
	}
	out->nkinds = k->via.array.size;
	for (size_t i = 0; i < out->nkinds; i++) {
		const char *s = NULL;
		size_t len = 0;
		if (uccn_wire_get_str(d, &k->via.array.ptr[i], &s, &len) < 0 ||
			!uccn_wire_valid_kind(s, len)) {
			if (d->why != NULL && d->why[0] == '\0') {
				uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
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
	struct uccn_wire_decoder *d, const msgpack_object *o, struct uccn_session_msg *out) {
	const msgpack_object *e = o->via.array.ptr;
	uint32_t n = o->via.array.size;
	if (out->type == UCCN_SESSION_AUTH) {
		if (n != 2 || uccn_wire_get_bin(d, &e[1], out->sig, UCCN_SIG_BYTES) < 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"an AUTH is [\"uccn-auth\", bin 64 signature]");
		}
		return UCCN_OK;
	}
	if (out->type == UCCN_SESSION_ERROR) {
		if (n != 3 || !uccn_wire_is_uint(&e[1]) ||
			uccn_wire_get_str(d, &e[2], &out->reason, &out->reason_len) < 0) {
			if (d->why != NULL && d->why[0] == '\0') {
				uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
					"an ERROR is [\"uccn-error\", uint code, str reason]");
			}
			return UCCN_EPROTO;
		}
		out->code = e[1].via.u64;
		return UCCN_OK;
	}
	if (!uccn_wire_is_uint(&e[1])) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "element 1 (version) is not a uint");
	}
	out->version = e[1].via.u64;
	if (out->version != UCCN_SESSION_VERSION) {
		return UCCN_OK; /* refused by version alone; the shape may differ */
	}
	bool hello = out->type == UCCN_SESSION_HELLO;
	if (n != (hello ? 7u : 8u)) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a %s has %d elements, this one %u", hello ? "HELLO" : "WELCOME",
			hello ? 7 : 8, (unsigned)n);
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
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
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
		return uccn_error_set(why, why_len, UCCN_EPROTO,
			"a handshake frame is at most %d bytes, this one is %zu",
			UCCN_SESSION_HANDSHAKE_MAX, len);
	}
	msgpack_unpacked u;
	int err = uccn_wire_unpack_exact(&u, buf, len, UCCN_CHANGE_MAX, "", "not one whole msgpack object",
		"not valid msgpack", why, why_len);
	if (err < 0) {
		return err;
	}
	memset(out, 0, sizeof(*out));
	struct uccn_wire_decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const msgpack_object *o = &u.data;
	err = UCCN_EPROTO;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2) {
		uccn_error_set(why, why_len, UCCN_EPROTO,
			"not a session message (an array of at least 2)");
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
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"not a session message (unknown first element)");
		} else {
			err = decode_session_elements(&d, o, out);
		}
	}
	msgpack_unpacked_destroy(&u);
	return err;
}
