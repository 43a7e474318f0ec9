/* test_net.c - the network event loop (node/net.c) over the simulated network (tests/sim) with a
 * virtual clock: real nodes (homes on disk, the Secretariat designating the cities) each run a
 * loop, and the test advances time. Covers convergence through a hub and news travelling on,
 * restarts from the store, refusals (pinned key, another network) with nothing applied,
 * redial backoff, pings and the idle and handshake timeouts, and a hub with many sessions. */
#include "node/net_internal.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/node.h>
#include <uccn/registry.h>
#include <uccn/text.h>

#include "node/checkpoint.h"
#include "node/hlc.h"
#include "node/node_net.h" /* the node's pool, lent to the loop */
#include "node/session.h"
#include "proto/codec.h"
#include "tests/raw_client.h"
#include "tests/sim/sim_transport.h"
#include "tests/support.h"

#define MAX_NODES 128

struct simnode {
	char name[24];
	char *home;
	struct uccn_node *node;
	struct uccn_net *net;
	uint8_t pk[UCCN_KEY_BYTES];
	size_t peer_id; /* of its last dial */
};

static struct simnode nodes[MAX_NODES];
static size_t nnodes;
static struct uccn_sim_net *sim;
static uint64_t clock_ms;
static char *root;
static uint8_t network[UCCN_KEY_BYTES];

static uint64_t virtual_clock(void *arg) {
	(void)arg;
	return clock_ms;
}

static int sim_factory(
	void *arg, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	struct simnode *n = arg;
	return uccn_sim_transport_create(sim, n->name, ev, out);
}

static void setup(void) {
	root = test_tmpdir();
	nnodes = 0;
	clock_ms = 1000;
	memset(nodes, 0, sizeof(nodes));
	struct uccn_sim_net_config cfg = {.seed = 7, .delay_min_ms = 1, .delay_max_ms = 20};
	cr_assert_eq(uccn_sim_net_create(&cfg, &sim), UCCN_OK);
}

static void teardown(void) {
	for (size_t i = 0; i < nnodes; i++) {
		uccn_net_destroy(nodes[i].net);
		uccn_node_close(nodes[i].node);
		free(nodes[i].home);
	}
	uccn_sim_net_destroy(sim);
	test_rmdir(root);
	test_check_leaks();
}

TestSuite(net, .init = setup, .fini = teardown, .timeout = 120);

static struct simnode *new_node(const char *name) {
	cr_assert_lt(nnodes, MAX_NODES);
	struct simnode *n = &nodes[nnodes++];
	snprintf(n->name, sizeof(n->name), "%s", name);
	size_t len = strlen(root) + strlen(name) + 2;
	n->home = malloc(len);
	cr_assert_not_null(n->home);
	snprintf(n->home, len, "%s/%s", root, name);
	return n;
}

/* The Secretariat: its key names the network. */
static struct simnode *make_hub(const char *name) {
	struct simnode *n = new_node(name);
	struct uccn_node_init_options o = {.name = "UNESCO Secretariat", .secretariat = true};
	cr_assert_eq(uccn_node_init(n->home, &o, test_wall_ms(), &n->node), UCCN_OK);
	uccn_node_public_key(n->node, n->pk);
	uccn_node_network(n->node, network);
	return n;
}

/* A city of net_id, designated by hub when hub is not NULL. */
static struct simnode *make_city(const char *name, const uint8_t *net_id, struct simnode *hub) {
	struct simnode *n = new_node(name);
	struct uccn_node_init_options o = {
		.name = name, .country = "FR", .field = "film", .network = net_id};
	cr_assert_eq(uccn_node_init(n->home, &o, test_wall_ms(), &n->node), UCCN_OK);
	uccn_node_public_key(n->node, n->pk);
	if (hub != NULL) {
		cr_assert_eq(uccn_node_designate(
				     hub->node, n->pk, name, "FR", "film", 2015, test_wall_ms()),
			UCCN_OK, "%s", uccn_node_errmsg(hub->node));
	}
	return n;
}

static struct uccn_net_config config(struct simnode *n) {
	struct uccn_net_config cfg = {
		.opts.node = n->node,
		.make_transport = sim_factory,
		.transport_arg = n,
		.clock = virtual_clock,
		.opts.seed = 1000 + (uint64_t)(n - nodes),
		/* No worker threads: the pool verifies on the loop's thread, so a run on the
		 * virtual clock replays exactly. */
		.opts.verify_threads = 1,
	};
	return cfg;
}

static void start_with(struct simnode *n, const struct uccn_net_config *cfg) {
	cr_assert_null(n->net);
	cr_assert_eq(uccn_net_create_config(cfg, &n->net), UCCN_OK);
	uint16_t port = 0;
	cr_assert_eq(uccn_net_listen(n->net, NULL, 0, &port), UCCN_OK);
}

static void start(struct simnode *n) {
	struct uccn_net_config cfg = config(n);
	start_with(n, &cfg);
}

static void stop(struct simnode *n) {
	uccn_net_destroy(n->net);
	n->net = NULL;
}

/* A restart: the loop and the node go, then come back from the home. */
static void restart(struct simnode *n) {
	stop(n);
	uccn_node_close(n->node);
	n->node = NULL;
	cr_assert_eq(uccn_node_open(n->home, &n->node), UCCN_OK);
	start(n);
}

static void dial_full(struct simnode *from, struct simnode *to, const uint8_t *pin,
	const char *kinds, bool once) {
	char url[64];
	snprintf(url, sizeof(url), "sim://%s", to->name);
	struct uccn_net_peer p = {.url = url, .pin = pin, .kinds = kinds, .once = once};
	cr_assert_eq(uccn_net_dial(from->net, &p, &from->peer_id), UCCN_OK);
}

static void dial(struct simnode *from, struct simnode *to) {
	dial_full(from, to, NULL, NULL, false);
}

static struct uccn_net_peer_info info_of(struct simnode *n) {
	struct uccn_net_peer_info info;
	cr_assert_eq(uccn_net_peer_info(n->net, n->peer_id, &info), UCCN_OK);
	return info;
}

/* The earliest thing due anywhere: a frame in flight or a loop's timer. */
static uint64_t next_due(void) {
	uint64_t due = uccn_sim_net_next_due(sim);
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].net != NULL) {
			uint64_t d = uccn_net_next_deadline(nodes[i].net);
			due = d < due ? d : due;
		}
	}
	return due;
}

/* One turn of every loop at the current time. */
static void turn(void) {
	uccn_sim_net_step(sim, clock_ms);
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].net != NULL) {
			cr_assert_eq(uccn_net_run(nodes[i].net, 0), UCCN_OK);
		}
	}
}

/* Advances virtual time by ms, running every loop at each moment something is due. */
static void run_for(uint64_t ms) {
	uint64_t until = clock_ms + ms;
	for (int guard = 0;; guard++) {
		cr_assert_lt(guard, 2000000, "the loops never settle at %llu ms",
			(unsigned long long)clock_ms);
		uint64_t due = next_due();
		if (due > until) {
			break;
		}
		clock_ms = due > clock_ms ? due : clock_ms;
		turn();
	}
	clock_ms = until;
	turn();
}

static char *put(struct simnode *n, const char *kind, const char *field, const char *value) {
	static char ids[64][UCCN_ID_MAX + 1];
	static unsigned next;
	char *id = ids[next++ % 64];
	struct uccn_field f = test_str(field, value);
	cr_assert_eq(uccn_node_put(n->node, kind, NULL, &f, 1, test_wall_ms(), id), UCCN_OK, "%s",
		uccn_node_errmsg(n->node));
	if (n->net != NULL) {
		uccn_net_local_changes(n->net);
	}
	return id;
}

static char *put_practice(struct simnode *n, const char *title) {
	return put(n, "best_practice", "title", title);
}

static uint64_t count(struct simnode *n) {
	return test_node_count(n->node);
}

static int found(void *userdata, const struct uccn_record *r) {
	(void)r;
	*(bool *)userdata = true;
	return 0;
}

static bool holds(struct simnode *n, const char *kind, const char *id) {
	bool yes = false;
	int err = uccn_node_get(n->node, kind, id, found, &yes);
	cr_assert(err == UCCN_OK || err == UCCN_ENOTFOUND, "%s", uccn_err_name(err));
	return yes;
}

static void assert_same_records(struct simnode *a, struct simnode *b) {
	struct uccn_bytes x = {0}, y = {0};
	test_node_dump(a->node, NULL, &x);
	test_node_dump(b->node, NULL, &y);
	cr_assert_eq(count(a), count(b), "%s holds %llu changes, %s %llu", a->name,
		(unsigned long long)count(a), b->name, (unsigned long long)count(b));
	cr_assert_eq(x.len, y.len, "%s and %s hold different records", a->name, b->name);
	cr_assert_eq(memcmp(x.data, y.data, x.len), 0, "%s and %s differ", a->name, b->name);
	uccn_bytes_finish(&x);
	uccn_bytes_finish(&y);
}

/* The node owns its pool of verifying threads: the first loop has it made, at the size that
 * loop asks for, and borrows it; it outlives the loop and serves the next one as it is, until
 * the node is closed (teardown, checked for leaks). */
