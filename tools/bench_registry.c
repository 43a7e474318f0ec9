/* bench_registry.c - uccn-bench-registry: what the Secretariat's registry costs at the size of a
 * real network and beyond. Prints figures; asserts nothing.
 *
 *   uccn-bench-registry [--designations N] [--proofs N] [--dir DIR]
 *
 * A Secretariat node in a fresh home designates N cities (default 10,000) through the node API,
 * each call one signed designation and one signed tree head in one transaction, as `uccn
 * designate` does. It then measures, on one core:
 *   - designations written per second, over the first and the last tenth of the run;
 *   - the Merkle tree over the N stored designations (leaf hashes and root) plus signing a tree
 *     head, in memory; and the same done by the node from cold (reopened, it reads the root's
 *     chain back, rebuilds the tree and signs the head of the Nth designation);
 *   - the size of uccn_node_registry_prove's output and the time it takes;
 *   - proofs checked per second by uccn_registry_check_proof (decoding, three Ed25519
 *     verifications: the designation, the tree head and its checkpoint note; the path), bare Ed25519 verifications per second, and bare path
 *     verifications per second by uccn_merkle_verify_inclusion. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>
#include <uccn/registry.h>

#include "node/crypto.h"
#include "node/merkle.h"
#include "node/store.h"
#include "proto/codec.h"

/* Each rate is measured over at least this long, so that short runs still give steady
 * figures. */
#define MIN_SECONDS 1.0

/* C17 does not convert uint8_t (*)[32] to its const-qualified form implicitly. */
#define CONST_HASHES(p) ((const uint8_t(*)[UCCN_HASH_BYTES])(p))

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err, const char *why) {
	fprintf(stderr, "uccn-bench-registry: %s: %s%s%s\n", what, uccn_strerror(err),
		why != NULL && why[0] != '\0' ? ": " : "", why != NULL ? why : "");
	exit(1);
}

static void on_log(void *userdata, enum uccn_log_level level, const char *msg) {
	fprintf(stderr, "uccn-bench-registry: %s\n", msg);
}

static uint64_t wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *const countries[] = {
	"AU", "BR", "CN", "DE", "FR", "IT", "JP", "KR", "MX", "NG", "PT", "SE"};
static const char *const fields[] = {
	"crafts_folk_art", "design", "film", "gastronomy", "literature", "media_arts", "music"};

static void designate(struct uccn_node *node, uint8_t (*cities)[UCCN_KEY_BYTES], long i) {
	char name[64];
	snprintf(name, sizeof(name), "Creative City %ld", i + 1);
	int err = uccn_node_designate(node, cities[i], name,
		countries[(size_t)i % (sizeof(countries) / sizeof(countries[0]))],
		fields[(size_t)i % (sizeof(fields) / sizeof(fields[0]))], 2004 + (int)(i % 21),
		wall_ms());
	if (err < 0) {
		die("designate", err, uccn_node_errmsg(node));
	}
}

