/* net.h - the node's network event loop: the one place where the transport, the sessions and
 * the sync engines meet (`uccn serve` and `uccn sync` run it). It owns a transport, listens if
 * asked, dials peers and redials them with exponential backoff, and for each connection runs an
 * authenticated, encrypted session (PROTOCOL.md §10) and, once that is established, a sync
 * engine (§11). It moves frames between them, keeps the transport's back-pressure, pings quiet
 * connections and closes dead ones, tells every other engine when one applied changes from its
 * peer (news for the others, PROTOCOL.md §11.2 step 5; a payload that applied nothing, an ACK
 * or a batch of duplicates, is news to no one), and reports what it saw of remembered peers to
 * the node's peer list.
 *
 * Threads: one. Every function here runs on the caller's thread, the one that created the loop,
 * and the loop's callbacks (progress) run inside uccn_net_run on it. The node's pool of
 * verifying threads checks signatures for the engines, but no callback runs on those threads.
 * Time comes from the monotonic clock, randomness (backoff jitter) from the options' seed. A
 * failing session ends its own connection only, logged with the reason (uccn_log) and told to
 * the peer in an ERROR (PROTOCOL.md §10.5); nothing a peer sends ends the loop.
 *
 * Stopping: the caller runs uccn_net_run in a loop of its own and stops when it wants (a signal
 * flag checked between turns, a peer done), then calls uccn_net_destroy.
 *
 * Not here: verifying signatures and deciding what to replicate (the engine's; the loop only
 * lends it the node's pool of verifying threads), how a program waits for signals or prints
 * (the `uccn` program's). */
#ifndef UCCN_NET_H
#define UCCN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/error.h>
#include <uccn/http.h>
#include <uccn/node.h>

/* The port serve listens on when none is given, and a ws:// url without a port dials. */
#define UCCN_NET_DEFAULT_PORT 7420

/* Defaults for the options' zero values. */
#define UCCN_NET_IDLE_TIMEOUT_MS 30000
#define UCCN_NET_BACKOFF_MIN_MS 500
#define UCCN_NET_BACKOFF_MAX_MS 60000
#define UCCN_NET_PROGRESS_MS 250
#define UCCN_NET_MAX_SESSIONS 1024
/* Changes to the node's peer list are written at most this often per peer. */
#define UCCN_NET_STATUS_MS 1000

struct uccn_net;

/* What a session moved, and what became of the changes received. */
struct uccn_net_stats {
	uint64_t sent;     /* changes sent */
	uint64_t received; /* changes received */
	/* What became of them: held counts those still waiting (a change held and then let in
	 * during the session counts as applied, or refused, only). */
	uint64_t applied, duplicate, held, refused;
	uint64_t dropped; /* meant for the Secretariat alone, not for this node (§11.5) */
	uint64_t batches_sent, batches_acked;
	/* Entries of the peer's heads placed or shifted: the work a VECTOR or a batch costs the
	 * loop, which must stay near linear in what the peer sent, whatever its order. */
	uint64_t moves;
	/* Of the changes sent, those the peer said it holds back (not yet designated, waiting
	 * for a predecessor, ...) when it acknowledged their batch (PROTOCOL.md §11.1 ACK). */
	uint64_t held_there;
};

/* How a session is going, for a progress display. Strings are borrowed for the call. */
struct uccn_net_progress {
	const char *peer; /* the url dialled, or the address of an incoming peer */
	struct uccn_net_stats stats;
	uint64_t bytes_sent, bytes_received; /* frame bytes, handshake included */
	uint64_t elapsed_ms;                 /* since the session was established */
	double rate;                         /* changes sent and received per second */
	uint64_t pending;                    /* changes still to send */
	bool done;                           /* the last call for this session */
};
typedef void (*uccn_net_progress_fn)(void *userdata, const struct uccn_net_progress *p);

/* How the loop runs. Start from uccn_net_options_init: every field's zero means its default,
 * and fields added later keep that rule (added at the end, zero meaning what the loop did
 * before), so a caller that sets only what it knows goes on working. The loop copies the
 * options; the pointers in them are borrowed as said. */
struct uccn_net_options {
	struct uccn_node *node;   /* borrowed; outlives the loop; used on the loop's thread only */
	uint64_t seed;            /* of the backoff jitter */
	uint64_t idle_timeout_ms; /* nothing received for this long: close; 0: the default */
	uint64_t handshake_timeout_ms; /* 0: the session's default */
	uint64_t backoff_min_ms;       /* first redial delay; 0: the default */
	uint64_t backoff_max_ms;       /* the delay doubles up to this; 0: the default */
	size_t batch_changes, window;  /* changes per batch, batches unacknowledged; 0: defaults */
	/* Threads that verify received batches, the loop's own included, when the node has no
	 * pool of verifying threads yet (the node makes it, owns it, and keeps it until
	 * uccn_node_close); 0: one per core. */
	unsigned verify_threads;
	size_t max_sessions; /* incoming connections beyond are closed; 0: default */
	/* Checks this often whether another process wrote to the store (a `uccn put` beside a
	 * running serve) and then pushes what is new to every peer, and lets in the changes held
	 * because their clock was ahead whose time has come; 0: never. */
	uint64_t watch_store_ms;
	uccn_net_progress_fn progress; /* may be NULL; called on the loop's thread */
	void *progress_data;           /* borrowed; passed to progress */
	uint64_t progress_interval_ms; /* 0: the default */
};

