/* session.c - the session handshake and encrypted channel of proto/PROTOCOL.md §10, as a state
 * machine fed with frames and time. It never sees a key byte: the ephemeral key pair and the
 * session keys live in node/crypto.c behind struct uccn_kx and struct uccn_channel, and the
 * handshake messages are encoded by proto/session_codec.c. No sockets, no clock, no threads, no
 * logging: the caller reads uccn_session_error() and logs it once. */
#include "node/session.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/alloc.h"
#include "proto/codec.h"

/* §10.3: the transcript hash starts with this context, and each side signs its own context
 * followed by the transcript hash, so that neither signature can be taken for the other nor for
 * any other message uccn signs. */
static const char TRANSCRIPT_CONTEXT[] = "uccn-session-v1";
static const char SERVER_CONTEXT[] = "uccn-session-v1 server";
static const char CLIENT_CONTEXT[] = "uccn-session-v1 client";
#define CONTEXT_MAX 22 /* the longer of the two signing contexts */

_Static_assert(
	UCCN_SESSION_NONCE_BYTES == UCCN_KEY_BYTES, "session.h gives the nonce's size as a key's");

/* The signed part of a WELCOME is a fixarray of 7 (§10.3). */
static const uint8_t WELCOME_UNSIGNED_TAG = 0x97;

enum session_state {
	STATE_WAIT_HELLO,   /* server, before anything */
	STATE_WAIT_WELCOME, /* client, HELLO queued */
	STATE_WAIT_AUTH,    /* server, WELCOME queued */
	STATE_ESTABLISHED,
	STATE_CLOSED,
};

struct uccn_session {
	enum session_state state;
	bool is_client;
	const struct uccn_identity *id;
	uint8_t self[UCCN_KEY_BYTES];
	uint8_t network[UCCN_KEY_BYTES];
	bool has_pinned;
	uint8_t pinned[UCCN_KEY_BYTES];
	uint64_t timeout_ms;
	uint64_t deadline;

	struct uccn_kx *kx;           /* our ephemeral pair, until the session keys are derived */
	struct uccn_channel *channel; /* the session keys, from then until the session closes */
	struct uccn_hash_state transcript;
	uint8_t th[UCCN_HASH_BYTES];

	/* Our kinds, copied so that a server can encode its WELCOME after cfg is gone. */
	char kinds[UCCN_SESSION_KINDS_MAX][UCCN_KIND_MAX + 1];
	size_t nkinds;
	/* Server: the WELCOME, all but the signature, and its signed part, made at create. */
	struct uccn_session_msg welcome;
	struct uccn_bytes welcome_unsigned;

	uint8_t peer[UCCN_KEY_BYTES];
	char peer_kinds[UCCN_SESSION_KINDS_MAX][UCCN_KIND_MAX + 1];
	const char *peer_kind_ptrs[UCCN_SESSION_KINDS_MAX];
	size_t npeer_kinds;

	uint64_t frames_in; /* sealed frames received and opened */
	uint8_t *plain;     /* the last payload opened */
	size_t plain_cap;

	struct uccn_bytes *queue; /* outgoing frames, oldest at qhead */
	size_t qhead, qlen, qcap;

	char error[300];
};

static bool is_handshaking(const struct uccn_session *s) {
	return s->state != STATE_ESTABLISHED && s->state != STATE_CLOSED;
}

/* Makes room for one more outgoing frame, so that pushing it cannot fail. */
static int queue_reserve(struct uccn_session *s) {
	if (s->qhead > 0 && s->qhead == s->qlen) {
		s->qhead = s->qlen = 0;
	}
	if (s->qlen < s->qcap) {
		return UCCN_OK;
	}
	size_t cap = s->qcap < 8 ? 8 : s->qcap * 2;
	struct uccn_bytes *q = uccn_alloc_realloc(s->queue, cap * sizeof(*q));
	if (q == NULL) {
		return UCCN_ENOMEM;
	}
	s->queue = q;
	s->qcap = cap;
	return UCCN_OK;
}

/* Takes ownership of f; queue_reserve() must have succeeded since the last push. */
static void queue_push(struct uccn_session *s, struct uccn_bytes *f) {
	assert(s->qlen < s->qcap);
	s->queue[s->qlen++] = *f;
	*f = (struct uccn_bytes){0};
}

