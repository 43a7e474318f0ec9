/* merge.c - field-level last-writer-wins over (HLC, author), with tombstones (see merge.h).
 * Every decision is a max over a total order, so the state reached depends only on the set of
 * changes applied, never on the order they arrived in. No storage, no I/O. */
#include "node/merge.h"

#include <assert.h>
#include <string.h>

int uccn_merge_clock_cmp(
	uint64_t hlc_a, const uint8_t *author_a, uint64_t hlc_b, const uint8_t *author_b) {
	if (hlc_a != hlc_b) {
		return hlc_a < hlc_b ? -1 : 1;
	}
	return memcmp(author_a, author_b, UCCN_KEY_BYTES);
}

void uccn_merge_init(struct uccn_state *s) {
	s->has_tomb = false;
	s->tomb_hlc = 0;
	memset(s->tomb_author, 0, sizeof(s->tomb_author));
	s->created_hlc = 0;
	s->updated_hlc = 0;
	s->nfields = 0;
	s->nitems = 0;
}

static int name_cmp(const char *a, size_t a_len, const char *b, size_t b_len) {
	size_t n = a_len < b_len ? a_len : b_len;
	int c = memcmp(a, b, n);
	if (c != 0) {
		return c;
	}
	return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}

/* Index of the field called name, or where it would be inserted (*found false). */
static size_t find_field(const struct uccn_state *s, const char *name, size_t len, bool *found) {
	size_t lo = 0, hi = s->nfields;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(
			s->fields[mid].field.name, s->fields[mid].field.name_len, name, len);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = false;
	return lo;
}

/* Lists of winning values may still point at the change's item array; copy every list into
 * the state's own arena so the state is self-contained (and replaced lists leave no garbage). */
static int compact_items(struct uccn_state *s) {
	struct uccn_value items[UCCN_ITEMS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < s->nfields; i++) {
		struct uccn_value *v = &s->fields[i].field.value;
		if (v->type != UCCN_VALUE_LIST) {
			continue;
		}
		if (v->count > UCCN_ITEMS_MAX - n) {
			return UCCN_ESCHEMA;
		}
		memcpy(&items[n], v->items, v->count * sizeof(items[0]));
		n += v->count;
	}
	memcpy(s->items, items, n * sizeof(items[0]));
	s->nitems = n;
	n = 0;
	for (size_t i = 0; i < s->nfields; i++) {
		struct uccn_value *v = &s->fields[i].field.value;
		if (v->type == UCCN_VALUE_LIST) {
			v->items = &s->items[n];
			n += v->count;
		}
	}
	return UCCN_OK;
}

int uccn_merge_apply(struct uccn_state *s, const struct uccn_change *c) {
	/* Count exactly what the record will hold before changing anything, so a refusal leaves s
	 * as it was. s->nitems is exact here: states are decoded or compacted, never left with
	 * garbage items. */
	size_t new_fields = 0;
	size_t items = s->nitems;
	for (size_t i = 0; c->op == UCCN_OP_PUT && i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		bool found;
		size_t at = find_field(s, f->name, f->name_len, &found);
		if (found) {
			const struct uccn_state_field *old = &s->fields[at];
			if (uccn_merge_clock_cmp(c->hlc, c->author, old->hlc, old->author) <= 0) {
				continue;
			}
			if (old->field.value.type == UCCN_VALUE_LIST) {
				items -= old->field.value.count;
			}
		} else {
			new_fields++;
		}
		if (f->value.type == UCCN_VALUE_LIST) {
			items += f->value.count;
		}
	}
	if (s->nfields + new_fields > UCCN_FIELDS_MAX || items > UCCN_ITEMS_MAX) {
		return UCCN_ESCHEMA;
	}

	bool empty = s->created_hlc == 0 && s->updated_hlc == 0;
	if (empty || c->hlc < s->created_hlc) {
		s->created_hlc = c->hlc;
	}
	if (c->hlc > s->updated_hlc) {
		s->updated_hlc = c->hlc;
	}
	if (c->op == UCCN_OP_DELETE) {
		if (!s->has_tomb ||
			uccn_merge_clock_cmp(c->hlc, c->author, s->tomb_hlc, s->tomb_author) > 0) {
			s->has_tomb = true;
			s->tomb_hlc = c->hlc;
			memcpy(s->tomb_author, c->author, UCCN_KEY_BYTES);
		}
		return UCCN_OK;
	}
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		bool found;
		size_t at = find_field(s, f->name, f->name_len, &found);
		if (found) {
			struct uccn_state_field *old = &s->fields[at];
			if (uccn_merge_clock_cmp(c->hlc, c->author, old->hlc, old->author) <= 0) {
				continue; /* an equal clock is this very change applied again */
			}
		} else {
			memmove(&s->fields[at + 1], &s->fields[at],
				(s->nfields - at) * sizeof(s->fields[0]));
			s->nfields++;
		}
		s->fields[at].field = *f;
		s->fields[at].hlc = c->hlc;
		memcpy(s->fields[at].author, c->author, UCCN_KEY_BYTES);
	}
	int err = compact_items(s);
	assert(err == UCCN_OK); /* counted above */
	return err;
}

static bool is_visible(const struct uccn_state *s, const struct uccn_state_field *f) {
	return !s->has_tomb ||
	       uccn_merge_clock_cmp(f->hlc, f->author, s->tomb_hlc, s->tomb_author) > 0;
}

bool uccn_merge_is_deleted(const struct uccn_state *s) {
	if (!s->has_tomb) {
		return false;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		if (is_visible(s, &s->fields[i])) {
			return false;
		}
	}
	return true;
}

void uccn_merge_view(const struct uccn_state *s, struct uccn_record *r) {
	r->deleted = uccn_merge_is_deleted(s);
	r->created_hlc = s->created_hlc;
	r->updated_hlc = s->updated_hlc;
	r->nfields = 0;
	r->nitems = 0;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct uccn_state_field *f = &s->fields[i];
		if (f->field.value.type == UCCN_VALUE_NIL || !is_visible(s, f)) {
			continue;
		}
		struct uccn_field *out = &r->fields[r->nfields++];
		*out = f->field;
		if (out->value.type == UCCN_VALUE_LIST) {
			assert(r->nitems + out->value.count <= UCCN_ITEMS_MAX);
			memcpy(&r->items[r->nitems], out->value.items,
				out->value.count * sizeof(r->items[0]));
			out->value.items = &r->items[r->nitems];
			r->nitems += out->value.count;
		}
	}
}
