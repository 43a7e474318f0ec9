/* bench_stranger.c - uccn-bench-stranger: what keys that are not members can cost a hub, and what
 * an honest city sees meanwhile. Prints figures; asserts nothing.
 *
 *   uccn-bench-stranger [--changes N] [--authors N] [--dir DIR]
 *
 * It starts a real `uccn serve` hub (a Secretariat's node) on 127.0.0.1 and an honest city
 * designated by it, then plays strangers with raw websocket clients written here (plain
 * sockets; the session and the sync messages are the library's): 1,000 connections that never
 * finish the handshake (idle, then each announcing a 1 MiB frame and sending all of it but a
 * byte), a flood of 2,000,000 PINGs from a session that reads nothing, and N changes (default
 * 32,000) signed by --authors keys (default 1) that are not members, each the first of its
 * chain (each then waits on its author's designation), sent again and again while the honest
 * city syncs.
 * It prints the hub's resident memory (VmRSS, and VmHWM, from /proc) after each, and the time
 * of the honest city's `uccn sync` of one new record (process start to exit, median of 5)
 * before and during the flood. UCCN_BENCH_UCCN names another `uccn` program to run as the hub
 * and the city (another build, to compare); by default the one beside this program. */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>
#include <uccn/text.h>

#include "node/crypto.h"
#include "node/session.h"
#include "proto/codec.h"
#include "tools/bench_util.h"

#define IDLE_CONNECTIONS 1000
#define PINGS 2000000L
#define BATCH 256
#define SYNC_RUNS 5

static const char *uccn;  /* the program run as hub and city */
static unsigned hub_port; /* where the hub listens */
static pid_t hub_pid;     /* the hub's `uccn serve` */
static uint8_t network[UCCN_KEY_BYTES];

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	return remove(path);
}

/* --- Processes ------------------------------------------------------------------------------ */

/* Runs `uccn --home HOME args...`; its stdout into a pipe (*out_fd) when out_fd is given,
 * otherwise into /dev/null, and its stderr into HOME/log. */
static pid_t spawn(const char *home, const char *const *args, int *out_fd) {
	char log[4300];
	snprintf(log, sizeof(log), "%s/log", home);
	return bench_spawn(uccn, home, args, out_fd, log);
}

/* Runs the program to its end; its first line of output into line (may be NULL). */
static int run(const char *home, const char *const *args, char *line, size_t line_len) {
	int fd;
	pid_t pid = spawn(home, args, &fd);
	FILE *f = fdopen(fd, "r");
	char buf[512];
	bool first = true;
	while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		if (first && line != NULL) {
			snprintf(line, line_len, "%s", buf);
		}
		first = false;
	}
	if (f != NULL) {
		fclose(f);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0) {
		bench_die("wait", UCCN_EIO);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* "VmRSS" or "VmHWM" of the hub, in MiB. */
static double hub_mib(const char *field) {
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)hub_pid);
	FILE *f = fopen(path, "r");
	long kib = 0;
	size_t flen = strlen(field);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kib = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return (double)kib / 1024.0;
}

static void sleep_ms(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* --- A raw websocket client ----------------------------------------------------------------- */

static void write_all(int fd, const uint8_t *p, size_t len) {
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			bench_die("writing to the hub", UCCN_EIO);
		}
		p += w;
		len -= (size_t)w;
	}
}

/* Connects and upgrades to a websocket of the uccn protocol; the socket stays blocking. */
static int ws_open(void) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)hub_port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		bench_die("connecting to the hub", UCCN_EIO);
	}
	char req[256];
	int n = snprintf(req, sizeof(req),
		"GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Protocol: uccn-v1\r\nSec-WebSocket-Version: 13\r\n\r\n",
		hub_port);
	write_all(fd, (const uint8_t *)req, (size_t)n);
	char resp[1024];
	size_t got = 0;
	while (got < 4 || memcmp(resp + got - 4, "\r\n\r\n", 4) != 0) {
		if (got == sizeof(resp) - 1 || read(fd, resp + got, 1) != 1) {
			bench_die("the websocket upgrade", UCCN_EPROTO);
		}
		got++;
	}
	resp[got] = '\0';
	if (strstr(resp, " 101 ") == NULL) {
		bench_die("the websocket upgrade", UCCN_EPROTO);
	}
	return fd;
}

