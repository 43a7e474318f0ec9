/* registry_witness.h - the witness on a node: its public calls are declared in <uccn/node.h>;
 * this header holds what the registry's queries and registry_tlog_witness.c take from it. Not
 * part of the public API. */
#ifndef NODE_REGISTRY_WITNESS_H
#define NODE_REGISTRY_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/node.h>

/* The checkpoint note of tree head i with every cosignature held of it, appended to out. */
int uccn_registry_witness_head_note(struct uccn_node *node, size_t i, struct uccn_bytes *out);

/* A cosignature record's checkpoint (§9.11): has says whether it holds one. */
struct uccn_registry_own_cosig {
	bool has;
	uint64_t size;
	uint8_t root[UCCN_HASH_BYTES];
};

/* Reads the checkpoint of the cosignature record r into userdata, a struct
 * uccn_registry_own_cosig; a uccn_node_get callback, always 0. */
int uccn_registry_witness_read_own_cosig(void *userdata, const struct uccn_record *r);

#endif
