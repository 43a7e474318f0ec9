/* bench_link.c - uccn-bench-link: what a session costs a city on the link it really has.
 * Prints figures; asserts nothing.
 *
 *   uccn-bench-link [--cities N] [--kbit N] [--rtt MS] [--loss PERCENT] [--dir DIR]
 *   uccn-bench-link --scale [--dir DIR]
 *
 * It builds a network as the uccn program would (a Secretariat that designates N cities, one
 * signed tree head each; every city with its city record, a best practice, an event and a
 * project), but through the library, which is much faster than N processes. A new city is
 * designated too. Then the real program runs: `uccn serve` at the hub, uccn-slowlink in front
 * of it (default: 64 kbit/s, 600 ms round trip, 1 % of writes delayed as a retransmission
 * would be), and three `uccn sync` sessions of the new city through the link: the first sync,
 * a sync with nothing new, and a sync after one new change of the city's. For each it prints
 * the time from starting `uccn sync` to its exit, the bytes each way on the wire (websocket
 * frames, the HTTP upgrade and all, as the link counted them) and the link's turns (times the
 * data changed direction: about two per round trip).
 *
 * --scale runs the same three sessions at 35, 350 and 3,500 cities over an unlimited link, to
 * show how each session's cost grows with the network. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>
#include <uccn/text.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/store.h"
#include "tools/bench_util.h"

struct link_opts {
	long kbit, rtt_ms;
	double loss;
};

struct session {
	double seconds;
	uint64_t up, down, turns;
};

static const char *const countries[] = {"AU", "IT", "FR", "BR", "CN", "JP", "UY", "GB", "SN",
	"CO", "KR", "MX", "DE", "NG", "IN", "CA", "ES", "TR", "ZA", "PT"};
static const char *const fields[] = {"crafts_folk_art", "design", "film", "gastronomy",
	"literature", "media_arts", "music"};

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

#define PATH_BUF 4400

/* dir/name into out, or the program stops: a path that does not fit is no path to measure in. */
static void join(char out[PATH_BUF], const char *dir, const char *name) {
	size_t a = strlen(dir), b = strlen(name);
	if (a + 1 + b >= PATH_BUF) {
		bench_die(dir, UCCN_EINVAL);
	}
	memcpy(out, dir, a);
	out[a] = '/';
	memcpy(out + a + 1, name, b + 1);
}

static uint64_t wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct uccn_field text(const char *name, const char *value) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_STR, .str = value, .str_len = strlen(value)}};
}

static struct uccn_field list(const char *name, const struct uccn_value *items, size_t n) {
	return (struct uccn_field){.name = name,
		.name_len = strlen(name),
		.value = {.type = UCCN_VALUE_LIST, .items = items, .count = n}};
}

/* One change of the city's, signed with its key and applied at the hub as if it had arrived. */
static void city_writes(struct uccn_changelog *log, const struct uccn_identity *id,
	const uint8_t pk[UCCN_KEY_BYTES], const char *kind, const char *rid,
	const struct uccn_field *f, size_t n) {
	struct uccn_apply_result res;
	int err = uccn_changelog_append(log, id, kind, pk, rid, UCCN_OP_PUT, f, n, wall_ms(), &res);
	if (err < 0) {
		fprintf(stderr, "uccn-bench-link: %s %s: %s\n", kind, rid, res.why);
		bench_die("a city's change", err);
	}
}

