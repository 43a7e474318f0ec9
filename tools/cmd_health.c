/* cmd_health.c - what a node saw of the network: the record of its sessions with each peer
 * (which `status` shows) and `uccn health`, the list of what needs someone's attention: member
 * cities not seen for a while, changes held here, sessions that failed, a split view of the
 * registry. The record itself is the library's (<uccn/net.h>, uccn_net_session_list). */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/net.h>

/* `uccn health` exits with this when something needs attention (0: nothing does). */
#define HEALTH_ATTENTION 3

static const char health_usage[] =
	"usage: uccn [--home DIR] health [--since DURATION] [--json]\n"
	"\n"
	"Lists what needs attention on this node's part of the network, from the sessions it\n"
	"recorded ('uccn status' shows them all):\n"
	"  - the member cities with no session within DURATION (at the Secretariat's nodes; on\n"
	"    a city's node, the remembered peers not reached within DURATION);\n"
	"  - the changes held here (another city's, waiting: for its designation, say), by\n"
	"    author;\n"
	"  - the peers whose last session failed, with why;\n"
	"  - a split view of the registry, if this node holds evidence of one.\n"
	"Exit status: 0 when nothing needs attention, 3 when something does (1 and 2 as for\n"
	"every command: a failure, a usage error).\n"
	"\n"
	"  --since DURATION   how far back a session counts: a number and s, m, h, d or w\n"
	"                     (default 30d)\n"
	"  --json             print one JSON object: since_ms, not_seen, held, failed,\n"
	"                     split_views (arrays) and attention (true or false)\n";

/* --- What the node knows of the network ------------------------------------------------------ */

struct city {
	uint8_t city[UCCN_KEY_BYTES]; /* the designation key */
	uint8_t key[UCCN_KEY_BYTES];  /* the key it signs with now */
	char name[256];
	bool active;
};

struct view {
	struct uccn_node *node;
	uint8_t self[UCCN_KEY_BYTES];
	uint8_t root[UCCN_KEY_BYTES];
	struct city *cities;
	size_t ncities, ccap;
	struct uccn_net_session *sessions;
	size_t nsessions, scap;
};

/* Grows *items (of size bytes each) to hold one more. */
static bool grow(void **items, size_t n, size_t *cap, size_t size) {
	if (n < *cap) {
		return true;
	}
	size_t c = *cap ? 2 * *cap : 16;
	void *a = realloc(*items, c * size);
	if (a == NULL) {
		return false;
	}
	*items = a;
	*cap = c;
	return true;
}

static int add_city(void *userdata, const struct uccn_member *m) {
	struct view *v = userdata;
	if (!grow((void **)&v->cities, v->ncities, &v->ccap, sizeof(*v->cities))) {
		return UCCN_ENOMEM;
	}
	struct city *c = &v->cities[v->ncities++];
	memcpy(c->city, m->city, UCCN_KEY_BYTES);
	memcpy(c->key, m->key, UCCN_KEY_BYTES);
	snprintf(c->name, sizeof(c->name), "%s", uccn_cli_or_empty(m->name));
	c->active = m->active;
	return 0;
}

static int add_session(void *userdata, const struct uccn_net_session *s) {
	struct view *v = userdata;
	if (!grow((void **)&v->sessions, v->nsessions, &v->scap, sizeof(*v->sessions))) {
		return UCCN_ENOMEM;
	}
	v->sessions[v->nsessions++] = *s;
	return 0;
}

static void view_finish(struct view *v) {
	free(v->cities);
	free(v->sessions);
}

/* Reads the registry and the record of sessions once: every line below names cities. */
static int view_load(struct uccn_node *node, struct view *v) {
	memset(v, 0, sizeof(*v));
	v->node = node;
	uccn_node_public_key(node, v->self);
	uccn_node_network(node, v->root);
	int err = uccn_node_registry(node, add_city, v);
	if (err >= 0) {
		err = uccn_net_session_list(node, add_session, v);
	}
	return err < 0 ? err : UCCN_OK;
}