/* Encodes m and queues it. */
static int queue_msg(struct uccn_session *s, const struct uccn_session_msg *m) {
	struct uccn_bytes f = {0};
	int err = queue_reserve(s);
	if (err == UCCN_OK && (err = uccn_codec_encode_session(m, &f)) == UCCN_OK) {
		queue_push(s, &f);
	}
	uccn_bytes_finish(&f);
	return err;
}

/* Drops the keys at once: nothing is sealed or opened after a session closes. */
static void close_keys(struct uccn_session *s) {
	uccn_crypto_kx_destroy(s->kx);
	s->kx = NULL;
	uccn_crypto_channel_destroy(s->channel);
	s->channel = NULL;
}

/* The ERROR that tells the peer why we end the session (§10.5): err as a positive number and
 * the reason, cut to UCCN_SESSION_REASON_MAX bytes. */
static struct uccn_session_msg error_msg(int err, const char *reason) {
	size_t len = strlen(reason);
	int64_t code = err; /* negative; the wire carries it as a positive number */
	return (struct uccn_session_msg){
		.type = UCCN_SESSION_ERROR,
		.code = (uint64_t)-code,
		.reason = reason,
		.reason_len = len < UCCN_SESSION_REASON_MAX ? len : UCCN_SESSION_REASON_MAX,
	};
}

/* Once established, the ERROR goes sealed like any payload: the peer can tell it from one of
 * the sync engine's, which never starts with a str (§10.5), and no one on the path can forge
 * or replace it. */
static void queue_sealed_error(struct uccn_session *s, const struct uccn_session_msg *m) {
	struct uccn_bytes plain = {0}, f = {0};
	if (queue_reserve(s) == UCCN_OK && uccn_codec_encode_session(m, &plain) == UCCN_OK &&
		uccn_bytes_reserve(&f, plain.len + UCCN_CHANNEL_TAG_BYTES) == UCCN_OK &&
		uccn_crypto_channel_seal(s->channel, plain.data, plain.len, f.data) == UCCN_OK) {
		f.len = plain.len + UCCN_CHANNEL_TAG_BYTES;
		queue_push(s, &f);
	}
	uccn_bytes_finish(&plain);
	uccn_bytes_finish(&f);
}

/* Closes the session with err and the reason in s->error. When tell_peer, an ERROR carries the
 * reason to the peer: in plaintext during the handshake, sealed after it (§10.5). Best effort:
 * if even that fails for memory, the peer sees the websocket close. Returns err. */
static int close_with(struct uccn_session *s, int err, bool tell_peer) {
	if (tell_peer) {
		struct uccn_session_msg m = error_msg(err, s->error);
		if (is_handshaking(s)) {
			(void)queue_msg(s, &m);
		} else if (s->state == STATE_ESTABLISHED && s->channel != NULL) {
			queue_sealed_error(s, &m);
		}
	}
	s->state = STATE_CLOSED;
	close_keys(s);
	return err;
}

/* Closes the session with err and the reason fmt; see close_with. */
__attribute__((format(printf, 4, 5))) static int fail(
	struct uccn_session *s, int err, bool tell_peer, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return close_with(s, err, tell_peer);
}

static const char *msg_name(enum uccn_session_msg_type type) {
	switch (type) {
	case UCCN_SESSION_HELLO:
		return "HELLO";
	case UCCN_SESSION_WELCOME:
		return "WELCOME";
	case UCCN_SESSION_AUTH:
		return "AUTH";
	case UCCN_SESSION_ERROR:
		return "ERROR";
	}
	return "?";
}

static enum uccn_session_msg_type expected(const struct uccn_session *s) {
	switch (s->state) {
	case STATE_WAIT_HELLO:
		return UCCN_SESSION_HELLO;
	case STATE_WAIT_WELCOME:
		return UCCN_SESSION_WELCOME;
	default:
		return UCCN_SESSION_AUTH;
	}
}

/* The peer ended the session with an ERROR. Its reason is the peer's words: only printable
 * ASCII of it reaches our error string, so that it cannot forge lines in our logs. */