/* Removes the node's home, which holds files only (the key, the database and its WAL). */
static void remove_home(const char *home) {
	DIR *d = opendir(home);
	if (d == NULL) {
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			char path[4400];
			snprintf(path, sizeof(path), "%s/%s", home, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	rmdir(home);
}

/* The signed designation and tree head changes of the root's chain, as stored. */
struct chain {
	struct uccn_bytes *designations;
	size_t ndesignations, cap;
	struct uccn_bytes head; /* the newest tree head */
	struct uccn_change c;   /* scratch for decoding */
};

static int collect(void *userdata, const uint8_t *data, size_t len) {
	struct chain *ch = userdata;
	if (uccn_codec_decode_change(data, len, &ch->c, NULL, 0) < 0) {
		return UCCN_ECORRUPT;
	}
	struct uccn_bytes *to = NULL;
	if (strcmp(ch->c.kind, "designation") == 0) {
		if (ch->ndesignations == ch->cap) {
			return UCCN_ECORRUPT; /* more than were written */
		}
		to = &ch->designations[ch->ndesignations++];
	} else if (strcmp(ch->c.kind, "treehead") == 0) {
		to = &ch->head;
		to->len = 0;
	} else {
		return UCCN_OK;
	}
	return uccn_bytes_append(to, data, len);
}

int main(int argc, char **argv) {
	long n = 10000, nproofs = 100;
	const char *dir_arg = NULL;
	static const struct option opts[] = {{"designations", required_argument, NULL, 'n'},
		{"proofs", required_argument, NULL, 'p'}, {"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:p:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'p':
			nproofs = strtol(optarg, NULL, 10);
			break;
		case 'd':
			dir_arg = optarg;
			break;
		default:
			printf("usage: uccn-bench-registry [--designations N] [--proofs N] "
			       "[--dir DIR]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 10 || nproofs < 1) {
		fprintf(stderr, "uccn-bench-registry: --designations must be 10 or more and "
				"--proofs positive\n");
		return 2;
	}
	if (nproofs > n) {
		nproofs = n;
	}
	uccn_log_set_handler(UCCN_LOG_ERROR, on_log, NULL);
	int err;
	if ((err = uccn_crypto_init()) < 0) {
		die("init", err, NULL);
	}
	char tmpl[] = "/tmp/uccn-bench-registry-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-registry: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char home[4096], db[4200], key[4200];
	snprintf(home, sizeof(home), "%s/secretariat", dir);
	snprintf(db, sizeof(db), "%s/uccn.db", home);
	snprintf(key, sizeof(key), "%s/node.key", home);

	/* 1. The registry: N designations through the node, as `uccn designate` writes them. The
	 * cities' keys are real public keys (the schema takes no other), though nothing here
	 * signs with them. */
	uint8_t(*cities)[UCCN_KEY_BYTES] = malloc((size_t)n * UCCN_KEY_BYTES);
	if (cities == NULL) {
		die("allocating", UCCN_ENOMEM, NULL);
	}
	for (long i = 0; i < n; i++) {
		struct uccn_identity *id = NULL;
		if ((err = uccn_crypto_identity_generate(&id)) < 0) {
			die("making a city's key", err, NULL);
		}
		uccn_crypto_identity_public_key(id, cities[i]);
		uccn_crypto_identity_destroy(id);
	}
	struct uccn_node *node;
	const struct uccn_node_init_options init = {
		.name = "UNESCO Secretariat", .secretariat = true};
	if ((err = uccn_node_init(home, &init, wall_ms(), &node)) < 0) {
		die("init the Secretariat's node", err, NULL);
	}
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(node, network);
	long tenth = n / 10 > 0 ? n / 10 : 1;
	double t0 = seconds(), first_tenth_s = 0, last_tenth_s = 0;
	for (long i = 0; i < n - 1; i++) {
		if (i == tenth) {
			first_tenth_s = seconds() - t0;
		}
		if (i == n - 1 - tenth) {
			last_tenth_s = seconds();
		}
		designate(node, cities, i);
	}
	last_tenth_s = seconds() - last_tenth_s;
	double designate_s = seconds() - t0;

	/* 2. The Nth designation from cold: a reopened node reads the root's chain back (N - 1
	 * designations and N tree heads), rebuilds the tree's frontier and signs the head. */
	uccn_node_close(node);
	if ((err = uccn_node_open(home, &node)) < 0) {
		die("reopen", err, NULL);
	}
	t0 = seconds();
	designate(node, cities, n - 1);
	double cold_s = seconds() - t0;
	designate_s += cold_s;
	struct uccn_tree_head head;
	if ((err = uccn_node_tree_head(node, &head)) < 0) {
		die("tree head", err, NULL);
	}
	uccn_node_close(node);

	/* 3. The tree and a tree head in memory, from the designations as stored: leaf hashes, the
	 * root, and an Ed25519 signature over a tree head's body. */
	struct chain ch = {
		.designations = calloc((size_t)n, sizeof(struct uccn_bytes)), .cap = (size_t)n};
	struct uccn_store *st;
	if (ch.designations == NULL) {
		die("allocating", UCCN_ENOMEM, NULL);
	}
	if ((err = uccn_store_open(db, false, &st)) < 0 ||
		(err = uccn_store_each_author_change(st, network, 1, collect, &ch)) < 0) {
		die("reading the root's chain", err, NULL);
	}
	uccn_store_close(st);
	if (ch.ndesignations != (size_t)n) {
		fprintf(stderr, "uccn-bench-registry: %zu designations stored, not %ld\n",
			ch.ndesignations, n);
		return 1;
	}
	uint8_t(*leaves)[UCCN_HASH_BYTES] = malloc((size_t)n * UCCN_HASH_BYTES);
	if (leaves == NULL) {
		die("allocating", UCCN_ENOMEM, NULL);
	}
	uint8_t root[UCCN_HASH_BYTES];
	long rounds = 0;
	t0 = seconds();
	do {
		for (long i = 0; i < n; i++) {
			uccn_merkle_leaf_hash(
				ch.designations[i].data, ch.designations[i].len, leaves[i]);
		}
		uccn_merkle_root(CONST_HASHES(leaves), (size_t)n, root);
		rounds++;
	} while (seconds() - t0 < MIN_SECONDS);
	double tree_s = (seconds() - t0) / (double)rounds;
	if (head.size != (uint64_t)n || memcmp(root, head.root, UCCN_HASH_BYTES) != 0) {
		fprintf(stderr,
			"uccn-bench-registry: the node's tree head is not the tree's root\n");
		return 1;
	}
	struct uccn_identity *id;
	if ((err = uccn_crypto_identity_load(key, &id)) < 0 ||
		(err = uccn_codec_decode_change(ch.head.data, ch.head.len, &ch.c, NULL, 0)) < 0) {
		die("the root key and its newest tree head", err, NULL);
	}
	uint8_t sig[UCCN_SIG_BYTES];
	rounds = 0;
	t0 = seconds();
	do {
		uccn_crypto_sign(id, ch.c.body, ch.c.body_len, sig);
		rounds++;
	} while (seconds() - t0 < MIN_SECONDS);
	double sign_s = (seconds() - t0) / (double)rounds;
	uccn_crypto_identity_destroy(id);

	/* 4. Proofs for cities spread over the registry, as `uccn registry prove` makes them. */
	if ((err = uccn_node_open(home, &node)) < 0) {
		die("reopen", err, NULL);
	}
	struct uccn_bytes *proofs = calloc((size_t)nproofs, sizeof(*proofs));
	struct uccn_proof *decoded = calloc((size_t)nproofs, sizeof(*decoded));
	uint8_t(*proof_leaves)[UCCN_HASH_BYTES] = calloc((size_t)nproofs, UCCN_HASH_BYTES);
	struct uccn_proof_result *results = calloc((size_t)nproofs, sizeof(*results));
	if (proofs == NULL || decoded == NULL || proof_leaves == NULL || results == NULL) {
		die("allocating", UCCN_ENOMEM, NULL);
	}
	size_t bytes_min = SIZE_MAX, bytes_max = 0, bytes_sum = 0, path_min = SIZE_MAX,
	       path_max = 0;
	t0 = seconds();
	for (long i = 0; i < nproofs; i++) {
		long city = nproofs == 1 ? 0 : i * (n - 1) / (nproofs - 1);
		if ((err = uccn_node_registry_prove(node, cities[city], &proofs[i])) < 0) {
			die("prove", err, uccn_node_errmsg(node));
		}
		size_t len = proofs[i].len;
		bytes_min = len < bytes_min ? len : bytes_min;
		bytes_max = len > bytes_max ? len : bytes_max;
		bytes_sum += len;
	}
	double prove_s = (seconds() - t0) / (double)nproofs;
	uccn_node_close(node);

	/* 5. Checking: the whole check with only the network id, then its parts alone. The
	 * machine is shared and its speed drifts, so the three loops run in alternating slices and
	 * each total is the sum of its slices, as in uccn-bench: drift then weighs on all alike. */
	for (long i = 0; i < nproofs; i++) {
		struct uccn_error e;
		if ((err = uccn_registry_check_proof(
			     proofs[i].data, proofs[i].len, network, &results[i], &e)) < 0) {
			die("check", err, e.msg);
		}
		if ((err = uccn_codec_decode_proof(
			     proofs[i].data, proofs[i].len, &decoded[i], NULL, 0)) < 0) {
			die("decode", err, NULL);
		}
		uccn_merkle_leaf_hash(
			decoded[i].designation, decoded[i].designation_len, proof_leaves[i]);
		path_min = decoded[i].npath < path_min ? decoded[i].npath : path_min;
		path_max = decoded[i].npath > path_max ? decoded[i].npath : path_max;
	}
	double check_s = 0, path_s = 0, verify_s = 0;
	long checks = 0, paths = 0, verifies = 0;
	while (check_s < MIN_SECONDS) {
		t0 = seconds();
		for (long i = 0; i < nproofs; i++) {
			if (uccn_registry_check_proof(proofs[i].data, proofs[i].len, network,
				    &results[i], NULL) < 0) {
				die("check", UCCN_EPROOF, NULL);
			}
		}
		checks += nproofs;
		check_s += seconds() - t0;
		t0 = seconds();
		for (long i = 0; i < 2 * nproofs; i++) {
			if (uccn_crypto_verify(ch.c.sig, ch.c.body, ch.c.body_len, network) < 0) {
				die("verify", UCCN_EBADSIG, NULL);
			}
		}
		verifies += 2 * nproofs;
		verify_s += seconds() - t0;
		/* Paths are some forty times cheaper: more of them keep the slice measurable. */
		t0 = seconds();
		for (int k = 0; k < 40; k++) {
			for (long i = 0; i < nproofs; i++) {
				if (uccn_merkle_verify_inclusion(proof_leaves[i], decoded[i].index,
					    results[i].head.size, CONST_HASHES(decoded[i].path),
					    decoded[i].npath, results[i].head.root) < 0) {
					die("path", UCCN_EPROOF, NULL);
				}
			}
		}
		paths += 40 * nproofs;
		path_s += seconds() - t0;
	}
	double check_rate = (double)checks / check_s, path_rate = (double)paths / path_s;
	double verify_rate = (double)verifies / verify_s;

	printf("designations:                 %ld (one signed designation + one signed tree head "
	       "each)\n",
		n);
	printf("designated per second:        %.0f overall; %.0f over the first tenth, %.0f over "
	       "the last\n",
		(double)n / designate_s, (double)tenth / first_tenth_s,
		(double)tenth / last_tenth_s);
	printf("Merkle tree:                  %.2f ms (the %ld leaf hashes and the root, in "
	       "memory)\n",
		tree_s * 1e3, n);
	printf("sign a tree head:             %.3f ms\n", sign_s * 1e3);
	printf("tree + signed head:           %.2f ms in memory\n", (tree_s + sign_s) * 1e3);
	printf("the Nth designation:          %.1f ms from cold (reopened node: reads the root's "
	       "chain back, rebuilds the tree, signs, commits); %.1f ms warm (last tenth)\n",
		cold_s * 1e3, last_tenth_s * 1e3 / (double)tenth);
	printf("proof size:                   %.0f bytes on average (%zu to %zu), audit paths of "
	       "%zu to %zu hashes\n",
		(double)bytes_sum / (double)nproofs, bytes_min, bytes_max, path_min, path_max);
	printf("proof made in:                %.2f ms on average (uccn_node_registry_prove, %ld "
	       "cities across the registry)\n",
		prove_s * 1e3, nproofs);
	printf("proofs checked per second:    %.0f (uccn_registry_check_proof: decode, three "
	       "Ed25519 verifications, path)\n",
		check_rate);
	printf("bare Ed25519 verify per sec:  %.0f (a check makes three)\n", verify_rate);
	printf("bare paths verified per sec:  %.0f (uccn_merkle_verify_inclusion)\n", path_rate);

	for (long i = 0; i < nproofs; i++) {
		uccn_bytes_finish(&proofs[i]);
	}
	for (long i = 0; i < n; i++) {
		uccn_bytes_finish(&ch.designations[i]);
	}
	uccn_bytes_finish(&ch.head);
	free(ch.designations);
	free(proofs);
	free(decoded);
	free(proof_leaves);
	free(results);
	free(leaves);
	free(cities);
	if (dir_arg == NULL) {
		remove_home(home);
		rmdir(dir);
	}
	return 0;
}
