/* change.c - the helpers <uccn/change.h> declares: the growable byte buffer every codec encodes
 * into, a field's lookup in a decoded record, and the accessors through which callers outside
 * the library read records and changes. Plain C: no msgpack, no wire format. */
#include <uccn/change.h>

#include "node/alloc.h"
#include "proto/change_internal.h"

#include <stdlib.h>
#include <string.h>

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
	uint8_t *data = uccn_alloc_realloc(b->data, cap);
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
	uccn_alloc_free(b->data);
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

const char *uccn_record_kind(const struct uccn_record *r) {
	return r->kind;
}

const char *uccn_record_id(const struct uccn_record *r) {
	return r->id;
}

const uint8_t *uccn_record_owner(const struct uccn_record *r) {
	return r->owner;
}

bool uccn_record_deleted(const struct uccn_record *r) {
	return r->deleted;
}

uint64_t uccn_record_created_hlc(const struct uccn_record *r) {
	return r->created_hlc;
}

uint64_t uccn_record_updated_hlc(const struct uccn_record *r) {
	return r->updated_hlc;
}

size_t uccn_record_field_count(const struct uccn_record *r) {
	return r->nfields;
}

const struct uccn_field *uccn_record_field_at(const struct uccn_record *r, size_t i) {
	return i < r->nfields ? &r->fields[i] : NULL;
}

const uint8_t *uccn_change_network(const struct uccn_change *c) {
	return c->network;
}

const uint8_t *uccn_change_author(const struct uccn_change *c) {
	return c->author;
}

uint64_t uccn_change_seq(const struct uccn_change *c) {
	return c->seq;
}

const uint8_t *uccn_change_prev(const struct uccn_change *c) {
	return c->has_prev ? c->prev : NULL;
}

uint64_t uccn_change_hlc(const struct uccn_change *c) {
	return c->hlc;
}

const char *uccn_change_kind(const struct uccn_change *c) {
	return c->kind;
}

const uint8_t *uccn_change_owner(const struct uccn_change *c) {
	return c->owner;
}

const char *uccn_change_id(const struct uccn_change *c) {
	return c->id;
}

enum uccn_op uccn_change_op(const struct uccn_change *c) {
	return c->op;
}

size_t uccn_change_field_count(const struct uccn_change *c) {
	return c->nfields;
}

const struct uccn_field *uccn_change_field_at(const struct uccn_change *c, size_t i) {
	return i < c->nfields ? &c->fields[i] : NULL;
}

const uint8_t *uccn_change_raw(const struct uccn_change *c, size_t *len) {
	*len = c->raw_len;
	return c->raw;
}
