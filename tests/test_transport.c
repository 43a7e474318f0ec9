/* test_transport.c - the websocket transport between real sockets: two or more transports in
 * one process on 127.0.0.1, with ports the kernel picks. Frames of every awkward size both
 * ways, an oversize frame, closes from each side, a hundred clients on one listener, refused
 * and abandoned connections. Waits are bounded polling against a deadline, never sleeps. */
#include "node/transport.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uccn/log.h>

#include "tests/support.h"

#define MAX_PEERS 3
#define WAIT_MS 10000

/* What the test knows of one connection; outlives the connection. */
struct conn_rec {
	struct conn_rec *next;
	struct uccn_conn *c; /* NULL once closed */
	bool incoming;
	int opens, closes, frames;
	size_t *lens; /* of each frame received, in order */
	size_t nlens;
	bool corrupt; /* a frame's bytes were not the pattern sent */
	char reason[128];
};

struct peer {
	struct uccn_transport *t;
	struct conn_rec *recs;
	struct conn_rec *last_incoming;
	int opens, closes, frames;
	bool echo;  /* send every frame back */
	bool greet; /* send a 16-byte frame on every open */
};

static struct peer peers[MAX_PEERS];
static int lws_chatter; /* lws messages below warning level: there should be none */

static uint64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Frame bytes are a pattern of the length, so any shift, cut or mix-up shows. */
static uint8_t pattern(size_t len, size_t i) {
	return (uint8_t)(i * 31 + len * 7 + (i >> 8));
}

static uint8_t *make_frame(size_t len) {
	uint8_t *f = malloc(len);
	cr_assert_not_null(f);
	for (size_t i = 0; i < len; i++) {
		f[i] = pattern(len, i);
	}
	return f;
}

static struct conn_rec *rec_new(struct peer *p, struct uccn_conn *c, bool incoming) {
	struct conn_rec *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	r->c = c;
	r->incoming = incoming;
	r->next = p->recs;
	p->recs = r;
	uccn_transport_conn_set_data(c, r);
	return r;
}

static void send_frame(struct peer *p, struct uccn_conn *c, size_t len) {
	uint8_t *f = make_frame(len);
	cr_assert_eq(uccn_transport_send(p->t, c, f, len), UCCN_OK);
	free(f);
}

static void on_open(void *ud, struct uccn_conn *c, bool incoming) {
	struct peer *p = ud;
	struct conn_rec *r = incoming ? rec_new(p, c, true) : uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->incoming, incoming);
	cr_assert_eq(r->opens, 0, "a second on_open");
	cr_assert_eq(r->closes, 0, "on_open after on_close");
	cr_assert_neq(uccn_transport_conn_peer(c)[0], '\0');
	r->opens++;
	p->opens++;
	if (incoming) {
		p->last_incoming = r;
	}
	if (p->greet) {
		send_frame(p, c, 16);
	}
}

static void on_frame(void *ud, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct peer *p = ud;
	struct conn_rec *r = uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->opens, 1, "a frame before on_open");
	cr_assert_eq(r->closes, 0, "a frame after on_close");
	for (size_t i = 0; i < len; i++) {
		if (frame[i] != pattern(len, i)) {
			r->corrupt = true;
			break;
		}
	}
	r->lens = realloc(r->lens, (r->nlens + 1) * sizeof(*r->lens));
	cr_assert_not_null(r->lens);
	r->lens[r->nlens++] = len;
	r->frames++;
	p->frames++;
	if (p->echo) {
		cr_assert_eq(uccn_transport_send(p->t, c, frame, len), UCCN_OK);
	}
}

static void on_close(void *ud, struct uccn_conn *c, const char *reason) {
	struct peer *p = ud;
	struct conn_rec *r = uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->closes, 0, "a second on_close");
	cr_assert_not_null(reason);
	cr_assert_neq(reason[0], '\0');
	r->closes++;
	r->c = NULL;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	p->closes++;
}

