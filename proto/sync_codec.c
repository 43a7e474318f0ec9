/* sync_codec.c - the sync messages of an established session (PROTOCOL.md §11): reconciliation,
 * vector, changes (plain or compressed), ack, done, ping and pong. Shapes and limits only:
 * node/sync.c decides what they mean. */
#include "proto/sync_codec.h"

#include <stdlib.h>
#include <string.h>

#include "node/alloc.h"
#include "proto/compress.h"
#include "proto/wire.h"

/* bit i: UCCN_SYNC_FEATURE_* == 1u << i */
static const char *const FEATURES[] = {"zstd", "ack-held"};
#define NFEATURES (sizeof(FEATURES) / sizeof(FEATURES[0]))

size_t uccn_codec_sync_key(const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint8_t *key) {
	size_t n = strlen(feed);
	n = n > UCCN_FEED_MAX ? UCCN_FEED_MAX : n;
	memcpy(key, author, UCCN_KEY_BYTES);
	memcpy(key + UCCN_KEY_BYTES, feed, n);
	return UCCN_KEY_BYTES + n;
}

int uccn_codec_sync_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0; /* the empty key may be NULL */
	if (c != 0) {
		return c;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool uccn_codec_sync_below(const struct uccn_sync_range *r, const uint8_t *key, size_t len) {
	return r->open_end || uccn_codec_sync_key_cmp(key, len, r->bound, r->bound_len) < 0;
}

static void pack_changes(msgpack_packer *pk, const struct uccn_bytes *changes, size_t n) {
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		uccn_wire_pack_bin(pk, changes[i].data, changes[i].len);
	}
}

static void pack_entry(msgpack_packer *pk, const struct uccn_sync_entry *e) {
	msgpack_pack_array(pk, 3);
	uccn_wire_pack_bin(pk, e->author, UCCN_KEY_BYTES);
	uccn_wire_pack_str(pk, e->feed, strlen(e->feed));
	msgpack_pack_uint64(pk, e->seq);
}

int uccn_codec_encode_sync_vector(
	const struct uccn_sync_entry *entries, size_t n, struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, UCCN_SYNC_VECTOR);
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		pack_entry(pk, &entries[i]);
	}
	return uccn_wire_sink_end(&s);
}

/* A head named in a RECON: [who, feed, seq], its author the session's client (0) or server. */
static void pack_named(msgpack_packer *pk, const struct uccn_sync_entry *e) {
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, e->who);
	uccn_wire_pack_str(pk, e->feed, strlen(e->feed));
	msgpack_pack_uint64(pk, e->seq);
}

static void pack_range(msgpack_packer *pk, const struct uccn_sync_range *r,
	const struct uccn_sync_entry *entries, const struct uccn_sync_tag *tags) {
	static const size_t fields[] = {2, 3, 6, 4}; /* by mode */
	msgpack_pack_array(pk, fields[r->mode]);
	if (r->open_end) {
		msgpack_pack_nil(pk);
	} else {
		uccn_wire_pack_bin(pk, r->bound, r->bound_len);
	}
	msgpack_pack_uint64(pk, r->mode);
	const struct uccn_sync_tag *t = tags != NULL ? &tags[r->tfirst] : NULL;
	switch (r->mode) {
	case UCCN_RANGE_SKIP:
		return;
	case UCCN_RANGE_FP:
		uccn_wire_pack_bin(pk, r->fp, UCCN_SYNC_FP_BYTES);
		return;
	case UCCN_RANGE_LIST:
		uccn_wire_pack_bin(pk, r->salt, UCCN_SYNC_SALT_BYTES);
		msgpack_pack_bin(pk, r->tcount * UCCN_SYNC_DIGEST_BYTES);
		for (size_t j = 0; j < r->tcount; j++) {
			uint8_t d[UCCN_SYNC_DIGEST_BYTES] = {(uint8_t)(t[j].id >> 24),
				(uint8_t)(t[j].id >> 16), (uint8_t)(t[j].id >> 8), (uint8_t)t[j].id};
			msgpack_pack_bin_body(pk, d, sizeof(d));
		}
		msgpack_pack_array(pk, r->tcount);
		for (size_t j = 0; j < r->tcount; j++) {
			msgpack_pack_uint64(pk, t[j].seq);
		}
		break;
	case UCCN_RANGE_LACK:
		msgpack_pack_array(pk, r->tcount);
		for (size_t j = 0; j < r->tcount; j++) {
			msgpack_pack_array(pk, 2);
			msgpack_pack_uint64(pk, t[j].id);
			msgpack_pack_uint64(pk, t[j].seq);
		}
		break;
	}
	msgpack_pack_array(pk, r->count);
	for (size_t j = 0; j < r->count; j++) {
		pack_named(pk, &entries[r->first + j]);
	}
}

