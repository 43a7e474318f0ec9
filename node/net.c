/* net.c - the node's network event loop (see <uccn/net.h>): transport events in, sessions and sync
 * engines in between, frames out. Owns the transport and every connection's state; owns no
 * rule of the protocol (session.c and sync.c do) and no storage (the node's store, borrowed).
 *
 * Each connection is a `struct link`: the transport's connection, a session from on_open, an
 * engine once the session is established. Each dialled peer is a `struct dialled` that
 * outlives its links and redials. Links are freed only in on_close (or when the loop is
 * destroyed), so a link being closed stays valid, marked closing, until the transport reports
 * its end. */
#include "node/alloc.h"
#include "node/net_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/node_net.h"
#include "node/node_peers.h"
#include "node/node_verify.h"
#include "node/session.h"
#include "node/sync.h"
#include "proto/codec.h"

#define ERROR_MAX 192
/* A frame the transport pushed back is offered again this often: no event says when its queue
 * has room. */
#define RETRY_MS 20
#define NAME_MAX_LEN (UCCN_URL_MAX + 1)
/* Where the pid of a running serve is kept in the store's settings. */

struct dialled;

struct link {
	struct uccn_net *net;
	struct link *prev, *next;
	struct uccn_conn *conn;
	struct dialled *peer; /* NULL: an incoming connection */
	struct uccn_session *session;
	struct uccn_sync *sync;
	/* A frame the transport refused with UCCN_EAGAIN: it goes first, before anything else
	 * is taken from the session or the engine, which is what bounds our memory. */
	struct uccn_bytes blocked;
	bool has_blocked;
	uint64_t retry_ms; /* when to offer it again */
	bool open;         /* on_open seen */
	bool closing;      /* uccn_transport_close called; on_close is due */
	bool converged;    /* a once peer held the same as we did when we closed */
	bool news;         /* another session brought changes: tell this engine */
	bool fed;          /* payloads went to the engine since its last flush */
	bool heard;        /* the engine has had the peer's first payload, its vector */
	uint64_t established_ms, last_rx_ms, last_ping_ms, progress_ms;
	uint64_t bytes_in, bytes_out;
	uint64_t applied_seen;
	uint64_t started_wall_ms; /* when the connection began, for the node's session record */
	int code;                 /* why it failed, when error says so: a UCCN_E* code */
	char name[NAME_MAX_LEN];
	/* "City (name)" for logs, once the session has named the city. */
	char label[NAME_MAX_LEN + 300];
	char error[ERROR_MAX];
};

struct dialled {
	size_t id;
	char url[NAME_MAX_LEN];
	bool pinned;
	uint8_t pin[UCCN_KEY_BYTES];
	char kinds_buf[UCCN_KINDS_TEXT_MAX + 1];
	const char *kinds[UCCN_SESSION_KINDS_MAX];
	size_t nkinds;
	bool remembered, once;
	enum uccn_net_state state;
	struct link *link;
	uint64_t attempts, sessions;
	uint64_t backoff_base_ms; /* the delay before jitter; doubles after each failure */
	uint64_t backoff_ms, next_attempt_ms;
	bool key_known;
	uint8_t key[UCCN_KEY_BYTES];
	struct uccn_net_stats stats;
	uint64_t bytes_sent, bytes_received;
	char error[ERROR_MAX];
	/* What goes to the node's peer list, and when it last went. */
	uint64_t last_contact_wall_ms;
	uint64_t ours;
	bool status_dirty, status_written;
	uint64_t status_written_ms;
};

struct uccn_net {
	struct uccn_net_config cfg;
	struct uccn_node *node;
	uint8_t pk[UCCN_KEY_BYTES];     /* the node's key */
	struct uccn_verifier *verifier; /* the node's pool, borrowed */
	struct uccn_transport *tr;
	struct link *links;
	size_t nlinks, nestablished;
	struct dialled **peers;
	size_t npeers, cap;
	uint64_t rng;
	uint64_t ping_token;
	bool news; /* some link's news flag is set */
	uint64_t watch_next_ms;
	uint64_t watch_mark; /* the store's count of other processes' commits, last seen */
	uint64_t arrivals;   /* see uccn_net_arrivals */
};

/* --- Small helpers -------------------------------------------------------------------------- */

