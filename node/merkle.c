/* merkle.c - RFC 6962 Merkle Tree Hash, audit paths and consistency proofs with SHA-256, and
 * the incremental tree (its right frontier) of a log that only grows. Works on leaf hashes the
 * caller holds; knows nothing of what the leaves encode, of signed tree heads or of storage. */
#include "node/merkle.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "node/crypto.h"

/* Domain-separation prefixes (RFC 9162 section 2.1.1): a leaf can never pass for a node. */
#define LEAF_PREFIX 0x00
#define NODE_PREFIX 0x01

void uccn_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[UCCN_HASH_BYTES]) {
	const uint8_t prefix = LEAF_PREFIX;
	struct uccn_sha256_state h;
	uccn_crypto_sha256_init(&h);
	uccn_crypto_sha256_update(&h, &prefix, 1);
	if (len > 0) {
		uccn_crypto_sha256_update(&h, data, len);
	}
	uccn_crypto_sha256_final(&h, out);
}

/* H(0x01 || left || right). One call on a 65-byte buffer is cheaper than three updates, and the
 * tree of a full registry is mostly these. out may alias left or right. */
void uccn_merkle_node_hash(const uint8_t left[UCCN_HASH_BYTES],
	const uint8_t right[UCCN_HASH_BYTES], uint8_t out[UCCN_HASH_BYTES]) {
	uint8_t buf[1 + 2 * UCCN_HASH_BYTES];
	buf[0] = NODE_PREFIX;
	memcpy(buf + 1, left, UCCN_HASH_BYTES);
	memcpy(buf + 1 + UCCN_HASH_BYTES, right, UCCN_HASH_BYTES);
	uccn_crypto_sha256(buf, sizeof(buf), out);
}

/* The largest power of two smaller than n, for n >= 2. Written as k < n - k so that doubling k
 * can never overflow. */
static size_t split(size_t n) {
	assert(n >= 2);
	size_t k = 1;
	while (k < n - k) {
		k <<= 1;
	}
	return k;
}

/* MTH(D[0:n]) for n >= 1. Each level splits the leaves, so the recursion is ceil(log2 n) deep
 * and every leaf is read once. */
static void subtree_root(
	const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, uint8_t out[UCCN_HASH_BYTES]) {
	if (n == 1) {
		memmove(out, leaves[0], UCCN_HASH_BYTES);
		return;
	}
	size_t k = split(n);
	uint8_t left[UCCN_HASH_BYTES], right[UCCN_HASH_BYTES];
	subtree_root(leaves, k, left);
	subtree_root(leaves + k, n - k, right);
	uccn_merkle_node_hash(left, right, out);
}

void uccn_merkle_root(
	const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, uint8_t out[UCCN_HASH_BYTES]) {
	if (n == 0) {
		uccn_crypto_sha256(NULL, 0, out);
		return;
	}
	assert(leaves != NULL);
	subtree_root(leaves, n, out);
}

/* PATH(m, D[0:n]) of RFC 9162 section 2.1.3.1, appended at path[*len]. The recursion descends
 * first, so the sibling nearest the leaf comes first, as the verifier reads it. The siblings
 * are disjoint subtrees, so all of them together cost fewer than n node hashes. */
static void audit_path(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (n == 1) {
		return;
	}
	size_t k = split(n);
	if (m < k) {
		audit_path(leaves, k, m, path, len);
		assert(*len < UCCN_MERKLE_MAX_PATH);
		subtree_root(leaves + k, n - k, path[(*len)++]);
	} else {
		audit_path(leaves + k, n - k, m - k, path, len);
		assert(*len < UCCN_MERKLE_MAX_PATH);
		subtree_root(leaves, k, path[(*len)++]);
	}
}

int uccn_merkle_inclusion_proof(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (m >= n) {
		return UCCN_EINVAL;
	}
	*len = 0;
	audit_path(leaves, n, m, path, len);
	return UCCN_OK;
}

/* SUBPROOF(m, D[0:n], b) of RFC 9162 section 2.1.4.1. b says whether the m-leaf subtree is the
 * old tree itself (whose root the verifier already holds) or only part of it. */
static void subproof(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m, bool b,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (m == n) {
		if (!b) {
			assert(*len < UCCN_MERKLE_MAX_PATH);
			subtree_root(leaves, n, path[(*len)++]);
		}
		return;
	}
	size_t k = split(n);
	if (m <= k) {
		subproof(leaves, k, m, b, path, len);
		assert(*len < UCCN_MERKLE_MAX_PATH);
		subtree_root(leaves + k, n - k, path[(*len)++]);
	} else {
		subproof(leaves + k, n - k, m - k, false, path, len);
		assert(*len < UCCN_MERKLE_MAX_PATH);
		subtree_root(leaves, k, path[(*len)++]);
	}
}

int uccn_merkle_consistency_proof(const uint8_t (*leaves)[UCCN_HASH_BYTES], size_t n, size_t m,
	uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (m == 0 || m > n) {
		return UCCN_EINVAL;
	}
	*len = 0;
	subproof(leaves, n, m, true, path, len);
	return UCCN_OK;
}