/* The member city that key is (its designation key or the one it signs with now), or NULL. */
static const struct city *city_of(const struct view *v, const uint8_t key[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < v->ncities; i++) {
		if (memcmp(v->cities[i].city, key, UCCN_KEY_BYTES) == 0 ||
			memcmp(v->cities[i].key, key, UCCN_KEY_BYTES) == 0) {
			return &v->cities[i];
		}
	}
	return NULL;
}

/* Who key is, in words: a city's name, the Secretariat, or NULL when the registry does not
 * say. */
static const char *who(const struct view *v, const uint8_t key[UCCN_KEY_BYTES]) {
	const struct city *c = city_of(v, key);
	if (c != NULL) {
		return c->name;
	}
	if (memcmp(key, v->root, UCCN_KEY_BYTES) == 0) {
		return "the Secretariat";
	}
	return NULL;
}

/* The record of the city's sessions: the row of its designation key or its current one. */
static const struct uccn_net_session *session_of(const struct view *v, const struct city *c) {
	const struct uccn_net_session *best = NULL;
	for (size_t i = 0; i < v->nsessions; i++) {
		const struct uccn_net_session *s = &v->sessions[i];
		if (s->key_known && (memcmp(s->key, c->city, UCCN_KEY_BYTES) == 0 ||
					    memcmp(s->key, c->key, UCCN_KEY_BYTES) == 0)) {
			if (best == NULL || s->seen_ms > best->seen_ms) {
				best = s;
			}
		}
	}
	return best;
}

static void format_ms(uint64_t ms, char *buf, size_t len) {
	uccn_cli_format_hlc(ms << 16, buf, len);
}

static json_t *json_time(uint64_t ms) {
	if (ms == 0) {
		return json_null();
	}
	char t[32];
	format_ms(ms, t, sizeof(t));
	return json_string(t);
}

static json_t *json_key(const uint8_t key[UCCN_KEY_BYTES]) {
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, hex);
	return json_string(hex);
}

static json_t *json_text(const char *s) {
	return s != NULL && s[0] != '\0' ? uccn_cli_json_string(s, strlen(s)) : json_null();
}

/* "3 min ago", for a time before now. */
static void print_ago(FILE *f, uint64_t now_ms, uint64_t then_ms) {
	char when[32];
	format_ms(then_ms, when, sizeof(when));
	uint64_t ago = now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
	if (ago < 120) {
		fprintf(f, "%s (%" PRIu64 " s ago)", when, ago);
	} else if (ago < 7200) {
		fprintf(f, "%s (%" PRIu64 " min ago)", when, ago / 60);
	} else if (ago < 172800) {
		fprintf(f, "%s (%" PRIu64 " h ago)", when, ago / 3600);
	} else {
		fprintf(f, "%s (%" PRIu64 " days ago)", when, ago / 86400);
	}
}

/* "Bologna (3f2a1b4c5d6e7f80...)", or the address of a peer that proved no key. */
static void print_peer_name(const struct view *v, const struct uccn_net_session *s) {
	if (!s->key_known) {
		fputs("a peer that proved no key", stdout);
		return;
	}
	const char *name = who(v, s->key);
	if (name != NULL) {
		uccn_cli_print_text(stdout, name, strlen(name), true);
	} else {
		fputs("not a member", stdout);
	}
	printf(" (%s)", uccn_cli_short_key(s->key).s);
}

/* What became of the last session: connected, ended, failed, or cut short. */
static const char *session_state(const struct uccn_net_session *s, bool serving) {
	if (s->live) {
		return serving ? "connected" : "interrupted";
	}
	return s->err != 0 ? "failed" : "ended";
}

