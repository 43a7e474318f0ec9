/* test_failures.c - what a node does when memory fails under it: SQLite's Nth allocation fails,
 * and then the library's own Nth (node/alloc.h; the way libuv's test-loop-oom fails the Nth of
 * its own), for every N through a local edit, an export and an import, and a sync over the
 * simulated network, and engine to engine through a reconciliation of feed heads and compressed
 * batches. Each run must end in a clean error code or success, never a crash or a
 * leak, and the store must then reopen, verify and hold either everything or what it held
 * before. */
#include <uccn/node.h>

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/net.h>

#include "node/alloc.h"
#include "node/net_internal.h"
#include "node/sync.h"
#include "node/verifier.h"
#include "tests/sim/sim_transport.h"
#include "tests/support.h"

/* SQLite's allocator, wrapped: after `budget` allocations every one fails. */
static sqlite3_mem_methods real;
static long budget = -1; /* -1: never fail */

static void *failing_malloc(int n) {
	if (budget == 0) {
		return NULL;
	}
	if (budget > 0) {
		budget--;
	}
	return real.xMalloc(n);
}

static void *failing_realloc(void *p, int n) {
	if (budget == 0) {
		return NULL;
	}
	if (budget > 0) {
		budget--;
	}
	return real.xRealloc(p, n);
}

static void install(void) {
	/* Before SQLite is first used in this (forked) test process. */
	sqlite3_mem_methods m;
	cr_assert_eq(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real), SQLITE_OK);
	m = real;
	m.xMalloc = failing_malloc;
	m.xRealloc = failing_realloc;
	cr_assert_eq(sqlite3_config(SQLITE_CONFIG_MALLOC, &m), SQLITE_OK);
}

static char *dir;
static const uint64_t now = 1763700000000;

static void setup(void) {
	install();
	dir = test_tmpdir();
}

static void teardown(void) {
	uccn_alloc_fail_after(-1);
	test_rmdir(dir);
	test_check_leaks();
}

TestSuite(failures, .init = setup, .fini = teardown);

static struct uccn_node *make(const char *name) {
	char home[600];
	snprintf(home, sizeof(home), "%s/%s", dir, name);
	struct uccn_node_init_options o = {.name = name, .country = "AU", .field = "music"};
	struct uccn_node *n = NULL;
	cr_assert_eq(uccn_node_init(home, &o, now, &n), UCCN_OK);
	return n;
}

/* A node holding n best practices of its own besides its city record. */
static struct uccn_node *make_with_practices(const char *name, int n) {
	struct uccn_node *node = make(name);
	for (int i = 0; i < n; i++) {
		struct uccn_field f = test_str("title", "Music in schools");
		cr_assert_eq(uccn_node_put(node, "best_practice", NULL, &f, 1, now, NULL), UCCN_OK);
	}
	return node;
}

static int count(void *userdata, const struct uccn_record *r) {
	(*(int *)userdata)++;
	return 0;
}

static int records(struct uccn_node *n) {
	int c = 0;
	cr_assert_eq(uccn_node_list(n, NULL, true, count, &c), UCCN_OK);
	return c;
}

static int practices(struct uccn_node *n) {
	int c = 0;
	cr_assert_eq(uccn_node_list(n, "best_practice", false, count, &c), UCCN_OK);
	return c;
}

static bool clean(int err) {
	return err == UCCN_OK || err == UCCN_ENOMEM || err == UCCN_EIO || err == UCCN_ECORRUPT;
}

static void fail_sqlite_after(long n) {
	budget = n;
}

/* Imports file (30 changes and a city record) into a fresh node while fail_after(n) holds, and
 * returns the import's code. Whatever happened, the store reopens, verifies, and holds all or
 * what it held. */
static int import_once(const struct uccn_bytes *file, void (*fail_after)(long), long n) {
	struct uccn_node *to = make("hobart");
	int before = records(to);
	fail_after(n);
	int err = test_import(to, file, SIZE_MAX, NULL);
	fail_after(-1);
	char home[600];
	snprintf(home, sizeof(home), "%s/hobart", dir);
	uccn_node_close(to);
	cr_assert_eq(uccn_node_open(home, &to), UCCN_OK, "allocation %ld", n);
	cr_assert_eq(uccn_node_verify(to, NULL, NULL, NULL), 0, "allocation %ld", n);
	int after = records(to);
	cr_assert(after == before || after == before + 31, "allocation %ld: %d records", n, after);
	cr_assert(err != UCCN_OK || after == before + 31, "allocation %ld", n);
	uccn_node_close(to);
	test_rmdir(strdup(home));
	return err;
}

