/* sim_transport.c - the transport interface over in-memory pipes, a virtual clock and a seeded
 * PRNG; see sim_transport.h for what it breaks and why. Test code only: no sockets, no real
 * clock, no threads.
 *
 * Every event (an open, a frame, a close, a cut) waits in the net's pending list, ordered by
 * due time and then by the order it was scheduled in. uccn_sim_net_step moves the ripe ones to
 * their transport's ready list; poll fires them. An event always names the connection end it
 * is for, and freeing an end removes every event for it, so no event outlives its end. */
#include "tests/sim/sim_transport.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 48
#define REASON_MAX 64

enum end_state {
	END_CONNECTING, /* the open has not been fired yet */
	END_OPEN,
};

struct sim_transport;

/* One end of a connection; the two ends of a connection are peers. */
struct sim_conn {
	struct uccn_conn base;
	struct sim_transport *t;
	struct sim_conn *peer;        /* NULL once the other end is freed */
	struct sim_conn *prev, *next; /* in t->conns */
	bool incoming;
	enum end_state state;
	bool closing;       /* closed here or cut: no more frames or opens are fired */
	bool close_pending; /* its close event is scheduled: exactly one */
	uint64_t last_due;  /* due time of the latest event sent to the peer (FIFO) */
};

enum event_kind { EV_OPEN, EV_FRAME, EV_CLOSE, EV_CUT };

struct sim_event {
	struct sim_event *next;
	uint64_t due, seq;
	enum event_kind kind;
	struct sim_conn *to; /* EV_CUT: either end of the connection to cut */
	uint8_t *data;
	size_t len;
	char reason[REASON_MAX];
};

struct sim_transport {
	struct uccn_transport base;
	struct uccn_sim_net *net;
	struct sim_transport *next; /* in net->nodes */
	char name[NAME_MAX_LEN];
	bool listening;
	struct sim_conn *conns;
	struct sim_event *ready, *ready_tail;
};

struct partition {
	struct partition *next;
	char a[NAME_MAX_LEN], b[NAME_MAX_LEN];
};

struct uccn_sim_net {
	struct uccn_sim_net_config cfg;
	uint64_t rng;
	uint64_t now;
	uint64_t seq;
	uint64_t conn_ids;
	struct sim_event *pending;
	struct sim_transport *nodes;
	struct partition *partitions;
};