static int on_peer_error(struct uccn_session *s, const struct uccn_session_msg *m) {
	char reason[UCCN_SESSION_REASON_MAX + 1];
	size_t n =
		m->reason_len < UCCN_SESSION_REASON_MAX ? m->reason_len : UCCN_SESSION_REASON_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)m->reason[i];
		reason[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	reason[n] = '\0';
	return fail(s, UCCN_ECLOSED, false, "the peer ended the session: %s", reason);
}

/* Signs context || th with our node key. */
static void sign_transcript(
	const struct uccn_session *s, const char *context, uint8_t sig[UCCN_SIG_BYTES]) {
	uint8_t msg[CONTEXT_MAX + UCCN_HASH_BYTES];
	size_t clen = strlen(context);
	memcpy(msg, context, clen);
	memcpy(msg + clen, s->th, UCCN_HASH_BYTES);
	uccn_crypto_sign(s->id, msg, clen + UCCN_HASH_BYTES, sig);
}

static int verify_transcript(const struct uccn_session *s, const char *context,
	const uint8_t sig[UCCN_SIG_BYTES], const uint8_t key[UCCN_KEY_BYTES]) {
	uint8_t msg[CONTEXT_MAX + UCCN_HASH_BYTES];
	size_t clen = strlen(context);
	memcpy(msg, context, clen);
	memcpy(msg + clen, s->th, UCCN_HASH_BYTES);
	return uccn_crypto_verify(sig, msg, clen + UCCN_HASH_BYTES, key);
}

/* The checks a HELLO and a WELCOME share (§10.4), in the order that gives the clearest reason:
 * a peer of another version or network would fail every later check too. */
static int check_intro(struct uccn_session *s, const struct uccn_session_msg *m) {
	if (m->version != UCCN_SESSION_VERSION) {
		return fail(s, UCCN_EPROTO, true, "unsupported session version %llu (we speak %d)",
			(unsigned long long)m->version, UCCN_SESSION_VERSION);
	}
	if (!uccn_crypto_equal(m->network, s->network, UCCN_KEY_BYTES)) {
		return fail(s, UCCN_ENETWORK, true, "another network");
	}
	if (uccn_crypto_equal(m->node_key, s->self, UCCN_KEY_BYTES)) {
		return fail(
			s, UCCN_EPERM, true, "the peer presents our own key: talking to ourselves");
	}
	if (s->has_pinned && !uccn_crypto_equal(m->node_key, s->pinned, UCCN_KEY_BYTES)) {
		return fail(s, UCCN_EPERM, true, "the peer's key is not the pinned key");
	}
	return UCCN_OK;
}

/* Derives the session keys and forgets the ephemeral secret: from here on, nothing that could
 * recompute the keys remains (forward secrecy). */
static int derive_keys(struct uccn_session *s, const uint8_t peer_kx[UCCN_KEY_BYTES]) {
	int err = uccn_crypto_channel_create(s->kx, peer_kx, s->is_client, &s->channel);
	if (err == UCCN_ENOMEM) {
		return fail(s, err, true, "out of memory");
	}
	if (err < 0) {
		return fail(s, UCCN_EPROTO, true, "the peer's key exchange key is unusable");
	}
	uccn_crypto_kx_destroy(s->kx);
	s->kx = NULL;
	return UCCN_OK;
}

static void keep_peer(struct uccn_session *s, const struct uccn_session_msg *m) {
	memcpy(s->peer, m->node_key, UCCN_KEY_BYTES);
	s->npeer_kinds = m->nkinds;
	for (size_t i = 0; i < m->nkinds; i++) {
		/* The codec checked each is 1 to UCCN_KIND_MAX bytes. */
		memcpy(s->peer_kinds[i], m->kinds[i], m->kind_lens[i]);
		s->peer_kinds[i][m->kind_lens[i]] = '\0';
		s->peer_kind_ptrs[i] = s->peer_kinds[i];
	}
}

