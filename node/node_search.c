/* node_search.c - full-text search over the records a node holds (uccn_node_search): each
 * record's texts go into SQLite's FTS5 index (store.c), brought up to date before each search
 * from the rows the store noted as written, and the words a person types become a safe FTS5
 * query. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/node.h>
#include <uccn/schema.h>

#include "node/alloc.h"
#include "node/node_internal.h"
#include "node/node_records.h"
#include "node/store.h"

/* Rows indexed per pass: the records and their texts are held in memory meanwhile. */
#define INDEX_BATCH 256
#define SEARCH_MAX_DEFAULT 1000
#define QUERY_MAX 2048

struct pending_text {
	int64_t rid;
	struct uccn_bytes text;
};

struct index_walk {
	struct uccn_node *node;
	struct pending_text rows[INDEX_BATCH];
	size_t n;
};

static int add_text(struct uccn_bytes *b, const char *s, size_t len) {
	int err = b->len > 0 ? uccn_bytes_append(b, "\n", 1) : UCCN_OK;
	return err < 0 ? err : uccn_bytes_append(b, s, len);
}

/* What of a record is searched: its texts, lists of texts and creative fields; not keys,
 * hashes, links or dates. */
static int record_text(const struct uccn_record *r, struct uccn_bytes *out) {
	const struct uccn_kind_spec *k = uccn_schema_kind(r->kind);
	for (size_t i = 0; k != NULL && i < r->nfields; i++) {
		const struct uccn_field *f = &r->fields[i];
		const struct uccn_field_spec *spec = uccn_schema_field(k, f->name, f->name_len);
		if (spec == NULL) {
			continue;
		}
		switch (spec->type) {
		case UCCN_TYPE_TEXT:
		case UCCN_TYPE_CHOICE:
		case UCCN_TYPE_FIELD:
		case UCCN_TYPE_TEXTS:
		case UCCN_TYPE_FIELDS:
			break;
		default:
			continue;
		}
		const struct uccn_value *v = &f->value;
		size_t n = v->type == UCCN_VALUE_LIST ? v->count : 1;
		for (size_t j = 0; j < n; j++) {
			const struct uccn_value *item =
				v->type == UCCN_VALUE_LIST ? &v->items[j] : v;
			if (item->type != UCCN_VALUE_STR) {
				continue;
			}
			int err = add_text(out, item->str, item->str_len);
			if (err < 0) {
				return err;
			}
		}
	}
	return UCCN_OK;
}

static int take_dirty(void *userdata, int64_t rid, const struct uccn_store_row *row) {
	struct index_walk *w = userdata;
	struct pending_text *p = &w->rows[w->n++];
	p->rid = rid;
	memset(&p->text, 0, sizeof(p->text));
	if (row->deleted) {
		return UCCN_OK;
	}
	struct uccn_record *r;
	int err = uccn_node_row_record(w->node, row, &r);
	return err < 0 ? err : record_text(r, &p->text);
}

/* Indexes every record row written since the last search, in transactions of INDEX_BATCH. */
static int bring_index_up_to_date(struct uccn_node *node) {
	struct index_walk *w = uccn_alloc_calloc(1, sizeof(*w));
	if (w == NULL) {
		return UCCN_ENOMEM;
	}
	w->node = node;
	int err;
	do {
		w->n = 0;
		if ((err = uccn_store_begin(node->st)) < 0) {
			break;
		}
		err = uccn_store_fts_dirty(node->st, INDEX_BATCH, take_dirty, w);
		for (size_t i = 0; i < w->n; i++) {
			if (err == UCCN_OK) {
				err = uccn_store_fts_set(node->st, w->rows[i].rid,
					(const char *)w->rows[i].text.data, w->rows[i].text.len);
			}
			uccn_bytes_finish(&w->rows[i].text);
		}
		if (err < 0) {
			uccn_store_rollback(node->st);
			break;
		}
		err = uccn_store_commit(node->st);
	} while (err == UCCN_OK && w->n == INDEX_BATCH);
	uccn_alloc_free(w);
	return err;
}

/* One word of the query: letters and digits (any script: bytes from 0x80 on) kept, the rest
 * dropped, so nothing a person types reaches FTS5 as its syntax. */
