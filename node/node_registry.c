/* node_registry.c - the Secretariat's registry on a node: designations, withdrawals, roles,
 * key rotation and revocation (written by the root only), signed tree heads over the registry's
 * Merkle tree, its verification, and inclusion proofs of membership. Glue: the membership rules
 * live in registry.c, the tree in merkle.c. */
#include "node/node_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/registry.h>
#include <uccn/schema.h>

#include "node/checkpoint.h"
#include "node/merge.h"
#include "node/registry_internal.h"
#include "node/witness_http.h"

#define HEX_KEY (2 * UCCN_KEY_BYTES + 1)

bool uccn_node_is_secretariat(const struct uccn_node *node) {
	static const uint8_t zero[UCCN_KEY_BYTES];
	return memcmp(node->network, zero, UCCN_KEY_BYTES) != 0 &&
	       memcmp(node->network, node->pk, UCCN_KEY_BYTES) == 0;
}

static int must_be_root(struct uccn_node *node, char *why, size_t why_len) {
	if (uccn_node_is_secretariat(node)) {
		return UCCN_OK;
	}
	uccn_node_set_why(why, why_len,
		"not permitted: only the Secretariat's node (the network's root key) writes the "
		"registry");
	return UCCN_EPERM;
}

/* --- Reading the root's chain ---------------------------------------------------------- */

void uccn_node_scan_reset(struct uccn_node *node) {
	struct uccn_registry_scan *sc = &node->scan;
	sc->through_seq = 0;
	sc->nleaves = 0;
	sc->frontier.n = 0;
	sc->nheads = 0;
	sc->ndesignations = 0;
	if (sc->designations != NULL) {
		memset(sc->designations, 0, sc->designation_slots * sizeof(*sc->designations));
	}
}

static struct uccn_designation_slot *designation_slot(
	struct uccn_designation_slot *slots, size_t nslots, const uint8_t id[UCCN_KEY_BYTES]) {
	/* Keys are uniformly random: their first bytes are a good hash. */
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	for (size_t i = (size_t)(h % nslots);; i = (i + 1) % nslots) {
		if (!slots[i].used || memcmp(slots[i].id, id, UCCN_KEY_BYTES) == 0) {
			return &slots[i];
		}
	}
}

/* Notes leaf as the newest designation of id. */
static int note_designation(
	struct uccn_registry_scan *sc, const uint8_t id[UCCN_KEY_BYTES], size_t leaf) {
	if (2 * (sc->ndesignations + 1) > sc->designation_slots) {
		/* Keep the table at most half full so probes stay short. */
		size_t nslots = sc->designation_slots ? 2 * sc->designation_slots : 64;
		struct uccn_designation_slot *slots = calloc(nslots, sizeof(*slots));
		if (slots == NULL) {
			return UCCN_ENOMEM;
		}
		for (size_t i = 0; i < sc->designation_slots; i++) {
			if (sc->designations[i].used) {
				*designation_slot(slots, nslots, sc->designations[i].id) =
					sc->designations[i];
			}
		}
		free(sc->designations);
		sc->designations = slots;
		sc->designation_slots = nslots;
	}
	struct uccn_designation_slot *slot =
		designation_slot(sc->designations, sc->designation_slots, id);
	if (!slot->used) {
		slot->used = true;
		memcpy(slot->id, id, UCCN_KEY_BYTES);
		sc->ndesignations++;
	}
	slot->leaf = leaf;
	return UCCN_OK;
}

/* The newest leaf of the designation with id, or SIZE_MAX. */
static size_t designation_leaf(
	const struct uccn_registry_scan *sc, const uint8_t id[UCCN_KEY_BYTES]) {
	if (sc->designation_slots == 0) {
		return SIZE_MAX;
	}
	const struct uccn_designation_slot *slot =
		designation_slot(sc->designations, sc->designation_slots, id);
	return slot->used ? slot->leaf : SIZE_MAX;
}

static bool is_leaf_kind(const char *kind) {
	return strcmp(kind, "designation") == 0 || strcmp(kind, "key") == 0;
}

static int int_field(const struct uccn_change *c, const char *name, uint64_t *out) {
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		if (f->name_len == strlen(name) && memcmp(f->name, name, f->name_len) == 0 &&
			f->value.type == UCCN_VALUE_INT && f->value.i >= 0) {
			*out = (uint64_t)f->value.i;
			return UCCN_OK;
		}
	}
	return UCCN_ENOTFOUND;
}

static int hex_field(const struct uccn_change *c, const char *name, uint8_t out[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		if (f->name_len == strlen(name) && memcmp(f->name, name, f->name_len) == 0 &&
			f->value.type == UCCN_VALUE_STR && f->value.str_len == 2 * UCCN_KEY_BYTES) {
			char hex[HEX_KEY];
			memcpy(hex, f->value.str, f->value.str_len);
			hex[f->value.str_len] = '\0';
			return uccn_crypto_from_hex(hex, out, UCCN_KEY_BYTES);
		}
	}
	return UCCN_ENOTFOUND;
}

/* The checkpoint signature of a tree head (§9.7): base64 of key ID and signature. */
static bool note_field(const struct uccn_change *c, uint8_t out[UCCN_NOTE_SIG_BYTES]) {
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		size_t len = 0;
		if (f->name_len == 9 && memcmp(f->name, "signature", 9) == 0 &&
			f->value.type == UCCN_VALUE_STR &&
			uccn_crypto_from_base64(f->value.str, f->value.str_len, out,
				UCCN_NOTE_SIG_BYTES, &len) == UCCN_OK &&
			len == UCCN_NOTE_SIG_BYTES) {
			return true;
		}
	}
	return false;
}

static int scan_change(void *userdata, const uint8_t *data, size_t len) {
	struct uccn_node *node = userdata;
	struct uccn_registry_scan *sc = &node->scan;
	struct uccn_change *c = &node->change;
	if (uccn_codec_decode_change(data, len, c, NULL, 0) < 0) {
		uccn_log(UCCN_LOG_ERROR,
			"the database is damaged (a stored change does not decode)");
		return UCCN_ECORRUPT;
	}
	sc->through_seq = c->seq;
	if (is_leaf_kind(c->kind)) {
		if (sc->nleaves == sc->cap) {
			size_t cap = sc->cap ? 2 * sc->cap : 256;
			uint8_t(*leaves)[UCCN_HASH_BYTES] =
				realloc(sc->leaves, cap * sizeof(*leaves));
			if (leaves == NULL) {
				return UCCN_ENOMEM;
			}
			sc->leaves = leaves;
			uint64_t *seqs = realloc(sc->leaf_seq, cap * sizeof(*seqs));
			if (seqs == NULL) {
				return UCCN_ENOMEM;
			}
			sc->leaf_seq = seqs;
			sc->cap = cap;
		}
		uccn_merkle_leaf_hash(data, len, sc->leaves[sc->nleaves]);
		uccn_merkle_frontier_push(&sc->frontier, sc->leaves[sc->nleaves]);
		uint8_t id[UCCN_KEY_BYTES];
		if (strcmp(c->kind, "designation") == 0 &&
			uccn_crypto_from_hex(c->id, id, UCCN_KEY_BYTES) == UCCN_OK) {
			int err = note_designation(sc, id, sc->nleaves);
			if (err < 0) {
				return err;
			}
		}
		sc->leaf_seq[sc->nleaves++] = c->seq;
	} else if (strcmp(c->kind, "treehead") == 0 && c->op == UCCN_OP_PUT) {
		struct uccn_tree_head h = {.hlc = c->hlc, .seq = c->seq};
		if (int_field(c, "size", &h.size) < 0 || hex_field(c, "root", h.root) < 0) {
			return UCCN_OK; /* the schema makes this impossible; verify reports it */
		}
		if (sc->nheads == sc->heads_cap) {
			size_t cap = sc->heads_cap ? 2 * sc->heads_cap : 16;
			struct uccn_tree_head *heads = realloc(sc->heads, cap * sizeof(*heads));
			if (heads == NULL) {
				return UCCN_ENOMEM;
			}
			sc->heads = heads;
			struct uccn_head_note *notes = realloc(sc->notes, cap * sizeof(*notes));
			if (notes == NULL) {
				return UCCN_ENOMEM;
			}
			sc->notes = notes;
			sc->heads_cap = cap;
		}
		sc->notes[sc->nheads].has = note_field(c, sc->notes[sc->nheads].sig);
		sc->heads[sc->nheads++] = h;
	}
	return UCCN_OK;
}

/* Brings the scan up to the root's newest applied change. */
static int scan_root(struct uccn_node *node) {
	int err = uccn_store_each_author_change(
		node->st, node->network, node->scan.through_seq + 1, scan_change, node);
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

/* --- Writing the registry (the root only) ---------------------------------------------- */

static struct uccn_field str_field(const char *name, const char *value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_STR, .str = value, .str_len = strlen(value)}};
}

static struct uccn_field int_value(const char *name, int64_t value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_INT, .i = value}};
}

static struct uccn_field nil_field(const char *name) {
	return (struct uccn_field){
		.name = name, .name_len = strlen(name), .value = {.type = UCCN_VALUE_NIL}};
}

void uccn_node_tree_head_fields(struct uccn_node *node, uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], struct uccn_tree_head_fields *out) {
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	uccn_crypto_to_hex(root, UCCN_HASH_BYTES, out->root_hex);
	uccn_checkpoint_sign(node->id, node->network, size, root, sig);
	uccn_crypto_to_base64(sig, sizeof(sig), out->sig_b64);
	out->fields[0] = int_value("size", (int64_t)size);
	out->fields[1] = str_field("root", out->root_hex);
	out->fields[2] = str_field("signature", out->sig_b64);
}

