/* test_ui_api.c - the web page's server side without sockets: each request goes straight to the
 * handler (tools/ui_http.c, ui_api.c) and each answer is read back. Every route of proto/API.md,
 * its errors, and each security rule (Host, cookies, CSRF, rate limits, accounts off loopback,
 * body limits, static paths, CSP, no secret key in any answer). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <uccn/uccn.h>

#include "node/node_net.h"
#include "node/store.h"
#include "tests/support.h"
#include "tools/ui.h"

#define PORT 7401
#define HOST "127.0.0.1:7401"

static char *dir, *home, *page;
static struct uccn_node *node;
static struct uccn_ui *ui;
static uint64_t clock_ms = 1765000000000ULL; /* 2025-12-06 */
static char cookie[128], csrf[65];

static uint64_t fake_now(void *arg) {
	(void)arg;
	return clock_ms;
}

static void write_file(const char *path, const char *text) {
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static struct uccn_ui *make_ui(struct uccn_node *n, const char *host, bool secure) {
	struct uccn_ui_options o = {
		.node = n,
		.home = home,
		.static_dir = page,
		.host = host,
		.port = PORT,
		.secure = secure,
		.now_ms = fake_now,
	};
	struct uccn_ui *u = NULL;
	char why[256];
	cr_assert_eq(uccn_ui_create(&o, &u, why, sizeof(why)), UCCN_OK, "%s", why);
	return u;
}

static void setup(void) {
	dir = test_tmpdir();
	char path[1024];
	snprintf(path, sizeof(path), "%s/home", dir);
	home = strdup(path);
	snprintf(path, sizeof(path), "%s/page", dir);
	page = strdup(path);
	cr_assert_eq(mkdir(page, 0755), 0);
	snprintf(path, sizeof(path), "%s/index.html", page);
	write_file(path, "<!doctype html><title>uccn</title>");
	snprintf(path, sizeof(path), "%s/app.js", page);
	write_file(path, "export {};");
	snprintf(path, sizeof(path), "%s/secret.txt", dir);
	write_file(path, "outside the page");
	snprintf(path, sizeof(path), "%s/escape.txt", page);
	char target[1024];
	snprintf(target, sizeof(target), "%s/secret.txt", dir);
	cr_assert_eq(symlink(target, path), 0);
	struct uccn_node_init_options o = {.name = "Adelaide", .country = "AU", .field = "music"};
	cr_assert_eq(uccn_node_init(home, &o, test_wall_ms(), &node), UCCN_OK);
	ui = make_ui(node, "127.0.0.1", false);
	cookie[0] = csrf[0] = '\0';
}

static void teardown(void) {
	uccn_ui_destroy(ui);
	uccn_node_close(node);
	free(home);
	free(page);
	test_rmdir(dir);
}

TestSuite(ui, .init = setup, .fini = teardown);

/* One request and its answer. */
struct answer {
	struct uccn_http_response res;
	char *body; /* NUL-terminated copy */
	json_t *json;
};

struct request {
	const char *method, *path, *query, *body, *content_type, *origin, *host, *peer, *lang;
	const char *cookie, *csrf;
	bool too_large;
};

static void answer_free(struct answer *a) {
	uccn_bytes_finish(&a->res.headers);
	uccn_bytes_finish(&a->res.body);
	free(a->body);
	json_decref(a->json);
	memset(a, 0, sizeof(*a));
}

static void send_to(struct uccn_ui *u, const struct request *r, struct answer *a) {
	memset(a, 0, sizeof(*a));
	struct uccn_http_request req = {
		.method = r->method != NULL ? r->method : "GET",
		.path = r->path,
		.query = r->query != NULL ? r->query : "",
		.host = r->host != NULL ? r->host : HOST,
		.origin = r->origin != NULL ? r->origin : "",
		.cookie = r->cookie != NULL ? r->cookie : cookie,
		.content_type = r->content_type != NULL ? r->content_type
				: r->body != NULL       ? "application/json"
							: "",
		.csrf_token = r->csrf != NULL ? r->csrf : csrf,
		.accept_language = r->lang != NULL ? r->lang : "",
		.peer = r->peer != NULL ? r->peer : "127.0.0.1",
		.body = (const uint8_t *)(r->body != NULL ? r->body : ""),
		.body_len = r->body != NULL ? strlen(r->body) : 0,
		.body_too_large = r->too_large,
	};
	uccn_ui_handle(u, &req, &a->res);
	a->body = strndup(
		a->res.body.data != NULL ? (const char *)a->res.body.data : "", a->res.body.len);
	a->json = json_loads(a->body, 0, NULL);
}

static void send_req(const struct request *r, struct answer *a) {
	send_to(ui, r, a);
}

/* The value of header name in the answer ("" if none), into buf. */
static const char *header(const struct answer *a, const char *name, char *buf, size_t len) {
	const char *h = a->res.headers.data != NULL ? (const char *)a->res.headers.data : "";
	size_t n = strlen(name);
	buf[0] = '\0';
	for (const char *p = h; p < h + a->res.headers.len;) {
		const char *eol = memchr(p, '\n', (size_t)(h + a->res.headers.len - p));
		if (eol == NULL) {
			break;
		}
		if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1 + (p[n + 1] == ' ');
			size_t vl = (size_t)(eol - v) - (eol[-1] == '\r');
			snprintf(buf, len, "%.*s", (int)vl, v);
			return buf;
		}
		p = eol + 1;
	}
	return buf;
}

static const char *error_code(const struct answer *a) {
	return json_string_value(json_object_get(json_object_get(a->json, "error"), "code"));
}

static const char *error_field(const struct answer *a) {
	return json_string_value(json_object_get(json_object_get(a->json, "error"), "field"));
}

/* Logs in with a one-time link and keeps the cookie and the CSRF token. */
static void login_with_link(void) {
	char token[65], query[128];
	cr_assert_eq(uccn_ui_token_new(home, clock_ms, token), UCCN_OK);
	snprintf(query, sizeof(query), "token=%s", token);
	struct answer a;
	send_req(&(struct request){.path = "/login", .query = query, .cookie = ""}, &a);
	cr_assert_eq(a.res.status, 303, "%s", a.body);
	char set[256], loc[64];
	header(&a, "Set-Cookie", set, sizeof(set));
	cr_assert_str_eq(header(&a, "Location", loc, sizeof(loc)), "/");
	size_t n = strcspn(set, ";");
	snprintf(cookie, sizeof(cookie), "%.*s", (int)n, set);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/session"}, &a);
	cr_assert(json_is_true(json_object_get(a.json, "authenticated")), "%s", a.body);
	snprintf(csrf, sizeof(csrf), "%s", json_string_value(json_object_get(a.json, "csrf")));
	answer_free(&a);
}

