/* test_crypto.c - identities, key files, signatures, hashes and hex. */
#include "node/crypto.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <uccn/text.h>

#include "tests/support.h"

static char *dir;

static void setup(void) {
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
	dir = test_tmpdir();
}

static void teardown(void) {
	test_rmdir(dir);
	dir = NULL;
	test_check_leaks();
}

TestSuite(crypto, .init = setup, .fini = teardown);

static void key_path(char *buf, size_t len) {
	snprintf(buf, len, "%s/node.key", dir);
}

Test(crypto, signature_verifies_and_a_flipped_bit_does_not) {
	struct uccn_identity *id;
	cr_assert_eq(uccn_crypto_identity_generate(&id), UCCN_OK);
	uint8_t pk[UCCN_KEY_BYTES], sig[UCCN_SIG_BYTES];
	uccn_crypto_identity_public_key(id, pk);
	const uint8_t msg[] = "designation of Adelaide";
	uccn_crypto_sign(id, msg, sizeof(msg), sig);
	cr_assert_eq(uccn_crypto_verify(sig, msg, sizeof(msg), pk), UCCN_OK);
	sig[10] ^= 1;
	cr_assert_eq(uccn_crypto_verify(sig, msg, sizeof(msg), pk), UCCN_EBADSIG);
	uccn_crypto_identity_destroy(id);
}

Test(crypto, saved_key_loads_back_with_the_same_public_key) {
	char path[512];
	key_path(path, sizeof(path));
	struct uccn_identity *a, *b;
	cr_assert_eq(uccn_crypto_identity_generate(&a), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_save(a, path), UCCN_OK);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(uccn_crypto_identity_load(path, &b), UCCN_OK);
	uint8_t pa[32], pb[32];
	uccn_crypto_identity_public_key(a, pa);
	uccn_crypto_identity_public_key(b, pb);
	cr_assert_eq(memcmp(pa, pb, 32), 0);
	uccn_crypto_identity_destroy(a);
	uccn_crypto_identity_destroy(b);
}

Test(crypto, saving_over_an_existing_key_is_refused) {
	char path[512];
	key_path(path, sizeof(path));
	struct uccn_identity *a;
	cr_assert_eq(uccn_crypto_identity_generate(&a), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_save(a, path), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_save(a, path), UCCN_EEXIST);
	uccn_crypto_identity_destroy(a);
}

Test(crypto, key_file_readable_by_others_is_refused) {
	char path[512];
	key_path(path, sizeof(path));
	struct uccn_identity *a, *b = NULL;
	cr_assert_eq(uccn_crypto_identity_generate(&a), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_save(a, path), UCCN_OK);
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(uccn_crypto_identity_load(path, &b), UCCN_EPERM);
	cr_assert_null(b);
	uccn_crypto_identity_destroy(a);
}

Test(crypto, damaged_key_file_is_corrupt) {
	char path[512];
	key_path(path, sizeof(path));
	struct uccn_identity *a, *b = NULL;
	cr_assert_eq(uccn_crypto_identity_generate(&a), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_save(a, path), UCCN_OK);
	FILE *f = fopen(path, "r+b");
	cr_assert_not_null(f);
	/* Flip a byte inside the public half: writing a fixed value would leave the file
	 * unchanged whenever the key already held it there (one key in 256). */
	cr_assert_eq(fseek(f, 40, SEEK_SET), 0);
	int byte = fgetc(f);
	cr_assert_neq(byte, EOF);
	cr_assert_eq(fseek(f, 40, SEEK_SET), 0);
	fputc(byte ^ 0xff, f);
	fclose(f);
	cr_assert_eq(uccn_crypto_identity_load(path, &b), UCCN_ECORRUPT);
	f = fopen(path, "wb");
	fputs("short", f);
	fclose(f);
	cr_assert_eq(uccn_crypto_identity_load(path, &b), UCCN_ECORRUPT);
	uccn_crypto_identity_destroy(a);
}

Test(crypto, missing_key_file_is_not_found) {
	struct uccn_identity *b = NULL;
	cr_assert_eq(uccn_crypto_identity_load("/nonexistent/uccn/node.key", &b), UCCN_ENOTFOUND);
}

Test(crypto, seeded_identity_is_deterministic) {
	uint8_t seed[32] = {0};
	struct uccn_identity *a, *b;
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &a), UCCN_OK);
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &b), UCCN_OK);
	uint8_t sa[64], sb[64];
	uccn_crypto_sign(a, seed, 32, sa);
	uccn_crypto_sign(b, seed, 32, sb);
	cr_assert_eq(memcmp(sa, sb, 64), 0);
	uccn_crypto_identity_destroy(a);
	uccn_crypto_identity_destroy(b);
}

Test(crypto, incremental_hash_equals_one_shot) {
	uint8_t msg[1000], one[32], inc[32];
	for (size_t i = 0; i < sizeof(msg); i++) {
		msg[i] = (uint8_t)(i * 7);
	}
	uccn_crypto_hash(msg, sizeof(msg), one);
	struct uccn_hash_state h;
	uccn_crypto_hash_init(&h);
	uccn_crypto_hash_update(&h, msg, 300);
	uccn_crypto_hash_update(&h, msg + 300, 700);
	uccn_crypto_hash_final(&h, inc);
	cr_assert_eq(memcmp(one, inc, 32), 0);
}

Test(crypto, blake2b_256_of_empty_input_is_the_known_vector) {
	uint8_t out[32];
	char hex[65];
	uccn_crypto_hash(NULL, 0, out);
	uccn_text_to_hex(out, 32, hex);
	cr_assert_str_eq(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

Test(crypto, hex_round_trips_and_rejects_bad_input) {
	uint8_t bin[4] = {0xde, 0xad, 0xbe, 0xef}, back[4];
	char hex[9];
	uccn_text_to_hex(bin, 4, hex);
	cr_assert_str_eq(hex, "deadbeef");
	cr_assert_eq(uccn_text_from_hex("DEADBEEF", strlen("DEADBEEF"), back, 4), UCCN_OK);
	cr_assert_eq(memcmp(bin, back, 4), 0);
	cr_assert_eq(uccn_text_from_hex("deadbee", strlen("deadbee"), back, 4), UCCN_EINVAL);
	cr_assert_eq(uccn_text_from_hex("deadbeefaa", strlen("deadbeefaa"), back, 4), UCCN_EINVAL);
	cr_assert_eq(uccn_text_from_hex("deadbeeg", strlen("deadbeeg"), back, 4), UCCN_EINVAL);
}