/* Signs a tree head over every registry change so far: the last step of each registry write. */
static int sign_tree_head(struct uccn_node *node, uint64_t now_ms, char *why, size_t why_len) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	uint8_t root[UCCN_HASH_BYTES];
	uccn_merkle_frontier_root(&node->scan.frontier, root);
	struct uccn_tree_head_fields hf;
	uccn_node_tree_head_fields(node, node->scan.nleaves, root, &hf);
	return uccn_node_append(node, "treehead", node->pk, "registry", UCCN_OP_PUT, hf.fields,
		UCCN_TREE_HEAD_FIELDS, now_ms, why, why_len);
}

/* One registry write: the changes, then a tree head, in one transaction. */
struct registry_change {
	const char *kind;
	char id[UCCN_ID_MAX + 1];
	struct uccn_field fields[10];
	size_t nfields;
};

static int write_registry(struct uccn_node *node, struct registry_change *changes, size_t n,
	uint64_t now_ms, char *why, size_t why_len) {
	/* Only designations and key records are leaves: a role changes no tree, so it gets no new
	 * head. */
	bool grows = false;
	for (size_t i = 0; i < n; i++) {
		grows = grows || is_leaf_kind(changes[i].kind);
	}
	int err = uccn_store_begin(node->st);
	if (err < 0) {
		return err;
	}
	for (size_t i = 0; i < n && err == UCCN_OK; i++) {
		err = uccn_node_append(node, changes[i].kind, node->pk, changes[i].id, UCCN_OP_PUT,
			changes[i].fields, changes[i].nfields, now_ms, why, why_len);
	}
	if (err == UCCN_OK && grows) {
		err = sign_tree_head(node, now_ms, why, why_len);
	}
	if (err == UCCN_OK) {
		/* A designation lets in what its city wrote before it arrived. */
		err = uccn_changelog_retry_held(node->log, now_ms, NULL, NULL);
	}
	if (err == UCCN_OK) {
		err = uccn_node_commit(node);
	} else {
		uccn_store_rollback(node->st);
	}
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

int uccn_node_registry_sign_checkpoint(
	struct uccn_node *node, uint64_t now_ms, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0 || (err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = sign_tree_head(node, now_ms, why, why_len);
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
	}
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

/* A designation as the store holds it now. */
struct designation {
	bool found;
	char id[HEX_KEY];             /* the key the city was designated under */
	uint8_t city[UCCN_KEY_BYTES]; /* its current key */
	char name[256], country[3], field[32], status[16], reason[512];
	int64_t year;
	int64_t cutoff; /* -1: none */
	uint64_t created_hlc;
};

static void copy_str(const struct uccn_record *r, const char *name, char *out, size_t out_len) {
	const struct uccn_value *v = uccn_record_field(r, name);
	out[0] = '\0';
	if (v != NULL && v->type == UCCN_VALUE_STR) {
		snprintf(out, out_len, "%.*s", (int)v->str_len, v->str);
	}
}

/* Reads a designation row of the root's into d: 1 when it is one, 0 when the row is not the
 * root's or not a designation uccn writes, or a negative code. */
static int read_designation(
	struct uccn_node *node, const struct uccn_store_row *row, struct designation *d) {
	memset(d, 0, sizeof(*d));
	if (memcmp(row->owner, node->network, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	if (uccn_codec_decode_state(row->state, row->state_len, &node->state) < 0) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the state of designation %s)",
			row->id);
		return UCCN_ECORRUPT;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_record *r = &node->record;
	char cur[HEX_KEY];
	copy_str(r, "city", cur, sizeof(cur));
	snprintf(d->id, sizeof(d->id), "%s", row->id);
	if (uccn_crypto_from_hex(cur, d->city, UCCN_KEY_BYTES) < 0 &&
		uccn_crypto_from_hex(row->id, d->city, UCCN_KEY_BYTES) < 0) {
		return 0;
	}
	copy_str(r, "name", d->name, sizeof(d->name));
	copy_str(r, "country", d->country, sizeof(d->country));
	copy_str(r, "field", d->field, sizeof(d->field));
	copy_str(r, "status", d->status, sizeof(d->status));
	copy_str(r, "reason", d->reason, sizeof(d->reason));
	const struct uccn_value *y = uccn_record_field(r, "year");
	d->year = y != NULL && y->type == UCCN_VALUE_INT ? y->i : 0;
	const struct uccn_value *cut = uccn_record_field(r, "cutoff");
	d->cutoff = cut != NULL && cut->type == UCCN_VALUE_INT ? cut->i : -1;
	d->created_hlc = r->created_hlc;
	d->found = true;
	return 1;
}

struct find_designation {
	struct uccn_node *node;
	const uint8_t *key;
	struct designation *out;
};

static int match_designation(void *userdata, const struct uccn_store_row *row) {
	struct find_designation *fd = userdata;
	struct designation d;
	int got = read_designation(fd->node, row, &d);
	if (got <= 0) {
		return got;
	}
	char want[HEX_KEY];
	uccn_crypto_to_hex(fd->key, UCCN_KEY_BYTES, want);
	if (strcmp(d.id, want) != 0 && memcmp(d.city, fd->key, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	*fd->out = d;
	return 1;
}

/* The designation naming key, either as the key it was designated under or as its current
 * key. */
static int find_designation(
	struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], struct designation *out) {
	memset(out, 0, sizeof(*out));
	/* By id through the index: the key it was designated under, or, for a key that took
	 * over after a rotation, the city the registry says it speaks for. */
	uint8_t city[UCCN_KEY_BYTES];
	memcpy(city, key, UCCN_KEY_BYTES);
	for (int attempt = 0; attempt < 2; attempt++) {
		char id[HEX_KEY];
		int64_t rid;
		uccn_crypto_to_hex(city, UCCN_KEY_BYTES, id);
		struct uccn_bytes state = {0};
		int err = uccn_store_get_state(
			node->st, "designation", node->network, id, &rid, &state);
		if (err == UCCN_OK) {
			struct uccn_store_row row = {.kind = "designation",
				.owner = node->network,
				.id = id,
				.state = state.data,
				.state_len = state.len};
			struct find_designation fd = {node, key, out};
			err = match_designation(&fd, &row);
			uccn_bytes_finish(&state);
			return err < 0 ? err : UCCN_OK;
		}
		uccn_bytes_finish(&state);
		if (err != UCCN_ENOTFOUND) {
			return err;
		}
		if (attempt > 0 || !uccn_changelog_city_of(node->log, key, city) ||
			memcmp(city, key, UCCN_KEY_BYTES) == 0) {
			break;
		}
	}
	return UCCN_OK;
}

/* The full designation as one change: every designation change states it whole, so that a
 * single change (a leaf of the registry) proves a membership on its own. */
static void designation_change(struct registry_change *rc, const struct designation *d,
	const char *city_hex, const char *status, const char *reason, int64_t cutoff) {
	memset(rc, 0, sizeof(*rc));
	rc->kind = "designation";
	snprintf(rc->id, sizeof(rc->id), "%s", d->id);
	size_t n = 0;
	rc->fields[n++] = str_field("city", city_hex);
	rc->fields[n++] = str_field("name", d->name);
	rc->fields[n++] = str_field("country", d->country);
	rc->fields[n++] = str_field("field", d->field);
	rc->fields[n++] = int_value("year", d->year);
	rc->fields[n++] = str_field("status", status);
	rc->fields[n++] = reason != NULL ? str_field("reason", reason) : nil_field("reason");
	rc->fields[n++] = cutoff >= 0 ? int_value("cutoff", cutoff) : nil_field("cutoff");
	rc->nfields = n;
}

int uccn_node_designate(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *name, const char *country, const char *field, int year, uint64_t now_ms,
	char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	if (memcmp(city, node->network, UCCN_KEY_BYTES) == 0) {
		uccn_node_set_why(
			why, why_len, "the network's root key is the Secretariat's, not a city's");
		return UCCN_EINVAL;
	}
	struct designation d;
	if ((err = find_designation(node, city, &d)) < 0) {
		return err;
	}
	if (d.found && strcmp(d.status, "active") == 0) {
		uccn_node_set_why(why, why_len, "%s is already designated", d.name);
		return UCCN_EEXIST;
	}
	char hex[HEX_KEY];
	uccn_crypto_to_hex(city, UCCN_KEY_BYTES, hex);
	if (!d.found) {
		snprintf(d.id, sizeof(d.id), "%s", hex);
	}
	snprintf(d.name, sizeof(d.name), "%s", name != NULL ? name : "");
	snprintf(d.country, sizeof(d.country), "%s", country != NULL ? country : "");
	snprintf(d.field, sizeof(d.field), "%s", field != NULL ? field : "");
	d.year = year;
	struct registry_change rc;
	designation_change(&rc, &d, hex, "active", NULL, -1);
	/* The same checks a receiving node makes, with messages that name the option. */
	const struct uccn_kind_spec *spec = uccn_schema_kind("designation");
	for (size_t i = 0; i < rc.nfields; i++) {
		if ((err = uccn_schema_check_field(spec, &rc.fields[i], why, why_len)) < 0) {
			return err;
		}
		if (rc.fields[i].value.type == UCCN_VALUE_STR && rc.fields[i].value.str_len == 0) {
			uccn_node_set_why(
				why, why_len, "designation.%s is required", rc.fields[i].name);
			return UCCN_ESCHEMA;
		}
	}
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

int uccn_node_withdraw(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *reason, uint64_t now_ms, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	struct designation d;
	if ((err = find_designation(node, city, &d)) < 0) {
		return err;
	}
	if (!d.found || strcmp(d.status, "active") != 0) {
		uccn_node_set_why(why, why_len, "no active designation for that key");
		return UCCN_ENOTMEMBER;
	}
	/* The cut-off is what this node holds of the city now: what the Secretariat has seen
	 * stays, whatever the city signs later does not. */
	struct uccn_store_head head;
	if ((err = uccn_store_get_head(node->st, d.city, &head)) < 0) {
		return err;
	}
	char hex[HEX_KEY];
	uccn_crypto_to_hex(d.city, UCCN_KEY_BYTES, hex);
	struct registry_change rc;
	designation_change(&rc, &d, hex, "withdrawn",
		reason != NULL && reason[0] != '\0' ? reason : "withdrawn", (int64_t)head.seq);
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

int uccn_node_role(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES], const char *field,
	const char *role, const char *from, const char *to, uint64_t now_ms, char *why,
	size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	struct designation d;
	if ((err = find_designation(node, city, &d)) < 0) {
		return err;
	}
	if (!d.found || strcmp(d.status, "active") != 0) {
		uccn_node_set_why(
			why, why_len, "a role needs an active designation, and that key has none");
		return UCCN_ENOTMEMBER;
	}
	struct registry_change rc = {.kind = "role"};
	char hex[HEX_KEY];
	uccn_crypto_to_hex(d.city, UCCN_KEY_BYTES, hex);
	uint8_t rnd[16];
	uccn_crypto_random(rnd, sizeof(rnd));
	uccn_crypto_to_hex(rnd, sizeof(rnd), rc.id);
	rc.fields[0] = str_field("city", hex);
	rc.fields[1] = str_field("field", field != NULL ? field : "");
	rc.fields[2] = str_field("role", role != NULL ? role : "");
	rc.fields[3] = str_field("from", from != NULL ? from : "");
	rc.fields[4] = str_field("to", to != NULL ? to : "");
	rc.nfields = 5;
	const struct uccn_kind_spec *spec = uccn_schema_kind("role");
	for (size_t i = 0; i < rc.nfields; i++) {
		if ((err = uccn_schema_check_field(spec, &rc.fields[i], why, why_len)) < 0) {
			return err;
		}
	}
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

static void key_change(struct registry_change *rc, const uint8_t key[UCCN_KEY_BYTES],
	const char *city_id, const char *status, int64_t cutoff, const char *successor_hex,
	const char *reason) {
	memset(rc, 0, sizeof(*rc));
	rc->kind = "key";
	uccn_crypto_to_hex(key, UCCN_KEY_BYTES, rc->id);
	size_t n = 0;
	rc->fields[n++] = str_field("city", city_id);
	rc->fields[n++] = str_field("status", status);
	rc->fields[n++] = cutoff >= 0 ? int_value("cutoff", cutoff) : nil_field("cutoff");
	rc->fields[n++] = successor_hex != NULL ? str_field("successor", successor_hex)
						: nil_field("successor");
	rc->fields[n++] = reason != NULL ? str_field("reason", reason) : nil_field("reason");
	rc->nfields = n;
}

struct first_seq {
	struct uccn_node *node;
	uint64_t seq;
};

static int note_seq(void *userdata, const uint8_t *data, size_t len) {
	struct first_seq *fs = userdata;
	if (uccn_codec_decode_change(data, len, &fs->node->change, NULL, 0) == UCCN_OK &&
		fs->seq == 0) {
		fs->seq = fs->node->change.seq;
	}
	return 0;
}

int uccn_node_confirm_rotation(struct uccn_node *node, const uint8_t old_key[UCCN_KEY_BYTES],
	const uint8_t new_key[UCCN_KEY_BYTES], uint64_t now_ms, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	char new_hex[HEX_KEY];
	uccn_crypto_to_hex(new_key, UCCN_KEY_BYTES, new_hex);
	/* The city's own word first: a rotation change signed by the old key naming the new one. */
	struct first_seq fs = {node, 0};
	err = uccn_store_each_record_change(node->st, "rotation", old_key, new_hex, note_seq, &fs);
	if (err < 0) {
		return err;
	}
	if (fs.seq == 0) {
		uccn_node_set_why(why, why_len,
			"this node holds no rotation change signed by the old key naming the new "
			"one: "
			"import the city's changes first");
		return UCCN_ENOTFOUND;
	}
	struct designation d;
	if ((err = find_designation(node, old_key, &d)) < 0) {
		return err;
	}
	if (!d.found || strcmp(d.status, "active") != 0) {
		uccn_node_set_why(why, why_len, "the old key has no active designation");
		return UCCN_ENOTMEMBER;
	}
	struct registry_change rc[3];
	key_change(&rc[0], old_key, d.id, "rotated", (int64_t)fs.seq, new_hex, "key rotation");
	key_change(&rc[1], new_key, d.id, "active", -1, NULL, NULL);
	designation_change(&rc[2], &d, new_hex, "active", NULL, -1);
	return write_registry(node, rc, 3, now_ms, why, why_len);
}

int uccn_node_revoke(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], uint64_t cutoff,
	const uint8_t *successor, const char *reason, uint64_t now_ms, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	struct designation d;
	if ((err = find_designation(node, key, &d)) < 0) {
		return err;
	}
	if (!d.found) {
		uccn_node_set_why(why, why_len, "no designation names that key");
		return UCCN_ENOTMEMBER;
	}
	if (cutoff > INT64_MAX) {
		uccn_node_set_why(why, why_len, "the cut-off is too large");
		return UCCN_EINVAL;
	}
	char succ_hex[HEX_KEY];
	if (successor != NULL) {
		uccn_crypto_to_hex(successor, UCCN_KEY_BYTES, succ_hex);
	}
	struct registry_change rc[3];
	size_t n = 0;
	key_change(&rc[n++], key, d.id, "revoked", (int64_t)cutoff,
		successor != NULL ? succ_hex : NULL, reason != NULL ? reason : "revoked");
	if (successor != NULL) {
		key_change(&rc[n++], successor, d.id, "active", -1, NULL, NULL);
		/* Only the key changes: a withdrawal and its cut-off stand. */
		designation_change(&rc[n++], &d, succ_hex, d.status,
			d.reason[0] != '\0' ? d.reason : NULL, d.cutoff);
	}
	return write_registry(node, rc, n, now_ms, why, why_len);
}

int uccn_node_relay(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], bool active,
	uint64_t now_ms, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	if (memcmp(key, node->pk, UCCN_KEY_BYTES) == 0) {
		uccn_node_set_why(why, why_len, "the root is the Secretariat already");
		return UCCN_EINVAL;
	}
	uint8_t city[UCCN_KEY_BYTES];
	bool known = uccn_changelog_city_of(node->log, key, city);
	if (known && memcmp(city, node->pk, UCCN_KEY_BYTES) != 0) {
		uccn_node_set_why(why, why_len, "that key signs for a member city");
		return UCCN_EEXIST;
	}
	if (active == uccn_changelog_is_secretariat(node->log, key)) {
		uccn_node_set_why(why, why_len,
			active ? "that key is a relay already" : "that key is not a relay");
		return active ? UCCN_EEXIST : UCCN_ENOTFOUND;
	}
	/* A relay is a key of the Secretariat itself: its city is the root. It signs nothing of
	 * the registry; a removed one is cut off at 0 like any revoked key. */
	char root_hex[HEX_KEY];
	uccn_crypto_to_hex(node->pk, UCCN_KEY_BYTES, root_hex);
	struct registry_change rc;
	key_change(&rc, key, root_hex, active ? "active" : "revoked", active ? -1 : 0, NULL,
		active ? "a relay of the Secretariat" : "no longer a relay");
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

int uccn_node_rotate_key(struct uccn_node *node, uint64_t now_ms, uint8_t new_key[UCCN_KEY_BYTES],
	char *why, size_t why_len) {
	if (uccn_node_is_secretariat(node)) {
		uccn_node_set_why(
			why, why_len, "the Secretariat's key names the network and cannot rotate");
		return UCCN_EPERM;
	}
	struct uccn_identity *fresh = NULL;
	char path[4096], next[4096], old[4096];
	char new_hex[HEX_KEY], old_hex[HEX_KEY];
	int err = uccn_crypto_identity_generate(&fresh);
	if (err < 0) {
		return err;
	}
	uccn_crypto_identity_public_key(fresh, new_key);
	uccn_crypto_to_hex(new_key, UCCN_KEY_BYTES, new_hex);
	uccn_crypto_to_hex(node->pk, UCCN_KEY_BYTES, old_hex);
	snprintf(path, sizeof(path), "%s/node.key", node->home);
	snprintf(next, sizeof(next), "%s/node.key.new", node->home);
	snprintf(old, sizeof(old), "%s/node.key.old-%.16s", node->home, old_hex);
	/* The new key is on disk before anything names it, so a crash never loses it. */
	unlink(next);
	if ((err = uccn_crypto_identity_save(fresh, next)) < 0) {
		goto out;
	}
	struct uccn_field f = str_field("key", new_hex);
	if ((err = uccn_store_begin(node->st)) < 0) {
		goto out;
	}
	err = uccn_node_append(
		node, "rotation", node->pk, new_hex, UCCN_OP_PUT, &f, 1, now_ms, why, why_len);
	if (err == UCCN_OK) {
		err = uccn_store_set_meta(node->st, "key", new_key, UCCN_KEY_BYTES);
	}
	struct uccn_bytes former = {0};
	if (err == UCCN_OK) {
		err = uccn_store_get_meta(node->st, "former", &former);
		if (err == UCCN_ENOTFOUND) {
			err = UCCN_OK;
		}
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(&former, node->pk, UCCN_KEY_BYTES)) == 0) {
		err = uccn_store_set_meta(node->st, "former", former.data, former.len);
	}
	uccn_bytes_finish(&former);
	if (err < 0) {
		uccn_store_rollback(node->st);
		goto out;
	}
	/* Keep the old key beside the new one: the city may need to prove what it signed. */
	if (link(path, old) < 0 && errno != EEXIST) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", old);
		uccn_store_rollback(node->st);
		err = UCCN_EIO;
		goto out;
	}
	if ((err = uccn_node_commit(node)) < 0) {
		unlink(old);
		goto out;
	}
	if (rename(next, path) < 0) {
		/* The database already names the new key; the files must follow, or the node will
		 * not open. Say exactly how to finish by hand. */
		uccn_log_errno(UCCN_LOG_ERROR, errno, "moving %s to %s: finish with: mv %s %s",
			next, path, next, path);
		err = UCCN_EIO;
		goto out;
	}
	uccn_crypto_identity_destroy(node->id);
	node->id = fresh;
	fresh = NULL;
	uccn_changelog_add_former(node->log, node->pk);
	memcpy(node->pk, new_key, UCCN_KEY_BYTES);
	uccn_changelog_set_self(node->log, node->pk);
out:
	uccn_crypto_identity_destroy(fresh);
	return err;
}

/* --- Reading the registry ---------------------------------------------------------------- */

struct member_walk {
	struct uccn_node *node;
	uccn_member_fn fn;
	void *userdata;
};

static int member_row(void *userdata, const struct uccn_store_row *row) {
	struct member_walk *w = userdata;
	struct designation d;
	int got = read_designation(w->node, row, &d);
	if (got <= 0) {
		return got;
	}
	struct uccn_member m = {.name = d.name,
		.country = d.country,
		.field = d.field,
		.year = (int)d.year,
		.active = strcmp(d.status, "active") == 0,
		.cutoff = d.cutoff >= 0 ? (uint64_t)d.cutoff : 0,
		.reason = d.reason[0] != '\0' ? d.reason : NULL,
		.designated_hlc = d.created_hlc};
	memcpy(m.key, d.city, UCCN_KEY_BYTES);
	if (uccn_crypto_from_hex(d.id, m.city, UCCN_KEY_BYTES) < 0) {
		return 0;
	}
	return w->fn(w->userdata, &m);
}

int uccn_node_registry(struct uccn_node *node, uccn_member_fn fn, void *userdata) {
	struct member_walk w = {node, fn, userdata};
	return uccn_store_each_record(node->st, "designation", true, member_row, &w);
}

int uccn_node_tree_head(struct uccn_node *node, struct uccn_tree_head *out) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	if (node->scan.nheads == 0) {
		return UCCN_ENOTFOUND;
	}
	*out = node->scan.heads[node->scan.nheads - 1];
	return UCCN_OK;
}

static void report(uccn_fault_fn fn, void *userdata, int *faults, int err, uint64_t seq,
	const uint8_t *author, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void report(uccn_fault_fn fn, void *userdata, int *faults, int err, uint64_t seq,
	const uint8_t *author, const char *fmt, ...) {
	struct uccn_fault f = {.err = err, .seq = seq};
	memcpy(f.author, author, UCCN_KEY_BYTES);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f.why, sizeof(f.why), fmt, ap);
	va_end(ap);
	(*faults)++;
	if (fn != NULL) {
		fn(userdata, &f);
	}
}

struct fork_count {
	const uint8_t *root;
	uccn_fault_fn fn;
	void *userdata;
	int *faults;
};

static int root_fork(void *userdata, const struct uccn_store_fork *f) {
	struct fork_count *fc = userdata;
	if (memcmp(f->author, fc->root, UCCN_KEY_BYTES) == 0) {
		report(fc->fn, fc->userdata, fc->faults, UCCN_EFORK, f->seq, f->author,
			"ALARM: the Secretariat's key signed two different changes #%llu: the "
			"registry forks",
			(unsigned long long)f->seq);
	}
	return 0;
}

int uccn_node_registry_verify(struct uccn_node *node, uccn_fault_fn fn, void *userdata) {
	/* From scratch, not from the cached scan: verification trusts nothing computed before. */
	uccn_node_scan_reset(node);
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	const struct uccn_registry_scan *sc = &node->scan;
	int faults = 0;
	const struct uccn_tree_head *prev = NULL;
	uint8_t(*path)[UCCN_HASH_BYTES] = malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	if (path == NULL) {
		return UCCN_ENOMEM;
	}
	for (size_t i = 0; i < sc->nheads; i++) {
		const struct uccn_tree_head *h = &sc->heads[i];
		/* A head from before checkpoints (§9.7: no signature, a BLAKE2b root) states
		 * nothing this tree can check; the checkpoints after it are checked. */
		if (!sc->notes[i].has) {
			continue;
		}
		if (uccn_checkpoint_verify(node->network, h->size, h->root, sc->notes[i].sig) < 0) {
			report(fn, userdata, &faults, UCCN_EBADSIG, h->seq, node->network,
				"ALARM: tree head #%llu's checkpoint is not signed by the root key",
				(unsigned long long)h->seq);
			continue;
		}
		/* The leaves a head covers are the registry changes before it in the root's chain.
		 */
		size_t covered = 0;
		while (covered < sc->nleaves && sc->leaf_seq[covered] < h->seq) {
			covered++;
		}
		uint8_t root[UCCN_HASH_BYTES];
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves, covered, root);
		if (h->size != covered || memcmp(root, h->root, UCCN_HASH_BYTES) != 0) {
			report(fn, userdata, &faults, UCCN_EPROOF, h->seq, node->network,
				"ALARM: tree head #%llu (size %llu) does not match the registry "
				"this node "
				"holds (%zu changes)",
				(unsigned long long)h->seq, (unsigned long long)h->size, covered);
			continue;
		}
		if (prev != NULL && prev->size > 0) {
			/* Check as any outsider would: a consistency proof between the two heads.
			 */
			size_t len = 0;
			if (h->size < prev->size ||
				uccn_merkle_consistency_proof(
					(const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves, h->size,
					prev->size, path, &len) < 0 ||
				uccn_merkle_verify_consistency(prev->size, h->size, prev->root,
					h->root, (const uint8_t(*)[UCCN_HASH_BYTES])path,
					len) < 0) {
				report(fn, userdata, &faults, UCCN_EPROOF, h->seq, node->network,
					"ALARM: tree head #%llu does not extend tree head #%llu",
					(unsigned long long)h->seq, (unsigned long long)prev->seq);
			}
		}
		prev = h;
	}
	free(path);
	struct fork_count fc = {node->network, fn, userdata, &faults};
	if ((err = uccn_store_each_fork(node->st, root_fork, &fc)) < 0) {
		return err;
	}
	int views = uccn_node_split_views(node, fn, userdata);
	if (views < 0) {
		return views;
	}
	return faults + views;
}

/* The newest tree head that carries a good checkpoint signature and matches the leaves held,
 * or SIZE_MAX. */
static size_t newest_checkpoint(struct uccn_node *node) {
	const struct uccn_registry_scan *sc = &node->scan;
	for (size_t i = sc->nheads; i-- > 0;) {
		const struct uccn_tree_head *h = &sc->heads[i];
		uint8_t root[UCCN_HASH_BYTES];
		if (!sc->notes[i].has || h->size > sc->nleaves ||
			uccn_checkpoint_verify(node->network, h->size, h->root, sc->notes[i].sig) <
				0) {
			continue;
		}
		/* The newest head covers every leaf held, as a rule: the frontier has its root. */
		if (h->size == sc->nleaves) {
			uccn_merkle_frontier_root(&sc->frontier, root);
		} else {
			uccn_merkle_root(
				(const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves, h->size, root);
		}
		if (memcmp(root, h->root, UCCN_HASH_BYTES) == 0) {
			return i;
		}
	}
	return SIZE_MAX;
}

struct cosig_walk {
	struct uccn_node *node;
	const struct uccn_tree_head *head;
	struct uccn_cosig *out;
	size_t n, max;
};

/* A cosignature record (§9.11) whose checkpoint is the head, and whose signature verifies. */
static int collect_cosig(void *userdata, const struct uccn_store_row *row) {
	struct cosig_walk *w = userdata;
	struct uccn_node *node = w->node;
	if (w->n == w->max) {
		return 1;
	}
	if (uccn_codec_decode_state(row->state, row->state_len, &node->state) < 0) {
		return 0; /* the state is the store's business; a bad one proves nothing */
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_value *size = uccn_record_field(&node->record, "size");
	const struct uccn_value *root = uccn_record_field(&node->record, "root");
	const struct uccn_value *sig = uccn_record_field(&node->record, "signature");
	char hex[2 * UCCN_HASH_BYTES + 1];
	uint8_t r[UCCN_HASH_BYTES];
	struct uccn_cosig *c = &w->out[w->n];
	size_t len = 0;
	if (size == NULL || size->type != UCCN_VALUE_INT || (uint64_t)size->i != w->head->size ||
		root == NULL || root->type != UCCN_VALUE_STR ||
		root->str_len != 2 * UCCN_HASH_BYTES || sig == NULL ||
		sig->type != UCCN_VALUE_STR) {
		return 0;
	}
	memcpy(hex, root->str, root->str_len);
	hex[root->str_len] = '\0';
	if (uccn_crypto_from_hex(hex, r, UCCN_HASH_BYTES) < 0 ||
		memcmp(r, w->head->root, UCCN_HASH_BYTES) != 0 ||
		uccn_crypto_from_base64(sig->str, sig->str_len, c->sig, UCCN_COSIG_BYTES, &len) <
			0 ||
		len != UCCN_COSIG_BYTES) {
		return 0;
	}
	memcpy(c->pk, row->owner, UCCN_KEY_BYTES);
	c->name[0] = '\0';
	if (memcmp(row->owner, node->network, UCCN_KEY_BYTES) == 0) {
		/* The root's record of an external witness's cosignature (§9.15): the witness's key
		 * is the id, its name a field. */
		const struct uccn_value *name = uccn_record_field(&node->record, "name");
		if (name == NULL || name->type != UCCN_VALUE_STR || name->str_len == 0 ||
			name->str_len >= sizeof(c->name) ||
			uccn_crypto_from_hex(row->id, c->pk, UCCN_KEY_BYTES) < 0) {
			return 0;
		}
		memcpy(c->name, name->str, name->str_len);
		c->name[name->str_len] = '\0';
	}
	if (uccn_checkpoint_verify_cosignature(c->name[0] != '\0' ? c->name : NULL, c->pk,
		    node->network, w->head->size, w->head->root, c->sig, &c->time) == UCCN_OK) {
		w->n++;
	}
	return 0;
}

/* The cosignatures this node holds of the checkpoint h, at most max. */
static int collect_cosigs(struct uccn_node *node, const struct uccn_tree_head *h,
	struct uccn_cosig *out, size_t max, size_t *n) {
	struct cosig_walk w = {node, h, out, 0, max};
	int err = uccn_store_each_record(node->st, "cosignature", false, collect_cosig, &w);
	*n = w.n;
	return err < 0 ? err : UCCN_OK;
}

/* The checkpoint note of head i with every cosignature held of it, appended to out. */
static int head_note(struct uccn_node *node, size_t i, struct uccn_bytes *out) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	memcpy(sig, node->scan.notes[i].sig, sizeof(sig));
	struct uccn_cosig *cosigs = calloc(UCCN_NOTE_SIGS_MAX - 1, sizeof(*cosigs));
	size_t n = 0;
	int err = cosigs == NULL ? UCCN_ENOMEM
				 : collect_cosigs(node, h, cosigs, UCCN_NOTE_SIGS_MAX - 1, &n);
	if (err == UCCN_OK) {
		err = uccn_checkpoint_note(node->network, h->size, h->root, sig, cosigs, n, out);
	}
	free(cosigs);
	return err;
}

int uccn_node_checkpoint(struct uccn_node *node, struct uccn_bytes *out) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	size_t i = newest_checkpoint(node);
	return i == SIZE_MAX ? UCCN_ENOTFOUND : head_note(node, i, out);
}

int uccn_node_checkpoint_key(struct uccn_node *node, char *out, size_t out_len) {
	char vkey[UCCN_VKEY_MAX];
	static const uint8_t zero[UCCN_KEY_BYTES];
	if (memcmp(node->network, zero, UCCN_KEY_BYTES) == 0) {
		return UCCN_ENOTFOUND;
	}
	uccn_checkpoint_vkey(node->network, vkey);
	if (strlen(vkey) >= out_len) {
		return UCCN_EINVAL;
	}
	memcpy(out, vkey, strlen(vkey) + 1);
	return UCCN_OK;
}

/* What a witness remembers across restarts (§9.11): the last checkpoint it cosigned, as its
 * size (8 bytes, big-endian) then its root. */
#define WITNESS_META "witness"
#define WITNESS_STATE_BYTES (8 + UCCN_HASH_BYTES)

struct own_cosig {
	bool has;
	uint64_t size;
	uint8_t root[UCCN_HASH_BYTES];
};

static int read_own_cosig(void *userdata, const struct uccn_record *r) {
	struct own_cosig *o = userdata;
	const struct uccn_value *size = uccn_record_field(r, "size");
	const struct uccn_value *root = uccn_record_field(r, "root");
	char hex[2 * UCCN_HASH_BYTES + 1];
	if (size != NULL && size->type == UCCN_VALUE_INT && size->i >= 0 && root != NULL &&
		root->type == UCCN_VALUE_STR && root->str_len == 2 * UCCN_HASH_BYTES) {
		memcpy(hex, root->str, root->str_len);
		hex[root->str_len] = '\0';
		o->has = uccn_crypto_from_hex(hex, o->root, UCCN_HASH_BYTES) == UCCN_OK;
		o->size = (uint64_t)size->i;
	}
	return 0;
}

static int witness_state(
	struct uccn_node *node, bool *has, uint64_t *size, uint8_t root[UCCN_HASH_BYTES]) {
	struct uccn_bytes meta = {0};
	int err = uccn_store_get_meta(node->st, WITNESS_META, &meta);
	*has = false;
	if (err == UCCN_ENOTFOUND) {
		/* A store that lost its state (restored from a backup, a lost WAL) learns it back
		 * from its own cosignature record, which peers return by sync. */
		struct own_cosig o = {0};
		err = uccn_node_get(node, "cosignature", "registry", read_own_cosig, &o);
		if (err == UCCN_ENOTFOUND) {
			err = UCCN_OK;
		}
		*has = err == UCCN_OK && o.has;
		*size = o.size;
		memcpy(root, o.root, UCCN_HASH_BYTES);
	} else if (err == UCCN_OK && meta.len != WITNESS_STATE_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the witness state)");
		err = UCCN_ECORRUPT;
	} else if (err == UCCN_OK) {
		*has = true;
		*size = 0;
		for (int i = 0; i < 8; i++) {
			*size = *size << 8 | meta.data[i];
		}
		memcpy(root, meta.data + 8, UCCN_HASH_BYTES);
	}
	uccn_bytes_finish(&meta);
	return err;
}