/* A masked binary frame's header for len bytes (the mask is zero: the payload goes as is). */
static size_t ws_header(uint8_t out[14], size_t len) {
	size_t n = 0;
	out[n++] = 0x82;
	if (len < 126) {
		out[n++] = (uint8_t)(0x80 | len);
	} else if (len < 65536) {
		out[n++] = 0x80 | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--) {
			out[n++] = (uint8_t)(len >> (8 * i));
		}
	}
	memset(out + n, 0, 4);
	return n + 4;
}

static void ws_send(int fd, const uint8_t *p, size_t len) {
	uint8_t h[14];
	write_all(fd, h, ws_header(h, len));
	write_all(fd, p, len);
}

static void read_all(int fd, uint8_t *p, size_t len) {
	while (len > 0) {
		ssize_t r = read(fd, p, len);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			bench_die("reading from the hub", UCCN_ECLOSED);
		}
		p += r;
		len -= (size_t)r;
	}
}

/* The next binary message from the hub (unmasked, maybe fragmented) into out. */
static void ws_recv(int fd, struct uccn_bytes *out) {
	out->len = 0;
	for (;;) {
		uint8_t h[2];
		read_all(fd, h, 2);
		uint64_t len = h[1] & 0x7f;
		uint8_t ext[8];
		if (len == 126) {
			read_all(fd, ext, 2);
			len = (uint64_t)ext[0] << 8 | ext[1];
		} else if (len == 127) {
			read_all(fd, ext, 8);
			len = 0;
			for (int i = 0; i < 8; i++) {
				len = len << 8 | ext[i];
			}
		}
		if (len > UCCN_FRAME_MAX) {
			bench_die("a frame from the hub", UCCN_EPROTO);
		}
		static uint8_t buf[UCCN_FRAME_MAX];
		read_all(fd, buf, (size_t)len);
		if ((h[0] & 0x0f) >= 8) {
			if ((h[0] & 0x0f) == 8) {
				bench_die("the hub closed the session", UCCN_ECLOSED);
			}
			continue; /* a ping or pong of the websocket itself */
		}
		if (uccn_bytes_append(out, buf, (size_t)len) < 0) {
			bench_die("allocating", UCCN_ENOMEM);
		}
		if (h[0] & 0x80) {
			return;
		}
	}
}

/* --- A stranger's session ------------------------------------------------------------------- */

struct client {
	int fd;
	struct uccn_identity *id;
	struct uccn_session *session;
	struct uccn_bytes frame, payload;
};

static void client_flush(struct client *c) {
	while (uccn_session_pop_frame(c->session, &c->frame)) {
		ws_send(c->fd, c->frame.data, c->frame.len);
	}
}

/* The next application payload from the hub into c->payload. */
static void client_recv(struct client *c) {
	for (;;) {
		ws_recv(c->fd, &c->frame);
		const uint8_t *p = NULL;
		size_t len = 0;
		int err = uccn_session_on_frame(c->session, c->frame.data, c->frame.len,
			(uint64_t)(bench_seconds() * 1000), &p, &len);
		if (err < 0) {
			fprintf(stderr, "uccn-bench-stranger: session: %s\n",
				uccn_session_error(c->session));
			exit(1);
		}
		client_flush(c);
		if (p != NULL) {
			c->payload.len = 0;
			if (uccn_bytes_append(&c->payload, p, len) < 0) {
				bench_die("allocating", UCCN_ENOMEM);
			}
			return;
		}
	}
}

static void client_send(struct client *c, const struct uccn_bytes *payload) {
	int err = uccn_session_send(c->session, payload->data, payload->len);
	if (err < 0) {
		bench_die("sending", err);
	}
	client_flush(c);
}

/* A session with the hub under a fresh key, past the handshake, our (empty) VECTOR sent and
 * the hub's received. */
static void client_open(struct client *c) {
	memset(c, 0, sizeof(*c));
	int err = uccn_crypto_identity_generate(&c->id);
	if (err < 0) {
		bench_die("a key", err);
	}
	struct uccn_session_config cfg = {.id = c->id, .is_client = true};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	if ((err = uccn_session_create(&cfg, (uint64_t)(bench_seconds() * 1000), &c->session)) <
		0) {
		bench_die("a session", err);
	}
	c->fd = ws_open();
	client_flush(c);
	while (!uccn_session_is_established(c->session)) {
		ws_recv(c->fd, &c->frame);
		const uint8_t *p;
		size_t len;
		if (uccn_session_on_frame(c->session, c->frame.data, c->frame.len,
			    (uint64_t)(bench_seconds() * 1000), &p, &len) < 0) {
			fprintf(stderr, "uccn-bench-stranger: handshake: %s\n",
				uccn_session_error(c->session));
			exit(1);
		}
		client_flush(c);
	}
	struct uccn_bytes v = {0};
	if ((err = uccn_codec_encode_sync_vector(NULL, 0, &v)) < 0) {
		bench_die("a vector", err);
	}
	client_send(c, &v);
	uccn_bytes_finish(&v);
	client_recv(c); /* the hub's vector */
}

