/* node_peers.c - a node's list of peers (add, remove, list, and what serve notes of each), and
 * what serve asks of the node about a peer's key. Glue only: the list lives in store.c; the
 * sessions with the peers are net.c's. */
#include "node/node_peers.h"

#include <uccn/node.h>

#include <stdio.h>
#include <string.h>

#include <uccn/schema.h>

#include "node/changelog.h"
#include "node/node_internal.h"
#include "node/store.h"

/* Checks a comma-separated list of kinds; "" is every kind. */
static int check_kinds(const char *kinds, char *why, size_t why_len) {
	const char *p = kinds;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char kind[UCCN_KIND_MAX + 1];
		if (n == 0 || n > UCCN_KIND_MAX) {
			return uccn_error_set(why, why_len, UCCN_EINVAL,
				"--kinds: \"%s\" is not a list of kinds", kinds);
		}
		memcpy(kind, p, n);
		kind[n] = '\0';
		if (uccn_schema_kind(kind) == NULL) {
			return uccn_error_set(
				why, why_len, UCCN_EINVAL, "--kinds: unknown kind \"%s\"", kind);
		}
		p += n;
		p += *p == ',';
	}
	return UCCN_OK;
}

int uccn_node_peer_add(
	struct uccn_node *node, const char *url, const uint8_t *pin, const char *kinds) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	size_t scheme = strncmp(url, "ws://", 5) == 0 ? 5 : strncmp(url, "wss://", 6) == 0 ? 6 : 0;
	if (scheme == 0 || url[scheme] == '\0' || strlen(url) > UCCN_URL_MAX) {
		return uccn_error_set(why, why_len, UCCN_EINVAL,
			"\"%s\" is not a peer address: ws://HOST[:PORT] or wss://HOST[:PORT], at "
			"most %d bytes",
			url, UCCN_URL_MAX);
	}
	if (kinds == NULL) {
		kinds = "";
	}
	if (strlen(kinds) > UCCN_KINDS_TEXT_MAX) {
		return uccn_error_set(why, why_len, UCCN_EINVAL, "--kinds: too long a list");
	}
	int err = check_kinds(kinds, why, why_len);
	if (err < 0) {
		return err;
	}
	if (pin != NULL && memcmp(pin, node->pk, UCCN_KEY_BYTES) == 0) {
		return uccn_error_set(why, why_len, UCCN_EINVAL, "that key is this node's own");
	}
	return uccn_store_put_peer(node->st, url, pin, kinds);
}

int uccn_node_peer_remove(struct uccn_node *node, const char *url) {
	return uccn_store_drop_peer(node->st, url);
}

struct peer_walk {
	uccn_peer_fn fn;
	void *userdata;
};

static int each_peer(void *userdata, const struct uccn_store_peer *sp) {
	struct peer_walk *w = userdata;
	struct uccn_peer p;
	memset(&p, 0, sizeof(p));
	snprintf(p.url, sizeof(p.url), "%s", sp->url);
	p.pinned = sp->pinned;
	memcpy(p.pin, sp->pin, UCCN_KEY_BYTES);
	snprintf(p.kinds, sizeof(p.kinds), "%s", sp->kinds);
	p.connected = sp->connected;
	p.key_known = sp->key_known;
	memcpy(p.key, sp->key, UCCN_KEY_BYTES);
	p.last_contact_ms = sp->last_contact_ms;
	p.ours = sp->ours;
	p.theirs = sp->theirs;
	snprintf(p.last_error, sizeof(p.last_error), "%s", sp->last_error);
	return w->fn(w->userdata, &p);
}

int uccn_node_peer_list(struct uccn_node *node, uccn_peer_fn fn, void *userdata) {
	struct peer_walk w = {fn, userdata};
	return uccn_store_each_peer(node->st, each_peer, &w);
}

int uccn_node_peer_update(struct uccn_node *node, const struct uccn_peer *p) {
	struct uccn_store_peer sp;
	memset(&sp, 0, sizeof(sp));
	snprintf(sp.url, sizeof(sp.url), "%s", p->url);
	sp.connected = p->connected;
	sp.key_known = p->key_known;
	memcpy(sp.key, p->key, UCCN_KEY_BYTES);
	sp.last_contact_ms = p->last_contact_ms;
	sp.ours = p->ours;
	sp.theirs = p->theirs;
	snprintf(sp.last_error, sizeof(sp.last_error), "%s", p->last_error);
	return uccn_store_note_peer(node->st, &sp);
}

int uccn_node_count_by(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], uint64_t *out) {
	return uccn_store_count_by(node->st, key, out);
}

bool uccn_node_is_secretariat_key(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES]) {
	return uccn_changelog_is_secretariat(node->log, key);
}
