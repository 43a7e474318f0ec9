/* ingest.c - signed changes from a file or a peer into the node (see ingest.h): two batches in
 * flight, one verified on the pool while the other is applied in one transaction, each change
 * decoded once. It judges nothing itself: the change log decides every outcome. */
#include "node/ingest.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "node/alloc.h"
#include "node/schema_internal.h"
#include "proto/codec.h"

/* A change as decoded, without its fields and items (kept in the batch's pools). */
#define HEAD_BYTES offsetof(struct uccn_change, fields)
struct head {
	_Alignas(struct uccn_change) unsigned char bytes[HEAD_BYTES];
};

/* One batch: the changes' bytes, its parts, and what decoding them found. */
struct batch {
	struct uccn_bytes arena; /* the changes' bytes, one after another */
	size_t *off, *len;
	size_t n;
	/* Part p holds the changes from ends[p - 1] (0 for the first) to ends[p], told to done
	 * under tags[p]; changes after the last end belong to no part yet. */
	uint64_t tags[UCCN_INGEST_PARTS_MAX];
	size_t ends[UCCN_INGEST_PARTS_MAX];
	size_t nparts;
	struct uccn_verify_job *jobs; /* one per change; sig NULL: it did not decode */
	uint8_t (*authors)[UCCN_KEY_BYTES];
	char (*feeds)[UCCN_FEED_MAX + 1];
	bool *decoded;
	struct head *heads;
	size_t *field_at, *item_at; /* where each change's fields and items start in the pools */
	size_t *item_n;
	struct uccn_field *fields;
	size_t nfields, capfields;
	struct uccn_value *items;
	size_t nitems, capitems;
};

struct uccn_ingest {
	struct uccn_ingest_config cfg;
	struct batch b[2];
	int fill;    /* the batch being filled */
	int pending; /* the batch the pool is verifying, or -1 */
	/* Scratch: every change is decoded into decode, and put back together in change to be
	 * applied. Large structs: kept here, not on the stack. */
	struct uccn_change decode, change;
};

static void batch_finish(struct batch *b) {
	uccn_bytes_finish(&b->arena);
	uccn_alloc_free(b->off);
	uccn_alloc_free(b->len);
	uccn_alloc_free(b->jobs);
	uccn_alloc_free(b->authors);
	uccn_alloc_free(b->feeds);
	uccn_alloc_free(b->decoded);
	uccn_alloc_free(b->heads);
	uccn_alloc_free(b->field_at);
	uccn_alloc_free(b->item_at);
	uccn_alloc_free(b->item_n);
	uccn_alloc_free(b->fields);
	uccn_alloc_free(b->items);
}

static void batch_clear(struct batch *b) {
	b->n = 0;
	b->nparts = 0;
	b->arena.len = 0;
	b->nfields = 0;
	b->nitems = 0;
}

static int batch_init(struct batch *b, size_t max) {
	memset(b, 0, sizeof(*b));
	b->off = uccn_alloc_calloc(max, sizeof(*b->off));
	b->len = uccn_alloc_calloc(max, sizeof(*b->len));
	b->jobs = uccn_alloc_calloc(max, sizeof(*b->jobs));
	b->authors = uccn_alloc_calloc(max, sizeof(*b->authors));
	b->feeds = uccn_alloc_calloc(max, sizeof(*b->feeds));
	b->decoded = uccn_alloc_calloc(max, sizeof(*b->decoded));
	b->heads = uccn_alloc_calloc(max, sizeof(*b->heads));
	b->field_at = uccn_alloc_calloc(max, sizeof(*b->field_at));
	b->item_at = uccn_alloc_calloc(max, sizeof(*b->item_at));
	b->item_n = uccn_alloc_calloc(max, sizeof(*b->item_n));
	bool ok = b->off != NULL && b->len != NULL && b->jobs != NULL && b->authors != NULL &&
		  b->feeds != NULL && b->decoded != NULL && b->heads != NULL &&
		  b->field_at != NULL && b->item_at != NULL && b->item_n != NULL;
	return ok ? UCCN_OK : UCCN_ENOMEM;
}

