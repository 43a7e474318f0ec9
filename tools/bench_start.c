/* bench_start.c - uccn-bench-start: how long a hub holding many changes takes to start `uccn
 * serve` (until it listens) and to answer `uccn status`, each end to end as a user sees it.
 * Prints figures; asserts nothing.
 *
 *   uccn-bench-start [--changes N] [--authors N] [--dir DIR] [--runs N]
 *
 * It builds the hub once through the library (DIR/hub is kept and reused when DIR is given and
 * already holds one), then, run after run: starts `uccn serve --listen 127.0.0.1:0` and times
 * it from the fork until it prints that it listens; with it running, times `uccn status` from
 * the fork to its exit; then stops serve. The first run reads a file the page cache may not
 * hold yet, and is shown apart. */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uccn/error.h>

#include "tools/bench_util.h"

#define RUNS_MAX 50

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

/* Starts serve and returns its pid once it printed that it listens; *ms is the time that took. */
static pid_t start_serve(const char *uccn, const char *home, double *ms) {
	int out_fd;
	const char *args[] = {"serve", "--listen", "127.0.0.1:0", NULL};
	double t0 = bench_seconds();
	pid_t pid = bench_spawn(uccn, home, args, &out_fd, NULL);
	FILE *out = fdopen(out_fd, "r");
	char line[256];
	unsigned port = 0;
	while (out != NULL && fgets(line, sizeof(line), out) != NULL) {
		if (sscanf(line, "listening on 127.0.0.1:%u", &port) == 1) {
			break;
		}
	}
	*ms = (bench_seconds() - t0) * 1000;
	if (out != NULL) {
		fclose(out); /* serve's later lines go nowhere; it does not print more here */
	}
	if (port == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "uccn-bench-start: serve did not start\n");
		exit(1);
	}
	return pid;
}

/* Runs `uccn status` to its exit; the time it took in ms. */
static double time_status(const char *uccn, const char *home) {
	const char *args[] = {"status", NULL};
	double t0 = bench_seconds();
	pid_t pid = bench_spawn(uccn, home, args, NULL, NULL);
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "uccn-bench-start: uccn status failed\n");
		exit(1);
	}
	return (bench_seconds() - t0) * 1000;
}

static int compare_doubles(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_times(const char *what, double *ms, int runs) {
	/* The first run is apart: the file may not be in the page cache yet. */
	printf("%-7s first %.1f ms; then", what, ms[0]);
	qsort(ms + 1, (size_t)(runs - 1), sizeof(ms[0]), compare_doubles);
	for (int i = 1; i < runs; i++) {
		printf(" %.1f", ms[i]);
	}
	printf(" ms (median %.1f, goal 100)\n", ms[1 + (runs - 1) / 2]);
}

int main(int argc, char **argv) {
	long n = 1000000, nauthors = 4, runs = 7;
	const char *dir_arg = NULL;
	/* --runs is this benchmark's own; the shared options go to bench_start. */
	char *rest[64];
	int nrest = 0;
	for (int i = 0; i < argc && nrest < 63; i++) {
		if (i > 0 && strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = strtol(argv[++i], NULL, 10);
			continue;
		}
		rest[nrest++] = argv[i];
	}
	rest[nrest] = NULL;
	int status = bench_start(nrest, rest, "uccn-bench-start", &n, &nauthors, &dir_arg);
	if (status >= 0) {
		return status;
	}
	if (runs < 2 || runs > RUNS_MAX) {
		fprintf(stderr, "uccn-bench-start: --runs must be between 2 and %d\n", RUNS_MAX);
		return 2;
	}
	char uccn[4096];
	bench_uccn_path(uccn);
	char tmpl[] = "/tmp/uccn-bench-start-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-start: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char hub[4200], key[4300];
	snprintf(hub, sizeof(hub), "%s/hub", dir);
	snprintf(key, sizeof(key), "%s/node.key", hub);
	struct stat sb;
	if (stat(key, &sb) == 0) {
		printf("reusing the hub in %s (built before; --changes does not apply)\n", hub);
	} else {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "uccn-bench-start: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		bench_make_node(hub, "Hub");
		long nsample = 0;
		double t0 = bench_seconds();
		bench_fill(hub, n, nauthors, NULL, 0, &nsample);
		printf("built a hub holding %ld changes of %ld authors in %.1f s\n", n, nauthors,
			bench_seconds() - t0);
	}
	fflush(stdout);

	double serve_ms[RUNS_MAX], status_ms[RUNS_MAX];
	for (long r = 0; r < runs; r++) {
		pid_t serve = start_serve(uccn, hub, &serve_ms[r]);
		status_ms[r] = time_status(uccn, hub);
		kill(serve, SIGTERM);
		waitpid(serve, NULL, 0);
	}
	print_times("serve:", serve_ms, (int)runs);
	print_times("status:", status_ms, (int)runs);
	if (dir_arg == NULL && nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "uccn-bench-start: could not remove %s\n", dir);
	}
	return 0;
}
