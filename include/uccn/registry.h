/* registry.h - checking the Secretariat's registry with nothing but the network id: inclusion
 * proofs of membership, as a city shows them to a peer. No node, no store, no network. */
#ifndef UCCN_REGISTRY_H
#define UCCN_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>
#include <uccn/node.h>

/* What a proof shows: the city, its designation, and the signed tree head it is under. The
 * member's strings point into the result itself. Filled when the proof holds, and also when
 * it holds but the designation it proves is withdrawn (UCCN_ENOTMEMBER). */
struct uccn_proof_result {
	struct uccn_member member;
	struct uccn_tree_head head;
	uint64_t leaf_index;
	char name[256];
	char country[8];
	char field[32];
	char reason[512];
};

/* Checks a proof (proto/PROTOCOL.md) against network: both signatures are the root's, the
 * designation is a leaf of the tree under the signed head, and it is active. Returns UCCN_OK,
 * UCCN_EPROTO (not a proof), UCCN_ENETWORK (another network), UCCN_EBADSIG, UCCN_EPROOF (the
 * path does not lead to the signed root), UCCN_ENOTMEMBER (a withdrawal); err (may be NULL)
 * says which in words. */
UCCN_NODISCARD int uccn_registry_check_proof(const uint8_t *proof, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_proof_result *out,
	struct uccn_error *err);

/* The witnesses whose cosignatures of the proof's checkpoint (its note, PROTOCOL.md §9.11)
 * verify, each key once, at most max written to keys. Returns how many, or UCCN_EPROTO when
 * the proof or its note does not read (check the proof first). */
UCCN_NODISCARD int uccn_registry_proof_witnesses(const uint8_t *proof, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], uint8_t (*keys)[UCCN_KEY_BYTES], size_t max);

/* The checkpoint note a proof carries (element 7), copied to note (appended). UCCN_EPROTO when
 * the file is not a proof. */
UCCN_NODISCARD int uccn_registry_proof_note(
	const uint8_t *proof, size_t len, struct uccn_bytes *note);

/* A proof as text (PROTOCOL.md §9.8.1), for an e-mail or a web page: the header line, the
 * proof's bytes in standard padded base64 in lines of 64 characters, the footer line, each
 * ended by a newline. */
#define UCCN_PROOF_ARMOR_BEGIN "-----BEGIN UCCN MEMBERSHIP PROOF-----"
#define UCCN_PROOF_ARMOR_END "-----END UCCN MEMBERSHIP PROOF-----"

/* Appends the armored text of proof (len bytes) to out. UCCN_OK or UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_registry_proof_armor(
	const uint8_t *proof, size_t len, struct uccn_bytes *out);

/* If data holds an armored proof (text around it, as in an e-mail, is skipped), appends the
 * proof's bytes to out and returns 1; returns 0 when data is a binary proof (it starts with a
 * msgpack array header, or holds no armor header: check it as it is), UCCN_EPROTO when the
 * armor is damaged (no footer, not base64), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_registry_proof_dearmor(
	const uint8_t *data, size_t len, struct uccn_bytes *out);

/* What split-view evidence shows: two checkpoints of the root, the smaller first. */
struct uccn_split_view_result {
	uint64_t size[2];
	uint8_t root[2][UCCN_HASH_BYTES];
};

/* Checks split-view evidence (proto/PROTOCOL.md §9.13) with nothing but the network id: both
 * checkpoints are signed by the root, and no one registry has both. UCCN_OK, UCCN_EPROTO (not
 * evidence), UCCN_ENETWORK, UCCN_EBADSIG, UCCN_EPROOF (the checkpoints may be one registry's);
 * err (may be NULL) says which in words. */
UCCN_NODISCARD int uccn_registry_check_evidence(const char *text, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_split_view_result *out,
	struct uccn_error *err);

#endif
