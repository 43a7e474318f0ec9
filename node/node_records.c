/* node_records.c - a node's records API: put, delete, get, list and history, and the one way a
 * local change is written (uccn_node_append, also used by the registry's writes). Glue only: the
 * rules live in changelog.c, merge.c and schema.c; the home and the keys are node.c's. */
#include "node/node_records.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/merge.h"
#include "node/node_backup.h"
#include "node/node_internal.h"
#include "node/schema_internal.h"
#include "node/store.h"
#include "proto/codec.h"

/* Finding a record by kind and id: ids are random, so one owner is the rule; when several own
 * the same id, the node's own record wins. */
struct found {
	bool any;
	bool own;
	bool deleted;
	uint8_t owner[UCCN_KEY_BYTES];
	const uint8_t *self;
};

static int found_row(void *userdata, const struct uccn_store_row *row) {
	struct found *f = userdata;
	bool own = memcmp(row->owner, f->self, UCCN_KEY_BYTES) == 0;
	if (!f->any || (own && !f->own)) {
		memcpy(f->owner, row->owner, UCCN_KEY_BYTES);
		f->deleted = row->deleted;
		f->own = own;
	}
	f->any = true;
	return 0;
}

static int resolve(struct uccn_node *node, const char *kind, const char *id, struct found *f,
	char *why, size_t why_len) {
	memset(f, 0, sizeof(*f));
	f->self = node->pk;
	if (uccn_schema_kind(kind) == NULL) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "unknown kind \"%s\"", kind);
	}
	int err = uccn_store_find_records(node->st, kind, id, found_row, f);
	if (err < 0) {
		return err;
	}
	if (!f->any) {
		return uccn_error_set(why, why_len, UCCN_ENOTFOUND, "no %s with id %s", kind, id);
	}
	return UCCN_OK;
}

int uccn_node_append(struct uccn_node *node, const char *kind, const uint8_t owner[UCCN_KEY_BYTES],
	const char *id, enum uccn_op op, const struct uccn_field *fields, size_t nfields,
	uint64_t now_ms, char *why, size_t why_len) {
	struct uccn_apply_result res;
	/* Checked inside the caller's transaction: another process (a serve catching up) may
	 * have changed what the node holds. */
	int err = uccn_node_check_signing(node, why, why_len);
	if (err < 0) {
		return err;
	}
	err = uccn_changelog_append(
		node->log, node->id, kind, owner, id, op, fields, nfields, now_ms, &res);
	if (err < 0 && res.why[0] != '\0') {
		uccn_error_set(why, why_len, err, "%s", res.why);
	}
	return err;
}

static int write_change(struct uccn_node *node, const char *kind, const uint8_t owner[32],
	const char *id, enum uccn_op op, const struct uccn_field *fields, size_t nfields,
	uint64_t now_ms, char *why, size_t why_len) {
	int err = uccn_store_begin(node->st);
	if (err < 0) {
		return err;
	}
	err = uccn_node_append(node, kind, owner, id, op, fields, nfields, now_ms, why, why_len);
	if (err == UCCN_OK) {
		/* A new record or new editors may let in edits that waited for them. */
		err = uccn_changelog_retry_held(node->log, now_ms, NULL, NULL);
	}
	if (err < 0) {
		uccn_store_rollback(node->st);
		return err;
	}
	return uccn_node_commit(node);
}

static bool mentions(const struct uccn_field *fields, size_t n, const char *name) {
	for (size_t i = 0; i < n; i++) {
		if (fields[i].name_len == strlen(name) &&
			memcmp(fields[i].name, name, fields[i].name_len) == 0) {
			return true;
		}
	}
	return false;
}

/* An edit of one field of a span (an event's ends, say) is checked with the record's other
 * field as it stands here: a receiver checks each change on its own fields only (PROTOCOL.md
 * §9.2), so this is where a record's own node keeps its spans in order. */
struct edit_check {
	const struct uccn_kind_spec *spec;
	const struct uccn_field *fields;
	size_t nfields;
	char *why;
	size_t why_len;
	int err;
};

static int check_edit(void *userdata, const struct uccn_record *r) {
	struct edit_check *e = userdata;
	struct uccn_field all[2 * UCCN_FIELDS_MAX];
	size_t n = e->nfields;
	memcpy(all, e->fields, n * sizeof(all[0]));
	for (size_t i = 0; i < r->nfields && n < sizeof(all) / sizeof(all[0]); i++) {
		bool named = false;
		for (size_t j = 0; j < e->nfields && !named; j++) {
			named = e->fields[j].name_len == r->fields[i].name_len &&
				memcmp(e->fields[j].name, r->fields[i].name,
					r->fields[i].name_len) == 0;
		}
		if (!named) {
			all[n++] = r->fields[i];
		}
	}
	e->err = uccn_schema_validate_together(e->spec, all, n, e->why, e->why_len);
	return 0;
}