int uccn_ingest_create(const struct uccn_ingest_config *cfg, struct uccn_ingest **out) {
	struct uccn_ingest *ing = uccn_alloc_calloc(1, sizeof(*ing));
	if (ing == NULL) {
		return UCCN_ENOMEM;
	}
	ing->cfg = *cfg;
	ing->pending = -1;
	for (int k = 0; k < 2; k++) {
		if (batch_init(&ing->b[k], cfg->batch_max) < 0) {
			uccn_ingest_destroy(ing);
			return UCCN_ENOMEM;
		}
	}
	*out = ing;
	return UCCN_OK;
}

void uccn_ingest_destroy(struct uccn_ingest *ing) {
	if (ing == NULL) {
		return;
	}
	if (ing->pending >= 0) {
		uccn_verifier_wait(ing->cfg.verifier); /* the pool reads our jobs until then */
	}
	batch_finish(&ing->b[0]);
	batch_finish(&ing->b[1]);
	uccn_alloc_free(ing);
}

int uccn_ingest_add(struct uccn_ingest *ing, const uint8_t *buf, size_t len) {
	struct batch *b = &ing->b[ing->fill];
	if (b->n == ing->cfg.batch_max) {
		return UCCN_EINVAL;
	}
	b->off[b->n] = b->arena.len;
	b->len[b->n] = len;
	int err = uccn_bytes_append(&b->arena, buf, len);
	if (err == UCCN_OK) {
		b->n++;
	}
	return err;
}

size_t uccn_ingest_count(const struct uccn_ingest *ing) {
	return ing->b[ing->fill].n;
}

size_t uccn_ingest_bytes(const struct uccn_ingest *ing) {
	return ing->b[ing->fill].arena.len;
}

/* The i-th change of b. An empty one (a damaged file) may leave the arena unallocated. */
static const uint8_t *item(const struct batch *b, size_t i) {
	static const uint8_t nothing[1];
	return b->len[i] > 0 ? b->arena.data + b->off[i] : nothing;
}

static int grow(void **items, size_t *cap, size_t need, size_t size) {
	if (need <= *cap) {
		return UCCN_OK;
	}
	size_t c = *cap ? *cap : 256;
	while (c < need) {
		c *= 2;
	}
	void *p = uccn_alloc_realloc(*items, c * size);
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	*items = p;
	*cap = c;
	return UCCN_OK;
}

/* Keeps ing->decode as the i-th change of b: its head, fields and items, and its signature as
 * a job for the pool. */
static int keep(struct uccn_ingest *ing, struct batch *b, size_t i) {
	const struct uccn_change *c = &ing->decode;
	if (grow((void **)&b->fields, &b->capfields, b->nfields + c->nfields, sizeof(*b->fields)) <
			0 ||
		grow((void **)&b->items, &b->capitems, b->nitems + c->nitems, sizeof(*b->items)) <
			0) {
		return UCCN_ENOMEM;
	}
	memcpy(b->heads[i].bytes, c, HEAD_BYTES);
	b->field_at[i] = b->nfields;
	b->item_at[i] = b->nitems;
	b->item_n[i] = c->nitems;
	if (c->nfields > 0) {
		memcpy(b->fields + b->nfields, c->fields, c->nfields * sizeof(*c->fields));
	}
	if (c->nitems > 0) {
		memcpy(b->items + b->nitems, c->items, c->nitems * sizeof(*c->items));
	}
	b->nfields += c->nfields;
	b->nitems += c->nitems;
	memcpy(b->authors[i], c->author, UCCN_KEY_BYTES);
	b->jobs[i] = (struct uccn_verify_job){.sig = c->sig,
		.msg = c->body,
		.len = c->body_len,
		.key = b->authors[i],
		.result = UCCN_SIG_UNCHECKED};
	b->decoded[i] = true;
	return UCCN_OK;
}

