/* http.h - one HTTP request and its answer, as the node's web server (uccn_net_listen_http)
 * hands them to a handler: a complete request in, a complete response out, no sockets. The
 * handler decides everything (routes, sessions, files); the server only moves bytes, so the
 * handler is tested without a network. */
#ifndef UCCN_HTTP_H
#define UCCN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>

/* The largest request body the server reads; a larger one is not read and the handler sees
 * body_too_large (and answers 413). */
#define UCCN_HTTP_BODY_MAX ((size_t)256 * 1024)
/* Room for one request header value the server passes on; a longer one is cut to "". */
#define UCCN_HTTP_HEADER_MAX 4096
#define UCCN_HTTP_PATH_MAX 2048

/* A request. Every string is NUL-terminated and borrowed for the handler's call; a header that
 * was not sent is "". */
struct uccn_http_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH" */
	const char *path;   /* as sent, before '?', percent-encoding kept */
	const char *query;  /* after '?': name=value pairs joined by '&', percent-encoded */
	const char *host;
	const char *origin;
	const char *cookie;
	const char *content_type;
	const char *csrf_token; /* X-CSRF-Token */
	const char *accept_language;
	const char *peer; /* the client's address, without port ("127.0.0.1", "::1") */
	const uint8_t *body;
	size_t body_len;
	bool body_too_large; /* more than UCCN_HTTP_BODY_MAX was announced: body is empty */
};

/* The handler's answer. The server zeroes it before the call and frees its buffers after. */
struct uccn_http_response {
	int status;                /* 200, 404, ... */
	struct uccn_bytes headers; /* "Name: value\r\n" lines; Content-Length is the server's */
	struct uccn_bytes body;
	/* Keep the connection open after the body, as a stream of server-sent events: what
	 * uccn_net_http_push sends later goes to it, until the client leaves. */
	bool stream;
};

/* Answers req into res. Runs on the network loop's thread, inside uccn_net_run. */
typedef void (*uccn_http_handler_fn)(
	void *userdata, const struct uccn_http_request *req, struct uccn_http_response *res);

#endif
