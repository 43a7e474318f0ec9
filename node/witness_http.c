/* witness_http.c - the HTTP client of tlog-witness add-checkpoint: a POST with Content-Length,
 * "Connection: close", and the whole response read until the server closes. Nothing else of
 * HTTP: no TLS, no redirects, no chunked bodies (a response that uses one is refused). */
#include "node/witness_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <uccn/log.h>

struct target {
	char host[256];
	char port[8];
	char path[512];
};

static int parse_url(const char *url, const char *suffix, struct target *t) {
	static const char scheme[] = "http://";
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
		return UCCN_EINVAL;
	}
	const char *host = url + sizeof(scheme) - 1;
	const char *slash = strchr(host, '/');
	size_t hostport = slash != NULL ? (size_t)(slash - host) : strlen(host);
	const char *colon = memchr(host, ':', hostport);
	size_t hlen = colon != NULL ? (size_t)(colon - host) : hostport;
	if (hlen == 0 || hlen >= sizeof(t->host)) {
		return UCCN_EINVAL;
	}
	memcpy(t->host, host, hlen);
	t->host[hlen] = '\0';
	size_t plen = colon != NULL ? hostport - hlen - 1 : 2;
	if (plen == 0 || plen >= sizeof(t->port)) {
		return UCCN_EINVAL;
	}
	memcpy(t->port, colon != NULL ? colon + 1 : "80", plen);
	t->port[plen] = '\0';
	const char *prefix = slash != NULL ? slash : "";
	size_t pre = strlen(prefix);
	while (pre > 0 && prefix[pre - 1] == '/') {
		pre--; /* "http://w/" and "http://w" name the same prefix */
	}
	int n = snprintf(t->path, sizeof(t->path), "%.*s%s", (int)pre, prefix, suffix);
	return n > 0 && (size_t)n < sizeof(t->path) ? UCCN_OK : UCCN_EINVAL;
}

static bool wait_for(int fd, short events, int timeout_ms) {
	struct pollfd p = {.fd = fd, .events = events};
	int n;
	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	return n > 0;
}

static int dial(const struct target *t, int timeout_ms, int *out) {
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(t->host, t->port, &hints, &res);
	if (gai != 0) {
		uccn_log(UCCN_LOG_ERROR, "witness %s:%s: %s", t->host, t->port, gai_strerror(gai));
		return UCCN_EIO;
	}
	int err = UCCN_EIO;
	for (struct addrinfo *a = res; a != NULL && err < 0; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0) {
			continue;
		}
		/* Connect with a deadline: non-blocking, then wait until writable and ask how
		 * it went. The socket stays non-blocking: every send and recv waits in poll. */
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		int flags = fcntl(fd, F_GETFL);
		if (flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
			(connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
				(errno == EINPROGRESS && wait_for(fd, POLLOUT, timeout_ms) &&
					getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
					soerr == 0))) {
			*out = fd;
			err = UCCN_OK;
		} else {
			close(fd);
		}
	}
	freeaddrinfo(res);
	if (err < 0) {
		uccn_log(UCCN_LOG_ERROR, "witness %s:%s: no connection", t->host, t->port);
	}
	return err;
}

static int send_all(int fd, const uint8_t *buf, size_t len, int timeout_ms) {
	while (len > 0) {
		if (!wait_for(fd, POLLOUT, timeout_ms)) {
			return UCCN_EIO;
		}
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n <= 0) {
			return UCCN_EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return UCCN_OK;
}

/* The status line and headers of resp (NUL-ended at its end): the status, and where the body
 * starts. Refuses a chunked body, which this client does not read. */
static int parse_response(const struct uccn_bytes *resp, int *status, size_t *body) {
	const char *r = (const char *)resp->data;
	const char *end = strstr(r, "\r\n\r\n");
	int major = 0, minor = 0, code = 0;
	if (end == NULL || sscanf(r, "HTTP/%d.%d %d", &major, &minor, &code) != 3 || code < 100 ||
		code > 999) {
		return UCCN_EIO;
	}
	for (const char *line = strstr(r, "\r\n") + 2; line < end;) {
		const char *eol = strstr(line, "\r\n");
		static const char te[] = "transfer-encoding:";
		if ((size_t)(eol - line) >= sizeof(te) - 1 &&
			strncasecmp(line, te, sizeof(te) - 1) == 0) {
			return UCCN_EIO;
		}
		line = eol + 2;
	}
	*status = code;
	*body = (size_t)(end + 4 - r);
	return UCCN_OK;
}

int uccn_witness_http_post(const char *url, const char *suffix, const uint8_t *body, size_t len,
	int timeout_ms, int *status, struct uccn_bytes *out) {
	struct target t;
	int err = parse_url(url, suffix, &t);
	if (err < 0) {
		uccn_log(UCCN_LOG_ERROR, "witness %s: not an http:// URL", url);
		return err;
	}
	int fd = -1;
	if ((err = dial(&t, timeout_ms, &fd)) < 0) {
		return err;
	}
	char head[1024];
	int n = snprintf(head, sizeof(head),
		"POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: text/plain\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n",
		t.path, t.host, t.port, len);
	struct uccn_bytes resp = {0};
	if (n <= 0 || (size_t)n >= sizeof(head)) {
		err = UCCN_EINVAL;
	}
	if (err == UCCN_OK) {
		err = send_all(fd, (const uint8_t *)head, (size_t)n, timeout_ms);
	}
	if (err == UCCN_OK) {
		err = send_all(fd, body, len, timeout_ms);
	}
	while (err == UCCN_OK) {
		uint8_t buf[4096];
		if (!wait_for(fd, POLLIN, timeout_ms)) {
			err = UCCN_EIO;
			break;
		}
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (got < 0) {
			err = UCCN_EIO;
		} else if (got == 0) {
			break;
		} else if (resp.len + (size_t)got > UCCN_WITNESS_RESPONSE_MAX) {
			err = UCCN_EIO;
		} else {
			err = uccn_bytes_append(&resp, buf, (size_t)got);
		}
	}
	close(fd);
	size_t start = 0;
	if (err == UCCN_OK && (err = uccn_bytes_append(&resp, "", 1)) == UCCN_OK &&
		(err = parse_response(&resp, status, &start)) == UCCN_OK) {
		err = uccn_bytes_append(out, resp.data + start, resp.len - 1 - start);
	}
	if (err == UCCN_EIO) {
		uccn_log(UCCN_LOG_ERROR, "witness %s: no answer, or not one in HTTP", url);
	}
	uccn_bytes_finish(&resp);
	return err;
}