static uint64_t monotonic_ms(void *arg) {
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_of(const struct uccn_net *net) {
	return net->cfg.clock(net->cfg.clock_arg);
}

/* splitmix64: small, seedable, and good enough to spread redials. */
static uint64_t rng_next(struct uccn_net *net) {
	uint64_t z = (net->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
	return a < b ? a : b;
}

static bool is_established(const struct link *l) {
	return l->sync != NULL;
}

/* Copies text into dst (cap bytes), cut short if need be; always terminated. */
static void copy_text(char *dst, size_t cap, const char *text) {
	size_t n = strlen(text);
	n = n < cap - 1 ? n : cap - 1;
	memcpy(dst, text, n);
	dst[n] = '\0';
}

/* --- The node's peer list -------------------------------------------------------------------- */

static void mark_status(struct dialled *p) {
	if (p->remembered) {
		p->status_dirty = true;
	}
}

/* Writes what the loop knows of p to the node's peer list. A failure is logged and forgotten:
 * the list is for `status`, and the next write will try again. */
static void write_status(struct uccn_net *net, struct dialled *p, uint64_t now, bool final) {
	struct link *l = p->link;
	struct uccn_peer s;
	memset(&s, 0, sizeof(s));
	snprintf(s.url, sizeof(s.url), "%s", p->url);
	s.connected = !final && l != NULL && is_established(l) && !l->closing;
	s.key_known = p->key_known;
	memcpy(s.key, p->key, UCCN_KEY_BYTES);
	s.last_contact_ms = p->last_contact_wall_ms;
	/* Before the peer's vector the engine knows nothing of what it holds: keep the last
	 * figure rather than write a zero. */
	uint64_t ours = 0;
	if (l != NULL && l->sync != NULL && l->heard &&
		uccn_sync_peer_holds(l->sync, net->pk, &ours) == UCCN_OK) {
		p->ours = ours;
	}
	s.ours = p->ours;
	if (p->key_known && uccn_node_count_by(net->node, p->key, &s.theirs) < 0) {
		s.theirs = 0;
	}
	copy_text(s.last_error, sizeof(s.last_error), p->error);
	int err = uccn_node_peer_update(net->node, &s);
	if (err == UCCN_ENOTFOUND) {
		p->remembered = false; /* removed from the list meanwhile: stop writing */
	} else if (err < 0) {
		uccn_log(UCCN_LOG_WARN, "net: %s: noting the peer's status: %s", p->url,
			uccn_strerror(err));
	}
	p->status_dirty = false;
	p->status_written = true;
	p->status_written_ms = now;
}

static uint64_t status_due(const struct dialled *p) {
	if (!p->remembered || !p->status_dirty) {
		return UINT64_MAX;
	}
	return p->status_written ? p->status_written_ms + UCCN_NET_STATUS_MS : 0;
}

/* --- The node's record of sessions ---------------------------------------------------------- */

/* Writes what the node keeps of the link's session (<uccn/net.h>, uccn_net_session_list): when
 * it is established, and when it ends, whether it got that far or not. A failure to write is
 * logged and forgotten: the record is for `status` and `health`, not for the protocol. */
static void note_session(struct uccn_net *net, struct link *l, bool ended) {
	struct uccn_net_session s;
	memset(&s, 0, sizeof(s));
	const struct dialled *p = l->peer;
	if (l->session != NULL && uccn_session_is_established(l->session)) {
		uccn_session_peer(l->session, s.key);
		s.key_known = true;
	} else if (p != NULL && (p->key_known || p->pinned)) {
		/* It has not proved a key this time: the row is still the one of the key the url
		 * stands for, so that a city's failures show beside its sessions. */
		memcpy(s.key, p->key_known ? p->key : p->pin, UCCN_KEY_BYTES);
		s.key_known = true;
	}
	if (p != NULL) {
		copy_text(s.address, sizeof(s.address), p->url);
	} else {
		/* Without the port: a peer that never proves a key takes one row per host, not
		 * one per connection. */
		copy_text(s.address, sizeof(s.address), l->name);
		char *colon = strrchr(s.address, ':');
		if (colon != NULL && !s.key_known) {
			*colon = '\0';
		}
	}
	s.incoming = p == NULL;
	s.live = !ended;
	if (!ended) {
		s.seen_ms = uccn_node_wall_ms();
	}
	s.started_ms = l->started_wall_ms;
	if (l->sync != NULL) {
		uccn_sync_get_stats(l->sync, &s.stats);
	}
	if (ended) {
		s.ended_ms = uccn_node_wall_ms();
		s.sessions = 1;
		if (l->error[0] != '\0') {
			s.failures = 1;
			s.err = l->code < 0 ? l->code : UCCN_EIO;
			copy_text(s.error, sizeof(s.error), l->error);
		} else {
			s.ok_ms = s.ended_ms;
		}
	}
	int err = uccn_store_note_session(uccn_node_store(net->node), &s);
	if (err < 0) {
		uccn_log(UCCN_LOG_WARN, "net: %s: noting the session: %s", l->name,
			uccn_strerror(err));
	}
}

/* --- Progress -------------------------------------------------------------------------------- */

static void report_progress(struct uccn_net *net, struct link *l, uint64_t now, bool done) {
	if (net->cfg.opts.progress == NULL || l->sync == NULL) {
		return;
	}
	if (!done && now - l->progress_ms < net->cfg.opts.progress_interval_ms) {
		return;
	}
	l->progress_ms = now;
	struct uccn_net_progress p;
	memset(&p, 0, sizeof(p));
	p.peer = l->name;
	uccn_sync_get_stats(l->sync, &p.stats);
	p.bytes_sent = l->bytes_out;
	p.bytes_received = l->bytes_in;
	p.elapsed_ms = now - l->established_ms;
	p.rate = p.elapsed_ms > 0
			 ? (double)(p.stats.sent + p.stats.received) * 1000.0 / (double)p.elapsed_ms
			 : 0.0;
	p.pending = uccn_sync_pending(l->sync);
	p.done = done;
	net->cfg.opts.progress(net->cfg.opts.progress_data, &p);
}

/* --- Links ------------------------------------------------------------------------------------ */

static struct link *link_new(struct uccn_net *net, struct dialled *peer) {
	struct link *l = uccn_alloc_calloc(1, sizeof(*l));
	if (l == NULL) {
		return NULL;
	}
	l->net = net;
	l->peer = peer;
	l->started_wall_ms = uccn_node_wall_ms();
	if (peer != NULL) {
		snprintf(l->name, sizeof(l->name), "%s", peer->url);
	}
	l->next = net->links;
	if (net->links != NULL) {
		net->links->prev = l;
	}
	net->links = l;
	net->nlinks++;
	return l;
}

static void link_free(struct uccn_net *net, struct link *l) {
	if (l->prev != NULL) {
		l->prev->next = l->next;
	} else {
		net->links = l->next;
	}
	if (l->next != NULL) {
		l->next->prev = l->prev;
	}
	net->nlinks--;
	if (is_established(l)) {
		net->nestablished--;
	}
	uccn_sync_destroy(l->sync);
	uccn_session_destroy(l->session);
	uccn_bytes_finish(&l->blocked);
	uccn_alloc_free(l);
}

/* Copies what the session did so far into its peer, which outlives it. */
static void snapshot(struct link *l) {
	struct dialled *p = l->peer;
	if (p == NULL) {
		return;
	}
	if (l->sync != NULL) {
		uccn_sync_get_stats(l->sync, &p->stats);
	}
	p->bytes_sent = l->bytes_out;
	p->bytes_received = l->bytes_in;
}

/* Hands the session's frames to the transport, then the engine's payloads through the session,
 * until the transport pushes back. Returns UCCN_OK or an error after which the caller ends the
 * link (error says why). */
static int flush_link(struct link *l, bool frames_only) {
	struct uccn_net *net = l->net;
	struct uccn_bytes b = {0};
	int err = UCCN_OK;
	for (;;) {
		if (l->has_blocked) {
			err = uccn_transport_send(
				net->tr, l->conn, l->blocked.data, l->blocked.len);
			if (err == UCCN_EAGAIN) {
				l->retry_ms = now_of(net) + RETRY_MS;
				err = UCCN_OK;
				break;
			}
			if (err < 0) {
				break;
			}
			l->bytes_out += l->blocked.len;
			l->has_blocked = false;
		}
		if (uccn_session_pop_frame(l->session, &b)) {
			uccn_bytes_finish(&l->blocked);
			l->blocked = b; /* sent from there at the top of the loop */
			memset(&b, 0, sizeof(b));
			l->has_blocked = true;
			continue;
		}
		if (frames_only || l->sync == NULL || !uccn_sync_pop_payload(l->sync, &b)) {
			break;
		}
		err = uccn_session_send(l->session, b.data, b.len);
		uccn_bytes_finish(&b); /* pop_frame overwrites what it is given */
		if (err < 0) {
			snprintf(l->error, sizeof(l->error), "session: %s",
				uccn_session_is_closed(l->session) ? uccn_session_error(l->session)
								   : uccn_strerror(err));
			break;
		}
	}
	uccn_bytes_finish(&b);
	if (err == UCCN_ECLOSED) {
		err = UCCN_OK; /* the transport is ending the connection: on_close says why */
	}
	return err;
}

/* Ends the link from our side: the session's last frames (an ERROR during the handshake) go
 * first, then the transport closes, and on_close frees the link. */
static void close_link(struct link *l) {
	if (l->closing) {
		return;
	}
	if (l->conn != NULL && l->session != NULL) {
		(void)flush_link(l, true);
	}
	snapshot(l);
	l->closing = true;
	if (l->peer != NULL) {
		mark_status(l->peer);
	}
	if (l->conn != NULL) {
		uccn_transport_close(l->net->tr, l->conn);
	}
}

/* The link as logs name it: the city once known, else the url dialled or the peer's address. */
static const char *who(const struct link *l) {
	return l->label[0] != '\0' ? l->label : l->name[0] != '\0' ? l->name : "a peer";
}

struct city_search {
	const uint8_t *key;
	char name[256];
};

static int match_city(void *userdata, const struct uccn_member *m) {
	struct city_search *c = userdata;
	if (m->active && (memcmp(m->key, c->key, UCCN_KEY_BYTES) == 0 ||
				 memcmp(m->city, c->key, UCCN_KEY_BYTES) == 0)) {
		snprintf(c->name, sizeof(c->name), "%s", m->name != NULL ? m->name : "");
	}
	return 0;
}

/* Ends the link for the reason fmt (code: the uccn error it comes down to). The peer is told,
 * with an ERROR queued behind what the session already holds (PROTOCOL.md §10.5): every
 * session that ends for a reason says it, whichever layer found it. A session that closed
 * itself has queued its own ERROR already, or had none to send. */
__attribute__((format(printf, 3, 4))) static void fail_link(
	struct link *l, int code, const char *fmt, ...) {
	if (l->closing) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
	l->code = code;
	uccn_log(UCCN_LOG_WARN, "net: %s: %s", who(l), l->error);
	if (l->session != NULL && !uccn_session_is_closed(l->session)) {
		(void)uccn_session_end(l->session, code < 0 ? code : UCCN_EIO, l->error);
	}
	close_link(l);
}

/* The engine found the peer breaking §11: say what it did. */
static void fail_sync(struct link *l, int err) {
	if (err == UCCN_EPROTO) {
		const char *why = uccn_sync_error(l->sync);
		fail_link(l, err, "sync: %s",
			why[0] != '\0' ? why : "a malformed or out-of-turn message");
	} else {
		fail_link(l, err, "sync: %s", uccn_strerror(err));
	}
}

/* Moves what the link has to say onto the transport; a failure ends the link. */
static void pump(struct link *l) {
	if (l->closing) {
		return;
	}
	int err = flush_link(l, false);
	if (err < 0) {
		fail_link(l, err, "%s", l->error[0] != '\0' ? l->error : uccn_strerror(err));
		return;
	}
	/* `uccn sync`: once both hold the same and all we said has gone to the transport, the
	 * session has done its work. */
	struct dialled *p = l->peer;
	if (p != NULL && p->once && l->sync != NULL && !l->has_blocked &&
		uccn_sync_is_idle(l->sync)) {
		l->converged = true;
		uccn_log(UCCN_LOG_INFO, "net: %s: both sides hold the same; closing", who(l));
		close_link(l);
	}
}

/* Names the link after the city the session proved (the registry's name for the key), so a
 * log says "Adelaide" where it said an address; a key the registry does not know stays
 * unnamed. */
static void name_city(struct uccn_net *net, const uint8_t key[UCCN_KEY_BYTES], struct link *l) {
	struct city_search c = {.key = key};
	if (uccn_node_is_secretariat_key(net->node, key)) {
		snprintf(c.name, sizeof(c.name), "the Secretariat");
	} else if (uccn_node_registry(net->node, match_city, &c) < 0) {
		c.name[0] = '\0'; /* a log line without the name is no reason to fail */
	}
	if (c.name[0] != '\0') {
		snprintf(l->label, sizeof(l->label), "%s (%s)", c.name,
			l->name[0] != '\0' ? l->name : "an incoming peer");
	}
}

/* The session is established: start the engine with what the session proved about the peer. */
static int start_engine(struct uccn_net *net, struct link *l, uint64_t now) {
	uint8_t key[UCCN_KEY_BYTES];
	uccn_session_peer(l->session, key);
	const char *const *peer_kinds = NULL;
	size_t npeer_kinds = uccn_session_peer_kinds(l->session, &peer_kinds);
	struct dialled *p = l->peer;
	/* A peer that dials us is held to the kinds we chose for it when we dial it: the choice is
	 * about the peer, whoever connects. */
	const struct dialled *chosen = p;
	for (size_t i = 0; chosen == NULL && i < net->npeers; i++) {
		const struct dialled *d = net->peers[i];
		if ((d->pinned && memcmp(d->pin, key, UCCN_KEY_BYTES) == 0) ||
			(d->key_known && memcmp(d->key, key, UCCN_KEY_BYTES) == 0)) {
			chosen = d;
		}
	}
	struct uccn_sync_config cfg = {
		.st = uccn_node_store(net->node),
		.log = uccn_node_changelog(net->node),
		.batch_changes = net->cfg.opts.batch_changes,
		.window = net->cfg.opts.window,
		.verifier = net->verifier,
		.kinds = chosen != NULL && chosen->nkinds > 0 ? chosen->kinds : NULL,
		.nkinds = chosen != NULL ? chosen->nkinds : 0,
		.peer_kinds = peer_kinds,
		.npeer_kinds = npeer_kinds,
		.peer_key = key, /* what it may hold, the registry says (§11.5) */
		/* The client opens the reconciliation of heads (§11.8). */
		.initiator = l->peer != NULL,
	};
	int err = uccn_sync_create(&cfg, &l->sync);
	if (err < 0) {
		return err;
	}
	struct uccn_net_stats st;
	uccn_sync_get_stats(l->sync, &st);
	l->applied_seen = st.applied;
	l->established_ms = now;
	l->progress_ms = now;
	net->nestablished++;
	name_city(net, key, l);
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, hex);
	uccn_log(UCCN_LOG_INFO, "net: %s: session established (key %s)", who(l), hex);
	if (p != NULL) {
		p->sessions++;
		p->state = UCCN_NET_SYNCING;
		p->key_known = true;
		memcpy(p->key, key, UCCN_KEY_BYTES);
		p->error[0] = '\0';
		mark_status(p);
	}
	note_session(net, l, false);
	return UCCN_OK;
}

/* Changes arrived on from: they are news to every other live engine (PROTOCOL.md §11.2, step
 * 5). Only a payload that applied something can be news; the engines are told after the
 * transport's events of this turn, once each (flush_news). */
static void spread_news(struct uccn_net *net, struct link *from) {
	struct uccn_net_stats st;
	uccn_sync_get_stats(from->sync, &st);
	if (st.applied == from->applied_seen) {
		return;
	}
	from->applied_seen = st.applied;
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (l != from && l->sync != NULL && !l->closing) {
			l->news = true;
			net->news = true;
		}
	}
}

