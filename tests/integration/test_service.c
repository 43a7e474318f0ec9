/* test_service.c - uccn run as a service, end to end with real processes (UCCN_BIN) on
 * 127.0.0.1: one serve per home (the lock, and no stale pid that blocks), listening on host
 * names and the default port, a busy port named as such, the log's levels and lines, the
 * configuration file and its precedence, and SIGHUP reloading it with the sessions kept. Each
 * test has its own folder; waits poll against deadlines and only bound a hang. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/proc.h"
#include "tests/support.h"

static char *tmp; /* the test's folder, made and removed by support.c */

static void setup(void) {
	tmp = test_tmpdir();
	test_proc_begin(tmp);
}

static void teardown(void) {
	test_proc_end();
	test_rmdir(tmp);
	tmp = NULL;
	test_check_leaks();
}

TestSuite(service, .init = setup, .fini = teardown);

static uint64_t clock_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Polls cond every 10 ms for at most ms, or fails with the message. */
#define POLL_UNTIL(ms, cond, ...)                                      \
	do {                                                           \
		uint64_t until_ = clock_ms() + (ms);                   \
		while (!(cond)) {                                      \
			cr_assert_lt(clock_ms(), until_, __VA_ARGS__); \
			struct timespec ts_ = {0, 10 * 1000000L};      \
			nanosleep(&ts_, NULL);                         \
		}                                                      \
	} while (0)

/* A path in the test's folder (static storage, a few at a time). */
static char *in_dir(const char *name) {
	static char paths[8][512];
	static unsigned next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", tmp, name);
	return p;
}

/* The uccn program run to its end with the arguments after "uccn" (NULL-terminated), with
 * env ("NAME=value" entries, NULL-terminated, or NULL). */
static void uccn_env(struct test_run *r, const char *const *env, ...) {
	size_t nenv = 0;
	while (env != NULL && env[nenv] != NULL) {
		nenv++;
	}
	struct test_proc_opts o = {.env = env, .nenv = nenv};
	va_list ap;
	va_start(ap, env);
	test_proc_runv(r, &o, ap);
	va_end(ap);
}
#define uccn(r, ...) uccn_env(r, NULL, __VA_ARGS__)

static void write_file(const char *path, const char *text) {
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fputs(text, f) >= 0, true);
	cr_assert_eq(fclose(f), 0);
}

/* A node of its own network in the folder name. */
static char *make_node(const char *name) {
	char *home = in_dir(name);
	struct test_run r;
	uccn(&r, "--home", home, "init", "--secretariat", "--name", (char *)name, NULL);
	test_proc_assert_ok(&r, "init");
	return home;
}

/* A serve started in the background: its pid and the files its stdout and stderr go to. */
struct serve {
	pid_t pid;
	char out_path[600];
	char err_path[600];
};

/* Starts the program with args (NULL-terminated, after "uccn") and env (or NULL) in the
 * background. */
