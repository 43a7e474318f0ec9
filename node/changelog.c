/* changelog.c - the one path every change takes into a node, local or received (see
 * changelog.h): decode, network, signature, schema, hash chain, ownership, merge, store. It
 * decides; the store keeps what it is told. It never commits: callers own the transaction, so a
 * batch lands whole or not at all. */
#include "node/changelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/hlc.h"
#include "node/merge.h"
#include "node/registry_internal.h"
#include "node/schema_internal.h"
#include "proto/codec.h"

struct uccn_changelog {
	struct uccn_store *st;
	struct uccn_registry *registry;
	uint8_t network[UCCN_KEY_BYTES];
	uint64_t max_hlc;        /* the highest clock applied: local changes are clocked after it */
	uccn_wall_clock_fn wall; /* bounds how far ahead a received clock may be */
	void *wall_arg;
	bool local; /* the change being applied is this node's own, clocked by its own clock */
	/* Scratch space reused by every call: these structs are large, and the hot path should not
	 * allocate. */
	struct uccn_change change;
	struct uccn_change draft;
	struct uccn_state state;
	struct uccn_bytes state_in, state_out, stored, held, body, signed_change;
	struct uccn_bytes rebuild_a, rebuild_b; /* double buffer for rebuilding a record */
	char feed[UCCN_FEED_MAX + 1];           /* the feed of the change being applied */
	bool have_state; /* state holds the record of the change being applied */
	/* What arrived since the last retry that held changes may wait on: keys of authors now
	 * known, and record keys (record_key). */
	uint8_t (*arrived)[UCCN_HASH_BYTES];
	size_t narrived, caparrived;
	uint64_t held_per_author, held_max;
	uint64_t foreign; /* the store's foreign writes when the registry was last read */
	bool have_self;
	uint8_t self[UCCN_KEY_BYTES]; /* the node's own key */
};

static uint64_t real_wall_ms(void *arg) {
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int uccn_changelog_create(
	struct uccn_store *st, const uint8_t network[UCCN_KEY_BYTES], struct uccn_changelog **out) {
	struct uccn_changelog *log = uccn_alloc_calloc(1, sizeof(*log));
	if (log == NULL) {
		return UCCN_ENOMEM;
	}
	log->st = st;
	log->held_per_author = UCCN_HELD_PER_AUTHOR;
	log->held_max = UCCN_HELD_MAX;
	log->wall = real_wall_ms;
	memcpy(log->network, network, UCCN_KEY_BYTES);
	int err = uccn_store_max_hlc(st, &log->max_hlc);
	if (err == UCCN_OK) {
		err = uccn_registry_create(st, network, &log->registry);
	}
	if (err < 0) {
		uccn_changelog_destroy(log);
		return err;
	}
	*out = log;
	return UCCN_OK;
}

void uccn_changelog_set_clock(struct uccn_changelog *log, uccn_wall_clock_fn wall, void *arg) {
	log->wall = wall != NULL ? wall : real_wall_ms;
	log->wall_arg = arg;
}

void uccn_changelog_set_self(struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]) {
	uccn_registry_set_self(log->registry, key);
	memcpy(log->self, key, UCCN_KEY_BYTES);
	log->have_self = true;
}

bool uccn_changelog_self(const struct uccn_changelog *log, uint8_t out[UCCN_KEY_BYTES]) {
	if (log->have_self) {
		memcpy(out, log->self, UCCN_KEY_BYTES);
	}
	return log->have_self;
}

void uccn_changelog_add_former(struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]) {
	uccn_registry_add_former(log->registry, key);
}

void uccn_changelog_network(const struct uccn_changelog *log, uint8_t out[UCCN_KEY_BYTES]) {
	memcpy(out, log->network, UCCN_KEY_BYTES);
}

bool uccn_changelog_is_secretariat(
	const struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES]) {
	return uccn_registry_is_secretariat(log->registry, key);
}

bool uccn_changelog_may_hold(const struct uccn_changelog *log, const uint8_t holder[UCCN_KEY_BYTES],
	const char *feed, const uint8_t author[UCCN_KEY_BYTES]) {
	return uccn_registry_may_hold(log->registry, holder, feed, author);
}

bool uccn_changelog_city_of(const struct uccn_changelog *log, const uint8_t key[UCCN_KEY_BYTES],
	uint8_t city[UCCN_KEY_BYTES]) {
	return uccn_registry_city_of(log->registry, key, city);
}

void uccn_changelog_destroy(struct uccn_changelog *log) {
	if (log == NULL) {
		return;
	}
	uccn_bytes_finish(&log->state_in);
	uccn_bytes_finish(&log->state_out);
	uccn_bytes_finish(&log->stored);
	uccn_bytes_finish(&log->held);
	uccn_bytes_finish(&log->body);
	uccn_bytes_finish(&log->signed_change);
	uccn_bytes_finish(&log->rebuild_a);
	uccn_bytes_finish(&log->rebuild_b);
	uccn_alloc_free(log->arrived);
	uccn_registry_destroy(log->registry);
	uccn_alloc_free(log);
}

static int refuse(struct uccn_apply_result *res, int err) {
	res->outcome = UCCN_REFUSED;
	res->err = err;
	return UCCN_OK;
}

static void short_hex(const uint8_t *key, char out[17]) {
	uccn_text_to_hex(key, 8, out);
}

void uccn_changelog_set_held_limits(
	struct uccn_changelog *log, uint64_t per_author, uint64_t total) {
	log->held_per_author = per_author > 0 ? per_author : log->held_per_author;
	log->held_max = total > 0 ? total : log->held_max;
}