static void print_session(
	const struct view *v, const struct uccn_net_session *s, bool serving, uint64_t now_ms) {
	fputs("  ", stdout);
	print_peer_name(v, s);
	fputs(s->incoming ? ", from " : ", at ", stdout);
	uccn_cli_print_text(stdout, s->address, strlen(s->address), true);
	fputs("\n    ", stdout);
	const char *state = session_state(s, serving);
	if (strcmp(state, "connected") == 0) {
		fputs("connected since ", stdout);
		print_ago(stdout, now_ms, s->started_ms);
	} else if (strcmp(state, "interrupted") == 0) {
		fputs("session started ", stdout);
		print_ago(stdout, now_ms, s->started_ms);
		fputs(", cut short when serve stopped", stdout);
	} else {
		fputs(s->err != 0 ? "failed " : "synced ", stdout);
		print_ago(stdout, now_ms, s->ended_ms);
		if (s->err != 0) {
			fputs(": ", stdout);
			uccn_cli_print_text(stdout, s->error, strlen(s->error), true);
		}
	}
	const struct uccn_net_stats *x = &s->stats;
	printf("\n    sent %" PRIu64 ", received %" PRIu64 " (applied %" PRIu64
	       ", held here %" PRIu64 ", refused %" PRIu64 ")",
		x->sent, x->received, x->applied, x->held, x->refused);
	if (x->held_there > 0) {
		printf(", %" PRIu64 " held there", x->held_there);
	}
	printf("; %" PRIu64 " session%s, %" PRIu64 " failed", s->sessions,
		s->sessions == 1 ? "" : "s", s->failures);
	if (s->err != 0 && s->ok_ms != 0) {
		fputs(", last good ", stdout);
		print_ago(stdout, now_ms, s->ok_ms);
	}
	fputc('\n', stdout);
}

static json_t *session_json(const struct view *v, const struct uccn_net_session *s, bool serving) {
	const struct uccn_net_stats *x = &s->stats;
	const char *name = s->key_known ? who(v, s->key) : NULL;
	return json_pack("{s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
		"key", s->key_known ? json_key(s->key) : json_null(), "city", json_text(name),
		"address", uccn_cli_json_string(s->address, strlen(s->address)), "direction",
		s->incoming ? "incoming" : "outgoing", "state", session_state(s, serving),
		"started", json_time(s->started_ms), "ended", json_time(s->ended_ms), "last_ok",
		json_time(s->ok_ms), "last_seen", json_time(s->seen_ms), "sessions",
		(json_int_t)s->sessions, "failures", (json_int_t)s->failures, "sent",
		(json_int_t)x->sent, "received", (json_int_t)x->received, "applied",
		(json_int_t)x->applied, "duplicate", (json_int_t)x->duplicate, "held",
		(json_int_t)x->held, "refused", (json_int_t)x->refused, "dropped",
		(json_int_t)x->dropped, "held_there", (json_int_t)x->held_there, "error",
		json_text(s->error), "error_code",
		s->err != 0 ? json_string(uccn_err_name(s->err)) : json_null());
}

json_t *uccn_cli_fault_json(const struct uccn_fault *f) {
	return json_pack("{s:s, s:o, s:I, s:o}", "code", uccn_err_name(f->err), "author",
		json_key(f->author), "seq", (json_int_t)f->seq, "why",
		uccn_cli_json_string(f->why, strlen(f->why)));
}

int uccn_cli_sessions(struct uccn_node *node, bool serving, json_t *out, size_t *count) {
	struct view v;
	int err = view_load(node, &v);
	*count = v.nsessions;
	uint64_t now = uccn_cli_now_ms();
	if (err == UCCN_OK && out == NULL && v.nsessions > 0) {
		printf("sessions (%zu peers, the most recent first):\n", v.nsessions);
	}
	for (size_t i = 0; err == UCCN_OK && i < v.nsessions; i++) {
		if (out == NULL) {
			print_session(&v, &v.sessions[i], serving, now);
		} else if (json_array_append_new(out, session_json(&v, &v.sessions[i], serving)) <
			   0) {
			err = UCCN_ENOMEM;
		}
	}
	view_finish(&v);
	return err;
}

