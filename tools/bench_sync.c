/* bench_sync.c - uccn-bench-sync: how fast one real node replicates to another over loopback,
 * against the one cost that cannot be avoided (an Ed25519 verification per change). Prints
 * figures; asserts nothing.
 *
 *   uccn-bench-sync [--changes N] [--authors N] [--dir DIR]
 *
 * It fills a sender node with N signed changes of about 300 bytes (best practices of a few
 * authors), makes an empty receiver node, then runs the real program: `uccn serve` on the
 * receiver and `uccn sync` from the sender, two processes talking websockets on 127.0.0.1. It
 * prints the changes per second of that sync (process start to exit), the bytes on the wire per
 * change against the bytes of a stored signed change, the peak memory of each process, and, in
 * the same run, the bare single-core Ed25519 verify rate on the same changes and the ratio. */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/store.h"
#include "proto/codec.h"

#define BATCH 2048
#define VERIFY_SAMPLE 20000

static double seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err) {
	fprintf(stderr, "uccn-bench-sync: %s: %s\n", what, uccn_strerror(err));
	exit(1);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

static void on_log(void *userdata, enum uccn_log_level level, const char *msg) {
	fprintf(stderr, "uccn-bench-sync: %s\n", msg);
}

struct author {
	struct uccn_identity *id;
	uint8_t pk[UCCN_KEY_BYTES];
	uint64_t seq;
	uint8_t head[UCCN_HASH_BYTES];
};

/* Signs change number i (of author i % nauthors): a best practice of about 300 bytes. */
static void sign_change(
	struct author *a, long k, uint64_t hlc, struct uccn_bytes *body, struct uccn_bytes *out) {
	static struct uccn_change c;
	static const struct uccn_value fields_items[] = {
		{.type = UCCN_VALUE_STR, .str = "music", .str_len = 5},
		{.type = UCCN_VALUE_STR, .str = "literature", .str_len = 10}};
	static const struct uccn_value sdg_items[] = {
		{.type = UCCN_VALUE_INT, .i = 4}, {.type = UCCN_VALUE_INT, .i = 11}};
	char id[32], title[80];
	memset(&c, 0, sizeof(c));
	memcpy(c.author, a->pk, UCCN_KEY_BYTES);
	memcpy(c.owner, a->pk, UCCN_KEY_BYTES);
	c.seq = a->seq + 1;
	c.has_prev = a->seq > 0;
	memcpy(c.prev, a->head, UCCN_HASH_BYTES);
	c.hlc = hlc;
	snprintf(c.kind, sizeof(c.kind), "best_practice");
	snprintf(id, sizeof(id), "bp-%08lx", k % 3 == 2 ? k - 1 : k);
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(title, sizeof(title), "Best practice %ld", k);
	static const char summary[] = "Musicians visit the city's schools.";
	struct uccn_field f[5] = {
		{.name = "title",
			.name_len = 5,
			.value = {.type = UCCN_VALUE_STR, .str = title, .str_len = strlen(title)}},
		{.name = "summary",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_STR,
				.str = summary,
				.str_len = sizeof(summary) - 1}},
		{.name = "fields",
			.name_len = 6,
			.value = {.type = UCCN_VALUE_LIST, .items = fields_items, .count = 2}},
		{.name = "sdgs",
			.name_len = 4,
			.value = {.type = UCCN_VALUE_LIST, .items = sdg_items, .count = 2}},
		{.name = "year", .name_len = 4, .value = {.type = UCCN_VALUE_INT, .i = 2024}},
	};
	c.nfields = 5;
	memcpy(c.fields, f, sizeof(f));
	uint8_t sig[UCCN_SIG_BYTES];
	body->len = 0;
	int err = uccn_codec_encode_body(&c, body);
	if (err < 0) {
		die("encode", err);
	}
	uccn_crypto_sign(a->id, body->data, body->len, sig);
	out->len = 0;
	if ((err = uccn_codec_encode_signed(body->data, body->len, sig, out)) < 0) {
		die("encode", err);
	}
	uccn_crypto_hash(out->data, out->len, a->head);
	a->seq++;
}

