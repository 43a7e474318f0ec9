/* registry_tlog_witness.c - the root's external witnesses (PROTOCOL.md §9.15): naming C2SP
 * tlog-witness witnesses by URL and verifier key, submitting the newest checkpoint to each with
 * its consistency proof, and keeping each cosignature as the root's own cosignature record. The
 * HTTP client is witness_http.c's; cosigning as a city is registry_witness.c's. */
#include "node/registry_tlog_witness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/checkpoint.h"
#include "node/merge.h"
#include "node/node_internal.h"
#include "node/node_records.h"
#include "node/registry_state.h"
#include "node/registry_witness.h"
#include "node/witness_http.h"

/* --- External witnesses: C2SP tlog-witness (§9.15) ---------------------------------------- */

#define EXT_META "external_witnesses"
#define EXT_TIMEOUT_MS 10000

/* "name+<8 hex digits>+base64(type || key)": a witness's verifier key, with type 0x04 (a
 * cosigner) or 0x01 (an Ed25519 signed-note key), the key ID checked. */
static bool parse_witness_vkey(const char *vkey, char name[256], uint8_t pk[UCCN_KEY_BYTES]) {
	const char *p1 = strchr(vkey, '+');
	const char *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
	uint8_t id[UCCN_KEY_ID_BYTES], want[UCCN_KEY_ID_BYTES], key[1 + UCCN_KEY_BYTES];
	char idhex[9];
	size_t len = 0;
	if (p1 == NULL || p2 == NULL || p1 == vkey || (size_t)(p1 - vkey) >= 256 || p2 - p1 != 9) {
		return false;
	}
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	memcpy(idhex, p1 + 1, 8);
	idhex[8] = '\0';
	for (const char *s = name; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ') {
			return false;
		}
	}
	if (uccn_text_from_hex(idhex, strlen(idhex), id, sizeof(id)) < 0 ||
		uccn_crypto_from_base64(p2 + 1, strlen(p2 + 1), key, sizeof(key), &len) < 0 ||
		len != sizeof(key) ||
		(key[0] != UCCN_KEY_TYPE_COSIGNATURE && key[0] != UCCN_KEY_TYPE_ED25519)) {
		return false;
	}
	memcpy(pk, key + 1, UCCN_KEY_BYTES);
	uccn_checkpoint_key_id(name, key[0], pk, want);
	return memcmp(id, want, sizeof(id)) == 0;
}

int uccn_node_witness_add(struct uccn_node *node, const char *url, const char *vkey) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	char name[256];
	uint8_t pk[UCCN_KEY_BYTES];
	if (strncmp(url, "http://", 7) != 0 || strlen(url) > UCCN_URL_MAX ||
		strpbrk(url, " \n") != NULL) {
		return uccn_error_set(why, why_len, UCCN_EINVAL,
			"the witness URL must be http://HOST[:PORT][/PREFIX]");
	}
	if (!parse_witness_vkey(vkey, name, pk)) {
		return uccn_error_set(why, why_len, UCCN_EINVAL,
			"not a witness verifier key (NAME+KEYID+BASE64 of 0x04 or 0x01 and the "
			"Ed25519 key, the key ID matching)");
	}
	struct uccn_bytes meta = {0}, kept = {0};
	err = uccn_store_get_meta(node->st, EXT_META, &meta);
	if (err == UCCN_ENOTFOUND) {
		err = UCCN_OK;
	}
	/* One line per witness name: adding a name again replaces it. */
	for (size_t at = 0; err == UCCN_OK && at < meta.len;) {
		const uint8_t *nl = memchr(meta.data + at, '\n', meta.len - at);
		size_t end = nl != NULL ? (size_t)(nl - meta.data) + 1 : meta.len;
		const uint8_t *sp = memchr(meta.data + at, ' ', end - at);
		bool same = sp != NULL && (size_t)(meta.data + end - sp) > strlen(name) + 1 &&
			    memcmp(sp + 1, name, strlen(name)) == 0 && sp[1 + strlen(name)] == '+';
		if (!same) {
			err = uccn_bytes_append(&kept, meta.data + at, end - at);
		}
		at = end;
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(&kept, url, strlen(url))) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, " ", 1)) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, vkey, strlen(vkey))) == UCCN_OK &&
		(err = uccn_bytes_append(&kept, "\n", 1)) == UCCN_OK) {
		err = uccn_store_set_meta(node->st, EXT_META, kept.data, kept.len);
	}
	uccn_bytes_finish(&meta);
	uccn_bytes_finish(&kept);
	return err;
}