static void expect_status(struct answer *a, int status) {
	cr_assert_eq(
		a->res.status, status, "expected %d, got %d: %s", status, a->res.status, a->body);
}

/* --- Security ------------------------------------------------------------------------------- */

Test(ui, every_answer_has_a_strict_csp_and_nosniff) {
	const char *paths[] = {"/", "/app.js", "/api/session", "/api/node", "/nope", "/events.ics"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct answer a;
		send_req(&(struct request){.path = paths[i]}, &a);
		char v[512];
		header(&a, "Content-Security-Policy", v, sizeof(v));
		cr_assert(strstr(v, "default-src 'self'") != NULL, "%s: %s", paths[i], v);
		cr_assert(strstr(v, "frame-ancestors 'none'") != NULL, "%s", paths[i]);
		cr_assert(strstr(v, "script-src 'self'") != NULL, "%s", paths[i]);
		cr_assert(strstr(v, "unsafe-inline") == NULL, "%s", paths[i]);
		cr_assert_str_eq(header(&a, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
		answer_free(&a);
	}
}

Test(ui, loopback_refuses_a_foreign_host_name) {
	struct answer a;
	send_req(&(struct request){.path = "/api/session", .host = "evil.example:7401"}, &a);
	expect_status(&a, 421);
	cr_assert_str_eq(error_code(&a), "host");
	answer_free(&a);
	const char *ok[] = {"localhost:7401", "127.0.0.1:7401", "[::1]:7401"};
	for (size_t i = 0; i < 3; i++) {
		send_req(&(struct request){.path = "/api/session", .host = ok[i]}, &a);
		expect_status(&a, 200);
		answer_free(&a);
	}
}

Test(ui, the_api_needs_a_session) {
	const char *paths[] = {"/api/node", "/api/kinds", "/api/records", "/api/search",
		"/api/network", "/api/sync", "/api/live", "/api/events"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct answer a;
		send_req(&(struct request){.path = paths[i]}, &a);
		expect_status(&a, 401);
		cr_assert_str_eq(error_code(&a), "unauthorized");
		answer_free(&a);
	}
	struct answer a;
	send_req(&(struct request){.path = "/api/session"}, &a);
	expect_status(&a, 200);
	cr_assert(json_is_false(json_object_get(a.json, "authenticated")));
	cr_assert_null(json_object_get(a.json, "csrf"));
	answer_free(&a);
}

Test(ui, a_login_link_works_once_and_sets_a_strict_cookie) {
	char token[65], query[128];
	cr_assert_eq(uccn_ui_token_new(home, clock_ms, token), UCCN_OK);
	/* Kept hashed: the home's file does not hold the token itself. */
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", home, UCCN_UI_TOKENS_FILE);
	char *file = test_read_file(path);
	cr_assert_null(strstr(file, token));
	free(file);
	snprintf(query, sizeof(query), "token=%s", token);
	struct answer a;
	send_req(&(struct request){.path = "/login", .query = query}, &a);
	expect_status(&a, 303);
	char set[256];
	header(&a, "Set-Cookie", set, sizeof(set));
	cr_assert(strstr(set, "uccn_session=") == set, "%s", set);
	cr_assert(strstr(set, "HttpOnly") != NULL, "%s", set);
	cr_assert(strstr(set, "SameSite=Strict") != NULL, "%s", set);
	cr_assert(strstr(set, "Secure") == NULL, "%s", set);
	answer_free(&a);
	send_req(&(struct request){.path = "/login", .query = query}, &a);
	char loc[64];
	cr_assert_str_eq(header(&a, "Location", loc, sizeof(loc)), "/?login=failed");
	cr_assert_str_eq(header(&a, "Set-Cookie", set, sizeof(set)), "");
	answer_free(&a);
}

Test(ui, a_login_link_expires) {
	char token[65], query[128];
	cr_assert_eq(uccn_ui_token_new(home, clock_ms, token), UCCN_OK);
	clock_ms += UCCN_UI_TOKEN_TTL_MS + 1;
	snprintf(query, sizeof(query), "token=%s", token);
	struct answer a;
	send_req(&(struct request){.path = "/login", .query = query}, &a);
	char loc[64];
	cr_assert_str_eq(header(&a, "Location", loc, sizeof(loc)), "/?login=failed");
	answer_free(&a);
	send_req(&(struct request){.method = "POST",
			 .path = "/api/login",
			 .body = "{\"token\": "
				 "\"000000000000000000000000000000000000000000000000000000000000000"
				 "0\"}"},
		&a);
	expect_status(&a, 401);
	answer_free(&a);
}

Test(ui, cookies_are_secure_behind_tls) {
	struct uccn_ui *secure = make_ui(node, "127.0.0.1", true);
	char token[65], query[128];
	cr_assert_eq(uccn_ui_token_new(home, clock_ms, token), UCCN_OK);
	snprintf(query, sizeof(query), "token=%s", token);
	struct answer a;
	send_to(secure, &(struct request){.path = "/login", .query = query}, &a);
	char set[256];
	cr_assert(
		strstr(header(&a, "Set-Cookie", set, sizeof(set)), "; Secure") != NULL, "%s", set);
	answer_free(&a);
	uccn_ui_destroy(secure);
}

Test(ui, a_session_expires) {
	login_with_link();
	clock_ms += UCCN_UI_SESSION_TTL_MS + 1;
	struct answer a;
	send_req(&(struct request){.path = "/api/node"}, &a);
	expect_status(&a, 401);
	answer_free(&a);
}

Test(ui, state_changes_need_the_csrf_token) {
	login_with_link();
	const char *body = "{\"fields\": {\"title\": \"Music in schools\"}}";
	struct answer a;
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = body,
			 .csrf = ""},
		&a);
	expect_status(&a, 403);
	cr_assert_str_eq(error_code(&a), "csrf");
	answer_free(&a);
	char wrong[65];
	snprintf(wrong, sizeof(wrong), "%s", csrf);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = body,
			 .csrf = wrong},
		&a);
	expect_status(&a, 403);
	answer_free(&a);
	/* Another site's page, even with the token. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = body,
			 .origin = "http://evil.example"},
		&a);
	expect_status(&a, 403);
	answer_free(&a);
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = body,
			 .origin = "http://" HOST},
		&a);
	expect_status(&a, 201);
	answer_free(&a);
	/* Nothing was written by the refused ones. */
	send_req(&(struct request){.path = "/api/records", .query = "kind=best_practice"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
}

Test(ui, accounts_log_in_and_failures_are_rate_limited_per_client) {
	cr_assert_eq(uccn_ui_user_add(home, "maria", "correct horse", false), UCCN_OK);
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", home, UCCN_UI_USERS_FILE);
	char *file = test_read_file(path);
	cr_assert(strstr(file, "maria:$argon2id$") != NULL, "%s", file);
	cr_assert_null(strstr(file, "correct horse"));
	free(file);
	struct answer a;
	for (int i = 0; i < UCCN_UI_LOGIN_MAX_PER_CLIENT; i++) {
		send_req(&(struct request){.method = "POST",
				 .path = "/api/login",
				 .body = "{\"user\": \"maria\", \"password\": \"wrong\"}"},
			&a);
		expect_status(&a, 401);
		answer_free(&a);
	}
	/* Even the right password waits now, from this client. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/login",
			 .body = "{\"user\": \"maria\", \"password\": \"correct horse\"}"},
		&a);
	expect_status(&a, 429);
	cr_assert_str_eq(error_code(&a), "rate_limited");
	char retry[32];
	cr_assert_neq(atoi(header(&a, "Retry-After", retry, sizeof(retry))), 0);
	answer_free(&a);
	/* Another client is not held back by this one. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/login",
			 .peer = "127.0.0.2",
			 .body = "{\"user\": \"maria\", \"password\": \"correct horse\"}"},
		&a);
	expect_status(&a, 200);
	cr_assert_str_eq(json_string_value(json_object_get(a.json, "user")), "maria");
	answer_free(&a);
	clock_ms += UCCN_UI_LOGIN_WINDOW_MS;
	send_req(&(struct request){.method = "POST",
			 .path = "/api/login",
			 .body = "{\"user\": \"maria\", \"password\": \"correct horse\"}"},
		&a);
	expect_status(&a, 200);
	answer_free(&a);
}

Test(ui, failures_are_rate_limited_per_account) {
	cr_assert_eq(uccn_ui_user_add(home, "maria", "correct horse", false), UCCN_OK);
	struct answer a;
	for (int i = 0; i < UCCN_UI_LOGIN_MAX_PER_ACCOUNT; i++) {
		char peer[32];
		snprintf(peer, sizeof(peer), "10.0.0.%d", i + 1);
		send_req(&(struct request){.method = "POST",
				 .path = "/api/login",
				 .peer = peer,
				 .body = "{\"user\": \"maria\", \"password\": \"guess\"}"},
			&a);
		expect_status(&a, 401);
		answer_free(&a);
	}
	send_req(&(struct request){.method = "POST",
			 .path = "/api/login",
			 .peer = "10.0.1.1",
			 .body = "{\"user\": \"maria\", \"password\": \"correct horse\"}"},
		&a);
	expect_status(&a, 429);
	answer_free(&a);
}

Test(ui, off_loopback_the_page_needs_an_account) {
	cr_assert(uccn_ui_is_loopback("127.0.0.1"));
	cr_assert(uccn_ui_is_loopback("127.1.2.3"));
	cr_assert(uccn_ui_is_loopback("::1"));
	cr_assert_not(uccn_ui_is_loopback("0.0.0.0"));
	cr_assert_not(uccn_ui_is_loopback("192.168.1.2"));
	struct uccn_ui_options o = {.node = node,
		.home = home,
		.static_dir = page,
		.host = "0.0.0.0",
		.port = PORT,
		.now_ms = fake_now};
	struct uccn_ui *u = NULL;
	char why[256] = "";
	cr_assert_eq(uccn_ui_create(&o, &u, why, sizeof(why)), UCCN_EPERM);
	cr_assert(strstr(why, "uccn user add") != NULL, "%s", why);
	cr_assert_eq(uccn_ui_user_add(home, "maria", "correct horse", false), UCCN_OK);
	cr_assert_eq(uccn_ui_create(&o, &u, why, sizeof(why)), UCCN_OK);
	/* Any host name is served there (the name is not known), accounts decide. */
	struct answer a;
	send_to(u, &(struct request){.path = "/api/session", .host = "creative.example:7401"}, &a);
	expect_status(&a, 200);
	cr_assert(json_is_true(json_object_get(a.json, "accounts")));
	answer_free(&a);
	uccn_ui_destroy(u);
}

Test(ui, account_names_and_duplicates) {
	cr_assert_eq(uccn_ui_user_add(home, "bad name", "pw", false), UCCN_EINVAL);
	cr_assert_eq(uccn_ui_user_add(home, "maria", "", false), UCCN_EINVAL);
	cr_assert_eq(uccn_ui_user_add(home, "maria", "one", false), UCCN_OK);
	cr_assert_eq(uccn_ui_user_add(home, "maria", "two", false), UCCN_EEXIST);
	cr_assert_eq(uccn_ui_user_add(home, "maria", "two", true), UCCN_OK);
	cr_assert_eq(uccn_ui_user_add(home, "ana", "three", false), UCCN_OK);
	cr_assert_eq(uccn_ui_user_list(home, NULL, NULL), 2);
	cr_assert_eq(uccn_ui_user_remove(home, "maria"), UCCN_OK);
	cr_assert_eq(uccn_ui_user_remove(home, "maria"), UCCN_ENOTFOUND);
	cr_assert_eq(uccn_ui_user_list(home, NULL, NULL), 1);
}

Test(ui, logout_ends_the_session) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.method = "POST", .path = "/api/logout"}, &a);
	expect_status(&a, 200);
	char set[256];
	cr_assert(strstr(header(&a, "Set-Cookie", set, sizeof(set)), "Max-Age=0") != NULL);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/node"}, &a);
	expect_status(&a, 401);
	answer_free(&a);
}

