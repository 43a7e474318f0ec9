/* checkpoint.c - tree heads as C2SP checkpoints in signed notes, and cosignature/v1, exactly as
 * PROTOCOL.md §9.7 and §9.11 write them, so that tools built on Go's sumdb/note and other
 * signed-note libraries check them, and the evidence of a split view (two checkpoints no one
 * registry has). Knows nothing of the store or of what the leaves hold. */
#include "node/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <uccn/text.h>

#include "node/merkle.h"

/* U+2014 EM DASH then a space: how every signature line starts. */
static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)

static const char COSIG_HEADER[] = "cosignature/v1\n";

void uccn_checkpoint_origin(const uint8_t network[UCCN_KEY_BYTES], char out[UCCN_ORIGIN_MAX]) {
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(network, UCCN_KEY_BYTES, hex);
	snprintf(out, UCCN_ORIGIN_MAX, "uccn/%s", hex);
}

void uccn_checkpoint_witness_name(
	const uint8_t pk[UCCN_KEY_BYTES], char out[UCCN_WITNESS_NAME_MAX]) {
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, hex);
	snprintf(out, UCCN_WITNESS_NAME_MAX, "uccn-witness/%s", hex);
}

size_t uccn_checkpoint_body(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], char out[UCCN_CHECKPOINT_BODY_MAX]) {
	char origin[UCCN_ORIGIN_MAX];
	char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)];
	uccn_checkpoint_origin(network, origin);
	uccn_crypto_to_base64(root, UCCN_HASH_BYTES, b64);
	int n = snprintf(out, UCCN_CHECKPOINT_BODY_MAX, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
	return n > 0 ? (size_t)n : 0;
}

void uccn_checkpoint_key_id(const char *name, uint8_t type, const uint8_t pk[UCCN_KEY_BYTES],
	uint8_t out[UCCN_KEY_ID_BYTES]) {
	struct uccn_sha256_state h;
	const uint8_t nl_type[2] = {'\n', type};
	uint8_t sum[UCCN_SHA256_BYTES];
	uccn_crypto_sha256_init(&h);
	uccn_crypto_sha256_update(&h, (const uint8_t *)name, strlen(name));
	uccn_crypto_sha256_update(&h, nl_type, sizeof(nl_type));
	uccn_crypto_sha256_update(&h, pk, UCCN_KEY_BYTES);
	uccn_crypto_sha256_final(&h, sum);
	memcpy(out, sum, UCCN_KEY_ID_BYTES);
}

void uccn_checkpoint_vkey(const uint8_t network[UCCN_KEY_BYTES], char out[UCCN_VKEY_MAX]) {
	char origin[UCCN_ORIGIN_MAX];
	uint8_t id[UCCN_KEY_ID_BYTES], key[1 + UCCN_KEY_BYTES] = {UCCN_KEY_TYPE_ED25519};
	char b64[UCCN_BASE64_LEN(sizeof(key))];
	uccn_checkpoint_origin(network, origin);
	uccn_checkpoint_key_id(origin, UCCN_KEY_TYPE_ED25519, network, id);
	memcpy(key + 1, network, UCCN_KEY_BYTES);
	uccn_crypto_to_base64(key, sizeof(key), b64);
	snprintf(out, UCCN_VKEY_MAX, "%s+%02x%02x%02x%02x+%s", origin, id[0], id[1], id[2], id[3],
		b64);
}

void uccn_checkpoint_sign(const struct uccn_identity *id, const uint8_t network[UCCN_KEY_BYTES],
	uint64_t size, const uint8_t root[UCCN_HASH_BYTES], uint8_t out[UCCN_NOTE_SIG_BYTES]) {
	char body[UCCN_CHECKPOINT_BODY_MAX], origin[UCCN_ORIGIN_MAX];
	size_t len = uccn_checkpoint_body(network, size, root, body);
	uccn_checkpoint_origin(network, origin);
	uccn_checkpoint_key_id(origin, UCCN_KEY_TYPE_ED25519, network, out);
	uccn_crypto_sign(id, (const uint8_t *)body, len, out + UCCN_KEY_ID_BYTES);
}

