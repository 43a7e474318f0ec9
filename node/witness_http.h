/* witness_http.h - one HTTP/1.1 POST to an external witness (C2SP tlog-witness add-checkpoint),
 * over a plain TCP connection. http:// only: a witness behind TLS sits behind a local proxy.
 * Blocking, with a deadline; knows nothing of checkpoints. */
#ifndef NODE_WITNESS_HTTP_H
#define NODE_WITNESS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* The largest response body read; a witness answers with a few signature lines. */
#define UCCN_WITNESS_RESPONSE_MAX 65536

/* POSTs body to url + suffix ("http://host[:port][/prefix]" + "/add-checkpoint") and reads the
 * whole response: *status receives the HTTP status code, out (appended to) the body. Waits at
 * most timeout_ms for each connect, write and read. UCCN_OK, UCCN_EINVAL (not an http:// URL),
 * UCCN_EIO (no connection, a timeout, or not an HTTP response), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_witness_http_post(const char *url, const char *suffix, const uint8_t *body,
	size_t len, int timeout_ms, int *status, struct uccn_bytes *out);

#endif
