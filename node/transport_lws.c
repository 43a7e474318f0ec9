/* transport_lws.c - the websocket transport: whole binary frames over libwebsockets (ws://, and
 * wss:// to a TLS-terminating proxy). The only file that includes <libwebsockets.h> (STYLE.md
 * 2.6). It knows nothing of what the frames carry, starts no thread and runs no loop of its
 * own: net.c calls poll.
 *
 * One lws_context per transport, with one protocol ("uccn-v1"). Clients ride on a vhost that
 * listens nowhere; each uccn_transport_listen adds a vhost that listens. Frames go out through
 * a per-connection queue drained one websocket fragment per writeable callback, and come in
 * as fragments that are reassembled here into whole frames of at most
 * UCCN_TRANSPORT_FRAME_MAX bytes.
 *
 * Written against libwebsockets 4.1 (Debian 12). Its pitfalls that shape this file:
 *   - lws_service() ignores its timeout (since 3.2) and sleeps until lws's next own timer, which
 *     can be days away; poll arms a timer of its own (lws_sul_schedule) to bound the wait.
 *   - lws_client_connect_via_info() can fail and call CLIENT_CONNECTION_ERROR before it
 *     returns; such an end is held back and reported from the next poll, so that connect never
 *     calls back into its caller.
 *   - A server connection's end (CLOSED) can come seconds before lws frees it (WSI_DESTROY):
 *     lws first waits for the peer's side of the TCP close. The connection is reported and
 *     freed at the first of CLOSED, CLIENT_CLOSED, CLIENT_CONNECTION_ERROR and WSI_DESTROY, and
 *     lws's pointer to it is cleared then, so later callbacks for that wsi find nothing.
 *   - lws reads at most pt_serv_buf_size bytes per socket per service, 4 KiB by default:
 *     a 1 MiB frame took 256 turns of the loop until it was raised to 64 KiB.
 *   - The lws log level and emitter are process-wide, not per context.
 */
#include "node/alloc.h"
#include "node/transport.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <libwebsockets.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/net.h>

#define PROTOCOL_NAME "uccn-v1"
/* The largest websocket fragment written per writeable callback: a 1 MiB frame goes out in
 * pieces, so one large frame does not hold up every other connection of the loop. */
#define CHUNK_MAX ((size_t)64 * 1024)
/* The most bytes one writeable callback sends before yielding to other connections. */
#define WRITE_BUDGET ((size_t)256 * 1024)
/* How much lws reads per receive callback. */
#define RX_BUFFER_SIZE ((size_t)64 * 1024)
/* A reassembly buffer larger than this is freed after each frame rather than kept. */
#define RX_KEEP_MAX ((size_t)64 * 1024)
/* What one queued frame costs beyond its bytes: its header, lws's headroom, and malloc's own
 * bookkeeping (two words on glibc, rounded). The queue's bound counts all of it, so a peer that
 * asks for many small answers cannot hide their cost. */
#define FRAME_OVERHEAD (sizeof(struct out_frame) + LWS_PRE + 2 * sizeof(size_t))
/* A connection whose queue costs more than this is not read from until it drains below
 * RX_RESUME_AT: a peer that does not read cannot make us produce answers without end (a PING
 * flood). Above what an honest session queues (a window of 16 batches of at most 960 KiB:
 * 15 MiB), so only a peer that stops reading meets it. */
#define RX_PAUSE_AT ((size_t)16 * 1024 * 1024)
#define RX_RESUME_AT ((size_t)4 * 1024 * 1024)
/* After close(), how long queued frames may take to go out before the connection is cut. */
#define CLOSE_FLUSH_SECS 10
/* Once they have, how long the peer has to close its side before the connection is cut. */
#define LINGER_SECS 3
#define CONNECT_TIMEOUT_SECS 10
/* lws sizes its fd tables by the process limit; a hub needs thousands, not millions. */
#define FD_LIMIT_MAX 65536
#define REASON_MAX 128
/* lws writes a websocket close frame for this write type, the one its own close uses; the public
 * header leaves it out (it has been 4 in every release since 1.x, lws's private headers). */
#define WRITE_CLOSE ((enum lws_write_protocol)4)
#define HOST_MAX 256
#define PATH_MAX_LEN 512
/* What lws may say (its log level and emitter are process-wide). */
#define LWS_LOG_LEVELS (LLL_ERR | LLL_WARN)
/* Debian's bundle of the CAs the system trusts (package ca-certificates). */
#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

struct out_frame {
	struct out_frame *next;
	size_t len;    /* frame bytes */
	size_t sent;   /* of them, handed to lws */
	uint8_t buf[]; /* LWS_PRE bytes of headroom for the websocket header, then the frame */
};

enum conn_state {
	CONN_CONNECTING, /* outgoing, before the websocket handshake completed */
	CONN_OPEN,
	CONN_CLOSING, /* close() was called: flush the queue, then close */
	CONN_ENDED,   /* lws is done with it; on_close is due from the next poll */
};

struct lws_transport;
struct http_conn;
struct http_listener;

struct lws_conn {
	/* Must stay first. lws passes our callback a `user` pointer through which the connection
	 * is found: for an incoming connection, lws's per-session block, which holds one struct
	 * lws_conn pointer; for an outgoing one, the connection itself (given to lws as
	 * userdata), whose first member is this pointer to itself. Either way,
	 * *(struct lws_conn **)user is the connection, or NULL once it has been detached. */
	struct lws_conn *self;
	struct uccn_conn base;
	struct lws_transport *t;
	struct lws_conn *prev, *next; /* in t->conns */
	struct lws *wsi;              /* NULL once detached */
	struct lws_conn **slot;       /* incoming: lws's per-session block */
	bool incoming;
	bool deferred; /* ended inside connect(): report from the next poll */
	enum conn_state state;
	bool lingering; /* closing: our close frame is sent, our side shut; reading until theirs */
	uint16_t close_status; /* of our close frame; 0: LWS_CLOSE_STATUS_NORMAL */
	const char *close_why; /* its reason, a literal; NULL: none */
	struct out_frame *out_head, *out_tail;
	uint8_t *rx; /* the frame being reassembled */
	size_t rx_len, rx_cap;
	bool rx_paused; /* the queue is over RX_PAUSE_AT: lws reads nothing more from the peer */
	char reason[REASON_MAX]; /* the first reason given wins */
};

struct listener {
	struct listener *next;
	char iface[INET6_ADDRSTRLEN]; /* lws keeps the pointer, so it lives as long as the vhost */
};