/* The size of the last checkpoint the witness cosigned for us, by the root's record of it. */
static uint64_t witnessed_size(
	struct uccn_node *node, const uint8_t pk[UCCN_KEY_BYTES], uint8_t root[UCCN_HASH_BYTES]) {
	char id[2 * UCCN_KEY_BYTES + 1];
	int64_t rid;
	struct uccn_bytes state = {0};
	uint64_t size = 0;
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, id);
	memset(root, 0, UCCN_HASH_BYTES);
	if (uccn_store_get_state(node->st, "cosignature", node->network, id, &rid, &state) ==
			UCCN_OK &&
		uccn_codec_decode_state(state.data, state.len, node->network, &node->state) == UCCN_OK) {
		struct uccn_registry_own_cosig o = {0};
		memset(&node->record, 0, sizeof(node->record));
		uccn_merge_view(&node->state, &node->record);
		uccn_registry_witness_read_own_cosig(&o, &node->record);
		if (o.has) {
			size = o.size;
			memcpy(root, o.root, UCCN_HASH_BYTES);
		}
	}
	uccn_bytes_finish(&state);
	return size;
}

/* The add-checkpoint body: old size, the consistency proof from it, an empty line, the
 * checkpoint note signed by the root. */
static int add_checkpoint_body(
	struct uccn_node *node, size_t i, uint64_t old, struct uccn_bytes *out) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	char line[64];
	int n = snprintf(line, sizeof(line), "old %llu\n", (unsigned long long)old);
	int err = uccn_bytes_append(out, line, (size_t)n);
	if (err == UCCN_OK && old > 0 && old < h->size) {
		uint8_t(*path)[UCCN_HASH_BYTES] =
			uccn_alloc_malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
		size_t len = 0;
		err = path == NULL ? UCCN_ENOMEM
				   : uccn_merkle_consistency_proof(
					     (const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
					     h->size, old, path, &len);
		for (size_t k = 0; k < len && err == UCCN_OK; k++) {
			char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)];
			size_t bl = uccn_crypto_to_base64(path[k], UCCN_HASH_BYTES, b64);
			b64[bl++] = '\n';
			err = uccn_bytes_append(out, b64, bl);
		}
		uccn_alloc_free(path);
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(out, "\n", 1)) == UCCN_OK) {
		err = uccn_checkpoint_note(
			node->network, h->size, h->root, node->scan.notes[i].sig, NULL, 0, out);
	}
	return err;
}

/* The witness's cosignature line in a 200 response, verified; true when found. */
static bool find_cosig_line(struct uccn_node *node, const struct uccn_tree_head *h,
	const struct uccn_bytes *resp, const char *name, const uint8_t pk[UCCN_KEY_BYTES],
	uint8_t cosig[UCCN_COSIG_BYTES]) {
	static const char dash[] = "\xe2\x80\x94 ";
	size_t nl = strlen(name);
	for (size_t at = 0; at < resp->len;) {
		const uint8_t *eol = memchr(resp->data + at, '\n', resp->len - at);
		size_t end = eol != NULL ? (size_t)(eol - resp->data) : resp->len;
		const char *line = (const char *)resp->data + at;
		size_t len = end - at, got = 0;
		size_t skip = sizeof(dash) - 1 + nl + 1;
		if (len > skip && memcmp(line, dash, sizeof(dash) - 1) == 0 &&
			memcmp(line + sizeof(dash) - 1, name, nl) == 0 && line[skip - 1] == ' ' &&
			uccn_crypto_from_base64(line + skip, len - skip, cosig, UCCN_COSIG_BYTES,
				&got) == UCCN_OK &&
			got == UCCN_COSIG_BYTES &&
			uccn_checkpoint_verify_cosignature(name, pk, node->network, h->size,
				h->root, cosig, NULL) == UCCN_OK) {
			return true;
		}
		at = end + 1;
	}
	return false;
}

/* One witness: submit the checkpoint (once more with the size a 409 names), keep its
 * cosignature as the root's record of it. */
