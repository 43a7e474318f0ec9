/* change.c - the helpers <uccn/change.h> declares: the growable byte buffer every codec encodes
 * into, and a field's lookup in a decoded record. Plain C: no msgpack, no wire format. */
#include <uccn/change.h>

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
