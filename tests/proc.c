/* proc.c - starts the uccn program from the tests that drive it end to end, and reads back
 * what it printed (see proc.h). One copy for every such suite. */
/* unshare() and the mount flags, which put a folder on a read-only filesystem, are GNU. */
#define _GNU_SOURCE

#include "tests/proc.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UCCN_BIN
#error "UCCN_BIN must name the built uccn program"
#endif

static char dir[512];
static unsigned counter; /* names each run's files */

/* Processes started that may still run. */
static pid_t children[16];
static size_t nchildren;

/* Everything kept for the test, freed at test_proc_end. */
static void **kept;
static size_t nkept, kept_cap;

static uint64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void test_proc_begin(const char *folder) {
	snprintf(dir, sizeof(dir), "%s", folder);
	nchildren = 0;
}

void test_proc_end(void) {
	for (size_t i = 0; i < nchildren; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	nchildren = 0;
	for (size_t i = 0; i < nkept; i++) {
		free(kept[i]);
	}
	free(kept);
	kept = NULL;
	nkept = kept_cap = 0;
}

void *test_proc_keep(void *p) {
	cr_assert_not_null(p);
	if (nkept == kept_cap) {
		kept_cap = kept_cap ? 2 * kept_cap : 64;
		void **grown = realloc(kept, kept_cap * sizeof(*kept));
		cr_assert_not_null(grown);
		kept = grown;
	}
	kept[nkept++] = p;
	return p;
}

char *test_proc_slurp(const char *path, size_t *len) {
	char *text = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "rb");
	if (f != NULL) {
		FILE *mem = open_memstream(&text, &n);
		cr_assert_not_null(mem);
		char buf[8192];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
			cr_assert_eq(fwrite(buf, 1, got, mem), got);
		}
		fclose(mem);
		fclose(f);
	} else {
		text = strdup("");
	}
	if (len != NULL) {
		*len = n;
	}
	return test_proc_keep(text);
}

static void apply_env(const struct test_proc_opts *o) {
	setenv("HOME", dir, 1);
	unsetenv("UCCN_HOME");
	unsetenv("XDG_DATA_HOME");
	for (size_t i = 0; i < o->nenv; i++) {
		const char *e = o->env[i];
		if (e == NULL) {
			continue;
		}
		const char *eq = strchr(e, '=');
		if (eq == NULL) {
			unsetenv(e);
		} else {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(eq - e), e);
			setenv(name, eq + 1, 1);
		}
	}
}

static bool mount_read_only(const char *folder) {
	return unshare(CLONE_NEWNS) == 0 &&
	       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	       mount(folder, folder, NULL, MS_BIND, NULL) == 0 &&
	       mount(NULL, folder, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

/* The files of run n. */
static void paths_of(unsigned n, char out_path[600], char in_path[600], char err_path[600]) {
	snprintf(out_path, 600, "%s/.out%u", dir, n);
	snprintf(in_path, 600, "%s/.in%u", dir, n);
	snprintf(err_path, 600, "%s/.err%u", dir, n);
}

static pid_t spawn(unsigned n, char *const args[], const struct test_proc_opts *o) {
	static const struct test_proc_opts none = {0};
	o = o != NULL ? o : &none;
	char out_path[600], in_path[600], err_path[600];
	paths_of(n, out_path, in_path, err_path);
	FILE *in = fopen(in_path, "wb");
	cr_assert_not_null(in, "%s: %s", in_path, strerror(errno));
	cr_assert_eq(fwrite(o->in != NULL ? o->in : "", 1, o->in_len, in), o->in_len);
	cr_assert_eq(fclose(in), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd_in = open(in_path, O_RDONLY);
		int fd_out = o->out_fd > 0 ? o->out_fd
					   : open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fd_err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd_in < 0 || fd_out < 0 || fd_err < 0 || dup2(fd_in, 0) < 0 ||
			dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0) {
			_exit(127);
		}
		apply_env(o);
		if (o->read_only_dir != NULL && !mount_read_only(o->read_only_dir)) {
			_exit(TEST_PROC_CANNOT_MOUNT);
		}
		execv(o->program != NULL ? o->program : UCCN_BIN, args);
		_exit(127);
	}
	cr_assert_lt(nchildren, sizeof(children) / sizeof(children[0]));
	children[nchildren++] = pid;
	return pid;
}

pid_t test_proc_spawn(
	char *const args[], const struct test_proc_opts *o, char *err_path, size_t err_len) {
	unsigned n = counter++;
	snprintf(err_path, err_len, "%s/.err%u", dir, n);
	return spawn(n, args, o);
}

static void forget_child(pid_t pid) {
	for (size_t i = 0; i < nchildren; i++) {
		if (children[i] == pid) {
			children[i] = children[--nchildren];
			return;
		}
	}
}

int test_proc_wait(pid_t pid, unsigned ms) {
	uint64_t deadline = now_ms() + ms;
	for (;;) {
		int ws;
		pid_t got = waitpid(pid, &ws, WNOHANG);
		cr_assert_neq(got, -1, "waitpid: %s", strerror(errno));
		if (got == pid) {
			forget_child(pid);
			return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		}
		if (now_ms() >= deadline) {
			return -1;
		}
		struct timespec ts = {0, 5 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

void test_proc_run(struct test_run *r, const struct test_proc_opts *o, char *const args[]) {
	unsigned n = counter++;
	pid_t pid = spawn(n, args, o);
	r->status = test_proc_wait(pid, 60000);
	cr_assert_neq(r->status, -1, "uccn %s %s did not finish", args[1] ? args[1] : "",
		args[1] && args[2] && args[3] ? args[3] : "");
	char out_path[600], in_path[600], err_path[600];
	paths_of(n, out_path, in_path, err_path);
	r->out = test_proc_slurp(out_path, &r->out_len);
	r->err = test_proc_slurp(err_path, &r->err_len);
	unlink(out_path);
	unlink(err_path);
	unlink(in_path);
}

void test_proc_runv(struct test_run *r, const struct test_proc_opts *o, va_list ap) {
	char *args[64];
	size_t n = 0;
	args[n++] = "uccn";
	char *a;
	while ((a = va_arg(ap, char *)) != NULL) {
		cr_assert_lt(n, sizeof(args) / sizeof(args[0]) - 1);
		args[n++] = a;
	}
	args[n] = NULL;
	test_proc_run(r, o, args);
}

void test_proc_assert_ok(const struct test_run *r, const char *what) {
	cr_assert_eq(r->status, 0, "%s: status %d, stderr: %s, stdout: %s", what, r->status, r->err,
		r->out);
}