static int quote_word(struct uccn_bytes *q, const char *s, size_t len, bool prefix) {
	size_t start = q->len;
	int err = uccn_bytes_append(q, q->len > 0 ? " \"" : "\"", q->len > 0 ? 2 : 1);
	size_t kept = 0;
	for (size_t i = 0; err == UCCN_OK && i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool ok = ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= 'A' && ch <= 'Z') || ch == ' ';
		if (ok) {
			err = uccn_bytes_append(q, &s[i], 1);
			kept += ch != ' ';
		}
	}
	if (err == UCCN_OK && kept == 0) {
		q->len = start; /* nothing searchable: the word goes */
		return UCCN_OK;
	}
	if (err == UCCN_OK) {
		err = uccn_bytes_append(q, prefix ? "\"*" : "\"", prefix ? 2 : 1);
	}
	return err;
}

/* The words (a phrase in double quotes stays one; a trailing '*' searches a prefix) as an
 * FTS5 query in which every word must appear. */
static int make_query(const char *words, struct uccn_bytes *q) {
	const char *p = words;
	int err = UCCN_OK;
	while (err == UCCN_OK && *p != '\0') {
		p += strspn(p, " \t\r\n");
		if (*p == '\0') {
			break;
		}
		const char *start, *end;
		if (*p == '"') {
			start = ++p;
			end = strchr(p, '"');
			if (end == NULL) {
				end = p + strlen(p);
			}
			p = *end == '"' ? end + 1 : end;
		} else {
			start = p;
			end = p + strcspn(p, " \t\r\n");
			p = end;
		}
		bool prefix = end > start && end[-1] == '*';
		err = quote_word(q, start, (size_t)(end - start) - (prefix ? 1 : 0), prefix);
	}
	if (err == UCCN_OK && q->len > QUERY_MAX) {
		err = UCCN_EINVAL;
	}
	return err == UCCN_OK ? uccn_bytes_append(q, "", 1) : err;
}

struct match {
	char kind[UCCN_KIND_MAX + 1];
	uint8_t owner[UCCN_KEY_BYTES];
	char id[UCCN_ID_MAX + 1];
	char *snippet;
};

struct match_list {
	struct match *m;
	size_t n, cap;
};

static int keep_match(void *userdata, const char *kind, const uint8_t owner[UCCN_KEY_BYTES],
	const char *id, const char *snippet) {
	struct match_list *l = userdata;
	if (l->n == l->cap) {
		struct match *m = uccn_alloc_grow(l->m, &l->cap, 32, sizeof(*m));
		if (m == NULL) {
			return UCCN_ENOMEM;
		}
		l->m = m;
	}
	struct match *m = &l->m[l->n];
	snprintf(m->kind, sizeof(m->kind), "%s", kind);
	memcpy(m->owner, owner, UCCN_KEY_BYTES);
	snprintf(m->id, sizeof(m->id), "%s", id);
	if ((m->snippet = uccn_alloc_strdup(snippet)) == NULL) {
		return UCCN_ENOMEM;
	}
	l->n++;
	return UCCN_OK;
}

struct found_walk {
	struct uccn_node *node;
	const struct match *m;
	uccn_search_fn fn;
	void *userdata;
};

static int give_match(void *userdata, const struct uccn_store_row *row) {
	struct found_walk *w = userdata;
	if (memcmp(row->owner, w->m->owner, UCCN_KEY_BYTES) != 0) {
		return UCCN_OK;
	}
	struct uccn_record *r;
	int err = uccn_node_row_record(w->node, row, &r);
	return err < 0 ? err : w->fn(w->userdata, r, w->m->snippet);
}

int uccn_node_search(struct uccn_node *node, const char *words, const char *kind, size_t max,
	uccn_search_fn fn, void *userdata) {
	if (kind != NULL && uccn_schema_kind(kind) == NULL) {
		return UCCN_ESCHEMA;
	}
	struct uccn_bytes q = {0};
	int err = make_query(words != NULL ? words : "", &q);
	if (err == UCCN_OK && q.len <= 1) {
		err = UCCN_EINVAL; /* no word to search */
	}
	if (err == UCCN_OK) {
		err = bring_index_up_to_date(node);
	}
	struct match_list l = {0};
	if (err == UCCN_OK) {
		err = uccn_store_fts_search(node->st, (const char *)q.data, kind,
			max > 0 ? max : SEARCH_MAX_DEFAULT, keep_match, &l);
	}
	/* The records are read after the search's statement is done with: a callback may read
	 * the store again. */
	for (size_t i = 0; i < l.n; i++) {
		if (err == UCCN_OK) {
			struct found_walk w = {node, &l.m[i], fn, userdata};
			err = uccn_store_find_records(
				node->st, l.m[i].kind, l.m[i].id, give_match, &w);
		}
		uccn_alloc_free(l.m[i].snippet);
	}
	uccn_alloc_free(l.m);
	uccn_bytes_finish(&q);
	return err;
}