Test(failures, an_import_whose_storage_runs_out_of_memory_fails_cleanly_at_every_step) {
	struct uccn_node *from = make_with_practices("adelaide", 30);
	struct uccn_bytes file = {0};
	test_export(from, &file);
	uccn_node_close(from);
	int ok_at = -1, failed = 0;
	for (long n = 0; n < 20000 && ok_at < 0; n += n < 200 ? 1 : 37) {
		int err = import_once(&file, fail_sqlite_after, n);
		cr_assert(clean(err), "allocation %ld: %s", n, uccn_err_name(err));
		failed += err != UCCN_OK;
		ok_at = err == UCCN_OK ? (int)n : ok_at;
	}
	cr_assert_geq(ok_at, 0, "the import never succeeded");
	cr_assert_gt(failed, 10, "failures were injected (%d) before the import succeeded", failed);
	uccn_bytes_finish(&file);
}

Test(failures, a_local_edit_whose_storage_runs_out_of_memory_fails_cleanly) {
	struct uccn_node *n = make("adelaide");
	int before = records(n);
	bool succeeded = false;
	int failed = 0;
	for (long k = 0; k < 5000 && !succeeded; k++) {
		struct uccn_field f = test_str("title", "Music in schools");
		budget = k;
		int err = uccn_node_put(n, "best_practice", NULL, &f, 1, now, NULL);
		budget = -1;
		cr_assert(clean(err), "allocation %ld: %s", k, uccn_err_name(err));
		succeeded = err == UCCN_OK;
		failed += !succeeded;
		cr_assert_eq(records(n), before + (succeeded ? 1 : 0), "allocation %ld", k);
	}
	cr_assert(succeeded);
	cr_assert_gt(failed, 0, "failures were injected before the edit succeeded");
	cr_assert_eq(uccn_node_verify(n, NULL, NULL, NULL), 0);
	uccn_node_close(n);
}

/* --- The library's own allocations (node/alloc.h) ------------------------------------------ */

/* The next N for a walk: every one at first, then sparser, so a long operation is covered end
 * to end in a bounded number of runs. */
static long next_n(long n) {
	return n < 300 ? n + 1 : n + n / 16;
}

Test(failures, opening_a_node_and_editing_whose_own_allocations_fail_fail_cleanly_at_every_step) {
	struct uccn_node *n = make("adelaide");
	int before = records(n);
	uccn_node_close(n);
	char home[600];
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	bool succeeded = false;
	int failed = 0;
	for (long k = 0; k < 100000 && !succeeded; k = next_n(k)) {
		struct uccn_field f = test_str("title", "Music in schools");
		n = NULL;
		uccn_alloc_fail_after(k);
		int err = uccn_node_open(home, &n);
		if (err == UCCN_OK) {
			err = uccn_node_put(n, "best_practice", NULL, &f, 1, now, NULL);
			uccn_node_close(n);
		}
		uccn_alloc_fail_after(-1);
		cr_assert(err == UCCN_OK || err == UCCN_ENOMEM, "allocation %ld: %s", k,
			uccn_err_name(err));
		succeeded = err == UCCN_OK;
		failed += !succeeded;
		cr_assert_eq(uccn_node_open(home, &n), UCCN_OK, "allocation %ld", k);
		cr_assert_eq(records(n), before + (succeeded ? 1 : 0), "allocation %ld", k);
		uccn_node_close(n);
	}
	cr_assert(succeeded);
	cr_assert_gt(failed, 0, "failures were injected before the edit succeeded");
	cr_assert_eq(uccn_node_open(home, &n), UCCN_OK);
	cr_assert_eq(uccn_node_verify(n, NULL, NULL, NULL), 0);
	uccn_node_close(n);
}

static int append(void *userdata, const uint8_t *buf, size_t len) {
	return uccn_bytes_append(userdata, buf, len);
}