static bool hash_equal(const uint8_t a[UCCN_HASH_BYTES], const uint8_t b[UCCN_HASH_BYTES]) {
	return uccn_crypto_equal(a, b, UCCN_HASH_BYTES);
}

/* The steps are numbered as in RFC 9162 section 2.1.3.2. fn is the leaf's index and sn the last
 * index at the current level; the bits of fn say on which side each sibling sits, and a path
 * that is too long runs sn down to 0 before it ends, one too short leaves sn above 0. */
int uccn_merkle_verify_inclusion(const uint8_t leaf_hash[UCCN_HASH_BYTES], uint64_t m, uint64_t n,
	const uint8_t (*path)[UCCN_HASH_BYTES], size_t len, const uint8_t root[UCCN_HASH_BYTES]) {
	/* 1. Also refuses n == 0: the empty tree includes nothing. */
	if (m >= n) {
		return UCCN_EPROOF;
	}
	/* 2. and 3. */
	uint64_t fn = m;
	uint64_t sn = n - 1;
	uint8_t r[UCCN_HASH_BYTES];
	memcpy(r, leaf_hash, UCCN_HASH_BYTES);
	/* 4. */
	for (size_t i = 0; i < len; i++) {
		if (sn == 0) {
			return UCCN_EPROOF;
		}
		if ((fn & 1) != 0 || fn == sn) {
			uccn_merkle_node_hash(path[i], r, r);
			/* A right-most node with no right sibling is promoted: skip the levels
			 * where it stands alone. */
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			uccn_merkle_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* 5. */
	if (sn != 0 || !hash_equal(r, root)) {
		return UCCN_EPROOF;
	}
	return UCCN_OK;
}

/* The steps are numbered as in RFC 9162 section 2.1.4.2, which covers 0 < m < n; the cases
 * around it are settled first. fr rebuilds the old root and sr the new one from the same
 * path: the old tree's nodes are the left edge of the new one. */
int uccn_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[UCCN_HASH_BYTES],
	const uint8_t new_root[UCCN_HASH_BYTES], const uint8_t (*path)[UCCN_HASH_BYTES],
	size_t len) {
	if (m == 0 || m > n) {
		return UCCN_EPROOF;
	}
	if (m == n) {
		/* The same tree: PROOF(n, D[n]) is empty, and the two heads must agree. */
		if (len != 0 || !hash_equal(old_root, new_root)) {
			return UCCN_EPROOF;
		}
		return UCCN_OK;
	}
	/* 1. */
	if (len == 0) {
		return UCCN_EPROOF;
	}
	/* 2. When m is a power of two the old tree is a whole subtree of the new one, so the proof
	 * leaves out its root, which the verifier holds. It is put in front of the path here by
	 * starting from it instead of from path[0]. */
	const uint8_t *first = path[0];
	size_t next = 1;
	if ((m & (m - 1)) == 0) {
		first = old_root;
		next = 0;
	}
	/* 3. */
	uint64_t fn = m - 1;
	uint64_t sn = n - 1;
	/* 4. */
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	/* 5. */
	uint8_t fr[UCCN_HASH_BYTES], sr[UCCN_HASH_BYTES];
	memcpy(fr, first, UCCN_HASH_BYTES);
	memcpy(sr, first, UCCN_HASH_BYTES);
	/* 6. */
	for (size_t i = next; i < len; i++) {
		if (sn == 0) {
			return UCCN_EPROOF;
		}
		if ((fn & 1) != 0 || fn == sn) {
			uccn_merkle_node_hash(path[i], fr, fr);
			uccn_merkle_node_hash(path[i], sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			uccn_merkle_node_hash(sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* 7. */
	if (sn != 0 || !hash_equal(fr, old_root) || !hash_equal(sr, new_root)) {
		return UCCN_EPROOF;
	}
	return UCCN_OK;
}

void uccn_merkle_frontier_push(
	struct uccn_merkle_frontier *f, const uint8_t leaf[UCCN_HASH_BYTES]) {
	memcpy(f->hash[f->n], leaf, UCCN_HASH_BYTES);
	f->size[f->n++] = 1;
	/* Two perfect subtrees of one size side by side make one of twice the size. */
	while (f->n >= 2 && f->size[f->n - 1] == f->size[f->n - 2]) {
		uccn_merkle_node_hash(f->hash[f->n - 2], f->hash[f->n - 1], f->hash[f->n - 2]);
		f->size[f->n - 2] *= 2;
		f->n--;
	}
}

void uccn_merkle_frontier_root(const struct uccn_merkle_frontier *f, uint8_t out[UCCN_HASH_BYTES]) {
	if (f->n == 0) {
		uccn_merkle_root(NULL, 0, out);
		return;
	}
	uint8_t acc[UCCN_HASH_BYTES];
	memcpy(acc, f->hash[f->n - 1], UCCN_HASH_BYTES);
	for (size_t i = f->n - 1; i-- > 0;) {
		uccn_merkle_node_hash(f->hash[i], acc, acc);
	}
	memcpy(out, acc, UCCN_HASH_BYTES);
}
