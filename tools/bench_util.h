/* bench_util.h - what the benchmarks in tools/ share: their command line, a clock, failing
 * loudly, and the best practices they sign. Benchmarks print figures; they assert nothing. */
#ifndef TOOLS_BENCH_UTIL_H
#define TOOLS_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uccn/change.h>

struct uccn_identity;

/* One signing author and the head of its one feed (every bench change is a best practice). */
struct bench_author {
	struct uccn_identity *id;
	uint8_t pk[UCCN_KEY_BYTES];
	uint64_t seq;
	uint8_t head[UCCN_HASH_BYTES];
};

/* The network bench_sign_practice signs for: all zeros (none) unless a bench sets it. */
extern uint8_t bench_network[UCCN_KEY_BYTES];

/* Reads `--changes N --authors N --dir DIR --help`, sets up logging and libsodium. Returns -1
 * to go on, or the exit status (usage printed). name is the program's, for messages. */
int bench_start(
	int argc, char **argv, const char *name, long *changes, long *authors, const char **dir);

double bench_seconds(void);

/* Prints "NAME: what: reason" and exits 1. */
_Noreturn void bench_die(const char *what, int err);

/* n authors with fresh keys; free with bench_authors_free. */
struct bench_author *bench_authors(long n);
void bench_authors_free(struct bench_author *a, long n);

/* Signs a's next change: best practice number k (two changes in three make a new record, the
 * third edits an earlier one) titled title_prefix, k and title_suffix, with summary and three
 * more fields, clocked hlc, into out (replaced). body is scratch. Returns the bytes of its
 * fields. */
size_t bench_sign_practice(struct bench_author *a, long k, uint64_t hlc, const char *title_prefix,
	const char *title_suffix, const char *summary, struct uccn_bytes *body,
	struct uccn_bytes *out);

/* Makes a city node in home (which must not hold one), as `uccn init` does. */
void bench_make_node(const char *home, const char *name);

/* Fills the store of the node in home with n best practices of nauthors fresh authors, a
 * transaction of a batch at a time, through the change log as a sync would, keeping the first
 * sample_max signed changes in sample (*nsample of them). Returns the bytes of all the signed
 * changes. */
uint64_t bench_fill(const char *home, long n, long nauthors, struct uccn_bytes *sample,
	long sample_max, long *nsample);

/* The uccn program, which sits beside the benchmarks in the build. */
void bench_uccn_path(char out[4096]);

/* Starts `uccn --home HOME args...` (args NULL-terminated, at most 20) with its stdout into a
 * pipe (*out_fd, the caller closes it) when out_fd is given, else into /dev/null, and its
 * stderr appended to err_path when given, else inherited. */
pid_t bench_spawn(const char *uccn, const char *home, const char *const *args, int *out_fd,
	const char *err_path);

#endif