static void make_node(const char *home, const char *name) {
	struct uccn_node *node;
	struct uccn_node_init_options o = {.name = name, .country = "IT", .field = "music"};
	int err = uccn_node_init(home, &o, (uint64_t)time(NULL) * 1000, &node);
	if (err < 0) {
		die(home, err);
	}
	uccn_node_close(node);
}

/* Fills the sender's store with n changes, a transaction of BATCH at a time, keeping a sample
 * for the bare verify loop. Returns the bytes of all the signed changes. */
static uint64_t fill(
	const char *home, long n, long nauthors, struct uccn_bytes *sample, long *nsample) {
	char path[4400];
	snprintf(path, sizeof(path), "%s/uccn.db", home);
	struct uccn_store *st;
	struct uccn_changelog *log;
	uint8_t network[UCCN_KEY_BYTES] = {0};
	int err;
	if ((err = uccn_store_open(path, false, &st)) < 0 ||
		(err = uccn_changelog_create(st, network, &log)) < 0) {
		die("sender store", err);
	}
	struct author *authors = calloc((size_t)nauthors, sizeof(*authors));
	if (authors == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < nauthors; i++) {
		if ((err = uccn_crypto_identity_generate(&authors[i].id)) < 0) {
			die("key", err);
		}
		uccn_crypto_identity_public_key(authors[i].id, authors[i].pk);
	}
	struct uccn_bytes body = {0}, change = {0};
	uint64_t bytes = 0, hlc = (uint64_t)time(NULL) << 16;
	*nsample = 0;
	for (long from = 0; from < n; from += BATCH) {
		if ((err = uccn_store_begin(st)) < 0) {
			die("begin", err);
		}
		for (long i = from; i < n && i < from + BATCH; i++) {
			sign_change(&authors[i % nauthors], i / nauthors, ++hlc, &body, &change);
			bytes += change.len;
			if (*nsample < VERIFY_SAMPLE) {
				struct uccn_bytes *s = &sample[(*nsample)++];
				if ((err = uccn_bytes_append(s, change.data, change.len)) < 0) {
					die("allocating", err);
				}
			}
			struct uccn_apply_result res;
			if ((err = uccn_changelog_apply(
				     log, change.data, change.len, 0, &res, NULL, NULL)) < 0) {
				die("apply", err);
			}
			if (res.outcome != UCCN_APPLIED) {
				fprintf(stderr, "uccn-bench-sync: not applied: %s\n", res.why);
				exit(1);
			}
		}
		if ((err = uccn_store_commit(st)) < 0) {
			die("commit", err);
		}
	}
	for (long i = 0; i < nauthors; i++) {
		uccn_crypto_identity_destroy(authors[i].id);
	}
	free(authors);
	uccn_bytes_finish(&body);
	uccn_bytes_finish(&change);
	uccn_changelog_destroy(log);
	uccn_store_close(st);
	return bytes;
}

/* Bare Ed25519 verifications per second, one core, over the sample. */
static double verify_rate(const struct uccn_bytes *sample, long n) {
	static struct uccn_change c;
	struct input {
		const uint8_t *sig, *body;
		size_t len;
		uint8_t key[UCCN_KEY_BYTES];
	} *in = calloc((size_t)n, sizeof(*in));
	if (in == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		if (uccn_codec_decode_change(sample[i].data, sample[i].len, &c, NULL, 0) < 0) {
			die("decode", UCCN_EPROTO);
		}
		in[i] = (struct input){.sig = c.sig, .body = c.body, .len = c.body_len};
		memcpy(in[i].key, c.author, UCCN_KEY_BYTES);
	}
	double t0 = seconds();
	for (long i = 0; i < n; i++) {
		if (uccn_crypto_verify(in[i].sig, in[i].body, in[i].len, in[i].key) < 0) {
			die("verify", UCCN_EBADSIG);
		}
	}
	double rate = (double)n / (seconds() - t0);
	free(in);
	return rate;
}

