/* net_internal.h - what the tests reach of the network loop beside its public API
 * (<uccn/net.h>): another transport (the simulated network) and another clock (a virtual one),
 * so the loop runs over the simulator with replayable time. Not part of the public API: the
 * transport table (node/transport.h) stays private. */
#ifndef NODE_NET_INTERNAL_H
#define NODE_NET_INTERNAL_H

#include <stdint.h>

#include <uccn/net.h>

#include "node/transport.h"

/* Makes the transport the loop runs on, delivering its events to ev (copied by the transport).
 * The loop owns *out and destroys it. Returns a uccn code. */
typedef int (*uccn_net_transport_fn)(
	void *arg, const struct uccn_transport_events *ev, struct uccn_transport **out);
/* Milliseconds of a clock that never goes back. */
typedef uint64_t (*uccn_net_clock_fn)(void *arg);

struct uccn_net_config {
	struct uccn_net_options opts;
	/* NULL: websockets (uccn_transport_lws_create). */
	uccn_net_transport_fn make_transport;
	void *transport_arg;
	/* NULL: CLOCK_MONOTONIC. */
	uccn_net_clock_fn clock;
	void *clock_arg;
};

/* uccn_net_create with the transport and the clock of cfg (copied). UCCN_OK, UCCN_ENOMEM, or
 * what make_transport returned. */
UCCN_NODISCARD int uccn_net_create_config(const struct uccn_net_config *cfg, struct uccn_net **out);

#endif
