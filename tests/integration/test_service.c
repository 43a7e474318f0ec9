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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* Polls cond every 10 ms for at most ms, or fails with the message. */
#define POLL_UNTIL(ms, cond, ...)                                      \
	do {                                                           \
		uint64_t until_ = test_clock_ms() + (ms);                   \
		while (!(cond)) {                                      \
			cr_assert_lt(test_clock_ms(), until_, __VA_ARGS__); \
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
	cr_assert_eq(r.status, 2);
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

Test(service, a_peer_that_cannot_be_reached_is_a_warning) {
	char *home = make_node("city");
	/* A port nobody listens on: bound, then let go. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
	struct test_run r;
	uccn(&r, "--home", home, "peer", "add", url, NULL);
	test_proc_assert_ok(&r, "peer add");
	struct serve s;
	char *args[] = {"--home", home, "serve", NULL};
	start_env(&s, NULL, args);
	char want[160];
	snprintf(want, sizeof(want), "uccn: warning: net: %s: cannot connect: ", url);
	wait_for_text(s.err_path, want);
	stop(&s);
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

/* --- the configuration file ------------------------------------------------------------------ */

Test(service, flags_override_the_environment_which_overrides_the_file) {
	char *conf = in_dir("uccn.conf");
	char text[1024];
	snprintf(text, sizeof(text),
		"; a city's node\n"
		"[node]\n"
		"home = %s/from-file\n"
		"\n"
		"[serve]\n"
		"listen = 127.0.0.1:0\n"
		"log-level = info\n"
		"peer = wss://hub.example.org/ " WRONG_PIN "\n",
		tmp);
	write_file(conf, text);
	const char *file_env[] = {"UCCN_CONFIG", NULL, NULL};
	char config_env[600];
	snprintf(config_env, sizeof(config_env), "UCCN_CONFIG=%s", conf);
	file_env[0] = config_env;

	/* The file alone: its home is where init goes, and config says so, line by line. */
	struct test_run r;
	uccn_env(&r, file_env, "init", "--secretariat", "--name", "UNESCO", NULL);
	test_proc_assert_ok(&r, "init with the file's home");
	uccn_env(&r, file_env, "config", NULL);
	test_proc_assert_ok(&r, "config");
	char want[2048];
	snprintf(want, sizeof(want),
		"; configuration file %s (UCCN_CONFIG)\n"
		"[node]\n"
		"home = %s/from-file  ; %s:3\n"
		"[serve]\n"
		"listen = 127.0.0.1:0  ; %s:6\n"
		"log-level = info  ; %s:7\n"
		"idle-timeout = 30  ; default\n"
		"peer = wss://hub.example.org/ " WRONG_PIN "  ; %s:8\n",
		conf, tmp, conf, conf, conf, conf);
	cr_assert_str_eq(r.out, want);

	/* The environment over the file, a flag over both. */
	char home_env[600];
	snprintf(home_env, sizeof(home_env), "UCCN_HOME=%s/from-env", tmp);
	const char *both[] = {config_env, home_env, NULL};
	uccn_env(&r, both, "config", NULL);
	snprintf(want, sizeof(want), "home = %s/from-env  ; environment UCCN_HOME\n", tmp);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	uccn_env(&r, both, "--home", in_dir("from-flag"), "config", "--listen", "localhost:1",
		"--log-level", "error", NULL);
	snprintf(want, sizeof(want),
		"home = %s/from-flag  ; flag --home\n"
		"[serve]\n"
		"listen = localhost:1  ; flag --listen\n"
		"log-level = error  ; flag --log-level\n",
		tmp);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);

	/* serve takes the file's listen address and peers, and logs at its level. */
	struct serve s;
	char *args[] = {"serve", NULL};
	start_env(&s, file_env, args);
	cr_assert_gt(listening_port(&s), 0);
	cr_assert_eq(kill(s.pid, SIGHUP), 0); /* an info line, which the default level hides */
	wait_for_text(s.err_path, "uccn: info: serve: reloaded ");
	stop(&s);

	/* --config over UCCN_CONFIG; with no file at all, the defaults. */
	write_file(in_dir("other.conf"), "[serve]\nidle-timeout = 5\n");
	uccn_env(&r, both, "--config", in_dir("other.conf"), "config", NULL);
	cr_assert_not_null(strstr(r.out, "idle-timeout = 5  ; "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "(--config)"), "%s", r.out);
	uccn(&r, "config", NULL);
	test_proc_assert_ok(&r, "config without a file");
	cr_assert_not_null(strstr(r.out, "log-level = warning  ; default\n"), "%s", r.out);
}

Test(service, an_unknown_key_or_section_is_an_error_naming_its_line) {
	static const struct {
		const char *text, *error;
	} cases[] = {
		{"[serve]\nlisten = 127.0.0.1\nlissen = 1\n",
			":3: unknown key 'lissen' in [serve]"},
		{"[node]\nhome = /x\n[sevre]\nlisten = 1\n",
			":4: unknown section [sevre] (sections: [node], [serve])"},
		{"[serve]\n\nlog-level = loud\n",
			":3: log-level: 'loud' is not error, warning, info or debug"},
		{"[serve]\npeer = http://x/\n", ":2: peer: 'http://x/' is not URL [KEY]"},
		{"[node]\nhome = relative\n", ":2: home: 'relative' is not an absolute path"},
		{"[serve]\njust words\n", ":2: not 'key = value' nor '[section]'"},
	};
	char *conf = in_dir("bad.conf");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(conf, cases[i].text);
		struct test_run r;
		uccn(&r, "--config", conf, "list", NULL);
		cr_assert_eq(r.status, 2, "case %zu: %s", i, r.err);
		char want[700];
		snprintf(want, sizeof(want), "uccn: list: %s%s", conf, cases[i].error);
		cr_assert_eq(strncmp(r.err, want, strlen(want)), 0, "case %zu: %s", i, r.err);
	}
	struct test_run r;
	uccn(&r, "--config", in_dir("missing.conf"), "list", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "missing.conf: No such file or directory"), "%s", r.err);
}