int uccn_checkpoint_verify(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], const uint8_t sig[UCCN_NOTE_SIG_BYTES]) {
	char body[UCCN_CHECKPOINT_BODY_MAX], origin[UCCN_ORIGIN_MAX];
	uint8_t id[UCCN_KEY_ID_BYTES];
	size_t len = uccn_checkpoint_body(network, size, root, body);
	uccn_checkpoint_origin(network, origin);
	uccn_checkpoint_key_id(origin, UCCN_KEY_TYPE_ED25519, network, id);
	if (memcmp(id, sig, UCCN_KEY_ID_BYTES) != 0) {
		return UCCN_EBADSIG;
	}
	return uccn_crypto_verify(sig + UCCN_KEY_ID_BYTES, (const uint8_t *)body, len, network);
}

/* "cosignature/v1\ntime <t>\n" then the checkpoint body: what a cosignature/v1 signs. */
static size_t cosigned_message(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], uint64_t time, char *out, size_t cap) {
	char body[UCCN_CHECKPOINT_BODY_MAX];
	uccn_checkpoint_body(network, size, root, body);
	int n = snprintf(out, cap, "%stime %" PRIu64 "\n%s", COSIG_HEADER, time, body);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

#define COSIGNED_MAX (sizeof(COSIG_HEADER) + 5 + 20 + 1 + UCCN_CHECKPOINT_BODY_MAX)

void uccn_checkpoint_cosign(const struct uccn_identity *id, const uint8_t pk[UCCN_KEY_BYTES],
	const uint8_t network[UCCN_KEY_BYTES], uint64_t size, const uint8_t root[UCCN_HASH_BYTES],
	uint64_t time, uint8_t out[UCCN_COSIG_BYTES]) {
	char name[UCCN_WITNESS_NAME_MAX], msg[COSIGNED_MAX];
	uccn_checkpoint_witness_name(pk, name);
	uccn_checkpoint_key_id(name, UCCN_KEY_TYPE_COSIGNATURE, pk, out);
	for (int i = 0; i < 8; i++) {
		out[UCCN_KEY_ID_BYTES + i] = (uint8_t)(time >> (56 - 8 * i));
	}
	size_t len = cosigned_message(network, size, root, time, msg, sizeof(msg));
	uccn_crypto_sign(id, (const uint8_t *)msg, len, out + UCCN_KEY_ID_BYTES + 8);
}

int uccn_checkpoint_verify_cosignature(const char *name, const uint8_t pk[UCCN_KEY_BYTES],
	const uint8_t network[UCCN_KEY_BYTES], uint64_t size, const uint8_t root[UCCN_HASH_BYTES],
	const uint8_t cosig[UCCN_COSIG_BYTES], uint64_t *time) {
	char own[UCCN_WITNESS_NAME_MAX], msg[COSIGNED_MAX];
	if (name == NULL) {
		uccn_checkpoint_witness_name(pk, own);
		name = own;
	}
	uint8_t id[UCCN_KEY_ID_BYTES];
	uccn_checkpoint_key_id(name, UCCN_KEY_TYPE_COSIGNATURE, pk, id);
	if (memcmp(id, cosig, UCCN_KEY_ID_BYTES) != 0) {
		return UCCN_EBADSIG;
	}
	uint64_t t = 0;
	for (int i = 0; i < 8; i++) {
		t = t << 8 | cosig[UCCN_KEY_ID_BYTES + i];
	}
	if (t > INT64_MAX) {
		return UCCN_EBADSIG;
	}
	size_t len = cosigned_message(network, size, root, t, msg, sizeof(msg));
	int err = uccn_crypto_verify(cosig + UCCN_KEY_ID_BYTES + 8, (const uint8_t *)msg, len, pk);
	if (err == UCCN_OK && time != NULL) {
		*time = t;
	}
	return err;
}

/* --- Notes ------------------------------------------------------------------------------ */

static int refuse(char *why, size_t why_len, int err, const char *msg) {
	if (why != NULL && why_len > 0) {
		snprintf(why, why_len, "%s", msg);
	}
	return err;
}

/* The length of the UTF-8 sequence a lead byte starts, 0 for a byte that starts none. */
static size_t utf8_length(unsigned char c) {
	if (c < 0x80) {
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		return 2;
	}
	if ((c & 0xf0) == 0xe0) {
		return 3;
	}
	return (c & 0xf8) == 0xf0 ? 4 : 0;
}

/* Text of a note (C2SP signed-note): UTF-8, and no control character but newline. Only the
 * bytes matter here; an invalid UTF-8 sequence is refused by its lead or continuation byte. */
static bool is_note_text(const char *s, size_t len) {
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 ? c != '\n' : c == 0x7f) {
			return false;
		}
		size_t n = utf8_length(c);
		if (n == 0 || (n == 2 && c < 0xc2) || i + n > len) {
			return false;
		}
		for (size_t k = 1; k < n; k++) {
			if (((unsigned char)s[i + k] & 0xc0) != 0x80) {
				return false;
			}
		}
		i += n;
	}
	return true;
}

