/* cmd_net.c - the commands that talk to other nodes over the network: serve (listen, dial the
 * remembered peers and keep them in sync until stopped), sync (one session with one peer, until
 * both hold the same), peer (the list serve dials) and status (what serve saw of each peer).
 * The event loop itself is the library's (<uccn/net.h>); this file parses, waits for signals and
 * prints. */
#include "tools/cli.h"
#include "tools/ui.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <uccn/net.h>

/* How long one turn of the loop may wait: a signal or a store written by another process is
 * noticed within this. */
#define TURN_MS 200
/* How often serve rereads the peer list for peers added since it started. */
#define PEER_RELIST_MS 2000

static const char serve_usage[] =
	"usage: uccn [--home DIR] serve [--listen HOST[:PORT]] [--idle-timeout SECONDS]\n"
	"                               [--ui HOST:PORT [--ui-dir DIR] [--ui-secure]]\n"
	"\n"
	"Runs the node on the network until interrupted (SIGINT or SIGTERM): accepts sessions\n"
	"on HOST:PORT (port 0: one the system picks), dials every remembered peer ('uccn peer\n"
	"add') and redials it after a cut, waiting 0.5 s, then twice as long each time up to a\n"
	"minute. Every change either side lacks travels both ways, and an edit made while serve\n"
	"runs ('uccn put' in another shell) reaches the connected peers within a second.\n"
	"Prints 'listening on HOST:PORT' once it listens. The configuration file's [serve]\n"
	"section (see 'uccn config --help') gives listen, log-level, idle-timeout and more\n"
	"peers where no flag does; SIGHUP reads it again, sessions kept. Under systemd\n"
	"(Type=notify) it says when it is ready, reloading and stopping. One serve runs per\n"
	"home. Logs warnings and errors on stderr unless --log-level says otherwise.\n"
	"\n"
	"  --listen HOST[:PORT]   where to accept sessions: an address or a host name\n"
	"                         (0.0.0.0 for every interface, localhost for this machine\n"
	"                         only, [::1] for IPv6); the port is 7420 unless given\n"
	"  --idle-timeout SECONDS close a connection on which nothing arrived for that long\n"
	"                         (default 30; a quiet connection is pinged at a third of it)\n"
	"  --ui HOST:PORT         serve the node's web page and its JSON API there (loopback\n"
	"                         unless accounts exist: 'uccn user add'); 'uccn ui --url'\n"
	"                         prints a link that logs a browser in\n"
	"  --ui-dir DIR           the page's files (default: the installed ones)\n"
	"  --ui-secure            the page is reached through TLS: cookies are Secure\n";

static const char sync_usage[] =
	"usage: uccn [--home DIR] sync [URL [--pin KEY] [--kinds KIND,...]]\n"
	"\n"
	"Opens one session with the node at URL, sends what it lacks, takes what this node\n"
	"lacks, and stops when both hold the same. URL is ws://HOST[:PORT] (port 7420 unless\n"
	"given) or wss://HOST[:PORT][/PATH]: TLS to a reverse proxy in front of a serve (port\n"
	"443 unless given), its certificate checked against the system's CAs, or those of the\n"
	"file SSL_CERT_FILE names. Prints one line: the changes sent (and how many of them the\n"
	"other end holds back: '2 held there: this city is not designated yet'), received, and\n"
	"what became of those received. Shows progress on stderr when stderr is a terminal.\n"
	"Fails, saying why, if the session cannot be made or ends first, and exits 1 if the\n"
	"peer sent changes this node refused (as 'import' does).\n"
	"Without URL, syncs with every remembered peer ('uccn peer list') at once, each with its\n"
	"own key and kinds, printing one line per peer starting with its URL.\n"
	"\n"
	"  --pin KEY          accept only the node whose public key is KEY (64 hex digits)\n"
	"  --kinds KIND,...   the record kinds to exchange (default: all)\n";

static const char peer_usage[] =
	"usage: uccn [--home DIR] peer add URL [KEY] [--kinds KIND,...]\n"
	"       uccn [--home DIR] peer list\n"
	"       uccn [--home DIR] peer remove URL\n"
	"\n"
	"The peers 'uccn serve' dials. 'add' remembers URL (ws:// or wss://, as for 'uccn\n"
	"sync'), pinned to KEY when given (only the node with that public key is accepted\n"
	"there), exchanging the given kinds only; adding a URL again replaces its key and\n"
	"kinds. 'list' prints one peer a line: URL, pinned key or '-', kinds or 'all'.\n"
	"'remove' forgets URL.\n"
	"A running serve dials peers added within a few seconds.\n";

