/* node_verify.c - a node checking what it holds: verify (every stored change, the chains and
 * heads, the forks, and whether changes the node signed are missing) and the held changes (listed,
 * and let in when their time comes). Glue only: the rules of a change are changelog.c's; the
 * home and the keys are node.c's. */
#include "node/node_verify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/node_internal.h"
#include "node/schema_internal.h"
#include "node/store.h"
#include "proto/codec.h"

/* One feed of the author being walked: its last link so far. */
struct verify_feed {
	char name[UCCN_FEED_MAX + 1];
	uint64_t seq;
	uint8_t hash[UCCN_HASH_BYTES];
	uint64_t hlc;
};

/* An author writes one feed per kind and audience at most. */
#define VERIFY_FEEDS 32

struct verify_walk {
	struct uccn_node *node;
	uccn_fault_fn fn;
	void *userdata;
	int faults;
	uint64_t checked;
	bool have_author;
	uint8_t author[UCCN_KEY_BYTES];
	uint64_t seq; /* the author's highest seq so far */
	uint8_t hash[UCCN_HASH_BYTES];
	struct verify_feed feeds[VERIFY_FEEDS];
	size_t nfeeds;
};

static void fault(struct verify_walk *w, int err, const uint8_t *author, uint64_t seq,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fault(
	struct verify_walk *w, int err, const uint8_t *author, uint64_t seq, const char *fmt, ...) {
	struct uccn_fault f = {.err = err, .seq = seq};
	if (author != NULL) {
		memcpy(f.author, author, UCCN_KEY_BYTES);
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f.why, sizeof(f.why), fmt, ap);
	va_end(ap);
	w->faults++;
	if (w->fn != NULL) {
		w->fn(w->userdata, &f);
	}
}

/* The heads the store records for the author whose changes just ended (its newest change, the
 * last link of each feed) must be what the changes say. */
static int check_head(struct verify_walk *w) {
	if (!w->have_author) {
		return UCCN_OK;
	}
	struct uccn_store_head head;
	int err = uccn_store_get_head(w->node->st, w->author, &head);
	if (err < 0) {
		return err;
	}
	if (head.seq != w->seq || memcmp(head.hash, w->hash, UCCN_HASH_BYTES) != 0) {
		fault(w, UCCN_ECORRUPT, w->author, w->seq,
			"the recorded head (#%llu) is not the author's last change",
			(unsigned long long)head.seq);
	}
	for (size_t i = 0; i < w->nfeeds; i++) {
		struct verify_feed *f = &w->feeds[i];
		if ((err = uccn_store_get_feed_head(w->node->st, w->author, f->name, &head)) < 0) {
			return err;
		}
		if (head.seq != f->seq || memcmp(head.hash, f->hash, UCCN_HASH_BYTES) != 0) {
			fault(w, UCCN_ECORRUPT, w->author, f->seq,
				"the recorded head of the %s feed (#%llu) is not its last change",
				f->name, (unsigned long long)head.seq);
		}
	}
	return UCCN_OK;
}

static struct verify_feed *verify_feed(struct verify_walk *w, const char *name) {
	for (size_t i = 0; i < w->nfeeds; i++) {
		if (strcmp(w->feeds[i].name, name) == 0) {
			return &w->feeds[i];
		}
	}
	if (w->nfeeds == VERIFY_FEEDS) {
		return NULL;
	}
	struct verify_feed *f = &w->feeds[w->nfeeds++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

static int verify_change(void *userdata, const uint8_t *data, size_t len) {
	struct verify_walk *w = userdata;
	struct uccn_change *c = &w->node->change;
	char why[256];
	w->checked++;
	if (uccn_codec_decode_change(data, len, c, why, sizeof(why)) < 0) {
		fault(w, UCCN_ECORRUPT, NULL, 0, "a stored change does not decode: %s", why);
		return UCCN_OK;
	}
	if (!w->have_author || memcmp(w->author, c->author, UCCN_KEY_BYTES) != 0) {
		int err = check_head(w);
		if (err < 0) {
			return err;
		}
		w->have_author = true;
		memcpy(w->author, c->author, UCCN_KEY_BYTES);
		w->seq = 0;
		w->nfeeds = 0;
	}
	int err = uccn_changelog_check(w->node->log, c, why, sizeof(why));
	if (err < 0) {
		fault(w, err, c->author, c->seq, "%s", why);
	}
	char name[UCCN_FEED_MAX + 1];
	uccn_schema_feed(c, name);
	struct verify_feed *f = verify_feed(w, name);
	if (f == NULL) {
		fault(w, UCCN_ECORRUPT, c->author, c->seq, "more feeds than kinds");
	} else if (f->seq == 0 ? c->has_prev
			       : !c->has_prev || memcmp(c->prev, f->hash, UCCN_HASH_BYTES) != 0) {
		fault(w, UCCN_ECHAIN, c->author, c->seq,
			"previous-hash mismatch: not the next link of its %s feed", name);
	} else if (f->seq > 0 && c->hlc <= f->hlc) {
		fault(w, UCCN_ECHAIN, c->author, c->seq, "clock does not advance");
	}
	uint8_t hash[UCCN_HASH_BYTES];
	uccn_crypto_hash(data, len, hash);
	if (c->seq > w->seq) { /* the author's changes come feed after feed */
		w->seq = c->seq;
		memcpy(w->hash, hash, UCCN_HASH_BYTES);
	}
	if (f != NULL) {
		f->seq = c->seq;
		f->hlc = c->hlc;
		memcpy(f->hash, hash, UCCN_HASH_BYTES);
	}
	return UCCN_OK;
}

static int verify_fork(void *userdata, const struct uccn_store_fork *f) {
	struct verify_walk *w = userdata;
	char hash[17];
	uccn_text_to_hex(f->hash, 8, hash);
	fault(w, UCCN_EFORK, f->author, f->seq,
		"fork: a second, different change #%llu (%s…) signed by the same key: the key may "
		"have been copied",
		(unsigned long long)f->seq, hash);
	return UCCN_OK;
}

int uccn_node_verify(
	struct uccn_node *node, uccn_fault_fn fn, void *userdata, uint64_t *changes_checked) {
	struct verify_walk w = {.node = node, .fn = fn, .userdata = userdata};
	int err = uccn_store_check_integrity(node->st);
	if (err == UCCN_ECORRUPT) {
		fault(&w, err, NULL, 0, "the database file is damaged (SQLite integrity check)");
	} else if (err < 0) {
		return err;
	}
	if ((err = uccn_store_begin_read(node->st)) < 0) {
		return err;
	}
	err = uccn_store_each_change(node->st, verify_change, &w);
	if (err == UCCN_OK) {
		err = check_head(&w);
	}
	if (err == UCCN_OK) {
		err = uccn_store_each_fork(node->st, verify_fork, &w);
	}
	struct uccn_node_signing sign;
	if (err == UCCN_OK && (err = uccn_node_signing(node, &sign)) == UCCN_OK &&
		sign.signed_up_to > sign.head) {
		/* The commits the record beside the database counted are gone (a lost WAL, an
		 * old copy put back by hand): every check above holds, and yet changes are
		 * missing. */
		fault(&w, UCCN_EBEHIND, node->pk, sign.head,
			"this store ends at #%llu but this node signed up to #%llu: %llu of its "
			"changes are missing; sync with a peer to get them back",
			(unsigned long long)sign.head, (unsigned long long)sign.signed_up_to,
			(unsigned long long)(sign.signed_up_to - sign.head));
	}
	uccn_store_rollback(node->st);
	if (changes_checked != NULL) {
		*changes_checked = w.checked;
	}
	return err < 0 ? err : w.faults;
}

struct held_walk {
	struct uccn_node *node;
	uccn_result_fn fn;
	void *userdata;
};

static int each_held_row(void *userdata, const struct uccn_store_held *h) {
	struct held_walk *w = userdata;
	struct uccn_apply_result res = {.outcome = UCCN_HELD, .err = h->err, .seq = h->seq};
	memcpy(res.author, h->author, UCCN_KEY_BYTES);
	snprintf(res.why, sizeof(res.why), "%s", h->why);
	uccn_crypto_hash(h->data, h->len, res.hash);
	if (uccn_codec_decode_change(h->data, h->len, &w->node->change, NULL, 0) == UCCN_OK) {
		res.decoded = true;
		snprintf(res.kind, sizeof(res.kind), "%s", w->node->change.kind);
		snprintf(res.id, sizeof(res.id), "%s", w->node->change.id);
	}
	w->fn(w->userdata, &res);
	return 0;
}

int uccn_node_release_due(struct uccn_node *node, size_t *applied) {
	*applied = 0;
	bool due = false;
	int err = uccn_changelog_has_due(node->log, &due);
	if (err < 0 || !due) {
		return err;
	}
	uint64_t now = uccn_node_wall_ms();
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = uccn_changelog_release_due(node->log, now, NULL, NULL, applied);
	if (err == UCCN_OK) {
		/* What came in may be a designation others wait for. */
		err = uccn_changelog_retry_held(node->log, now, NULL, NULL);
	}
	if (err < 0) {
		uccn_store_rollback(node->st);
		uccn_node_scan_reset(node);
		*applied = 0;
		return err;
	}
	return uccn_store_commit(node->st);
}

int uccn_node_held(struct uccn_node *node, uccn_result_fn fn, void *userdata) {
	struct held_walk w = {node, fn, userdata};
	return uccn_store_each_held(node->st, each_held_row, &w);
}

bool uccn_change_signature_ok(const struct uccn_change *c) {
	return uccn_crypto_verify(c->sig, c->body, c->body_len, c->author) == UCCN_OK;
}