/* The i-th change of b as decoded, into ing->change; its list values point into its own
 * items, as they pointed into those of ing->decode. */
static const struct uccn_change *restore(struct uccn_ingest *ing, const struct batch *b, size_t i) {
	struct uccn_change *c = &ing->change;
	memcpy(c, b->heads[i].bytes, HEAD_BYTES); /* nfields with it */
	if (c->nfields > 0) {
		memcpy(c->fields, b->fields + b->field_at[i], c->nfields * sizeof(*c->fields));
	}
	c->nitems = b->item_n[i];
	if (c->nitems > 0) {
		memcpy(c->items, b->items + b->item_at[i], c->nitems * sizeof(*c->items));
	}
	for (size_t f = 0; f < c->nfields; f++) {
		struct uccn_value *v = &c->fields[f].value;
		if (v->type == UCCN_VALUE_LIST && v->items != NULL) {
			v->items = c->items + (v->items - ing->decode.items);
		}
	}
	return c;
}

/* Decodes every change of b once, and asks accept about each. A change that does not decode
 * (or is too large) is offered as bytes later, and the change log refuses it, saying why. */
static int decode_batch(struct uccn_ingest *ing, struct batch *b) {
	for (size_t i = 0; i < b->n; i++) {
		b->decoded[i] = false;
		b->jobs[i] = (struct uccn_verify_job){.result = UCCN_SIG_UNCHECKED};
		const uint8_t *raw = item(b, i);
		if (b->len[i] > UCCN_CHANGE_MAX ||
			uccn_codec_decode_change(raw, b->len[i], &ing->decode, NULL, 0) < 0) {
			continue;
		}
		int err = keep(ing, b, i);
		if (err < 0) {
			return err;
		}
		uccn_schema_feed(&ing->decode, b->feeds[i]);
		if (ing->cfg.ops.accept != NULL && (err = ing->cfg.ops.accept(ing->cfg.ops.userdata,
							    &ing->decode, b->feeds[i])) < 0) {
			return err;
		}
	}
	return UCCN_OK;
}

/* Applies b in order in one transaction, each change decoded once, with its verdict from the
 * pool (or UCCN_SIG_UNCHECKED: verified here); the store is left as it was if storing fails.
 * The batch is empty after. */
static int apply_batch(struct uccn_ingest *ing, struct batch *b, uint64_t now_ms) {
	const struct uccn_ingest_ops *ops = &ing->cfg.ops;
	if (ops->begin != NULL) {
		ops->begin(ops->userdata);
	}
	int err = uccn_store_begin(ing->cfg.st);
	for (size_t i = 0; i < b->n && err == UCCN_OK; i++) {
		struct uccn_apply_result res;
		const struct uccn_change *c = NULL;
		if (b->decoded[i]) {
			c = restore(ing, b, i);
			err = uccn_changelog_apply_decoded(ing->cfg.log, c, b->jobs[i].result,
				now_ms, &res, ops->released, ops->userdata);
		} else {
			err = uccn_changelog_apply_verified(ing->cfg.log, item(b, i), b->len[i],
				UCCN_SIG_UNCHECKED, now_ms, &res, ops->released, ops->userdata);
		}
		if (err == UCCN_OK && ops->report != NULL) {
			ops->report(ops->userdata, &res, c, c != NULL ? b->feeds[i] : NULL);
		}
	}
	if (err == UCCN_OK && ops->applied != NULL) {
		err = ops->applied(ops->userdata);
	}
	if (err == UCCN_OK) {
		err = uccn_changelog_retry_held(ing->cfg.log, now_ms, ops->released, ops->userdata);
	}
	if (err == UCCN_OK) {
		err = uccn_store_commit(ing->cfg.st);
	} else {
		uccn_store_rollback(ing->cfg.st); /* a no-op when begin itself failed */
	}
	/* Each part is told in order, after the one commit that stored them all. */
	uint64_t tags[UCCN_INGEST_PARTS_MAX];
	size_t ends[UCCN_INGEST_PARTS_MAX], nparts = b->nparts;
	memcpy(tags, b->tags, sizeof(tags));
	memcpy(ends, b->ends, sizeof(ends));
	batch_clear(b);
	int stored = err;
	for (size_t p = 0; p < nparts && ops->done != NULL; p++) {
		int derr = ops->done(
			ops->userdata, tags[p], ends[p] - (p > 0 ? ends[p - 1] : 0), stored);
		err = err < 0 ? err : derr;
	}
	return err;
}

