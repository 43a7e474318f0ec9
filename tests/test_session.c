/* test_session.c - the session of proto/PROTOCOL.md §10: two sessions pumped frame by frame in
 * memory reach established and carry payloads; every handshake refusal closes both sides with a
 * reason; replayed, tampered, dropped, duplicated and reordered frames end the session; cut and
 * oversize frames are refused without a crash; and the worked transcript of §10.7 is replayed
 * byte for byte from the document. */
#include "node/session.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "tests/support.h"

#define DOC UCCN_SOURCE_ROOT "/proto/PROTOCOL.md"
#define T0 1000000 /* the clock when the sessions are created */

static struct test_author client_author, server_author, other_author, root_author;
static uint8_t network[UCCN_KEY_BYTES];
static const char *const client_kinds[] = {"best_practice", "event"};

static void setup(void) {
	test_author_init(&client_author, 1);
	test_author_init(&server_author, 2);
	test_author_init(&root_author, 3);
	test_author_init(&other_author, 5);
	memcpy(network, root_author.pk, UCCN_KEY_BYTES);
}

static void teardown(void) {
	test_author_finish(&client_author);
	test_author_finish(&server_author);
	test_author_finish(&root_author);
	test_author_finish(&other_author);
	test_check_leaks();
}

TestSuite(session, .init = setup, .fini = teardown);

static struct uccn_session_config config(bool is_client, const struct test_author *a) {
	struct uccn_session_config cfg = {.id = a->id, .is_client = is_client};
	memcpy(cfg.network, network, UCCN_KEY_BYTES);
	if (is_client) {
		cfg.kinds = client_kinds;
		cfg.nkinds = 2;
	}
	return cfg;
}

static struct uccn_session *create(const struct uccn_session_config *cfg) {
	struct uccn_session *s = NULL;
	cr_assert_eq(uccn_session_create(cfg, T0, &s), UCCN_OK);
	return s;
}

static struct uccn_session *client_create(void) {
	struct uccn_session_config cfg = config(true, &client_author);
	return create(&cfg);
}

static struct uccn_session *server_create(void) {
	struct uccn_session_config cfg = config(false, &server_author);
	return create(&cfg);
}

/* The next queued frame of s, which must exist. Free with uccn_bytes_finish. */
static struct uccn_bytes take(struct uccn_session *s) {
	struct uccn_bytes f = {0};
	cr_assert(uccn_session_pop_frame(s, &f), "no frame queued");
	return f;
}

/* Feeds len bytes to s from an exact-size copy, so that AddressSanitizer sees any over-read.
 * The payload, if any, is copied to out (when not NULL). */
static int feed_at(struct uccn_session *s, const uint8_t *buf, size_t len, uint64_t now,
	struct uccn_bytes *out) {
	uint8_t *copy = malloc(len > 0 ? len : 1);
	cr_assert_not_null(copy);
	if (len > 0) {
		memcpy(copy, buf, len);
	}
	const uint8_t *payload = (const uint8_t *)"x";
	size_t payload_len = 99;
	int err = uccn_session_on_frame(s, copy, len, now, &payload, &payload_len);
	free(copy);
	if (err < 0 || !uccn_session_is_established(s)) {
		cr_assert_null(payload);
		cr_assert_eq(payload_len, 0);
	}
	if (out != NULL) {
		out->len = 0;
		if (payload != NULL) {
			cr_assert_eq(uccn_bytes_append(out, payload, payload_len), UCCN_OK);
		}
	}
	return err;
}

static int feed(struct uccn_session *s, const struct uccn_bytes *f) {
	return feed_at(s, f->data, f->len, T0 + 1, NULL);
}

/* Moves every frame queued in from into to, in order; returns the first error to returned
 * (UCCN_OK if none), and stops there. */
static int deliver(struct uccn_session *from, struct uccn_session *to) {
	struct uccn_bytes f;
	while (uccn_session_pop_frame(from, &f)) {
		int err = feed(to, &f);
		uccn_bytes_finish(&f);
		if (err < 0) {
			return err;
		}
	}
	return UCCN_OK;
}

/* Runs the handshake of c and s to its end; returns the codes each side last returned. */
static void pump(struct uccn_session *c, struct uccn_session *s, int *cerr, int *serr) {
	*cerr = *serr = UCCN_OK;
	for (int round = 0; round < 8; round++) {
		int e = deliver(c, s);
		*serr = e < 0 ? e : *serr;
		e = deliver(s, c);
		*cerr = e < 0 ? e : *cerr;
	}
}

static void established_pair(struct uccn_session **c, struct uccn_session **s) {
	int cerr, serr;
	*c = client_create();
	*s = server_create();
	pump(*c, *s, &cerr, &serr);
	cr_assert_eq(cerr, UCCN_OK, "client: %s", uccn_session_error(*c));
	cr_assert_eq(serr, UCCN_OK, "server: %s", uccn_session_error(*s));
	cr_assert(uccn_session_is_established(*c));
	cr_assert(uccn_session_is_established(*s));
}

static void assert_closed(const struct uccn_session *s, const char *reason) {
	cr_assert(uccn_session_is_closed(s));
	cr_assert_not(uccn_session_is_established(s));
	cr_assert_not_null(strstr(uccn_session_error(s), reason), "\"%s\" does not say \"%s\"",
		uccn_session_error(s), reason);
	cr_assert_eq(uccn_session_next_deadline(s), UINT64_MAX);
}

/* The ERROR frame s queued last, decoded; its frame is left in f (caller finishes it). */
static void take_error(struct uccn_session *s, struct uccn_bytes *f, struct uccn_session_msg *m) {
	*f = take(s);
	cr_assert_eq(uccn_codec_decode_session(f->data, f->len, m, NULL, 0), UCCN_OK);
	cr_assert_eq(m->type, UCCN_SESSION_ERROR);
}

/* ---------------------------------------------------------------------------------------- */
/* The handshake */

