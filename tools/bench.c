/* bench.c - uccn-bench: how fast a node signs and applies changes, against the one cost that
 * cannot be avoided (an Ed25519 verification per change). Prints figures; asserts nothing.
 *
 *   uccn-bench [--changes N] [--authors N] [--dir DIR]
 *
 * It measures, in one run and on one core: changes signed per second (encode + sign), changes
 * applied per second (decode, verify, chain check, merge, store, in transactions of 2048 on a
 * real file), bare Ed25519 verifications per second on the same changes, the apply/verify ratio,
 * the time of the same path without its verification (what a sync's main thread spends on a
 * change while the pool verifies), and the bytes stored per change beyond its fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uccn/log.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/ingest.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/codec.h"
#include "tools/bench_util.h"

#define BATCH 2048

static off_t file_size(const char *path) {
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : 0;
}

#define PATH_BYTES 4400

/* A fresh store DIR/NAME (path and wal: its files, any left from before removed), with its
 * changelog. */
static void open_store(const char *dir, const char *name, char path[PATH_BYTES],
	char wal[PATH_BYTES], struct uccn_store **st, struct uccn_changelog **log) {
	static const uint8_t network[UCCN_KEY_BYTES] = {0};
	snprintf(path, PATH_BYTES, "%s/%s", dir, name);
	snprintf(wal, PATH_BYTES, "%s-wal", path);
	unlink(path);
	unlink(wal);
	int err;
	if ((err = uccn_store_open(path, true, st)) < 0 ||
		(err = uccn_changelog_create(*st, network, log)) < 0) {
		bench_die("store", err);
	}
}

/* Applies changes [from, to) in transactions of BATCH, each signature verified here (sig
 * UCCN_SIG_UNCHECKED) or taken as checked (UCCN_OK); counts those applied, returns the seconds. */
static double apply_slice(struct uccn_store *st, struct uccn_changelog *log,
	const struct uccn_bytes *changes, long from, long to, int sig, long *applied) {
	double t0 = bench_seconds();
	int err;
	for (long i = from; i < to; i += BATCH) {
		if ((err = uccn_store_begin(st)) < 0) {
			bench_die("begin", err);
		}
		for (long j = i; j < to && j < i + BATCH; j++) {
			struct uccn_apply_result res;
			if ((err = uccn_changelog_apply_verified(log, changes[j].data,
				     changes[j].len, sig, 0, &res, NULL, NULL)) < 0) {
				bench_die("apply", err);
			}
			*applied += res.outcome == UCCN_APPLIED;
		}
		if ((err = uccn_store_commit(st)) < 0) {
			bench_die("commit", err);
		}
	}
	return bench_seconds() - t0;
}

static const char *const summaries[] = {
	"A programme that brings local musicians into primary schools every week, with instruments "
	"lent by the city library and a yearly concert in the main square.",
	"Open studios for craft workers in the old market hall, with apprenticeships for young "
	"people and a shared shop window online.",
	"A literary walk through the city with readings by local authors, translated into the "
	"languages spoken in the neighbourhoods it crosses.",
};

static void count_applied(void *userdata, const struct uccn_apply_result *res,
	const struct uccn_change *c, const char *feed) {
	(void)c;
	(void)feed;
	*(long *)userdata += res->outcome == UCCN_APPLIED;
}

