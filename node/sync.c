/* sync.c - the replication engine of one session (see sync.h): reconciliation of feed heads,
 * batches in chain order (compressed when both sides agree), acknowledgements after commit, a
 * bounded window, DONE, and live push. Touches the store and the change log, nothing else: no
 * sockets, no clock, no threads. */
#include "node/sync.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>

#include "node/alloc.h"
#include "node/crypto.h"
#include "node/ingest.h"
#include "node/schema_internal.h"
#include "node/verifier.h"
#include "proto/codec.h"

#define DEFAULT_BATCH 256
/* Room for a peer like us to gather four batches (receive_batch) while its pool verifies the
 * four before them, with as many again on the way. */
#define DEFAULT_WINDOW 16
/* A batch must fit one session frame (1 MiB) with its framing: bins of at most 64 KiB each
 * cost a few bytes of header, and the session adds its tag. */
#define BATCH_BYTES (1024 * 1024 - 64 * 1024)
/* Reconciliation (PROTOCOL.md §11.8): a range that differs and holds at most LIST_MAX of our
 * heads is answered with them (about 5 bytes a head: a digest and a seq); a larger one is cut
 * in SPLIT parts of near equal counts (about 16 bytes a part, and a round trip more). On a
 * slow link the round trip costs far more than the bytes, so lists are long: 350 cities' ~1,400
 * feeds take one cut (the opening) and a list. The initiator opens with the whole set cut so,
 * unless it has at most OPEN_LIST_MAX heads: nothing is cheaper when nothing differs. */
#define LIST_MAX 128
#define OPEN_LIST_MAX 16
#define SPLIT 16
/* Salts drawn for one LIST before giving up on digests that differ (each draw fails with
 * odds of about n^2 / 2^33 for n heads: one draw in practice). */
#define SALT_TRIES 64

/* What the peer holds of one chain (an author's feed): what its vector said, raised by what we
 * sent it and by what it sent us. */
struct peer_head {
	uint8_t author[UCCN_KEY_BYTES];
	char feed[UCCN_FEED_MAX + 1];
	uint64_t seq;
};

/* One head of ours that travels to the peer, with its key (author then feed, §11.1). */
struct item {
	struct uccn_sync_entry e;
	uint8_t key[UCCN_SYNC_BOUND_MAX];
	size_t klen;
};

/* A RECON being built: ranges, and the heads its LIST and LACK ranges carry (named, and by
 * digest or index). */
struct recon {
	struct uccn_sync_range *r;
	size_t n, cap;
	struct uccn_sync_entry *e;
	size_t ne, cape;
	struct uccn_sync_tag *t;
	size_t nt, capt;
};

struct uccn_sync {
	struct uccn_sync_config cfg;
	struct peer_head *peer; /* sorted by author */
	size_t npeer, cap;
	/* Reconciliation: our heads that travel to the peer when the session began, sorted by
	 * key; the ranges of our last RECON (what the peer's next one answers); whether we wait
	 * for one; whether the peer's first message came. have_vector: reconciliation is over,
	 * we know what the peer lacks. */
	struct item *mine;
	size_t nmine;
	struct uccn_sync_range *prev;
	size_t nprev;
	bool sent_recon, awaiting, opened;
	unsigned peer_features;
	bool zstd;
	struct peer_head *learned; /* scratch: what one message taught of the peer's heads */
	size_t nlearned, caplearned;
	struct recon reply;
	bool have_vector;
	bool peer_reads_held; /* its first RECON offered "ack-held" (§11.1, §11.8) */
	bool done_sent; /* DONE sent and nothing sent since */
	bool peer_done; /* DONE received and nothing received since */
	size_t inflight;
	uint64_t next_batch;
	uint64_t expect_ack;    /* batches are acknowledged in order */
	struct uccn_bytes *out; /* queued payloads */
	size_t nout, headout, capout;
	struct uccn_net_stats stats;
	struct uccn_sync_wire_stats wire;
	bool have_peer_key;
	uint8_t peer_key[UCCN_KEY_BYTES];
	/* The session's client's and server's keys, which a LIST names heads of in full (§11.8);
	 * all zero where unknown (engines in tests), which no author is. */
	uint8_t keys[2][UCCN_KEY_BYTES];
	uint8_t root[UCCN_KEY_BYTES]; /* the network id: the registry's author */
	uint64_t to_send; /* sent, plus what the peer lacked when pending was first asked */
	uint8_t (*waiting)[UCCN_HASH_BYTES]; /* this session's held changes (on_released) */
	size_t nwaiting;
	bool counted;
	/* The node's own chain (PROTOCOL.md §11.7): the most of it the peer's vector showed, and
	 * whether the node is marked to take its own changes back before signing again. */
	bool have_self;
	uint8_t self[UCCN_KEY_BYTES];
	uint64_t peer_own;
	bool catching_up;
	/* Received batches (node/ingest.h). With a pool (cfg.verifier), they are gathered
	 * (receive_batch), and one gathering may be pending: its signatures are being verified
	 * while the one before it is applied; it is applied and acknowledged when the next
	 * gathering goes to the pool, or at uccn_sync_flush. */
	struct uccn_ingest *ingest;
	struct uccn_ingest_counters counters; /* into stats */
	uint64_t dropped_before;              /* stats.dropped when the batch being stored began */
	struct peer_head *heads; /* scratch: the chains of a received batch (UCCN_SYNC_BATCH_MAX) */
	size_t nheads;
	/* Scratch for building a batch. With compression, a batch holds only changes of plain
	 * feeds or only of @secretariat ones (batch_secret): only the first are compressed. */
	struct uccn_bytes *batch;
	size_t nbatch;
	size_t batch_bytes;
	bool batch_secret;
	char error[200]; /* why the peer broke §11, for uccn_sync_error */
};

static int cmp_key(const uint8_t *author, const char *feed, const struct peer_head *h) {
	int c = memcmp(author, h->author, UCCN_KEY_BYTES);
	return c != 0 ? c : strcmp(feed, h->feed);
}

static int cmp_head(const void *a, const void *b) {
	const struct peer_head *x = a, *y = b;
	return cmp_key(x->author, x->feed, y);
}

static int merge_heads(struct uccn_sync *s, struct peer_head *add, size_t n);

