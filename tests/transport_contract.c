/* transport_contract.c - what every transport promises (node/transport.h), as one suite run
 * against each backend (see transport_contract.h): frames of every awkward size both ways and
 * in order, frames sent while connecting, oversize frames and lowered limits closing that
 * connection only, closes from either side ending both ends once and after their frames, a peer
 * that vanishes, a hundred clients on one listener, nobody listening, a close while connecting,
 * and send's refusals. Waits are bounded polling, never sleeps. */
#include "tests/transport_contract.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support.h"

struct contract_peer peers[CONTRACT_PEERS];

uint64_t contract_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t contract_pattern(size_t len, size_t i) {
	return (uint8_t)(i * 31 + len * 7 + (i >> 8));
}

uint8_t *contract_make_frame(size_t len) {
	uint8_t *f = malloc(len);
	cr_assert_not_null(f);
	for (size_t i = 0; i < len; i++) {
		f[i] = contract_pattern(len, i);
	}
	return f;
}

struct contract_conn *contract_rec(struct contract_peer *p, struct uccn_conn *c, bool incoming) {
	struct contract_conn *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r);
	r->c = c;
	r->incoming = incoming;
	r->next = p->recs;
	p->recs = r;
	uccn_transport_conn_set_data(c, r);
	return r;
}

void contract_send(struct contract_peer *p, struct uccn_conn *c, size_t len) {
	uint8_t *f = contract_make_frame(len);
	cr_assert_eq(uccn_transport_send(p->t, c, f, len), UCCN_OK);
	free(f);
}

static void on_open(void *ud, struct uccn_conn *c, bool incoming) {
	struct contract_peer *p = ud;
	struct contract_conn *r =
		incoming ? contract_rec(p, c, true) : uccn_transport_conn_get_data(c);
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
		contract_send(p, c, 16);
	}
}

static void on_frame(void *ud, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct contract_peer *p = ud;
	struct contract_conn *r = uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->opens, 1, "a frame before on_open");
	cr_assert_eq(r->closes, 0, "a frame after on_close");
	for (size_t i = 0; i < len; i++) {
		if (frame[i] != contract_pattern(len, i)) {
			r->corrupt = true;
			break;
		}
	}
	size_t *lens = realloc(r->lens, (r->nlens + 1) * sizeof(*r->lens));
	cr_assert_not_null(lens);
	r->lens = lens;
	r->lens[r->nlens++] = len;
	r->frames++;
	p->frames++;
	if (p->echo) {
		cr_assert_eq(uccn_transport_send(p->t, c, frame, len), UCCN_OK);
	}
}

static void on_close(void *ud, struct uccn_conn *c, const char *reason) {
	struct contract_peer *p = ud;
	struct contract_conn *r = uccn_transport_conn_get_data(c);
	cr_assert_not_null(r);
	cr_assert_eq(r->closes, 0, "a second on_close");
	cr_assert_not_null(reason);
	cr_assert_neq(reason[0], '\0');
	r->closes++;
	r->c = NULL;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	p->closes++;
}

void contract_setup(void) {
	backend_setup();
	for (size_t i = 0; i < CONTRACT_PEERS; i++) {
		struct uccn_transport_events ev = {on_open, on_frame, on_close, &peers[i]};
		cr_assert_eq(backend_create(i, &ev, &peers[i].t), UCCN_OK);
	}
}

void contract_teardown(void) {
	for (size_t i = 0; i < CONTRACT_PEERS; i++) {
		uccn_transport_destroy(peers[i].t); /* open connections too: no callback, no leak */
		while (peers[i].recs != NULL) {
			struct contract_conn *r = peers[i].recs;
			peers[i].recs = r->next;
			free(r->lens);
			free(r);
		}
	}
	memset(peers, 0, sizeof(peers));
	backend_teardown();
	test_check_leaks();
}

void contract_pump(void) {
	backend_turn();
}

const char *contract_listen(struct contract_peer *p) {
	static char urls[4][64];
	static unsigned next;
	char *url = urls[next++ % 4];
	backend_listen(p->t, url, sizeof(urls[0]));
	return url;
}

struct contract_conn *contract_connect(struct contract_peer *p, const char *url) {
	struct uccn_conn *c = NULL;
	cr_assert_eq(uccn_transport_connect(p->t, url, &c), UCCN_OK, "%s", url);
	cr_assert_not_null(c);
	return contract_rec(p, c, false);
}

/* A server (peers[0]) and a client (peers[1]) with one open connection between them. */
static void pair(struct contract_conn **server, struct contract_conn **client) {
	*client = contract_connect(&peers[1], contract_listen(&peers[0]));
	WAIT_UNTIL((*client)->opens == 1 && peers[0].opens == 1);
	*server = peers[0].last_incoming;
}

static void assert_lens(const struct contract_conn *r, const size_t *lens, size_t n) {
	cr_assert_eq(r->nlens, n);
	cr_assert(!r->corrupt);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(r->lens[i], lens[i], "frame %zu: %zu bytes, sent %zu", i, r->lens[i],
			lens[i]);
	}
}