static void on_log(void *ud, enum uccn_log_level level, const char *msg) {
	if (level > UCCN_LOG_WARN && strstr(msg, "lws:") != NULL) {
		lws_chatter++;
	}
}

static void setup(void) {
	uccn_log_set_handler(UCCN_LOG_DEBUG, on_log, NULL);
	for (int i = 0; i < MAX_PEERS; i++) {
		struct uccn_transport_events ev = {on_open, on_frame, on_close, &peers[i]};
		cr_assert_eq(uccn_transport_lws_create(&ev, &peers[i].t), UCCN_OK);
	}
}

static void teardown(void) {
	for (int i = 0; i < MAX_PEERS; i++) {
		uccn_transport_destroy(peers[i].t); /* open connections too: no callback, no leak */
		while (peers[i].recs != NULL) {
			struct conn_rec *r = peers[i].recs;
			peers[i].recs = r->next;
			free(r->lens);
			free(r);
		}
	}
	memset(peers, 0, sizeof(peers));
	uccn_log_set_handler(UCCN_LOG_SILENT, NULL, NULL);
	test_check_leaks();
}

TestSuite(transport, .init = setup, .fini = teardown, .timeout = 50);

/* One round of every transport's loop, each waiting a little. */
static void pump(void) {
	for (int i = 0; i < MAX_PEERS; i++) {
		if (peers[i].t != NULL) {
			cr_assert_geq(uccn_transport_poll(peers[i].t, 2), 0);
		}
	}
}

#define WAIT_UNTIL(cond)                                                                      \
	do {                                                                                  \
		uint64_t deadline_ = now_ms() + WAIT_MS;                                      \
		while (!(cond)) {                                                             \
			cr_assert_lt(now_ms(), deadline_, "timed out waiting for %s", #cond); \
			pump();                                                               \
		}                                                                             \
	} while (0)

/* Keeps the loops turning for ms, so that a callback that should not come has its chance. */
static void pump_for(uint64_t ms) {
	uint64_t end = now_ms() + ms;
	while (now_ms() < end) {
		pump();
	}
}

static uint16_t listen_any(struct peer *p) {
	uint16_t port = 0;
	cr_assert_eq(uccn_transport_listen(p->t, "127.0.0.1", 0, &port), UCCN_OK);
	cr_assert_neq(port, 0);
	return port;
}

static struct conn_rec *connect_to(struct peer *p, uint16_t port) {
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u/uccn", (unsigned)port);
	struct uccn_conn *c = NULL;
	cr_assert_eq(uccn_transport_connect(p->t, url, &c), UCCN_OK);
	cr_assert_not_null(c);
	return rec_new(p, c, false);
}

/* A server (peers[0]) and a client (peers[1]) with one open connection between them. */
static void pair(struct conn_rec **server, struct conn_rec **client) {
	uint16_t port = listen_any(&peers[0]);
	*client = connect_to(&peers[1], port);
	WAIT_UNTIL((*client)->opens == 1 && peers[0].opens == 1);
	*server = peers[0].last_incoming;
}

static void assert_lens(const struct conn_rec *r, const size_t *lens, size_t n) {
	cr_assert_eq(r->nlens, n);
	cr_assert(!r->corrupt);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(r->lens[i], lens[i], "frame %zu: %zu bytes, sent %zu", i, r->lens[i],
			lens[i]);
	}
}