struct lws_transport {
	struct uccn_transport base;
	struct lws_context *ctx;
	struct lws_protocols protocols[2]; /* ours, then the terminator; lws keeps the pointer */
	lws_sorted_usec_list_t wake;       /* bounds the wait of lws_service */
	struct lws_conn *conns;
	struct listener *listeners;
	struct lws_conn *connecting; /* inside lws_client_connect_via_info */
	size_t deferred;             /* connections with deferred set */
	int fired;                   /* callbacks fired during this poll */
	bool destroying;             /* lws_context_destroy runs: report nothing */
	struct http_listener *http_listeners;
	struct http_conn *streams; /* HTTP answers kept open as event streams */
	struct lws_vhost *tls;       /* wss:// connections' vhost, made at the first (tls_vhost) */
};

static const struct uccn_transport_impl lws_impl;

static struct lws_conn *conn_of(struct uccn_conn *c) {
	assert(c->transport->impl == &lws_impl);
	return (struct lws_conn *)(void *)((char *)c - offsetof(struct lws_conn, base));
}

static struct lws_transport *transport_of(struct uccn_transport *t) {
	assert(t->impl == &lws_impl);
	return (struct lws_transport *)(void *)t;
}

/* lws's log lines, sent to uccn_log. Levels: errors and warnings only (set in create). */
static void log_emit(int level, const char *line) {
	enum uccn_log_level l = UCCN_LOG_DEBUG;
	if (level & LLL_ERR) {
		l = UCCN_LOG_ERROR;
	} else if (level & LLL_WARN) {
		l = UCCN_LOG_WARN;
	} else if (level & (LLL_NOTICE | LLL_INFO | LLL_USER)) {
		l = UCCN_LOG_INFO;
	}
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
		n--;
	}
	uccn_log(l, "transport: lws: %.*s", (int)n, line);
}

__attribute__((format(printf, 2, 3))) static void set_reason(
	struct lws_conn *c, const char *fmt, ...) {
	if (c->reason[0] != '\0') {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(c->reason, sizeof(c->reason), fmt, ap) < 0) {
		snprintf(c->reason, sizeof(c->reason), "closed");
	}
	va_end(ap);
}

static struct lws_conn *conn_create(struct lws_transport *t, bool incoming) {
	struct lws_conn *c = uccn_alloc_calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	c->self = c;
	uccn_transport_conn_init(&c->base, &t->base);
	c->t = t;
	c->incoming = incoming;
	c->next = t->conns;
	if (t->conns != NULL) {
		t->conns->prev = c;
	}
	t->conns = c;
	return c;
}

/* Clears lws's pointer to c, so callbacks that still come for its wsi find nothing. */
static void conn_detach(struct lws_conn *c) {
	if (c->wsi == NULL) {
		return;
	}
	if (c->incoming) {
		*c->slot = NULL;
	} else {
		/* The user space of an outgoing wsi was given as userdata (externally allocated),
		 * which lws_set_wsi_user may replace in every 4.x release. */
		lws_set_wsi_user(c->wsi, NULL);
	}
	c->wsi = NULL;
	c->slot = NULL;
}

static void conn_free(struct lws_conn *c) {
	struct lws_transport *t = c->t;
	conn_detach(c);
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		t->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	/* A peer that left with a large queue (it stopped reading) leaves thousands of small
	 * blocks in malloc's free lists, still counted as the process's memory: they are handed
	 * back to the system. */
	bool large = c->base.queued > RX_RESUME_AT;
	while (c->out_head != NULL) {
		struct out_frame *f = c->out_head;
		c->out_head = f->next;
		uccn_alloc_free(f);
	}
	uccn_alloc_free(c->rx);
	uccn_alloc_free(c);
#ifdef __GLIBC__
	if (large) {
		malloc_trim(0);
	}
#else
	(void)large;
#endif
}

static void report_close(struct lws_conn *c) {
	struct lws_transport *t = c->t;
	if (c->reason[0] == '\0') {
		snprintf(c->reason, sizeof(c->reason), "connection lost");
	}
	t->fired++;
	uccn_transport_emit_close(&t->base, &c->base, c->reason);
	conn_free(c);
}

/* lws is done with c: report it now, or from the next poll when inside connect(). */
static void conn_end(struct lws_conn *c) {
	struct lws_transport *t = c->t;
	conn_detach(c);
	c->state = CONN_ENDED;
	if (t->destroying) {
		conn_free(c);
	} else if (c == t->connecting) {
		/* connect() marks it deferred once lws_client_connect_via_info returns. */
	} else {
		report_close(c);
	}
}

/* "address:port" of the socket's peer, for logs. */
static void peer_name(struct lws *wsi, char *out, size_t size) {
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	int fd = lws_get_socket_fd(wsi);
	int n = -1;
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
			if (inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)) != NULL) {
				n = snprintf(
					out, size, "%s:%u", ip, (unsigned)ntohs(sin->sin_port));
			}
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
			if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
				if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip,
					    sizeof(ip)) != NULL) {
					n = snprintf(out, size, "%s:%u", ip,
						(unsigned)ntohs(sin6->sin6_port));
				}
			} else if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip)) != NULL) {
				n = snprintf(
					out, size, "[%s]:%u", ip, (unsigned)ntohs(sin6->sin6_port));
			}
		}
	}
	if (n < 0) {
		snprintf(out, size, "unknown");
	}
}

static void request_writeable(struct lws_conn *c) {
	if (c->wsi != NULL && (c->state == CONN_OPEN || c->state == CONN_CLOSING)) {
		lws_callback_on_writable(c->wsi);
	}
}

static int on_established(struct lws_transport *t, struct lws *wsi, struct lws_conn **slot) {
	if (slot == NULL) {
		return -1;
	}
	struct lws_conn *c = conn_create(t, true);
	if (c == NULL) {
		uccn_log(UCCN_LOG_ERROR, "transport: out of memory accepting a connection");
		return -1;
	}
	c->wsi = wsi;
	c->slot = slot;
	*slot = c;
	c->state = CONN_OPEN;
	peer_name(wsi, c->base.peer, sizeof(c->base.peer));
	t->fired++;
	uccn_transport_emit_open(&t->base, &c->base, true);
	return 0;
}

static void on_client_established(struct lws_conn *c) {
	if (c->state == CONN_CLOSING) {
		/* Closed while connecting: the kill asked for may come after this. The queue goes
		 * unsent either way, and the connection ends without on_open. */
		while (c->out_head != NULL) {
			struct out_frame *f = c->out_head;
			c->out_head = f->next;
			c->base.queued -= f->len + FRAME_OVERHEAD;
			uccn_alloc_free(f);
		}
		c->out_tail = NULL;
		request_writeable(c);
		return;
	}
	c->state = CONN_OPEN;
	c->t->fired++;
	uccn_transport_emit_open(&c->t->base, &c->base, false);
	if (c->out_head != NULL) {
		request_writeable(c);
	}
}