/* One line of the log: when, who, how it ended, what it moved. */
static void print_logged(const struct view *v, const struct uccn_net_session *s) {
	char when[32];
	format_ms(s->ended_ms, when, sizeof(when));
	printf("  %s  ", when);
	print_peer_name(v, s);
	fputs(s->incoming ? ", from " : ", at ", stdout);
	uccn_cli_print_text(stdout, s->address, strlen(s->address), true);
	const struct uccn_net_stats *x = &s->stats;
	printf(": sent %" PRIu64 ", received %" PRIu64 ", held here %" PRIu64 ", refused %" PRIu64,
		x->sent, x->received, x->held, x->refused);
	if (x->held_there > 0) {
		printf(", held there %" PRIu64, x->held_there);
	}
	if (s->err != 0) {
		fputs("; failed: ", stdout);
		uccn_cli_print_text(stdout, s->error, strlen(s->error), true);
	}
	fputc('\n', stdout);
}

struct log_ctx {
	const struct view *v;
	json_t *out;
	int err;
};

static int show_logged(void *userdata, const struct uccn_net_session *s) {
	struct log_ctx *c = userdata;
	if (c->out == NULL) {
		print_logged(c->v, s);
		return 0;
	}
	if (json_array_append_new(c->out, session_json(c->v, s, false)) < 0) {
		return UCCN_ENOMEM;
	}
	return 0;
}

int uccn_cli_session_log(struct uccn_node *node, size_t max, json_t *out) {
	struct view v;
	int err = view_load(node, &v);
	if (err == UCCN_OK && out == NULL) {
		printf("the last sessions that ended (at most %zu, the latest first):\n", max);
	}
	struct log_ctx c = {&v, out, 0};
	if (err == UCCN_OK) {
		err = uccn_net_session_history(node, max, show_logged, &c);
	}
	view_finish(&v);
	return err < 0 ? err : UCCN_OK;
}

/* --- health ----------------------------------------------------------------------------------- */

/* Reads "30d", "12h", "90m", "45s" or "2w" as milliseconds. */
static bool parse_duration(const char *text, uint64_t *ms) {
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno != 0 || end == text || text[0] == '-' || n == 0 || end[0] == '\0' ||
		end[1] != '\0') {
		return false;
	}
	static const struct {
		char unit;
		uint64_t ms;
	} units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 604800000}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end[0] == units[i].unit) {
			if (n > UINT64_MAX / units[i].ms / 2) {
				return false;
			}
			*ms = n * units[i].ms;
			return true;
		}
	}
	return false;
}

/* The changes held here, by author. */
struct held_author {
	uint8_t author[UCCN_KEY_BYTES];
	uint64_t count;
	char why[256]; /* the first one's reason */
};

struct held_list {
	struct held_author *a;
	size_t n, cap;
	bool failed;
};

static void add_held(void *userdata, const struct uccn_apply_result *res) {
	struct held_list *h = userdata;
	if (!res->decoded) {
		return;
	}
	for (size_t i = 0; i < h->n; i++) {
		if (memcmp(h->a[i].author, res->author, UCCN_KEY_BYTES) == 0) {
			h->a[i].count++;
			return;
		}
	}
	if (!grow((void **)&h->a, h->n, &h->cap, sizeof(*h->a))) {
		h->failed = true;
		return;
	}
	struct held_author *x = &h->a[h->n++];
	memcpy(x->author, res->author, UCCN_KEY_BYTES);
	x->count = 1;
	snprintf(x->why, sizeof(x->why), "%s", res->why);
}

/* What `health` found, as text and as JSON at once. */
struct report {
	json_t *doc;
	bool json;
	size_t attention;
};

/* Starts a section of the text report the first time it has something to say. */
static void section(struct report *r, const char *title, size_t n) {
	if (!r->json) {
		printf("%s (%zu):\n", title, n);
	}
	r->attention += n;
}