Test(session, handshake_establishes_both_sides_with_each_others_keys_and_kinds) {
	struct uccn_session *c = client_create();
	struct uccn_session *s = server_create();
	cr_assert_eq(uccn_session_next_deadline(c), T0 + UCCN_SESSION_HANDSHAKE_TIMEOUT_MS);
	cr_assert_eq(uccn_session_next_deadline(s), T0 + UCCN_SESSION_HANDSHAKE_TIMEOUT_MS);
	cr_assert_str_eq(uccn_session_error(c), "");
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(cerr, UCCN_OK, "%s", uccn_session_error(c));
	cr_assert_eq(serr, UCCN_OK, "%s", uccn_session_error(s));
	cr_assert(uccn_session_is_established(c));
	cr_assert(uccn_session_is_established(s));
	cr_assert_not(uccn_session_is_closed(c));
	cr_assert_eq(uccn_session_next_deadline(c), UINT64_MAX);
	cr_assert_eq(uccn_session_next_deadline(s), UINT64_MAX);
	cr_assert_str_eq(uccn_session_error(s), "");

	uint8_t key[UCCN_KEY_BYTES];
	uccn_session_peer(c, key);
	cr_assert_eq(memcmp(key, server_author.pk, UCCN_KEY_BYTES), 0);
	uccn_session_peer(s, key);
	cr_assert_eq(memcmp(key, client_author.pk, UCCN_KEY_BYTES), 0);
	const char *const *kinds = NULL;
	cr_assert_eq(uccn_session_peer_kinds(s, &kinds), 2);
	cr_assert_str_eq(kinds[0], "best_practice");
	cr_assert_str_eq(kinds[1], "event");
	cr_assert_eq(uccn_session_peer_kinds(c, &kinds), 0);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, payloads_flow_both_ways_including_an_empty_one) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	struct uccn_bytes got = {0};
	cr_assert_eq(uccn_session_send(c, (const uint8_t *)"to the server", 13), UCCN_OK);
	struct uccn_bytes f = take(c);
	cr_assert_eq(f.len, 13 + UCCN_CHANNEL_TAG_BYTES);
	cr_assert_eq(feed_at(s, f.data, f.len, T0 + 1, &got), UCCN_OK);
	cr_assert_eq(got.len, 13);
	cr_assert_eq(memcmp(got.data, "to the server", 13), 0);
	uccn_bytes_finish(&f);

	cr_assert_eq(uccn_session_send(s, (const uint8_t *)"to the client", 13), UCCN_OK);
	cr_assert_eq(uccn_session_send(s, NULL, 0), UCCN_OK);
	f = take(s);
	cr_assert_eq(feed_at(c, f.data, f.len, T0 + 1, &got), UCCN_OK);
	cr_assert_eq(memcmp(got.data, "to the client", 13), 0);
	uccn_bytes_finish(&f);
	f = take(s);
	cr_assert_eq(f.len, UCCN_CHANNEL_TAG_BYTES);
	cr_assert_eq(feed_at(c, f.data, f.len, T0 + 1, &got), UCCN_OK);
	cr_assert_eq(got.len, 0);
	uccn_bytes_finish(&f);
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, client_may_send_right_after_auth) {
	struct uccn_session *c = client_create();
	struct uccn_session *s = server_create();
	cr_assert_eq(uccn_session_send(c, (const uint8_t *)"early", 5), UCCN_EAGAIN);
	cr_assert_eq(deliver(c, s), UCCN_OK); /* HELLO */
	cr_assert_eq(uccn_session_send(s, (const uint8_t *)"early", 5), UCCN_EAGAIN);
	cr_assert_eq(deliver(s, c), UCCN_OK); /* WELCOME */
	cr_assert(uccn_session_is_established(c));
	cr_assert_not(uccn_session_is_established(s));
	cr_assert_eq(uccn_session_send(c, (const uint8_t *)"early", 5), UCCN_OK);
	struct uccn_bytes auth = take(c), data = take(c), got = {0};
	cr_assert_eq(feed(s, &auth), UCCN_OK);
	cr_assert(uccn_session_is_established(s));
	cr_assert_eq(feed_at(s, data.data, data.len, T0 + 1, &got), UCCN_OK);
	cr_assert_eq(got.len, 5);
	cr_assert_eq(memcmp(got.data, "early", 5), 0);
	uccn_bytes_finish(&auth);
	uccn_bytes_finish(&data);
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, ten_thousand_payloads_each_way_round_trip) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	struct uccn_bytes got = {0}, f;
	for (uint32_t i = 0; i < 10000; i++) {
		uint8_t msg[64];
		size_t len = (size_t)(i % 60) + 4;
		for (size_t j = 0; j < len; j++) {
			msg[j] = (uint8_t)(i * 31 + j);
		}
		/* Both directions at once, and batches queued before delivery. */
		cr_assert_eq(uccn_session_send(c, msg, len), UCCN_OK);
		cr_assert_eq(uccn_session_send(s, msg, len), UCCN_OK);
		if (i % 7 != 6) {
			continue;
		}
		for (int side = 0; side < 2; side++) {
			struct uccn_session *from = side == 0 ? c : s, *to = side == 0 ? s : c;
			for (uint32_t k = i - 6; k <= i; k++) {
				cr_assert(uccn_session_pop_frame(from, &f));
				cr_assert_eq(feed_at(to, f.data, f.len, T0 + 1, &got), UCCN_OK,
					"%s", uccn_session_error(to));
				uccn_bytes_finish(&f);
				size_t want = (size_t)(k % 60) + 4;
				cr_assert_eq(got.len, want);
				for (size_t j = 0; j < want; j++) {
					cr_assert_eq(got.data[j], (uint8_t)(k * 31 + j));
				}
			}
		}
	}
	/* 10000 = 1428 * 7 + 4: the last 4 each way are still queued. */
	for (int side = 0; side < 2; side++) {
		struct uccn_session *from = side == 0 ? c : s, *to = side == 0 ? s : c;
		for (uint32_t k = 9996; k < 10000; k++) {
			cr_assert(uccn_session_pop_frame(from, &f));
			cr_assert_eq(feed_at(to, f.data, f.len, T0 + 1, &got), UCCN_OK);
			cr_assert_eq(got.len, (size_t)(k % 60) + 4);
			uccn_bytes_finish(&f);
		}
		cr_assert_not(uccn_session_pop_frame(from, &f));
	}
	cr_assert(uccn_session_is_established(c));
	cr_assert(uccn_session_is_established(s));
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_largest_payload_fits_and_one_byte_more_is_refused) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	uint8_t *big = calloc(1, UCCN_SESSION_PAYLOAD_MAX + 1);
	cr_assert_not_null(big);
	big[UCCN_SESSION_PAYLOAD_MAX - 1] = 7;
	cr_assert_eq(uccn_session_send(c, big, UCCN_SESSION_PAYLOAD_MAX + 1), UCCN_EINVAL);
	cr_assert(uccn_session_is_established(c));
	cr_assert_eq(uccn_session_send(c, big, UCCN_SESSION_PAYLOAD_MAX), UCCN_OK);
	struct uccn_bytes f = take(c), got = {0};
	cr_assert_eq(f.len, UCCN_FRAME_MAX);
	cr_assert_eq(feed_at(s, f.data, f.len, T0 + 1, &got), UCCN_OK);
	cr_assert_eq(got.len, UCCN_SESSION_PAYLOAD_MAX);
	cr_assert_eq(got.data[UCCN_SESSION_PAYLOAD_MAX - 1], 7);
	free(big);
	uccn_bytes_finish(&f);
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

