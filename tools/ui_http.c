/* ui_http.c - the web page's HTTP handler, sans-IO: it takes one whole request and fills one
 * response, and does the checks every request meets before any route (Host, security headers,
 * session cookie, CSRF token, login rate limits, body limits), serves the page's static files,
 * and keeps the accounts and one-time tokens in the node's home. The routes of the JSON API are
 * ui_api.c's. */
#include "tools/ui.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COOKIE_NAME "uccn_session"
#define STATIC_MAX ((size_t)16 * 1024 * 1024)
#define RATE_MAX 1024

static const char security_headers[] =
	"Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"X-Frame-Options: DENY\r\n"
	"Referrer-Policy: no-referrer\r\n";

struct session {
	char id[65];   /* the cookie's value; "" for a free slot */
	char csrf[65]; /* X-CSRF-Token */
	char user[UCCN_UI_USER_MAX + 1];
	uint64_t expires_ms;
};

/* Failed logins of one client address or one account in the current window. */
struct rate {
	char key[UCCN_UI_USER_MAX + 16];
	unsigned failures;
	uint64_t window_start_ms;
};

struct uccn_ui {
	struct uccn_ui_options opts;
	char *home, *static_dir, *host;
	bool loopback;
	struct session sessions[UCCN_UI_SESSIONS_MAX];
	struct rate rates[RATE_MAX];
	uint64_t arrivals_seen, next_ping_ms;
};

static uint64_t system_now(void *arg) {
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool uccn_ui_is_loopback(const char *host) {
	struct in_addr a4;
	struct in6_addr a6;
	if (host == NULL) {
		return false;
	}
	if (inet_pton(AF_INET, host, &a4) == 1) {
		return (ntohl(a4.s_addr) >> 24) == 127;
	}
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

struct uccn_node *uccn_ui_node(const struct uccn_ui *ui) {
	return ui->opts.node;
}

struct uccn_net *uccn_ui_net(const struct uccn_ui *ui) {
	return ui->opts.net;
}

uint64_t uccn_ui_now(const struct uccn_ui *ui) {
	return ui->opts.now_ms(ui->opts.now_arg);
}

/* --- The home's files ---------------------------------------------------------------------- */

static int home_path(const char *home, const char *name, char *out, size_t len) {
	int n = snprintf(out, len, "%s/%s", home, name);
	return n < 0 || (size_t)n >= len ? UCCN_EINVAL : UCCN_OK;
}

/* Reads a whole small file of the home; a missing one reads as empty. */
static int read_home_file(const char *home, const char *name, struct uccn_bytes *out) {
	char path[PATH_MAX];
	if (home_path(home, name, path, sizeof(path)) < 0) {
		return UCCN_EINVAL;
	}
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return errno == ENOENT ? UCCN_OK : UCCN_EIO;
	}
	char buf[4096];
	size_t n;
	int err = UCCN_OK;
	while (err == UCCN_OK && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		err = uccn_bytes_append(out, buf, n);
	}
	if (ferror(f)) {
		err = UCCN_EIO;
	}
	fclose(f);
	return err < 0 ? err : uccn_bytes_append(out, "", 1);
}

/* Replaces a file of the home with data, mode 0600, through a temporary file and a rename. */
static int write_home_file(const char *home, const char *name, const char *data, size_t len) {
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	if (home_path(home, name, path, sizeof(path)) < 0 ||
		snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		return UCCN_EINVAL;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		return UCCN_EIO;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			close(fd);
			unlink(tmp);
			return UCCN_EIO;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return UCCN_EIO;
	}
	return UCCN_OK;
}

bool uccn_ui_user_name_ok(const char *name) {
	size_t n = strlen(name);
	if (n == 0 || n > UCCN_UI_USER_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
			    ch == '@')) {
			return false;
		}
	}
	return true;
}

/* Walks the lines "NAME:HASH" of the accounts file. fn returns true to stop. */
static int each_user(
	const char *home, bool (*fn)(void *arg, const char *name, const char *hash), void *arg) {
	struct uccn_bytes b = {0};
	int err = read_home_file(home, UCCN_UI_USERS_FILE, &b);
	if (err < 0 || b.data == NULL) {
		uccn_bytes_finish(&b);
		return err;
	}
	int count = 0;
	char *save = NULL;
	for (char *line = strtok_r((char *)b.data, "\n", &save); line != NULL;
		line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (colon == NULL) {
			continue;
		}
		*colon = '\0';
		count++;
		if (fn(arg, line, colon + 1)) {
			break;
		}
	}
	uccn_bytes_finish(&b);
	return count;
}

