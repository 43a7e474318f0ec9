/* test_sim_transport.c - the simulated network: the transport contract (transport_contract.c)
 * over it, on random delays and a virtual clock, and what only the simulator has: frames only
 * after their delay, cuts by kill, partition, drop and duplicate with exactly one on_close per
 * end, and the same seed giving the same schedule. */
#include "tests/sim/sim_transport.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"
#include "tests/transport_contract.h"

#define MAX_NODES 4

/* What the test knows of one connection end; outlives the connection. */
struct conn_rec {
	struct conn_rec *next;
	struct uccn_conn *c; /* NULL once closed */
	bool incoming;
	int opens, closes, frames;
	uint32_t expect; /* the next sequence number in order */
	bool out_of_order;
	char reason[128];
};

struct node {
	const char *name;
	struct uccn_transport *t;
	struct conn_rec *recs;
	struct conn_rec *last_incoming;
	int opens, closes, frames;
	bool reconnect; /* connect again to `target` when a connection closes */
	const char *target;
	char *log; /* every event, for comparing schedules */
	size_t log_len, log_cap;
};

static struct uccn_sim_net *net;
static struct node nodes[MAX_NODES];
static size_t nnodes;

static void logf_node(struct node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_node(struct node *n, const char *fmt, ...) {
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cr_assert(len > 0 && (size_t)len < sizeof(line));
	if (n->log_len + (size_t)len + 1 > n->log_cap) {
		n->log_cap = (n->log_cap + (size_t)len + 1) * 2;
		n->log = realloc(n->log, n->log_cap);
		cr_assert_not_null(n->log);
	}
	memcpy(n->log + n->log_len, line, (size_t)len + 1);
	n->log_len += (size_t)len;
}

static struct conn_rec *rec_new(struct node *n, struct uccn_conn *c, bool incoming) {
	struct conn_rec *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	r->c = c;
	r->incoming = incoming;
	r->next = n->recs;
	n->recs = r;
	uccn_transport_conn_set_data(c, r);
	return r;
}

static struct conn_rec *connect_to(struct node *n, const char *target) {
	char url[64];
	snprintf(url, sizeof(url), "sim://%s", target);
	struct uccn_conn *c = NULL;
	cr_assert_eq(uccn_transport_connect(n->t, url, &c), UCCN_OK);
	return rec_new(n, c, false);
}

static void on_open(void *ud, struct uccn_conn *c, bool incoming) {
	struct node *n = ud;
	struct conn_rec *r = incoming ? rec_new(n, c, true) : uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->opens, 0, "%s: a second on_open", n->name);
	r->opens++;
	n->opens++;
	if (incoming) {
		n->last_incoming = r;
	}
	logf_node(n, "%llu open %s %d\n", (unsigned long long)uccn_sim_net_now(net),
		uccn_transport_conn_peer(c), incoming);
}

static void on_frame(void *ud, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct node *n = ud;
	struct conn_rec *r = uccn_transport_conn_get_data(c);
	cr_assert_eq(r->closes, 0);
	cr_assert_eq(r->opens, 1, "%s: a frame before on_open", n->name);
	uint32_t seq = 0;
	cr_assert_geq(len, 4);
	memcpy(&seq, frame, 4);
	if (seq != r->expect) {
		r->out_of_order = true;
	}
	r->expect = seq + 1;
	r->frames++;
	n->frames++;
	logf_node(n, "%llu frame %s %u %zu\n", (unsigned long long)uccn_sim_net_now(net),
		uccn_transport_conn_peer(c), seq, len);
}

static void on_close(void *ud, struct uccn_conn *c, const char *reason) {
	struct node *n = ud;
	struct conn_rec *r = uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->closes, 0, "%s: a second on_close", n->name);
	cr_assert_not_null(reason);
	r->closes++;
	r->c = NULL;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	n->closes++;
	logf_node(n, "%llu close %s %s\n", (unsigned long long)uccn_sim_net_now(net),
		uccn_transport_conn_peer(c), reason);
	if (n->reconnect) {
		connect_to(n, n->target);
	}
}