/* ---------------------------------------------------------------------------------------- */
/* Handshake refusals */

Test(session, another_network_closes_both_sides) {
	struct uccn_session_config scfg = config(false, &server_author);
	memset(scfg.network, 0x4e, UCCN_KEY_BYTES);
	struct uccn_session *c = client_create();
	struct uccn_session *s = create(&scfg);
	struct uccn_bytes hello = take(c);
	cr_assert_eq(feed(s, &hello), UCCN_ENETWORK);
	assert_closed(s, "another network");
	/* The server answers with an ERROR only, and nothing that would let the handshake go on. */
	struct uccn_bytes f;
	struct uccn_session_msg m;
	take_error(s, &f, &m);
	cr_assert_eq(m.code, (uint64_t)-UCCN_ENETWORK);
	struct uccn_bytes none;
	cr_assert_not(uccn_session_pop_frame(s, &none));
	cr_assert_eq(feed(c, &f), UCCN_ECLOSED);
	assert_closed(c, "another network");
	cr_assert_not(uccn_session_pop_frame(c, &none)); /* no answer to an ERROR */
	uccn_bytes_finish(&f);
	uccn_bytes_finish(&hello);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, client_refuses_a_welcome_from_another_network) {
	/* A server of network N answering a client of N; its WELCOME reaches a client of ours. */
	struct uccn_session_config ccfg = config(true, &other_author);
	struct uccn_session_config scfg = config(false, &server_author);
	memset(ccfg.network, 0x4e, UCCN_KEY_BYTES);
	memset(scfg.network, 0x4e, UCCN_KEY_BYTES);
	struct uccn_session *theirs = create(&ccfg), *s = create(&scfg), *c = client_create();
	cr_assert_eq(deliver(theirs, s), UCCN_OK);
	struct uccn_bytes welcome = take(s), f = take(c); /* c's HELLO, not sent */
	uccn_bytes_finish(&f);
	cr_assert_eq(feed(c, &welcome), UCCN_ENETWORK);
	assert_closed(c, "another network");
	struct uccn_session_msg m;
	take_error(c, &f, &m);
	cr_assert_eq(m.code, (uint64_t)-UCCN_ENETWORK);
	uccn_bytes_finish(&f);
	uccn_bytes_finish(&welcome);
	uccn_session_destroy(theirs);
	uccn_session_destroy(s);
	uccn_session_destroy(c);
}

Test(session, client_pinning_another_key_refuses_the_server) {
	struct uccn_session_config ccfg = config(true, &client_author);
	ccfg.pinned = other_author.pk;
	struct uccn_session *c = create(&ccfg), *s = server_create();
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(cerr, UCCN_EPERM);
	cr_assert_eq(serr, UCCN_ECLOSED);
	assert_closed(c, "pinned");
	assert_closed(s, "pinned");
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, server_pinning_another_key_refuses_the_client) {
	struct uccn_session_config scfg = config(false, &server_author);
	scfg.pinned = other_author.pk;
	struct uccn_session *c = client_create(), *s = create(&scfg);
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(serr, UCCN_EPERM);
	cr_assert_eq(cerr, UCCN_ECLOSED);
	assert_closed(s, "pinned");
	assert_closed(c, "pinned");
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, pinning_the_right_keys_establishes) {
	struct uccn_session_config ccfg = config(true, &client_author);
	struct uccn_session_config scfg = config(false, &server_author);
	ccfg.pinned = server_author.pk;
	scfg.pinned = client_author.pk;
	struct uccn_session *c = create(&ccfg), *s = create(&scfg);
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(cerr, UCCN_OK);
	cr_assert_eq(serr, UCCN_OK);
	cr_assert(uccn_session_is_established(c));
	cr_assert(uccn_session_is_established(s));
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, talking_to_oneself_is_refused) {
	struct uccn_session_config ccfg = config(true, &server_author);
	struct uccn_session *c = create(&ccfg), *s = server_create();
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(serr, UCCN_EPERM);
	cr_assert_eq(cerr, UCCN_ECLOSED);
	assert_closed(s, "ourselves");
	assert_closed(c, "ourselves");
	uccn_session_destroy(c);
	uccn_session_destroy(s);

	/* The client checks too: a WELCOME carrying the client's own key. */
	struct uccn_session *other = client_create();
	s = server_create();
	c = create(&ccfg);
	cr_assert_eq(deliver(other, s), UCCN_OK);
	struct uccn_bytes welcome = take(s);
	cr_assert_eq(feed(c, &welcome), UCCN_EPERM);
	assert_closed(c, "ourselves");
	uccn_bytes_finish(&welcome);
	uccn_session_destroy(other);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_flipped_bit_in_the_welcome_signature_closes_both) {
	struct uccn_session *c = client_create(), *s = server_create();
	cr_assert_eq(deliver(c, s), UCCN_OK);
	struct uccn_bytes welcome = take(s);
	welcome.data[welcome.len - 10] ^= 0x04;
	cr_assert_eq(feed(c, &welcome), UCCN_EBADSIG);
	assert_closed(c, "signature");
	cr_assert_eq(deliver(c, s), UCCN_ECLOSED);
	assert_closed(s, "signature");
	uccn_bytes_finish(&welcome);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_flipped_bit_in_any_signed_welcome_byte_fails_the_signature) {
	/* The signature covers every element: change a nonce, a kind, the server's kx key. */
	struct uccn_session *c0 = client_create(), *s = server_create();
	cr_assert_eq(deliver(c0, s), UCCN_OK);
	struct uccn_bytes welcome = take(s);
	/* Offsets in the WELCOME of §10.3: kx key at 85, nonce at 119. */
	size_t offsets[] = {90, 125};
	for (size_t i = 0; i < 2; i++) {
		struct uccn_session *c = client_create();
		struct uccn_bytes hello = take(c);
		uccn_bytes_finish(&hello);
		welcome.data[offsets[i]] ^= 0x01;
		cr_assert_eq(feed(c, &welcome), UCCN_EBADSIG);
		welcome.data[offsets[i]] ^= 0x01;
		uccn_session_destroy(c);
	}
	uccn_bytes_finish(&welcome);
	uccn_session_destroy(c0);
	uccn_session_destroy(s);
}