static void client_close(struct client *c) {
	close(c->fd);
	uccn_session_destroy(c->session);
	uccn_crypto_identity_destroy(c->id);
	uccn_bytes_finish(&c->frame);
	uccn_bytes_finish(&c->payload);
}

/* Sends the changes in batches, each waiting for its ACK. */
static void client_send_changes(struct client *c, const struct uccn_bytes *changes, long n) {
	struct uccn_bytes p = {0};
	uint64_t batch = 0;
	for (long from = 0; from < n; from += BATCH, batch++) {
		size_t k = (size_t)(n - from < BATCH ? n - from : BATCH);
		p.len = 0;
		int err = uccn_codec_encode_sync_changes(batch, changes + from, k, &p);
		if (err < 0) {
			bench_die("a batch", err);
		}
		client_send(c, &p);
		for (;;) {
			client_recv(c);
			struct uccn_sync_msg m;
			if (uccn_codec_decode_sync(c->payload.data, c->payload.len, &m, NULL, 0) <
				0) {
				bench_die("a message from the hub", UCCN_EPROTO);
			}
			bool acked = m.type == UCCN_SYNC_ACK && m.value == batch;
			uccn_codec_sync_msg_finish(&m);
			if (acked) {
				break;
			}
		}
	}
	uccn_bytes_finish(&p);
}

/* --- The figures ---------------------------------------------------------------------------- */

static void pre_handshake(void) {
	static int fds[IDLE_CONNECTIONS];
	double base = hub_mib("VmRSS");
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		fds[i] = ws_open();
	}
	sleep_ms(500);
	double idle = hub_mib("VmRSS");
	/* Each announces a frame of a megabyte and sends all of it but its last byte (a hub may
	 * refuse it at once and close: the writes then fail, which is the point). */
	static uint8_t junk[64 * 1024];
	memset(junk, 0x93, sizeof(junk));
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		uint8_t h[14];
		size_t left = UCCN_FRAME_MAX - 1;
		if (write(fds[i], h, ws_header(h, left)) <= 0) {
			continue;
		}
		while (left > 0) {
			ssize_t w = write(fds[i], junk, left < sizeof(junk) ? left : sizeof(junk));
			if (w <= 0) {
				break;
			}
			left -= (size_t)w;
		}
	}
	sleep_ms(500);
	double announced = hub_mib("VmRSS");
	for (int i = 0; i < IDLE_CONNECTIONS; i++) {
		close(fds[i]);
	}
	sleep_ms(1000);
	printf("pre-handshake: hub VmRSS %.1f MiB before; %.1f MiB with %d websockets that never "
	       "send a HELLO; %.1f MiB once each announced a 1 MiB frame and sent all but a byte; "
	       "%.1f MiB after they left (VmHWM %.1f MiB)\n",
		base, idle, IDLE_CONNECTIONS, announced, hub_mib("VmRSS"), hub_mib("VmHWM"));
	fflush(stdout);
}

