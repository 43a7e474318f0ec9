/* raw_client.c - a client session driven by hand (see raw_client.h): one copy for the tests over
 * the simulated network and over real websockets. */
#include "tests/raw_client.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void raw_send_all(struct test_raw *r) {
	struct uccn_bytes b = {0};
	while (r->conn != NULL && uccn_session_pop_frame(r->session, &b)) {
		cr_assert_eq(uccn_transport_send(r->tr, r->conn, b.data, b.len), UCCN_OK);
		uccn_bytes_finish(&b);
	}
	uccn_bytes_finish(&b);
}

static void raw_open(void *userdata, struct uccn_conn *c, bool incoming) {
	cr_assert_not(incoming);
	raw_send_all(userdata); /* HELLO */
}

static void raw_frame(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	struct test_raw *r = userdata;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	uint64_t now = r->clock(r->clock_arg);
	if (uccn_session_on_frame(r->session, frame, len, now, &payload, &plen) < 0) {
		snprintf(r->told, sizeof(r->told), "%s", uccn_session_error(r->session));
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
	for (size_t i = 0; i < r->nbehind; i++) {
		cr_assert_eq(uccn_session_send(r->session, r->behind[i].data, r->behind[i].len),
			UCCN_OK);
	}
	raw_send_all(r);
}

static void raw_close(void *userdata, struct uccn_conn *c, const char *reason) {
	struct test_raw *r = userdata;
	r->closed = true;
	r->conn = NULL;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

struct uccn_transport_events test_raw_events(struct test_raw *r) {
	return (struct uccn_transport_events){raw_open, raw_frame, raw_close, r};
}

void test_raw_start(
	struct test_raw *r, uint8_t seed, const uint8_t network[UCCN_KEY_BYTES], const char *url) {
	cr_assert_not_null(r->tr);
	cr_assert_not_null(r->clock);
	test_author_init(&r->author, seed);
	struct uccn_session_config cfg = {
		.id = r->author.id, .is_client = true, .kinds = r->kinds, .nkinds = r->nkinds};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	cr_assert_eq(uccn_session_create(&cfg, r->clock(r->clock_arg), &r->session), UCCN_OK);
	cr_assert_eq(uccn_transport_connect(r->tr, url, &r->conn), UCCN_OK);
}

void test_raw_finish(struct test_raw *r) {
	uccn_transport_destroy(r->tr);
	uccn_session_destroy(r->session);
	test_author_finish(&r->author);
	for (size_t i = 0; i < r->nbehind; i++) {
		uccn_bytes_finish(&r->behind[i]);
	}
}
