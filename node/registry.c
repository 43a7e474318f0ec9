/* registry.c - membership: the view of who belongs to the network, rebuilt from the root's
 * designation and key records, and the rules for who may write which record. Also checks
 * inclusion proofs of membership with nothing but the network id. */
#include "node/alloc.h"
#include "node/registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/checkpoint.h"
#include "node/crypto.h"
#include "node/error_internal.h"
#include "node/merge.h"
#include "node/merkle.h"
#include "node/schema_internal.h"

static const char *const root_kinds[] = {"designation", "role", "key", "treehead", NULL};

bool uccn_registry_is_root_kind(const char *kind) {
	for (size_t i = 0; root_kinds[i] != NULL; i++) {
		if (strcmp(kind, root_kinds[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* One key the network knows: the city it speaks for and the last sequence it may sign. */
struct entry {
	uint8_t key[UCCN_KEY_BYTES];
	uint8_t city[UCCN_KEY_BYTES]; /* the designation's id: the key the city was designated under
				       */
	uint64_t cutoff;              /* UINT64_MAX: none */
	bool withdrawn;
	size_t order; /* reading order during a reload, so sorting keeps "first" well defined */
};

struct uccn_registry {
	struct uccn_store *st;
	uint8_t root[UCCN_KEY_BYTES];
	bool open; /* no network (all-zero root): records are scoped to their author, nothing more
		    */
	bool has_self;
	struct entry self; /* this node's own key, trusted here before its designation arrives */
	uint8_t former[8][UCCN_KEY_BYTES]; /* keys this node signed with before a rotation */
	size_t nformer;
	struct entry *entries; /* sorted by key */
	size_t n, cap;
	struct uccn_registry_cutoff *cutoffs;
	size_t ncutoffs;
	/* Scratch for decoding records during a reload. */
	struct uccn_state state;
	struct uccn_record record;
};

static int cmp_entry(const void *a, const void *b) {
	return memcmp(
		((const struct entry *)a)->key, ((const struct entry *)b)->key, UCCN_KEY_BYTES);
}

static int cmp_entry_then_order(const void *a, const void *b) {
	const struct entry *x = a, *y = b;
	int c = memcmp(x->key, y->key, UCCN_KEY_BYTES);
	return c != 0 ? c : (x->order < y->order ? -1 : x->order > y->order);
}

static struct entry *find(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	if (r->n == 0) {
		return NULL; /* bsearch on no array at all is undefined */
	}
	struct entry probe;
	memcpy(probe.key, key, UCCN_KEY_BYTES);
	return bsearch(&probe, r->entries, r->n, sizeof(*r->entries), cmp_entry);
}

/* Adds an entry for key. Two records may speak of one key (a designation and a key record):
 * reload merges such duplicates once everything is read, keeping the stricter cut-off. */
static int note(struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES],
	const uint8_t city[UCCN_KEY_BYTES], uint64_t cutoff, bool withdrawn) {
	if (r->n == r->cap) {
		struct entry *e = uccn_alloc_grow(r->entries, &r->cap, 64, sizeof(*e));
		if (e == NULL) {
			return UCCN_ENOMEM;
		}
		r->entries = e;
	}
	struct entry *e = &r->entries[r->n];
	memcpy(e->key, key, UCCN_KEY_BYTES);
	memcpy(e->city, city, UCCN_KEY_BYTES);
	e->cutoff = cutoff;
	e->withdrawn = withdrawn;
	e->order = r->n++;
	return UCCN_OK;
}

/* Folds each run of one key in the sorted entries into its first: the city of the first
 * record read (designations come first), the strictest cut-off. */
static void merge_duplicates(struct uccn_registry *r) {
	size_t out = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (out > 0 &&
			memcmp(r->entries[out - 1].key, r->entries[i].key, UCCN_KEY_BYTES) == 0) {
			struct entry *kept = &r->entries[out - 1];
			if (r->entries[i].cutoff < kept->cutoff) {
				kept->cutoff = r->entries[i].cutoff;
			}
			kept->withdrawn = kept->withdrawn || r->entries[i].withdrawn;
			continue;
		}
		r->entries[out++] = r->entries[i];
	}
	r->n = out;
}

/* Reads a key-valued field (64 hex digits); false when absent or malformed. */
static bool key_field(
	const struct uccn_record *rec, const char *name, uint8_t out[UCCN_KEY_BYTES]) {
	const struct uccn_value *v = uccn_record_field(rec, name);
	char hex[2 * UCCN_KEY_BYTES + 1];
	if (v == NULL || v->type != UCCN_VALUE_STR || v->str_len != 2 * UCCN_KEY_BYTES) {
		return false;
	}
	memcpy(hex, v->str, v->str_len);
	hex[v->str_len] = '\0';
	return uccn_text_from_hex(hex, strlen(hex), out, UCCN_KEY_BYTES) == UCCN_OK;
}

static bool str_field_is(const struct uccn_record *rec, const char *name, const char *want) {
	const struct uccn_value *v = uccn_record_field(rec, name);
	return v != NULL && v->type == UCCN_VALUE_STR && v->str_len == strlen(want) &&
	       memcmp(v->str, want, v->str_len) == 0;
}

static uint64_t cutoff_field(const struct uccn_record *rec) {
	const struct uccn_value *v = uccn_record_field(rec, "cutoff");
	return v != NULL && v->type == UCCN_VALUE_INT && v->i >= 0 ? (uint64_t)v->i : 0;
}

static int view(struct uccn_registry *r, const struct uccn_store_row *row) {
	if (memcmp(row->owner, r->root, UCCN_KEY_BYTES) != 0) {
		return 1; /* only the root's records count; others cannot even be stored */
	}
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &r->state) < 0) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the state of %s %s)", row->kind,
			row->id);
		return UCCN_ECORRUPT;
	}
	memset(&r->record, 0, sizeof(r->record));
	uccn_merge_view(&r->state, &r->record);
	return 0;
}

