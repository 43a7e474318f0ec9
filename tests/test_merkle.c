/* test_merkle.c - the registry's Merkle tree: roots against a naive rendering of the RFC 9162
 * definitions written here, known answers, and inclusion and consistency proofs that verify
 * for every small tree and fail for every kind of tampering. */
#include "node/merkle.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <uccn/text.h>

#include "node/crypto.h"

/* Every tree size up to SMALL is tested exhaustively; BIG is a full registry. */
#define SMALL 40
#define BIG 10000

/* C17 does not convert uint8_t (*)[32] to its const-qualified form implicitly. */
#define CONST_HASHES(p) ((const uint8_t(*)[UCCN_HASH_BYTES])(p))

static uint8_t (*leaves)[UCCN_HASH_BYTES];

/* The bytes of leaf i: what the reference below hashes itself. */
static size_t leaf_data(size_t i, uint8_t buf[64]) {
	return (size_t)snprintf((char *)buf, 64, "designation %zu", i);
}

static void setup(void) {
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
	leaves = malloc(BIG * sizeof(*leaves));
	cr_assert_not_null(leaves);
	for (size_t i = 0; i < BIG; i++) {
		uint8_t buf[64];
		size_t len = leaf_data(i, buf);
		uccn_merkle_leaf_hash(buf, len, leaves[i]);
	}
}

static void teardown(void) {
	free(leaves);
	leaves = NULL;
#ifdef __SANITIZE_ADDRESS__
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}

TestSuite(merkle, .init = setup, .fini = teardown);

/* The reference: RFC 9162 section 2.1.1 read literally, on leaf bytes, with SHA-256 on
 * whole buffers and the split found by doubling. Slow and obvious on purpose. */
static size_t ref_split(size_t n) {
	size_t k = 1;
	while (k * 2 < n) {
		k *= 2;
	}
	return k;
}

static void ref_mth(size_t first, size_t n, uint8_t out[UCCN_HASH_BYTES]) {
	if (n == 0) {
		uccn_crypto_sha256(NULL, 0, out);
	} else if (n == 1) {
		uint8_t buf[65];
		buf[0] = 0x00;
		size_t len = leaf_data(first, buf + 1);
		uccn_crypto_sha256(buf, 1 + len, out);
	} else {
		size_t k = ref_split(n);
		uint8_t buf[65];
		buf[0] = 0x01;
		ref_mth(first, k, buf + 1);
		ref_mth(first + k, n - k, buf + 33);
		uccn_crypto_sha256(buf, sizeof(buf), out);
	}
}

/* PATH(m, D[first:first+n]) of section 2.1.3.1, appended to path. */
static void ref_path(
	size_t first, size_t n, size_t m, uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (n <= 1) {
		return;
	}
	size_t k = ref_split(n);
	if (m < k) {
		ref_path(first, k, m, path, len);
		ref_mth(first + k, n - k, path[(*len)++]);
	} else {
		ref_path(first + k, n - k, m - k, path, len);
		ref_mth(first, k, path[(*len)++]);
	}
}

/* SUBPROOF(m, D[first:first+n], b) of section 2.1.4.1, appended to path. */
static void ref_subproof(
	size_t first, size_t n, size_t m, bool b, uint8_t (*path)[UCCN_HASH_BYTES], size_t *len) {
	if (m == n) {
		if (!b) {
			ref_mth(first, n, path[(*len)++]);
		}
		return;
	}
	size_t k = ref_split(n);
	if (m <= k) {
		ref_subproof(first, k, m, b, path, len);
		ref_mth(first + k, n - k, path[(*len)++]);
	} else {
		ref_subproof(first + k, n - k, m - k, false, path, len);
		ref_mth(first, k, path[(*len)++]);
	}
}

/* The shape of PATH(m, D[n]): for each sibling, from the leaf up, whether it is on the left.
 * Returns the count. */
static size_t ref_shape(size_t n, size_t m, bool left[UCCN_MERKLE_MAX_PATH]) {
	if (n <= 1) {
		return 0;
	}
	size_t k = ref_split(n);
	size_t len = m < k ? ref_shape(k, m, left) : ref_shape(n - k, m - k, left);
	left[len] = m >= k;
	return len + 1;
}