/* Sets every field of *opts to its default (zero). */
void uccn_net_options_init(struct uccn_net_options *opts);

/* A peer to dial. Strings and pin are copied. */
struct uccn_net_peer {
	const char *url;    /* ws://host[:port][/path], or wss:// (TLS) */
	const uint8_t *pin; /* UCCN_KEY_BYTES: the only key accepted at url; NULL: any */
	const char *kinds;  /* comma-separated kinds we want from this peer; NULL or "": all */
	/* The peer is in the node's peer list: what the loop sees of it is written there
	 * (`uccn status` shows it), at most once per UCCN_NET_STATUS_MS. */
	bool remembered;
	/* One session only (`uccn sync`): no redial; the connection is closed as soon as both
	 * sides hold the same, or fails. See UCCN_NET_DONE / _FAILED. */
	bool once;
};

enum uccn_net_state {
	UCCN_NET_WAITING,    /* no connection; the next attempt is at next_attempt_ms */
	UCCN_NET_CONNECTING, /* the transport is connecting */
	UCCN_NET_HANDSHAKE,  /* connected, the session is not established yet */
	UCCN_NET_SYNCING,    /* established: the engine runs */
	UCCN_NET_DONE,       /* once: both sides held the same; the connection is closed */
	UCCN_NET_FAILED,     /* once: the connection ended first (error says why); or a url the
				transport cannot parse */
	UCCN_NET_STOPPED,    /* uccn_net_undial: no longer dialled */
};

/* What the loop knows of a dialled peer. */
struct uccn_net_peer_info {
	enum uccn_net_state state;
	uint64_t attempts;        /* connections started */
	uint64_t sessions;        /* sessions established */
	uint64_t backoff_ms;      /* the last redial delay drawn, jitter included */
	uint64_t next_attempt_ms; /* when WAITING */
	bool key_known;           /* key: what the peer proved in the last session */
	uint8_t key[UCCN_KEY_BYTES];
	/* Of the current session, or of the last one once it has ended. */
	struct uccn_net_stats stats;
	uint64_t bytes_sent, bytes_received;
	char error[192]; /* why the last connection ended; "" if cleanly or none yet */
};

/* Creates the loop and its websocket transport (nothing listens or dials yet), and the node's
 * pool of verifying threads if the node has none. opts is copied. Caller owns *out
 * (uccn_net_destroy, before the node is closed). UCCN_OK, UCCN_ENOMEM, UCCN_EIO (the transport
 * could not start, logged). */
UCCN_NODISCARD int uccn_net_create(const struct uccn_net_options *opts, struct uccn_net **out);

/* Closes every connection at once (queued frames are lost: the peers resume from their next
 * vectors), writes each remembered peer as disconnected, and frees the loop. Accepts NULL. */
void uccn_net_destroy(struct uccn_net *net);

/* Accepts connections on host (an IP address; NULL: every interface) and port (0: one the
 * kernel picks, written to *bound_port, which may be NULL). UCCN_OK, UCCN_EINVAL (not an IP
 * address), UCCN_EBUSY (the address is in use by another socket; not logged, for the caller's
 * own words), UCCN_EIO (refused otherwise, logged). */
UCCN_NODISCARD int uccn_net_listen(
	struct uccn_net *net, const char *host, uint16_t port, uint16_t *bound_port);

/* Serves HTTP on host and port (as uccn_net_listen) for the node's web page: each complete
 * request goes to fn (on the loop's thread, inside uccn_net_run) and its response is written
 * back; bodies above UCCN_HTTP_BODY_MAX are not read. userdata is borrowed. UCCN_OK,
 * UCCN_EINVAL (not an IP address), UCCN_EIO (the address is taken or refused, logged). */
UCCN_NODISCARD int uccn_net_listen_http(struct uccn_net *net, const char *host, uint16_t port,
	uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port);

/* Queues data (server-sent events) on every open HTTP stream; returns how many streams. */
size_t uccn_net_http_push(struct uccn_net *net, const char *data, size_t len);

/* A count that grows whenever changes came into the store from elsewhere: applied from a
 * peer, let in from held, or written by another process. A web page watches it to reload. */
