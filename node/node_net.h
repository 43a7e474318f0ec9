/* node_net.h - what the network loop (net.c) asks of the node, defined in node.c: the parts the
 * node owns and lends (its store, its change log, its key, its pool of verifying threads) and its
 * wall clock, so the loop reaches the node through functions and never its struct. Not part of the
 * public API. */
#ifndef NODE_NODE_NET_H
#define NODE_NODE_NET_H

#include <stdint.h>

#include <uccn/node.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/store.h"
#include "node/verifier.h"

/* The node's store, change log and identity: borrowed until uccn_node_close. */
struct uccn_store *uccn_node_store(struct uccn_node *node);
struct uccn_changelog *uccn_node_changelog(struct uccn_node *node);
const struct uccn_identity *uccn_node_identity(const struct uccn_node *node);

/* The node's pool of verifying threads, made at the first call with threads (0: one per core;
 * later calls keep the pool as it is), borrowed until uccn_node_close, which destroys it.
 * UCCN_OK, or what uccn_verifier_create returned. */
UCCN_NODISCARD int uccn_node_verifier(
	struct uccn_node *node, unsigned threads, struct uccn_verifier **out);

/* Wall-clock milliseconds, for dating held changes. */
uint64_t uccn_node_wall_ms(void);

#endif
