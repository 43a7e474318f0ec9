/* node_join.c - a node made in no network joins one (PROTOCOL.md §9.1.1). What it signed under
 * the all-zero network names that network in every change, so no node of the network could
 * take it: joining writes the node's own records again, as new changes under the network id,
 * into a new database that takes the old one's place (kept beside it). Nothing else changes:
 * the key, the peers. Membership is still the Secretariat's to give. */
#include "node/node_join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/error_internal.h"
#include "node/node_backup.h"
#include "node/node_internal.h"

/* One of the node's own records, copied out of the store it is leaving. */
struct own_record {
	char kind[UCCN_KIND_MAX + 1];
	char id[UCCN_ID_MAX + 1];
	struct uccn_field fields[UCCN_FIELDS_MAX];
	size_t nfields;
	struct uccn_value items[UCCN_ITEMS_MAX];
	size_t nitems;
};

struct own_records {
	const uint8_t *self;
	struct own_record *rows;
	size_t n, cap;
	int err;
};

static void records_finish(struct own_records *rs) {
	for (size_t i = 0; i < rs->n; i++) {
		struct own_record *r = &rs->rows[i];
		for (size_t f = 0; f < r->nfields; f++) {
			uccn_alloc_free((char *)r->fields[f].name);
			uccn_alloc_free((char *)r->fields[f].value.str);
		}
		for (size_t k = 0; k < r->nitems; k++) {
			uccn_alloc_free((char *)r->items[k].str);
		}
	}
	uccn_alloc_free(rs->rows);
}

static int copy_value(const struct uccn_value *in, struct uccn_value *out) {
	*out = *in;
	out->str = NULL;
	if (in->type == UCCN_VALUE_STR) {
		char *s = uccn_alloc_malloc(in->str_len + 1);
		if (s == NULL) {
			return UCCN_ENOMEM;
		}
		memcpy(s, in->str, in->str_len);
		s[in->str_len] = '\0';
		out->str = s;
	}
	return UCCN_OK;
}

static int collect_own(void *userdata, const struct uccn_record *r) {
	struct own_records *rs = userdata;
	if (memcmp(r->owner, rs->self, UCCN_KEY_BYTES) != 0) {
		return 0; /* another author's: it joins the network by itself, or not at all */
	}
	if (rs->n == rs->cap) {
		struct own_record *rows = uccn_alloc_grow(rs->rows, &rs->cap, 16, sizeof(*rows));
		if (rows == NULL) {
			return UCCN_ENOMEM;
		}
		rs->rows = rows;
	}
	struct own_record *o = &rs->rows[rs->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->kind, sizeof(o->kind), "%s", r->kind);
	snprintf(o->id, sizeof(o->id), "%s", r->id);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct uccn_field *f = &r->fields[i];
		struct uccn_field *c = &o->fields[o->nfields];
		struct uccn_value name = {
			.type = UCCN_VALUE_STR, .str = f->name, .str_len = f->name_len};
		struct uccn_value name_copy;
		if (copy_value(&name, &name_copy) < 0) {
			return UCCN_ENOMEM;
		}
		c->name = name_copy.str;
		c->name_len = f->name_len;
		o->nfields++;
		if (copy_value(&f->value, &c->value) < 0) {
			return UCCN_ENOMEM;
		}
		if (f->value.type == UCCN_VALUE_LIST) {
			c->value.items = &o->items[o->nitems];
			for (size_t k = 0; k < f->value.count; k++) {
				o->nitems++;
				if (copy_value(&f->value.items[k], &o->items[o->nitems - 1]) < 0) {
					return UCCN_ENOMEM;
				}
			}
		}
	}
	return 0;
}

struct peers {
	struct uccn_peer *rows;
	size_t n, cap;
};

static int collect_peer(void *userdata, const struct uccn_peer *p) {
	struct peers *ps = userdata;
	if (ps->n == ps->cap) {
		struct uccn_peer *rows = uccn_alloc_grow(ps->rows, &ps->cap, 8, sizeof(*rows));
		if (rows == NULL) {
			return UCCN_ENOMEM;
		}
		ps->rows = rows;
	}
	ps->rows[ps->n++] = *p;
	return 0;
}

/* The city record first: everything the node writes after it is checked as the city's. */
static int city_first(const void *pa, const void *pb) {
	const struct own_record *a = pa, *b = pb;
	return (strcmp(b->kind, "city") == 0) - (strcmp(a->kind, "city") == 0);
}

