/* ui.h - the node's web page on the server side: a sans-IO HTTP handler (routes, the JSON API of
 * proto/API.md, sessions, CSRF, accounts, static files) that `uccn serve --ui` hands to the
 * network loop's HTTP listener, and the files it keeps in the node's home (accounts, one-time
 * login tokens). Private to tools/; reaches the node only through <uccn/...>. */
#ifndef TOOLS_UI_H
#define TOOLS_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <uccn/uccn.h>

/* How long a one-time login token from `uccn ui --url` is good for. */
#define UCCN_UI_TOKEN_TTL_MS ((uint64_t)10 * 60 * 1000)
/* How long a session lasts from its login. */
#define UCCN_UI_SESSION_TTL_MS ((uint64_t)12 * 60 * 60 * 1000)
/* Failed logins allowed in UCCN_UI_LOGIN_WINDOW_MS, per client address and per account. */
#define UCCN_UI_LOGIN_WINDOW_MS ((uint64_t)15 * 60 * 1000)
#define UCCN_UI_LOGIN_MAX_PER_CLIENT 5
#define UCCN_UI_LOGIN_MAX_PER_ACCOUNT 10
/* Sessions held at once; the oldest goes first. */
#define UCCN_UI_SESSIONS_MAX 256
#define UCCN_UI_USER_MAX 64
/* How often an event stream hears a ping. */
#define UCCN_UI_PING_MS ((uint64_t)15 * 1000)
/* The files in the node's home. */
#define UCCN_UI_USERS_FILE "ui-users"
#define UCCN_UI_TOKENS_FILE "ui-tokens"
#define UCCN_UI_URL_FILE "ui-url"

struct uccn_ui_options {
	struct uccn_node *node; /* borrowed */
	struct uccn_net *net;   /* borrowed; NULL: no network (the sync routes say offline) */
	const char *home;       /* where the accounts and tokens are kept */
	const char *static_dir; /* the page's files */
	const char *host;       /* the listening address and port, for the Host check */
	uint16_t port;
	bool secure; /* behind TLS: cookies get Secure */
	/* The wall clock in milliseconds; NULL: the system's. Tests pass their own. */
	uint64_t (*now_ms)(void *arg);
	void *now_arg;
};

struct uccn_ui;

/* Whether host (an IP address) is a loopback address (127.0.0.0/8, ::1). */
bool uccn_ui_is_loopback(const char *host);

/* Makes the handler. UCCN_EPERM when host is not loopback and the node has no account (the
 * message goes to why); UCCN_ENOMEM. */
int uccn_ui_create(
	const struct uccn_ui_options *opts, struct uccn_ui **out, char *why, size_t why_len);
void uccn_ui_destroy(struct uccn_ui *ui);

/* The port the page is reached on, once bound (for the Host check). */
void uccn_ui_set_port(struct uccn_ui *ui, uint16_t port);

/* serve --ui: makes the handler, serves it on host:port beside net, writes the page's address
 * to the home (for `uccn ui`) and prints it. 0 or the exit status after the error line. */
struct uccn_cli;
int uccn_ui_serve(struct uccn_cli *cli, struct uccn_node *node, struct uccn_net *net,
	const char *host, uint16_t port, const char *dir, bool secure, struct uccn_ui **out);
/* Stops serving: the address goes from the home, and the handler is freed (after the loop). */
void uccn_ui_serve_end(struct uccn_cli *cli, struct uccn_ui *ui);

/* The HTTP handler (a uccn_http_handler_fn; userdata is the struct uccn_ui). */
void uccn_ui_handle(
	void *userdata, const struct uccn_http_request *req, struct uccn_http_response *res);

/* Called after each turn of the loop: tells the event streams what arrived, and pings them. */
void uccn_ui_tick(struct uccn_ui *ui);

/* --- The home's files --------------------------------------------------------------------- */

