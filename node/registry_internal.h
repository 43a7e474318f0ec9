/* registry_internal.h - the node's view of who belongs to the network, kept in memory and
 * rebuilt from the Secretariat's designation and key records whenever one of them changes, and
 * the rules that decide who may write what. Declarations shared inside the library only; the
 * public part is <uccn/registry.h>. */
#ifndef NODE_REGISTRY_INTERNAL_H
#define NODE_REGISTRY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/registry.h>

#include "node/store.h"
#include "proto/codec.h"

/* Kinds only the root writes. */
bool uccn_registry_is_root_kind(const char *kind);

struct uccn_registry;

/* A view over st (borrowed) for the network whose root key is root, loaded at once. */
UCCN_NODISCARD int uccn_registry_create(
	struct uccn_store *st, const uint8_t root[UCCN_KEY_BYTES], struct uccn_registry **out);
/* Accepts NULL. */
void uccn_registry_destroy(struct uccn_registry *r);
/* Rebuilds the view from the store (after a designation or key record changed). */
UCCN_NODISCARD int uccn_registry_reload(struct uccn_registry *r);

/* Decides whether c may be applied, given the current state of its record (NULL when the
 * record is not known here yet). UCCN_OK: yes. UCCN_ENOTMEMBER: not yet, hold it (an author
 * not yet designated, a record not yet arrived). UCCN_EPERM: never (why says which rule). */
UCCN_NODISCARD int uccn_registry_authorize(struct uccn_registry *r, const struct uccn_change *c,
	const struct uccn_state *record, char *why, size_t why_len);

/* Names this node's own key: its changes are applied here even before its designation arrives
 * (an edit succeeds locally at once); the cut-offs of the registry still bind it. */
void uccn_registry_set_self(struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]);

/* Names a key this node signed with before a rotation: here its records stay the node's own. */
void uccn_registry_add_former(struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]);

/* Takes an applied designation change into the view without a full reload when it can (a city
 * designated for the first time); false when the caller must reload. */
bool uccn_registry_note_designation(struct uccn_registry *r, const struct uccn_change *c);

/* The city (the key it was designated under) that key speaks for; false if none. */
bool uccn_registry_city_of(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES],
	uint8_t city[UCCN_KEY_BYTES]);

/* Whether the registry knows key: the root, a designated or confirmed key (withdrawn or not),
 * this node's own; in a node with no network, every key. An unknown key's changes are held. */
bool uccn_registry_knows(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]);

/* The i-th key the registry lists (designations and key records), NULL past the last: what a
 * reload may have admitted. Borrowed until the next reload. */
const uint8_t *uccn_registry_key_at(const struct uccn_registry *r, size_t i);

/* Whether key is the root or a relay of the Secretariat (a key record, active, whose city is
 * the root). */
bool uccn_registry_is_secretariat(const struct uccn_registry *r, const uint8_t key[UCCN_KEY_BYTES]);

/* Whether the node whose key is holder may hold a change of feed by author (PROTOCOL.md §11.5):
 * a plain feed, anyone; a Secretariat-only feed, its author's city (any of its keys, past or
 * present, as the registry or, for this node's own keys, the node knows them), the root and the
 * relays. With no network there is no Secretariat: only the author's city. The one rule for what
 * a node stores, announces, sends and exports. */
bool uccn_registry_may_hold(const struct uccn_registry *r, const uint8_t holder[UCCN_KEY_BYTES],
	const char *feed, const uint8_t author[UCCN_KEY_BYTES]);

/* This node's own key (set by uccn_registry_set_self); false when none was named. */
bool uccn_registry_self(const struct uccn_registry *r, uint8_t key[UCCN_KEY_BYTES]);

/* A key whose changes after cutoff are refused (a withdrawal, a rotation, a revocation). */
struct uccn_registry_cutoff {
	uint8_t key[UCCN_KEY_BYTES];
	uint64_t cutoff;
};
/* The cut-offs in force; borrowed until the next reload. */
void uccn_registry_cutoffs(
	const struct uccn_registry *r, const struct uccn_registry_cutoff **list, size_t *count);

#endif