Test(transport, one_byte_and_one_mib_frames_cross_both_ways) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	const size_t lens[] = {1, UCCN_TRANSPORT_FRAME_MAX, 1};
	for (size_t i = 0; i < 3; i++) {
		send_frame(&peers[1], c->c, lens[i]);
	}
	cr_assert_geq(uccn_transport_conn_queued(c->c), UCCN_TRANSPORT_FRAME_MAX);
	WAIT_UNTIL(s->frames == 3);
	assert_lens(s, lens, 3);
	for (size_t i = 0; i < 3; i++) {
		send_frame(&peers[0], s->c, lens[i]);
	}
	WAIT_UNTIL(c->frames == 3);
	assert_lens(c, lens, 3);
	cr_assert_eq(uccn_transport_conn_queued(c->c), 0);
	cr_assert_eq(uccn_transport_conn_queued(s->c), 0);
	cr_assert_eq(s->closes + c->closes, 0);
	cr_assert_eq(lws_chatter, 0, "lws logged below warning level");
}

Test(transport, frames_of_fragment_boundary_sizes_arrive_whole_and_in_order) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	/* Websocket length encodings change at 126 and 65536; lws reads 64 KiB at a time and the
	 * sender writes 64 KiB fragments. */
	const size_t lens[] = {2, 125, 126, 127, 65535, 65536, 65537, 4095, 4096, 4097, 131071,
		131072, 131073, 300000, UCCN_TRANSPORT_FRAME_MAX - 1, UCCN_TRANSPORT_FRAME_MAX, 3};
	const size_t n = sizeof(lens) / sizeof(lens[0]);
	for (size_t i = 0; i < n; i++) {
		send_frame(&peers[1], c->c, lens[i]);
	}
	WAIT_UNTIL(s->frames == (int)n);
	assert_lens(s, lens, n);
	peers[0].echo = true;
	for (size_t i = 0; i < n; i++) {
		send_frame(&peers[1], c->c, lens[i]);
	}
	WAIT_UNTIL(c->frames == (int)n);
	assert_lens(c, lens, n);
}

Test(transport, many_small_frames_keep_their_order) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	enum { COUNT = 5000 };
	for (uint32_t i = 0; i < COUNT; i++) {
		send_frame(&peers[1], c->c, 1 + i % 97);
	}
	WAIT_UNTIL(s->frames == COUNT);
	cr_assert(!s->corrupt);
	for (uint32_t i = 0; i < COUNT; i++) {
		cr_assert_eq(s->lens[i], 1 + i % 97);
	}
}

Test(transport, an_oversize_frame_closes_that_connection_only) {
	uint16_t port = listen_any(&peers[0]);
	struct conn_rec *bad = connect_to(&peers[1], port);
	WAIT_UNTIL(bad->opens == 1 && peers[0].opens == 1);
	struct conn_rec *bad_s = peers[0].last_incoming;
	struct conn_rec *good = connect_to(&peers[2], port);
	WAIT_UNTIL(good->opens == 1 && peers[0].opens == 2);
	struct conn_rec *good_s = peers[0].last_incoming;

	/* uccn_transport_send refuses it; the backend's own send plays a peer that ignores the
	 * limit. */
	uint8_t *big = make_frame(UCCN_TRANSPORT_FRAME_MAX + 1);
	cr_assert_eq(uccn_transport_send(peers[1].t, bad->c, big, UCCN_TRANSPORT_FRAME_MAX + 1),
		UCCN_EINVAL);
	cr_assert_eq(peers[1].t->impl->send(peers[1].t, bad->c, big, UCCN_TRANSPORT_FRAME_MAX + 1),
		UCCN_OK);
	free(big);
	WAIT_UNTIL(bad_s->closes == 1 && bad->closes == 1);
	cr_assert_eq(bad_s->frames, 0);
	cr_assert_not_null(strstr(bad_s->reason, "larger"), "%s", bad_s->reason);
	/* The sender is told why by the websocket close (PROTOCOL.md §10.1). */
	cr_assert_not_null(
		strstr(bad->reason, "(1009: frame too large)"), "the sender saw: %s", bad->reason);

	send_frame(&peers[2], good->c, 1000);
	WAIT_UNTIL(good_s->frames == 1);
	send_frame(&peers[0], good_s->c, 2000);
	WAIT_UNTIL(good->frames == 1);
	cr_assert_eq(good->closes + good_s->closes, 0);
	/* The listener still accepts. */
	struct conn_rec *later = connect_to(&peers[1], port);
	WAIT_UNTIL(later->opens == 1);
}

