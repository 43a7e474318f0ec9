/* node_verify.h - what the rest of the node calls of node_verify.c: letting in the held changes
 * whose time has come. Not part of the public API. */
#ifndef NODE_NODE_VERIFY_H
#define NODE_NODE_VERIFY_H

#include <stddef.h>

#include <uccn/node.h>

/* Lets in the changes held because their clock was ahead, whose time has come (PROTOCOL.md §4
 * step 6), in one transaction; *applied says how many were applied. One indexed read when
 * none is due, so a loop may call it on every tick. */
UCCN_NODISCARD int uccn_node_release_due(struct uccn_node *node, size_t *applied);

#endif