/* Starts `uccn --home HOME args...` with stdout into a pipe (*out_fd) when out_fd is given. */
static pid_t spawn(const char *uccn, const char *home, const char *const *args, int *out_fd) {
	int fds[2] = {-1, -1};
	if (out_fd != NULL && pipe(fds) < 0) {
		die("pipe", UCCN_EIO);
	}
	pid_t pid = fork();
	if (pid < 0) {
		die("fork", UCCN_EIO);
	}
	if (pid == 0) {
		if (out_fd != NULL) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		const char *argv[16] = {uccn, "--home", home};
		size_t n = 3;
		for (size_t i = 0; args[i] != NULL && n < 15; i++) {
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

struct usage {
	double cpu_s; /* user + system */
};

static long max_long(long a, long b) {
	return a > b ? a : b;
}

/* VmHWM of /proc/PID/status: the process's peak resident memory since its exec, in KiB; 0 if
 * it cannot be read (the process has ended). */
static long high_water_kib(pid_t pid) {
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kib = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) {
			break;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return kib;
}

static struct usage wait_for(pid_t pid, int *status) {
	struct rusage ru;
	if (wait4(pid, status, 0, &ru) < 0) {
		die("wait", UCCN_EIO);
	}
	return (struct usage){
		.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6};
}

int main(int argc, char **argv) {
	long n = 100000, nauthors = 4;
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
			printf("usage: uccn-bench-sync [--changes N] [--authors N] [--dir DIR]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 1 || nauthors < 1 || nauthors > 1000) {
		fprintf(stderr, "uccn-bench-sync: --changes and --authors must be positive\n");
		return 2;
	}
	uccn_log_set_handler(UCCN_LOG_ERROR, on_log, NULL);
	int err;
	if ((err = uccn_crypto_init()) < 0) {
		die("init", err);
	}
	/* The uccn program sits beside this one in the build. */
	char uccn[4096];
	ssize_t len = readlink("/proc/self/exe", uccn, sizeof(uccn) - 16);
	if (len < 0) {
		die("finding the uccn program", UCCN_EIO);
	}
	uccn[len] = '\0';
	char *slash = strrchr(uccn, '/');
	snprintf(slash + 1, sizeof(uccn) - (size_t)(slash + 1 - uccn), "uccn");

	char tmpl[] = "/tmp/uccn-bench-sync-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-sync: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char sender[4200], receiver[4200];
	snprintf(sender, sizeof(sender), "%s/sender", dir);
	snprintf(receiver, sizeof(receiver), "%s/receiver", dir);
	make_node(sender, "Sender");
	make_node(receiver, "Receiver");

	struct uccn_bytes *sample = calloc(VERIFY_SAMPLE, sizeof(*sample));
	if (sample == NULL) {
		die("allocating", UCCN_ENOMEM);
	}
	long nsample;
	double t0 = seconds();
	uint64_t change_bytes = fill(sender, n, nauthors, sample, &nsample);
	printf("filled the sender with %ld changes (%.1f bytes each) in %.1f s\n", n,
		(double)change_bytes / (double)n, seconds() - t0);
	fflush(stdout);

	/* The receiver listens on a port the kernel picks and says which. */
	/* The machine is shared and its speed drifts: the bare rate is measured just before and
	 * just after the sync, and the ratio uses their mean. */
	double verify_before = verify_rate(sample, nsample);
	int out_fd;
	const char *serve_args[] = {"serve", "--listen", "127.0.0.1:0", NULL};
	pid_t serve = spawn(uccn, receiver, serve_args, &out_fd);
	FILE *out = fdopen(out_fd, "r");
	char line[256], url[128] = "";
	unsigned port = 0;
	while (out != NULL && fgets(line, sizeof(line), out) != NULL) {
		if (sscanf(line, "listening on 127.0.0.1:%u", &port) == 1) {
			break;
		}
	}
	if (port == 0) {
		kill(serve, SIGTERM);
		fprintf(stderr, "uccn-bench-sync: the receiver did not start\n");
		return 1;
	}
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u", port);

	int sync_out;
	const char *sync_args[] = {"sync", url, NULL};
	t0 = seconds();
	pid_t sync = spawn(uccn, sender, sync_args, &sync_out);
	/* Peak memory is read from each process's own high-water mark while it runs: the
	 * rusage of a child also counts what it held before exec (a copy of this program). */
	char summary[512] = "", buf[512];
	size_t have = 0;
	long sender_kib = 0, receiver_kib = 0;
	for (;;) {
		struct pollfd p = {sync_out, POLLIN, 0};
		int ready = poll(&p, 1, 20);
		sender_kib = max_long(sender_kib, high_water_kib(sync));
		receiver_kib = max_long(receiver_kib, high_water_kib(serve));
		if (ready <= 0) {
			continue;
		}
		ssize_t got = read(sync_out, buf + have, sizeof(buf) - 1 - have);
		if (got <= 0) {
			break;
		}
		have += (size_t)got;
		buf[have] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			snprintf(summary, sizeof(summary), "%s", buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1) {
			have = 0; /* a line longer than the summary: not the summary */
		}
	}
	close(sync_out);
	int status;
	struct usage sender_use = wait_for(sync, &status);
	double sync_s = seconds() - t0;
	receiver_kib = max_long(receiver_kib, high_water_kib(serve));
	kill(serve, SIGTERM);
	int serve_status;
	struct usage receiver_use = wait_for(serve, &serve_status);
	if (out != NULL) {
		fclose(out);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "uccn-bench-sync: uccn sync failed\n");
		return 1;
	}
	uint64_t sent = 0, bytes_out = 0, received = 0, bytes_in = 0;
	const char *semi = strchr(summary, ';');
	if (sscanf(summary, "sent %" SCNu64 ", received %" SCNu64, &sent, &received) != 2 ||
		semi == NULL ||
		sscanf(semi, "; %" SCNu64 " bytes out, %" SCNu64, &bytes_out, &bytes_in) != 2) {
		fprintf(stderr, "uccn-bench-sync: cannot read the summary: %s", summary);
		return 1;
	}

	/* What the receiver holds now, counted in its own store. */
	uint64_t held = 0;
	struct uccn_store *st;
	char path[4300];
	snprintf(path, sizeof(path), "%s/uccn.db", receiver);
	if ((err = uccn_store_open(path, false, &st)) < 0 ||
		(err = uccn_store_count_changes(st, &held)) < 0) {
		die("receiver", err);
	}
	uccn_store_close(st);

	double verify_after = verify_rate(sample, nsample);
	double verify = (verify_before + verify_after) / 2;
	double rate = (double)sent / sync_s;
	printf("synced: %" PRIu64 " changes in %.2f s (uccn sync, process start to exit) = %.0f "
	       "changes/s; the receiver holds %" PRIu64 "\n",
		sent, sync_s, rate, held);
	printf("bare Ed25519 verify, one core: %.0f/s (%.0f before the sync, %.0f after); "
	       "sync/verify: %.2f (goal 1.5)\n",
		verify, verify_before, verify_after, rate / verify);
	printf("bytes on the wire: %.1f per change sent (out %" PRIu64 ", in %" PRIu64
	       "), %.1f per stored signed change: %.3f (goal 1.1)\n",
		(double)(bytes_out + bytes_in) / (double)sent, bytes_out, bytes_in,
		(double)change_bytes / (double)n,
		((double)(bytes_out + bytes_in) / (double)sent) /
			((double)change_bytes / (double)n));
	printf("peak memory: sender (uccn sync) %.1f MiB, receiver (uccn serve) %.1f MiB (goal < "
	       "64)\n",
		(double)sender_kib / 1024.0, (double)receiver_kib / 1024.0);
	printf("cpu time: sender %.2f s, receiver %.2f s (of %.2f s)\n", sender_use.cpu_s,
		receiver_use.cpu_s, sync_s);
	for (long i = 0; i < nsample; i++) {
		uccn_bytes_finish(&sample[i]);
	}
	free(sample);
	if (dir_arg == NULL && nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "uccn-bench-sync: could not remove %s\n", dir);
	}
	return held >= (uint64_t)n ? 0 : 1;
}
