/* test_net_cli.c - the network commands end to end: real uccn processes (UCCN_BIN) on
 * 127.0.0.1, each serve on a port the kernel picks (read from its "listening on" line), each
 * node in its own folder. A hub and three cities converge by `sync`; an edit made beside a
 * running serve reaches the peer, and a second peer through the hub, within seconds; a hub
 * killed mid-transfer and started again is caught up with; a city killed mid-sync and started
 * again converges with a store that verifies; a node of another network is refused with
 * nothing taken. Waits poll against deadlines; nothing sleeps blindly. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/node.h>

#include "tests/proc.h"
#include "tests/support.h"

#ifndef UCCN_BIN
#error "UCCN_BIN must name the built uccn program"
#endif

static char dir[256];

static void pause_ms(unsigned ms) {
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static char *tmp; /* the test's folder, made and removed by support.c */

static void setup(void) {
	tmp = test_tmpdir();
	snprintf(dir, sizeof(dir), "%s", tmp);
	test_proc_begin(dir);
}

static void teardown(void) {
	test_proc_end();
	test_rmdir(tmp);
	tmp = NULL;
	test_check_leaks();
}

TestSuite(net_cli, .init = setup, .fini = teardown);

static char *path_of(const char *name) {
	static char paths[16][512];
	static unsigned next;
	char *p = paths[next++ % 16];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* Starts the program with args (NULL-terminated); stdout goes to out_fd (or a file of the
 * folder when -1), stderr to the file err_path names. */
static pid_t spawn(int out_fd, char *const args[], char *err_path, size_t err_len) {
	struct test_proc_opts o = {.out_fd = out_fd};
	return test_proc_spawn(args, &o, err_path, err_len);
}

static char *slurp(const char *p) {
	return test_proc_slurp(p, NULL);
}

/* run(&r, "--home", home, "command", ..., NULL) */
static void run(struct test_run *r, ...) {
	va_list ap;
	va_start(ap, r);
	test_proc_runv(r, NULL, ap);
	va_end(ap);
}

static void assert_ok(const struct test_run *r, const char *what) {
	test_proc_assert_ok(r, what);
}

/* A serve running on a home. */
struct server {
	pid_t pid;
	unsigned port;
	char err_path[512];
};

/* Starts `serve` on home (listening on listen, "127.0.0.1:0" for any port) and waits for its
 * "listening on" line. */
static void serve_on(struct server *s, const char *home, const char *listen) {
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	char *args[] = {
		"uccn", "-v", "--home", (char *)home, "serve", "--listen", (char *)listen, NULL};
	s->pid = spawn(fds[1], args, s->err_path, sizeof(s->err_path));
	close(fds[1]);
	char line[128];
	size_t len = 0;
	uint64_t deadline = test_clock_ms() + 10000;
	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		struct pollfd p = {fds[0], POLLIN, 0};
		int left = (int)(deadline > test_clock_ms() ? deadline - test_clock_ms() : 0);
		cr_assert_gt(poll(&p, 1, left), 0, "serve did not say where it listens: %s",
			slurp(s->err_path));
		ssize_t got = read(fds[0], line + len, sizeof(line) - 1 - len);
		cr_assert_gt(got, 0, "serve ended: %s", slurp(s->err_path));
		len += (size_t)got;
	}
	close(fds[0]);
	line[len] = '\0';
	cr_assert_eq(sscanf(line, "listening on 127.0.0.1:%u", &s->port), 1, "%s", line);
	cr_assert_gt(s->port, 0);
}

static void serve(struct server *s, const char *home) {
	serve_on(s, home, "127.0.0.1:0");
}

/* A serve without --listen: it only dials its remembered peers. */
static void serve_dialling(struct server *s, const char *home) {
	char *args[] = {"uccn", "-v", "--home", (char *)home, "serve", NULL};
	s->pid = spawn(-1, args, s->err_path, sizeof(s->err_path));
	s->port = 0;
}

/* SIGTERM, then a clean exit within 5 s. */
static void stop(struct server *s) {
	cr_assert_eq(kill(s->pid, SIGTERM), 0);
	int status = test_proc_wait(s->pid, 5000);
	cr_assert_eq(status, 0, "serve ended with %d: %s", status, slurp(s->err_path));
}

static void crash(pid_t pid) {
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(test_proc_wait(pid, 5000), 128 + SIGKILL);
}

static char *url_of(const struct server *s) {
	static char urls[4][64];
	static unsigned next;
	char *u = urls[next++ % 4];
	snprintf(u, 64, "ws://127.0.0.1:%u", s->port);
	return u;
}

/* Makes the Secretariat's node in name and returns the network id (static storage). */
static char *make_hub(const char *name) {
	static char network[65];
	struct test_run r;
	run(&r, "--home", path_of(name), "init", "--secretariat", "--name", "UNESCO", NULL);
	assert_ok(&r, "init --secretariat");
	cr_assert_eq(sscanf(r.out, "network %64s", network), 1, "%s", r.out);
	return network;
}