/* The peer broke the websocket rules of PROTOCOL.md §10.1: no frame can say why, so the close
 * does, with status and why (a literal). What we had queued is dropped, and the connection
 * lingers like any other we close (see linger), so that the peer can read the close. */
static void refuse_peer(struct lws_conn *c, uint16_t status, const char *why) {
	while (c->out_head != NULL) {
		struct out_frame *f = c->out_head;
		c->out_head = f->next;
		c->base.queued -= f->len - f->sent;
		uccn_alloc_free(f);
	}
	c->out_tail = NULL;
	c->rx_len = 0;
	c->close_status = status;
	c->close_why = why;
	c->state = CONN_CLOSING;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_FLUSH_SECS);
	request_writeable(c);
}

/* Returns nonzero to have lws close the connection. */
static int on_receive(struct lws_conn *c, const uint8_t *in, size_t len) {
	if (c->state != CONN_OPEN) {
		return 0; /* closing: no more frames are reported */
	}
	if (!lws_frame_is_binary(c->wsi)) {
		set_reason(c, "text frame from peer");
		uccn_log(UCCN_LOG_WARN, "transport: %s: %s", c->base.peer, c->reason);
		refuse_peer(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "binary frames only");
		return 0;
	}
	/* remaining is what is left of the current websocket fragment; checking it first closes
	 * on an oversize frame before buffering a megabyte of it. */
	size_t remaining = lws_remaining_packet_payload(c->wsi);
	size_t max = c->base.frame_max;
	size_t room = max > c->rx_len ? max - c->rx_len : 0;
	if (len > room || remaining > room - len) {
		set_reason(c, "frame larger than %zu bytes from peer", max);
		uccn_log(UCCN_LOG_WARN, "transport: %s: %s", c->base.peer, c->reason);
		refuse_peer(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "frame too large");
		return 0;
	}
	/* The buffer grows with the bytes that came, not with what the frame's header claims:
	 * a peer that announces a megabyte and sends ten bytes costs ten bytes (doubled). */
	size_t need = c->rx_len + len;
	if (need > c->rx_cap) {
		size_t cap = c->rx_cap * 2 > need ? c->rx_cap * 2 : need;
		if (cap > max) {
			cap = max;
		}
		uint8_t *rx = uccn_alloc_realloc(c->rx, cap);
		if (rx == NULL) {
			set_reason(c, "out of memory");
			uccn_log(UCCN_LOG_ERROR,
				"transport: %s: out of memory reassembling a frame", c->base.peer);
			return -1;
		}
		c->rx = rx;
		c->base.rx_buffered = c->rx_cap = cap;
	}
	if (len > 0) {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (remaining > 0 || !lws_is_final_fragment(c->wsi)) {
		return 0;
	}
	size_t frame_len = c->rx_len;
	c->rx_len = 0;
	if (frame_len == 0) {
		return 0; /* an empty frame: nobody sends one (send refuses them) */
	}
	c->t->fired++;
	uccn_transport_emit_frame(&c->t->base, &c->base, c->rx, frame_len);
	/* The callback may have called close(c), never freed it: c is still ours. */
	if (c->rx_cap > RX_KEEP_MAX) {
		uccn_alloc_free(c->rx);
		c->rx = NULL;
		c->base.rx_buffered = c->rx_cap = 0;
	}
	return 0;
}

/* Everything queued has gone: end our side without losing it. Letting lws close here would
 * close the socket as soon as the peer's next bytes arrive (lws does not wait for the close
 * answer once data comes instead), and a socket closed with unread bytes answers with a TCP
 * reset, which can make the peer's kernel drop what we sent last, unread: the ERROR that says
 * why (PROTOCOL.md §10.5). So we send the websocket close ourselves, shut our sending side, and
 * read and drop whatever the peer still sends until it closes too or LINGER_SECS pass. */
static int linger(struct lws_conn *c) {
	if (c->lingering) {
		return 0;
	}
	c->lingering = true;
	if (c->rx_paused) {
		/* Lingering is reading: what the peer sends must be taken, not left to a reset. */
		c->rx_paused = false;
		lws_rx_flow_control(c->wsi, 1);
	}
	uint8_t close_frame[LWS_PRE + 2 + REASON_MAX];
	unsigned status = c->close_status != 0 ? c->close_status : LWS_CLOSE_STATUS_NORMAL;
	size_t n = c->close_why != NULL ? strlen(c->close_why) : 0;
	close_frame[LWS_PRE] = (uint8_t)(status >> 8);
	close_frame[LWS_PRE + 1] = (uint8_t)(status & 0xff);
	if (n > 0) {
		memcpy(close_frame + LWS_PRE + 2, c->close_why, n);
	}
	if (lws_write(c->wsi, close_frame + LWS_PRE, 2 + n, WRITE_CLOSE) < (int)(2 + n)) {
		return -1; /* the connection is gone already */
	}
	int fd = lws_get_socket_fd(c->wsi);
	if (fd < 0 || shutdown(fd, SHUT_WR) < 0) {
		return -1;
	}
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LINGER_SECS);
	return 0;
}

/* Sends queued frames, one websocket fragment per write, until the socket would block or
 * WRITE_BUDGET bytes went out (then the loop's other connections get their turn); returns
 * nonzero to have lws close. */
static int on_writeable(struct lws_conn *c) {
	if (c->state != CONN_OPEN && c->state != CONN_CLOSING) {
		return 0;
	}
	if (c->out_head == NULL && c->state == CONN_CLOSING) {
		return linger(c);
	}
	size_t budget = WRITE_BUDGET;
	struct out_frame *f;
	while ((f = c->out_head) != NULL) {
		size_t n = f->len - f->sent;
		if (n > CHUNK_MAX) {
			n = CHUNK_MAX;
		}
		bool first = f->sent == 0;
		bool last = f->sent + n == f->len;
		/* lws writes the fragment's header into the LWS_PRE bytes before the payload. For
		 * a later fragment those are bytes of this frame that were already sent, and lws
		 * needs them no more: when a write is partial, lws keeps its own copy of the
		 * rest. */
		int flags = lws_write_ws_flags(LWS_WRITE_BINARY, first, last);
		int w = lws_write(
			c->wsi, f->buf + LWS_PRE + f->sent, n, (enum lws_write_protocol)flags);
		if (w < (int)n) {
			set_reason(c, "write failed");
			return -1;
		}
		f->sent += n;
		if (last) {
			c->out_head = f->next;
			if (c->out_head == NULL) {
				c->out_tail = NULL;
			}
			c->base.queued -= f->len + FRAME_OVERHEAD;
			uccn_alloc_free(f);
		}
		budget = n < budget ? budget - n : 0;
		/* Choked: lws holds part of the last write, or the socket is full. Writing on
		 * would only pile up copies inside lws. */
		if (budget == 0 || lws_send_pipe_choked(c->wsi)) {
			break;
		}
	}
	if (c->rx_paused && c->base.queued < RX_RESUME_AT) {
		c->rx_paused = false;
		lws_rx_flow_control(c->wsi, 1);
	}
	if (c->out_head != NULL || (c->state == CONN_CLOSING && !c->lingering)) {
		lws_callback_on_writable(c->wsi);
	}
	return 0;
}