/* Server: a HELLO arrived. Answer with a WELCOME signed over the transcript. */
static int on_hello(struct uccn_session *s, const struct uccn_session_msg *m, const uint8_t *frame,
	size_t len) {
	int err = check_intro(s, m);
	if (err < 0 || (err = derive_keys(s, m->kx_key)) < 0) {
		return err;
	}
	keep_peer(s, m);
	uccn_crypto_hash_init(&s->transcript);
	uccn_crypto_hash_update(
		&s->transcript, (const uint8_t *)TRANSCRIPT_CONTEXT, strlen(TRANSCRIPT_CONTEXT));
	uccn_crypto_hash_update(&s->transcript, frame, len);
	uccn_crypto_hash_update(&s->transcript, s->welcome_unsigned.data, s->welcome_unsigned.len);
	uccn_crypto_hash_final(&s->transcript, s->th);
	sign_transcript(s, SERVER_CONTEXT, s->welcome.sig);
	if ((err = queue_msg(s, &s->welcome)) < 0) {
		return fail(s, err, true, "out of memory");
	}
	s->state = STATE_WAIT_AUTH;
	return UCCN_OK;
}

/* Client: the WELCOME arrived. Check the server's signature, answer with AUTH. */
static int on_welcome(struct uccn_session *s, const struct uccn_session_msg *m) {
	int err = check_intro(s, m);
	if (err < 0) {
		return err;
	}
	/* The transcript already holds the context and our HELLO (from create). */
	uccn_crypto_hash_update(&s->transcript, &WELCOME_UNSIGNED_TAG, 1);
	uccn_crypto_hash_update(&s->transcript, m->signed_elements, m->signed_elements_len);
	uccn_crypto_hash_final(&s->transcript, s->th);
	if (verify_transcript(s, SERVER_CONTEXT, m->sig, m->node_key) < 0) {
		return fail(s, UCCN_EBADSIG, true, "the server's signature does not verify");
	}
	if ((err = derive_keys(s, m->kx_key)) < 0) {
		return err;
	}
	keep_peer(s, m);
	struct uccn_session_msg auth = {.type = UCCN_SESSION_AUTH};
	sign_transcript(s, CLIENT_CONTEXT, auth.sig);
	if ((err = queue_msg(s, &auth)) < 0) {
		return fail(s, err, true, "out of memory");
	}
	s->state = STATE_ESTABLISHED;
	return UCCN_OK;
}

/* Server: AUTH arrived. The client proves it holds the key it presented in HELLO. */
static int on_auth(struct uccn_session *s, const struct uccn_session_msg *m) {
	if (verify_transcript(s, CLIENT_CONTEXT, m->sig, s->peer) < 0) {
		return fail(s, UCCN_EBADSIG, true, "the client's signature does not verify");
	}
	s->state = STATE_ESTABLISHED;
	return UCCN_OK;
}

static int on_handshake_frame(
	struct uccn_session *s, const uint8_t *frame, size_t len, uint64_t now_ms) {
	if (now_ms >= s->deadline) {
		/* The timer may fire late; a frame after the deadline must not complete it. */
		return fail(s, UCCN_ETIMEDOUT, true, "handshake not completed within %llu ms",
			(unsigned long long)s->timeout_ms);
	}
	struct uccn_session_msg m;
	char why[160];
	int err = uccn_codec_decode_session(frame, len, &m, why, sizeof(why));
	if (err == UCCN_ENOMEM) {
		return fail(s, err, true, "out of memory");
	}
	if (err < 0) {
		return fail(s, UCCN_EPROTO, true, "malformed %s: %s", msg_name(expected(s)), why);
	}
	if (m.type == UCCN_SESSION_ERROR) {
		return on_peer_error(s, &m);
	}
	if (m.type != expected(s)) {
		return fail(s, UCCN_EPROTO, true, "expected %s, got %s", msg_name(expected(s)),
			msg_name(m.type));
	}
	switch (s->state) {
	case STATE_WAIT_HELLO:
		return on_hello(s, &m, frame, len);
	case STATE_WAIT_WELCOME:
		return on_welcome(s, &m);
	default:
		return on_auth(s, &m);
	}
}

/* Whether an opened payload may be a sealed ERROR (§10.5): an array whose first element is a
 * str, as an ERROR's magic is. Only a payload that then decodes as a well-formed ERROR is one;
 * anything else is the application's. A replication message (§11.1) starts with its type, a
 * uint, so this quick look turns every one of them away. */
