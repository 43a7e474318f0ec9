/* registry_state.h - what a node holds of the Secretariat's registry, shared by the registry's
 * modules on the node (registry_write.c, registry_witness.c, registry_query.c). Not part of the
 * public API. */
#ifndef NODE_REGISTRY_STATE_H
#define NODE_REGISTRY_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uccn/node.h>

#include "node/merkle.h"
#include "node/store.h"

/* A key in hex, with its NUL. */
#define UCCN_REGISTRY_HEX_KEY (2 * UCCN_KEY_BYTES + 1)

/* What the node has read of the root's chain: the registry's leaves (designation and key
 * changes, in chain order) and the signed tree heads, kept so that a new tree head costs
 * O(log n) rather than a walk of the whole registry. */
struct uccn_registry_scan {
	uint64_t through_seq; /* the root's changes up to this one are read */
	uint8_t (*leaves)[UCCN_HASH_BYTES];
	uint64_t *leaf_seq; /* the root's sequence of each leaf's change */
	size_t nleaves, cap;
	struct uccn_merkle_frontier frontier; /* the tree over the leaves, to its root */
	struct uccn_tree_head *heads;         /* every signed tree head read, oldest first */
	/* Beside each head: its checkpoint signature (PROTOCOL.md §9.7), when it carries one. */
	struct uccn_head_note {
		bool has;
		uint8_t sig[4 + UCCN_SIG_BYTES];
	} * notes;
	size_t nheads, heads_cap;
	/* Each designation's newest leaf, by the key it was designated under: an open-addressing
	 * table, so a proof does not walk the registry. */
	struct uccn_designation_slot {
		bool used;
		uint8_t id[UCCN_KEY_BYTES];
		size_t leaf;
	} * designations;
	size_t designation_slots, ndesignations;
};

/* Forgets what was read of the root's chain (after a rolled-back write). */
void uccn_node_scan_reset(struct uccn_node *node);

/* Brings the scan up to the root's newest applied change; forgets it on an error. */
int uccn_registry_state_scan(struct uccn_node *node);

/* UCCN_OK on the root's node (the Secretariat's), else UCCN_EPERM with why saying so. */
int uccn_registry_state_must_be_root(struct uccn_node *node, char *why, size_t why_len);

/* Whether changes of this kind are leaves of the registry's tree (designations and keys). */
bool uccn_registry_state_is_leaf_kind(const char *kind);

/* The newest leaf of the designation with id, or SIZE_MAX. */
size_t uccn_registry_state_designation_leaf(
	const struct uccn_registry_scan *sc, const uint8_t id[UCCN_KEY_BYTES]);

/* The newest tree head that carries a good checkpoint signature and matches the leaves held,
 * or SIZE_MAX. */
size_t uccn_registry_state_newest_checkpoint(struct uccn_node *node);

/* A designation as the store holds it now. */
struct uccn_registry_designation {
	bool found;
	char id[UCCN_REGISTRY_HEX_KEY]; /* the key the city was designated under */
	uint8_t city[UCCN_KEY_BYTES];   /* its current key */
	char name[256], country[3], field[32], status[16], reason[512];
	int64_t year;
	int64_t cutoff; /* -1: none */
	uint64_t created_hlc;
};

/* Reads a designation row of the root's into d: 1 when it is one, 0 when the row is not the
 * root's or not a designation uccn writes, or a negative code. */
int uccn_registry_state_read_designation(struct uccn_node *node, const struct uccn_store_row *row,
	struct uccn_registry_designation *d);

/* The designation naming key, either as the key it was designated under or as its current
 * key; out->found says whether there is one. */
int uccn_registry_state_find_designation(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES],
	struct uccn_registry_designation *out);

/* The fields of a change the registry's modules write. */
static inline struct uccn_field str_field(const char *name, const char *value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_STR, .str = value, .str_len = strlen(value)}};
}

static inline struct uccn_field int_value(const char *name, int64_t value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_INT, .i = value}};
}

static inline struct uccn_field nil_field(const char *name) {
	return (struct uccn_field){
		.name = name, .name_len = strlen(name), .value = {.type = UCCN_VALUE_NIL}};
}

#endif
