/* test_ui_http.c - the web page over real HTTP: `uccn serve --ui 127.0.0.1:0` in its own process,
 * a browser's requests written by hand on sockets: the page's file, the one-time login link,
 * an API route with the session cookie, a write with the CSRF token, and the live stream
 * telling of a change made by another process. Waits are bounded polls, never timed checks. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/proc.h"
#include "tests/support.h"

static char *tmp;

static void setup(void) {
	tmp = test_tmpdir();
	test_proc_begin(tmp);
}

static void teardown(void) {
	test_proc_end();
	test_rmdir(tmp);
	tmp = NULL;
}

TestSuite(ui_http, .init = setup, .fini = teardown);

static int connect_to(unsigned port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const char *s) {
	size_t len = strlen(s), done = 0;
	while (done < len) {
		ssize_t n = write(fd, s + done, len - done);
		cr_assert_gt(n, 0);
		done += (size_t)n;
	}
}

/* Reads until until appears in what was read (or the peer closes, when until is NULL). */
static char *read_until(int fd, const char *until, unsigned ms) {
	size_t cap = 1 << 16, len = 0;
	char *buf = test_proc_keep(malloc(cap));
	uint64_t deadline = test_clock_ms() + ms;
	for (;;) {
		buf[len] = '\0';
		if (until != NULL && strstr(buf, until) != NULL) {
			return buf;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int left = (int)(deadline > test_clock_ms() ? deadline - test_clock_ms() : 0);
		cr_assert_gt(poll(&p, 1, left), 0, "no answer in time; so far: %s", buf);
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0) {
			cr_assert_null(until, "closed before '%s': %s", until, buf);
			return buf;
		}
		len += (size_t)n;
		cr_assert_lt(len, cap - 1);
	}
}

/* One request on its own connection; the whole answer (Connection: close). */
static char *http(
	unsigned port, const char *method, const char *path, const char *extra, const char *body) {
	int fd = connect_to(port);
	char req[4096];
	snprintf(req, sizeof(req),
		"%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s"
		"Content-Length: %zu\r\n\r\n%s",
		method, path, port, extra != NULL ? extra : "", body != NULL ? strlen(body) : 0,
		body != NULL ? body : "");
	send_all(fd, req);
	char *answer = read_until(fd, NULL, 10000);
	close(fd);
	return answer;
}

/* The value after name in s ("name" then up to the next quote or ';'), into out. */
static void find_after(const char *s, const char *name, char *out, size_t len, const char *stop) {
	const char *p = strstr(s, name);
	cr_assert_not_null(p, "no %s in %s", name, s);
	p += strlen(name);
	size_t n = strcspn(p, stop);
	cr_assert_lt(n, len);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Makes a node in tmp/NAME with a page folder, starts serve --ui on a free port; returns the
 * port, the pid in *pid and serve's stderr file in err_path. */
static unsigned start(
	const char *name, char *home, size_t home_len, pid_t *pid, char *err_path, size_t err_len) {
	char page[512];
	snprintf(home, home_len, "%s/%s", tmp, name);
	snprintf(page, sizeof(page), "%s/page-%s", tmp, name);
	cr_assert_eq(mkdir(page, 0755), 0);
	char index[600];
	snprintf(index, sizeof(index), "%s/index.html", page);
	FILE *f = fopen(index, "w");
	cr_assert_not_null(f);
	fputs("<!doctype html><title>Creative Cities</title>", f);
	fclose(f);
	struct test_run r;
	char *init[] = {"uccn", "--home", home, "init", "--name", "Adelaide", "--country", "AU",
		"--field", "music", NULL};
	test_proc_run(&r, NULL, init);
	test_proc_assert_ok(&r, "init");
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	char *serve[] = {
		"uccn", "--home", home, "serve", "--ui", "127.0.0.1:0", "--ui-dir", page, NULL};
	struct test_proc_opts o = {.out_fd = fds[1]};
	*pid = test_proc_spawn(serve, &o, err_path, err_len);
	close(fds[1]);
	char line[256];
	size_t len = 0;
	uint64_t deadline = test_clock_ms() + 10000;
	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		struct pollfd p = {fds[0], POLLIN, 0};
		int left = (int)(deadline > test_clock_ms() ? deadline - test_clock_ms() : 0);
		cr_assert_gt(poll(&p, 1, left), 0, "serve did not say where the page is: %s",
			test_proc_slurp(err_path, NULL));
		ssize_t got = read(fds[0], line + len, sizeof(line) - 1 - len);
		cr_assert_gt(got, 0, "serve ended: %s", test_proc_slurp(err_path, NULL));
		len += (size_t)got;
	}
	close(fds[0]);
	line[len] = '\0';
	unsigned port = 0;
	cr_assert_eq(sscanf(line, "page on http://127.0.0.1:%u/", &port), 1, "%s", line);
	return port;
}