Test(session, a_flipped_bit_in_the_auth_signature_closes_both) {
	struct uccn_session *c = client_create(), *s = server_create();
	cr_assert_eq(deliver(c, s), UCCN_OK);
	cr_assert_eq(deliver(s, c), UCCN_OK);
	cr_assert(uccn_session_is_established(c));
	struct uccn_bytes auth = take(c);
	auth.data[auth.len - 1] ^= 0x80;
	cr_assert_eq(feed(s, &auth), UCCN_EBADSIG);
	assert_closed(s, "client's signature");
	/* The established client reads the plaintext ERROR in place of the first sealed frame. */
	cr_assert_eq(deliver(s, c), UCCN_ECLOSED);
	assert_closed(c, "client's signature");
	uccn_bytes_finish(&auth);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, an_auth_replayed_from_an_earlier_session_fails) {
	struct uccn_session *c1, *s1;
	struct uccn_session *c1b = client_create(), *s1b = server_create();
	/* Record the AUTH of a complete session between the same two nodes. */
	cr_assert_eq(deliver(c1b, s1b), UCCN_OK);
	cr_assert_eq(deliver(s1b, c1b), UCCN_OK);
	struct uccn_bytes recorded = take(c1b);
	cr_assert_eq(feed(s1b, &recorded), UCCN_OK);
	cr_assert(uccn_session_is_established(s1b));

	/* A new session: the server's nonce and ephemeral key are new, so the old AUTH fails. */
	c1 = client_create();
	s1 = server_create();
	cr_assert_eq(deliver(c1, s1), UCCN_OK);
	cr_assert_eq(feed(s1, &recorded), UCCN_EBADSIG);
	assert_closed(s1, "signature");
	uccn_bytes_finish(&recorded);
	uccn_session_destroy(c1);
	uccn_session_destroy(s1);
	uccn_session_destroy(c1b);
	uccn_session_destroy(s1b);
}

Test(session, a_welcome_replayed_from_an_earlier_session_fails) {
	struct uccn_session *c1 = client_create(), *s1 = server_create();
	cr_assert_eq(deliver(c1, s1), UCCN_OK);
	struct uccn_bytes recorded = take(s1);
	struct uccn_session *c2 = client_create();
	cr_assert_eq(feed(c2, &recorded), UCCN_EBADSIG);
	assert_closed(c2, "server's signature");
	uccn_bytes_finish(&recorded);
	uccn_session_destroy(c1);
	uccn_session_destroy(s1);
	uccn_session_destroy(c2);
}

Test(session, a_hello_replayed_gets_a_welcome_but_nothing_more) {
	/* Replaying a HELLO makes a server answer; without the client's key, no AUTH can follow. */
	struct uccn_session *c = client_create(), *s1 = server_create(), *s2 = server_create();
	struct uccn_bytes hello = take(c);
	cr_assert_eq(feed(s1, &hello), UCCN_OK);
	cr_assert_eq(feed(s2, &hello), UCCN_OK);
	struct uccn_bytes w1 = take(s1), w2 = take(s2);
	cr_assert_eq(feed(c, &w1), UCCN_OK);
	struct uccn_bytes auth = take(c);
	cr_assert_eq(feed(s1, &auth), UCCN_OK);
	cr_assert_eq(feed(s2, &auth), UCCN_EBADSIG); /* s2's transcript has its own nonce */
	uccn_bytes_finish(&hello);
	uccn_bytes_finish(&w1);
	uccn_bytes_finish(&w2);
	uccn_bytes_finish(&auth);
	uccn_session_destroy(c);
	uccn_session_destroy(s1);
	uccn_session_destroy(s2);
}

Test(session, an_unexpected_message_is_refused) {
	struct uccn_session *c = client_create(), *s = server_create(), *s2 = server_create();
	struct uccn_bytes hello = take(c);
	cr_assert_eq(feed(c, &hello), UCCN_EPROTO); /* a client never receives a HELLO */
	assert_closed(c, "expected WELCOME, got HELLO");
	cr_assert_eq(feed(s, &hello), UCCN_OK);
	cr_assert_eq(feed(s, &hello), UCCN_EPROTO); /* nor a server a second one */
	assert_closed(s, "expected AUTH, got HELLO");
	struct uccn_bytes welcome = take(s);
	cr_assert_eq(feed(s2, &welcome), UCCN_EPROTO);
	assert_closed(s2, "expected HELLO, got WELCOME");
	uccn_bytes_finish(&hello);
	uccn_bytes_finish(&welcome);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
	uccn_session_destroy(s2);
}

Test(session, another_version_is_refused_by_its_version) {
	struct uccn_session *c = client_create(), *s = server_create();
	struct uccn_bytes hello = take(c);
	cr_assert_eq(hello.data[12], 0x01); /* the version, after 0x97 and the 11-byte magic */
	hello.data[12] = 0x02;
	cr_assert_eq(feed(s, &hello), UCCN_EPROTO);
	assert_closed(s, "unsupported session version 2");
	/* A version 2 HELLO may have another shape: an array of 2 is enough to say which. */
	static const uint8_t short_v2[] = {
		0x92, 0xaa, 'u', 'c', 'c', 'n', '-', 'h', 'e', 'l', 'l', 'o', 0x02};
	struct uccn_session *s2 = server_create();
	cr_assert_eq(feed_at(s2, short_v2, sizeof(short_v2), T0 + 1, NULL), UCCN_EPROTO);
	assert_closed(s2, "unsupported session version 2");
	uccn_bytes_finish(&hello);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
	uccn_session_destroy(s2);
}

