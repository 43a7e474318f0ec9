/* transport.h - moves whole binary frames between nodes. One interface, several backends:
 * transport_lws.c carries frames over websockets, tests/sim/ over in-memory pipes with a virtual
 * clock. The shape is wlroots' wlr_backend_impl or Redis' ConnectionType: a table of functions
 * each backend fills, and thin wrappers that dispatch through it.
 *
 * A transport knows nothing of what the frames mean (the session and the sync engine do) and
 * runs no loop of its own: the event loop (net.c) calls uccn_transport_poll, and every callback
 * below runs inside that call, on that thread. No function here is thread-safe; one thread owns
 * a transport and all its connections.
 *
 * Lifetime of a connection:
 *   - It begins when uccn_transport_connect returns UCCN_OK (outgoing) or, for an incoming
 *     one, when on_open(incoming = true) hands it over.
 *   - on_open fires once when the connection is usable; an outgoing one that never gets there
 *     skips on_open and goes straight to on_close.
 *   - on_close fires exactly once per connection, however it ends: closed by us, closed by the
 *     peer, refused, cut, or a frame too large. It fires from uccn_transport_poll, never from
 *     inside uccn_transport_connect/send/close. The conn pointer is invalid once on_close
 *     returns.
 *   - uccn_transport_destroy frees every connection without calling on_close.
 *
 * Frames keep their boundaries and their order within one connection; nothing is lost,
 * duplicated or reordered inside a connection. A connection can end at any time, though, and
 * frames still queued or in flight then are lost: whatever rides on a transport must survive
 * cuts and reconnects.
 */
#ifndef NODE_TRANSPORT_H
#define NODE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/error.h>
#include <uccn/http.h>

/* The largest frame a transport carries. A peer that sends a larger one has its connection
 * closed (that connection only); uccn_transport_send refuses one with UCCN_EINVAL. */
#define UCCN_TRANSPORT_FRAME_MAX ((size_t)1024 * 1024)

/* The most frame bytes one connection may have queued and not yet sent. A send that would
 * go beyond fails with UCCN_EAGAIN: back-pressure for the sync engine's window. */
#define UCCN_TRANSPORT_QUEUE_MAX ((size_t)64 * 1024 * 1024)

/* Room for a peer address in text ("[2001:db8::1]:65535", "sim://lisbon#12"). */
#define UCCN_TRANSPORT_PEER_MAX 64

struct uccn_transport; /* one backend instance: an event loop's worth of connections */
struct uccn_conn;      /* one connection; use the functions below, not its fields */

/* What a transport reports. Each callback may be NULL (the event is then dropped). They run
 * inside uccn_transport_poll, on its thread. They may call uccn_transport_connect, _send and
 * _close (on any connection), but not uccn_transport_destroy or _poll. */
struct uccn_transport_events {
	/* c is usable: frames may be sent and will arrive. incoming is true when the peer
	 * connected to us (the connection is new to the caller) and false when it answers our
	 * uccn_transport_connect. */
	void (*on_open)(void *userdata, struct uccn_conn *c, bool incoming);
	/* One whole frame from c. frame is borrowed until the callback returns. */
	void (*on_frame)(void *userdata, struct uccn_conn *c, const uint8_t *frame, size_t len);
	/* c has ended; reason is for logs ("closed by peer (1000)", "connection refused"), borrowed
	 * until the callback returns. c is invalid once the callback returns. */
	void (*on_close)(void *userdata, struct uccn_conn *c, const char *reason);
	void *userdata;
};

/* Filled by each backend; callers use the uccn_transport_* wrappers below, which document the
 * contract every backend keeps. */
struct uccn_transport_impl {
	int (*listen)(
		struct uccn_transport *t, const char *host, uint16_t port, uint16_t *bound_port);
	int (*connect)(struct uccn_transport *t, const char *url, struct uccn_conn **out);
	int (*send)(
		struct uccn_transport *t, struct uccn_conn *c, const uint8_t *frame, size_t len);
	void (*close)(struct uccn_transport *t, struct uccn_conn *c);
	int (*poll)(struct uccn_transport *t, int timeout_ms);
	void (*destroy)(struct uccn_transport *t);
	/* HTTP serving (the web page); NULL in a backend that has none. */
	int (*listen_http)(struct uccn_transport *t, const char *host, uint16_t port,
		uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port);
	size_t (*http_push)(struct uccn_transport *t, const uint8_t *data, size_t len);
};

/* Accepts connections on host (an IP address; NULL: every interface) and port (0: one the
 * kernel picks). *bound_port (may be NULL) receives the port actually bound. May be called more
 * than once. UCCN_OK; UCCN_EINVAL (host is not an address); UCCN_EBUSY (the address is in use,
 * not logged: the caller says so); UCCN_EIO (the bind failed otherwise: logged). */
int uccn_transport_listen(
	struct uccn_transport *t, const char *host, uint16_t port, uint16_t *bound_port);

/* Serves HTTP on host and port (as uccn_transport_listen): each complete request goes to fn,
 * whose response is written back. UCCN_EINVAL (not an address, or a backend with no HTTP),
 * UCCN_EIO (logged). */
int uccn_transport_listen_http(struct uccn_transport *t, const char *host, uint16_t port,
	uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port);

/* Sends data (the bytes of server-sent events) to every open HTTP stream (a response with
 * stream set); returns how many streams it was queued for. */
size_t uccn_transport_http_push(struct uccn_transport *t, const uint8_t *data, size_t len);