Test(ui_http, the_page_and_the_api_over_real_http) {
	char home[512], err_path[512];
	pid_t pid;
	unsigned port = start("adelaide", home, sizeof(home), &pid, err_path, sizeof(err_path));
	struct test_run r;

	char *ans = http(port, "GET", "/", NULL, NULL);
	cr_assert(strncmp(ans, "HTTP/1.1 200", 12) == 0, "%s", ans);
	cr_assert(strstr(ans, "<title>Creative Cities</title>") != NULL, "%s", ans);
	cr_assert(strstr(ans, "default-src 'self'") != NULL, "%s", ans);

	ans = http(port, "GET", "/api/node", NULL, NULL);
	cr_assert(strncmp(ans, "HTTP/1.1 401", 12) == 0, "%s", ans);

	/* The link `uccn ui --url` prints logs this client in. */
	char *ui[] = {"uccn", "--home", home, "ui", "--url", NULL};
	test_proc_run(&r, NULL, ui);
	test_proc_assert_ok(&r, "ui --url");
	char want[64];
	snprintf(want, sizeof(want), "http://127.0.0.1:%u/login?token=", port);
	cr_assert(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
	char link[256];
	snprintf(link, sizeof(link), "%.*s", (int)strcspn(r.out + strlen(want) - 13, "\n"),
		r.out + strlen(want) - 13);
	ans = http(port, "GET", link, NULL, NULL);
	cr_assert(strncmp(ans, "HTTP/1.1 303", 12) == 0, "%s", ans);
	char session[80], cookie_hdr[128];
	find_after(ans, "uccn_session=", session, sizeof(session), ";\r");
	snprintf(cookie_hdr, sizeof(cookie_hdr), "Cookie: uccn_session=%s\r\n", session);

	ans = http(port, "GET", "/api/session", cookie_hdr, NULL);
	char csrf[80];
	find_after(ans, "\"csrf\":\"", csrf, sizeof(csrf), "\"");

	ans = http(port, "GET", "/api/node", cookie_hdr, NULL);
	cr_assert(strncmp(ans, "HTTP/1.1 200", 12) == 0, "%s", ans);
	cr_assert(strstr(ans, "\"name\":\"Adelaide\"") != NULL, "%s", ans);

	/* The live stream, open before a change comes from another process. */
	int live = connect_to(port);
	char req[512];
	snprintf(req, sizeof(req), "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s\r\n", port,
		cookie_hdr);
	send_all(live, req);
	read_until(live, "retry:", 10000);

	char headers[512];
	snprintf(headers, sizeof(headers),
		"%sX-CSRF-Token: %s\r\nContent-Type: application/json\r\n", cookie_hdr, csrf);
	ans = http(port, "POST", "/api/records/best_practice", headers,
		"{\"fields\": {\"title\": \"Music in schools\", \"sdgs\": [4]}}");
	cr_assert(strncmp(ans, "HTTP/1.1 201", 12) == 0, "%s", ans);
	read_until(live, "event: changes", 10000);

	char *put[] = {"uccn", "--home", home, "put", "event", "title=Music Week",
		"starts=2026-03-02", NULL};
	test_proc_run(&r, NULL, put);
	test_proc_assert_ok(&r, "put");
	read_until(live, "\"kinds\":[]", 10000); /* the store watch noticed the other process */
	close(live);

	ans = http(port, "GET", "/events.ics", NULL, NULL);
	cr_assert(strstr(ans, "SUMMARY:Music Week") != NULL, "%s", ans);

	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(test_proc_wait(pid, 10000), 0, "%s", test_proc_slurp(err_path, NULL));
	/* Stopped: `uccn ui` says no page is served. */
	test_proc_run(&r, NULL, ui);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.err, "uccn: ui: no page is served") != NULL, "%s", r.err);
}