/* The key a change held for want of its record waits on: one hash per (kind, owner, id). */
static void record_key(const char *kind, const uint8_t owner[UCCN_KEY_BYTES], const char *id,
	uint8_t out[UCCN_HASH_BYTES]) {
	uint8_t buf[8 + UCCN_KIND_MAX + 1 + UCCN_KEY_BYTES + UCCN_ID_MAX];
	size_t n = 0, klen = strlen(kind), ilen = strlen(id);
	memcpy(buf, "record:", 7);
	n = 7;
	memcpy(buf + n, kind, klen + 1); /* with its NUL: kinds are not prefixes of each other */
	n += klen + 1;
	memcpy(buf + n, owner, UCCN_KEY_BYTES);
	n += UCCN_KEY_BYTES;
	memcpy(buf + n, id, ilen);
	n += ilen;
	uccn_crypto_hash(buf, n, out);
}

/* Notes that what held changes may wait on arrived: key is re-offered at the next retry. */
static int arrived(struct uccn_changelog *log, const uint8_t key[UCCN_HASH_BYTES]) {
	if (log->narrived == log->caparrived) {
		size_t cap = log->caparrived ? 2 * log->caparrived : 16;
		uint8_t(*a)[UCCN_HASH_BYTES] = uccn_alloc_realloc(log->arrived, cap * sizeof(*a));
		if (a == NULL) {
			return UCCN_ENOMEM;
		}
		log->arrived = a;
		log->caparrived = cap;
	}
	memcpy(log->arrived[log->narrived++], key, UCCN_HASH_BYTES);
	return UCCN_OK;
}

/* Holds c (its hash in res) for reason err, to be found by waits when that arrives (NULL: by
 * its predecessor only), within the bounds of PROTOCOL.md §9.5: an author the registry does not
 * know holds at most held_per_author changes here, and the node at most held_max in all. Past
 * a bound the change is refused (UCCN_EBUSY), so a key that is not a member cannot grow the
 * store or the work of re-offering without limit. A change already held stays held. */
static int hold(struct uccn_changelog *log, const struct uccn_change *c, int err,
	const uint8_t *waits, uint64_t now_ms, struct uccn_apply_result *res) {
	bool already = false;
	uint64_t total = 0, mine = 0;
	int e = uccn_store_is_held(log->st, res->hash, &already);
	if (e == UCCN_OK && !already) {
		e = uccn_store_count_held(log->st, NULL, &total);
	}
	if (e < 0) {
		return e;
	}
	if (!already && total >= log->held_max) {
		snprintf(res->why, sizeof(res->why),
			"refused: this node already holds %llu changes waiting, its most; sent "
			"again "
			"once some are let in",
			(unsigned long long)total);
		return refuse(res, UCCN_EBUSY);
	}
	if (!already && !uccn_registry_knows(log->registry, c->author)) {
		if ((e = uccn_store_count_held(log->st, c->author, &mine)) < 0) {
			return e;
		}
		if (mine >= log->held_per_author) {
			char author[17];
			short_hex(c->author, author);
			snprintf(res->why, sizeof(res->why),
				"refused: author %s… is not a member and already has %llu changes "
				"waiting here, its most until its designation arrives",
				author, (unsigned long long)mine);
			return refuse(res, UCCN_EBUSY);
		}
	}
	if ((e = uccn_store_hold_waiting(log->st, c, res->hash, err, res->why, waits, now_ms)) <
		0) {
		return e;
	}
	res->outcome = UCCN_HELD;
	res->err = err;
	return UCCN_OK;
}

/* The checks a change passes on its own; sig is a signature result found earlier (a batch
 * verified on every core) or UCCN_SIG_UNCHECKED to verify here. */
static int check_alone(struct uccn_changelog *log, const struct uccn_change *c, int sig, char *why,
	size_t why_len) {
	if (memcmp(c->network, log->network, UCCN_KEY_BYTES) != 0) {
		char theirs[17], ours[17];
		short_hex(c->network, theirs);
		short_hex(log->network, ours);
		snprintf(why, why_len, "from another network (%s…; this node's is %s…)", theirs,
			ours);
		return UCCN_ENETWORK;
	}
	if (sig == UCCN_SIG_UNCHECKED) {
		sig = uccn_crypto_verify(c->sig, c->body, c->body_len, c->author);
	}
	if (sig < 0) {
		snprintf(why, why_len, "bad signature: not signed by the author's key");
		return UCCN_EBADSIG;
	}
	return uccn_schema_validate_change(c, why, why_len);
}

int uccn_changelog_check(
	struct uccn_changelog *log, const struct uccn_change *c, char *why, size_t why_len) {
	return check_alone(log, c, UCCN_SIG_UNCHECKED, why, why_len);
}

/* Two signed changes for one place in a chain: the key was copied or misused. Keeps the
 * evidence; neither is applied twice. */
static int fork(struct uccn_changelog *log, const struct uccn_change *c, const char *author,
	const char *what, struct uccn_apply_result *res) {
	int err = uccn_store_add_fork(log->st, c->author, c->seq, res->hash, c->raw, c->raw_len);
	if (err < 0) {
		return err;
	}
	snprintf(res->why, sizeof(res->why), "fork: author %s… %s; both kept as evidence", author,
		what);
	uccn_log(UCCN_LOG_WARN, "%s", res->why);
	return refuse(res, UCCN_EFORK);
}