/* The four records a city has in the measured network, about the sizes real ones have. */
static void city_records(struct uccn_changelog *log, const struct uccn_identity *id,
	const uint8_t pk[UCCN_KEY_BYTES], const char *name, const char *country,
	const char *field, long i) {
	char hex[2 * UCCN_KEY_BYTES + 1], rid[40], web[128], title[160];
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, hex);
	snprintf(web, sizeof(web), "https://creativecity.example.org/%ld", i);
	const struct uccn_field city[] = {text("name", name), text("country", country),
		text("field", field), text("website", web), text("focal_point", "The focal point"),
		text("description", "A member of the UNESCO Creative Cities Network since its "
				    "designation, working with its creative community.")};
	city_writes(log, id, pk, "city", hex, city, sizeof(city) / sizeof(city[0]));

	const struct uccn_value fv[] = {{.type = UCCN_VALUE_STR, .str = field, .str_len = strlen(field)}};
	const struct uccn_value sdgs[] = {{.type = UCCN_VALUE_INT, .i = 4}, {.type = UCCN_VALUE_INT, .i = 11}};
	snprintf(title, sizeof(title), "%s: creative workshops in schools", name);
	snprintf(rid, sizeof(rid), "bp-%08lx", i);
	const struct uccn_field bp[] = {text("title", title),
		text("summary", "Artists visit the city's schools each week; three hundred "
				"pupils took part last year."),
		list("fields", fv, 1), list("sdgs", sdgs, 2),
		(struct uccn_field){.name = "year", .name_len = 4,
			.value = {.type = UCCN_VALUE_INT, .i = 2024}},
		text("url", web)};
	city_writes(log, id, pk, "best_practice", rid, bp, sizeof(bp) / sizeof(bp[0]));

	snprintf(title, sizeof(title), "%s creative festival", name);
	snprintf(rid, sizeof(rid), "ev-%08lx", i);
	const struct uccn_field ev[] = {text("title", title), text("starts", "2025-06-01"),
		text("ends", "2025-06-07"), text("place", name), list("fields", fv, 1),
		text("description", "A week of open studios, concerts and talks.")};
	city_writes(log, id, pk, "event", rid, ev, sizeof(ev) / sizeof(ev[0]));

	snprintf(title, sizeof(title), "%s residency exchange", name);
	snprintf(rid, sizeof(rid), "pr-%08lx", i);
	const struct uccn_field pr[] = {text("title", title), text("type", "city-to-city"),
		text("status", "ongoing"), text("starts", "2024-01-15"), list("sdgs", sdgs, 2),
		text("summary", "Two artists a year spend a month in a partner city.")};
	city_writes(log, id, pk, "project", rid, pr, sizeof(pr) / sizeof(pr[0]));
}

/* The cities' names and fields, from tools/data/uccn-cities.csv when it can be found beside
 * the source; made up past its end. */
struct names {
	char (*name)[64];
	char (*field)[24];
	long n;
};

static void read_names(struct names *out) {
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(UCCN_SOURCE_ROOT "/tools/data/uccn-cities.csv", "r");
	char line[256];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
		if (c1 == NULL || c3 == NULL || strncmp(line, "City,", 5) == 0 || line[0] == '"') {
			continue;
		}
		*c1 = *c3 = '\0';
		if (strlen(line) >= sizeof(out->name[0]) || strlen(c2 + 1) >= sizeof(out->field[0])) {
			continue;
		}
		out->name = realloc(out->name, (size_t)(out->n + 1) * sizeof(*out->name));
		out->field = realloc(out->field, (size_t)(out->n + 1) * sizeof(*out->field));
		if (out->name == NULL || out->field == NULL) {
			bench_die("allocating", UCCN_ENOMEM);
		}
		memcpy(out->name[out->n], line, strlen(line) + 1);
		memcpy(out->field[out->n], c2 + 1, strlen(c2 + 1) + 1);
		out->n++;
	}
	if (f != NULL) {
		fclose(f);
	}
}

static void name_of(const struct names *nm, long i, char out[64]) {
	if (i < nm->n) {
		snprintf(out, 64, "%s", nm->name[i]);
	} else {
		snprintf(out, 64, "City %ld", i);
	}
}

static const char *field_of(const struct names *nm, long i) {
	if (i < nm->n) {
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			if (strcmp(nm->field[i], fields[k]) == 0) {
				return fields[k];
			}
		}
	}
	return fields[i % 7];
}

/* The hub (a Secretariat node) with n cities and their records, and a designated new city
 * that holds only its own city record. */
