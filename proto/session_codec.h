/* session_codec.h - the handshake messages of a session (PROTOCOL.md §10). */
#ifndef PROTO_SESSION_CODEC_H
#define PROTO_SESSION_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* Session handshake messages (PROTOCOL.md §10): HELLO, WELCOME, AUTH and ERROR, each one whole
 * websocket frame. The codec checks shapes and limits only; the session (node/session.c)
 * checks networks, keys and signatures. */
#define UCCN_SESSION_VERSION 1
#define UCCN_SESSION_NONCE_BYTES 32
#define UCCN_SESSION_KINDS_MAX 32       /* kinds in one HELLO or WELCOME */
#define UCCN_SESSION_REASON_MAX 255     /* bytes of an ERROR's reason, as encoded */
#define UCCN_SESSION_HANDSHAKE_MAX 4096 /* longest handshake frame (the real ones are < 1 KiB) */

enum uccn_session_msg_type {
	UCCN_SESSION_HELLO = 1,
	UCCN_SESSION_WELCOME,
	UCCN_SESSION_AUTH,
	UCCN_SESSION_ERROR,
};

/* A handshake message; which fields count depends on type (the comment after each). Decoded
 * pointers borrow the frame. */
struct uccn_session_msg {
	enum uccn_session_msg_type type;
	uint64_t version;                          /* HELLO, WELCOME */
	uint8_t network[UCCN_KEY_BYTES];           /* HELLO, WELCOME */
	uint8_t node_key[UCCN_KEY_BYTES];          /* HELLO, WELCOME: Ed25519 public key */
	uint8_t kx_key[UCCN_KEY_BYTES];            /* HELLO, WELCOME: ephemeral X25519 public key */
	uint8_t nonce[UCCN_SESSION_NONCE_BYTES];   /* HELLO, WELCOME */
	size_t nkinds;                             /* HELLO, WELCOME: 0 = all kinds */
	const char *kinds[UCCN_SESSION_KINDS_MAX]; /* kind_lens[i] bytes each, not NUL-terminated */
	size_t kind_lens[UCCN_SESSION_KINDS_MAX];
	uint8_t sig[UCCN_SIG_BYTES]; /* WELCOME, AUTH */
	/* WELCOME, decoded: the bytes of elements 0 to 6 in the frame. The server signed the array
	 * of 7 that is the byte 0x97 followed by these (§10.3). */
	const uint8_t *signed_elements;
	size_t signed_elements_len;
	uint64_t code;      /* ERROR: a uccn error code, as a positive number */
	const char *reason; /* ERROR: reason_len bytes, not NUL-terminated, not checked */
	size_t reason_len;
};

/* Encodes m as its frame (for a WELCOME, all 8 elements, with m->sig). Appends to out.
 * UCCN_OK, UCCN_EINVAL (too many kinds, a kind that is not 1 to 23 bytes of [a-z_], a reason
 * longer than UCCN_SESSION_REASON_MAX), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_encode_session(
	const struct uccn_session_msg *m, struct uccn_bytes *out);

/* Encodes the part of a WELCOME the server signs: the array of its first 7 elements. Appends to
 * out. Errors as uccn_codec_encode_session. */
UCCN_NODISCARD int uccn_codec_encode_welcome_unsigned(
	const struct uccn_session_msg *m, struct uccn_bytes *out);

/* Decodes a handshake frame that fills buf exactly. A HELLO or WELCOME whose version is not
 * UCCN_SESSION_VERSION is returned with only type and version set, since the rest of another
 * version's message may have another shape: the caller refuses it by its version.
 * UCCN_OK, UCCN_EPROTO (why, if not NULL, says what is wrong), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_session(
	const uint8_t *buf, size_t len, struct uccn_session_msg *out, char *why, size_t why_len);

#endif