static bool looks_like_error(const uint8_t *p, size_t len) {
	if (len < 2) {
		return false;
	}
	size_t at = 0;
	if (p[0] >= 0x90 && p[0] <= 0x9f) {
		at = 1; /* fixarray */
	} else if (p[0] == 0xdc) {
		at = 3; /* array 16 */
	} else if (p[0] == 0xdd) {
		at = 5; /* array 32 */
	} else {
		return false;
	}
	if (at >= len) {
		return false;
	}
	uint8_t t = p[at];
	return (t >= 0xa0 && t <= 0xbf) || t == 0xd9 || t == 0xda || t == 0xdb;
}

/* An established session: open the next sealed frame. */
static int on_sealed_frame(struct uccn_session *s, const uint8_t *frame, size_t len,
	const uint8_t **payload, size_t *payload_len) {
	size_t need = len > UCCN_CHANNEL_TAG_BYTES ? len - UCCN_CHANNEL_TAG_BYTES : 1;
	if (need > s->plain_cap) {
		uint8_t *p = uccn_alloc_realloc(s->plain, need);
		if (p == NULL) {
			return fail(s, UCCN_ENOMEM, false, "out of memory");
		}
		s->plain = p;
		s->plain_cap = need;
	}
	if (uccn_crypto_channel_open(s->channel, frame, len, s->plain) < 0) {
		/* A server that refuses our AUTH answers with a plaintext ERROR where its first
		 * sealed frame would be (§10.5); read it so that the reason reaches the user. */
		struct uccn_session_msg m;
		if (s->is_client && s->frames_in == 0 &&
			uccn_codec_decode_session(frame, len, &m, NULL, 0) == UCCN_OK &&
			m.type == UCCN_SESSION_ERROR) {
			return on_peer_error(s, &m);
		}
		return fail(s, UCCN_EBADSIG, true,
			"frame %llu failed authentication (tampered, replayed, reordered, or one "
			"before it was lost)",
			(unsigned long long)s->frames_in);
	}
	s->frames_in++;
	size_t plen = len - UCCN_CHANNEL_TAG_BYTES;
	struct uccn_session_msg m;
	if (looks_like_error(s->plain, plen) &&
		uccn_codec_decode_session(s->plain, plen, &m, NULL, 0) == UCCN_OK &&
		m.type == UCCN_SESSION_ERROR) {
		return on_peer_error(s, &m);
	}
	*payload = s->plain;
	*payload_len = plen;
	return UCCN_OK;
}

int uccn_session_on_frame(struct uccn_session *s, const uint8_t *frame, size_t len, uint64_t now_ms,
	const uint8_t **payload, size_t *payload_len) {
	*payload = NULL;
	*payload_len = 0;
	if (s->state == STATE_CLOSED) {
		return UCCN_ECLOSED;
	}
	if (len > UCCN_FRAME_MAX) {
		return fail(s, UCCN_EPROTO, true, "a frame of %zu bytes, more than %d", len,
			UCCN_FRAME_MAX);
	}
	if (s->state == STATE_ESTABLISHED) {
		return on_sealed_frame(s, frame, len, payload, payload_len);
	}
	return on_handshake_frame(s, frame, len, now_ms);
}

int uccn_session_send(struct uccn_session *s, const uint8_t *payload, size_t len) {
	if (s->state == STATE_CLOSED) {
		return UCCN_ECLOSED;
	}
	if (s->state != STATE_ESTABLISHED) {
		return UCCN_EAGAIN;
	}
	if (len > UCCN_SESSION_PAYLOAD_MAX) {
		return UCCN_EINVAL;
	}
	struct uccn_bytes f = {0};
	/* Everything that can fail for memory comes before sealing: a sealed frame that is not
	 * sent would leave the peer's counter behind ours for good. */
	int err = queue_reserve(s);
	if (err < 0 || (err = uccn_bytes_reserve(&f, len + UCCN_CHANNEL_TAG_BYTES)) < 0) {
		return err;
	}
	if ((err = uccn_crypto_channel_seal(s->channel, payload, len, f.data)) < 0) {
		uccn_bytes_finish(&f);
		return fail(s, err, false, "the frame counter is exhausted");
	}
	f.len = len + UCCN_CHANNEL_TAG_BYTES;
	queue_push(s, &f);
	return UCCN_OK;
}