static int is_for_secretariat(void *userdata, const struct uccn_record *r) {
	const struct uccn_value *v = uccn_record_field(r, "audience");
	*(bool *)userdata = v != NULL && v->type == UCCN_VALUE_STR &&
			    v->str_len == strlen(UCCN_AUDIENCE_SECRETARIAT) &&
			    memcmp(v->str, UCCN_AUDIENCE_SECRETARIAT, v->str_len) == 0;
	return 0;
}

int uccn_node_put(struct uccn_node *node, const char *kind, const char *id,
	const struct uccn_field *fields, size_t nfields, uint64_t now_ms,
	char out_id[UCCN_ID_MAX + 1]) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	const struct uccn_kind_spec *spec = uccn_schema_kind(kind);
	if (spec == NULL) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "unknown kind \"%s\"", kind);
	}
	if (nfields == 0) {
		return uccn_error_set(why, why_len, UCCN_EINVAL,
			"nothing to change: give at least one field of %s", kind);
	}
	char msg[256];
	for (size_t i = 0; i < nfields; i++) {
		if (uccn_schema_validate_field(spec, &fields[i], msg, sizeof(msg)) < 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA, "%s", msg);
		}
	}
	char self[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, self);
	char new_id[UCCN_ID_MAX + 1];
	const uint8_t *owner = node->pk;
	struct found f;
	if (id == NULL && strcmp(kind, "city") == 0) {
		id = self; /* one city record per city, named by its key */
	}
	if (id == NULL) {
		/* A new record must carry its required fields: a later edit may then touch just
		 * one. */
		for (size_t k = 0; k < spec->nfields; k++) {
			if (!spec->fields[k].required) {
				continue;
			}
			bool given = false;
			for (size_t i = 0; i < nfields && !given; i++) {
				given = fields[i].name_len == strlen(spec->fields[k].name) &&
					memcmp(fields[i].name, spec->fields[k].name,
						fields[i].name_len) == 0 &&
					fields[i].value.type != UCCN_VALUE_NIL;
			}
			if (!given) {
				return uccn_error_set(why, why_len, UCCN_ESCHEMA,
					"%s.%s is required for a new record", kind,
					spec->fields[k].name);
			}
		}
		uint8_t rnd[16];
		uccn_crypto_random(rnd, sizeof(rnd));
		uccn_text_to_hex(rnd, sizeof(rnd), new_id);
		id = new_id;
	} else {
		int err = resolve(node, kind, id, &f, why, why_len);
		if (err < 0) {
			return err;
		}
		owner = f.owner;
		char msg2[256] = "";
		struct edit_check e = {spec, fields, nfields, msg2, sizeof(msg2), UCCN_OK};
		if ((err = uccn_node_get(node, kind, id, check_edit, &e)) < 0) {
			return err;
		}
		if (e.err < 0) {
			return uccn_error_set(why, why_len, e.err, "%s", msg2);
		}
	}
	/* A record marked for the Secretariat stays so: an edit that does not say otherwise keeps
	 * to its feed (PROTOCOL.md §4.5), or the edit would travel to every peer. */
	struct uccn_field with[UCCN_FIELDS_MAX];
	bool keep = false;
	if (id != new_id && !mentions(fields, nfields, "audience") &&
		uccn_schema_field(spec, "audience", 8) != NULL && nfields < UCCN_FIELDS_MAX) {
		int err = uccn_node_get(node, kind, id, is_for_secretariat, &keep);
		if (err < 0) {
			return err;
		}
	}
	if (keep) {
		memcpy(with, fields, nfields * sizeof(fields[0]));
		with[nfields++] = (struct uccn_field){.name = "audience",
			.name_len = 8,
			.value = {.type = UCCN_VALUE_STR,
				.str = UCCN_AUDIENCE_SECRETARIAT,
				.str_len = strlen(UCCN_AUDIENCE_SECRETARIAT)}};
		fields = with;
	}
	int err = write_change(
		node, kind, owner, id, UCCN_OP_PUT, fields, nfields, now_ms, why, why_len);
	if (err == UCCN_OK && out_id != NULL) {
		snprintf(out_id, UCCN_ID_MAX + 1, "%s", id);
	}
	return err;
}