static void on_peer_close(struct lws_conn *c, const uint8_t *in, size_t len) {
	if (len < 2) {
		set_reason(c, "closed by peer");
		return;
	}
	/* The peer's text is untrusted: keep printable ASCII only. */
	char text[64];
	size_t n = 0;
	for (size_t i = 2; i < len && n + 1 < sizeof(text); i++) {
		text[n++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	}
	text[n] = '\0';
	unsigned code = (unsigned)in[0] << 8 | in[1];
	set_reason(c, n > 0 ? "closed by peer (%u: %s)" : "closed by peer (%u)%s", code, text);
}

static int callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
	struct lws_conn *c = user != NULL ? *(struct lws_conn **)user : NULL;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return -1; /* a plain HTTP request: not a node */
	case LWS_CALLBACK_ESTABLISHED:
		return on_established(lws_context_user(lws_get_context(wsi)), wsi, user);
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (c != NULL) {
			on_client_established(c);
		}
		return 0;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return c != NULL ? on_receive(c, in, len) : 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return c != NULL ? on_writeable(c) : 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (c != NULL) {
			on_peer_close(c, in, len);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c != NULL) {
			const char *why = in != NULL ? in : "unknown error";
			set_reason(c, "connection failed: %.*s", (int)strnlen(why, 80), why);
			conn_end(c);
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (c != NULL) {
			conn_end(c);
		}
		return 0;
	default:
		return 0;
	}
}

static void fill_vhost_info(struct lws_transport *t, struct lws_context_creation_info *info) {
	memset(info, 0, sizeof(*info));
	info->port = CONTEXT_PORT_NO_LISTEN;
	info->protocols = t->protocols;
	info->user = t;
	info->gid = -1;
	info->uid = -1;
	info->connect_timeout_secs = CONNECT_TIMEOUT_SECS;
	/* TCP keepalive finds peers that vanished without a word. */
	info->ka_time = 60;
	info->ka_probes = 3;
	info->ka_interval = 10;
}

/* libwebsockets does not say why a listening socket failed; binding one ourselves does (the
 * usual reason: the port is taken). Only after a failure. Returns the errno of the bind, or 0
 * when the bind works and lws refused for a reason of its own. */
static int why_no_bind(const char *host, uint16_t port) {
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (host != NULL && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		len = sizeof(*a4);
	} else {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		a6->sin6_addr = in6addr_any;
		if (host != NULL && inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
			return EINVAL;
		}
		len = sizeof(*a6);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		return errno;
	}
	int e = bind(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	close(fd);
	return e;
}

/* Makes the vhost of a listener (the sessions' or the HTTP one), in *vh. lws's own lines on a
 * failed bind ("ERROR on binding fd 16 ... (-1 98)") say less than ours, and a service's log
 * is read by people: they are hushed for this call. A taken port is UCCN_EBUSY with no line:
 * the caller says so in its own words, a taken port being an everyday case. `what` is what
 * the listener cannot do, for the error line. */
static int listener_vhost(struct lws_transport *t, const struct lws_context_creation_info *info,
	const char *what, const char *host, uint16_t port, struct lws_vhost **vh) {
	lws_set_log_level(0, log_emit);
	*vh = lws_create_vhost(t->ctx, info);
	lws_set_log_level(LWS_LOG_LEVELS, log_emit);
	if (*vh != NULL) {
		return UCCN_OK;
	}
	int e = why_no_bind(host, port);
	if (e == EADDRINUSE) {
		return UCCN_EBUSY;
	}
	uccn_log(UCCN_LOG_ERROR, "transport: cannot %s on %s port %u: %s", what,
		host != NULL ? host : "*", (unsigned)port,
		e != 0 ? strerror(e) : "refused by libwebsockets");
	return UCCN_EIO;
}

/* The port a listener's vhost bound (port 0 lets the system choose), in *bound_port when
 * asked; a vhost bound to none is destroyed. kind ("" or "HTTP ") is for the error line. */
static int listener_port(struct lws_vhost *vh, const char *kind, const char *host, uint16_t port,
	uint16_t *bound_port) {
	int bound = lws_get_vhost_listen_port(vh);
	if (bound <= 0 || bound > UINT16_MAX) {
		uccn_log(UCCN_LOG_ERROR, "transport: no %sport bound on %s port %u", kind,
			host != NULL ? host : "*", (unsigned)port);
		lws_vhost_destroy(vh);
		return UCCN_EIO;
	}
	if (bound_port != NULL) {
		*bound_port = (uint16_t)bound;
	}
	return UCCN_OK;
}

static int lws_listen(
	struct uccn_transport *base, const char *host, uint16_t port, uint16_t *bound_port) {
	struct lws_transport *t = transport_of(base);
	struct lws_context_creation_info info;
	fill_vhost_info(t, &info);
	struct in_addr a4;
	struct in6_addr a6;
	struct listener *l = NULL;
	if (host != NULL) {
		bool v4 = inet_pton(AF_INET, host, &a4) == 1;
		if (!v4 && inet_pton(AF_INET6, host, &a6) != 1) {
			return UCCN_EINVAL;
		}
		if ((l = uccn_alloc_calloc(1, sizeof(*l))) == NULL) {
			return UCCN_ENOMEM;
		}
		snprintf(l->iface, sizeof(l->iface), "%s", host);
		info.iface = l->iface;
		if (v4) {
			/* Otherwise lws opens an IPv6 socket and has to map the IPv4 address. */
			info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		}
	}
	info.port = port;
	info.vhost_name = "uccn-listen"; /* lws keeps the pointer: a literal lives forever */
	struct lws_vhost *vh = NULL;
	int err = listener_vhost(t, &info, "listen", host, port, &vh);
	if (err < 0) {
		uccn_alloc_free(l);
		return err;
	}
	if (l != NULL) {
		l->next = t->listeners; /* freed with the transport, after the vhost */
		t->listeners = l;
	}
	return listener_port(vh, "", host, port, bound_port);
}

/* Splits "ws://host[:port][/path]" or "wss://..." (TLS: a hub behind a reverse proxy that
 * terminates it); host may be a bracketed IPv6 address. Without a port, ws:// means uccn's own
 * (UCCN_NET_DEFAULT_PORT, where serve listens) and wss:// 443 (where a proxy listens). */
static int parse_url(
	const char *url, char host[HOST_MAX], int *port, char path[PATH_MAX_LEN], bool *tls) {
	static const char ws[] = "ws://", wss[] = "wss://";
	size_t skip;
	if (strncmp(url, ws, sizeof(ws) - 1) == 0) {
		skip = sizeof(ws) - 1;
		*tls = false;
		*port = UCCN_NET_DEFAULT_PORT;
	} else if (strncmp(url, wss, sizeof(wss) - 1) == 0) {
		skip = sizeof(wss) - 1;
		*tls = true;
		*port = 443;
	} else {
		return UCCN_EINVAL;
	}
	const char *p = url + skip;
	const char *h = p, *h_end;
	if (*p == '[') {
		h = ++p;
		p = strchr(p, ']');
		if (p == NULL) {
			return UCCN_EINVAL;
		}
		h_end = p++;
	} else {
		p += strcspn(p, ":/");
		h_end = p;
	}
	if (h_end == h || (size_t)(h_end - h) >= HOST_MAX) {
		return UCCN_EINVAL;
	}
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = '\0';
	if (*p == ':') {
		long v = 0;
		p++;
		if (*p < '0' || *p > '9') {
			return UCCN_EINVAL;
		}
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > 65535) {
				return UCCN_EINVAL;
			}
		}
		if (v == 0) {
			return UCCN_EINVAL;
		}
		*port = (int)v;
	}
	if (*p != '\0' && *p != '/') {
		return UCCN_EINVAL;
	}
	if (snprintf(path, PATH_MAX_LEN, "%s", *p == '/' ? p : "/") >= PATH_MAX_LEN) {
		return UCCN_EINVAL;
	}
	return UCCN_OK;
}

