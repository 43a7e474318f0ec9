/* node_internal.h - the node's private state, shared by node.c (the home and the records) and
 * node_registry.c (the Secretariat's registry). Not part of the public API. */
#ifndef NODE_NODE_INTERNAL_H
#define NODE_NODE_INTERNAL_H

#include <uccn/node.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/merkle.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/codec.h"

/* What the node has read of the root's chain: the registry's leaves (designation and key
 * changes, in chain order) and the signed tree heads, kept so that a new tree head costs
 * O(log n) rather than a walk of the whole registry. */
struct uccn_registry_scan {
	uint64_t through_seq; /* the root's changes up to this one are read */
	uint8_t (*leaves)[UCCN_HASH_BYTES];
	uint64_t *leaf_seq; /* the root's sequence of each leaf's change */
	size_t nleaves, cap;
	struct uccn_merkle_frontier frontier; /* the tree over the leaves, to its root */
	struct uccn_tree_head *heads; /* every signed tree head read, oldest first */
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

struct uccn_node {
	char *home;
	struct uccn_identity *id;
	struct uccn_store *st;
	struct uccn_changelog *log;
	uint8_t pk[UCCN_KEY_BYTES];
	uint8_t network[UCCN_KEY_BYTES];
	struct uccn_registry_scan scan;
	struct uccn_verifier *verifier; /* made at the first import: threads only when needed */
	/* Scratch for walks: these are large and the walks call back once per row. */
	struct uccn_change change;
	struct uccn_state state;
	struct uccn_record record;
};

/* Forgets what was read of the root's chain (after a rolled-back write). */
void uccn_node_scan_reset(struct uccn_node *node);

/* The fields of a tree head (PROTOCOL.md §9.7) over size leaves with this root, the checkpoint
 * signed by the node's key (the root's: only the Secretariat calls it). The fields point into
 * out. */
#define UCCN_TREE_HEAD_FIELDS 3
struct uccn_tree_head_fields {
	char root_hex[2 * UCCN_HASH_BYTES + 1];
	char sig_b64[96];
	struct uccn_field fields[UCCN_TREE_HEAD_FIELDS];
};
void uccn_node_tree_head_fields(struct uccn_node *node, uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], struct uccn_tree_head_fields *out);

/* Writes one local change inside the caller's transaction. why gets the refusal. */
UCCN_NODISCARD int uccn_node_append(struct uccn_node *node, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, enum uccn_op op,
	const struct uccn_field *fields, size_t nfields, uint64_t now_ms, char *why,
	size_t why_len);

/* Commits the node's transaction, then notes beside the database how far the node has signed
 * (home/node.head), so that a store that later loses its last commits can tell. */
UCCN_NODISCARD int uccn_node_commit(struct uccn_node *node);

/* UCCN_OK if the node may sign a new change now, else UCCN_EBEHIND with why saying what to do.
 */
UCCN_NODISCARD int uccn_node_check_signing(struct uccn_node *node, char *why, size_t why_len);

/* Lets in the changes held because their clock was ahead, whose time has come (PROTOCOL.md §4
 * step 6), in one transaction; *applied says how many were applied. One indexed read when
 * none is due, so a loop may call it on every tick. */
UCCN_NODISCARD int uccn_node_release_due(struct uccn_node *node, size_t *applied);

/* Writes a reason into why (may be NULL) for the caller to show. */
void uccn_node_set_why(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Wall-clock milliseconds, for dating held changes. */
uint64_t uccn_node_wall_ms(void);

#endif