static struct peer_head *find_peer(
	struct uccn_sync *s, const uint8_t author[UCCN_KEY_BYTES], const char *feed) {
	/* Called for every change sent and received: a search on the key itself, no probe. */
	size_t lo = 0, hi = s->npeer;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(author, feed, &s->peer[mid]);
		if (c == 0) {
			return &s->peer[mid];
		}
		if (c < 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return NULL;
}

static bool chosen(const char *const *kinds, size_t n, const char *kind) {
	for (size_t i = 0; i < n; i++) {
		if (strcmp(kinds[i], kind) == 0) {
			return true;
		}
	}
	return n == 0;
}

/* Whether the chain's kind travels in this session (PROTOCOL.md §11.5 rule 1): chosen by both
 * sides. Both know both choices from the handshake, so a peer that sends another kind breaks
 * the protocol. */
static bool kind_travels(const struct uccn_sync *s, const char *feed) {
	char kind[UCCN_KIND_MAX + 1];
	uccn_schema_feed_kind(feed, kind);
	return chosen(s->cfg.kinds, s->cfg.nkinds, kind) &&
	       chosen(s->cfg.peer_kinds, s->cfg.npeer_kinds, kind);
}

/* Whether the chain (author, feed) may travel to the peer (§11.5): its kind travels, and the
 * peer may hold the feed by the audience rule, judged by our registry from its proven key. It
 * decides what we announce and send. What the peer sends us is judged by the other half of the
 * same rule, on our side: the change log drops what this node may not hold. */
static bool travels(const struct uccn_sync *s, const uint8_t *author, const char *feed) {
	if (!kind_travels(s, feed)) {
		return false;
	}
	return !uccn_schema_feed_is_secretariat(feed) || s->cfg.peer_secretariat ||
	       (s->have_peer_key && uccn_changelog_may_hold(s->cfg.log, s->peer_key, feed, author));
}

/* Raises what the peer holds of author's feed to seq (never lowers it). */
static int peer_has(
	struct uccn_sync *s, const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint64_t seq) {
	struct peer_head *h = find_peer(s, author, feed);
	if (h != NULL) {
		h->seq = seq > h->seq ? seq : h->seq;
		return UCCN_OK;
	}
	if (s->npeer == s->cap) {
		struct peer_head *p = uccn_alloc_grow(s->peer, &s->cap, 64, sizeof(*p));
		if (p == NULL) {
			return UCCN_ENOMEM;
		}
		s->peer = p;
	}
	size_t at = s->npeer;
	while (at > 0 && cmp_key(author, feed, &s->peer[at - 1]) < 0) {
		s->peer[at] = s->peer[at - 1];
		at--;
		s->stats.moves++;
	}
	memcpy(s->peer[at].author, author, UCCN_KEY_BYTES);
	snprintf(s->peer[at].feed, sizeof(s->peer[at].feed), "%s", feed);
	s->peer[at].seq = seq;
	s->npeer++;
	return UCCN_OK;
}

static int queue(struct uccn_sync *s, struct uccn_bytes *payload);

/* Queues the payload just encoded when err says it was; frees what is left either way. */
static int queue_built(struct uccn_sync *s, int err, struct uccn_bytes *payload) {
	if (err == UCCN_OK) {
		err = queue(s, payload);
	}
	uccn_bytes_finish(payload);
	return err;
}

static int queue(struct uccn_sync *s, struct uccn_bytes *payload) {
	if (s->nout == s->capout) {
		struct uccn_bytes *o = uccn_alloc_grow(s->out, &s->capout, 16, sizeof(*o));
		if (o == NULL) {
			return UCCN_ENOMEM;
		}
		s->out = o;
	}
	s->out[s->nout++] = *payload;
	memset(payload, 0, sizeof(*payload));
	return UCCN_OK;
}

bool uccn_sync_pop_payload(struct uccn_sync *s, struct uccn_bytes *out) {
	if (s->headout == s->nout) {
		s->headout = s->nout = 0;
		return false;
	}
	uccn_bytes_finish(out);
	*out = s->out[s->headout];
	memset(&s->out[s->headout], 0, sizeof(s->out[s->headout]));
	s->headout++;
	return true;
}

/* Our heads: every chain this node holds that travels in this session, and how far. The
 * reconciliation covers exactly these, so a feed the peer may not hold is never in a
 * fingerprint, a bound or a list. */
struct mine_build {
	struct uccn_sync *s;
	size_t cap;
};

static int add_mine(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct mine_build *v = userdata;
	struct uccn_sync *s = v->s;
	if (!travels(s, author, feed) || strlen(feed) > UCCN_FEED_MAX) {
		return 0;
	}
	if (s->nmine == UCCN_SYNC_VECTOR_MAX) {
		uccn_log(UCCN_LOG_ERROR, "sync: more than %d feeds to announce",
			UCCN_SYNC_VECTOR_MAX);
		return UCCN_ENOMEM;
	}
	if (s->nmine == v->cap) {
		struct item *e = uccn_alloc_grow(s->mine, &v->cap, 64, sizeof(*e));
		if (e == NULL) {
			return UCCN_ENOMEM;
		}
		s->mine = e;
	}
	struct item *x = &s->mine[s->nmine++];
	memcpy(x->e.author, author, UCCN_KEY_BYTES);
	snprintf(x->e.feed_buf, sizeof(x->e.feed_buf), "%s", feed);
	x->e.feed = NULL; /* set once the array stops moving: a realloc would leave it dangling */
	x->e.seq = seq;
	x->klen = uccn_codec_sync_key(author, feed, x->key);
	return 0;
}

static int cmp_item(const void *a, const void *b) {
	const struct item *x = a, *y = b;
	return uccn_codec_sync_key_cmp(x->key, x->klen, y->key, y->klen);
}

static int open_recon(struct uccn_sync *s);

/* How a received batch is taken (node/ingest.h): defined with the receive path below. */
static int accept_change(void *userdata, const struct uccn_change *c, const char *feed);
static void begin_batch(void *userdata);
static void on_result(void *userdata, const struct uccn_apply_result *res,
	const struct uccn_change *c, const char *feed);
static void on_released(void *userdata, const struct uccn_apply_result *res);
static int applied_batch(void *userdata);
static int stored_batch(void *userdata, uint64_t batch, size_t n, int err);

int uccn_sync_create(const struct uccn_sync_config *cfg, struct uccn_sync **out) {
	struct uccn_sync *s = uccn_alloc_calloc(1, sizeof(*s));
	if (s == NULL) {
		return UCCN_ENOMEM;
	}
	s->cfg = *cfg;
	if (s->cfg.batch_changes == 0 || s->cfg.batch_changes > UCCN_SYNC_BATCH_MAX) {
		s->cfg.batch_changes = DEFAULT_BATCH;
	}
	if (s->cfg.window == 0) {
		s->cfg.window = DEFAULT_WINDOW;
	}
	if (s->cfg.kinds == NULL) {
		s->cfg.nkinds = 0;
	}
	if (s->cfg.peer_kinds == NULL) {
		s->cfg.npeer_kinds = 0;
	}
	if (cfg->peer_key != NULL) {
		s->have_peer_key = true;
		memcpy(s->peer_key, cfg->peer_key, UCCN_KEY_BYTES);
	}
	s->cfg.peer_key = NULL; /* copied: the caller's may not outlive us */
	uccn_changelog_network(s->cfg.log, s->root);
	s->have_self = uccn_changelog_self(s->cfg.log, s->self);
	struct mine_build v = {.s = s};
	int err = UCCN_ENOMEM;
	s->counters = (struct uccn_ingest_counters){&s->stats.applied, &s->stats.duplicate,
		&s->stats.held, &s->stats.refused, &s->stats.dropped};
	struct uccn_ingest_config icfg = {.st = s->cfg.st,
		.log = s->cfg.log,
		.verifier = s->cfg.verifier,
		.batch_max = UCCN_SYNC_BATCH_MAX,
		.ops = {.accept = accept_change,
			.begin = begin_batch,
			.report = on_result,
			.released = on_released,
			.applied = applied_batch,
			.done = stored_batch,
			.userdata = s}};
	if ((s->batch = uccn_alloc_calloc(s->cfg.batch_changes, sizeof(*s->batch))) == NULL ||
		(s->heads = uccn_alloc_calloc(UCCN_SYNC_BATCH_MAX, sizeof(*s->heads))) == NULL ||
		(err = uccn_ingest_create(&icfg, &s->ingest)) < 0) {
		goto out;
	}
	if ((err = uccn_store_each_feed_head(s->cfg.st, NULL, add_mine, &v)) < 0) {
		goto out;
	}
	for (size_t i = 0; i < s->nmine; i++) {
		s->mine[i].e.feed = s->mine[i].e.feed_buf;
	}
	if (s->nmine > 0) {
		qsort(s->mine, s->nmine, sizeof(*s->mine), cmp_item);
	}
	/* The initiator speaks first; the other side waits for it. */
	s->awaiting = true;
	if (s->cfg.initiator && (err = uccn_sync_open(s)) < 0) {
		goto out;
	}
	*out = s;
	s = NULL;
out:
	uccn_sync_destroy(s);
	return err;
}

void uccn_sync_destroy(struct uccn_sync *s) {
	if (s == NULL) {
		return;
	}
	for (size_t i = s->headout; i < s->nout; i++) {
		uccn_bytes_finish(&s->out[i]);
	}
	for (size_t i = 0; s->batch != NULL && i < s->cfg.batch_changes; i++) {
		uccn_bytes_finish(&s->batch[i]);
	}
	uccn_ingest_destroy(s->ingest);
	uccn_alloc_free(s->batch);
	uccn_alloc_free(s->heads);
	uccn_alloc_free(s->waiting);
	uccn_alloc_free(s->out);
	uccn_alloc_free(s->peer);
	uccn_alloc_free(s->mine);
	uccn_alloc_free(s->prev);
	uccn_alloc_free(s->learned);
	uccn_alloc_free(s->reply.r);
	uccn_alloc_free(s->reply.e);
	uccn_alloc_free(s->reply.t);
	uccn_alloc_free(s);
}

/* Gathering one batch: the chains in which the peer lags, each from where it stands. */
struct gather {
	struct uccn_sync *s;
	uint64_t last;
	int err;
};

static int take_change(void *userdata, uint64_t seq, const uint8_t *data, size_t len) {
	struct gather *g = userdata;
	struct uccn_sync *s = g->s;
	if (s->nbatch == s->cfg.batch_changes || s->batch_bytes + len + 8 > BATCH_BYTES) {
		return 1; /* full: stop the walk */
	}
	struct uccn_bytes *b = &s->batch[s->nbatch];
	b->len = 0;
	if ((g->err = uccn_bytes_append(b, data, len)) < 0) {
		return g->err;
	}
	s->nbatch++;
	s->batch_bytes += len + 8;
	g->last = seq;
	return 0;
}

static int lagging_chain(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct gather *g = userdata;
	struct uccn_sync *s = g->s;
	if (s->nbatch == s->cfg.batch_changes || s->batch_bytes + UCCN_CHANGE_MAX > BATCH_BYTES) {
		return 1;
	}
	if (!travels(s, author, feed)) {
		return 0;
	}
	struct peer_head *h = find_peer(s, author, feed);
	uint64_t theirs = h != NULL ? h->seq : 0;
	if (theirs >= seq) {
		return 0;
	}
	/* A compressed batch mixes no change meant for the Secretariat alone with anything else
	 * (§11.9): a batch ends where the class of feed changes. */
	bool secret = uccn_schema_feed_is_secretariat(feed);
	if (s->zstd && s->nbatch > 0 && secret != s->batch_secret) {
		return 1;
	}
	if (s->nbatch == 0) {
		s->batch_secret = secret;
	}
	/* Chain order: from the first change the peer lacks. It may hold links past ours (a gap
	 * here): it then lacks nothing we can give in order. */
	struct gather one = {s, theirs, 0};
	int err = uccn_store_each_feed_change(s->cfg.st, author, feed, theirs, take_change, &one);
	if (err < 0) {
		return err;
	}
	if (one.err < 0) {
		return one.err;
	}
	return one.last > theirs ? peer_has(s, author, feed, one.last) : 0;
}

/* Sends batches while the window allows, then DONE when there is nothing left. */
static int pump(struct uccn_sync *s) {
	if (!s->have_vector) {
		return UCCN_OK;
	}
	while (s->inflight < s->cfg.window) {
		s->nbatch = 0;
		s->batch_bytes = 0;
		/* The registry (the root's feeds) first: a city's records then arrive after the
		 * designation that admits them, rather than waiting for it at the receiver. */
		struct gather g = {s, 0, 0};
		int err = uccn_store_each_feed_head(s->cfg.st, s->root, lagging_chain, &g);
		if (err < 0) {
			return err;
		}
		if (s->nbatch == 0) {
			break;
		}
		struct uccn_bytes payload = {0};
		bool z = s->zstd && !s->batch_secret;
		err = z ? uccn_codec_encode_sync_zchanges(
				  s->next_batch, s->batch, s->nbatch, &payload)
			: uccn_codec_encode_sync_changes(
				  s->next_batch, s->batch, s->nbatch, &payload);
		s->wire.zbatches_sent += z;
		if (err < 0 || (err = queue(s, &payload)) < 0) {
			uccn_bytes_finish(&payload);
			return err;
		}
		s->next_batch++;
		s->inflight++;
		s->stats.sent += s->nbatch;
		s->stats.batches_sent++;
		s->done_sent = false;
	}
	if (s->inflight == 0 && !s->done_sent) {
		struct uccn_bytes payload = {0};
		int err = queue_built(s,
			uccn_codec_encode_sync_simple(UCCN_SYNC_DONE, s->stats.sent, &payload),
			&payload);
		if (err < 0) {
			return err;
		}
		s->done_sent = true;
	}
	return UCCN_OK;
}

int uccn_sync_open(struct uccn_sync *s) {
	if (s->sent_recon || s->opened) {
		return UCCN_OK;
	}
	s->cfg.initiator = true;
	return open_recon(s);
}

int uccn_sync_notify(struct uccn_sync *s) {
	return pump(s);
}

/* Changes of this session that were held are remembered (up to WAITING_MAX; most sessions
 * hold none, so the room is made at the first), so that one released later in the session
 * counts as applied, not as both. */
#define WAITING_MAX 1024

static void remember_waiting(struct uccn_sync *s, const uint8_t hash[UCCN_HASH_BYTES]) {
	if (s->waiting == NULL &&
		(s->waiting = uccn_alloc_calloc(WAITING_MAX, sizeof(*s->waiting))) == NULL) {
		return; /* the figure only: it may then count a change twice */
	}
	if (s->nwaiting < WAITING_MAX) {
		memcpy(s->waiting[s->nwaiting++], hash, UCCN_HASH_BYTES);
	}
}

static bool forget_waiting(struct uccn_sync *s, const uint8_t hash[UCCN_HASH_BYTES]) {
	for (size_t i = 0; i < s->nwaiting; i++) {
		if (memcmp(s->waiting[i], hash, UCCN_HASH_BYTES) == 0) {
			memcpy(s->waiting[i], s->waiting[--s->nwaiting], UCCN_HASH_BYTES);
			return true;
		}
	}
	return false;
}

static void on_released(void *userdata, const struct uccn_apply_result *res) {
	struct uccn_sync *s = userdata;
	if (forget_waiting(s, res->hash) && s->stats.held > 0) {
		s->stats.held--;
	}
	if (res->outcome == UCCN_APPLIED) {
		s->stats.applied++;
	} else if (res->outcome == UCCN_REFUSED) {
		s->stats.refused++;
	} else if (res->outcome == UCCN_DROPPED) {
		s->stats.dropped++;
	}
}

/* The peer broke §11: the reason is kept for uccn_sync_error, which the caller logs and tells
 * the peer. Returns UCCN_EPROTO. */
__attribute__((format(printf, 2, 3))) static int broke(struct uccn_sync *s, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	uccn_log(UCCN_LOG_DEBUG, "sync: %s", s->error);
	return UCCN_EPROTO;
}

/* Each change of a received batch: its kind must travel in this session (nothing of a batch
 * that breaks this is taken). */
static int accept_change(void *userdata, const struct uccn_change *c, const char *feed) {
	(void)c;
	struct uccn_sync *s = userdata;
	if (!kind_travels(s, feed)) {
		return broke(s, "a change of the %s feed, which this session does not carry", feed);
	}
	return UCCN_OK;
}

static int queue_simple(struct uccn_sync *s, enum uccn_sync_type type, uint64_t value);

static uint64_t le64(const struct uccn_bytes *b) {
	uint64_t v = 0;
	for (size_t i = 0; i < b->len && i < 8; i++) {
		v |= (uint64_t)b->data[i] << (8 * i);
	}
	return v;
}

/* Sets or clears the catch-up mark in its own transaction (none may be open). */
static int write_mark(struct uccn_sync *s, bool set, uint64_t seq) {
	uint8_t v[8];
	for (int i = 0; i < 8; i++) {
		v[i] = (uint8_t)(seq >> (8 * i));
	}
	int err = uccn_store_begin(s->cfg.st);
	if (err < 0) {
		return err;
	}
	err = set ? uccn_store_set_meta(s->cfg.st, UCCN_META_CATCH_UP, v, sizeof(v))
		  : uccn_store_drop_meta(s->cfg.st, UCCN_META_CATCH_UP);
	if (err == UCCN_OK) {
		return uccn_store_commit(s->cfg.st);
	}
	uccn_store_rollback(s->cfg.st);
	return err;
}

/* Clears the mark once the node holds its own chain as far as the peer showed it and as far as
 * the mark asked. Only a session that carries every kind both ways can tell: a peer that
 * chose some kinds announces only those feeds. A peer that holds nothing of ours says
 * nothing either way. */
static int check_caught_up(struct uccn_sync *s) {
	if (!s->catching_up || s->peer_own == 0 || s->cfg.nkinds != 0 || s->cfg.npeer_kinds != 0) {
		return UCCN_OK;
	}
	struct uccn_store_head head;
	struct uccn_bytes mark = {0};
	int err = uccn_store_get_head(s->cfg.st, s->self, &head);
	if (err == UCCN_OK) {
		err = uccn_store_get_meta(s->cfg.st, UCCN_META_CATCH_UP, &mark);
	}
	uint64_t want = err == UCCN_OK ? le64(&mark) : 0;
	uccn_bytes_finish(&mark);
	if (err == UCCN_ENOTFOUND) {
		s->catching_up = false; /* cleared by another session, or by the user */
		return UCCN_OK;
	}
	if (err < 0 || head.seq < s->peer_own || head.seq < want) {
		return err;
	}
	if ((err = write_mark(s, false, 0)) == UCCN_OK) {
		s->catching_up = false;
		uccn_log(UCCN_LOG_INFO,
			"sync: this node holds its own changes up to #%llu again; it may sign new "
			"ones",
			(unsigned long long)head.seq);
	}
	return err;
}

/* The peer's vector shows what it holds of our own chain. More than we hold means this store
 * lost part of the node's own past (an old copy restored, its last commits gone): a new change
 * would reuse a sequence number the peer holds, a fork. Mark the node so it signs nothing
 * until it has taken those changes back, which this session is about to send. */
static int check_own_chain(struct uccn_sync *s, const struct peer_head *heads, size_t n) {
	if (!s->have_self) {
		return UCCN_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (memcmp(heads[i].author, s->self, UCCN_KEY_BYTES) == 0 &&
			heads[i].seq > s->peer_own) {
			s->peer_own = heads[i].seq;
		}
	}
	struct uccn_store_head head;
	struct uccn_bytes mark = {0};
	int err = uccn_store_get_head(s->cfg.st, s->self, &head);
	if (err == UCCN_OK) {
		err = uccn_store_get_meta(s->cfg.st, UCCN_META_CATCH_UP, &mark);
	}
	uint64_t want = err == UCCN_OK ? le64(&mark) : 0;
	bool marked = err == UCCN_OK;
	uccn_bytes_finish(&mark);
	if (err < 0 && err != UCCN_ENOTFOUND) {
		return err;
	}
	if (s->peer_own > head.seq && s->peer_own > want) {
		uccn_log(UCCN_LOG_WARN,
			"sync: the peer holds this node's own changes up to #%llu, past the "
			"#%llu of this store: taking them back before signing anything new",
			(unsigned long long)s->peer_own, (unsigned long long)head.seq);
		if ((err = write_mark(s, true, s->peer_own)) < 0) {
			return err;
		}
		marked = true;
	}
	s->catching_up = marked;
	return check_caught_up(s);
}

/* A received batch is stored in one transaction (node/ingest.c), then acknowledged: commit
 * before ack, since the peer will not send an acknowledged change again. */
static void begin_batch(void *userdata) {
	struct uccn_sync *s = userdata;
	s->dropped_before = s->stats.dropped;
	s->nheads = 0;
}

static void on_result(void *userdata, const struct uccn_apply_result *res,
	const struct uccn_change *c, const char *feed) {
	struct uccn_sync *s = userdata;
	uccn_ingest_tally(&s->counters, res);
	if (res->outcome == UCCN_HELD) {
		remember_waiting(s, res->hash);
	}
	/* What the peer holds, so that nothing goes back to it. A refused change is not stored
	 * here and never will be sent, so it is not noted: the table grows with what this node
	 * keeps, not with what a peer makes up. */
	if (res->decoded && c != NULL && res->outcome != UCCN_REFUSED) {
		struct peer_head *h = &s->heads[s->nheads++];
		memcpy(h->author, res->author, UCCN_KEY_BYTES);
		memcpy(h->feed, feed, sizeof(h->feed));
		h->seq = res->seq;
	}
}

static int applied_batch(void *userdata) {
	struct uccn_sync *s = userdata;
	return merge_heads(s, s->heads, s->nheads);
}

static int stored_batch(void *userdata, uint64_t batch, size_t n, int err) {
	struct uccn_sync *s = userdata;
	if (err < 0) {
		s->stats.dropped = s->dropped_before; /* rolled back: the batch comes again */
		return err;
	}
	if ((err = check_caught_up(s)) < 0) {
		return err;
	}
	if (s->stats.dropped > s->dropped_before) {
		/* Not the peer's fault: its registry may say otherwise than ours for now. The
		 * batch is acknowledged and the session goes on. */
		uccn_log(UCCN_LOG_WARN,
			"sync: dropped %llu changes of batch %llu meant for the Secretariat alone, "
			"which this node may not hold",
			(unsigned long long)(s->stats.dropped - s->dropped_before),
			(unsigned long long)batch);
		s->dropped_before = s->stats.dropped; /* told once, when batches were gathered */
	}
	s->stats.received += n;
	if (!s->peer_reads_held) {
		return queue_simple(s, UCCN_SYNC_ACK, batch);
	}
	/* Held counts this session's changes still waiting here: the sender tells its user
	 * (an applicant's `uccn sync`: "held there, not designated yet"). */
	struct uccn_bytes payload = {0};
	err = uccn_codec_encode_sync_ack_held(batch, s->stats.held, &payload);
	if (err == UCCN_OK) {
		err = queue(s, &payload);
	}
	uccn_bytes_finish(&payload);
	return err;
}

int uccn_sync_flush(struct uccn_sync *s, uint64_t now_ms) {
	int err = uccn_ingest_parts(s->ingest) > 0 ? uccn_ingest_push_parts(s->ingest, now_ms)
						   : UCCN_OK;
	if (err == UCCN_OK) {
		err = uccn_ingest_flush(s->ingest, now_ms);
	}
	return err < 0 ? err : pump(s);
}

/* With a pool, the peer's batches are gathered until they hold this many changes or bytes (or
 * the caller flushes), then verified and stored as one: a commit, and a hand-off to the pool,
 * per four batches of 256 rather than per batch. The peer's window must leave room for what is
 * gathered and what the pool verifies meanwhile (uccn's does, DEFAULT_WINDOW); a smaller one
 * stalls until the caller flushes, which it does once no frame is at hand. */
#define GATHER_CHANGES UCCN_SYNC_BATCH_MAX
#define GATHER_BYTES (1024 * 1024)

/* A batch from the peer. Without a pool it is verified, applied and acknowledged at once. With
 * one, it is gathered with the batches after it; what was gathered goes to the pool once the
 * pool is done with the pending batches, and the pending ones are applied on this thread while
 * the pool verifies. */
static int receive_batch(struct uccn_sync *s, const struct uccn_sync_msg *m, uint64_t now_ms) {
	int err;
	if (uccn_ingest_parts(s->ingest) > 0 &&
		uccn_ingest_count(s->ingest) + m->count > UCCN_SYNC_BATCH_MAX &&
		(err = uccn_ingest_push_parts(s->ingest, now_ms)) < 0) {
		return err;
	}
	for (size_t i = 0; i < m->count; i++) {
		if ((err = uccn_ingest_add(s->ingest, m->changes[i].data, m->changes[i].len)) < 0) {
			uccn_ingest_discard(s->ingest);
			return err;
		}
	}
	if ((err = uccn_ingest_end_part(s->ingest, m->value)) < 0) {
		uccn_ingest_discard(s->ingest);
		return err;
	}
	if (s->cfg.verifier != NULL && uccn_ingest_count(s->ingest) < GATHER_CHANGES &&
		uccn_ingest_bytes(s->ingest) < GATHER_BYTES &&
		uccn_ingest_parts(s->ingest) < UCCN_INGEST_PARTS_MAX) {
		return UCCN_OK;
	}
	return uccn_ingest_push_parts(s->ingest, now_ms);
}

static int queue_simple(struct uccn_sync *s, enum uccn_sync_type type, uint64_t value) {
	struct uccn_bytes payload = {0};
	return queue_built(s, uccn_codec_encode_sync_simple(type, value, &payload), &payload);
}

int uccn_sync_ping(struct uccn_sync *s, uint64_t token) {
	return queue_simple(s, UCCN_SYNC_PING, token);
}

/* What the peer lacks of our travelling chains, for progress (what is pushed live later is not
 * in it). */
struct lack_count {
	struct uccn_sync *s;
	uint64_t total;
};

static int count_lack(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct lack_count *l = userdata;
	if (!travels(l->s, author, feed)) {
		return 0;
	}
	struct peer_head *h = find_peer(l->s, author, feed);
	uint64_t theirs = h != NULL ? h->seq : 0, all = 0, held = 0;
	if (theirs >= seq) {
		return 0;
	}
	int err = uccn_store_count_feed(l->s->cfg.st, author, feed, seq, &all);
	if (err == UCCN_OK && theirs > 0) {
		err = uccn_store_count_feed(l->s->cfg.st, author, feed, theirs, &held);
	}
	l->total += all - held;
	return err;
}

static int count_to_send(struct uccn_sync *s) {
	struct lack_count l = {s, 0};
	int err = uccn_store_each_feed_head(s->cfg.st, NULL, count_lack, &l);
	s->to_send = s->stats.sent + l.total;
	return err;
}

/* Raises what the peer holds of each chain in add (n entries, any order, which this sorts) in
 * one sort and one merge, O((n + npeer) log), rather than each inserted in place, which a
 * VECTOR or a batch in the worst order made quadratic (a 65,536-entry vector: seconds of the
 * loop). A chain listed twice counts at its highest seq (§11.1). */
static int merge_heads(struct uccn_sync *s, struct peer_head *add, size_t n) {
	if (n == 0) {
		return UCCN_OK;
	}
	size_t total = s->npeer + n;
	struct peer_head *all = uccn_alloc_malloc(total * sizeof(*all));
	if (all == NULL) {
		return UCCN_ENOMEM;
	}
	qsort(add, n, sizeof(*add), cmp_head);
	size_t i = 0, j = 0, out = 0;
	while (i < s->npeer || j < n) {
		const struct peer_head *next;
		if (j == n || (i < s->npeer && cmp_head(&s->peer[i], &add[j]) <= 0)) {
			next = &s->peer[i++];
		} else {
			next = &add[j++];
		}
		if (out > 0 && cmp_head(&all[out - 1], next) == 0) {
			all[out - 1].seq =
				next->seq > all[out - 1].seq ? next->seq : all[out - 1].seq;
		} else {
			all[out++] = *next;
		}
	}
	uccn_alloc_free(s->peer);
	s->peer = all;
	s->npeer = out;
	s->cap = total;
	s->stats.moves += total; /* each entry placed once (the sort's own work is n log n) */
	return UCCN_OK;
}

/* Whatever a message taught of the peer's heads (s->learned): the own-chain check of §11.7
 * sees it as the old VECTOR's entries, then it joins the peer's table. */
static int take_learned(struct uccn_sync *s) {
	int err = check_own_chain(s, s->learned, s->nlearned);
	if (err == UCCN_OK) {
		err = merge_heads(s, s->learned, s->nlearned);
	}
	s->nlearned = 0;
	return err;
}

static int learn(struct uccn_sync *s, const uint8_t *author, const char *feed, uint64_t seq) {
	if (s->nlearned == s->caplearned) {
		struct peer_head *h = uccn_alloc_grow(s->learned, &s->caplearned, 64, sizeof(*h));
		if (h == NULL) {
			return UCCN_ENOMEM;
		}
		s->learned = h;
	}
	struct peer_head *h = &s->learned[s->nlearned++];
	memcpy(h->author, author, UCCN_KEY_BYTES);
	snprintf(h->feed, sizeof(h->feed), "%s", feed);
	h->seq = seq;
	return UCCN_OK;
}

/* An old peer's opening VECTOR (§11.1), answered with ours: the whole sets both ways. */
static int take_vector(struct uccn_sync *s, const struct uccn_sync_msg *m) {
	for (size_t i = 0; i < m->count; i++) {
		int err = learn(s, m->entries[i].author, m->entries[i].feed, m->entries[i].seq);
		if (err < 0) {
			return err;
		}
	}
	int err = take_learned(s);
	if (err < 0) {
		return err;
	}
	struct uccn_sync_entry *e = uccn_alloc_calloc(s->nmine ? s->nmine : 1, sizeof(*e));
	if (e == NULL) {
		return UCCN_ENOMEM;
	}
	for (size_t i = 0; i < s->nmine; i++) {
		e[i] = s->mine[i].e;
		e[i].feed = e[i].feed_buf;
	}
	struct uccn_bytes payload = {0};
	err = uccn_codec_encode_sync_vector(e, s->nmine, &payload);
	uccn_alloc_free(e);
	return queue_built(s, err, &payload);
}

/* ---- Reconciliation of feed heads (PROTOCOL.md §11.8) ---------------------------------- */

/* The first of our heads at or above key (the lower end of a range). */
static size_t at_or_above(const struct uccn_sync *s, const uint8_t *key, size_t len) {
	size_t lo = 0, hi = s->nmine;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uccn_codec_sync_key_cmp(s->mine[mid].key, s->mine[mid].klen, key, len) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* Our heads below a range's bound end at this index. */
static size_t below(const struct uccn_sync *s, const struct uccn_sync_range *r) {
	return r->open_end ? s->nmine : at_or_above(s, r->bound, r->bound_len);
}

void uccn_sync_fingerprint(const struct uccn_sync_entry *heads, size_t n, size_t stride,
	uint8_t out[UCCN_SYNC_FP_BYTES]) {
	static const char context[] = "uccn-recon-v1";
	struct uccn_hash_state h;
	uccn_crypto_hash_init(&h);
	uccn_crypto_hash_update(&h, (const uint8_t *)context, sizeof(context) - 1);
	for (size_t i = 0; i < n; i++) {
		const struct uccn_sync_entry *e =
			(const struct uccn_sync_entry *)((const uint8_t *)heads + i * stride);
		uint8_t buf[UCCN_SYNC_BOUND_MAX + 9];
		size_t flen = strlen(e->feed);
		flen = flen > UCCN_FEED_MAX ? UCCN_FEED_MAX : flen;
		memcpy(buf, e->author, UCCN_KEY_BYTES);
		buf[UCCN_KEY_BYTES] = (uint8_t)flen;
		memcpy(buf + UCCN_KEY_BYTES + 1, e->feed, flen);
		for (int k = 0; k < 8; k++) {
			buf[UCCN_KEY_BYTES + 1 + flen + k] = (uint8_t)(e->seq >> (56 - 8 * k));
		}
		uccn_crypto_hash_update(&h, buf, UCCN_KEY_BYTES + 1 + flen + 8);
	}
	uint8_t full[UCCN_HASH_BYTES];
	uccn_crypto_hash_final(&h, full);
	memcpy(out, full, UCCN_SYNC_FP_BYTES);
}

/* The fingerprint of our heads [a, b). */
static void fingerprint(
	const struct uccn_sync *s, size_t a, size_t b, uint8_t out[UCCN_SYNC_FP_BYTES]) {
	uccn_sync_fingerprint(a < b ? &s->mine[a].e : NULL, b - a, sizeof(struct item), out);
}

/* Appends a range to the reply; a SKIP after a SKIP only moves that one's bound. */
static int push_range(struct uccn_sync *s, const struct uccn_sync_range *hi,
	enum uccn_sync_mode mode, struct uccn_sync_range **out) {
	struct recon *r = &s->reply;
	if (mode == UCCN_RANGE_SKIP && r->n > 0 && r->r[r->n - 1].mode == UCCN_RANGE_SKIP) {
		r->n--;
	} else if (r->n == r->cap) {
		struct uccn_sync_range *p = uccn_alloc_grow(r->r, &r->cap, 32, sizeof(*p));
		if (p == NULL) {
			return UCCN_ENOMEM;
		}
		r->r = p;
	}
	struct uccn_sync_range *x = &r->r[r->n++];
	memset(x, 0, sizeof(*x));
	x->open_end = hi->open_end;
	x->bound_len = hi->bound_len;
	memcpy(x->bound, hi->bound, hi->bound_len);
	x->mode = mode;
	x->first = r->ne;
	x->tfirst = r->nt;
	if (out != NULL) {
		*out = x;
	}
	return UCCN_OK;
}

/* A head named in full in the range being built: who says whose key is its author. */
static int push_head(struct uccn_sync *s, struct uccn_sync_range *x, int who, const char *feed,
	uint64_t seq) {
	struct recon *r = &s->reply;
	if (r->ne == r->cape) {
		struct uccn_sync_entry *p = uccn_alloc_grow(r->e, &r->cape, 64, sizeof(*p));
		if (p == NULL) {
			return UCCN_ENOMEM;
		}
		r->e = p;
	}
	struct uccn_sync_entry *e = &r->e[r->ne++];
	memcpy(e->author, s->keys[who], UCCN_KEY_BYTES);
	snprintf(e->feed_buf, sizeof(e->feed_buf), "%s", feed);
	e->feed = NULL; /* set when sent: the array may still move */
	e->seq = seq;
	e->who = (uint8_t)who;
	x->count++;
	return UCCN_OK;
}

/* The named heads of a range go by who, then feed (§11.8); our heads are in key order, which
 * puts the server's key first when it is the lower. */
static int cmp_named(const void *a, const void *b) {
	const struct uccn_sync_entry *x = a, *y = b;
	return x->who != y->who ? x->who - y->who : strcmp(x->feed_buf, y->feed_buf);
}

static void sort_named(struct uccn_sync *s, const struct uccn_sync_range *x) {
	if (x->count > 1) {
		qsort(&s->reply.e[x->first], x->count, sizeof(*s->reply.e), cmp_named);
	}
}

/* A head by digest (LIST) or an answer by index (LACK) in the range being built. */
static int push_tag(struct uccn_sync *s, struct uccn_sync_range *x, uint32_t id, uint64_t seq) {
	struct recon *r = &s->reply;
	if (r->nt == r->capt) {
		struct uccn_sync_tag *p = uccn_alloc_grow(r->t, &r->capt, 64, sizeof(*p));
		if (p == NULL) {
			return UCCN_ENOMEM;
		}
		r->t = p;
	}
	r->t[r->nt++] = (struct uccn_sync_tag){id, seq};
	x->tcount++;
	return UCCN_OK;
}

/* Which of the session's keys wrote a head (0 the client's, 1 the server's): such heads are
 * named in full in a LIST (§11.8), so that what a node learns of its own chain never rests on
 * a digest. -1: any other author, listed by digest. */
static int who_wrote(const struct uccn_sync *s, const uint8_t *author) {
	for (int k = 0; k < 2; k++) {
		if (memcmp(author, s->keys[k], UCCN_KEY_BYTES) == 0) {
			return k;
		}
	}
	return -1;
}

/* The roles are known once the reconciliation starts: the side that opens it is the client. */
static void take_roles(struct uccn_sync *s, bool client) {
	memset(s->keys, 0, sizeof(s->keys));
	if (s->have_self) {
		memcpy(s->keys[client ? 0 : 1], s->self, UCCN_KEY_BYTES);
	}
	if (s->have_peer_key) {
		memcpy(s->keys[client ? 1 : 0], s->peer_key, UCCN_KEY_BYTES);
	}
}

/* The peer's place among the session's keys. */
static int peer_role(const struct uccn_sync *s) {
	return s->cfg.initiator ? 1 : 0;
}

/* A head's digest under a LIST's salt (§11.8): the first 4 bytes of BLAKE2b-256 of
 * "uccn-recon-id-v1", the salt, the author, the feed's length (one byte) and the feed. */
static uint32_t digest(const uint8_t salt[UCCN_SYNC_SALT_BYTES], const uint8_t *author,
	const char *feed) {
	static const char context[] = "uccn-recon-id-v1";
	uint8_t buf[UCCN_SYNC_SALT_BYTES + UCCN_SYNC_BOUND_MAX + 1];
	size_t flen = strlen(feed);
	flen = flen > UCCN_FEED_MAX ? UCCN_FEED_MAX : flen;
	memcpy(buf, salt, UCCN_SYNC_SALT_BYTES);
	memcpy(buf + UCCN_SYNC_SALT_BYTES, author, UCCN_KEY_BYTES);
	buf[UCCN_SYNC_SALT_BYTES + UCCN_KEY_BYTES] = (uint8_t)flen;
	memcpy(buf + UCCN_SYNC_SALT_BYTES + UCCN_KEY_BYTES + 1, feed, flen);
	struct uccn_hash_state h;
	uint8_t full[UCCN_HASH_BYTES];
	uccn_crypto_hash_init(&h);
	uccn_crypto_hash_update(&h, (const uint8_t *)context, sizeof(context) - 1);
	uccn_crypto_hash_update(&h, buf, UCCN_SYNC_SALT_BYTES + UCCN_KEY_BYTES + 1 + flen);
	uccn_crypto_hash_final(&h, full);
	return (uint32_t)full[0] << 24 | (uint32_t)full[1] << 16 | (uint32_t)full[2] << 8 |
	       (uint32_t)full[3];
}

void uccn_sync_digest(const uint8_t salt[UCCN_SYNC_SALT_BYTES],
	const uint8_t author[UCCN_KEY_BYTES], const char *feed, uint8_t out[UCCN_SYNC_DIGEST_BYTES]) {
	uint32_t d = digest(salt, author, feed);
	for (int k = 0; k < UCCN_SYNC_DIGEST_BYTES; k++) {
		out[k] = (uint8_t)(d >> (24 - 8 * k));
	}
}

/* A digest beside the index of the head it stands for, sorted by digest to be searched. */
struct keyed {
	uint32_t digest;
	size_t at;
};

static int cmp_keyed(const void *a, const void *b) {
	const struct keyed *x = a, *y = b;
	return x->digest < y->digest ? -1 : x->digest > y->digest;
}

static int cmp_at(const void *a, const void *b) {
	const struct keyed *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Our heads [a, b) that a LIST carries by digest under salt, sorted by digest; their number
 * in *n. NULL when out of memory. */
static struct keyed *digested(const struct uccn_sync *s, size_t a, size_t b,
	const uint8_t salt[UCCN_SYNC_SALT_BYTES], size_t *n) {
	struct keyed *k = uccn_alloc_malloc((b > a ? b - a : 1) * sizeof(*k));
	*n = 0;
	for (size_t i = a; k != NULL && i < b; i++) {
		if (who_wrote(s, s->mine[i].e.author) < 0) {
			k[(*n)++] = (struct keyed){digest(salt, s->mine[i].e.author, s->mine[i].e.feed), i};
		}
	}
	if (k != NULL && *n > 1) {
		qsort(k, *n, sizeof(*k), cmp_keyed);
	}
	return k;
}

/* The one head of k (sorted, n) with digest d, or SIZE_MAX: none, or two (a digest two of our
 * heads share names neither). */
static size_t match(const struct keyed *k, size_t n, uint32_t d) {
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].digest < d) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == n || k[lo].digest != d || (lo + 1 < n && k[lo + 1].digest == d)) {
		return SIZE_MAX;
	}
	return k[lo].at;
}