int uccn_codec_encode_sync_recon(unsigned features, const struct uccn_sync_range *ranges, size_t n,
	const struct uccn_sync_entry *entries, const struct uccn_sync_tag *tags,
	struct uccn_bytes *out) {
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, out);
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, UCCN_SYNC_RECON);
	size_t nf = 0;
	for (size_t i = 0; i < NFEATURES; i++) {
		nf += (features >> i) & 1u;
	}
	msgpack_pack_array(pk, nf);
	for (size_t i = 0; i < NFEATURES; i++) {
		if ((features >> i) & 1u) {
			uccn_wire_pack_str(pk, FEATURES[i], strlen(FEATURES[i]));
		}
	}
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		pack_range(pk, &ranges[i], entries, tags);
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
	pack_changes(pk, changes, n);
	return uccn_wire_sink_end(&s);
}

int uccn_codec_encode_sync_zchanges(
	uint64_t batch, const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out) {
	/* The frame holds what a CHANGES holds as its third element: the array of bins. */
	struct uccn_bytes plain = {0}, frame = {0};
	struct uccn_wire_sink s;
	msgpack_packer *pk = uccn_wire_sink_begin(&s, &plain);
	pack_changes(pk, changes, n);
	int err = uccn_wire_sink_end(&s);
	if (err == UCCN_OK) {
		err = uccn_compress_frame(plain.data, plain.len, &frame);
	}
	if (err == UCCN_OK) {
		pk = uccn_wire_sink_begin(&s, out);
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint64(pk, UCCN_SYNC_ZCHANGES);
		msgpack_pack_uint64(pk, batch);
		uccn_wire_pack_bin(pk, frame.data, frame.len);
		err = uccn_wire_sink_end(&s);
	}
	uccn_bytes_finish(&plain);
	uccn_bytes_finish(&frame);
	return err;
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
	uccn_alloc_free(m->inflated);
	uccn_alloc_free(m->ranges);
	uccn_alloc_free(m->tags);
	memset(m, 0, sizeof(*m));
}

/* One [author, feed, seq] into x; false if it is not one. */
static bool get_entry(
	struct uccn_wire_decoder *d, const msgpack_object *t, struct uccn_sync_entry *x) {
	if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size != 3) {
		return false;
	}
	const msgpack_object *f = t->via.array.ptr;
	if (uccn_wire_get_bin(d, &f[0], x->author, UCCN_KEY_BYTES) < 0 ||
		f[1].type != MSGPACK_OBJECT_STR || f[1].via.str.size > UCCN_FEED_MAX ||
		!uccn_wire_is_uint(&f[2])) {
		return false;
	}
	memcpy(x->feed_buf, f[1].via.str.ptr, f[1].via.str.size);
	x->feed_buf[f[1].via.str.size] = '\0';
	x->feed = x->feed_buf;
	x->seq = f[2].via.u64;
	return true;
}