/* The vhost wss:// connections ride on, made at the first: loading the CAs costs a few hundred
 * KiB and milliseconds that a node dialling ws:// only (or none) need not pay. lws would look
 * for CAs in a folder of its build's choosing; Debian keeps the system's in one file, and
 * OpenSSL's SSL_CERT_FILE names another (a private CA). */
static struct lws_vhost *tls_vhost(struct lws_transport *t) {
	if (t->tls == NULL) {
		struct lws_context_creation_info info;
		fill_vhost_info(t, &info);
		info.vhost_name = "uccn-client-tls";
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		const char *ca_file = getenv("SSL_CERT_FILE");
		info.client_ssl_ca_filepath =
			ca_file != NULL && ca_file[0] != '\0' ? ca_file : SYSTEM_CA_FILE;
		t->tls = lws_create_vhost(t->ctx, &info);
	}
	return t->tls;
}

static int lws_connect(struct uccn_transport *base, const char *url, struct uccn_conn **out) {
	struct lws_transport *t = transport_of(base);
	char host[HOST_MAX], path[PATH_MAX_LEN];
	int port;
	bool tls;
	if (parse_url(url, host, &port, path, &tls) < 0) {
		return UCCN_EINVAL;
	}
	struct lws_vhost *vhost = NULL; /* ws://: the context's first, the client vhost */
	if (tls && (vhost = tls_vhost(t)) == NULL) {
		uccn_log(UCCN_LOG_ERROR, "transport: cannot set up TLS for %s", url);
		return UCCN_EIO;
	}
	struct lws_conn *c = conn_create(t, false);
	if (c == NULL) {
		return UCCN_ENOMEM;
	}
	c->state = CONN_CONNECTING;
	bool v6 = strchr(host, ':') != NULL;
	if (snprintf(c->base.peer, sizeof(c->base.peer), v6 ? "[%s]:%d" : "%s:%d", host, port) <
		0) {
		c->base.peer[0] = '\0';
	}

	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = t->ctx;
	ci.vhost = vhost;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	/* No Origin: it is a browser's header, and a node is no page of any site; on a metered
	 * link every session would pay its bytes. */
	ci.protocol = PROTOCOL_NAME;
	/* The certificate is checked against the system's CA store (or SSL_CERT_FILE) and the
	 * host name; the session's own handshake runs inside unchanged. */
	ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	/* A websocket upgrade is HTTP/1.1: never take the h2 a proxy may offer. */
	ci.alpn = "http/1.1";
	ci.userdata = c; /* see struct lws_conn's self */
	ci.pwsi = &c->wsi;
	struct lws_conn *outer = t->connecting;
	t->connecting = c;
	struct lws *wsi = lws_client_connect_via_info(&ci);
	t->connecting = outer;
	if (wsi == NULL) {
		/* lws freed the wsi, whether or not it called back first. */
		c->wsi = NULL;
		set_reason(c, "connection failed");
		c->state = CONN_ENDED;
	}
	if (c->state == CONN_ENDED) {
		c->deferred = true;
		t->deferred++;
	}
	*out = &c->base;
	return UCCN_OK;
}

static int lws_send(
	struct uccn_transport *base, struct uccn_conn *conn, const uint8_t *frame, size_t len) {
	struct lws_conn *c = conn_of(conn);
	if (c->state == CONN_CLOSING || c->state == CONN_ENDED) {
		return UCCN_ECLOSED;
	}
	struct out_frame *f = uccn_alloc_malloc(sizeof(*f) + LWS_PRE + len);
	if (f == NULL) {
		return UCCN_ENOMEM;
	}
	f->next = NULL;
	f->len = len;
	f->sent = 0;
	memcpy(f->buf + LWS_PRE, frame, len);
	if (c->out_tail != NULL) {
		c->out_tail->next = f;
	} else {
		c->out_head = f;
	}
	c->out_tail = f;
	c->base.queued += len + FRAME_OVERHEAD;
	if (c->state == CONN_OPEN) {
		request_writeable(c);
		if (!c->rx_paused && c->base.queued > RX_PAUSE_AT && c->wsi != NULL) {
			c->rx_paused = true;
			lws_rx_flow_control(c->wsi, 0);
		}
	}
	return UCCN_OK;
}

