/* test_verifier.c - the verification pool gives, for any number of threads, exactly the
 * results one thread would, batch after batch, also when the caller works between submit and
 * wait. */
#include "node/verifier.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

#define JOBS 300

static struct test_author author;
static uint8_t msgs[JOBS][48];
static uint8_t sigs[JOBS][UCCN_SIG_BYTES];

static void setup(void) {
	test_author_init(&author, 0x42);
	for (int i = 0; i < JOBS; i++) {
		memset(msgs[i], i, sizeof(msgs[i]));
		uccn_crypto_sign(author.id, msgs[i], sizeof(msgs[i]), sigs[i]);
		if (i % 7 == 3) {
			sigs[i][5] ^= 0x10; /* every seventh signature is broken */
		}
	}
}

static void teardown(void) {
	test_author_finish(&author);
	test_check_leaks();
}

TestSuite(verifier, .init = setup, .fini = teardown);

static void fill(struct uccn_verify_job *jobs, size_t n) {
	for (size_t i = 0; i < n; i++) {
		jobs[i] = (struct uccn_verify_job){.sig = sigs[i],
			.msg = msgs[i],
			.len = sizeof(msgs[i]),
			.key = author.pk,
			.result = 99};
	}
}

static void expect_right(const struct uccn_verify_job *jobs, size_t n) {
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(jobs[i].result, i % 7 == 3 ? UCCN_EBADSIG : UCCN_OK, "job %zu", i);
	}
}

Test(verifier, every_thread_count_gives_the_sequential_results) {
	static struct uccn_verify_job jobs[JOBS];
	for (unsigned threads = 1; threads <= 4; threads++) {
		struct uccn_verifier *v;
		cr_assert_eq(uccn_verifier_create(threads, &v), UCCN_OK);
		cr_assert_eq(uccn_verifier_threads(v), threads);
		for (int round = 0; round < 5; round++) {
			fill(jobs, JOBS);
			uccn_verifier_run(v, jobs, JOBS);
			expect_right(jobs, JOBS);
		}
		uccn_verifier_destroy(v);
	}
}

Test(verifier, work_between_submit_and_wait_does_not_disturb_the_batch) {
	static struct uccn_verify_job a[JOBS], b[JOBS];
	struct uccn_verifier *v;
	cr_assert_eq(uccn_verifier_create(2, &v), UCCN_OK);
	struct uccn_verify_job *submitted = a, *other = b;
	fill(submitted, JOBS);
	uccn_verifier_submit(v, submitted, JOBS);
	for (int round = 0; round < 4; round++) {
		uccn_verifier_wait(v);
		expect_right(submitted, JOBS);
		fill(other, JOBS);
		uccn_verifier_submit(v, other, JOBS);
		fill(submitted, JOBS); /* the caller reuses the finished batch meanwhile */
		struct uccn_verify_job *t = submitted;
		submitted = other;
		other = t;
	}
	uccn_verifier_wait(v);
	expect_right(submitted, JOBS);
	uccn_verifier_destroy(v);
}

Test(verifier, empty_batches_and_an_idle_pool_are_fine) {
	struct uccn_verifier *v;
	cr_assert_eq(uccn_verifier_create(0, &v), UCCN_OK);
	cr_assert_geq(uccn_verifier_threads(v), 1);
	uccn_verifier_run(v, NULL, 0);
	uccn_verifier_destroy(v);
	cr_assert_eq(uccn_verifier_create(3, &v), UCCN_OK);
	uccn_verifier_destroy(v); /* never used */
	uccn_verifier_destroy(NULL);
}