/* The changes of a batch: an array of at most UCCN_SYNC_BATCH_MAX bins, borrowed. */
static int get_changes(
	struct uccn_wire_decoder *d, const msgpack_object *a, struct uccn_sync_msg *out) {
	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > UCCN_SYNC_BATCH_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a batch is [2, number, [change...]] of at most %d", UCCN_SYNC_BATCH_MAX);
	}
	size_t n = a->via.array.size;
	out->changes = uccn_alloc_calloc(n ? n : 1, sizeof(*out->changes));
	if (out->changes == NULL) {
		return UCCN_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		int err = uccn_wire_get_bin_ref(d, &a->via.array.ptr[i],
			"a batch holds changes as bins", &out->changes[i].data,
			&out->changes[i].len);
		if (err < 0) {
			return err;
		}
		/* A sync message's bins may reach a frame's size (a compressed batch's frame);
		 * a change's may not (§11.4). */
		if (out->changes[i].len > UCCN_CHANGE_MAX) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"change %zu of a batch is longer than %d bytes", i, UCCN_CHANGE_MAX);
		}
	}
	out->count = n;
	return UCCN_OK;
}

/* A compressed batch: the frame opened (at most UCCN_SYNC_INFLATED_MAX bytes), then read as
 * the array of a batch, its bins borrowed from out->inflated. */
static int get_zchanges(
	struct uccn_wire_decoder *d, const uint8_t *frame, size_t len, struct uccn_sync_msg *out) {
	size_t n = 0;
	int err = uccn_compress_open(frame, len, UCCN_SYNC_INFLATED_MAX, &out->inflated, &n);
	if (err == UCCN_EPROTO) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a compressed batch is not one zstd frame declaring at most %d bytes",
			UCCN_SYNC_INFLATED_MAX);
	}
	if (err < 0) {
		return err;
	}
	msgpack_unpacked u;
	err = uccn_wire_unpack_exact(&u, out->inflated, n, UCCN_CHANGE_MAX, "a compressed batch ",
		"is not one whole msgpack object", "a compressed batch is not msgpack", d->why,
		d->why_len);
	if (err < 0) {
		return err;
	}
	struct uccn_wire_decoder in = {
		.base = out->inflated, .len = n, .why = d->why, .why_len = d->why_len};
	err = get_changes(&in, &u.data, out);
	msgpack_unpacked_destroy(&u);
	out->compressed = true;
	return err;
}

/* The features of a RECON: known names set their bits, others are ignored (a peer may offer
 * what we do not know). */
static int get_features(
	struct uccn_wire_decoder *d, const msgpack_object *a, struct uccn_sync_msg *out) {
	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > UCCN_SYNC_FEATURES_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a reconciliation's features are an array of at most %d strs",
			UCCN_SYNC_FEATURES_MAX);
	}
	for (size_t i = 0; i < a->via.array.size; i++) {
		const msgpack_object *f = &a->via.array.ptr[i];
		if (f->type != MSGPACK_OBJECT_STR || f->via.str.size == 0 || f->via.str.size > 32) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"feature %zu is not a str of 1 to 32 bytes", i);
		}
		for (size_t k = 0; k < NFEATURES; k++) {
			if (f->via.str.size == strlen(FEATURES[k]) &&
				memcmp(f->via.str.ptr, FEATURES[k], f->via.str.size) == 0) {
				out->features |= 1u << k;
			}
		}
	}
	return UCCN_OK;
}

/* A named head of a LIST or LACK: [who, feed, seq], who 0 or 1, feed 1 to UCCN_FEED_MAX bytes. */
static bool get_named(const msgpack_object *t, struct uccn_sync_entry *x) {
	if (t->type != MSGPACK_OBJECT_ARRAY || t->via.array.size != 3) {
		return false;
	}
	const msgpack_object *f = t->via.array.ptr;
	if (!uccn_wire_is_uint(&f[0]) || f[0].via.u64 > 1 || f[1].type != MSGPACK_OBJECT_STR ||
		f[1].via.str.size == 0 || f[1].via.str.size > UCCN_FEED_MAX ||
		!uccn_wire_is_uint(&f[2])) {
		return false;
	}
	memset(x->author, 0, UCCN_KEY_BYTES);
	x->who = (uint8_t)f[0].via.u64;
	memcpy(x->feed_buf, f[1].via.str.ptr, f[1].via.str.size);
	x->feed_buf[f[1].via.str.size] = '\0';
	x->feed = x->feed_buf;
	x->seq = f[2].via.u64;
	return true;
}

