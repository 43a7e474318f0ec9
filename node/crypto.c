/* crypto.c - Ed25519 identities, signatures, BLAKE2b and SHA-256 hashes over libsodium. The only
 * file that includes <sodium.h>; secret keys never leave this file and are wiped before they are
 * freed. */
#include "node/crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <uccn/auth.h>
#include <uccn/log.h>
#include <uccn/text.h>

#include "node/alloc.h"

/* The key file holds the libsodium secret key: the 32-byte seed followed by the public key. */
#define KEY_FILE_BYTES crypto_sign_SECRETKEYBYTES

struct uccn_identity {
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

_Static_assert(crypto_sign_PUBLICKEYBYTES == UCCN_KEY_BYTES, "key size");
_Static_assert(crypto_sign_BYTES == UCCN_SIG_BYTES, "signature size");

int uccn_crypto_init(void) {
	if (sodium_init() < 0) {
		uccn_log(UCCN_LOG_ERROR, "crypto: libsodium failed to initialise");
		return UCCN_EIO;
	}
	/* The opaque state in crypto.h must hold libsodium's; checked once here, not per call. */
	if (crypto_generichash_statebytes() > sizeof(struct uccn_hash_state)) {
		uccn_log(UCCN_LOG_ERROR, "crypto: hash state larger than expected");
		return UCCN_EIO;
	}
	if (crypto_hash_sha256_statebytes() > sizeof(struct uccn_sha256_state)) {
		uccn_log(UCCN_LOG_ERROR, "crypto: SHA-256 state larger than expected");
		return UCCN_EIO;
	}
	return UCCN_OK;
}

static struct uccn_identity *identity_alloc(void) {
	struct uccn_identity *id = uccn_alloc_malloc(sizeof(*id));
	if (id != NULL) {
		sodium_mlock(id, sizeof(*id)); /* best effort: keeps the key out of swap */
	}
	return id;
}

int uccn_crypto_identity_generate(struct uccn_identity **out) {
	struct uccn_identity *id = identity_alloc();
	if (id == NULL) {
		return UCCN_ENOMEM;
	}
	crypto_sign_keypair(id->pk, id->sk);
	*out = id;
	return UCCN_OK;
}

int uccn_crypto_identity_from_seed(const uint8_t seed[32], struct uccn_identity **out) {
	struct uccn_identity *id = identity_alloc();
	if (id == NULL) {
		return UCCN_ENOMEM;
	}
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	*out = id;
	return UCCN_OK;
}

void uccn_crypto_identity_destroy(struct uccn_identity *id) {
	if (id == NULL) {
		return;
	}
	sodium_munlock(id, sizeof(*id)); /* also zeroes the memory */
	sodium_memzero(id, sizeof(*id));
	uccn_alloc_free(id);
}

void uccn_crypto_identity_public_key(const struct uccn_identity *id, uint8_t pk[UCCN_KEY_BYTES]) {
	memcpy(pk, id->pk, UCCN_KEY_BYTES);
}

int uccn_crypto_identity_save(const struct uccn_identity *id, const char *path) {
	/* O_EXCL: never overwrite a key; losing one loses the city's identity. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		uccn_log_errno(UCCN_LOG_ERROR, e, "%s", path);
		return e == EEXIST ? UCCN_EEXIST : UCCN_EIO;
	}
	int err = UCCN_OK;
	size_t done = 0;
	while (done < KEY_FILE_BYTES) {
		ssize_t n = write(fd, id->sk + done, KEY_FILE_BYTES - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			uccn_log_errno(UCCN_LOG_ERROR, errno, "writing %s", path);
			err = UCCN_EIO;
			break;
		}
		done += (size_t)n;
	}
	if (err == UCCN_OK && fsync(fd) < 0) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "syncing %s", path);
		err = UCCN_EIO;
	}
	close(fd);
	if (err != UCCN_OK) {
		unlink(path);
	}
	return err;
}

int uccn_crypto_identity_load(const char *path, struct uccn_identity **out) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			return UCCN_ENOTFOUND;
		}
		uccn_log_errno(UCCN_LOG_ERROR, e, "%s", path);
		return e == EACCES ? UCCN_EPERM : UCCN_EIO;
	}
	int err = UCCN_ECORRUPT;
	struct uccn_identity *id = NULL;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", path);
		err = UCCN_EIO;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		uccn_log(UCCN_LOG_ERROR,
			"%s: the secret key is accessible to other users (mode %03o); "
			"make it private with: chmod 600 %s",
			path, (unsigned)(st.st_mode & 0777), path);
		err = UCCN_EPERM;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != KEY_FILE_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "%s: not a uccn key file (expected %d bytes)", path,
			KEY_FILE_BYTES);
		goto out;
	}
	if ((id = identity_alloc()) == NULL) {
		err = UCCN_ENOMEM;
		goto out;
	}
	ssize_t n = read(fd, id->sk, KEY_FILE_BYTES);
	if (n != KEY_FILE_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "%s: short read of the key file", path);
		goto out;
	}
	/* The stored public half must match the one derived from the seed, or the file is damaged.
	 */
	uint8_t seed[crypto_sign_SEEDBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_ed25519_sk_to_seed(seed, id->sk);
	crypto_sign_seed_keypair(id->pk, sk, seed);
	bool same = sodium_memcmp(sk, id->sk, sizeof(sk)) == 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	if (!same) {
		uccn_log(UCCN_LOG_ERROR, "%s: damaged key file (public half does not match)", path);
		goto out;
	}
	*out = id;
	id = NULL;
	err = UCCN_OK;
out:
	uccn_crypto_identity_destroy(id);
	close(fd);
	return err;
}

void uccn_crypto_sign(const struct uccn_identity *id, const uint8_t *msg, size_t len,
	uint8_t sig[UCCN_SIG_BYTES]) {
	crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

int uccn_crypto_verify(const uint8_t sig[UCCN_SIG_BYTES], const uint8_t *msg, size_t len,
	const uint8_t pk[UCCN_KEY_BYTES]) {
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? UCCN_OK : UCCN_EBADSIG;
}

void uccn_crypto_hash(const uint8_t *msg, size_t len, uint8_t out[UCCN_HASH_BYTES]) {
	crypto_generichash(out, UCCN_HASH_BYTES, msg, len, NULL, 0);
}

void uccn_crypto_hash_init(struct uccn_hash_state *h) {
	crypto_generichash_init(
		(crypto_generichash_state *)(void *)h->opaque, NULL, 0, UCCN_HASH_BYTES);
}

void uccn_crypto_hash_update(struct uccn_hash_state *h, const uint8_t *msg, size_t len) {
	crypto_generichash_update((crypto_generichash_state *)(void *)h->opaque, msg, len);
}

void uccn_crypto_hash_final(struct uccn_hash_state *h, uint8_t out[UCCN_HASH_BYTES]) {
	crypto_generichash_final(
		(crypto_generichash_state *)(void *)h->opaque, out, UCCN_HASH_BYTES);
}

void uccn_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[UCCN_SHA256_BYTES]) {
	crypto_hash_sha256(out, msg, len);
}

void uccn_crypto_sha256_init(struct uccn_sha256_state *h) {
	crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)h->opaque);
}

