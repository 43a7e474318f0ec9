/* test_transport.c - the websocket transport between real sockets, on 127.0.0.1 with ports
 * the kernel picks: the transport contract (transport_contract.c) over it, and what only a real
 * socket has: a connect that fails inside lws, poll's timeout, its url and address rules, lws
 * logging nothing below warning level, and a raw websocket client that announces more than it
 * sends or never reads. Waits are bounded polling against a deadline, never sleeps. */
#include "node/transport.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uccn/log.h>

#include "tests/support.h"
#include "tests/transport_contract.h"

static int lws_chatter; /* lws messages below warning level: there should be none */

static void on_log(void *ud, enum uccn_log_level level, const char *msg) {
	if (level > UCCN_LOG_WARN && strstr(msg, "lws:") != NULL) {
		lws_chatter++;
	}
}

void backend_setup(void) {
	lws_chatter = 0;
	uccn_log_set_handler(UCCN_LOG_DEBUG, on_log, NULL);
}

void backend_teardown(void) {
	uccn_log_set_handler(UCCN_LOG_SILENT, NULL, NULL);
}

int backend_create(size_t i, const struct uccn_transport_events *ev, struct uccn_transport **out) {
	(void)i;
	return uccn_transport_lws_create(ev, out);
}

static uint16_t listen_any(struct uccn_transport *t) {
	uint16_t port = 0;
	cr_assert_eq(uccn_transport_listen(t, "127.0.0.1", 0, &port), UCCN_OK);
	cr_assert_neq(port, 0);
	return port;
}

void backend_listen(struct uccn_transport *t, char *url, size_t len) {
	snprintf(url, len, "ws://127.0.0.1:%u/uccn", (unsigned)listen_any(t));
}

/* A port that was free a moment ago: bind one, then let it go. */
void backend_unreachable(char *url, size_t len) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	snprintf(url, len, "ws://127.0.0.1:%u/uccn", (unsigned)ntohs(a.sin_port));
}

/* One round of every transport's loop, each waiting a little. */
void backend_turn(void) {
	for (size_t i = 0; i < CONTRACT_PEERS; i++) {
		if (peers[i].t != NULL) {
			cr_assert_geq(uccn_transport_poll(peers[i].t, 2), 0);
		}
	}
}

void backend_pump_for(uint64_t ms) {
	uint64_t end = contract_now_ms() + ms;
	while (contract_now_ms() < end) {
		backend_turn();
	}
}

/* By the websocket close (PROTOCOL.md §10.1). */
void backend_assert_told_too_large(const char *reason) {
	cr_assert_not_null(strstr(reason, "(1009: frame too large)"), "the sender saw: %s", reason);
}

TestSuite(transport, .init = contract_setup, .fini = contract_teardown, .timeout = 50);

Test(transport, a_clean_exchange_logs_nothing_below_warning_level) {
	struct contract_conn *c = contract_connect(&peers[1], contract_listen(&peers[0]));
	WAIT_UNTIL(c->opens == 1 && peers[0].opens == 1);
	contract_send(&peers[1], c->c, 1);
	contract_send(&peers[1], c->c, UCCN_TRANSPORT_FRAME_MAX);
	WAIT_UNTIL(peers[0].frames == 2);
	contract_send(&peers[0], peers[0].last_incoming->c, UCCN_TRANSPORT_FRAME_MAX);
	WAIT_UNTIL(c->frames == 1);
	cr_assert_eq(lws_chatter, 0, "lws logged below warning level");
}

Test(transport, a_connect_that_fails_at_once_is_still_reported_from_poll) {
	/* TCP cannot connect to the broadcast address: lws fails inside connect itself. */
	struct uccn_conn *conn = NULL;
	cr_assert_eq(uccn_transport_connect(peers[1].t, "ws://255.255.255.255:1/", &conn), UCCN_OK);
	struct contract_conn *c = contract_rec(&peers[1], conn, false);
	cr_assert_eq(c->closes, 0, "on_close comes from poll, not from connect");
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_neq(c->reason[0], '\0');
}