/* The named heads of a range: strictly rising by who, then by feed name. */
static int get_named_list(struct uccn_wire_decoder *d, const msgpack_object *a, size_t i,
	struct uccn_sync_range *x, struct uccn_sync_msg *out) {
	if (a->type != MSGPACK_OBJECT_ARRAY) {
		return uccn_error_set(
			d->why, d->why_len, UCCN_EPROTO, "range %zu's named heads are not an array", i);
	}
	x->first = out->count;
	x->count = a->via.array.size;
	for (size_t j = 0; j < x->count; j++) {
		struct uccn_sync_entry *e = &out->entries[out->count];
		if (!get_named(&a->via.array.ptr[j], e)) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"range %zu: named head %zu is not [0 or 1, feed, seq]", i, j);
		}
		const struct uccn_sync_entry *p = j > 0 ? e - 1 : NULL;
		if (p != NULL && (p->who > e->who || (p->who == e->who &&
							      uccn_codec_sync_key_cmp(
								      (const uint8_t *)p->feed,
								      strlen(p->feed),
								      (const uint8_t *)e->feed,
								      strlen(e->feed)) >= 0))) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"range %zu: named head %zu is out of order", i, j);
		}
		out->count++;
	}
	return UCCN_OK;
}

/* A LIST's heads by digest: [salt, digests, seqs] (§11.8). */
static int get_digests(struct uccn_wire_decoder *d, const msgpack_object *f, size_t i,
	struct uccn_sync_range *x, struct uccn_sync_msg *out) {
	const uint8_t *dig = NULL;
	size_t len = 0;
	if (uccn_wire_get_bin(d, &f[0], x->salt, UCCN_SYNC_SALT_BYTES) < 0 ||
		uccn_wire_get_bin_ref(d, &f[1], "x", &dig, &len) < 0 ||
		len % UCCN_SYNC_DIGEST_BYTES != 0 || f[2].type != MSGPACK_OBJECT_ARRAY ||
		f[2].via.array.size != len / UCCN_SYNC_DIGEST_BYTES) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"range %zu is not a list [bound, 2, salt, digests, seqs, named]", i);
	}
	x->tfirst = out->ntags;
	x->tcount = f[2].via.array.size;
	for (size_t j = 0; j < x->tcount; j++, dig += UCCN_SYNC_DIGEST_BYTES) {
		const msgpack_object *q = &f[2].via.array.ptr[j];
		if (!uccn_wire_is_uint(q)) {
			return uccn_error_set(
				d->why, d->why_len, UCCN_EPROTO, "range %zu: seq %zu is not a uint", i, j);
		}
		struct uccn_sync_tag *t = &out->tags[out->ntags++];
		t->id = (uint32_t)dig[0] << 24 | (uint32_t)dig[1] << 16 | (uint32_t)dig[2] << 8 |
			(uint32_t)dig[3];
		t->seq = q->via.u64;
	}
	return UCCN_OK;
}

/* A LACK's answers by index: [[index, seq]...], indexes strictly rising. */
static int get_picks(struct uccn_wire_decoder *d, const msgpack_object *a, size_t i,
	struct uccn_sync_range *x, struct uccn_sync_msg *out) {
	if (a->type != MSGPACK_OBJECT_ARRAY) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"range %zu is not a lack [bound, 3, [[index, seq]...], named]", i);
	}
	x->tfirst = out->ntags;
	x->tcount = a->via.array.size;
	for (size_t j = 0; j < x->tcount; j++) {
		const msgpack_object *p = &a->via.array.ptr[j];
		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
			!uccn_wire_is_uint(&p->via.array.ptr[0]) ||
			!uccn_wire_is_uint(&p->via.array.ptr[1]) ||
			p->via.array.ptr[0].via.u64 >= UCCN_SYNC_VECTOR_MAX ||
			(j > 0 && p->via.array.ptr[0].via.u64 <= out->tags[out->ntags - 1].id)) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"range %zu: answer %zu is not [index, seq] above the one before", i, j);
		}
		struct uccn_sync_tag *t = &out->tags[out->ntags++];
		t->id = (uint32_t)p->via.array.ptr[0].via.u64;
		t->seq = p->via.array.ptr[1].via.u64;
	}
	return UCCN_OK;
}