/* The link's engine sends what its peer lacks now; a failure ends that link only. */
static void notify(struct link *l) {
	l->news = false;
	int err = uccn_sync_notify(l->sync);
	if (err < 0) {
		fail_sync(l, err);
		return;
	}
	pump(l);
}

static void flush_news(struct uccn_net *net) {
	if (!net->news) {
		return;
	}
	net->news = false;
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (l->news && !l->closing) {
			notify(l);
		}
	}
}

/* A quiet connection is pinged (sync message PING); the peer's engine answers PONG, and
 * either counts as traffic. */
static int send_ping(struct uccn_net *net, struct link *l) {
	return uccn_sync_ping(l->sync, ++net->ping_token);
}

/* --- Dialling --------------------------------------------------------------------------------- */

/* The delay before the next attempt: the base doubles after each failure up to the maximum,
 * drops back to the minimum after a session that got established, and is spread by +-25 % so
 * that nodes cut off together do not all come back at the same instant. */
static void schedule_redial(
	struct uccn_net *net, struct dialled *p, bool was_established, uint64_t now) {
	uint64_t base;
	if (was_established || p->backoff_base_ms == 0) {
		base = net->cfg.opts.backoff_min_ms;
	} else {
		base = min_u64(p->backoff_base_ms * 2, net->cfg.opts.backoff_max_ms);
	}
	p->backoff_base_ms = base;
	/* 0.75 to 1.25 times the base, in 1/1024 steps: no floating point in a schedule. */
	uint64_t u = rng_next(net) % 1025;
	p->backoff_ms = base * (768 + u / 2) / 1024;
	if (p->backoff_ms == 0) {
		p->backoff_ms = 1;
	}
	p->next_attempt_ms = now + p->backoff_ms;
	p->state = UCCN_NET_WAITING;
}