static void ping_flood(void) {
	double base = hub_mib("VmRSS");
	struct client c;
	client_open(&c);
	if (fcntl(c.fd, F_SETFL, O_NONBLOCK) < 0) {
		bench_die("fcntl", UCCN_EIO);
	}
	/* Frames are encrypted and framed a thousand at a time, then written as the socket takes
	 * them; once the hub stops reading, the writes block and the flood stops after 2 s. */
	struct uccn_bytes chunk = {0}, p = {0};
	long sent = 0;
	int stalled = 0;
	while (sent < PINGS && stalled < 20) {
		chunk.len = 0;
		for (int i = 0; i < 1000; i++) {
			p.len = 0; /* encoders append */
			int err = uccn_codec_encode_sync_simple(
				UCCN_SYNC_PING, (uint64_t)(sent + i), &p);
			if (err < 0 || (err = uccn_session_send(c.session, p.data, p.len)) < 0) {
				bench_die("a ping", err);
			}
			while (uccn_session_pop_frame(c.session, &c.frame)) {
				uint8_t h[14];
				size_t hn = ws_header(h, c.frame.len);
				if (uccn_bytes_append(&chunk, h, hn) < 0 ||
					uccn_bytes_append(&chunk, c.frame.data, c.frame.len) < 0) {
					bench_die("allocating", UCCN_ENOMEM);
				}
			}
		}
		size_t off = 0;
		while (off < chunk.len && stalled < 20) {
			struct pollfd pf = {c.fd, POLLOUT, 0};
			if (poll(&pf, 1, 100) <= 0) {
				stalled++;
				continue;
			}
			ssize_t w = write(c.fd, chunk.data + off, chunk.len - off);
			if (w > 0) {
				off += (size_t)w;
				stalled = 0;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				fprintf(stderr, "uccn-bench-stranger: ping flood: %s\n",
					strerror(errno));
				exit(1);
			}
		}
		if (off == chunk.len) {
			sent += 1000;
		}
	}
	sleep_ms(1000);
	double during = hub_mib("VmRSS");
	client_close(&c);
	sleep_ms(2000);
	printf("ping flood: %ld PINGs written by a peer that reads nothing%s; hub VmRSS %.1f MiB "
	       "before, %.1f MiB at the end, %.1f MiB 2 s after the peer left (VmHWM %.1f MiB)\n",
		sent, sent < PINGS ? " (then the hub stopped reading)" : "", base, during,
		hub_mib("VmRSS"), hub_mib("VmHWM"));
	fflush(stdout);
	uccn_bytes_finish(&chunk);
	uccn_bytes_finish(&p);
}

static int cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median time of SYNC_RUNS `uccn sync` of the city, each after one new record. */
static double honest_sync(const char *city, const char *url, int *round) {
	double t[SYNC_RUNS];
	for (int i = 0; i < SYNC_RUNS; i++) {
		char title[64];
		snprintf(title, sizeof(title), "title=Honest practice %d", (*round)++);
		const char *put[] = {"put", "best_practice", title, NULL};
		if (run(city, put, NULL, 0) != 0) {
			bench_die("uccn put", UCCN_EIO);
		}
		const char *sync[] = {"sync", url, NULL};
		double t0 = bench_seconds();
		if (run(city, sync, NULL, 0) != 0) {
			bench_die("uccn sync", UCCN_EIO);
		}
		t[i] = bench_seconds() - t0;
	}
	qsort(t, SYNC_RUNS, sizeof(t[0]), cmp_double);
	return t[SYNC_RUNS / 2];
}