/* The shape of SUBPROOF(m, D[n], b) as a string: per element from the bottom up, 'S' for the
 * old tree's own hash, 'L' or 'R' for a sibling on that side. */
static void ref_consistency_shape(size_t n, size_t m, bool b, char *out) {
	if (m == n) {
		strcpy(out, b ? "" : "S");
		return;
	}
	size_t k = ref_split(n);
	if (m <= k) {
		ref_consistency_shape(k, m, b, out);
		strcat(out, "R");
	} else {
		ref_consistency_shape(n - k, m - k, false, out);
		strcat(out, "L");
	}
}

static void root_of(size_t n, uint8_t out[UCCN_HASH_BYTES]) {
	uccn_merkle_root(CONST_HASHES(leaves), n, out);
}

static int verify_inclusion(size_t m, size_t n, const uint8_t leaf[UCCN_HASH_BYTES],
	uint8_t (*path)[UCCN_HASH_BYTES], size_t len, const uint8_t root[UCCN_HASH_BYTES]) {
	return uccn_merkle_verify_inclusion(leaf, m, n, CONST_HASHES(path), len, root);
}

static int verify_consistency(size_t m, size_t n, const uint8_t old_root[UCCN_HASH_BYTES],
	const uint8_t new_root[UCCN_HASH_BYTES], uint8_t (*path)[UCCN_HASH_BYTES], size_t len) {
	return uccn_merkle_verify_consistency(m, n, old_root, new_root, CONST_HASHES(path), len);
}

/* Three bits spread over a hash: the first, the last and one in the middle. */
static const size_t flip_bits[] = {0, 255, 107};

static void flip(uint8_t h[UCCN_HASH_BYTES], size_t bit) {
	h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static size_t ceil_log2(size_t n) {
	size_t d = 0;
	while (((size_t)1 << d) < n) {
		d++;
	}
	return d;
}

Test(merkle, empty_tree_root_is_sha256_of_nothing) {
	uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
	cr_assert_eq(
		uccn_text_from_hex(
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			strlen("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
			want, sizeof(want)),
		UCCN_OK);
	uccn_merkle_root(NULL, 0, got);
	cr_assert_eq(memcmp(got, want, sizeof(want)), 0);
}

Test(merkle, leaf_hash_is_sha256_of_a_zero_byte_then_the_data) {
	const uint8_t data[] = {'A', 'd', 'e', 'l', 'a', 'i', 'd', 'e'};
	uint8_t buf[1 + sizeof(data)] = {0x00};
	memcpy(buf + 1, data, sizeof(data));
	uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
	uccn_crypto_sha256(buf, sizeof(buf), want);
	uccn_merkle_leaf_hash(data, sizeof(data), got);
	cr_assert_eq(memcmp(got, want, sizeof(want)), 0);

	const uint8_t zero = 0x00;
	uccn_crypto_sha256(&zero, 1, want);
	uccn_merkle_leaf_hash(NULL, 0, got);
	cr_assert_eq(memcmp(got, want, sizeof(want)), 0);
}

Test(merkle, root_equals_the_rfc_definition_for_every_size_up_to_40) {
	for (size_t n = 0; n <= SMALL; n++) {
		uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
		ref_mth(0, n, want);
		root_of(n, got);
		cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "n = %zu", n);
	}
}

Test(merkle, root_equals_the_rfc_definition_for_large_trees) {
	const size_t sizes[] = {1023, 1024, 1025, 4097, BIG};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
		ref_mth(0, sizes[i], want);
		root_of(sizes[i], got);
		cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "n = %zu", sizes[i]);
	}
}

/* The incremental tree the registry grows leaf by leaf: its root after each push is the root
 * of every leaf so far, across the sizes where perfect subtrees merge. */
Test(merkle, frontier_root_equals_the_root_after_every_push) {
	struct uccn_merkle_frontier f = {0};
	uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
	uccn_merkle_frontier_root(&f, got);
	root_of(0, want);
	cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "n = 0");
	for (size_t n = 1; n <= 300; n++) {
		uccn_merkle_frontier_push(&f, leaves[n - 1]);
		uccn_merkle_frontier_root(&f, got);
		root_of(n, want);
		cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "n = %zu", n);
	}
}