void uccn_crypto_sha256_update(struct uccn_sha256_state *h, const uint8_t *msg, size_t len) {
	crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)h->opaque, msg, len);
}

void uccn_crypto_sha256_final(struct uccn_sha256_state *h, uint8_t out[UCCN_SHA256_BYTES]) {
	crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)h->opaque, out);
}

size_t uccn_crypto_to_base64(const uint8_t *bin, size_t len, char *b64) {
	sodium_bin2base64(b64, UCCN_BASE64_LEN(len), bin, len, sodium_base64_VARIANT_ORIGINAL);
	return strlen(b64);
}

int uccn_crypto_from_base64(
	const char *b64, size_t b64_len, uint8_t *bin, size_t cap, size_t *len) {
	const char *end = NULL;
	*len = 0;
	if (sodium_base642bin(
		    bin, cap, b64, b64_len, NULL, len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		end != b64 + b64_len) {
		return UCCN_EINVAL;
	}
	/* libsodium accepts non-zero bits in the last character's padding; a canonical encoding
	 * is one that re-encodes to the same text, so a signed text has one spelling. */
	char again[UCCN_BASE64_LEN(128)];
	if (*len > 128 || uccn_crypto_to_base64(bin, *len, again) != b64_len ||
		memcmp(again, b64, b64_len) != 0) {
		return UCCN_EINVAL;
	}
	return UCCN_OK;
}

int uccn_crypto_from_base64_lines(const char *b64, size_t b64_len, const char *ignore, uint8_t *bin,
	size_t cap, size_t *len) {
	const char *end = NULL;
	*len = 0;
	if (sodium_base642bin(bin, cap, b64, b64_len, ignore, len, &end,
		    sodium_base64_VARIANT_ORIGINAL) != 0) {
		return UCCN_EINVAL;
	}
	/* Only what ignore allows may follow the last character libsodium took. */
	for (; end < b64 + b64_len; end++) {
		if (strchr(ignore, *end) == NULL) {
			return UCCN_EINVAL;
		}
	}
	return UCCN_OK;
}

void uccn_crypto_random(uint8_t *buf, size_t len) {
	randombytes_buf(buf, len);
}

bool uccn_crypto_equal(const uint8_t *a, const uint8_t *b, size_t len) {
	return sodium_memcmp(a, b, len) == 0;
}

bool uccn_crypto_is_public_key(const uint8_t pk[UCCN_KEY_BYTES]) {
	return crypto_core_ed25519_is_valid_point(pk) == 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Session key exchange and channel (PROTOCOL.md §10) */

struct uccn_kx {
	uint8_t sk[crypto_kx_SECRETKEYBYTES];
	uint8_t pk[crypto_kx_PUBLICKEYBYTES];
};

struct uccn_channel {
	uint8_t rx[crypto_kx_SESSIONKEYBYTES];
	uint8_t tx[crypto_kx_SESSIONKEYBYTES];
	uint64_t rx_count; /* the counter of the next frame each way */
	uint64_t tx_count;
};

_Static_assert(crypto_kx_PUBLICKEYBYTES == UCCN_KX_PUBLIC_BYTES, "kx public key size");
_Static_assert(crypto_kx_SEEDBYTES == UCCN_KX_SEED_BYTES, "kx seed size");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == UCCN_CHANNEL_TAG_BYTES, "tag size");
_Static_assert(crypto_kx_SESSIONKEYBYTES == crypto_aead_chacha20poly1305_ietf_KEYBYTES,
	"session keys are AEAD keys");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12, "nonce size");