static const char status_usage[] =
	"usage: uccn [--home DIR] status [--json] [--history N]\n"
	"\n"
	"Says whether 'uccn serve' is running on this home and, for each remembered peer, what\n"
	"it last saw: connected or not, the last contact, how many of this node's changes the\n"
	"peer holds, how many of the peer's changes this node holds, and why the last session\n"
	"ended if it failed. A node that signs nothing until a peer has given back its own\n"
	"newer changes (restored, or its database lost its last commits) says so.\n"
	"Then the sessions this node recorded, one per peer that dialled it or that it dialled\n"
	"(the most recent first): the city, connected or when it last synced or failed and why,\n"
	"what the last session moved (sent, received, held here, held there, refused), how many\n"
	"sessions and failures. A split view of the registry is shown as an alarm.\n"
	"\n"
	"  --json         print one JSON object: serve, signing, peers, sessions, split_views\n"
	"                 (and history)\n"
	"  --history N    also the last N sessions that ended, with any peer, the latest\n"
	"                 first (the node keeps the last 1000)\n";

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig) {
	if (sig == SIGHUP) {
		reload_requested = 1;
	} else {
		stop_requested = 1;
	}
}

/* SIGINT and SIGTERM set a flag the loop checks every turn, and so does SIGHUP for serve (reload
 * the configuration); a write to a closed socket must not kill the process. */
static void install_signals(bool reload) {
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (reload) {
		sigaction(SIGHUP, &sa, NULL);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static uint64_t seed_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
}

/* One serve per home: serve holds an exclusive flock(2) on HOME/serve.lock while it runs. The
 * kernel lets go of it however the process ends, so nothing stale can ever block a new serve
 * (a pid written down and checked with kill(2) could name a reused pid, or pid 1). The holder
 * writes its pid inside, only to name itself in the message a second serve prints. */
#define SERVE_LOCK "serve.lock"

static int open_lock(const char *home, int flags) {
	char path[4200];
	if (snprintf(path, sizeof(path), "%s/%s", home, SERVE_LOCK) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags | O_CLOEXEC, 0644);
}

/* The pid written in the lock file, or 0 when it says none. */
static int64_t lock_holder(int fd) {
	char text[24];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0) {
		return 0;
	}
	text[n] = '\0';
	char *end = NULL;
	long long v = strtoll(text, &end, 10);
	return end != text && v > 0 ? (int64_t)v : 0;
}

/* Takes the home's serve lock into *fd (kept open until serve ends). Returns 0 or the status
 * after the error line: another serve holds it, or the file cannot be made. */
static int take_serve_lock(struct uccn_cli *cli, int *fd) {
	int lock = open_lock(cli->home, O_RDWR | O_CREAT);
	if (lock < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s/%s: %s", cli->home, SERVE_LOCK, strerror(errno));
	}
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		int64_t other = lock_holder(lock);
		close(lock);
		if (e != EWOULDBLOCK) {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL, "locking %s/%s: %s", cli->home,
				SERVE_LOCK, strerror(e));
		}
		if (other > 0) {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"serve is already running on %s (pid %" PRId64 ")", cli->home,
				other);
		}
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "serve is already running on %s", cli->home);
	}
	char text[24];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(lock, 0) < 0 || pwrite(lock, text, (size_t)n, 0) != n) {
		/* The lock holds without the pid; a second serve would only not name us. */
		uccn_log_errno(UCCN_LOG_WARN, errno, "serve: writing the pid in %s", SERVE_LOCK);
	}
	*fd = lock;
	return 0;
}

bool uccn_cli_serve_running(const char *home, int64_t *pid) {
	*pid = 0;
	int fd = open_lock(home, O_RDONLY);
	if (fd < 0) {
		return false; /* never served here */
	}
	bool running = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (running) {
		*pid = lock_holder(fd);
	}
	close(fd);
	return running;
}

/* Reads "HOST[:PORT]" ("[::1]:4000" for IPv6; no port: UCCN_NET_DEFAULT_PORT) into host and
 * port. HOST may be a name; resolve_host turns it into an address. */
