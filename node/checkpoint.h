/* checkpoint.h - the registry's tree heads in the formats of the transparency-log ecosystem
 * (PROTOCOL.md §9.7, §9.11): C2SP tlog-checkpoint bodies, signed-note signatures by the root
 * (Ed25519, key ID type 0x01) and cosignature/v1 by witnesses (type 0x04). Pure text and
 * signatures: no store, no node, no clock (the caller gives the time). */
#ifndef NODE_CHECKPOINT_H
#define NODE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

#include "node/crypto.h"

#define UCCN_KEY_ID_BYTES 4
/* The root's note signature: key ID, then the Ed25519 signature. */
#define UCCN_NOTE_SIG_BYTES (UCCN_KEY_ID_BYTES + UCCN_SIG_BYTES)
/* A cosignature/v1: key ID, timestamp (8 bytes, big-endian), then the Ed25519 signature. */
#define UCCN_COSIG_BYTES (UCCN_KEY_ID_BYTES + 8 + UCCN_SIG_BYTES)
/* "uccn/" and the network id in lowercase hex, NUL included. */
#define UCCN_ORIGIN_MAX (5 + 2 * UCCN_KEY_BYTES + 1)
/* "uccn-witness/" and the witness key in lowercase hex, NUL included. */
#define UCCN_WITNESS_NAME_MAX (13 + 2 * UCCN_KEY_BYTES + 1)
/* Origin, size (at most 19 digits), base64 root (44), three newlines, NUL. */
#define UCCN_CHECKPOINT_BODY_MAX (UCCN_ORIGIN_MAX + 19 + 44 + 3)
/* Signature lines read from one note; more are refused, as Go's note package does. */
#define UCCN_NOTE_SIGS_MAX 100
/* A note is refused above this size (a hundred signature lines fit many times over). */
#define UCCN_NOTE_MAX 65536

/* Key ID types of C2SP signed-note. */
#define UCCN_KEY_TYPE_ED25519 0x01
#define UCCN_KEY_TYPE_COSIGNATURE 0x04

/* The checkpoint's origin line (without newline): "uccn/" + lowercase hex of the network id. */
void uccn_checkpoint_origin(const uint8_t network[UCCN_KEY_BYTES], char out[UCCN_ORIGIN_MAX]);
/* The witness name of a key: "uccn-witness/" + its lowercase hex. */
void uccn_checkpoint_witness_name(
	const uint8_t pk[UCCN_KEY_BYTES], char out[UCCN_WITNESS_NAME_MAX]);

/* The checkpoint body "<origin>\n<size>\n<base64 root>\n" into out; returns its length. */
size_t uccn_checkpoint_body(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], char out[UCCN_CHECKPOINT_BODY_MAX]);

/* SHA-256(name || 0x0A || type || pk)[:4]. */
void uccn_checkpoint_key_id(const char *name, uint8_t type, const uint8_t pk[UCCN_KEY_BYTES],
	uint8_t out[UCCN_KEY_ID_BYTES]);

/* The verifier key of the root's checkpoints, as signed-note tools take it:
 * "<origin>+<key ID in 8 hex digits>+<base64(0x01 || network id)>". */
#define UCCN_VKEY_MAX (UCCN_ORIGIN_MAX + 1 + 8 + 1 + 44 + 1)
void uccn_checkpoint_vkey(const uint8_t network[UCCN_KEY_BYTES], char out[UCCN_VKEY_MAX]);

/* The root signs the checkpoint (id must be the network's root key). */
void uccn_checkpoint_sign(const struct uccn_identity *id, const uint8_t network[UCCN_KEY_BYTES],
	uint64_t size, const uint8_t root[UCCN_HASH_BYTES], uint8_t out[UCCN_NOTE_SIG_BYTES]);
/* UCCN_OK if sig is the root's note signature of the checkpoint, else UCCN_EBADSIG. */
UCCN_NODISCARD int uccn_checkpoint_verify(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], const uint8_t sig[UCCN_NOTE_SIG_BYTES]);

/* A witness (id, whose public key is pk) cosigns the checkpoint at time (seconds since the
 * epoch, at most 2^63 - 1). */