static int load_designation(void *userdata, const struct uccn_store_row *row) {
	struct uccn_registry *r = userdata;
	int err = view(r, row);
	if (err != 0) {
		return err < 0 ? err : 0;
	}
	uint8_t city[UCCN_KEY_BYTES], current[UCCN_KEY_BYTES];
	if (uccn_text_from_hex(row->id, strlen(row->id), city, UCCN_KEY_BYTES) < 0) {
		return 0; /* not a designation the root's tools write: ignore */
	}
	if (!key_field(&r->record, "city", current)) {
		memcpy(current, city, UCCN_KEY_BYTES);
	}
	bool withdrawn = str_field_is(&r->record, "status", "withdrawn");
	uint64_t cutoff = withdrawn ? cutoff_field(&r->record) : UINT64_MAX;
	if ((err = note(r, current, city, cutoff, withdrawn)) < 0) {
		return err;
	}
	/* The key it was designated under speaks for the city too, until a key record says
	 * otherwise (a rotation or a revocation). */
	if (memcmp(current, city, UCCN_KEY_BYTES) != 0) {
		/* A withdrawal's cut-off counts in the current key's chain; the first key's own end
		 * is the one its key record (the rotation) names. */
		return note(r, city, city, UINT64_MAX, withdrawn);
	}
	return 0;
}

static int load_key(void *userdata, const struct uccn_store_row *row) {
	struct uccn_registry *r = userdata;
	int err = view(r, row);
	if (err != 0) {
		return err < 0 ? err : 0;
	}
	uint8_t key[UCCN_KEY_BYTES], city[UCCN_KEY_BYTES];
	if (uccn_text_from_hex(row->id, strlen(row->id), key, UCCN_KEY_BYTES) < 0 ||
		!key_field(&r->record, "city", city)) {
		return 0;
	}
	bool ended = str_field_is(&r->record, "status", "rotated") ||
		     str_field_is(&r->record, "status", "revoked");
	return note(r, key, city, ended ? cutoff_field(&r->record) : UINT64_MAX, false);
}

