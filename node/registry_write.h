/* registry_write.h - the Secretariat's writes to the registry on a node; the public ones are
 * declared in <uccn/node.h>. Not part of the public API. */
#ifndef NODE_REGISTRY_WRITE_H
#define NODE_REGISTRY_WRITE_H

#include <stdint.h>

#include <uccn/node.h>

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

#endif
