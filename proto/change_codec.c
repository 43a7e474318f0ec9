/* change_codec.c - signed changes on the wire (PROTOCOL.md §2, §3): the body, its envelope with
 * the signature, and the decoder that checks their shape, types and limits. Never signatures,
 * hashes, the schema or the chain: those belong to node/crypto.c and node/changelog.c. */
#include "proto/change_codec.h"

#include <string.h>

#include <uccn/text.h>

#include "proto/wire.h"

/* Longest body that still fits a signed change of UCCN_CHANGE_MAX bytes: the outer fixarray
 * (1), a bin16 header (3), the signature's bin8 header (2) and the signature (64). */
#define BODY_MAX (UCCN_CHANGE_MAX - 1 - 3 - 2 - UCCN_SIG_BYTES)

/* ---------------------------------------------------------------------------------------- */
/* Changes (§2, §3) */

static const char *const BODY_NAMES[11] = {"version", "network", "author", "seq", "prev", "hlc",
	"kind", "owner", "id", "op", "fields"};

static int bad_element(struct uccn_wire_decoder *d, int i, const char *must) {
	return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "field %d (%s) must be %s", i,
		BODY_NAMES[i], must);
}

static int decode_body(
	struct uccn_wire_decoder *d, const msgpack_object *root, struct uccn_change *out) {
	char shown[48];
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 11) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the body must be an array of 11 elements");
	}
	const msgpack_object *e = root->via.array.ptr;

	if (!uccn_wire_is_uint(&e[0]) || e[0].via.u64 != UCCN_WIRE_VERSION) {
		return uccn_wire_is_uint(&e[0]) ? uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
							  "unsupported version %llu",
							  (unsigned long long)e[0].via.u64)
						: bad_element(d, 0, "an unsigned integer");
	}
	if (uccn_wire_get_bin(d, &e[1], out->network, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 1, "a 32-byte bin");
	}
	if (uccn_wire_get_bin(d, &e[2], out->author, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 2, "a 32-byte bin");
	}
	if (!uccn_wire_is_uint(&e[3]) || e[3].via.u64 == 0) {
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
		if (uccn_wire_get_bin(d, &e[4], out->prev, UCCN_HASH_BYTES) < 0) {
			return bad_element(d, 4, "nil or a 32-byte bin");
		}
		out->has_prev = true;
	}
	if (!uccn_wire_is_uint(&e[5])) {
		return bad_element(d, 5, "an unsigned integer");
	}
	out->hlc = e[5].via.u64;

	const char *s = NULL; /* set by get_str; gcc -O2 does not see it */
	size_t len = 0;
	if (uccn_wire_get_str(d, &e[6], &s, &len) < 0) {
		return bad_element(d, 6, "a string");
	}
	if (!uccn_wire_valid_kind(s, len)) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"field 6 (kind) \"%s\" must be 1 to %d bytes of [a-z_]",
			uccn_wire_printable(s, len, shown, sizeof(shown)), UCCN_KIND_MAX);
	}
	memcpy(out->kind, s, len);
	out->kind[len] = '\0';

	if (e[7].type == MSGPACK_OBJECT_NIL) {
		memcpy(out->owner, out->author, UCCN_KEY_BYTES);
	} else if (uccn_wire_get_bin(d, &e[7], out->owner, UCCN_KEY_BYTES) < 0) {
		return bad_element(d, 7, "nil or a 32-byte bin");
	}

	if (uccn_wire_get_str(d, &e[8], &s, &len) < 0) {
		return bad_element(d, 8, "a string");
	}
	if (!uccn_text_is_valid_id(s, len)) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"field 8 (id) \"%s\" must be 1 to %d bytes of [A-Za-z0-9._:-]",
			uccn_wire_printable(s, len, shown, sizeof(shown)), UCCN_ID_MAX);
	}
	memcpy(out->id, s, len);
	out->id[len] = '\0';

	if (!uccn_wire_is_uint(&e[9]) || e[9].via.u64 > UCCN_OP_DELETE) {
		return bad_element(d, 9, "0 (put) or 1 (delete)");
	}
	out->op = (enum uccn_op)e[9].via.u64;

	if (e[10].type != MSGPACK_OBJECT_MAP) {
		return bad_element(d, 10, "a map");
	}
	size_t n = e[10].via.map.size;
	if (n > UCCN_FIELDS_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "%zu fields; at most %d", n,
			UCCN_FIELDS_MAX);
	}
	if (out->op == UCCN_OP_DELETE && n > 0) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "a delete carries no fields");
	}
	d->items = out->items;
	d->nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object_kv *kv = &e[10].via.map.ptr[i];
		struct uccn_field *f = &out->fields[i];
		int err = uccn_wire_get_name(d, &kv->key, &f->name, &f->name_len);
		if (err < 0) {
			return err;
		}
		/* At most 32 names: pairwise is cheaper than sorting. */
		for (size_t j = 0; j < i; j++) {
			if (out->fields[j].name_len == f->name_len &&
				memcmp(out->fields[j].name, f->name, f->name_len) == 0) {
				return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
					"field \"%s\" appears twice",
					uccn_wire_printable(
						f->name, f->name_len, shown, sizeof(shown)));
			}
		}
		if ((err = uccn_wire_get_value(d, &kv->val, &f->value, f->name, f->name_len)) < 0) {
			return err;
		}
	}
	out->nfields = n;
	out->nitems = d->nitems;
	return UCCN_OK;
}

