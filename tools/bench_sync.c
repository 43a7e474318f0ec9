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
 * the same run, the bare single-core Ed25519 verify rate on the same changes and the ratio, the
 * bare rate on every core at once (the most the ratio could be, were verifying all a sync did),
 * and the bytes the receiver's file takes per change it holds. */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
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
#include "node/verifier.h"
#include "proto/codec.h"
#include "tools/bench_util.h"

#define VERIFY_SAMPLE 20000

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

/* Bare Ed25519 verifications per second over the sample: on one core (pool NULL), or on
 * every thread of pool. */
static double verify_rate(const struct uccn_bytes *sample, long n, struct uccn_verifier *pool) {
	static struct uccn_change c;
	struct uccn_verify_job *jobs = calloc((size_t)n, sizeof(*jobs));
	uint8_t(*keys)[UCCN_KEY_BYTES] = calloc((size_t)n, sizeof(*keys));
	if (jobs == NULL || keys == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		if (uccn_codec_decode_change(sample[i].data, sample[i].len, &c, NULL, 0) < 0) {
			bench_die("decode", UCCN_EPROTO);
		}
		memcpy(keys[i], c.author, UCCN_KEY_BYTES);
		jobs[i] = (struct uccn_verify_job){
			.sig = c.sig, .msg = c.body, .len = c.body_len, .key = keys[i]};
	}
	double t0 = bench_seconds();
	if (pool != NULL) {
		uccn_verifier_run(pool, jobs, (size_t)n);
	}
	for (long i = 0; i < n; i++) {
		if (pool == NULL) {
			jobs[i].result = uccn_crypto_verify(
				jobs[i].sig, jobs[i].msg, jobs[i].len, jobs[i].key);
		}
		if (jobs[i].result < 0) {
			bench_die("verify", UCCN_EBADSIG);
		}
	}
	double rate = (double)n / (bench_seconds() - t0);
	free(jobs);
	free(keys);
	return rate;
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
		bench_die("wait", UCCN_EIO);
	}
	return (struct usage){
		.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6};
}

