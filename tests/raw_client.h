/* raw_client.h - a client session driven by hand, for the tests of what an event loop tells a
 * peer (PROTOCOL.md §10.5): it completes HELLO and WELCOME honestly, then sends what the test
 * asks for right behind its AUTH in one go, and records what it is told before the connection
 * ends. Over any transport (the test makes it with test_raw_events); the test turns its loop.
 * Test code only. */
#ifndef TESTS_RAW_CLIENT_H
#define TESTS_RAW_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/session.h"
#include "node/transport.h"
#include "tests/support.h"

struct test_raw {
	struct uccn_transport *tr;    /* made by the test, with test_raw_events */
	uint64_t (*clock)(void *arg); /* the time the session runs on */
	void *clock_arg;
	const char *const *kinds; /* asked for in HELLO */
	size_t nkinds;
	bool spoil_auth;             /* flip a bit of the AUTH signature */
	int sealed_behind;           /* empty VECTORs sealed right behind AUTH */
	struct uccn_bytes behind[2]; /* payloads sealed right behind those, in order; freed */
	size_t nbehind;
	/* What happened. */
	struct test_author author;
	struct uccn_session *session;
	struct uccn_conn *conn; /* NULL once closed */
	bool sent_auth, closed;
	char told[300];   /* the session's error once it ended: the peer's reason, if told */
	char reason[160]; /* the transport's close reason */
};

/* The callbacks r's transport must be made with. */
struct uccn_transport_events test_raw_events(struct test_raw *r);
/* Once r->tr is made: a client session of network as the author of seed, and a connection to
 * url. */
void test_raw_start(
	struct test_raw *r, uint8_t seed, const uint8_t network[UCCN_KEY_BYTES], const char *url);
/* Frees the transport, the session and what was to be sent. */
void test_raw_finish(struct test_raw *r);

#endif