/* The leaves of RFC 6962's own test data and the roots Certificate Transparency's reference
 * implementation publishes for them (merkle_tree_test.cc), also recomputed with Python's
 * hashlib.sha256. */
Test(merkle, roots_match_known_answers) {
	static const struct {
		const char *data;
		size_t len;
	} rfc_leaves[] = {
		{"", 0},
		{"\x00", 1},
		{"\x10", 1},
		{"\x20\x21", 2},
		{"\x30\x31", 2},
		{"\x40\x41\x42\x43", 4},
		{"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
		{"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
	};
	static const char *roots[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	uint8_t hashes[8][UCCN_HASH_BYTES];
	for (size_t i = 0; i < 8; i++) {
		uccn_merkle_leaf_hash(
			(const uint8_t *)rfc_leaves[i].data, rfc_leaves[i].len, hashes[i]);
	}
	for (size_t n = 0; n <= 8; n++) {
		uint8_t want[UCCN_HASH_BYTES], got[UCCN_HASH_BYTES];
		cr_assert_eq(uccn_text_from_hex(roots[n], strlen(roots[n]), want, sizeof(want)),
			UCCN_OK);
		uccn_merkle_root(CONST_HASHES(hashes), n, got);
		cr_assert_eq(memcmp(got, want, sizeof(want)), 0, "n = %zu", n);
	}
}

Test(merkle, inclusion_proof_equals_the_rfc_audit_path) {
	for (size_t n = 1; n <= SMALL; n++) {
		for (size_t m = 0; m < n; m++) {
			uint8_t want[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			uint8_t got[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t want_len = 0, got_len = 99;
			ref_path(0, n, m, want, &want_len);
			cr_assert_eq(uccn_merkle_inclusion_proof(
					     CONST_HASHES(leaves), n, m, got, &got_len),
				UCCN_OK);
			cr_assert_eq(got_len, want_len, "n = %zu, m = %zu", n, m);
			cr_assert_eq(memcmp(got, want, got_len * UCCN_HASH_BYTES), 0,
				"n = %zu, m = %zu", n, m);
		}
	}
}

Test(merkle, inclusion_proof_verifies_for_every_leaf_of_every_tree_up_to_40) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			cr_assert_leq(len, ceil_log2(n));
			cr_assert_eq(verify_inclusion(m, n, leaves[m], path, len, root), UCCN_OK,
				"n = %zu, m = %zu", n, m);
		}
	}
}

Test(merkle, inclusion_proof_fails_for_a_flipped_bit_in_the_leaf_or_the_root) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t b = 0; b < sizeof(flip_bits) / sizeof(flip_bits[0]); b++) {
				uint8_t leaf[UCCN_HASH_BYTES], bad_root[UCCN_HASH_BYTES];
				memcpy(leaf, leaves[m], sizeof(leaf));
				flip(leaf, flip_bits[b]);
				cr_assert_eq(verify_inclusion(m, n, leaf, path, len, root),
					UCCN_EPROOF, "n = %zu, m = %zu", n, m);
				memcpy(bad_root, root, sizeof(bad_root));
				flip(bad_root, flip_bits[b]);
				cr_assert_eq(verify_inclusion(m, n, leaves[m], path, len, bad_root),
					UCCN_EPROOF, "n = %zu, m = %zu", n, m);
			}
		}
	}
}

Test(merkle, inclusion_proof_fails_for_a_flipped_bit_in_any_path_element) {
	for (size_t n = 2; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t i = 0; i < len; i++) {
				for (size_t b = 0; b < sizeof(flip_bits) / sizeof(flip_bits[0]);
					b++) {
					flip(path[i], flip_bits[b]);
					cr_assert_eq(
						verify_inclusion(m, n, leaves[m], path, len, root),
						UCCN_EPROOF, "n = %zu, m = %zu, element %zu", n, m,
						i);
					flip(path[i], flip_bits[b]);
				}
			}
		}
	}
}

Test(merkle, inclusion_proof_fails_for_any_other_index) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			/* Up to n + 1: an index past the end is refused outright. */
			for (size_t other = 0; other <= n + 1; other++) {
				if (other == m) {
					continue;
				}
				cr_assert_eq(verify_inclusion(other, n, leaves[m], path, len, root),
					UCCN_EPROOF, "n = %zu, m = %zu, other = %zu", n, m, other);
			}
		}
	}
}