static bool parse_listen(const char *text, char *host, size_t host_len, uint16_t *port) {
	const char *h = text, *h_end, *rest;
	if (text[0] == '[') {
		h = text + 1;
		h_end = strchr(h, ']');
		if (h_end == NULL) {
			return false;
		}
		rest = h_end + 1;
	} else {
		h_end = strchr(text, ':');
		h_end = h_end != NULL ? h_end : text + strlen(text);
		rest = h_end;
	}
	size_t n = (size_t)(h_end - h);
	if (n == 0 || n >= host_len || (rest[0] != '\0' && rest[0] != ':')) {
		return false;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = UCCN_NET_DEFAULT_PORT;
	if (rest[0] == '\0') {
		return true;
	}
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(rest + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535 || !(rest[1] >= '0' && rest[1] <= '9')) {
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

/* Replaces a host name in host with its address (IPv4 first: "localhost" is 127.0.0.1 on
 * every machine, ::1 not on all); an address stays as it is. Returns 0 or the status after
 * the error line. */
static int resolve_host(struct uccn_cli *cli, const char *from, char *host, size_t host_len) {
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *list = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &list);
	if (rc != 0) {
		/* A name that does not exist is bad input; a resolver that failed is not. */
		return uccn_cli_fail(cli, rc == EAI_NONAME ? UCCN_CLI_USAGE : UCCN_CLI_FAIL,
			"%s: cannot resolve '%s': %s", from, host,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	}
	const struct addrinfo *pick = list;
	for (const struct addrinfo *a = list; a != NULL; a = a->ai_next) {
		if (a->ai_family == AF_INET) {
			pick = a;
			break;
		}
	}
	const void *addr =
		pick->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)pick->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
	bool ok = inet_ntop(pick->ai_family, addr, host, (socklen_t)host_len) != NULL;
	freeaddrinfo(list);
	if (!ok) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s: '%s': %s", from, host, strerror(errno));
	}
	return 0;
}

/* --- serve ------------------------------------------------------------------------------------ */

/* A remembered peer serve dials, as the peer list said when it was dialled. */
struct dialled_peer {
	struct uccn_peer peer;
	size_t id;
	bool listed; /* still in the list at the last reading */
};

struct serve_ctx {
	struct uccn_net *net;
	struct dialled_peer *peers;
	size_t npeers, cap;
	size_t live;     /* peers dialled now */
	bool remembered; /* the peers being listed are the home's (not the configuration's) */
};

static bool same_settings(const struct uccn_peer *a, const struct uccn_peer *b) {
	return a->pinned == b->pinned &&
	       (!a->pinned || memcmp(a->pin, b->pin, UCCN_KEY_BYTES) == 0) &&
	       strcmp(a->kinds, b->kinds) == 0;
}

static int dial_listed(void *userdata, const struct uccn_peer *p) {
	struct serve_ctx *s = userdata;
	for (size_t i = 0; i < s->npeers; i++) {
		struct dialled_peer *d = &s->peers[i];
		if (!d->listed && strcmp(d->peer.url, p->url) == 0 && same_settings(&d->peer, p)) {
			d->listed = true;
			return 0;
		}
	}
	if (s->npeers == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct dialled_peer *a = realloc(s->peers, cap * sizeof(*a));
		if (a == NULL) {
			return UCCN_ENOMEM;
		}
		s->peers = a;
		s->cap = cap;
	}
	struct dialled_peer *d = &s->peers[s->npeers];
	d->peer = *p;
	d->listed = true;
	struct uccn_net_peer np = {
		.url = p->url,
		.pin = p->pinned ? p->pin : NULL,
		.kinds = p->kinds,
		/* Only the home's peers have a line in the store for status to keep. */
		.remembered = s->remembered,
	};
	int err = uccn_net_dial(s->net, &np, &d->id);
	if (err < 0) {
		/* One bad entry must not keep serve from the others. */
		uccn_log(UCCN_LOG_WARN, "serve: cannot dial %s: %s", p->url, uccn_strerror(err));
		return 0;
	}
	s->npeers++;
	s->live++;
	return 0;
}

/* Reads the peer list, and the configuration's peers, and brings the dialled peers in line
 * with them: new ones are dialled, and removed ones (or ones whose key or kinds changed, which
 * are dialled anew) are let go. */
static int follow_peer_list(
	struct uccn_node *node, const struct uccn_cli_config *cfg, struct serve_ctx *s) {
	for (size_t i = 0; i < s->npeers; i++) {
		s->peers[i].listed = false;
	}
	s->remembered = true;
	int err = uccn_node_peer_list(node, dial_listed, s);
	if (err < 0) {
		return err;
	}
	s->remembered = false;
	for (size_t i = 0; i < cfg->npeers; i++) {
		/* "URL [KEY]", checked when the file was read. */
		struct uccn_peer p = {0};
		char key[2 * UCCN_KEY_BYTES + 1] = "";
		if (sscanf(cfg->peers[i].value, "%255s %64s", p.url, key) < 1) {
			continue;
		}
		p.pinned = key[0] != '\0' &&
			   uccn_text_from_hex(key, strlen(key), p.pin, UCCN_KEY_BYTES) == UCCN_OK;
		if ((err = dial_listed(s, &p)) < 0) {
			return err;
		}
	}
	for (size_t i = 0; i < s->npeers;) {
		if (s->peers[i].listed) {
			i++;
			continue;
		}
		if (uccn_net_undial(s->net, s->peers[i].id) < 0) {
			return UCCN_EINVAL;
		}
		s->peers[i] = s->peers[--s->npeers];
		s->live--;
	}
	return UCCN_OK;
}

/* SIGHUP: reads the configuration file again and applies it with every session kept: the log
 * level (unless a flag set it) and the peers (new ones dialled, removed ones let go; the home's
 * peer list is reread too). A new listen address needs a restart, which the log says. A file
 * that does not read leaves the configuration in use as it was. */
static void reload(
	struct uccn_cli *cli, struct uccn_node *node, struct serve_ctx *ctx, const char *listened) {
	char why[1024];
	if (uccn_cli_config_reload(&cli->config, why, sizeof(why)) != 0) {
		uccn_log(UCCN_LOG_ERROR, "serve: reload: %s; the configuration in use stays", why);
		cli->last_error[0] = '\0'; /* reported here, not the reason of a later failure */
		return;
	}
	const struct uccn_cli_config *cfg = &cli->config;
	if (cli->log_level == UCCN_LOG_SILENT && !cli->verbose) {
		cli->log_default = UCCN_LOG_WARN;
		if (cfg->log_level.set) {
			(void)uccn_cli_log_level(cfg->log_level.value, &cli->log_default);
		}
		uccn_cli_log_init(cli);
	}
	if (cfg->listen.set && strcmp(cfg->listen.value, listened) != 0) {
		uccn_log(UCCN_LOG_WARN,
			"serve: reload: listen = %s (%s) takes a restart; still listening on %s",
			cfg->listen.value, cfg->listen.source, listened[0] ? listened : "nothing");
	}
	int err = follow_peer_list(node, cfg, ctx);
	if (err < 0) {
		uccn_log(UCCN_LOG_WARN, "serve: reload: reading the peer list: %s",
			uccn_strerror(err));
	}
	uccn_log(UCCN_LOG_INFO, "serve: reloaded %s: %zu peers dialled",
		cfg->file_read ? cfg->path : "no configuration file", ctx->live);
}

int uccn_cmd_serve(struct uccn_cli *cli, int argc, char **argv) {
	bool done;
	/* A service's log: warnings and errors unless told otherwise. */
	cli->log_default = UCCN_LOG_WARN;
	struct uccn_cli_serve_flags flags;
	int status = uccn_cli_parse_serve_flags(cli, argc, argv, serve_usage, &flags, &done);
	if (status != 0 || done) {
		return status;
	}
	const char *listen_text = flags.listen, *idle_text = flags.idle_timeout;
	const char *ui_text = flags.ui;
	/* The configuration file's settings stand where no flag does. */
	const struct uccn_cli_config *cfg = &cli->config;
	const char *listen_from = "--listen", *idle_from = "--idle-timeout";
	if (listen_text == NULL && cfg->listen.set) {
		listen_text = cfg->listen.value;
		listen_from = cfg->listen.source;
	}
	if (idle_text == NULL && cfg->idle_timeout.set) {
		idle_text = cfg->idle_timeout.value;
		idle_from = cfg->idle_timeout.source;
	}
	if (cli->log_level == UCCN_LOG_SILENT && !cli->verbose && cfg->log_level.set &&
		uccn_cli_log_level(cfg->log_level.value, &cli->log_default)) {
		uccn_cli_log_init(cli);
	}
	char host[128];
	uint16_t port = 0;
	if (listen_text != NULL && !parse_listen(listen_text, host, sizeof(host), &port)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"%s: '%s' is not HOST[:PORT] (for example 127.0.0.1:7420)", listen_from,
			listen_text);
	}
	if (listen_text != NULL &&
		(status = resolve_host(cli, listen_from, host, sizeof(host))) != 0) {
		return status;
	}
	uint64_t idle_ms = 0;
	if (idle_text != NULL && !uccn_cli_parse_seconds(idle_text, &idle_ms)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "%s: '%s' is not a number of seconds",
			idle_from, idle_text);
	}
	char ui_host[128];
	uint16_t ui_port = 0;
	if (ui_text != NULL && !parse_listen(ui_text, ui_host, sizeof(ui_host), &ui_port)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--ui: '%s' is not HOST:PORT (for example 127.0.0.1:7401)", ui_text);
	}
	struct uccn_ui *ui = NULL;
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct uccn_net *net = NULL;
	struct serve_ctx ctx = {0};
	int lock = -1;
	if ((status = take_serve_lock(cli, &lock)) != 0) {
		goto out;
	}
	install_signals(true);
	struct uccn_net_options net_opts;
	uccn_net_options_init(&net_opts);
	net_opts.node = node;
	net_opts.seed = seed_now();
	net_opts.idle_timeout_ms = idle_ms;
	net_opts.watch_store_ms = TURN_MS;
	uccn_cli_clear_error(cli);
	int err = uccn_net_create(&net_opts, &net);
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "starting the network: %s", uccn_strerror(err));
		goto out;
	}
	ctx.net = net;
	if (listen_text != NULL) {
		uint16_t bound = 0;
		err = uccn_net_listen(net, host, port, &bound);
		bool v6 = strchr(host, ':') != NULL;
		if (err == UCCN_EBUSY) {
			uccn_cli_clear_error(cli); /* lws's own words add nothing */
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"address %s%s%s:%u is already in use (another serve, or another "
				"program, listens there)",
				v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
			goto out;
		}
		if (err < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "cannot listen on %s: %s",
				listen_text, uccn_strerror(err));
			goto out;
		}
		printf("listening on %s%s%s:%u\n", v6 ? "[" : "", host, v6 ? "]" : "",
			(unsigned)bound);
		fflush(stdout);
	}
	if (ui_text != NULL && (status = uccn_ui_serve(cli, node, net, ui_host, ui_port,
					flags.ui_dir, flags.ui_secure, &ui)) != 0) {
		goto out;
	}
	if ((err = follow_peer_list(node, &cli->config, &ctx)) < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "reading the peer list: %s", uccn_strerror(err));
		goto out;
	}
	char listened[sizeof(cfg->listen.value)] = "";
	if (listen_text != NULL) {
		/* listen_text may point into the configuration, which a reload replaces. */
		snprintf(listened, sizeof(listened), "%s", listen_text);
	}
	if (listen_text == NULL && ui_text == NULL && ctx.live == 0) {
		/* Neither listening nor dialling, serve would only wait: say what is missing. */
		status = uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"nothing to serve: give --listen HOST[:PORT] or add a peer ('uccn peer add "
			"URL')");
		goto out;
	}
	uccn_cli_notify("READY=1");
	uint64_t relist = uccn_cli_now_ms() + PEER_RELIST_MS;
	while (!stop_requested) {
		if ((err = uccn_net_run(net, TURN_MS)) < 0) {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "the network failed: %s", uccn_strerror(err));
			goto out;
		}
		if (ui != NULL) {
			uccn_ui_tick(ui);
		}
		if (reload_requested) {
			reload_requested = 0;
			uccn_cli_notify("RELOADING=1");
			reload(cli, node, &ctx, listened);
			uccn_cli_notify("READY=1");
		}
		uint64_t now = uccn_cli_now_ms();
		if (now >= relist) {
			relist = now + PEER_RELIST_MS;
			if ((err = follow_peer_list(node, &cli->config, &ctx)) < 0) {
				uccn_log(UCCN_LOG_WARN, "serve: reading the peer list: %s",
					uccn_strerror(err));
			}
		}
	}
	uccn_cli_notify("STOPPING=1");
	status = 0;