/* What a range holds beyond its bound and mode, counted before anything is allocated. */
static size_t range_items(const msgpack_object *r, size_t *tags) {
	if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size < 4) {
		return 0;
	}
	const msgpack_object *f = r->via.array.ptr;
	const msgpack_object *named = &f[r->via.array.size - 1];
	size_t n = named->type == MSGPACK_OBJECT_ARRAY ? named->via.array.size : 0;
	if (r->via.array.size == 6 && f[3].type == MSGPACK_OBJECT_BIN) {
		*tags += f[3].via.bin.size / UCCN_SYNC_DIGEST_BYTES;
	} else if (r->via.array.size == 4 && f[2].type == MSGPACK_OBJECT_ARRAY) {
		*tags += f[2].via.array.size;
	}
	return n;
}

/* The ranges of a RECON (§11.8): bounds strictly rising from the empty key, the last one nil;
 * LIST and LACK ranges with their heads. */
static int get_ranges(
	struct uccn_wire_decoder *d, const msgpack_object *a, struct uccn_sync_msg *out) {
	static const size_t fields[] = {2, 3, 6, 4}; /* by mode */
	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0 ||
		a->via.array.size > UCCN_SYNC_RANGES_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a reconciliation holds 1 to %d ranges", UCCN_SYNC_RANGES_MAX);
	}
	size_t n = a->via.array.size, items = 0, tags = 0;
	for (size_t i = 0; i < n; i++) {
		items += range_items(&a->via.array.ptr[i], &tags);
	}
	if (items + tags > UCCN_SYNC_VECTOR_MAX) {
		return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
			"a reconciliation lists more than %d heads", UCCN_SYNC_VECTOR_MAX);
	}
	out->ranges = uccn_alloc_calloc(n, sizeof(*out->ranges));
	out->entries = uccn_alloc_calloc(items ? items : 1, sizeof(*out->entries));
	out->tags = uccn_alloc_calloc(tags ? tags : 1, sizeof(*out->tags));
	if (out->ranges == NULL || out->entries == NULL || out->tags == NULL) {
		return UCCN_ENOMEM;
	}
	const uint8_t *lower = NULL; /* the empty key */
	size_t lower_len = 0;
	for (size_t i = 0; i < n; i++) {
		const msgpack_object *r = &a->via.array.ptr[i];
		struct uccn_sync_range *x = &out->ranges[i];
		const msgpack_object *f = r->via.array.ptr;
		if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size < 2 ||
			!uccn_wire_is_uint(&f[1]) || f[1].via.u64 > UCCN_RANGE_LACK ||
			r->via.array.size != fields[f[1].via.u64]) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"range %zu is not [bound, mode, ...] with its mode's fields", i);
		}
		x->mode = (enum uccn_sync_mode)f[1].via.u64;
		if (f[0].type == MSGPACK_OBJECT_NIL) {
			x->open_end = true;
		} else if (f[0].type != MSGPACK_OBJECT_BIN || f[0].via.bin.size == 0 ||
			   f[0].via.bin.size > UCCN_SYNC_BOUND_MAX) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"range %zu's bound is neither nil nor a bin of 1 to %d bytes", i,
				UCCN_SYNC_BOUND_MAX);
		} else {
			x->bound_len = f[0].via.bin.size;
			memcpy(x->bound, f[0].via.bin.ptr, x->bound_len);
			if (uccn_codec_sync_key_cmp(x->bound, x->bound_len, lower, lower_len) <=
				0) {
				return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
					"range %zu's bound does not rise above the one before", i);
			}
		}
		if (x->open_end != (i + 1 == n)) {
			return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
				"the last range, and only it, has the bound nil");
		}
		int err = UCCN_OK;
		switch (x->mode) {
		case UCCN_RANGE_SKIP:
			break;
		case UCCN_RANGE_FP:
			if (uccn_wire_get_bin(d, &f[2], x->fp, UCCN_SYNC_FP_BYTES) < 0) {
				return uccn_error_set(d->why, d->why_len, UCCN_EPROTO,
					"range %zu's fingerprint is not a bin of %d bytes", i,
					UCCN_SYNC_FP_BYTES);
			}
			break;
		case UCCN_RANGE_LIST:
			if ((err = get_digests(d, &f[2], i, x, out)) == UCCN_OK) {
				err = get_named_list(d, &f[5], i, x, out);
			}
			break;
		case UCCN_RANGE_LACK:
			if ((err = get_picks(d, &f[2], i, x, out)) == UCCN_OK) {
				err = get_named_list(d, &f[3], i, x, out);
			}
			break;
		}
		if (err < 0) {
			return err;
		}
		lower = x->bound;
		lower_len = x->bound_len;
	}
	out->nranges = n;
	return UCCN_OK;
}