static struct uccn_kx *kx_alloc(void) {
	struct uccn_kx *kx = uccn_alloc_malloc(sizeof(*kx));
	if (kx != NULL) {
		sodium_mlock(kx, sizeof(*kx)); /* best effort, as for identities */
	}
	return kx;
}

int uccn_crypto_kx_create(struct uccn_kx **out) {
	struct uccn_kx *kx = kx_alloc();
	if (kx == NULL) {
		return UCCN_ENOMEM;
	}
	crypto_kx_keypair(kx->pk, kx->sk);
	*out = kx;
	return UCCN_OK;
}

int uccn_crypto_kx_create_seeded(const uint8_t seed[UCCN_KX_SEED_BYTES], struct uccn_kx **out) {
	struct uccn_kx *kx = kx_alloc();
	if (kx == NULL) {
		return UCCN_ENOMEM;
	}
	crypto_kx_seed_keypair(kx->pk, kx->sk, seed);
	*out = kx;
	return UCCN_OK;
}

void uccn_crypto_kx_public(const struct uccn_kx *kx, uint8_t pk[UCCN_KX_PUBLIC_BYTES]) {
	memcpy(pk, kx->pk, UCCN_KX_PUBLIC_BYTES);
}

void uccn_crypto_kx_destroy(struct uccn_kx *kx) {
	if (kx == NULL) {
		return;
	}
	sodium_munlock(kx, sizeof(*kx));
	sodium_memzero(kx, sizeof(*kx));
	uccn_alloc_free(kx);
}