static void start_attempt(struct uccn_net *net, struct dialled *p, uint64_t now) {
	struct link *l = link_new(net, p);
	if (l == NULL) {
		uccn_log(UCCN_LOG_WARN, "net: %s: out of memory; will retry", p->url);
		schedule_redial(net, p, false, now);
		return;
	}
	struct uccn_conn *c = NULL;
	int err = uccn_transport_connect(net->tr, p->url, &c);
	if (err < 0) {
		link_free(net, l);
		if (err == UCCN_EINVAL) {
			copy_text(p->error, sizeof(p->error), "not an address this node can reach");
			uccn_log(UCCN_LOG_ERROR, "net: %s: %s", p->url, p->error);
			p->state = UCCN_NET_FAILED;
			mark_status(p);
			return;
		}
		uccn_log(UCCN_LOG_WARN, "net: %s: cannot connect: %s", p->url, uccn_strerror(err));
		schedule_redial(net, p, false, now);
		return;
	}
	l->conn = c;
	uccn_transport_conn_set_data(c, l);
	p->link = l;
	p->attempts++;
	p->state = UCCN_NET_CONNECTING;
}

/* --- Transport events ------------------------------------------------------------------------- */

/* Closes an incoming connection that gets no session, telling the client why with the
 * plaintext ERROR it reads where it expects the WELCOME (PROTOCOL.md §10.5). */