/* The signed change [bin body, bin signature] (§3) that msgpack-c decoded into o from the
 * first end bytes of the input. Both bins stay where they are in the input. */
static int get_envelope(struct uccn_wire_decoder *d, const msgpack_object *o, size_t end,
	const uint8_t **body, size_t *body_len, const uint8_t **sig) {
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "a change must be an array of 2");
	}
	if (o->via.array.size != 2) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a change must be an array of 2, not %u", o->via.array.size);
	}
	size_t sig_len = 0;
	int err = uccn_wire_get_bin_ref(d, &o->via.array.ptr[0],
		"element 0 of a change must be a bin (the body)", body, body_len);
	if (err < 0 || (err = uccn_wire_get_bin_ref(d, &o->via.array.ptr[1],
				"element 1 of a change must be a bin (the signature)", sig,
				&sig_len)) < 0) {
		return err;
	}
	if (sig_len != UCCN_SIG_BYTES) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the signature must be %d bytes, not %zu", UCCN_SIG_BYTES, sig_len);
	}
	if (end != d->len) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "trailing bytes after the change");
	}
	/* §3 domain separation: a body is recognisable by its first byte alone. */
	if (*body_len == 0 || (*body)[0] != 0x9b) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the body must start with 0x9b (an array of 11)");
	}
	size_t body_end = 0;
	enum uccn_wire_guard g = uccn_wire_size_guard(
		*body, *body_len, *body_len, UCCN_CHANGE_MAX, &body_end);
	if (g != UCCN_GUARD_DONE) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "the body is %s",
			uccn_wire_guard_why(g, "truncated"));
	}
	if (body_end != *body_len) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "trailing bytes after the body");
	}
	return UCCN_OK;
}

