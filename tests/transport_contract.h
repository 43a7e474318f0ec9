/* transport_contract.h - the contract of node/transport.h as one suite (transport_contract.c),
 * built once over each transport: the websocket transport on 127.0.0.1 (test_transport.c) and
 * the simulated network (test_sim_transport.c), so that a case one keeps and the other breaks
 * shows. Here: the harness the cases share, and what each backend file provides. Test code
 * only; one thread. */
#ifndef TESTS_TRANSPORT_CONTRACT_H
#define TESTS_TRANSPORT_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/transport.h"

#define CONTRACT_PEERS 3
#define CONTRACT_WAIT_MS 10000 /* only bounds a hang */

/* What the test knows of one connection end; outlives the connection. */
struct contract_conn {
	struct contract_conn *next;
	struct uccn_conn *c; /* NULL once closed */
	bool incoming;
	int opens, closes, frames;
	size_t *lens; /* of each frame received, in order */
	size_t nlens;
	bool corrupt; /* a frame's bytes were not the pattern sent */
	char reason[128];
};

struct contract_peer {
	struct uccn_transport *t;
	struct contract_conn *recs;
	struct contract_conn *last_incoming;
	int opens, closes, frames;
	bool echo;  /* send every frame back */
	bool greet; /* send a 16-byte frame on every open */
};

extern struct contract_peer peers[CONTRACT_PEERS];

/* The suites' init and fini: the backend's, then a transport for every peer. */
void contract_setup(void);
void contract_teardown(void);

/* Frame bytes are a pattern of the length, so any shift, cut or mix-up shows. */
uint8_t contract_pattern(size_t len, size_t i);
uint8_t *contract_make_frame(size_t len);
void contract_send(struct contract_peer *p, struct uccn_conn *c, size_t len);
/* Records a connection the test started (incoming ones are recorded by on_open). */
struct contract_conn *contract_rec(struct contract_peer *p, struct uccn_conn *c, bool incoming);
/* Makes p listen; returns the url that reaches it. */
const char *contract_listen(struct contract_peer *p);
struct contract_conn *contract_connect(struct contract_peer *p, const char *url);
/* One turn of every transport. */
void contract_pump(void);
uint64_t contract_now_ms(void);

#define WAIT_UNTIL(cond)                                                                          \
	do {                                                                                      \
		uint64_t deadline_ = contract_now_ms() + CONTRACT_WAIT_MS;                        \
		while (!(cond)) {                                                                 \
			cr_assert_lt(                                                             \
				contract_now_ms(), deadline_, "timed out waiting for %s", #cond); \
			contract_pump();                                                          \
		}                                                                                 \
	} while (0)

/* --- What each backend file provides --- */
void backend_setup(void);
void backend_teardown(void);
/* A transport for peer number i. */
int backend_create(size_t i, const struct uccn_transport_events *ev, struct uccn_transport **out);
/* Makes t listen and writes the url that reaches it. */
void backend_listen(struct uccn_transport *t, char *url, size_t len);
/* A url nobody listens on. */
void backend_unreachable(char *url, size_t len);
/* One turn: every transport polled once, time moving on a little (real or virtual). */
void backend_turn(void);
/* Lets ms pass (real or virtual), turning, so a callback that should not come has its chance. */
void backend_pump_for(uint64_t ms);
/* Asserts that the sender of a frame too large was told so, as this transport tells it. */
void backend_assert_told_too_large(const char *reason);

#endif