out:
	uccn_net_destroy(net);
	uccn_ui_serve_end(cli, ui);
	free(ctx.peers);
	if (lock >= 0) {
		close(lock); /* lets the next serve in */
	}
	uccn_node_close(node);
	return status;
}

/* --- sync ------------------------------------------------------------------------------------- */

static void show_progress(void *userdata, const struct uccn_net_progress *p) {
	(void)userdata;
	/* One line rewritten in place; cleared before the summary goes to stdout. */
	fprintf(stderr,
		"\r\033[Ksent %" PRIu64 ", received %" PRIu64 " (%.0f changes/s, %" PRIu64
		" KiB), %" PRIu64 " to send",
		p->stats.sent, p->stats.received, p->rate,
		(p->bytes_sent + p->bytes_received) / 1024, p->pending);
	if (p->done) {
		fputs("\r\033[K", stderr);
	}
	fflush(stderr);
}

/* One peer a `sync` run has a session with. */
struct sync_peer {
	struct uccn_peer peer; /* url, pin and kinds */
	size_t id;
	struct uccn_net_peer_info info;
};

struct sync_list {
	struct sync_peer *p;
	size_t n, cap;
};

static int collect_peer(void *userdata, const struct uccn_peer *p) {
	struct sync_list *l = userdata;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct sync_peer *a = realloc(l->p, cap * sizeof(*a));
		if (a == NULL) {
			return UCCN_ENOMEM;
		}
		l->p = a;
		l->cap = cap;
	}
	memset(&l->p[l->n], 0, sizeof(l->p[l->n]));
	l->p[l->n++].peer = *p;
	return 0;
}

