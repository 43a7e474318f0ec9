/* node_internal.h - the node's private state (struct uccn_node) and the glue node.c defines for
 * every part: the node's own files (node_records.c, node_exchange.c, node_verify.c,
 * node_peers.c, node_backup.c) and the registry's modules (registry_state.c, registry_write.c,
 * registry_witness.c, registry_tlog_witness.c and registry_query.c). What one part offers the
 * others is declared beside it (node_records.h, node_verify.h, node_backup.h, registry_*.h).
 * Not part of the public API. */
#ifndef NODE_NODE_INTERNAL_H
#define NODE_NODE_INTERNAL_H

#include <uccn/node.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/error_internal.h"
#include "node/merkle.h"
#include "node/node_net.h"
#include "node/registry_state.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/codec.h"

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
	struct uccn_error err; /* the last failure's reason: uccn_node_errmsg */
};

/* Opens a public call that can leave a reason on the node (uccn_node_errmsg): clears it and
 * gives the buffer to write the reason into, its size in *why_len. */
char *uccn_node_error_begin(struct uccn_node *node, size_t *why_len);

#endif
