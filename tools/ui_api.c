/* ui_api.c - the routes of the JSON API under /api/ (proto/API.md): the node, the record kinds
 * as forms need them, records and their history, search, the network, events, sync and the
 * Secretariat's routes. Sans-IO like ui_http.c, which has checked the session and the CSRF
 * token before any of these run; every answer names cities, never bare keys. */
#include "tools/ui.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/cli.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define PUT_ERRORS_MAX UCCN_FIELDS_MAX

/* --- Names of cities -------------------------------------------------------------------------- */

struct city_name {
	uint8_t key[UCCN_KEY_BYTES];
	char name[128];
	char country[8];
	char field[32];
};

struct names {
	struct city_name *e;
	size_t n, cap;
	bool loaded;
};

static struct city_name *names_add(struct names *ns, const uint8_t key[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < ns->n; i++) {
		if (memcmp(ns->e[i].key, key, UCCN_KEY_BYTES) == 0) {
			return &ns->e[i];
		}
	}
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? 2 * ns->cap : 64;
		struct city_name *e = realloc(ns->e, cap * sizeof(*e));
		if (e == NULL) {
			return NULL;
		}
		ns->e = e;
		ns->cap = cap;
	}
	struct city_name *c = &ns->e[ns->n++];
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, UCCN_KEY_BYTES);
	return c;
}

static void copy_value(char *out, size_t len, const struct uccn_value *v) {
	if (v != NULL && v->type == UCCN_VALUE_STR) {
		snprintf(out, len, "%.*s", (int)v->str_len, v->str);
	}
}

static int name_from_city_record(void *userdata, const struct uccn_record *r) {
	struct names *ns = userdata;
	struct city_name *c = names_add(ns, uccn_record_owner(r));
	if (c != NULL && c->name[0] == '\0') {
		copy_value(c->name, sizeof(c->name), uccn_record_field(r, "name"));
		copy_value(c->country, sizeof(c->country), uccn_record_field(r, "country"));
		copy_value(c->field, sizeof(c->field), uccn_record_field(r, "field"));
	}
	return 0;
}

static void name_member(
	struct names *ns, const uint8_t key[UCCN_KEY_BYTES], const struct uccn_member *m) {
	struct city_name *c = names_add(ns, key);
	if (c != NULL) {
		snprintf(c->name, sizeof(c->name), "%s", m->name != NULL ? m->name : "");
		snprintf(
			c->country, sizeof(c->country), "%s", m->country != NULL ? m->country : "");
		snprintf(c->field, sizeof(c->field), "%s", m->field != NULL ? m->field : "");
	}
}

static int name_from_member(void *userdata, const struct uccn_member *m) {
	name_member(userdata, m->city, m);
	name_member(userdata, m->key, m);
	return 0;
}

/* The registry's names first (the Secretariat's word), then the cities' own records for the
 * keys it does not name (applicants, relays). */
static void names_load(struct uccn_ui_call *c, struct names *ns) {
	if (ns->loaded) {
		return;
	}
	ns->loaded = true;
	struct uccn_node *node = uccn_ui_node(c->ui);
	if (uccn_node_registry(node, name_from_member, ns) < 0 ||
		uccn_node_list(node, "city", false, name_from_city_record, ns) < 0) {
		return; /* the names are a help: a key without one shows as unnamed */
	}
	if (uccn_node_is_secretariat(node)) {
		uint8_t pk[UCCN_KEY_BYTES];
		uccn_node_public_key(node, pk);
		struct city_name *s = names_add(ns, pk);
		if (s != NULL && s->name[0] == '\0') {
			snprintf(s->name, sizeof(s->name), "UNESCO Secretariat");
		}
	}
}

static const struct city_name *names_find(const struct names *ns, const uint8_t *key) {
	for (size_t i = 0; i < ns->n; i++) {
		if (memcmp(ns->e[i].key, key, UCCN_KEY_BYTES) == 0) {
			return &ns->e[i];
		}
	}
	return NULL;
}

static json_t *hex_json(const uint8_t *bytes, size_t len) {
	char hex[2 * 64 + 1];
	uccn_text_to_hex(bytes, len, hex);
	return json_string(hex);
}

static json_t *or_null(const char *s) {
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *city_json(struct uccn_ui_call *c, struct names *ns, const uint8_t *key) {
	names_load(c, ns);
	const struct city_name *n = names_find(ns, key);
	return json_pack("{s:o, s:o, s:o}", "key", hex_json(key, UCCN_KEY_BYTES), "name",
		or_null(n != NULL ? n->name : NULL), "country",
		or_null(n != NULL ? n->country : NULL));
}

static json_t *u64_json(uint64_t v) {
	char s[24];
	snprintf(s, sizeof(s), "%" PRIu64, v);
	return json_string(s);
}

static json_t *at_json(uint64_t ms) {
	char at[40];
	uccn_ui_format_ms(ms, at, sizeof(at));
	return json_string(at);
}

static json_t *hlc_json(uint64_t hlc) {
	return json_pack("{s:o, s:o}", "hlc", u64_json(hlc), "at", at_json(hlc >> 16));
}

/* --- Records as JSON ---------------------------------------------------------------------------
 */

static bool key_in_list(const struct uccn_value *v, const uint8_t key[UCCN_KEY_BYTES]) {
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, hex);
	for (size_t i = 0; v != NULL && v->type == UCCN_VALUE_LIST && i < v->count; i++) {
		const struct uccn_value *it = &v->items[i];
		if (it->type == UCCN_VALUE_STR && it->str_len == 2 * UCCN_KEY_BYTES &&
			memcmp(it->str, hex, it->str_len) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether this node may change r from the page: its own, or a project naming it an editor. */
static bool may_edit(struct uccn_node *node, const struct uccn_record *r) {
	const struct uccn_kind_spec *k = uccn_schema_kind(uccn_record_kind(r));
	if (k == NULL || strcmp(k->writer, "the Secretariat") == 0) {
		return false;
	}
	uint8_t pk[UCCN_KEY_BYTES];
	uccn_node_public_key(node, pk);
	return memcmp(uccn_record_owner(r), pk, UCCN_KEY_BYTES) == 0 ||
	       key_in_list(uccn_record_field(r, "editors"), pk);
}

static void name_keys_of(
	struct uccn_ui_call *c, struct names *ns, const struct uccn_value *v, json_t *cities) {
	size_t n = v->type == UCCN_VALUE_LIST ? v->count : 1;
	for (size_t i = 0; i < n; i++) {
		const struct uccn_value *it = v->type == UCCN_VALUE_LIST ? &v->items[i] : v;
		uint8_t key[UCCN_KEY_BYTES];
		char hex[2 * UCCN_KEY_BYTES + 1];
		if (it->type != UCCN_VALUE_STR || it->str_len != 2 * UCCN_KEY_BYTES) {
			continue;
		}
		snprintf(hex, sizeof(hex), "%.*s", (int)it->str_len, it->str);
		if (uccn_text_from_hex(hex, strlen(hex), key, UCCN_KEY_BYTES) != UCCN_OK) {
			continue;
		}
		json_t *city = city_json(c, ns, key);
		if (city != NULL) {
			json_object_del(city, "key");
			json_object_set_new(cities, hex, city);
		}
	}
}

static json_t *record_json(struct uccn_ui_call *c, struct names *ns, const struct uccn_record *r) {
	const struct uccn_kind_spec *k = uccn_schema_kind(uccn_record_kind(r));
	json_t *fields = json_object(), *cities = json_object();
	const char *id = uccn_record_id(r);
	json_t *title = NULL;
	for (size_t i = 0; fields != NULL && cities != NULL && i < uccn_record_field_count(r);
		i++) {
		const struct uccn_field *f = uccn_record_field_at(r, i);
		char name[UCCN_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)f->name_len, f->name);
		json_object_set_new(fields, name, uccn_cli_value_to_json(&f->value));
		const struct uccn_field_spec *spec =
			k != NULL ? uccn_schema_field(k, f->name, f->name_len) : NULL;
		if (spec != NULL && (spec->type == UCCN_TYPE_KEY || spec->type == UCCN_TYPE_KEYS)) {
			name_keys_of(c, ns, &f->value, cities);
		}
		if (k != NULL && strcmp(name, k->title) == 0 && title == NULL) {
			title = f->value.type == UCCN_VALUE_INT
					? json_sprintf("%" PRId64, f->value.i)
					: uccn_cli_value_to_json(&f->value);
		}
	}
	if (title == NULL || !json_is_string(title)) {
		json_decref(title);
		title = uccn_cli_json_string(id, strlen(id));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o*, s:o*}", "kind",
		uccn_record_kind(r), "id", uccn_cli_json_string(id, strlen(id)), "title", title,
		"owner", city_json(c, ns, uccn_record_owner(r)), "deleted", uccn_record_deleted(r),
		"may_edit", may_edit(uccn_ui_node(c->ui), r), "created",
		hlc_json(uccn_record_created_hlc(r)), "updated",
		hlc_json(uccn_record_updated_hlc(r)), "fields", fields, "cities", cities);
}

/* --- Parameters ---------------------------------------------------------------------------- */

static bool param_size(
	struct uccn_ui_call *c, const char *name, size_t def, size_t max, size_t *out) {
	char buf[32];
	const char *v = uccn_ui_param(c, name, buf, sizeof(buf));
	*out = def;
	if (v == NULL) {
		return true;
	}
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || n > max) {
		uccn_ui_error(c, 400, "bad_request", name, "%s: '%s' is not a number from 0 to %zu",
			name, v, max);
		return false;
	}
	*out = (size_t)n;
	return true;
}

/* An optional integer parameter in [min, max] (absent or empty: *out stays 0). */
static bool param_int(
	struct uccn_ui_call *c, const char *name, long min, long max, const char *what, int *out) {
	char buf[32];
	const char *v = uccn_ui_param(c, name, buf, sizeof(buf));
	if (v == NULL || v[0] == '\0') {
		return true;
	}
	char *end;
	long n = strtol(v, &end, 10);
	if (*end != '\0' || n < min || n > max) {
		uccn_ui_error(c, 400, "bad_request", name, "%s: '%s' is not %s", name, v, what);
		return false;
	}
	*out = (int)n;
	return true;
}

static bool param_kind(
	struct uccn_ui_call *c, const char *name, char *buf, size_t len, const char **out) {
	*out = uccn_ui_param(c, name, buf, len);
	if (*out != NULL && (*out)[0] == '\0') {
		*out = NULL;
	}
	if (*out != NULL && uccn_schema_kind(*out) == NULL) {
		char kinds[512];
		uccn_cli_kind_names(kinds, sizeof(kinds));
		uccn_ui_error(
			c, 400, "bad_request", name, "unknown kind '%s' (kinds: %s)", *out, kinds);
		return false;
	}
	return true;
}

