/* test_sim_sync.c - the whole replication stack without sockets: the sync engine (node/sync.c)
 * rides on encrypted sessions (node/session.c) over the simulated network (tests/sim), whose
 * connections are cut at random and whose nodes are killed now and then, while every node keeps
 * editing. For many seeds, every node must end with every edit and identical records. A failing
 * run names its seed. */
#include "node/session.h"
#include "node/sync.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "tests/sim/sim_transport.h"
#include "tests/support.h"

#define NODES 4

static const uint8_t network[UCCN_KEY_BYTES] = {0};

struct link;

struct simnode {
	char name[16];
	struct uccn_store *st;
	struct uccn_changelog *log;
	struct test_author author;
	struct uccn_transport *tr;
	struct link *links;
	int edits;
};

struct link {
	struct simnode *node;
	struct uccn_conn *conn;
	struct uccn_session *session;
	struct uccn_sync *sync;
	struct link *next;
};

static struct simnode nodes[NODES];
static struct uccn_sim_net *net;
static uint64_t clock_ms;
static unsigned seed_now;
static long closes, payloads; /* to show the faults and the traffic really happened */

/* Moves what the engine and the session have to say onto the connection. */
static void pump(struct link *l) {
	if (l->sync == NULL && uccn_session_is_established(l->session)) {
		struct uccn_sync_config cfg = {
			.st = l->node->st, .log = l->node->log, .batch_changes = 16, .window = 2};
		cr_assert_eq(uccn_sync_create(&cfg, &l->sync), UCCN_OK);
	}
	struct uccn_bytes b = {0};
	while (l->sync != NULL && uccn_sync_pop_payload(l->sync, &b)) {
		cr_assert_eq(
			uccn_session_send(l->session, b.data, b.len), UCCN_OK, "seed %u", seed_now);
	}
	uccn_bytes_finish(&b); /* pop_frame overwrites what it is given: the caller frees */
	while (uccn_session_pop_frame(l->session, &b)) {
		int err = uccn_transport_send(l->node->tr, l->conn, b.data, b.len);
		cr_assert(err == UCCN_OK || err == UCCN_ECLOSED, "seed %u: %s", seed_now,
			uccn_err_name(err));
		uccn_bytes_finish(&b);
	}
	uccn_bytes_finish(&b);
}

static void on_open(void *userdata, struct uccn_conn *c, bool incoming) {
	struct simnode *n = userdata;
	struct link *l = calloc(1, sizeof(*l));
	cr_assert_not_null(l);
	l->node = n;
	l->conn = c;
	struct uccn_session_config cfg = {.id = n->author.id, .is_client = !incoming};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_session_create(&cfg, clock_ms, &l->session), UCCN_OK);
	uccn_transport_conn_set_data(c, l);
	l->next = n->links;
	n->links = l;
	pump(l);
}

static void on_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct link *l = uccn_transport_conn_get_data(c);
	cr_assert_not_null(l, "seed %u: a frame on a connection that never opened", seed_now);
	const uint8_t *payload = NULL;
	size_t plen = 0;
	int err = uccn_session_on_frame(l->session, frame, len, clock_ms, &payload, &plen);
	payloads += payload != NULL;
	if (err == UCCN_OK && payload != NULL && l->sync != NULL) {
		err = uccn_sync_on_payload(l->sync, payload, plen, clock_ms);
		cr_assert_eq(err, UCCN_OK, "seed %u: the engine refused a payload", seed_now);
	}
	cr_assert_eq(err, UCCN_OK, "seed %u: %s (%s)", seed_now, uccn_err_name(err),
		uccn_session_error(l->session));
	pump(l);
	/* What arrived here may be news to this node's other peers: the event loop tells every
	 * other live session, as it does after a local edit (PROTOCOL.md §11.2, step 5). */
	if (payload != NULL) {
		for (struct link *o = l->node->links; o != NULL; o = o->next) {
			if (o != l && o->sync != NULL) {
				cr_assert_eq(uccn_sync_notify(o->sync), UCCN_OK);
				pump(o);
			}
		}
	}
	/* A payload may have arrived in the same frame that established the session. */
	if (payload != NULL && l->sync == NULL) {
		cr_assert_fail("seed %u: a payload before the engine existed", seed_now);
	}
}

static void on_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct simnode *n = userdata;
	struct link *l = uccn_transport_conn_get_data(c);
	closes++;
	if (l == NULL) {
		return; /* closed before it opened: refused, or cut while connecting */
	}
	for (struct link **p = &n->links; *p != NULL; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	uccn_sync_destroy(l->sync);
	uccn_session_destroy(l->session);
	free(l);
}

static void start(unsigned seed) {
	struct uccn_sim_net_config cfg = {.seed = seed,
		.drop_rate = 0.004,
		.duplicate_rate = 0.002,
		.delay_min_ms = 1,
		.delay_max_ms = 40};
	cr_assert_eq(uccn_sim_net_create(&cfg, &net), UCCN_OK);
	clock_ms = 0;
	for (int i = 0; i < NODES; i++) {
		struct simnode *n = &nodes[i];
		memset(n, 0, sizeof(*n));
		snprintf(n->name, sizeof(n->name), "city%d", i);
		cr_assert_eq(uccn_store_open(":memory:", true, &n->st), UCCN_OK);
		cr_assert_eq(uccn_changelog_create(n->st, network, &n->log), UCCN_OK);
		test_author_init(&n->author, (uint8_t)(0xa0 + i));
		struct uccn_transport_events ev = {on_open, on_frame, on_close, n};
		cr_assert_eq(uccn_sim_transport_create(net, n->name, &ev, &n->tr), UCCN_OK);
		cr_assert_eq(uccn_transport_listen(n->tr, NULL, 0, NULL), UCCN_OK);
	}
}