int uccn_session_end(struct uccn_session *s, int err, const char *reason) {
	assert(err < 0);
	if (s->state == STATE_CLOSED) {
		return UCCN_ECLOSED;
	}
	snprintf(s->error, sizeof(s->error), "%s", reason);
	return close_with(s, err, true);
}

int uccn_session_encode_refusal(int err, const char *reason, struct uccn_bytes *out) {
	assert(err < 0);
	struct uccn_session_msg m = error_msg(err, reason);
	return uccn_codec_encode_session(&m, out);
}

bool uccn_session_pop_frame(struct uccn_session *s, struct uccn_bytes *frame) {
	if (s->qhead == s->qlen) {
		return false;
	}
	*frame = s->queue[s->qhead++];
	return true;
}

int uccn_session_on_timer(struct uccn_session *s, uint64_t now_ms) {
	if (s->state == STATE_CLOSED) {
		return UCCN_ECLOSED;
	}
	if (!is_handshaking(s) || now_ms < s->deadline) {
		return UCCN_OK;
	}
	return fail(s, UCCN_ETIMEDOUT, true, "handshake not completed within %llu ms",
		(unsigned long long)s->timeout_ms);
}

uint64_t uccn_session_next_deadline(const struct uccn_session *s) {
	return is_handshaking(s) ? s->deadline : UINT64_MAX;
}

bool uccn_session_is_established(const struct uccn_session *s) {
	return s->state == STATE_ESTABLISHED;
}

bool uccn_session_is_closed(const struct uccn_session *s) {
	return s->state == STATE_CLOSED;
}

const char *uccn_session_error(const struct uccn_session *s) {
	return s->error;
}

void uccn_session_peer(const struct uccn_session *s, uint8_t key[UCCN_KEY_BYTES]) {
	assert(s->state == STATE_ESTABLISHED);
	memcpy(key, s->peer, UCCN_KEY_BYTES);
}

size_t uccn_session_peer_kinds(const struct uccn_session *s, const char *const **kinds) {
	assert(s->state == STATE_ESTABLISHED);
	*kinds = s->peer_kind_ptrs;
	return s->npeer_kinds;
}

/* Our HELLO or WELCOME, all but a WELCOME's signature. */
static void fill_intro(struct uccn_session *s, const uint8_t nonce[UCCN_SESSION_NONCE_BYTES],
	struct uccn_session_msg *m) {
	*m = (struct uccn_session_msg){
		.type = s->is_client ? UCCN_SESSION_HELLO : UCCN_SESSION_WELCOME,
		.version = UCCN_SESSION_VERSION,
		.nkinds = s->nkinds,
	};
	memcpy(m->network, s->network, UCCN_KEY_BYTES);
	memcpy(m->node_key, s->self, UCCN_KEY_BYTES);
	uccn_crypto_kx_public(s->kx, m->kx_key);
	memcpy(m->nonce, nonce, UCCN_SESSION_NONCE_BYTES);
	for (size_t i = 0; i < s->nkinds; i++) {
		m->kinds[i] = s->kinds[i];
		m->kind_lens[i] = strlen(s->kinds[i]);
	}
}

/* Client: queue the HELLO and start the transcript with it. */
static int start_client(struct uccn_session *s, const uint8_t nonce[UCCN_SESSION_NONCE_BYTES]) {
	struct uccn_session_msg hello;
	struct uccn_bytes f = {0};
	fill_intro(s, nonce, &hello);
	int err = queue_reserve(s);
	if (err < 0 || (err = uccn_codec_encode_session(&hello, &f)) < 0) {
		uccn_bytes_finish(&f);
		return err;
	}
	uccn_crypto_hash_init(&s->transcript);
	uccn_crypto_hash_update(
		&s->transcript, (const uint8_t *)TRANSCRIPT_CONTEXT, strlen(TRANSCRIPT_CONTEXT));
	uccn_crypto_hash_update(&s->transcript, f.data, f.len);
	queue_push(s, &f);
	s->state = STATE_WAIT_WELCOME;
	return UCCN_OK;
}