static void build(const char *dir, long n, const struct names *nm) {
	char hub_home[PATH_BUF], city_home[PATH_BUF], path[PATH_BUF];
	join(hub_home, dir, "hub");
	join(city_home, dir, "newcity");
	struct uccn_node *hub, *city;
	struct uccn_node_init_options o = {.name = "UNESCO Secretariat", .secretariat = true};
	int err = uccn_node_init(hub_home, &o, wall_ms(), &hub);
	if (err < 0) {
		bench_die("the hub", err);
	}
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(hub, network);
	struct uccn_node_init_options c = {
		.name = "Newtown", .country = "NZ", .field = "music", .network = network};
	if ((err = uccn_node_init(city_home, &c, wall_ms(), &city)) < 0) {
		bench_die("the new city", err);
	}
	uint8_t city_pk[UCCN_KEY_BYTES];
	uccn_node_public_key(city, city_pk);
	uccn_node_close(city);

	struct uccn_identity **ids = calloc((size_t)n, sizeof(*ids));
	uint8_t(*pks)[UCCN_KEY_BYTES] = calloc((size_t)n, UCCN_KEY_BYTES);
	char names[64];
	if (ids == NULL || pks == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	for (long i = 0; i < n; i++) {
		if ((err = uccn_crypto_identity_generate(&ids[i])) < 0) {
			bench_die("a key", err);
		}
		uccn_crypto_identity_public_key(ids[i], pks[i]);
		name_of(nm, i, names);
		if ((err = uccn_node_designate(hub, pks[i], names, countries[i % 20],
			     field_of(nm, i), 2004 + (int)(i % 20), wall_ms())) < 0) {
			fprintf(stderr, "uccn-bench-link: designating %s: %s\n", names,
				uccn_node_errmsg(hub));
			bench_die("designate", err);
		}
	}
	if ((err = uccn_node_designate(hub, city_pk, "Newtown", "NZ", "music", 2025, wall_ms())) <
		0) {
		bench_die("designating the new city", err);
	}
	uccn_node_close(hub);

	/* The cities' own changes, applied at the hub as the sessions that brought them would. */
	join(path, hub_home, "uccn.db");
	struct uccn_store *st;
	struct uccn_changelog *log;
	if ((err = uccn_store_open(path, false, &st)) < 0 ||
		(err = uccn_changelog_create(st, network, &log)) < 0) {
		bench_die("the hub's store", err);
	}
	for (long from = 0; from < n; from += 256) {
		if ((err = uccn_store_begin(st)) < 0) {
			bench_die("begin", err);
		}
		for (long i = from; i < n && i < from + 256; i++) {
			name_of(nm, i, names);
			city_records(
				log, ids[i], pks[i], names, countries[i % 20], field_of(nm, i), i);
		}
		if ((err = uccn_store_commit(st)) < 0) {
			bench_die("commit", err);
		}
	}
	uccn_changelog_destroy(log);
	uccn_store_close(st);
	for (long i = 0; i < n; i++) {
		uccn_crypto_identity_destroy(ids[i]);
	}
	free(ids);
	free(pks);
}

/* Reads "listening on 127.0.0.1:PORT" from fd; 0 if the process said nothing like it. */
static unsigned read_port(int fd) {
	FILE *f = fdopen(fd, "r");
	char line[256];
	unsigned port = 0;
	while (f != NULL && port == 0 && fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "listening on 127.0.0.1:%u", &port);
	}
	/* The rest of what it prints is not needed; the pipe stays open so it never blocks. */
	return port;
}