Test(net, the_node_owns_its_verifying_pool_and_lends_it_to_each_loop) {
	struct simnode *hub = make_hub("hub");
	start(hub);
	struct uccn_verifier *pool = NULL;
	cr_assert_eq(uccn_node_verifier(hub->node, 4, &pool), UCCN_OK);
	cr_assert_eq(uccn_verifier_threads(pool), 1, "made as the loop asked, and kept as made");
	stop(hub);
	struct uccn_verifier *after = NULL;
	cr_assert_eq(uccn_node_verifier(hub->node, 4, &after), UCCN_OK);
	cr_assert_eq(after, pool, "the loop's end leaves the node its pool");
	start(hub);
	cr_assert_eq(uccn_node_verifier(hub->node, 0, &after), UCCN_OK);
	cr_assert_eq(after, pool, "the next loop borrows the same pool");
}

Test(net, a_hub_and_three_cities_converge_and_news_travels_on_through_the_hub) {
	struct simnode *hub = make_hub("hub");
	struct simnode *c[3];
	const char *names[3] = {"lyon", "turin", "kobe"};
	for (int i = 0; i < 3; i++) {
		c[i] = make_city(names[i], network, hub);
	}
	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < 3; k++) {
			char title[64];
			snprintf(title, sizeof(title), "practice %d of %s", k, names[i]);
			put_practice(c[i], title);
		}
	}
	start(hub);
	for (int i = 0; i < 3; i++) {
		start(c[i]);
		dial(c[i], hub);
	}
	run_for(3000);
	for (int i = 0; i < 3; i++) {
		assert_same_records(hub, c[i]);
		struct uccn_net_peer_info info = info_of(c[i]);
		cr_assert_eq(info.state, UCCN_NET_SYNCING);
		cr_assert_eq(info.attempts, 1);
		cr_assert_eq(info.sessions, 1);
		cr_assert(info.key_known && memcmp(info.key, hub->pk, UCCN_KEY_BYTES) == 0);
	}
	cr_assert_eq(uccn_net_sessions(hub->net), 3);
	/* An edit at Lyon reaches Turin and Kobe through the hub, which tells its other
	 * sessions as soon as Lyon's batch is stored. */
	char *id = put_practice(c[0], "news from Lyon");
	run_for(300);
	cr_assert(holds(c[1], "best_practice", id), "the edit did not travel on");
	cr_assert(holds(c[2], "best_practice", id), "the edit did not travel on");
	for (int i = 0; i < 3; i++) {
		assert_same_records(hub, c[i]);
	}
	/* A report goes to the Secretariat alone. */
	char *report = put(c[0], "report", "period", "2019-2023");
	run_for(300);
	cr_assert(holds(hub, "report", report));
	cr_assert_not(holds(c[1], "report", report));
	cr_assert_not(holds(c[2], "report", report));
}

/* How many cities' cosignatures of n's newest checkpoint n holds (PROTOCOL.md §9.11). */
static size_t witnesses_at(struct simnode *n, uint64_t *size) {
	struct uccn_bytes note = {0};
	cr_assert_eq(uccn_node_checkpoint(n->node, &note), UCCN_OK);
	struct uccn_checkpoint *cp = malloc(sizeof(*cp));
	struct uccn_cosig cosigs[16];
	cr_assert_eq(uccn_checkpoint_parse((const char *)note.data, note.len, network, cp, NULL, 0),
		UCCN_OK);
	size_t got = uccn_checkpoint_witnesses(network, cp, cosigs, 16);
	*size = cp->size;
	free(cp);
	uccn_bytes_finish(&note);
	return got;
}

Test(net, every_city_cosigns_each_checkpoint_it_receives_and_the_cosignatures_reach_all) {
	struct simnode *hub = make_hub("hub");
	struct simnode *c[3];
	const char *names[3] = {"lyon", "turin", "kobe"};
	for (int i = 0; i < 3; i++) {
		c[i] = make_city(names[i], network, hub);
	}
	start(hub);
	for (int i = 0; i < 3; i++) {
		start(c[i]);
		dial(c[i], hub);
	}
	run_for(3000);
	uint64_t size = 0;
	cr_assert_eq(witnesses_at(hub, &size), 3);
	cr_assert_eq(size, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(witnesses_at(c[i], &size), 3, "%s", names[i]);
	}
	/* A new designation while the sessions run: a new checkpoint, cosigned by every city
	 * within the same sessions, and every cosignature back at every node. */
	uint8_t key[UCCN_KEY_BYTES];
	test_key(0x44, key);
	cr_assert_eq(uccn_node_designate(
			     hub->node, key, "Dakar", "SN", "media_arts", 2014, test_wall_ms()),
		UCCN_OK, "%s", uccn_node_errmsg(hub->node));
	uccn_net_local_changes(hub->net);
	run_for(500);
	cr_assert_eq(witnesses_at(hub, &size), 3);
	cr_assert_eq(size, 4);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(witnesses_at(c[i], &size), 3, "%s", names[i]);
		cr_assert_eq(size, 4);
	}
}

Test(net, the_kinds_chosen_for_a_peer_hold_when_the_peer_dials_in) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	struct simnode *turin = make_city("turin", network, hub);
	/* Both learn the registry first, from the hub. */
	start(hub);
	start(lyon);
	start(turin);
	dial_full(lyon, hub, NULL, NULL, true);
	dial_full(turin, hub, NULL, NULL, true);
	run_for(3000);
	char *practice = put_practice(lyon, "kept at home");
	struct uccn_field f[2] = {
		test_str("title", "open to Turin"), test_str("starts", "2026-06-01")};
	char event[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(lyon->node, "event", NULL, f, 2, test_wall_ms(), event), UCCN_OK,
		"%s", uccn_node_errmsg(lyon->node));
	/* Lyon would exchange events only with Turin, at an address that does not answer;
	 * Turin dials Lyon instead. */
	dial_full(lyon, &(struct simnode){.name = "nowhere"}, turin->pk, "event", false);
	dial(turin, lyon);
	run_for(3000);
	cr_assert(holds(turin, "event", event), "the event went");
	cr_assert_not(holds(turin, "best_practice", practice), "Lyon chose events only for Turin");
}

Test(net, restarted_nodes_resume_from_their_stores) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	struct simnode *b = make_city("turin", network, hub);
	start(hub);
	start(a);
	start(b);
	dial(a, hub);
	dial(b, hub);
	put_practice(a, "before");
	run_for(2000);
	assert_same_records(a, b);

	/* Turin goes down; Lyon edits meanwhile; Turin comes back from its store. */
	stop(b);
	run_for(100);
	cr_assert_eq(uccn_net_sessions(hub->net), 1);
	char *id = put_practice(a, "while Turin was down");
	run_for(1000);
	cr_assert(holds(hub, "best_practice", id));
	cr_assert_not(holds(b, "best_practice", id));
	restart(b);
	dial(b, hub);
	run_for(2000);
	cr_assert(holds(b, "best_practice", id));
	assert_same_records(a, b);

	/* The hub goes down: both cities redial it with backoff until it is back. */
	restart(hub);
	run_for(100);
	cr_assert_eq(uccn_net_sessions(hub->net), 0);
	cr_assert_eq(info_of(a).state, UCCN_NET_WAITING);
	char *later = put_practice(b, "while the hub restarted");
	run_for(3000);
	cr_assert_eq(uccn_net_sessions(hub->net), 2);
	cr_assert_eq(info_of(a).sessions, 2);
	cr_assert(holds(a, "best_practice", later));
	assert_same_records(a, b);
	assert_same_records(a, hub);
}

/* No fork anywhere, and every node verifies. */
static void assert_no_fork(void) {
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].node == NULL) {
			continue;
		}
		cr_assert_eq(test_node_forks(nodes[i].node), 0, "%s holds a fork", nodes[i].name);
		cr_assert_eq(
			uccn_node_verify(nodes[i].node, NULL, NULL, NULL), 0, "%s", nodes[i].name);
	}
}

Test(net, a_node_restored_from_an_old_copy_takes_its_changes_back_before_signing_and_no_fork) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	struct simnode *b = make_city("turin", network, hub);
	start(hub);
	start(a);
	start(b);
	dial(a, hub);
	dial(b, hub);
	put_practice(a, "in the backup");
	run_for(2000);
	char backup[600];
	struct uccn_error why_err;
	snprintf(backup, sizeof(backup), "%s/lyon.backup", root);
	cr_assert_eq(uccn_node_backup(a->node, backup), UCCN_OK, "%s", uccn_node_errmsg(a->node));
	char *after[2];
	after[0] = strdup(put_practice(a, "after the backup"));
	after[1] = strdup(put(a, "report", "period", "2019-2023"));
	run_for(2000);
	cr_assert(holds(b, "best_practice", after[0]));
	/* Lyon's laptop is lost; the backup goes onto a new one. */
	stop(a);
	uccn_node_close(a->node);
	a->node = NULL;
	struct simnode *a2 = new_node("lyon-again");
	cr_assert_eq(
		uccn_node_restore(a2->home, backup, false, &why_err), UCCN_OK, "%s", why_err.msg);
	cr_assert_eq(uccn_node_open(a2->home, &a2->node), UCCN_OK);
	uccn_node_public_key(a2->node, a2->pk);
	cr_assert_eq(memcmp(a2->pk, a->pk, UCCN_KEY_BYTES), 0);
	char id[UCCN_ID_MAX + 1];
	struct uccn_field f = test_str("title", "would take a used number");
	cr_assert_eq(uccn_node_put(a2->node, "best_practice", NULL, &f, 1, test_wall_ms(), id),
		UCCN_EBEHIND, "the restored node signed before catching up");
	start(a2);
	dial(a2, hub);
	run_for(2000);
	struct uccn_node_signing s;
	cr_assert_eq(uccn_node_signing(a2->node, &s), UCCN_OK);
	cr_assert(s.may_sign, "the session gave its changes back (head #%llu)",
		(unsigned long long)s.head);
	cr_assert(holds(a2, "best_practice", after[0]));
	cr_assert(holds(a2, "report", after[1]), "its own report came back from the hub");
	char *edit = put_practice(a2, "the first edit after the restore");
	run_for(2000);
	cr_assert(holds(hub, "best_practice", edit));
	cr_assert(holds(b, "best_practice", edit));
	assert_same_records(hub, a2);
	assert_no_fork();
	free(after[0]);
	free(after[1]);
}