/* The head a proof is checked against carries a size and a root together. */
Test(merkle, inclusion_proof_fails_against_the_head_of_a_tree_of_another_size) {
	for (size_t n = 1; n <= SMALL; n++) {
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t other = 0; other <= SMALL + 1; other++) {
				if (other == n) {
					continue;
				}
				uint8_t other_root[UCCN_HASH_BYTES];
				root_of(other, other_root);
				cr_assert_eq(verify_inclusion(
						     m, other, leaves[m], path, len, other_root),
					UCCN_EPROOF, "n = %zu, m = %zu, other = %zu", n, m, other);
			}
		}
	}
}

/* With the right root but a wrong size, the walk is all that checks the size: a size whose
 * audit path has another length or puts a sibling on the other side fails, and only a size
 * whose path has exactly the same shape passes. */
Test(merkle, inclusion_proof_fails_for_a_wrong_size_unless_the_path_has_the_same_shape) {
	size_t failed = 0, passed = 0;
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			bool shape[UCCN_MERKLE_MAX_PATH];
			size_t shape_len = ref_shape(n, m, shape);
			for (size_t other = 0; other <= 2 * SMALL; other++) {
				if (other == n) {
					continue;
				}
				bool other_shape[UCCN_MERKLE_MAX_PATH];
				bool same =
					other > m &&
					ref_shape(other, m, other_shape) == shape_len &&
					memcmp(shape, other_shape, shape_len * sizeof(bool)) == 0;
				int want = same ? UCCN_OK : UCCN_EPROOF;
				cr_assert_eq(verify_inclusion(m, other, leaves[m], path, len, root),
					want, "n = %zu, m = %zu, other = %zu", n, m, other);
				if (same) {
					passed++;
				} else {
					failed++;
				}
			}
		}
	}
	/* Both branches were taken, and a wrong size fails more often than not (here 52,648
	 * times against 12,952). */
	cr_assert_gt(passed, 0);
	cr_assert_gt(failed, passed, "failed %zu, passed %zu", failed, passed);
}

Test(merkle, inclusion_proof_fails_when_truncated_or_extended) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES];
		root_of(n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t path[UCCN_MERKLE_MAX_PATH + 2][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(
				uccn_merkle_inclusion_proof(CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t shorter = 0; shorter < len; shorter++) {
				cr_assert_eq(verify_inclusion(m, n, leaves[m], path, shorter, root),
					UCCN_EPROOF, "n = %zu, m = %zu, %zu of %zu", n, m, shorter,
					len);
			}
			/* Extra elements of any value: the root itself, a leaf, zeros. */
			memcpy(path[len], root, UCCN_HASH_BYTES);
			memcpy(path[len + 1], leaves[0], UCCN_HASH_BYTES);
			cr_assert_eq(verify_inclusion(m, n, leaves[m], path, len + 1, root),
				UCCN_EPROOF);
			cr_assert_eq(verify_inclusion(m, n, leaves[m], path, len + 2, root),
				UCCN_EPROOF);
			memset(path[len], 0, UCCN_HASH_BYTES);
			cr_assert_eq(verify_inclusion(m, n, leaves[m], path, len + 1, root),
				UCCN_EPROOF);
		}
	}
}

Test(merkle, inclusion_in_an_empty_tree_or_past_the_end_is_refused) {
	uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
	size_t len = 7;
	cr_assert_eq(
		uccn_merkle_inclusion_proof(CONST_HASHES(leaves), 0, 0, path, &len), UCCN_EINVAL);
	cr_assert_eq(
		uccn_merkle_inclusion_proof(CONST_HASHES(leaves), 5, 5, path, &len), UCCN_EINVAL);
	cr_assert_eq(
		uccn_merkle_inclusion_proof(CONST_HASHES(leaves), 5, 9, path, &len), UCCN_EINVAL);
	cr_assert_eq(len, 7, "a refused call leaves *len alone");

	uint8_t empty[UCCN_HASH_BYTES];
	root_of(0, empty);
	cr_assert_eq(verify_inclusion(0, 0, leaves[0], path, 0, empty), UCCN_EPROOF);
	uint8_t root[UCCN_HASH_BYTES];
	root_of(1, root);
	cr_assert_eq(verify_inclusion(1, 1, leaves[0], path, 0, root), UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_inclusion(leaves[0], UINT64_MAX, UINT64_MAX, NULL, 0, root),
		UCCN_EPROOF);
}