Test(ui, bodies_are_bounded_and_json) {
	login_with_link();
	struct answer a;
	send_req(
		&(struct request){
			.method = "POST", .path = "/api/records/best_practice", .too_large = true},
		&a);
	expect_status(&a, 413);
	cr_assert_str_eq(error_code(&a), "too_large");
	answer_free(&a);
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = "title=x",
			 .content_type = "application/x-www-form-urlencoded"},
		&a);
	expect_status(&a, 415);
	answer_free(&a);
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = "{not json"},
		&a);
	expect_status(&a, 400);
	cr_assert_str_eq(error_code(&a), "bad_request");
	answer_free(&a);
}

Test(ui, static_files_stay_inside_the_page_folder) {
	struct answer a;
	send_req(&(struct request){.path = "/"}, &a);
	expect_status(&a, 200);
	cr_assert(strstr(a.body, "<title>uccn</title>") != NULL);
	char type[128];
	cr_assert_str_eq(
		header(&a, "Content-Type", type, sizeof(type)), "text/html; charset=utf-8");
	answer_free(&a);
	send_req(&(struct request){.path = "/app.js"}, &a);
	expect_status(&a, 200);
	cr_assert_str_eq(
		header(&a, "Content-Type", type, sizeof(type)), "text/javascript; charset=utf-8");
	answer_free(&a);
	const char *bad[] = {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
		"/%2E%2E%2Fsecret.txt", "/escape.txt", "/.hidden", "/..\\secret.txt",
		"/%00index.html", "//etc/passwd", "/app.js/", "/nope.html"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_req(&(struct request){.path = bad[i]}, &a);
		expect_status(&a, 404);
		cr_assert_null(strstr(a.body, "outside the page"), "%s", bad[i]);
		answer_free(&a);
	}
	send_req(&(struct request){.method = "POST", .path = "/index.html"}, &a);
	expect_status(&a, 405);
	answer_free(&a);
}