/* Starts a connection to url ("ws://host[:port][/path]" or "wss://..." for websockets,
 * "sim://name" in the simulator). On UCCN_OK, *out is the new connection: on_open or on_close
 * follows from a later poll, even when the peer cannot be reached (that is an on_close, not an
 * error here). Frames may be sent at once; they wait for the connection to open. UCCN_EINVAL
 * (a url this backend cannot parse: no callback follows), UCCN_ENOMEM, UCCN_EIO (TLS cannot be
 * set up for a wss:// url: logged). */
int uccn_transport_connect(struct uccn_transport *t, const char *url, struct uccn_conn **out);

/* Queues one frame of len bytes (1 to UCCN_TRANSPORT_FRAME_MAX) on c; never blocks. The bytes
 * are copied. Frames go out in the order sent. UCCN_OK; UCCN_EINVAL (len 0 or too large);
 * UCCN_EAGAIN (the queue would exceed UCCN_TRANSPORT_QUEUE_MAX: retry after some of it has
 * gone, see uccn_transport_conn_queued); UCCN_ECLOSED (c is closing: close was called or the
 * connection is ending and its on_close is due); UCCN_ENOMEM. */
int uccn_transport_send(
	struct uccn_transport *t, struct uccn_conn *c, const uint8_t *frame, size_t len);

/* Closes c. On an open connection, frames queued before the call are still sent (for a few
 * seconds at most), then the connection closes; one still connecting is dropped with its
 * queue. Whatever the peer still sends meanwhile is read and dropped until it closes too (a
 * few seconds at most): a backend must not end a connection in a way that can make the peer
 * lose the frames sent last (a TCP reset), since the last may be the ERROR saying why. No
 * more frames from c are reported. on_close follows from a later poll (exactly once, as
 * always). Closing twice, or after the connection ended but before its on_close, does
 * nothing. */
void uccn_transport_close(struct uccn_transport *t, struct uccn_conn *c);

/* Runs the transport once: waits up to timeout_ms (0: not at all) for network activity,
 * then fires the callbacks that are due. It may return sooner, having fired nothing (the
 * backend had work of its own); callers loop. Returns how many callbacks fired, or UCCN_EIO if
 * the backend failed (logged). */
int uccn_transport_poll(struct uccn_transport *t, int timeout_ms);

/* Closes every connection without calling on_close and frees the transport. Accepts NULL.
 * Not from inside a callback. */
void uccn_transport_destroy(struct uccn_transport *t);

/* The caller's pointer for c (NULL until set). The transport never touches it. */
void uccn_transport_conn_set_data(struct uccn_conn *c, void *data);
void *uccn_transport_conn_get_data(const struct uccn_conn *c);

/* The peer's address, for logs ("127.0.0.1:41234"). Borrowed: valid while c is. */
const char *uccn_transport_conn_peer(const struct uccn_conn *c);

/* What the frames sent on c and not yet handed to the network cost in memory: their bytes,
 * plus each frame's header and allocation (the figure the UCCN_TRANSPORT_QUEUE_MAX bound
 * applies to). A backend stops reading from a connection whose queue grows far past what a
 * session queues, until it drains: a peer that does not read cannot have answers pile up. */
size_t uccn_transport_conn_queued(const struct uccn_conn *c);

/* Lowers (or raises again, up to UCCN_TRANSPORT_FRAME_MAX) the largest frame c accepts from
 * its peer; a larger one closes c as UCCN_TRANSPORT_FRAME_MAX does. Before a session's
 * handshake completes, the node allows only a handshake frame, so that what a connection can
 * make it buffer is bounded by the handshake's own limits. */
void uccn_transport_conn_set_frame_max(struct uccn_conn *c, size_t max);

/* Bytes the backend holds to reassemble c's incoming frame: grows with the bytes received,
 * never with what a frame's header announces. */
size_t uccn_transport_conn_rx_buffered(const struct uccn_conn *c);

/* --- For backends only ---------------------------------------------------------------------
 * A backend embeds struct uccn_transport and struct uccn_conn in its own structs, initialises
 * them with the functions below, keeps conn->queued up to date, and reports events through
 * uccn_transport_emit_*. Nothing else should read these fields. */

struct uccn_transport {
	const struct uccn_transport_impl *impl;
	struct uccn_transport_events events;
};

struct uccn_conn {
	struct uccn_transport *transport; /* the owner */
	void *data;                       /* the caller's, see uccn_transport_conn_set_data */
	size_t queued;                    /* see uccn_transport_conn_queued */
	size_t frame_max;                 /* see uccn_transport_conn_set_frame_max */
	size_t rx_buffered;               /* see uccn_transport_conn_rx_buffered */
	char peer[UCCN_TRANSPORT_PEER_MAX];
};

void uccn_transport_init(struct uccn_transport *t, const struct uccn_transport_impl *impl,
	const struct uccn_transport_events *events);
void uccn_transport_conn_init(struct uccn_conn *c, struct uccn_transport *t);

void uccn_transport_emit_open(struct uccn_transport *t, struct uccn_conn *c, bool incoming);
void uccn_transport_emit_frame(
	struct uccn_transport *t, struct uccn_conn *c, const uint8_t *frame, size_t len);
void uccn_transport_emit_close(struct uccn_transport *t, struct uccn_conn *c, const char *reason);

/* --- Backends ------------------------------------------------------------------------------ */

/* A websocket transport (libwebsockets, ws:// only for now). ev is copied. Caller owns *out
 * (free with uccn_transport_destroy). UCCN_OK, UCCN_ENOMEM, UCCN_EIO (logged). */
int uccn_transport_lws_create(const struct uccn_transport_events *ev, struct uccn_transport **out);

#endif