int uccn_registry_reload(struct uccn_registry *r) {
	r->n = 0;
	r->ncutoffs = 0;
	if (r->open) {
		return UCCN_OK;
	}
	int err = uccn_store_each_record(r->st, "designation", true, load_designation, r);
	if (err == UCCN_OK) {
		err = uccn_store_each_record(r->st, "key", true, load_key, r);
	}
	if (err < 0) {
		r->n = 0;
		return err;
	}
	if (r->n > 1) {
		qsort(r->entries, r->n, sizeof(*r->entries), cmp_entry_then_order);
		merge_duplicates(r);
	}
	uccn_alloc_free(r->cutoffs);
	r->cutoffs = uccn_alloc_calloc(r->n ? r->n : 1, sizeof(*r->cutoffs));
	if (r->cutoffs == NULL) {
		return UCCN_ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->entries[i].cutoff != UINT64_MAX) {
			memcpy(r->cutoffs[r->ncutoffs].key, r->entries[i].key, UCCN_KEY_BYTES);
			r->cutoffs[r->ncutoffs++].cutoff = r->entries[i].cutoff;
		}
	}
	return UCCN_OK;
}

int uccn_registry_create(
	struct uccn_store *st, const uint8_t root[UCCN_KEY_BYTES], struct uccn_registry **out) {
	struct uccn_registry *r = uccn_alloc_calloc(1, sizeof(*r));
	if (r == NULL) {
		return UCCN_ENOMEM;
	}
	static const uint8_t zero[UCCN_KEY_BYTES];
	r->st = st;
	memcpy(r->root, root, UCCN_KEY_BYTES);
	r->open = memcmp(root, zero, UCCN_KEY_BYTES) == 0;
	int err = uccn_registry_reload(r);
	if (err < 0) {
		uccn_registry_destroy(r);
		return err;
	}
	*out = r;
	return UCCN_OK;
}

void uccn_registry_destroy(struct uccn_registry *r) {
	if (r == NULL) {
		return;
	}
	uccn_alloc_free(r->entries);
	uccn_alloc_free(r->cutoffs);
	uccn_alloc_free(r);
}

void uccn_registry_add_former(struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < r->nformer; i++) {
		if (memcmp(r->former[i], key, UCCN_KEY_BYTES) == 0) {
			return;
		}
	}
	if (r->nformer < sizeof(r->former) / sizeof(r->former[0])) {
		memcpy(r->former[r->nformer++], key, UCCN_KEY_BYTES);
	}
}

static bool is_own_key(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	if (!r->has_self) {
		return false;
	}
	if (memcmp(r->self.key, key, UCCN_KEY_BYTES) == 0) {
		return true;
	}
	for (size_t i = 0; i < r->nformer; i++) {
		if (memcmp(r->former[i], key, UCCN_KEY_BYTES) == 0) {
			return true;
		}
	}
	return false;
}

void uccn_registry_set_self(struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	r->has_self = true;
	memcpy(r->self.key, key, UCCN_KEY_BYTES);
	memcpy(r->self.city, key, UCCN_KEY_BYTES);
	r->self.cutoff = UINT64_MAX;
	r->self.withdrawn = false;
}