/* Whether the held leaves show that the tree of old_size leaves with old_root is a prefix of
 * head h (which matches the leaves held): an RFC 6962 consistency proof from them, checked. */
static bool extends(struct uccn_node *node, uint64_t old_size,
	const uint8_t old_root[UCCN_HASH_BYTES], const struct uccn_tree_head *h) {
	if (old_size == 0) {
		return true; /* every tree extends the empty one */
	}
	if (old_size > h->size) {
		return false;
	}
	uint8_t(*path)[UCCN_HASH_BYTES] = malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	size_t len = 0;
	bool ok =
		path != NULL &&
		uccn_merkle_consistency_proof((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
			h->size, old_size, path, &len) == UCCN_OK &&
		uccn_merkle_verify_consistency(old_size, h->size, old_root, h->root,
			(const uint8_t(*)[UCCN_HASH_BYTES])path, len) == UCCN_OK;
	free(path);
	return ok;
}

/* --- Split views (§9.13) ------------------------------------------------------------------ */

/* The evidence of an alarm record, checked; false for a record that proves nothing. */
static bool alarm_evidence(struct uccn_node *node, const struct uccn_store_row *row,
	struct uccn_split_view *ev, const struct uccn_value **text) {
	if (uccn_codec_decode_state(row->state, row->state_len, &node->state) < 0) {
		return false;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_value *v = uccn_record_field(&node->record, "evidence");
	*text = v;
	return v != NULL && v->type == UCCN_VALUE_STR &&
	       uccn_checkpoint_evidence_check(v->str, v->str_len, node->network, ev, NULL, 0) ==
		       UCCN_OK;
}

struct alarm_walk {
	struct uccn_node *node;
	uccn_fault_fn fn;
	void *userdata;
	int count;
	struct uccn_split_view *ev; /* scratch */
	struct uccn_bytes *out;     /* uccn_node_split_view_evidence: the first evidence */
};

/* An alarm record whose evidence holds; a false alarm proves nothing and is ignored. */
static int check_alarm(void *userdata, const struct uccn_store_row *row) {
	struct alarm_walk *w = userdata;
	const struct uccn_value *text = NULL;
	if (!alarm_evidence(w->node, row, w->ev, &text)) {
		return 0;
	}
	w->count++;
	if (w->out != NULL) {
		int err = uccn_bytes_append(w->out, text->str, text->str_len);
		return err < 0 ? err : 1;
	}
	if (w->fn != NULL) {
		struct uccn_fault f = {.err = UCCN_EFORK};
		char hex[2 * UCCN_KEY_BYTES + 1];
		memcpy(f.author, row->owner, UCCN_KEY_BYTES);
		uccn_crypto_to_hex(row->owner, UCCN_KEY_BYTES, hex);
		snprintf(f.why, sizeof(f.why),
			"ALARM: split view: the Secretariat's key signed checkpoints of size %llu "
			"and "
			"%llu that no one registry has (evidence by %.16s…: 'uccn registry "
			"evidence')",
			(unsigned long long)w->ev->a.size, (unsigned long long)w->ev->b.size, hex);
		w->fn(w->userdata, &f);
	}
	return 0;
}

static int walk_alarms(struct alarm_walk *w) {
	w->ev = malloc(sizeof(*w->ev));
	if (w->ev == NULL) {
		return UCCN_ENOMEM;
	}
	int err = uccn_store_each_record(w->node->st, "alarm", false, check_alarm, w);
	free(w->ev);
	return err < 0 ? err : w->count;
}

int uccn_node_split_views(struct uccn_node *node, uccn_fault_fn fn, void *userdata) {
	struct alarm_walk w = {.node = node, .fn = fn, .userdata = userdata};
	return walk_alarms(&w);
}

int uccn_node_split_view_evidence(struct uccn_node *node, struct uccn_bytes *out) {
	struct alarm_walk w = {.node = node, .out = out};
	int n = walk_alarms(&w);
	return n < 0 ? n : n > 0 ? UCCN_OK : UCCN_ENOTFOUND;
}

/* A root-signed checkpoint another node cosigned, read from its cosignature record. */
static bool their_checkpoint(const struct uccn_record *r, struct uccn_signed_checkpoint *c) {
	const struct uccn_value *size = uccn_record_field(r, "size");
	const struct uccn_value *root = uccn_record_field(r, "root");
	const struct uccn_value *sig = uccn_record_field(r, "root_signature");
	char hex[2 * UCCN_HASH_BYTES + 1];
	size_t len = 0;
	if (size == NULL || size->type != UCCN_VALUE_INT || size->i < 0 || root == NULL ||
		root->type != UCCN_VALUE_STR || root->str_len != 2 * UCCN_HASH_BYTES ||
		sig == NULL || sig->type != UCCN_VALUE_STR) {
		return false;
	}
	memcpy(hex, root->str, root->str_len);
	hex[root->str_len] = '\0';
	c->size = (uint64_t)size->i;
	return uccn_crypto_from_hex(hex, c->root, UCCN_HASH_BYTES) == UCCN_OK &&
	       uccn_crypto_from_base64(sig->str, sig->str_len, c->sig, UCCN_NOTE_SIG_BYTES, &len) ==
		       UCCN_OK &&
	       len == UCCN_NOTE_SIG_BYTES;
}

/* Whether c is one of the tree heads of the root's chain held here: a head of our own chain
 * never shows a split view against ours, and lagging cities' checkpoints are found here
 * without hashing. */
static bool is_our_head(struct uccn_node *node, const struct uccn_signed_checkpoint *c) {
	const struct uccn_registry_scan *sc = &node->scan;
	for (size_t i = sc->nheads; i-- > 0;) {
		if (sc->heads[i].size == c->size &&
			memcmp(sc->heads[i].root, c->root, UCCN_HASH_BYTES) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether theirs, a checkpoint said to be the root's, and ours (the newest of this node's,
 * matching the leaves it holds) are a split view; fills ev when they are. A checkpoint
 * larger than ours is left to the nodes that hold its leaves. */
static bool split_from(struct uccn_node *node, const struct uccn_signed_checkpoint *ours,
	const struct uccn_signed_checkpoint *theirs, struct uccn_split_view *ev) {
	if (theirs->size > ours->size || theirs->size == 0 || is_our_head(node, theirs)) {
		return false;
	}
	memset(ev, 0, sizeof(*ev));
	if (theirs->size == ours->size) {
		/* The smaller root first, so that every node that catches this pair writes the
		 * same evidence. */
		bool mine_first = memcmp(ours->root, theirs->root, UCCN_HASH_BYTES) < 0;
		ev->a = mine_first ? *ours : *theirs;
		ev->b = mine_first ? *theirs : *ours;
	} else {
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves, theirs->size,
			ev->prefix);
		if (memcmp(ev->prefix, theirs->root, UCCN_HASH_BYTES) == 0) {
			return false; /* ours extends theirs */
		}
		ev->a = *theirs;
		ev->b = *ours;
		if (uccn_merkle_consistency_proof(
			    (const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves, ev->b.size,
			    ev->a.size, ev->path, &ev->npath) < 0) {
			return false;
		}
	}
	/* Only a checkpoint the root signed is evidence; checked last, the dear part. */
	return uccn_checkpoint_verify(node->network, theirs->size, theirs->root, theirs->sig) ==
	       UCCN_OK;
}

struct split_walk {
	struct uccn_node *node;
	const struct uccn_signed_checkpoint *ours;
	struct uccn_split_view *ev;
	bool found;
};

/* Compares a peer's cosigned checkpoint with ours and fills the evidence when no one registry
 * has both. A checkpoint larger than ours is left to the nodes that hold its leaves. */
static int compare_cosig(void *userdata, const struct uccn_store_row *row) {
	struct split_walk *w = userdata;
	struct uccn_node *node = w->node;
	struct uccn_signed_checkpoint theirs;
	if (uccn_codec_decode_state(row->state, row->state_len, &node->state) < 0) {
		return 0;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	if (!their_checkpoint(&node->record, &theirs) ||
		!split_from(node, w->ours, &theirs, w->ev)) {
		return 0;
	}
	w->found = true;
	return 1;
}

/* Compares every checkpoint other nodes cosigned with our newest one, head i; on the first
 * that no one registry shares with ours, writes an alarm record with the evidence, unless
 * this node holds a valid alarm already. Returns 1 when it wrote one. */
static int catch_split_view(struct uccn_node *node, size_t i, uint64_t now_ms,
	const struct uccn_signed_checkpoint *shown) {
	int held = uccn_node_split_views(node, NULL, NULL);
	if (held != 0) {
		return held < 0 ? held : 0;
	}
	struct uccn_signed_checkpoint ours = {.size = node->scan.heads[i].size};
	memcpy(ours.root, node->scan.heads[i].root, UCCN_HASH_BYTES);
	memcpy(ours.sig, node->scan.notes[i].sig, UCCN_NOTE_SIG_BYTES);
	struct split_walk w = {node, &ours, malloc(sizeof(struct uccn_split_view)), false};
	struct uccn_bytes text = {0};
	if (w.ev == NULL) {
		return UCCN_ENOMEM;
	}
	int err = UCCN_OK;
	if (shown != NULL) {
		w.found = split_from(node, &ours, shown, w.ev);
	} else {
		err = uccn_store_each_record(node->st, "cosignature", false, compare_cosig, &w);
	}
	if (err >= 0 && w.found) {
		err = uccn_checkpoint_evidence_encode(node->network, w.ev, &text);
	}
	free(w.ev);
	if (err < 0 || !w.found) {
		uccn_bytes_finish(&text);
		return err < 0 ? err : 0;
	}
	uint8_t sum[UCCN_SHA256_BYTES];
	char id[33], why[256] = "";
	uccn_crypto_sha256(text.data, text.len, sum);
	uccn_crypto_to_hex(sum, 16, id);
	struct uccn_field f = {.name = "evidence",
		.name_len = 8,
		.value = {.type = UCCN_VALUE_STR,
			.str = (const char *)text.data,
			.str_len = text.len}};
	uccn_log(UCCN_LOG_ERROR, "ALARM: split view: the Secretariat's key signed two registries; "
				 "the evidence goes to every peer ('uccn registry evidence')");
	if ((err = uccn_store_begin(node->st)) == UCCN_OK) {
		err = uccn_node_append(
			node, "alarm", node->pk, id, UCCN_OP_PUT, &f, 1, now_ms, why, sizeof(why));
		if (err == UCCN_OK) {
			err = uccn_store_commit(node->st);
		} else {
			uccn_store_rollback(node->st);
			uccn_log(UCCN_LOG_ERROR, "writing the alarm: %s", why);
		}
	}
	uccn_bytes_finish(&text);
	return err < 0 ? err : 1;
}

int uccn_node_consider_checkpoint(
	struct uccn_node *node, const char *note, size_t len, uint64_t now_ms) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	struct uccn_checkpoint *cp = malloc(sizeof(*cp));
	if (cp == NULL) {
		return UCCN_ENOMEM;
	}
	err = uccn_checkpoint_parse(note, len, node->network, cp, NULL, 0);
	struct uccn_signed_checkpoint shown = {.size = cp->size};
	memcpy(shown.root, cp->root, UCCN_HASH_BYTES);
	memcpy(shown.sig, cp->sig, UCCN_NOTE_SIG_BYTES);
	free(cp);
	if (err < 0) {
		return err;
	}
	size_t i = newest_checkpoint(node);
	return i == SIZE_MAX ? 0 : catch_split_view(node, i, now_ms, &shown);
}

int uccn_node_witness(struct uccn_node *node, uint64_t now_ms) {
	static const uint8_t zero[UCCN_KEY_BYTES];
	if (memcmp(node->network, zero, UCCN_KEY_BYTES) == 0 || uccn_node_is_secretariat(node)) {
		return 0; /* no registry, or the log itself: the root does not witness its own */
	}
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	size_t i = newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return 0;
	}
	const struct uccn_tree_head h = node->scan.heads[i];
	int caught = catch_split_view(node, i, now_ms, NULL);
	if (caught < 0) {
		return caught;
	}
	bool has = false;
	uint64_t last_size = 0;
	uint8_t last_root[UCCN_HASH_BYTES];
	if ((err = witness_state(node, &has, &last_size, last_root)) < 0) {
		return err;
	}
	if (has && last_size == h.size && memcmp(last_root, h.root, UCCN_HASH_BYTES) == 0) {
		return caught; /* cosigned already */
	}
	/* Never cosign a checkpoint that does not extend the last one cosigned: that is the
	 * whole of a witness's promise, and it holds across restarts because the state is in
	 * the store, written in the same transaction as the cosignature. */
	if (has && (h.size < last_size || !extends(node, last_size, last_root, &h))) {
		uccn_log(UCCN_LOG_WARN,
			"not cosigning the registry's checkpoint of size %llu: it does not extend "
			"the checkpoint of size %llu this node cosigned",
			(unsigned long long)h.size, (unsigned long long)last_size);
		return caught;
	}
	uint8_t cosig[UCCN_COSIG_BYTES], state[WITNESS_STATE_BYTES];
	char root_hex[2 * UCCN_HASH_BYTES + 1], b64[UCCN_BASE64_LEN(UCCN_COSIG_BYTES)];
	char root_sig[UCCN_BASE64_LEN(UCCN_NOTE_SIG_BYTES)];
	uccn_crypto_to_base64(node->scan.notes[i].sig, UCCN_NOTE_SIG_BYTES, root_sig);
	uccn_checkpoint_cosign(
		node->id, node->pk, node->network, h.size, h.root, now_ms / 1000, cosig);
	uccn_crypto_to_hex(h.root, UCCN_HASH_BYTES, root_hex);
	uccn_crypto_to_base64(cosig, sizeof(cosig), b64);
	for (int k = 0; k < 8; k++) {
		state[k] = (uint8_t)(h.size >> (56 - 8 * k));
	}
	memcpy(state + 8, h.root, UCCN_HASH_BYTES);
	/* The root's signature rides along: a peer holding another registry then holds two
	 * checkpoints of the root, the evidence of a split view (§9.13). */
	struct uccn_field f[4] = {int_value("size", (int64_t)h.size), str_field("root", root_hex),
		str_field("signature", b64), str_field("root_signature", root_sig)};
	char why[256] = "";
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = uccn_node_append(node, "cosignature", node->pk, "registry", UCCN_OP_PUT, f, 4, now_ms,
		why, sizeof(why));
	if (err == UCCN_OK) {
		err = uccn_store_set_meta(node->st, WITNESS_META, state, sizeof(state));
	}
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
		uccn_log(UCCN_LOG_ERROR, "cosigning the registry's checkpoint: %s",
			why[0] != '\0' ? why : uccn_strerror(err));
	}
	return err < 0 ? err : 1;
}

int uccn_node_registry_consistency(
	struct uccn_node *node, uint64_t old_size, struct uccn_bytes *out, uint64_t *new_size) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	size_t i = newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	const struct uccn_tree_head *h = &node->scan.heads[i];
	if (old_size == 0 || old_size > h->size) {
		return UCCN_EINVAL;
	}
	uint8_t(*path)[UCCN_HASH_BYTES] = malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	size_t len = 0;
	if (path == NULL) {
		return UCCN_ENOMEM;
	}
	err = uccn_merkle_consistency_proof((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
		h->size, old_size, path, &len);
	for (size_t k = 0; k < len && err == UCCN_OK; k++) {
		char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)];
		size_t n = uccn_crypto_to_base64(path[k], UCCN_HASH_BYTES, b64);
		b64[n++] = '\n';
		err = uccn_bytes_append(out, b64, n);
	}
	free(path);
	if (err == UCCN_OK && new_size != NULL) {
		*new_size = h->size;
	}
	return err;
}

