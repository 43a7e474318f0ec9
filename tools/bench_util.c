/* bench_util.c - the benchmarks' shared command line, clock and signed best practices. */
#include "tools/bench_util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/store.h"
#include "proto/codec.h"

static const char *program = "bench";

double bench_seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *what, int err) {
	fprintf(stderr, "%s: %s: %s\n", program, what, uccn_strerror(err));
	exit(1);
}

static void on_log(void *userdata, enum uccn_log_level level, const char *msg) {
	(void)userdata;
	(void)level;
	fprintf(stderr, "%s: %s\n", program, msg);
}

int bench_start(
	int argc, char **argv, const char *name, long *changes, long *authors, const char **dir) {
	program = name;
	static const struct option opts[] = {{"changes", required_argument, NULL, 'n'},
		{"authors", required_argument, NULL, 'a'}, {"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:a:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			*changes = strtol(optarg, NULL, 10);
			break;
		case 'a':
			*authors = strtol(optarg, NULL, 10);
			break;
		case 'd':
			*dir = optarg;
			break;
		default:
			printf("usage: %s [--changes N] [--authors N] [--dir DIR]\n", name);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (*changes < 1 || *authors < 1 || *authors > 1000) {
		fprintf(stderr,
			"%s: --changes and --authors must be positive (authors at most 1000)\n",
			name);
		return 2;
	}
	uccn_log_set_handler(UCCN_LOG_ERROR, on_log, NULL);
	int err = uccn_crypto_init();
	if (err < 0) {
		bench_die("init", err);
	}
	return -1;
}

struct bench_author *bench_authors(long n) {
	struct bench_author *a = calloc((size_t)n, sizeof(*a));
	if (a == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		int err = uccn_crypto_identity_generate(&a[i].id);
		if (err < 0) {
			bench_die("key", err);
		}
		uccn_crypto_identity_public_key(a[i].id, a[i].pk);
	}
	return a;
}

void bench_authors_free(struct bench_author *a, long n) {
	for (long i = 0; a != NULL && i < n; i++) {
		uccn_crypto_identity_destroy(a[i].id);
	}
	free(a);
}

static struct uccn_field str_field(const char *name, const char *value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_STR, .str = value, .str_len = strlen(value)}};
}

uint8_t bench_network[UCCN_KEY_BYTES];

size_t bench_sign_practice(struct bench_author *a, long k, uint64_t hlc, const char *title_prefix,
	const char *title_suffix, const char *summary, struct uccn_bytes *body,
	struct uccn_bytes *out) {
	static const struct uccn_value fields_items[] = {
		{.type = UCCN_VALUE_STR, .str = "music", .str_len = 5},
		{.type = UCCN_VALUE_STR, .str = "literature", .str_len = 10}};
	static const struct uccn_value sdg_items[] = {
		{.type = UCCN_VALUE_INT, .i = 4}, {.type = UCCN_VALUE_INT, .i = 11}};
	static struct uccn_change c; /* large: one per program, which signs on one thread */
	char title[96];
	memset(&c, 0, sizeof(c));
	memcpy(c.network, bench_network, UCCN_KEY_BYTES);
	memcpy(c.author, a->pk, UCCN_KEY_BYTES);
	memcpy(c.owner, a->pk, UCCN_KEY_BYTES);
	c.seq = a->seq + 1;
	c.has_prev = a->seq > 0;
	memcpy(c.prev, a->head, UCCN_HASH_BYTES);
	c.hlc = hlc;
	snprintf(c.kind, sizeof(c.kind), "best_practice");
	snprintf(c.id, sizeof(c.id), "bp-%08lx", k % 3 == 2 ? k - 1 : k);
	snprintf(title, sizeof(title), "%s %ld%s", title_prefix, k, title_suffix);
	c.fields[0] = str_field("title", title);
	c.fields[1] = str_field("summary", summary);
	c.fields[2] = (struct uccn_field){.name = "fields",
		.name_len = 6,
		.value = {.type = UCCN_VALUE_LIST, .items = fields_items, .count = 2}};
	c.fields[3] = (struct uccn_field){.name = "sdgs",
		.name_len = 4,
		.value = {.type = UCCN_VALUE_LIST, .items = sdg_items, .count = 2}};
	c.fields[4] = (struct uccn_field){
		.name = "year", .name_len = 4, .value = {.type = UCCN_VALUE_INT, .i = 2024}};
	c.nfields = 5;
	uint8_t sig[UCCN_SIG_BYTES];
	body->len = 0;
	int err = uccn_codec_encode_body(&c, body);
	if (err < 0) {
		bench_die("encode", err);
	}
	uccn_crypto_sign(a->id, body->data, body->len, sig);
	out->len = 0;
	if ((err = uccn_codec_encode_signed(body->data, body->len, sig, out)) < 0) {
		bench_die("encode", err);
	}
	uccn_crypto_hash(out->data, out->len, a->head);
	a->seq++;
	/* Names and values, as msgpack counts them: the two lists are 15 and 2 bytes of items. */
	return 5 + strlen(title) + 7 + strlen(summary) + 6 + 15 + 4 + 2 + 4 + 2;
}