/* A decimal with no sign and no leading zero, at most 2^63 - 1. */
static bool parse_size(const char *s, size_t len, uint64_t *out) {
	if (len == 0 || len > 19 || (len > 1 && s[0] == '0')) {
		return false;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > INT64_MAX) {
		return false;
	}
	*out = v;
	return true;
}

static const char *find_byte(const char *s, const char *end, char c) {
	const char *p = memchr(s, c, (size_t)(end - s));
	return p != NULL ? p : end;
}

int uccn_checkpoint_parse(const char *note, size_t len, const uint8_t network[UCCN_KEY_BYTES],
	struct uccn_checkpoint *out, char *why, size_t why_len) {
	memset(out, 0, sizeof(*out));
	if (len > UCCN_NOTE_MAX || !is_note_text(note, len)) {
		return refuse(why, why_len, UCCN_EPROTO, "not a signed note (not text)");
	}
	/* The body ends at the last blank line; signature lines follow it. */
	const char *split = NULL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (note[i] == '\n' && note[i + 1] == '\n') {
			split = note + i;
		}
	}
	if (split == NULL || note[len - 1] != '\n') {
		return refuse(why, why_len, UCCN_EPROTO, "not a signed note (no signature lines)");
	}
	const char *body_end = split + 1, *end = note + len;
	/* Three lines: origin, size, root. */
	const char *l1 = find_byte(note, body_end, '\n');
	const char *l2 = l1 < body_end ? find_byte(l1 + 1, body_end, '\n') : body_end;
	const char *l3 = l2 < body_end ? find_byte(l2 + 1, body_end, '\n') : body_end;
	if (l3 + 1 != body_end) {
		return refuse(why, why_len, UCCN_EPROTO,
			"not a uccn checkpoint (the body is not three lines: origin, size, root)");
	}
	char origin[UCCN_ORIGIN_MAX];
	uccn_checkpoint_origin(network, origin);
	if ((size_t)(l1 - note) != strlen(origin) || memcmp(note, origin, strlen(origin)) != 0) {
		return refuse(why, why_len, UCCN_ENETWORK,
			"the checkpoint's origin is not this network's");
	}
	size_t root_len = 0;
	if (!parse_size(l1 + 1, (size_t)(l2 - l1 - 1), &out->size) ||
		uccn_crypto_from_base64(
			l2 + 1, (size_t)(l3 - l2 - 1), out->root, UCCN_HASH_BYTES, &root_len) < 0 ||
		root_len != UCCN_HASH_BYTES) {
		return refuse(why, why_len, UCCN_EPROTO,
			"not a uccn checkpoint (a bad size or root hash line)");
	}
	bool rooted = false;
	for (const char *p = split + 2; p < end;) {
		const char *eol = find_byte(p, end, '\n');
		const char *name = p + SIG_PREFIX_LEN;
		const char *space = name < eol ? find_byte(name, eol, ' ') : eol;
		struct uccn_note_sig *s = &out->sigs[out->nsigs];
		if (out->nsigs == UCCN_NOTE_SIGS_MAX) {
			return refuse(why, why_len, UCCN_EPROTO, "too many signatures on the note");
		}
		if ((size_t)(eol - p) < SIG_PREFIX_LEN ||
			memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN) != 0 || space == eol ||
			space == name || (size_t)(space - name) >= sizeof(s->name) ||
			memchr(name, '+', (size_t)(space - name)) != NULL ||
			uccn_crypto_from_base64(space + 1, (size_t)(eol - space - 1), s->data,
				sizeof(s->data), &s->len) < 0 ||
			s->len < UCCN_KEY_ID_BYTES + 1) {
			return refuse(why, why_len, UCCN_EPROTO, "a malformed signature line");
		}
		memcpy(s->name, name, (size_t)(space - name));
		s->name[space - name] = '\0';
		out->nsigs++;
		if (!rooted && strcmp(s->name, origin) == 0 && s->len == UCCN_NOTE_SIG_BYTES &&
			uccn_checkpoint_verify(network, out->size, out->root, s->data) == UCCN_OK) {
			memcpy(out->sig, s->data, UCCN_NOTE_SIG_BYTES);
			rooted = true;
		}
		p = eol + 1;
	}
	if (!rooted) {
		return refuse(why, why_len, UCCN_EBADSIG,
			"the checkpoint is not signed by the network's root key");
	}
	return UCCN_OK;
}