/* --- Policy: a quorum of witnesses (§9.14) ------------------------------------------------ */

#define REQUIRE_META "require_witnesses"

static int required_witnesses(struct uccn_node *node, unsigned *out) {
	struct uccn_bytes meta = {0};
	int err = uccn_store_get_meta(node->st, REQUIRE_META, &meta);
	*out = 0;
	if (err == UCCN_OK && meta.len == 1) {
		*out = meta.data[0];
	} else if (err == UCCN_ENOTFOUND) {
		err = UCCN_OK;
	}
	uccn_bytes_finish(&meta);
	return err;
}

int uccn_node_require_witnesses(struct uccn_node *node, unsigned n) {
	if (n > UCCN_FIELDS_COUNT) {
		return UCCN_EINVAL;
	}
	const uint8_t v = (uint8_t)n;
	return uccn_store_set_meta(node->st, REQUIRE_META, &v, 1);
}

/* How many creative fields the cosigners of a checkpoint cover among the active member cities
 * whose current key cosigned: a quorum counts cities of different fields. */
static int witness_fields(
	struct uccn_node *node, const struct uccn_cosig *cosigs, size_t n, size_t *fields) {
	char seen[UCCN_FIELDS_COUNT][32];
	size_t nseen = 0;
	for (size_t i = 0; i < n; i++) {
		struct designation d;
		int err = find_designation(node, cosigs[i].pk, &d);
		if (err < 0) {
			return err;
		}
		if (!d.found || strcmp(d.status, "active") != 0 ||
			memcmp(d.city, cosigs[i].pk, UCCN_KEY_BYTES) != 0) {
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < nseen; k++) {
			dup = dup || strcmp(seen[k], d.field) == 0;
		}
		if (!dup && nseen < UCCN_FIELDS_COUNT) {
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", d.field);
		}
	}
	*fields = nseen;
	return UCCN_OK;
}