Test(transport, a_close_from_the_client_ends_both_sides_once_after_its_frames) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	const size_t lens[] = {10, 200000, 30};
	for (size_t i = 0; i < 3; i++) {
		send_frame(&peers[1], c->c, lens[i]);
	}
	struct uccn_conn *conn = c->c;
	uccn_transport_close(peers[1].t, conn);
	uccn_transport_close(peers[1].t, conn); /* twice: nothing more */
	uint8_t x = 1;
	cr_assert_eq(uccn_transport_send(peers[1].t, conn, &x, 1), UCCN_ECLOSED);
	cr_assert_eq(c->closes, 0, "on_close comes from poll, not from close");
	WAIT_UNTIL(s->closes == 1 && c->closes == 1);
	assert_lens(s, lens, 3);
	cr_assert_not_null(strstr(s->reason, "closed by peer"), "%s", s->reason);
	cr_assert_str_eq(c->reason, "closed");
	pump_for(200);
	cr_assert_eq(peers[0].closes + peers[1].closes, 2);
}

Test(transport, a_close_from_the_server_ends_both_sides_once) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	send_frame(&peers[0], s->c, 5);
	uccn_transport_close(peers[0].t, s->c);
	WAIT_UNTIL(s->closes == 1 && c->closes == 1);
	cr_assert_eq(c->frames, 1);
	cr_assert_not_null(strstr(c->reason, "closed by peer"), "%s", c->reason);
	pump_for(200);
	cr_assert_eq(peers[0].closes + peers[1].closes, 2);
}

Test(transport, a_peer_that_vanishes_is_reported_closed) {
	struct conn_rec *s, *c;
	pair(&s, &c);
	uccn_transport_destroy(peers[1].t); /* no close handshake: the socket just goes */
	peers[1].t = NULL;
	WAIT_UNTIL(s->closes == 1);
	cr_assert_eq(c->closes, 0, "destroy calls no on_close");
}

Test(transport, a_hundred_clients_on_one_listener_all_exchange_frames) {
	enum { CLIENTS = 100 };
	uint16_t port = listen_any(&peers[0]);
	peers[0].echo = true;
	peers[1].greet = true; /* every client sends a frame as soon as it is open */
	struct conn_rec *recs[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		recs[i] = connect_to(&peers[1], port);
	}
	WAIT_UNTIL(peers[1].frames == CLIENTS);
	cr_assert_eq(peers[0].opens, CLIENTS);
	cr_assert_eq(peers[0].frames, CLIENTS);
	for (int i = 0; i < CLIENTS; i++) {
		cr_assert_eq(recs[i]->frames, 1);
		cr_assert_eq(recs[i]->lens[0], 16);
		cr_assert(!recs[i]->corrupt);
	}
	cr_assert_eq(peers[0].closes + peers[1].closes, 0);
}

Test(transport, connecting_where_nobody_listens_closes_with_a_reason) {
	/* A port that was free a moment ago: bind one, then let it go. */
	uint16_t port = listen_any(&peers[2]);
	uccn_transport_destroy(peers[2].t);
	peers[2].t = NULL;
	struct conn_rec *c = connect_to(&peers[1], port);
	cr_assert_eq(c->closes, 0, "on_close comes from poll, not from connect");
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_neq(c->reason[0], '\0');
	pump_for(100);
	cr_assert_eq(peers[1].closes, 1);
}

Test(transport, a_connect_that_fails_at_once_is_still_reported_from_poll) {
	/* TCP cannot connect to the broadcast address: lws fails inside connect itself. */
	struct uccn_conn *conn = NULL;
	cr_assert_eq(uccn_transport_connect(peers[1].t, "ws://255.255.255.255:1/", &conn), UCCN_OK);
	struct conn_rec *c = rec_new(&peers[1], conn, false);
	cr_assert_eq(c->closes, 0, "on_close comes from poll, not from connect");
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_neq(c->reason[0], '\0');
}