static void lws_close(struct uccn_transport *base, struct uccn_conn *conn) {
	struct lws_conn *c = conn_of(conn);
	switch (c->state) {
	case CONN_CONNECTING:
		c->state = CONN_CLOSING;
		set_reason(c, "closed");
		if (c->wsi != NULL) {
			/* Nothing to flush before the handshake: drop it at the next service. */
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		}
		break;
	case CONN_OPEN:
		c->state = CONN_CLOSING;
		set_reason(c, "closed");
		/* on_writeable sends what is queued, then the close; a peer that reads nothing
		 * gets cut when the timeout fires. */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_FLUSH_SECS);
		request_writeable(c);
		break;
	case CONN_CLOSING:
	case CONN_ENDED:
		break;
	}
}

static void wake(lws_sorted_usec_list_t *sul) {
	/* Nothing to do: firing ends the wait in lws_service. */
}

/* --- HTTP: the node's web page ------------------------------------------------------------
 * Each uccn_transport_listen_http adds a vhost with a protocol of its own whose callback reads
 * one whole request (headers, then a body of at most UCCN_HTTP_BODY_MAX), hands it to the
 * handler and writes back its answer, one chunk per writeable callback. An answer marked as a
 * stream stays open: uccn_transport_http_push appends to every such connection. */

#define HTTP_CHUNK ((size_t)16 * 1024)
/* A stream whose client stopped reading is cut once this much waits for it. */
#define HTTP_STREAM_QUEUE_MAX ((size_t)1024 * 1024)

struct http_listener {
	struct http_listener *next;
	struct lws_transport *t;
	uccn_http_handler_fn fn;
	void *userdata;
	struct lws_protocols protocols[2];
	char iface[INET6_ADDRSTRLEN];
};

/* lws's per-session block of an HTTP connection (zeroed by lws, freed by lws). */
struct http_conn {
	struct http_conn *prev, *next; /* in t->streams, when stream */
	struct http_listener *l;
	struct lws *wsi;
	char method[8];
	char *path, *query, *host, *origin, *cookie, *content_type, *csrf, *lang;
	char peer[INET6_ADDRSTRLEN];
	struct uccn_bytes body;
	size_t expect;    /* body bytes announced */
	bool too_large;   /* announced more than UCCN_HTTP_BODY_MAX: not read */
	bool answered;    /* the handler ran */
	int status;
	struct uccn_bytes headers, out;
	size_t out_sent;
	bool headers_sent, stream, linked;
};

static char *http_header(struct lws *wsi, enum lws_token_indexes tok) {
	int n = lws_hdr_total_length(wsi, tok);
	if (n <= 0 || (size_t)n >= UCCN_HTTP_HEADER_MAX) {
		return uccn_alloc_strdup("");
	}
	char *s = uccn_alloc_malloc((size_t)n + 1);
	if (s != NULL && lws_hdr_copy(wsi, s, n + 1, tok) < 0) {
		s[0] = '\0';
	}
	return s;
}

static char *http_custom_header(struct lws *wsi, const char *name) {
	int len = (int)strlen(name);
	int n = lws_hdr_custom_length(wsi, name, len);
	if (n <= 0 || (size_t)n >= UCCN_HTTP_HEADER_MAX) {
		return uccn_alloc_strdup("");
	}
	char *s = uccn_alloc_malloc((size_t)n + 1);
	if (s != NULL && lws_hdr_custom_copy(wsi, s, n + 1, name, len) < 0) {
		s[0] = '\0';
	}
	return s;
}

static bool http_unreserved(unsigned char ch) {
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static int http_escape(struct uccn_bytes *b, const char *s, size_t len) {
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
		int err = http_unreserved(ch) ? uccn_bytes_append(b, &s[i], 1)
					      : uccn_bytes_append(b, e, 3);
		if (err < 0) {
			return err;
		}
	}
	return UCCN_OK;
}

/* lws splits the query at '&' and decodes each piece; the handler gets it back encoded, so
 * that a decoded '&' or '=' inside a value cannot be read as a separator. */
static char *http_query(struct lws *wsi) {
	struct uccn_bytes q = {0};
	char frag[UCCN_HTTP_HEADER_MAX];
	for (int i = 0; i < 64; i++) {
		int n = lws_hdr_copy_fragment(wsi, frag, (int)sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0) {
			break;
		}
		const char *eq = memchr(frag, '=', (size_t)n);
		size_t name_len = eq != NULL ? (size_t)(eq - frag) : (size_t)n;
		if ((q.len > 0 && uccn_bytes_append(&q, "&", 1) < 0) ||
			http_escape(&q, frag, name_len) < 0 ||
			(eq != NULL && (uccn_bytes_append(&q, "=", 1) < 0 ||
					       http_escape(&q, eq + 1, (size_t)n - name_len - 1) < 0))) {
			uccn_bytes_finish(&q);
			return NULL;
		}
	}
	if (uccn_bytes_append(&q, "", 1) < 0) {
		uccn_bytes_finish(&q);
		return NULL;
	}
	return (char *)q.data;
}

static void http_unlink(struct http_conn *h) {
	if (!h->linked) {
		return;
	}
	struct lws_transport *t = h->l->t;
	if (h->prev != NULL) {
		h->prev->next = h->next;
	} else {
		t->streams = h->next;
	}
	if (h->next != NULL) {
		h->next->prev = h->prev;
	}
	h->linked = false;
}

static void http_free(struct http_conn *h) {
	http_unlink(h);
	char **strs[] = {&h->path, &h->query, &h->host, &h->origin, &h->cookie, &h->content_type,
		&h->csrf, &h->lang};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		uccn_alloc_free(*strs[i]);
		*strs[i] = NULL;
	}
	uccn_bytes_finish(&h->body);
	uccn_bytes_finish(&h->headers);
	uccn_bytes_finish(&h->out);
	h->wsi = NULL;
}

static void http_answer(struct http_conn *h) {
	struct uccn_http_request req = {
		.method = h->method,
		.path = h->path,
		.query = h->query,
		.host = h->host,
		.origin = h->origin,
		.cookie = h->cookie,
		.content_type = h->content_type,
		.csrf_token = h->csrf,
		.accept_language = h->lang,
		.peer = h->peer,
		.body = h->body.data != NULL ? h->body.data : (const uint8_t *)"",
		.body_len = h->body.len,
		.body_too_large = h->too_large,
	};
	struct uccn_http_response res;
	memset(&res, 0, sizeof(res));
	h->l->fn(h->l->userdata, &req, &res);
	h->answered = true;
	h->status = res.status > 0 ? res.status : 500;
	h->headers = res.headers;
	h->out = res.body;
	h->stream = res.stream;
	uccn_bytes_finish(&h->body);
	if (h->stream) {
		struct lws_transport *t = h->l->t;
		h->prev = NULL;
		h->next = t->streams;
		if (t->streams != NULL) {
			t->streams->prev = h;
		}
		t->streams = h;
		h->linked = true;
		/* An event stream is quiet for long stretches: the handler's pings keep it alive. */
		lws_set_timeout(h->wsi, NO_PENDING_TIMEOUT, 0);
	}
	lws_callback_on_writable(h->wsi);
}