static bool parse_key_text(const char *text, uint8_t key[UCCN_KEY_BYTES]) {
	return text != NULL && strlen(text) == 2 * UCCN_KEY_BYTES &&
	       uccn_text_from_hex(text, strlen(text), key, UCCN_KEY_BYTES) == UCCN_OK;
}

/* A paged list: items counted by total, kept when in [offset, offset + limit). */
struct page {
	size_t limit, offset, total;
	json_t *items;
};

static bool page_init(struct uccn_ui_call *c, struct page *p) {
	memset(p, 0, sizeof(*p));
	if (!param_size(c, "limit", LIST_DEFAULT, LIST_MAX, &p->limit) ||
		!param_size(c, "offset", 0, SIZE_MAX / 2, &p->offset)) {
		return false;
	}
	p->items = json_array();
	return true;
}

static bool page_wants(struct page *p) {
	bool in = p->total >= p->offset && p->total < p->offset + p->limit;
	p->total++;
	return in;
}

static void page_answer(struct uccn_ui_call *c, struct page *p, const char *name) {
	uccn_ui_json(
		c, 200, json_pack("{s:o, s:I}", name, p->items, "total", (json_int_t)p->total));
}

static void answer_node_error(struct uccn_ui_call *c, int err, const char *why) {
	const char *msg = why != NULL && why[0] != '\0' ? why : uccn_strerror(err);
	switch (err) {
	case UCCN_ENOTFOUND:
		uccn_ui_error(c, 404, "not_found", NULL, "%s", msg);
		break;
	case UCCN_EPERM:
		uccn_ui_error(c, 403, "forbidden", NULL, "%s", msg);
		break;
	case UCCN_EEXIST:
		uccn_ui_error(c, 409, "conflict", NULL, "%s", msg);
		break;
	case UCCN_EBUSY:
		uccn_ui_error(c, 503, "busy", NULL, "%s", msg);
		break;
	case UCCN_ESCHEMA:
	case UCCN_EINVAL:
	case UCCN_EBEHIND:
	case UCCN_ENOTMEMBER:
		uccn_ui_error(c, 422, err == UCCN_ESCHEMA ? "schema" : "invalid", NULL, "%s", msg);
		break;
	default:
		uccn_ui_error(c, 500, "internal", NULL, "%s", msg);
		break;
	}
}

/* --- GET /api/node, /api/kinds --------------------------------------------------------------- */

static int is_member(void *userdata, const struct uccn_member *m) {
	const uint8_t *pk = ((const uint8_t **)userdata)[0];
	bool *found = ((bool **)userdata)[1];
	if (m->active && (memcmp(m->key, pk, UCCN_KEY_BYTES) == 0 ||
				 memcmp(m->city, pk, UCCN_KEY_BYTES) == 0)) {
		*found = true;
	}
	return 0;
}

static void route_node(struct uccn_ui_call *c, struct names *ns) {
	struct uccn_node *node = uccn_ui_node(c->ui);
	uint8_t pk[UCCN_KEY_BYTES], net[UCCN_KEY_BYTES];
	uccn_node_public_key(node, pk);
	uccn_node_network(node, net);
	bool member = false;
	const void *args[2] = {pk, &member};
	if (uccn_node_registry(node, is_member, (void *)args) < 0) {
		member = false;
	}
	names_load(c, ns);
	const struct city_name *me = names_find(ns, pk);
	uccn_ui_json(c, 200,
		json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:s}", "key",
			hex_json(pk, UCCN_KEY_BYTES), "network", hex_json(net, UCCN_KEY_BYTES),
			"name", or_null(me != NULL ? me->name : NULL), "country",
			or_null(me != NULL ? me->country : NULL), "field",
			or_null(me != NULL ? me->field : NULL), "secretariat",
			uccn_node_is_secretariat(node), "member", member, "version", "0.1.0"));
}

static const char *type_name(enum uccn_type t) {
	switch (t) {
	case UCCN_TYPE_TEXT:
		return "text";
	case UCCN_TYPE_INT:
		return "int";
	case UCCN_TYPE_DATE:
		return "date";
	case UCCN_TYPE_URL:
		return "url";
	case UCCN_TYPE_KEY:
		return "key";
	case UCCN_TYPE_COUNTRY:
		return "country";
	case UCCN_TYPE_CHOICE:
		return "choice";
	case UCCN_TYPE_FIELD:
		return "field";
	case UCCN_TYPE_FIELDS:
		return "fields";
	case UCCN_TYPE_SDGS:
		return "sdgs";
	case UCCN_TYPE_TEXTS:
		return "texts";
	case UCCN_TYPE_KEYS:
		return "keys";
	case UCCN_TYPE_HASH:
		return "hash";
	case UCCN_TYPE_PERIOD:
		return "period";
	}
	return "text";
}

static json_t *creative_fields_json(void) {
	json_t *a = json_array();
	for (size_t i = 0; uccn_creative_fields[i] != NULL; i++) {
		const char *f = uccn_creative_fields[i];
		json_array_append_new(
			a, json_pack("{s:s, s:o}", "value", f, "label",
				   uccn_ui_words_json(uccn_ui_creative_field_label(f), f)));
	}
	return a;
}

static json_t *sdgs_json(void) {
	json_t *a = json_array();
	for (int i = 1; i <= 17; i++) {
		char n[8];
		snprintf(n, sizeof(n), "%d", i);
		json_array_append_new(a, json_pack("{s:i, s:o}", "value", i, "label",
						 uccn_ui_words_json(uccn_ui_sdg_label(i), n)));
	}
	return a;
}

/* The long texts a form shows as text areas that keep paragraphs. */
static bool is_multiline(const char *kind, const char *field) {
	static const char *const long_texts[] = {"description", "summary", "achievements",
		"challenges", "opportunities", "action_plan", "reason", "evidence", NULL};
	(void)kind;
	for (size_t i = 0; long_texts[i] != NULL; i++) {
		if (strcmp(field, long_texts[i]) == 0) {
			return true;
		}
	}
	return false;
}

static json_t *field_json(const struct uccn_kind_spec *k, const struct uccn_field_spec *f) {
	json_t *j = json_pack("{s:s, s:o, s:o, s:s, s:b}", "name", f->name, "label",
		uccn_ui_words_json(uccn_ui_field_label(k->name, f->name), f->name), "help",
		uccn_ui_words_json(
			uccn_ui_field_help(k->name, f->name), f->help != NULL ? f->help : ""),
		"type", type_name(f->type), "required", f->required);
	switch (f->type) {
	case UCCN_TYPE_INT:
		json_object_set_new(j, "min", json_integer(f->min));
		json_object_set_new(j, "max", json_integer(f->max));
		break;
	case UCCN_TYPE_TEXT:
		json_object_set_new(j, "max_length", json_integer(UCCN_STR_MAX));
		json_object_set_new(j, "multiline", json_boolean(is_multiline(k->name, f->name)));
		break;
	case UCCN_TYPE_TEXTS:
	case UCCN_TYPE_KEYS:
		json_object_set_new(j, "max_items", json_integer(UCCN_LIST_MAX));
		json_object_set_new(j, "max_length", json_integer(UCCN_STR_MAX));
		break;
	case UCCN_TYPE_FIELD:
		json_object_set_new(j, "choices", creative_fields_json());
		break;
	case UCCN_TYPE_FIELDS:
		json_object_set_new(j, "max_items", json_integer(7));
		json_object_set_new(j, "choices", creative_fields_json());
		break;
	case UCCN_TYPE_SDGS:
		json_object_set_new(j, "max_items", json_integer(17));
		json_object_set_new(j, "choices", sdgs_json());
		break;
	case UCCN_TYPE_CHOICE: {
		json_t *a = json_array();
		for (size_t i = 0; f->choices != NULL && f->choices[i] != NULL; i++) {
			json_array_append_new(
				a, json_pack("{s:s, s:o}", "value", f->choices[i], "label",
					   uccn_ui_words_json(uccn_ui_choice_label(f->choices[i]),
						   f->choices[i])));
		}
		json_object_set_new(j, "choices", a);
		break;
	}
	default:
		break;
	}
	return j;
}

/* The kinds a city's node writes from the page; the Secretariat's are written through its
 * routes, and the machinery's (keys, tree heads, cosignatures, alarms) by the node itself. */