/* Our heads [a, b) as a LIST over the range up to hi: those of the session's two keys named,
 * the others by digest under a salt drawn until no two of them share one. */
static int list(struct uccn_sync *s, size_t a, size_t b, const struct uccn_sync_range *hi) {
	struct uccn_sync_range *x;
	int err = push_range(s, hi, UCCN_RANGE_LIST, &x);
	if (err < 0) {
		return err;
	}
	struct keyed *k = NULL;
	size_t n = 0;
	for (int tries = 0;; tries++) {
		if (tries == SALT_TRIES) {
			return UCCN_EIO; /* the random source repeats itself */
		}
		uccn_crypto_random(x->salt, UCCN_SYNC_SALT_BYTES);
		if ((k = digested(s, a, b, x->salt, &n)) == NULL) {
			return UCCN_ENOMEM;
		}
		bool unique = true;
		for (size_t i = 1; i < n; i++) {
			unique = unique && k[i].digest != k[i - 1].digest;
		}
		if (unique) {
			break;
		}
		uccn_alloc_free(k);
	}
	/* The digests drawn, back in key order to go beside our heads. */
	if (n > 1) {
		qsort(k, n, sizeof(*k), cmp_at);
	}
	size_t d = 0;
	for (size_t i = a; i < b && err == UCCN_OK; i++) {
		const struct item *h = &s->mine[i];
		int who = who_wrote(s, h->e.author);
		err = who >= 0 ? push_head(s, x, who, h->e.feed, h->e.seq)
			       : push_tag(s, x, k[d++].digest, h->e.seq);
	}
	uccn_alloc_free(k);
	sort_named(s, x);
	return err;
}