/* A client driven by hand (tests/raw_client.h) over the simulated network, on the virtual
 * clock. */
static void raw_start(struct test_raw *r, const char *name, uint8_t seed, struct simnode *to) {
	struct uccn_transport_events ev = test_raw_events(r);
	cr_assert_eq(uccn_sim_transport_create(sim, name, &ev, &r->tr), UCCN_OK);
	r->clock = virtual_clock;
	char url[64];
	snprintf(url, sizeof(url), "sim://%s", to->name);
	test_raw_start(r, seed, network, url);
}

/* run_for with the raw clients' transports polled too. */
static void run_with_raw(struct test_raw *const *r, size_t n, uint64_t ms) {
	uint64_t until = clock_ms + ms;
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t due = next_due();
		if (due > until) {
			break;
		}
		clock_ms = due > clock_ms ? due : clock_ms;
		turn();
		for (size_t i = 0; i < n; i++) {
			cr_assert_geq(uccn_transport_poll(r[i]->tr, 0), 0);
		}
	}
	clock_ms = until;
	turn();
	for (size_t i = 0; i < n; i++) {
		cr_assert_geq(uccn_transport_poll(r[i]->tr, 0), 0);
	}
}

Test(net, a_refused_auth_is_told_even_with_sealed_frames_right_behind_it) {
	struct simnode *hub = make_hub("hub");
	start(hub);
	for (int i = 0; i < 5; i++) {
		struct test_raw r;
		memset(&r, 0, sizeof(r));
		r.spoil_auth = true;
		r.sealed_behind = 2 + i;
		char name[16];
		snprintf(name, sizeof(name), "raw%d", i);
		raw_start(&r, name, (uint8_t)(0x40 + i), hub);
		struct test_raw *all[] = {&r};
		run_with_raw(all, 1, 1000);
		cr_assert(r.closed);
		cr_assert_str_eq(r.told,
			"the peer ended the session: the client's signature does not verify");
		test_raw_finish(&r);
	}
	cr_assert_eq(uccn_net_sessions(hub->net), 0);
}

Test(net, a_peer_cut_off_for_a_feed_the_session_does_not_carry_is_told_why) {
	struct simnode *hub = make_hub("hub");
	start(hub);
	struct test_raw r;
	memset(&r, 0, sizeof(r));
	static const char *const events[] = {"event"};
	r.kinds = events;
	r.nkinds = 1;
	test_author_init(&r.author, 0x51); /* to sign with; raw_start makes it again */
	struct uccn_field f = test_str("title", "not an event");
	struct uccn_bytes change = {0};
	test_sign(&r.author, network, 0, "best_practice", NULL, "bp1", UCCN_OP_PUT, &f, 1, &change);
	test_author_finish(&r.author);
	cr_assert_eq(uccn_codec_encode_sync_vector(NULL, 0, &r.behind[0]), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_changes(0, &change, 1, &r.behind[1]), UCCN_OK);
	r.nbehind = 2;
	uccn_bytes_finish(&change);
	raw_start(&r, "raw", 0x51, hub);
	struct test_raw *all[] = {&r};
	run_with_raw(all, 1, 1000);
	cr_assert(r.closed);
	cr_assert_str_eq(r.told, "the peer ended the session: sync: a change of the best_practice "
				 "feed, which this session does not carry");
	test_raw_finish(&r);
}

Test(net, a_connection_beyond_the_limit_is_told_why) {
	struct simnode *hub = make_hub("hub");
	struct uccn_net_config cfg = config(hub);
	cfg.opts.max_sessions = 1;
	start_with(hub, &cfg);
	struct test_raw first, second;
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	raw_start(&first, "first", 0x61, hub);
	struct test_raw *one[] = {&first};
	run_with_raw(one, 1, 200);
	cr_assert_not(first.closed);
	raw_start(&second, "second", 0x62, hub);
	struct test_raw *both[] = {&first, &second};
	run_with_raw(both, 2, 200);
	cr_assert(second.closed);
	cr_assert_str_eq(
		second.told, "the peer ended the session: too many connections; try later");
	test_raw_finish(&first);
	test_raw_finish(&second);
}

Test(net, a_pinned_key_that_does_not_match_is_refused_and_nothing_moves) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	struct simnode *b = make_city("turin", network, hub);
	put_practice(a, "stays home");
	start(hub);
	start(a);
	uint64_t hub_before = count(hub), a_before = count(a);
	dial_full(a, hub, b->pk, NULL, true); /* expects Turin's key at the hub's address */
	run_for(2000);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_FAILED);
	cr_assert_not_null(strstr(info.error, "pinned"), "%s", info.error);
	cr_assert_eq(info.sessions, 0);
	cr_assert_eq(count(hub), hub_before);
	cr_assert_eq(count(a), a_before);
	/* The right pin goes through. */
	dial_full(a, hub, hub->pk, NULL, true);
	run_for(2000);
	info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_DONE, "%s", info.error);
	cr_assert_eq(info.error[0], '\0', "%s", info.error);
	cr_assert_gt(count(hub), hub_before);
}

Test(net, a_node_of_another_network_is_refused_with_nothing_applied) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	uint8_t other[UCCN_KEY_BYTES];
	memset(other, 0x5a, sizeof(other));
	struct simnode *stranger = make_city("elsewhere", other, NULL);
	put_practice(stranger, "from another network");
	start(hub);
	start(a);
	start(stranger);
	dial(a, hub);
	run_for(1000);
	uint64_t hub_before = count(hub), stranger_before = count(stranger);
	dial_full(stranger, hub, NULL, NULL, true);
	run_for(2000);
	struct uccn_net_peer_info info = info_of(stranger);
	cr_assert_eq(info.state, UCCN_NET_FAILED);
	cr_assert_not_null(strstr(info.error, "another network"), "%s", info.error);
	cr_assert_eq(count(hub), hub_before);
	cr_assert_eq(count(stranger), stranger_before);
	/* The hub's other session was not disturbed. */
	cr_assert_eq(uccn_net_sessions(hub->net), 1);
	cr_assert_eq(info_of(a).sessions, 1);
	/* The other way round too: the hub dialling the stranger is refused by it. */
	dial(hub, stranger);
	run_for(1500);
	info = info_of(hub);
	cr_assert_eq(info.sessions, 0);
	cr_assert_not_null(strstr(info.error, "another network"), "%s", info.error);
	cr_assert_eq(count(hub), hub_before);
	cr_assert_eq(count(stranger), stranger_before);
}

/* Records the delay drawn after each failed attempt to reach a node that is not there. */
static size_t backoff_delays(struct simnode *n, uint64_t *delays, size_t want) {
	size_t got = 0;
	uint64_t seen = 0;
	for (int guard = 0; got < want && guard < 100000; guard++) {
		uint64_t due = next_due();
		cr_assert_neq(due, UINT64_MAX);
		clock_ms = due > clock_ms ? due : clock_ms;
		turn();
		struct uccn_net_peer_info info = info_of(n);
		if (info.state == UCCN_NET_WAITING && info.attempts > seen) {
			seen = info.attempts;
			cr_assert_eq(info.next_attempt_ms, clock_ms + info.backoff_ms);
			delays[got++] = info.backoff_ms;
		}
	}
	return got;
}