static bool kind_editable(struct uccn_node *node, const char *kind) {
	static const char *const city_kinds[] = {
		"city", "best_practice", "event", "project", "report", NULL};
	if (uccn_node_is_secretariat(node)) {
		return strcmp(kind, "event") == 0 || strcmp(kind, "best_practice") == 0;
	}
	for (size_t i = 0; city_kinds[i] != NULL; i++) {
		if (strcmp(kind, city_kinds[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void route_kinds(struct uccn_ui_call *c) {
	size_t n;
	const struct uccn_kind_spec *kinds = uccn_schema_kinds(&n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct uccn_kind_spec *k = &kinds[i];
		json_t *fields = json_array();
		for (size_t j = 0; j < k->nfields; j++) {
			json_array_append_new(fields, field_json(k, &k->fields[j]));
		}
		json_array_append_new(
			a, json_pack("{s:s, s:o, s:s, s:s, s:b, s:o}", "name", k->name, "label",
				   uccn_ui_words_json(uccn_ui_kind_label(k->name), k->name),
				   "writer", k->writer, "title", k->title, "editable",
				   kind_editable(uccn_ui_node(c->ui), k->name), "fields", fields));
	}
	uccn_ui_json(c, 200,
		json_pack("{s:o, s:o, s:o}", "kinds", a, "creative_fields", creative_fields_json(),
			"sdgs", sdgs_json()));
}

/* --- Records -----------------------------------------------------------------------------------
 */

struct list_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	struct page *page;
	bool by_owner;
	uint8_t owner[UCCN_KEY_BYTES];
	int err;
};

static int list_one(void *userdata, const struct uccn_record *r) {
	struct list_walk *w = userdata;
	if (w->by_owner && memcmp(uccn_record_owner(r), w->owner, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	if (page_wants(w->page)) {
		json_array_append_new(w->page->items, record_json(w->c, w->ns, r));
	}
	return 0;
}

static void route_records_list(struct uccn_ui_call *c, struct names *ns) {
	char kind_buf[64], owner_buf[80], del_buf[8];
	const char *kind;
	struct page page;
	if (!param_kind(c, "kind", kind_buf, sizeof(kind_buf), &kind) || !page_init(c, &page)) {
		return;
	}
	struct list_walk w = {.c = c, .ns = ns, .page = &page};
	const char *owner = uccn_ui_param(c, "owner", owner_buf, sizeof(owner_buf));
	if (owner != NULL && strcmp(owner, "mine") == 0) {
		w.by_owner = true;
		uccn_node_public_key(uccn_ui_node(c->ui), w.owner);
	} else if (owner != NULL && owner[0] != '\0') {
		if (!parse_key_text(owner, w.owner)) {
			json_decref(page.items);
			uccn_ui_error(c, 400, "bad_request", "owner",
				"owner: '%s' is not a key (64 hex digits) or 'mine'", owner);
			return;
		}
		w.by_owner = true;
	}
	const char *del = uccn_ui_param(c, "deleted", del_buf, sizeof(del_buf));
	bool with_deleted = del != NULL && strcmp(del, "1") == 0;
	int err = uccn_node_list(uccn_ui_node(c->ui), kind, with_deleted, list_one, &w);
	if (err < 0) {
		json_decref(page.items);
		answer_node_error(c, err, NULL);
		return;
	}
	page_answer(c, &page, "records");
}

struct one_record {
	struct uccn_ui_call *c;
	struct names *ns;
	json_t *j;
};

static int get_one(void *userdata, const struct uccn_record *r) {
	struct one_record *o = userdata;
	if (o->j == NULL) {
		o->j = record_json(o->c, o->ns, r);
	}
	return 0;
}

/* The record's JSON, or NULL after answering the error. */
static json_t *load_record(
	struct uccn_ui_call *c, struct names *ns, const char *kind, const char *id) {
	struct one_record o = {c, ns, NULL};
	int err = uccn_node_get(uccn_ui_node(c->ui), kind, id, get_one, &o);
	if (err < 0 || o.j == NULL) {
		json_decref(o.j);
		if (err == UCCN_ENOTFOUND || err == UCCN_OK) {
			uccn_ui_error(
				c, 404, "not_found", NULL, "no %s record has id %s", kind, id);
		} else {
			answer_node_error(c, err, NULL);
		}
		return NULL;
	}
	return o.j;
}

/* The field a message of the node names ("sdgs: ...", "project.ends: ..."), if it is one of
 * kind k's, into out. */
static const char *field_named(
	const struct uccn_kind_spec *k, const char *msg, char *out, size_t len) {
	size_t n = strcspn(msg, ": ");
	const char *name = msg;
	const char *dot = memchr(msg, '.', n);
	if (dot != NULL) {
		n -= (size_t)(dot + 1 - msg);
		name = dot + 1;
	}
	if (k == NULL || n == 0 || n >= len || uccn_schema_field(k, name, n) == NULL) {
		/* "event.ends: 2026-01-01 is before starts ...": the first field named */
		return NULL;
	}
	memcpy(out, name, n);
	out[n] = '\0';
	return out;
}

struct put_fields {
	struct uccn_field fields[UCCN_FIELDS_MAX];
	struct uccn_value items[UCCN_ITEMS_MAX];
	size_t nfields, nitems;
	json_t *errors;
};

static void add_field_error(
	struct uccn_ui_call *c, struct put_fields *p, const char *field, const char *msg) {
	char fr[1024];
	const char *text = uccn_ui_translate(c->lang, msg, fr, sizeof(fr));
	json_array_append_new(p->errors,
		json_pack("{s:s, s:s, s:s}", "code", "schema", "message", text, "field", field));
}

/* Reads {"fields": {...}} into p, each value checked against the kind on its own; every
 * refusal goes to p->errors. False after answering a malformed body. */
static bool read_fields(struct uccn_ui_call *c, const struct uccn_kind_spec *k, json_t *body,
	struct put_fields *p) {
	json_t *fields = json_is_object(body) ? json_object_get(body, "fields") : NULL;
	if (!json_is_object(fields)) {
		uccn_ui_error(c, 400, "bad_request", "fields",
			"expected a JSON object {\"fields\": {NAME: VALUE, ...}}");
		return false;
	}
	p->errors = json_array();
	const char *name;
	json_t *v;
	json_object_foreach(fields, name, v) {
		const struct uccn_field_spec *spec = uccn_schema_field(k, name, strlen(name));
		char why[512];
		if (spec == NULL) {
			snprintf(why, sizeof(why), "%s: unknown field %s", k->name, name);
			add_field_error(c, p, name, why);
			continue;
		}
		if (p->nfields == UCCN_FIELDS_MAX) {
			uccn_ui_error(c, 400, "bad_request", "fields", "more than %d fields",
				UCCN_FIELDS_MAX);
			return false;
		}
		struct uccn_field *f = &p->fields[p->nfields];
		f->name = spec->name;
		f->name_len = strlen(spec->name);
		size_t used = 0;
		if (uccn_cli_json_to_value(spec, v, &f->value, p->items + p->nitems,
			    UCCN_ITEMS_MAX - p->nitems, &used, why, sizeof(why)) < 0) {
			add_field_error(c, p, spec->name, why);
			continue;
		}
		struct uccn_error e;
		if (uccn_schema_check_field(k, f, &e) < 0) {
			add_field_error(c, p, spec->name, e.msg);
			continue;
		}
		p->nitems += used;
		p->nfields++;
	}
	return true;
}

static void answer_field_errors(struct uccn_ui_call *c, json_t *errors) {
	json_t *first = json_deep_copy(json_array_get(errors, 0));
	uccn_ui_json(c, 422, json_pack("{s:o, s:o}", "error", first, "errors", errors));
}

static json_t *load_body(struct uccn_ui_call *c) {
	json_error_t jerr;
	json_t *body = json_loadb((const char *)c->req->body, c->req->body_len, 0, &jerr);
	if (body == NULL) {
		uccn_ui_error(c, 400, "bad_request", NULL, "the body is not JSON: %s (line %d)",
			jerr.text, jerr.line);
	}
	return body;
}

/* Writes a put (id NULL: a new record) from the page, and answers the record. */
static void put_record(struct uccn_ui_call *c, struct names *ns, const char *kind, const char *id,
	struct put_fields *p) {
	const struct uccn_kind_spec *k = uccn_schema_kind(kind);
	struct uccn_node *node = uccn_ui_node(c->ui);
	if (json_array_size(p->errors) > 0) {
		answer_field_errors(c, p->errors);
		p->errors = NULL;
		return;
	}
	json_decref(p->errors);
	p->errors = NULL;
	if (p->nfields == 0) {
		uccn_ui_error(c, 400, "bad_request", "fields", "no field to write");
		return;
	}
	char why[UCCN_ERRMSG_MAX] = "", out_id[UCCN_ID_MAX + 1] = "";
	int err = uccn_node_put(node, kind, id, p->fields, p->nfields, uccn_ui_now(c->ui), out_id);
	if (err < 0) {
		snprintf(why, sizeof(why), "%s", uccn_node_errmsg(node));
	}
	if (err == UCCN_ESCHEMA) {
		char field[UCCN_NAME_MAX + 1];
		const char *f = field_named(k, why, field, sizeof(field));
		json_t *errors = json_array();
		char fr[1024];
		const char *text = uccn_ui_translate(c->lang, why, fr, sizeof(fr));
		json_t *e = json_pack("{s:s, s:s}", "code", "schema", "message", text);
		if (f != NULL) {
			json_object_set_new(e, "field", json_string(f));
		}
		json_array_append_new(errors, e);
		answer_field_errors(c, errors);
		return;
	}
	if (err < 0) {
		answer_node_error(c, err, why);
		return;
	}
	uccn_ui_changed(c->ui, kind);
	json_t *r = load_record(c, ns, kind, id != NULL ? id : out_id);
	if (r == NULL) {
		return;
	}
	if (id == NULL) {
		char loc[UCCN_KIND_MAX + UCCN_ID_MAX + 32];
		snprintf(loc, sizeof(loc), "/api/records/%s/%s", kind, out_id);
		uccn_ui_header(c, "Location", loc);
	}
	uccn_ui_json(c, id == NULL ? 201 : 200, json_pack("{s:o}", "record", r));
}

static void route_record_write(
	struct uccn_ui_call *c, struct names *ns, const char *kind, const char *id) {
	const struct uccn_kind_spec *k = uccn_schema_kind(kind);
	if (id == NULL && !kind_editable(uccn_ui_node(c->ui), kind)) {
		uccn_ui_error(c, 403, "forbidden", NULL, "this node does not write %s records here",
			kind);
		return;
	}
	json_t *body = load_body(c);
	if (body == NULL) {
		return;
	}
	struct put_fields *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_decref(body);
		uccn_ui_error(c, 500, "internal", NULL, "out of memory");
		return;
	}
	if (read_fields(c, k, body, p)) {
		put_record(c, ns, kind, id, p);
	}
	json_decref(p->errors);
	free(p);
	json_decref(body);
}

struct history_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	json_t *changes;
	/* For undelete: the fields as they stood, and as they stood when last deleted. */
	json_t *state, *before_delete;
};

static int history_one(
	void *userdata, const struct uccn_change *ch, const uint8_t hash[UCCN_HASH_BYTES]) {
	struct history_walk *w = userdata;
	json_t *fields = json_object();
	bool put = uccn_change_op(ch) == UCCN_OP_PUT;
	for (size_t i = 0; put && i < uccn_change_field_count(ch); i++) {
		const struct uccn_field *f = uccn_change_field_at(ch, i);
		char name[UCCN_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)f->name_len, f->name);
		json_t *v = f->value.type == UCCN_VALUE_NIL ? json_null()
							    : uccn_cli_value_to_json(&f->value);
		json_object_set(fields, name, v);
		if (w->state != NULL) {
			if (f->value.type == UCCN_VALUE_NIL) {
				json_object_del(w->state, name);
			} else {
				json_object_set(w->state, name, v);
			}
		}
		json_decref(v);
	}
	if (!put && w->state != NULL) {
		json_decref(w->before_delete);
		w->before_delete = json_deep_copy(w->state);
		json_object_clear(w->state);
	}
	if (w->changes != NULL) {
		json_t *j = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b, s:o}", "hash",
			hex_json(hash, UCCN_HASH_BYTES), "op", put ? "put" : "delete", "seq",
			u64_json(uccn_change_seq(ch)), "hlc", u64_json(uccn_change_hlc(ch)), "at",
			at_json(uccn_change_hlc(ch) >> 16), "author",
			city_json(w->c, w->ns, uccn_change_author(ch)), "verified",
			uccn_change_signature_ok(ch), "fields", fields);
		json_array_append_new(w->changes, j);
	} else {
		json_decref(fields);
	}
	return 0;
}

static void route_history(
	struct uccn_ui_call *c, struct names *ns, const char *kind, const char *id) {
	struct history_walk w = {.c = c, .ns = ns, .changes = json_array()};
	int err = uccn_node_history(uccn_ui_node(c->ui), kind, id, history_one, &w);
	if (err < 0) {
		json_decref(w.changes);
		if (err == UCCN_ENOTFOUND) {
			uccn_ui_error(
				c, 404, "not_found", NULL, "no %s record has id %s", kind, id);
		} else {
			answer_node_error(c, err, NULL);
		}
		return;
	}
	uccn_ui_json(c, 200, json_pack("{s:o}", "changes", w.changes));
}

static void route_undelete(
	struct uccn_ui_call *c, struct names *ns, const char *kind, const char *id) {
	json_t *r = load_record(c, ns, kind, id);
	if (r == NULL) {
		return;
	}
	bool deleted = json_is_true(json_object_get(r, "deleted"));
	json_decref(r);
	if (!deleted) {
		uccn_ui_error(c, 409, "conflict", NULL, "%s %s is not deleted", kind, id);
		return;
	}
	struct history_walk w = {.c = c, .ns = ns, .state = json_object()};
	int err = uccn_node_history(uccn_ui_node(c->ui), kind, id, history_one, &w);
	json_decref(w.state);
	if (err < 0 || w.before_delete == NULL || json_object_size(w.before_delete) == 0) {
		json_decref(w.before_delete);
		if (err < 0) {
			answer_node_error(c, err, NULL);
		} else {
			uccn_ui_error(c, 409, "conflict", NULL,
				"%s %s had no field left to bring back", kind, id);
		}
		return;
	}
	struct put_fields *p = calloc(1, sizeof(*p));
	json_t *body = json_pack("{s:o}", "fields", w.before_delete);
	if (p != NULL && body != NULL && read_fields(c, uccn_schema_kind(kind), body, p)) {
		put_record(c, ns, kind, id, p);
	}
	if (p != NULL) {
		json_decref(p->errors);
	}
	free(p);
	json_decref(body);
}

static void route_records(struct uccn_ui_call *c, struct names *ns) {
	const char *m = c->req->method;
	if (c->nsegs == 1) {
		if (strcmp(m, "GET") != 0) {
			uccn_ui_header(c, "Allow", "GET");
			uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", m);
			return;
		}
		route_records_list(c, ns);
		return;
	}
	const char *kind = c->segs[1];
	if (uccn_schema_kind(kind) == NULL) {
		uccn_ui_error(c, 404, "not_found", "kind", "unknown kind '%s'", kind);
		return;
	}
	if (c->nsegs == 2) {
		if (strcmp(m, "POST") != 0) {
			uccn_ui_header(c, "Allow", "POST");
			uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", m);
			return;
		}
		route_record_write(c, ns, kind, NULL);
		return;
	}
	const char *id = c->segs[2];
	if (!uccn_schema_is_valid_id(id)) {
		uccn_ui_error(c, 404, "not_found", "id", "'%s' is not a record id", id);
		return;
	}
	if (c->nsegs == 3) {
		if (strcmp(m, "GET") == 0) {
			json_t *r = load_record(c, ns, kind, id);
			if (r != NULL) {
				uccn_ui_json(c, 200, json_pack("{s:o}", "record", r));
			}
		} else if (strcmp(m, "PUT") == 0) {
			route_record_write(c, ns, kind, id);
		} else if (strcmp(m, "DELETE") == 0) {
			struct uccn_node *node = uccn_ui_node(c->ui);
			int err = uccn_node_delete(node, kind, id, uccn_ui_now(c->ui));
			if (err < 0) {
				answer_node_error(c, err, uccn_node_errmsg(node));
				return;
			}
			uccn_ui_changed(c->ui, kind);
			json_t *r = load_record(c, ns, kind, id);
			if (r != NULL) {
				uccn_ui_json(c, 200, json_pack("{s:o}", "record", r));
			}
		} else {
			uccn_ui_header(c, "Allow", "GET, PUT, DELETE");
			uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", m);
		}
		return;
	}
	if (c->nsegs == 4 && strcmp(c->segs[3], "history") == 0) {
		if (strcmp(m, "GET") != 0) {
			uccn_ui_header(c, "Allow", "GET");
			uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", m);
			return;
		}
		route_history(c, ns, kind, id);
		return;
	}
	if (c->nsegs == 4 && strcmp(c->segs[3], "undelete") == 0) {
		if (strcmp(m, "POST") != 0) {
			uccn_ui_header(c, "Allow", "POST");
			uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", m);
			return;
		}
		route_undelete(c, ns, kind, id);
		return;
	}
	uccn_ui_error(c, 404, "not_found", NULL, "no such route");
}

/* --- Search ------------------------------------------------------------------------------------
 */

struct search_filter {
	const char *field, *country;
	int sdg, year;
};

static bool list_has_str(const struct uccn_value *v, const char *s) {
	size_t n = v == NULL ? 0 : v->type == UCCN_VALUE_LIST ? v->count : 1;
	for (size_t i = 0; i < n; i++) {
		const struct uccn_value *it = v->type == UCCN_VALUE_LIST ? &v->items[i] : v;
		if (it->type == UCCN_VALUE_STR && it->str_len == strlen(s) &&
			memcmp(it->str, s, it->str_len) == 0) {
			return true;
		}
	}
	return false;
}

static bool list_has_int(const struct uccn_value *v, int64_t x) {
	for (size_t i = 0; v != NULL && v->type == UCCN_VALUE_LIST && i < v->count; i++) {
		if (v->items[i].type == UCCN_VALUE_INT && v->items[i].i == x) {
			return true;
		}
	}
	return false;
}

/* The year of a record: its year field, else the year of its first day. */
static int record_year(const struct uccn_record *r) {
	const struct uccn_value *y = uccn_record_field(r, "year");
	if (y != NULL && y->type == UCCN_VALUE_INT) {
		return (int)y->i;
	}
	const struct uccn_value *s = uccn_record_field(r, "starts");
	if (s == NULL) {
		s = uccn_record_field(r, "period");
	}
	if (s != NULL && s->type == UCCN_VALUE_STR && s->str_len >= 4) {
		return atoi((char[5]){s->str[0], s->str[1], s->str[2], s->str[3], 0});
	}
	return 0;
}

struct search_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	struct search_filter f;
	struct page *page;
	const char *kind;
};