static void make_net(uint64_t seed, double drop, double dup, uint64_t dmin, uint64_t dmax) {
	struct uccn_sim_net_config cfg = {
		.seed = seed,
		.drop_rate = drop,
		.duplicate_rate = dup,
		.delay_min_ms = dmin,
		.delay_max_ms = dmax,
	};
	cr_assert_eq(uccn_sim_net_create(&cfg, &net), UCCN_OK);
}

static struct node *add_node(const char *name, bool listen) {
	cr_assert_lt(nnodes, MAX_NODES);
	struct node *n = &nodes[nnodes++];
	n->name = name;
	struct uccn_transport_events ev = {on_open, on_frame, on_close, n};
	cr_assert_eq(uccn_sim_transport_create(net, name, &ev, &n->t), UCCN_OK);
	if (listen) {
		uint16_t port = 0;
		cr_assert_eq(uccn_transport_listen(n->t, NULL, 0, &port), UCCN_OK);
	}
	return n;
}

static int poll_all(void) {
	int fired = 0;
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].t != NULL) {
			int n = uccn_transport_poll(nodes[i].t, 0);
			cr_assert_geq(n, 0);
			fired += n;
		}
	}
	return fired;
}

/* Delivers every event due up to until_ms, in time order, polling every node after each step. */
static void run_until(uint64_t until_ms) {
	poll_all();
	for (;;) {
		uint64_t due = uccn_sim_net_next_due(net);
		if (due > until_ms) {
			break;
		}
		uccn_sim_net_step(net, due);
		poll_all();
	}
	uccn_sim_net_step(net, until_ms);
	poll_all();
}

static void send_seq(struct uccn_transport *t, struct uccn_conn *c, uint32_t seq, size_t len) {
	uint8_t buf[256] = {0};
	cr_assert(len >= 4 && len <= sizeof(buf));
	memcpy(buf, &seq, 4);
	cr_assert_eq(uccn_transport_send(t, c, buf, len), UCCN_OK);
}

static void teardown(void) {
	for (size_t i = 0; i < nnodes; i++) {
		uccn_transport_destroy(nodes[i].t);
		while (nodes[i].recs != NULL) {
			struct conn_rec *r = nodes[i].recs;
			nodes[i].recs = r->next;
			free(r);
		}
		free(nodes[i].log);
	}
	memset(nodes, 0, sizeof(nodes));
	nnodes = 0;
	uccn_sim_net_destroy(net);
	net = NULL;
	test_check_leaks();
}

/* --- The contract's backend: its peers on a network of random delays and no faults --- */

void backend_setup(void) {
	make_net(99, 0, 0, 1, 30);
}

void backend_teardown(void) {
	uccn_sim_net_destroy(net);
	net = NULL;
}

int backend_create(size_t i, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	char name[16];
	snprintf(name, sizeof(name), "peer%zu", i);
	return uccn_sim_transport_create(net, name, ev, out);
}

void backend_listen(struct uccn_transport *t, char *url, size_t len) {
	cr_assert_eq(uccn_transport_listen(t, NULL, 0, NULL), UCCN_OK);
	for (size_t i = 0; i < CONTRACT_PEERS; i++) {
		if (peers[i].t == t) {
			snprintf(url, len, "sim://peer%zu", i);
			return;
		}
	}
	cr_assert_fail("not a peer's transport");
}

void backend_unreachable(char *url, size_t len) {
	snprintf(url, len, "sim://nobody");
}

static void poll_peers(void) {
	for (size_t i = 0; i < CONTRACT_PEERS; i++) {
		if (peers[i].t != NULL) {
			cr_assert_geq(uccn_transport_poll(peers[i].t, 0), 0);
		}
	}
}

/* The next event (or a millisecond when none is due) delivered, and every peer polled. */
void backend_turn(void) {
	uint64_t due = uccn_sim_net_next_due(net);
	uint64_t now = uccn_sim_net_now(net);
	uccn_sim_net_step(net, due != UINT64_MAX ? due : now + 1);
	poll_peers();
}

void backend_pump_for(uint64_t ms) {
	uint64_t until = uccn_sim_net_now(net) + ms;
	while (uccn_sim_net_next_due(net) <= until) {
		backend_turn();
	}
	uccn_sim_net_step(net, until);
	poll_peers();
}