static const struct uccn_transport_impl sim_impl;

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t rng_next(struct uccn_sim_net *net) {
	uint64_t z = (net->rng += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double rng_unit(struct uccn_sim_net *net) {
	return (double)(rng_next(net) >> 11) * 0x1.0p-53;
}

static uint64_t rng_delay(struct uccn_sim_net *net) {
	uint64_t lo = net->cfg.delay_min_ms, hi = net->cfg.delay_max_ms;
	if (hi <= lo) {
		return lo;
	}
	return lo + rng_next(net) % (hi - lo + 1);
}

static struct sim_conn *conn_of(struct uccn_conn *c) {
	assert(c->transport->impl == &sim_impl);
	return (struct sim_conn *)(void *)c;
}

static struct sim_transport *transport_of(struct uccn_transport *t) {
	assert(t->impl == &sim_impl);
	return (struct sim_transport *)(void *)t;
}

static struct sim_transport *find_node(struct uccn_sim_net *net, const char *name) {
	for (struct sim_transport *t = net->nodes; t != NULL; t = t->next) {
		if (strcmp(t->name, name) == 0) {
			return t;
		}
	}
	return NULL;
}

static bool is_partitioned(const struct uccn_sim_net *net, const char *a, const char *b) {
	for (const struct partition *p = net->partitions; p != NULL; p = p->next) {
		if ((strcmp(p->a, a) == 0 && strcmp(p->b, b) == 0) ||
			(strcmp(p->a, b) == 0 && strcmp(p->b, a) == 0)) {
			return true;
		}
	}
	return false;
}

/* Schedules an event; NULL when out of memory (the event is then lost, as tests allow). */
static struct sim_event *schedule(struct uccn_sim_net *net, enum event_kind kind,
	struct sim_conn *to, uint64_t due, const char *reason) {
	struct sim_event *ev = calloc(1, sizeof(*ev));
	if (ev == NULL) {
		return NULL;
	}
	ev->kind = kind;
	ev->to = to;
	ev->due = due;
	ev->seq = net->seq++;
	if (reason != NULL) {
		snprintf(ev->reason, sizeof(ev->reason), "%s", reason);
	}
	struct sim_event **p = &net->pending;
	while (*p != NULL && (*p)->due <= due) {
		p = &(*p)->next;
	}
	ev->next = *p;
	*p = ev;
	return ev;
}

static void event_free(struct sim_event *ev) {
	free(ev->data);
	free(ev);
}

/* A frame event leaves the flight: the sender's queued count drops. */
static void frame_landed(struct sim_event *ev) {
	if (ev->kind == EV_FRAME && ev->to->peer != NULL) {
		ev->to->peer->base.queued -= ev->len;
	}
}

static void purge_list(struct sim_event **head, struct sim_event **tail, struct sim_conn *c) {
	struct sim_event *last = NULL;
	struct sim_event **p = head;
	while (*p != NULL) {
		struct sim_event *ev = *p;
		if (ev->to == c) {
			*p = ev->next;
			frame_landed(ev);
			event_free(ev);
		} else {
			last = ev;
			p = &ev->next;
		}
	}
	if (tail != NULL) {
		*tail = last;
	}
}

/* Frees one end silently: its events go, its peer forgets it. */
static void end_free(struct sim_conn *c) {
	struct sim_transport *t = c->t;
	purge_list(&t->net->pending, NULL, c);
	purge_list(&t->ready, &t->ready_tail, c);
	if (c->peer != NULL) {
		c->peer->peer = NULL;
	}
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		t->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	free(c);
}

static struct sim_conn *end_create(struct sim_transport *t, bool incoming, const char *peer_name) {
	struct sim_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	uccn_transport_conn_init(&c->base, &t->base);
	snprintf(c->base.peer, sizeof(c->base.peer), "sim://%s#%llu", peer_name,
		(unsigned long long)++t->net->conn_ids);
	c->t = t;
	c->incoming = incoming;
	c->state = END_CONNECTING;
	c->next = t->conns;
	if (t->conns != NULL) {
		t->conns->prev = c;
	}
	t->conns = c;
	return c;
}

/* Ends c at time due: it gets its one on_close then. An incoming end its owner never saw
 * (no on_open yet) just disappears. */
static void end_close(struct sim_conn *c, const char *reason, uint64_t due) {
	if (c->incoming && c->state == END_CONNECTING) {
		end_free(c);
		return;
	}
	c->closing = true;
	if (!c->close_pending) {
		c->close_pending = true;
		schedule(c->t->net, EV_CLOSE, c, due, reason);
	}
}

/* Cuts the connection c is an end of: both ends close at due, frames in flight are lost. */
static void cut(struct sim_conn *c, const char *reason, uint64_t due) {
	struct sim_conn *peer = c->peer;
	end_close(c, reason, due);
	if (peer != NULL) {
		end_close(peer, reason, due);
	}
}

static int sim_listen(
	struct uccn_transport *base, const char *host, uint16_t port, uint16_t *bound_port) {
	struct sim_transport *t = transport_of(base);
	t->listening = true;
	if (bound_port != NULL) {
		*bound_port = port != 0 ? port : 1;
	}
	return UCCN_OK;
}

static int sim_connect(struct uccn_transport *base, const char *url, struct uccn_conn **out) {
	struct sim_transport *t = transport_of(base);
	struct uccn_sim_net *net = t->net;
	static const char scheme[] = "sim://";
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0 || url[sizeof(scheme) - 1] == '\0' ||
		strlen(url + sizeof(scheme) - 1) >= NAME_MAX_LEN) {
		return UCCN_EINVAL;
	}
	const char *name = url + sizeof(scheme) - 1;
	struct sim_conn *c = end_create(t, false, name);
	if (c == NULL) {
		return UCCN_ENOMEM;
	}
	uint64_t due = net->now + rng_delay(net);
	struct sim_transport *target = find_node(net, name);
	if (target == NULL || !target->listening) {
		end_close(c, "sim: connection refused", due);
	} else if (is_partitioned(net, t->name, target->name)) {
		end_close(c, "sim: unreachable (partition)", due);
	} else {
		struct sim_conn *s = end_create(target, true, t->name);
		if (s == NULL) {
			end_free(c);
			return UCCN_ENOMEM;
		}
		c->peer = s;
		s->peer = c;
		c->last_due = s->last_due = due;
		schedule(net, EV_OPEN, s, due, NULL);
		schedule(net, EV_OPEN, c, due, NULL);
	}
	*out = &c->base;
	return UCCN_OK;
}

static int sim_send(
	struct uccn_transport *base, struct uccn_conn *conn, const uint8_t *frame, size_t len) {
	struct sim_conn *c = conn_of(conn);
	struct uccn_sim_net *net = c->t->net;
	if (c->closing) {
		return UCCN_ECLOSED;
	}
	if (c->peer == NULL) {
		return UCCN_OK; /* the peer has gone and our close is on its way: lost, as on TCP */
	}
	uint64_t due = net->now + rng_delay(net);
	if (due < c->last_due) {
		due = c->last_due; /* never ahead of an earlier frame on this connection */
	}
	c->last_due = due;
	double u = rng_unit(net);
	if (u < net->cfg.drop_rate) {
		schedule(net, EV_CUT, c->peer, due, "sim: connection dropped");
		return UCCN_OK;
	}
	uint8_t *copy = malloc(len);
	if (copy == NULL) {
		return UCCN_ENOMEM;
	}
	memcpy(copy, frame, len);
	struct sim_event *ev = schedule(net, EV_FRAME, c->peer, due, NULL);
	if (ev == NULL) {
		free(copy);
		return UCCN_ENOMEM;
	}
	ev->data = copy;
	ev->len = len;
	c->base.queued += len;
	if (u < net->cfg.drop_rate + net->cfg.duplicate_rate) {
		schedule(net, EV_CUT, c->peer, due, "sim: connection dropped after a frame");
	}
	return UCCN_OK;
}

static void sim_close(struct uccn_transport *base, struct uccn_conn *conn) {
	struct sim_conn *c = conn_of(conn);
	struct uccn_sim_net *net = c->t->net;
	if (c->closing) {
		return;
	}
	if (c->state == END_CONNECTING) {
		/* Dropped with its queue (node/transport.h): what it sent never arrives, and an
		 * accepted end, if any, closes too. */
		cut(c, "closed", net->now);
		return;
	}
	struct sim_conn *peer = c->peer;
	end_close(c, "closed", net->now);
	if (peer != NULL && !peer->close_pending) {
		/* The close travels like a frame: after everything sent before it. */
		uint64_t due = net->now + rng_delay(net);
		if (due < c->last_due) {
			due = c->last_due;
		}
		c->last_due = due;
		peer->close_pending = true;
		schedule(net, EV_CLOSE, peer, due, "closed by peer");
	}
}

static int sim_poll(struct uccn_transport *base, int timeout_ms) {
	struct sim_transport *t = transport_of(base);
	int fired = 0;
	while (t->ready != NULL) {
		struct sim_event *ev = t->ready;
		t->ready = ev->next;
		if (t->ready == NULL) {
			t->ready_tail = NULL;
		}
		struct sim_conn *c = ev->to;
		switch (ev->kind) {
		case EV_OPEN:
			if (!c->closing && c->state == END_CONNECTING) {
				c->state = END_OPEN;
				fired++;
				uccn_transport_emit_open(&t->base, &c->base, c->incoming);
			}
			break;
		case EV_FRAME:
			frame_landed(ev);
			if (!c->closing && c->state == END_OPEN && ev->len > c->base.frame_max) {
				/* As a real transport does: refused before it is handed on. */
				cut(c, "sim: frame larger than the connection allows", t->net->now);
				break;
			}
			if (!c->closing && c->state == END_OPEN) {
				fired++;
				uccn_transport_emit_frame(&t->base, &c->base, ev->data, ev->len);
			}
			break;
		case EV_CLOSE:
			if (!(c->incoming && c->state == END_CONNECTING)) {
				c->closing = true;
				fired++;
				uccn_transport_emit_close(&t->base, &c->base, ev->reason);
			}
			end_free(c);
			break;
		case EV_CUT:
			assert(false); /* handled in step */
			break;
		}
		event_free(ev);
	}
	return fired;
}

static void sim_destroy(struct uccn_transport *base) {
	struct sim_transport *t = transport_of(base);
	struct uccn_sim_net *net = t->net;
	/* Peers elsewhere see the connection go; then our ends go without a word. */
	for (struct sim_conn *c = t->conns; c != NULL; c = c->next) {
		if (c->peer != NULL && c->peer->t != t) {
			struct sim_conn *peer = c->peer;
			c->peer = NULL;
			peer->peer = NULL;
			end_close(peer, "sim: peer gone", net->now);
		}
	}
	while (t->conns != NULL) {
		end_free(t->conns);
	}
	while (t->ready != NULL) {
		struct sim_event *ev = t->ready;
		t->ready = ev->next;
		event_free(ev);
	}
	struct sim_transport **p = &net->nodes;
	while (*p != t) {
		p = &(*p)->next;
	}
	*p = t->next;
	free(t);
}

static const struct uccn_transport_impl sim_impl = {
	.listen = sim_listen,
	.connect = sim_connect,
	.send = sim_send,
	.close = sim_close,
	.poll = sim_poll,
	.destroy = sim_destroy,
};

int uccn_sim_transport_create(struct uccn_sim_net *net, const char *name,
	const struct uccn_transport_events *ev, struct uccn_transport **out) {
	assert(net != NULL && name != NULL && ev != NULL && out != NULL);
	if (name[0] == '\0' || strlen(name) >= NAME_MAX_LEN) {
		return UCCN_EINVAL;
	}
	if (find_node(net, name) != NULL) {
		return UCCN_EEXIST;
	}
	struct sim_transport *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return UCCN_ENOMEM;
	}
	uccn_transport_init(&t->base, &sim_impl, ev);
	t->net = net;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->next = net->nodes;
	net->nodes = t;
	*out = &t->base;
	return UCCN_OK;
}