static int not_seen_cities(struct report *r, const struct view *v, uint64_t cutoff) {
	json_t *arr = json_object_get(r->doc, "not_seen");
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < v->ncities; i++) {
			const struct city *c = &v->cities[i];
			if (!c->active || memcmp(c->key, v->self, UCCN_KEY_BYTES) == 0) {
				continue;
			}
			const struct uccn_net_session *s = session_of(v, c);
			uint64_t seen = s != NULL ? s->seen_ms : 0;
			if ((s != NULL && s->live) || seen >= cutoff) {
				continue;
			}
			if (pass == 0) {
				n++;
				continue;
			}
			if (r->json) {
				json_array_append_new(
					arr, json_pack("{s:o, s:o, s:o}", "city",
						     json_text(c->name), "key", json_key(c->city),
						     "last_seen", json_time(seen)));
				continue;
			}
			fputs("  ", stdout);
			uccn_cli_print_text(stdout, c->name, strlen(c->name), true);
			printf(" (%s): ", uccn_cli_short_key(c->city).s);
			if (seen == 0) {
				fputs("never seen", stdout);
			} else {
				fputs("last seen ", stdout);
				print_ago(stdout, uccn_cli_now_ms(), seen);
			}
			fputc('\n', stdout);
		}
		if (pass == 0 && n > 0) {
			section(r, "member cities not seen", n);
		}
	}
	return UCCN_OK;
}

/* On a city's node, the cities it does not sync with are not its business: its remembered
 * peers are. */
struct peer_check {
	struct report *r;
	uint64_t cutoff;
	bool print;
	size_t n;
};

static int check_peer(void *userdata, const struct uccn_peer *p) {
	struct peer_check *pc = userdata;
	if (p->last_contact_ms >= pc->cutoff) {
		return 0;
	}
	pc->n++;
	if (!pc->print) {
		return 0;
	}
	if (pc->r->json) {
		json_array_append_new(json_object_get(pc->r->doc, "not_seen"),
			json_pack("{s:o, s:o}", "peer", json_text(p->url), "last_seen",
				json_time(p->last_contact_ms)));
		return 0;
	}
	fputs("  ", stdout);
	uccn_cli_print_text(stdout, p->url, strlen(p->url), true);
	if (p->last_contact_ms == 0) {
		fputs(": never reached", stdout);
	} else {
		fputs(": last contact ", stdout);
		print_ago(stdout, uccn_cli_now_ms(), p->last_contact_ms);
	}
	fputc('\n', stdout);
	return 0;
}

static int not_seen_peers(struct report *r, struct uccn_node *node, uint64_t cutoff) {
	struct peer_check pc = {r, cutoff, false, 0};
	int err = uccn_node_peer_list(node, check_peer, &pc);
	if (err < 0 || pc.n == 0) {
		return err;
	}
	section(r, "peers not reached", pc.n);
	pc.print = true;
	return uccn_node_peer_list(node, check_peer, &pc);
}

static int held_here(struct report *r, const struct view *v) {
	struct held_list h = {0};
	int err = uccn_node_held(v->node, add_held, &h);
	if (err >= 0 && h.failed) {
		err = UCCN_ENOMEM;
	}
	if (err >= 0 && h.n > 0) {
		section(r, "changes held here, by author", h.n);
	}
	for (size_t i = 0; err >= 0 && i < h.n; i++) {
		const struct held_author *x = &h.a[i];
		const char *name = who(v, x->author);
		if (r->json) {
			json_array_append_new(json_object_get(r->doc, "held"),
				json_pack("{s:o, s:o, s:I, s:o}", "author", json_key(x->author),
					"city", json_text(name), "count", (json_int_t)x->count,
					"why", json_text(x->why)));
			continue;
		}
		fputs("  ", stdout);
		if (name != NULL) {
			uccn_cli_print_text(stdout, name, strlen(name), true);
		} else {
			fputs("not a member", stdout);
		}
		printf(" (%s): %" PRIu64 " held: ", uccn_cli_short_key(x->author).s, x->count);
		uccn_cli_print_text(stdout, x->why, strlen(x->why), true);
		fputc('\n', stdout);
	}
	free(h.a);
	return err < 0 ? err : UCCN_OK;
}