static int http_on_request(struct http_listener *l, struct http_conn *h, struct lws *wsi) {
	char *uri = NULL;
	int uri_len = 0;
	int m = lws_http_get_uri_and_method(wsi, &uri, &uri_len);
	static const char *const names[] = {[LWSHUMETH_GET] = "GET", [LWSHUMETH_POST] = "POST",
		[LWSHUMETH_OPTIONS] = "OPTIONS", [LWSHUMETH_PUT] = "PUT", [LWSHUMETH_PATCH] = "PATCH",
		[LWSHUMETH_DELETE] = "DELETE", [LWSHUMETH_HEAD] = "HEAD"};
	if (m < 0 || m > LWSHUMETH_HEAD || m == LWSHUMETH_CONNECT || uri_len <= 0 ||
		(size_t)uri_len >= UCCN_HTTP_PATH_MAX) {
		return -1;
	}
	memset(h, 0, sizeof(*h));
	h->l = l;
	h->wsi = wsi;
	snprintf(h->method, sizeof(h->method), "%s", names[m]);
	h->path = uccn_alloc_malloc((size_t)uri_len + 1);
	if (h->path != NULL) {
		memcpy(h->path, uri, (size_t)uri_len);
		h->path[uri_len] = '\0';
	}
	h->query = http_query(wsi);
	h->host = http_header(wsi, WSI_TOKEN_HOST);
	h->origin = http_header(wsi, WSI_TOKEN_ORIGIN);
	h->cookie = http_header(wsi, WSI_TOKEN_HTTP_COOKIE);
	h->content_type = http_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
	h->lang = http_header(wsi, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE);
	h->csrf = http_custom_header(wsi, "x-csrf-token:");
	lws_get_peer_simple(wsi, h->peer, sizeof(h->peer));
	if (h->path == NULL || h->query == NULL || h->host == NULL || h->origin == NULL ||
		h->cookie == NULL || h->content_type == NULL || h->lang == NULL || h->csrf == NULL) {
		return -1;
	}
	char len_text[32];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
		lws_hdr_copy(wsi, len_text, sizeof(len_text), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
		char *end;
		unsigned long long n = strtoull(len_text, &end, 10);
		h->expect = n > UCCN_HTTP_BODY_MAX ? UCCN_HTTP_BODY_MAX + 1 : (size_t)n;
	}
	if (h->expect > UCCN_HTTP_BODY_MAX) {
		h->too_large = true;
		h->expect = 0;
	}
	if (h->expect == 0) {
		http_answer(h);
	}
	return 0;
}

static int http_on_body(struct http_conn *h, const uint8_t *in, size_t len) {
	if (h->answered || h->body.len + len > h->expect) {
		h->too_large = !h->answered;
		return h->answered ? 0 : -1;
	}
	return uccn_bytes_append(&h->body, in, len) < 0 ? -1 : 0;
}

/* Writes the status line and headers, then one chunk of the body per call. Returns -1 to
 * close the connection (lws's convention). */
