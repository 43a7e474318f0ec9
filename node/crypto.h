/* crypto.h - keys, signatures and hashes. The only module that includes <sodium.h>; secret key
 * bytes never leave crypto.c and are wiped before they are freed. */
#ifndef NODE_CRYPTO_H
#define NODE_CRYPTO_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* Initialises libsodium; safe to call more than once and from several threads. UCCN_OK or
 * UCCN_EIO when no randomness source can be opened. */
UCCN_NODISCARD int uccn_crypto_init(void);

/* An Ed25519 key pair. */
struct uccn_identity;

/* A fresh random key pair. */
UCCN_NODISCARD int uccn_crypto_identity_generate(struct uccn_identity **out);
/* A key pair from a 32-byte seed (tests and worked examples only: deterministic). */
UCCN_NODISCARD int uccn_crypto_identity_from_seed(
	const uint8_t seed[32], struct uccn_identity **out);
/* Writes the key to path, which must not exist, with mode 0600. UCCN_EEXIST, UCCN_EIO. */
UCCN_NODISCARD int uccn_crypto_identity_save(const struct uccn_identity *id, const char *path);
/* Reads a key written by uccn_crypto_identity_save. UCCN_ENOTFOUND (no file), UCCN_EPERM (group
 * or others may read or write it: refused, logged with the fix), UCCN_ECORRUPT (wrong size, or
 * the public half does not match the secret), UCCN_EIO. */
UCCN_NODISCARD int uccn_crypto_identity_load(const char *path, struct uccn_identity **out);
/* Wipes and frees; accepts NULL. */
void uccn_crypto_identity_destroy(struct uccn_identity *id);
void uccn_crypto_identity_public_key(const struct uccn_identity *id, uint8_t pk[UCCN_KEY_BYTES]);

/* Ed25519 detached signature over msg. */
void uccn_crypto_sign(const struct uccn_identity *id, const uint8_t *msg, size_t len,
	uint8_t sig[UCCN_SIG_BYTES]);
/* UCCN_OK if sig is pk's signature of msg, else UCCN_EBADSIG. Thread-safe. */
UCCN_NODISCARD int uccn_crypto_verify(const uint8_t sig[UCCN_SIG_BYTES], const uint8_t *msg,
	size_t len, const uint8_t pk[UCCN_KEY_BYTES]);

/* BLAKE2b-256 of msg. */
void uccn_crypto_hash(const uint8_t *msg, size_t len, uint8_t out[UCCN_HASH_BYTES]);

/* Incremental BLAKE2b-256. The opaque state is big enough for libsodium's (checked at init). */
struct uccn_hash_state {
	alignas(64) uint8_t opaque[512];
};
void uccn_crypto_hash_init(struct uccn_hash_state *h);
void uccn_crypto_hash_update(struct uccn_hash_state *h, const uint8_t *msg, size_t len);
void uccn_crypto_hash_final(struct uccn_hash_state *h, uint8_t out[UCCN_HASH_BYTES]);

/* SHA-256 of msg (FIPS 180-4): the registry tree's hash and the signed notes' key IDs
 * (PROTOCOL.md §9.6, §9.7), the formats other transparency-log tools speak. */
#define UCCN_SHA256_BYTES 32
void uccn_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[UCCN_SHA256_BYTES]);

/* Incremental SHA-256. The opaque state is big enough for libsodium's (checked at init). */
struct uccn_sha256_state {
	alignas(16) uint8_t opaque[128];
};
void uccn_crypto_sha256_init(struct uccn_sha256_state *h);
void uccn_crypto_sha256_update(struct uccn_sha256_state *h, const uint8_t *msg, size_t len);
void uccn_crypto_sha256_final(struct uccn_sha256_state *h, uint8_t out[UCCN_SHA256_BYTES]);

/* The room standard base64 (RFC 4648 section 4, padded) of len bytes takes, NUL included. */
#define UCCN_BASE64_LEN(len) (((len) + 2) / 3 * 4 + 1)
/* Standard padded base64 of bin into b64, which has room for UCCN_BASE64_LEN(len) bytes;
 * NUL-terminated. Returns the length written, NUL excluded. */
