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
UCCN_NODISCARD int uccn_crypto_identity_from_seed(const uint8_t seed[32], struct uccn_identity **out);
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

/* Fills buf with random bytes. */
void uccn_crypto_random(uint8_t *buf, size_t len);

/* Constant-time comparison of two equal-length buffers. */
bool uccn_crypto_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* Lowercase hex of bin into hex (2 * len + 1 bytes, NUL-terminated). */
void uccn_crypto_to_hex(const uint8_t *bin, size_t len, char *hex);
/* Parses exactly 2 * len hex digits (either case) from a NUL-terminated hex. UCCN_OK/UCCN_EINVAL. */
UCCN_NODISCARD int uccn_crypto_from_hex(const char *hex, uint8_t *bin, size_t len);

#endif