bool uccn_registry_note_designation(struct uccn_registry *r, const struct uccn_change *c) {
	/* The common case, a city designated for the first time: one new key, no cut-off. Anything
	 * else (a withdrawal, a rotation, a key record) may move cut-offs: reload in full. */
	if (r->open || c->op != UCCN_OP_PUT || strcmp(c->kind, "designation") != 0) {
		return false;
	}
	uint8_t city[UCCN_KEY_BYTES], current[UCCN_KEY_BYTES];
	char hex[2 * UCCN_KEY_BYTES + 1];
	bool active = false, has_city = false;
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		const struct uccn_value *v = &f->value;
		if (f->name_len == 6 && memcmp(f->name, "status", 6) == 0) {
			active = v->type == UCCN_VALUE_STR && v->str_len == 6 &&
				 memcmp(v->str, "active", 6) == 0;
		} else if (f->name_len == 4 && memcmp(f->name, "city", 4) == 0 &&
			   v->type == UCCN_VALUE_STR && v->str_len == 2 * UCCN_KEY_BYTES) {
			memcpy(hex, v->str, v->str_len);
			hex[v->str_len] = '\0';
			has_city = uccn_text_from_hex(hex, strlen(hex), current, UCCN_KEY_BYTES) ==
				   UCCN_OK;
		}
	}
	if (!active || !has_city ||
		uccn_text_from_hex(c->id, strlen(c->id), city, UCCN_KEY_BYTES) < 0 ||
		memcmp(city, current, UCCN_KEY_BYTES) != 0 || find(r, city) != NULL) {
		return false;
	}
	if (note(r, city, city, UINT64_MAX, false) < 0) {
		return false;
	}
	/* note() appended: move the new entry to its sorted place (find() said it is new). */
	struct entry e = r->entries[r->n - 1];
	size_t at = r->n - 1;
	while (at > 0 && memcmp(r->entries[at - 1].key, e.key, UCCN_KEY_BYTES) > 0) {
		r->entries[at] = r->entries[at - 1];
		at--;
	}
	r->entries[at] = e;
	return true;
}

bool uccn_registry_knows(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	return r->open || memcmp(key, r->root, UCCN_KEY_BYTES) == 0 || find(r, key) != NULL ||
	       is_own_key(r, key);
}

const uint8_t *uccn_registry_key_at(const struct uccn_registry *r, size_t i) {
	return i < r->n ? r->entries[i].key : NULL;
}

bool uccn_registry_city_of(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES],
	uint8_t city[UCCN_KEY_BYTES]) {
	const struct entry *e = find(r, key);
	if (e == NULL) {
		return false;
	}
	memcpy(city, e->city, UCCN_KEY_BYTES);
	return true;
}

bool uccn_registry_is_secretariat(
	const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]) {
	if (r->open) {
		return false;
	}
	if (memcmp(key, r->root, UCCN_KEY_BYTES) == 0) {
		return true;
	}
	const struct entry *e = find(r, key);
	return e != NULL && memcmp(e->city, r->root, UCCN_KEY_BYTES) == 0 &&
	       e->cutoff == UINT64_MAX && !e->withdrawn;
}

bool uccn_registry_may_hold(const struct uccn_registry *r, const uint8_t holder[UCCN_KEY_BYTES],
	const char *feed, const uint8_t author[UCCN_KEY_BYTES]) {
	if (!uccn_schema_feed_is_secretariat(feed) || memcmp(holder, author, UCCN_KEY_BYTES) == 0 ||
		uccn_registry_is_secretariat(r, holder)) {
		return true;
	}
	/* A node knows its own keys before the registry says they are one city (a rotation not
	 * yet confirmed). */
	if (is_own_key(r, holder) && is_own_key(r, author)) {
		return true;
	}
	uint8_t h[UCCN_KEY_BYTES], a[UCCN_KEY_BYTES];
	return uccn_registry_city_of(r, holder, h) && uccn_registry_city_of(r, author, a) &&
	       memcmp(h, a, UCCN_KEY_BYTES) == 0;
}

bool uccn_registry_self(const struct uccn_registry *r, uint8_t key[UCCN_KEY_BYTES]) {
	if (r->has_self) {
		memcpy(key, r->self.key, UCCN_KEY_BYTES);
	}
	return r->has_self;
}

void uccn_registry_cutoffs(
	const struct uccn_registry *r, const struct uccn_registry_cutoff **list, size_t *count) {
	*list = r->cutoffs;
	*count = r->ncutoffs;
}