/* Makes a city of network in name, designated by the hub when hub is not NULL; returns its
 * key in key. */
static void make_city(const char *name, const char *network, const char *hub, char key[65]) {
	struct test_run r;
	run(&r, "--home", path_of(name), "init", "--network", (char *)network, "--name",
		(char *)name, "--country", "IT", "--field", "design", NULL);
	assert_ok(&r, "init");
	cr_assert_eq(sscanf(r.out, "key %64s", key), 1, "%s", r.out);
	if (hub != NULL) {
		run(&r, "--home", path_of(hub), "designate", key, "--name", (char *)name,
			"--country", "IT", "--field", "design", "--year", "2017", NULL);
		assert_ok(&r, "designate");
	}
}

static void put(const char *name, const char *title) {
	char arg[128];
	snprintf(arg, sizeof(arg), "title=%s", title);
	struct test_run r;
	run(&r, "--home", path_of(name), "put", "best_practice", arg, NULL);
	assert_ok(&r, "put");
}

/* Writes n best practices at once, in one transaction, through the library: thousands of
 * changes in a second, so that a transfer lasts long enough to be cut in the middle. */
static void put_many(const char *name, int n) {
	struct uccn_node *node = NULL;
	cr_assert_eq(uccn_node_open(path_of(name), &node), UCCN_OK);
	test_node_put_many(node, "best_practice", "bulk", n);
	uccn_node_close(node);
}

/* Changes the node holds, read beside whatever process is writing it. */
static uint64_t count(const char *name) {
	struct uccn_node *node = NULL;
	int err = uccn_node_open(path_of(name), &node);
	cr_assert_eq(err, UCCN_OK, "%s: %s", name, uccn_err_name(err));
	uint64_t n = test_node_count(node);
	uccn_node_close(node);
	return n;
}

struct title_search {
	const char *title;
	bool found;
};

static int match_title(void *userdata, const struct uccn_record *r) {
	struct title_search *t = userdata;
	const struct uccn_value *v = uccn_record_field(r, "title");
	if (v != NULL && v->str_len == strlen(t->title) &&
		memcmp(v->str, t->title, v->str_len) == 0) {
		t->found = true;
	}
	return 0;
}

/* Whether the node holds a best practice with that title, read beside its serve. */
static bool lists(const char *name, const char *title) {
	struct uccn_node *node = NULL;
	int err = uccn_node_open(path_of(name), &node);
	cr_assert_eq(err, UCCN_OK, "%s: %s", name, uccn_err_name(err));
	struct title_search t = {title, false};
	err = uccn_node_list(node, "best_practice", false, match_title, &t);
	uccn_node_close(node);
	cr_assert_eq(err, UCCN_OK, "%s: %s", name, uccn_err_name(err));
	return t.found;
}

/* Polls cond every 10 ms for at most ms, or fails with the message. */
#define WAIT_FOR(ms, cond, ...)                                              \
	do {                                                                 \
		uint64_t wait_deadline_ = test_clock_ms() + (ms);                   \
		while (!(cond)) {                                            \
			cr_assert_lt(test_clock_ms(), wait_deadline_, __VA_ARGS__); \
			pause_ms(10);                                        \
		}                                                            \
	} while (0)

static void assert_same_lists(const char *a, const char *b) {
	struct test_run ra, rb;
	run(&ra, "--home", path_of(a), "list", "--all", "--json", NULL);
	assert_ok(&ra, "list");
	run(&rb, "--home", path_of(b), "list", "--all", "--json", NULL);
	assert_ok(&rb, "list");
	cr_assert_str_eq(ra.out, rb.out, "%s and %s hold different records", a, b);
}

