/* sync.c - the replication engine of one session (see sync.h): version vectors, batches in
 * chain order, acknowledgements after commit, a bounded window, DONE, and live push. Touches the
 * store and the change log, nothing else: no sockets, no clock, no threads. */
#include "node/sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>

#include "node/alloc.h"
#include "node/ingest.h"
#include "node/schema_internal.h"
#include "node/verifier.h"
#include "proto/codec.h"

#define DEFAULT_BATCH 256
#define DEFAULT_WINDOW 8
/* A batch must fit one session frame (1 MiB) with its framing: bins of at most 64 KiB each
 * cost a few bytes of header, and the session adds its tag. */
#define BATCH_BYTES (1024 * 1024 - 64 * 1024)

/* What the peer holds of one chain (an author's feed): what its vector said, raised by what we
 * sent it and by what it sent us. */
struct peer_head {
	uint8_t author[UCCN_KEY_BYTES];
	char feed[UCCN_FEED_MAX + 1];
	uint64_t seq;
};

struct uccn_sync {
	struct uccn_sync_config cfg;
	struct peer_head *peer; /* sorted by author */
	size_t npeer, cap;
	bool have_vector;
	bool peer_reads_held; /* its VECTOR said it reads the ACK's held (§11.1) */
	bool done_sent; /* DONE sent and nothing sent since */
	bool peer_done; /* DONE received and nothing received since */
	size_t inflight;
	uint64_t next_batch;
	uint64_t expect_ack;    /* batches are acknowledged in order */
	struct uccn_bytes *out; /* queued payloads */
	size_t nout, headout, capout;
	struct uccn_net_stats stats;
	bool have_peer_key;
	uint8_t peer_key[UCCN_KEY_BYTES];
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
	/* Received batches (node/ingest.h). With a pool (cfg.verifier), one may be pending: its
	 * signatures are being verified while the batch before it is applied; it is applied and
	 * acknowledged when the next batch arrives, or at uccn_sync_flush. */
	struct uccn_ingest *ingest;
	struct uccn_ingest_counters counters; /* into stats */
	uint64_t dropped_before;              /* stats.dropped when the batch being stored began */
	struct peer_head *heads; /* scratch: the chains of a received batch (UCCN_SYNC_BATCH_MAX) */
	size_t nheads;
	/* Scratch for building a batch. */
	struct uccn_bytes *batch;
	size_t nbatch;
	size_t batch_bytes;
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

/* Our vector: every chain this node holds that travels in this session, and how far. */
struct vector_build {
	const struct uccn_sync *s;
	struct uccn_sync_entry *e;
	size_t n, cap;
};

static int add_entry_raw(
	struct vector_build *v, const uint8_t *author, const char *feed, uint64_t seq);

static int add_entry(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct vector_build *v = userdata;
	if (!travels(v->s, author, feed) || strlen(feed) > UCCN_FEED_MAX) {
		return 0;
	}
	return add_entry_raw(v, author, feed, seq);
}

static int add_entry_raw(
	struct vector_build *v, const uint8_t *author, const char *feed, uint64_t seq) {
	if (v->n == UCCN_SYNC_VECTOR_MAX) {
		uccn_log(UCCN_LOG_ERROR, "sync: more than %d feeds to announce",
			UCCN_SYNC_VECTOR_MAX);
		return UCCN_ENOMEM;
	}
	if (v->n == v->cap) {
		struct uccn_sync_entry *e = uccn_alloc_grow(v->e, &v->cap, 64, sizeof(*e));
		if (e == NULL) {
			return UCCN_ENOMEM;
		}
		v->e = e;
	}
	struct uccn_sync_entry *x = &v->e[v->n++];
	memcpy(x->author, author, UCCN_KEY_BYTES);
	snprintf(x->feed_buf, sizeof(x->feed_buf), "%s", feed);
	x->feed = NULL; /* set once the array stops moving: a realloc would leave it dangling */
	x->seq = seq;
	return 0;
}

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
	struct vector_build v = {.s = s};
	struct uccn_bytes payload = {0};
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
	if ((err = uccn_store_each_feed_head(s->cfg.st, NULL, add_entry, &v)) < 0) {
		goto out;
	}
	/* Say that we read the ACK's held (§11.1): a chain of the zero key, which no node
	 * has, so a peer that does not know the entry finds nothing it lacks or holds in it. */
	static const uint8_t zero_key[UCCN_KEY_BYTES];
	if (v.n < UCCN_SYNC_VECTOR_MAX &&
		(err = add_entry_raw(&v, zero_key, UCCN_SYNC_ACK_HELD_FEED, 1)) < 0) {
		goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		v.e[i].feed = v.e[i].feed_buf;
	}
	if ((err = uccn_codec_encode_sync_vector(v.e, v.n, &payload)) < 0 ||
		(err = queue(s, &payload)) < 0) {
		goto out;
	}
	*out = s;
	s = NULL;
out:
	uccn_alloc_free(v.e);
	uccn_bytes_finish(&payload);
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
		if ((err = uccn_codec_encode_sync_changes(
			     s->next_batch, s->batch, s->nbatch, &payload)) < 0 ||
			(err = queue(s, &payload)) < 0) {
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
		int err = uccn_codec_encode_sync_simple(UCCN_SYNC_DONE, s->stats.sent, &payload);
		if (err == UCCN_OK) {
			err = queue(s, &payload);
		}
		uccn_bytes_finish(&payload);
		if (err < 0) {
			return err;
		}
		s->done_sent = true;
	}
	return UCCN_OK;
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
static int check_own_chain(struct uccn_sync *s, const struct uccn_sync_msg *m) {
	if (!s->have_self) {
		return UCCN_OK;
	}
	for (size_t i = 0; i < m->count; i++) {
		if (memcmp(m->entries[i].author, s->self, UCCN_KEY_BYTES) == 0 &&
			m->entries[i].seq > s->peer_own) {
			s->peer_own = m->entries[i].seq;
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
	int err = uccn_ingest_flush(s->ingest, now_ms);
	return err < 0 ? err : pump(s);
}

/* A batch from the peer. Without a pool it is verified, applied and acknowledged at once. With
 * one, it goes to the pool once the pool is done with the pending batch, and the pending one
 * is applied on this thread while the pool verifies. */
static int receive_batch(struct uccn_sync *s, const struct uccn_sync_msg *m, uint64_t now_ms) {
	for (size_t i = 0; i < m->count; i++) {
		int err = uccn_ingest_add(s->ingest, m->changes[i].data, m->changes[i].len);
		if (err < 0) {
			uccn_ingest_discard(s->ingest);
			return err;
		}
	}
	return uccn_ingest_push(s->ingest, m->value, now_ms);
}

static int queue_simple(struct uccn_sync *s, enum uccn_sync_type type, uint64_t value) {
	struct uccn_bytes payload = {0};
	int err = uccn_codec_encode_sync_simple(type, value, &payload);
	if (err == UCCN_OK) {
		err = queue(s, &payload);
	}
	uccn_bytes_finish(&payload);
	return err;
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

static int take_vector(struct uccn_sync *s, const struct uccn_sync_msg *m) {
	if (m->count == 0) {
		return UCCN_OK;
	}
	struct peer_head *add = uccn_alloc_malloc(m->count * sizeof(*add));
	if (add == NULL) {
		return UCCN_ENOMEM;
	}
	static const uint8_t zero_key[UCCN_KEY_BYTES];
	size_t n = 0;
	for (size_t i = 0; i < m->count; i++) {
		const struct uccn_sync_entry *e = &m->entries[i];
		if (memcmp(e->author, zero_key, UCCN_KEY_BYTES) == 0 &&
			strcmp(e->feed, UCCN_SYNC_ACK_HELD_FEED) == 0) {
			s->peer_reads_held = true; /* names no chain (§11.1) */
			continue;
		}
		memcpy(add[n].author, e->author, UCCN_KEY_BYTES);
		snprintf(add[n].feed, sizeof(add[n].feed), "%s", e->feed);
		add[n].seq = e->seq;
		n++;
	}
	int err = merge_heads(s, add, n);
	uccn_alloc_free(add);
	return err;
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
	if (m.type != UCCN_SYNC_VECTOR && !s->have_vector) {
		uccn_codec_sync_msg_finish(&m);
		return broke(s, "a message before the peer's vector");
	}
	switch (m.type) {
	case UCCN_SYNC_VECTOR:
		if (s->have_vector) {
			err = broke(s, "a second vector in one session");
			break;
		}
		err = take_vector(s, &m);
		if (err == UCCN_OK) {
			err = check_own_chain(s, &m);
		}
		s->have_vector = true;
		break;
	case UCCN_SYNC_CHANGES:
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
	       !uccn_ingest_pending(s->ingest);
}

void uccn_sync_get_stats(const struct uccn_sync *s, struct uccn_net_stats *out) {
	*out = s->stats;
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