/* The chain rules of PROTOCOL.md §4 step 5 for a change whose checks passed: duplicate, fork,
 * gap, or the next link of its feed. Returns UCCN_OK with res->outcome set, leaving
 * UCCN_APPLIED to mean "go on". */
static int check_chain(struct uccn_changelog *log, const struct uccn_change *c, uint64_t now_ms,
	struct uccn_apply_result *res) {
	struct uccn_store_head head, feed;
	int err = uccn_store_get_head(log->st, c->author, &head);
	if (err < 0) {
		return err;
	}
	char author[17];
	short_hex(c->author, author);
	char what[160];
	if (c->seq <= head.seq) {
		/* Below the author's newest seq: either this very change, a fork, or a link of a
		 * feed this node has not followed that far. */
		err = uccn_store_get_change(log->st, c->author, c->seq, &log->stored);
		if (err == UCCN_OK) {
			uint8_t stored_hash[UCCN_HASH_BYTES];
			uccn_crypto_hash(log->stored.data, log->stored.len, stored_hash);
			if (memcmp(stored_hash, res->hash, UCCN_HASH_BYTES) == 0) {
				res->outcome = UCCN_DUPLICATE;
				return UCCN_OK;
			}
			snprintf(what, sizeof(what), "already signed a different change #%llu",
				(unsigned long long)c->seq);
			return fork(log, c, author, what, res);
		}
		if (err != UCCN_ENOTFOUND) {
			return err;
		}
	}
	uccn_schema_feed(c, log->feed);
	if ((err = uccn_store_get_feed_head(log->st, c->author, log->feed, &feed)) < 0) {
		return err;
	}
	bool follows = feed.seq == 0
			       ? !c->has_prev
			       : c->has_prev && memcmp(c->prev, feed.hash, UCCN_HASH_BYTES) == 0;
	if (follows) {
		if (c->seq <= feed.seq) {
			snprintf(res->why, sizeof(res->why),
				"sequence does not advance: change #%llu of %s… follows #%llu in "
				"its "
				"%s feed",
				(unsigned long long)c->seq, author, (unsigned long long)feed.seq,
				log->feed);
			return refuse(res, UCCN_ECHAIN);
		}
		if (feed.seq > 0 && c->hlc <= feed.hlc) {
			snprintf(res->why, sizeof(res->why),
				"clock does not advance: change #%llu of %s… is not later than "
				"#%llu",
				(unsigned long long)c->seq, author, (unsigned long long)feed.seq);
			return refuse(res, UCCN_ECHAIN);
		}
		res->outcome = UCCN_APPLIED;
		return UCCN_OK;
	}
	if (c->has_prev && feed.seq > 0 && c->seq == feed.seq + 1) {
		/* No change can sit between the two: the link is simply wrong. */
		snprintf(res->why, sizeof(res->why),
			"previous-hash mismatch: change #%llu of %s… does not follow the #%llu "
			"this node holds in its %s feed",
			(unsigned long long)c->seq, author, (unsigned long long)feed.seq,
			log->feed);
		return refuse(res, UCCN_ECHAIN);
	}
	if (!c->has_prev || c->seq < feed.seq) {
		/* Every link of a feed up to its head is held here, so a change that starts the
		 * feed again or lands inside it without being stored branches the chain. */
		snprintf(what, sizeof(what),
			"signed change #%llu, which branches its %s feed (held up to #%llu)",
			(unsigned long long)c->seq, log->feed, (unsigned long long)feed.seq);
		return fork(log, c, author, what, res);
	}
	snprintf(res->why, sizeof(res->why),
		"waiting for the change before #%llu in the %s feed of author %s… (this node holds "
		"it up to #%llu)",
		(unsigned long long)c->seq, log->feed, author, (unsigned long long)feed.seq);
	return hold(log, c, UCCN_EAGAIN, NULL, now_ms, res);
}

/* PROTOCOL.md §4 step 4a: a change meant for the Secretariat alone that this node may not
 * hold is dropped before anything of it is stored (not as held, not as fork evidence), so no
 * path (a session, a file, a relay) leaves it here. Its chain stops before it on this node, and
 * the rest of its feed is dropped the same way. A log that was never told its own key (a bare
 * log over a store) has no holder to judge and keeps what it is given. */
static bool may_keep(
	struct uccn_changelog *log, const struct uccn_change *c, struct uccn_apply_result *res) {
	uint8_t self[UCCN_KEY_BYTES];
	uccn_schema_feed(c, log->feed);
	if (!uccn_registry_self(log->registry, self) ||
		uccn_registry_may_hold(log->registry, self, log->feed, c->author)) {
		return true;
	}
	char author[17];
	short_hex(c->author, author);
	snprintf(res->why, sizeof(res->why),
		"not for this node: the %s feed of %s… is meant for the Secretariat alone, and "
		"this "
		"node is neither the Secretariat nor of its author's city",
		log->feed, author);
	res->outcome = UCCN_DROPPED;
	res->err = UCCN_EPERM;
	return false;
}

/* Loads the record's current state into log->state (have_state false when there is none yet)
 * and *rid its row. */
static int load_state(struct uccn_changelog *log, const struct uccn_change *c, int64_t *rid) {
	int err = uccn_store_get_state(log->st, c->kind, c->owner, c->id, rid, &log->state_in);
	log->have_state = false;
	uccn_merge_init(&log->state);
	if (err == UCCN_ENOTFOUND) {
		return UCCN_OK;
	}
	if (err < 0) {
		return err;
	}
	if (uccn_codec_decode_state(log->state_in.data, log->state_in.len, c->owner, &log->state) < 0) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the state of %s %s)", c->kind,
			c->id);
		return UCCN_ECORRUPT;
	}
	log->have_state = true;
	return UCCN_OK;
}