int uccn_codec_decode_change(
	const uint8_t *buf, size_t len, struct uccn_change *out, char *why, size_t why_len) {
	if (why != NULL && why_len > 0) {
		why[0] = '\0';
	}
	if (len > UCCN_CHANGE_MAX) {
		return uccn_error_set(why, why_len, UCCN_EPROTO,
			"a change is at most %d bytes, this one is %zu", UCCN_CHANGE_MAX, len);
	}
	size_t end = 0;
	enum uccn_wire_guard g = uccn_wire_size_guard(buf, len, len, UCCN_CHANGE_MAX, &end);
	if (g != UCCN_GUARD_DONE) {
		return uccn_error_set(why, why_len, UCCN_EPROTO, "the change is %s",
			uccn_wire_guard_why(g, "truncated"));
	}

	/* msgpack-c runs twice: on the signed change, whose body it leaves in buf as a bin, and
	 * then on that body. */
	struct uccn_wire_decoder d = {.base = buf, .len = len, .why = why, .why_len = why_len};
	const uint8_t *body = NULL, *sig = NULL;
	size_t body_len = 0;
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int err = uccn_wire_unpack_whole(&u, buf, end);
	if (err == UCCN_EPROTO) {
		err = uccn_error_set(why, why_len, UCCN_EPROTO, "the change is not valid msgpack");
	}
	if (err < 0 || (err = get_envelope(&d, &u.data, end, &body, &body_len, &sig)) < 0) {
		goto out;
	}
	/* This drops the outer objects, which are no longer needed. */
	err = uccn_wire_unpack_whole(&u, body, body_len);
	if (err == UCCN_EPROTO) {
		err = uccn_error_set(
			why, why_len, UCCN_EPROTO, "the body is not valid msgpack (byte 0xc1)");
	}
	if (err < 0) {
		goto out;
	}
	d = (struct uccn_wire_decoder){
		.base = body, .len = body_len, .why = why, .why_len = why_len};
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

static bool valid_fields(const struct uccn_field *fields, size_t n) {
	size_t nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const struct uccn_field *f = &fields[i];
		if (f->name == NULL || !uccn_wire_valid_name(f->name, f->name_len) ||
			!uccn_wire_valid_value(&f->value, &nitems)) {
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
	if (!uccn_wire_valid_kind(c->kind, kind_len) || !uccn_text_is_valid_id(c->id, id_len) ||
		c->seq == 0 || (c->has_prev && c->seq == 1) ||
		(c->op != UCCN_OP_PUT && c->op != UCCN_OP_DELETE) || c->nfields > UCCN_FIELDS_MAX ||
		(c->op == UCCN_OP_DELETE && c->nfields > 0) ||
		!valid_fields(c->fields, c->nfields)) {
		return UCCN_EINVAL;
	}
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	if (uccn_bytes_reserve(out, 256) < 0) {
		return UCCN_ENOMEM;
	}
	msgpack_pack_array(pk, 11);
	msgpack_pack_uint64(pk, UCCN_WIRE_VERSION);
	uccn_wire_pack_bin(pk, c->network, UCCN_KEY_BYTES);
	uccn_wire_pack_bin(pk, c->author, UCCN_KEY_BYTES);
	msgpack_pack_uint64(pk, c->seq);
	if (c->has_prev) {
		uccn_wire_pack_bin(pk, c->prev, UCCN_HASH_BYTES);
	} else {
		msgpack_pack_nil(pk);
	}
	msgpack_pack_uint64(pk, c->hlc);
	uccn_wire_pack_str(pk, c->kind, kind_len);
	if (memcmp(c->owner, c->author, UCCN_KEY_BYTES) == 0) {
		msgpack_pack_nil(pk);
	} else {
		uccn_wire_pack_bin(pk, c->owner, UCCN_KEY_BYTES);
	}
	uccn_wire_pack_str(pk, c->id, id_len);
	msgpack_pack_uint64(pk, (uint64_t)c->op);
	msgpack_pack_map(pk, c->nfields);
	for (size_t i = 0; i < c->nfields; i++) {
		uccn_wire_pack_str(pk, c->fields[i].name, c->fields[i].name_len);
		uccn_wire_pack_value(pk, &c->fields[i].value);
	}
	int err = uccn_wire_sink_end(&s);
	if (err == UCCN_OK && out->len - s.start > BODY_MAX) {
		out->len = s.start;
		err = UCCN_EINVAL; /* the signed change would exceed UCCN_CHANGE_MAX */
	}
	return err;
}

int uccn_codec_encode_signed(const uint8_t *body, size_t body_len,
	const uint8_t sig[UCCN_SIG_BYTES], struct uccn_bytes *out) {
	if (body_len > BODY_MAX || body_len == 0 || body[0] != 0x9b) {
		return UCCN_EINVAL;
	}
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	if (uccn_bytes_reserve(out, body_len + 8 + UCCN_SIG_BYTES) < 0) {
		return UCCN_ENOMEM;
	}
	msgpack_pack_array(pk, 2);
	uccn_wire_pack_bin(pk, body, body_len);
	uccn_wire_pack_bin(pk, sig, UCCN_SIG_BYTES);
	return uccn_wire_sink_end(&s);
}