/* The summary line of one session: what moved, and what the other end holds back. */
static void print_sync_line(
	struct uccn_node *node, const struct sync_peer *sp, bool named, double secs) {
	const struct uccn_net_stats *s = &sp->info.stats;
	if (named) {
		printf("%s: ", sp->peer.url);
	}
	printf("sent %" PRIu64, s->sent);
	if (s->held_there > 0) {
		/* What the other end said it holds back (PROTOCOL.md §11.1 ACK): most often a
		 * city not designated yet, whose changes wait there for its designation. */
		uint8_t self[UCCN_KEY_BYTES];
		uccn_node_public_key(node, self);
		struct uccn_cli_member me = uccn_cli_lookup_member(node, self);
		printf(" (%" PRIu64 " held there: %s)", s->held_there,
			me.found && me.active ? "waiting there for what they depend on"
					      : "this city is not designated yet");
	}
	printf(", received %" PRIu64 " (applied %" PRIu64 ", held %" PRIu64 ", refused %" PRIu64
	       ", already here %" PRIu64,
		s->received, s->applied, s->held, s->refused, s->duplicate);
	if (s->dropped > 0) {
		printf(", dropped %" PRIu64 ": meant for the Secretariat alone", s->dropped);
	}
	printf("); %" PRIu64 " bytes out, %" PRIu64 " in, %.1f s\n", sp->info.bytes_sent,
		sp->info.bytes_received, secs);
}