/* The node's secret key, as hex: no answer may hold it. */
static void secret_hex(char out[65]) {
	char path[1024];
	snprintf(path, sizeof(path), "%s/node.key", home);
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	uint8_t sk[64];
	cr_assert_eq(read(fd, sk, sizeof(sk)), (ssize_t)sizeof(sk));
	close(fd);
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = digits[sk[i] >> 4];
		out[2 * i + 1] = digits[sk[i] & 15];
	}
	out[64] = '\0';
}

Test(ui, no_answer_carries_the_secret_key) {
	login_with_link();
	char secret[65];
	secret_hex(secret);
	const char *paths[] = {"/api/session", "/api/node", "/api/kinds", "/api/records",
		"/api/network", "/api/sync", "/api/events", "/api/search"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct answer a;
		send_req(&(struct request){.path = paths[i]}, &a);
		cr_assert_null(strstr(a.body, secret), "%s", paths[i]);
		answer_free(&a);
	}
}

/* --- Routes ------------------------------------------------------------------------------- */

Test(ui, node_says_who_it_is_by_name) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/node"}, &a);
	expect_status(&a, 200);
	cr_assert_str_eq(json_string_value(json_object_get(a.json, "name")), "Adelaide");
	cr_assert_str_eq(json_string_value(json_object_get(a.json, "country")), "AU");
	cr_assert(json_is_false(json_object_get(a.json, "secretariat")));
	cr_assert_eq(strlen(json_string_value(json_object_get(a.json, "key"))), 64);
	answer_free(&a);
}

Test(ui, kinds_carry_forms_in_two_languages) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/kinds"}, &a);
	expect_status(&a, 200);
	cr_assert_eq(json_array_size(json_object_get(a.json, "sdgs")), 17);
	cr_assert_eq(json_array_size(json_object_get(a.json, "creative_fields")), 7);
	json_t *sdg4 = json_array_get(json_object_get(a.json, "sdgs"), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(sdg4, "label"), "en")),
		"Quality Education");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(sdg4, "label"), "fr")),
		"Éducation de qualité");
	json_t *kinds = json_object_get(a.json, "kinds"), *bp = NULL;
	for (size_t i = 0; i < json_array_size(kinds); i++) {
		json_t *k = json_array_get(kinds, i);
		if (strcmp(json_string_value(json_object_get(k, "name")), "best_practice") == 0) {
			bp = k;
		}
	}
	cr_assert_not_null(bp);
	cr_assert(json_is_true(json_object_get(bp, "editable")));
	json_t *fields = json_object_get(bp, "fields");
	bool saw_sdgs = false, saw_summary = false;
	for (size_t i = 0; i < json_array_size(fields); i++) {
		json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "name"));
		if (strcmp(name, "sdgs") == 0) {
			saw_sdgs = true;
			cr_assert_eq(json_array_size(json_object_get(f, "choices")), 17);
			cr_assert_str_eq(json_string_value(json_object_get(f, "type")), "sdgs");
		}
		if (strcmp(name, "summary") == 0) {
			saw_summary = true;
			cr_assert(json_is_true(json_object_get(f, "multiline")));
			cr_assert_str_eq(json_string_value(
						 json_object_get(json_object_get(f, "help"), "en")),
				"what was done and what came of it");
		}
		if (strcmp(name, "title") == 0) {
			cr_assert(json_is_true(json_object_get(f, "required")));
		}
	}
	cr_assert(saw_sdgs && saw_summary);
	answer_free(&a);
}

/* Creates a record from the page; returns its id (static storage). */
static const char *create(const char *kind, const char *fields_json) {
	static char id[UCCN_ID_MAX + 1];
	char body[4096];
	snprintf(body, sizeof(body), "{\"fields\": %s}", fields_json);
	char path[128];
	snprintf(path, sizeof(path), "/api/records/%s", kind);
	struct answer a;
	send_req(&(struct request){.method = "POST", .path = path, .body = body}, &a);
	expect_status(&a, 201);
	json_t *r = json_object_get(a.json, "record");
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(r, "id")));
	char loc[256], want[256];
	snprintf(want, sizeof(want), "/api/records/%s/%s", kind, id);
	cr_assert_str_eq(header(&a, "Location", loc, sizeof(loc)), want);
	answer_free(&a);
	return id;
}