Test(transport, an_idle_poll_returns_after_its_timeout) {
	/* lws_service ignores its timeout; the transport must not: an idle poll waits for it (a
	 * lower bound, which a loaded machine cannot break) and then returns (a poll that never
	 * returned would hang the suite into its timeout; no upper bound is asserted, since a
	 * shared machine may stall a process at any time). */
	listen_any(peers[0].t);
	cr_assert_geq(uccn_transport_poll(peers[0].t, 0), 0); /* lws's own start-up work */
	uint64_t start = contract_now_ms();
	cr_assert_eq(uccn_transport_poll(peers[0].t, 200), 0);
	uint64_t took = contract_now_ms() - start;
	cr_assert_geq(took, 150, "returned after %llu ms", (unsigned long long)took);
	cr_assert_eq(uccn_transport_poll(peers[0].t, 0), 0);
}

Test(transport, bad_urls_and_addresses_are_refused_without_callbacks) {
	struct uccn_conn *c = NULL;
	const char *bad[] = {"", "http://127.0.0.1:1/", "wss://", "wss://:443/", "ws://",
		"ws://:80/", "ws://127.0.0.1:0/", "ws://127.0.0.1:65536/", "ws://127.0.0.1:12x/",
		"ws://[::1/", "sim://a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(
			uccn_transport_connect(peers[1].t, bad[i], &c), UCCN_EINVAL, "%s", bad[i]);
	}
	cr_assert_null(c);
	uint16_t port = 0;
	cr_assert_eq(uccn_transport_listen(peers[0].t, "localhost", 0, &port), UCCN_EINVAL);
	uint16_t taken = listen_any(peers[0].t);
	cr_assert_eq(uccn_transport_listen(peers[1].t, "127.0.0.1", taken, &port), UCCN_EBUSY);
	backend_pump_for(50);
	cr_assert_eq(peers[0].opens + peers[0].closes + peers[1].opens + peers[1].closes, 0);
}

/* --- A raw websocket client: a peer that says what it likes and reads nothing ---------------- */

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
	uint64_t deadline = contract_now_ms() + CONTRACT_WAIT_MS;
	while (got < 4 || memcmp(resp + got - 4, "\r\n\r\n", 4) != 0) {
		cr_assert_lt(contract_now_ms(), deadline, "no upgrade answer");
		cr_assert_lt(got, sizeof(resp) - 1);
		ssize_t r = read(fd, resp + got, 1); /* byte by byte: nothing past the headers */
		if (r == 1) {
			got++;
		} else {
			contract_pump();
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
	uint16_t port = listen_any(peers[0].t);
	int fd = raw_connect(port);
	WAIT_UNTIL(peers[0].opens == 1);
	struct contract_conn *s = peers[0].last_incoming;
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
	uint16_t port = listen_any(peers[0].t);
	int fd = raw_connect(port);
	WAIT_UNTIL(peers[0].opens == 1);
	struct contract_conn *s = peers[0].last_incoming;
	enum { FRAMES = 100000, LEN = 1000, BATCH = 64 };
	static uint8_t chunk[BATCH * (LEN + 8)];
	size_t one = 0;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *f = chunk + one;
		size_t n = raw_frame(f, LEN, LEN);
		for (size_t k = 0; k < LEN; k++) {
			f[n - LEN + k] = contract_pattern(LEN, k);
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
		contract_pump();
		size_t q = uccn_transport_conn_queued(s->c);
		max_queued = q > max_queued ? q : max_queued;
	}
	cr_assert_lt(sent, FRAMES, "the server read everything a non-reading peer sent");
	cr_assert_leq(max_queued, (size_t)17 * 1024 * 1024, "%zu queued", max_queued);
	cr_assert_lt(s->frames, FRAMES / 2);
	close(fd);
	WAIT_UNTIL(s->closes == 1);
}