/* Our heads [a, b), the range up to hi: a LIST when at most limit, else SPLIT fingerprinted
 * parts. */
static int describe(struct uccn_sync *s, size_t a, size_t b, const struct uccn_sync_range *hi,
	size_t limit) {
	if (b - a <= limit) {
		return list(s, a, b, hi);
	}
	struct uccn_sync_range *x;
	int err;
	size_t n = b - a, from = a;
	for (size_t k = 0; k < SPLIT; k++) {
		struct uccn_sync_range bound = *hi;
		size_t to = b;
		if (k + 1 < SPLIT) {
			/* Near the even cut, where two neighbours differ earliest: the bound is the
			 * shortest prefix of the next part's first key above this part's last
			 * (where they first differ, plus one byte), a byte or two between authors.
			 */
			size_t even = a + (k + 1) * n / SPLIT, w = n / SPLIT / 4, best = SIZE_MAX;
			for (size_t at = even > w ? even - w : 0; at <= even + w && at < b; at++) {
				if (at <= from) {
					continue;
				}
				const struct item *last = &s->mine[at - 1], *next = &s->mine[at];
				size_t common = 0;
				while (common < last->klen &&
					last->key[common] == next->key[common]) {
					common++;
				}
				if (common < best) {
					best = common;
					to = at;
				}
			}
			if (best == SIZE_MAX) {
				continue; /* no room for this cut: the next part takes its heads */
			}
			bound.open_end = false;
			bound.bound_len = best + 1;
			memcpy(bound.bound, s->mine[to].key, best + 1);
		}
		if ((err = push_range(s, &bound, UCCN_RANGE_FP, &x)) < 0) {
			return err;
		}
		fingerprint(s, from, to, x->fp);
		from = to;
	}
	return UCCN_OK;
}