static void refuse_connection(struct uccn_net *net, struct uccn_conn *c, int err, const char *why) {
	struct uccn_bytes f = {0};
	if (uccn_session_encode_refusal(err, why, &f) == UCCN_OK) {
		(void)uccn_transport_send(net->tr, c, f.data, f.len); /* best effort */
	}
	uccn_bytes_finish(&f);
	uccn_transport_close(net->tr, c);
}

static void on_open(void *userdata, struct uccn_conn *c, bool incoming) {
	struct uccn_net *net = userdata;
	uint64_t now = now_of(net);
	struct link *l;
	if (incoming) {
		if (net->nlinks >= net->cfg.opts.max_sessions) {
			uccn_log(UCCN_LOG_WARN, "net: %s: refused: already %zu connections",
				uccn_transport_conn_peer(c), net->nlinks);
			refuse_connection(net, c, UCCN_EBUSY, "too many connections; try later");
			return;
		}
		if ((l = link_new(net, NULL)) == NULL) {
			uccn_log(UCCN_LOG_WARN, "net: %s: refused: out of memory",
				uccn_transport_conn_peer(c));
			uccn_transport_close(net->tr, c);
			return;
		}
		l->conn = c;
		snprintf(l->name, sizeof(l->name), "%s", uccn_transport_conn_peer(c));
		uccn_transport_conn_set_data(c, l);
	} else if ((l = uccn_transport_conn_get_data(c)) == NULL) {
		return;
	}
	l->open = true;
	l->last_rx_ms = now;
	/* Until the handshake completes, the peer may send only handshake frames (PROTOCOL.md
	 * §10.1): a connection that never finishes costs no more than one of them. */
	uccn_transport_conn_set_frame_max(c, UCCN_SESSION_HANDSHAKE_MAX);
	struct dialled *p = l->peer;
	struct uccn_session_config cfg = {
		.id = uccn_node_identity(net->node),
		.is_client = !incoming,
		.pinned = p != NULL && p->pinned ? p->pin : NULL,
		.kinds = p != NULL ? p->kinds : NULL,
		.nkinds = p != NULL ? p->nkinds : 0,
		.handshake_timeout_ms = net->cfg.opts.handshake_timeout_ms,
	};
	uccn_node_network(net->node, cfg.network);
	int err = uccn_session_create(&cfg, now, &l->session);
	if (err < 0) {
		fail_link(l, err, "starting the session: %s", uccn_strerror(err));
		return;
	}
	if (p != NULL) {
		p->state = UCCN_NET_HANDSHAKE;
	}
	pump(l);
}

static void on_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct uccn_net *net = userdata;
	struct link *l = uccn_transport_conn_get_data(c);
	if (l == NULL || l->closing || l->session == NULL) {
		return;
	}
	uint64_t now = now_of(net);
	l->bytes_in += len;
	l->last_rx_ms = now;
	if (l->peer != NULL) {
		l->peer->last_contact_wall_ms = uccn_node_wall_ms();
		mark_status(l->peer);
	}
	const uint8_t *payload = NULL;
	size_t plen = 0;
	int err = uccn_session_on_frame(l->session, frame, len, now, &payload, &plen);
	if (err < 0) {
		fail_link(l, err, "%s", uccn_session_error(l->session));
		return;
	}
	if (l->sync == NULL && uccn_session_is_established(l->session)) {
		uccn_transport_conn_set_frame_max(c, UCCN_TRANSPORT_FRAME_MAX);
	}
	if (l->sync == NULL && uccn_session_is_established(l->session) &&
		(err = start_engine(net, l, now)) < 0) {
		fail_link(l, err, "starting the sync engine: %s", uccn_strerror(err));
		return;
	}
	if (payload != NULL && l->sync != NULL) {
		err = uccn_sync_on_payload(l->sync, payload, plen, now);
		if (err < 0) {
			fail_sync(l, err);
			return;
		}
		l->fed = true;
		l->heard = true;
		spread_news(net, l);
		report_progress(net, l, now, false);
	}
	pump(l);
}

static void on_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct uccn_net *net = userdata;
	struct link *l = uccn_transport_conn_get_data(c);
	if (l == NULL) {
		return; /* an incoming connection refused in on_open */
	}
	uint64_t now = now_of(net);
	/* A `uccn sync` that leaves once both hold the same ends cleanly; a dialled peer's
	 * connection is meant to last, so its loss is worth a line in `status`. */
	bool clean =
		l->converged || (l->peer == NULL && l->sync != NULL && uccn_sync_is_idle(l->sync));
	if (l->error[0] == '\0' && !clean) {
		if (!l->open) {
			snprintf(l->error, sizeof(l->error), "cannot connect: %s", reason);
		} else if (!is_established(l)) {
			snprintf(l->error, sizeof(l->error), "closed during the handshake: %s",
				reason);
		} else {
			snprintf(l->error, sizeof(l->error), "%s", reason);
		}
		/* A peer we dial that cannot be reached or drops us is the service's business
		 * (a hub down, a firewall); an incoming stranger's is not. */
		uccn_log(l->peer != NULL ? UCCN_LOG_WARN : UCCN_LOG_INFO, "net: %s: %s", who(l),
			l->error);
	} else if (l->error[0] == '\0') {
		uccn_log(UCCN_LOG_INFO, "net: %s: closed (%s)", who(l), reason);
	}
	report_progress(net, l, now, true);
	snapshot(l);
	note_session(net, l, true);
	struct dialled *p = l->peer;
	if (p != NULL) {
		p->link = NULL;
		snprintf(p->error, sizeof(p->error), "%s", l->error);
		if (p->once) {
			p->state = l->converged ? UCCN_NET_DONE : UCCN_NET_FAILED;
		} else {
			schedule_redial(net, p, is_established(l), now);
		}
		mark_status(p);
	}
	link_free(net, l);
}