int uccn_sim_net_create(const struct uccn_sim_net_config *cfg, struct uccn_sim_net **out) {
	assert(cfg != NULL && out != NULL);
	struct uccn_sim_net *net = calloc(1, sizeof(*net));
	if (net == NULL) {
		return UCCN_ENOMEM;
	}
	net->cfg = *cfg;
	net->rng = cfg->seed;
	*out = net;
	return UCCN_OK;
}

void uccn_sim_net_destroy(struct uccn_sim_net *net) {
	if (net == NULL) {
		return;
	}
	assert(net->nodes == NULL);
	while (net->pending != NULL) {
		struct sim_event *ev = net->pending;
		net->pending = ev->next;
		event_free(ev);
	}
	while (net->partitions != NULL) {
		struct partition *p = net->partitions;
		net->partitions = p->next;
		free(p);
	}
	free(net);
}

uint64_t uccn_sim_net_seed(const struct uccn_sim_net *net) {
	return net->cfg.seed;
}

uint64_t uccn_sim_net_now(const struct uccn_sim_net *net) {
	return net->now;
}

uint64_t uccn_sim_net_next_due(const struct uccn_sim_net *net) {
	return net->pending != NULL ? net->pending->due : UINT64_MAX;
}

int uccn_sim_net_step(struct uccn_sim_net *net, uint64_t now_ms) {
	if (now_ms > net->now) {
		net->now = now_ms;
	}
	int moved = 0;
	while (net->pending != NULL && net->pending->due <= net->now) {
		struct sim_event *ev = net->pending;
		net->pending = ev->next;
		ev->next = NULL;
		if (ev->kind == EV_CUT) {
			/* The closes it schedules are due now, so this loop hands them over too. */
			cut(ev->to, ev->reason, ev->due);
			event_free(ev);
		} else {
			struct sim_transport *t = ev->to->t;
			if (t->ready_tail != NULL) {
				t->ready_tail->next = ev;
			} else {
				t->ready = ev;
			}
			t->ready_tail = ev;
		}
		moved++;
	}
	return moved;
}

