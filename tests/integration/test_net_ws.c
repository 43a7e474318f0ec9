/* test_net_ws.c - the event loop (node/net.c) over real websockets on 127.0.0.1: the session
 * promises of PROTOCOL.md §10 that depend on how a real connection closes. A node's loop
 * serves in a child process; a raw client in the test's process (a transport and a session driven
 * by hand) plays the peer, so it can send what a node never would, and reads what the server says
 * before the connection ends. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/net.h>
#include <uccn/node.h>

#include "node/session.h"
#include "node/transport.h"
#include "proto/codec.h"
#include "tests/raw_client.h"
#include "tests/support.h"

static char *root;
static char home[512];
static pid_t server_pid;
static uint16_t port;
static uint8_t network[UCCN_KEY_BYTES];

/* The server runs in a process of its own, as a real `uccn serve` would: what the kernel does
 * with a socket closed while bytes are still arriving depends on it. It writes its port to fd
 * and serves until killed. */
static void serve(int fd) {
	struct uccn_node *node = NULL;
	struct uccn_net *net = NULL;
	uint16_t bound = 0;
	if (uccn_node_open(home, &node) < 0) {
		_exit(2);
	}
	struct uccn_net_options cfg = {.node = node, .seed = 1, .verify_threads = 1};
	if (uccn_net_create(&cfg, &net) < 0 || uccn_net_listen(net, "127.0.0.1", 0, &bound) < 0 ||
		write(fd, &bound, sizeof(bound)) != (ssize_t)sizeof(bound)) {
		_exit(3);
	}
	close(fd);
	for (;;) {
		if (uccn_net_run(net, 100) < 0) {
			_exit(4);
		}
	}
}