static void stop(void) {
	for (int i = 0; i < NODES; i++) {
		struct simnode *n = &nodes[i];
		uccn_transport_destroy(n->tr); /* no on_close: free the links here */
		while (n->links != NULL) {
			struct link *l = n->links;
			n->links = l->next;
			uccn_sync_destroy(l->sync);
			uccn_session_destroy(l->session);
			free(l);
		}
		uccn_changelog_destroy(n->log);
		uccn_store_close(n->st);
		test_author_finish(&n->author);
	}
	uccn_sim_net_destroy(net);
	net = NULL;
}

static void edit(struct simnode *n) {
	char id[16], title[48];
	int k = n->edits++;
	snprintf(id, sizeof(id), "r%d", k % 4 == 3 ? k - 2 : k);
	snprintf(title, sizeof(title), "edit %d of %s", k, n->name);
	struct uccn_field f = test_str("title", title);
	struct uccn_bytes b = {0};
	test_sign(&n->author, network, 0, "best_practice", NULL, id, UCCN_OP_PUT, &f, 1, &b);
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(n->st), UCCN_OK);
	cr_assert_eq(uccn_changelog_apply(n->log, b.data, b.len, 1, &res, NULL, NULL), UCCN_OK);
	cr_assert_eq(uccn_store_commit(n->st), UCCN_OK);
	uccn_bytes_finish(&b);
	for (struct link *l = n->links; l != NULL; l = l->next) {
		if (l->sync != NULL) {
			cr_assert_eq(uccn_sync_notify(l->sync), UCCN_OK);
			pump(l);
		}
	}
}

/* Runs the network until nothing is due or until `until` (virtual ms). */
static void run_until(uint64_t until) {
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t due = uccn_sim_net_next_due(net);
		if (due == UINT64_MAX || due > until) {
			break;
		}
		clock_ms = due > clock_ms ? due : clock_ms;
		uccn_sim_net_step(net, clock_ms);
		for (int i = 0; i < NODES; i++) {
			cr_assert_geq(uccn_transport_poll(nodes[i].tr, 0), 0);
		}
	}
	clock_ms = until > clock_ms ? until : clock_ms;
}

static bool connected(struct simnode *a, const char *peer_name) {
	for (struct link *l = a->links; l != NULL; l = l->next) {
		if (strstr(uccn_transport_conn_peer(l->conn), peer_name) != NULL) {
			return true;
		}
	}
	return false;
}

static void dial(struct simnode *from, struct simnode *to) {
	char url[48];
	snprintf(url, sizeof(url), "sim://%s", to->name);
	struct uccn_conn *c;
	cr_assert_eq(uccn_transport_connect(from->tr, url, &c), UCCN_OK);
}

TestSuite(sim_sync, .fini = test_check_leaks);

Test(sim_sync, nodes_on_a_faulty_network_converge_for_every_seed) {
	closes = payloads = 0;
	for (unsigned seed = 1; seed <= 16; seed++) {
		seed_now = seed;
		unsigned rng = seed;
		start(seed);
		/* A busy period: edits, sessions opened at random, connections cut, nodes killed.
		 */
		for (int round = 0; round < 40; round++) {
			struct simnode *n = &nodes[rand_r(&rng) % NODES];
			for (int k = rand_r(&rng) % 5; k > 0; k--) {
				edit(n);
			}
			struct simnode *a = &nodes[rand_r(&rng) % NODES],
				       *b = &nodes[rand_r(&rng) % NODES];
			if (a != b && !connected(a, b->name)) {
				dial(a, b);
			}
			if (rand_r(&rng) % 10 == 0) {
				uccn_sim_net_kill(net, nodes[rand_r(&rng) % NODES].name);
			}
			run_until(clock_ms + (uint64_t)(rand_r(&rng) % 200));
		}
		/* Heal: no more faults to come from edits; every node talks to city0 until quiet.
		 */
		for (int attempt = 0; attempt < 20; attempt++) {
			for (int i = 1; i < NODES; i++) {
				if (!connected(&nodes[i], nodes[0].name) &&
					!connected(&nodes[0], nodes[i].name)) {
					dial(&nodes[i], &nodes[0]);
				}
			}
			run_until(clock_ms + 5000);
		}
		int total = 0;
		for (int i = 0; i < NODES; i++) {
			total += nodes[i].edits;
		}
		struct uccn_bytes first = {0}, other = {0};
		test_dump_records(nodes[0].st, &first);
		for (int i = 0; i < NODES; i++) {
			uint64_t n;
			cr_assert_eq(uccn_store_count_changes(nodes[i].st, &n), UCCN_OK);
			cr_assert_eq(n, (uint64_t)total, "seed %u: %s holds %llu of %d edits", seed,
				nodes[i].name, (unsigned long long)n, total);
			test_dump_records(nodes[i].st, &other);
			cr_assert_eq(
				first.len, other.len, "seed %u: %s differs", seed, nodes[i].name);
			cr_assert_eq(memcmp(first.data, other.data, first.len), 0,
				"seed %u: %s differs", seed, nodes[i].name);
		}
		uccn_bytes_finish(&first);
		uccn_bytes_finish(&other);
		stop();
	}
	cr_assert_gt(closes, 50, "connections were cut (%ld)", closes);
	cr_assert_gt(payloads, 1000, "changes travelled (%ld payloads)", payloads);
}