int uccn_cmd_sync(struct uccn_cli *cli, int argc, char **argv) {
	const char *pin_text = NULL, *kinds = NULL, *idle_text = NULL;
	const struct uccn_cli_option opts[] = {
		{"pin", 0, NULL, &pin_text},
		{"kinds", 0, NULL, &kinds},
		{"idle-timeout", 0, NULL, &idle_text},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, sync_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos > 1) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "expected one URL or none (see 'uccn sync --help')");
	}
	const char *url = npos == 1 ? pos[0] : NULL;
	size_t scheme = url == NULL                      ? 0
			: strncmp(url, "ws://", 5) == 0  ? 5
			: strncmp(url, "wss://", 6) == 0 ? 6
							 : 0;
	if (url != NULL && (scheme == 0 || url[scheme] == '\0' || strlen(url) > UCCN_URL_MAX)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is not a peer address: ws://HOST[:PORT] or wss://HOST[:PORT]", url);
	}
	if (url == NULL && (pin_text != NULL || kinds != NULL)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--pin and --kinds go with a URL (the remembered peers have their own)");
	}
	uint8_t pin[UCCN_KEY_BYTES];
	if (pin_text != NULL && !uccn_cli_parse_key(cli, "--pin", pin_text, pin)) {
		return UCCN_CLI_USAGE;
	}
	uint64_t idle_ms = 0;
	if (idle_text != NULL && !uccn_cli_parse_seconds(idle_text, &idle_ms)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--idle-timeout: '%s' is not a number of seconds", idle_text);
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct sync_list list = {0};
	struct uccn_net *net = NULL;
	int err;
	if (url == NULL) {
		/* No URL: every remembered peer, each with its own pin and kinds. */
		if ((err = uccn_node_peer_list(node, collect_peer, &list)) < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "reading the peer list: %s",
				uccn_strerror(err));
			goto out;
		}
		if (list.n == 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"no URL, and no peer to sync with (add one with 'uccn peer add "
				"URL')");
			goto out;
		}
	} else {
		struct uccn_peer one;
		memset(&one, 0, sizeof(one));
		snprintf(one.url, sizeof(one.url), "%s", url);
		one.pinned = pin_text != NULL;
		memcpy(one.pin, pin, UCCN_KEY_BYTES);
		snprintf(one.kinds, sizeof(one.kinds), "%s", kinds != NULL ? kinds : "");
		if ((err = collect_peer(&list, &one)) < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
			goto out;
		}
	}
	install_signals(false);
	struct uccn_net_options net_opts;
	uccn_net_options_init(&net_opts);
	net_opts.node = node;
	net_opts.seed = seed_now();
	net_opts.idle_timeout_ms = idle_ms;
	net_opts.progress = isatty(STDERR_FILENO) && list.n == 1 ? show_progress : NULL;
	uccn_cli_clear_error(cli);
	err = uccn_net_create(&net_opts, &net);
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "starting the network: %s", uccn_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < list.n; i++) {
		const struct uccn_peer *p = &list.p[i].peer;
		struct uccn_net_peer peer = {
			.url = p->url,
			.pin = p->pinned ? p->pin : NULL,
			.kinds = p->kinds,
			.once = true,
			/* A remembered peer's status (last contact, what each side holds) is
			 * written as serve writes it: a node that syncs from cron shows it too. */
			.remembered = url == NULL,
		};
		if ((err = uccn_net_dial(net, &peer, &list.p[i].id)) < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"--kinds: '%s' is not a list of kinds (see 'uccn put --help')",
				p->kinds);
			goto out;
		}
	}
	uint64_t started = uccn_cli_now_ms();
	for (size_t pending = list.n; pending > 0;) {
		if ((err = uccn_net_run(net, TURN_MS)) < 0) {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "the network failed: %s", uccn_strerror(err));
			goto out;
		}
		pending = 0;
		for (size_t i = 0; i < list.n; i++) {
			struct uccn_net_peer_info *info = &list.p[i].info;
			if (uccn_net_peer_info(net, list.p[i].id, info) < 0) {
				status =
					uccn_cli_fail(cli, UCCN_CLI_FAIL, "lost track of the peer");
				goto out;
			}
			pending += info->state != UCCN_NET_DONE && info->state != UCCN_NET_FAILED;
		}
		if (stop_requested) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"interrupted; what was acknowledged is kept (run sync again to go "
				"on)");
			goto out;
		}
	}
	double secs = (double)(uccn_cli_now_ms() - started) / 1000.0;
	/* Every peer's line first, then the error lines: a failure or a refusal with one peer
	 * does not hide what the others did. */
	for (size_t i = 0; i < list.n; i++) {
		if (list.p[i].info.state == UCCN_NET_DONE) {
			print_sync_line(node, &list.p[i], url == NULL, secs);
		}
	}
	status = 0;
	for (size_t i = 0; i < list.n; i++) {
		const struct uccn_net_peer_info *info = &list.p[i].info;
		cli->last_error[0] = '\0'; /* the reasons below are the specific ones */
		if (info->state == UCCN_NET_FAILED) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", list.p[i].peer.url,
				info->error[0] != '\0' ? info->error : "the session ended early");
		} else if (info->stats.refused > 0) {
			/* As import does: a refused change is something to look at ('held' does not
			 * keep it; the log says why). */
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"%s: %" PRIu64 " change%s refused", list.p[i].peer.url,
				info->stats.refused, info->stats.refused == 1 ? "" : "s");
		}
	}