static int merge_and_store(struct uccn_changelog *log, const struct uccn_change *c, int64_t rid,
	struct uccn_apply_result *res) {
	int err;
	if (uccn_merge_apply(&log->state, c) < 0) {
		snprintf(res->why, sizeof(res->why),
			"%s %s would hold more than %d fields or %d list items", c->kind, c->id,
			UCCN_FIELDS_MAX, UCCN_ITEMS_MAX);
		return refuse(res, UCCN_ESCHEMA);
	}
	log->state_out.len = 0;
	if ((err = uccn_codec_encode_state(&log->state, c->owner, &log->state_out)) < 0) {
		return err;
	}
	err = uccn_store_put_change(log->st, c, log->feed, res->hash, &rid, log->state_out.data,
		log->state_out.len, uccn_merge_is_deleted(&log->state));
	if (err < 0) {
		return err;
	}
	if (c->hlc > log->max_hlc) {
		log->max_hlc = c->hlc;
	}
	res->outcome = UCCN_APPLIED;
	return UCCN_OK;
}

/* Rebuilding a record after some of its changes were revoked: merge is order-free, so folding
 * the remaining changes in any order gives the state they alone make. */
struct rebuild {
	struct uccn_changelog *log;
	bool any;
	uint8_t owner[UCCN_KEY_BYTES]; /* every change of a record names its owner */
};

static int fold_change(void *userdata, const uint8_t *data, size_t len) {
	struct rebuild *rb = userdata;
	struct uccn_changelog *log = rb->log;
	if (uccn_codec_decode_change(data, len, &log->change, NULL, 0) < 0) {
		uccn_log(UCCN_LOG_ERROR,
			"the database is damaged (a stored change does not decode)");
		return UCCN_ECORRUPT;
	}
	memcpy(rb->owner, log->change.owner, UCCN_KEY_BYTES);
	uccn_merge_init(&log->state);
	if (rb->any && uccn_codec_decode_state(log->rebuild_a.data, log->rebuild_a.len, rb->owner,
			       &log->state) < 0) {
		return UCCN_ECORRUPT;
	}
	int err = uccn_merge_apply(&log->state, &log->change);
	log->rebuild_b.len = 0;
	if (err == UCCN_OK) {
		err = uccn_codec_encode_state(&log->state, rb->owner, &log->rebuild_b);
	}
	struct uccn_bytes t = log->rebuild_a;
	log->rebuild_a = log->rebuild_b;
	log->rebuild_b = t;
	rb->any = true;
	return err;
}

static int rebuild_record(struct uccn_changelog *log, int64_t rid) {
	struct rebuild rb = {log, false, {0}};
	int err = uccn_store_each_live_change(log->st, rid, fold_change, &rb);
	if (err < 0) {
		return err;
	}
	uccn_merge_init(&log->state);
	if (!rb.any) {
		/* Nothing left counts: an empty state, a record with no fields, shown as deleted.
		 */
		log->rebuild_a.len = 0;
		if ((err = uccn_codec_encode_state(&log->state, rb.owner, &log->rebuild_a)) < 0) {
			return err;
		}
	} else if (uccn_codec_decode_state(
			   log->rebuild_a.data, log->rebuild_a.len, rb.owner, &log->state) < 0) {
		return UCCN_ECORRUPT;
	}
	return uccn_store_set_state(log->st, rid, log->rebuild_a.data, log->rebuild_a.len,
		rb.any ? uccn_merge_is_deleted(&log->state) : true);
}

/* The registry moved: reload the view, take back what keys signed past their cut-off (their
 * changes may have arrived before the withdrawal did), and let held changes try again. */
static int registry_changed(struct uccn_changelog *log) {
	int err = uccn_registry_reload(log->registry);
	if (err < 0) {
		return err;
	}
	const struct uccn_registry_cutoff *cut;
	size_t ncut;
	uccn_registry_cutoffs(log->registry, &cut, &ncut);
	/* Every key with a cut-off, and every key that had one and may have lost it (a city
	 * designated again): its marks must match the registry as it stands now. */
	struct uccn_bytes revoked = {0};
	if ((err = uccn_store_revoked_authors(log->st, &revoked)) < 0) {
		return err;
	}
	for (size_t i = 0; i < ncut + revoked.len / UCCN_KEY_BYTES && err == UCCN_OK; i++) {
		const uint8_t *key;
		uint64_t cutoff;
		if (i < ncut) {
			key = cut[i].key;
			cutoff = cut[i].cutoff;
		} else {
			key = revoked.data + (i - ncut) * UCCN_KEY_BYTES;
			cutoff = UINT64_MAX;
			for (size_t k = 0; k < ncut; k++) {
				if (memcmp(cut[k].key, key, UCCN_KEY_BYTES) == 0) {
					cutoff = cut[k].cutoff;
				}
			}
		}
		int64_t *rids = NULL;
		size_t nrids = 0;
		if ((err = uccn_store_set_cutoff(log->st, key, cutoff, &rids, &nrids)) < 0) {
			break;
		}
		for (size_t k = 0; k < nrids && err == UCCN_OK; k++) {
			err = rebuild_record(log, rids[k]);
		}
		if (nrids > 0) {
			char hex[17];
			uccn_text_to_hex(key, 8, hex);
			uccn_log(UCCN_LOG_WARN,
				"the registry moved the cut-off of %s…: %zu records rebuilt", hex,
				nrids);
		}
		uccn_alloc_free(rids);
	}
	uccn_bytes_finish(&revoked);
	/* Any key the registry lists may be new to it: changes held for want of their author are
	 * looked up by each (an index probe per key; reloads are rare, the registry small). */
	const uint8_t *key;
	for (size_t i = 0; err == UCCN_OK && (key = uccn_registry_key_at(log->registry, i)) != NULL;
		i++) {
		err = arrived(log, key);
	}
	return err;
}