static bool passes(struct search_walk *w, const struct uccn_record *r) {
	const struct search_filter *f = &w->f;
	if (f->field != NULL && !list_has_str(uccn_record_field(r, "fields"), f->field) &&
		!list_has_str(uccn_record_field(r, "field"), f->field)) {
		return false;
	}
	if (f->sdg != 0 && !list_has_int(uccn_record_field(r, "sdgs"), f->sdg)) {
		return false;
	}
	if (f->year != 0 && record_year(r) != f->year) {
		return false;
	}
	if (f->country != NULL) {
		names_load(w->c, w->ns);
		const struct city_name *n = names_find(w->ns, uccn_record_owner(r));
		if (n == NULL || strcmp(n->country, f->country) != 0) {
			return false;
		}
	}
	return true;
}

static int search_one(void *userdata, const struct uccn_record *r, const char *snippet) {
	struct search_walk *w = userdata;
	if (!passes(w, r)) {
		return 0;
	}
	if (page_wants(w->page)) {
		json_array_append_new(
			w->page->items, json_pack("{s:o, s:s}", "record",
						record_json(w->c, w->ns, r), "snippet", snippet));
	}
	return 0;
}

/* The kinds a search without words walks: what people write, not the machinery. */
static int list_searchable(void *userdata, const struct uccn_record *r) {
	struct search_walk *w = userdata;
	static const char *const kinds[] = {
		"city", "best_practice", "event", "project", "report", "designation", NULL};
	for (size_t i = 0; w->kind == NULL && kinds[i] != NULL; i++) {
		if (strcmp(uccn_record_kind(r), kinds[i]) == 0) {
			return search_one(userdata, r, "");
		}
	}
	return w->kind != NULL ? search_one(userdata, r, "") : 0;
}

static void route_search(struct uccn_ui_call *c, struct names *ns) {
	char kind_buf[64], q_buf[1024], field_buf[64], country_buf[16];
	const char *kind;
	struct page page;
	if (!param_kind(c, "kind", kind_buf, sizeof(kind_buf), &kind)) {
		return;
	}
	struct search_walk w = {.c = c, .ns = ns, .kind = kind};
	const char *q = uccn_ui_param(c, "q", q_buf, sizeof(q_buf));
	w.f.field = uccn_ui_param(c, "field", field_buf, sizeof(field_buf));
	if (w.f.field != NULL && w.f.field[0] == '\0') {
		w.f.field = NULL;
	}
	bool known = w.f.field == NULL;
	for (size_t i = 0; !known && uccn_creative_fields[i] != NULL; i++) {
		known = strcmp(w.f.field, uccn_creative_fields[i]) == 0;
	}
	if (!known) {
		uccn_ui_error(c, 400, "bad_request", "field", "field: '%s' is not a creative field",
			w.f.field);
		return;
	}
	if (!param_int(c, "sdg", 1, 17, "an SDG (1-17)", &w.f.sdg)) {
		return;
	}
	w.f.country = uccn_ui_param(c, "country", country_buf, sizeof(country_buf));
	if (w.f.country != NULL && w.f.country[0] == '\0') {
		w.f.country = NULL;
	}
	if (w.f.country != NULL &&
		(strlen(w.f.country) != 2 || w.f.country[0] < 'A' || w.f.country[0] > 'Z' ||
			w.f.country[1] < 'A' || w.f.country[1] > 'Z')) {
		uccn_ui_error(c, 400, "bad_request", "country",
			"country: '%s' is not a country code (two capital letters)", w.f.country);
		return;
	}
	if (!param_int(c, "year", 1900, 2200, "a year", &w.f.year)) {
		return;
	}
	if (!page_init(c, &page)) {
		return;
	}
	w.page = &page;
	struct uccn_node *node = uccn_ui_node(c->ui);
	int err;
	bool has_words = false;
	for (const char *p = q; p != NULL && *p != '\0'; p++) {
		has_words = has_words || ((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') ||
						 ((*p | 32) >= 'a' && (*p | 32) <= 'z'));
	}
	if (has_words) {
		err = uccn_node_search(node, q, kind, 0, search_one, &w);
	} else {
		err = uccn_node_list(node, kind, false, list_searchable, &w);
	}
	if (err < 0) {
		json_decref(page.items);
		if (err == UCCN_EINVAL) {
			uccn_ui_error(c, 400, "bad_request", "q", "q: nothing to search for");
		} else {
			answer_node_error(c, err, NULL);
		}
		return;
	}
	page_answer(c, &page, "results");
}

/* --- The network ----------------------------------------------------------------------------- */

struct network_walk {
	json_t *members;
	json_t *by_field, *by_country, *by_region;
};

static void count_in(json_t *obj, const char *key) {
	if (key == NULL || key[0] == '\0') {
		return;
	}
	json_t *n = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(n != NULL ? json_integer_value(n) + 1 : 1));
}