static void setup(void) {
	root = test_tmpdir();
	snprintf(home, sizeof(home), "%s/hub", root);
	struct uccn_node *hub = NULL;
	struct uccn_node_init_options o = {.name = "UNESCO Secretariat", .secretariat = true};
	cr_assert_eq(uccn_node_init(home, &o, test_wall_ms(), &hub), UCCN_OK);
	uccn_node_network(hub, network);
	uccn_node_close(hub);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	server_pid = fork();
	cr_assert_geq(server_pid, 0);
	if (server_pid == 0) {
		/* A test that crashes leaves no server behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		serve(fds[1]);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &port, sizeof(port)), (ssize_t)sizeof(port));
	close(fds[0]);
}

static void teardown(void) {
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	test_rmdir(root);
	test_check_leaks();
}

TestSuite(net_ws, .init = setup, .fini = teardown, .timeout = 120);

static uint64_t wall(void *arg) {
	(void)arg;
	return test_clock_ms();
}

/* A client driven by hand (tests/raw_client.h), connected to the server. */
static void raw_start(struct test_raw *r, uint8_t seed) {
	struct uccn_transport_events ev = test_raw_events(r);
	cr_assert_eq(uccn_transport_lws_create(&ev, &r->tr), UCCN_OK);
	r->clock = wall;
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u/", (unsigned)port);
	test_raw_start(r, seed, network, url);
}

/* Runs the client's transport until its connection ends. */
static void raw_run(struct test_raw *r) {
	uint64_t deadline = test_clock_ms() + 30000;
	while (!r->closed) {
		cr_assert_lt(test_clock_ms(), deadline, "the connection never ended");
		cr_assert_geq(uccn_transport_poll(r->tr, 50), 0);
	}
}

Test(net_ws, a_refused_auth_is_always_told_even_with_sealed_frames_right_behind_it) {
	int told = 0;
	char last[600] = "";
	for (int i = 0; i < 20; i++) {
		struct test_raw r;
		memset(&r, 0, sizeof(r));
		r.spoil_auth = true;
		/* Enough behind AUTH that some is still unread when the server closes: a close
		 * that resets then throws the refusal away in the client's kernel (the lingering
		 * close of PROTOCOL.md §10.5 is what keeps it). */
		r.sealed_behind = 2000 + i % 3;
		raw_start(&r, (uint8_t)(0x40 + i));
		raw_run(&r);
		if (strstr(r.told, "the client's signature does not verify") != NULL) {
			told++;
		} else {
			snprintf(last, sizeof(last), "refusal \"%s\", close \"%s\"", r.told,
				r.reason);
		}
		test_raw_finish(&r);
	}
	cr_assert_eq(told, 20, "the ERROR arrived %d times of 20; last miss: %s", told, last);
}

Test(net_ws, a_peer_cut_off_after_the_handshake_is_told_why_sealed) {
	static const char *const events[] = {"event"};
	for (int i = 0; i < 5; i++) {
		struct test_raw r;
		memset(&r, 0, sizeof(r));
		r.kinds = events;
		r.nkinds = 1;
		/* A best practice where only events travel: the server's engine ends the session.
		 */
		struct test_author signer;
		test_author_init(&signer, (uint8_t)(0x60 + i));
		struct uccn_field f = test_str("title", "not an event");
		struct uccn_bytes change = {0};
		test_sign(&signer, network, 0, "best_practice", NULL, "bp1", UCCN_OP_PUT, &f, 1,
			&change);
		test_author_finish(&signer);
		cr_assert_eq(uccn_codec_encode_sync_vector(NULL, 0, &r.behind[0]), UCCN_OK);
		cr_assert_eq(uccn_codec_encode_sync_changes(0, &change, 1, &r.behind[1]), UCCN_OK);
		r.nbehind = 2;
		raw_start(&r, (uint8_t)(0x60 + i));
		raw_run(&r);
		cr_assert_str_eq(r.told,
			"the peer ended the session: sync: a change of the best_practice feed, "
			"which "
			"this session does not carry",
			"close: %s", r.reason);
		test_raw_finish(&r);
		uccn_bytes_finish(&change);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* The websocket rules of PROTOCOL.md §10.1, from a client written by hand on a plain socket. */

/* Opens a TCP connection to the server and sends a websocket opening request with the extra
 * header line hdr ("" for none). Returns the socket; *answer receives the server's answer up
 * to the blank line ("" when it closed without one). */
static int ws_open(const char *hdr, char *answer, size_t cap) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char req[512];
	int n = snprintf(req, sizeof(req),
		"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		"%s\r\n",
		hdr);
	cr_assert_eq(write(fd, req, (size_t)n), n);
	size_t got = 0;
	answer[0] = '\0';
	while (got + 1 < cap && strstr(answer, "\r\n\r\n") == NULL) {
		ssize_t r = read(fd, answer + got, 1); /* byte by byte: nothing past the answer */
		if (r <= 0) {
			break;
		}
		got += (size_t)r;
		answer[got] = '\0';
	}
	return fd;
}

/* Sends one masked frame header for len payload bytes, and the first `send` of them. */
static void ws_send(int fd, uint8_t opcode, size_t len, size_t send, uint8_t fill) {
	uint8_t h[14];
	size_t n = 0;
	h[n++] = (uint8_t)(0x80 | opcode);
	if (len < 126) {
		h[n++] = (uint8_t)(0x80 | len);
	} else if (len < 65536) {
		h[n++] = 0x80 | 126;
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	} else {
		h[n++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--) {
			h[n++] = (uint8_t)((uint64_t)len >> (8 * i));
		}
	}
	memset(h + n, 0, 4); /* a zero mask: the payload goes as is */
	n += 4;
	cr_assert_eq(write(fd, h, n), (ssize_t)n);
	uint8_t chunk[4096];
	memset(chunk, fill, sizeof(chunk));
	while (send > 0) {
		size_t k = send < sizeof(chunk) ? send : sizeof(chunk);
		cr_assert_eq(write(fd, chunk, k), (ssize_t)k);
		send -= k;
	}
}

/* Reads frames until the server's close frame; returns its status, its reason in why. */
static unsigned ws_read_close(int fd, char *why, size_t cap) {
	uint8_t buf[4096];
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		cr_assert_gt(r, 0, "the connection ended without a close frame");
		have += (size_t)r;
		while (have >= 2) {
			size_t len = buf[1] & 0x7f,
			       off = 2; /* server frames are unmasked and short */
			cr_assert_lt(len, 126);
			if (have < off + len) {
				break;
			}
			if ((buf[0] & 0x0f) == 0x8) {
				cr_assert_geq(len, 2);
				snprintf(why, cap, "%.*s", (int)(len - 2),
					(const char *)buf + off + 2);
				return (unsigned)buf[off] << 8 | buf[off + 1];
			}
			memmove(buf, buf + off + len, have - off - len);
			have -= off + len;
		}
	}
}

Test(net_ws, the_subprotocol_is_uccn_v1_and_a_client_offering_only_others_is_refused) {
	char answer[1024];
	int fd = ws_open("Sec-WebSocket-Protocol: uccn-v1\r\n", answer, sizeof(answer));
	cr_assert_not_null(strstr(answer, " 101 "), "%s", answer);
	cr_assert_not_null(strstr(answer, "Sec-WebSocket-Protocol: uccn-v1"), "%s", answer);
	close(fd);
	fd = ws_open("Sec-WebSocket-Protocol: chat, uccn-v1\r\n", answer, sizeof(answer));
	cr_assert_not_null(strstr(answer, "Sec-WebSocket-Protocol: uccn-v1"), "%s", answer);
	close(fd);
	fd = ws_open("", answer, sizeof(answer));
	cr_assert_not_null(strstr(answer, " 101 "), "none offered: taken as uccn-v1: %s", answer);
	close(fd);
	fd = ws_open("Sec-WebSocket-Protocol: chat\r\n", answer, sizeof(answer));
	cr_assert_null(strstr(answer, " 101 "), "another subprotocol was accepted: %s", answer);
	close(fd);
}

Test(net_ws, a_text_message_closes_with_1003) {
	char answer[1024], why[128] = "";
	int fd = ws_open("Sec-WebSocket-Protocol: uccn-v1\r\n", answer, sizeof(answer));
	cr_assert_not_null(strstr(answer, " 101 "), "%s", answer);
	ws_send(fd, 0x1, 2, 2, 'h');
	ws_send(fd, 0x2, 1000, 1000, 0); /* more behind it, as a careless peer would */
	cr_assert_eq(ws_read_close(fd, why, sizeof(why)), 1003);
	cr_assert_str_eq(why, "binary frames only");
	close(fd);
}

Test(net_ws, an_oversize_frame_closes_with_1009_before_it_is_all_sent) {
	char answer[1024], why[128] = "";
	int fd = ws_open("Sec-WebSocket-Protocol: uccn-v1\r\n", answer, sizeof(answer));
	cr_assert_not_null(strstr(answer, " 101 "), "%s", answer);
	ws_send(fd, 0x2, UCCN_FRAME_MAX + 1, 100000, 0x5a);
	cr_assert_eq(ws_read_close(fd, why, sizeof(why)), 1009);
	cr_assert_str_eq(why, "frame too large");
	close(fd);
}