/* Sends the reply built, remembers its ranges for the answer, and says whether it ended the
 * reconciliation (it asks nothing: no FP, no LIST). */
static int send_reply(struct uccn_sync *s) {
	struct recon *r = &s->reply;
	bool asks = false;
	for (size_t i = 0; i < r->n; i++) {
		asks = asks || r->r[i].mode == UCCN_RANGE_FP || r->r[i].mode == UCCN_RANGE_LIST;
		s->wire.fingerprints_sent += r->r[i].mode == UCCN_RANGE_FP;
	}
	for (size_t i = 0; i < r->ne; i++) {
		r->e[i].feed = r->e[i].feed_buf;
	}
	/* Each side offers its features in its first RECON only: we read an ACK's held always. */
	unsigned features = s->sent_recon
				    ? 0
				    : UCCN_SYNC_FEATURE_ACK_HELD |
					      (s->cfg.no_compress ? 0 : UCCN_SYNC_FEATURE_ZSTD);
	struct uccn_bytes payload = {0};
	int err = queue_built(s,
		uccn_codec_encode_sync_recon(features, r->r, r->n, r->e, r->t, &payload), &payload);
	if (err < 0) {
		return err;
	}
	s->sent_recon = true;
	s->wire.recon_sent++;
	s->wire.heads_sent += r->ne + r->nt;
	struct uccn_sync_range *p = uccn_alloc_realloc(s->prev, (r->n ? r->n : 1) * sizeof(*p));
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	memcpy(p, r->r, r->n * sizeof(*p));
	s->prev = p;
	s->nprev = r->n;
	s->awaiting = asks;
	s->have_vector = !asks;
	return UCCN_OK;
}