static json_t *member_json(const struct uccn_member *m) {
	const char *region = m->country != NULL ? uccn_ui_region(m->country) : NULL;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:o, s:o}", "key",
		hex_json(m->key, UCCN_KEY_BYTES), "city", hex_json(m->city, UCCN_KEY_BYTES), "name",
		or_null(m->name), "country", or_null(m->country), "region", or_null(region),
		"field", or_null(m->field), "year", m->year, "active", m->active, "reason",
		or_null(m->active ? NULL : m->reason), "designated", hlc_json(m->designated_hlc));
}

static int network_member(void *userdata, const struct uccn_member *m) {
	struct network_walk *w = userdata;
	json_array_append_new(w->members, member_json(m));
	if (m->active) {
		count_in(w->by_field, m->field);
		count_in(w->by_country, m->country);
		count_in(w->by_region, m->country != NULL ? uccn_ui_region(m->country) : NULL);
	}
	return 0;
}

static void add_fault(void *userdata, const struct uccn_fault *f) {
	json_array_append_new((json_t *)userdata,
		json_pack("{s:s, s:s}", "code", uccn_err_name(f->err), "message", f->why));
}

struct practice_stats {
	json_t *by_sdg, *by_field;
};

static int count_practice(void *userdata, const struct uccn_record *r) {
	struct practice_stats *s = userdata;
	const struct uccn_value *sdgs = uccn_record_field(r, "sdgs");
	for (size_t i = 0; sdgs != NULL && sdgs->type == UCCN_VALUE_LIST && i < sdgs->count; i++) {
		char n[8];
		snprintf(n, sizeof(n), "%lld", (long long)sdgs->items[i].i);
		count_in(s->by_sdg, n);
	}
	const struct uccn_value *fields = uccn_record_field(r, "fields");
	for (size_t i = 0; fields != NULL && fields->type == UCCN_VALUE_LIST && i < fields->count;
		i++) {
		char f[32];
		copy_value(f, sizeof(f), &fields->items[i]);
		count_in(s->by_field, f);
	}
	return 0;
}

static void route_network(struct uccn_ui_call *c) {
	struct uccn_node *node = uccn_ui_node(c->ui);
	uint8_t net[UCCN_KEY_BYTES];
	uccn_node_network(node, net);
	struct network_walk w = {json_array(), json_object(), json_object(), json_object()};
	int err = uccn_node_registry(node, network_member, &w);
	json_t *head = json_null(), *faults = json_array();
	struct uccn_tree_head h;
	bool have_head = uccn_node_tree_head(node, &h) == UCCN_OK;
	if (have_head) {
		head = json_pack("{s:I, s:o, s:o, s:o, s:o}", "size", (json_int_t)h.size, "root",
			hex_json(h.root, UCCN_HASH_BYTES), "hlc", u64_json(h.hlc), "at",
			at_json(h.hlc >> 16), "seq", u64_json(h.seq));
	}
	int nfaults = have_head ? uccn_node_registry_verify(node, add_fault, faults) : 0;
	struct uccn_bytes cp = {0};
	json_t *checkpoint = json_null();
	if (uccn_node_checkpoint(node, &cp) == UCCN_OK) {
		checkpoint = uccn_cli_json_string((const char *)cp.data, cp.len);
	}
	uccn_bytes_finish(&cp);
	struct uccn_witness_count wc = {0};
	json_t *witnesses = json_null();
	if (uccn_node_checkpoint_witnesses(node, &wc) == UCCN_OK) {
		witnesses = json_pack("{s:I, s:I, s:I}", "cosigned", (json_int_t)wc.cosigned,
			"fields", (json_int_t)wc.fields, "required", (json_int_t)wc.required);
	}
	struct practice_stats ps = {json_object(), json_object()};
	if (err == UCCN_OK) {
		err = uccn_node_list(node, "best_practice", false, count_practice, &ps);
	}
	if (err < 0 || nfaults < 0) {
		json_decref(w.members), json_decref(w.by_field), json_decref(w.by_country);
		json_decref(w.by_region), json_decref(head), json_decref(faults);
		json_decref(checkpoint), json_decref(witnesses), json_decref(ps.by_sdg);
		json_decref(ps.by_field);
		answer_node_error(c, err < 0 ? err : nfaults, NULL);
		return;
	}
	json_t *verification = json_pack("{s:b, s:o, s:o, s:o}", "ok", have_head && nfaults == 0,
		"faults", faults, "checkpoint", checkpoint, "witnesses", witnesses);
	uccn_ui_json(c, 200,
		json_pack("{s:o, s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:{s:o, s:o}}", "network",
			hex_json(net, UCCN_KEY_BYTES), "members", w.members, "counts", "by_field",
			w.by_field, "by_country", w.by_country, "by_region", w.by_region,
			"tree_head", head, "verification", verification, "stats",
			"best_practices_by_sdg", ps.by_sdg, "best_practices_by_field",
			ps.by_field));
}

struct city_walk {
	const uint8_t *key;
	json_t *member;
	json_t *counts;
};

static int find_member(void *userdata, const struct uccn_member *m) {
	struct city_walk *w = userdata;
	if (w->member == NULL && (memcmp(m->city, w->key, UCCN_KEY_BYTES) == 0 ||
					 memcmp(m->key, w->key, UCCN_KEY_BYTES) == 0)) {
		w->member = member_json(m);
	}
	return 0;
}

static int count_city_record(void *userdata, const struct uccn_record *r) {
	struct city_walk *w = userdata;
	if (memcmp(uccn_record_owner(r), w->key, UCCN_KEY_BYTES) == 0) {
		count_in(w->counts, uccn_record_kind(r));
	}
	return 0;
}

static void route_city(struct uccn_ui_call *c, struct names *ns) {
	uint8_t key[UCCN_KEY_BYTES];
	if (!parse_key_text(c->segs[1], key)) {
		uccn_ui_error(c, 404, "not_found", NULL, "'%s' is not a city key", c->segs[1]);
		return;
	}
	struct uccn_node *node = uccn_ui_node(c->ui);
	if (c->nsegs == 3 && strcmp(c->segs[2], "proof") == 0) {
		struct uccn_bytes proof = {0};
		int err = uccn_node_registry_prove(node, key, &proof);
		const char *why = err < 0 ? uccn_node_errmsg(node) : "";
		if (err < 0) {
			uccn_bytes_finish(&proof);
			if (err == UCCN_ENOTMEMBER || err == UCCN_ENOTFOUND) {
				uccn_ui_error(c, 404, "not_found", NULL, "no designation names %s",
					c->segs[1]);
			} else {
				answer_node_error(c, err, why);
			}
			return;
		}
		c->res->status = 200;
		uccn_ui_header(c, "Content-Type", "application/octet-stream");
		char disp[128];
		snprintf(disp, sizeof(disp), "attachment; filename=\"%.16s.proof\"", c->segs[1]);
		uccn_ui_header(c, "Content-Disposition", disp);
		c->res->body = proof;
		return;
	}
	if (c->nsegs != 2) {
		uccn_ui_error(c, 404, "not_found", NULL, "no such route");
		return;
	}
	struct city_walk w = {.key = key, .counts = json_object()};
	int err = uccn_node_registry(node, find_member, &w);
	if (err == UCCN_OK) {
		err = uccn_node_list(node, NULL, false, count_city_record, &w);
	}
	if (err < 0) {
		json_decref(w.member), json_decref(w.counts);
		answer_node_error(c, err, NULL);
		return;
	}
	json_t *city = w.member;
	if (city == NULL) {
		names_load(c, ns);
		if (names_find(ns, key) == NULL) {
			json_decref(w.counts);
			uccn_ui_error(c, 404, "not_found", NULL, "no city has key %s", c->segs[1]);
			return;
		}
		city = city_json(c, ns, key);
	}
	uccn_ui_json(c, 200, json_pack("{s:o, s:o}", "city", city, "records", w.counts));
}

/* --- Events ----------------------------------------------------------------------------------- */

struct event_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	const char *from, *to;
	json_t *events;
};

static int event_one(void *userdata, const struct uccn_record *r) {
	struct event_walk *w = userdata;
	char starts[16] = "", ends[16] = "";
	copy_value(starts, sizeof(starts), uccn_record_field(r, "starts"));
	copy_value(ends, sizeof(ends), uccn_record_field(r, "ends"));
	if (ends[0] == '\0') {
		snprintf(ends, sizeof(ends), "%s", starts);
	}
	/* ISO dates compare as strings. */
	if ((w->to != NULL && strcmp(starts, w->to) > 0) ||
		(w->from != NULL && strcmp(ends, w->from) < 0)) {
		return 0;
	}
	json_array_append_new(w->events, record_json(w->c, w->ns, r));
	return 0;
}

static int by_first_day(const void *a, const void *b) {
	json_t *const *x = a, *const *y = b;
	const char *sx =
		json_string_value(json_object_get(json_object_get(*x, "fields"), "starts"));
	const char *sy =
		json_string_value(json_object_get(json_object_get(*y, "fields"), "starts"));
	return strcmp(sx != NULL ? sx : "", sy != NULL ? sy : "");
}

static bool valid_date(const char *s) {
	int y, m, d;
	char extra;
	return s != NULL && strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= 31;
}

