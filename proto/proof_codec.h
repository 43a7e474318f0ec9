/* proof_codec.h - inclusion proofs (PROTOCOL.md §9); shapes only, never signatures. */
#ifndef PROTO_PROOF_CODEC_H
#define PROTO_PROOF_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* An inclusion proof of one designation under a signed tree head (PROTOCOL.md §9). The two
 * changes are borrowed (as signed); the codec checks shapes only, never signatures. */
#define UCCN_PROOF_MAX_PATH 64
struct uccn_proof {
	uint8_t network[UCCN_KEY_BYTES];
	const uint8_t *designation; /* the signed designation change: the leaf */
	size_t designation_len;
	uint64_t index;      /* the leaf's index in the tree */
	const uint8_t *head; /* the signed tree head change */
	size_t head_len;
	size_t npath;
	uint8_t path[UCCN_PROOF_MAX_PATH][UCCN_HASH_BYTES]; /* the audit path, leaf upwards */
	const char *note; /* the checkpoint as a signed note (§9.8 version 2), not NUL-ended */
	size_t note_len;
};

UCCN_NODISCARD int uccn_codec_encode_proof(const struct uccn_proof *p, struct uccn_bytes *out);
/* UCCN_OK, or UCCN_EPROTO with why; pointers borrow buf. */
UCCN_NODISCARD int uccn_codec_decode_proof(
	const uint8_t *buf, size_t len, struct uccn_proof *out, char *why, size_t why_len);

#endif