Test(net_cli, the_network_commands_have_help_and_check_their_arguments) {
	const char *commands[][2] = {{"serve", NULL}, {"sync", NULL}, {"status", NULL},
		{"peer", "add"}, {"peer", "list"}, {"peer", "remove"}};
	struct test_run r;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i][1] == NULL) {
			run(&r, commands[i][0], "--help", NULL);
		} else {
			run(&r, commands[i][0], commands[i][1], "--help", NULL);
		}
		assert_ok(&r, commands[i][0]);
		cr_assert_eq(strncmp(r.out, "usage: uccn", 11), 0, "%s", r.out);
		cr_assert_not_null(strstr(r.out, commands[i][0]));
		cr_assert_str_eq(r.err, "");
	}
	run(&r, "--help", NULL);
	cr_assert_not_null(strstr(r.out, "serve"));
	cr_assert_not_null(strstr(r.out, "status"));
	char *network = make_hub("hub");
	char key[65];
	make_city("lyon", network, NULL, key);
	char *home = path_of("lyon");
	run(&r, "--home", home, "sync", "http://127.0.0.1:1", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "ws://"), "%s", r.err);
	run(&r, "--home", home, "sync", "ws://127.0.0.1:1", "--kinds", "nonsense", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	run(&r, "--home", home, "sync", "ws://127.0.0.1:1", "--pin", "abc", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	run(&r, "--home", home, "serve", "--listen", "nowhere", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	run(&r, "--home", home, "serve", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "nothing to serve"), "%s", r.err);
	run(&r, "--home", home, "peer", "add", "ws://127.0.0.1:4000", "--kinds", "event,project",
		NULL);
	assert_ok(&r, "peer add");
	run(&r, "--home", home, "peer", "add", "ws://127.0.0.1:4001", key, NULL);
	cr_assert_neq(r.status, 0, "its own key as a pin was taken");
	run(&r, "--home", home, "peer", "list", NULL);
	assert_ok(&r, "peer list");
	cr_assert_str_eq(r.out, "ws://127.0.0.1:4000 - event,project\n");
	run(&r, "--home", home, "status", NULL);
	assert_ok(&r, "status");
	cr_assert_not_null(strstr(r.out, "serve: not running"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "not connected"), "%s", r.out);
	run(&r, "--home", home, "peer", "remove", "ws://127.0.0.1:4000", NULL);
	assert_ok(&r, "peer remove");
	run(&r, "--home", home, "peer", "remove", "ws://127.0.0.1:4000", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	run(&r, "--home", home, "sync", "ws://127.0.0.1:1", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(
		strstr(r.err, "uccn: sync: ws://127.0.0.1:1: cannot connect"), "%s", r.err);
}

Test(net_cli, a_hub_and_three_cities_converge_by_sync) {
	char *network = make_hub("hub");
	const char *cities[] = {"bologna", "turin", "milan"};
	char key[65];
	for (int i = 0; i < 3; i++) {
		make_city(cities[i], network, "hub", key);
		char title[64];
		snprintf(title, sizeof(title), "a practice of %s", cities[i]);
		put(cities[i], title);
	}
	struct server hub;
	serve(&hub, path_of("hub"));
	struct test_run r;
	/* Twice round: the first round brings each city what the hub had, and the hub what each
	 * city had; the second brings each city what the others brought the hub. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++) {
			run(&r, "--home", path_of(cities[i]), "sync", url_of(&hub), NULL);
			assert_ok(&r, "sync");
			cr_assert_eq(strncmp(r.out, "sent ", 5), 0, "%s", r.out);
			cr_assert_not_null(strstr(r.out, "received"), "%s", r.out);
			cr_assert_str_eq(
				r.err, "", "progress went to a stderr that is no terminal");
		}
	}
	/* Nothing left to move. */
	run(&r, "--home", path_of("milan"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	cr_assert_eq(strncmp(r.out, "sent 0, received 0 ", 19), 0, "%s", r.out);
	for (int i = 0; i < 3; i++) {
		assert_same_lists("hub", cities[i]);
	}
	stop(&hub);
}

Test(net_cli, an_edit_beside_a_running_serve_reaches_the_peers_within_seconds) {
	char *network = make_hub("hub");
	char key[65];
	make_city("bologna", network, "hub", key);
	make_city("turin", network, "hub", key);
	struct server hub, bologna, turin;
	serve(&hub, path_of("hub"));
	struct test_run r;
	run(&r, "--home", path_of("bologna"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	run(&r, "--home", path_of("turin"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	serve_dialling(&bologna, path_of("bologna"));
	serve_dialling(&turin, path_of("turin"));
	/* Both connected: each holds the other's city record, which went through the hub. */
	WAIT_FOR(10000, count("bologna") == count("hub") && count("turin") == count("hub"),
		"the serves did not sync: hub %llu, bologna %llu, turin %llu; bologna: %s; turin: "
		"%s; "
		"hub: %s",
		(unsigned long long)count("hub"), (unsigned long long)count("bologna"),
		(unsigned long long)count("turin"), slurp(bologna.err_path), slurp(turin.err_path),
		slurp(hub.err_path));
	/* A peer added while serve runs is dialled within seconds. */
	make_city("milan", network, "hub", key);
	struct server milan;
	serve(&milan, path_of("milan"));
	run(&r, "--home", path_of("milan"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	WAIT_FOR(10000, count("milan") == count("hub"), "a peer added to a running serve");
	/* The edit travels by live push, with no new session: the deadline only bounds a hang
	 * (how fast it travels is the benchmarks' business, not a test's on a shared machine). */
	put("bologna", "Edited while serving");
	WAIT_FOR(30000, lists("hub", "Edited while serving"), "the edit did not reach the hub");
	WAIT_FOR(30000, lists("turin", "Edited while serving"), "the edit did not reach Turin");
	/* status: serve is running and the hub is connected. */
	WAIT_FOR(10000,
		(run(&r, "--home", path_of("bologna"), "status", NULL),
			strstr(r.out, "  connected") != NULL),
		"status: %s", r.out);
	cr_assert_not_null(strstr(r.out, "serve: running"), "%s", r.out);
	stop(&bologna);
	run(&r, "--home", path_of("bologna"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert_not_null(strstr(r.out, "serve: not running"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "not connected"), "%s", r.out);
	stop(&turin);
	stop(&milan);
	stop(&hub);
}

Test(net_cli, a_hub_killed_mid_transfer_and_started_again_is_caught_up) {
	char *network = make_hub("hub");
	char key[65];
	make_city("bologna", network, "hub", key);
	put_many("bologna", 4000);
	/* With the edit made below, and Bologna's cosignature of the registry's checkpoint. */
	uint64_t total = count("hub") + count("bologna") + 2;
	struct server hub, bologna;
	serve(&hub, path_of("hub"));
	unsigned port = hub.port;
	struct test_run r;
	run(&r, "--home", path_of("bologna"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	serve_dialling(&bologna, path_of("bologna"));
	WAIT_FOR(20000, count("hub") > 600, "the transfer did not start");
	crash(hub.pid);
	uint64_t at_crash = count("hub");
	put("bologna", "Written while the hub was down");
	/* Same port: the peer list names it. */
	char listen[32];
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	serve_on(&hub, path_of("hub"), listen);
	WAIT_FOR(20000, count("hub") == total,
		"the hub held %llu of %llu changes after the restart",
		(unsigned long long)count("hub"), (unsigned long long)total);
	cr_assert_lt(at_crash, total, "the hub had everything before the crash");
	cr_assert(lists("hub", "Written while the hub was down"));
	run(&r, "--home", path_of("hub"), "verify", NULL);
	assert_ok(&r, "verify");
	stop(&bologna);
	stop(&hub);
}

Test(net_cli, a_city_killed_mid_sync_and_started_again_converges) {
	char *network = make_hub("hub");
	char key[65];
	make_city("bologna", network, "hub", key);
	make_city("turin", network, "hub", key);
	struct server hub;
	serve(&hub, path_of("hub"));
	struct test_run r;
	/* Turin learns the registry first, so that Bologna's changes apply as they come rather
	 * than wait for Bologna's designation. */
	run(&r, "--home", path_of("turin"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	put_many("bologna", 12000);
	run(&r, "--home", path_of("bologna"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	uint64_t total = count("hub");
	uint64_t before = count("turin");
	char *args[] = {"uccn", "--home", path_of("turin"), "sync", url_of(&hub), NULL};
	char err_path[512];
	pid_t pid = spawn(-1, args, err_path, sizeof(err_path));
	WAIT_FOR(20000, count("turin") > before + 300, "the sync did not start");
	crash(pid);
	uint64_t at_crash = count("turin");
	cr_assert_lt(at_crash, total, "the sync had finished before the kill");
	run(&r, "--home", path_of("turin"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync after the crash");
	cr_assert_eq(count("turin"), total);
	run(&r, "--home", path_of("turin"), "verify", NULL);
	assert_ok(&r, "verify");
	assert_same_lists("hub", "turin");
	stop(&hub);
}

/* Whether `uccn status` of the node prints text. */
static bool status_says(const char *name, const char *text) {
	struct test_run r;
	run(&r, "--home", path_of(name), "status", NULL);
	assert_ok(&r, "status");
	return strstr(r.out, text) != NULL;
}

Test(net_cli, a_node_of_another_network_is_refused_with_nothing_taken) {
	char *network = make_hub("hub");
	char key[65];
	make_city("bologna", network, "hub", key);
	char other[65];
	snprintf(other, sizeof(other), "%s", make_hub("otherhub"));
	make_city("stranger", other, "otherhub", key);
	put("stranger", "From elsewhere");
	struct server hub;
	serve(&hub, path_of("hub"));
	uint64_t hub_before = count("hub"), stranger_before = count("stranger");
	struct test_run r;
	run(&r, "--home", path_of("stranger"), "sync", url_of(&hub), NULL);
	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "");
	cr_assert_eq(strncmp(r.err, "uccn: sync: ", 12), 0, "%s", r.err);
	/* The hub told why (PROTOCOL.md §10.5), and sync says it. */
	char want[160];
	snprintf(want, sizeof(want),
		"uccn: sync: %s: the peer ended the session: another network\n", url_of(&hub));
	cr_assert_str_eq(r.err, want);
	cr_assert_eq(count("hub"), hub_before);
	cr_assert_eq(count("stranger"), stranger_before);
	/* A serve that dials the hub keeps the reason as the peer's last error. */
	run(&r, "--home", path_of("stranger"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	struct server dialler;
	serve_dialling(&dialler, path_of("stranger"));
	WAIT_FOR(10000,
		status_says("stranger", "last error: the peer ended the session: another network"),
		"status never showed the hub's reason");
	stop(&dialler);
	/* The hub goes on serving its own. */
	run(&r, "--home", path_of("bologna"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	stop(&hub);
}

/* How many records of kind the node holds, read beside whatever process is writing it. */
static int records(const char *name, const char *kind) {
	struct test_run r;
	run(&r, "--home", path_of(name), "list", (char *)kind, "--json", NULL);
	assert_ok(&r, "list");
	int n = 0;
	for (const char *p = r.out; (p = strstr(p, "\"id\"")) != NULL; p++) {
		n++;
	}
	return n;
}

Test(net_cli, a_report_reaches_the_secretariat_and_never_a_peer_city) {
	char *network = make_hub("hub");
	char adelaide[65], hobart[65];
	make_city("adelaide", network, "hub", adelaide);
	make_city("hobart", network, "hub", hobart);
	struct test_run r;
	run(&r, "--home", path_of("adelaide"), "put", "report", "period=2019-2023",
		"achievements=music in every school", NULL);
	assert_ok(&r, "put report");
	run(&r, "--home", path_of("adelaide"), "put", "best_practice", "title=Shared",
		"audience=secretariat", NULL);
	assert_ok(&r, "put a practice for the Secretariat");
	put("adelaide", "Open to all");
	/* City to city: Hobart serves, Adelaide syncs every kind, reports included. */
	struct server hub, peer;
	serve(&hub, path_of("hub"));
	serve(&peer, path_of("hobart"));
	run(&r, "--home", path_of("hobart"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "hobart takes the registry");
	run(&r, "--home", path_of("adelaide"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "adelaide with the hub");
	run(&r, "--home", path_of("adelaide"), "sync", url_of(&peer), "--pin", hobart, "--kinds",
		"report,best_practice", NULL);
	assert_ok(&r, "adelaide with hobart");
	cr_assert(lists("hobart", "Open to all"), "the public practice went city to city");
	cr_assert_not(lists("hobart", "Shared"), "the one for the Secretariat did not");
	cr_assert_eq(records("hobart", "report"), 0, "no report reached the peer city");
	cr_assert_eq(records("hub", "report"), 1, "the Secretariat has it");
	cr_assert(lists("hub", "Shared"));
	/* Hobart, a peer of the hub now, still gets no report from it. */
	run(&r, "--home", path_of("hobart"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "hobart with the hub");
	cr_assert_eq(records("hobart", "report"), 0);
	cr_assert_not(lists("hobart", "Shared"));
	stop(&peer);
	stop(&hub);
}

/* Whether every title "edit N of what" for N below n is listed by the node. */
static bool lists_all(const char *name, const char *what, int n) {
	for (int i = 0; i < n; i++) {
		char title[64];
		snprintf(title, sizeof(title), "edit %d %s", i, what);
		if (!lists(name, title)) {
			return false;
		}
	}
	return true;
}

static void put_edits(const char *name, const char *what, int from, int to) {
	for (int i = from; i < to; i++) {
		char title[64];
		snprintf(title, sizeof(title), "edit %d %s", i, what);
		put(name, title);
	}
}

/* The reproduction of a lost WAL: serve running, edits synced to the hub, kill -9, the -wal
 * file removed. Every acknowledged edit is gone from the store; verify says so, an edit is
 * refused until a sync has brought them back, and the hub never sees a fork. */
Test(net_cli, a_wal_lost_in_a_crash_is_reported_and_taken_back_before_any_edit) {
	char *network = make_hub("hub");
	char key[65];
	make_city("lyon", network, "hub", key);
	struct server hub, lyon;
	serve(&hub, path_of("hub"));
	struct test_run r;
	run(&r, "--home", path_of("lyon"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	serve_dialling(&lyon, path_of("lyon"));
	WAIT_FOR(10000, count("lyon") == count("hub"), "lyon did not sync: %s",
		slurp(lyon.err_path));
	put_edits("lyon", "before the crash", 0, 12);
	WAIT_FOR(
		10000, lists_all("hub", "before the crash", 12), "the edits did not reach the hub");
	crash(lyon.pid);
	char wal[600];
	snprintf(wal, sizeof(wal), "%s/uccn.db-wal", path_of("lyon"));
	cr_assert_eq(unlink(wal), 0, "%s: %s", wal, strerror(errno));
	cr_assert_not(lists("lyon", "edit 0 before the crash"), "the WAL held the edits");
	/* Lyon signed its city record, its cosignature of the registry's checkpoint, then the
	 * twelve edits. */
	run(&r, "--home", path_of("lyon"), "verify", NULL);
	cr_assert_eq(r.status, 1, "verify: %s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "this node signed up to #14"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "13 of its changes are missing"), "%s", r.out);
	run(&r, "--home", path_of("lyon"), "put", "best_practice", "title=would fork", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "uccn sync URL"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "uccn resume-signing"), "%s", r.err);
	run(&r, "--home", path_of("lyon"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert_not_null(strstr(r.out, "signing: paused"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "signed up to #14"), "%s", r.out);
	run(&r, "--home", path_of("lyon"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	cr_assert(lists_all("lyon", "before the crash", 12), "the sync brought them back");
	run(&r, "--home", path_of("lyon"), "status", NULL);
	cr_assert_null(strstr(r.out, "signing:"), "%s", r.out);
	run(&r, "--home", path_of("lyon"), "verify", NULL);
	assert_ok(&r, "verify after the sync");
	put_edits("lyon", "after the sync", 0, 1);
	run(&r, "--home", path_of("lyon"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	stop(&hub);
	cr_assert(lists("hub", "edit 0 after the sync"));
	run(&r, "--home", path_of("hub"), "verify", NULL);
	assert_ok(&r, "the hub verifies: no fork");
	cr_assert_not_null(strstr(r.out, ": ok"), "%s", r.out);
}

/* A backup taken beside a running serve, restored after more edits went to the hub: the
 * restored node signs nothing until a sync gave them back, and no fork appears. */
Test(net_cli, a_backup_restored_over_newer_edits_catches_up_by_sync_with_no_fork) {
	char *network = make_hub("hub");
	char key[65];
	make_city("lyon", network, "hub", key);
	struct server hub, lyon;
	serve(&hub, path_of("hub"));
	struct test_run r;
	run(&r, "--home", path_of("lyon"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	serve_dialling(&lyon, path_of("lyon"));
	put_edits("lyon", "in the backup", 0, 3);
	char backup[512];
	snprintf(backup, sizeof(backup), "%s", path_of("lyon.backup"));
	run(&r, "--home", path_of("lyon"), "backup", backup, NULL);
	assert_ok(&r, "backup beside serve");
	cr_assert_not_null(strstr(r.out, "lyon.backup.key"), "the key's file is named: %s", r.out);
	put_edits("lyon", "after the backup", 0, 3);
	WAIT_FOR(10000, lists_all("hub", "after the backup", 3), "the edits did not reach the hub");
	stop(&lyon);
	/* The copy holds what serve had committed, WAL and all. */
	run(&r, "--home", path_of("copy"), "restore", backup, NULL);
	assert_ok(&r, "restore into a new home");
	cr_assert(lists_all("copy", "in the backup", 3));
	cr_assert_not(lists("copy", "edit 0 after the backup"));
	run(&r, "--home", path_of("lyon"), "restore", backup, NULL);
	assert_ok(&r, "restore over newer edits");
	cr_assert_not_null(strstr(r.out, "uccn sync URL"), "%s", r.out);
	run(&r, "--home", path_of("lyon"), "put", "best_practice", "title=would fork", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "uccn resume-signing"), "%s", r.err);
	run(&r, "--home", path_of("lyon"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	cr_assert(lists_all("lyon", "after the backup", 3));
	put_edits("lyon", "after the restore", 0, 1);
	run(&r, "--home", path_of("lyon"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync");
	stop(&hub);
	cr_assert(lists("hub", "edit 0 after the restore"));
	run(&r, "--home", path_of("hub"), "verify", NULL);
	assert_ok(&r, "the hub verifies: no fork");
	run(&r, "--home", path_of("lyon"), "verify", NULL);
	assert_ok(&r, "lyon verifies");
	/* A backup never overwrites, and a restore never takes another node's home. */
	run(&r, "--home", path_of("lyon"), "backup", backup, NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	make_city("turin", network, NULL, key);
	run(&r, "--home", path_of("turin"), "restore", backup, NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "never replaces"), "%s", r.err);
}

/* PROTOCOL.md §11.5: what a city holds never cuts it off from the hub. */
Test(net_cli, a_city_syncs_on_after_rotating_its_key_and_after_being_handed_a_report) {
	char *network = make_hub("hub");
	char adelaide[65], hobart[65];
	make_city("adelaide", network, "hub", adelaide);
	make_city("hobart", network, "hub", hobart);
	struct test_run r;
	run(&r, "--home", path_of("adelaide"), "put", "report", "period=2019-2023", NULL);
	assert_ok(&r, "put report");
	struct server hub;
	serve(&hub, path_of("hub"));
	run(&r, "--home", path_of("adelaide"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "the report reaches the hub");
	run(&r, "--home", path_of("hobart"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "hobart with the hub");
	/* An honest rotation: the report was signed by the key Adelaide has just left. */
	run(&r, "--home", path_of("adelaide"), "rotate-key", NULL);
	assert_ok(&r, "rotate-key");
	char fresh[65];
	cr_assert_eq(sscanf(r.out, "key %64s", fresh), 1, "%s", r.out);
	run(&r, "--home", path_of("adelaide"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "a sync before the Secretariat confirms");
	run(&r, "--home", path_of("hub"), "confirm-rotation", adelaide, fresh, NULL);
	assert_ok(&r, "confirm-rotation beside the running hub");
	run(&r, "--home", path_of("adelaide"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "a sync after");
	cr_assert_eq(records("adelaide", "report"), 1, "the city keeps its own report");
	/* The Secretariat's own file handed to Hobart: the report is dropped, the rest taken, and
	 * Hobart goes on syncing. */
	char *file = path_of("hub-for-secretariat.uccn");
	run(&r, "--home", path_of("hub"), "export", "--for", "secretariat", file, NULL);
	assert_ok(&r, "export --for secretariat beside the running hub");
	run(&r, "--home", path_of("hobart"), "import", file, NULL);
	assert_ok(&r, "import at hobart");
	cr_assert_not_null(
		strstr(r.out, " 1 dropped (meant for the Secretariat alone)"), "%s", r.out);
	cr_assert_eq(records("hobart", "report"), 0);
	run(&r, "--home", path_of("hobart"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "hobart with the hub after the import");
	cr_assert_eq(records("hobart", "report"), 0);
	stop(&hub);
}

/* The hub keeps a record of every session it accepts (and every one a node dials): `status`
 * shows which cities synced when, what was held and what failed, and `health` lists what needs
 * attention and exits 3 while something does. */
Test(net_cli, the_hub_records_its_sessions_and_health_says_what_needs_attention) {
	char *network = make_hub("hub");
	char bologna[65], torino[65], genova[65], stranger[65];
	make_city("bologna", network, "hub", bologna);
	make_city("torino", network, NULL, torino); /* applied, not designated yet */
	make_city("genova", network, "hub", genova); /* designated, never comes */
	char other[65];
	snprintf(other, sizeof(other), "%s", make_hub("otherhub"));
	make_city("stranger", other, NULL, stranger);
	put("bologna", "Porticoes");
	put("torino", "Mole");
	struct server hub;
	serve(&hub, path_of("hub"));
	struct test_run r;
	run(&r, "--home", path_of("hub"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert(strstr(r.out, "no peers") != NULL, "%s", r.out);
	run(&r, "--home", path_of("bologna"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync bologna");
	cr_assert(strstr(r.out, "held there") == NULL, "%s", r.out);
	run(&r, "--home", path_of("torino"), "sync", url_of(&hub), NULL);
	assert_ok(&r, "sync torino");
	/* The hub said, in its acknowledgements, that it holds them back. */
	const char *held = "sent 2 (2 held there: this city is not designated yet), received ";
	cr_assert_eq(strncmp(r.out, held, strlen(held)), 0, "%s", r.out);
	run(&r, "--home", path_of("stranger"), "sync", url_of(&hub), NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);

	run(&r, "--home", path_of("hub"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert(strstr(r.out, "no peers") == NULL, "%s", r.out);
	cr_assert(strstr(r.out, "sessions (3 peers, the most recent first):\n") != NULL, "%s",
		r.out);
	char want[256];
	snprintf(want, sizeof(want), "  bologna (%.16s…), from 127.0.0.1:", bologna);
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "    synced ") != NULL, "%s", r.out);
	snprintf(want, sizeof(want), "  not a member (%.16s…), from 127.0.0.1:", torino);
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "held here 2, refused 0); 1 session, 0 failed") != NULL, "%s",
		r.out);
	cr_assert(strstr(r.out, "  a peer that proved no key, from 127.0.0.1\n    failed ") !=
			  NULL,
		"%s", r.out);
	cr_assert(strstr(r.out, "another network\n") != NULL, "%s", r.out);

	/* The log of the last sessions: the latest first, the failed one with why. */
	run(&r, "--home", path_of("hub"), "status", "--history", "10", NULL);
	assert_ok(&r, "status --history");
	char *log = strstr(r.out, "the last sessions that ended (at most 10, the latest first):\n");
	cr_assert_not_null(log, "%s", r.out);
	char *first = strstr(log, "a peer that proved no key, from 127.0.0.1: sent 0, received 0");
	snprintf(want, sizeof(want), "  not a member (%.16s…), from 127.0.0.1:", torino);
	char *second = strstr(log, want);
	snprintf(want, sizeof(want), "  bologna (%.16s…), from 127.0.0.1:", bologna);
	char *third = strstr(log, want);
	cr_assert(first != NULL && second != NULL && third != NULL, "%s", log);
	cr_assert(first < second && second < third, "not the latest first: %s", log);
	cr_assert_not_null(strstr(first, "; failed: another network\n"), "%s", log);
	run(&r, "--home", path_of("hub"), "status", "--history", "0", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);

	run(&r, "--home", path_of("hub"), "status", "--json", "--history", "2", NULL);
	assert_ok(&r, "status --json");
	cr_assert_not_null(strstr(r.out, "\"history\": ["), "%s", r.out);
	cr_assert_eq(r.out[0], '{', "%s", r.out);
	cr_assert(strstr(r.out, "\"state\": \"failed\"") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"held\": 2,") != NULL, "%s", r.out);
	snprintf(want, sizeof(want), "\"city\": \"bologna\"");
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);

	run(&r, "--home", path_of("hub"), "health", NULL);
	cr_assert_eq(r.status, 3, "%d: %s%s", r.status, r.out, r.err);
	snprintf(want, sizeof(want), "member cities not seen (1):\n  genova (%.16s…): never seen\n",
		genova);
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);
	snprintf(want, sizeof(want),
		"changes held here, by author (1):\n  not a member (%.16s…): 2 held: ", torino);
	cr_assert(strstr(r.out, want) != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "peers whose last session failed (1):\n  a peer that proved no "
				"key, 127.0.0.1: failed ") != NULL,
		"%s", r.out);
	cr_assert(strstr(r.out, "bologna") == NULL, "bologna is well: %s", r.out);
	run(&r, "--home", path_of("hub"), "health", "--json", NULL);
	cr_assert_eq(r.status, 3, "%s", r.err);
	cr_assert(strstr(r.out, "\"attention\": true") != NULL, "%s", r.out);
	run(&r, "--home", path_of("hub"), "health", "--since", "3x", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "uccn: health: --since: '3x' is not a duration") == r.err, "%s",
		r.err);
	stop(&hub);
	/* The dialling side records its failed session too, with the hub's reason. */
	run(&r, "--home", path_of("stranger"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert(strstr(r.out, "failed ") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "the peer ended the session: another network") != NULL, "%s",
		r.out);
}

/* A city that keeps a session open with the hub shows as connected in the hub's status while
 * it lasts; once every member synced and nothing waits, health says so and exits 0. */
Test(net_cli, health_is_quiet_when_every_city_synced_and_status_shows_who_is_connected) {
	char *network = make_hub("hub");
	char bologna[65];
	make_city("bologna", network, "hub", bologna);
	struct server hub;
	serve(&hub, path_of("hub"));
	struct test_run r;
	run(&r, "--home", path_of("bologna"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	struct server city;
	serve_dialling(&city, path_of("bologna"));
	WAIT_FOR(10000, status_says("hub", "    connected since "),
		"the hub never showed bologna connected");
	run(&r, "--home", path_of("hub"), "health", NULL);
	cr_assert_eq(r.status, 0, "%d: %s%s", r.status, r.out, r.err);
	cr_assert_str_eq(r.out, "all well: every member city seen within 30d, nothing held, no "
				"session failed\n");
	stop(&city);
	stop(&hub);
	run(&r, "--home", path_of("hub"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert(strstr(r.out, "bologna (") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "connected since") == NULL, "%s", r.out);
}

/* `sync` with no URL has a session with every remembered peer, each with its own pin, and
 * prints a line per peer; one that cannot be reached fails the run, not the others. */
Test(net_cli, sync_without_a_url_syncs_with_every_remembered_peer) {
	char *network = make_hub("hub");
	char bologna[65], torino[65];
	make_city("bologna", network, "hub", bologna);
	make_city("torino", network, "hub", torino);
	put("torino", "Mole");
	struct server hub, city;
	serve(&hub, path_of("hub"));
	serve(&city, path_of("torino"));
	struct test_run r;
	run(&r, "--home", path_of("bologna"), "sync", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_str_eq(r.err, "uccn: sync: no URL, and no peer to sync with (add one with "
				"'uccn peer add URL')\n");
	run(&r, "--home", path_of("bologna"), "peer", "add", url_of(&hub), NULL);
	assert_ok(&r, "peer add");
	run(&r, "--home", path_of("bologna"), "peer", "add", url_of(&city), torino, NULL);
	assert_ok(&r, "peer add");
	run(&r, "--home", path_of("bologna"), "sync", NULL);
	assert_ok(&r, "sync");
	char want[128];
	snprintf(want, sizeof(want), "%s: sent ", url_of(&hub));
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	snprintf(want, sizeof(want), "%s: sent ", url_of(&city));
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	cr_assert(lists("bologna", "Mole"));
	/* What the sessions saw of each remembered peer is noted, as serve notes it. */
	run(&r, "--home", path_of("bologna"), "status", NULL);
	assert_ok(&r, "status");
	cr_assert_null(strstr(r.out, "last contact: never"), "%s", r.out);
	run(&r, "--home", path_of("bologna"), "health", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	stop(&city);
	run(&r, "--home", path_of("bologna"), "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	snprintf(want, sizeof(want), "%s: sent ", url_of(&hub));
	cr_assert_not_null(strstr(r.out, want), "the reachable peer synced: %s", r.out);
	snprintf(want, sizeof(want), "uccn: sync: %s: cannot connect", url_of(&city));
	cr_assert_eq(strncmp(r.err, want, strlen(want)), 0, "%s", r.err);
	stop(&hub);
}

/* A sync that brought changes this node refused exits 1 saying how many, as import does: here
 * the hub takes more from an applicant than it holds for a key that is not a member. */
Test(net_cli, a_sync_that_refused_changes_exits_1) {
	char *network = make_hub("hub");
	char torino[65];
	make_city("torino", network, NULL, torino);
	put_many("torino", 1001);
	struct server city;
	serve(&city, path_of("torino"));
	struct test_run r;
	run(&r, "--home", path_of("hub"), "sync", url_of(&city), NULL);
	cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_assert_eq(strncmp(r.out, "sent ", 5), 0, "the summary is printed: %s", r.out);
	cr_assert_not_null(strstr(r.out, ", refused 3,"), "%s", r.out);
	char want[128];
	snprintf(want, sizeof(want), "uccn: sync: %s: 3 changes refused\n", url_of(&city));
	cr_assert_str_eq(r.err, want);
	stop(&city);
}
