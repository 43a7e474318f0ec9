/* registry_applications.c - the applications a node holds: the city records of keys that are not
 * members yet, kept in `held` until a designation lets them in. The Secretariat reads them to
 * designate a city with the name, country and field the city gave itself. Reads only; the held
 * changes are the store's and their rules changelog.c's. */
#include "node/registry_applications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/text.h>

#include "node/alloc.h"
#include "node/node_internal.h"
#include "node/registry_state.h"
#include "node/store.h"
#include "proto/codec.h"

/* The fields an application shows, each with the clock of the change that set it. */
enum { APP_NAME, APP_COUNTRY, APP_FIELD, APP_WEBSITE, APP_FOCAL_POINT, APP_EMAIL, APP_FIELDS };
static const char *const app_field_names[APP_FIELDS] = {
	"name", "country", "field", "website", "focal_point", "email"};

/* Longer values are cut for the listing: a name or an address is far shorter. */
#define APP_VALUE_MAX 511

struct app {
	uint8_t key[UCCN_KEY_BYTES];
	char value[APP_FIELDS][APP_VALUE_MAX + 1];
	uint64_t value_hlc[APP_FIELDS];
	uint64_t hlc;
};

struct app_walk {
	struct uccn_node *node;
	struct app *apps;
	size_t n, cap;
	int err;
};

static struct app *app_of(struct app_walk *w, const uint8_t key[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < w->n; i++) {
		if (memcmp(w->apps[i].key, key, UCCN_KEY_BYTES) == 0) {
			return &w->apps[i];
		}
	}
	if (w->n == w->cap) {
		size_t cap = w->cap == 0 ? 16 : 2 * w->cap;
		struct app *apps = uccn_alloc_realloc(w->apps, cap * sizeof(*apps));
		if (apps == NULL) {
			return NULL;
		}
		w->apps = apps;
		w->cap = cap;
	}
	struct app *a = &w->apps[w->n++];
	memset(a, 0, sizeof(*a));
	memcpy(a->key, key, UCCN_KEY_BYTES);
	return a;
}

/* A city's own record, put by its own key: the only held change that is an application. A city
 * may have edited it more than once before its designation; the newest value of each field
 * wins, as the merge would have it once the changes are let in. */
static int held_row(void *userdata, const struct uccn_store_held *h) {
	struct app_walk *w = userdata;
	struct uccn_change *c = &w->node->change;
	if (uccn_codec_decode_change(h->data, h->len, c, NULL, 0) != UCCN_OK ||
		strcmp(c->kind, "city") != 0 || c->op != UCCN_OP_PUT ||
		memcmp(c->owner, c->author, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(c->author, UCCN_KEY_BYTES, hex);
	if (strcmp(c->id, hex) != 0) {
		return 0;
	}
	struct app *a = app_of(w, c->author);
	if (a == NULL) {
		w->err = UCCN_ENOMEM;
		return 1;
	}
	if (c->hlc > a->hlc) {
		a->hlc = c->hlc;
	}
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		for (size_t k = 0; k < APP_FIELDS; k++) {
			if (f->name_len != strlen(app_field_names[k]) ||
				memcmp(f->name, app_field_names[k], f->name_len) != 0 ||
				c->hlc < a->value_hlc[k]) {
				continue;
			}
			a->value_hlc[k] = c->hlc;
			size_t len = 0;
			if (f->value.type == UCCN_VALUE_STR) {
				len = f->value.str_len < APP_VALUE_MAX ? f->value.str_len
								       : APP_VALUE_MAX;
				memcpy(a->value[k], f->value.str, len);
			}
			a->value[k][len] = '\0';
		}
	}
	return 0;
}

static int by_name(const void *pa, const void *pb) {
	const struct app *a = pa, *b = pb;
	int c = strcmp(a->value[APP_NAME], b->value[APP_NAME]);
	return c != 0 ? c : memcmp(a->key, b->key, UCCN_KEY_BYTES);
}

int uccn_node_applications(struct uccn_node *node, uccn_application_fn fn, void *userdata) {
	struct app_walk w = {.node = node};
	int err = uccn_store_each_held(node->st, held_row, &w);
	if (err >= 0 && w.err < 0) {
		err = w.err;
	}
	if (err >= 0 && w.n > 0) {
		qsort(w.apps, w.n, sizeof(*w.apps), by_name); /* never with NULL: none held */
	}
	err = err >= 0 ? UCCN_OK : err;
	for (size_t i = 0; i < w.n && err == UCCN_OK; i++) {
		struct app *a = &w.apps[i];
		/* A member's city record can be held too (a gap in its chain, a clock ahead):
		 * that is no application. Asked after the walk, which holds the store's cursor. */
		struct uccn_registry_designation d;
		if ((err = uccn_registry_state_find_designation(node, a->key, &d)) < 0) {
			break;
		}
		if (d.found && strcmp(d.status, "active") == 0) {
			continue;
		}
		uint64_t held = 0;
		if ((err = uccn_store_count_held(node->st, a->key, &held)) < 0) {
			break;
		}
		struct uccn_application out = {
			.name = a->value[APP_NAME],
			.country = a->value[APP_COUNTRY],
			.field = a->value[APP_FIELD],
			.website = a->value[APP_WEBSITE],
			.focal_point = a->value[APP_FOCAL_POINT],
			.email = a->value[APP_EMAIL],
			.hlc = a->hlc,
			.held = held,
			.withdrawn = d.found,
		};
		memcpy(out.key, a->key, UCCN_KEY_BYTES);
		err = fn(userdata, &out);
	}
	uccn_alloc_free(w.apps);
	return err;
}