static void route_events(struct uccn_ui_call *c, struct names *ns) {
	char from_buf[32], to_buf[32];
	struct event_walk w = {.c = c, .ns = ns, .events = json_array()};
	w.from = uccn_ui_param(c, "from", from_buf, sizeof(from_buf));
	w.to = uccn_ui_param(c, "to", to_buf, sizeof(to_buf));
	const char *names[2] = {"from", "to"};
	const char *vals[2] = {w.from, w.to};
	for (size_t i = 0; i < 2; i++) {
		if (vals[i] != NULL && !valid_date(vals[i])) {
			json_decref(w.events);
			uccn_ui_error(c, 400, "bad_request", names[i],
				"%s: '%s' is not a date (YYYY-MM-DD)", names[i], vals[i]);
			return;
		}
	}
	struct page page;
	if (!page_init(c, &page)) {
		json_decref(w.events);
		return;
	}
	int err = uccn_node_list(uccn_ui_node(c->ui), "event", false, event_one, &w);
	if (err < 0) {
		json_decref(w.events), json_decref(page.items);
		answer_node_error(c, err, NULL);
		return;
	}
	size_t n = json_array_size(w.events);
	json_t **items = calloc(n + 1, sizeof(*items));
	for (size_t i = 0; items != NULL && i < n; i++) {
		items[i] = json_array_get(w.events, i);
	}
	if (items != NULL) {
		qsort(items, n, sizeof(*items), by_first_day);
		for (size_t i = 0; i < n; i++) {
			if (page_wants(&page)) {
				json_array_append(page.items, items[i]);
			}
		}
	}
	free(items);
	json_decref(w.events);
	page_answer(c, &page, "events");
}

/* --- The node's record of sessions (<uccn/net.h>), for /api/sync and the health view --------- */

/* Every peer's session record, copied (the walk's are borrowed), with a mark for those a
 * remembered peer has claimed. */
struct sessions {
	struct uccn_net_session *s;
	bool *claimed;
	size_t n, cap;
};

static int add_session(void *userdata, const struct uccn_net_session *s) {
	struct sessions *ss = userdata;
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? 2 * ss->cap : 32;
		struct uccn_net_session *a = realloc(ss->s, cap * sizeof(*a));
		if (a == NULL) {
			return UCCN_ENOMEM;
		}
		ss->s = a;
		bool *b = realloc(ss->claimed, cap * sizeof(*b));
		if (b == NULL) {
			return UCCN_ENOMEM;
		}
		ss->claimed = b;
		ss->cap = cap;
	}
	ss->claimed[ss->n] = false;
	ss->s[ss->n++] = *s;
	return 0;
}

static void sessions_finish(struct sessions *ss) {
	free(ss->s);
	free(ss->claimed);
	memset(ss, 0, sizeof(*ss));
}

/* The record of the peer with key (NULL: none known) or, failing that, at address (NULL: any). */
static struct uccn_net_session *session_find(
	struct sessions *ss, const uint8_t *key, const char *address, size_t *at) {
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ss->n; i++) {
			const struct uccn_net_session *s = &ss->s[i];
			bool same = pass == 0 ? key != NULL && s->key_known &&
							memcmp(s->key, key, UCCN_KEY_BYTES) == 0
					      : address != NULL && strcmp(s->address, address) == 0;
			if (same) {
				*at = i;
				return &ss->s[i];
			}
		}
	}
	return NULL;
}

static json_t *ms_json(uint64_t ms) {
	return ms > 0 ? at_json(ms) : json_null();
}

/* How a session ended: a running serve's session still open is "connected"; one a stopped serve
 * never closed, "interrupted". */
static const char *session_state(const struct uccn_net_session *s, bool serving) {
	if (s->live) {
		return serving ? "connected" : "interrupted";
	}
	return s->err != 0 ? "failed" : "ended";
}

/* One session record (the peer's last, or one of the history) as proto/API.md §10 gives it. */
static json_t *session_json(
	struct uccn_ui_call *c, struct names *ns, const struct uccn_net_session *s, bool serving) {
	const struct uccn_net_stats *x = &s->stats;
	json_t *o = json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "city",
		s->key_known ? city_json(c, ns, s->key) : json_null(), "address",
		uccn_cli_json_string(s->address, strlen(s->address)), "direction",
		s->incoming ? "incoming" : "outgoing", "state", session_state(s, serving),
		"started", ms_json(s->started_ms), "ended", ms_json(s->ended_ms), "last_ok",
		ms_json(s->ok_ms), "last_seen", ms_json(s->seen_ms), "sessions",
		(json_int_t)s->sessions, "failures", (json_int_t)s->failures);
	json_t *moved = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "sent",
		(json_int_t)x->sent, "received", (json_int_t)x->received, "applied",
		(json_int_t)x->applied, "held", (json_int_t)x->held, "refused",
		(json_int_t)x->refused, "held_there", (json_int_t)x->held_there, "duplicate",
		(json_int_t)x->duplicate, "error", uccn_cli_json_string(s->error, strlen(s->error)),
		"code", s->err != 0 ? json_string(uccn_err_name(s->err)) : json_null());
	if (o == NULL || moved == NULL || json_object_update(o, moved) < 0) {
		json_decref(o);
		o = NULL;
	}
	json_decref(moved);
	return o;
}

/* --- Sync --------------------------------------------------------------------------------------
 */

struct sync_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	uint64_t own;
	uint64_t most_to_send;
	json_t *peers, *held;
	struct sessions sessions;
	bool serving;
};

static int sync_peer(void *userdata, const struct uccn_peer *p) {
	struct sync_walk *w = userdata;
	uint64_t to_send = w->own > p->ours ? w->own - p->ours : 0;
	if (!p->key_known) {
		to_send = w->own; /* never met: everything waits for it */
	}
	w->most_to_send = to_send > w->most_to_send ? to_send : w->most_to_send;
	size_t at = 0;
	const uint8_t *key = p->key_known ? p->key : p->pinned ? p->pin : NULL;
	const struct uccn_net_session *s = session_find(&w->sessions, key, p->url, &at);
	if (s != NULL) {
		w->sessions.claimed[at] = true;
	}
	json_t *o = json_pack("{s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:s, s:o}", "url", p->url,
		"connected", p->connected, "city",
		p->key_known ? city_json(w->c, w->ns, p->key) : json_null(), "last_contact",
		ms_json(p->last_contact_ms), "ours", u64_json(p->ours), "theirs",
		u64_json(p->theirs), "to_send", u64_json(to_send), "last_error", p->last_error,
		"session", s != NULL ? session_json(w->c, w->ns, s, w->serving) : json_null());
	return o != NULL && json_array_append_new(w->peers, o) == 0 ? 0 : UCCN_ENOMEM;
}

/* A peer this node does not dial (it came to us: a city at the hub) is known by its sessions. */
static int sync_session_peer(struct sync_walk *w, const struct uccn_net_session *s) {
	json_t *o = json_pack("{s:n, s:b, s:o, s:o, s:n, s:n, s:n, s:o, s:o}", "url", "connected",
		s->live && w->serving, "city", city_json(w->c, w->ns, s->key), "last_contact",
		ms_json(s->seen_ms > 0 ? s->seen_ms : s->ended_ms), "ours", "theirs", "to_send",
		"last_error", uccn_cli_json_string(s->error, strlen(s->error)), "session",
		session_json(w->c, w->ns, s, w->serving));
	return o != NULL && json_array_append_new(w->peers, o) == 0 ? 0 : UCCN_ENOMEM;
}

static const char *held_code(int err) {
	switch (err) {
	case UCCN_ENOTMEMBER:
		return "notmember";
	case UCCN_ECHAIN:
		return "chain";
	case UCCN_ENOTFOUND:
		return "waiting";
	case UCCN_EFUTURE:
		return "future";
	case UCCN_EPERM:
		return "perm";
	default:
		return "other";
	}
}

static void sync_held(void *userdata, const struct uccn_apply_result *res) {
	struct sync_walk *w = userdata;
	json_array_append_new(
		w->held, json_pack("{s:o, s:o, s:o, s:s, s:o, s:s, s:s}", "hash",
				 hex_json(res->hash, UCCN_HASH_BYTES), "author",
				 city_json(w->c, w->ns, res->author), "seq", u64_json(res->seq),
				 "kind", res->decoded ? res->kind : "", "id",
				 uccn_cli_json_string(res->id, res->decoded ? strlen(res->id) : 0),
				 "reason", res->why, "code", held_code(res->err)));
}

static void route_sync(struct uccn_ui_call *c, struct names *ns) {
	struct uccn_node *node = uccn_ui_node(c->ui);
	struct uccn_net *net = uccn_ui_net(c->ui);
	if (strcmp(c->req->method, "POST") == 0) {
		size_t n = net != NULL ? uccn_net_redial_now(net) : 0;
		uccn_ui_json(c, 202, json_pack("{s:I}", "dialled", (json_int_t)n));
		return;
	}
	if (strcmp(c->req->method, "GET") != 0) {
		uccn_ui_header(c, "Allow", "GET, POST");
		uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", c->req->method);
		return;
	}
	uint8_t pk[UCCN_KEY_BYTES];
	uccn_node_public_key(node, pk);
	struct sync_walk w = {.c = c,
		.ns = ns,
		.peers = json_array(),
		.held = json_array(),
		.serving = net != NULL};
	int err = uccn_node_count_by(node, pk, &w.own);
	if (err == UCCN_OK) {
		err = uccn_net_session_list(node, add_session, &w.sessions);
	}
	if (err == UCCN_OK) {
		err = uccn_node_peer_list(node, sync_peer, &w);
	}
	for (size_t i = 0; err == UCCN_OK && i < w.sessions.n; i++) {
		if (!w.sessions.claimed[i] && w.sessions.s[i].key_known) {
			err = sync_session_peer(&w, &w.sessions.s[i]);
		}
	}
	sessions_finish(&w.sessions);
	if (err == UCCN_OK) {
		err = uccn_node_held(node, sync_held, &w);
	}
	if (err < 0) {
		json_decref(w.peers), json_decref(w.held);
		answer_node_error(c, err, NULL);
		return;
	}
	size_t sessions = net != NULL ? uccn_net_sessions(net) : 0;
	uccn_ui_json(c, 200,
		json_pack("{s:b, s:I, s:o, s:o, s:o}", "online", sessions > 0, "sessions",
			(json_int_t)sessions, "peers", w.peers, "to_send", u64_json(w.most_to_send),
			"held", w.held));
}

/* --- The Secretariat ---------------------------------------------------------------------------
 */

struct applicant {
	uint8_t key[UCCN_KEY_BYTES];
	size_t held;
};

struct applications {
	struct applicant a[256];
	size_t n;
};

/* Counts the held changes of each author. */
static void count_held_by(void *userdata, const struct uccn_apply_result *res) {
	struct applications *apps = userdata;
	for (size_t i = 0; i < apps->n; i++) {
		if (memcmp(apps->a[i].key, res->author, UCCN_KEY_BYTES) == 0) {
			apps->a[i].held++;
			return;
		}
	}
	if (apps->n < sizeof(apps->a) / sizeof(apps->a[0])) {
		memcpy(apps->a[apps->n].key, res->author, UCCN_KEY_BYTES);
		apps->a[apps->n++].held = 1;
	}
}