/* The simulator cuts the connection, both ends told why. */
void backend_assert_told_too_large(const char *reason) {
	cr_assert_not_null(strstr(reason, "larger"), "the sender saw: %s", reason);
}

TestSuite(sim_transport, .fini = teardown);

Test(sim_transport, a_frame_arrives_only_once_its_delay_has_elapsed) {
	make_net(7, 0, 0, 25, 25);
	struct node *a = add_node("a", true);
	struct node *b = add_node("b", false);
	struct conn_rec *rb = connect_to(b, "a");
	uccn_sim_net_step(net, 24);
	cr_assert_eq(poll_all(), 0);
	uccn_sim_net_step(net, 25);
	cr_assert_eq(poll_all(), 2); /* both opens */
	send_seq(b->t, rb->c, 0, 4);
	cr_assert_eq(uccn_transport_conn_queued(rb->c), 4);
	cr_assert_eq(poll_all(), 0); /* poll moves no time */
	uccn_sim_net_step(net, 49);
	cr_assert_eq(poll_all(), 0);
	cr_assert_eq(uccn_sim_net_next_due(net), 50);
	uccn_sim_net_step(net, 50);
	cr_assert_eq(poll_all(), 1);
	cr_assert_eq(a->frames, 1);
	cr_assert_eq(uccn_transport_conn_queued(rb->c), 0);
}

Test(sim_transport, connecting_to_a_name_nobody_listens_on_closes_with_a_reason) {
	make_net(1, 0, 0, 5, 5);
	struct node *b = add_node("b", false);
	add_node("quiet", false); /* exists, never listens */
	struct conn_rec *r1 = connect_to(b, "nobody");
	struct conn_rec *r2 = connect_to(b, "quiet");
	run_until(100);
	cr_assert_eq(b->opens, 0);
	cr_assert_eq(r1->closes, 1);
	cr_assert_eq(r2->closes, 1);
	cr_assert_not_null(strstr(r1->reason, "refused"), "%s", r1->reason);
	struct uccn_conn *c = NULL;
	cr_assert_eq(uccn_transport_connect(b->t, "ws://a:1", &c), UCCN_EINVAL);
	cr_assert_eq(uccn_transport_connect(b->t, "sim://", &c), UCCN_EINVAL);
}

Test(sim_transport, kill_cuts_every_connection_of_a_node_once_and_it_still_listens) {
	make_net(3, 0, 0, 1, 10);
	struct node *hub = add_node("hub", true);
	struct node *b = add_node("b", false);
	struct node *c = add_node("c", false);
	struct conn_rec *rb = connect_to(b, "hub");
	struct conn_rec *rc = connect_to(c, "hub");
	run_until(100);
	cr_assert_eq(hub->opens, 2);
	send_seq(b->t, rb->c, 0, 4); /* in flight when the node dies: lost */
	uccn_sim_net_kill(net, "hub");
	run_until(200);
	cr_assert_eq(hub->closes, 2);
	cr_assert_eq(rb->closes, 1);
	cr_assert_eq(rc->closes, 1);
	cr_assert_eq(hub->frames, 0);
	for (struct conn_rec *r = hub->recs; r != NULL; r = r->next) {
		cr_assert_eq(r->closes, 1);
	}
	struct conn_rec *again = connect_to(b, "hub");
	run_until(300);
	cr_assert_eq(again->opens, 1);
	cr_assert_eq(hub->opens, 3);
}

Test(sim_transport, a_partition_cuts_and_refuses_until_healed) {
	make_net(5, 0, 0, 1, 10);
	struct node *a = add_node("a", true);
	struct node *b = add_node("b", false);
	struct node *c = add_node("c", false);
	struct conn_rec *rb = connect_to(b, "a");
	struct conn_rec *rc = connect_to(c, "a");
	run_until(100);
	uccn_sim_net_partition(net, "b", "a", true);
	run_until(200);
	cr_assert_eq(rb->closes, 1);
	cr_assert_eq(a->closes, 1);
	cr_assert_eq(rc->closes, 0, "c is on the other side of no partition");
	struct conn_rec *refused = connect_to(b, "a");
	run_until(300);
	cr_assert_eq(refused->opens, 0);
	cr_assert_eq(refused->closes, 1);
	cr_assert_not_null(strstr(refused->reason, "partition"), "%s", refused->reason);
	uccn_sim_net_partition(net, "a", "b", false);
	struct conn_rec *healed = connect_to(b, "a");
	run_until(400);
	cr_assert_eq(healed->opens, 1);
	send_seq(c->t, rc->c, 0, 4);
	run_until(500);
	cr_assert_eq(a->frames, 1);
}

