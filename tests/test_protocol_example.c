/* test_protocol_example.c - keeps the worked examples of proto/PROTOCOL.md true: the change of
 * §8 (its hex, key and hash are read from the document, decoded, verified and rebuilt from the
 * documented inputs) and the sync messages of §11.6. If the codec or the document drifts, this
 * fails. */
#include "proto/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "node/checkpoint.h"
#include "node/crypto.h"
#include "node/merkle.h"
#include "node/sync.h"
#include "tests/support.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#define DOC UCCN_SOURCE_ROOT "/proto/PROTOCOL.md"
#define EXAMPLE_HLC ((uint64_t)1700000000000 << 16)
#define EXAMPLE_ID "0123456789abcdef0123456789abcdef"
#define EXAMPLE_TITLE "Music in schools"

static void setup(void) {
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
}

static void teardown(void) {
#ifdef __SANITIZE_ADDRESS__
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}

TestSuite(protocol_example, .init = setup, .fini = teardown);

static char *read_doc(void) {
	return test_read_file(DOC);
}

/* The bytes written in hex between the lines <!-- name --> and <!-- /name -->. Only lines made
 * of hex digit pairs and spaces count, so the code fences around them are skipped. Returns the
 * byte count; *out is malloc'ed. */
static size_t doc_hex(const char *doc, const char *name, uint8_t **out) {
	char open[64], close[64];
	snprintf(open, sizeof(open), "<!-- %s -->\n", name);
	snprintf(close, sizeof(close), "<!-- /%s -->", name);
	const char *start = strstr(doc, open);
	cr_assert_not_null(start, "no %s in the document", open);
	start += strlen(open);
	const char *end = strstr(start, close);
	cr_assert_not_null(end, "no %s in the document", close);
	uint8_t *bytes = malloc((size_t)(end - start) / 2 + 1);
	cr_assert_not_null(bytes);
	size_t n = 0;
	for (const char *line = start; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		eol = eol == NULL ? end : eol;
		bool hex = eol > line;
		for (const char *p = line; p < eol; p++) {
			hex = hex && (*p == ' ' || test_hex_digit(*p) >= 0);
		}
		for (const char *p = line; hex && p < eol; p++) {
			if (*p == ' ') {
				continue;
			}
			cr_assert(p + 1 < eol && test_hex_digit(p[1]) >= 0, "odd hex digit in %s",
				name);
			bytes[n++] = (uint8_t)(test_hex_digit(p[0]) << 4 | test_hex_digit(p[1]));
			p++;
		}
		line = eol + 1;
	}
	*out = bytes;
	return n;
}

/* Builds the example change of §8 from its documented inputs. */
static void build_example(struct uccn_bytes *out, uint8_t pk[UCCN_KEY_BYTES]) {
	uint8_t seed[32];
	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)i;
	}
	struct uccn_identity *id = NULL;
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &id), UCCN_OK);
	struct uccn_change c;
	memset(&c, 0, sizeof(c));
	uccn_crypto_identity_public_key(id, c.author);
	memcpy(pk, c.author, UCCN_KEY_BYTES);
	memcpy(c.owner, c.author, UCCN_KEY_BYTES);
	c.seq = 1;
	c.hlc = EXAMPLE_HLC;
	strcpy(c.kind, "best_practice");
	strcpy(c.id, EXAMPLE_ID);
	c.op = UCCN_OP_PUT;
	c.items[0] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 4};
	c.items[1] = (struct uccn_value){.type = UCCN_VALUE_INT, .i = 11};
	c.nitems = 2;
	c.fields[0] = (struct uccn_field){.name = "title",
		.name_len = 5,
		.value = {.type = UCCN_VALUE_STR,
			.str = EXAMPLE_TITLE,
			.str_len = strlen(EXAMPLE_TITLE)}};
	c.fields[1] = (struct uccn_field){.name = "sdgs",
		.name_len = 4,
		.value = {.type = UCCN_VALUE_LIST, .items = c.items, .count = 2}};
	c.fields[2] = (struct uccn_field){
		.name = "year", .name_len = 4, .value = {.type = UCCN_VALUE_INT, .i = 2024}};
	c.nfields = 3;
	struct uccn_bytes body = {0};
	cr_assert_eq(uccn_codec_encode_body(&c, &body), UCCN_OK);
	uint8_t sig[UCCN_SIG_BYTES];
	uccn_crypto_sign(id, body.data, body.len, sig);
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, sig, out), UCCN_OK);
	uccn_bytes_finish(&body);
	uccn_crypto_identity_destroy(id);
}