static int append_sig_line(
	struct uccn_bytes *out, const char *name, const uint8_t *data, size_t len) {
	char b64[UCCN_BASE64_LEN(UCCN_COSIG_BYTES)];
	size_t n = uccn_crypto_to_base64(data, len, b64);
	int err;
	if ((err = uccn_bytes_append(out, SIG_PREFIX, SIG_PREFIX_LEN)) < 0 ||
		(err = uccn_bytes_append(out, name, strlen(name))) < 0 ||
		(err = uccn_bytes_append(out, " ", 1)) < 0 ||
		(err = uccn_bytes_append(out, b64, n)) < 0 ||
		(err = uccn_bytes_append(out, "\n", 1)) < 0) {
		return err;
	}
	return UCCN_OK;
}

int uccn_checkpoint_note(const uint8_t network[UCCN_KEY_BYTES], uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], const uint8_t sig[UCCN_NOTE_SIG_BYTES],
	const struct uccn_cosig *cosigs, size_t ncosigs, struct uccn_bytes *out) {
	char body[UCCN_CHECKPOINT_BODY_MAX], origin[UCCN_ORIGIN_MAX];
	size_t len = uccn_checkpoint_body(network, size, root, body);
	uccn_checkpoint_origin(network, origin);
	int err;
	if ((err = uccn_bytes_append(out, body, len)) < 0 ||
		(err = uccn_bytes_append(out, "\n", 1)) < 0 ||
		(err = append_sig_line(out, origin, sig, UCCN_NOTE_SIG_BYTES)) < 0) {
		return err;
	}
	for (size_t i = 0; i < ncosigs; i++) {
		char name[UCCN_WITNESS_NAME_MAX];
		uccn_checkpoint_witness_name(cosigs[i].pk, name);
		const char *shown = cosigs[i].name[0] != '\0' ? cosigs[i].name : name;
		if ((err = append_sig_line(out, shown, cosigs[i].sig, UCCN_COSIG_BYTES)) < 0) {
			return err;
		}
	}
	return UCCN_OK;
}

size_t uccn_checkpoint_witnesses(const uint8_t network[UCCN_KEY_BYTES],
	const struct uccn_checkpoint *cp, struct uccn_cosig *out, size_t max) {
	static const char prefix[] = "uccn-witness/";
	size_t n = 0;
	for (size_t i = 0; i < cp->nsigs && n < max; i++) {
		const struct uccn_note_sig *s = &cp->sigs[i];
		struct uccn_cosig c = {.name = ""};
		if (s->len != UCCN_COSIG_BYTES ||
			strncmp(s->name, prefix, sizeof(prefix) - 1) != 0 ||
			uccn_text_from_hex(s->name + sizeof(prefix) - 1,
				strlen(s->name + sizeof(prefix) - 1), c.pk, UCCN_KEY_BYTES) < 0 ||
			uccn_checkpoint_verify_cosignature(
				NULL, c.pk, network, cp->size, cp->root, s->data, &c.time) < 0) {
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < n; k++) {
			seen = seen || memcmp(out[k].pk, c.pk, UCCN_KEY_BYTES) == 0;
		}
		if (!seen) {
			memcpy(c.sig, s->data, UCCN_COSIG_BYTES);
			out[n++] = c;
		}
	}
	return n;
}