size_t uccn_crypto_to_base64(const uint8_t *bin, size_t len, char *b64);
/* Parses exactly b64_len bytes of standard padded base64 (no space, no newline, canonical
 * padding) into bin, which holds at most cap bytes; *len receives how many. UCCN_OK or
 * UCCN_EINVAL (not base64, more than cap bytes, or more than 128: signatures and hashes). */
UCCN_NODISCARD int uccn_crypto_from_base64(
	const char *b64, size_t b64_len, uint8_t *bin, size_t cap, size_t *len);

/* Decodes standard padded base64 spread over lines (text armor): the characters of ignore
 * (spaces, line ends) may stand between any two characters and are skipped. bin holds at most
 * cap bytes; *len receives how many. UCCN_OK, or UCCN_EINVAL (not base64, or more than cap). */
UCCN_NODISCARD int uccn_crypto_from_base64_lines(
	const char *b64, size_t b64_len, const char *ignore, uint8_t *bin, size_t cap, size_t *len);

/* Fills buf with random bytes. */
void uccn_crypto_random(uint8_t *buf, size_t len);

/* Constant-time comparison of two equal-length buffers. */
bool uccn_crypto_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* Whether pk can be an Ed25519 public key: a canonical encoding of a point of the curve's main
 * subgroup, not of small order (all zeros is not one). No key that fails this ever signs. */
bool uccn_crypto_is_public_key(const uint8_t pk[UCCN_KEY_BYTES]);

/* Session key exchange and the encrypted channel (PROTOCOL.md §10). The ephemeral X25519 secret
 * and the two session keys stay inside crypto.c like the identity's secret key. */
#define UCCN_KX_PUBLIC_BYTES 32
#define UCCN_KX_SEED_BYTES 32
#define UCCN_CHANNEL_TAG_BYTES 16

/* An ephemeral X25519 key pair (libsodium crypto_kx), used for one session only. */
struct uccn_kx;

/* A fresh random key pair. UCCN_OK or UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_crypto_kx_create(struct uccn_kx **out);
/* A key pair from a seed (crypto_kx_seed_keypair). Tests and worked examples only: a session
 * whose ephemeral key can be predicted has no forward secrecy. */
UCCN_NODISCARD int uccn_crypto_kx_create_seeded(
	const uint8_t seed[UCCN_KX_SEED_BYTES], struct uccn_kx **out);
void uccn_crypto_kx_public(const struct uccn_kx *kx, uint8_t pk[UCCN_KX_PUBLIC_BYTES]);
/* Wipes and frees; accepts NULL. */
void uccn_crypto_kx_destroy(struct uccn_kx *kx);

/* Both directions of an established session: a key and a frame counter each way. */
struct uccn_channel;

/* Derives the session keys from our ephemeral pair and the peer's public key, with
 * crypto_kx_client_session_keys when is_client (we sent HELLO), else
 * crypto_kx_server_session_keys; both counters start at 0. The caller may destroy kx right
 * after. UCCN_OK, UCCN_EPROTO (the peer's key is unusable: libsodium refuses it), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_crypto_channel_create(const struct uccn_kx *kx,
	const uint8_t peer[UCCN_KX_PUBLIC_BYTES], bool is_client, struct uccn_channel **out);
/* Wipes and frees; accepts NULL. */
void uccn_crypto_channel_destroy(struct uccn_channel *ch);
/* Encrypts msg with the sending key under the next sending counter
 * (crypto_aead_chacha20poly1305_ietf, nonce = counter as 64-bit little-endian then 4 zero
 * bytes, no additional data) and writes ciphertext || tag, len + UCCN_CHANNEL_TAG_BYTES bytes, to
 * out (which may not overlap msg). UCCN_OK, or UCCN_ECLOSED once 2^64 - 1 frames have been
 * sealed: a counter must never repeat under one key. */
UCCN_NODISCARD int uccn_crypto_channel_seal(
	struct uccn_channel *ch, const uint8_t *msg, size_t len, uint8_t *out);
/* Decrypts a frame sealed by the peer under the next receiving counter into out (len -
 * UCCN_CHANNEL_TAG_BYTES bytes; may not overlap frame). UCCN_OK and the counter advances, or
 * UCCN_EBADSIG (too short, tampered, replayed, reordered, or a frame was dropped before it) and
 * nothing changes. */
UCCN_NODISCARD int uccn_crypto_channel_open(
	struct uccn_channel *ch, const uint8_t *frame, size_t len, uint8_t *out);

#endif