Test(failures, an_export_and_an_import_whose_own_allocations_fail_fail_cleanly_at_every_step) {
	struct uccn_node *from = make_with_practices("adelaide", 30);
	struct uccn_bytes want = {0};
	test_export(from, &want);
	struct uccn_bytes file = {0};
	int failed = 0;
	for (long n = 0;; n = next_n(n)) {
		cr_assert_lt(n, 100000, "the export never succeeded");
		uccn_bytes_finish(&file);
		uint64_t count = 0;
		uccn_alloc_fail_after(n);
		int err = uccn_node_export(from, append, &file, &count);
		uccn_alloc_fail_after(-1);
		cr_assert(err == UCCN_OK || err == UCCN_ENOMEM, "allocation %ld: %s", n,
			uccn_err_name(err));
		if (err == UCCN_OK) {
			break;
		}
		failed++;
	}
	cr_assert_gt(failed, 0, "failures were injected before the export succeeded");
	cr_assert_eq(file.len, want.len, "a failed export left nothing behind in the next");
	cr_assert_eq(memcmp(file.data, want.data, want.len), 0);
	uccn_node_close(from);
	int ok_at = -1;
	failed = 0;
	for (long n = 0; ok_at < 0; n = next_n(n)) {
		cr_assert_lt(n, 100000, "the import never succeeded");
		int err = import_once(&file, uccn_alloc_fail_after, n);
		cr_assert(err == UCCN_OK || err == UCCN_ENOMEM, "allocation %ld: %s", n,
			uccn_err_name(err));
		failed += err != UCCN_OK;
		ok_at = err == UCCN_OK ? (int)n : ok_at;
	}
	cr_assert_gt(failed, 10, "failures were injected (%d) before the import succeeded", failed);
	uccn_bytes_finish(&file);
	uccn_bytes_finish(&want);
}

/* A sync on the simulated network: the Secretariat's hub, holding a city's changes, and a new
 * city dialling it. */
struct peer {
	char name[24];
	struct uccn_node *node;
	struct uccn_net *net;
};

static struct uccn_sim_net *sim;
static uint64_t clock_ms;

static uint64_t virtual_clock(void *arg) {
	(void)arg;
	return clock_ms;
}

static int sim_factory(
	void *arg, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	struct peer *p = arg;
	return uccn_sim_transport_create(sim, p->name, ev, out);
}

static void start(struct peer *p, uint64_t seed) {
	struct uccn_net_config cfg = {
		.opts.node = p->node,
		.make_transport = sim_factory,
		.transport_arg = p,
		.clock = virtual_clock,
		.opts.seed = seed,
		.opts.verify_threads = 1, /* on the loop's thread: each run replays exactly */
	};
	cr_assert_eq(uccn_net_create_config(&cfg, &p->net), UCCN_OK);
	cr_assert_eq(uccn_net_listen(p->net, NULL, 0, NULL), UCCN_OK);
}

/* One turn of both loops at the current time; a turn may fail only for want of memory. */
static void turn(struct peer *a, struct peer *b) {
	uccn_sim_net_step(sim, clock_ms);
	struct peer *both[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		int err = uccn_net_run(both[i]->net, 0);
		cr_assert(err == UCCN_OK || err == UCCN_ENOMEM, "%s", uccn_err_name(err));
	}
}

/* Advances virtual time by ms, running both loops at each moment something is due. */
static void run_for(struct peer *a, struct peer *b, uint64_t ms) {
	uint64_t until = clock_ms + ms;
	for (int guard = 0;; guard++) {
		cr_assert_lt(guard, 1000000, "the loops never settle");
		uint64_t due = uccn_sim_net_next_due(sim);
		uint64_t da = uccn_net_next_deadline(a->net), db = uccn_net_next_deadline(b->net);
		due = da < due ? da : due;
		due = db < due ? db : due;
		if (due > until) {
			break;
		}
		clock_ms = due > clock_ms ? due : clock_ms;
		turn(a, b);
	}
	clock_ms = until;
	turn(a, b);
}