Test(ui, a_refusal_names_its_field_in_the_nodes_words) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = "{\"fields\": {\"title\": \"Music\", \"sdgs\": [4, 18]}}"},
		&a);
	expect_status(&a, 422);
	cr_assert_str_eq(error_code(&a), "schema");
	cr_assert_str_eq(error_field(&a), "sdgs");
	const char *msg =
		json_string_value(json_object_get(json_object_get(a.json, "error"), "message"));
	cr_assert(strstr(msg, "18 is not an SDG (1-17)") != NULL, "%s", msg);
	answer_free(&a);
	/* The same in French, asked by the browser. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .lang = "fr-FR,fr;q=0.9,en;q=0.8",
			 .body = "{\"fields\": {\"title\": \"Music\", \"sdgs\": [4, 18]}}"},
		&a);
	msg = json_string_value(json_object_get(json_object_get(a.json, "error"), "message"));
	cr_assert(strstr(msg, "18 n'est pas un ODD (1-17)") != NULL, "%s", msg);
	answer_free(&a);
	/* Every refused field is listed. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = "{\"fields\": {\"title\": \"Music\", \"sdgs\": [18], \"year\": "
				 "1800, "
				 "\"colour\": \"red\"}}"},
		&a);
	expect_status(&a, 422);
	json_t *errors = json_object_get(a.json, "errors");
	cr_assert_eq(json_array_size(errors), 3, "%s", a.body);
	answer_free(&a);
	/* A required field missing. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/event",
			 .body = "{\"fields\": {\"title\": \"Festival\"}}"},
		&a);
	expect_status(&a, 422);
	cr_assert_str_eq(error_field(&a), "starts", "%s", a.body);
	answer_free(&a);
	/* A value of the wrong JSON type. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/best_practice",
			 .body = "{\"fields\": {\"title\": 12}}"},
		&a);
	expect_status(&a, 422);
	cr_assert_str_eq(error_field(&a), "title");
	answer_free(&a);
}

Test(ui, records_are_created_read_changed_deleted_and_brought_back) {
	login_with_link();
	const char *id = create("best_practice", "{\"title\": \"Music in schools\", \"summary\": "
						 "\"First.\\n\\nSecond.\", \"sdgs\": [4, "
						 "11], \"fields\": [\"music\"]}");
	char path[256], hist[300], undel[300];
	snprintf(path, sizeof(path), "/api/records/best_practice/%s", id);
	snprintf(hist, sizeof(hist), "%s/history", path);
	snprintf(undel, sizeof(undel), "%s/undelete", path);
	struct answer a;
	send_req(&(struct request){.path = path}, &a);
	expect_status(&a, 200);
	json_t *r = json_object_get(a.json, "record");
	cr_assert_str_eq(json_string_value(json_object_get(r, "title")), "Music in schools");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r, "fields"), "summary")),
		"First.\n\nSecond.");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "owner"), "name")),
		"Adelaide");
	cr_assert(json_is_true(json_object_get(r, "may_edit")));
	answer_free(&a);
	send_req(&(struct request){.method = "PUT",
			 .path = path,
			 .body = "{\"fields\": {\"year\": 2025, \"summary\": null}}"},
		&a);
	expect_status(&a, 200);
	r = json_object_get(json_object_get(a.json, "record"), "fields");
	cr_assert_eq(json_integer_value(json_object_get(r, "year")), 2025);
	cr_assert_null(json_object_get(r, "summary"));
	answer_free(&a);
	send_req(&(struct request){.path = hist}, &a);
	expect_status(&a, 200);
	json_t *changes = json_object_get(a.json, "changes");
	cr_assert_eq(json_array_size(changes), 2);
	json_t *second = json_array_get(changes, 1);
	cr_assert(json_is_true(json_object_get(second, "verified")));
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(second, "author"), "name")),
		"Adelaide");
	cr_assert(json_is_null(json_object_get(json_object_get(second, "fields"), "summary")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(second, "fields"), "year")),
		2025);
	answer_free(&a);
	send_req(&(struct request){.method = "POST", .path = undel}, &a);
	expect_status(&a, 409);
	answer_free(&a);
	send_req(&(struct request){.method = "DELETE", .path = path}, &a);
	expect_status(&a, 200);
	cr_assert(json_is_true(json_object_get(json_object_get(a.json, "record"), "deleted")));
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records", .query = "kind=best_practice"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 0);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records", .query = "kind=best_practice&deleted=1"},
		&a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
	send_req(&(struct request){.method = "POST", .path = undel}, &a);
	expect_status(&a, 200);
	r = json_object_get(a.json, "record");
	cr_assert(json_is_false(json_object_get(r, "deleted")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "fields"), "title")),
		"Music in schools");
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(r, "fields"), "year")), 2025);
	answer_free(&a);
}

Test(ui, record_route_errors) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/records/best_practice/0123456789abcdef"}, &a);
	expect_status(&a, 404);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records/nonsense/abc"}, &a);
	expect_status(&a, 404);
	cr_assert_str_eq(error_field(&a), "kind");
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records", .query = "kind=nonsense"}, &a);
	expect_status(&a, 400);
	cr_assert_str_eq(error_field(&a), "kind");
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records", .query = "limit=abc"}, &a);
	expect_status(&a, 400);
	cr_assert_str_eq(error_field(&a), "limit");
	answer_free(&a);
	send_req(
		&(struct request){.method = "PATCH", .path = "/api/records/best_practice/abc"}, &a);
	expect_status(&a, 405);
	char allow[64];
	cr_assert_str_eq(header(&a, "Allow", allow, sizeof(allow)), "GET, PUT, DELETE");
	answer_free(&a);
	/* Kinds the page does not write. */
	send_req(&(struct request){.method = "POST",
			 .path = "/api/records/designation",
			 .body = "{\"fields\": {\"name\": \"x\"}}"},
		&a);
	expect_status(&a, 403);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/nothing"}, &a);
	expect_status(&a, 404);
	answer_free(&a);
}

Test(ui, lists_are_paged) {
	login_with_link();
	for (int i = 0; i < 5; i++) {
		char f[128];
		snprintf(f, sizeof(f), "{\"title\": \"Practice %d\"}", i);
		create("best_practice", f);
	}
	struct answer a;
	send_req(&(struct request){.path = "/api/records",
			 .query = "kind=best_practice&limit=2&offset=3"},
		&a);
	expect_status(&a, 200);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 5);
	cr_assert_eq(json_array_size(json_object_get(a.json, "records")), 2);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/records", .query = "owner=mine&kind=city"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
}