Test(protocol_example, documented_change_decodes_to_the_documented_inputs) {
	char *doc = read_doc();
	uint8_t *raw = NULL, *pk = NULL;
	size_t len = doc_hex(doc, "example-change-hex", &raw);
	cr_assert_eq(doc_hex(doc, "example-public-key", &pk), UCCN_KEY_BYTES);
	cr_assert_eq(len, 240);

	struct uccn_change c;
	char why[160] = "";
	cr_assert_eq(uccn_codec_decode_change(raw, len, &c, why, sizeof(why)), UCCN_OK, "%s", why);
	uint8_t zero[UCCN_KEY_BYTES] = {0};
	cr_assert_eq(memcmp(c.network, zero, UCCN_KEY_BYTES), 0);
	cr_assert_eq(memcmp(c.author, pk, UCCN_KEY_BYTES), 0);
	cr_assert_eq(memcmp(c.owner, pk, UCCN_KEY_BYTES), 0);
	cr_assert_eq(c.seq, 1);
	cr_assert_not(c.has_prev);
	cr_assert_eq(c.hlc, EXAMPLE_HLC);
	cr_assert_eq(c.hlc, 0x018bcfe568000000);
	cr_assert_str_eq(c.kind, "best_practice");
	cr_assert_str_eq(c.id, EXAMPLE_ID);
	cr_assert_eq(c.op, UCCN_OP_PUT);
	cr_assert_eq(c.nfields, 3);
	cr_assert_eq(c.fields[0].name_len, 5);
	cr_assert_eq(memcmp(c.fields[0].name, "title", 5), 0);
	cr_assert_eq(c.fields[0].value.type, UCCN_VALUE_STR);
	cr_assert_eq(c.fields[0].value.str_len, strlen(EXAMPLE_TITLE));
	cr_assert_eq(memcmp(c.fields[0].value.str, EXAMPLE_TITLE, strlen(EXAMPLE_TITLE)), 0);
	cr_assert_eq(c.fields[1].name_len, 4);
	cr_assert_eq(memcmp(c.fields[1].name, "sdgs", 4), 0);
	cr_assert_eq(c.fields[1].value.type, UCCN_VALUE_LIST);
	cr_assert_eq(c.fields[1].value.count, 2);
	cr_assert_eq(c.fields[1].value.items[0].type, UCCN_VALUE_INT);
	cr_assert_eq(c.fields[1].value.items[0].i, 4);
	cr_assert_eq(c.fields[1].value.items[1].i, 11);
	cr_assert_eq(c.fields[2].name_len, 4);
	cr_assert_eq(memcmp(c.fields[2].name, "year", 4), 0);
	cr_assert_eq(c.fields[2].value.type, UCCN_VALUE_INT);
	cr_assert_eq(c.fields[2].value.i, 2024);

	/* The offsets the byte-by-byte table gives. */
	cr_assert_eq(c.body, raw + 3);
	cr_assert_eq(c.body_len, 171);
	cr_assert_eq(c.sig, raw + 176);
	free(raw);
	free(pk);
	free(doc);
}