Test(failures, a_sync_whose_own_allocations_fail_fails_cleanly_and_then_completes) {
	char home[600];
	struct uccn_node_init_options o = {.name = "UNESCO Secretariat", .secretariat = true};
	struct peer hub = {.name = "hub"};
	snprintf(home, sizeof(home), "%s/hub", dir);
	cr_assert_eq(uccn_node_init(home, &o, now, &hub.node), UCCN_OK);
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(hub.node, network);
	for (int i = 0; i < 10; i++) {
		struct uccn_field f = test_str("title", "Music in schools");
		cr_assert_eq(
			uccn_node_put(hub.node, "best_practice", NULL, &f, 1, now, NULL), UCCN_OK);
	}
	int failed = 0;
	bool whole = false;
	long whole_at = -1;
	/* Sparser than the other walks: each run makes a node and a session. */
	for (long n = 0; !whole; n += n < 40 ? 1 : n / 6) {
		cr_assert_lt(n, 1000000, "the sync never ran without a failure");
		struct uccn_sim_net_config sc = {.seed = 7, .delay_min_ms = 1, .delay_max_ms = 5};
		cr_assert_eq(uccn_sim_net_create(&sc, &sim), UCCN_OK);
		clock_ms = 1000;
		struct peer city = {.name = "city"};
		snprintf(home, sizeof(home), "%s/city%ld", dir, n);
		struct uccn_node_init_options co = {
			.name = "Lyon", .country = "FR", .field = "film", .network = network};
		cr_assert_eq(uccn_node_init(home, &co, now, &city.node), UCCN_OK);
		uint8_t key[UCCN_KEY_BYTES];
		uccn_node_public_key(city.node, key);
		char name[32];
		snprintf(name, sizeof(name), "City %ld", n);
		cr_assert_eq(uccn_node_designate(hub.node, key, name, "FR", "film", 2015, now),
			UCCN_OK, "%s", uccn_node_errmsg(hub.node));
		start(&hub, 1);
		start(&city, 2);
		struct uccn_net_peer p = {.url = "sim://hub"};
		cr_assert_eq(uccn_net_dial(city.net, &p, NULL), UCCN_OK);
		uccn_alloc_fail_after(n);
		run_for(&hub, &city, 2000);
		/* Whether the budget ran out before the sync was done. */
		uccn_alloc_fail_after(0);
		uccn_alloc_fail_after(-1);
		whole = practices(city.node) == 10;
		whole_at = whole ? n : whole_at;
		failed += !whole;
		/* Memory back: the loops recover (a session that failed is dialled again) and the
		 * city ends with all the hub holds, each store whole. */
		run_for(&hub, &city, 60000);
		cr_assert_eq(practices(city.node), 10, "allocation %ld", n);
		uccn_net_destroy(city.net);
		uccn_net_destroy(hub.net);
		hub.net = NULL;
		cr_assert_eq(uccn_node_verify(city.node, NULL, NULL, NULL), 0, "allocation %ld", n);
		cr_assert_eq(uccn_node_verify(hub.node, NULL, NULL, NULL), 0, "allocation %ld", n);
		uccn_node_close(city.node);
		uccn_sim_net_destroy(sim);
		sim = NULL;
	}
	cr_assert_gt(failed, 10, "failures were injected (%d) before a sync ran whole", failed);
	cr_log_info("a sync ran whole with %ld allocations allowed, after %d runs that failed",
		whole_at, failed);
	uccn_node_close(hub.node);
}

/* --- A session's own allocations, engine to engine (node/sync.h) ------------------------------
 * The walk above is sparse over a whole node's sync; this one fails every allocation in turn
 * through the engines' part alone: the reconciliation of feed heads (§11.8) and compressed
 * batches both ways (§11.9). */

static const uint8_t no_network[UCCN_KEY_BYTES] = {0};

/* A store in memory and its change log: one side of a session. */
struct side {
	struct uccn_store *st;
	struct uccn_changelog *log;
};

static void side_open(struct side *s, const struct uccn_bytes *changes, size_t n) {
	cr_assert_eq(uccn_store_open(":memory:", true, &s->st), UCCN_OK);
	cr_assert_eq(uccn_changelog_create(s->st, no_network, &s->log), UCCN_OK);
	for (size_t i = 0; i < n; i++) {
		struct uccn_apply_result res;
		cr_assert_eq(uccn_store_begin(s->st), UCCN_OK);
		cr_assert_eq(uccn_changelog_apply(
				     s->log, changes[i].data, changes[i].len, 1, &res, NULL, NULL),
			UCCN_OK);
		cr_assert_eq(uccn_store_commit(s->st), UCCN_OK);
		cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	}
}

static void side_close(struct side *s) {
	uccn_changelog_destroy(s->log);
	uccn_store_close(s->st);
}

static uint64_t side_changes(struct side *s) {
	uint64_t n = 0;
	cr_assert_eq(uccn_store_count_changes(s->st, &n), UCCN_OK);
	return n;
}