struct user_edit {
	const char *name;
	bool found;
	struct uccn_bytes out;
	const char *hash; /* the new line's, or NULL to drop the account */
	int err;
};

static bool keep_other_users(void *arg, const char *name, const char *hash) {
	struct user_edit *e = arg;
	bool same = strcmp(name, e->name) == 0;
	e->found = e->found || same;
	if (same) {
		hash = e->hash;
	}
	if (hash != NULL && e->err == UCCN_OK) {
		if (uccn_bytes_append(&e->out, name, strlen(name)) < 0 ||
			uccn_bytes_append(&e->out, ":", 1) < 0 ||
			uccn_bytes_append(&e->out, hash, strlen(hash)) < 0 ||
			uccn_bytes_append(&e->out, "\n", 1) < 0) {
			e->err = UCCN_ENOMEM;
		}
	}
	return false;
}

static int edit_users(const char *home, struct user_edit *e) {
	int err = each_user(home, keep_other_users, e);
	if (err >= 0 && e->err < 0) {
		err = e->err;
	}
	return err;
}

int uccn_ui_user_add(const char *home, const char *name, const char *password, bool replace) {
	if (!uccn_ui_user_name_ok(name)) {
		return UCCN_EINVAL;
	}
	char hash[UCCN_AUTH_HASH_MAX];
	int err = uccn_auth_hash_password(password, strlen(password), hash);
	if (err < 0) {
		return err;
	}
	struct user_edit e = {.name = name, .hash = hash};
	if ((err = edit_users(home, &e)) >= 0) {
		if (e.found && !replace) {
			err = UCCN_EEXIST;
		} else if (!e.found && replace) {
			err = UCCN_ENOTFOUND;
		} else if (!e.found && (uccn_bytes_append(&e.out, name, strlen(name)) < 0 ||
					       uccn_bytes_append(&e.out, ":", 1) < 0 ||
					       uccn_bytes_append(&e.out, hash, strlen(hash)) < 0 ||
					       uccn_bytes_append(&e.out, "\n", 1) < 0)) {
			err = UCCN_ENOMEM;
		} else {
			err = write_home_file(
				home, UCCN_UI_USERS_FILE, (const char *)e.out.data, e.out.len);
		}
	}
	uccn_bytes_finish(&e.out);
	return err;
}

int uccn_ui_user_remove(const char *home, const char *name) {
	struct user_edit e = {.name = name, .hash = NULL};
	int err = edit_users(home, &e);
	if (err >= 0) {
		err = !e.found ? UCCN_ENOTFOUND
			       : write_home_file(home, UCCN_UI_USERS_FILE,
					 e.out.data != NULL ? (const char *)e.out.data : "",
					 e.out.len);
	}
	uccn_bytes_finish(&e.out);
	return err;
}

struct user_list {
	void (*fn)(void *arg, const char *name);
	void *arg;
};

static bool list_one_user(void *arg, const char *name, const char *hash) {
	(void)hash;
	struct user_list *l = arg;
	if (l->fn != NULL) {
		l->fn(l->arg, name);
	}
	return false;
}

int uccn_ui_user_list(const char *home, void (*fn)(void *arg, const char *name), void *arg) {
	struct user_list l = {fn, arg};
	return each_user(home, list_one_user, &l);
}

struct user_check {
	const char *name, *password;
	bool found, ok;
};

static bool check_one_user(void *arg, const char *name, const char *hash) {
	struct user_check *c = arg;
	if (strcmp(name, c->name) != 0) {
		return false;
	}
	c->found = true;
	c->ok = uccn_auth_check_password(hash, c->password, strlen(c->password));
	return true;
}

int uccn_ui_token_new(const char *home, uint64_t now_ms, char token[65]) {
	struct uccn_bytes b = {0}, out = {0};
	int err = read_home_file(home, UCCN_UI_TOKENS_FILE, &b);
	if (err < 0) {
		goto done;
	}
	/* Keeps the tokens still good, so the file does not grow. */
	char *save = NULL;
	for (char *line = b.data != NULL ? strtok_r((char *)b.data, "\n", &save) : NULL;
		line != NULL; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long exp = 0;
		char digest[65];
		if (sscanf(line, "%64s %llu", digest, &exp) == 2 && exp > now_ms) {
			char l[128];
			int n = snprintf(l, sizeof(l), "%s %llu\n", digest, exp);
			if ((err = uccn_bytes_append(&out, l, (size_t)n)) < 0) {
				goto done;
			}
		}
	}
	uccn_auth_random_hex(token, 32);
	char digest[65], l[128];
	uccn_auth_digest_hex(token, 64, digest);
	int n = snprintf(l, sizeof(l), "%s %llu\n", digest,
		(unsigned long long)(now_ms + UCCN_UI_TOKEN_TTL_MS));
	if ((err = uccn_bytes_append(&out, l, (size_t)n)) == UCCN_OK) {
		err = write_home_file(home, UCCN_UI_TOKENS_FILE, (const char *)out.data, out.len);
	}
done:
	uccn_bytes_finish(&b);
	uccn_bytes_finish(&out);
	return err;
}