/* The walk is bounded by the bits of the size whatever the path's length, and sizes near the
 * top of uint64_t do not overflow it. */
Test(merkle, verification_of_huge_sizes_and_long_paths_ends_in_a_refusal) {
	enum { LONG = 1000 };
	uint8_t(*path)[UCCN_HASH_BYTES] = calloc(LONG, UCCN_HASH_BYTES);
	cr_assert_not_null(path);
	uint8_t root[UCCN_HASH_BYTES];
	root_of(1, root);
	cr_assert_eq(verify_inclusion(0, 1, leaves[0], path, LONG, root), UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_inclusion(
			     leaves[0], UINT64_MAX - 1, UINT64_MAX, CONST_HASHES(path), 64, root),
		UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_inclusion(
			     leaves[0], 0, UINT64_MAX, CONST_HASHES(path), LONG, root),
		UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_consistency((UINT64_C(1) << 63) + 1, UINT64_MAX, root, root,
			     CONST_HASHES(path), 65),
		UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_consistency(
			     UINT64_C(1) << 63, UINT64_MAX, root, root, CONST_HASHES(path), LONG),
		UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_consistency(3, 4, root, root, CONST_HASHES(path), LONG),
		UCCN_EPROOF);
	free(path);
}

Test(merkle, proofs_in_a_tree_of_10000_leaves_are_short_and_verify) {
	uint8_t root[UCCN_HASH_BYTES];
	root_of(BIG, root);
	const size_t picks[] = {
		0, 1, 2, 1023, 1024, 1025, 4095, 4096, 5000, 8191, 8192, 9998, 9999};
	for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		size_t m = picks[i];
		uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
		size_t len;
		cr_assert_eq(uccn_merkle_inclusion_proof(CONST_HASHES(leaves), BIG, m, path, &len),
			UCCN_OK);
		cr_assert_leq(len, 14, "ceil(log2 10000) = 14");
		cr_assert_eq(verify_inclusion(m, BIG, leaves[m], path, len, root), UCCN_OK,
			"m = %zu", m);

		if (m == 0) {
			continue;
		}
		uint8_t old_root[UCCN_HASH_BYTES];
		root_of(m, old_root);
		cr_assert_eq(
			uccn_merkle_consistency_proof(CONST_HASHES(leaves), BIG, m, path, &len),
			UCCN_OK);
		cr_assert_leq(len, 15, "ceil(log2 10000) + 1 = 15");
		cr_assert_eq(verify_consistency(m, BIG, old_root, root, path, len), UCCN_OK,
			"m = %zu", m);
	}
}

Test(merkle, consistency_proof_equals_the_rfc_proof) {
	for (size_t n = 1; n <= SMALL; n++) {
		for (size_t m = 1; m <= n; m++) {
			uint8_t want[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			uint8_t got[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t want_len = 0, got_len = 99;
			ref_subproof(0, n, m, true, want, &want_len);
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, got, &got_len),
				UCCN_OK);
			cr_assert_eq(got_len, want_len, "n = %zu, m = %zu", n, m);
			cr_assert_eq(memcmp(got, want, got_len * UCCN_HASH_BYTES), 0,
				"n = %zu, m = %zu", n, m);
		}
	}
}

Test(merkle, consistency_proof_verifies_for_every_pair_of_sizes_up_to_40) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t new_root[UCCN_HASH_BYTES];
		root_of(n, new_root);
		for (size_t m = 1; m <= n; m++) {
			uint8_t old_root[UCCN_HASH_BYTES];
			root_of(m, old_root);
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			cr_assert_leq(len, ceil_log2(n) + 1);
			cr_assert_eq(verify_consistency(m, n, old_root, new_root, path, len),
				UCCN_OK, "m = %zu, n = %zu", m, n);
		}
	}
}

