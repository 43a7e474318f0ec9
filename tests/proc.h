/* proc.h - runs the built uccn program (UCCN_BIN) from a test, as a user would: in the test's
 * folder, with HOME pointing there so no real home is touched, its output captured in files of
 * that folder and read back. Keeps the children it started and what it read, and ends and frees
 * them at test_proc_end. Test code only; knows nothing of the library's internals. */
#ifndef TESTS_PROC_H
#define TESTS_PROC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A run that ended. out and err are NUL-terminated, freed at test_proc_end. */
struct test_run {
	int status; /* exit status, or 128 + signal */
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};

/* How to start one run; all zeros: stdin empty, stdout and stderr to files of the folder. */
struct test_proc_opts {
	const char *in; /* stdin (NULL: empty) */
	size_t in_len;
	int out_fd; /* > 0: stdout goes to it instead of a file */
	/* Environment changes: "NAME=value" sets, "NAME" unsets; NULL entries are skipped. */
	const char *const *env;
	size_t nenv;
	/* A folder the run sees on a read-only filesystem (a read-only bind mount in a mount
	 * namespace of its own: permission bits would not stop root). Without one, the run exits
	 * with TEST_PROC_CANNOT_MOUNT. */
	const char *read_only_dir;
	const char *program; /* NULL: the uccn program */
};
#define TEST_PROC_CANNOT_MOUNT 126

/* The test's folder (copied): the program's HOME and where its outputs go. */
void test_proc_begin(const char *dir);
/* Kills (SIGKILL) and reaps the children still running, and frees what was kept. */
void test_proc_end(void);

/* Keeps p until test_proc_end (fails the test on NULL); returns p. */
void *test_proc_keep(void *p);
/* A whole file, NUL-terminated, kept; "" if it cannot be read. len may be NULL. */
char *test_proc_slurp(const char *path, size_t *len);

/* Starts the program with args (args[0] is its name, NULL-terminated); err_path receives the
 * file its stderr goes to. The child is kept until it is waited for. */
pid_t test_proc_spawn(
	char *const args[], const struct test_proc_opts *o, char *err_path, size_t err_len);
/* Waits for pid for at most ms; returns its exit status, 128 + signal, or -1 on timeout. */
int test_proc_wait(pid_t pid, unsigned ms);

/* Runs the program with args to its end (a bound of 60 s only catches a hang). o may be NULL. */
void test_proc_run(struct test_run *r, const struct test_proc_opts *o, char *const args[]);
/* The same with the arguments after "uccn" given as a NULL-terminated list. */
void test_proc_runv(struct test_run *r, const struct test_proc_opts *o, va_list ap);

/* Fails the test unless r exited with status 0, showing what it printed. */
void test_proc_assert_ok(const struct test_run *r, const char *what);

#endif