static pid_t start_link(const char *self_dir, unsigned to, const struct link_opts *lk,
	const char *stats, unsigned *port) {
	char prog[PATH_BUF], listen_arg[] = "127.0.0.1:0", to_arg[32], kbit[24], rtt[24], loss[24];
	join(prog, self_dir, "uccn-slowlink");
	snprintf(to_arg, sizeof(to_arg), "127.0.0.1:%u", to);
	snprintf(kbit, sizeof(kbit), "%ld", lk->kbit);
	snprintf(rtt, sizeof(rtt), "%ld", lk->rtt_ms);
	snprintf(loss, sizeof(loss), "%g", lk->loss);
	int fds[2];
	if (pipe(fds) < 0) {
		bench_die("pipe", UCCN_EIO);
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(prog, prog, "--listen", listen_arg, "--to", to_arg, "--kbit", kbit, "--rtt",
			rtt, "--loss", loss, "--seed", "1", "--stats", stats, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0 || (*port = read_port(fds[0])) == 0) {
		fprintf(stderr, "uccn-bench-link: uccn-slowlink did not start\n");
		exit(1);
	}
	return pid;
}

/* The link's totals so far. */
static void read_stats(const char *stats, uint64_t *conns, struct session *s) {
	FILE *f = fopen(stats, "r");
	char key[32];
	uint64_t v;
	*conns = 0;
	memset(s, 0, sizeof(*s));
	while (f != NULL && fscanf(f, "%31s %" SCNu64, key, &v) == 2) {
		if (strcmp(key, "connections") == 0) {
			*conns = v;
		} else if (strcmp(key, "bytes_up") == 0) {
			s->up = v;
		} else if (strcmp(key, "bytes_down") == 0) {
			s->down = v;
		} else if (strcmp(key, "turns") == 0) {
			s->turns = v;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
}

/* One `uccn sync` of the new city through the link, and what it cost. The link writes its
 * totals when a connection is over on both sides, which may be a moment after sync exits. */
static struct session one_sync(const char *uccn, const char *city, unsigned port,
	const char *stats, uint64_t *conns) {
	struct session before, after;
	uint64_t c0, c1;
	read_stats(stats, &c0, &before);
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u", port);
	const char *args[] = {"sync", url, NULL};
	int out;
	double t0 = bench_seconds();
	pid_t pid = bench_spawn(uccn, city, args, &out, NULL);
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "uccn-bench-link: uccn sync failed\n");
		exit(1);
	}
	double seconds = bench_seconds() - t0;
	close(out);
	for (int i = 0; i < 500; i++) {
		read_stats(stats, &c1, &after);
		if (c1 > c0) {
			break;
		}
		usleep(10000);
	}
	*conns = c1;
	return (struct session){.seconds = seconds,
		.up = after.up - before.up,
		.down = after.down - before.down,
		.turns = after.turns - before.turns};
}

/* The bytes of the hub's signed changes, as stored and as a first sync must carry them. */
struct sizing {
	struct uccn_store *st;
	uint64_t bytes;
};

static int add_link(void *userdata, uint64_t seq, const uint8_t *data, size_t len) {
	struct sizing *z = userdata;
	z->bytes += len;
	return 0;
}

static int add_feed(void *userdata, const uint8_t *author, const char *feed, uint64_t seq) {
	struct sizing *z = userdata;
	return uccn_store_each_feed_change(z->st, author, feed, 0, add_link, z);
}

/* The bytes of the signed changes a home's store holds, and (if changes is not NULL) their
 * number. */
static uint64_t signed_in(const char *home, uint64_t *changes) {
	char path[PATH_BUF];
	join(path, home, "uccn.db");
	struct uccn_store *st;
	int err = uccn_store_open(path, false, &st);
	struct sizing z = {st, 0};
	if (err < 0 || (changes != NULL && (err = uccn_store_count_changes(st, changes)) < 0) ||
		(err = uccn_store_each_feed_head(st, NULL, add_feed, &z)) < 0) {
		bench_die("counting", err);
	}
	uccn_store_close(st);
	return z.bytes;
}

/* Builds a network of n cities in dir and measures the three sessions over lk; the new
 * change's signed bytes in *one_change. */
static void measure(const char *uccn, const char *self_dir, const char *dir, long n,
	const struct names *nm, const struct link_opts *lk, struct session out[3],
	uint64_t *changes, uint64_t *signed_bytes, uint64_t *one_change) {
	double t0 = bench_seconds();
	build(dir, n, nm);
	char hub[PATH_BUF], city[PATH_BUF], stats[PATH_BUF];
	join(hub, dir, "hub");
	join(city, dir, "newcity");
	join(stats, dir, "link.stats");
	*signed_bytes = signed_in(hub, changes);
	fprintf(stderr, "uccn-bench-link: %ld cities, %" PRIu64 " changes at the hub, built in %.1f s\n",
		n, *changes, bench_seconds() - t0);

	int serve_out;
	const char *serve_args[] = {"serve", "--listen", "127.0.0.1:0", NULL};
	pid_t serve = bench_spawn(uccn, hub, serve_args, &serve_out, NULL);
	unsigned hub_port = read_port(serve_out);
	if (hub_port == 0) {
		fprintf(stderr, "uccn-bench-link: the hub did not start\n");
		exit(1);
	}
	unsigned port;
	pid_t lnk = start_link(self_dir, hub_port, lk, stats, &port);
	uint64_t conns;
	out[0] = one_sync(uccn, city, port, stats, &conns);
	out[1] = one_sync(uccn, city, port, stats, &conns);
	uint64_t before = signed_in(city, NULL);
	const char *put_args[] = {"put", "best_practice", "title=One new practice",
		"summary=Written after the first sync.", NULL};
	int put_out;
	pid_t put = bench_spawn(uccn, city, put_args, &put_out, NULL);
	char id[256];
	while (read(put_out, id, sizeof(id)) > 0) {
		/* the new record's id: read, so that put never writes into a closed pipe */
	}
	close(put_out);
	int status;
	if (waitpid(put, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "uccn-bench-link: uccn put failed\n");
		exit(1);
	}
	*one_change = signed_in(city, NULL) - before;
	out[2] = one_sync(uccn, city, port, stats, &conns);
	kill(lnk, SIGTERM);
	kill(serve, SIGTERM);
	waitpid(lnk, NULL, 0);
	waitpid(serve, NULL, 0);
	close(serve_out);
}

static void print_session(const char *what, const struct session *s, bool timed) {
	printf("  %-28s %9" PRIu64 " bytes (%" PRIu64 " up, %" PRIu64 " down), %" PRIu64 " turns",
		what, s->up + s->down, s->up, s->down, s->turns);
	if (timed) {
		printf(", %.2f s", s->seconds);
	}
	printf("\n");
}

int main(int argc, char **argv) {
	static const struct option opts[] = {{"cities", required_argument, NULL, 'n'},
		{"kbit", required_argument, NULL, 'k'}, {"rtt", required_argument, NULL, 'r'},
		{"loss", required_argument, NULL, 'p'}, {"scale", no_argument, NULL, 's'},
		{"dir", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	long n = 350;
	struct link_opts lk = {.kbit = 64, .rtt_ms = 600, .loss = 1.0};
	bool scale = false;
	const char *dir_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'k':
			lk.kbit = strtol(optarg, NULL, 10);
			break;
		case 'r':
			lk.rtt_ms = strtol(optarg, NULL, 10);
			break;
		case 'p':
			lk.loss = strtod(optarg, NULL);
			break;
		case 's':
			scale = true;
			break;
		case 'd':
			dir_arg = optarg;
			break;
		default:
			printf("usage: uccn-bench-link [--cities N] [--kbit N] [--rtt MS] "
			       "[--loss PERCENT] [--dir DIR]\n"
			       "       uccn-bench-link --scale [--dir DIR]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 1 || n > 100000 || lk.kbit < 0 || lk.rtt_ms < 0 || lk.loss < 0 || lk.loss > 100) {
		fprintf(stderr, "uccn-bench-link: --cities 1 to 100000, --kbit and --rtt not "
				"negative, --loss 0 to 100\n");
		return 2;
	}
	uccn_log_set_handler(UCCN_LOG_ERROR, NULL, NULL);
	int err = uccn_crypto_init();
	if (err < 0) {
		bench_die("init", err);
	}
	char uccn[4096], self_dir[4096];
	bench_uccn_path(uccn);
	snprintf(self_dir, sizeof(self_dir), "%s", uccn);
	*strrchr(self_dir, '/') = '\0';
	char tmpl[] = "/tmp/uccn-bench-link-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-link: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	struct names nm;
	read_names(&nm);

	long sizes[3] = {35, 350, 3500};
	long runs = scale ? 3 : 1;
	if (!scale) {
		sizes[0] = n;
	} else {
		lk = (struct link_opts){0};
	}
	for (long r = 0; r < runs; r++) {
		char sub[PATH_BUF], count[24];
		snprintf(count, sizeof(count), "%ld", sizes[r]);
		join(sub, dir, count);
		if (mkdir(sub, 0700) < 0) {
			fprintf(stderr, "uccn-bench-link: %s: %s\n", sub, strerror(errno));
			return 1;
		}
		struct session s[3];
		uint64_t changes, signed_bytes, one;
		measure(uccn, self_dir, sub, sizes[r], &nm, &lk, s, &changes, &signed_bytes, &one);
		if (scale || (lk.kbit == 0 && lk.rtt_ms == 0 && lk.loss == 0)) {
			printf("%ld cities (%" PRIu64 " changes at the hub), unlimited link:\n",
				sizes[r], changes);
		} else {
			printf("%ld cities (%" PRIu64 " changes at the hub), a %ld kbit/s link with "
			       "%ld ms round trip, %g %% of writes delayed:\n",
				sizes[r], changes, lk.kbit, lk.rtt_ms, lk.loss);
		}
		print_session("first sync of a new city", &s[0], !scale);
		printf("  %-28s %9" PRIu64 " bytes: the first sync costs %.2f of them\n",
			"the hub's signed changes", signed_bytes,
			(double)(s[0].up + s[0].down) / (double)signed_bytes);
		print_session("sync again, nothing new", &s[1], !scale);
		print_session("sync after one new change", &s[2], !scale);
		printf("  %-28s %9" PRIu64 " bytes signed: the session costs %" PRIu64
		       " bytes beyond it\n",
			"the new change", one, s[2].up + s[2].down - one);
		fflush(stdout);
	}
	free(nm.name);
	free(nm.field);
	if (dir_arg == NULL && nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "uccn-bench-link: could not remove %s\n", dir);
	}
	return 0;
}