TestSuite(transport_contract, .init = contract_setup, .fini = contract_teardown, .timeout = 50);

Test(transport_contract, one_byte_and_one_mib_frames_cross_both_ways) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	const size_t lens[] = {1, UCCN_TRANSPORT_FRAME_MAX, 1};
	for (size_t i = 0; i < 3; i++) {
		contract_send(&peers[1], c->c, lens[i]);
	}
	cr_assert_geq(uccn_transport_conn_queued(c->c), UCCN_TRANSPORT_FRAME_MAX);
	WAIT_UNTIL(s->frames == 3);
	assert_lens(s, lens, 3);
	for (size_t i = 0; i < 3; i++) {
		contract_send(&peers[0], s->c, lens[i]);
	}
	WAIT_UNTIL(c->frames == 3);
	assert_lens(c, lens, 3);
	cr_assert_eq(uccn_transport_conn_queued(c->c), 0);
	cr_assert_eq(uccn_transport_conn_queued(s->c), 0);
	cr_assert_eq(s->closes + c->closes, 0);
}

Test(transport_contract, frames_of_fragment_boundary_sizes_arrive_whole_and_in_order) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	/* Websocket length encodings change at 126 and 65536; lws reads 64 KiB at a time and the
	 * sender writes 64 KiB fragments. */
	const size_t lens[] = {2, 125, 126, 127, 65535, 65536, 65537, 4095, 4096, 4097, 131071,
		131072, 131073, 300000, UCCN_TRANSPORT_FRAME_MAX - 1, UCCN_TRANSPORT_FRAME_MAX, 3};
	const size_t n = sizeof(lens) / sizeof(lens[0]);
	for (size_t i = 0; i < n; i++) {
		contract_send(&peers[1], c->c, lens[i]);
	}
	WAIT_UNTIL(s->frames == (int)n);
	assert_lens(s, lens, n);
	peers[0].echo = true;
	for (size_t i = 0; i < n; i++) {
		contract_send(&peers[1], c->c, lens[i]);
	}
	WAIT_UNTIL(c->frames == (int)n);
	assert_lens(c, lens, n);
}

Test(transport_contract, many_small_frames_keep_their_order) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	enum { COUNT = 5000 };
	for (uint32_t i = 0; i < COUNT; i++) {
		contract_send(&peers[1], c->c, 1 + i % 97);
	}
	WAIT_UNTIL(s->frames == COUNT);
	cr_assert(!s->corrupt);
	for (uint32_t i = 0; i < COUNT; i++) {
		cr_assert_eq(s->lens[i], 1 + i % 97);
	}
}

Test(transport_contract, frames_sent_while_connecting_wait_for_the_open) {
	struct contract_conn *c = contract_connect(&peers[1], contract_listen(&peers[0]));
	size_t lens[100];
	for (size_t i = 0; i < 100; i++) {
		lens[i] = 1 + i * 37 % 300;
		contract_send(&peers[1], c->c, lens[i]);
	}
	cr_assert_eq(c->opens, 0);
	WAIT_UNTIL(peers[0].frames == 100);
	cr_assert_eq(c->opens, 1);
	assert_lens(peers[0].last_incoming, lens, 100);
	WAIT_UNTIL(uccn_transport_conn_queued(c->c) == 0);
}

Test(transport_contract, an_oversize_frame_closes_that_connection_only) {
	const char *url = contract_listen(&peers[0]);
	struct contract_conn *bad = contract_connect(&peers[1], url);
	WAIT_UNTIL(bad->opens == 1 && peers[0].opens == 1);
	struct contract_conn *bad_s = peers[0].last_incoming;
	struct contract_conn *good = contract_connect(&peers[2], url);
	WAIT_UNTIL(good->opens == 1 && peers[0].opens == 2);
	struct contract_conn *good_s = peers[0].last_incoming;

	/* uccn_transport_send refuses it; the backend's own send plays a peer that ignores the
	 * limit. */
	uint8_t *big = contract_make_frame(UCCN_TRANSPORT_FRAME_MAX + 1);
	cr_assert_eq(uccn_transport_send(peers[1].t, bad->c, big, UCCN_TRANSPORT_FRAME_MAX + 1),
		UCCN_EINVAL);
	cr_assert_eq(peers[1].t->impl->send(peers[1].t, bad->c, big, UCCN_TRANSPORT_FRAME_MAX + 1),
		UCCN_OK);
	free(big);
	WAIT_UNTIL(bad_s->closes == 1 && bad->closes == 1);
	cr_assert_eq(bad_s->frames, 0);
	cr_assert_not_null(strstr(bad_s->reason, "larger"), "%s", bad_s->reason);
	/* The sender is told why (PROTOCOL.md §10.1). */
	backend_assert_told_too_large(bad->reason);

	contract_send(&peers[2], good->c, 1000);
	WAIT_UNTIL(good_s->frames == 1);
	contract_send(&peers[0], good_s->c, 2000);
	WAIT_UNTIL(good->frames == 1);
	cr_assert_eq(good->closes + good_s->closes, 0);
	/* The listener still accepts. */
	struct contract_conn *later = contract_connect(&peers[1], url);
	WAIT_UNTIL(later->opens == 1);
}