Test(protocol_example, documented_signature_and_hash_verify) {
	char *doc = read_doc();
	uint8_t *raw = NULL, *hash = NULL;
	size_t len = doc_hex(doc, "example-change-hex", &raw);
	cr_assert_eq(doc_hex(doc, "example-hash", &hash), UCCN_HASH_BYTES);
	struct uccn_change c;
	cr_assert_eq(uccn_codec_decode_change(raw, len, &c, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_crypto_verify(c.sig, c.body, c.body_len, c.author), UCCN_OK);
	uint8_t h[UCCN_HASH_BYTES];
	uccn_crypto_hash(raw, len, h);
	cr_assert_eq(
		memcmp(h, hash, UCCN_HASH_BYTES), 0, "the hash covers the whole signed change");

	/* One flipped bit of the body and the signature no longer holds. */
	raw[150] ^= 1; /* a letter of the title */
	cr_assert_eq(uccn_codec_decode_change(raw, len, &c, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_crypto_verify(c.sig, c.body, c.body_len, c.author), UCCN_EBADSIG);
	free(raw);
	free(hash);
	free(doc);
}

Test(protocol_example, same_inputs_give_the_documented_bytes) {
	char *doc = read_doc();
	uint8_t *raw = NULL, *pk = NULL;
	size_t len = doc_hex(doc, "example-change-hex", &raw);
	cr_assert_eq(doc_hex(doc, "example-public-key", &pk), UCCN_KEY_BYTES);
	struct uccn_bytes built = {0};
	uint8_t my_pk[UCCN_KEY_BYTES];
	build_example(&built, my_pk);
	cr_assert_eq(memcmp(my_pk, pk, UCCN_KEY_BYTES), 0, "the seed gives the documented key");
	cr_assert_eq(built.len, len);
	cr_assert_eq(memcmp(built.data, raw, len), 0, "Ed25519 is deterministic: same bytes");
	uccn_bytes_finish(&built);
	free(raw);
	free(pk);
	free(doc);
}

/* §11.6: each documented sync message decodes to what the text says and encodes back to the
 * same bytes. */
static void expect_bytes(
	const uint8_t *doc, size_t len, const struct uccn_bytes *built, const char *name) {
	cr_assert_eq(built->len, len, "%s: %zu bytes built, %zu documented", name, built->len, len);
	cr_assert_eq(memcmp(built->data, doc, len), 0, "%s: other bytes", name);
}

Test(protocol_example, documented_sync_messages_decode_and_encode_back) {
	char *doc = read_doc();
	uint8_t *bytes;
	struct uccn_sync_msg m;
	struct uccn_bytes built = {0};

	size_t len = doc_hex(doc, "sync-vector-hex", &bytes);
	cr_assert_eq(uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_VECTOR);
	cr_assert_eq(m.count, 2);
	uint8_t eleven[UCCN_KEY_BYTES];
	memset(eleven, 0x11, sizeof(eleven));
	cr_assert_eq(memcmp(m.entries[0].author, eleven, UCCN_KEY_BYTES), 0);
	cr_assert_str_eq(m.entries[0].feed, "best_practice");
	cr_assert_eq(m.entries[0].seq, 7);
	cr_assert_str_eq(m.entries[1].feed, "report@secretariat");
	cr_assert_eq(m.entries[1].seq, 300);
	cr_assert_eq(uccn_codec_encode_sync_vector(m.entries, m.count, &built), UCCN_OK);
	expect_bytes(bytes, len, &built, "vector");
	uccn_codec_sync_msg_finish(&m);
	free(bytes);

	len = doc_hex(doc, "sync-changes-hex", &bytes);
	cr_assert_eq(uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_CHANGES);
	cr_assert_eq(m.value, 5);
	cr_assert_eq(m.count, 2);
	cr_assert_eq(m.changes[0].len, 3);
	cr_assert_eq(m.changes[1].len, 1);
	struct uccn_bytes items[2] = {{0}, {0}};
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(
			uccn_bytes_append(&items[i], m.changes[i].data, m.changes[i].len), UCCN_OK);
	}
	built.len = 0;
	cr_assert_eq(uccn_codec_encode_sync_changes(m.value, items, 2, &built), UCCN_OK);
	expect_bytes(bytes, len, &built, "changes");
	uccn_bytes_finish(&items[0]);
	uccn_bytes_finish(&items[1]);
	uccn_codec_sync_msg_finish(&m);
	free(bytes);

	static const struct {
		const char *name;
		enum uccn_sync_type type;
		uint64_t value;
	} simple[] = {
		{"sync-ack-hex", UCCN_SYNC_ACK, 5},
		{"sync-done-hex", UCCN_SYNC_DONE, 1000},
		{"sync-ping-hex", UCCN_SYNC_PING, 65536},
		{"sync-pong-hex", UCCN_SYNC_PONG, 65536},
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		len = doc_hex(doc, simple[i].name, &bytes);
		cr_assert_eq(uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK);
		cr_assert_eq(m.type, simple[i].type, "%s", simple[i].name);
		cr_assert_eq(m.value, simple[i].value, "%s", simple[i].name);
		built.len = 0;
		cr_assert_eq(uccn_codec_encode_sync_simple(m.type, m.value, &built), UCCN_OK);
		expect_bytes(bytes, len, &built, simple[i].name);
		uccn_codec_sync_msg_finish(&m);
		free(bytes);
	}
	/* The ACK with held (§11.1). */
	len = doc_hex(doc, "sync-ack-held-hex", &bytes);
	cr_assert_eq(uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_ACK);
	cr_assert_eq(m.value, 5);
	cr_assert(m.has_held);
	cr_assert_eq(m.held, 2);
	built.len = 0;
	cr_assert_eq(uccn_codec_encode_sync_ack_held(5, 2, &built), UCCN_OK);
	expect_bytes(bytes, len, &built, "ack with held");
	uccn_codec_sync_msg_finish(&m);
	free(bytes);
	uccn_bytes_finish(&built);
	free(doc);
}

/* §11.8: the worked reconciliation decodes to what the text says, encodes back to the same
 * bytes, and its fingerprints are those of the heads the text gives. §11.9: the compressed
 * batch decodes to its two stand-ins. */
Test(protocol_example, documented_reconciliation_decodes_encodes_back_and_fingerprints) {
	char *doc = read_doc();
	uint8_t *bytes;
	struct uccn_sync_msg m;
	struct uccn_bytes built = {0};
	uint8_t a11[UCCN_KEY_BYTES], a22[UCCN_KEY_BYTES], client[UCCN_KEY_BYTES];
	memset(a11, 0x11, sizeof(a11));
	memset(a22, 0x22, sizeof(a22));
	memset(client, 0x33, sizeof(client));
	struct uccn_sync_entry heads[4] = {{.feed = "best_practice", .seq = 7},
		{.feed = "event", .seq = 2}, {.feed = "event", .seq = 5}, {.feed = "city", .seq = 1}};
	memcpy(heads[0].author, a11, UCCN_KEY_BYTES);
	memcpy(heads[1].author, a11, UCCN_KEY_BYTES);
	memcpy(heads[2].author, a22, UCCN_KEY_BYTES);
	memcpy(heads[3].author, client, UCCN_KEY_BYTES);
	static const char *const names[] = {
		"sync-recon-open-hex", "sync-recon-list-hex", "sync-recon-lack-hex"};
	for (int k = 0; k < 3; k++) {
		size_t len = doc_hex(doc, names[k], &bytes);
		cr_assert_eq(
			uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK, "%s", names[k]);
		cr_assert_eq(m.type, UCCN_SYNC_RECON);
		cr_assert_eq(m.features,
			k < 2 ? UCCN_SYNC_FEATURE_ZSTD | UCCN_SYNC_FEATURE_ACK_HELD : 0u, "%s",
			names[k]);
		cr_assert_eq(m.nranges, 2);
		cr_assert_eq(m.ranges[0].bound_len, 1);
		cr_assert_eq(m.ranges[0].bound[0], 0x22);
		cr_assert(m.ranges[1].open_end);
		const struct uccn_sync_range *r = &m.ranges[1];
		if (k == 0) {
			uint8_t fp[UCCN_SYNC_FP_BYTES];
			cr_assert_eq(m.ranges[0].mode, UCCN_RANGE_FP);
			cr_assert_eq(r->mode, UCCN_RANGE_FP);
			uccn_sync_fingerprint(heads, 2, sizeof(heads[0]), fp);
			cr_assert_eq(memcmp(fp, m.ranges[0].fp, sizeof(fp)), 0, "fingerprint 1");
			uccn_sync_fingerprint(&heads[2], 2, sizeof(heads[0]), fp);
			cr_assert_eq(memcmp(fp, r->fp, sizeof(fp)), 0, "fingerprint 2");
		} else {
			cr_assert_eq(m.ranges[0].mode, UCCN_RANGE_SKIP);
			cr_assert_eq(r->mode, k == 1 ? UCCN_RANGE_LIST : UCCN_RANGE_LACK);
			cr_assert_eq(r->tcount, 1);
			cr_assert_eq(r->count, 1);
			const struct uccn_sync_tag *t = &m.tags[r->tfirst];
			if (k == 1) {
				/* 22's event by its digest under the salt 01..08, at 6. */
				uint8_t salt[UCCN_SYNC_SALT_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
				uint8_t d[UCCN_SYNC_DIGEST_BYTES];
				cr_assert_eq(memcmp(r->salt, salt, sizeof(salt)), 0);
				uccn_sync_digest(salt, a22, "event", d);
				cr_assert_eq(t->id, (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
							    (uint32_t)d[2] << 8 | d[3]);
				cr_assert_eq(t->seq, 6);
			} else {
				cr_assert_eq(t->id, 0, "the LIST's first digested head");
				cr_assert_eq(t->seq, 5);
			}
			const struct uccn_sync_entry *e = &m.entries[r->first];
			cr_assert_eq(e->who, 0, "the client's own feed");
			cr_assert_str_eq(e->feed, "city");
			cr_assert_eq(e->seq, k == 1 ? 2 : 1);
		}
		built.len = 0;
		cr_assert_eq(uccn_codec_encode_sync_recon(m.features, m.ranges, m.nranges,
				     m.entries, m.tags, &built),
			UCCN_OK);
		expect_bytes(bytes, len, &built, names[k]);
		uccn_codec_sync_msg_finish(&m);
		free(bytes);
	}
	size_t len = doc_hex(doc, "sync-zchanges-hex", &bytes);
	cr_assert_eq(uccn_codec_decode_sync(bytes, len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_CHANGES);
	cr_assert(m.compressed);
	cr_assert_eq(m.value, 5);
	cr_assert_eq(m.count, 2);
	cr_assert_eq(m.changes[0].len, 3);
	cr_assert_eq(memcmp(m.changes[0].data, "\xaa\xbb\xcc", 3), 0);
	cr_assert_eq(m.changes[1].len, 1);
	cr_assert_eq(m.changes[1].data[0], 0xdd);
	uccn_codec_sync_msg_finish(&m);
	free(bytes);
	uccn_bytes_finish(&built);
	free(doc);
}

/* The text inside the code fence between <!-- name --> and <!-- /name -->; malloc'ed. */
static char *doc_text(const char *doc, const char *name) {
	char open[64], close[64];
	snprintf(open, sizeof(open), "<!-- %s -->\n```\n", name);
	snprintf(close, sizeof(close), "```\n<!-- /%s -->", name);
	const char *start = strstr(doc, open);
	cr_assert_not_null(start, "no %s in the document", open);
	start += strlen(open);
	const char *end = strstr(start, close);
	cr_assert_not_null(end, "no %s in the document", close);
	char *text = malloc((size_t)(end - start) + 1);
	cr_assert_not_null(text);
	memcpy(text, start, (size_t)(end - start));
	text[end - start] = '\0';
	return text;
}

/* §9.12: the checkpoint of a tree whose one leaf is the change of §8, signed by the key of §8
 * as a network's root and cosigned by the witness from the seed 20 21 … 3f at the documented
 * time, is the documented note, and its verifier key the documented one. */
Test(protocol_example, documented_checkpoint_and_cosignature_are_rebuilt) {
	char *doc = read_doc();
	char *want_note = doc_text(doc, "example-checkpoint");
	char *want_vkey = doc_text(doc, "example-vkey");
	uint8_t *leaf_hash = NULL;
	cr_assert_eq(doc_hex(doc, "example-leaf-hash", &leaf_hash), UCCN_HASH_BYTES);
	struct uccn_bytes change = {0}, note = {0};
	uint8_t network[UCCN_KEY_BYTES], seed[32], root[UCCN_HASH_BYTES];
	build_example(&change, network);
	uccn_merkle_leaf_hash(change.data, change.len, root);
	cr_assert_eq(memcmp(root, leaf_hash, UCCN_HASH_BYTES), 0, "SHA-256(0x00 || change)");
	struct uccn_identity *root_id = NULL, *witness = NULL;
	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)i;
	}
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &root_id), UCCN_OK);
	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)(0x20 + i);
	}
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &witness), UCCN_OK);
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	struct uccn_cosig cosig = {.name = ""};
	uccn_crypto_identity_public_key(witness, cosig.pk);
	uccn_checkpoint_sign(root_id, network, 1, root, sig);
	uccn_checkpoint_cosign(witness, cosig.pk, network, 1, root, 1700000000, cosig.sig);
	cr_assert_eq(uccn_checkpoint_note(network, 1, root, sig, &cosig, 1, &note), UCCN_OK);
	cr_assert_eq(uccn_bytes_append(&note, "", 1), UCCN_OK);
	cr_assert_str_eq((const char *)note.data, want_note);
	char vkey[UCCN_VKEY_MAX];
	uccn_checkpoint_vkey(network, vkey);
	cr_assert_eq(strncmp(vkey, want_vkey, strlen(vkey)), 0, "%s", vkey);

	/* And it parses back: the root's signature and the witness's cosignature verify. */
	struct uccn_checkpoint *cp = malloc(sizeof(*cp));
	struct uccn_cosig got[2];
	cr_assert_eq(
		uccn_checkpoint_parse(want_note, strlen(want_note), network, cp, NULL, 0), UCCN_OK);
	cr_assert_eq(cp->size, 1);
	cr_assert_eq(uccn_checkpoint_witnesses(network, cp, got, 2), 1);
	cr_assert_eq(got[0].time, 1700000000);
	free(cp);
	uccn_crypto_identity_destroy(root_id);
	uccn_crypto_identity_destroy(witness);
	uccn_bytes_finish(&change);
	uccn_bytes_finish(&note);
	free(leaf_hash);
	free(want_note);
	free(want_vkey);
	free(doc);
}