int uccn_node_checkpoint_witnesses(struct uccn_node *node, struct uccn_witness_count *out) {
	memset(out, 0, sizeof(*out));
	unsigned required = 0;
	int err = scan_root(node);
	if (err < 0 || (err = required_witnesses(node, &required)) < 0) {
		return err;
	}
	out->required = required;
	size_t i = newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	const struct uccn_tree_head h = node->scan.heads[i];
	out->size = h.size;
	struct uccn_cosig *cosigs = calloc(UCCN_NOTE_SIGS_MAX - 1, sizeof(*cosigs));
	if (cosigs == NULL) {
		return UCCN_ENOMEM;
	}
	err = collect_cosigs(node, &h, cosigs, UCCN_NOTE_SIGS_MAX - 1, &out->cosigned);
	if (err == UCCN_OK) {
		err = witness_fields(node, cosigs, out->cosigned, &out->fields);
	}
	free(cosigs);
	return err;
}

/* --- External witnesses: C2SP tlog-witness (§9.15) ---------------------------------------- */

#define EXT_META "external_witnesses"
#define EXT_TIMEOUT_MS 10000

/* "name+<8 hex digits>+base64(type || key)": a witness's verifier key, with type 0x04 (a
 * cosigner) or 0x01 (an Ed25519 signed-note key), the key ID checked. */