static void start_env(struct serve *s, const char *const *env, char *const args[]) {
	char *argv[24] = {"uccn"};
	size_t n = 1;
	while (args[n - 1] != NULL) {
		cr_assert_lt(n, 23);
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	size_t nenv = 0;
	while (env != NULL && env[nenv] != NULL) {
		nenv++;
	}
	struct test_proc_opts o = {.env = env, .nenv = nenv};
	s->pid = test_proc_spawn(argv, &o, s->err_path, sizeof(s->err_path));
	/* Its stdout goes to the file of the same run: ".errN" becomes ".outN". */
	snprintf(s->out_path, sizeof(s->out_path), "%s", s->err_path);
	char *dot = strrchr(s->out_path, '/');
	cr_assert_not_null(dot);
	memcpy(dot + 1, ".out", 4);
}

/* Waits for the "listening on HOST:PORT" line and returns the port. */
static unsigned listening_port(const struct serve *s) {
	const char *line = NULL;
	POLL_UNTIL(10000,
		(line = strstr(test_proc_slurp(s->out_path, NULL), "listening on ")) != NULL &&
			strchr(line, '\n') != NULL,
		"serve did not say where it listens: %s", test_proc_slurp(s->err_path, NULL));
	const char *colon = strchr(line, '\n');
	while (colon > line && *colon != ':') {
		colon--;
	}
	unsigned port = 0;
	cr_assert_eq(sscanf(colon, ":%u", &port), 1, "%s", line);
	return port;
}

/* serve on home listening on 127.0.0.1 (a port the system picks); returns the port. */
static unsigned serve_on(struct serve *s, const char *home) {
	char *args[] = {"--home", (char *)home, "serve", "--listen", "127.0.0.1:0", NULL};
	start_env(s, NULL, args);
	return listening_port(s);
}

/* SIGTERM, then a clean exit. */
static void stop(struct serve *s) {
	cr_assert_eq(kill(s->pid, SIGTERM), 0);
	int status = test_proc_wait(s->pid, 10000);
	cr_assert_eq(
		status, 0, "serve ended with %d: %s", status, test_proc_slurp(s->err_path, NULL));
}

/* --- one serve per home ------------------------------------------------------------------- */

Test(service, a_second_serve_on_the_same_home_says_one_already_runs) {
	char *home = make_node("hub");
	struct serve first;
	serve_on(&first, home);

	struct test_run r;
	uccn(&r, "--home", home, "serve", "--listen", "127.0.0.1:0", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	char want[700];
	snprintf(want, sizeof(want), "uccn: serve: serve is already running on %s (pid %ld)\n",
		home, (long)first.pid);
	cr_assert_str_eq(r.err, want);
	cr_assert_str_empty(r.out, "the second serve listened: %s", r.out);

	uccn(&r, "--home", home, "status", NULL);
	test_proc_assert_ok(&r, "status");
	snprintf(want, sizeof(want), "serve: running (pid %ld)\n", (long)first.pid);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);

	/* Once the first has stopped, a new one starts. */
	stop(&first);
	uccn(&r, "--home", home, "status", NULL);
	cr_assert_not_null(strstr(r.out, "serve: not running\n"), "%s", r.out);
	struct serve again;
	serve_on(&again, home);
	stop(&again);
}

Test(service, a_serve_killed_or_a_stale_pid_never_blocks_the_next) {
	char *home = make_node("hub");
	/* What an older uccn left behind: the pid of a serve (pid 1 exists, and is no serve) in
	 * the store's settings, and a lock file naming pid 1 that nobody holds. */
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(in_dir("hub/uccn.db"), &db), SQLITE_OK);
	cr_assert_eq(
		sqlite3_exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('serve_pid', '1')",
			NULL, NULL, NULL),
		SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	write_file(in_dir("hub/serve.lock"), "1\n");

	struct test_run r;
	uccn(&r, "--home", home, "status", NULL);
	cr_assert_not_null(strstr(r.out, "serve: not running\n"), "%s", r.out);

	struct serve s;
	serve_on(&s, home);
	/* Killed outright, it leaves its lock file, which blocks no one. */
	cr_assert_eq(kill(s.pid, SIGKILL), 0);
	cr_assert_eq(test_proc_wait(s.pid, 10000), 128 + SIGKILL);
	serve_on(&s, home);
	stop(&s);
}

/* --- listening -------------------------------------------------------------------------------- */

Test(service, serve_listens_on_a_host_name) {
	char *home = make_node("hub");
	struct serve s;
	char *args[] = {"--home", home, "serve", "--listen", "localhost:0", NULL};
	start_env(&s, NULL, args);
	unsigned port = listening_port(&s);
	cr_assert_gt(port, 0);
	cr_assert_not_null(strstr(test_proc_slurp(s.out_path, NULL), "listening on 127.0.0.1:"),
		"%s", test_proc_slurp(s.out_path, NULL));
	stop(&s);

	struct test_run r;
	uccn(&r, "--home", home, "serve", "--listen", "no-such-host.invalid:0", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "uccn: serve: --listen: cannot resolve "
					 "'no-such-host.invalid': "),
		"%s", r.err);
}

Test(service, without_a_port_serve_listens_on_7420) {
	char *home = make_node("hub");
	struct serve s;
	char *args[] = {"--home", home, "serve", "--listen", "127.0.0.1", NULL};
	start_env(&s, NULL, args);
	/* The port may be taken on this machine: either way, the port tried is 7420. */
	POLL_UNTIL(10000,
		strstr(test_proc_slurp(s.out_path, NULL), "\n") != NULL ||
			test_proc_wait(s.pid, 0) >= 0,
		"serve neither listened nor failed");
	const char *out = test_proc_slurp(s.out_path, NULL);
	const char *err = test_proc_slurp(s.err_path, NULL);
	if (out[0] != '\0') {
		cr_assert_str_eq(out, "listening on 127.0.0.1:7420\n");
		stop(&s);
	} else {
		cr_assert_not_null(
			strstr(err, "address 127.0.0.1:7420 is already in use"), "%s", err);
	}
}

Test(service, a_busy_port_is_named_as_such) {
	char *home = make_node("hub");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	char listen_at[32];
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));

	struct test_run r;
	uccn(&r, "--home", home, "serve", "--listen", listen_at, NULL);
	close(fd);
	cr_assert_eq(r.status, 1);
	char want[200];
	snprintf(want, sizeof(want),
		"uccn: serve: address %s is already in use (another serve, or another program, "
		"listens there)\n",
		listen_at);
	cr_assert_str_eq(r.err, want);
}