/* Offers one change, without releasing held ones. */
/* Another process wrote the store (designations made beside a running serve): the registry
 * view and the clock must be read again. It applied what those writes imply already. */
static int catch_up(struct uccn_changelog *log) {
	uint64_t foreign = uccn_store_foreign_writes(log->st);
	if (foreign == log->foreign) {
		return UCCN_OK;
	}
	uint64_t hlc = 0;
	int err = uccn_registry_reload(log->registry);
	if (err == UCCN_OK && (err = uccn_store_max_hlc(log->st, &hlc)) == UCCN_OK) {
		log->max_hlc = hlc > log->max_hlc ? hlc : log->max_hlc;
		log->foreign = foreign;
	}
	return err;
}

/* PROTOCOL.md §4 step 6: a clock far ahead of ours would win every tie for as long as it is
 * ahead, and would drag this node's own clock (and so every change it signs) along with it. It
 * waits, held, until our wall clock comes within UCCN_HLC_SKEW_MS of it. Sets res->outcome to
 * UCCN_HELD when it does. */
static int hold_if_ahead(struct uccn_changelog *log, const struct uccn_change *c, uint64_t now_ms,
	struct uccn_apply_result *res) {
	uint64_t wall = log->wall(log->wall_arg);
	if (!uccn_hlc_is_ahead(c->hlc, wall)) {
		return UCCN_OK;
	}
	uint64_t due = uccn_hlc_due_ms(c->hlc);
	char clock[40], ours[40], until[40];
	uccn_hlc_format(c->hlc, clock, sizeof(clock));
	uccn_hlc_format(wall << 16, ours, sizeof(ours));
	uccn_hlc_format(due << 16, until, sizeof(until));
	snprintf(res->why, sizeof(res->why),
		"clock ahead: clocked %s, more than %llu minutes past this node's clock (%s); "
		"held until %s",
		clock, (unsigned long long)(UCCN_HLC_SKEW_MS / 60000), ours, until);
	/* Within the bounds on held changes, like any other (§9.5); found again by its due time,
	 * or by its predecessor if it is one. */
	int err = hold(log, c, UCCN_EFUTURE, NULL, now_ms, res);
	if (err == UCCN_OK && res->outcome == UCCN_HELD) {
		err = uccn_store_set_held_due(log->st, res->hash, due);
	}
	return err;
}

static int apply_change(struct uccn_changelog *log, const struct uccn_change *c, int sig,
	uint64_t now_ms, struct uccn_apply_result *res);

/* Opens a change's offer: res cleared, the registry caught up with other writers. */
static int start(struct uccn_changelog *log, struct uccn_apply_result *res) {
	memset(res, 0, sizeof(*res));
	int caught = catch_up(log);
	if (caught < 0) {
		return caught;
	}
	res->outcome = UCCN_REFUSED;
	return UCCN_OK;
}

static int apply_one(struct uccn_changelog *log, const uint8_t *buf, size_t len, int sig,
	uint64_t now_ms, struct uccn_apply_result *res) {
	int caught = start(log, res);
	if (caught < 0) {
		return caught;
	}
	struct uccn_change *c = &log->change;
	char why[160];
	if (len > UCCN_CHANGE_MAX) {
		snprintf(res->why, sizeof(res->why),
			"malformed: a change of %zu bytes (at most %d)", len, UCCN_CHANGE_MAX);
		return refuse(res, UCCN_EPROTO);
	}
	int err = uccn_codec_decode_change(buf, len, c, why, sizeof(why));
	if (err == UCCN_ENOMEM) {
		return err;
	}
	if (err < 0) {
		snprintf(res->why, sizeof(res->why), "malformed: %s", why);
		return refuse(res, UCCN_EPROTO);
	}
	return apply_change(log, c, sig, now_ms, res);
}