Test(merkle, consistency_proof_fails_when_either_root_is_wrong) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t new_root[UCCN_HASH_BYTES];
		root_of(n, new_root);
		for (size_t m = 1; m <= n; m++) {
			uint8_t old_root[UCCN_HASH_BYTES];
			root_of(m, old_root);
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t b = 0; b < sizeof(flip_bits) / sizeof(flip_bits[0]); b++) {
				flip(old_root, flip_bits[b]);
				cr_assert_eq(
					verify_consistency(m, n, old_root, new_root, path, len),
					UCCN_EPROOF, "m = %zu, n = %zu", m, n);
				flip(old_root, flip_bits[b]);
				flip(new_root, flip_bits[b]);
				cr_assert_eq(
					verify_consistency(m, n, old_root, new_root, path, len),
					UCCN_EPROOF, "m = %zu, n = %zu", m, n);
				flip(new_root, flip_bits[b]);
			}
			/* Another tree's root: the old tree's one leaf short, the new one's one
			 * over. */
			uint8_t other[UCCN_HASH_BYTES];
			root_of(m - 1, other);
			cr_assert_eq(
				verify_consistency(m, n, other, new_root, path, len), UCCN_EPROOF);
			root_of(n + 1, other);
			cr_assert_eq(
				verify_consistency(m, n, old_root, other, path, len), UCCN_EPROOF);
		}
	}
}

Test(merkle, consistency_proof_fails_for_a_flipped_bit_in_any_path_element) {
	for (size_t n = 2; n <= SMALL; n++) {
		uint8_t new_root[UCCN_HASH_BYTES];
		root_of(n, new_root);
		for (size_t m = 1; m < n; m++) {
			uint8_t old_root[UCCN_HASH_BYTES];
			root_of(m, old_root);
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t i = 0; i < len; i++) {
				for (size_t b = 0; b < sizeof(flip_bits) / sizeof(flip_bits[0]);
					b++) {
					flip(path[i], flip_bits[b]);
					cr_assert_eq(verify_consistency(
							     m, n, old_root, new_root, path, len),
						UCCN_EPROOF, "m = %zu, n = %zu, element %zu", m, n,
						i);
					flip(path[i], flip_bits[b]);
				}
			}
		}
	}
}

Test(merkle, consistency_proof_fails_when_truncated_or_extended) {
	for (size_t n = 2; n <= SMALL; n++) {
		uint8_t new_root[UCCN_HASH_BYTES];
		root_of(n, new_root);
		for (size_t m = 1; m < n; m++) {
			uint8_t old_root[UCCN_HASH_BYTES];
			root_of(m, old_root);
			uint8_t path[UCCN_MERKLE_MAX_PATH + 1][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t shorter = 0; shorter < len; shorter++) {
				cr_assert_eq(
					verify_consistency(m, n, old_root, new_root, path, shorter),
					UCCN_EPROOF, "m = %zu, n = %zu, %zu of %zu", m, n, shorter,
					len);
			}
			memcpy(path[len], new_root, UCCN_HASH_BYTES);
			cr_assert_eq(verify_consistency(m, n, old_root, new_root, path, len + 1),
				UCCN_EPROOF, "m = %zu, n = %zu", m, n);
		}
	}
}

/* With the right roots but a wrong size, old or new, the walk is all that checks the sizes: only
 * sizes whose proof has exactly the same shape pass. */
static void check_other_sizes(size_t m, size_t n, size_t other_m, size_t other_n,
	const uint8_t old_root[UCCN_HASH_BYTES], const uint8_t new_root[UCCN_HASH_BYTES],
	uint8_t (*path)[UCCN_HASH_BYTES], size_t len, size_t *passed) {
	char shape[UCCN_MERKLE_MAX_PATH + 1], other_shape[UCCN_MERKLE_MAX_PATH + 1];
	ref_consistency_shape(n, m, true, shape);
	ref_consistency_shape(other_n, other_m, true, other_shape);
	bool same = strcmp(shape, other_shape) == 0;
	cr_assert_eq(verify_consistency(other_m, other_n, old_root, new_root, path, len),
		same ? UCCN_OK : UCCN_EPROOF, "m = %zu, n = %zu, checked as %zu, %zu", m, n,
		other_m, other_n);
	*passed += same;
}