/* Counts the changes held because their author is not designated: applications. */
static void note_applicant(void *userdata, const struct uccn_apply_result *res) {
	if (res->err == UCCN_ENOTMEMBER) {
		count_held_by(userdata, res);
	}
}

/* A withdrawn city is not: it may apply again and be designated anew. */
static bool is_designated(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES]) {
	struct city_walk w = {.key = key};
	bool found = uccn_node_registry(node, find_member, &w) == UCCN_OK &&
		     json_is_true(json_object_get(w.member, "active"));
	json_decref(w.member);
	return found;
}

/* One application as the page shows it: the fields of the city record the city sent, null
 * where it gave none. */
static int application_json(void *userdata, const struct uccn_application *a) {
	json_t *o = json_pack("{s:o, s:I, s:b, s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o}}", "key",
		hex_json(a->key, UCCN_KEY_BYTES), "held", (json_int_t)a->held, "withdrawn",
		a->withdrawn, "written", hlc_json(a->hlc), "city", "name", or_null(a->name),
		"country", or_null(a->country), "field", or_null(a->field), "website",
		or_null(a->website), "focal_point", or_null(a->focal_point), "email",
		or_null(a->email));
	return o != NULL && json_array_append_new(userdata, o) == 0 ? 0 : UCCN_ENOMEM;
}

static void route_applications(struct uccn_ui_call *c) {
	json_t *a = json_array();
	int err = a != NULL ? uccn_node_applications(uccn_ui_node(c->ui), application_json, a)
			    : UCCN_ENOMEM;
	if (err < 0) {
		json_decref(a);
		answer_node_error(c, err, NULL);
		return;
	}
	uccn_ui_json(c, 200, json_pack("{s:o}", "applications", a));
}

/* What one applicant sent (copied: the walk's strings are borrowed), for designate's defaults. */
struct sent {
	const uint8_t *key;
	char *text[3]; /* name, country, field */
};