/* Cuts, one at a time, each connection of t that match() picks, restarting after each cut:
 * a cut can free ends anywhere in the list. */
static void cut_matching(struct sim_transport *t, const char *reason,
	bool (*match)(const struct sim_conn *c, const void *arg), const void *arg) {
	bool again = true;
	while (again) {
		again = false;
		for (struct sim_conn *c = t->conns; c != NULL; c = c->next) {
			if (!c->closing && match(c, arg)) {
				cut(c, reason, t->net->now);
				again = true;
				break;
			}
		}
	}
}

static bool match_any(const struct sim_conn *c, const void *arg) {
	return true;
}

static bool match_peer_node(const struct sim_conn *c, const void *arg) {
	return c->peer != NULL && c->peer->t == arg;
}

void uccn_sim_net_partition(struct uccn_sim_net *net, const char *a, const char *b, bool cut_link) {
	assert(strlen(a) < NAME_MAX_LEN && strlen(b) < NAME_MAX_LEN);
	if (!cut_link) {
		struct partition **p = &net->partitions;
		while (*p != NULL) {
			if ((strcmp((*p)->a, a) == 0 && strcmp((*p)->b, b) == 0) ||
				(strcmp((*p)->a, b) == 0 && strcmp((*p)->b, a) == 0)) {
				struct partition *gone = *p;
				*p = gone->next;
				free(gone);
			} else {
				p = &(*p)->next;
			}
		}
		return;
	}
	if (!is_partitioned(net, a, b)) {
		struct partition *p = calloc(1, sizeof(*p));
		assert(p != NULL); /* test code: out of memory here is not a case worth handling */
		snprintf(p->a, sizeof(p->a), "%s", a);
		snprintf(p->b, sizeof(p->b), "%s", b);
		p->next = net->partitions;
		net->partitions = p;
	}
	struct sim_transport *ta = find_node(net, a), *tb = find_node(net, b);
	if (ta != NULL && tb != NULL) {
		cut_matching(ta, "sim: partition", match_peer_node, tb);
	}
}

void uccn_sim_net_kill(struct uccn_sim_net *net, const char *name) {
	struct sim_transport *t = find_node(net, name);
	if (t != NULL) {
		cut_matching(t, "sim: node killed", match_any, NULL);
	}
}