Test(ui, search_finds_words_with_filters) {
	login_with_link();
	create("best_practice", "{\"title\": \"Music in schools\", \"summary\": \"Every child "
				"learns an instrument.\", \"sdgs\": [4], \"year\": 2024}");
	create("best_practice", "{\"title\": \"Street food\", \"summary\": \"Markets for "
				"children.\", \"sdgs\": [2], \"year\": 2023}");
	struct answer a;
	send_req(&(struct request){.path = "/api/search", .query = "q=instrument"}, &a);
	expect_status(&a, 200);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1, "%s", a.body);
	json_t *hit = json_array_get(json_object_get(a.json, "results"), 0);
	cr_assert(strstr(json_string_value(json_object_get(hit, "snippet")), "instrument") != NULL);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "q=child*"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 2, "%s", a.body);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "q=child*&sdg=4"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "sdg=2&kind=best_practice"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "q=child*&year=2023&country=AU"},
		&a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1, "%s", a.body);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "q=child*&country=FR"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 0);
	answer_free(&a);
	/* FTS5 syntax typed by a person is words, not an error. */
	send_req(&(struct request){.path = "/api/search",
			 .query = "q=%22street%20food%22%20OR%20(x"},
		&a);
	expect_status(&a, 200);
	answer_free(&a);
	const char *bad[][2] = {{"sdg=18", "sdg"}, {"field=painting", "field"},
		{"country=fr", "country"}, {"year=20x", "year"}, {"kind=nope", "kind"}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_req(&(struct request){.path = "/api/search", .query = bad[i][0]}, &a);
		expect_status(&a, 400);
		cr_assert_str_eq(error_field(&a), bad[i][1]);
		answer_free(&a);
	}
}

Test(ui, events_and_their_calendar_feed) {
	login_with_link();
	create("event", "{\"title\": \"Music Week\", \"starts\": \"2026-03-02\", \"ends\": "
			"\"2026-03-08\", \"place\": \"Adelaide\"}");
	create("event", "{\"title\": \"Internal meeting\", \"starts\": \"2026-04-01\", "
			"\"audience\": \"secretariat\"}");
	struct answer a;
	send_req(&(struct request){.path = "/api/events", .query = "from=2026-03-05&to=2026-03-31"},
		&a);
	expect_status(&a, 200);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/events", .query = "from=March"}, &a);
	expect_status(&a, 400);
	cr_assert_str_eq(error_field(&a), "from");
	answer_free(&a);
	/* The feed needs no session: a calendar program subscribes to it. */
	send_req(&(struct request){.path = "/events.ics", .cookie = ""}, &a);
	expect_status(&a, 200);
	char type[64];
	cr_assert_str_eq(
		header(&a, "Content-Type", type, sizeof(type)), "text/calendar; charset=utf-8");
	cr_assert(strstr(a.body, "BEGIN:VCALENDAR") != NULL);
	cr_assert(strstr(a.body, "SUMMARY:Music Week") != NULL, "%s", a.body);
	cr_assert(strstr(a.body, "DTSTART;VALUE=DATE:20260302") != NULL, "%s", a.body);
	cr_assert(strstr(a.body, "DTEND;VALUE=DATE:20260309") != NULL, "%s", a.body);
	cr_assert(strstr(a.body, "Internal meeting") == NULL, "%s", a.body);
	answer_free(&a);
}

Test(ui, sync_without_a_network_is_offline) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/sync"}, &a);
	expect_status(&a, 200);
	cr_assert(json_is_false(json_object_get(a.json, "online")));
	cr_assert_eq(json_array_size(json_object_get(a.json, "peers")), 0);
	answer_free(&a);
	cr_assert_eq(uccn_node_peer_add(node, "ws://127.0.0.1:9", NULL, NULL), UCCN_OK);
	send_req(&(struct request){.path = "/api/sync"}, &a);
	json_t *peer = json_array_get(json_object_get(a.json, "peers"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(peer, "url")), "ws://127.0.0.1:9");
	cr_assert(json_is_null(json_object_get(peer, "last_contact")));
	cr_assert_str_neq(json_string_value(json_object_get(peer, "to_send")), "0");
	answer_free(&a);
	send_req(&(struct request){.method = "POST", .path = "/api/sync"}, &a);
	expect_status(&a, 202);
	answer_free(&a);
}

Test(ui, secretariat_routes_only_on_the_root) {
	login_with_link();
	const char *paths[] = {"/api/secretariat/applications", "/api/secretariat/reports",
		"/api/secretariat/health", "/api/secretariat/registry.csv"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct answer a;
		send_req(&(struct request){.path = paths[i]}, &a);
		expect_status(&a, 403);
		cr_assert_str_eq(error_code(&a), "forbidden");
		answer_free(&a);
	}
}