/* --- Timers ----------------------------------------------------------------------------------- */

/* Whether another process committed to the store since the last look (a `uccn put` or an
 * import beside this loop): then every engine looks again for what its peer lacks. The store
 * counts such commits; our own do not move the count. */
static void watch_store(struct uccn_net *net) {
	int err = uccn_store_refresh(uccn_node_store(net->node));
	if (err < 0) {
		uccn_log(UCCN_LOG_WARN, "net: looking for other writers: %s", uccn_strerror(err));
		return;
	}
	/* A change held because its clock was ahead comes in when our clock reaches it, with no
	 * traffic to prompt it; then it is news to every peer. */
	size_t released = 0;
	if ((err = uccn_node_release_due(net->node, &released)) < 0) {
		uccn_log(UCCN_LOG_WARN, "net: letting in held changes: %s", uccn_strerror(err));
	} else if (released > 0) {
		uccn_log(UCCN_LOG_INFO, "net: %zu held changes let in: their clock came", released);
		net->arrivals += released;
		uccn_net_local_changes(net);
	}
	uint64_t mark = uccn_store_foreign_writes(uccn_node_store(net->node));
	if (mark != net->watch_mark) {
		net->watch_mark = mark;
		net->arrivals++;
		uccn_log(
			UCCN_LOG_DEBUG, "net: another process wrote the store: telling every peer");
		uccn_net_local_changes(net);
	}
}

/* When the link's next timer is due: the handshake deadline, then the ping and the idle
 * timeout. */
static uint64_t link_deadline(const struct uccn_net *net, const struct link *l) {
	if (l->closing || !l->open || l->session == NULL) {
		return UINT64_MAX;
	}
	if (!is_established(l)) {
		return uccn_session_next_deadline(l->session);
	}
	uint64_t idle = net->cfg.opts.idle_timeout_ms;
	uint64_t quiet = l->last_rx_ms > l->last_ping_ms ? l->last_rx_ms : l->last_ping_ms;
	return min_u64(l->last_rx_ms + idle, quiet + idle / 3);
}

static void fire_timers(struct uccn_net *net, uint64_t now) {
	for (size_t i = 0; i < net->npeers; i++) {
		struct dialled *p = net->peers[i];
		if (p->state == UCCN_NET_WAITING && p->link == NULL && now >= p->next_attempt_ms) {
			start_attempt(net, p, now);
		}
	}
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (l->closing || !l->open || l->session == NULL || now < link_deadline(net, l)) {
			continue;
		}
		if (!is_established(l)) {
			int err = uccn_session_on_timer(l->session, now);
			if (err < 0) {
				fail_link(l, err, "%s", uccn_session_error(l->session));
			}
			continue;
		}
		if (now - l->last_rx_ms >= net->cfg.opts.idle_timeout_ms) {
			fail_link(l, UCCN_ETIMEDOUT, "nothing received for %" PRIu64 " ms",
				now - l->last_rx_ms);
			continue;
		}
		int err = send_ping(net, l);
		if (err < 0) {
			fail_link(l, err, "sending a ping: %s", uccn_strerror(err));
			continue;
		}
		l->last_ping_ms = now;
		pump(l);
	}
	for (size_t i = 0; i < net->npeers; i++) {
		if (now >= status_due(net->peers[i])) {
			write_status(net, net->peers[i], now, false);
		}
	}
	if (net->cfg.opts.watch_store_ms > 0 && now >= net->watch_next_ms) {
		net->watch_next_ms = now + net->cfg.opts.watch_store_ms;
		watch_store(net);
	}
}

/* After the transport's events of a turn: engines that were fed apply the batch the pool was
 * verifying meanwhile (and acknowledge it), engines are told of what that brought, and frames
 * the transport pushed back are retried. */
static void flush_all(struct uccn_net *net, uint64_t now) {
	bool applied = false;
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (!l->fed || l->closing) {
			continue;
		}
		l->fed = false;
		int err = uccn_sync_flush(l->sync, now);
		if (err < 0) {
			fail_sync(l, err);
			continue;
		}
		uint64_t seen = l->applied_seen;
		spread_news(net, l);
		applied = applied || l->applied_seen != seen;
		net->arrivals += l->applied_seen - seen;
		pump(l);
	}
	/* A checkpoint that came in is cosigned at once (PROTOCOL.md §9.11), and the cosignature
	 * is news to every peer, the one that brought the checkpoint too. */
	if (applied && uccn_node_witness(net->node, uccn_node_wall_ms()) > 0) {
		for (struct link *l = net->links; l != NULL; l = l->next) {
			l->news = l->sync != NULL && !l->closing;
			net->news = net->news || l->news;
		}
	}
	flush_news(net);
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (l->has_blocked && !l->closing) {
			pump(l);
		}
	}
}