/* The initiator's first RECON: the whole key space, from our heads alone. */
static int open_recon(struct uccn_sync *s) {
	struct uccn_sync_range all = {.open_end = true};
	s->reply.n = s->reply.ne = s->reply.nt = 0;
	take_roles(s, true);
	int err = describe(s, 0, s->nmine, &all, OPEN_LIST_MAX);
	return err < 0 ? err : send_reply(s);
}

/* The named heads of a range of a received RECON, given their authors (who) and checked to
 * lie in the range [lo, r's bound). */
static int resolve_named(struct uccn_sync *s, struct uccn_sync_msg *m,
	const struct uccn_sync_range *r, const uint8_t *lo, size_t lo_len, size_t k) {
	for (size_t j = 0; j < r->count; j++) {
		struct uccn_sync_entry *t = &m->entries[r->first + j];
		memcpy(t->author, s->keys[t->who], UCCN_KEY_BYTES);
		uint8_t key[UCCN_SYNC_BOUND_MAX];
		size_t len = uccn_codec_sync_key(t->author, t->feed, key);
		if (uccn_codec_sync_key_cmp(key, len, lo, lo_len) < 0 ||
			!uccn_codec_sync_below(r, key, len)) {
			return broke(s, "range %zu: named head %zu lies outside the range", k, j);
		}
	}
	return UCCN_OK;
}