/* Writes the records, signed under network, into a new store at path. */
static int write_joined(struct uccn_node *node, const uint8_t network[UCCN_KEY_BYTES],
	struct own_records *rs, const char *path, uint64_t now_ms, char *why, size_t why_len) {
	struct uccn_store *st = NULL;
	struct uccn_changelog *log = NULL;
	unlink(path);
	int err = uccn_store_open(path, true, &st);
	if (err == UCCN_OK) {
		err = uccn_store_begin(st);
	}
	if (err == UCCN_OK &&
		((err = uccn_store_set_meta(st, "key", node->pk, UCCN_KEY_BYTES)) < 0 ||
			(err = uccn_store_set_meta(st, "network", network, UCCN_KEY_BYTES)) < 0 ||
			(err = uccn_changelog_create(st, network, &log)) < 0)) {
		uccn_store_rollback(st);
	}
	if (err == UCCN_OK) {
		uccn_changelog_set_self(log, node->pk);
		struct uccn_apply_result res;
		for (size_t i = 0; i < rs->n && err == UCCN_OK; i++) {
			const struct own_record *r = &rs->rows[i];
			err = uccn_changelog_append(log, node->id, r->kind, node->pk, r->id,
				UCCN_OP_PUT, r->fields, r->nfields, now_ms, &res);
			if (err < 0) {
				uccn_error_set(why, why_len, err, "writing %s %s again: %s",
					r->kind, r->id, res.why);
			}
		}
		if (err == UCCN_OK) {
			err = uccn_store_commit(st);
		} else {
			uccn_store_rollback(st);
		}
	}
	uccn_changelog_destroy(log);
	uccn_store_close(st);
	return err;
}

/* Moves home/name to home/name.before-join, if it exists. */
static int keep_aside(const char *home, const char *name) {
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/%s", home, name);
	snprintf(to, sizeof(to), "%s/%s.before-join", home, name);
	if (rename(from, to) < 0 && errno != ENOENT) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", from);
		return UCCN_EIO;
	}
	return UCCN_OK;
}

static int join(const char *home, const uint8_t network[UCCN_KEY_BYTES], uint64_t now_ms,
	size_t *records, char *why, size_t why_len) {
	struct uccn_node *node = NULL;
	struct own_records rs = {0};
	struct peers ps = {0};
	struct uccn_bytes former = {0};
	char fresh[4096], db[4096];
	snprintf(fresh, sizeof(fresh), "%s/uccn.db.join", home);
	snprintf(db, sizeof(db), "%s/uccn.db", home);
	int err = uccn_node_open(home, &node);
	if (err < 0) {
		return err;
	}
	uint8_t zero[UCCN_KEY_BYTES] = {0};
	if (memcmp(node->network, zero, UCCN_KEY_BYTES) != 0) {
		char hex[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(node->network, UCCN_KEY_BYTES, hex);
		err = uccn_error_set(why, why_len, UCCN_EEXIST,
			"this node is in a network already (%.16s…): a node belongs to one network "
			"for good",
			hex);
		goto out;
	}
	if (!uccn_crypto_is_public_key(network) || memcmp(network, node->pk, UCCN_KEY_BYTES) == 0) {
		err = uccn_error_set(why, why_len, UCCN_EINVAL, "%s",
			memcmp(network, node->pk, UCCN_KEY_BYTES) == 0
				? "that is this node's own key, not a network id"
				: "not a network id (the Secretariat's public key)");
		goto out;
	}
	if (uccn_store_get_meta(node->st, "former", &former) == UCCN_OK && former.len > 0) {
		err = uccn_error_set(why, why_len, UCCN_EINVAL,
			"this node has rotated its key: its records belong to more than one key; "
			"make a new node in the network instead");
		goto out;
	}
	rs.self = node->pk;
	if ((err = uccn_node_list(node, NULL, false, collect_own, &rs)) < 0) {
		goto out;
	}
	if (rs.n > 0) {
		qsort(rs.rows, rs.n, sizeof(*rs.rows), city_first);
	}
	if ((err = write_joined(node, network, &rs, fresh, now_ms, why, why_len)) < 0) {
		unlink(fresh);
		goto out;
	}
	if ((err = uccn_node_peer_list(node, collect_peer, &ps)) < 0) {
		unlink(fresh);
		goto out;
	}
	/* The store is closed before its files move; the old one stays beside the new. */
	uccn_node_close(node);
	node = NULL;
	if ((err = keep_aside(home, "uccn.db")) < 0 ||
		(err = keep_aside(home, "uccn.db-wal")) < 0 ||
		(err = keep_aside(home, "uccn.db-shm")) < 0 ||
		(err = keep_aside(home, "node.head")) < 0) {
		goto out;
	}
	if (rename(fresh, db) < 0) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "moving %s to %s", fresh, db);
		err = UCCN_EIO;
		goto out;
	}
	if (records != NULL) {
		*records = rs.n;
	}
	/* node.head again, for the new chain: opening and committing notes the store's head. */
	if ((err = uccn_node_open(home, &node)) == UCCN_OK &&
		(err = uccn_store_begin(node->st)) == UCCN_OK) {
		err = uccn_node_commit(node);
	}
	/* The peers it remembered, the hub first among them, are the network's too. */
	for (size_t i = 0; i < ps.n && err == UCCN_OK; i++) {
		const struct uccn_peer *p = &ps.rows[i];
		if ((err = uccn_node_peer_add(node, p->url, p->pinned ? p->pin : NULL, p->kinds)) <
			0) {
			uccn_error_set(why, why_len, err, "%s", uccn_node_errmsg(node));
		}
	}
out:
	uccn_alloc_free(ps.rows);
	uccn_bytes_finish(&former);
	records_finish(&rs);
	uccn_node_close(node);
	return err;
}

int uccn_node_join(const char *home, const uint8_t network[UCCN_KEY_BYTES], uint64_t now_ms,
	size_t *records, struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, join(home, network, now_ms, records, why, why_len));
}
