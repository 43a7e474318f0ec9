/* node_peers.h - what the network loop calls of node_peers.c: writing what it saw of a
 * remembered peer, and asking whether a key is the Secretariat's. Not part of the public API. */
#ifndef NODE_NODE_PEERS_H
#define NODE_NODE_PEERS_H

#include <stdbool.h>
#include <stdint.h>

#include <uccn/node.h>
/* Records what serve saw of the peer p->url: connected, key_known/key, last_contact_ms, ours,
 * theirs, last_error (url, pin and kinds are not changed). UCCN_ENOTFOUND if not remembered. */
UCCN_NODISCARD int uccn_node_peer_update(struct uccn_node *node, const struct uccn_peer *p);

/* Whether key is the network's root or one of the Secretariat's relays (an active `key`
 * record whose city is the root): the nodes that may receive what is meant for the
 * Secretariat alone (PROTOCOL.md §11.5). */
bool uccn_node_is_secretariat_key(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES]);

#endif
