/* sim_transport.h - the transport interface (node/transport.h) over in-memory pipes, with a
 * virtual clock and a seeded PRNG, so tests run many nodes in one process and replay any run
 * from its seed. The test plays the event loop: it advances the clock with uccn_sim_net_step,
 * then polls each node's transport, which fires the callbacks that are due.
 *
 * What the simulator breaks, and why only that. A websocket never loses, duplicates or
 * reorders frames inside one connection: TCP does not let it. What a real network does is cut
 * connections, at any moment, leaving the sender unsure of what arrived. So the faults are
 * cuts, and the engine must survive cuts and reconnects, never a corrupted stream:
 *   - drop: instead of delivering a frame, the connection is cut (both ends get on_close).
 *     The frame and everything after it on that connection are lost.
 *   - duplicate: the frame is delivered, then the connection is cut before anything else
 *     crosses it. The sender cannot know it arrived and will send it again after it
 *     reconnects: that is where duplicates come from.
 *   - delay: each frame's delay is drawn on its own in [delay_min_ms, delay_max_ms], but a
 *     frame is never delivered before the one sent ahead of it on the same connection. Frames
 *     on different connections therefore arrive in any order (reordering between peers, never
 *     within a connection). Connection set-up takes one drawn delay too.
 *   - partitions cut the connections between two nodes and refuse new ones until healed;
 *     kill cuts every connection of a node.
 * A close from one end reaches the other after the frames sent before it (graceful); frames
 * still travelling towards the end that closed are discarded. A connection closed while still
 * connecting is dropped with what it queued, as node/transport.h has every backend do.
 *
 * Determinism: the PRNG is drawn only inside send, connect and step, so the same seed and the
 * same sequence of calls give the same schedule. Events due at the same time keep the order
 * in which they were scheduled. Test code only; one thread.
 */
#ifndef TESTS_SIM_SIM_TRANSPORT_H
#define TESTS_SIM_SIM_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "node/transport.h"

struct uccn_sim_net;

struct uccn_sim_net_config {
	uint64_t seed;
	double drop_rate;      /* per frame, 0..1: cut instead of delivering */
	double duplicate_rate; /* per frame, 0..1: deliver, then cut */
	uint64_t delay_min_ms; /* per frame and per connection set-up */
	uint64_t delay_max_ms; /* < delay_min_ms is taken as delay_min_ms */
};

/* A network at virtual time 0. cfg is copied. Caller owns *out (uccn_sim_net_destroy).
 * UCCN_OK, UCCN_ENOMEM. */
int uccn_sim_net_create(const struct uccn_sim_net_config *cfg, struct uccn_sim_net **out);

/* Frees the network. Every transport on it must have been destroyed first. Accepts NULL. */
void uccn_sim_net_destroy(struct uccn_sim_net *net);

/* The seed, for the message that lets a failing run be replayed. */
uint64_t uccn_sim_net_seed(const struct uccn_sim_net *net);

/* The virtual time, in ms: the latest now_ms given to uccn_sim_net_step. */
uint64_t uccn_sim_net_now(const struct uccn_sim_net *net);

/* Advances the clock to now_ms (never backwards) and hands each event due by then (frames,
 * opens, closes, cuts) to the transport it is for, in order of due time; their callbacks
 * fire from that transport's next poll. Returns how many events were handed over. */
int uccn_sim_net_step(struct uccn_sim_net *net, uint64_t now_ms);

/* The due time of the earliest event not yet handed over; UINT64_MAX: none. */
uint64_t uccn_sim_net_next_due(const struct uccn_sim_net *net);

/* Cuts (cut true) or heals the link between the nodes named a and b. A cut closes their
 * connections (both ends get on_close) and refuses new ones between them until healed. */
void uccn_sim_net_partition(struct uccn_sim_net *net, const char *a, const char *b, bool cut);

/* Cuts every connection of the node named name, as if it had crashed and come back at once:
 * it still listens. Unknown names are ignored. */
void uccn_sim_net_kill(struct uccn_sim_net *net, const char *name);

/* A transport for the node called name on net. ev is copied; name is copied, must be unique on
 * the net and is how others reach it: connect("sim://<name>") reaches the transport after it
 * called listen (host and port are ignored; *bound_port receives port, or 1 for port 0). poll
 * never waits: timeout_ms is ignored. Caller owns *out (uccn_transport_destroy, which cuts its
 * connections: their peers get on_close). UCCN_OK, UCCN_EEXIST, UCCN_EINVAL, UCCN_ENOMEM. */
int uccn_sim_transport_create(struct uccn_sim_net *net, const char *name,
	const struct uccn_transport_events *ev, struct uccn_transport **out);

#endif