int main(int argc, char **argv) {
	long n = 100000, nauthors = 4;
	const char *dir_arg = NULL;
	int status = bench_start(argc, argv, "uccn-bench-sync", &n, &nauthors, &dir_arg);
	if (status >= 0) {
		return status;
	}
	int err;
	char uccn[4096];
	bench_uccn_path(uccn);

	char tmpl[] = "/tmp/uccn-bench-sync-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-sync: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char sender[4200], receiver[4200];
	snprintf(sender, sizeof(sender), "%s/sender", dir);
	snprintf(receiver, sizeof(receiver), "%s/receiver", dir);
	bench_make_node(sender, "Sender");
	bench_make_node(receiver, "Receiver");

	struct uccn_bytes *sample = calloc(VERIFY_SAMPLE, sizeof(*sample));
	if (sample == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	long nsample;
	double t0 = bench_seconds();
	uint64_t change_bytes = bench_fill(sender, n, nauthors, sample, VERIFY_SAMPLE, &nsample);
	printf("filled the sender with %ld changes (%.1f bytes each) in %.1f s\n", n,
		(double)change_bytes / (double)n, bench_seconds() - t0);
	fflush(stdout);

	/* The receiver listens on a port the kernel picks and says which. */
	/* The machine is shared and its speed drifts: the bare rate is measured just before and
	 * just after the sync, and the ratio uses their mean. */
	/* The ceiling of sync/verify on this machine: the same verifications on one thread per
	 * online core at once, which is all a sync could spend on them if it did nothing else. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct uccn_verifier *pool;
	if ((err = uccn_verifier_create(cores > 0 ? (unsigned)cores : 1, &pool)) < 0) {
		bench_die("starting the verifiers", err);
	}
	double verify_before = verify_rate(sample, nsample, NULL);
	double all_before = verify_rate(sample, nsample, pool);
	int out_fd;
	const char *serve_args[] = {"serve", "--listen", "127.0.0.1:0", NULL};
	pid_t serve = bench_spawn(uccn, receiver, serve_args, &out_fd, NULL);
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
	t0 = bench_seconds();
	pid_t sync = bench_spawn(uccn, sender, sync_args, &sync_out, NULL);
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
	int sync_status;
	struct usage sender_use = wait_for(sync, &sync_status);
	double sync_s = bench_seconds() - t0;
	receiver_kib = max_long(receiver_kib, high_water_kib(serve));
	kill(serve, SIGTERM);
	int serve_status;
	struct usage receiver_use = wait_for(serve, &serve_status);
	if (out != NULL) {
		fclose(out);
	}
	if (!WIFEXITED(sync_status) || WEXITSTATUS(sync_status) != 0) {
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
		bench_die("receiver", err);
	}
	uccn_store_close(st); /* checkpoints the WAL into the file */
	struct stat sb;
	double stored = stat(path, &sb) == 0 ? (double)sb.st_size : 0;

	double verify_after = verify_rate(sample, nsample, NULL);
	double all_after = verify_rate(sample, nsample, pool);
	uccn_verifier_destroy(pool);
	double verify = (verify_before + verify_after) / 2, all = (all_before + all_after) / 2;
	double rate = (double)sent / sync_s;
	printf("synced: %" PRIu64 " changes in %.2f s (uccn sync, process start to exit) = %.0f "
	       "changes/s; the receiver holds %" PRIu64 "\n",
		sent, sync_s, rate, held);
	printf("bare Ed25519 verify, one core: %.0f/s (%.0f before the sync, %.0f after); "
	       "sync/verify: %.2f (goal 1.5)\n",
		verify, verify_before, verify_after, rate / verify);
	printf("bare Ed25519 verify, all %ld cores at once: %.0f/s (%.0f before, %.0f after); "
	       "%.2f times one core, the ceiling of sync/verify\n",
		cores, all, all_before, all_after, all / verify);
	printf("bytes on the wire: %.1f per change sent (out %" PRIu64 ", in %" PRIu64
	       "), %.1f per stored signed change: %.3f (goal 1.1)\n",
		(double)(bytes_out + bytes_in) / (double)sent, bytes_out, bytes_in,
		(double)change_bytes / (double)n,
		((double)(bytes_out + bytes_in) / (double)sent) /
			((double)change_bytes / (double)n));
	printf("bytes stored per change (the receiver's file): %.1f, %.2f times the signed change "
	       "(goal 2)\n",
		stored / (double)held, stored / (double)held / ((double)change_bytes / (double)n));
	printf("peak memory: sender (uccn sync) %.1f MiB, receiver (uccn serve) %.1f MiB (goal < "
	       "64)\n",
		(double)sender_kib / 1024.0, (double)receiver_kib / 1024.0);
	printf("cpu time: sender %.2f s, receiver %.2f s (of %.2f s)\n", sender_use.cpu_s,
		receiver_use.cpu_s, sync_s);
	/* What the ratio would be on these cores were they kept busy and as fast as when the
	 * bare rate was measured: it tells the work a sync does per change from the machine's
	 * drift and from time spent waiting. */
	double cpu_us = (sender_use.cpu_s + receiver_use.cpu_s) / (double)sent * 1e6;
	printf("cpu per change: %.1f us (sender and receiver), %.1f us of it beyond one bare "
	       "verify (%.1f us); on %ld busy cores at the bare speed: sync/verify %.2f\n",
		cpu_us, cpu_us - 1e6 / verify, 1e6 / verify, cores,
		(double)cores * (1e6 / verify) / cpu_us);
	for (long i = 0; i < nsample; i++) {
		uccn_bytes_finish(&sample[i]);
	}
	free(sample);
	if (dir_arg == NULL && nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "uccn-bench-sync: could not remove %s\n", dir);
	}
	return held >= (uint64_t)n ? 0 : 1;
}