/* apply_one's work once the change is decoded (c->raw its bytes, at most UCCN_CHANGE_MAX). */
static int apply_change(struct uccn_changelog *log, const struct uccn_change *c, int sig,
	uint64_t now_ms, struct uccn_apply_result *res) {
	int err;
	res->decoded = true;
	uccn_crypto_hash(c->raw, c->raw_len, res->hash);
	memcpy(res->author, c->author, UCCN_KEY_BYTES);
	res->seq = c->seq;
	snprintf(res->kind, sizeof(res->kind), "%s", c->kind);
	snprintf(res->id, sizeof(res->id), "%s", c->id);

	if ((err = check_alone(log, c, sig, res->why, sizeof(res->why))) < 0) {
		return refuse(res, err);
	}
	if (!may_keep(log, c, res)) {
		return UCCN_OK;
	}
	if ((err = check_chain(log, c, now_ms, res)) < 0 || res->outcome != UCCN_APPLIED) {
		return err;
	}
	if (!log->local && (err = hold_if_ahead(log, c, now_ms, res)) < 0) {
		return err;
	}
	if (res->outcome == UCCN_HELD) {
		return UCCN_OK;
	}
	res->outcome = UCCN_REFUSED;
	int64_t rid = 0;
	if ((err = load_state(log, c, &rid)) < 0) {
		return err;
	}
	err = uccn_registry_authorize(
		log->registry, c, log->have_state ? &log->state : NULL, res->why, sizeof(res->why));
	if (err == UCCN_ENOTMEMBER) {
		/* It waits on its author's designation, or, from a known author, on its record. */
		uint8_t waits[UCCN_HASH_BYTES];
		if (uccn_registry_knows(log->registry, c->author)) {
			record_key(c->kind, c->owner, c->id, waits);
		} else {
			memcpy(waits, c->author, UCCN_KEY_BYTES);
		}
		return hold(log, c, UCCN_ENOTMEMBER, waits, now_ms, res);
	}
	if (err < 0) {
		return refuse(res, err);
	}
	bool created = !log->have_state;
	if ((err = merge_and_store(log, c, rid, res)) < 0 || res->outcome != UCCN_APPLIED) {
		return err;
	}
	/* What may change who can write: the registry itself, a record's editors, and a record
	 * arriving that others' edits waited for. */
	if (uccn_registry_is_root_kind(c->kind)) {
		if (strcmp(c->kind, "role") == 0 || strcmp(c->kind, "treehead") == 0) {
			return UCCN_OK; /* signed records, but nobody's rights change */
		}
		uint8_t city[UCCN_KEY_BYTES];
		if (uccn_registry_note_designation(log->registry, c) &&
			uccn_text_from_hex(c->id, strlen(c->id), city, UCCN_KEY_BYTES) == UCCN_OK) {
			return arrived(log, city); /* a new city: its key is the designation's id */
		}
		return registry_changed(log);
	}
	uint64_t held = 0;
	err = created ? uccn_store_count_held(log->st, NULL, &held) : UCCN_OK;
	if (err == UCCN_OK && held > 0) {
		/* (With nothing held nothing waits: a bulk sync's new records skip the hash.) */
		uint8_t key[UCCN_HASH_BYTES];
		record_key(c->kind, c->owner, c->id, key);
		return arrived(log, key);
	}
	return err;
}

int uccn_changelog_apply(struct uccn_changelog *log, const uint8_t *buf, size_t len,
	uint64_t now_ms, struct uccn_apply_result *res, uccn_result_fn released, void *userdata) {
	return uccn_changelog_apply_verified(
		log, buf, len, UCCN_SIG_UNCHECKED, now_ms, res, released, userdata);
}

static int release_after(struct uccn_changelog *log, uint64_t now_ms, struct uccn_apply_result *res,
	uccn_result_fn released, void *userdata);

int uccn_changelog_apply_verified(struct uccn_changelog *log, const uint8_t *buf, size_t len,
	int sig, uint64_t now_ms, struct uccn_apply_result *res, uccn_result_fn released,
	void *userdata) {
	int err = apply_one(log, buf, len, sig, now_ms, res);
	if (err < 0 || res->outcome != UCCN_APPLIED) {
		return err;
	}
	return release_after(log, now_ms, res, released, userdata);
}

int uccn_changelog_apply_decoded(struct uccn_changelog *log, const struct uccn_change *c, int sig,
	uint64_t now_ms, struct uccn_apply_result *res, uccn_result_fn released, void *userdata) {
	int err = start(log, res);
	if (err == UCCN_OK) {
		err = apply_change(log, c, sig, now_ms, res);
	}
	if (err < 0 || res->outcome != UCCN_APPLIED) {
		return err;
	}
	return release_after(log, now_ms, res, released, userdata);
}

/* res was applied: lets in the changes of its feed that were held for want of it. */
static int release_after(struct uccn_changelog *log, uint64_t now_ms, struct uccn_apply_result *res,
	uccn_result_fn released, void *userdata) {
	int err;
	/* The feed moved: a change held for want of this one may now fit. Several may wait on the
	 * same link (all but one are forks); each is offered, then the chain goes on from the one
	 * that was applied. */
	uint8_t author[UCCN_KEY_BYTES], link[UCCN_HASH_BYTES], next[UCCN_HASH_BYTES];
	memcpy(author, res->author, UCCN_KEY_BYTES);
	memcpy(link, res->hash, UCCN_HASH_BYTES);
	bool moved = false;
	struct uccn_apply_result sub;
	for (;;) {
		err = uccn_store_pop_held(log->st, author, link, &log->held);
		if (err == UCCN_ENOTFOUND) {
			if (!moved) {
				return UCCN_OK;
			}
			memcpy(link, next, UCCN_HASH_BYTES);
			moved = false;
			continue;
		}
		if (err < 0) {
			return err;
		}
		/* log->held is not touched by apply_one, so the bytes stay valid during the call.
		 */
		if ((err = apply_one(log, log->held.data, log->held.len, UCCN_SIG_UNCHECKED, now_ms,
			     &sub)) < 0) {
			return err;
		}
		if (sub.outcome == UCCN_HELD) {
			/* Held again for another reason (membership): it waits there now, and
			 * popping on would find it again. */
			if (!moved) {
				return UCCN_OK;
			}
			memcpy(link, next, UCCN_HASH_BYTES);
			moved = false;
			continue;
		}
		sub.released = true;
		if (released != NULL) {
			released(userdata, &sub);
		}
		if (sub.outcome == UCCN_APPLIED) {
			memcpy(next, sub.hash, UCCN_HASH_BYTES);
			moved = true;
		}
	}
}