Test(service, a_peer_may_be_a_wss_url) {
	char *home = make_node("city");
	struct test_run r;
	uccn(&r, "--home", home, "peer", "add", "wss://hub.example.org/uccn", NULL);
	test_proc_assert_ok(&r, "peer add wss://");
	uccn(&r, "--home", home, "peer", "list", NULL);
	cr_assert_str_eq(r.out, "wss://hub.example.org/uccn - all\n");
	uccn(&r, "--home", home, "peer", "add", "https://hub.example.org/", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
}

/* --- logs ------------------------------------------------------------------------------------ */

#define WRONG_PIN "0000000000000000000000000000000000000000000000000000000000000001"

/* Polls the file for text (10 s at most). */
static void wait_for_text(const char *path, const char *text) {
	POLL_UNTIL(10000, strstr(test_proc_slurp(path, NULL), text) != NULL, "no '%s' in: %s", text,
		test_proc_slurp(path, NULL));
}

/* A hub listening, and a city whose only peer is the hub pinned to a key that is not its own;
 * returns the city's home and the hub's url in url. */
static char *city_with_a_wrong_pin(struct serve *hub, char url[64]) {
	char *hub_home = in_dir("hub");
	struct test_run r;
	uccn(&r, "--home", hub_home, "init", "--secretariat", "--name", "UNESCO", NULL);
	test_proc_assert_ok(&r, "init --secretariat");
	char network[65];
	cr_assert_eq(sscanf(r.out, "network %64s", network), 1, "%s", r.out);
	snprintf(url, 64, "ws://127.0.0.1:%u", serve_on(hub, hub_home));
	char *home = in_dir("city");
	uccn(&r, "--home", home, "init", "--network", network, "--name", "Adelaide", "--country",
		"AU", "--field", "music", NULL);
	test_proc_assert_ok(&r, "init");
	uccn(&r, "--home", home, "peer", "add", url, WRONG_PIN, NULL);
	test_proc_assert_ok(&r, "peer add");
	return home;
}

Test(service, serve_logs_a_wrong_pinned_key_as_a_warning_without_being_asked) {
	struct serve hub, city;
	char url[64];
	char *home = city_with_a_wrong_pin(&hub, url);
	/* No -v, no --log-level; a JOURNAL_STREAM that is not its stderr changes nothing. */
	const char *env[] = {"JOURNAL_STREAM=1:1", NULL};
	char *args[] = {"--home", home, "serve", NULL};
	start_env(&city, env, args);
	char want[200];
	snprintf(want, sizeof(want),
		"uccn: warning: net: %s: the peer's key is not the pinned key\n", url);
	wait_for_text(city.err_path, want);
	stop(&city);
	/* Warnings only: no line of a lower level. */
	cr_assert_null(strstr(test_proc_slurp(city.err_path, NULL), "uccn: info:"), "%s",
		test_proc_slurp(city.err_path, NULL));
	stop(&hub);
}

Test(service, serve_writes_journald_priorities_when_stderr_is_the_journal) {
	struct serve hub, city;
	char url[64];
	char *home = city_with_a_wrong_pin(&hub, url);
	/* What systemd does: JOURNAL_STREAM names the device and inode of the stream it gave. */
	char *args[] = {"sh", "-c",
		"JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" \"$@\"", UCCN_BIN,
		"--home", home, "serve", "--log-level", "info", NULL};
	struct test_proc_opts o = {.program = "/bin/sh"};
	city.pid = test_proc_spawn(args, &o, city.err_path, sizeof(city.err_path));
	char want[200];
	snprintf(want, sizeof(want), "<4>net: %s: the peer's key is not the pinned key\n", url);
	wait_for_text(city.err_path, want);
	stop(&city);
	const char *err = test_proc_slurp(city.err_path, NULL);
	cr_assert_null(strstr(err, "uccn: "), "a line without its priority: %s", err);
	stop(&hub);
}

Test(service, the_log_names_the_city_not_its_key) {
	char *hub_home = in_dir("hub");
	struct test_run r;
	uccn(&r, "--home", hub_home, "init", "--secretariat", "--name", "UNESCO", NULL);
	test_proc_assert_ok(&r, "init --secretariat");
	char network[65], key[65];
	cr_assert_eq(sscanf(r.out, "network %64s", network), 1, "%s", r.out);
	uccn(&r, "--home", in_dir("adelaide"), "init", "--network", network, "--name", "Adelaide",
		"--country", "AU", "--field", "music", NULL);
	test_proc_assert_ok(&r, "init");
	cr_assert_eq(sscanf(r.out, "key %64s", key), 1, "%s", r.out);
	uccn(&r, "--home", hub_home, "designate", key, "--name", "Adelaide", "--country", "AU",
		"--field", "music", "--year", "2017", NULL);
	test_proc_assert_ok(&r, "designate");

	struct serve hub;
	char *args[] = {"--home", hub_home, "serve", "--listen", "127.0.0.1:0", "--log-level",
		"info", NULL};
	start_env(&hub, NULL, args);
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u", listening_port(&hub));
	uccn(&r, "--home", in_dir("adelaide"), "sync", url, NULL);
	test_proc_assert_ok(&r, "sync");
	wait_for_text(hub.err_path, "uccn: info: net: Adelaide (127.0.0.1:");
	stop(&hub);

	uccn(&r, "--home", hub_home, "serve", "--log-level", "loud", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_str_eq(r.err, "uccn: serve: --log-level: 'loud' is not error, warning, info or "
				"debug\n");
}