static int side_engine(struct side *s, bool initiator, struct uccn_sync **out) {
	struct uccn_sync_config cfg = {
		.st = s->st, .log = s->log, .peer_secretariat = true, .initiator = initiator};
	*out = NULL;
	return uccn_sync_create(&cfg, out);
}

/* What the walk saw fail: which messages were being taken when memory ran out. */
struct seen {
	bool recon, zchanges;
};

/* One session between x (it opens) and y until both are idle. UCCN_OK, or UCCN_ENOMEM from the
 * first call that ran out of memory (the session then ends there, as the node ends it). */
static int session(struct side *x, struct side *y, struct seen *seen) {
	struct uccn_sync *a = NULL, *b = NULL;
	int err = side_engine(x, true, &a);
	if (err == UCCN_OK) {
		err = side_engine(y, false, &b);
	}
	struct uccn_bytes p = {0};
	for (int guard = 0; err == UCCN_OK; guard++) {
		cr_assert_lt(guard, 100000, "the session never settles");
		bool any = false;
		for (int i = 0; i < 2 && err == UCCN_OK; i++) {
			struct uccn_sync *from = i ? b : a, *to = i ? a : b;
			if (uccn_sync_pop_payload(from, &p)) {
				err = uccn_sync_on_payload(to, p.data, p.len, 1);
				if (err == UCCN_ENOMEM && p.len > 1) {
					seen->recon |= p.data[1] == UCCN_SYNC_RECON;
					seen->zchanges |= p.data[1] == UCCN_SYNC_ZCHANGES;
				}
				any = true;
			}
		}
		if (err == UCCN_OK && !any) {
			if ((err = uccn_sync_flush(a, 1)) == UCCN_OK) {
				err = uccn_sync_flush(b, 1);
			}
			if (err == UCCN_OK && uccn_sync_is_idle(a) && uccn_sync_is_idle(b)) {
				break;
			}
		}
	}
	cr_assert(err == UCCN_OK || err == UCCN_ENOMEM, "%s", uccn_err_name(err));
	uccn_bytes_finish(&p);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	return err;
}

Test(failures, a_reconciliation_and_compressed_batches_whose_own_allocations_fail_fail_cleanly) {
	/* 40 authors' feeds: x holds 36 of them, y the first 30 and 4 that x lacks, so the heads
	 * differ in places among many and batches go both ways. */
	enum { AUTHORS = 40 };
	struct uccn_bytes changes[AUTHORS] = {0};
	for (int i = 0; i < AUTHORS; i++) {
		struct test_author who;
		test_author_init(&who, (uint8_t)(i + 1));
		struct uccn_field f =
			test_str("title", "Music in schools, shared across the network");
		test_sign(&who, no_network, 0, "best_practice", NULL, "r1", UCCN_OP_PUT, &f, 1,
			&changes[i]);
		test_author_finish(&who);
	}
	struct uccn_bytes ys[34];
	memcpy(ys, changes, 30 * sizeof(*ys));
	memcpy(ys + 30, changes + 36, 4 * sizeof(*ys));
	struct seen seen = {0};
	int failed = 0;
	for (long n = 0;; n++) {
		cr_assert_lt(n, 100000, "the session never ran whole");
		struct side x, y;
		side_open(&x, changes, 36);
		side_open(&y, ys, 34);
		uccn_alloc_fail_after(n);
		int err = session(&x, &y, &seen);
		uccn_alloc_fail_after(-1);
		uint64_t held = side_changes(&y);
		cr_assert(held >= 34 && held <= AUTHORS, "allocation %ld: %llu", n,
			(unsigned long long)held);
		if (err == UCCN_OK) {
			cr_assert_eq(held, AUTHORS, "allocation %ld", n);
		} else {
			failed++;
			/* Memory back: the next session completes. */
			cr_assert_eq(session(&x, &y, &seen), UCCN_OK, "allocation %ld", n);
		}
		cr_assert_eq(side_changes(&x), AUTHORS, "allocation %ld", n);
		cr_assert_eq(side_changes(&y), AUTHORS, "allocation %ld", n);
		side_close(&x);
		side_close(&y);
		if (err == UCCN_OK) {
			break;
		}
	}
	cr_assert_gt(failed, 10, "failures were injected (%d) before a session ran whole", failed);
	cr_assert(seen.recon, "some ran out while taking a reconciliation");
	cr_assert(seen.zchanges, "some ran out while taking a compressed batch");
	cr_log_info("a session ran whole after %d runs that failed", failed);
	for (int i = 0; i < AUTHORS; i++) {
		uccn_bytes_finish(&changes[i]);
	}
}