out:
	uccn_net_destroy(net);
	free(list.p);
	uccn_node_close(node);
	return status;
}

/* --- peer ------------------------------------------------------------------------------------- */

static int peer_add(struct uccn_cli *cli, int argc, char **argv) {
	const char *kinds = NULL;
	const struct uccn_cli_option opts[] = {
		{"kinds", 0, NULL, &kinds},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, peer_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos < 1) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "expected a URL (see 'uccn peer --help')");
	}
	uint8_t pin[UCCN_KEY_BYTES];
	if (npos == 2 && !uccn_cli_parse_key(cli, "KEY", pos[1], pin)) {
		return UCCN_CLI_USAGE;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_peer_add(node, pos[0], npos == 2 ? pin : NULL, kinds);
	if (err == UCCN_EINVAL) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "%s", uccn_cli_reason(uccn_node_errmsg(node), err));
	} else if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	uccn_node_close(node);
	return status;
}

static int print_peer_line(void *userdata, const struct uccn_peer *p) {
	(void)userdata;
	char pin[2 * UCCN_KEY_BYTES + 1] = "-";
	if (p->pinned) {
		uccn_text_to_hex(p->pin, UCCN_KEY_BYTES, pin);
	}
	printf("%s %s %s\n", p->url, pin, p->kinds[0] != '\0' ? p->kinds : "all");
	return 0;
}

static int peer_list(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, NULL, peer_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	int err = uccn_node_peer_list(node, print_peer_line, NULL);
	uccn_node_close(node);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	return 0;
}

static int peer_remove(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, peer_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos != 1) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "expected a URL (see 'uccn peer --help')");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_peer_remove(node, pos[0]);
	uccn_node_close(node);
	if (err == UCCN_ENOTFOUND) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "no peer %s (see 'uccn peer list')", pos[0]);
	}
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	return 0;
}

int uccn_cmd_peer(struct uccn_cli *cli, int argc, char **argv) {
	static const struct {
		const char *name;
		const char *command; /* as error lines name it */
		int (*run)(struct uccn_cli *cli, int argc, char **argv);
	} subcommands[] = {
		{"add", "peer add", peer_add},
		{"list", "peer list", peer_list},
		{"remove", "peer remove", peer_remove},
	};
	for (size_t i = 0; argc > 1 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0) {
			cli->command = subcommands[i].command;
			return subcommands[i].run(cli, argc - 1, argv + 1);
		}
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(peer_usage, stdout);
		return 0;
	}
	return uccn_cli_fail(
		cli, UCCN_CLI_USAGE, "expected add, list or remove (see 'uccn peer --help')");
}

/* --- status ----------------------------------------------------------------------------------- */

struct status_ctx {
	bool serving;
	uint64_t ours_total;
	uint64_t now_ms;
	size_t count;
};

static void print_age(uint64_t now_ms, uint64_t then_ms) {
	char when[32];
	uccn_cli_format_hlc(then_ms << 16, when, sizeof(when));
	uint64_t ago = now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
	if (ago < 120) {
		printf("%s (%" PRIu64 " s ago)", when, ago);
	} else if (ago < 7200) {
		printf("%s (%" PRIu64 " min ago)", when, ago / 60);
	} else {
		printf("%s (%" PRIu64 " h ago)", when, ago / 3600);
	}
}