uint64_t uccn_net_next_deadline(const struct uccn_net *net) {
	uint64_t due = UINT64_MAX;
	for (size_t i = 0; i < net->npeers; i++) {
		const struct dialled *p = net->peers[i];
		if (p->state == UCCN_NET_WAITING && p->link == NULL) {
			due = min_u64(due, p->next_attempt_ms);
		}
		due = min_u64(due, status_due(p));
	}
	for (const struct link *l = net->links; l != NULL; l = l->next) {
		due = min_u64(due, link_deadline(net, l));
		if (l->has_blocked && !l->closing) {
			due = min_u64(due, l->retry_ms); /* flush_all offers the frame again */
		}
	}
	if (net->cfg.opts.watch_store_ms > 0) {
		due = min_u64(due, net->watch_next_ms);
	}
	return due;
}

/* How many more transport turns a run takes while frames keep arriving, before it flushes the
 * engines anyway. */
#define DRAIN_TURNS 64

int uccn_net_run(struct uccn_net *net, int max_wait_ms) {
	uint64_t now = now_of(net);
	fire_timers(net, now);
	flush_all(net, now);
	uint64_t due = uccn_net_next_deadline(net);
	int wait = max_wait_ms < 0 ? 0 : max_wait_ms;
	if (due <= now) {
		wait = 0;
	} else if (due - now < (uint64_t)wait) {
		wait = (int)(due - now);
	}
	int n = uccn_transport_poll(net->tr, wait);
	/* While frames keep coming, take them before flushing: an engine applies one batch while
	 * the pool verifies the next only if the next is read before the flush. */
	for (int turn = 0, quiet = 0; n >= 0 && n + quiet > 0 && turn < DRAIN_TURNS; turn++) {
		/* A frame larger than the transport's read buffer takes two turns to arrive, the
		 * first firing nothing: one quiet turn is not yet the end of the stream. */
		quiet = n > 0 ? 1 : 0;
		n = uccn_transport_poll(net->tr, 0);
	}
	if (n < 0) {
		return UCCN_EIO;
	}
	now = now_of(net);
	fire_timers(net, now);
	flush_all(net, now);
	return UCCN_OK;
}

int uccn_net_local_changes(struct uccn_net *net) {
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (l->sync != NULL && !l->closing) {
			notify(l);
		}
	}
	return UCCN_OK;
}

/* --- Life cycle and queries ---------------------------------------------------------------- */

static int default_transport(
	void *arg, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	(void)arg;
	return uccn_transport_lws_create(ev, out);
}

void uccn_net_options_init(struct uccn_net_options *opts) {
	memset(opts, 0, sizeof(*opts));
}

int uccn_net_create(const struct uccn_net_options *opts, struct uccn_net **out) {
	struct uccn_net_config cfg = {.opts = *opts};
	return uccn_net_create_config(&cfg, out);
}

int uccn_net_create_config(const struct uccn_net_config *cfg, struct uccn_net **out) {
	struct uccn_net *net = uccn_alloc_calloc(1, sizeof(*net));
	if (net == NULL) {
		return UCCN_ENOMEM;
	}
	net->cfg = *cfg;
	net->node = cfg->opts.node;
	struct uccn_net_config *c = &net->cfg;
	struct uccn_net_options *o = &net->cfg.opts;
	if (c->make_transport == NULL) {
		c->make_transport = default_transport;
	}
	if (c->clock == NULL) {
		c->clock = monotonic_ms;
	}
	o->idle_timeout_ms = o->idle_timeout_ms ? o->idle_timeout_ms : UCCN_NET_IDLE_TIMEOUT_MS;
	o->backoff_min_ms = o->backoff_min_ms ? o->backoff_min_ms : UCCN_NET_BACKOFF_MIN_MS;
	o->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : UCCN_NET_BACKOFF_MAX_MS;
	if (o->backoff_max_ms < o->backoff_min_ms) {
		o->backoff_max_ms = o->backoff_min_ms;
	}
	o->max_sessions = o->max_sessions ? o->max_sessions : UCCN_NET_MAX_SESSIONS;
	o->progress_interval_ms =
		o->progress_interval_ms ? o->progress_interval_ms : UCCN_NET_PROGRESS_MS;
	net->rng = o->seed;
	uccn_node_public_key(net->node, net->pk);
	/* The node owns its pool (an import uses it too) and frees it at close. */
	int err = uccn_node_verifier(net->node, o->verify_threads, &net->verifier);
	if (err < 0) {
		uccn_alloc_free(net);
		return err;
	}
	struct uccn_transport_events ev = {on_open, on_frame, on_close, net};
	err = c->make_transport(c->transport_arg, &ev, &net->tr);
	if (err < 0) {
		uccn_alloc_free(net);
		return err;
	}
	net->watch_next_ms = now_of(net);
	net->watch_mark = uccn_store_foreign_writes(uccn_node_store(net->node));
	*out = net;
	return UCCN_OK;
}

void uccn_net_destroy(struct uccn_net *net) {
	if (net == NULL) {
		return;
	}
	uint64_t now = now_of(net);
	for (size_t i = 0; i < net->npeers; i++) {
		struct dialled *p = net->peers[i];
		if (p->link != NULL) {
			snapshot(p->link);
		}
		if (p->remembered && (p->status_written || p->status_dirty)) {
			write_status(net, p, now, true);
		}
	}
	/* The transport frees its connections without on_close: ours go here, and a session
	 * cut short by the loop's end is not the peer's failure. */
	for (struct link *l = net->links; l != NULL; l = l->next) {
		if (is_established(l)) {
			note_session(net, l, true);
		}
	}
	uccn_transport_destroy(net->tr);
	while (net->links != NULL) {
		link_free(net, net->links);
	}
	for (size_t i = 0; i < net->npeers; i++) {
		uccn_alloc_free(net->peers[i]);
	}
	uccn_alloc_free(net->peers);
	uccn_alloc_free(net);
}

int uccn_net_listen(struct uccn_net *net, const char *host, uint16_t port, uint16_t *bound_port) {
	return uccn_transport_listen(net->tr, host, port, bound_port);
}