Test(transport, an_idle_poll_returns_after_its_timeout) {
	/* lws_service ignores its timeout; the transport must not. */
	listen_any(&peers[0]);
	cr_assert_geq(uccn_transport_poll(peers[0].t, 0), 0); /* lws's own start-up work */
	uint64_t start = now_ms();
	cr_assert_eq(uccn_transport_poll(peers[0].t, 200), 0);
	uint64_t took = now_ms() - start;
	cr_assert_geq(took, 150, "returned after %llu ms", (unsigned long long)took);
	cr_assert_lt(took, 2000, "returned after %llu ms", (unsigned long long)took);
	start = now_ms();
	cr_assert_eq(uccn_transport_poll(peers[0].t, 0), 0);
	cr_assert_lt(now_ms() - start, 100);
}

Test(transport, closing_while_connecting_gives_one_on_close_and_no_open) {
	uint16_t port = listen_any(&peers[0]);
	struct conn_rec *c = connect_to(&peers[1], port);
	send_frame(&peers[1], c->c, 100); /* queued for an open that never comes */
	uccn_transport_close(peers[1].t, c->c);
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_str_eq(c->reason, "closed");
	pump_for(200);
	cr_assert_eq(peers[1].closes, 1);
	cr_assert_eq(peers[0].frames, 0);
	cr_assert_eq(peers[0].opens, peers[0].closes, "an accepted end, if any, was closed");
}

Test(transport, bad_urls_and_addresses_are_refused_without_callbacks) {
	struct uccn_conn *c = NULL;
	const char *bad[] = {"", "http://127.0.0.1:1/", "wss://127.0.0.1:1/", "ws://", "ws://:80/",
		"ws://127.0.0.1:0/", "ws://127.0.0.1:65536/", "ws://127.0.0.1:12x/", "ws://[::1/",
		"sim://a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(
			uccn_transport_connect(peers[1].t, bad[i], &c), UCCN_EINVAL, "%s", bad[i]);
	}
	cr_assert_null(c);
	uint16_t port = 0;
	cr_assert_eq(uccn_transport_listen(peers[0].t, "localhost", 0, &port), UCCN_EINVAL);
	uint16_t taken = listen_any(&peers[0]);
	cr_assert_eq(uccn_transport_listen(peers[1].t, "127.0.0.1", taken, &port), UCCN_EIO);
	pump_for(50);
	cr_assert_eq(peers[0].opens + peers[0].closes + peers[1].opens + peers[1].closes, 0);
}

/* --- A raw websocket client: a peer that says what it likes and reads nothing ---------------- */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connects to 127.0.0.1:port and completes the websocket upgrade (read with the server's loop
 * turning); returns the socket, non-blocking. */
static int raw_connect(uint16_t port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char req[256];
	int n = snprintf(req, sizeof(req),
		"GET /uccn HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Protocol: uccn-v1\r\nSec-WebSocket-Version: 13\r\n\r\n",
		(unsigned)port);
	cr_assert_eq(write(fd, req, (size_t)n), n);
	cr_assert_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	char resp[1024];
	size_t got = 0;
	uint64_t deadline = now_ms() + WAIT_MS;
	while (got < 4 || memcmp(resp + got - 4, "\r\n\r\n", 4) != 0) {
		cr_assert_lt(now_ms(), deadline, "no upgrade answer");
		cr_assert_lt(got, sizeof(resp) - 1);
		ssize_t r = read(fd, resp + got, 1); /* byte by byte: nothing past the headers */
		if (r == 1) {
			got++;
		} else {
			pump();
		}
	}
	resp[got] = '\0';
	cr_assert_not_null(strstr(resp, " 101 "), "%s", resp);
	return fd;
}