/* Offers again each of items (taken from the held ones), reporting what is not held anew. */
static int offer_again(struct uccn_changelog *log, struct uccn_bytes *items, size_t n,
	uint64_t now_ms, uccn_result_fn released, void *userdata, size_t *applied) {
	int err = UCCN_OK;
	for (size_t i = 0; i < n; i++) {
		struct uccn_apply_result res;
		if (err == UCCN_OK) {
			err = uccn_changelog_apply(
				log, items[i].data, items[i].len, now_ms, &res, released, userdata);
			if (err == UCCN_OK && res.outcome == UCCN_APPLIED && applied != NULL) {
				(*applied)++;
			}
			if (err == UCCN_OK && released != NULL && res.outcome != UCCN_HELD) {
				res.released = true;
				released(userdata, &res);
			}
		}
		uccn_bytes_finish(&items[i]);
	}
	uccn_alloc_free(items);
	return err;
}

int uccn_changelog_has_due(struct uccn_changelog *log, bool *out) {
	uint64_t due = 0;
	int err = uccn_store_next_due(log->st, &due);
	*out = err == UCCN_OK && due > 0 && due <= log->wall(log->wall_arg);
	return err;
}

int uccn_changelog_release_due(struct uccn_changelog *log, uint64_t now_ms, uccn_result_fn released,
	void *userdata, size_t *applied) {
	struct uccn_bytes *items = NULL;
	size_t n = 0;
	int err = uccn_store_take_due(log->st, log->wall(log->wall_arg), &items, &n);
	if (err < 0) {
		return err;
	}
	return offer_again(log, items, n, now_ms, released, userdata, applied);
}

int uccn_changelog_retry_held(
	struct uccn_changelog *log, uint64_t now_ms, uccn_result_fn released, void *userdata) {
	/* Changes whose clock was ahead and whose time has come: an index finds them, and with
	 * nothing held there is no query at all, so every batch may ask. One let in may be awaited
	 * in turn (a designation), which the loop below sees. */
	int err = uccn_changelog_release_due(log, now_ms, released, userdata, NULL);
	/* Each key that arrived releases what waits on it, found by index; a change let in may
	 * itself be awaited (a designation held behind its own gap, a record), and adds its key. */
	while (err == UCCN_OK && log->narrived > 0) {
		uint8_t key[UCCN_HASH_BYTES];
		memcpy(key, log->arrived[--log->narrived], UCCN_HASH_BYTES);
		struct uccn_bytes *items = NULL;
		size_t n = 0;
		err = uccn_store_take_waiting(log->st, key, &items, &n);
		if (err == UCCN_OK) {
			err = offer_again(log, items, n, now_ms, released, userdata, NULL);
		}
	}
	if (err < 0) {
		log->narrived = 0;
	}
	return err;
}

/* What a store kept from before the audience rule that this node may not hold: feeds, and held
 * or fork rows, found first and dropped after (a walk does not delete under itself). */
struct unheld {
	struct uccn_changelog *log;
	uint8_t self[UCCN_KEY_BYTES];
	struct unheld_feed {
		uint8_t author[UCCN_KEY_BYTES];
		char feed[UCCN_FEED_MAX + 1];
	} * feeds;
	size_t nfeeds, capfeeds;
	uint8_t (*hashes)[UCCN_HASH_BYTES];
	size_t nhashes, caphashes;
	uint64_t changes; /* changes in the feeds found */
};

static int grow(void **items, size_t *cap, size_t n, size_t size) {
	if (n < *cap) {
		return UCCN_OK;
	}
	void *p = uccn_alloc_grow(*items, cap, 16, size);
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	*items = p;
	return UCCN_OK;
}

static int unheld_feed(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct unheld *u = userdata;
	if (uccn_registry_may_hold(u->log->registry, u->self, feed, author) ||
		strlen(feed) > UCCN_FEED_MAX) {
		return 0;
	}
	if (grow((void **)&u->feeds, &u->capfeeds, u->nfeeds, sizeof(*u->feeds)) < 0) {
		return UCCN_ENOMEM;
	}
	memcpy(u->feeds[u->nfeeds].author, author, UCCN_KEY_BYTES);
	snprintf(u->feeds[u->nfeeds].feed, sizeof(u->feeds[0].feed), "%s", feed);
	u->nfeeds++;
	return 0;
}

static int unheld_bytes(struct unheld *u, const uint8_t *data, size_t len) {
	char feed[UCCN_FEED_MAX + 1];
	if (uccn_codec_decode_change(data, len, &u->log->change, NULL, 0) < 0) {
		return 0; /* it never passes §4 either; verify reports it */
	}
	uccn_schema_feed(&u->log->change, feed);
	if (uccn_registry_may_hold(u->log->registry, u->self, feed, u->log->change.author)) {
		return 0;
	}
	if (grow((void **)&u->hashes, &u->caphashes, u->nhashes, sizeof(*u->hashes)) < 0) {
		return UCCN_ENOMEM;
	}
	uccn_crypto_hash(data, len, u->hashes[u->nhashes++]);
	return 0;
}

static int unheld_held(void *userdata, const struct uccn_store_held *h) {
	return unheld_bytes(userdata, h->data, h->len);
}

static int unheld_fork(void *userdata, const struct uccn_store_fork *f) {
	return unheld_bytes(userdata, f->data, f->len);
}