Test(net, redials_back_off_doubling_with_jitter_and_start_over_after_a_session) {
	struct simnode *a = make_city("lyon", network, NULL);
	struct uccn_net_config cfg = config(a);
	cfg.opts.backoff_min_ms = 500;
	cfg.opts.backoff_max_ms = 16000;
	start_with(a, &cfg);
	char url[] = "sim://nowhere";
	struct uccn_net_peer p = {.url = url};
	cr_assert_eq(uccn_net_dial(a->net, &p, &a->peer_id), UCCN_OK);
	uint64_t d[12];
	cr_assert_eq(backoff_delays(a, d, 12), 12);
	uint64_t base = 500;
	bool jittered = false;
	for (int i = 0; i < 12; i++) {
		cr_assert(d[i] >= base * 3 / 4 && d[i] <= base * 5 / 4,
			"delay %d is %llu ms, base %llu", i, (unsigned long long)d[i],
			(unsigned long long)base);
		jittered |= d[i] != base;
		if (i >= 6) {
			cr_assert_eq(base, 16000); /* capped */
		}
		base = base * 2 > 16000 ? 16000 : base * 2;
	}
	cr_assert(jittered);
	cr_assert(d[8] != d[9] || d[9] != d[10], "the capped delays are all the same");
	cr_assert_not_null(strstr(info_of(a).error, "refused"), "%s", info_of(a).error);

	/* Another seed spreads them differently. */
	struct simnode *b = make_city("turin", network, NULL);
	cfg = config(b);
	cfg.opts.backoff_min_ms = 500;
	cfg.opts.backoff_max_ms = 16000;
	start_with(b, &cfg);
	cr_assert_eq(uccn_net_dial(b->net, &p, &b->peer_id), UCCN_OK);
	uint64_t e[4];
	cr_assert_eq(backoff_delays(b, e, 4), 4);
	cr_assert(memcmp(d, e, sizeof(e)) != 0);
	stop(b);

	/* Once a session was made, the next delay starts from the minimum again. */
	struct simnode *there = make_city("nowhere", network, NULL);
	start(there);
	run_for(17000);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_SYNCING);
	uccn_sim_net_kill(sim, "nowhere");
	run_for(1);
	info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_WAITING);
	cr_assert(info.backoff_ms >= 375 && info.backoff_ms <= 625, "%llu",
		(unsigned long long)info.backoff_ms);
	run_for(700);
	cr_assert_eq(info_of(a).sessions, 2);
}

/* A peer that completes the handshake as a server, then never says a word (mute: a hung
 * process, a half-open connection), or never even answers HELLO (deaf). */
struct mute {
	struct uccn_transport *tr;
	struct test_author author;
	bool deaf;
	struct uccn_session *session;
	struct uccn_conn *conn;
	int payloads;
	bool closed;
	char told[300]; /* the reason of the ERROR that ended the session, if one came */
};

static void mute_flush(struct mute *m) {
	struct uccn_bytes b = {0};
	while (uccn_session_pop_frame(m->session, &b)) {
		cr_assert_eq(uccn_transport_send(m->tr, m->conn, b.data, b.len), UCCN_OK);
		uccn_bytes_finish(&b);
	}
	uccn_bytes_finish(&b);
}

static void mute_open(void *userdata, struct uccn_conn *c, bool incoming) {
	struct mute *m = userdata;
	cr_assert(incoming);
	m->conn = c;
	if (m->deaf) {
		return;
	}
	struct uccn_session_config cfg = {.id = m->author.id, .is_client = false};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_session_create(&cfg, clock_ms, &m->session), UCCN_OK);
}

static void mute_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct mute *m = userdata;
	if (m->deaf) {
		return;
	}
	const uint8_t *payload = NULL;
	size_t plen = 0;
	int err = uccn_session_on_frame(m->session, frame, len, clock_ms, &payload, &plen);
	if (err == UCCN_ECLOSED) {
		snprintf(m->told, sizeof(m->told), "%s", uccn_session_error(m->session));
		return;
	}
	cr_assert_eq(err, UCCN_OK, "%s", uccn_session_error(m->session));
	m->payloads += payload != NULL;
	mute_flush(m);
}

static void mute_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct mute *m = userdata;
	m->closed = true;
	m->conn = NULL;
}

static void mute_start(struct mute *m, bool deaf) {
	memset(m, 0, sizeof(*m));
	m->deaf = deaf;
	test_author_init(&m->author, 0x77);
	struct uccn_transport_events ev = {mute_open, mute_frame, mute_close, m};
	cr_assert_eq(uccn_sim_transport_create(sim, "mute", &ev, &m->tr), UCCN_OK);
	cr_assert_eq(uccn_transport_listen(m->tr, NULL, 0, NULL), UCCN_OK);
}

static void mute_finish(struct mute *m) {
	uccn_transport_destroy(m->tr);
	uccn_session_destroy(m->session);
	test_author_finish(&m->author);
}

/* run_for with the mute peer's transport polled too. */
static void run_with_mute(struct mute *m, uint64_t ms) {
	uint64_t until = clock_ms + ms;
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t due = next_due();
		if (due > until) {
			break;
		}
		clock_ms = due > clock_ms ? due : clock_ms;
		turn();
		cr_assert_geq(uccn_transport_poll(m->tr, 0), 0);
	}
	clock_ms = until;
	turn();
	cr_assert_geq(uccn_transport_poll(m->tr, 0), 0);
}

/* A client that sends one frame of `size` bytes as soon as it is connected, before any
 * handshake. */
struct blurt {
	struct uccn_transport *tr;
	struct uccn_conn *conn;
	size_t size;
	bool closed;
	char reason[128];
};

static void blurt_open(void *userdata, struct uccn_conn *c, bool incoming) {
	struct blurt *b = userdata;
	uint8_t *junk = calloc(1, b->size);
	cr_assert_not_null(junk);
	cr_assert_eq(uccn_transport_send(b->tr, c, junk, b->size), UCCN_OK);
	free(junk);
}

static void blurt_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct blurt *b = userdata;
	b->closed = true;
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
}

Test(net, before_its_handshake_a_connection_may_send_a_handshake_frame_only) {
	struct simnode *hub = make_hub("hub");
	start(hub);
	struct blurt b[2] = {{.size = UCCN_SESSION_HANDSHAKE_MAX + 1}, {.size = 100}};
	struct mute m = {0};
	for (int i = 0; i < 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "blurt%d", i);
		struct uccn_transport_events ev = {blurt_open, NULL, blurt_close, &b[i]};
		cr_assert_eq(uccn_sim_transport_create(sim, name, &ev, &b[i].tr), UCCN_OK);
		cr_assert_eq(uccn_transport_connect(b[i].tr, "sim://hub", &b[i].conn), UCCN_OK);
		m.tr = b[i].tr;
		run_with_mute(&m, 500);
		cr_assert(b[i].closed);
		uccn_transport_destroy(b[i].tr);
	}
	/* The larger one is refused by the transport, at the hub's limit for a connection that
	 * has not completed its handshake; the smaller reaches the session, which ends it. */
	cr_assert_not_null(strstr(b[0].reason, "larger"), "%s", b[0].reason);
	cr_assert_null(strstr(b[1].reason, "larger"), "%s", b[1].reason);
}

Test(net, a_silent_connection_is_pinged_then_closed_after_the_idle_timeout) {
	struct simnode *a = make_city("lyon", network, NULL);
	struct uccn_net_config cfg = config(a);
	cfg.opts.idle_timeout_ms = 3000;
	start_with(a, &cfg);
	struct mute m;
	mute_start(&m, false);
	char url[] = "sim://mute";
	struct uccn_net_peer p = {.url = url};
	cr_assert_eq(uccn_net_dial(a->net, &p, &a->peer_id), UCCN_OK);
	run_with_mute(&m, 100);
	cr_assert_eq(info_of(a).state, UCCN_NET_SYNCING);
	uint64_t established = clock_ms;
	run_with_mute(&m, 2800);
	cr_assert_eq(info_of(a).state, UCCN_NET_SYNCING, "closed before the idle timeout");
	/* Its vector, then a ping at each third of the timeout. */
	cr_assert_geq(m.payloads, 3, "%d payloads", m.payloads);
	run_with_mute(&m, 300);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_WAITING, "still open %llu ms after",
		(unsigned long long)(clock_ms - established));
	cr_assert_not_null(strstr(info.error, "nothing received"), "%s", info.error);
	cr_assert_not_null(strstr(m.told, "the peer ended the session: nothing received for"),
		"the mute peer was told \"%s\"", m.told);
	mute_finish(&m);
}

Test(net, pings_keep_a_quiet_session_alive) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	struct uccn_net_config cfg = config(hub);
	cfg.opts.idle_timeout_ms = 3000;
	start_with(hub, &cfg);
	cfg = config(a);
	cfg.opts.idle_timeout_ms = 3000;
	start_with(a, &cfg);
	dial(a, hub);
	run_for(30000);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_SYNCING, "%s", info.error);
	cr_assert_eq(info.attempts, 1);
	cr_assert_eq(uccn_net_sessions(hub->net), 1);
}

Test(net, a_handshake_that_never_completes_times_out) {
	struct simnode *a = make_city("lyon", network, NULL);
	struct uccn_net_config cfg = config(a);
	cfg.opts.handshake_timeout_ms = 2000;
	start_with(a, &cfg);
	struct mute m;
	mute_start(&m, true);
	char url[] = "sim://mute";
	struct uccn_net_peer p = {.url = url, .once = true};
	cr_assert_eq(uccn_net_dial(a->net, &p, &a->peer_id), UCCN_OK);
	run_with_mute(&m, 1900);
	cr_assert_eq(info_of(a).state, UCCN_NET_HANDSHAKE);
	run_with_mute(&m, 200);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_FAILED);
	cr_assert_not_null(strstr(info.error, "handshake"), "%s", info.error);
	mute_finish(&m);
}