uint64_t uccn_net_arrivals(const struct uccn_net *net);

/* Every dialled peer waiting for its next attempt is dialled at the next turn ("sync now").
 * Returns how many. */
size_t uccn_net_redial_now(struct uccn_net *net);

/* Dials p now, and again after each connection ends unless p->once. *id (may be NULL) names
 * the peer for uccn_net_peer_info. UCCN_OK, UCCN_EINVAL (no url, or kinds that are not kind
 * names), UCCN_ENOMEM. A url the transport cannot parse shows later as UCCN_NET_FAILED. */
UCCN_NODISCARD int uccn_net_dial(struct uccn_net *net, const struct uccn_net_peer *p, size_t *id);

/* Whether the loop dials url (and was not told to stop); *id (may be NULL) receives its id. */
bool uccn_net_is_dialling(const struct uccn_net *net, const char *url, size_t *id);

/* Stops dialling the peer id (removed from the peer list, say): its connection, if any, is
 * closed, and it is not dialled again. id stays valid for uccn_net_peer_info. UCCN_OK,
 * UCCN_EINVAL (no such id). */
UCCN_NODISCARD int uccn_net_undial(struct uccn_net *net, size_t id);

/* What the loop knows of the peer id. UCCN_OK, UCCN_EINVAL (no such id). */
UCCN_NODISCARD int uccn_net_peer_info(
	const struct uccn_net *net, size_t id, struct uccn_net_peer_info *out);

/* Established sessions right now, incoming and outgoing. */
size_t uccn_net_sessions(const struct uccn_net *net);

/* One turn of the loop: fires the timers that are due (redials, handshake and idle timeouts,
 * pings, the store watch, peer list writes), waits for the transport up to max_wait_ms or the
 * next timer, whichever is sooner, and handles what arrived. Call it in a loop; with a short
 * max_wait_ms the caller checks its own flags often (a signal). UCCN_OK, or UCCN_EIO when the
 * transport itself failed (logged): the loop cannot go on. */
UCCN_NODISCARD int uccn_net_run(struct uccn_net *net, int max_wait_ms);

/* The earliest time (the loop's clock, in milliseconds) at which a timer is due; UINT64_MAX: none.
 * For a caller that drives a virtual clock. */
uint64_t uccn_net_next_deadline(const struct uccn_net *net);

/* New changes were written locally (or by another process): every live engine sends its peer
 * what it lacks now. UCCN_OK; engines that fail end their own connections (logged). */
int uccn_net_local_changes(struct uccn_net *net);

/* What a node keeps of its sessions with one peer: the last session (live or ended) and counts
 * since the first. One record per peer key (per address for a peer that never proved one), at
 * most UCCN_NET_SESSIONS_MAX of them: past that, the ones without a key and then the longest
 * quiet make room. Written by the loop when a session is established and when it ends. */
#define UCCN_NET_SESSIONS_MAX 4096
struct uccn_net_session {
	bool key_known;
	uint8_t key[UCCN_KEY_BYTES]; /* the key the peer proved (or the one pinned or last seen) */
	char address[UCCN_URL_MAX + 1]; /* the url dialled, or the address the peer came from */
	bool incoming;                  /* the peer dialled us */
	/* The last session had not ended when last written: a running serve still has it, or
	 * the process that had it stopped without saying (killed). */
	bool live;
	uint64_t started_ms, ended_ms; /* wall clock of the last session (ended: 0 while live) */
	uint64_t ok_ms;                /* when a session last ended well; 0: never */
	uint64_t seen_ms;              /* when the peer last proved its key (a session
					  established); 0: never */
	uint64_t sessions, failures;   /* sessions ended, and those of them that failed */
	struct uccn_net_stats stats;   /* of the last session (moves and batches not kept) */
	int err;         /* the last session: 0 if it ended well, else why (a UCCN_E* code) */
	char error[192]; /* and in words ("" if it ended well) */
};
typedef int (*uccn_net_session_fn)(void *userdata, const struct uccn_net_session *s);

/* Every peer's record, the most recently active first. Stops at the first non-zero return of
 * fn and returns it. UCCN_OK or a store error. */
UCCN_NODISCARD int uccn_net_session_list(
	struct uccn_node *node, uccn_net_session_fn fn, void *userdata);

/* The last sessions that ended, with any peer, the latest first: at most max of them (the node
 * keeps the last UCCN_NET_HISTORY_MAX). Each record is that one session's: sessions is 1,
 * failures 1 if it failed; seen_ms and live are not kept. UCCN_OK or a store error. */
#define UCCN_NET_HISTORY_MAX 1000
UCCN_NODISCARD int uccn_net_session_history(
	struct uccn_node *node, size_t max, uccn_net_session_fn fn, void *userdata);

#endif
