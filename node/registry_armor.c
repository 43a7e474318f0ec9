/* registry_armor.c - a membership proof as text (PROTOCOL.md §9.8.1): base64 lines between a
 * header and a footer, to paste into an e-mail or a web page, and back to the proof's bytes.
 * Only the wrapping: what a proof holds and how it is checked are proof_codec.c's and
 * registry.c's. The base64 is libsodium's, through crypto.c. */
#include "node/registry_armor.h"

#include <string.h>

#include "node/alloc.h"
#include "node/crypto.h"

#define ARMOR_LINE 64
/* A proof is at most 4 * UCCN_CHANGE_MAX bytes (§9.8); its armor decodes to no more. */
#define ARMOR_PROOF_MAX (4 * UCCN_CHANGE_MAX)

static const char armor_begin[] = UCCN_PROOF_ARMOR_BEGIN;
static const char armor_end[] = UCCN_PROOF_ARMOR_END;

int uccn_registry_proof_armor(const uint8_t *proof, size_t len, struct uccn_bytes *out) {
	char *b64 = uccn_alloc_malloc(UCCN_BASE64_LEN(len));
	if (b64 == NULL) {
		return UCCN_ENOMEM;
	}
	size_t n = uccn_crypto_to_base64(proof, len, b64);
	int err = uccn_bytes_append(out, armor_begin, strlen(armor_begin));
	err = err < 0 ? err : uccn_bytes_append(out, "\n", 1);
	for (size_t at = 0; at < n && err == UCCN_OK; at += ARMOR_LINE) {
		size_t line = n - at < ARMOR_LINE ? n - at : ARMOR_LINE;
		err = uccn_bytes_append(out, b64 + at, line);
		err = err < 0 ? err : uccn_bytes_append(out, "\n", 1);
	}
	err = err < 0 ? err : uccn_bytes_append(out, armor_end, strlen(armor_end));
	err = err < 0 ? err : uccn_bytes_append(out, "\n", 1);
	uccn_alloc_free(b64);
	return err;
}

/* The first occurrence of needle in data[0, len), or NULL. */
static const uint8_t *find(const uint8_t *data, size_t len, const char *needle) {
	size_t n = strlen(needle);
	for (size_t i = 0; n <= len && i <= len - n; i++) {
		if (data[i] == (uint8_t)needle[0] && memcmp(data + i, needle, n) == 0) {
			return data + i;
		}
	}
	return NULL;
}

int uccn_registry_proof_dearmor(const uint8_t *data, size_t len, struct uccn_bytes *out) {
	/* A msgpack array header starts a binary proof, whose strings (a city's name) may spell
	 * the header line: never read armor in it (§9.8.1). */
	if (len > 0 && (data[0] == 0x98 || data[0] == 0xdc || data[0] == 0xdd)) {
		return 0;
	}
	const uint8_t *begin = find(data, len, armor_begin);
	if (begin == NULL) {
		return 0;
	}
	/* The header line ends the line it is on; the body runs to the footer. */
	const uint8_t *body = begin + strlen(armor_begin);
	const uint8_t *stop = data + len;
	while (body < stop && (*body == ' ' || *body == '\t' || *body == '\r')) {
		body++;
	}
	if (body == stop || *body != '\n') {
		return UCCN_EPROTO;
	}
	const uint8_t *end = find(body, (size_t)(stop - body), armor_end);
	if (end == NULL) {
		return UCCN_EPROTO;
	}
	uint8_t *bin = uccn_alloc_malloc(ARMOR_PROOF_MAX);
	if (bin == NULL) {
		return UCCN_ENOMEM;
	}
	size_t n = 0;
	int err = uccn_crypto_from_base64_lines(
		(const char *)body, (size_t)(end - body), " \t\r\n", bin, ARMOR_PROOF_MAX, &n);
	if (err < 0 || n == 0) {
		err = UCCN_EPROTO;
	} else {
		err = uccn_bytes_append(out, bin, n);
	}
	uccn_alloc_free(bin);
	return err < 0 ? err : 1;
}