Test(ui_http, two_requests_on_one_connection_and_the_limits) {
	char home[512], err_path[512];
	pid_t pid;
	unsigned port = start("hobart", home, sizeof(home), &pid, err_path, sizeof(err_path));
	/* Keep-alive: two answers on one connection. */
	int fd = connect_to(port);
	char req[512];
	snprintf(req, sizeof(req),
		"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
		port, port);
	send_all(fd, req);
	char *both = read_until(fd, "<title>Creative Cities</title>", 10000);
	cr_assert(strstr(both, "\"authenticated\":false") != NULL, "%s", both);
	close(fd);
	/* A body announced over the limit is refused unread. */
	fd = connect_to(port);
	snprintf(req, sizeof(req),
		"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: "
		"application/json\r\nContent-Length: 10000000\r\n\r\n{",
		port);
	send_all(fd, req);
	char *ans = read_until(fd, "\"too_large\"", 10000);
	cr_assert(strncmp(ans, "HTTP/1.1 413", 12) == 0, "%s", ans);
	close(fd);
	/* The path out of the page's folder, however spelled, finds nothing. */
	const char *paths[] = {"/../adelaide/node.key", "/%2e%2e/hobart/node.key",
		"/..%2fhobart%2fnode.key", "/page-hobart/../hobart/node.key"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ans = http(port, "GET", paths[i], NULL, NULL);
		cr_assert(strncmp(ans, "HTTP/1.1 404", 12) == 0 ||
				  strncmp(ans, "HTTP/1.1 403", 12) == 0 ||
				  strncmp(ans, "HTTP/1.1 400", 12) == 0,
			"%s: %s", paths[i], ans);
	}
	/* A foreign Host (a rebound name) is refused before any route. */
	fd = connect_to(port);
	send_all(fd, "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
	ans = read_until(fd, NULL, 10000);
	cr_assert(strncmp(ans, "HTTP/1.1 421", 12) == 0, "%s", ans);
	close(fd);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(test_proc_wait(pid, 10000), 0, "%s", test_proc_slurp(err_path, NULL));
}

Test(ui_http, accounts_from_the_command_line) {
	char home[512];
	snprintf(home, sizeof(home), "%s/bologna", tmp);
	struct test_run r;
	char *init[] = {"uccn", "--home", home, "init", "--name", "Bologna", "--country", "IT",
		"--field", "music", NULL};
	test_proc_run(&r, NULL, init);
	test_proc_assert_ok(&r, "init");
	/* Off loopback without an account: refused, saying what to do. */
	char *serve[] = {"uccn", "--home", home, "serve", "--ui", "0.0.0.0:0", NULL};
	test_proc_run(&r, NULL, serve);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "uccn user add NAME") != NULL, "%s", r.err);
	char *add[] = {"uccn", "--home", home, "user", "add", "maria", "--password-stdin", NULL};
	struct test_proc_opts pw = {.in = "correct horse\n", .in_len = 14};
	test_proc_run(&r, &pw, add);
	test_proc_assert_ok(&r, "user add");
	test_proc_run(&r, &pw, add);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "uccn: user: account 'maria' exists already") != NULL, "%s", r.err);
	char *bad[] = {"uccn", "--home", home, "user", "add", "bad name", "--password-stdin", NULL};
	test_proc_run(&r, &pw, bad);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "is not an account name") != NULL, "%s", r.err);
	char *list[] = {"uccn", "--home", home, "user", "list", NULL};
	test_proc_run(&r, NULL, list);
	test_proc_assert_ok(&r, "user list");
	cr_assert_str_eq(r.out, "maria\n");
	char path[600];
	snprintf(path, sizeof(path), "%s/ui-users", home);
	char *file = test_proc_slurp(path, NULL);
	cr_assert_null(strstr(file, "correct horse"));
	cr_assert(strstr(file, "$argon2id$") != NULL, "%s", file);
	char *remove_[] = {"uccn", "--home", home, "user", "remove", "maria", NULL};
	test_proc_run(&r, NULL, remove_);
	test_proc_assert_ok(&r, "user remove");
	test_proc_run(&r, NULL, remove_);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "no account 'maria'") != NULL, "%s", r.err);
}