int main(int argc, char **argv) {
	long n = 20000, nauthors = 4;
	const char *dir_arg = NULL;
	int status = bench_start(argc, argv, "uccn-bench", &n, &nauthors, &dir_arg);
	if (status >= 0) {
		return status;
	}
	int err;

	/* 1. Sign: encode a body, sign it, wrap it, as a local edit does. */
	struct bench_author *authors = bench_authors(nauthors);
	struct uccn_bytes *changes = calloc((size_t)n, sizeof(*changes));
	static struct uccn_change c;
	if (changes == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	uint64_t field_bytes = 0, change_bytes = 0;
	struct uccn_bytes body = {0};
	uint64_t hlc = (uint64_t)1763700000000 << 16;
	double t0 = bench_seconds();
	for (long i = 0; i < n; i++) {
		field_bytes += bench_sign_practice(&authors[i % nauthors], i / nauthors, ++hlc,
			"Best practice number", " of this city", summaries[i % 3], &body,
			&changes[i]);
		change_bytes += changes[i].len;
	}
	double sign_s = bench_seconds() - t0;

	/* 2. What a verification needs, found once, so the bare loop below is nothing but
	 * Ed25519. */
	struct sig_input {
		const uint8_t *sig, *body;
		size_t body_len;
		uint8_t author[UCCN_KEY_BYTES];
	} *inputs = calloc((size_t)n, sizeof(*inputs));
	if (inputs == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		if (uccn_codec_decode_change(changes[i].data, changes[i].len, &c, NULL, 0) < 0) {
			bench_die("decode", UCCN_EPROTO);
		}
		/* sig and body borrow changes[i], which outlives the loops below. */
		inputs[i].sig = c.sig;
		inputs[i].body = c.body;
		inputs[i].body_len = c.body_len;
		memcpy(inputs[i].author, c.author, UCCN_KEY_BYTES);
	}

	/* 3. Apply into a fresh store on disk, the way an import does. The machine is shared and
	 * its speed drifts, so bare verification and apply run in alternating slices and each
	 * total is the sum of its slices: drift then weighs on both alike. */
	char tmpl[] = "/tmp/uccn-bench-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char path[PATH_BYTES], wal[PATH_BYTES];
	struct uccn_store *st;
	struct uccn_changelog *log;
	open_store(dir, "bench.db", path, wal, &st, &log);
	off_t empty = file_size(path) + file_size(wal);
	/* The same changes again into a second store, their signatures checked on every core
	 * first (node/verifier.h), as an import does. */
	char path2[PATH_BYTES], wal2[PATH_BYTES];
	struct uccn_store *st2;
	struct uccn_changelog *log2;
	struct uccn_verifier *pool;
	open_store(dir, "bench-pool.db", path2, wal2, &st2, &log2);
	if ((err = uccn_verifier_create(0, &pool)) < 0) {
		bench_die("starting the verifiers", err);
	}
	/* And into a third, with each signature taken as checked: the rest of the path alone. */
	char path3[PATH_BYTES], wal3[PATH_BYTES];
	struct uccn_store *st3;
	struct uccn_changelog *log3;
	open_store(dir, "bench-store.db", path3, wal3, &st3, &log3);
	long applied = 0, applied2 = 0, applied3 = 0;
	struct uccn_ingest *ingest;
	struct uccn_ingest_config icfg = {.st = st2,
		.log = log2,
		.verifier = pool,
		.batch_max = BATCH,
		.ops = {.report = count_applied, .userdata = &applied2}};
	if ((err = uccn_ingest_create(&icfg, &ingest)) < 0) {
		bench_die("allocating", err);
	}
	double verify_s = 0, apply_s = 0, pool_s = 0, store_s = 0;
	const long slice = BATCH * 4;
	for (long from = 0; from < n; from += slice) {
		long to = from + slice < n ? from + slice : n;
		t0 = bench_seconds();
		for (long i = from; i < to; i++) {
			if (uccn_crypto_verify(inputs[i].sig, inputs[i].body, inputs[i].body_len,
				    inputs[i].author) < 0) {
				bench_die("bare verify", UCCN_EBADSIG);
			}
		}
		verify_s += bench_seconds() - t0;
		apply_s += apply_slice(st, log, changes, from, to, UCCN_SIG_UNCHECKED, &applied);
		/* Verified in the bare slice above: the same path, told so. */
		store_s += apply_slice(st3, log3, changes, from, to, UCCN_OK, &applied3);
		/* The path of an import (node/ingest.c): batch b + 1 is decoded once and verified
		 * on the pool while batch b is applied. */
		t0 = bench_seconds();
		for (long i = from; i < to; i++) {
			if ((err = uccn_ingest_add(ingest, changes[i].data, changes[i].len)) < 0 ||
				((i - from + 1) % BATCH == 0 &&
					(err = uccn_ingest_push(ingest, 0, 0)) < 0)) {
				bench_die("ingest", err);
			}
		}
		if ((uccn_ingest_count(ingest) > 0 && (err = uccn_ingest_push(ingest, 0, 0)) < 0) ||
			(err = uccn_ingest_flush(ingest, 0)) < 0) {
			bench_die("ingest", err);
		}
		pool_s += bench_seconds() - t0;
	}
	unsigned threads = uccn_verifier_threads(pool);
	uccn_ingest_destroy(ingest);
	uccn_verifier_destroy(pool);
	uccn_changelog_destroy(log2);
	uccn_store_close(st2);
	unlink(path2);
	unlink(wal2);
	uccn_changelog_destroy(log3);
	uccn_store_close(st3);
	unlink(path3);
	unlink(wal3);
	free(inputs);
	uccn_changelog_destroy(log);
	uccn_store_close(st); /* checkpoints the WAL into the file */
	off_t stored = file_size(path) + file_size(wal) - empty;
	if (applied != n || applied2 != n || applied3 != n) {
		fprintf(stderr,
			"uccn-bench: of %ld changes, %ld applied verifying here, %ld on the pool,"
			" %ld taken as checked\n",
			n, applied, applied2, applied3);
		return 1;
	}

	double sign_rate = (double)n / sign_s, verify_rate = (double)n / verify_s;
	double apply_rate = (double)n / apply_s;
	printf("changes:                      %ld from %ld authors, %.0f bytes signed on average\n",
		n, nauthors, (double)change_bytes / (double)n);
	printf("signed per second:            %.0f\n", sign_rate);
	printf("bare Ed25519 verify per sec:  %.0f\n", verify_rate);
	printf("applied per second:           %.0f  (decode, verify, chain, merge, store; %d per "
	       "transaction)\n",
		apply_rate, BATCH);
	printf("ratio apply/verify:           %.2f  (goal: 0.75 or more)\n",
		apply_rate / verify_rate);
	printf("applied, verifying on %u threads: %.0f per second; ratio to one core's bare "
	       "verify: %.2f\n",
		threads, (double)n / pool_s, (double)n / pool_s / verify_rate);
	printf("the same without verifying:   %.1f us per change, %.2f of one bare verification "
	       "(decode, chain, merge, store)\n",
		store_s / (double)n * 1e6, store_s / verify_s);
	printf("bytes stored per change:      %.0f in all, %.0f beyond its %.0f bytes of fields\n",
		(double)stored / (double)n,
		(double)stored / (double)n - (double)field_bytes / (double)n,
		(double)field_bytes / (double)n);
	if (dir_arg == NULL) {
		unlink(path);
		unlink(wal);
		rmdir(dir);
	}
	for (long i = 0; i < n; i++) {
		uccn_bytes_finish(&changes[i]);
	}
	free(changes);
	bench_authors_free(authors, nauthors);
	uccn_bytes_finish(&body);
	return 0;
}