/* --- Split-view evidence ----------------------------------------------------------------- */

static const char EVIDENCE_HEADER[] = "uccn split view\n";

static int append_checkpoint_line(struct uccn_bytes *out, const struct uccn_signed_checkpoint *c) {
	char root[UCCN_BASE64_LEN(UCCN_HASH_BYTES)], sig[UCCN_BASE64_LEN(UCCN_NOTE_SIG_BYTES)];
	char line[64 + sizeof(root) + sizeof(sig)];
	uccn_crypto_to_base64(c->root, UCCN_HASH_BYTES, root);
	uccn_crypto_to_base64(c->sig, UCCN_NOTE_SIG_BYTES, sig);
	int n = snprintf(line, sizeof(line), "checkpoint %" PRIu64 " %s %s\n", c->size, root, sig);
	return uccn_bytes_append(out, line, (size_t)n);
}

static int append_hash_line(struct uccn_bytes *out, const char *word, const uint8_t *h) {
	char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)], line[16 + sizeof(b64)];
	uccn_crypto_to_base64(h, UCCN_HASH_BYTES, b64);
	int n = snprintf(line, sizeof(line), "%s %s\n", word, b64);
	return uccn_bytes_append(out, line, (size_t)n);
}

int uccn_checkpoint_evidence_encode(const uint8_t network[UCCN_KEY_BYTES],
	const struct uccn_split_view *e, struct uccn_bytes *out) {
	char hex[2 * UCCN_KEY_BYTES + 1], line[16 + sizeof(hex)];
	uccn_text_to_hex(network, UCCN_KEY_BYTES, hex);
	int n = snprintf(line, sizeof(line), "network %s\n", hex);
	int err;
	if ((err = uccn_bytes_append(out, EVIDENCE_HEADER, sizeof(EVIDENCE_HEADER) - 1)) < 0 ||
		(err = uccn_bytes_append(out, line, (size_t)n)) < 0 ||
		(err = append_checkpoint_line(out, &e->a)) < 0 ||
		(err = append_checkpoint_line(out, &e->b)) < 0) {
		return err;
	}
	if (e->a.size != e->b.size) {
		if ((err = append_hash_line(out, "prefix", e->prefix)) < 0) {
			return err;
		}
		for (size_t i = 0; i < e->npath; i++) {
			if ((err = append_hash_line(out, "path", e->path[i])) < 0) {
				return err;
			}
		}
	}
	return UCCN_OK;
}

/* A line "<word> <rest>\n" at *p: rest and its length, and *p moved past the line. */
static bool take_line(
	const char **p, const char *end, const char *word, const char **rest, size_t *rest_len) {
	size_t wl = strlen(word);
	const char *eol = find_byte(*p, end, '\n');
	if (eol == end || (size_t)(eol - *p) <= wl || memcmp(*p, word, wl) != 0 ||
		(*p)[wl] != ' ') {
		return false;
	}
	*rest = *p + wl + 1;
	*rest_len = (size_t)(eol - *rest);
	*p = eol + 1;
	return true;
}

static bool parse_hash(const char *s, size_t len, uint8_t out[UCCN_HASH_BYTES]) {
	size_t got = 0;
	return uccn_crypto_from_base64(s, len, out, UCCN_HASH_BYTES, &got) == UCCN_OK &&
	       got == UCCN_HASH_BYTES;
}

static bool parse_checkpoint_line(const char *s, size_t len, struct uccn_signed_checkpoint *c) {
	const char *end = s + len;
	const char *sp1 = find_byte(s, end, ' ');
	const char *sp2 = sp1 < end ? find_byte(sp1 + 1, end, ' ') : end;
	size_t got = 0;
	return sp2 < end && parse_size(s, (size_t)(sp1 - s), &c->size) &&
	       parse_hash(sp1 + 1, (size_t)(sp2 - sp1 - 1), c->root) &&
	       uccn_crypto_from_base64(sp2 + 1, (size_t)(end - sp2 - 1), c->sig,
		       UCCN_NOTE_SIG_BYTES, &got) == UCCN_OK &&
	       got == UCCN_NOTE_SIG_BYTES;
}

