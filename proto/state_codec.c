/* state_codec.c - the canonical encoding of a record's merge state (PROTOCOL.md §6), which the
 * store keeps per record: the same logical state always gives the same bytes. */
#include "proto/state_codec.h"

#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

/* Bytewise order of field names, the shorter first when one is a prefix of the other (§6). */
static int compare_names(const char *a, size_t alen, const char *b, size_t blen) {
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0) {
		return c;
	}
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static int compare_keys(const void *a, const void *b) {
	return memcmp(a, b, UCCN_KEY_BYTES);
}

/* Whether a field's clock is the one a short field means: the newest change's, by the owner. */
static bool is_record_clock(
	uint64_t hlc, const uint8_t *author, const struct uccn_state *st, const uint8_t *owner) {
	return hlc == st->updated_hlc && memcmp(author, owner, UCCN_KEY_BYTES) == 0;
}

int uccn_codec_encode_state(
	const struct uccn_state *st, const uint8_t owner[UCCN_KEY_BYTES], struct uccn_bytes *out) {
	if (st->nfields > UCCN_FIELDS_MAX) {
		return UCCN_EINVAL;
	}
	size_t nitems = 0;
	for (size_t i = 0; i < st->nfields; i++) {
		const struct uccn_field *f = &st->fields[i].field;
		if (f->name == NULL || !uccn_wire_valid_name(f->name, f->name_len) ||
			!uccn_wire_valid_value(&f->value, &nitems)) {
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
	 * same logical state always gives the same bytes. The owner is known from the record's
	 * key and never written in it. */
	uint8_t authors[UCCN_FIELDS_MAX][UCCN_KEY_BYTES];
	size_t nauthors = 0;
	for (size_t i = 0; i < st->nfields; i++) {
		if (memcmp(st->fields[i].author, owner, UCCN_KEY_BYTES) != 0) {
			memcpy(authors[nauthors++], st->fields[i].author, UCCN_KEY_BYTES);
		}
	}
	qsort(authors, nauthors, UCCN_KEY_BYTES, compare_keys);
	size_t unique = 0;
	for (size_t i = 0; i < nauthors; i++) {
		if (unique == 0 || memcmp(authors[unique - 1], authors[i], UCCN_KEY_BYTES) != 0) {
			memmove(authors[unique++], authors[i], UCCN_KEY_BYTES);
		}
	}
	nauthors = unique;

	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 5);
	if (st->has_tomb) {
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint64(pk, st->tomb_hlc);
		uccn_wire_pack_bin(pk, st->tomb_author, UCCN_KEY_BYTES);
	} else {
		msgpack_pack_nil(pk);
	}
	msgpack_pack_uint64(pk, st->created_hlc);
	msgpack_pack_uint64(pk, st->updated_hlc);
	msgpack_pack_array(pk, nauthors);
	for (size_t i = 0; i < nauthors; i++) {
		uccn_wire_pack_bin(pk, authors[i], UCCN_KEY_BYTES);
	}
	msgpack_pack_array(pk, st->nfields);
	for (size_t i = 0; i < st->nfields; i++) {
		const struct uccn_state_field *f = &st->fields[i];
		bool short_form = is_record_clock(f->hlc, f->author, st, owner);
		msgpack_pack_array(pk, short_form ? 2 : 4);
		uccn_wire_pack_str(pk, f->field.name, f->field.name_len);
		uccn_wire_pack_value(pk, &f->field.value);
		if (short_form) {
			continue;
		}
		uint64_t index = 0;
		if (memcmp(f->author, owner, UCCN_KEY_BYTES) != 0) {
			const uint8_t *found =
				bsearch(f->author, authors, nauthors, UCCN_KEY_BYTES, compare_keys);
			index = 1 + (uint64_t)(found - authors[0]) / UCCN_KEY_BYTES;
		}
		msgpack_pack_uint64(pk, f->hlc);
		msgpack_pack_uint64(pk, index);
	}
	return uccn_wire_sink_end(&s);
}

/* Decodes either layout: owner NULL is the first one (every field with its clock, every author in
 * the table), which only a store's migration still reads. */
static int decode_state(struct uccn_wire_decoder *d, const msgpack_object *root,
	const uint8_t *owner, struct uccn_state *out) {
	if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 5) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "a state is an array of 5");
	}
	const msgpack_object *e = root->via.array.ptr;
	if (e[0].type == MSGPACK_OBJECT_NIL) {
		out->has_tomb = false;
		out->tomb_hlc = 0;
		memset(out->tomb_author, 0, UCCN_KEY_BYTES);
	} else if (e[0].type == MSGPACK_OBJECT_ARRAY && e[0].via.array.size == 2 &&
		   uccn_wire_is_uint(&e[0].via.array.ptr[0]) &&
		   uccn_wire_get_bin(d, &e[0].via.array.ptr[1], out->tomb_author, UCCN_KEY_BYTES) ==
			   0) {
		out->has_tomb = true;
		out->tomb_hlc = e[0].via.array.ptr[0].via.u64;
	} else {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the tombstone must be nil or [hlc, author]");
	}
	if (!uccn_wire_is_uint(&e[1]) || !uccn_wire_is_uint(&e[2])) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"created and updated must be unsigned integers");
	}
	out->created_hlc = e[1].via.u64;
	out->updated_hlc = e[2].via.u64;

	if (e[3].type != MSGPACK_OBJECT_ARRAY || e[3].via.array.size > UCCN_FIELDS_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the authors table must be an array of at most %d", UCCN_FIELDS_MAX);
	}
	const msgpack_object *authors = e[3].via.array.ptr;
	size_t nauthors = e[3].via.array.size;
	bool used[UCCN_FIELDS_MAX] = {false};
	for (size_t i = 0; i < nauthors; i++) {
		if (!uccn_wire_is_key(&authors[i])) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"author %zu must be a 32-byte bin", i);
		}
		/* Canonical form: sorted and unique, and never the owner, which is implied. */
		if (owner != NULL && memcmp(authors[i].via.bin.ptr, owner, UCCN_KEY_BYTES) == 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO, "the owner is written in the authors table");
		}
		if (i > 0 && memcmp(authors[i - 1].via.bin.ptr, authors[i].via.bin.ptr,
				     UCCN_KEY_BYTES) >= 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"the authors table is not sorted and unique");
		}
	}

	if (e[4].type != MSGPACK_OBJECT_ARRAY || e[4].via.array.size > UCCN_FIELDS_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"the fields must be an array of at most %d", UCCN_FIELDS_MAX);
	}
	size_t n = e[4].via.array.size;
	d->items = out->items;
	d->nitems = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *fo = &e[4].via.array.ptr[i];
		struct uccn_state_field *f = &out->fields[i];
		bool short_form = owner != NULL && fo->type == MSGPACK_OBJECT_ARRAY &&
				  fo->via.array.size == 2;
		if (fo->type != MSGPACK_OBJECT_ARRAY || (fo->via.array.size != 4 && !short_form)) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"state field %zu must be an array of %s", i,
				owner != NULL ? "2 or 4" : "4");
		}
		const msgpack_object *fe = fo->via.array.ptr;
		int err = uccn_wire_get_name(d, &fe[0], &f->field.name, &f->field.name_len);
		if (err < 0) {
			return err;
		}
		if (i > 0 && compare_names(out->fields[i - 1].field.name,
				     out->fields[i - 1].field.name_len, f->field.name,
				     f->field.name_len) >= 0) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"state fields are not sorted by name");
		}
		if ((err = uccn_wire_get_value(
			     d, &fe[1], &f->field.value, f->field.name, f->field.name_len)) < 0) {
			return err;
		}
		if (short_form) {
			f->hlc = out->updated_hlc;
			memcpy(f->author, owner, UCCN_KEY_BYTES);
			continue;
		}
		/* With an owner, index 0 is the owner and the table starts at 1. */
		uint64_t first = owner != NULL ? 1 : 0;
		if (!uccn_wire_is_uint(&fe[2]) || !uccn_wire_is_uint(&fe[3]) ||
			fe[3].via.u64 >= nauthors + first) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"state field %zu: bad clock or author index", i);
		}
		f->hlc = fe[2].via.u64;
		if (owner != NULL && fe[3].via.u64 == 0) {
			memcpy(f->author, owner, UCCN_KEY_BYTES);
			if (is_record_clock(f->hlc, f->author, out, owner)) {
				return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
					"state field %zu writes the record's clock in full", i);
			}
			continue;
		}
		uint64_t at = fe[3].via.u64 - first;
		memcpy(f->author, authors[at].via.bin.ptr, UCCN_KEY_BYTES);
		used[at] = true;
	}
	for (size_t i = 0; i < nauthors; i++) {
		if (!used[i]) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"author %zu is named by no field", i);
		}
	}
	out->nfields = n;
	out->nitems = d->nitems;
	return UCCN_OK;
}

static int decode_layout(
	const uint8_t *buf, size_t len, const uint8_t *owner, struct uccn_state *out) {
	msgpack_unpacked u;
	int err = uccn_wire_unpack_exact(&u, buf, len, UCCN_CHANGE_MAX, NULL, "", "", NULL, 0);
	if (err < 0) {
		return err;
	}
	struct uccn_wire_decoder d = {.base = buf, .len = len};
	err = decode_state(&d, &u.data, owner, out);
	msgpack_unpacked_destroy(&u);
	return err;
}

int uccn_codec_decode_state(const uint8_t *buf, size_t len, const uint8_t owner[UCCN_KEY_BYTES],
	struct uccn_state *out) {
	return decode_layout(buf, len, owner, out);
}

int uccn_codec_decode_state_v1(const uint8_t *buf, size_t len, struct uccn_state *out) {
	return decode_layout(buf, len, NULL, out);
}