int uccn_codec_decode_sync(
	const uint8_t *buf, size_t len, struct uccn_sync_msg *out, char *why, size_t why_len) {
	memset(out, 0, sizeof(*out));
	msgpack_unpacked u;
	int err = uccn_wire_unpack_exact(&u, buf, len, UCCN_SYNC_INFLATED_MAX, "a sync message ",
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
			if (!get_entry(&d, &e[1].via.array.ptr[i], &out->entries[i])) {
				uccn_error_set(why, why_len, UCCN_EPROTO,
					"vector entry %zu is not [author, feed, seq]", i);
				goto out;
			}
		}
		out->count = n;
		break;
	}
	case UCCN_SYNC_CHANGES:
		if (o->via.array.size != 3 || !uccn_wire_is_uint(&e[1])) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"a batch is [2, number, [change...]] of at most %d",
				UCCN_SYNC_BATCH_MAX);
			goto out;
		}
		out->value = e[1].via.u64;
		if ((err = get_changes(&d, &e[2], out)) < 0) {
			goto out;
		}
		break;
	case UCCN_SYNC_ZCHANGES: {
		const uint8_t *frame = NULL;
		size_t flen = 0;
		if (o->via.array.size != 3 || !uccn_wire_is_uint(&e[1]) ||
			uccn_wire_get_bin_ref(&d, &e[2], "x", &frame, &flen) < 0) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"a compressed batch is [8, number, bin]");
			err = UCCN_EPROTO;
			goto out;
		}
		out->type = UCCN_SYNC_CHANGES;
		out->value = e[1].via.u64;
		if ((err = get_zchanges(&d, frame, flen, out)) < 0) {
			goto out;
		}
		break;
	}
	case UCCN_SYNC_RECON:
		if (o->via.array.size != 3) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"a reconciliation is [7, [feature...], [range...]]");
			goto out;
		}
		if ((err = get_features(&d, &e[1], out)) < 0 ||
			(err = get_ranges(&d, &e[2], out)) < 0) {
			goto out;
		}
		break;
	case UCCN_SYNC_ACK:
	case UCCN_SYNC_DONE:
	case UCCN_SYNC_PING:
	case UCCN_SYNC_PONG: {
		/* An ACK may add a third element, held (§11.1). */
		bool held = out->type == UCCN_SYNC_ACK && o->via.array.size == 3 &&
			    uccn_wire_is_uint(&e[2]);
		if ((o->via.array.size != 2 && !held) || !uccn_wire_is_uint(&e[1])) {
			uccn_error_set(why, why_len, UCCN_EPROTO,
				"an ack, done, ping or pong is [type, number] (an ack may add held)");
			goto out;
		}
		out->value = e[1].via.u64;
		out->has_held = held;
		out->held = held ? e[2].via.u64 : 0;
		break;
	}
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