static int http_on_writeable(struct http_conn *h) {
	if (!h->answered) {
		return 0;
	}
	struct lws *wsi = h->wsi;
	if (!h->headers_sent) {
		size_t cap = LWS_PRE + h->headers.len + 1024;
		uint8_t *buf = uccn_alloc_malloc(cap);
		if (buf == NULL) {
			return -1;
		}
		uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + cap;
		int bad = lws_add_http_header_status(wsi, (unsigned)h->status, &p, end);
		const char *line = (const char *)h->headers.data;
		const char *stop = line != NULL ? line + h->headers.len : NULL;
		while (!bad && line != NULL && line < stop) {
			const char *eol = memchr(line, '\n', (size_t)(stop - line));
			size_t n = eol != NULL ? (size_t)(eol - line) : (size_t)(stop - line);
			const char *colon = memchr(line, ':', n);
			if (colon != NULL) {
				char name[128];
				size_t nl = (size_t)(colon - line);
				const char *v = colon + 1;
				size_t vl = n - nl - 1;
				while (vl > 0 && (*v == ' ')) {
					v++, vl--;
				}
				while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) {
					vl--;
				}
				if (nl + 2 <= sizeof(name)) {
					memcpy(name, line, nl);
					name[nl] = ':';
					name[nl + 1] = '\0';
					bad = lws_add_http_header_by_name(wsi, (const uint8_t *)name,
						(const uint8_t *)v, (int)vl, &p, end);
				}
			}
			line = eol != NULL ? eol + 1 : stop;
		}
		if (!bad && !h->stream) {
			bad = lws_add_http_header_content_length(wsi, h->out.len, &p, end);
		}
		if (!bad) {
			bad = lws_finalize_write_http_header(wsi, start, &p, end);
		}
		uccn_alloc_free(buf);
		if (bad) {
			return -1;
		}
		h->headers_sent = true;
		if (h->out.len > 0 || h->stream) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	size_t left = h->out.len - h->out_sent;
	if (left > 0) {
		size_t n = left < HTTP_CHUNK ? left : HTTP_CHUNK;
		uint8_t *buf = uccn_alloc_malloc(LWS_PRE + n);
		if (buf == NULL) {
			return -1;
		}
		memcpy(buf + LWS_PRE, h->out.data + h->out_sent, n);
		bool last = !h->stream && n == left;
		int w = lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
		uccn_alloc_free(buf);
		if (w < (int)n) {
			return -1;
		}
		h->out_sent += n;
		if (h->out_sent < h->out.len) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		if (h->stream) {
			h->out.len = 0;
			h->out_sent = 0;
			return 0;
		}
	} else if (h->stream) {
		return 0;
	}
	/* Ready for the next request on this connection, before lws is told: with requests
	 * pipelined, it may hand over the next one from inside lws_http_transaction_completed. A
	 * body announced too large was never read: the connection cannot carry another. */
	bool close_after = h->too_large;
	struct http_listener *l = h->l;
	http_free(h);
	memset(h, 0, sizeof(*h));
	h->l = l;
	return close_after || lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
	struct http_conn *h = user;
	struct lws_vhost *vh = lws_get_vhost(wsi);
	struct http_listener *l = vh != NULL ? lws_get_vhost_user(vh) : NULL;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return l != NULL && h != NULL ? http_on_request(l, h, wsi) : -1;
	case LWS_CALLBACK_HTTP_BODY:
		return h != NULL && h->wsi != NULL ? http_on_body(h, in, len) : -1;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (h != NULL && h->wsi != NULL && !h->answered) {
			http_answer(h);
		}
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return h != NULL && h->wsi != NULL ? http_on_writeable(h) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (h != NULL && h->l != NULL) {
			http_free(h);
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int lws_listen_http(struct uccn_transport *base, const char *host, uint16_t port,
	uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port) {
	struct lws_transport *t = transport_of(base);
	struct in_addr a4;
	struct in6_addr a6;
	bool v4 = host != NULL && inet_pton(AF_INET, host, &a4) == 1;
	if (host != NULL && !v4 && inet_pton(AF_INET6, host, &a6) != 1) {
		return UCCN_EINVAL;
	}
	struct http_listener *l = uccn_alloc_calloc(1, sizeof(*l));
	if (l == NULL) {
		return UCCN_ENOMEM;
	}
	l->t = t;
	l->fn = fn;
	l->userdata = userdata;
	l->protocols[0].name = "http";
	l->protocols[0].callback = http_callback;
	l->protocols[0].per_session_data_size = sizeof(struct http_conn);
	l->protocols[0].rx_buffer_size = RX_BUFFER_SIZE;
	struct lws_context_creation_info info;
	fill_vhost_info(t, &info);
	info.protocols = l->protocols;
	info.user = l;
	info.port = port;
	info.vhost_name = "uccn-http";
	info.keepalive_timeout = 30;
	if (host != NULL) {
		snprintf(l->iface, sizeof(l->iface), "%s", host);
		info.iface = l->iface;
		if (v4) {
			info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		}
	}
	struct lws_vhost *vh = NULL;
	int err = listener_vhost(t, &info, "serve HTTP", host, port, &vh);
	if (err < 0) {
		uccn_alloc_free(l);
		return err;
	}
	l->next = t->http_listeners;
	t->http_listeners = l;
	return listener_port(vh, "HTTP ", host, port, bound_port);
}

static size_t lws_http_push(struct uccn_transport *base, const uint8_t *data, size_t len) {
	struct lws_transport *t = transport_of(base);
	size_t n = 0;
	for (struct http_conn *h = t->streams; h != NULL; h = h->next) {
		if (h->out.len - h->out_sent + len > HTTP_STREAM_QUEUE_MAX) {
			/* It does not read: let lws close it, the page reconnects. */
			lws_set_timeout(h->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
			continue;
		}
		if (uccn_bytes_append(&h->out, data, len) == UCCN_OK) {
			lws_callback_on_writable(h->wsi);
			n++;
		}
	}
	return n;
}

static int lws_poll(struct uccn_transport *base, int timeout_ms) {
	struct lws_transport *t = transport_of(base);
	t->fired = 0;
	/* Ends that happened inside connect(), oldest first is not promised: any order. */
	while (t->deferred > 0) {
		struct lws_conn *c = t->conns;
		while (c != NULL && !c->deferred) {
			c = c->next;
		}
		assert(c != NULL);
		c->deferred = false;
		t->deferred--;
		report_close(c);
	}
	int n;
	if (t->fired > 0 || timeout_ms == 0) {
		n = lws_service(t->ctx, -1); /* negative: do not wait */
	} else {
		lws_sul_schedule(t->ctx, 0, &t->wake, wake, (lws_usec_t)timeout_ms * LWS_US_PER_MS);
		n = lws_service(t->ctx, 0);
		lws_sul_cancel(&t->wake);
	}
	if (n < 0) {
		uccn_log(UCCN_LOG_ERROR, "transport: lws_service failed");
		return UCCN_EIO;
	}
	return t->fired;
}

static void lws_destroy(struct uccn_transport *base) {
	struct lws_transport *t = transport_of(base);
	t->destroying = true;
	if (t->ctx != NULL) {
		lws_context_destroy(
			t->ctx); /* frees each wsi, calling back with nothing reported */
	}
	while (t->conns != NULL) {
		conn_free(t->conns);
	}
	while (t->listeners != NULL) {
		struct listener *l = t->listeners;
		t->listeners = l->next;
		uccn_alloc_free(l);
	}
	while (t->http_listeners != NULL) {
		struct http_listener *l = t->http_listeners;
		t->http_listeners = l->next;
		uccn_alloc_free(l);
	}
	uccn_alloc_free(t);
}

static const struct uccn_transport_impl lws_impl = {
	.listen = lws_listen,
	.connect = lws_connect,
	.send = lws_send,
	.close = lws_close,
	.poll = lws_poll,
	.destroy = lws_destroy,
	.listen_http = lws_listen_http,
	.http_push = lws_http_push,
};

static unsigned fd_limit(void) {
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
		rl.rlim_cur > FD_LIMIT_MAX) {
		return FD_LIMIT_MAX;
	}
	return (unsigned)rl.rlim_cur;
}

int uccn_transport_lws_create(const struct uccn_transport_events *ev, struct uccn_transport **out) {
	assert(ev != NULL && out != NULL);
	int err = UCCN_ENOMEM;
	struct lws_transport *t = uccn_alloc_calloc(1, sizeof(*t));
	if (t == NULL) {
		goto out;
	}
	uccn_transport_init(&t->base, &lws_impl, ev);
	t->protocols[0].name = PROTOCOL_NAME;
	t->protocols[0].callback = callback;
	t->protocols[0].per_session_data_size = sizeof(struct lws_conn *);
	t->protocols[0].rx_buffer_size = RX_BUFFER_SIZE;

	/* Process-wide in lws; quiet unless something is wrong. */
	lws_set_log_level(LWS_LOG_LEVELS, log_emit);

	struct lws_context_creation_info info;
	fill_vhost_info(t, &info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.fd_limit_per_thread = fd_limit();
	/* lws reads at most this much per socket per service (default 4 KiB): a 1 MiB frame
	 * would take 256 turns of the loop. */
	info.pt_serv_buf_size = (unsigned)RX_BUFFER_SIZE;
	err = UCCN_EIO;
	if ((t->ctx = lws_create_context(&info)) == NULL) {
		uccn_log(UCCN_LOG_ERROR, "transport: cannot create the websocket context");
		goto out;
	}
	/* The vhost outgoing connections use; it listens nowhere. */
	fill_vhost_info(t, &info);
	info.vhost_name = "uccn-client";
	if (lws_create_vhost(t->ctx, &info) == NULL) {
		uccn_log(UCCN_LOG_ERROR, "transport: cannot create the client vhost");
		goto out;
	}
	*out = &t->base;
	t = NULL;
	err = UCCN_OK;
out:
	if (t != NULL) {
		lws_destroy(&t->base);
	}
	return err;
}