int uccn_ingest_end_part(struct uccn_ingest *ing, uint64_t tag) {
	struct batch *b = &ing->b[ing->fill];
	if (b->nparts == UCCN_INGEST_PARTS_MAX) {
		return UCCN_EINVAL;
	}
	b->tags[b->nparts] = tag;
	b->ends[b->nparts++] = b->n;
	return UCCN_OK;
}

size_t uccn_ingest_parts(const struct uccn_ingest *ing) {
	return ing->b[ing->fill].nparts;
}

int uccn_ingest_push(struct uccn_ingest *ing, uint64_t tag, uint64_t now_ms) {
	int err = uccn_ingest_end_part(ing, tag);
	return err < 0 ? err : uccn_ingest_push_parts(ing, now_ms);
}

int uccn_ingest_push_parts(struct uccn_ingest *ing, uint64_t now_ms) {
	int k = ing->fill;
	struct batch *b = &ing->b[k];
	/* Changes after the last part would be stored and never told: they wait for theirs. */
	if (b->nparts == 0 || b->ends[b->nparts - 1] != b->n) {
		return UCCN_EINVAL;
	}
	int err = decode_batch(ing, b);
	if (err < 0) {
		batch_clear(b);
		return err;
	}
	if (ing->cfg.verifier == NULL) {
		return apply_batch(ing, b, now_ms);
	}
	int before = ing->pending;
	if (before >= 0) {
		uccn_verifier_wait(ing->cfg.verifier); /* its verdicts are in; the pool is free */
		ing->pending = -1;
	}
	if (uccn_verifier_try_submit(ing->cfg.verifier, b->jobs, b->n)) {
		ing->pending = k;
		ing->fill = 1 - k; /* before is applied next, and empty after */
	}
	if (before >= 0 && (err = apply_batch(ing, &ing->b[before], now_ms)) < 0) {
		return err;
	}
	/* Another's batch held the pool: verify this one here, now. */
	return ing->pending == k ? UCCN_OK : apply_batch(ing, b, now_ms);
}

void uccn_ingest_discard(struct uccn_ingest *ing) {
	batch_clear(&ing->b[ing->fill]);
}

bool uccn_ingest_pending(const struct uccn_ingest *ing) {
	return ing->pending >= 0;
}

int uccn_ingest_flush(struct uccn_ingest *ing, uint64_t now_ms) {
	if (ing->pending < 0) {
		return UCCN_OK;
	}
	int k = ing->pending;
	uccn_verifier_wait(ing->cfg.verifier);
	ing->pending = -1;
	return apply_batch(ing, &ing->b[k], now_ms);
}

void uccn_ingest_tally(const struct uccn_ingest_counters *c, const struct uccn_apply_result *res) {
	switch (res->outcome) {
	case UCCN_APPLIED:
		(*c->applied)++;
		break;
	case UCCN_DUPLICATE:
		(*c->duplicate)++;
		break;
	case UCCN_HELD:
		(*c->held)++;
		break;
	case UCCN_REFUSED:
		(*c->refused)++;
		break;
	case UCCN_DROPPED:
		(*c->dropped)++;
		break;
	}
}