/* --- systemd and SIGHUP ----------------------------------------------------------------------- */

/* A socket standing in for systemd's NOTIFY_SOCKET; returns its fd, its path in path. */
static int notify_socket(char path[108]) {
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(path, 108, "%s/notify", tmp);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	return fd;
}

/* The next message on the notify socket (10 s at most). */
static char *next_notice(int fd) {
	static char msg[256];
	struct pollfd p = {fd, POLLIN, 0};
	cr_assert_eq(poll(&p, 1, 10000), 1, "no notice came");
	ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);
	cr_assert_gt(n, 0);
	msg[n] = '\0';
	return msg;
}

/* How many times text occurs in the file. */
static int occurrences(const char *path, const char *text) {
	int n = 0;
	for (const char *p = test_proc_slurp(path, NULL); (p = strstr(p, text)) != NULL; p++) {
		n++;
	}
	return n;
}

/* A node of network in name, serving on 127.0.0.1 with info logs; returns its url. */
static char *serve_city(struct serve *s, const char *name, const char *network) {
	struct test_run r;
	uccn(&r, "--home", in_dir(name), "init", "--network", (char *)network, "--name",
		(char *)name, "--country", "IT", "--field", "design", NULL);
	test_proc_assert_ok(&r, "init");
	char *args[] = {"--home", in_dir(name), "serve", "--listen", "127.0.0.1:0", "--log-level",
		"info", NULL};
	start_env(s, NULL, args);
	static char urls[2][64];
	static unsigned next;
	char *url = urls[next++ % 2];
	snprintf(url, 64, "ws://127.0.0.1:%u", listening_port(s));
	return url;
}

Test(service, sighup_reloads_the_peers_with_the_sessions_kept_and_systemd_is_told) {
	struct test_run r;
	uccn(&r, "--home", in_dir("hub"), "init", "--secretariat", "--name", "UNESCO", NULL);
	test_proc_assert_ok(&r, "init --secretariat");
	char network[65];
	cr_assert_eq(sscanf(r.out, "network %64s", network), 1, "%s", r.out);
	struct serve bologna, kanazawa, hub;
	char *bologna_url = serve_city(&bologna, "bologna", network);
	char *kanazawa_url = serve_city(&kanazawa, "kanazawa", network);

	/* The hub dials Bologna, as its configuration says. */
	char *conf = in_dir("hub.conf");
	char text[512];
	snprintf(text, sizeof(text), "[serve]\nlisten = 127.0.0.1:0\npeer = %s\n", bologna_url);
	write_file(conf, text);
	char notify_path[108], notify_env[160], config_env[600];
	int notify = notify_socket(notify_path);
	snprintf(notify_env, sizeof(notify_env), "NOTIFY_SOCKET=%s", notify_path);
	snprintf(config_env, sizeof(config_env), "UCCN_CONFIG=%s", conf);
	const char *env[] = {notify_env, config_env, NULL};
	char *args[] = {"--home", in_dir("hub"), "serve", NULL};
	start_env(&hub, env, args);
	cr_assert_str_eq(next_notice(notify), "READY=1");
	cr_assert_not_null(strstr(test_proc_slurp(hub.out_path, NULL), "listening on "),
		"ready before listening");
	wait_for_text(bologna.err_path, "session established");

	/* A peer added to the file and SIGHUP: the hub keeps running, dials Kanazawa, and its
	 * session with Bologna is the same one. */
	snprintf(text, sizeof(text), "[serve]\nlisten = 127.0.0.1:0\npeer = %s\npeer = %s\n",
		bologna_url, kanazawa_url);
	write_file(conf, text);
	cr_assert_eq(kill(hub.pid, SIGHUP), 0);
	cr_assert_str_eq(next_notice(notify), "RELOADING=1");
	cr_assert_str_eq(next_notice(notify), "READY=1");
	wait_for_text(kanazawa.err_path, "session established");
	cr_assert_eq(test_proc_wait(hub.pid, 0), -1, "SIGHUP ended serve");
	cr_assert_eq(occurrences(bologna.err_path, "session established"), 1, "%s",
		test_proc_slurp(bologna.err_path, NULL));
	cr_assert_eq(occurrences(bologna.err_path, "closed"), 0, "%s",
		test_proc_slurp(bologna.err_path, NULL));

	/* A file that no longer reads is logged, and changes nothing. */
	write_file(conf, "[serve]\nlisten = 127.0.0.1:0\npeer = nonsense\n");
	cr_assert_eq(kill(hub.pid, SIGHUP), 0);
	cr_assert_str_eq(next_notice(notify), "RELOADING=1");
	cr_assert_str_eq(next_notice(notify), "READY=1");
	wait_for_text(hub.err_path, ":3: peer: 'nonsense' is not URL [KEY]");
	cr_assert_eq(test_proc_wait(hub.pid, 0), -1, "a bad file ended serve");

	stop(&hub);
	cr_assert_str_eq(next_notice(notify), "STOPPING=1");
	close(notify);
	stop(&bologna);
	stop(&kanazawa);
}