static void failed_sessions(struct report *r, const struct view *v) {
	size_t n = 0;
	for (size_t i = 0; i < v->nsessions; i++) {
		n += v->sessions[i].err != 0 && !v->sessions[i].live;
	}
	if (n > 0) {
		section(r, "peers whose last session failed", n);
	}
	uint64_t now = uccn_cli_now_ms();
	for (size_t i = 0; i < v->nsessions; i++) {
		const struct uccn_net_session *s = &v->sessions[i];
		if (s->err == 0 || s->live) {
			continue;
		}
		if (r->json) {
			json_array_append_new(
				json_object_get(r->doc, "failed"), session_json(v, s, false));
			continue;
		}
		fputs("  ", stdout);
		print_peer_name(v, s);
		fputs(", ", stdout);
		uccn_cli_print_text(stdout, s->address, strlen(s->address), true);
		fputs(": failed ", stdout);
		print_ago(stdout, now, s->ended_ms);
		fputs(": ", stdout);
		uccn_cli_print_text(stdout, s->error, strlen(s->error), true);
		fputc('\n', stdout);
	}
}

static void collect_fault(void *userdata, const struct uccn_fault *f) {
	json_array_append_new(userdata, uccn_cli_fault_json(f));
}

static void print_fault(void *userdata, const struct uccn_fault *f) {
	(void)userdata;
	uccn_cli_print_fault(stdout, f);
}

static int split_views(struct report *r, struct uccn_node *node) {
	json_t *arr = json_object_get(r->doc, "split_views");
	int n = uccn_node_split_views(node, collect_fault, arr);
	if (n <= 0) {
		return n;
	}
	section(r, "ALARM: split view of the registry", (size_t)n);
	/* The same lines `status` and `registry verify` print. */
	n = r->json ? 0 : uccn_node_split_views(node, print_fault, NULL);
	return n < 0 ? n : UCCN_OK;
}

int uccn_cmd_health(struct uccn_cli *cli, int argc, char **argv) {
	const char *since_text = NULL;
	bool json = false;
	const struct uccn_cli_option opts[] = {
		{"since", 0, NULL, &since_text},
		{"json", 0, &json, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, health_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	uint64_t since_ms = 30ULL * 86400000;
	if (since_text != NULL && !parse_duration(since_text, &since_ms)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--since: '%s' is not a duration (a number and s, m, h, d or w: 30d)",
			since_text);
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	bool secretariat = uccn_node_is_secretariat(node);
	uint64_t now = uccn_cli_now_ms();
	uint64_t cutoff = now > since_ms ? now - since_ms : 0;
	struct report r = {.json = json};
	r.doc = json_pack("{s:I, s:[], s:[], s:[], s:[]}", "since_ms", (json_int_t)since_ms,
		"not_seen", "held", "failed", "split_views");
	struct view v;
	int err = r.doc == NULL ? UCCN_ENOMEM : view_load(node, &v);
	if (err == UCCN_OK) {
		err = secretariat ? not_seen_cities(&r, &v, cutoff)
				  : not_seen_peers(&r, node, cutoff);
		if (err == UCCN_OK) {
			err = held_here(&r, &v);
		}
		if (err == UCCN_OK) {
			failed_sessions(&r, &v);
			err = split_views(&r, node);
		}
		view_finish(&v);
	}
	uccn_node_close(node);
	if (err < 0) {
		json_decref(r.doc);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	if (json) {
		json_object_set_new(r.doc, "attention", json_boolean(r.attention > 0));
		status = uccn_cli_print_json(cli, r.doc, true);
	} else if (r.attention == 0) {
		printf("all well: every %s seen within %s, nothing held, no session failed\n",
			secretariat ? "member city" : "peer",
			since_text != NULL ? since_text : "30d");
	}
	json_decref(r.doc);
	if (status == 0 && r.attention > 0) {
		status = HEALTH_ATTENTION;
	}
	return status;
}