static int find_sent(void *userdata, const struct uccn_application *a) {
	struct sent *s = userdata;
	if (memcmp(a->key, s->key, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	const char *const text[3] = {a->name, a->country, a->field};
	for (size_t i = 0; i < 3; i++) {
		if (text[i] != NULL && text[i][0] != '\0' &&
			(s->text[i] = strdup(text[i])) == NULL) {
			return UCCN_ENOMEM;
		}
	}
	return 1; /* found: the walk stops */
}

static bool body_key(struct uccn_ui_call *c, json_t *body, uint8_t key[UCCN_KEY_BYTES]) {
	const char *text = json_string_value(json_object_get(body, "key"));
	if (!parse_key_text(text, key)) {
		uccn_ui_error(
			c, 422, "schema", "key", "key: expected the city's key (64 hex digits)");
		return false;
	}
	return true;
}

/* Designates key under the name, country and field given (the application's where the body
 * left them out). Owns neither body nor the names. */
static void designate_checked(struct uccn_ui_call *c, json_t *body,
	const uint8_t key[UCCN_KEY_BYTES], const char *name, const char *country,
	const char *field) {
	struct uccn_node *node = uccn_ui_node(c->ui);
	json_t *year_j = json_object_get(body, "year");
	int year = 0;
	if (year_j != NULL && !json_is_integer(year_j)) {
		uccn_ui_error(c, 422, "schema", "year", "year: expected a number");
		return;
	}
	if (year_j != NULL) {
		year = (int)json_integer_value(year_j);
	} else {
		time_t now = (time_t)(uccn_ui_now(c->ui) / 1000);
		struct tm tm;
		gmtime_r(&now, &tm);
		year = tm.tm_year + 1900;
	}
	if (is_designated(node, key)) {
		uccn_ui_error(c, 409, "conflict", "key", "this city is designated already");
		return;
	}
	const char *missing = name == NULL || name[0] == '\0'         ? "name"
			      : country == NULL || country[0] == '\0' ? "country"
			      : field == NULL || field[0] == '\0'     ? "field"
								      : NULL;
	if (missing != NULL) {
		uccn_ui_error(c, 422, "schema", missing, "designation.%s: required", missing);
		return;
	}
	/* Counted before: the designation lets the city's held changes in. */
	struct applications *apps = calloc(1, sizeof(*apps));
	size_t held_before = 0;
	if (apps != NULL && uccn_node_held(node, note_applicant, apps) == UCCN_OK) {
		for (size_t i = 0; i < apps->n; i++) {
			if (memcmp(apps->a[i].key, key, UCCN_KEY_BYTES) == 0) {
				held_before = apps->a[i].held;
			}
		}
	}
	free(apps);
	char why[UCCN_ERRMSG_MAX] = "";
	int err = uccn_node_designate(node, key, name, country, field, year, uccn_ui_now(c->ui));
	if (err < 0) {
		snprintf(why, sizeof(why), "%s", uccn_node_errmsg(node));
	}
	if (err == UCCN_ESCHEMA) {
		char f[UCCN_NAME_MAX + 1];
		const char *fn = field_named(uccn_schema_kind("designation"), why, f, sizeof(f));
		uccn_ui_error(c, 422, "schema", fn, "%s", why);
		return;
	}
	if (err < 0) {
		answer_node_error(c, err, why);
		return;
	}
	uccn_ui_changed(c->ui, "designation");
	struct city_walk w = {.key = key};
	if (uccn_node_registry(node, find_member, &w) < 0 || w.member == NULL) {
		uccn_ui_error(
			c, 500, "internal", NULL, "the designation was written but not found");
		return;
	}
	uccn_ui_json(c, 201,
		json_pack("{s:o, s:I}", "member", w.member, "released", (json_int_t)held_before));
}

static void route_designate(struct uccn_ui_call *c) {
	json_t *body = load_body(c);
	uint8_t key[UCCN_KEY_BYTES];
	if (body == NULL || !body_key(c, body, key)) {
		json_decref(body);
		return;
	}
	/* What the city sent (its held city record) fills what the Secretariat left out. */
	struct sent sent = {.key = key};
	int err = uccn_node_applications(uccn_ui_node(c->ui), find_sent, &sent);
	if (err < 0) {
		answer_node_error(c, err, NULL);
	} else {
		static const char *const names[3] = {"name", "country", "field"};
		const char *given[3];
		for (size_t i = 0; i < 3; i++) {
			given[i] = json_string_value(json_object_get(body, names[i]));
			if (given[i] == NULL || given[i][0] == '\0') {
				given[i] = sent.text[i];
			}
		}
		designate_checked(c, body, key, given[0], given[1], given[2]);
	}
	json_decref(body);
	for (size_t i = 0; i < 3; i++) {
		free(sent.text[i]);
	}
}

static void route_withdraw(struct uccn_ui_call *c) {
	json_t *body = load_body(c);
	uint8_t key[UCCN_KEY_BYTES];
	if (body == NULL || !body_key(c, body, key)) {
		json_decref(body);
		return;
	}
	const char *reason = json_string_value(json_object_get(body, "reason"));
	if (reason == NULL || reason[strspn(reason, " \t\r\n")] == '\0') {
		json_decref(body);
		uccn_ui_error(c, 422, "schema", "reason", "designation.reason: required");
		return;
	}
	struct uccn_node *node = uccn_ui_node(c->ui);
	int err = uccn_node_withdraw(node, key, reason, uccn_ui_now(c->ui));
	const char *why = err < 0 ? uccn_node_errmsg(node) : "";
	json_decref(body);
	if (err < 0) {
		answer_node_error(c, err == UCCN_ENOTMEMBER ? UCCN_ENOTFOUND : err, why);
		return;
	}
	uccn_ui_changed(c->ui, "designation");
	struct city_walk w = {.key = key};
	if (uccn_node_registry(node, find_member, &w) < 0 || w.member == NULL) {
		uccn_ui_error(c, 500, "internal", NULL, "the withdrawal was written but not found");
		return;
	}
	uccn_ui_json(c, 200, json_pack("{s:o}", "member", w.member));
}

struct report_list {
	struct uccn_ui_call *c;
	struct names *ns;
	const char *period;
	json_t *reports; /* record JSON, in the order of owners */
	struct {
		uint8_t owner[UCCN_KEY_BYTES];
	} * owners;
	size_t n, cap;
	json_t *cities;
};

static int collect_report(void *userdata, const struct uccn_record *r) {
	struct report_list *l = userdata;
	char period[16] = "";
	copy_value(period, sizeof(period), uccn_record_field(r, "period"));
	if (strcmp(period, l->period) != 0) {
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *o = realloc(l->owners, cap * sizeof(*l->owners));
		if (o == NULL) {
			return UCCN_ENOMEM;
		}
		l->owners = o;
		l->cap = cap;
	}
	memcpy(l->owners[l->n++].owner, uccn_record_owner(r), UCCN_KEY_BYTES);
	json_array_append_new(l->reports, record_json(l->c, l->ns, r));
	return 0;
}

static int report_member(void *userdata, const struct uccn_member *m) {
	struct report_list *l = userdata;
	if (!m->active) {
		return 0;
	}
	json_t *report = NULL;
	for (size_t i = 0; report == NULL && i < l->n; i++) {
		if (memcmp(l->owners[i].owner, m->key, UCCN_KEY_BYTES) == 0 ||
			memcmp(l->owners[i].owner, m->city, UCCN_KEY_BYTES) == 0) {
			report = json_array_get(l->reports, i);
		}
	}
	json_array_append_new(l->cities,
		json_pack("{s:{s:o, s:o, s:o, s:o}, s:b, s:O}", "city", "key",
			hex_json(m->city, UCCN_KEY_BYTES), "name", or_null(m->name), "country",
			or_null(m->country), "field", or_null(m->field), "filed", report != NULL,
			"report", report != NULL ? report : json_null()));
	return 0;
}

static void route_reports(struct uccn_ui_call *c, struct names *ns) {
	char buf[32], def[32];
	const char *period = uccn_ui_param(c, "period", buf, sizeof(buf));
	if (period == NULL || period[0] == '\0') {
		/* The four years that hold today, counted from 2004 as the network's periods are.
		 */
		time_t now = (time_t)(uccn_ui_now(c->ui) / 1000);
		struct tm tm;
		gmtime_r(&now, &tm);
		int y = tm.tm_year + 1900;
		int start = 2004 + ((y - 2004) / 4) * 4;
		snprintf(def, sizeof(def), "%d-%d", start, start + 4);
		period = def;
	}
	int a, b;
	char extra;
	if (strlen(period) != 9 || sscanf(period, "%4d-%4d%c", &a, &b, &extra) != 2 || b != a + 4) {
		uccn_ui_error(c, 400, "bad_request", "period",
			"period: '%s' is not four years (YYYY-YYYY)", period);
		return;
	}
	struct report_list l = {c, ns, period, json_array(), NULL, 0, 0, json_array()};
	int err = uccn_node_list(uccn_ui_node(c->ui), "report", false, collect_report, &l);
	if (err == UCCN_OK) {
		err = uccn_node_registry(uccn_ui_node(c->ui), report_member, &l);
	}
	json_decref(l.reports);
	free(l.owners);
	if (err < 0) {
		json_decref(l.cities);
		answer_node_error(c, err, NULL);
		return;
	}
	uccn_ui_json(c, 200, json_pack("{s:s, s:o}", "period", period, "cities", l.cities));
}

/* The timeline's length: the latest sessions that ended, with any peer. */
#define HEALTH_TIMELINE_MAX 500

struct health_walk {
	struct uccn_ui_call *c;
	struct names *ns;
	json_t *cities, *timeline;
	struct applications *held;
	struct sessions sessions;
	bool serving;
	uint8_t self[UCCN_KEY_BYTES];
};

/* One row of the table: a city (by its key), its last session in either direction and what
 * is held here from it. */
static int health_row(struct health_walk *w, const uint8_t key[UCCN_KEY_BYTES],
	const struct uccn_net_session *s, bool member) {
	size_t held = 0;
	for (size_t i = 0; i < w->held->n; i++) {
		if (memcmp(w->held->a[i].key, key, UCCN_KEY_BYTES) == 0) {
			held = w->held->a[i].held;
		}
	}
	json_t *o = json_pack("{s:o, s:b, s:o, s:I, s:I, s:o}", "city", city_json(w->c, w->ns, key),
		"member", member, "last_session",
		s != NULL ? session_json(w->c, w->ns, s, w->serving) : json_null(), "held",
		(json_int_t)held, "failures", (json_int_t)(s != NULL ? s->failures : 0),
		"last_error",
		s != NULL ? uccn_cli_json_string(s->error, strlen(s->error)) : json_string(""));
	return o != NULL && json_array_append_new(w->cities, o) == 0 ? 0 : UCCN_ENOMEM;
}

static int health_member(void *userdata, const struct uccn_member *m) {
	struct health_walk *w = userdata;
	if (!m->active) {
		return 0;
	}
	size_t at = 0;
	struct uccn_net_session *s = session_find(&w->sessions, m->key, NULL, &at);
	if (s == NULL) {
		s = session_find(&w->sessions, m->city, NULL, &at);
	}
	if (s != NULL) {
		w->sessions.claimed[at] = true;
	}
	return health_row(w, m->key, s, true);
}

static int health_event(void *userdata, const struct uccn_net_session *s) {
	struct health_walk *w = userdata;
	json_t *o = session_json(w->c, w->ns, s, false);
	if (o == NULL || json_object_set_new(o, "at", ms_json(s->ended_ms)) < 0 ||
		json_object_set_new(o, "event", json_string(s->err != 0 ? "failure" : "session")) <
			0 ||
		json_array_append_new(w->timeline, o) < 0) {
		json_decref(o);
		return UCCN_ENOMEM;
	}
	return 0;
}

/* Every active member city with its last session (never: null), then the other keys that held
 * sessions here (applicants, relays); the timeline is the session history, the latest first. */
static void route_health(struct uccn_ui_call *c, struct names *ns) {
	struct uccn_node *node = uccn_ui_node(c->ui);
	struct health_walk w = {.c = c,
		.ns = ns,
		.cities = json_array(),
		.timeline = json_array(),
		.held = calloc(1, sizeof(struct applications)),
		.serving = uccn_ui_net(c->ui) != NULL};
	uccn_node_public_key(node, w.self);
	int err = w.held == NULL || w.cities == NULL || w.timeline == NULL
			  ? UCCN_ENOMEM
			  : uccn_node_held(node, count_held_by, w.held);
	if (err == UCCN_OK) {
		err = uccn_net_session_list(node, add_session, &w.sessions);
	}
	if (err == UCCN_OK) {
		err = uccn_node_registry(node, health_member, &w);
	}
	for (size_t i = 0; err == UCCN_OK && i < w.sessions.n; i++) {
		const struct uccn_net_session *s = &w.sessions.s[i];
		if (!w.sessions.claimed[i] && s->key_known &&
			memcmp(s->key, w.self, UCCN_KEY_BYTES) != 0) {
			err = health_row(&w, s->key, s, false);
		}
	}
	if (err == UCCN_OK) {
		err = uccn_net_session_history(node, HEALTH_TIMELINE_MAX, health_event, &w);
	}
	sessions_finish(&w.sessions);
	free(w.held);
	if (err < 0) {
		json_decref(w.cities);
		json_decref(w.timeline);
		answer_node_error(c, err, NULL);
		return;
	}
	uccn_ui_json(c, 200, json_pack("{s:o, s:o}", "cities", w.cities, "timeline", w.timeline));
}

/* RFC 4180 quoting; a cell a spreadsheet would run as a formula starts with a quote. */
static int csv_cell(struct uccn_bytes *b, const char *s) {
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
	int err = uccn_bytes_append(b, formula ? "\"'" : "\"", formula ? 2 : 1);
	for (const char *p = s; err == UCCN_OK && *p != '\0'; p++) {
		err = uccn_bytes_append(b, p, *p == '"' ? 0 : 1);
		if (err == UCCN_OK && *p == '"') {
			err = uccn_bytes_append(b, "\"\"", 2);
		}
	}
	return err == UCCN_OK ? uccn_bytes_append(b, "\"", 1) : err;
}

static int csv_member(void *userdata, const struct uccn_member *m) {
	struct uccn_bytes *b = userdata;
	char key[2 * UCCN_KEY_BYTES + 1], city[2 * UCCN_KEY_BYTES + 1], year[16], at[40];
	uccn_text_to_hex(m->key, UCCN_KEY_BYTES, key);
	uccn_text_to_hex(m->city, UCCN_KEY_BYTES, city);
	snprintf(year, sizeof(year), "%d", m->year);
	uccn_ui_format_ms(m->designated_hlc >> 16, at, sizeof(at));
	const char *cells[] = {m->name != NULL ? m->name : "", m->country != NULL ? m->country : "",
		m->field != NULL ? m->field : "", year, m->active ? "active" : "withdrawn", city,
		key, at, m->active || m->reason == NULL ? "" : m->reason};
	int err = UCCN_OK;
	for (size_t i = 0; err == UCCN_OK && i < sizeof(cells) / sizeof(cells[0]); i++) {
		if (i > 0) {
			err = uccn_bytes_append(b, ",", 1);
		}
		if (err == UCCN_OK) {
			err = csv_cell(b, cells[i]);
		}
	}
	return err == UCCN_OK ? uccn_bytes_append(b, "\r\n", 2) : err;
}

static void route_registry_csv(struct uccn_ui_call *c) {
	struct uccn_bytes b = {0};
	static const char head[] = "name,country,field,year,status,city,key,designated,reason\r\n";
	int err = uccn_bytes_append(&b, head, sizeof(head) - 1);
	if (err == UCCN_OK) {
		err = uccn_node_registry(uccn_ui_node(c->ui), csv_member, &b);
	}
	if (err < 0) {
		uccn_bytes_finish(&b);
		answer_node_error(c, err, NULL);
		return;
	}
	c->res->status = 200;
	uccn_ui_header(c, "Content-Type", "text/csv; charset=utf-8");
	uccn_ui_header(c, "Content-Disposition", "attachment; filename=\"registry.csv\"");
	c->res->body = b;
}

static bool method_is(struct uccn_ui_call *c, const char *want) {
	if (strcmp(c->req->method, want) == 0) {
		return true;
	}
	uccn_ui_header(c, "Allow", want);
	uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", c->req->method);
	return false;
}

static void route_secretariat(struct uccn_ui_call *c, struct names *ns) {
	if (!uccn_node_is_secretariat(uccn_ui_node(c->ui))) {
		uccn_ui_error(c, 403, "forbidden", NULL,
			"only the Secretariat's node (the root key) answers this");
		return;
	}
	const char *what = c->nsegs == 2 ? c->segs[1] : "";
	if (strcmp(what, "applications") == 0) {
		if (method_is(c, "GET")) {
			route_applications(c);
		}
	} else if (strcmp(what, "designate") == 0) {
		if (method_is(c, "POST")) {
			route_designate(c);
		}
	} else if (strcmp(what, "withdraw") == 0) {
		if (method_is(c, "POST")) {
			route_withdraw(c);
		}
	} else if (strcmp(what, "reports") == 0) {
		if (method_is(c, "GET")) {
			route_reports(c, ns);
		}
	} else if (strcmp(what, "health") == 0) {
		if (method_is(c, "GET")) {
			route_health(c, ns);
		}
	} else if (strcmp(what, "registry.csv") == 0) {
		if (method_is(c, "GET")) {
			route_registry_csv(c);
		}
	} else {
		uccn_ui_error(c, 404, "not_found", NULL, "no such route");
	}
}

void uccn_ui_api(struct uccn_ui_call *c) {
	struct names ns = {0};
	/* Loaded before any walk: a record handed to a callback is the node's, and reading the
	 * node again inside the callback would overwrite it. */
	names_load(c, &ns);
	const char *first = c->nsegs > 0 ? c->segs[0] : "";
	if (strcmp(first, "records") == 0) {
		route_records(c, &ns);
	} else if (strcmp(first, "secretariat") == 0) {
		route_secretariat(c, &ns);
	} else if (strcmp(first, "sync") == 0 && c->nsegs == 1) {
		route_sync(c, &ns);
	} else if (strcmp(first, "cities") == 0 && (c->nsegs == 2 || c->nsegs == 3)) {
		if (method_is(c, "GET")) {
			route_city(c, &ns);
		}
	} else if (c->nsegs == 1 &&
		   (strcmp(first, "node") == 0 || strcmp(first, "kinds") == 0 ||
			   strcmp(first, "search") == 0 || strcmp(first, "network") == 0 ||
			   strcmp(first, "events") == 0)) {
		if (!method_is(c, "GET")) {
			free(ns.e);
			return;
		}
		if (first[0] == 'n' && first[1] == 'o') {
			route_node(c, &ns);
		} else if (first[0] == 'k') {
			route_kinds(c);
		} else if (first[0] == 's') {
			route_search(c, &ns);
		} else if (first[0] == 'n') {
			route_network(c);
		} else {
			route_events(c, &ns);
		}
	} else {
		uccn_ui_error(c, 404, "not_found", NULL, "no such route");
	}
	free(ns.e);
}