/* Server: the WELCOME depends on nothing the client sends, so its signed part is made now and
 * only the signature waits for the HELLO. */
static int start_server(struct uccn_session *s, const uint8_t nonce[UCCN_SESSION_NONCE_BYTES]) {
	fill_intro(s, nonce, &s->welcome);
	int err = uccn_codec_encode_welcome_unsigned(&s->welcome, &s->welcome_unsigned);
	if (err < 0) {
		return err;
	}
	s->state = STATE_WAIT_HELLO;
	return UCCN_OK;
}

static int session_create(const struct uccn_session_config *cfg, uint64_t now_ms,
	const uint8_t *kx_seed, const uint8_t *given_nonce, struct uccn_session **out) {
	assert(cfg->id != NULL);
	assert(cfg->kinds != NULL || cfg->nkinds == 0);
	if (cfg->nkinds > UCCN_SESSION_KINDS_MAX) {
		return UCCN_EINVAL;
	}
	for (size_t i = 0; i < cfg->nkinds; i++) {
		/* Only the length here; the codec checks the characters when it encodes. */
		if (cfg->kinds[i] == NULL || strlen(cfg->kinds[i]) > UCCN_KIND_MAX) {
			return UCCN_EINVAL;
		}
	}
	int err = UCCN_ENOMEM;
	struct uccn_session *s = uccn_alloc_calloc(1, sizeof(*s));
	if (s == NULL) {
		goto out;
	}
	s->is_client = cfg->is_client;
	s->id = cfg->id;
	uccn_crypto_identity_public_key(cfg->id, s->self);
	memcpy(s->network, cfg->network, UCCN_KEY_BYTES);
	if (cfg->pinned != NULL) {
		s->has_pinned = true;
		memcpy(s->pinned, cfg->pinned, UCCN_KEY_BYTES);
	}
	s->nkinds = cfg->nkinds;
	for (size_t i = 0; i < cfg->nkinds; i++) {
		strcpy(s->kinds[i], cfg->kinds[i]);
	}
	s->timeout_ms = cfg->handshake_timeout_ms > 0 ? cfg->handshake_timeout_ms
						      : UCCN_SESSION_HANDSHAKE_TIMEOUT_MS;
	s->deadline = now_ms > UINT64_MAX - s->timeout_ms ? UINT64_MAX : now_ms + s->timeout_ms;

	uint8_t nonce[UCCN_SESSION_NONCE_BYTES];
	if (given_nonce != NULL) {
		memcpy(nonce, given_nonce, sizeof(nonce));
	} else {
		uccn_crypto_random(nonce, sizeof(nonce));
	}
	err = kx_seed != NULL ? uccn_crypto_kx_create_seeded(kx_seed, &s->kx)
			      : uccn_crypto_kx_create(&s->kx);
	if (err < 0) {
		goto out;
	}
	err = s->is_client ? start_client(s, nonce) : start_server(s, nonce);
	if (err < 0) {
		goto out;
	}
	*out = s;
	s = NULL; /* the caller owns it now */
	err = UCCN_OK;
out:
	uccn_session_destroy(s);
	return err;
}

int uccn_session_create(
	const struct uccn_session_config *cfg, uint64_t now_ms, struct uccn_session **out) {
	return session_create(cfg, now_ms, NULL, NULL, out);
}

int uccn_session_create_seeded(const struct uccn_session_config *cfg, uint64_t now_ms,
	const uint8_t kx_seed[UCCN_KX_SEED_BYTES], const uint8_t nonce[UCCN_KEY_BYTES],
	struct uccn_session **out) {
	return session_create(cfg, now_ms, kx_seed, nonce, out);
}

void uccn_session_destroy(struct uccn_session *s) {
	if (s == NULL) {
		return;
	}
	close_keys(s);
	for (size_t i = s->qhead; i < s->qlen; i++) {
		uccn_bytes_finish(&s->queue[i]);
	}
	uccn_alloc_free(s->queue);
	uccn_alloc_free(s->plain);
	uccn_bytes_finish(&s->welcome_unsigned);
	uccn_alloc_free(s);
}