static bool parse_witness_vkey(const char *vkey, char name[256], uint8_t pk[UCCN_KEY_BYTES]) {
	const char *p1 = strchr(vkey, '+');
	const char *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
	uint8_t id[UCCN_KEY_ID_BYTES], want[UCCN_KEY_ID_BYTES], key[1 + UCCN_KEY_BYTES];
	char idhex[9];
	size_t len = 0;
	if (p1 == NULL || p2 == NULL || p1 == vkey || (size_t)(p1 - vkey) >= 256 || p2 - p1 != 9) {
		return false;
	}
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	memcpy(idhex, p1 + 1, 8);
	idhex[8] = '\0';
	for (const char *s = name; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ') {
			return false;
		}
	}
	if (uccn_crypto_from_hex(idhex, id, sizeof(id)) < 0 ||
		uccn_crypto_from_base64(p2 + 1, strlen(p2 + 1), key, sizeof(key), &len) < 0 ||
		len != sizeof(key) ||
		(key[0] != UCCN_KEY_TYPE_COSIGNATURE && key[0] != UCCN_KEY_TYPE_ED25519)) {
		return false;
	}
	memcpy(pk, key + 1, UCCN_KEY_BYTES);
	uccn_checkpoint_key_id(name, key[0], pk, want);
	return memcmp(id, want, sizeof(id)) == 0;
}