/* Whether name can be an account's: 1-64 of [A-Za-z0-9._@-]. */
bool uccn_ui_user_name_ok(const char *name);
/* Adds (or, with replace, changes the password of) an account. UCCN_EEXIST, UCCN_EINVAL (a name
 * that is not 1-64 of [A-Za-z0-9._@-], an empty or too long password), UCCN_EIO. */
int uccn_ui_user_add(const char *home, const char *name, const char *password, bool replace);
/* UCCN_ENOTFOUND if there is no such account. */
int uccn_ui_user_remove(const char *home, const char *name);
/* Each account's name to fn; returns how many, or UCCN_EIO. */
int uccn_ui_user_list(const char *home, void (*fn)(void *arg, const char *name), void *arg);
/* Makes a one-time login token (64 hex digits into token), kept hashed in the home. */
int uccn_ui_token_new(const char *home, uint64_t now_ms, char token[65]);

/* --- Between the ui files ----------------------------------------------------------------- */

/* One request being answered. */
struct uccn_ui_call {
	struct uccn_ui *ui;
	const struct uccn_http_request *req;
	struct uccn_http_response *res;
	const char *lang; /* "en" or "fr" */
	const char *user; /* the session's account, "" for a token's session */
	char *segs[8];    /* the path after /api/, split at '/' and percent-decoded */
	size_t nsegs;
};

struct uccn_node *uccn_ui_node(const struct uccn_ui *ui);
struct uccn_net *uccn_ui_net(const struct uccn_ui *ui);
uint64_t uccn_ui_now(const struct uccn_ui *ui);
/* Wall-clock milliseconds as ISO 8601 UTC ("2026-12-06T07:00:00.000Z"); buf needs 32 bytes. */
void uccn_ui_format_ms(uint64_t ms, char *buf, size_t len);
/* Tells the event streams that records changed here (a put from the page). */
void uccn_ui_changed(struct uccn_ui *ui, const char *kind);

/* Answers with j (taken: decref'd here) and status. */
void uccn_ui_json(struct uccn_ui_call *c, int status, json_t *j);
/* Answers with the error shape of API.md §2. field may be NULL. */
void uccn_ui_error(struct uccn_ui_call *c, int status, const char *code, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds a header line to the answer. */
void uccn_ui_header(struct uccn_ui_call *c, const char *name, const char *value);
/* The query parameter name, percent-decoded into buf; NULL when absent. */
const char *uccn_ui_param(const struct uccn_ui_call *c, const char *name, char *buf, size_t len);

/* The JSON API: answers c (the path is under /api/ and the session checked). */
void uccn_ui_api(struct uccn_ui_call *c);
/* GET /events.ics */
void uccn_ui_events_ics(struct uccn_ui_call *c);

/* Words for people, in English and French (ui_i18n.c). */
struct uccn_ui_words {
	const char *en, *fr;
};
/* The label of a kind, of a kind's field, of a creative field, of an SDG (1-17); NULL when
 * none is known. */
const struct uccn_ui_words *uccn_ui_kind_label(const char *kind);
const struct uccn_ui_words *uccn_ui_field_label(const char *kind, const char *field);
const struct uccn_ui_words *uccn_ui_field_help(const char *kind, const char *field);
const struct uccn_ui_words *uccn_ui_creative_field_label(const char *field);
const struct uccn_ui_words *uccn_ui_sdg_label(int sdg);
const struct uccn_ui_words *uccn_ui_choice_label(const char *value);
/* {"en": ..., "fr": ...}, or the English text twice when w is NULL. */
json_t *uccn_ui_words_json(const struct uccn_ui_words *w, const char *fallback);
/* The UNESCO region of a country (ISO alpha-2), or NULL. */
const char *uccn_ui_region(const char *country);
/* A message of the node (English) in lang: French where a translation is known, into buf. */
const char *uccn_ui_translate(const char *lang, const char *message, char *buf, size_t len);

#endif
