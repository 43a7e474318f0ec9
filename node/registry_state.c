/* registry_state.c - what a node holds of the Secretariat's registry: the root's chain as read
 * (its leaves, their incremental tree, the signed tree heads and each designation's newest leaf),
 * the newest checkpoint among those heads, the designations as the store holds them now, and
 * whether the node is the root. Reads only: writing is registry_write.c's, cosigning
 * registry_witness.c's, and the membership rules live in registry.c. */
#include "node/registry_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/checkpoint.h"
#include "node/merge.h"
#include "node/node_internal.h"

bool uccn_node_is_secretariat(const struct uccn_node *node) {
	static const uint8_t zero[UCCN_KEY_BYTES];
	return memcmp(node->network, zero, UCCN_KEY_BYTES) != 0 &&
	       memcmp(node->network, node->pk, UCCN_KEY_BYTES) == 0;
}

int uccn_registry_state_must_be_root(struct uccn_node *node, char *why, size_t why_len) {
	if (uccn_node_is_secretariat(node)) {
		return UCCN_OK;
	}
	return uccn_error_set(why, why_len, UCCN_EPERM,
		"not permitted: only the Secretariat's node (the network's root key) writes the "
		"registry");
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
		struct uccn_designation_slot *slots = uccn_alloc_calloc(nslots, sizeof(*slots));
		if (slots == NULL) {
			return UCCN_ENOMEM;
		}
		for (size_t i = 0; i < sc->designation_slots; i++) {
			if (sc->designations[i].used) {
				*designation_slot(slots, nslots, sc->designations[i].id) =
					sc->designations[i];
			}
		}
		uccn_alloc_free(sc->designations);
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
size_t uccn_registry_state_designation_leaf(
	const struct uccn_registry_scan *sc, const uint8_t id[UCCN_KEY_BYTES]) {
	if (sc->designation_slots == 0) {
		return SIZE_MAX;
	}
	const struct uccn_designation_slot *slot =
		designation_slot(sc->designations, sc->designation_slots, id);
	return slot->used ? slot->leaf : SIZE_MAX;
}

bool uccn_registry_state_is_leaf_kind(const char *kind) {
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
			return uccn_text_from_hex(
				f->value.str, f->value.str_len, out, UCCN_KEY_BYTES);
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
	if (uccn_registry_state_is_leaf_kind(c->kind)) {
		if (sc->nleaves == sc->cap) {
			size_t cap = sc->cap ? 2 * sc->cap : 256;
			uint8_t(*leaves)[UCCN_HASH_BYTES] =
				uccn_alloc_realloc(sc->leaves, cap * sizeof(*leaves));
			if (leaves == NULL) {
				return UCCN_ENOMEM;
			}
			sc->leaves = leaves;
			uint64_t *seqs = uccn_alloc_realloc(sc->leaf_seq, cap * sizeof(*seqs));
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
			uccn_text_from_hex(c->id, strlen(c->id), id, UCCN_KEY_BYTES) == UCCN_OK) {
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
			struct uccn_tree_head *heads =
				uccn_alloc_realloc(sc->heads, cap * sizeof(*heads));
			if (heads == NULL) {
				return UCCN_ENOMEM;
			}
			sc->heads = heads;
			struct uccn_head_note *notes =
				uccn_alloc_realloc(sc->notes, cap * sizeof(*notes));
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
int uccn_registry_state_scan(struct uccn_node *node) {
	int err = uccn_store_each_author_change(
		node->st, node->network, node->scan.through_seq + 1, scan_change, node);
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

static void copy_str(const struct uccn_record *r, const char *name, char *out, size_t out_len) {
	const struct uccn_value *v = uccn_record_field(r, name);
	out[0] = '\0';
	if (v != NULL && v->type == UCCN_VALUE_STR) {
		snprintf(out, out_len, "%.*s", (int)v->str_len, v->str);
	}
}

/* Reads a designation row of the root's into d: 1 when it is one, 0 when the row is not the
 * root's or not a designation uccn writes, or a negative code. */
int uccn_registry_state_read_designation(struct uccn_node *node, const struct uccn_store_row *row,
	struct uccn_registry_designation *d) {
	memset(d, 0, sizeof(*d));
	if (memcmp(row->owner, node->network, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &node->state) < 0) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the state of designation %s)",
			row->id);
		return UCCN_ECORRUPT;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_record *r = &node->record;
	char cur[UCCN_REGISTRY_HEX_KEY];
	copy_str(r, "city", cur, sizeof(cur));
	snprintf(d->id, sizeof(d->id), "%s", row->id);
	if (uccn_text_from_hex(cur, strlen(cur), d->city, UCCN_KEY_BYTES) < 0 &&
		uccn_text_from_hex(row->id, strlen(row->id), d->city, UCCN_KEY_BYTES) < 0) {
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
	struct uccn_registry_designation *out;
};

static int match_designation(void *userdata, const struct uccn_store_row *row) {
	struct find_designation *fd = userdata;
	struct uccn_registry_designation d;
	int got = uccn_registry_state_read_designation(fd->node, row, &d);
	if (got <= 0) {
		return got;
	}
	char want[UCCN_REGISTRY_HEX_KEY];
	uccn_text_to_hex(fd->key, UCCN_KEY_BYTES, want);
	if (strcmp(d.id, want) != 0 && memcmp(d.city, fd->key, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	*fd->out = d;
	return 1;
}

/* The designation naming key, either as the key it was designated under or as its current
 * key. */
int uccn_registry_state_find_designation(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES],
	struct uccn_registry_designation *out) {
	memset(out, 0, sizeof(*out));
	/* By id through the index: the key it was designated under, or, for a key that took
	 * over after a rotation, the city the registry says it speaks for. */
	uint8_t city[UCCN_KEY_BYTES];
	memcpy(city, key, UCCN_KEY_BYTES);
	for (int attempt = 0; attempt < 2; attempt++) {
		char id[UCCN_REGISTRY_HEX_KEY];
		int64_t rid;
		uccn_text_to_hex(city, UCCN_KEY_BYTES, id);
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

/* The newest tree head that carries a good checkpoint signature and matches the leaves held,
 * or SIZE_MAX. */
size_t uccn_registry_state_newest_checkpoint(struct uccn_node *node) {
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