int uccn_node_delete(struct uccn_node *node, const char *kind, const char *id, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	struct found f;
	int err = resolve(node, kind, id, &f, why, why_len);
	if (err < 0) {
		return err;
	}
	if (f.deleted) {
		return uccn_error_set(
			why, why_len, UCCN_ENOTFOUND, "%s %s is already deleted", kind, id);
	}
	return write_change(node, kind, f.owner, id, UCCN_OP_DELETE, NULL, 0, now_ms, why, why_len);
}

struct record_walk {
	struct uccn_node *node;
	uccn_record_fn fn;
	void *userdata;
};

int uccn_node_row_record(
	struct uccn_node *node, const struct uccn_store_row *row, struct uccn_record **out) {
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &node->state) < 0) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the state of %s %s)", row->kind,
			row->id);
		return UCCN_ECORRUPT;
	}
	struct uccn_record *r = &node->record;
	snprintf(r->kind, sizeof(r->kind), "%s", row->kind);
	memcpy(r->owner, row->owner, UCCN_KEY_BYTES);
	snprintf(r->id, sizeof(r->id), "%s", row->id);
	uccn_merge_view(&node->state, r);
	*out = r;
	return UCCN_OK;
}

static int each_record_row(void *userdata, const struct uccn_store_row *row) {
	struct record_walk *w = userdata;
	struct uccn_record *r;
	int err = uccn_node_row_record(w->node, row, &r);
	return err < 0 ? err : w->fn(w->userdata, r);
}

struct first_walk {
	struct record_walk inner;
	const uint8_t *owner;
};

static int only_owner(void *userdata, const struct uccn_store_row *row) {
	struct first_walk *w = userdata;
	if (memcmp(row->owner, w->owner, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	return each_record_row(&w->inner, row);
}

int uccn_node_get(struct uccn_node *node, const char *kind, const char *id, uccn_record_fn fn,
	void *userdata) {
	struct found f;
	int err = resolve(node, kind, id, &f, NULL, 0);
	if (err < 0) {
		return err;
	}
	struct first_walk w = {{node, fn, userdata}, f.owner};
	return uccn_store_find_records(node->st, kind, id, only_owner, &w);
}

int uccn_node_list(struct uccn_node *node, const char *kind, bool with_deleted, uccn_record_fn fn,
	void *userdata) {
	if (kind != NULL && uccn_schema_kind(kind) == NULL) {
		return UCCN_ESCHEMA;
	}
	struct record_walk w = {node, fn, userdata};
	return uccn_store_each_record(node->st, kind, with_deleted, each_record_row, &w);
}

struct change_walk {
	struct uccn_node *node;
	uccn_change_fn fn;
	void *userdata;
};

static int each_change_blob(void *userdata, const uint8_t *data, size_t len) {
	struct change_walk *w = userdata;
	if (uccn_codec_decode_change(data, len, &w->node->change, NULL, 0) < 0) {
		uccn_log(UCCN_LOG_ERROR,
			"the database is damaged (a stored change does not decode)");
		return UCCN_ECORRUPT;
	}
	uint8_t hash[UCCN_HASH_BYTES];
	uccn_crypto_hash(data, len, hash);
	return w->fn(w->userdata, &w->node->change, hash);
}

int uccn_node_history(struct uccn_node *node, const char *kind, const char *id, uccn_change_fn fn,
	void *userdata) {
	struct found f;
	int err = resolve(node, kind, id, &f, NULL, 0);
	if (err < 0) {
		return err;
	}
	struct change_walk w = {node, fn, userdata};
	return uccn_store_each_record_change(node->st, kind, f.owner, id, each_change_blob, &w);
}

struct id_count {
	uccn_id_fn fn;
	void *userdata;
	size_t left;
};

static int count_id(void *userdata, const char *kind, const char *id) {
	struct id_count *c = userdata;
	c->left--;
	return c->fn(c->userdata, kind, id);
}

int uccn_node_match_ids(struct uccn_node *node, const char *kind, const char *prefix,
	size_t limit, uccn_id_fn fn, void *userdata) {
	if (!uccn_schema_is_valid_id(prefix)) {
		return UCCN_EINVAL;
	}
	if (kind != NULL && uccn_schema_kind(kind) == NULL) {
		return UCCN_ESCHEMA;
	}
	size_t nkinds = 0;
	const struct uccn_kind_spec *kinds = uccn_schema_kinds(&nkinds);
	struct id_count c = {fn, userdata, limit};
	int err = UCCN_OK;
	for (size_t i = 0; err == UCCN_OK && i < nkinds && c.left > 0; i++) {
		if (kind == NULL || strcmp(kinds[i].name, kind) == 0) {
			err = uccn_store_match_ids(
				node->st, kinds[i].name, prefix, c.left, count_id, &c);
		}
	}
	return err;
}