Test(session, an_unusable_key_exchange_key_is_refused) {
	struct uccn_session *c = client_create(), *s = server_create();
	struct uccn_bytes hello = take(c);
	/* The client's kx key: after 0x97, the magic (11), version (1), network and node key
	 * (34 each) and its own bin header (2). All zero is a low-order point. */
	memset(hello.data + 83, 0, UCCN_KEY_BYTES);
	cr_assert_eq(feed(s, &hello), UCCN_EPROTO);
	assert_closed(s, "key exchange key is unusable");
	uccn_bytes_finish(&hello);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_peer_reason_reaches_us_printable_only) {
	struct uccn_session *s = server_create();
	struct uccn_session_msg m = {.type = UCCN_SESSION_ERROR,
		.code = 1,
		.reason = "going\naway\x1b[31m",
		.reason_len = 15};
	struct uccn_bytes f = {0};
	cr_assert_eq(uccn_codec_encode_session(&m, &f), UCCN_OK);
	cr_assert_eq(feed(s, &f), UCCN_ECLOSED);
	cr_assert_str_eq(uccn_session_error(s), "the peer ended the session: going?away?[31m");
	cr_assert_not(uccn_session_pop_frame(s, &f)); /* no ERROR for an ERROR */
	uccn_bytes_finish(&f);
	uccn_session_destroy(s);
}

Test(session, handshake_times_out_on_the_timer) {
	struct uccn_session_config ccfg = config(true, &client_author);
	ccfg.handshake_timeout_ms = 5000;
	struct uccn_session *c = NULL, *s = NULL;
	cr_assert_eq(uccn_session_create(&ccfg, 1000, &c), UCCN_OK);
	cr_assert_eq(uccn_session_next_deadline(c), 6000);
	cr_assert_eq(uccn_session_on_timer(c, 5999), UCCN_OK);
	cr_assert_not(uccn_session_is_closed(c));
	cr_assert_eq(uccn_session_on_timer(c, 6000), UCCN_ETIMEDOUT);
	assert_closed(c, "within 5000 ms");
	cr_assert_eq(uccn_session_on_timer(c, 7000), UCCN_ECLOSED);
	struct uccn_bytes f;
	struct uccn_session_msg m;
	struct uccn_bytes hello = take(c);
	take_error(c, &f, &m);
	cr_assert_eq(m.code, (uint64_t)-UCCN_ETIMEDOUT);
	uccn_bytes_finish(&f);
	uccn_bytes_finish(&hello);

	/* A server waiting for AUTH; the default timeout is 10 s. */
	uccn_session_destroy(c);
	c = client_create();
	s = server_create();
	cr_assert_eq(deliver(c, s), UCCN_OK);
	cr_assert_eq(uccn_session_on_timer(s, T0 + 9999), UCCN_OK);
	cr_assert_eq(uccn_session_on_timer(s, T0 + 10000), UCCN_ETIMEDOUT);
	assert_closed(s, "handshake not completed");
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_frame_after_the_deadline_does_not_complete_the_handshake) {
	struct uccn_session *c = client_create(), *s = server_create();
	struct uccn_bytes hello = take(c);
	cr_assert_eq(feed_at(s, hello.data, hello.len, T0 + 10000, NULL), UCCN_ETIMEDOUT);
	assert_closed(s, "handshake not completed");
	uccn_bytes_finish(&hello);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, the_timer_does_nothing_once_established) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	cr_assert_eq(uccn_session_on_timer(c, UINT64_MAX), UCCN_OK);
	cr_assert_eq(uccn_session_on_timer(s, UINT64_MAX), UCCN_OK);
	cr_assert(uccn_session_is_established(c));
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

/* ---------------------------------------------------------------------------------------- */
/* Attacks on the established channel */

/* Three sealed frames from the client, popped. */
static void three_frames(struct uccn_session *c, struct uccn_bytes f[3]) {
	for (int i = 0; i < 3; i++) {
		uint8_t msg[2] = {'m', (uint8_t)('0' + i)};
		cr_assert_eq(uccn_session_send(c, msg, sizeof(msg)), UCCN_OK);
		f[i] = take(c);
	}
}

static void channel_attack(const int order[], size_t n, bool tamper) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	struct uccn_bytes f[3], got = {0};
	three_frames(c, f);
	if (tamper) {
		f[1].data[0] ^= 0x01;
	}
	int err = UCCN_OK;
	for (size_t i = 0; i < n && err == UCCN_OK; i++) {
		err = feed_at(s, f[order[i]].data, f[order[i]].len, T0 + 1, &got);
		if (err == UCCN_OK) {
			cr_assert_eq(got.data[1], '0' + order[i]);
		}
	}
	cr_assert_eq(err, UCCN_EBADSIG);
	assert_closed(s, "failed authentication");
	/* The server tells the client why, sealed (§10.5), and nothing after that. */
	struct uccn_bytes told = take(s);
	cr_assert_not(uccn_session_pop_frame(s, &got));
	cr_assert_eq(feed_at(c, told.data, told.len, T0 + 1, NULL), UCCN_ECLOSED);
	assert_closed(c, "the peer ended the session: frame");
	assert_closed(c, "failed authentication");
	uccn_bytes_finish(&told);
	cr_assert_eq(feed_at(s, f[2].data, f[2].len, T0 + 1, &got), UCCN_ECLOSED);
	cr_assert_eq(uccn_session_send(s, (const uint8_t *)"x", 1), UCCN_ECLOSED);
	for (int i = 0; i < 3; i++) {
		uccn_bytes_finish(&f[i]);
	}
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_tampered_frame_closes) {
	static const int order[] = {0, 1, 2};
	channel_attack(order, 3, true);
}

Test(session, a_dropped_frame_closes) {
	static const int order[] = {0, 2};
	channel_attack(order, 2, false);
}

Test(session, a_duplicated_frame_closes) {
	static const int order[] = {0, 1, 1, 2};
	channel_attack(order, 4, false);
}

Test(session, reordered_frames_close) {
	static const int order[] = {0, 2, 1};
	channel_attack(order, 3, false);
}

Test(session, a_frame_replayed_into_another_session_closes) {
	struct uccn_session *c1, *s1, *c2, *s2;
	established_pair(&c1, &s1);
	established_pair(&c2, &s2);
	cr_assert_eq(uccn_session_send(c1, (const uint8_t *)"one", 3), UCCN_OK);
	struct uccn_bytes f = take(c1);
	cr_assert_eq(feed(s2, &f), UCCN_EBADSIG);
	/* A client's first sealed frame from the server is not mistaken for an ERROR. */
	cr_assert_eq(feed(c2, &f), UCCN_EBADSIG);
	assert_closed(c2, "failed authentication");
	uccn_bytes_finish(&f);
	uccn_session_destroy(c1);
	uccn_session_destroy(s1);
	uccn_session_destroy(c2);
	uccn_session_destroy(s2);
}