Test(transport_contract, a_lowered_limit_lets_a_frame_at_it_through_and_closes_a_larger_one) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	/* Before a handshake completes the node allows a handshake frame only. */
	uccn_transport_conn_set_frame_max(s->c, 4096);
	contract_send(&peers[1], c->c, 4096);
	contract_send(&peers[1], c->c, 4097);
	WAIT_UNTIL(s->closes == 1 && c->closes == 1);
	cr_assert_eq(s->frames, 1);
	cr_assert_eq(s->lens[0], 4096);
	cr_assert_not_null(strstr(s->reason, "larger"), "%s", s->reason);
}

Test(transport_contract, a_close_from_the_client_ends_both_sides_once_after_its_frames) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	const size_t lens[] = {10, 200000, 30};
	for (size_t i = 0; i < 3; i++) {
		contract_send(&peers[1], c->c, lens[i]);
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
	backend_pump_for(200);
	cr_assert_eq(peers[0].closes + peers[1].closes, 2);
}

Test(transport_contract, a_close_from_the_server_ends_both_sides_once) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	contract_send(&peers[0], s->c, 5);
	uccn_transport_close(peers[0].t, s->c);
	WAIT_UNTIL(s->closes == 1 && c->closes == 1);
	cr_assert_eq(c->frames, 1);
	cr_assert_not_null(strstr(c->reason, "closed by peer"), "%s", c->reason);
	backend_pump_for(200);
	cr_assert_eq(peers[0].closes + peers[1].closes, 2);
}

Test(transport_contract, a_peer_that_vanishes_is_reported_closed) {
	struct contract_conn *s, *c;
	pair(&s, &c);
	uccn_transport_destroy(peers[1].t); /* no close handshake: the socket just goes */
	peers[1].t = NULL;
	WAIT_UNTIL(s->closes == 1);
	cr_assert_eq(c->closes, 0, "destroy calls no on_close");
}

Test(transport_contract, a_hundred_clients_on_one_listener_all_exchange_frames) {
	enum { CLIENTS = 100 };
	const char *url = contract_listen(&peers[0]);
	peers[0].echo = true;
	peers[1].greet = true; /* every client sends a frame as soon as it is open */
	struct contract_conn *recs[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		recs[i] = contract_connect(&peers[1], url);
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

Test(transport_contract, connecting_where_nobody_listens_closes_with_a_reason) {
	char url[64];
	backend_unreachable(url, sizeof(url));
	struct contract_conn *c = contract_connect(&peers[1], url);
	cr_assert_eq(c->closes, 0, "on_close comes from poll, not from connect");
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_neq(c->reason[0], '\0');
	backend_pump_for(100);
	cr_assert_eq(peers[1].closes, 1);
}

Test(transport_contract, closing_while_connecting_gives_one_on_close_and_no_open) {
	struct contract_conn *c = contract_connect(&peers[1], contract_listen(&peers[0]));
	contract_send(&peers[1], c->c, 100); /* queued for an open that never comes */
	uccn_transport_close(peers[1].t, c->c);
	WAIT_UNTIL(c->closes == 1);
	cr_assert_eq(c->opens, 0);
	cr_assert_str_eq(c->reason, "closed");
	backend_pump_for(200);
	cr_assert_eq(peers[1].closes, 1);
	cr_assert_eq(peers[0].frames, 0);
	cr_assert_eq(peers[0].opens, peers[0].closes, "an accepted end, if any, was closed");
}

Test(transport_contract, send_refuses_empty_oversize_and_beyond_the_queue_bound) {
	struct contract_conn *c = contract_connect(&peers[1], contract_listen(&peers[0]));
	uint8_t *big = calloc(1, UCCN_TRANSPORT_FRAME_MAX + 1);
	cr_assert_not_null(big);
	cr_assert_eq(uccn_transport_send(peers[1].t, c->c, big, 0), UCCN_EINVAL);
	cr_assert_eq(uccn_transport_send(peers[1].t, c->c, big, UCCN_TRANSPORT_FRAME_MAX + 1),
		UCCN_EINVAL);
	size_t sent = 0;
	while (uccn_transport_send(peers[1].t, c->c, big, UCCN_TRANSPORT_FRAME_MAX) == UCCN_OK) {
		sent++;
		cr_assert_leq(sent, UCCN_TRANSPORT_QUEUE_MAX / UCCN_TRANSPORT_FRAME_MAX);
	}
	cr_assert_geq(sent, UCCN_TRANSPORT_QUEUE_MAX / UCCN_TRANSPORT_FRAME_MAX - 1,
		"what is queued counts each frame's bytes and little more");
	cr_assert_eq(
		uccn_transport_send(peers[1].t, c->c, big, UCCN_TRANSPORT_FRAME_MAX), UCCN_EAGAIN);
	free(big);
	cr_assert_eq(peers[0].opens + peers[1].opens + peers[1].closes, 0, "no callback from send");
}
