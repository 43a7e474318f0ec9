/* test_failures.c - what a node does when storage fails under it: SQLite's Nth allocation
 * fails (the way libuv's test-loop-oom fails the Nth of its own), for every N through an import
 * and a local edit. Each run must end in a clean error code or success, never a crash or a leak,
 * and the store must then reopen, verify and hold either everything or what it held before. */
#include <uccn/node.h>

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int count(void *userdata, const struct uccn_record *r) {
	(*(int *)userdata)++;
	return 0;
}

static int records(struct uccn_node *n) {
	int c = 0;
	cr_assert_eq(uccn_node_list(n, NULL, true, count, &c), UCCN_OK);
	return c;
}

static bool clean(int err) {
	return err == UCCN_OK || err == UCCN_ENOMEM || err == UCCN_EIO || err == UCCN_ECORRUPT;
}

Test(failures, an_import_whose_storage_runs_out_of_memory_fails_cleanly_at_every_step) {
	struct uccn_node *from = make("adelaide");
	for (int i = 0; i < 30; i++) {
		struct uccn_field f = test_str("title", "Music in schools");
		cr_assert_eq(uccn_node_put(from, "best_practice", NULL, &f, 1, now, NULL), UCCN_OK);
	}
	struct uccn_bytes file = {0};
	test_export(from, &file);
	uccn_node_close(from);
	int ok_at = -1, failed = 0;
	for (long n = 0; n < 20000 && ok_at < 0; n += n < 200 ? 1 : 37) {
		struct uccn_node *to = make("hobart");
		int before = records(to);
		budget = n;
		int err = test_import(to, &file, SIZE_MAX, NULL);
		budget = -1;
		cr_assert(clean(err), "allocation %ld: %s", n, uccn_err_name(err));
		failed += err != UCCN_OK;
		/* Whatever happened, the store reopens, verifies, and holds all or what it held. */
		char home[600];
		snprintf(home, sizeof(home), "%s/hobart", dir);
		uccn_node_close(to);
		cr_assert_eq(uccn_node_open(home, &to), UCCN_OK, "allocation %ld", n);
		cr_assert_eq(uccn_node_verify(to, NULL, NULL, NULL), 0, "allocation %ld", n);
		int after = records(to);
		cr_assert(after == before || after == before + 31, "allocation %ld: %d records", n,
			after);
		if (err == UCCN_OK) {
			cr_assert_eq(after, before + 31);
			ok_at = (int)n;
		}
		uccn_node_close(to);
		test_rmdir(strdup(home));
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