Test(ui, the_secretariat_designates_an_applicant_from_the_page) {
	/* A Secretariat, and a city that applied: its changes are held at the Secretariat. */
	char path[1024];
	snprintf(path, sizeof(path), "%s/unesco", dir);
	struct uccn_node *sec = NULL, *lyon = NULL;
	struct uccn_node_init_options so = {.name = "UNESCO", .secretariat = true};
	cr_assert_eq(uccn_node_init(path, &so, test_wall_ms(), &sec), UCCN_OK);
	uint8_t net[UCCN_KEY_BYTES], lyon_key[UCCN_KEY_BYTES];
	uccn_node_public_key(sec, net);
	snprintf(path, sizeof(path), "%s/lyon", dir);
	struct uccn_node_init_options lo = {
		.name = "Lyon", .country = "FR", .field = "media_arts", .network = net};
	cr_assert_eq(uccn_node_init(path, &lo, test_wall_ms(), &lyon), UCCN_OK);
	uccn_node_public_key(lyon, lyon_key);
	char out_id[UCCN_ID_MAX + 1];
	struct uccn_import_stats st;
	test_give_practice(lyon, sec, "Festival of Lights", out_id, &st);
	cr_assert_geq(st.held, 2);
	uccn_ui_destroy(ui);
	ui = make_ui(sec, "127.0.0.1", false);
	login_with_link();
	char key_hex[65];
	test_key_hex(0, key_hex);
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < 32; i++) {
		key_hex[2 * i] = digits[lyon_key[i] >> 4];
		key_hex[2 * i + 1] = digits[lyon_key[i] & 15];
	}
	struct answer a;
	send_req(&(struct request){.path = "/api/secretariat/applications"}, &a);
	expect_status(&a, 200);
	json_t *app = json_array_get(json_object_get(a.json, "applications"), 0);
	cr_assert_not_null(app, "%s", a.body);
	cr_assert_str_eq(json_string_value(json_object_get(app, "key")), key_hex);
	cr_assert_geq(json_integer_value(json_object_get(app, "held")), 2);
	/* What the city sent, though its city record is still held. */
	json_t *city = json_object_get(app, "city");
	cr_assert_str_eq(json_string_value(json_object_get(city, "name")), "Lyon", "%s", a.body);
	cr_assert_str_eq(json_string_value(json_object_get(city, "country")), "FR");
	cr_assert_str_eq(json_string_value(json_object_get(city, "field")), "media_arts");
	cr_assert(json_is_null(json_object_get(city, "website")));
	cr_assert(json_is_false(json_object_get(app, "withdrawn")));
	cr_assert_not_null(json_object_get(json_object_get(app, "written"), "at"));
	answer_free(&a);
	/* The Secretariat gives the key and the year; the rest is what the city sent. */
	char body[256];
	snprintf(body, sizeof(body), "{\"key\": \"%s\", \"year\": 2008}", key_hex);
	send_req(
		&(struct request){
			.method = "POST", .path = "/api/secretariat/designate", .body = body},
		&a);
	expect_status(&a, 201);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(a.json, "member"), "name")),
		"Lyon");
	cr_assert_geq(json_integer_value(json_object_get(a.json, "released")), 2);
	answer_free(&a);
	send_req(
		&(struct request){
			.method = "POST", .path = "/api/secretariat/designate", .body = body},
		&a);
	expect_status(&a, 409);
	answer_free(&a);
	/* Its held practice applied. */
	send_req(&(struct request){.path = "/api/search", .query = "q=lights"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1, "%s", a.body);
	json_t *owner = json_object_get(
		json_object_get(json_array_get(json_object_get(a.json, "results"), 0), "record"),
		"owner");
	cr_assert_str_eq(json_string_value(json_object_get(owner, "name")), "Lyon");
	answer_free(&a);
	send_req(&(struct request){.path = "/api/network"}, &a);
	expect_status(&a, 200);
	cr_assert_eq(json_array_size(json_object_get(a.json, "members")), 1);
	cr_assert(json_is_true(json_object_get(json_object_get(a.json, "verification"), "ok")),
		"%s", a.body);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(a.json, "counts"), "by_region"),
			     "europe_north_america")),
		1);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/secretariat/reports", .query = "period=2022-2026"},
		&a);
	expect_status(&a, 200);
	json_t *row = json_array_get(json_object_get(a.json, "cities"), 0);
	cr_assert(json_is_false(json_object_get(row, "filed")));
	answer_free(&a);
	send_req(&(struct request){.path = "/api/secretariat/reports", .query = "period=2022"}, &a);
	expect_status(&a, 400);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/secretariat/registry.csv"}, &a);
	expect_status(&a, 200);
	cr_assert(strstr(a.body, "\"Lyon\",\"FR\",\"media_arts\",\"2008\",\"active\"") != NULL,
		"%s", a.body);
	answer_free(&a);
	char proof_path[128];
	snprintf(proof_path, sizeof(proof_path), "/api/cities/%s/proof", key_hex);
	send_req(&(struct request){.path = proof_path}, &a);
	expect_status(&a, 200);
	cr_assert_gt(a.res.body.len, 64);
	answer_free(&a);
	snprintf(body, sizeof(body), "{\"key\": \"%s\"}", key_hex);
	send_req(
		&(struct request){
			.method = "POST", .path = "/api/secretariat/withdraw", .body = body},
		&a);
	expect_status(&a, 422);
	cr_assert_str_eq(error_field(&a), "reason");
	answer_free(&a);
	snprintf(
		body, sizeof(body), "{\"key\": \"%s\", \"reason\": \"left the network\"}", key_hex);
	send_req(
		&(struct request){
			.method = "POST", .path = "/api/secretariat/withdraw", .body = body},
		&a);
	expect_status(&a, 200);
	cr_assert(json_is_false(json_object_get(json_object_get(a.json, "member"), "active")));
	answer_free(&a);
	uccn_ui_destroy(ui);
	ui = make_ui(node, "127.0.0.1", false); /* teardown's */
	uccn_node_close(lyon);
	uccn_node_close(sec);
}

/* A session record as the network loop writes it when a session ends. */
static void note_session(struct uccn_node *n, const uint8_t key[UCCN_KEY_BYTES], bool incoming,
	uint64_t ended_ms, uint64_t sent, uint64_t received, int err, const char *error) {
	struct uccn_net_session s = {.key_known = true,
		.incoming = incoming,
		.started_ms = ended_ms - 1000,
		.ended_ms = ended_ms,
		.ok_ms = err == 0 ? ended_ms : 0,
		.seen_ms = ended_ms - 1000,
		.sessions = 1,
		.failures = err != 0,
		.err = err};
	memcpy(s.key, key, UCCN_KEY_BYTES);
	snprintf(s.address, sizeof(s.address), "127.0.0.1:40000");
	s.stats.sent = sent;
	s.stats.received = received;
	s.stats.applied = received;
	snprintf(s.error, sizeof(s.error), "%s", error);
	cr_assert_eq(uccn_store_note_session(uccn_node_store(n), &s), UCCN_OK);
}

static json_t *row_of(json_t *rows, const char *name) {
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
		const char *n = json_string_value(json_object_get(json_object_get(r, "city"), "name"));
		if (n != NULL && strcmp(n, name) == 0) {
			return r;
		}
	}
	return NULL;
}

static json_int_t int_at(json_t *o, const char *a, const char *b) {
	return json_integer_value(
		json_object_get(b != NULL ? json_object_get(o, a) : o, b != NULL ? b : a));
}