static int submit_one(struct uccn_node *node, size_t i, const char *url, const char *name,
	const uint8_t pk[UCCN_KEY_BYTES], uint64_t now_ms, struct uccn_witness_result *r) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	uint8_t last_root[UCCN_HASH_BYTES], cosig[UCCN_COSIG_BYTES];
	uint64_t old = witnessed_size(node, pk, last_root);
	r->size = h->size;
	if (old == h->size && memcmp(last_root, h->root, UCCN_HASH_BYTES) == 0) {
		r->cosigned = true;
		return UCCN_OK;
	}
	if (old > h->size) {
		old = 0; /* ask, and learn its size from the 409 */
	}
	int err = UCCN_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct uccn_bytes body = {0}, resp = {0};
		err = add_checkpoint_body(node, i, old, &body);
		if (err == UCCN_OK) {
			err = uccn_witness_http_post(url, "/add-checkpoint", body.data, body.len,
				EXT_TIMEOUT_MS, &r->http_status, &resp);
		}
		uccn_bytes_finish(&body);
		char *end = NULL;
		unsigned long long theirs = 0;
		if (err == UCCN_OK && r->http_status == 409 &&
			uccn_bytes_append(&resp, "", 1) == UCCN_OK) {
			theirs = strtoull((const char *)resp.data, &end, 10);
		}
		if (err == UCCN_OK && r->http_status == 409 && attempt == 0 && end != NULL &&
			end != (char *)resp.data && *end == '\n' && theirs <= h->size &&
			theirs != old) {
			old = theirs;
			uccn_bytes_finish(&resp);
			continue;
		}
		if (err == UCCN_OK && r->http_status == 200) {
			r->cosigned = find_cosig_line(node, h, &resp, name, pk, cosig);
		}
		uccn_bytes_finish(&resp);
		break;
	}
	if (err < 0 || !r->cosigned) {
		return err;
	}
	char id[2 * UCCN_KEY_BYTES + 1], root_hex[2 * UCCN_HASH_BYTES + 1], why[256] = "";
	char b64[UCCN_BASE64_LEN(UCCN_COSIG_BYTES)];
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, id);
	uccn_text_to_hex(h->root, UCCN_HASH_BYTES, root_hex);
	uccn_crypto_to_base64(cosig, sizeof(cosig), b64);
	struct uccn_field f[4] = {int_value("size", (int64_t)h->size), str_field("root", root_hex),
		str_field("signature", b64), str_field("name", name)};
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = uccn_node_append(
		node, "cosignature", node->pk, id, UCCN_OP_PUT, f, 4, now_ms, why, sizeof(why));
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
		uccn_log(UCCN_LOG_ERROR, "keeping %s's cosignature: %s", name, why);
	}
	return err;
}

int uccn_node_witnesses_submit(
	struct uccn_node *node, uint64_t now_ms, uccn_witness_result_fn fn, void *userdata) {
	int err = uccn_registry_state_must_be_root(node, NULL, 0);
	struct uccn_bytes meta = {0};
	if (err < 0 || (err = uccn_registry_state_scan(node)) < 0) {
		return err;
	}
	size_t i = uccn_registry_state_newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	err = uccn_store_get_meta(node->st, EXT_META, &meta);
	if (err == UCCN_ENOTFOUND) {
		return 0;
	}
	int cosigned = 0;
	for (size_t at = 0; err == UCCN_OK && at < meta.len;) {
		const uint8_t *nl = memchr(meta.data + at, '\n', meta.len - at);
		size_t end = nl != NULL ? (size_t)(nl - meta.data) : meta.len;
		char line[2 * UCCN_URL_MAX + 512], name[256];
		uint8_t pk[UCCN_KEY_BYTES];
		snprintf(line, sizeof(line), "%.*s", (int)(end - at), meta.data + at);
		at = end + 1;
		char *sp = strchr(line, ' ');
		if (sp == NULL) {
			continue;
		}
		*sp = '\0';
		if (!parse_witness_vkey(sp + 1, name, pk)) {
			continue;
		}
		struct uccn_witness_result r = {.url = line, .name = name};
		r.err = submit_one(node, i, line, name, pk, now_ms, &r);
		if (r.err < 0 && r.err != UCCN_EIO && r.err != UCCN_EINVAL) {
			err = r.err; /* the store failed: stop */
		}
		cosigned += r.cosigned ? 1 : 0;
		if (fn != NULL) {
			fn(userdata, &r);
		}
		/* Our own write moved the root's chain: read it again for the next witness. */
		if ((err = err < 0 ? err : uccn_registry_state_scan(node)) == UCCN_OK) {
			i = uccn_registry_state_newest_checkpoint(node);
		}
	}
	uccn_bytes_finish(&meta);
	return err < 0 ? err : cosigned;
}
