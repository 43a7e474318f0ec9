/* auth.h - what a server in front of a node needs to let people in: passwords hashed with
 * Argon2id, random tokens, and comparisons that take the same time whatever the bytes. The
 * node's web page (uccn serve --ui) uses them; the hashing library stays inside the library. */
#ifndef UCCN_AUTH_H
#define UCCN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/error.h>

/* Room for a password hash in text (libsodium's crypto_pwhash_STRBYTES), NUL included. */
#define UCCN_AUTH_HASH_MAX 128
/* The longest password taken, bytes. */
#define UCCN_AUTH_PASSWORD_MAX 1024

/* Hashes password (len bytes, 1 to UCCN_AUTH_PASSWORD_MAX) with Argon2id at libsodium's
 * interactive limits into out, an ASCII string ("$argon2id$v=19$..."). UCCN_OK, UCCN_EINVAL
 * (empty or too long), UCCN_ENOMEM (the hash's memory could not be had). */
UCCN_NODISCARD int uccn_auth_hash_password(
	const char *password, size_t len, char out[UCCN_AUTH_HASH_MAX]);

/* Whether password matches hash (a string from uccn_auth_hash_password). */
UCCN_NODISCARD bool uccn_auth_check_password(const char *hash, const char *password, size_t len);

/* len random bytes from the system's generator, written as 2 * len lowercase hex digits and a
 * NUL into out. */
void uccn_auth_random_hex(char *out, size_t len);

/* Whether a and b, each len bytes, are equal; the time taken does not depend on where they
 * differ. */
UCCN_NODISCARD bool uccn_auth_equal(const void *a, const void *b, size_t len);

/* The SHA-256 of text (len bytes) as 64 lowercase hex digits and a NUL: how a token is kept
 * where a reader of the file must not be able to use it. */
void uccn_auth_digest_hex(const char *text, size_t len, char out[65]);

#endif