/* Our head of a feed among [a, b), or NULL. */
static const struct item *ours(
	const struct uccn_sync *s, size_t a, size_t b, const uint8_t *author, const char *feed) {
	uint8_t key[UCCN_SYNC_BOUND_MAX];
	size_t len = uccn_codec_sync_key(author, feed, key);
	size_t i = at_or_above(s, key, len);
	if (i < a || i >= b || uccn_codec_sync_key_cmp(s->mine[i].key, s->mine[i].klen, key, len)) {
		return NULL;
	}
	return &s->mine[i];
}

/* The named head of a feed in r's entries of m (sorted by who, then feed), or NULL. */
static const struct uccn_sync_entry *named(const struct uccn_sync_msg *m,
	const struct uccn_sync_range *r, int who, const char *feed) {
	size_t lo = 0, hi = r->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct uccn_sync_entry *t = &m->entries[r->first + mid];
		int c = t->who != who ? t->who - who : strcmp(t->feed, feed);
		if (c == 0) {
			return t;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

/* A LIST from the peer, over our heads [a, b): its heads are what it holds there, those of the
 * session's keys by name, the others by digest (one of ours whose digest it lists is that
 * feed; one it does not list, it lacks). Answered with a LACK: our head for each listed feed
 * where we are behind it (0: none), by index or by name, and each of our heads of the peer's
 * own feeds above what it listed, so that it learns how far its own chain goes (§11.7). */
static int answer_list(struct uccn_sync *s, const struct uccn_sync_msg *m,
	const struct uccn_sync_range *r, size_t a, size_t b) {
	struct uccn_sync_range *x = NULL; /* set whenever err is UCCN_OK */
	int err = push_range(s, r, UCCN_RANGE_LACK, &x);
	size_t n = 0;
	struct keyed *k = err == UCCN_OK ? digested(s, a, b, r->salt, &n) : NULL;
	struct keyed *theirs = uccn_alloc_malloc((r->tcount ? r->tcount : 1) * sizeof(*theirs));
	if (err == UCCN_OK && (k == NULL || theirs == NULL)) {
		err = UCCN_ENOMEM;
	}
	for (size_t j = 0; err == UCCN_OK && j < r->tcount; j++) {
		theirs[j] = (struct keyed){m->tags[r->tfirst + j].id, j};
	}
	if (err == UCCN_OK && r->tcount > 1) {
		qsort(theirs, r->tcount, sizeof(*theirs), cmp_keyed);
		for (size_t j = 1; j < r->tcount && err == UCCN_OK; j++) {
			if (theirs[j].digest == theirs[j - 1].digest) {
				err = broke(s, "a list with two heads of one digest");
			}
		}
	}
	for (size_t j = 0; err == UCCN_OK && j < r->tcount; j++) {
		const struct uccn_sync_tag *t = &m->tags[r->tfirst + j];
		size_t at = match(k, n, t->id);
		uint64_t have = at != SIZE_MAX ? s->mine[at].e.seq : 0;
		if (at != SIZE_MAX) {
			err = learn(s, s->mine[at].e.author, s->mine[at].e.feed, t->seq);
		}
		if (err == UCCN_OK && have < t->seq) {
			err = push_tag(s, x, (uint32_t)j, have);
		}
	}
	uccn_alloc_free(k);
	uccn_alloc_free(theirs);
	for (size_t j = 0; err == UCCN_OK && j < r->count; j++) {
		const struct uccn_sync_entry *t = &m->entries[r->first + j];
		const struct item *h = ours(s, a, b, t->author, t->feed);
		uint64_t have = h != NULL ? h->e.seq : 0;
		err = learn(s, t->author, t->feed, t->seq);
		if (err == UCCN_OK && (have < t->seq || (have > t->seq && t->who == peer_role(s)))) {
			err = push_head(s, x, t->who, t->feed, have);
		}
	}
	/* The peer's own feeds it did not list at all: it holds none of them. */
	int peer = peer_role(s);
	for (size_t i = a; err == UCCN_OK && i < b; i++) {
		const struct item *h = &s->mine[i];
		if (who_wrote(s, h->e.author) == peer && named(m, r, peer, h->e.feed) == NULL) {
			err = push_head(s, x, peer, h->e.feed, h->e.seq);
		}
	}
	sort_named(s, x);
	return err;
}

/* A LACK from the peer, answering our LIST of heads [a, b): where it answers a head, it holds
 * that much of the feed; every other feed of our list it holds as far as we do. */
static int take_lack(struct uccn_sync *s, const struct uccn_sync_msg *m,
	const struct uccn_sync_range *r, size_t a, size_t b) {
	size_t j = 0, index = 0;
	int err = UCCN_OK;
	for (size_t i = a; i < b && err == UCCN_OK; i++) {
		const struct item *h = &s->mine[i];
		int who = who_wrote(s, h->e.author);
		uint64_t seq = h->e.seq;
		if (who >= 0) {
			const struct uccn_sync_entry *t = named(m, r, who, h->e.feed);
			seq = t != NULL ? t->seq : seq;
		} else {
			if (j < r->tcount && m->tags[r->tfirst + j].id == index) {
				seq = m->tags[r->tfirst + j++].seq;
			}
			index++;
		}
		err = learn(s, h->e.author, h->e.feed, seq);
	}
	if (err == UCCN_OK && j < r->tcount) {
		return broke(s, "a lack answers a head our list does not have");
	}
	/* What it names of feeds we did not list: our own chain, held further (§11.7). */
	for (size_t j2 = 0; err == UCCN_OK && j2 < r->count; j2++) {
		const struct uccn_sync_entry *t = &m->entries[r->first + j2];
		if (ours(s, a, b, t->author, t->feed) == NULL) {
			err = learn(s, t->author, t->feed, t->seq);
		}
	}
	return err;
}

/* The index of our last RECON's range holding key (each range: from the bound before). */
static size_t prev_holding(const struct uccn_sync *s, const uint8_t *key, size_t len) {
	size_t lo = 0, hi = s->nprev;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uccn_codec_sync_below(&s->prev[mid], key, len)) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

/* A RECON from the peer: each of its ranges answers ours (or opens, for the initiator's first),
 * and our reply answers each of its ranges. */
static int take_recon(struct uccn_sync *s, struct uccn_sync_msg *m) {
	if (!s->awaiting) {
		return broke(s, "a reconciliation message out of turn");
	}
	bool first = !s->sent_recon; /* the initiator's opening message: nothing to answer */
	if (!s->opened) {
		s->peer_features = m->features;
		s->zstd = !s->cfg.no_compress && (m->features & UCCN_SYNC_FEATURE_ZSTD) != 0;
		s->wire.compressing = s->zstd;
		s->peer_reads_held = (m->features & UCCN_SYNC_FEATURE_ACK_HELD) != 0;
	}
	if (first) {
		take_roles(s, false);
	}
	s->opened = true;
	s->reply.n = s->reply.ne = s->reply.nt = 0;
	s->nlearned = 0;
	bool asks = false;
	const uint8_t *lo = NULL;
	size_t lo_len = 0;
	int err = UCCN_OK;
	for (size_t k = 0; k < m->nranges && err == UCCN_OK; k++) {
		const struct uccn_sync_range *r = &m->ranges[k];
		size_t a = at_or_above(s, lo, lo_len), b = below(s, r);
		if (first) {
			if (r->mode != UCCN_RANGE_FP && r->mode != UCCN_RANGE_LIST) {
				return broke(s,
					"an opening reconciliation with a range that answers "
					"nothing");
			}
		} else if (r->mode == UCCN_RANGE_SKIP) {
			/* A SKIP over a range we fingerprinted: the peer found it the same. Over a
			 * LIST of ours it would leave the list unanswered. */
			for (size_t p = prev_holding(s, lo, lo_len); p < s->nprev; p++) {
				const struct uccn_sync_range *q = &s->prev[p];
				const uint8_t *qlo = p > 0 ? s->prev[p - 1].bound : NULL;
				size_t qlo_len = p > 0 ? s->prev[p - 1].bound_len : 0;
				if (p > 0 && !uccn_codec_sync_below(r, qlo, qlo_len)) {
					break;
				}
				if (q->mode == UCCN_RANGE_LIST) {
					return broke(s, "a list of heads left unanswered");
				}
				if (q->mode != UCCN_RANGE_FP) {
					continue;
				}
				size_t qa = at_or_above(s, qlo, qlo_len), qb = below(s, q);
				qa = qa > a ? qa : a;
				qb = qb < b ? qb : b;
				for (size_t i = qa; i < qb && err == UCCN_OK; i++) {
					err = learn(s, s->mine[i].e.author, s->mine[i].e.feed,
						s->mine[i].e.seq);
				}
			}
		} else {
			/* Inside one range of ours, and answering what that range asked. */
			size_t p = prev_holding(s, lo, lo_len);
			const struct uccn_sync_range *q = &s->prev[p];
			bool inside =
				q->open_end ||
				(!r->open_end && uccn_codec_sync_key_cmp(r->bound, r->bound_len,
							 q->bound, q->bound_len) <= 0);
			bool same =
				inside &&
				(p == 0 ? lo_len == 0
					: uccn_codec_sync_key_cmp(lo, lo_len, s->prev[p - 1].bound,
						  s->prev[p - 1].bound_len) == 0) &&
				r->open_end == q->open_end &&
				(r->open_end || uccn_codec_sync_key_cmp(r->bound, r->bound_len,
							q->bound, q->bound_len) == 0);
			if (!inside) {
				return broke(s, "range %zu straddles two of ours", k);
			}
			if (r->mode == UCCN_RANGE_LACK ? q->mode != UCCN_RANGE_LIST || !same
						       : q->mode != UCCN_RANGE_FP) {
				return broke(s, "range %zu does not answer ours (mode %d to %d)", k,
					(int)r->mode, (int)q->mode);
			}
		}
		switch (r->mode) {
		case UCCN_RANGE_SKIP:
			err = push_range(s, r, UCCN_RANGE_SKIP, NULL);
			break;
		case UCCN_RANGE_FP: {
			uint8_t fp[UCCN_SYNC_FP_BYTES];
			fingerprint(s, a, b, fp);
			asks = true;
			if (memcmp(fp, r->fp, sizeof(fp)) == 0) {
				for (size_t i = a; i < b && err == UCCN_OK; i++) {
					err = learn(s, s->mine[i].e.author, s->mine[i].e.feed,
						s->mine[i].e.seq);
				}
				if (err == UCCN_OK) {
					err = push_range(s, r, UCCN_RANGE_SKIP, NULL);
				}
			} else {
				err = describe(s, a, b, r, LIST_MAX);
			}
			break;
		}
		case UCCN_RANGE_LIST:
			asks = true;
			if ((err = resolve_named(s, m, r, lo, lo_len, k)) == UCCN_OK) {
				err = answer_list(s, m, r, a, b);
			}
			break;
		case UCCN_RANGE_LACK:
			if ((err = resolve_named(s, m, r, lo, lo_len, k)) == UCCN_OK) {
				err = take_lack(s, m, r, a, b);
			}
			if (err == UCCN_OK) {
				err = push_range(s, r, UCCN_RANGE_SKIP, NULL);
			}
			break;
		}
		lo = r->bound;
		lo_len = r->bound_len;
	}
	if (err == UCCN_OK) {
		err = take_learned(s);
	}
	if (err < 0) {
		return err;
	}
	if (!asks) {
		/* It asked nothing: it ended the reconciliation, and our reply would be empty. */
		s->awaiting = false;
		s->have_vector = true;
		return UCCN_OK;
	}
	return send_reply(s);
}

int uccn_sync_on_payload(struct uccn_sync *s, const uint8_t *buf, size_t len, uint64_t now_ms) {
	struct uccn_sync_msg m;
	char why[160];
	int err = uccn_codec_decode_sync(buf, len, &m, why, sizeof(why));
	if (err == UCCN_EPROTO) {
		return broke(s, "%s", why);
	}
	if (err < 0) {
		return err;
	}
	bool opening = m.type == UCCN_SYNC_VECTOR || m.type == UCCN_SYNC_RECON;
	if (!opening && !s->opened) {
		uccn_codec_sync_msg_finish(&m);
		return broke(s, "a message before the peer's vector");
	}
	if ((m.type == UCCN_SYNC_CHANGES || m.type == UCCN_SYNC_ACK || m.type == UCCN_SYNC_DONE) &&
		!s->have_vector) {
		uccn_codec_sync_msg_finish(&m);
		return broke(s, "a batch, ack or done before the reconciliation ended");
	}
	switch (m.type) {
	case UCCN_SYNC_VECTOR:
		/* An earlier node opens with its whole vector and waits for ours; only the side
		 * that answers can take it, before anything was said. */
		if (s->opened || s->sent_recon || s->cfg.initiator) {
			err = broke(s, "a second vector in one session");
			break;
		}
		s->opened = true;
		s->awaiting = false;
		err = take_vector(s, &m);
		s->have_vector = true;
		break;
	case UCCN_SYNC_RECON:
		err = take_recon(s, &m);
		break;
	case UCCN_SYNC_ZCHANGES:
		break; /* decoded as CHANGES */
	case UCCN_SYNC_CHANGES:
		if (m.compressed && !s->zstd) {
			err = broke(s, "a compressed batch, which this session did not agree to");
			break;
		}
		s->peer_done = false;
		err = receive_batch(s, &m, now_ms);
		break;
	case UCCN_SYNC_ACK:
		if (s->inflight == 0 || m.value != s->expect_ack) {
			err = broke(s, "an acknowledgement of batch %llu out of turn",
				(unsigned long long)m.value);
			break;
		}
		s->expect_ack++;
		s->inflight--;
		s->stats.batches_acked++;
		if (m.has_held) {
			s->stats.held_there = m.held < s->stats.sent ? m.held : s->stats.sent;
		}
		break;
	case UCCN_SYNC_DONE:
		s->peer_done = true;
		break;
	case UCCN_SYNC_PING:
		err = queue_simple(s, UCCN_SYNC_PONG, m.value);
		break;
	case UCCN_SYNC_PONG:
		break; /* it arrived: that was all a ping asked */
	}
	uccn_codec_sync_msg_finish(&m);
	return err < 0 ? err : pump(s);
}

const char *uccn_sync_error(const struct uccn_sync *s) {
	return s->error;
}

bool uccn_sync_is_idle(const struct uccn_sync *s) {
	return s->have_vector && s->done_sent && s->peer_done && s->inflight == 0 &&
	       !uccn_ingest_pending(s->ingest) && uccn_ingest_parts(s->ingest) == 0;
}

void uccn_sync_get_stats(const struct uccn_sync *s, struct uccn_net_stats *out) {
	*out = s->stats;
}

void uccn_sync_get_wire_stats(const struct uccn_sync *s, struct uccn_sync_wire_stats *out) {
	*out = s->wire;
}

uint64_t uccn_sync_pending(struct uccn_sync *s) {
	/* Counted once, at the first question: most sessions show no progress, and the count
	 * reads every change the peer lacks. */
	if (!s->counted && s->have_vector) {
		s->counted = count_to_send(s) == UCCN_OK;
	}
	return s->to_send > s->stats.sent ? s->to_send - s->stats.sent : 0;
}

int uccn_sync_peer_holds(struct uccn_sync *s, const uint8_t author[UCCN_KEY_BYTES], uint64_t *out) {
	*out = 0;
	for (size_t i = 0; i < s->npeer; i++) {
		const struct peer_head *h = &s->peer[i];
		uint64_t n = 0;
		if (memcmp(h->author, author, UCCN_KEY_BYTES) != 0) {
			continue;
		}
		int err = uccn_store_count_feed(s->cfg.st, author, h->feed, h->seq, &n);
		if (err < 0) {
			return err;
		}
		*out += n;
	}
	return UCCN_OK;
}
