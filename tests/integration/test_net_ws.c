/* test_net_ws.c - the event loop (node/net.c) over real websockets on 127.0.0.1: the session
 * promises of PROTOCOL.md §10 that depend on how a real connection closes. A node's loop
 * serves in a child process; a raw client in the test's process (a transport and a session driven
 * by hand) plays the peer, so it can send what a node never would, and reads what the server says
 * before the connection ends. */
#include "node/net.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/node.h>

#include "node/node_internal.h"
#include "node/session.h"
#include "node/transport.h"
#include "tests/support.h"

static char *root;
static char home[512];
static pid_t server_pid;
static uint16_t port;
static uint8_t network[UCCN_KEY_BYTES];

static uint64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
	struct uccn_net_config cfg = {.node = node, .seed = 1, .verify_threads = 1};
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
	cr_assert_eq(uccn_node_init(home, &o, uccn_node_wall_ms(), &hub), UCCN_OK);
	uccn_node_network(hub, network);
	uccn_node_close(hub);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	server_pid = fork();
	cr_assert_geq(server_pid, 0);
	if (server_pid == 0) {
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

/* A client that completes HELLO and WELCOME honestly, then sends what the test asks for right
 * behind its AUTH, and records how the server ends the connection. */
struct raw {
	struct uccn_transport *tr;
	struct test_author author;
	struct uccn_session *session;
	struct uccn_conn *conn;
	bool spoil_auth;             /* flip a bit of the AUTH signature */
	int sealed_behind;           /* sealed frames sent at once behind AUTH */
	const uint8_t *after_vector; /* sent as a payload behind the empty VECTOR, if not NULL */
	size_t after_vector_len;
	bool sent_auth;
	bool closed;
	char reason[160];  /* the transport's close reason */
	char refusal[300]; /* the session's error, once it ended */
};

static void raw_send_all(struct raw *r) {
	struct uccn_bytes b = {0};
	while (uccn_session_pop_frame(r->session, &b)) {
		cr_assert_eq(uccn_transport_send(r->tr, r->conn, b.data, b.len), UCCN_OK);
		uccn_bytes_finish(&b);
	}
	uccn_bytes_finish(&b);
}

static void raw_open(void *userdata, struct uccn_conn *c, bool incoming) {
	struct raw *r = userdata;
	cr_assert_not(incoming);
	raw_send_all(r); /* HELLO */
}

static void raw_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct raw *r = userdata;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	int err = uccn_session_on_frame(r->session, frame, len, now_ms(), &payload, &plen);
	if (err < 0) {
		snprintf(r->refusal, sizeof(r->refusal), "%s", uccn_session_error(r->session));
		return;
	}
	if (r->sent_auth || !uccn_session_is_established(r->session)) {
		return;
	}
	/* The WELCOME was good: AUTH is queued. Send it, and what follows it, in one go. */
	r->sent_auth = true;
	struct uccn_bytes auth = {0};
	cr_assert(uccn_session_pop_frame(r->session, &auth));
	if (r->spoil_auth) {
		auth.data[auth.len - 1] ^= 0x01;
	}
	cr_assert_eq(uccn_transport_send(r->tr, r->conn, auth.data, auth.len), UCCN_OK);
	uccn_bytes_finish(&auth);
	static const uint8_t empty_vector[] = {0x92, 0x01, 0x90};
	for (int i = 0; i < r->sealed_behind; i++) {
		cr_assert_eq(
			uccn_session_send(r->session, empty_vector, sizeof(empty_vector)), UCCN_OK);
	}
	if (r->after_vector != NULL) {
		cr_assert_eq(
			uccn_session_send(r->session, empty_vector, sizeof(empty_vector)), UCCN_OK);
		cr_assert_eq(uccn_session_send(r->session, r->after_vector, r->after_vector_len),
			UCCN_OK);
	}
	raw_send_all(r);
}

static void raw_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct raw *r = userdata;
	r->closed = true;
	r->conn = NULL;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

static void raw_start(struct raw *r, uint8_t seed) {
	test_author_init(&r->author, seed);
	struct uccn_transport_events ev = {raw_open, raw_frame, raw_close, r};
	cr_assert_eq(uccn_transport_lws_create(&ev, &r->tr), UCCN_OK);
	struct uccn_session_config cfg = {.id = r->author.id, .is_client = true};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_session_create(&cfg, now_ms(), &r->session), UCCN_OK);
	char url[64];
	snprintf(url, sizeof(url), "ws://127.0.0.1:%u/", (unsigned)port);
	cr_assert_eq(uccn_transport_connect(r->tr, url, &r->conn), UCCN_OK);
}

/* Runs the client's transport until its connection ends. */
static void raw_run(struct raw *r) {
	uint64_t deadline = now_ms() + 30000;
	while (!r->closed) {
		cr_assert_lt(now_ms(), deadline, "the connection never ended");
		cr_assert_geq(uccn_transport_poll(r->tr, 50), 0);
	}
}

static void raw_finish(struct raw *r) {
	uccn_transport_destroy(r->tr);
	uccn_session_destroy(r->session);
	test_author_finish(&r->author);
}

Test(net_ws, a_refused_auth_is_always_told_even_with_sealed_frames_right_behind_it) {
	int told = 0;
	char last[600] = "";
	for (int i = 0; i < 20; i++) {
		struct raw r;
		memset(&r, 0, sizeof(r));
		r.spoil_auth = true;
		r.sealed_behind = 2 + i % 3;
		raw_start(&r, (uint8_t)(0x40 + i));
		raw_run(&r);
		if (strstr(r.refusal, "the client's signature does not verify") != NULL) {
			told++;
		} else {
			snprintf(last, sizeof(last), "refusal \"%s\", close \"%s\"", r.refusal,
				r.reason);
		}
		raw_finish(&r);
	}
	cr_assert_eq(told, 20, "the ERROR arrived %d times of 20; last miss: %s", told, last);
}