Test(net, sync_mode_stops_once_both_hold_the_same_and_counts_what_moved) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	for (int i = 0; i < 40; i++) {
		char title[32];
		snprintf(title, sizeof(title), "practice %d", i);
		put_practice(a, title);
	}
	start(hub);
	struct uccn_net_config cfg = config(a);
	cfg.opts.batch_changes = 8; /* several batches and acknowledgements */
	cfg.opts.window = 2;
	start_with(a, &cfg);
	uint64_t hub_before = count(hub), a_before = count(a);
	dial_full(a, hub, NULL, NULL, true);
	run_for(5000);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_DONE, "%s", info.error);
	cr_assert_eq(count(hub), count(a));
	/* Lyon cosigned the registry's checkpoint it received: one change of its own more. */
	cr_assert_eq(info.stats.received, count(a) - a_before - 1);
	cr_assert_eq(info.stats.applied, count(a) - a_before - 1);
	cr_assert_eq(count(hub) - hub_before, info.stats.sent);
	cr_assert_gt(info.bytes_sent, 0);
	cr_assert_eq(uccn_net_sessions(hub->net), 0, "the session stayed open");
	assert_same_records(a, hub);
}

Test(net, a_change_held_and_let_in_during_a_session_counts_once) {
	struct simnode *hub = make_hub("hub");
	struct simnode *x = make_city("lyon", network, hub);
	struct simnode *y = make_city("turin", network, hub);
	/* The hub sends authors in key order: the editor's key comes first, so its edit arrives
	 * before the project it edits, waits, and is let in when the project follows. */
	bool x_first = memcmp(x->pk, y->pk, UCCN_KEY_BYTES) < 0;
	struct simnode *editor = x_first ? x : y, *owner = x_first ? y : x;
	start(hub);
	start(owner);
	start(editor);
	dial(owner, hub);
	dial(editor, hub);
	run_for(3000);
	char editor_hex[2 * UCCN_KEY_BYTES + 1], id[UCCN_ID_MAX + 1];
	uccn_text_to_hex(editor->pk, UCCN_KEY_BYTES, editor_hex);
	struct uccn_value item = {.type = UCCN_VALUE_STR, .str = editor_hex, .str_len = 64};
	struct uccn_field f[2] = {test_str("title", "joint residency"),
		{.name = "editors",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_LIST, .items = &item, .count = 1}}};
	cr_assert_eq(uccn_node_put(owner->node, "project", NULL, f, 2, test_wall_ms(), id), UCCN_OK,
		"%s", uccn_node_errmsg(owner->node));
	uccn_net_local_changes(owner->net);
	run_for(1000);
	struct uccn_field edit = test_str("status", "ongoing");
	cr_assert_eq(uccn_node_put(editor->node, "project", id, &edit, 1, test_wall_ms(), NULL),
		UCCN_OK, "%s", uccn_node_errmsg(editor->node));
	uccn_net_local_changes(editor->net);
	run_for(1000);
	/* A city that joins now gets both in one session. */
	struct simnode *late = make_city("kobe", network, hub);
	start(late);
	dial_full(late, hub, NULL, NULL, true);
	run_for(3000);
	struct uccn_net_peer_info info = info_of(late);
	cr_assert_eq(info.state, UCCN_NET_DONE, "%s", info.error);
	cr_assert(holds(late, "project", id));
	cr_assert_eq(info.stats.held, 0, "the edit waited and was let in: it is not held");
	cr_assert_eq(info.stats.applied, info.stats.received, "each change counted once");
}

/* --- What is meant for the Secretariat alone never cuts a node off (PROTOCOL.md §11.5) --- */

/* One session from n to peer, dialled once: it must end with both holding the same. */
static struct uccn_net_peer_info sync_once(struct simnode *n, struct simnode *peer) {
	dial_full(n, peer, NULL, NULL, true);
	run_for(5000);
	struct uccn_net_peer_info info = info_of(n);
	cr_assert_eq(info.state, UCCN_NET_DONE, "%s: the session did not complete: %s", n->name,
		info.error);
	return info;
}

Test(net, a_city_that_rotated_its_key_still_syncs_the_report_its_old_key_signed) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	start(hub);
	start(lyon);
	char *report = put(lyon, "report", "period", "2019-2023");
	sync_once(lyon, hub);
	cr_assert(holds(hub, "report", report));
	/* An honest rotation: the report is Lyon's, signed by a key that is no longer its own. */
	stop(lyon);
	uint8_t old_key[UCCN_KEY_BYTES], fresh[UCCN_KEY_BYTES];
	memcpy(old_key, lyon->pk, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_node_rotate_key(lyon->node, test_wall_ms(), fresh), UCCN_OK, "%s",
		uccn_node_errmsg(lyon->node));
	start(lyon);
	/* Before the Secretariat confirms: the hub does not know the new key yet. */
	sync_once(lyon, hub);
	cr_assert_eq(uccn_node_confirm_rotation(hub->node, old_key, fresh, test_wall_ms()), UCCN_OK,
		"%s", uccn_node_errmsg(hub->node));
	uccn_net_local_changes(hub->net);
	struct uccn_net_peer_info info = sync_once(lyon, hub);
	cr_assert_eq(info.stats.dropped, 0);
	cr_assert(holds(lyon, "report", report), "its own report stays with the city");
	put(lyon, "report", "period", "2023-2027");
	sync_once(lyon, hub);
	assert_same_records(hub, lyon);
	/* And after a restart, which knows the old key from the store alone. */
	restart(lyon);
	cr_assert(holds(lyon, "report", report));
	sync_once(lyon, hub);
	assert_same_records(hub, lyon);
}

static int read_title(void *userdata, const struct uccn_record *r) {
	const struct uccn_value *v = uccn_record_field(r, "title");
	snprintf(userdata, 64, "%.*s", v != NULL ? (int)v->str_len : 0, v != NULL ? v->str : "");
	return 0;
}

/* The title of n's best practice id, as n holds it now. */
static const char *title_at(struct simnode *n, const char *id) {
	static char title[64];
	title[0] = '\0';
	cr_assert_eq(uccn_node_get(n->node, "best_practice", id, read_title, title), UCCN_OK);
	return title;
}

Test(net, a_relay_learns_it_is_one_in_the_session_that_brings_it_the_reports) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	struct simnode *relay = make_city("relay", network, NULL);
	cr_assert_eq(uccn_node_relay(hub->node, relay->pk, true, test_wall_ms()), UCCN_OK, "%s",
		uccn_node_errmsg(hub->node));
	start(hub);
	start(lyon);
	start(relay);
	char *report = put(lyon, "report", "period", "2019-2023");
	sync_once(lyon, hub);
	/* The registry comes first in the session, so the relay knows it is one before the
	 * reports arrive. */
	struct uccn_net_peer_info info = sync_once(relay, hub);
	cr_assert_eq(info.stats.dropped, 0);
	cr_assert(holds(relay, "report", report));
	/* Its relay ended, it keeps nothing of the kind from its next open, and its sessions
	 * go on. */
	cr_assert_eq(uccn_node_relay(hub->node, relay->pk, false, test_wall_ms()), UCCN_OK, "%s",
		uccn_node_errmsg(hub->node));
	uccn_net_local_changes(hub->net);
	sync_once(relay, hub);
	restart(relay);
	cr_assert_not(holds(relay, "report", report));
	sync_once(relay, hub);
	sync_once(lyon, hub);
	cr_assert_not(holds(relay, "report", report));
	cr_assert(holds(hub, "report", report));
}

Test(net, a_report_handed_to_another_city_by_file_is_dropped_and_sessions_go_on) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	struct simnode *turin = make_city("turin", network, hub);
	start(hub);
	start(lyon);
	start(turin);
	char *report = put(lyon, "report", "period", "2019-2023");
	put_practice(lyon, "public");
	sync_once(lyon, hub);
	sync_once(turin, hub);
	/* The Secretariat's own file, for the Secretariat, given to Turin by mistake. */
	struct uccn_bytes file = {0};
	test_export_for(hub->node, network, &file);
	struct uccn_import_stats st = {0};
	cr_assert_eq(test_import(turin->node, &file, SIZE_MAX, &st), UCCN_OK);
	cr_assert_eq(st.dropped, 1, "Lyon's report, dropped");
	cr_assert_eq(st.refused, 0);
	cr_assert_not(holds(turin, "report", report));
	struct uccn_net_peer_info info = sync_once(turin, hub);
	cr_assert_eq(info.stats.dropped, 0, "the hub offers Turin nothing of the kind");
	sync_once(lyon, hub);
	cr_assert(holds(hub, "report", report));
	uccn_bytes_finish(&file);
}