Test(sim_transport, drops_and_duplicates_cut_connections_never_streams) {
	make_net(11, 0.05, 0.05, 1, 20);
	struct node *a = add_node("a", true);
	struct node *b = add_node("b", false);
	b->reconnect = true;
	b->target = "a";
	connect_to(b, "a");
	uint64_t now = 0;
	for (int round = 0; round < 200; round++) {
		for (struct conn_rec *r = b->recs; r != NULL; r = r->next) {
			if (r->c != NULL && r->opens == 1) {
				int err = uccn_transport_send(
					b->t, r->c, (const uint8_t *)&r->expect, 4);
				cr_assert(err == UCCN_OK || err == UCCN_ECLOSED);
				r->expect++;
			}
		}
		now += 10;
		run_until(now);
	}
	b->reconnect = false;
	run_until(now + 1000);
	cr_assert_gt(a->closes, 3, "the rates should have cut a few connections");
	cr_assert_gt(a->frames, 100);
	for (struct conn_rec *r = a->recs; r != NULL; r = r->next) {
		cr_assert(!r->out_of_order, "a cut connection still delivers a prefix in order");
	}
}

Test(sim_transport, a_name_is_taken_once) {
	make_net(17, 0, 0, 1, 5);
	add_node("b", false);
	cr_assert_eq(uccn_sim_transport_create(net, "b", &(struct uccn_transport_events){0},
			     &(struct uccn_transport *){NULL}),
		UCCN_EEXIST);
}

/* Three nodes that reconnect whenever cut, under drops, duplicates and random delays; returns
 * the concatenated logs of what each saw, and when. */
static char *chaos_run(uint64_t seed) {
	make_net(seed, 0.02, 0.02, 1, 40);
	struct node *hub = add_node("hub", true);
	for (int i = 0; i < 2; i++) {
		struct node *n = add_node(i == 0 ? "lisbon" : "bologna", false);
		n->reconnect = true;
		n->target = "hub";
		connect_to(n, "hub");
	}
	uint64_t now = 0;
	for (int round = 0; round < 100; round++) {
		for (size_t i = 0; i < nnodes; i++) {
			for (struct conn_rec *r = nodes[i].recs; r != NULL; r = r->next) {
				if (r->c != NULL && r->opens == 1) {
					uint32_t seq = (uint32_t)round;
					int err = uccn_transport_send(
						nodes[i].t, r->c, (const uint8_t *)&seq, 4);
					cr_assert(err == UCCN_OK || err == UCCN_ECLOSED);
				}
			}
		}
		if (round == 50) {
			uccn_sim_net_kill(net, "hub");
		}
		now += 7;
		run_until(now);
	}
	cr_assert_gt(hub->frames, 0);
	size_t total = 1;
	for (size_t i = 0; i < nnodes; i++) {
		total += nodes[i].log_len;
	}
	char *all = calloc(1, total);
	cr_assert_not_null(all);
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].log != NULL) {
			strcat(all, nodes[i].log);
		}
	}
	for (size_t i = 0; i < nnodes; i++) {
		nodes[i].reconnect = false;
	}
	teardown();
	return all;
}

Test(sim_transport, the_same_seed_gives_the_same_schedule) {
	char *first = chaos_run(2024);
	char *again = chaos_run(2024);
	char *other = chaos_run(2025);
	cr_assert_str_eq(first, again, "seed 2024 replayed differently");
	cr_assert_str_neq(first, other, "seeds 2024 and 2025 gave the same schedule");
	free(first);
	free(again);
	free(other);
}