Test(ui, health_and_sync_show_the_record_of_sessions) {
	char path[1024];
	snprintf(path, sizeof(path), "%s/unesco", dir);
	struct uccn_node *sec = NULL;
	struct uccn_node_init_options so = {.name = "UNESCO", .secretariat = true};
	cr_assert_eq(uccn_node_init(path, &so, test_wall_ms(), &sec), UCCN_OK);
	uint8_t adelaide[UCCN_KEY_BYTES], hobart[UCCN_KEY_BYTES], stranger[UCCN_KEY_BYTES];
	test_key(1, adelaide);
	test_key(2, hobart);
	test_key(3, stranger);
	cr_assert_eq(
		uccn_node_designate(sec, adelaide, "Adelaide", "AU", "music", 2015, test_wall_ms()),
		UCCN_OK);
	cr_assert_eq(uccn_node_designate(
			     sec, hobart, "Hobart", "AU", "literature", 2023, test_wall_ms()),
		UCCN_OK);
	/* Adelaide synced well, then failed; a key that is no member came once; Hobart never. */
	uint64_t t = 1765000000000ULL;
	note_session(sec, adelaide, true, t, 2, 5, 0, "");
	note_session(sec, stranger, true, t + 30000, 0, 1, 0, "");
	note_session(
		sec, adelaide, true, t + 60000, 0, 0, UCCN_ETIMEDOUT, "the handshake timed out");
	uccn_ui_destroy(ui);
	ui = make_ui(sec, "127.0.0.1", false);
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/secretariat/health"}, &a);
	expect_status(&a, 200);
	json_t *cities = json_object_get(a.json, "cities");
	json_t *adl = row_of(cities, "Adelaide");
	cr_assert_not_null(adl, "%s", a.body);
	json_t *last = json_object_get(adl, "last_session");
	cr_assert_str_eq(json_string_value(json_object_get(last, "state")), "failed", "%s", a.body);
	cr_assert_str_eq(json_string_value(json_object_get(last, "direction")), "incoming");
	cr_assert_str_eq(
		json_string_value(json_object_get(last, "ended")), "2025-12-06T05:47:40.000Z");
	cr_assert_str_eq(
		json_string_value(json_object_get(last, "last_ok")), "2025-12-06T05:46:40.000Z");
	cr_assert_str_eq(json_string_value(json_object_get(last, "code")), "UCCN_ETIMEDOUT");
	cr_assert_eq(int_at(last, "sessions", NULL), 2);
	cr_assert_eq(int_at(adl, "failures", NULL), 1);
	cr_assert_str_eq(
		json_string_value(json_object_get(adl, "last_error")), "the handshake timed out");
	cr_assert(json_is_true(json_object_get(adl, "member")));
	json_t *hob = row_of(cities, "Hobart");
	cr_assert_not_null(hob, "%s", a.body);
	cr_assert(json_is_null(json_object_get(hob, "last_session")), "never seen: %s", a.body);
	cr_assert_eq(json_array_size(cities), 3, "the two members and the stranger: %s", a.body);
	/* The timeline: every session that ended, the latest first, with what it moved. */
	json_t *tl = json_object_get(a.json, "timeline");
	cr_assert_eq(json_array_size(tl), 3, "%s", a.body);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_array_get(tl, 0), "event")), "failure");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_array_get(tl, 1), "event")), "session");
	json_t *first = json_array_get(tl, 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(first, "city"), "name")),
		"Adelaide");
	cr_assert_str_eq(
		json_string_value(json_object_get(first, "at")), "2025-12-06T05:46:40.000Z");
	cr_assert_eq(int_at(first, "sent", NULL), 2);
	cr_assert_eq(int_at(first, "received", NULL), 5);
	answer_free(&a);
	/* The sync view knows the cities that come to this node by their sessions. */
	send_req(&(struct request){.path = "/api/sync"}, &a);
	expect_status(&a, 200);
	json_t *peer = row_of(json_object_get(a.json, "peers"), "Adelaide");
	cr_assert_not_null(peer, "%s", a.body);
	cr_assert(json_is_null(json_object_get(peer, "url")));
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(peer, "session"), "error")),
		"the handshake timed out");
	cr_assert_eq(json_array_size(json_object_get(a.json, "peers")), 2, "%s", a.body);
	answer_free(&a);
	uccn_ui_destroy(ui);
	ui = make_ui(node, "127.0.0.1", false); /* teardown's */
	uccn_node_close(sec);
}

Test(ui, query_parameters_are_decoded) {
	login_with_link();
	create("best_practice",
		"{\"title\": \"Café culture\", \"summary\": \"Théâtre & musique\"}");
	struct answer a;
	/* Accents are ignored; '&' inside a value is the value's. */
	send_req(
		&(struct request){.path = "/api/search", .query = "q=theatre%20%26%20musique"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1, "%s", a.body);
	answer_free(&a);
	send_req(&(struct request){.path = "/api/search", .query = "q=caf%C3%A9"}, &a);
	cr_assert_eq(json_integer_value(json_object_get(a.json, "total")), 1, "%s", a.body);
	answer_free(&a);
}

Test(ui, the_live_stream_is_an_event_stream) {
	login_with_link();
	struct answer a;
	send_req(&(struct request){.path = "/api/live"}, &a);
	expect_status(&a, 200);
	cr_assert(a.res.stream);
	char type[64];
	cr_assert_str_eq(
		header(&a, "Content-Type", type, sizeof(type)), "text/event-stream; charset=utf-8");
	answer_free(&a);
}

Test(ui, another_citys_record_is_refused_in_both_languages) {
	char path[1024];
	snprintf(path, sizeof(path), "%s/hobart", dir);
	char id[UCCN_ID_MAX + 1];
	test_import_hobart_practice(node, path, "Festival of Voices", id);
	login_with_link();
	char route[256];
	snprintf(route, sizeof(route), "/api/records/best_practice/%s", id);
	struct answer a;
	send_req(&(struct request){.path = route}, &a);
	expect_status(&a, 200);
	json_t *r = json_object_get(a.json, "record");
	cr_assert(json_is_false(json_object_get(r, "may_edit")));
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(r, "owner"), "name")), "Hobart");
	answer_free(&a);
	send_req(&(struct request){.method = "PUT",
			 .path = route,
			 .body = "{\"fields\": {\"title\": \"Mine now\"}}"},
		&a);
	expect_status(&a, 403);
	cr_assert_str_eq(error_code(&a), "forbidden");
	const char *msg =
		json_string_value(json_object_get(json_object_get(a.json, "error"), "message"));
	cr_assert(strncmp(msg, "not permitted", 13) == 0, "%s", msg);
	answer_free(&a);
	send_req(&(struct request){.method = "PUT",
			 .path = route,
			 .query = "lang=fr",
			 .body = "{\"fields\": {\"title\": \"Mine now\"}}"},
		&a);
	msg = json_string_value(json_object_get(json_object_get(a.json, "error"), "message"));
	cr_assert(strncmp(msg, "non permis", 10) == 0, "%s", msg);
	answer_free(&a);
	send_req(&(struct request){.method = "DELETE", .path = route}, &a);
	expect_status(&a, 403);
	answer_free(&a);
}