Test(net, a_store_that_kept_another_citys_report_stops_offering_it_and_drops_it_at_open) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	struct simnode *turin = make_city("turin", network, hub);
	struct simnode *kobe = make_city("kobe", network, hub);
	start(hub);
	start(lyon);
	start(turin);
	start(kobe);
	char *report = put(lyon, "report", "period", "2019-2023");
	/* A practice first public, then marked for the Secretariat by a later put. */
	char *practice = put_practice(lyon, "open");
	struct uccn_field marked[2] = {
		test_str("title", "secret"), test_str("audience", "secretariat")};
	cr_assert_eq(uccn_node_put(lyon->node, "best_practice", practice, marked, 2, test_wall_ms(),
			     NULL),
		UCCN_OK, "%s", uccn_node_errmsg(lyon->node));
	uccn_net_local_changes(lyon->net);
	sync_once(lyon, hub);
	sync_once(turin, hub);
	sync_once(kobe, hub);
	cr_assert_str_eq(title_at(turin, practice), "open");
	/* What an earlier version let Turin keep: written under the rule, by a log that judges
	 * no holder. */
	struct uccn_bytes links = {0};
	test_node_feed(hub->node, lyon->pk, "report@secretariat", &links);
	test_node_feed(hub->node, lyon->pk, "best_practice@secretariat", &links);
	cr_assert_gt(links.len, 0);
	test_node_apply_unjudged(turin->node, &links);
	cr_assert(holds(turin, "report", report), "the old store holds it");
	cr_assert_str_eq(title_at(turin, practice), "secret");
	/* The hub may hold it (Turin may send it there: a duplicate), and a session with the hub
	 * completes; another city is offered nothing of it. */
	sync_once(turin, hub);
	struct uccn_net_peer_info info = sync_once(turin, kobe);
	cr_assert_eq(info.stats.sent, 0, "sent %llu", (unsigned long long)info.stats.sent);
	cr_assert_not(holds(kobe, "report", report));
	/* And at the next open it goes, its record with it. */
	restart(turin);
	cr_assert_not(holds(turin, "report", report));
	cr_assert_str_eq(title_at(turin, practice), "open", "rebuilt from what is left");
	cr_assert_eq(uccn_node_verify(turin->node, NULL, NULL, NULL), 0);
	sync_once(turin, hub);
	cr_assert(holds(hub, "report", report));
	uccn_bytes_finish(&links);
}

Test(net, a_hub_holds_many_sessions_at_once) {
	enum { CITIES = 120 };
	struct simnode *hub = make_hub("hub");
	start(hub);
	uint64_t before = count(hub);
	for (int i = 0; i < CITIES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "city%03d", i);
		struct simnode *c = make_city(name, network, hub);
		start(c);
		/* Each city exchanges its own city record only, to keep the test short. */
		dial_full(c, hub, NULL, "city", false);
	}
	before = count(hub);
	run_for(5000);
	cr_assert_eq(uccn_net_sessions(hub->net), CITIES);
	cr_assert_eq(count(hub), before + CITIES);
	for (size_t i = 1; i < nnodes; i++) {
		cr_assert_eq(info_of(&nodes[i]).state, UCCN_NET_SYNCING);
	}
}

Test(net, a_peer_no_longer_dialled_is_let_go_and_not_redialled) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	start(hub);
	start(a);
	dial(a, hub);
	run_for(1000);
	cr_assert_eq(uccn_net_sessions(hub->net), 1);
	cr_assert(uccn_net_is_dialling(a->net, "sim://hub", NULL));
	cr_assert_eq(uccn_net_undial(a->net, a->peer_id), UCCN_OK);
	cr_assert_not(uccn_net_is_dialling(a->net, "sim://hub", NULL));
	run_for(10000);
	cr_assert_eq(uccn_net_sessions(hub->net), 0);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_STOPPED);
	cr_assert_eq(info.attempts, 1);
	cr_assert_eq(uccn_net_undial(a->net, 99), UCCN_EINVAL);
	/* Dialled again, it is a new peer. */
	dial(a, hub);
	run_for(1000);
	cr_assert_eq(uccn_net_sessions(hub->net), 1);
}

/* A transport that pushes back: the node's connection is made to look as if its queue were
 * full, so every send is refused with UCCN_EAGAIN, as a websocket's would be. The test sits
 * between the simulated transport and the loop's callbacks to learn the connection. */
static struct uccn_transport_events loop_events;
static struct uccn_conn *choke_conn;

static void spy_open(void *userdata, struct uccn_conn *c, bool incoming) {
	choke_conn = c;
	loop_events.on_open(loop_events.userdata, c, incoming);
}

static void spy_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	loop_events.on_frame(loop_events.userdata, c, frame, len);
}

static void spy_close(void *userdata, struct uccn_conn *c, const char *reason) {
	if (c == choke_conn) {
		choke_conn = NULL;
	}
	loop_events.on_close(loop_events.userdata, c, reason);
}

static int spy_factory(
	void *arg, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	loop_events = *ev;
	struct uccn_transport_events spy = {spy_open, spy_frame, spy_close, NULL};
	return sim_factory(arg, &spy, out);
}

Test(net, frames_the_transport_pushes_back_wait_their_turn_and_nothing_is_lost) {
	struct simnode *hub = make_hub("hub");
	struct simnode *a = make_city("lyon", network, hub);
	for (int i = 0; i < 100; i++) {
		char title[32];
		snprintf(title, sizeof(title), "practice %d", i);
		put_practice(a, title);
	}
	start(hub);
	struct uccn_net_config cfg = config(a);
	cfg.make_transport = spy_factory;
	cfg.opts.batch_changes = 4;
	cfg.opts.window = 2;
	cfg.opts.idle_timeout_ms = 600000; /* the choke must not pass for a dead peer */
	start_with(a, &cfg);
	dial(a, hub);
	run_for(200);
	cr_assert_eq(info_of(a).state, UCCN_NET_SYNCING);
	cr_assert_not_null(choke_conn);
	uint64_t hub_before = count(hub);
	choke_conn->queued += UCCN_TRANSPORT_QUEUE_MAX;
	run_for(3000);
	/* Only what was on its way before the choke: at most a window of batches. */
	cr_assert_leq(count(hub) - hub_before, 2 * 4);
	cr_assert_lt(count(hub), count(a));
	cr_assert_not_null(choke_conn, "the connection was cut");
	choke_conn->queued -= UCCN_TRANSPORT_QUEUE_MAX;
	run_for(3000);
	struct uccn_net_peer_info info = info_of(a);
	cr_assert_eq(info.state, UCCN_NET_SYNCING, "%s", info.error);
	cr_assert_eq(info.attempts, 1, "the connection was cut: %s", info.error);
	assert_same_records(a, hub);
}

/* Loops on a network that cuts, duplicates and delays frames, while cities edit (now and then
 * rewriting a record of theirs), open sessions with each other at random on top of their
 * sessions with the hub, and are killed now and then: for every seed, every node ends with
 * every edit and identical records, and the faults and the traffic really happened. */
Test(net, loops_on_a_faulty_network_converge_for_every_seed) {
	uint64_t redials = 0, moved = 0;
	for (unsigned seed = 1; seed <= 8; seed++) {
		uccn_sim_net_destroy(sim);
		struct uccn_sim_net_config sc = {.seed = seed,
			.drop_rate = 0.01,
			.duplicate_rate = 0.005,
			.delay_min_ms = 1,
			.delay_max_ms = 40};
		cr_assert_eq(uccn_sim_net_create(&sc, &sim), UCCN_OK);
		char name[32];
		snprintf(name, sizeof(name), "hub%u", seed);
		struct simnode *hub = make_hub(name);
		struct simnode *c[3];
		size_t to_hub[3];
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "city%u-%d", seed, i);
			c[i] = make_city(name, network, hub);
		}
		struct uccn_net_config cfg = config(hub);
		cfg.opts.backoff_max_ms = 2000;
		start_with(hub, &cfg);
		for (int i = 0; i < 3; i++) {
			cfg = config(c[i]);
			cfg.opts.backoff_max_ms = 2000;
			cfg.opts.batch_changes = 3;
			start_with(c[i], &cfg);
			dial(c[i], hub);
			to_hub[i] = c[i]->peer_id;
		}
		/* A busy period: edits, sessions opened at random, connections cut, nodes killed.
		 */
		unsigned rng = seed;
		char ids[3][8][UCCN_ID_MAX + 1];
		int edits[3] = {0};
		for (int round = 0; round < 30; round++) {
			int who = rand_r(&rng) % 3;
			int k = edits[who]++;
			char title[48];
			snprintf(title, sizeof(title), "round %d", round);
			if (k % 4 == 3) { /* rewrites one of its records */
				struct uccn_field f = test_str("title", title);
				cr_assert_eq(
					uccn_node_put(c[who]->node, "best_practice",
						ids[who][(k - 2) % 8], &f, 1, test_wall_ms(), NULL),
					UCCN_OK, "%s", uccn_node_errmsg(c[who]->node));
				uccn_net_local_changes(c[who]->net);
			} else {
				snprintf(ids[who][k % 8], UCCN_ID_MAX + 1, "%s",
					put_practice(c[who], title));
			}
			int a = rand_r(&rng) % 3, b = rand_r(&rng) % 3;
			if (a != b) {
				dial_full(c[a], c[b], NULL, NULL, true);
			}
			if (rand_r(&rng) % 10 == 0) {
				int victim = rand_r(&rng) % 4;
				uccn_sim_net_kill(sim, victim == 3 ? hub->name : c[victim]->name);
			}
			run_for((uint64_t)(rand_r(&rng) % 300));
		}
		/* The network keeps failing now and then; the loops redial until all agree. */
		for (int wait = 0; wait < 60; wait++) {
			run_for(1000);
			if (count(hub) == count(c[0]) && count(hub) == count(c[1]) &&
				count(hub) == count(c[2])) {
				break;
			}
		}
		for (int i = 0; i < 3; i++) {
			assert_same_records(hub, c[i]);
			struct uccn_net_peer_info info;
			cr_assert_eq(uccn_net_peer_info(c[i]->net, to_hub[i], &info), UCCN_OK);
			redials += info.attempts - 1;
			moved += info.stats.sent + info.stats.received;
		}
		/* Next seed: these nodes leave the network. */
		for (size_t i = 0; i < nnodes; i++) {
			stop(&nodes[i]);
		}
	}
	cr_assert_gt(
		redials, 8, "connections were cut (%llu redials)", (unsigned long long)redials);
	cr_assert_gt(moved, 100, "changes travelled (%llu)", (unsigned long long)moved);
}

