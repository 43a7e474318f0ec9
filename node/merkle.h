/* merkle.h - the Merkle Tree Hash of RFC 6962 section 2.1 (RFC 9162 section 2.1) with SHA-256
 * over the registry's leaves, and its inclusion and consistency proofs: the tree every
 * transparency-log tool computes (PROTOCOL.md §9.6). Pure functions: no I/O, no allocation, no
 * globals; uccn_crypto_init() must have run.
 *
 * Leaf hash: H(0x00 || data). Node hash: H(0x01 || left || right). The tree over n leaves is
 * split at the largest power of two smaller than n; the empty tree's hash is H("").
 *
 * In C17 a uint8_t (*)[UCCN_HASH_BYTES] does not convert implicitly to the const-qualified
 * pointers taken below; callers holding mutable arrays cast them. */
#ifndef NODE_MERKLE_H
#define NODE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* Room a caller gives a proof. An audit path has at most ceil(log2 n) hashes and a consistency
 * proof at most ceil(log2 n) + 1, so 64 holds every proof over leaves that fit in memory. */
#define UCCN_MERKLE_MAX_PATH 64

/* H(0x00 || data). data may be NULL when len is 0. */
void uccn_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[UCCN_HASH_BYTES]);

/* H(0x01 || left || right). out may alias left or right. */
void uccn_merkle_node_hash(const uint8_t left[UCCN_HASH_BYTES],
	const uint8_t right[UCCN_HASH_BYTES], uint8_t out[UCCN_HASH_BYTES]);

/* The Merkle Tree Hash of the first n leaf hashes (n may be 0): n - 1 node hashes, recursion
 * depth ceil(log2 n). */
void uccn_merkle_root(
	const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, uint8_t out[UCCN_HASH_BYTES]);

/* The audit path of leaf m in the tree of the first n leaves (RFC 9162 section 2.1.3.1), the
 * leaf's sibling first. path needs room for UCCN_MERKLE_MAX_PATH hashes; *len receives how many
 * were written. Costs at most n node hashes. UCCN_OK, or UCCN_EINVAL if m >= n. */
int uccn_merkle_inclusion_proof(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len);

/* RFC 9162 section 2.1.3.2: UCCN_OK if path of len hashes proves that leaf_hash is leaf m of the
 * tree of n leaves whose hash is root, else UCCN_EPROOF (also when m >= n). The walk checks the
 * path's length against m and n; a size whose walk has the same shape as n's passes with n's
 * root, which is why a tree head signs its size together with its root. */
UCCN_NODISCARD int uccn_merkle_verify_inclusion(const uint8_t leaf_hash[UCCN_HASH_BYTES],
	uint64_t m, uint64_t n, const uint8_t (*path)[UCCN_HASH_BYTES], size_t len,
	const uint8_t root[UCCN_HASH_BYTES]);

/* The consistency proof between the trees of the first m and the first n leaves (RFC 9162
 * section 2.1.4.1); empty when m == n. path needs room for UCCN_MERKLE_MAX_PATH hashes; *len
 * receives how many were written. Costs at most n node hashes. UCCN_OK, or UCCN_EINVAL unless
 * 0 < m <= n. */
int uccn_merkle_consistency_proof(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len);

/* RFC 9162 section 2.1.4.2: UCCN_OK if path of len hashes proves that the tree of m leaves with
 * hash old_root is a prefix of the tree of n leaves with hash new_root, else UCCN_EPROOF. When
 * m == n the proof must be empty and the roots equal. m == 0 is refused (UCCN_EPROOF): every
 * tree extends the empty one, so there is nothing to prove and no root to check. */
UCCN_NODISCARD int uccn_merkle_verify_consistency(uint64_t m, uint64_t n,
	const uint8_t old_root[UCCN_HASH_BYTES], const uint8_t new_root[UCCN_HASH_BYTES],
	const uint8_t (*path)[UCCN_HASH_BYTES], size_t len);

/* The incremental tree: the right frontier of the tree over the leaves pushed so far, perfect
 * subtrees of decreasing size whose roots fold into the tree's root (RFC 6962's split at the
 * largest power of two). A leaf costs O(1) amortised node hashes and the root O(log n), so a
 * tree that only grows needs no walk of its leaves. Zeroed, it is the empty tree. */
struct uccn_merkle_frontier {
	uint8_t hash[64][UCCN_HASH_BYTES];
	uint64_t size[64];
	size_t n;
};

/* Appends the leaf hash leaf to the tree. */
void uccn_merkle_frontier_push(struct uccn_merkle_frontier *f, const uint8_t leaf[UCCN_HASH_BYTES]);

/* The root of the whole tree from its frontier: equal to uccn_merkle_root over every leaf
 * pushed. */
void uccn_merkle_frontier_root(const struct uccn_merkle_frontier *f, uint8_t out[UCCN_HASH_BYTES]);

#endif