/* A masked binary frame header announcing len bytes, then the first `have` of them; returns
 * its size in out. */
static size_t raw_frame(uint8_t *out, size_t len, size_t have) {
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
	memset(out + n, 0, 4 + have); /* mask 0: the payload goes as written */
	return n + 4 + have;
}

Test(transport, a_frame_header_costs_what_came_and_a_lowered_limit_closes_a_larger_frame) {
	uint16_t port = listen_any(&peers[0]);
	int fd = raw_connect(port);
	WAIT_UNTIL(peers[0].opens == 1);
	struct conn_rec *s = peers[0].last_incoming;
	/* A megabyte announced, ten bytes sent: the buffer holds what came, not what was said. */
	uint8_t buf[64];
	size_t n = raw_frame(buf, UCCN_TRANSPORT_FRAME_MAX - 1, 10);
	cr_assert_eq(write(fd, buf, n), (ssize_t)n);
	WAIT_UNTIL(uccn_transport_conn_rx_buffered(s->c) > 0);
	cr_assert_leq(uccn_transport_conn_rx_buffered(s->c), 64,
		"%zu bytes buffered for 10 received", uccn_transport_conn_rx_buffered(s->c));
	close(fd);
	WAIT_UNTIL(s->closes == 1);

	/* Before a handshake completes the node allows a handshake frame only. */
	fd = raw_connect(port);
	WAIT_UNTIL(peers[0].opens == 2);
	s = peers[0].last_incoming;
	uccn_transport_conn_set_frame_max(s->c, 4096);
	n = raw_frame(buf, 4097, 10);
	cr_assert_eq(write(fd, buf, n), (ssize_t)n);
	WAIT_UNTIL(s->closes == 1);
	cr_assert_eq(s->frames, 0);
	cr_assert_not_null(strstr(s->reason, "larger than 4096"), "%s", s->reason);
	close(fd);
}

Test(transport, a_peer_that_never_reads_cannot_grow_what_is_queued_for_it) {
	/* The server answers every frame (as a node answers every PING); the client sends a
	 * hundred thousand frames of 1000 bytes and reads nothing. The server stops reading once
	 * the answers queued for it cost RX_PAUSE_AT, so the client's writes block and the queue
	 * stays put. */
	peers[0].echo = true;
	uint16_t port = listen_any(&peers[0]);
	int fd = raw_connect(port);
	WAIT_UNTIL(peers[0].opens == 1);
	struct conn_rec *s = peers[0].last_incoming;
	enum { FRAMES = 100000, LEN = 1000, BATCH = 64 };
	static uint8_t chunk[BATCH * (LEN + 8)];
	size_t one = 0;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *f = chunk + one;
		size_t n = raw_frame(f, LEN, LEN);
		for (size_t k = 0; k < LEN; k++) {
			f[n - LEN + k] = pattern(LEN, k);
		}
		one += n;
	}
	size_t sent = 0, off = 0, max_queued = 0;
	int stalled = 0;
	while (sent < FRAMES && stalled < 300) {
		ssize_t w = write(fd, chunk + off, one - off);
		if (w > 0) {
			off += (size_t)w;
			stalled = 0;
			if (off == one) {
				off = 0;
				sent += BATCH;
			}
		} else {
			cr_assert(errno == EAGAIN || errno == EWOULDBLOCK);
			stalled++;
		}
		pump();
		size_t q = uccn_transport_conn_queued(s->c);
		max_queued = q > max_queued ? q : max_queued;
	}
	cr_assert_lt(sent, FRAMES, "the server read everything a non-reading peer sent");
	cr_assert_leq(max_queued, (size_t)17 * 1024 * 1024, "%zu queued", max_queued);
	cr_assert_lt(s->frames, FRAMES / 2);
	close(fd);
	WAIT_UNTIL(s->closes == 1);
}
