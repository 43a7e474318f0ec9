/* node_records.h - what the rest of the node calls of node_records.c: one local change written
 * inside a transaction the caller holds. Not part of the public API. */
#ifndef NODE_NODE_RECORDS_H
#define NODE_NODE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/node.h>

/* Writes one local change inside the caller's transaction. why gets the refusal. */
UCCN_NODISCARD int uccn_node_append(struct uccn_node *node, const char *kind,
	const uint8_t owner[UCCN_KEY_BYTES], const char *id, enum uccn_op op,
	const struct uccn_field *fields, size_t nfields, uint64_t now_ms, char *why,
	size_t why_len);

struct uccn_store_row;
/* The record a store row holds, materialised in the node's scratch record (*out, valid until
 * the node reads another). UCCN_ECORRUPT (logged) for a state that does not decode. */
UCCN_NODISCARD int uccn_node_row_record(
	struct uccn_node *node, const struct uccn_store_row *row, struct uccn_record **out);

#endif