int uccn_net_listen_http(struct uccn_net *net, const char *host, uint16_t port,
	uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port) {
	return uccn_transport_listen_http(net->tr, host, port, fn, userdata, bound_port);
}

size_t uccn_net_http_push(struct uccn_net *net, const char *data, size_t len) {
	return uccn_transport_http_push(net->tr, (const uint8_t *)data, len);
}

uint64_t uccn_net_arrivals(const struct uccn_net *net) {
	return net->arrivals;
}

size_t uccn_net_redial_now(struct uccn_net *net) {
	uint64_t now = now_of(net);
	size_t n = 0;
	for (size_t i = 0; i < net->npeers; i++) {
		struct dialled *p = net->peers[i];
		if (p->state == UCCN_NET_WAITING && p->link == NULL) {
			p->next_attempt_ms = now;
			n++;
		}
	}
	return n;
}

/* Splits "a,b" into p->kinds (pointing into p->kinds_buf), checking each is a kind. */
static int parse_kinds(struct dialled *p, const char *kinds) {
	if (kinds == NULL || kinds[0] == '\0') {
		return UCCN_OK;
	}
	if (strlen(kinds) >= sizeof(p->kinds_buf)) {
		return UCCN_EINVAL;
	}
	snprintf(p->kinds_buf, sizeof(p->kinds_buf), "%s", kinds);
	char *s = p->kinds_buf;
	for (;;) {
		char *comma = strchr(s, ',');
		if (comma != NULL) {
			*comma = '\0';
		}
		if (s[0] == '\0' || strlen(s) > UCCN_KIND_MAX || uccn_schema_kind(s) == NULL ||
			p->nkinds == UCCN_SESSION_KINDS_MAX) {
			return UCCN_EINVAL;
		}
		p->kinds[p->nkinds++] = s;
		if (comma == NULL) {
			return UCCN_OK;
		}
		s = comma + 1;
	}
}

int uccn_net_dial(struct uccn_net *net, const struct uccn_net_peer *peer, size_t *id) {
	if (peer->url == NULL || peer->url[0] == '\0' || strlen(peer->url) > UCCN_URL_MAX) {
		return UCCN_EINVAL;
	}
	struct dialled *p = uccn_alloc_calloc(1, sizeof(*p));
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	snprintf(p->url, sizeof(p->url), "%s", peer->url);
	if (parse_kinds(p, peer->kinds) < 0) {
		uccn_alloc_free(p);
		return UCCN_EINVAL;
	}
	if (peer->pin != NULL) {
		p->pinned = true;
		memcpy(p->pin, peer->pin, UCCN_KEY_BYTES);
	}
	p->remembered = peer->remembered;
	p->once = peer->once;
	if (net->npeers == net->cap) {
		struct dialled **a = uccn_alloc_grow(net->peers, &net->cap, 8, sizeof(*a));
		if (a == NULL) {
			uccn_alloc_free(p);
			return UCCN_ENOMEM;
		}
		net->peers = a;
	}
	p->id = net->npeers;
	net->peers[net->npeers++] = p;
	/* The first attempt is due at once: the next turn of the loop makes it. */
	p->state = UCCN_NET_WAITING;
	p->next_attempt_ms = now_of(net);
	if (id != NULL) {
		*id = p->id;
	}
	return UCCN_OK;
}

bool uccn_net_is_dialling(const struct uccn_net *net, const char *url, size_t *id) {
	for (size_t i = 0; i < net->npeers; i++) {
		if (net->peers[i]->state != UCCN_NET_STOPPED &&
			strcmp(net->peers[i]->url, url) == 0) {
			if (id != NULL) {
				*id = i;
			}
			return true;
		}
	}
	return false;
}

int uccn_net_undial(struct uccn_net *net, size_t id) {
	if (id >= net->npeers) {
		return UCCN_EINVAL;
	}
	struct dialled *p = net->peers[id];
	p->state = UCCN_NET_STOPPED;
	p->remembered = false; /* whatever the list says of it now is not ours to change */
	if (p->link != NULL) {
		struct link *l = p->link;
		snapshot(l);
		l->peer = NULL; /* on_close must not redial it */
		p->link = NULL;
		close_link(l);
	}
	return UCCN_OK;
}

int uccn_net_peer_info(const struct uccn_net *net, size_t id, struct uccn_net_peer_info *out) {
	if (id >= net->npeers) {
		return UCCN_EINVAL;
	}
	const struct dialled *p = net->peers[id];
	memset(out, 0, sizeof(*out));
	out->state = p->state;
	out->attempts = p->attempts;
	out->sessions = p->sessions;
	out->backoff_ms = p->backoff_ms;
	out->next_attempt_ms = p->next_attempt_ms;
	out->key_known = p->key_known;
	memcpy(out->key, p->key, UCCN_KEY_BYTES);
	out->stats = p->stats;
	out->bytes_sent = p->bytes_sent;
	out->bytes_received = p->bytes_received;
	if (p->link != NULL) {
		if (p->link->sync != NULL) {
			uccn_sync_get_stats(p->link->sync, &out->stats);
		}
		out->bytes_sent = p->link->bytes_out;
		out->bytes_received = p->link->bytes_in;
	}
	snprintf(out->error, sizeof(out->error), "%s", p->error);
	return UCCN_OK;
}

size_t uccn_net_sessions(const struct uccn_net *net) {
	return net->nestablished;
}

int uccn_net_session_list(struct uccn_node *node, uccn_net_session_fn fn, void *userdata) {
	return uccn_store_each_session(uccn_node_store(node), fn, userdata);
}

int uccn_net_session_history(
	struct uccn_node *node, size_t max, uccn_net_session_fn fn, void *userdata) {
	return uccn_store_session_log(uccn_node_store(node), max, fn, userdata);
}