void uccn_checkpoint_cosign(const struct uccn_identity *id, const uint8_t pk[UCCN_KEY_BYTES],
	const uint8_t network[UCCN_KEY_BYTES], uint64_t size, const uint8_t root[UCCN_HASH_BYTES],
	uint64_t time, uint8_t out[UCCN_COSIG_BYTES]);
/* UCCN_OK if cosig is the cosignature/v1 of pk, named name, on the checkpoint; *time receives
 * its timestamp. UCCN_EBADSIG otherwise (another key ID, a timestamp above 2^63 - 1, a bad
 * signature). name NULL means pk's witness name. */
UCCN_NODISCARD int uccn_checkpoint_verify_cosignature(const char *name,
	const uint8_t pk[UCCN_KEY_BYTES], const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], const uint8_t cosig[UCCN_COSIG_BYTES], uint64_t *time);

/* One signature line of a note, as read. */
struct uccn_note_sig {
	char name[256];
	uint8_t data[128];
	size_t len;
};

/* A checkpoint note, parsed and its root signature checked. */
struct uccn_checkpoint {
	uint64_t size;
	uint8_t root[UCCN_HASH_BYTES];
	uint8_t sig[UCCN_NOTE_SIG_BYTES]; /* the root's */
	size_t nsigs;                     /* every signature line, the root's included */
	struct uccn_note_sig sigs[UCCN_NOTE_SIGS_MAX];
};

/* Parses a signed note holding a checkpoint of network and checks the root's signature on it.
 * Lines it does not know are kept in sigs, unchecked. UCCN_OK, UCCN_EPROTO (not a checkpoint
 * note of this network's form), UCCN_ENETWORK (another origin), UCCN_EBADSIG (no valid root
 * signature); why says which. */
UCCN_NODISCARD int uccn_checkpoint_parse(const char *note, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_checkpoint *out, char *why,
	size_t why_len);

/* A cosignature line of a note: the witness name and key it names and its payload. */
struct uccn_cosig {
	char name[256]; /* "": the uccn witness name of pk */
	uint8_t pk[UCCN_KEY_BYTES];
	uint64_t time;
	uint8_t sig[UCCN_COSIG_BYTES];
};

/* The checkpoint as a signed note, the root's signature first, then each cosignature under its
 * witness name, appended to out. */
UCCN_NODISCARD int uccn_checkpoint_note(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], const uint8_t sig[UCCN_NOTE_SIG_BYTES],
	const struct uccn_cosig *cosigs, size_t ncosigs, struct uccn_bytes *out);

/* The cosignatures in a parsed note by uccn witnesses ("uccn-witness/<hex key>") that verify;
 * at most max are written to out. Returns how many. */
size_t uccn_checkpoint_witnesses(const uint8_t network[UCCN_KEY_BYTES],
	const struct uccn_checkpoint *cp, struct uccn_cosig *out, size_t max);

/* Split-view evidence (PROTOCOL.md §9.13): two checkpoints signed by the root that no one
 * registry can have. a is the smaller (or, of equal sizes, either). When the sizes differ,
 * prefix is the root of the first a.size leaves of b's tree and path the RFC 6962 consistency
 * proof from (a.size, prefix) to b: prefix differs from a's root, so b's tree does not extend
 * a's. */
struct uccn_signed_checkpoint {
	uint64_t size;
	uint8_t root[UCCN_HASH_BYTES];
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
};

struct uccn_split_view {
	struct uccn_signed_checkpoint a, b;
	uint8_t prefix[UCCN_HASH_BYTES];
	size_t npath;
	uint8_t path[64][UCCN_HASH_BYTES];
};

/* The evidence as text (§9.13), appended to out. */
UCCN_NODISCARD int uccn_checkpoint_evidence_encode(const uint8_t network[UCCN_KEY_BYTES],
	const struct uccn_split_view *e, struct uccn_bytes *out);
/* Parses evidence text and checks it with nothing but the network id: both checkpoints are the
 * root's, and they are inconsistent. UCCN_OK, UCCN_EPROTO (not evidence), UCCN_ENETWORK (of
 * another network), UCCN_EBADSIG (a checkpoint the root did not sign), UCCN_EPROOF (the two
 * checkpoints may well be one registry's: no split view shown); why says which. */
UCCN_NODISCARD int uccn_checkpoint_evidence_check(const char *text, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_split_view *out, char *why,
	size_t why_len);

#endif