/* The child runs the program with the home first, as a user would type it. */
pid_t bench_spawn(const char *uccn, const char *home, const char *const *args, int *out_fd,
	const char *err_path) {
	int fds[2] = {-1, -1};
	if (out_fd != NULL && pipe(fds) < 0) {
		bench_die("pipe", UCCN_EIO);
	}
	pid_t pid = fork();
	if (pid < 0) {
		bench_die("fork", UCCN_EIO);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(out_fd != NULL ? fds[1] : null, STDOUT_FILENO);
		if (err_path != NULL) {
			int err = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
			dup2(err >= 0 ? err : null, STDERR_FILENO);
		}
		if (out_fd != NULL) {
			close(fds[0]);
			close(fds[1]);
		}
		const char *argv[24] = {uccn, "--home", home};
		size_t n = 3;
		for (size_t i = 0; args[i] != NULL && n < 23; i++) {
			argv[n++] = args[i];
		}
		argv[n] = NULL;
		execv(uccn, (char *const *)argv);
		_exit(127);
	}
	if (out_fd != NULL) {
		close(fds[1]);
		*out_fd = fds[0];
	}
	return pid;
}

void bench_uccn_path(char out[4096]) {
	ssize_t len = readlink("/proc/self/exe", out, 4096 - 16);
	if (len < 0) {
		bench_die("finding the uccn program", UCCN_EIO);
	}
	out[len] = '\0';
	char *slash = strrchr(out, '/');
	snprintf(slash + 1, (size_t)(4096 - (slash + 1 - out)), "uccn");
}

void bench_make_node(const char *home, const char *name) {
	struct uccn_node *node;
	struct uccn_node_init_options o = {.name = name, .country = "IT", .field = "music"};
	int err = uccn_node_init(home, &o, (uint64_t)time(NULL) * 1000, &node);
	if (err < 0) {
		bench_die(home, err);
	}
	uccn_node_close(node);
}

/* A transaction per this many changes, as a batch of a session lands. */
#define FILL_BATCH 2048

uint64_t bench_fill(const char *home, long n, long nauthors, struct uccn_bytes *sample,
	long sample_max, long *nsample) {
	char path[4400];
	snprintf(path, sizeof(path), "%s/uccn.db", home);
	struct uccn_store *st;
	struct uccn_changelog *log;
	uint8_t network[UCCN_KEY_BYTES] = {0};
	int err;
	if ((err = uccn_store_open(path, false, &st)) < 0 ||
		(err = uccn_changelog_create(st, network, &log)) < 0) {
		bench_die("filling a store", err);
	}
	struct bench_author *authors = bench_authors(nauthors);
	struct uccn_bytes body = {0}, change = {0};
	uint64_t bytes = 0, hlc = (uint64_t)time(NULL) << 16;
	*nsample = 0;
	for (long from = 0; from < n; from += FILL_BATCH) {
		if ((err = uccn_store_begin(st)) < 0) {
			bench_die("begin", err);
		}
		for (long i = from; i < n && i < from + FILL_BATCH; i++) {
			bench_sign_practice(&authors[i % nauthors], i / nauthors, ++hlc,
				"Best practice", "", "Musicians visit the city's schools.", &body,
				&change);
			bytes += change.len;
			if (*nsample < sample_max) {
				struct uccn_bytes *s = &sample[(*nsample)++];
				if ((err = uccn_bytes_append(s, change.data, change.len)) < 0) {
					bench_die("allocating", err);
				}
			}
			struct uccn_apply_result res;
			if ((err = uccn_changelog_apply(
				     log, change.data, change.len, 0, &res, NULL, NULL)) < 0) {
				bench_die("apply", err);
			}
			if (res.outcome != UCCN_APPLIED) {
				fprintf(stderr, "%s: not applied: %s\n", program, res.why);
				exit(1);
			}
		}
		if ((err = uccn_store_commit(st)) < 0) {
			bench_die("commit", err);
		}
	}
	bench_authors_free(authors, nauthors);
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&change);
	uccn_changelog_destroy(log);
	uccn_store_close(st);
	return bytes;
}