Test(merkle, consistency_proof_fails_for_other_sizes_unless_the_proof_has_the_same_shape) {
	size_t passed = 0, checked = 0;
	for (size_t n = 2; n <= SMALL; n++) {
		uint8_t new_root[UCCN_HASH_BYTES];
		root_of(n, new_root);
		for (size_t m = 1; m < n; m++) {
			uint8_t old_root[UCCN_HASH_BYTES];
			root_of(m, old_root);
			uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
			size_t len;
			cr_assert_eq(uccn_merkle_consistency_proof(
					     CONST_HASHES(leaves), n, m, path, &len),
				UCCN_OK);
			for (size_t other = m; other <= 2 * SMALL; other++) {
				if (other != n) {
					check_other_sizes(m, n, m, other, old_root, new_root, path,
						len, &passed);
					checked++;
				}
			}
			for (size_t other = 1; other <= n; other++) {
				if (other != m) {
					check_other_sizes(m, n, other, n, old_root, new_root, path,
						len, &passed);
					checked++;
				}
			}
		}
	}
	cr_assert_gt(passed, 0);
	cr_assert_gt(checked - passed, passed);
}

Test(merkle, consistency_of_a_tree_with_itself_is_an_empty_proof_and_equal_roots) {
	for (size_t n = 1; n <= SMALL; n++) {
		uint8_t root[UCCN_HASH_BYTES], other[UCCN_HASH_BYTES];
		root_of(n, root);
		root_of(n - 1, other);
		uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
		size_t len = 99;
		cr_assert_eq(uccn_merkle_consistency_proof(CONST_HASHES(leaves), n, n, path, &len),
			UCCN_OK);
		cr_assert_eq(len, 0);
		cr_assert_eq(verify_consistency(n, n, root, root, path, 0), UCCN_OK);
		cr_assert_eq(verify_consistency(n, n, root, other, path, 0), UCCN_EPROOF);
		cr_assert_eq(verify_consistency(n, n, other, root, path, 0), UCCN_EPROOF);
		memcpy(path[0], root, UCCN_HASH_BYTES);
		cr_assert_eq(verify_consistency(n, n, root, root, path, 1), UCCN_EPROOF,
			"a proof between equal sizes has no elements");
	}
}

Test(merkle, consistency_from_an_empty_tree_or_to_a_smaller_one_is_refused) {
	uint8_t path[UCCN_MERKLE_MAX_PATH][UCCN_HASH_BYTES];
	size_t len = 7;
	cr_assert_eq(
		uccn_merkle_consistency_proof(CONST_HASHES(leaves), 5, 0, path, &len), UCCN_EINVAL);
	cr_assert_eq(
		uccn_merkle_consistency_proof(CONST_HASHES(leaves), 0, 0, path, &len), UCCN_EINVAL);
	cr_assert_eq(
		uccn_merkle_consistency_proof(CONST_HASHES(leaves), 5, 6, path, &len), UCCN_EINVAL);
	cr_assert_eq(len, 7, "a refused call leaves *len alone");

	uint8_t empty[UCCN_HASH_BYTES], five[UCCN_HASH_BYTES], six[UCCN_HASH_BYTES];
	root_of(0, empty);
	root_of(5, five);
	root_of(6, six);
	cr_assert_eq(verify_consistency(0, 0, empty, empty, path, 0), UCCN_EPROOF);
	/* An empty proof between different sizes is refused before anything is read from it. */
	cr_assert_eq(uccn_merkle_verify_consistency(3, 5, five, five, NULL, 0), UCCN_EPROOF);
	cr_assert_eq(uccn_merkle_verify_consistency(4, 5, five, five, NULL, 0), UCCN_EPROOF);
	cr_assert_eq(verify_consistency(0, 5, empty, five, path, 0), UCCN_EPROOF);
	/* A real proof from 5 to 6, offered for 6 to 5. */
	cr_assert_eq(
		uccn_merkle_consistency_proof(CONST_HASHES(leaves), 6, 5, path, &len), UCCN_OK);
	cr_assert_eq(verify_consistency(5, 6, five, six, path, len), UCCN_OK);
	cr_assert_eq(verify_consistency(6, 5, six, five, path, len), UCCN_EPROOF);
}