int uccn_node_witness_add(
	struct uccn_node *node, const char *url, const char *vkey, char *why, size_t why_len) {
	int err = must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	char name[256];
	uint8_t pk[UCCN_KEY_BYTES];
	if (strncmp(url, "http://", 7) != 0 || strlen(url) > UCCN_URL_MAX ||
		strpbrk(url, " \n") != NULL) {
		uccn_node_set_why(
			why, why_len, "the witness URL must be http://HOST[:PORT][/PREFIX]");
		return UCCN_EINVAL;
	}
	if (!parse_witness_vkey(vkey, name, pk)) {
		uccn_node_set_why(why, why_len,
			"not a witness verifier key (NAME+KEYID+BASE64 of 0x04 or 0x01 and the "
			"Ed25519 key, the key ID matching)");
		return UCCN_EINVAL;
	}
	struct uccn_bytes meta = {0}, kept = {0};
	err = uccn_store_get_meta(node->st, EXT_META, &meta);
	if (err == UCCN_ENOTFOUND) {
		err = UCCN_OK;
	}
	/* One line per witness name: adding a name again replaces it. */
	for (size_t at = 0; err == UCCN_OK && at < meta.len;) {
		const uint8_t *nl = memchr(meta.data + at, '\n', meta.len - at);
		size_t end = nl != NULL ? (size_t)(nl - meta.data) + 1 : meta.len;
		const uint8_t *sp = memchr(meta.data + at, ' ', end - at);
		bool same = sp != NULL && (size_t)(meta.data + end - sp) > strlen(name) + 1 &&
			    memcmp(sp + 1, name, strlen(name)) == 0 && sp[1 + strlen(name)] == '+';
		if (!same) {
			err = uccn_bytes_append(&kept, meta.data + at, end - at);
		}
		at = end;
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(&kept, url, strlen(url))) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, " ", 1)) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, vkey, strlen(vkey))) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, "\n", 1)) == UCCN_OK) {
		err = uccn_store_set_meta(node->st, EXT_META, kept.data, kept.len);
	}
	uccn_bytes_finish(&meta);
	uccn_bytes_finish(&kept);
	return err;
}

/* The size of the last checkpoint the witness cosigned for us, by the root's record of it. */
static uint64_t witnessed_size(
	struct uccn_node *node, const uint8_t pk[UCCN_KEY_BYTES], uint8_t root[UCCN_HASH_BYTES]) {
	char id[2 * UCCN_KEY_BYTES + 1];
	int64_t rid;
	struct uccn_bytes state = {0};
	uint64_t size = 0;
	uccn_crypto_to_hex(pk, UCCN_KEY_BYTES, id);
	memset(root, 0, UCCN_HASH_BYTES);
	if (uccn_store_get_state(node->st, "cosignature", node->network, id, &rid, &state) ==
			UCCN_OK &&
		uccn_codec_decode_state(state.data, state.len, &node->state) == UCCN_OK) {
		struct own_cosig o = {0};
		memset(&node->record, 0, sizeof(node->record));
		uccn_merge_view(&node->state, &node->record);
		read_own_cosig(&o, &node->record);
		if (o.has) {
			size = o.size;
			memcpy(root, o.root, UCCN_HASH_BYTES);
		}
	}
	uccn_bytes_finish(&state);
	return size;
}

/* The add-checkpoint body: old size, the consistency proof from it, an empty line, the
 * checkpoint note signed by the root. */
static int add_checkpoint_body(
	struct uccn_node *node, size_t i, uint64_t old, struct uccn_bytes *out) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	char line[64];
	int n = snprintf(line, sizeof(line), "old %llu\n", (unsigned long long)old);
	int err = uccn_bytes_append(out, line, (size_t)n);
	if (err == UCCN_OK && old > 0 && old < h->size) {
		uint8_t(*path)[UCCN_HASH_BYTES] = malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
		size_t len = 0;
		err = path == NULL ? UCCN_ENOMEM
				   : uccn_merkle_consistency_proof(
					     (const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
					     h->size, old, path, &len);
		for (size_t k = 0; k < len && err == UCCN_OK; k++) {
			char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)];
			size_t bl = uccn_crypto_to_base64(path[k], UCCN_HASH_BYTES, b64);
			b64[bl++] = '\n';
			err = uccn_bytes_append(out, b64, bl);
		}
		free(path);
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(out, "\n", 1)) == UCCN_OK) {
		err = uccn_checkpoint_note(
			node->network, h->size, h->root, node->scan.notes[i].sig, NULL, 0, out);
	}
	return err;
}

