/* transport.c - the wrappers that dispatch through a backend's table, and the checks every
 * backend shares (frame size, queue bound). Knows no backend. */
#include "node/transport.h"

#include <assert.h>
#include <string.h>

void uccn_transport_init(struct uccn_transport *t, const struct uccn_transport_impl *impl,
	const struct uccn_transport_events *events) {
	assert(t != NULL && impl != NULL && events != NULL);
	memset(t, 0, sizeof(*t));
	t->impl = impl;
	t->events = *events;
}

void uccn_transport_conn_init(struct uccn_conn *c, struct uccn_transport *t) {
	memset(c, 0, sizeof(*c));
	c->transport = t;
	c->frame_max = UCCN_TRANSPORT_FRAME_MAX;
}

void uccn_transport_emit_open(struct uccn_transport *t, struct uccn_conn *c, bool incoming) {
	if (t->events.on_open != NULL) {
		t->events.on_open(t->events.userdata, c, incoming);
	}
}

void uccn_transport_emit_frame(
	struct uccn_transport *t, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	if (t->events.on_frame != NULL) {
		t->events.on_frame(t->events.userdata, c, frame, len);
	}
}

void uccn_transport_emit_close(struct uccn_transport *t, struct uccn_conn *c, const char *reason) {
	if (t->events.on_close != NULL) {
		t->events.on_close(t->events.userdata, c, reason != NULL ? reason : "closed");
	}
}

int uccn_transport_listen(
	struct uccn_transport *t, const char *host, uint16_t port, uint16_t *bound_port) {
	assert(t != NULL);
	return t->impl->listen(t, host, port, bound_port);
}

int uccn_transport_listen_http(struct uccn_transport *t, const char *host, uint16_t port,
	uccn_http_handler_fn fn, void *userdata, uint16_t *bound_port) {
	assert(t != NULL && fn != NULL);
	if (t->impl->listen_http == NULL) {
		return UCCN_EINVAL;
	}
	return t->impl->listen_http(t, host, port, fn, userdata, bound_port);
}

size_t uccn_transport_http_push(struct uccn_transport *t, const uint8_t *data, size_t len) {
	assert(t != NULL);
	return t->impl->http_push != NULL ? t->impl->http_push(t, data, len) : 0;
}

int uccn_transport_connect(struct uccn_transport *t, const char *url, struct uccn_conn **out) {
	assert(t != NULL && out != NULL);
	if (url == NULL) {
		return UCCN_EINVAL;
	}
	return t->impl->connect(t, url, out);
}

int uccn_transport_send(
	struct uccn_transport *t, struct uccn_conn *c, const uint8_t *frame, size_t len) {
	assert(t != NULL && c != NULL && c->transport == t);
	if (len == 0 || len > UCCN_TRANSPORT_FRAME_MAX || frame == NULL) {
		return UCCN_EINVAL;
	}
	/* The bound is checked here, once for every backend; backends only keep queued current. */
	if (c->queued > UCCN_TRANSPORT_QUEUE_MAX - len) {
		return UCCN_EAGAIN;
	}
	return t->impl->send(t, c, frame, len);
}

void uccn_transport_close(struct uccn_transport *t, struct uccn_conn *c) {
	assert(t != NULL && c != NULL && c->transport == t);
	t->impl->close(t, c);
}

int uccn_transport_poll(struct uccn_transport *t, int timeout_ms) {
	assert(t != NULL);
	return t->impl->poll(t, timeout_ms < 0 ? 0 : timeout_ms);
}

void uccn_transport_destroy(struct uccn_transport *t) {
	if (t == NULL) {
		return;
	}
	t->impl->destroy(t);
}

void uccn_transport_conn_set_data(struct uccn_conn *c, void *data) {
	assert(c != NULL);
	c->data = data;
}

void *uccn_transport_conn_get_data(const struct uccn_conn *c) {
	assert(c != NULL);
	return c->data;
}

const char *uccn_transport_conn_peer(const struct uccn_conn *c) {
	assert(c != NULL);
	return c->peer;
}

size_t uccn_transport_conn_queued(const struct uccn_conn *c) {
	assert(c != NULL);
	return c->queued;
}

void uccn_transport_conn_set_frame_max(struct uccn_conn *c, size_t max) {
	assert(c != NULL && max > 0);
	c->frame_max = max < UCCN_TRANSPORT_FRAME_MAX ? max : UCCN_TRANSPORT_FRAME_MAX;
}

size_t uccn_transport_conn_rx_buffered(const struct uccn_conn *c) {
	assert(c != NULL);
	return c->rx_buffered;
}