int main(int argc, char **argv) {
	long n = 32000, nauthors = 1;
	const char *dir_arg = NULL;
	int status = bench_start(argc, argv, "uccn-bench-stranger", &n, &nauthors, &dir_arg);
	if (status >= 0) {
		return status;
	}
	signal(SIGPIPE, SIG_IGN);
	static char beside[4096];
	ssize_t len = readlink("/proc/self/exe", beside, sizeof(beside) - 16);
	if (len < 0) {
		bench_die("finding the uccn program", UCCN_EIO);
	}
	beside[len] = '\0';
	char *slash = strrchr(beside, '/');
	snprintf(slash + 1, sizeof(beside) - (size_t)(slash + 1 - beside), "uccn");
	uccn = getenv("UCCN_BENCH_UCCN") != NULL ? getenv("UCCN_BENCH_UCCN") : beside;

	char tmpl[] = "/tmp/uccn-bench-stranger-XXXXXX";
	const char *dir = dir_arg;
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		fprintf(stderr, "uccn-bench-stranger: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char hub[4200], city[4200], line[512], hex[2 * UCCN_KEY_BYTES + 1];
	snprintf(hub, sizeof(hub), "%s/hub", dir);
	snprintf(city, sizeof(city), "%s/city", dir);
	const char *init_hub[] = {"init", "--secretariat", "--name", "Secretariat", NULL};
	if (run(hub, init_hub, line, sizeof(line)) != 0 || sscanf(line, "network %64s", hex) != 1 ||
		uccn_text_from_hex(hex, strlen(hex), network, UCCN_KEY_BYTES) < 0) {
		fprintf(stderr, "uccn-bench-stranger: %s init --secretariat failed\n", uccn);
		return 1;
	}
	const char *init_city[] = {"init", "--network", hex, "--name", "Honest", "--country", "IT",
		"--field", "music", NULL};
	char key[2 * UCCN_KEY_BYTES + 1];
	if (run(city, init_city, line, sizeof(line)) != 0 || sscanf(line, "key %64s", key) != 1) {
		bench_die("init of the city", UCCN_EIO);
	}
	const char *designate[] = {"designate", key, "--name", "Honest", "--country", "IT",
		"--field", "music", "--year", "2020", NULL};
	if (run(hub, designate, NULL, 0) != 0) {
		bench_die("designate", UCCN_EIO);
	}

	int out_fd;
	const char *serve[] = {"serve", "-v", "--listen", "127.0.0.1:0", NULL};
	hub_pid = spawn(hub, serve, &out_fd);
	FILE *out = fdopen(out_fd, "r");
	while (out != NULL && fgets(line, sizeof(line), out) != NULL) {
		if (sscanf(line, "listening on 127.0.0.1:%u", &hub_port) == 1) {
			break;
		}
	}
	if (hub_port == 0) {
		kill(hub_pid, SIGTERM);
		fprintf(stderr, "uccn-bench-stranger: the hub did not start\n");
		return 1;
	}
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u", hub_port);
	printf("hub: %s serve on %s, VmRSS %.1f MiB\n", uccn, url, hub_mib("VmRSS"));
	fflush(stdout);

	pre_handshake();
	ping_flood();

	int round = 0;
	const char *first[] = {"sync", url, NULL};
	if (run(city, first, NULL, 0) != 0) {
		bench_die("the city's first sync", UCCN_EIO);
	}
	double quiet = honest_sync(city, url, &round);

	/* The strangers' changes: signed here, sent in one session, then again and again by a
	 * child process while the city syncs. */
	memcpy(bench_network, network, UCCN_KEY_BYTES);
	struct bench_author *authors = bench_authors(nauthors);
	struct uccn_bytes *changes = calloc((size_t)n, sizeof(*changes)), body = {0};
	if (changes == NULL) {
		bench_die("allocating", UCCN_ENOMEM);
	}
	uint64_t hlc = (uint64_t)time(NULL) << 16;
	/* Each signed as the first change of its author's chain, so that each waits on its
	 * author's designation rather than on the change before it: the worst case for a hub
	 * that offers such changes again when records arrive. */
	for (long i = 0; i < n; i++) {
		long a = i * nauthors / n;
		authors[a].seq = 0;
		bench_sign_practice(&authors[a], i, ++hlc, "Stranger's practice", "",
			"Not a member, and sending anyway.", &body, &changes[i]);
	}
	struct client c;
	double t0 = bench_seconds();
	client_open(&c);
	client_send_changes(&c, changes, n);
	client_close(&c);
	double flood_s = bench_seconds() - t0;
	printf("strangers: %ld changes of %ld keys that are not members sent in %.2f s; hub VmRSS "
	       "%.1f MiB\n",
		n, nauthors, flood_s, hub_mib("VmRSS"));
	fflush(stdout);
	pid_t flooder = fork();
	if (flooder == 0) {
		for (;;) {
			client_open(&c);
			client_send_changes(&c, changes, n);
			client_close(&c);
		}
	}
	double flooded = honest_sync(city, url, &round);
	kill(flooder, SIGKILL);
	waitpid(flooder, NULL, 0);
	char db[4300];
	struct stat sb;
	snprintf(db, sizeof(db), "%s/uccn.db", hub);
	double db_mib = stat(db, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;
	printf("honest city: `uccn sync` of one new record %.3f s (median of %d) on a quiet hub, "
	       "%.3f s while strangers flood it\n",
		quiet, SYNC_RUNS, flooded);
	printf("hub at the end: VmRSS %.1f MiB, VmHWM %.1f MiB, store %.1f MiB\n", hub_mib("VmRSS"),
		hub_mib("VmHWM"), db_mib);

	kill(hub_pid, SIGTERM);
	waitpid(hub_pid, NULL, 0);
	if (out != NULL) {
		fclose(out);
	}
	for (long i = 0; i < n; i++) {
		uccn_bytes_finish(&changes[i]);
	}
	free(changes);
	uccn_bytes_finish(&body);
	bench_authors_free(authors, nauthors);
	if (dir_arg == NULL && nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "uccn-bench-stranger: could not remove %s\n", dir);
	}
	return 0;
}