/* --- The whole network, at random ----------------------------------------------------------
 * 3 to 20 loops (a hub and its cities) on a network that cuts, duplicates and delays frames,
 * partitions and heals, while nodes edit every kind, restart from their stores and are cut
 * off. Some cities also talk directly, for best practices and events only. For every seed:
 * every node ends with the same public records, the hub holds every edit of every city, and no
 * report reaches another city. UCCN_SIM_SEEDS=N runs N seeds (a soak), UCCN_SIM_SEED=S replays
 * one; a failing assertion names its seed. */

/* Every node goes; the next seed makes new ones (their homes stay until the suite ends). */
static void reset_nodes(void) {
	for (size_t i = 0; i < nnodes; i++) {
		uccn_net_destroy(nodes[i].net);
		uccn_node_close(nodes[i].node);
		free(nodes[i].home);
	}
	memset(nodes, 0, sizeof(nodes));
	nnodes = 0;
}

struct link_plan {
	size_t from, to;
	const char *kinds;
};

static void start_fast(struct simnode *n) {
	struct uccn_net_config cfg = config(n);
	cfg.opts.backoff_max_ms = 2000;
	cfg.opts.batch_changes = 4; /* many batches: more places to be cut */
	start_with(n, &cfg);
}

static void redial(size_t who, const struct link_plan *plan, size_t nplan) {
	for (size_t k = 0; k < nplan; k++) {
		if (plan[k].from == who) {
			dial_full(&nodes[plan[k].from], &nodes[plan[k].to], NULL, plan[k].kinds,
				false);
		}
	}
}

/* One local edit of a random kind on a city; returns whether it was a report. */
static bool edit_at_random(struct simnode *n, unsigned *rng, int k) {
	char text[64];
	snprintf(text, sizeof(text), "%s edit %d", n->name, k);
	struct uccn_field f[2] = {test_str("title", text), test_str("starts", "2026-05-01")};
	const char *kind = "best_practice";
	size_t nf = 1;
	switch (rand_r(rng) % 4) {
	case 0:
		break;
	case 1:
		kind = "event";
		nf = 2;
		break;
	case 2:
		kind = "project";
		break;
	default:
		kind = "report";
		snprintf(text, sizeof(text), "%04d-%04d", 2000 + k % 100, 2004 + k % 100);
		f[0] = test_str("period", text);
		break;
	}
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(n->node, kind, NULL, f, nf, test_wall_ms(), id), UCCN_OK, "%s",
		uccn_node_errmsg(n->node));
	if (n->net != NULL) {
		uccn_net_local_changes(n->net);
	}
	return strcmp(kind, "report") == 0;
}

static int count_found(void *userdata, const struct uccn_record *r) {
	(void)r;
	(*(int *)userdata)++;
	return 0;
}

static int records_of_kind(struct simnode *n, const char *kind) {
	int c = 0;
	cr_assert_eq(uccn_node_list(n->node, kind, true, count_found, &c), UCCN_OK);
	return c;
}

static const char *const public_kinds[] = {
	"city", "best_practice", "event", "project", "designation", "treehead"};

static bool public_records_agree(struct simnode *a, struct simnode *b) {
	struct uccn_bytes x = {0}, y = {0};
	bool same = true;
	for (size_t k = 0; k < sizeof(public_kinds) / sizeof(public_kinds[0]) && same; k++) {
		test_node_dump(a->node, public_kinds[k], &x);
		test_node_dump(b->node, public_kinds[k], &y);
		same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	}
	uccn_bytes_finish(&x);
	uccn_bytes_finish(&y);
	return same;
}

/* The changes author signed that at holds, its cosignatures aside: how many checkpoints a city
 * cosigned depends on when the registry reached it (PROTOCOL.md §9.11), its edits do not. */
static uint64_t signed_by(struct simnode *at, struct simnode *author) {
	uint64_t c = 0, cosigs = 0;
	cr_assert_eq(uccn_node_count_by(at->node, author->pk, &c), UCCN_OK);
	cosigs = test_node_record_changes(at->node, "cosignature", author->pk, "registry");
	return c - cosigs;
}

static void run_network(unsigned seed) {
	reset_nodes();
	uccn_sim_net_destroy(sim);
	struct uccn_sim_net_config sc = {.seed = seed,
		.drop_rate = 0.005,
		.duplicate_rate = 0.003,
		.delay_min_ms = 1,
		.delay_max_ms = 60};
	cr_assert_eq(uccn_sim_net_create(&sc, &sim), UCCN_OK);
	unsigned rng = seed * 2654435761u;
	size_t count_nodes = 3 + (seed * 7) % 18; /* 3 to 20, the hub included */
	char name[32];
	snprintf(name, sizeof(name), "s%u-hub", seed);
	make_hub(name);
	for (size_t i = 1; i < count_nodes; i++) {
		snprintf(name, sizeof(name), "s%u-city%zu", seed, i);
		make_city(name, network, &nodes[0]);
	}
	/* Every city dials the hub; a few pairs of cities also talk directly, some for best
	 * practices and events only. */
	struct link_plan plan[64];
	size_t nplan = 0;
	for (size_t i = 1; i < count_nodes; i++) {
		plan[nplan++] = (struct link_plan){i, 0, NULL};
	}
	for (size_t k = 0; k < count_nodes / 3 && count_nodes > 2; k++) {
		size_t a = 1 + (size_t)rand_r(&rng) % (count_nodes - 1);
		size_t b = 1 + (size_t)rand_r(&rng) % (count_nodes - 1);
		if (a != b) {
			plan[nplan++] = (struct link_plan){
				a, b, rand_r(&rng) % 2 ? "best_practice,event" : NULL};
		}
	}
	for (size_t i = 0; i < count_nodes; i++) {
		start_fast(&nodes[i]);
	}
	for (size_t i = 0; i < count_nodes; i++) {
		redial(i, plan, nplan);
	}
	int edits[20] = {0}, reports[20] = {0};
	bool cut[20] = {false};
	for (int round = 0; round < 40; round++) {
		size_t who = 1 + (size_t)rand_r(&rng) % (count_nodes - 1);
		for (int k = 1 + rand_r(&rng) % 2; k > 0; k--) {
			reports[who] += edit_at_random(&nodes[who], &rng, edits[who]);
			edits[who]++;
		}
		switch (rand_r(&rng) % 12) {
		case 0: /* a city restarts from its store */
		case 1: {
			struct simnode *r = &nodes[(size_t)rand_r(&rng) % count_nodes];
			stop(r);
			uccn_node_close(r->node);
			cr_assert_eq(uccn_node_open(r->home, &r->node), UCCN_OK);
			start_fast(r);
			redial((size_t)(r - nodes), plan, nplan);
			break;
		}
		case 2: /* a city is cut off from the hub, or gets back */
			cut[who] = !cut[who];
			uccn_sim_net_partition(sim, nodes[who].name, nodes[0].name, cut[who]);
			break;
		case 3:
			uccn_sim_net_kill(sim, nodes[(size_t)rand_r(&rng) % count_nodes].name);
			break;
		default:
			break;
		}
		run_for((uint64_t)(rand_r(&rng) % 400));
	}
	/* Heal, and let the loops redial until every node agrees. */
	for (size_t i = 1; i < count_nodes; i++) {
		uccn_sim_net_partition(sim, nodes[i].name, nodes[0].name, false);
	}
	bool agree = false;
	for (int wait = 0; wait < 120 && !agree; wait++) {
		run_for(1000);
		agree = true;
		for (size_t i = 1; i < count_nodes && agree; i++) {
			agree = public_records_agree(&nodes[0], &nodes[i]) &&
				signed_by(&nodes[0], &nodes[i]) == signed_by(&nodes[i], &nodes[i]);
		}
	}
	for (size_t i = 1; i < count_nodes; i++) {
		cr_assert(public_records_agree(&nodes[0], &nodes[i]),
			"seed %u (%zu nodes): %s and the hub hold different records", seed,
			count_nodes, nodes[i].name);
		/* No local edit lost: the city's init (its city record) and every edit. */
		cr_assert_eq(signed_by(&nodes[i], &nodes[i]), 1 + (uint64_t)edits[i],
			"seed %u: %s lost an edit", seed, nodes[i].name);
		cr_assert_eq(signed_by(&nodes[0], &nodes[i]), 1 + (uint64_t)edits[i],
			"seed %u: the hub lacks edits of %s", seed, nodes[i].name);
		cr_assert_eq(records_of_kind(&nodes[i], "report"), reports[i],
			"seed %u: %s holds another city's report", seed, nodes[i].name);
	}
	int all_reports = 0;
	for (size_t i = 1; i < count_nodes; i++) {
		all_reports += reports[i];
	}
	cr_assert_eq(records_of_kind(&nodes[0], "report"), all_reports,
		"seed %u: the hub lacks a report", seed);
	if (getenv("UCCN_SIM_VERBOSE") != NULL) {
		fprintf(stderr,
			"seed %u: %zu nodes, %zu links, %llu changes at the hub, %d reports\n",
			seed, count_nodes, nplan, (unsigned long long)count(&nodes[0]),
			all_reports);
	}
}

