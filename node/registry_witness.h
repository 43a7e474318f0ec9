/* registry_witness.h - the witness on a node: its public calls are declared in <uccn/node.h>;
 * this header holds what the registry's queries take from it. Not part of the public API. */
#ifndef NODE_REGISTRY_WITNESS_H
#define NODE_REGISTRY_WITNESS_H

#include <stddef.h>

#include <uccn/node.h>

/* The checkpoint note of tree head i with every cosignature held of it, appended to out. */
int uccn_registry_witness_head_note(struct uccn_node *node, size_t i, struct uccn_bytes *out);

#endif