Test(session, short_frames_close_an_established_session) {
	for (size_t len = 0; len <= UCCN_CHANNEL_TAG_BYTES; len++) {
		struct uccn_session *c, *s;
		established_pair(&c, &s);
		uint8_t zeros[UCCN_CHANNEL_TAG_BYTES + 1] = {0};
		cr_assert_eq(feed_at(s, zeros, len, T0 + 1, NULL), UCCN_EBADSIG);
		cr_assert(uccn_session_is_closed(s));
		uccn_session_destroy(c);
		uccn_session_destroy(s);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Cut and oversize frames */

/* Feeds every proper prefix of f, the handshake frame of the given stage (0 HELLO, 1 WELCOME,
 * 2 AUTH), to a fresh session brought to that stage; each must close it with UCCN_EPROTO and
 * an ERROR. */
static void every_cut(const struct uccn_bytes *f, int stage) {
	for (size_t len = 0; len < f->len; len++) {
		struct uccn_session *c = client_create(), *s = server_create(), *target = s;
		if (stage >= 1) {
			cr_assert_eq(deliver(c, s), UCCN_OK);
			target = c;
		}
		if (stage >= 2) {
			cr_assert_eq(deliver(s, c), UCCN_OK);
			struct uccn_bytes auth = take(c);
			uccn_bytes_finish(&auth);
			target = s;
		}
		cr_assert_eq(feed_at(target, f->data, len, T0 + 1, NULL), UCCN_EPROTO,
			"cut at %zu of %zu", len, f->len);
		assert_closed(target, "malformed");
		struct uccn_bytes e;
		struct uccn_session_msg m;
		take_error(target, &e, &m);
		cr_assert_eq(m.code, (uint64_t)-UCCN_EPROTO);
		uccn_bytes_finish(&e);
		uccn_session_destroy(c);
		uccn_session_destroy(s);
	}
}

Test(session, every_cut_of_each_handshake_frame_is_malformed) {
	struct uccn_session *c = client_create(), *s = server_create();
	struct uccn_bytes hello = take(c);
	cr_assert_eq(feed(s, &hello), UCCN_OK);
	struct uccn_bytes welcome = take(s);
	cr_assert_eq(feed(c, &welcome), UCCN_OK);
	struct uccn_bytes auth = take(c);
	every_cut(&hello, 0);
	every_cut(&welcome, 1);
	every_cut(&auth, 2);
	uccn_bytes_finish(&hello);
	uccn_bytes_finish(&welcome);
	uccn_bytes_finish(&auth);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, an_oversize_frame_is_refused_during_and_after_the_handshake) {
	uint8_t *big = calloc(1, UCCN_FRAME_MAX + 1);
	cr_assert_not_null(big);
	struct uccn_session *s = server_create();
	cr_assert_eq(feed_at(s, big, UCCN_FRAME_MAX + 1, T0 + 1, NULL), UCCN_EPROTO);
	assert_closed(s, "more than 1048576");
	uccn_session_destroy(s);

	/* A handshake frame is far smaller than UCCN_FRAME_MAX. */
	s = server_create();
	cr_assert_eq(feed_at(s, big, UCCN_SESSION_HANDSHAKE_MAX + 1, T0 + 1, NULL), UCCN_EPROTO);
	assert_closed(s, "malformed HELLO");
	uccn_session_destroy(s);

	struct uccn_session *c;
	established_pair(&c, &s);
	cr_assert_eq(feed_at(s, big, UCCN_FRAME_MAX + 1, T0 + 1, NULL), UCCN_EPROTO);
	assert_closed(s, "more than 1048576");
	free(big);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, garbage_handshake_frames_are_malformed) {
	static const uint8_t *const frames[] = {
		(const uint8_t *)"\xc1",                       /* never used in msgpack */
		(const uint8_t *)"\x91\xaauccn-hello",         /* too short */
		(const uint8_t *)"\x92\xa4nope\x01",           /* unknown message */
		(const uint8_t *)"\xdd\xff\xff\xff\xff",       /* an array of 4 billion */
		(const uint8_t *)"\x92\xa9uccn-auth\xc4\x01x", /* a 1-byte signature */
	};
	static const size_t lens[] = {1, 12, 7, 5, 14};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct uccn_session *s = server_create();
		cr_assert_eq(
			feed_at(s, frames[i], lens[i], T0 + 1, NULL), UCCN_EPROTO, "frame %zu", i);
		assert_closed(s, "malformed HELLO");
		uccn_session_destroy(s);
	}
}

Test(session, bad_kinds_in_the_config_are_refused) {
	static const char *const bad[] = {"Event"};
	static const char *const too_long[] = {"abcdefghijklmnopqrstuvwx"};
	const char *many[UCCN_SESSION_KINDS_MAX + 1];
	for (size_t i = 0; i <= UCCN_SESSION_KINDS_MAX; i++) {
		many[i] = "event";
	}
	struct uccn_session_config cfgs[3] = {config(true, &client_author),
		config(false, &server_author), config(true, &client_author)};
	cfgs[0].kinds = bad;
	cfgs[0].nkinds = 1;
	cfgs[1].kinds = too_long;
	cfgs[1].nkinds = 1;
	cfgs[2].kinds = many;
	cfgs[2].nkinds = UCCN_SESSION_KINDS_MAX + 1;
	for (int i = 0; i < 3; i++) {
		struct uccn_session *s = NULL;
		cr_assert_eq(uccn_session_create(&cfgs[i], T0, &s), UCCN_EINVAL, "config %d", i);
		cr_assert_null(s);
	}
	/* The server's kinds too reach the client. */
	cfgs[2].nkinds = UCCN_SESSION_KINDS_MAX;
	struct uccn_session_config scfg = config(false, &server_author);
	scfg.kinds = many;
	scfg.nkinds = UCCN_SESSION_KINDS_MAX;
	struct uccn_session *c = create(&cfgs[2]), *s = create(&scfg);
	int cerr, serr;
	pump(c, s, &cerr, &serr);
	cr_assert_eq(cerr, UCCN_OK);
	const char *const *kinds;
	cr_assert_eq(uccn_session_peer_kinds(c, &kinds), UCCN_SESSION_KINDS_MAX);
	cr_assert_str_eq(kinds[UCCN_SESSION_KINDS_MAX - 1], "event");
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

/* ---------------------------------------------------------------------------------------- */
/* The worked transcript of PROTOCOL.md §10.7 */

static char *read_doc(void) {
	return test_read_file(DOC);
}

/* The bytes of the hex block labelled label inside the <!-- session-transcript --> section:
 * the first code fence after the line that starts with label. Returns them in an exact-size
 * buffer (caller frees *out) and their count. */
static size_t transcript_hex(const char *doc, const char *label, uint8_t **out) {
	const char *open = "<!-- session-transcript -->\n";
	const char *start = strstr(doc, open);
	cr_assert_not_null(start, "no %s in the document", open);
	const char *end = strstr(start, "<!-- /session-transcript -->");
	cr_assert_not_null(end, "the transcript section is not closed");
	char line_start[64];
	snprintf(line_start, sizeof(line_start), "\n%s ", label);
	const char *at = strstr(start, line_start);
	cr_assert(at != NULL && at < end, "no block labelled %s", label);
	const char *fence = strstr(at, "\n```\n");
	cr_assert(fence != NULL && fence < end, "no code block after %s", label);
	const char *p = fence + 5;
	const char *stop = strstr(p, "```");
	cr_assert(stop != NULL && stop < end, "the block of %s is not closed", label);
	uint8_t *tmp = malloc((size_t)(stop - p) / 2 + 1);
	cr_assert_not_null(tmp);
	size_t n = 0;
	for (; p < stop; p++) {
		if (*p == ' ' || *p == '\n') {
			continue;
		}
		cr_assert(test_hex_digit(p[0]) >= 0 && p + 1 < stop && test_hex_digit(p[1]) >= 0,
			"not hex in the block of %s", label);
		tmp[n++] = (uint8_t)(test_hex_digit(p[0]) << 4 | test_hex_digit(p[1]));
		p++;
	}
	*out = malloc(n > 0 ? n : 1);
	cr_assert_not_null(*out);
	memcpy(*out, tmp, n);
	free(tmp);
	return n;
}

/* The seeded sessions of §10.7. */
static struct uccn_session *transcript_session(bool is_client) {
	uint8_t kx_seed[UCCN_KX_SEED_BYTES], nonce[UCCN_KEY_BYTES];
	memset(kx_seed, is_client ? 0x11 : 0x12, sizeof(kx_seed));
	memset(nonce, is_client ? 0x21 : 0x22, sizeof(nonce));
	struct uccn_session_config cfg =
		config(is_client, is_client ? &client_author : &server_author);
	struct uccn_session *s = NULL;
	cr_assert_eq(uccn_session_create_seeded(&cfg, 0, kx_seed, nonce, &s), UCCN_OK);
	return s;
}

static void assert_frame(
	struct uccn_session *s, const uint8_t *want, size_t len, const char *what) {
	struct uccn_bytes f = take(s);
	cr_assert_eq(f.len, len, "%s: %zu bytes, the document has %zu", what, f.len, len);
	for (size_t i = 0; i < len; i++) {
		cr_assert_eq(
			f.data[i], want[i], "%s differs from the document at byte %zu", what, i);
	}
	uccn_bytes_finish(&f);
}

Test(session, worked_transcript_replays_byte_for_byte) {
	char *doc = read_doc();
	uint8_t *hello, *welcome, *auth, *data, *th_doc, *keys;
	size_t hello_len = transcript_hex(doc, "HELLO", &hello);
	size_t welcome_len = transcript_hex(doc, "WELCOME", &welcome);
	size_t auth_len = transcript_hex(doc, "AUTH", &auth);
	size_t data_len = transcript_hex(doc, "Frame 0", &data);
	cr_assert_eq(transcript_hex(doc, "Transcript hash", &th_doc), UCCN_HASH_BYTES);
	cr_assert_eq(transcript_hex(doc, "Node keys", &keys), 3 * UCCN_KEY_BYTES);
	free(doc);
	cr_assert_eq(memcmp(keys, network, UCCN_KEY_BYTES), 0, "network");
	cr_assert_eq(memcmp(keys + 32, client_author.pk, UCCN_KEY_BYTES), 0, "client key");
	cr_assert_eq(memcmp(keys + 64, server_author.pk, UCCN_KEY_BYTES), 0, "server key");

	struct uccn_session *c = transcript_session(true), *s = transcript_session(false);
	assert_frame(c, hello, hello_len, "HELLO");
	cr_assert_eq(feed_at(s, hello, hello_len, 1, NULL), UCCN_OK, "%s", uccn_session_error(s));
	assert_frame(s, welcome, welcome_len, "WELCOME");
	cr_assert_eq(
		feed_at(c, welcome, welcome_len, 2, NULL), UCCN_OK, "%s", uccn_session_error(c));
	assert_frame(c, auth, auth_len, "AUTH");
	cr_assert(uccn_session_is_established(c));
	static const uint8_t payload[] = {0x92, 0x01, 0x90}; /* [1, []] */
	cr_assert_eq(uccn_session_send(c, payload, sizeof(payload)), UCCN_OK);
	assert_frame(c, data, data_len, "frame 0");
	cr_assert_eq(feed_at(s, auth, auth_len, 3, NULL), UCCN_OK, "%s", uccn_session_error(s));
	cr_assert(uccn_session_is_established(s));
	struct uccn_bytes got = {0};
	cr_assert_eq(feed_at(s, data, data_len, 4, &got), UCCN_OK, "%s", uccn_session_error(s));
	cr_assert_eq(got.len, sizeof(payload));
	cr_assert_eq(memcmp(got.data, payload, sizeof(payload)), 0);

	/* th and both signatures, recomputed from the documented frames alone as §10.3 says. */
	struct uccn_hash_state h;
	uint8_t th[UCCN_HASH_BYTES], tail = 0x97;
	uccn_crypto_hash_init(&h);
	uccn_crypto_hash_update(&h, (const uint8_t *)"uccn-session-v1", 15);
	uccn_crypto_hash_update(&h, hello, hello_len);
	uccn_crypto_hash_update(&h, &tail, 1);
	uccn_crypto_hash_update(&h, welcome + 1, welcome_len - 1 - 2 - UCCN_SIG_BYTES);
	uccn_crypto_hash_final(&h, th);
	cr_assert_eq(memcmp(th, th_doc, UCCN_HASH_BYTES), 0, "transcript hash");
	uint8_t msg[22 + UCCN_HASH_BYTES];
	memcpy(msg, "uccn-session-v1 server", 22);
	memcpy(msg + 22, th, UCCN_HASH_BYTES);
	cr_assert_eq(uccn_crypto_verify(welcome + welcome_len - UCCN_SIG_BYTES, msg, sizeof(msg),
			     server_author.pk),
		UCCN_OK);
	memcpy(msg, "uccn-session-v1 client", 22);
	cr_assert_eq(uccn_crypto_verify(
			     auth + auth_len - UCCN_SIG_BYTES, msg, sizeof(msg), client_author.pk),
		UCCN_OK);

	uccn_bytes_finish(&got);
	free(hello);
	free(welcome);
	free(auth);
	free(data);
	free(th_doc);
	free(keys);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, seeded_sessions_repeat_and_random_ones_do_not) {
	struct uccn_session *a = transcript_session(true), *b = transcript_session(true);
	struct uccn_bytes fa = take(a), fb = take(b);
	cr_assert_eq(fa.len, fb.len);
	cr_assert_eq(memcmp(fa.data, fb.data, fa.len), 0);
	uccn_bytes_finish(&fa);
	uccn_bytes_finish(&fb);
	uccn_session_destroy(a);
	uccn_session_destroy(b);
	a = client_create();
	b = client_create();
	fa = take(a);
	fb = take(b);
	cr_assert_eq(fa.len, fb.len);
	cr_assert_neq(memcmp(fa.data, fb.data, fa.len), 0);
	uccn_bytes_finish(&fa);
	uccn_bytes_finish(&fb);
	uccn_session_destroy(a);
	uccn_session_destroy(b);
}

/* ---------------------------------------------------------------------------------------- */
/* Ending a session for a reason of the layer above (§10.5) */

Test(session, an_established_session_ended_by_us_tells_the_peer_sealed) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	cr_assert_eq(uccn_session_end(s, UCCN_EPROTO, "a change of the report feed"), UCCN_EPROTO);
	assert_closed(s, "a change of the report feed");
	struct uccn_bytes told = take(s), got = {0};
	cr_assert_not(uccn_session_pop_frame(s, &got));
	/* Sealed: not a plaintext ERROR, so no one on the path could have written it. */
	struct uccn_session_msg m;
	cr_assert_neq(uccn_codec_decode_session(told.data, told.len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(feed_at(c, told.data, told.len, T0 + 1, &got), UCCN_ECLOSED);
	cr_assert_eq(got.len, 0, "an ERROR is not handed on as a payload");
	cr_assert_str_eq(
		uccn_session_error(c), "the peer ended the session: a change of the report feed");
	cr_assert_not(uccn_session_pop_frame(c, &got), "no ERROR for an ERROR");
	cr_assert_eq(uccn_session_end(s, UCCN_EPROTO, "again"), UCCN_ECLOSED);
	cr_assert_not(uccn_session_pop_frame(s, &got));
	uccn_bytes_finish(&told);
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_client_that_ends_the_session_tells_the_server_sealed_too) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	cr_assert_eq(uccn_session_end(c, UCCN_ETIMEDOUT, "nothing received for 30000 ms"),
		UCCN_ETIMEDOUT);
	struct uccn_bytes told = take(c);
	cr_assert_eq(feed(s, &told), UCCN_ECLOSED);
	assert_closed(s, "the peer ended the session: nothing received for 30000 ms");
	uccn_bytes_finish(&told);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_session_ended_during_the_handshake_tells_the_peer_in_plaintext) {
	struct uccn_session *c = client_create(), *s = server_create();
	cr_assert_eq(deliver(c, s), UCCN_OK); /* HELLO; the WELCOME is queued */
	cr_assert_eq(uccn_session_end(s, UCCN_EBUSY, "too busy"), UCCN_EBUSY);
	struct uccn_bytes welcome = take(s), told = take(s);
	struct uccn_session_msg m;
	cr_assert_eq(uccn_codec_decode_session(told.data, told.len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SESSION_ERROR);
	cr_assert_eq(m.code, 5);
	cr_assert_eq(feed(c, &told), UCCN_ECLOSED);
	assert_closed(c, "the peer ended the session: too busy");
	uccn_bytes_finish(&welcome);
	uccn_bytes_finish(&told);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}

Test(session, a_refusal_before_any_session_reaches_the_client_as_the_reason) {
	struct uccn_session *c = client_create();
	struct uccn_bytes hello = take(c), told = {0};
	cr_assert_eq(
		uccn_session_encode_refusal(UCCN_EBUSY, "too many connections", &told), UCCN_OK);
	cr_assert_eq(feed(c, &told), UCCN_ECLOSED);
	assert_closed(c, "the peer ended the session: too many connections");
	uccn_bytes_finish(&hello);
	uccn_bytes_finish(&told);
	uccn_session_destroy(c);
}

Test(session, only_a_well_formed_error_is_taken_for_one_after_the_handshake) {
	struct uccn_session *c, *s;
	established_pair(&c, &s);
	struct uccn_bytes got = {0}, f = {0};
	/* Arrays that start with a str but are not an ERROR are payloads like any other. */
	static const uint8_t not_errors[][16] = {
		{0x93, 0xaa, 'u', 'c', 'c', 'n', '-', 'e', 'r', 'r', 'o', 'x', 0x01, 0xa1, 'x'},
		{0x92, 0xaa, 'u', 'c', 'c', 'n', '-', 'e', 'r', 'r', 'o', 'r', 0x01},
		{0x91, 0xa0},
	};
	static const size_t lens[] = {15, 13, 2};
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(uccn_session_send(s, not_errors[i], lens[i]), UCCN_OK);
		f = take(s);
		cr_assert_eq(feed_at(c, f.data, f.len, T0 + 1, &got), UCCN_OK, "%zu: %s", i,
			uccn_session_error(c));
		cr_assert_eq(got.len, lens[i]);
		uccn_bytes_finish(&f);
	}
	uccn_bytes_finish(&got);
	uccn_session_destroy(c);
	uccn_session_destroy(s);
}