/* The witness's cosignature line in a 200 response, verified; true when found. */
static bool find_cosig_line(struct uccn_node *node, const struct uccn_tree_head *h,
	const struct uccn_bytes *resp, const char *name, const uint8_t pk[UCCN_KEY_BYTES],
	uint8_t cosig[UCCN_COSIG_BYTES]) {
	static const char dash[] = "\xe2\x80\x94 ";
	size_t nl = strlen(name);
	for (size_t at = 0; at < resp->len;) {
		const uint8_t *eol = memchr(resp->data + at, '\n', resp->len - at);
		size_t end = eol != NULL ? (size_t)(eol - resp->data) : resp->len;
		const char *line = (const char *)resp->data + at;
		size_t len = end - at, got = 0;
		size_t skip = sizeof(dash) - 1 + nl + 1;
		if (len > skip && memcmp(line, dash, sizeof(dash) - 1) == 0 &&
			memcmp(line + sizeof(dash) - 1, name, nl) == 0 && line[skip - 1] == ' ' &&
			uccn_crypto_from_base64(line + skip, len - skip, cosig, UCCN_COSIG_BYTES,
				&got) == UCCN_OK &&
			got == UCCN_COSIG_BYTES &&
			uccn_checkpoint_verify_cosignature(name, pk, node->network, h->size,
				h->root, cosig, NULL) == UCCN_OK) {
			return true;
		}
		at = end + 1;
	}
	return false;
}

/* One witness: submit the checkpoint (once more with the size a 409 names), keep its
 * cosignature as the root's record of it. */
static int submit_one(struct uccn_node *node, size_t i, const char *url, const char *name,
	const uint8_t pk[UCCN_KEY_BYTES], uint64_t now_ms, struct uccn_witness_result *r) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	uint8_t last_root[UCCN_HASH_BYTES], cosig[UCCN_COSIG_BYTES];
	uint64_t old = witnessed_size(node, pk, last_root);
	r->size = h->size;
	if (old == h->size && memcmp(last_root, h->root, UCCN_HASH_BYTES) == 0) {
		r->cosigned = true;
		return UCCN_OK;
	}
	if (old > h->size) {
		old = 0; /* ask, and learn its size from the 409 */
	}
	int err = UCCN_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct uccn_bytes body = {0}, resp = {0};
		err = add_checkpoint_body(node, i, old, &body);
		if (err == UCCN_OK) {
			err = uccn_witness_http_post(url, "/add-checkpoint", body.data, body.len,
				EXT_TIMEOUT_MS, &r->http_status, &resp);
		}
		uccn_bytes_finish(&body);
		char *end = NULL;
		unsigned long long theirs = 0;
		if (err == UCCN_OK && r->http_status == 409 &&
			uccn_bytes_append(&resp, "", 1) == UCCN_OK) {
			theirs = strtoull((const char *)resp.data, &end, 10);
		}
		if (err == UCCN_OK && r->http_status == 409 && attempt == 0 && end != NULL &&
			end != (char *)resp.data && *end == '\n' && theirs <= h->size &&
			theirs != old) {
			old = theirs;
			uccn_bytes_finish(&resp);
			continue;
		}
		if (err == UCCN_OK && r->http_status == 200) {
			r->cosigned = find_cosig_line(node, h, &resp, name, pk, cosig);
		}
		uccn_bytes_finish(&resp);
		break;
	}
	if (err < 0 || !r->cosigned) {
		return err;
	}
	char id[2 * UCCN_KEY_BYTES + 1], root_hex[2 * UCCN_HASH_BYTES + 1], why[256] = "";
	char b64[UCCN_BASE64_LEN(UCCN_COSIG_BYTES)];
	uccn_crypto_to_hex(pk, UCCN_KEY_BYTES, id);
	uccn_crypto_to_hex(h->root, UCCN_HASH_BYTES, root_hex);
	uccn_crypto_to_base64(cosig, sizeof(cosig), b64);
	struct uccn_field f[4] = {int_value("size", (int64_t)h->size), str_field("root", root_hex),
		str_field("signature", b64), str_field("name", name)};
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = uccn_node_append(
		node, "cosignature", node->pk, id, UCCN_OP_PUT, f, 4, now_ms, why, sizeof(why));
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
		uccn_log(UCCN_LOG_ERROR, "keeping %s's cosignature: %s", name, why);
	}
	return err;
}

int uccn_node_witnesses_submit(
	struct uccn_node *node, uint64_t now_ms, uccn_witness_result_fn fn, void *userdata) {
	int err = must_be_root(node, NULL, 0);
	struct uccn_bytes meta = {0};
	if (err < 0 || (err = scan_root(node)) < 0) {
		return err;
	}
	size_t i = newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	err = uccn_store_get_meta(node->st, EXT_META, &meta);
	if (err == UCCN_ENOTFOUND) {
		return 0;
	}
	int cosigned = 0;
	for (size_t at = 0; err == UCCN_OK && at < meta.len;) {
		const uint8_t *nl = memchr(meta.data + at, '\n', meta.len - at);
		size_t end = nl != NULL ? (size_t)(nl - meta.data) : meta.len;
		char line[2 * UCCN_URL_MAX + 512], name[256];
		uint8_t pk[UCCN_KEY_BYTES];
		snprintf(line, sizeof(line), "%.*s", (int)(end - at), meta.data + at);
		at = end + 1;
		char *sp = strchr(line, ' ');
		if (sp == NULL) {
			continue;
		}
		*sp = '\0';
		if (!parse_witness_vkey(sp + 1, name, pk)) {
			continue;
		}
		struct uccn_witness_result r = {.url = line, .name = name};
		r.err = submit_one(node, i, line, name, pk, now_ms, &r);
		if (r.err < 0 && r.err != UCCN_EIO && r.err != UCCN_EINVAL) {
			err = r.err; /* the store failed: stop */
		}
		cosigned += r.cosigned ? 1 : 0;
		if (fn != NULL) {
			fn(userdata, &r);
		}
		/* Our own write moved the root's chain: read it again for the next witness. */
		if ((err = err < 0 ? err : scan_root(node)) == UCCN_OK) {
			i = newest_checkpoint(node);
		}
	}
	uccn_bytes_finish(&meta);
	return err < 0 ? err : cosigned;
}

int uccn_node_registry_prove(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	struct uccn_bytes *out, char *why, size_t why_len) {
	int err = scan_root(node);
	if (err < 0) {
		return err;
	}
	const struct uccn_registry_scan *sc = &node->scan;
	size_t newest = newest_checkpoint(node);
	if (newest == SIZE_MAX) {
		uccn_node_set_why(why, why_len, "this node holds no signed checkpoint yet");
		return UCCN_ENOTFOUND;
	}
	/* A node that requires witnesses proves nothing under a checkpoint without them: it does
	 * not treat that checkpoint as the registry yet. */
	struct uccn_witness_count wc;
	if ((err = uccn_node_checkpoint_witnesses(node, &wc)) < 0) {
		return err;
	}
	if (wc.fields < wc.required) {
		uccn_node_set_why(why, why_len,
			"the newest checkpoint is cosigned by member cities of %zu creative "
			"field%s; "
			"this node requires %zu",
			wc.fields, wc.fields == 1 ? "" : "s", wc.required);
		return UCCN_ENOTFOUND;
	}
	const struct uccn_tree_head *h = &sc->heads[newest];
	struct uccn_bytes leaf = {0}, head = {0}, note = {0};
	struct uccn_proof *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	/* The newest designation of the city under the head (each one states it whole), by the
	 * key it was designated under, or for a key that took over, the city it speaks for. */
	uint8_t city_id[UCCN_KEY_BYTES];
	size_t leaf_index = designation_leaf(sc, city);
	if (leaf_index == SIZE_MAX && uccn_changelog_city_of(node->log, city, city_id)) {
		leaf_index = designation_leaf(sc, city_id);
	}
	bool found = leaf_index != SIZE_MAX && leaf_index < h->size;
	if (found) {
		p->index = leaf_index;
		if ((err = uccn_store_get_change(
			     node->st, node->network, sc->leaf_seq[leaf_index], &leaf)) < 0) {
			goto out;
		}
	}
	if (!found) {
		uccn_node_set_why(why, why_len, "%s",
			leaf_index == SIZE_MAX
				? "no designation names that key: it is not a member"
				: "its newest designation is not under a signed tree head yet");
		err = leaf_index == SIZE_MAX ? UCCN_ENOTMEMBER : UCCN_ENOTFOUND;
		goto out;
	}
	if ((err = uccn_store_get_change(node->st, node->network, h->seq, &head)) < 0 ||
		(err = head_note(node, newest, &note)) < 0) {
		goto out;
	}
	p->note = (const char *)note.data;
	p->note_len = note.len;
	memcpy(p->network, node->network, UCCN_KEY_BYTES);
	p->designation = leaf.data;
	p->designation_len = leaf.len;
	p->head = head.data;
	p->head_len = head.len;
	if ((err = uccn_merkle_inclusion_proof((const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves,
		     h->size, p->index, p->path, &p->npath)) < 0) {
		goto out;
	}
	err = uccn_codec_encode_proof(p, out);
out:
	uccn_bytes_finish(&leaf);
	uccn_bytes_finish(&head);
	uccn_bytes_finish(&note);
	free(p);
	return err;
}
