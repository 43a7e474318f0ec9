/* bench.c - uccn-bench: how fast a node signs and applies changes, against the one cost that
 * cannot be avoided (an Ed25519 verification per change). Prints figures; asserts nothing.
 *
 *   uccn-bench [--changes N] [--authors N] [--dir DIR]
 *
 * It measures, in one run and on one core: changes signed per second (encode + sign), changes
 * applied per second (decode, verify, chain check, merge, store, in transactions of 512 on a
 * real file), bare Ed25519 verifications per second on the same changes, the apply/verify ratio,
 * and the bytes stored per change beyond its fields. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/codec.h"

#define BATCH 2048

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err) {
	fprintf(stderr, "uccn-bench: %s: %s\n", what, uccn_strerror(err));
	exit(1);
}

static off_t file_size(const char *path) {
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : 0;
}

static void on_log(void *userdata, enum uccn_log_level level, const char *msg) {
	fprintf(stderr, "uccn-bench: %s\n", msg);
}

struct author {
	struct uccn_identity *id;
	uint8_t pk[UCCN_KEY_BYTES];
	uint64_t seq;
	uint8_t head[UCCN_HASH_BYTES];
};

static const char *const summaries[] = {
	"A programme that brings local musicians into primary schools every week, with instruments "
	"lent by the city library and a yearly concert in the main square.",
	"Open studios for craft workers in the old market hall, with apprenticeships for young "
	"people and a shared shop window online.",
	"A literary walk through the city with readings by local authors, translated into the "
	"languages spoken in the neighbourhoods it crosses.",
};

int main(int argc, char **argv) {
	long n = 20000, nauthors = 4;
	const char *dir_arg = NULL;
	static const struct option opts[] = {{"changes", required_argument, NULL, 'n'},
		{"authors", required_argument, NULL, 'a'}, {"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:a:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'a':
			nauthors = strtol(optarg, NULL, 10);
			break;
		case 'd':
			dir_arg = optarg;
			break;
		default:
			printf("usage: uccn-bench [--changes N] [--authors N] [--dir DIR]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 1 || nauthors < 1 || nauthors > 1000) {
		fprintf(stderr, "uccn-bench: --changes and --authors must be positive\n");
		return 2;
	}
	uccn_log_set_handler(UCCN_LOG_ERROR, on_log, NULL);
	int err;
	if ((err = uccn_crypto_init()) < 0) {
		die("init", err);
	}

	/* 1. Sign: encode a body, sign it, wrap it, as a local edit does. */
	struct author *authors = calloc((size_t)nauthors, sizeof(*authors));
	struct uccn_bytes *changes = calloc((size_t)n, sizeof(*changes));
	static struct uccn_change c;
	if (authors == NULL || changes == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < nauthors; i++) {
		if ((err = uccn_crypto_identity_generate(&authors[i].id)) < 0) {
			die("key", err);
		}
		uccn_crypto_identity_public_key(authors[i].id, authors[i].pk);
	}
	struct uccn_value fields_items[2] = {{.type = UCCN_VALUE_STR, .str = "music", .str_len = 5},
		{.type = UCCN_VALUE_STR, .str = "literature", .str_len = 10}};
	struct uccn_value sdg_items[2] = {
		{.type = UCCN_VALUE_INT, .i = 4}, {.type = UCCN_VALUE_INT, .i = 11}};
	char title[64], id[40];
	uint64_t field_bytes = 0, change_bytes = 0;
	struct uccn_bytes body = {0};
	uint64_t hlc = (uint64_t)1763700000000 << 16;
	double t0 = seconds();
	for (long i = 0; i < n; i++) {
		struct author *a = &authors[i % nauthors];
		long k = i / nauthors;
		memset(&c, 0, sizeof(c));
		memcpy(c.author, a->pk, UCCN_KEY_BYTES);
		memcpy(c.owner, a->pk, UCCN_KEY_BYTES);
		c.seq = a->seq + 1;
		c.has_prev = a->seq > 0;
		memcpy(c.prev, a->head, UCCN_HASH_BYTES);
		c.hlc = ++hlc;
		snprintf(c.kind, sizeof(c.kind), "best_practice");
		/* Two changes in three make a new record, the third edits an earlier one. */
		snprintf(id, sizeof(id), "bp-%08lx", k % 3 == 2 ? k - 1 : k);
		snprintf(c.id, sizeof(c.id), "%s", id);
		snprintf(title, sizeof(title), "Best practice number %ld of this city", k);
		const char *summary = summaries[i % 3];
		struct uccn_field f[5] = {
			{.name = "title",
				.name_len = 5,
				.value = {.type = UCCN_VALUE_STR,
					.str = title,
					.str_len = strlen(title)}},
			{.name = "summary",
				.name_len = 7,
				.value = {.type = UCCN_VALUE_STR,
					.str = summary,
					.str_len = strlen(summary)}},
			{.name = "fields",
				.name_len = 6,
				.value = {.type = UCCN_VALUE_LIST,
					.items = fields_items,
					.count = 2}},
			{.name = "sdgs",
				.name_len = 4,
				.value = {.type = UCCN_VALUE_LIST, .items = sdg_items, .count = 2}},
			{.name = "year",
				.name_len = 4,
				.value = {.type = UCCN_VALUE_INT, .i = 2024}},
		};
		c.nfields = 5;
		memcpy(c.fields, f, sizeof(f));
		field_bytes += 5 + strlen(title) + 7 + strlen(summary) + 6 + 15 + 4 + 2 + 4 + 2;
		uint8_t sig[UCCN_SIG_BYTES];
		body.len = 0;
		if ((err = uccn_codec_encode_body(&c, &body)) < 0) {
			die("encode", err);
		}
		uccn_crypto_sign(a->id, body.data, body.len, sig);
		if ((err = uccn_codec_encode_signed(body.data, body.len, sig, &changes[i])) < 0) {
			die("encode", err);
		}
		uccn_crypto_hash(changes[i].data, changes[i].len, a->head);
		a->seq++;
		change_bytes += changes[i].len;
	}
	double sign_s = seconds() - t0;

	/* 2. What a verification needs, found once, so the bare loop below is nothing but
	 * Ed25519. */
	struct sig_input {
		const uint8_t *sig, *body;
		size_t body_len;
		uint8_t author[UCCN_KEY_BYTES];
	} *inputs = calloc((size_t)n, sizeof(*inputs));
	if (inputs == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		if (uccn_codec_decode_change(changes[i].data, changes[i].len, &c, NULL, 0) < 0) {
			die("decode", UCCN_EPROTO);
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
	char path[4096], wal[4200];
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(path);
	unlink(wal);
	struct uccn_store *st;
	struct uccn_changelog *log;
	uint8_t network[UCCN_KEY_BYTES] = {0};
	if ((err = uccn_store_open(path, true, &st)) < 0 ||
		(err = uccn_changelog_create(st, network, &log)) < 0) {
		die("store", err);
	}
	off_t empty = file_size(path) + file_size(wal);
	/* The same changes again into a second store, their signatures checked on every core
	 * first (node/verifier.h), as an import does. */
	char path2[4200], wal2[4300];
	snprintf(path2, sizeof(path2), "%s/bench-pool.db", dir);
	snprintf(wal2, sizeof(wal2), "%s-wal", path2);
	unlink(path2);
	unlink(wal2);
	struct uccn_store *st2;
	struct uccn_changelog *log2;
	struct uccn_verifier *pool;
	if ((err = uccn_store_open(path2, true, &st2)) < 0 ||
		(err = uccn_changelog_create(st2, network, &log2)) < 0 ||
		(err = uccn_verifier_create(0, &pool)) < 0) {
		die("store", err);
	}
	struct uccn_verify_job *jobs = calloc(2 * BATCH, sizeof(*jobs));
	if (jobs == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	double verify_s = 0, apply_s = 0, pool_s = 0;
	long applied = 0, applied2 = 0;
	const long slice = BATCH * 4;
	for (long from = 0; from < n; from += slice) {
		long to = from + slice < n ? from + slice : n;
		t0 = seconds();
		for (long i = from; i < to; i++) {
			if (uccn_crypto_verify(inputs[i].sig, inputs[i].body, inputs[i].body_len,
				    inputs[i].author) < 0) {
				die("bare verify", UCCN_EBADSIG);
			}
		}
		verify_s += seconds() - t0;
		t0 = seconds();
		for (long i = from; i < to; i += BATCH) {
			if ((err = uccn_store_begin(st)) < 0) {
				die("begin", err);
			}
			for (long j = i; j < to && j < i + BATCH; j++) {
				struct uccn_apply_result res;
				if ((err = uccn_changelog_apply(log, changes[j].data,
					     changes[j].len, 0, &res, NULL, NULL)) < 0) {
					die("apply", err);
				}
				applied += res.outcome == UCCN_APPLIED;
			}
			if ((err = uccn_store_commit(st)) < 0) {
				die("commit", err);
			}
		}
		apply_s += seconds() - t0;
		/* Verify batch b + 1 on the pool while batch b is applied: the caller's thread
		 * finishes b + 1's verification after applying b. */
		t0 = seconds();
		long nb = (to - from + BATCH - 1) / BATCH;
		for (long b = 0; b <= nb; b++) {
			long i = from + b * BATCH;
			long m = b < nb ? (to - i < BATCH ? to - i : BATCH) : 0;
			struct uccn_verify_job *cur = jobs + (b % 2) * BATCH;
			if (b > 0) {
				uccn_verifier_wait(pool); /* batch b - 1 is verified */
			}
			for (long j = 0; j < m; j++) {
				/* What an import decodes to find each signature, timed with the
				 * rest. */
				if (uccn_codec_decode_change(changes[i + j].data,
					    changes[i + j].len, &c, NULL, 0) < 0) {
					die("decode", UCCN_EPROTO);
				}
				cur[j] = (struct uccn_verify_job){.sig = c.sig,
					.msg = c.body,
					.len = c.body_len,
					.key = inputs[i + j].author};
			}
			if (m > 0) {
				uccn_verifier_submit(pool, cur, (size_t)m);
			}
			if (b == 0) {
				continue;
			}
			long pi = from + (b - 1) * BATCH;
			long pm = to - pi < BATCH ? to - pi : BATCH;
			const struct uccn_verify_job *prev = jobs + ((b - 1) % 2) * BATCH;
			if ((err = uccn_store_begin(st2)) < 0) {
				die("begin", err);
			}
			for (long j = 0; j < pm; j++) {
				struct uccn_apply_result res;
				if ((err = uccn_changelog_apply_verified(log2, changes[pi + j].data,
					     changes[pi + j].len, prev[j].result, 0, &res, NULL,
					     NULL)) < 0) {
					die("apply", err);
				}
				applied2 += res.outcome == UCCN_APPLIED;
			}
			if ((err = uccn_store_commit(st2)) < 0) {
				die("commit", err);
			}
		}
		pool_s += seconds() - t0;
	}
	unsigned threads = uccn_verifier_threads(pool);
	free(jobs);
	uccn_verifier_destroy(pool);
	uccn_changelog_destroy(log2);
	uccn_store_close(st2);
	unlink(path2);
	unlink(wal2);
	free(inputs);
	uccn_changelog_destroy(log);
	uccn_store_close(st); /* checkpoints the WAL into the file */
	off_t stored = file_size(path) + file_size(wal) - empty;
	if (applied != n || applied2 != n) {
		fprintf(stderr, "uccn-bench: only %ld of %ld changes applied\n", applied, n);
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
	for (long i = 0; i < nauthors; i++) {
		uccn_crypto_identity_destroy(authors[i].id);
	}
	free(changes);
	free(authors);
	uccn_bytes_finish(&body);
	return 0;
}