int uccn_checkpoint_evidence_check(const char *text, size_t len,
	const uint8_t network[UCCN_KEY_BYTES], struct uccn_split_view *out, char *why,
	size_t why_len) {
	memset(out, 0, sizeof(*out));
	const char *p = text, *end = text + len, *rest = NULL;
	size_t rest_len = 0, hl = sizeof(EVIDENCE_HEADER) - 1;
	uint8_t net[UCCN_KEY_BYTES];
	char hex[2 * UCCN_KEY_BYTES + 1];
	if (len < hl || memcmp(text, EVIDENCE_HEADER, hl) != 0) {
		return refuse(why, why_len, UCCN_EPROTO, "not split-view evidence");
	}
	p += hl;
	if (!take_line(&p, end, "network", &rest, &rest_len) || rest_len != 2 * UCCN_KEY_BYTES) {
		return refuse(why, why_len, UCCN_EPROTO, "the evidence names no network");
	}
	memcpy(hex, rest, rest_len);
	hex[rest_len] = '\0';
	if (uccn_text_from_hex(hex, strlen(hex), net, UCCN_KEY_BYTES) < 0) {
		return refuse(why, why_len, UCCN_EPROTO, "the evidence names no network");
	}
	if (memcmp(net, network, UCCN_KEY_BYTES) != 0) {
		return refuse(why, why_len, UCCN_ENETWORK, "the evidence is of another network");
	}
	struct uccn_signed_checkpoint *c[2] = {&out->a, &out->b};
	for (int i = 0; i < 2; i++) {
		if (!take_line(&p, end, "checkpoint", &rest, &rest_len) ||
			!parse_checkpoint_line(rest, rest_len, c[i])) {
			return refuse(why, why_len, UCCN_EPROTO,
				"the evidence does not hold two checkpoints");
		}
		if (uccn_checkpoint_verify(network, c[i]->size, c[i]->root, c[i]->sig) < 0) {
			return refuse(why, why_len, UCCN_EBADSIG,
				"a checkpoint of the evidence is not signed by the network's root "
				"key");
		}
	}
	if (out->a.size == out->b.size) {
		if (p != end) {
			return refuse(why, why_len, UCCN_EPROTO, "the evidence has extra lines");
		}
		if (memcmp(out->a.root, out->b.root, UCCN_HASH_BYTES) == 0) {
			return refuse(why, why_len, UCCN_EPROOF,
				"the two checkpoints are the same: no split view");
		}
		return UCCN_OK;
	}
	if (out->a.size > out->b.size || out->a.size == 0) {
		return refuse(why, why_len, UCCN_EPROTO,
			"the evidence's first checkpoint must be the smaller, and not empty");
	}
	if (!take_line(&p, end, "prefix", &rest, &rest_len) ||
		!parse_hash(rest, rest_len, out->prefix)) {
		return refuse(why, why_len, UCCN_EPROTO, "the evidence has no prefix root");
	}
	while (p < end) {
		if (out->npath == sizeof(out->path) / sizeof(out->path[0]) ||
			!take_line(&p, end, "path", &rest, &rest_len) ||
			!parse_hash(rest, rest_len, out->path[out->npath])) {
			return refuse(why, why_len, UCCN_EPROTO, "a malformed path line");
		}
		out->npath++;
	}
	/* The path shows that the larger tree's first a.size leaves have the root prefix; if
	 * that is not a's root, no one tree has both checkpoints (short of a SHA-256 collision). */
	if (uccn_merkle_verify_consistency(out->a.size, out->b.size, out->prefix, out->b.root,
		    (const uint8_t(*)[UCCN_HASH_BYTES])out->path, out->npath) < 0) {
		return refuse(why, why_len, UCCN_EPROOF,
			"the path does not lead from the prefix to the larger checkpoint");
	}
	if (memcmp(out->prefix, out->a.root, UCCN_HASH_BYTES) == 0) {
		return refuse(why, why_len, UCCN_EPROOF,
			"the larger checkpoint extends the smaller: no split view");
	}
	return UCCN_OK;
}