/* Takes a token: true when it was good (and then it is good no more). */
static bool token_take(const char *home, const char *token, uint64_t now_ms) {
	if (strlen(token) != 64) {
		return false;
	}
	char want[65];
	uccn_auth_digest_hex(token, 64, want);
	struct uccn_bytes b = {0}, out = {0};
	bool found = false;
	if (read_home_file(home, UCCN_UI_TOKENS_FILE, &b) < 0 || b.data == NULL) {
		goto done;
	}
	char *save = NULL;
	for (char *line = strtok_r((char *)b.data, "\n", &save); line != NULL;
		line = strtok_r(NULL, "\n", &save)) {
		unsigned long long exp = 0;
		char digest[65];
		if (sscanf(line, "%64s %llu", digest, &exp) != 2 || exp <= now_ms) {
			continue;
		}
		if (!found && strlen(digest) == 64 && uccn_auth_equal(digest, want, 64)) {
			found = true;
			continue;
		}
		char l[128];
		int n = snprintf(l, sizeof(l), "%s %llu\n", digest, exp);
		if (uccn_bytes_append(&out, l, (size_t)n) < 0) {
			found = false;
			goto done;
		}
	}
	/* Used up before the session is made: a token that cannot be crossed off is refused. */
	if (found && write_home_file(home, UCCN_UI_TOKENS_FILE,
			     out.data != NULL ? (const char *)out.data : "", out.len) < 0) {
		found = false;
	}
done:
	uccn_bytes_finish(&b);
	uccn_bytes_finish(&out);
	return found;
}

/* --- The handler ----------------------------------------------------------------------------- */

int uccn_ui_create(
	const struct uccn_ui_options *opts, struct uccn_ui **out, char *why, size_t why_len) {
	struct uccn_ui *ui = calloc(1, sizeof(*ui));
	if (ui == NULL) {
		return UCCN_ENOMEM;
	}
	ui->opts = *opts;
	if (ui->opts.now_ms == NULL) {
		ui->opts.now_ms = system_now;
	}
	ui->home = strdup(opts->home);
	ui->static_dir = strdup(opts->static_dir != NULL ? opts->static_dir : "");
	ui->host = strdup(opts->host != NULL ? opts->host : "127.0.0.1");
	if (ui->home == NULL || ui->static_dir == NULL || ui->host == NULL) {
		uccn_ui_destroy(ui);
		return UCCN_ENOMEM;
	}
	ui->loopback = uccn_ui_is_loopback(ui->host);
	if (!ui->loopback && uccn_ui_user_list(ui->home, NULL, NULL) <= 0) {
		snprintf(why, why_len,
			"the page is served on %s, not on loopback: add an account first "
			"('uccn user add NAME')",
			ui->host);
		uccn_ui_destroy(ui);
		return UCCN_EPERM;
	}
	if (ui->opts.net != NULL) {
		ui->arrivals_seen = uccn_net_arrivals(ui->opts.net);
	}
	*out = ui;
	return UCCN_OK;
}

void uccn_ui_set_port(struct uccn_ui *ui, uint16_t port) {
	ui->opts.port = port;
}

void uccn_ui_destroy(struct uccn_ui *ui) {
	if (ui == NULL) {
		return;
	}
	free(ui->home);
	free(ui->static_dir);
	free(ui->host);
	/* Session ids and CSRF tokens are secrets: they do not outlive the handler in memory. */
	memset(ui->sessions, 0, sizeof(ui->sessions));
	free(ui);
}

void uccn_ui_header(struct uccn_ui_call *c, const char *name, const char *value) {
	struct uccn_bytes *h = &c->res->headers;
	if (uccn_bytes_append(h, name, strlen(name)) < 0 || uccn_bytes_append(h, ": ", 2) < 0 ||
		uccn_bytes_append(h, value, strlen(value)) < 0 ||
		uccn_bytes_append(h, "\r\n", 2) < 0) {
		c->res->status = 500;
	}
}

static void set_body(
	struct uccn_ui_call *c, int status, const char *type, const void *data, size_t len) {
	c->res->status = status;
	c->res->body.len = 0;
	uccn_ui_header(c, "Content-Type", type);
	if (len > 0 && uccn_bytes_append(&c->res->body, data, len) < 0) {
		c->res->status = 500;
	}
}