static unsigned env_unsigned(const char *name, unsigned fallback) {
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? (unsigned)strtoul(v, NULL, 10) : fallback;
}

/* A suite of its own, with no time limit of Criterion's, so that a soak can run for hours
 * (meson's own limit still holds in the test run). */
TestSuite(sim_net, .init = setup, .fini = teardown);

Test(sim_net, networks_of_3_to_20_nodes_with_partitions_restarts_and_filtered_peers_converge) {
	unsigned only = env_unsigned("UCCN_SIM_SEED", 0);
	unsigned seeds = env_unsigned("UCCN_SIM_SEEDS", 8);
	for (unsigned seed = only ? only : 1; seed <= (only ? only : seeds); seed++) {
		run_network(seed);
	}
}

static uint64_t hub_wall;
static uint64_t hub_clock(void *arg) {
	return *(const uint64_t *)arg;
}

/* A change clocked an hour ahead waits at the hub and its peer; once their clocks reach it,
 * serve's timer lets it in with no new traffic to prompt it. */
Test(net, serve_lets_in_a_change_held_for_its_clock_when_the_time_comes) {
	struct simnode *hub = make_hub("hub");
	struct simnode *lyon = make_city("lyon", network, hub);
	struct simnode *fast = make_city("fast", network, hub);
	uint64_t wall = test_wall_ms();
	uint64_t ahead = wall + 60 * 60 * 1000;
	hub_wall = wall;
	test_node_set_clock(hub->node, hub_clock, &hub_wall);
	test_node_set_clock(lyon->node, hub_clock, &hub_wall);
	struct uccn_net_config cfg = config(hub);
	cfg.opts.watch_store_ms = 200;
	start_with(hub, &cfg);
	start(lyon);
	start(fast);
	dial(lyon, hub);
	dial_full(fast, hub, NULL, NULL, true);
	run_for(2000);
	struct uccn_field f = test_str("title", "an hour early");
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(fast->node, "best_practice", NULL, &f, 1, ahead, id), UCCN_OK,
		"%s", uccn_node_errmsg(fast->node));
	dial_full(fast, hub, NULL, NULL, true);
	run_for(2000);
	stop(fast); /* nothing more arrives from anywhere */
	cr_assert_not(holds(hub, "best_practice", id), "held at the hub");
	run_for(2000);
	cr_assert_not(holds(hub, "best_practice", id), "still early");
	hub_wall = ahead - UCCN_HLC_SKEW_MS;
	run_for(2000);
	cr_assert(holds(hub, "best_practice", id), "let in at the hub's timer");
	cr_assert(holds(lyon, "best_practice", id), "and pushed on to its peer");
}

/* --- A split view: the Secretariat's key signs two registries ------------------------------ */

static bool alarmed(struct simnode *n) {
	int views = uccn_node_split_views(n->node, NULL, NULL);
	cr_assert_geq(views, 0, "%s", uccn_strerror(views));
	return views > 0;
}

/* The root key (stolen, say) signs two branches after a shared registry: hub A's node goes on
 * with one designation, a copy of it (hub B) with another, each with its checkpoint. Half the
 * cities talk only to A, the rest only to B: each half sees one consistent registry, cosigns
 * it, and raises nothing. Then one city of each half talk, directly or (odd seeds) through a
 * third city of the shared registry that talks to both. Every node, both hubs included, must
 * then hold the alarm with its evidence within a bounded time: the cities that talked compare
 * each other's cosigned checkpoints, and the alarm travels as a record. */
static void run_split_view(unsigned seed) {
	reset_nodes();
	uccn_sim_net_destroy(sim);
	struct uccn_sim_net_config sc = {.seed = seed,
		.drop_rate = 0.002,
		.duplicate_rate = 0.002,
		.delay_min_ms = 1,
		.delay_max_ms = 40};
	cr_assert_eq(uccn_sim_net_create(&sc, &sim), UCCN_OK);
	unsigned rng = seed * 2246822519u;
	size_t ncities = 4 + seed % 5; /* 4 to 8, and a third city beside them */
	char name[32];
	snprintf(name, sizeof(name), "v%u-hub-a", seed);
	struct simnode *a = make_hub(name);
	for (size_t i = 0; i <= ncities; i++) {
		snprintf(name, sizeof(name), "v%u-city%zu", seed, i);
		make_city(name, network, a);
	}
	struct simnode *third = &nodes[1 + ncities];
	/* Hub B: the same key and the same registry so far, from a copy of A's home. */
	uccn_node_close(a->node);
	snprintf(name, sizeof(name), "v%u-hub-b", seed);
	struct simnode *b = new_node(name);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", a->home, b->home);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(uccn_node_open(a->home, &a->node), UCCN_OK);
	cr_assert_eq(uccn_node_open(b->home, &b->node), UCCN_OK);
	uccn_node_public_key(b->node, b->pk);
	uint8_t key[UCCN_KEY_BYTES];
	struct uccn_error why_err;
	/* Branch B grows by one or two designations: checkpoints of one size with two roots, or
	 * of two sizes where the larger does not extend the smaller. */
	for (int k = 0; k < 2 + (seed % 3 == 0); k++) {
		test_key(0x50 + (unsigned)k, key);
		cr_assert_eq(uccn_node_designate((k ? b : a)->node, key, "Elsewhere", "FR",
				     "design", 2020, test_wall_ms()),
			UCCN_OK, "%s", uccn_node_errmsg((k ? b : a)->node));
	}
	size_t half = ncities / 2;
	start(a);
	start(b);
	for (size_t i = 1; i <= ncities; i++) {
		start(&nodes[i]);
		dial(&nodes[i], i <= half ? a : b);
	}
	run_for(3000);
	for (size_t i = 0; i < nnodes; i++) {
		if (nodes[i].net != NULL) {
			cr_assert_not(alarmed(&nodes[i]),
				"seed %u: %s raised an alarm before any "
				"two halves talked",
				seed, nodes[i].name);
		}
	}
	size_t x = 1 + (size_t)rand_r(&rng) % half;
	size_t y = half + 1 + (size_t)rand_r(&rng) % (ncities - half);
	if (seed % 2 == 0) {
		dial(&nodes[x], &nodes[y]);
	} else {
		start(third);
		dial(third, &nodes[x]);
		dial(third, &nodes[y]);
	}
	uint64_t started = clock_ms;
	bool all = false;
	while (!all && clock_ms - started < 60000) {
		run_for(250);
		all = true;
		for (size_t i = 0; i < nnodes && all; i++) {
			all = nodes[i].net == NULL || alarmed(&nodes[i]);
		}
	}
	for (size_t i = 0; i < nnodes && getenv("UCCN_SIM_VERBOSE") != NULL; i++) {
		fprintf(stderr, "%s: %s, %llu changes\n", nodes[i].name,
			nodes[i].net == NULL ? "off"
			: alarmed(&nodes[i]) ? "alarmed"
					     : "quiet",
			(unsigned long long)count(&nodes[i]));
	}
	for (size_t i = 0; i < nnodes; i++) {
		cr_assert(nodes[i].net == NULL || alarmed(&nodes[i]),
			"seed %u: %s has no alarm %llu ms after the halves met", seed,
			nodes[i].name, (unsigned long long)(clock_ms - started));
	}
	/* The evidence holds with nothing but the network id. */
	struct uccn_bytes text = {0};
	struct uccn_split_view_result res;
	cr_assert_eq(uccn_node_split_view_evidence(b->node, &text), UCCN_OK);
	cr_assert_eq(uccn_registry_check_evidence(
			     (const char *)text.data, text.len, network, &res, &why_err),
		UCCN_OK, "%s", why_err.msg);
	cr_assert_eq(res.size[1] - res.size[0], seed % 3 == 0 ? 1 : 0, "seed %u", seed);
	uccn_bytes_finish(&text);
	if (getenv("UCCN_SIM_VERBOSE") != NULL) {
		fprintf(stderr, "split view seed %u: %zu cities, every node alarmed in %llu ms\n",
			seed, ncities, (unsigned long long)(clock_ms - started));
	}
}

Test(sim_net, a_split_view_is_caught_and_the_alarm_reaches_every_node_for_every_seed) {
	unsigned only = env_unsigned("UCCN_SIM_SEED", 0);
	unsigned seeds = env_unsigned("UCCN_SIM_SEEDS", 8);
	for (unsigned seed = only ? only : 1; seed <= (only ? only : seeds); seed++) {
		run_split_view(seed);
	}
}