int uccn_crypto_channel_create(const struct uccn_kx *kx, const uint8_t peer[UCCN_KX_PUBLIC_BYTES],
	bool is_client, struct uccn_channel **out) {
	struct uccn_channel *ch = uccn_alloc_malloc(sizeof(*ch));
	if (ch == NULL) {
		return UCCN_ENOMEM;
	}
	sodium_mlock(ch, sizeof(*ch));
	/* Both fail only when the shared point is all zeros: the peer sent a low-order key, which
	 * would make the session keys public. */
	int ret = is_client ? crypto_kx_client_session_keys(ch->rx, ch->tx, kx->pk, kx->sk, peer)
			    : crypto_kx_server_session_keys(ch->rx, ch->tx, kx->pk, kx->sk, peer);
	if (ret != 0) {
		uccn_crypto_channel_destroy(ch);
		return UCCN_EPROTO;
	}
	ch->rx_count = 0;
	ch->tx_count = 0;
	*out = ch;
	return UCCN_OK;
}

void uccn_crypto_channel_destroy(struct uccn_channel *ch) {
	if (ch == NULL) {
		return;
	}
	sodium_munlock(ch, sizeof(*ch));
	sodium_memzero(ch, sizeof(*ch));
	uccn_alloc_free(ch);
}

/* The 12-byte nonce of frame number count: 64-bit little-endian, then 4 zero bytes. */
static void channel_nonce(uint64_t count, uint8_t nonce[12]) {
	for (int i = 0; i < 8; i++) {
		nonce[i] = (uint8_t)(count >> (8 * i));
	}
	memset(nonce + 8, 0, 4);
}

int uccn_crypto_channel_seal(
	struct uccn_channel *ch, const uint8_t *msg, size_t len, uint8_t *out) {
	/* 2^64 - 1 frames cannot be sent in any lifetime, but a repeated nonce would give away the
	 * key stream, so this holds even in builds without assertions. */
	assert(ch->tx_count < UINT64_MAX);
	if (ch->tx_count == UINT64_MAX) {
		return UCCN_ECLOSED;
	}
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	channel_nonce(ch->tx_count, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(
		out, NULL, msg, len, NULL, 0, NULL, nonce, ch->tx);
	ch->tx_count++;
	return UCCN_OK;
}

int uccn_crypto_channel_open(
	struct uccn_channel *ch, const uint8_t *frame, size_t len, uint8_t *out) {
	if (len < crypto_aead_chacha20poly1305_ietf_ABYTES) {
		return UCCN_EBADSIG;
	}
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	channel_nonce(ch->rx_count, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		    out, NULL, NULL, frame, len, NULL, 0, nonce, ch->rx) != 0) {
		return UCCN_EBADSIG;
	}
	/* The peer cannot seal past UINT64_MAX - 1, so this never wraps for a genuine frame. */
	ch->rx_count++;
	return UCCN_OK;
}

/* --- <uccn/auth.h>: passwords and tokens for the node's web page --------------------------- */

_Static_assert(crypto_pwhash_STRBYTES <= UCCN_AUTH_HASH_MAX, "password hash size");

int uccn_auth_hash_password(const char *password, size_t len, char out[UCCN_AUTH_HASH_MAX]) {
	if (len == 0 || len > UCCN_AUTH_PASSWORD_MAX) {
		return UCCN_EINVAL;
	}
	if (sodium_init() < 0) {
		return UCCN_EIO;
	}
	/* Interactive limits: a login costs ~0.1 s and 64 MiB, so guessing stays slow while a
	 * person logging in does not notice. */
	if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		return UCCN_ENOMEM;
	}
	return UCCN_OK;
}

bool uccn_auth_check_password(const char *hash, const char *password, size_t len) {
	if (len == 0 || len > UCCN_AUTH_PASSWORD_MAX || sodium_init() < 0 ||
		strnlen(hash, UCCN_AUTH_HASH_MAX) >= UCCN_AUTH_HASH_MAX) {
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void uccn_auth_random_hex(char *out, size_t len) {
	uint8_t buf[64];
	if (sodium_init() < 0) {
		abort(); /* no randomness: nothing safe to hand out */
	}
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		randombytes_buf(buf, n);
		sodium_bin2hex(out + 2 * done, 2 * n + 1, buf, n);
		done += n;
	}
	out[2 * len] = '\0';
	sodium_memzero(buf, sizeof(buf));
}

bool uccn_auth_equal(const void *a, const void *b, size_t len) {
	return sodium_memcmp(a, b, len) == 0;
}

void uccn_auth_digest_hex(const char *text, size_t len, char out[65]) {
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const uint8_t *)text, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