void uccn_ui_json(struct uccn_ui_call *c, int status, json_t *j) {
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	if (s == NULL) {
		static const char oom[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
		set_body(c, 500, "application/json; charset=utf-8", oom, sizeof(oom) - 1);
		return;
	}
	uccn_ui_header(c, "Cache-Control", "no-store");
	set_body(c, status, "application/json; charset=utf-8", s, strlen(s));
	free(s);
}

void uccn_ui_error(struct uccn_ui_call *c, int status, const char *code, const char *field,
	const char *fmt, ...) {
	char msg[1024], fr[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *text = uccn_ui_translate(c->lang, msg, fr, sizeof(fr));
	json_t *e = json_pack("{s:s, s:s%}", "code", code, "message", text, strlen(text));
	if (e != NULL && field != NULL) {
		json_object_set_new(e, "field", json_string(field));
	}
	uccn_ui_json(c, status, json_pack("{s:o*}", "error", e));
}

/* Decodes %XX; refuses a bad escape and a NUL. */
static bool percent_decode(const char *s, size_t len, char *out, size_t cap, bool plus_space) {
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '%') {
			unsigned v;
			char hex[3] = {0};
			if (i + 2 >= len) {
				return false;
			}
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			if (sscanf(hex, "%2x", &v) != 1 ||
				strspn(hex, "0123456789abcdefABCDEF") != 2) {
				return false;
			}
			ch = (char)v;
			i += 2;
		} else if (ch == '+' && plus_space) {
			ch = ' ';
		}
		if (ch == '\0' || o + 1 >= cap) {
			return false;
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	return true;
}

const char *uccn_ui_param(const struct uccn_ui_call *c, const char *name, char *buf, size_t len) {
	const char *q = c->req->query;
	size_t nl = strlen(name);
	while (q != NULL && *q != '\0') {
		const char *end = strchr(q, '&');
		size_t n = end != NULL ? (size_t)(end - q) : strlen(q);
		const char *eq = memchr(q, '=', n);
		size_t kl = eq != NULL ? (size_t)(eq - q) : n;
		if (kl == nl && memcmp(q, name, nl) == 0) {
			if (eq == NULL) {
				buf[0] = '\0';
				return buf;
			}
			return percent_decode(eq + 1, n - kl - 1, buf, len, true) ? buf : NULL;
		}
		q = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

static const char *pick_lang(const struct uccn_ui_call *c) {
	char buf[8];
	const char *l = uccn_ui_param(c, "lang", buf, sizeof(buf));
	if (l != NULL) {
		return strcmp(l, "fr") == 0 ? "fr" : "en";
	}
	/* The first of fr and en named in Accept-Language. */
	const char *a = c->req->accept_language;
	for (const char *p = a; p != NULL && *p != '\0'; p++) {
		if ((p == a || p[-1] == ',' || p[-1] == ' ') &&
			(strncmp(p, "fr", 2) == 0 || strncmp(p, "en", 2) == 0) &&
			(p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ',')) {
			return p[0] == 'f' ? "fr" : "en";
		}
	}
	return "en";
}

/* Loopback pages are reached by a loopback name: anything else is a rebinding of a name the
 * attacker owns onto 127.0.0.1, which must not reach the node. */
static bool host_allowed(const struct uccn_ui *ui, const char *host) {
	if (!ui->loopback) {
		return true;
	}
	char want[INET6_ADDRSTRLEN + 16];
	const char *names[] = {"localhost", "127.0.0.1", "[::1]", NULL};
	for (size_t i = 0; names[i] != NULL; i++) {
		snprintf(want, sizeof(want), "%s:%u", names[i], (unsigned)ui->opts.port);
		if (strcmp(host, want) == 0) {
			return true;
		}
	}
	bool v6 = strchr(ui->host, ':') != NULL;
	snprintf(want, sizeof(want), v6 ? "[%s]:%u" : "%s:%u", ui->host, (unsigned)ui->opts.port);
	return strcmp(host, want) == 0;
}

/* An Origin, when sent, must be this server's own. */
static bool origin_allowed(const struct uccn_ui *ui, const struct uccn_http_request *req) {
	if (req->origin[0] == '\0') {
		return true;
	}
	char want[UCCN_HTTP_HEADER_MAX + 16];
	snprintf(want, sizeof(want), "%s://%s", ui->opts.secure ? "https" : "http", req->host);
	return strcmp(req->origin, want) == 0;
}

static struct session *find_session(struct uccn_ui *ui, const char *cookie) {
	const char *p = cookie;
	size_t name_len = strlen(COOKIE_NAME);
	while (p != NULL && *p != '\0') {
		p += strspn(p, " ;");
		if (strncmp(p, COOKIE_NAME, name_len) == 0 && p[name_len] == '=') {
			const char *v = p + name_len + 1;
			size_t n = strcspn(v, ";");
			if (n != 64) {
				return NULL;
			}
			uint64_t now = uccn_ui_now(ui);
			for (size_t i = 0; i < UCCN_UI_SESSIONS_MAX; i++) {
				struct session *s = &ui->sessions[i];
				if (s->id[0] != '\0' && uccn_auth_equal(s->id, v, 64)) {
					if (s->expires_ms <= now) {
						memset(s, 0, sizeof(*s));
						return NULL;
					}
					return s;
				}
			}
			return NULL;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

static struct session *new_session(struct uccn_ui *ui, const char *user) {
	struct session *slot = &ui->sessions[0];
	uint64_t now = uccn_ui_now(ui);
	for (size_t i = 0; i < UCCN_UI_SESSIONS_MAX; i++) {
		struct session *s = &ui->sessions[i];
		if (s->id[0] == '\0' || s->expires_ms <= now) {
			slot = s;
			break;
		}
		if (s->expires_ms < slot->expires_ms) {
			slot = s;
		}
	}
	uccn_auth_random_hex(slot->id, 32);
	uccn_auth_random_hex(slot->csrf, 32);
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->expires_ms = now + UCCN_UI_SESSION_TTL_MS;
	return slot;
}

static void set_cookie(struct uccn_ui_call *c, const struct session *s) {
	char v[256];
	snprintf(v, sizeof(v), COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
		s != NULL ? s->id : "", c->ui->opts.secure ? "; Secure" : "",
		s != NULL ? "" : "; Max-Age=0");
	uccn_ui_header(c, "Set-Cookie", v);
}

void uccn_ui_format_ms(uint64_t ms, char *buf, size_t len) {
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned)(ms % 1000));
}

static json_t *session_json(struct uccn_ui_call *c, const struct session *s) {
	json_t *j = json_pack("{s:b, s:b, s:b, s:b}", "authenticated", s != NULL, "accounts",
		uccn_ui_user_list(c->ui->home, NULL, NULL) > 0, "loopback", c->ui->loopback,
		"secure", c->ui->opts.secure);
	if (j != NULL && s != NULL) {
		char exp[40];
		uccn_ui_format_ms(s->expires_ms, exp, sizeof(exp));
		json_object_set_new(
			j, "user", s->user[0] != '\0' ? json_string(s->user) : json_null());
		json_object_set_new(j, "csrf", json_string(s->csrf));
		json_object_set_new(j, "expires", json_string(exp));
	}
	return j;
}

static struct rate *rate_of(struct uccn_ui *ui, const char *key, bool make) {
	uint64_t now = uccn_ui_now(ui);
	struct rate *free_slot = NULL;
	for (size_t i = 0; i < RATE_MAX; i++) {
		struct rate *r = &ui->rates[i];
		if (r->key[0] != '\0' && now - r->window_start_ms >= UCCN_UI_LOGIN_WINDOW_MS) {
			memset(r, 0, sizeof(*r));
		}
		if (r->key[0] != '\0' && strcmp(r->key, key) == 0) {
			return r;
		}
		if (r->key[0] == '\0' && free_slot == NULL) {
			free_slot = r;
		}
	}
	if (!make) {
		return NULL;
	}
	if (free_slot == NULL) {
		/* Full: the oldest window gives way (a flood of addresses cannot lift the limit of
		 * one account, which is counted apart). */
		free_slot = &ui->rates[0];
		for (size_t i = 1; i < RATE_MAX; i++) {
			if (ui->rates[i].window_start_ms < free_slot->window_start_ms) {
				free_slot = &ui->rates[i];
			}
		}
	}
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	free_slot->window_start_ms = now;
	return free_slot;
}

/* Seconds until key may try again, 0 when it may now. */
static uint64_t rate_wait(struct uccn_ui *ui, const char *key, unsigned max) {
	struct rate *r = rate_of(ui, key, false);
	if (r == NULL || r->failures < max) {
		return 0;
	}
	uint64_t end = r->window_start_ms + UCCN_UI_LOGIN_WINDOW_MS;
	uint64_t now = uccn_ui_now(ui);
	return end > now ? (end - now + 999) / 1000 : 0;
}

static void rate_fail(struct uccn_ui *ui, const char *key) {
	struct rate *r = rate_of(ui, key, true);
	r->failures++;
}

static void login(struct uccn_ui_call *c) {
	struct uccn_ui *ui = c->ui;
	json_error_t jerr;
	json_t *body = json_loadb((const char *)c->req->body, c->req->body_len, 0, &jerr);
	const char *user = NULL, *password = NULL, *token = NULL;
	if (body == NULL || !json_is_object(body) ||
		json_unpack(body, "{s?s, s?s, s?s}", "user", &user, "password", &password, "token",
			&token) < 0 ||
		(token == NULL && (user == NULL || password == NULL))) {
		json_decref(body);
		uccn_ui_error(c, 400, "bad_request", NULL,
			"expected {\"user\": ..., \"password\": ...} or {\"token\": ...}");
		return;
	}
	char client_key[UCCN_UI_USER_MAX + 16], user_key[UCCN_UI_USER_MAX + 16];
	snprintf(client_key, sizeof(client_key), "ip:%s", c->req->peer);
	snprintf(user_key, sizeof(user_key), "user:%.64s", token == NULL ? user : "");
	uint64_t wait = rate_wait(ui, client_key, UCCN_UI_LOGIN_MAX_PER_CLIENT);
	if (token == NULL) {
		uint64_t w = rate_wait(ui, user_key, UCCN_UI_LOGIN_MAX_PER_ACCOUNT);
		wait = w > wait ? w : wait;
	}
	if (wait > 0) {
		char s[32];
		snprintf(s, sizeof(s), "%llu", (unsigned long long)wait);
		uccn_ui_header(c, "Retry-After", s);
		json_decref(body);
		uccn_ui_error(c, 429, "rate_limited", NULL,
			"too many failed logins: try again in %llu seconds",
			(unsigned long long)wait);
		return;
	}
	bool ok;
	if (token != NULL) {
		ok = token_take(ui->home, token, uccn_ui_now(ui));
		user = "";
	} else {
		struct user_check chk = {.name = user, .password = password};
		ok = strlen(password) <= UCCN_AUTH_PASSWORD_MAX &&
		     each_user(ui->home, check_one_user, &chk) >= 0 && chk.ok;
	}
	if (!ok) {
		rate_fail(ui, client_key);
		if (token == NULL) {
			rate_fail(ui, user_key);
		}
		json_decref(body);
		uccn_ui_error(c, 401, "unauthorized", NULL,
			token != NULL ? "this login link is used, expired or unknown"
				      : "wrong user name or password");
		return;
	}
	struct session *s = new_session(ui, user);
	json_decref(body);
	set_cookie(c, s);
	uccn_ui_json(c, 200, session_json(c, s));
}

/* GET /login?token=T: the link `uccn ui --url` prints. */
static void login_link(struct uccn_ui_call *c) {
	char token[80];
	const char *t = uccn_ui_param(c, "token", token, sizeof(token));
	char key[UCCN_UI_USER_MAX + 16];
	snprintf(key, sizeof(key), "ip:%s", c->req->peer);
	bool ok = t != NULL && rate_wait(c->ui, key, UCCN_UI_LOGIN_MAX_PER_CLIENT) == 0 &&
		  token_take(c->ui->home, t, uccn_ui_now(c->ui));
	if (ok) {
		set_cookie(c, new_session(c->ui, ""));
	} else {
		rate_fail(c->ui, key);
	}
	uccn_ui_header(c, "Location", ok ? "/" : "/?login=failed");
	uccn_ui_header(c, "Cache-Control", "no-store");
	set_body(c, 303, "text/plain; charset=utf-8", "", 0);
}

static const char *content_type_of(const char *path) {
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".json", "application/json; charset=utf-8"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(dot, types[i].ext) == 0) {
			return types[i].type;
		}
	}
	return "application/octet-stream";
}

/* Whether rel (decoded) names a file under the page's folder: no '..' segment, no backslash,
 * no hidden file. Encoded slashes were refused by the decoding caller. */
static bool safe_relative(const char *rel) {
	if (strchr(rel, '\\') != NULL) {
		return false;
	}
	const char *p = rel;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		if (n == 0 || p[0] == '.') {
			return false;
		}
		p += n;
		if (*p == '/') {
			p++;
			if (*p == '\0') {
				return false;
			}
		}
	}
	return true;
}

/* "%2f" or "%5c" (either case): a separator the path must not hide. */
static bool has_encoded_separator(const char *path) {
	for (const char *p = strchr(path, '%'); p != NULL; p = strchr(p + 1, '%')) {
		if ((p[1] == '2' && (p[2] == 'f' || p[2] == 'F')) ||
			(p[1] == '5' && (p[2] == 'c' || p[2] == 'C'))) {
			return true;
		}
	}
	return false;
}

/* Whether file (resolved: no symbolic link, no '..') lies under dir (resolved). */
static bool inside(const char *dir, const char *file) {
	size_t n = strlen(dir);
	return strncmp(file, dir, n) == 0 && file[n] == '/';
}

static void serve_static(struct uccn_ui_call *c) {
	const char *path = c->req->path;
	char rel[UCCN_HTTP_PATH_MAX];
	if (strcmp(c->req->method, "GET") != 0 && strcmp(c->req->method, "HEAD") != 0) {
		uccn_ui_header(c, "Allow", "GET, HEAD");
		uccn_ui_error(c, 405, "method", NULL, "%s is not allowed here", c->req->method);
		return;
	}
	if (has_encoded_separator(path) ||
		!percent_decode(path + 1, strlen(path + 1), rel, sizeof(rel), false)) {
		uccn_ui_error(c, 404, "not_found", NULL, "no such file");
		return;
	}
	if (rel[0] == '\0') {
		snprintf(rel, sizeof(rel), "index.html");
	}
	char full[PATH_MAX], real_dir[PATH_MAX], real_file[PATH_MAX];
	if (!safe_relative(rel) || realpath(c->ui->static_dir, real_dir) == NULL ||
		snprintf(full, sizeof(full), "%s/%s", real_dir, rel) >= (int)sizeof(full) ||
		realpath(full, real_file) == NULL || !inside(real_dir, real_file)) {
		uccn_ui_error(c, 404, "not_found", NULL, "no such file");
		return;
	}
	int fd = open(real_file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		(size_t)st.st_size > STATIC_MAX) {
		if (fd >= 0) {
			close(fd);
		}
		uccn_ui_error(c, 404, "not_found", NULL, "no such file");
		return;
	}
	c->res->status = 200;
	uccn_ui_header(c, "Content-Type", content_type_of(real_file));
	uccn_ui_header(c, "Cache-Control", "no-cache");
	if (uccn_bytes_reserve(&c->res->body, (size_t)st.st_size) < 0) {
		close(fd);
		c->res->status = 500;
		return;
	}
	size_t want = (size_t)st.st_size;
	while (c->res->body.len < want) {
		ssize_t r = read(fd, c->res->body.data + c->res->body.len, want - c->res->body.len);
		if (r <= 0) {
			break;
		}
		c->res->body.len += (size_t)r;
	}
	close(fd);
	if (strcmp(c->req->method, "HEAD") == 0) {
		c->res->body.len = 0;
	}
}

static bool is_state_changing(const char *method) {
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

static bool json_content_type(const char *ct) {
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;
	return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void live_stream(struct uccn_ui_call *c) {
	c->res->status = 200;
	uccn_ui_header(c, "Content-Type", "text/event-stream; charset=utf-8");
	uccn_ui_header(c, "Cache-Control", "no-store");
	c->res->stream = true;
	static const char hello[] = "retry: 2000\n\n";
	if (uccn_bytes_append(&c->res->body, hello, sizeof(hello) - 1) < 0) {
		c->res->status = 500;
		c->res->stream = false;
	}
}

/* Splits the path after /api/ into decoded segments; false for one that does not decode. */
static bool split_api_path(struct uccn_ui_call *c, char *buf, size_t len) {
	const char *p = c->req->path + strlen("/api/");
	size_t used = 0;
	c->nsegs = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		if (c->nsegs == sizeof(c->segs) / sizeof(c->segs[0]) ||
			!percent_decode(p, n, buf + used, len - used, false)) {
			return false;
		}
		c->segs[c->nsegs++] = buf + used;
		used += strlen(buf + used) + 1;
		p += n;
		p += *p == '/';
	}
	return true;
}

static void handle_api(struct uccn_ui_call *c) {
	const struct uccn_http_request *req = c->req;
	const char *path = req->path;
	bool changes = is_state_changing(req->method);
	if (req->body_too_large) {
		uccn_ui_error(c, 413, "too_large", NULL, "the request body is over %zu bytes",
			UCCN_HTTP_BODY_MAX);
		return;
	}
	if (changes && req->body_len > 0 && !json_content_type(req->content_type)) {
		uccn_ui_error(c, 415, "media_type", NULL, "the body must be application/json");
		return;
	}
	if (changes && !origin_allowed(c->ui, req)) {
		uccn_ui_error(c, 403, "csrf", NULL, "a request from another site is refused");
		return;
	}
	struct session *sess = find_session(c->ui, req->cookie);
	if (strcmp(path, "/api/session") == 0) {
		if (strcmp(req->method, "GET") != 0) {
			uccn_ui_header(c, "Allow", "GET");
			uccn_ui_error(
				c, 405, "method", NULL, "%s is not allowed here", req->method);
			return;
		}
		uccn_ui_json(c, 200, session_json(c, sess));
		return;
	}
	if (strcmp(path, "/api/login") == 0) {
		if (strcmp(req->method, "POST") != 0) {
			uccn_ui_header(c, "Allow", "POST");
			uccn_ui_error(
				c, 405, "method", NULL, "%s is not allowed here", req->method);
			return;
		}
		login(c);
		return;
	}
	if (sess == NULL) {
		uccn_ui_error(c, 401, "unauthorized", NULL, "log in first");
		return;
	}
	if (changes && (strlen(req->csrf_token) != 64 ||
			       !uccn_auth_equal(req->csrf_token, sess->csrf, 64))) {
		uccn_ui_error(c, 403, "csrf", NULL, "the request lacks this session's CSRF token");
		return;
	}
	c->user = sess->user;
	if (strcmp(path, "/api/logout") == 0) {
		if (strcmp(req->method, "POST") != 0) {
			uccn_ui_header(c, "Allow", "POST");
			uccn_ui_error(
				c, 405, "method", NULL, "%s is not allowed here", req->method);
			return;
		}
		memset(sess, 0, sizeof(*sess));
		set_cookie(c, NULL);
		uccn_ui_json(c, 200, json_pack("{s:b}", "authenticated", false));
		return;
	}
	if (strcmp(path, "/api/live") == 0) {
		live_stream(c);
		return;
	}
	char segbuf[UCCN_HTTP_PATH_MAX + 16];
	if (!split_api_path(c, segbuf, sizeof(segbuf))) {
		uccn_ui_error(c, 404, "not_found", NULL, "no such route");
		return;
	}
	uccn_ui_api(c);
}

void uccn_ui_handle(
	void *userdata, const struct uccn_http_request *req, struct uccn_http_response *res) {
	struct uccn_ui_call c = {.ui = userdata, .req = req, .res = res, .user = ""};
	c.lang = pick_lang(&c);
	if (uccn_bytes_append(&res->headers, security_headers, sizeof(security_headers) - 1) < 0) {
		res->status = 500;
		return;
	}
	if (!host_allowed(c.ui, req->host)) {
		uccn_ui_error(&c, 421, "host", NULL, "this server does not answer for host %s",
			req->host[0] != '\0' ? req->host : "(none)");
		return;
	}
	if (strncmp(req->path, "/api/", 5) == 0) {
		handle_api(&c);
	} else if (strcmp(req->path, "/login") == 0 && strcmp(req->method, "GET") == 0) {
		login_link(&c);
	} else if (strcmp(req->path, "/events.ics") == 0 && strcmp(req->method, "GET") == 0) {
		uccn_ui_events_ics(&c);
	} else {
		serve_static(&c);
	}
}

/* --- Live updates ------------------------------------------------------------------------------
 */

static void push(struct uccn_ui *ui, const char *event, const char *data) {
	if (ui->opts.net == NULL) {
		return;
	}
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "event: %s\ndata: %s\n\n", event, data);
	if (n > 0 && (size_t)n < sizeof(buf)) {
		uccn_net_http_push(ui->opts.net, buf, (size_t)n);
	}
}

void uccn_ui_changed(struct uccn_ui *ui, const char *kind) {
	char data[128];
	snprintf(data, sizeof(data), "{\"applied\":1,\"kinds\":[\"%s\"]}", kind);
	push(ui, "changes", data);
}

void uccn_ui_tick(struct uccn_ui *ui) {
	if (ui->opts.net == NULL) {
		return;
	}
	uint64_t arrivals = uccn_net_arrivals(ui->opts.net);
	if (arrivals != ui->arrivals_seen) {
		char data[96];
		snprintf(data, sizeof(data), "{\"applied\":%llu,\"kinds\":[]}",
			(unsigned long long)(arrivals - ui->arrivals_seen));
		ui->arrivals_seen = arrivals;
		push(ui, "changes", data);
	}
	uint64_t now = uccn_ui_now(ui);
	if (now >= ui->next_ping_ms) {
		ui->next_ping_ms = now + UCCN_UI_PING_MS;
		char data[96];
		snprintf(data, sizeof(data), "{\"online\":%s,\"sessions\":%zu}",
			uccn_net_sessions(ui->opts.net) > 0 ? "true" : "false",
			uccn_net_sessions(ui->opts.net));
		push(ui, "sync", data);
	}
}