int uccn_changelog_drop_unheld(struct uccn_changelog *log, bool apply, uint64_t *count) {
	*count = 0;
	struct unheld u = {.log = log};
	if (!uccn_registry_self(log->registry, u.self)) {
		return UCCN_OK;
	}
	int err = catch_up(log);
	if (err == UCCN_OK) {
		err = uccn_store_each_secretariat_feed(log->st, unheld_feed, &u);
	}
	if (err == UCCN_OK) {
		err = uccn_store_each_held(log->st, unheld_held, &u);
	}
	if (err == UCCN_OK) {
		err = uccn_store_each_fork(log->st, unheld_fork, &u);
	}
	for (size_t i = 0; i < u.nfeeds && err == UCCN_OK; i++) {
		uint64_t n = 0;
		err = uccn_store_count_feed(
			log->st, u.feeds[i].author, u.feeds[i].feed, UINT64_MAX, &n);
		u.changes += n;
	}
	for (size_t i = 0; apply && i < u.nfeeds && err == UCCN_OK; i++) {
		int64_t *rids = NULL;
		size_t nrids = 0;
		err = uccn_store_purge_feed(
			log->st, u.feeds[i].author, u.feeds[i].feed, &rids, &nrids);
		for (size_t k = 0; k < nrids && err == UCCN_OK; k++) {
			err = rebuild_record(log, rids[k]);
		}
		uccn_alloc_free(rids);
	}
	for (size_t i = 0; apply && i < u.nhashes && err == UCCN_OK; i++) {
		err = uccn_store_drop_kept(log->st, u.hashes[i]);
	}
	if (err == UCCN_OK) {
		*count = u.changes + u.nhashes;
	}
	uccn_alloc_free(u.feeds);
	uccn_alloc_free(u.hashes);
	return err;
}

int uccn_changelog_append(struct uccn_changelog *log, const struct uccn_identity *id,
	const char *kind, const uint8_t owner[UCCN_KEY_BYTES], const char *record_id,
	enum uccn_op op, const struct uccn_field *fields, size_t nfields, uint64_t now_ms,
	struct uccn_apply_result *res) {
	memset(res, 0, sizeof(*res));
	int err = catch_up(log);
	if (err < 0) {
		return err;
	}
	struct uccn_change *d = &log->draft;
	if (nfields > UCCN_FIELDS_MAX || strlen(kind) > UCCN_KIND_MAX ||
		strlen(record_id) > UCCN_ID_MAX) {
		snprintf(res->why, sizeof(res->why), "too many fields or too long a kind or id");
		res->outcome = UCCN_REFUSED;
		res->err = UCCN_ESCHEMA;
		return UCCN_ESCHEMA;
	}
	memcpy(d->network, log->network, UCCN_KEY_BYTES);
	uccn_crypto_identity_public_key(id, d->author);
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	memcpy(d->owner, owner, UCCN_KEY_BYTES);
	snprintf(d->id, sizeof(d->id), "%s", record_id);
	d->op = op;
	d->nfields = nfields;
	if (nfields > 0) {
		memcpy(d->fields, fields, nfields * sizeof(fields[0]));
	}
	d->nitems = 0;
	/* The author numbers all its changes in one sequence; each links to the last of its own
	 * feed (PROTOCOL.md §4.5). */
	struct uccn_store_head head, feed;
	char feed_name[UCCN_FEED_MAX + 1];
	uccn_schema_feed(d, feed_name);
	err = uccn_store_get_head(log->st, d->author, &head);
	if (err < 0 || (err = uccn_store_get_feed_head(log->st, d->author, feed_name, &feed)) < 0) {
		return err;
	}
	d->seq = head.seq + 1;
	d->has_prev = feed.seq > 0;
	memcpy(d->prev, feed.hash, UCCN_HASH_BYTES);
	uint64_t last = log->max_hlc > head.hlc ? log->max_hlc : head.hlc;
	d->hlc = uccn_hlc_next(last, now_ms);
	if (d->hlc <= last) {
		/* Only a store written before clocks were bounded can hold such a clock: signing
		 * anything would break the chain's rule that clocks advance. */
		char at[40];
		uccn_hlc_format(last, at, sizeof(at));
		snprintf(res->why, sizeof(res->why),
			"this node's clock is at its end (%s, the largest a change may carry): it "
			"cannot sign a later change",
			at);
		res->outcome = UCCN_REFUSED;
		res->err = UCCN_ECHAIN;
		return UCCN_ECHAIN;
	}

	log->body.len = 0;
	log->signed_change.len = 0;
	uint8_t sig[UCCN_SIG_BYTES];
	if ((err = uccn_codec_encode_body(d, &log->body)) < 0) {
		snprintf(res->why, sizeof(res->why), "%s", uccn_strerror(err));
		res->outcome = UCCN_REFUSED;
		res->err = err == UCCN_EINVAL ? UCCN_ESCHEMA : err;
		return res->err;
	}
	uccn_crypto_sign(id, log->body.data, log->body.len, sig);
	if ((err = uccn_codec_encode_signed(
		     log->body.data, log->body.len, sig, &log->signed_change)) < 0) {
		return err;
	}
	/* Our own clock: it never holds our own change for being ahead of itself. */
	log->local = true;
	err = uccn_changelog_apply(
		log, log->signed_change.data, log->signed_change.len, now_ms, res, NULL, NULL);
	log->local = false;
	if (err < 0) {
		return err;
	}
	if (res->outcome != UCCN_APPLIED) {
		return res->err < 0 ? res->err : UCCN_EIO;
	}
	return UCCN_OK;
}
