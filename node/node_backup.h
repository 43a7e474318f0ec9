/* node_backup.h - what the rest of the node calls of node_backup.c: the commit that records how
 * far the node has signed, and the check that it may sign now. Not part of the public API. */
#ifndef NODE_NODE_BACKUP_H
#define NODE_NODE_BACKUP_H

#include <stddef.h>

#include <uccn/node.h>

/* Commits the node's transaction, then notes beside the database how far the node has signed
 * (home/node.head), so that a store that later loses its last commits can tell. */
UCCN_NODISCARD int uccn_node_commit(struct uccn_node *node);

/* UCCN_OK if the node may sign a new change now, else UCCN_EBEHIND with why saying what to do.
 */
UCCN_NODISCARD int uccn_node_check_signing(struct uccn_node *node, char *why, size_t why_len);

#endif