static int print_peer_status(void *userdata, const struct uccn_peer *p) {
	struct status_ctx *s = userdata;
	s->count++;
	printf("%s\n", p->url);
	printf("  %s", s->serving && p->connected ? "connected" : "not connected");
	if (p->key_known) {
		char key[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(p->key, UCCN_KEY_BYTES, key);
		printf(", key %s", key);
	}
	fputc('\n', stdout);
	fputs("  last contact: ", stdout);
	if (p->last_contact_ms == 0) {
		fputs("never", stdout);
	} else {
		print_age(s->now_ms, p->last_contact_ms);
	}
	fputc('\n', stdout);
	if (p->key_known) {
		printf("  it holds %" PRIu64 " of our %" PRIu64 " changes; we hold %" PRIu64
		       " of its changes\n",
			p->ours, s->ours_total, p->theirs);
	}
	if (p->last_error[0] != '\0') {
		fputs("  last error: ", stdout);
		uccn_cli_print_text(stdout, p->last_error, strlen(p->last_error), true);
		fputc('\n', stdout);
	}
	return 0;
}

static void print_alarm(void *userdata, const struct uccn_fault *f) {
	if (userdata != NULL) {
		json_array_append_new(userdata, uccn_cli_fault_json(f));
		return;
	}
	uccn_cli_print_fault(stdout, f);
}

static int peer_json(void *userdata, const struct uccn_peer *p) {
	json_t *arr = userdata;
	char pin[2 * UCCN_KEY_BYTES + 1], key[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(p->pin, UCCN_KEY_BYTES, pin);
	uccn_text_to_hex(p->key, UCCN_KEY_BYTES, key);
	char contact[32] = "";
	if (p->last_contact_ms != 0) {
		uccn_cli_format_hlc(p->last_contact_ms << 16, contact, sizeof(contact));
	}
	json_t *o = json_pack("{s:s, s:o, s:s, s:b, s:o, s:o, s:I, s:I, s:o}", "url", p->url, "pin",
		p->pinned ? json_string(pin) : json_null(), "kinds", p->kinds, "connected",
		p->connected, "key", p->key_known ? json_string(key) : json_null(), "last_contact",
		contact[0] ? json_string(contact) : json_null(), "ours", (json_int_t)p->ours,
		"theirs", (json_int_t)p->theirs, "last_error",
		p->last_error[0] ? uccn_cli_json_string(p->last_error, strlen(p->last_error))
				 : json_null());
	return json_array_append_new(arr, o) < 0 ? UCCN_ENOMEM : 0;
}

/* `status --json`: the same facts as one document. */
static int status_json(struct uccn_cli *cli, struct uccn_node *node, bool serving, int64_t pid,
	const struct uccn_node_signing *sign, size_t history) {
	json_t *doc = json_pack("{s:{s:b, s:o}, s:{s:b, s:I}, s:[], s:[], s:[]}", "serve",
		"running", serving, "pid", serving && pid > 0 ? json_integer(pid) : json_null(),
		"signing", "may_sign", sign->may_sign, "head", (json_int_t)sign->head, "peers",
		"sessions", "split_views");
	if (doc == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	size_t n = 0;
	int err = uccn_node_peer_list(node, peer_json, json_object_get(doc, "peers"));
	if (err >= 0) {
		err = uccn_cli_sessions(node, serving, json_object_get(doc, "sessions"), &n);
	}
	if (err >= 0) {
		err = uccn_node_split_views(node, print_alarm, json_object_get(doc, "split_views"));
	}
	json_t *log = history > 0 ? json_array() : NULL;
	if (err >= 0 && history > 0) {
		err = log == NULL || json_object_set_new(doc, "history", log) < 0
			      ? UCCN_ENOMEM
			      : uccn_cli_session_log(node, history, log);
	}
	int status = err < 0 ? uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err))
			     : uccn_cli_print_json(cli, doc, true);
	json_decref(doc);
	return status;
}

int uccn_cmd_status(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false;
	const char *history_text = NULL;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{"history", 0, NULL, &history_text},
		{NULL, 0, NULL, NULL},
	};
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, opts, status_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	size_t history = 0;
	if (history_text != NULL) {
		char *end = NULL;
		unsigned long n = strtoul(history_text, &end, 10);
		if (!(history_text[0] >= '0' && history_text[0] <= '9') || *end != '\0' || n == 0 ||
			n > UCCN_NET_HISTORY_MAX) {
			uccn_node_close(node);
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"--history: '%s' is not a number of sessions, 1 to %d",
				history_text, UCCN_NET_HISTORY_MAX);
		}
		history = n;
	}
	int64_t pid = 0;
	struct status_ctx ctx = {.now_ms = uccn_cli_now_ms()};
	ctx.serving = uccn_cli_serve_running(cli->home, &pid);
	uint8_t self[UCCN_KEY_BYTES];
	uccn_node_public_key(node, self);
	struct uccn_node_signing sign;
	int err = uccn_node_count_by(node, self, &ctx.ours_total);
	if (err == UCCN_OK) {
		err = uccn_node_signing(node, &sign);
	}
	if (err < 0) {
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	if (json) {
		status = status_json(cli, node, ctx.serving, pid, &sign, history);
		uccn_node_close(node);
		return status;
	}
	if (ctx.serving && pid > 0) {
		printf("serve: running (pid %" PRId64 ")\n", pid);
	} else if (ctx.serving) {
		printf("serve: running\n");
	} else {
		printf("serve: not running\n");
	}
	if (!sign.may_sign) {
		uint64_t behind =
			sign.signed_up_to > sign.peer_head ? sign.signed_up_to : sign.peer_head;
		printf("signing: paused until a peer gives back this node's own changes (this "
		       "store "
		       "ends at #%llu",
			(unsigned long long)sign.head);
		if (behind > sign.head) {
			printf(", the node signed up to #%llu", (unsigned long long)behind);
		}
		printf(")\n");
	}
	err = uccn_node_peer_list(node, print_peer_status, &ctx);
	size_t sessions = 0;
	if (err >= 0) {
		err = uccn_cli_sessions(node, ctx.serving, NULL, &sessions);
	}
	if (err >= 0 && history > 0) {
		err = uccn_cli_session_log(node, history, NULL);
	}
	if (err >= 0) {
		/* A split view of the registry is the one thing no one may miss. */
		int views = uccn_node_split_views(node, print_alarm, NULL);
		err = views < 0 ? views : err;
	}
	uccn_node_close(node);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	if (ctx.count == 0 && sessions == 0) {
		printf("no peers (add one with 'uccn peer add URL')\n");
	}
	return 0;
}