static bool touches(const struct uccn_change *c, const char *name) {
	size_t len = strlen(name);
	for (size_t i = 0; i < c->nfields; i++) {
		if (c->fields[i].name_len == len && memcmp(c->fields[i].name, name, len) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether the record's current editors include key. */
static bool is_editor(const struct uccn_state *s, const uint8_t key[UCCN_KEY_BYTES]) {
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, hex);
	for (size_t i = 0; i < s->nfields; i++) {
		const struct uccn_field *f = &s->fields[i].field;
		if (f->name_len != 7 || memcmp(f->name, "editors", 7) != 0 ||
			f->value.type != UCCN_VALUE_LIST) {
			continue;
		}
		for (size_t k = 0; k < f->value.count; k++) {
			const struct uccn_value *v = &f->value.items[k];
			if (v->type == UCCN_VALUE_STR && v->str_len == 2 * UCCN_KEY_BYTES &&
				memcmp(v->str, hex, v->str_len) == 0) {
				return true;
			}
		}
	}
	return false;
}

int uccn_registry_authorize(struct uccn_registry *r, const struct uccn_change *c,
	const struct uccn_state *record, char *why, size_t why_len) {
	char author[17], owner[17];
	uccn_text_to_hex(c->author, 8, author);
	uccn_text_to_hex(c->owner, 8, owner);
	bool own = memcmp(c->owner, c->author, UCCN_KEY_BYTES) == 0;
	if (r->open) {
		if (uccn_registry_is_root_kind(c->kind)) {
			snprintf(why, why_len,
				"not permitted: a %s needs a network's Secretariat, and this node "
				"has no "
				"network",
				c->kind);
			return UCCN_EPERM;
		}
		if (!own) {
			snprintf(why, why_len,
				"not permitted: only its owner %s… may change %s %s (author %s…)",
				owner, c->kind, c->id, author);
			return UCCN_EPERM;
		}
		return UCCN_OK;
	}
	if (memcmp(c->author, r->root, UCCN_KEY_BYTES) == 0) {
		/* The Secretariat writes the registry and its own records, and may retract anyone's
		 * record: visibly, as its own signed delete. */
		if (c->op == UCCN_OP_DELETE && uccn_registry_is_root_kind(c->kind)) {
			snprintf(why, why_len,
				"not permitted: a %s is never deleted (a withdrawal or a "
				"revocation is "
				"written instead)",
				c->kind);
			return UCCN_EPERM;
		}
		if (own || c->op == UCCN_OP_DELETE) {
			return UCCN_OK;
		}
		snprintf(why, why_len,
			"not permitted: the Secretariat may retract %s %s but not rewrite it",
			c->kind, c->id);
		return UCCN_EPERM;
	}
	if (uccn_registry_is_root_kind(c->kind)) {
		snprintf(why, why_len,
			"not permitted: only the Secretariat (the network's root key) writes a %s; "
			"%s… is not it",
			c->kind, author);
		return UCCN_EPERM;
	}
	const struct entry *e = find(r, c->author);
	if (e == NULL && r->has_self && memcmp(c->author, r->self.key, UCCN_KEY_BYTES) == 0) {
		/* A city edits at once, designated or not; other nodes hold its changes until the
		 * registry says who it is. */
		e = &r->self;
	}
	if (e == NULL) {
		snprintf(why, why_len,
			"author %s… is not (yet) a member: held until its designation arrives",
			author);
		return UCCN_ENOTMEMBER;
	}
	if (c->seq > e->cutoff) {
		snprintf(why, why_len,
			"not permitted: %s %s… signs no more after change #%llu; this is #%llu",
			e->withdrawn ? "the designation of" : "the key", author,
			(unsigned long long)e->cutoff, (unsigned long long)c->seq);
		return UCCN_EPERM;
	}
	if (own) {
		return UCCN_OK;
	}
	const struct entry *o = find(r, c->owner);
	if (o != NULL && memcmp(o->city, e->city, UCCN_KEY_BYTES) == 0) {
		return UCCN_OK; /* the same city under another of its keys */
	}
	if (is_own_key(r, c->author) && is_own_key(r, c->owner)) {
		return UCCN_OK; /* here, this node's keys are one city even before the Secretariat
				 * confirms a rotation */
	}
	if (record == NULL) {
		snprintf(why, why_len,
			"%s %s of %s… is not here yet: held until it arrives, to see who may edit "
			"it",
			c->kind, c->id, owner);
		return UCCN_ENOTMEMBER;
	}
	if (c->op == UCCN_OP_PUT && !touches(c, "editors") && is_editor(record, c->author)) {
		return UCCN_OK;
	}
	snprintf(why, why_len,
		"not permitted: %s %s belongs to %s…; %s… is neither its owner nor one of its "
		"editors",
		c->kind, c->id, owner, author);
	return UCCN_EPERM;
}

/* --- Proofs, checked with nothing but the network id ------------------------------------ */

static const struct uccn_value *change_field(const struct uccn_change *c, const char *name) {
	size_t len = strlen(name);
	for (size_t i = 0; i < c->nfields; i++) {
		if (c->fields[i].name_len == len && memcmp(c->fields[i].name, name, len) == 0) {
			return &c->fields[i].value;
		}
	}
	return NULL;
}

/* A change the root signed: decoded into c, its signature checked. */
static int root_change(const uint8_t *buf, size_t len, const uint8_t network[UCCN_KEY_BYTES],
	const char *kind, struct uccn_change *c, char *why, size_t why_len) {
	char msg[160];
	if (uccn_codec_decode_change(buf, len, c, msg, sizeof(msg)) < 0) {
		snprintf(why, why_len, "the proof's %s does not decode: %s", kind, msg);
		return UCCN_EPROTO;
	}
	if (memcmp(c->network, network, UCCN_KEY_BYTES) != 0) {
		snprintf(why, why_len, "the proof's %s is from another network", kind);
		return UCCN_ENETWORK;
	}
	if (memcmp(c->author, network, UCCN_KEY_BYTES) != 0 ||
		uccn_crypto_verify(c->sig, c->body, c->body_len, c->author) < 0) {
		snprintf(why, why_len, "the proof's %s is not signed by the network's root key",
			kind);
		return UCCN_EBADSIG;
	}
	if (strcmp(c->kind, kind) != 0 || c->op != UCCN_OP_PUT) {
		snprintf(why, why_len, "the proof's %s is a %s", kind, c->kind);
		return UCCN_EPROTO;
	}
	return UCCN_OK;
}

static int check_proof(const uint8_t *proof, size_t len, const uint8_t network[UCCN_KEY_BYTES],
	struct uccn_proof_result *out, char *why, size_t why_len) {
	char dummy[8];
	if (why == NULL) {
		why = dummy;
		why_len = sizeof(dummy);
	}
	why[0] = '\0';
	int err = uccn_crypto_init();
	if (err < 0) {
		return err;
	}
	struct uccn_proof *p = uccn_alloc_malloc(sizeof(*p));
	struct uccn_change *leaf = uccn_alloc_malloc(sizeof(*leaf));
	struct uccn_change *head = uccn_alloc_malloc(sizeof(*head));
	struct uccn_checkpoint *cp = uccn_alloc_malloc(sizeof(*cp));
	if (p == NULL || leaf == NULL || head == NULL || cp == NULL) {
		err = UCCN_ENOMEM;
		goto out;
	}
	if ((err = uccn_codec_decode_proof(proof, len, p, why, why_len)) < 0) {
		goto out;
	}
	if (memcmp(p->network, network, UCCN_KEY_BYTES) != 0) {
		/* In full: two ids can share any prefix, and a shortened pair could read the same.
		 */
		char theirs[2 * UCCN_KEY_BYTES + 1], ours[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(p->network, UCCN_KEY_BYTES, theirs);
		uccn_text_to_hex(network, UCCN_KEY_BYTES, ours);
		snprintf(why, why_len, "the proof is from another network (%s, not %s)", theirs,
			ours);
		err = UCCN_ENETWORK;
		goto out;
	}
	if ((err = root_change(p->designation, p->designation_len, network, "designation", leaf,
		     why, why_len)) < 0 ||
		(err = root_change(p->head, p->head_len, network, "treehead", head, why, why_len)) <
			0) {
		goto out;
	}
	const struct uccn_value *size = change_field(head, "size");
	const struct uccn_value *root_hex = change_field(head, "root");
	uint8_t root[UCCN_HASH_BYTES];
	char hex[2 * UCCN_HASH_BYTES + 1];
	if (size == NULL || size->type != UCCN_VALUE_INT || size->i < 0 || root_hex == NULL ||
		root_hex->type != UCCN_VALUE_STR || root_hex->str_len != 2 * UCCN_HASH_BYTES) {
		snprintf(why, why_len, "the proof's tree head has no size or root");
		err = UCCN_EPROTO;
		goto out;
	}
	memcpy(hex, root_hex->str, root_hex->str_len);
	hex[root_hex->str_len] = '\0';
	if (uccn_text_from_hex(hex, strlen(hex), root, UCCN_HASH_BYTES) < 0) {
		snprintf(why, why_len, "the proof's tree head root is not a hash");
		err = UCCN_EPROTO;
		goto out;
	}
	/* The checkpoint note (§9.8 element 7) states the same head, signed as any signed-note
	 * tool checks it; the cosignatures it carries are counted by the caller (§9.11). */
	if ((err = uccn_checkpoint_parse(p->note, p->note_len, network, cp, why, why_len)) < 0) {
		goto out;
	}
	if (cp->size != (uint64_t)size->i || memcmp(cp->root, root, UCCN_HASH_BYTES) != 0) {
		snprintf(why, why_len, "the proof's checkpoint is not its tree head");
		err = UCCN_EPROOF;
		goto out;
	}
	uint8_t leaf_hash[UCCN_HASH_BYTES];
	uccn_merkle_leaf_hash(p->designation, p->designation_len, leaf_hash);
	if (uccn_merkle_verify_inclusion(leaf_hash, p->index, (uint64_t)size->i,
		    (const uint8_t(*)[UCCN_HASH_BYTES])p->path, p->npath, root) < 0) {
		snprintf(why, why_len,
			"the designation is not in the registry under that tree head: the path "
			"does "
			"not lead to its root");
		err = UCCN_EPROOF;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->leaf_index = p->index;
	out->head.size = (uint64_t)size->i;
	memcpy(out->head.root, root, UCCN_HASH_BYTES);
	out->head.hlc = head->hlc;
	out->head.seq = head->seq;
	struct uccn_member *m = &out->member;
	if (uccn_text_from_hex(leaf->id, strlen(leaf->id), m->city, UCCN_KEY_BYTES) < 0) {
		snprintf(why, why_len, "the designation's id is not a key");
		err = UCCN_EPROTO;
		goto out;
	}
	memcpy(m->key, m->city, UCCN_KEY_BYTES);
	const struct uccn_value *v;
	if ((v = change_field(leaf, "city")) != NULL && v->type == UCCN_VALUE_STR &&
		v->str_len == 2 * UCCN_KEY_BYTES) {
		memcpy(hex, v->str, v->str_len);
		hex[v->str_len] = '\0';
		if (uccn_text_from_hex(hex, strlen(hex), m->key, UCCN_KEY_BYTES) < 0) {
			memcpy(m->key, m->city, UCCN_KEY_BYTES);
		}
	}
	static const char *const names[] = {"name", "country", "field", "reason"};
	char *dest[] = {out->name, out->country, out->field, out->reason};
	size_t caps[] = {
		sizeof(out->name), sizeof(out->country), sizeof(out->field), sizeof(out->reason)};
	for (size_t i = 0; i < 4; i++) {
		v = change_field(leaf, names[i]);
		if (v != NULL && v->type == UCCN_VALUE_STR) {
			snprintf(dest[i], caps[i], "%.*s", (int)v->str_len, v->str);
		}
	}
	m->name = out->name;
	m->country = out->country;
	m->field = out->field;
	m->reason = out->reason[0] != '\0' ? out->reason : NULL;
	m->designated_hlc = leaf->hlc;
	if ((v = change_field(leaf, "year")) != NULL && v->type == UCCN_VALUE_INT) {
		m->year = (int)v->i;
	}
	if ((v = change_field(leaf, "cutoff")) != NULL && v->type == UCCN_VALUE_INT) {
		m->cutoff = (uint64_t)v->i;
	}
	v = change_field(leaf, "status");
	m->active = v != NULL && v->type == UCCN_VALUE_STR && v->str_len == 6 &&
		    memcmp(v->str, "active", 6) == 0;
	if (!m->active) {
		snprintf(why, why_len, "%s's designation in this proof is withdrawn", out->name);
		err = UCCN_ENOTMEMBER;
		goto out;
	}
	err = UCCN_OK;
out:
	uccn_alloc_free(p);
	uccn_alloc_free(leaf);
	uccn_alloc_free(head);
	uccn_alloc_free(cp);
	return err;
}

int uccn_registry_check_proof(const uint8_t *proof, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_proof_result *out,
	struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, check_proof(proof, len, network, out, why, why_len));
}

static int check_evidence(const char *text, size_t len, const uint8_t network[UCCN_KEY_BYTES],
	struct uccn_split_view_result *out, char *why, size_t why_len) {
	int err = uccn_crypto_init();
	struct uccn_split_view *ev = uccn_alloc_malloc(sizeof(*ev));
	if (err == UCCN_OK && ev == NULL) {
		err = UCCN_ENOMEM;
	}
	if (err == UCCN_OK && (err = uccn_checkpoint_evidence_check(
				       text, len, network, ev, why, why_len)) == UCCN_OK) {
		out->size[0] = ev->a.size;
		out->size[1] = ev->b.size;
		memcpy(out->root[0], ev->a.root, UCCN_HASH_BYTES);
		memcpy(out->root[1], ev->b.root, UCCN_HASH_BYTES);
	}
	uccn_alloc_free(ev);
	return err;
}

int uccn_registry_check_evidence(const char *text, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_split_view_result *out,
	struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, check_evidence(text, len, network, out, why, why_len));
}

int uccn_registry_proof_witnesses(const uint8_t *proof, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], uint8_t (*keys)[UCCN_KEY_BYTES], size_t max) {
	int err = uccn_crypto_init();
	struct uccn_proof *p = uccn_alloc_malloc(sizeof(*p));
	struct uccn_checkpoint *cp = uccn_alloc_malloc(sizeof(*cp));
	struct uccn_cosig *cosigs = uccn_alloc_calloc(UCCN_NOTE_SIGS_MAX, sizeof(*cosigs));
	if (err == UCCN_OK && (p == NULL || cp == NULL || cosigs == NULL)) {
		err = UCCN_ENOMEM;
	}
	if (err == UCCN_OK &&
		(uccn_codec_decode_proof(proof, len, p, NULL, 0) < 0 ||
			uccn_checkpoint_parse(p->note, p->note_len, network, cp, NULL, 0) < 0)) {
		err = UCCN_EPROTO;
	}
	if (err == UCCN_OK) {
		size_t n = uccn_checkpoint_witnesses(network, cp, cosigs, UCCN_NOTE_SIGS_MAX);
		for (size_t i = 0; i < n && i < max; i++) {
			memcpy(keys[i], cosigs[i].pk, UCCN_KEY_BYTES);
		}
		err = (int)n;
	}
	uccn_alloc_free(p);
	uccn_alloc_free(cp);
	uccn_alloc_free(cosigs);
	return err;
}

int uccn_registry_proof_note(const uint8_t *proof, size_t len, struct uccn_bytes *note) {
	struct uccn_proof *p = uccn_alloc_malloc(sizeof(*p));
	int err = p == NULL ? UCCN_ENOMEM : uccn_codec_decode_proof(proof, len, p, NULL, 0);
	if (err == UCCN_OK) {
		err = uccn_bytes_append(note, p->note, p->note_len);
	}
	uccn_alloc_free(p);
	return err;
}