/* Moves payloads between a and b until neither has one, without flushing: what b gathers with
 * a pool stays gathered. */
static void exchange(struct uccn_sync *a, struct uccn_sync *b) {
	struct uccn_bytes p = {0};
	for (bool any = true; any;) {
		any = false;
		if (uccn_sync_pop_payload(a, &p)) {
			cr_assert_eq(uccn_sync_on_payload(b, p.data, p.len, 1), UCCN_OK);
			any = true;
		}
		if (uccn_sync_pop_payload(b, &p)) {
			cr_assert_eq(uccn_sync_on_payload(a, p.data, p.len, 1), UCCN_OK);
			any = true;
		}
	}
	uccn_bytes_finish(&p);
}

/* The acknowledgements s has to send. */
static int acks_queued(struct uccn_sync *s) {
	struct uccn_bytes p = {0};
	int n = 0;
	while (uccn_sync_pop_payload(s, &p)) {
		n += p.len > 1 && p.data[1] == UCCN_SYNC_ACK;
	}
	uccn_bytes_finish(&p);
	return n;
}

/* With a pool, a receiver gathers a peer's batches and stores them in one transaction (§11.2
 * rule 4): when storing fails, not one of them is acknowledged, so the peer sends them all
 * again. SQLite's allocations fail from the first on, then one later each time, until the
 * gathering is stored; then every batch of it is acknowledged. */
Test(failures, gathered_batches_whose_storing_fails_are_none_of_them_acknowledged) {
	enum { N = 10, PER = 2 };
	struct uccn_bytes changes[N] = {0};
	struct test_author who;
	test_author_init(&who, 0x61);
	test_sign_practices(&who, no_network, "r", changes, N);
	test_author_finish(&who);
	struct uccn_verifier *pool;
	cr_assert_eq(uccn_verifier_create(2, &pool), UCCN_OK);
	int failed = 0;
	for (long n = 0;; n++) {
		cr_assert_lt(n, 100000, "the gathering was never stored");
		struct side x, y;
		side_open(&x, changes, N);
		side_open(&y, NULL, 0);
		struct uccn_sync_config ca = {.st = x.st,
			.log = x.log,
			.peer_secretariat = true,
			.initiator = true,
			.batch_changes = PER};
		struct uccn_sync_config cb = {
			.st = y.st, .log = y.log, .peer_secretariat = true, .verifier = pool};
		struct uccn_sync *a, *b;
		cr_assert_eq(uccn_sync_create(&ca, &a), UCCN_OK);
		cr_assert_eq(uccn_sync_create(&cb, &b), UCCN_OK);
		cr_assert_eq(uccn_sync_open(a), UCCN_OK);
		exchange(a, b);
		cr_assert_eq(side_changes(&y), 0, "gathered, not yet stored");
		fail_sqlite_after(n);
		int err = uccn_sync_flush(b, 1);
		fail_sqlite_after(-1);
		int acks = acks_queued(b);
		/* The flush may fail after the commit too (sending on reads the store): what was
		 * stored decides what may be acknowledged. */
		uint64_t held = side_changes(&y);
		cr_assert(clean(err), "allocation %ld: %s", n, uccn_err_name(err));
		cr_assert(held == 0 || held == N, "allocation %ld: %llu of %d stored", n,
			(unsigned long long)held, N);
		cr_assert_eq(acks, held == N ? N / PER : 0,
			"allocation %ld: %d batches acknowledged, %llu changes stored", n, acks,
			(unsigned long long)held);
		failed += held == 0;
		uccn_sync_destroy(a);
		uccn_sync_destroy(b);
		side_close(&x);
		side_close(&y);
		if (err == UCCN_OK) {
			break;
		}
	}
	cr_assert_gt(failed, 0, "storing never failed: the walk tested nothing");
	cr_log_info("the gathering was stored after %d runs that failed", failed);
	uccn_verifier_destroy(pool);
	for (int i = 0; i < N; i++) {
		uccn_bytes_finish(&changes[i]);
	}
}
