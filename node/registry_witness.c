/* registry_witness.c - the witness on a node (PROTOCOL.md §9.11 to §9.15): checkpoint notes
 * with the cosignatures held, cosigning each new checkpoint that extends the last cosigned,
 * catching split views and keeping their evidence, and the quorum of witnesses a proof needs.
 * External C2SP tlog-witness witnesses are registry_tlog_witness.c's; the checkpoint's format is
 * checkpoint.c's. */
#include "node/registry_witness.h"

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

struct cosig_walk {
	struct uccn_node *node;
	const struct uccn_tree_head *head;
	struct uccn_cosig *out;
	size_t n, max;
};

/* A cosignature record (§9.11) whose checkpoint is the head, and whose signature verifies. */
static int collect_cosig(void *userdata, const struct uccn_store_row *row) {
	struct cosig_walk *w = userdata;
	struct uccn_node *node = w->node;
	if (w->n == w->max) {
		return 1;
	}
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &node->state) < 0) {
		return 0; /* the state is the store's business; a bad one proves nothing */
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_value *size = uccn_record_field(&node->record, "size");
	const struct uccn_value *root = uccn_record_field(&node->record, "root");
	const struct uccn_value *sig = uccn_record_field(&node->record, "signature");
	char hex[2 * UCCN_HASH_BYTES + 1];
	uint8_t r[UCCN_HASH_BYTES];
	struct uccn_cosig *c = &w->out[w->n];
	size_t len = 0;
	if (size == NULL || size->type != UCCN_VALUE_INT || (uint64_t)size->i != w->head->size ||
		root == NULL || root->type != UCCN_VALUE_STR ||
		root->str_len != 2 * UCCN_HASH_BYTES || sig == NULL ||
		sig->type != UCCN_VALUE_STR) {
		return 0;
	}
	memcpy(hex, root->str, root->str_len);
	hex[root->str_len] = '\0';
	if (uccn_text_from_hex(hex, strlen(hex), r, UCCN_HASH_BYTES) < 0 ||
		memcmp(r, w->head->root, UCCN_HASH_BYTES) != 0 ||
		uccn_crypto_from_base64(sig->str, sig->str_len, c->sig, UCCN_COSIG_BYTES, &len) <
			0 ||
		len != UCCN_COSIG_BYTES) {
		return 0;
	}
	memcpy(c->pk, row->owner, UCCN_KEY_BYTES);
	c->name[0] = '\0';
	if (memcmp(row->owner, node->network, UCCN_KEY_BYTES) == 0) {
		/* The root's record of an external witness's cosignature (§9.15): the witness's key
		 * is the id, its name a field. */
		const struct uccn_value *name = uccn_record_field(&node->record, "name");
		if (name == NULL || name->type != UCCN_VALUE_STR || name->str_len == 0 ||
			name->str_len >= sizeof(c->name) ||
			uccn_text_from_hex(row->id, strlen(row->id), c->pk, UCCN_KEY_BYTES) < 0) {
			return 0;
		}
		memcpy(c->name, name->str, name->str_len);
		c->name[name->str_len] = '\0';
	}
	if (uccn_checkpoint_verify_cosignature(c->name[0] != '\0' ? c->name : NULL, c->pk,
		    node->network, w->head->size, w->head->root, c->sig, &c->time) == UCCN_OK) {
		w->n++;
	}
	return 0;
}

/* The cosignatures this node holds of the checkpoint h, at most max. */
static int collect_cosigs(struct uccn_node *node, const struct uccn_tree_head *h,
	struct uccn_cosig *out, size_t max, size_t *n) {
	struct cosig_walk w = {node, h, out, 0, max};
	int err = uccn_store_each_record(node->st, "cosignature", false, collect_cosig, &w);
	*n = w.n;
	return err < 0 ? err : UCCN_OK;
}

/* The checkpoint note of head i with every cosignature held of it, appended to out. */
int uccn_registry_witness_head_note(struct uccn_node *node, size_t i, struct uccn_bytes *out) {
	const struct uccn_tree_head *h = &node->scan.heads[i];
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	memcpy(sig, node->scan.notes[i].sig, sizeof(sig));
	struct uccn_cosig *cosigs = uccn_alloc_calloc(UCCN_NOTE_SIGS_MAX - 1, sizeof(*cosigs));
	size_t n = 0;
	int err = cosigs == NULL ? UCCN_ENOMEM
				 : collect_cosigs(node, h, cosigs, UCCN_NOTE_SIGS_MAX - 1, &n);
	if (err == UCCN_OK) {
		err = uccn_checkpoint_note(node->network, h->size, h->root, sig, cosigs, n, out);
	}
	uccn_alloc_free(cosigs);
	return err;
}

int uccn_node_checkpoint(struct uccn_node *node, struct uccn_bytes *out) {
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	size_t i = uccn_registry_state_newest_checkpoint(node);
	return i == SIZE_MAX ? UCCN_ENOTFOUND : uccn_registry_witness_head_note(node, i, out);
}

int uccn_node_checkpoint_key(struct uccn_node *node, char *out, size_t out_len) {
	char vkey[UCCN_VKEY_MAX];
	static const uint8_t zero[UCCN_KEY_BYTES];
	if (memcmp(node->network, zero, UCCN_KEY_BYTES) == 0) {
		return UCCN_ENOTFOUND;
	}
	uccn_checkpoint_vkey(node->network, vkey);
	if (strlen(vkey) >= out_len) {
		return UCCN_EINVAL;
	}
	memcpy(out, vkey, strlen(vkey) + 1);
	return UCCN_OK;
}

/* What a witness remembers across restarts (§9.11): the last checkpoint it cosigned, as its
 * size (8 bytes, big-endian) then its root. */
#define WITNESS_META "witness"
#define WITNESS_STATE_BYTES (8 + UCCN_HASH_BYTES)

int uccn_registry_witness_read_own_cosig(void *userdata, const struct uccn_record *r) {
	struct uccn_registry_own_cosig *o = userdata;
	const struct uccn_value *size = uccn_record_field(r, "size");
	const struct uccn_value *root = uccn_record_field(r, "root");
	char hex[2 * UCCN_HASH_BYTES + 1];
	if (size != NULL && size->type == UCCN_VALUE_INT && size->i >= 0 && root != NULL &&
		root->type == UCCN_VALUE_STR && root->str_len == 2 * UCCN_HASH_BYTES) {
		memcpy(hex, root->str, root->str_len);
		hex[root->str_len] = '\0';
		o->has = uccn_text_from_hex(hex, strlen(hex), o->root, UCCN_HASH_BYTES) == UCCN_OK;
		o->size = (uint64_t)size->i;
	}
	return 0;
}

static int witness_state(
	struct uccn_node *node, bool *has, uint64_t *size, uint8_t root[UCCN_HASH_BYTES]) {
	struct uccn_bytes meta = {0};
	int err = uccn_store_get_meta(node->st, WITNESS_META, &meta);
	*has = false;
	if (err == UCCN_ENOTFOUND) {
		/* A store that lost its state (restored from a backup, a lost WAL) learns it back
		 * from its own cosignature record, which peers return by sync. */
		struct uccn_registry_own_cosig o = {0};
		err = uccn_node_get(
			node, "cosignature", "registry", uccn_registry_witness_read_own_cosig, &o);
		if (err == UCCN_ENOTFOUND) {
			err = UCCN_OK;
		}
		*has = err == UCCN_OK && o.has;
		*size = o.size;
		memcpy(root, o.root, UCCN_HASH_BYTES);
	} else if (err == UCCN_OK && meta.len != WITNESS_STATE_BYTES) {
		uccn_log(UCCN_LOG_ERROR, "the database is damaged (the witness state)");
		err = UCCN_ECORRUPT;
	} else if (err == UCCN_OK) {
		*has = true;
		*size = 0;
		for (int i = 0; i < 8; i++) {
			*size = *size << 8 | meta.data[i];
		}
		memcpy(root, meta.data + 8, UCCN_HASH_BYTES);
	}
	uccn_bytes_finish(&meta);
	return err;
}

/* Whether the held leaves show that the tree of old_size leaves with old_root is a prefix of
 * head h (which matches the leaves held): an RFC 6962 consistency proof from them, checked. */
static bool extends(struct uccn_node *node, uint64_t old_size,
	const uint8_t old_root[UCCN_HASH_BYTES], const struct uccn_tree_head *h) {
	if (old_size == 0) {
		return true; /* every tree extends the empty one */
	}
	if (old_size > h->size) {
		return false;
	}
	uint8_t(*path)[UCCN_HASH_BYTES] = uccn_alloc_malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	size_t len = 0;
	bool ok =
		path != NULL &&
		uccn_merkle_consistency_proof((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
			h->size, old_size, path, &len) == UCCN_OK &&
		uccn_merkle_verify_consistency(old_size, h->size, old_root, h->root,
			(const uint8_t(*)[UCCN_HASH_BYTES])path, len) == UCCN_OK;
	uccn_alloc_free(path);
	return ok;
}

/* --- Split views (§9.13) ------------------------------------------------------------------ */

/* The evidence of an alarm record, checked; false for a record that proves nothing. */
static bool alarm_evidence(struct uccn_node *node, const struct uccn_store_row *row,
	struct uccn_split_view *ev, const struct uccn_value **text) {
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &node->state) < 0) {
		return false;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	const struct uccn_value *v = uccn_record_field(&node->record, "evidence");
	*text = v;
	return v != NULL && v->type == UCCN_VALUE_STR &&
	       uccn_checkpoint_evidence_check(v->str, v->str_len, node->network, ev, NULL, 0) ==
		       UCCN_OK;
}

struct alarm_walk {
	struct uccn_node *node;
	uccn_fault_fn fn;
	void *userdata;
	int count;
	struct uccn_split_view *ev; /* scratch */
	struct uccn_bytes *out;     /* uccn_node_split_view_evidence: the first evidence */
};

/* An alarm record whose evidence holds; a false alarm proves nothing and is ignored. */
static int check_alarm(void *userdata, const struct uccn_store_row *row) {
	struct alarm_walk *w = userdata;
	const struct uccn_value *text = NULL;
	if (!alarm_evidence(w->node, row, w->ev, &text)) {
		return 0;
	}
	w->count++;
	if (w->out != NULL) {
		int err = uccn_bytes_append(w->out, text->str, text->str_len);
		return err < 0 ? err : 1;
	}
	if (w->fn != NULL) {
		struct uccn_fault f = {.err = UCCN_EFORK};
		char hex[2 * UCCN_KEY_BYTES + 1];
		memcpy(f.author, row->owner, UCCN_KEY_BYTES);
		uccn_text_to_hex(row->owner, UCCN_KEY_BYTES, hex);
		snprintf(f.why, sizeof(f.why),
			"ALARM: split view: the Secretariat's key signed checkpoints of size %llu "
			"and "
			"%llu that no one registry has (evidence by %.16s…: 'uccn registry "
			"evidence')",
			(unsigned long long)w->ev->a.size, (unsigned long long)w->ev->b.size, hex);
		w->fn(w->userdata, &f);
	}
	return 0;
}

static int walk_alarms(struct alarm_walk *w) {
	w->ev = uccn_alloc_malloc(sizeof(*w->ev));
	if (w->ev == NULL) {
		return UCCN_ENOMEM;
	}
	int err = uccn_store_each_record(w->node->st, "alarm", false, check_alarm, w);
	uccn_alloc_free(w->ev);
	return err < 0 ? err : w->count;
}

int uccn_node_split_views(struct uccn_node *node, uccn_fault_fn fn, void *userdata) {
	struct alarm_walk w = {.node = node, .fn = fn, .userdata = userdata};
	return walk_alarms(&w);
}

int uccn_node_split_view_evidence(struct uccn_node *node, struct uccn_bytes *out) {
	struct alarm_walk w = {.node = node, .out = out};
	int n = walk_alarms(&w);
	return n < 0 ? n : n > 0 ? UCCN_OK : UCCN_ENOTFOUND;
}

/* A root-signed checkpoint another node cosigned, read from its cosignature record. */
static bool their_checkpoint(const struct uccn_record *r, struct uccn_signed_checkpoint *c) {
	const struct uccn_value *size = uccn_record_field(r, "size");
	const struct uccn_value *root = uccn_record_field(r, "root");
	const struct uccn_value *sig = uccn_record_field(r, "root_signature");
	char hex[2 * UCCN_HASH_BYTES + 1];
	size_t len = 0;
	if (size == NULL || size->type != UCCN_VALUE_INT || size->i < 0 || root == NULL ||
		root->type != UCCN_VALUE_STR || root->str_len != 2 * UCCN_HASH_BYTES ||
		sig == NULL || sig->type != UCCN_VALUE_STR) {
		return false;
	}
	memcpy(hex, root->str, root->str_len);
	hex[root->str_len] = '\0';
	c->size = (uint64_t)size->i;
	return uccn_text_from_hex(hex, strlen(hex), c->root, UCCN_HASH_BYTES) == UCCN_OK &&
	       uccn_crypto_from_base64(sig->str, sig->str_len, c->sig, UCCN_NOTE_SIG_BYTES, &len) ==
		       UCCN_OK &&
	       len == UCCN_NOTE_SIG_BYTES;
}

/* Whether c is one of the tree heads of the root's chain held here: a head of our own chain
 * never shows a split view against ours, and lagging cities' checkpoints are found here
 * without hashing. */
static bool is_our_head(struct uccn_node *node, const struct uccn_signed_checkpoint *c) {
	const struct uccn_registry_scan *sc = &node->scan;
	for (size_t i = sc->nheads; i-- > 0;) {
		if (sc->heads[i].size == c->size &&
			memcmp(sc->heads[i].root, c->root, UCCN_HASH_BYTES) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether theirs, a checkpoint said to be the root's, and ours (the newest of this node's,
 * matching the leaves it holds) are a split view; fills ev when they are. A checkpoint
 * larger than ours is left to the nodes that hold its leaves. */
static bool split_from(struct uccn_node *node, const struct uccn_signed_checkpoint *ours,
	const struct uccn_signed_checkpoint *theirs, struct uccn_split_view *ev) {
	if (theirs->size > ours->size || theirs->size == 0 || is_our_head(node, theirs)) {
		return false;
	}
	memset(ev, 0, sizeof(*ev));
	if (theirs->size == ours->size) {
		/* The smaller root first, so that every node that catches this pair writes the
		 * same evidence. */
		bool mine_first = memcmp(ours->root, theirs->root, UCCN_HASH_BYTES) < 0;
		ev->a = mine_first ? *ours : *theirs;
		ev->b = mine_first ? *theirs : *ours;
	} else {
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves, theirs->size,
			ev->prefix);
		if (memcmp(ev->prefix, theirs->root, UCCN_HASH_BYTES) == 0) {
			return false; /* ours extends theirs */
		}
		ev->a = *theirs;
		ev->b = *ours;
		if (uccn_merkle_consistency_proof(
			    (const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves, ev->b.size,
			    ev->a.size, ev->path, &ev->npath) < 0) {
			return false;
		}
	}
	/* Only a checkpoint the root signed is evidence; checked last, the dear part. */
	return uccn_checkpoint_verify(node->network, theirs->size, theirs->root, theirs->sig) ==
	       UCCN_OK;
}

struct split_walk {
	struct uccn_node *node;
	const struct uccn_signed_checkpoint *ours;
	struct uccn_split_view *ev;
	bool found;
};

/* Compares a peer's cosigned checkpoint with ours and fills the evidence when no one registry
 * has both. A checkpoint larger than ours is left to the nodes that hold its leaves. */
static int compare_cosig(void *userdata, const struct uccn_store_row *row) {
	struct split_walk *w = userdata;
	struct uccn_node *node = w->node;
	struct uccn_signed_checkpoint theirs;
	if (uccn_codec_decode_state(row->state, row->state_len, row->owner, &node->state) < 0) {
		return 0;
	}
	memset(&node->record, 0, sizeof(node->record));
	uccn_merge_view(&node->state, &node->record);
	if (!their_checkpoint(&node->record, &theirs) ||
		!split_from(node, w->ours, &theirs, w->ev)) {
		return 0;
	}
	w->found = true;
	return 1;
}

/* Compares every checkpoint other nodes cosigned with our newest one, head i; on the first
 * that no one registry shares with ours, writes an alarm record with the evidence, unless
 * this node holds a valid alarm already. Returns 1 when it wrote one. */
static int catch_split_view(struct uccn_node *node, size_t i, uint64_t now_ms,
	const struct uccn_signed_checkpoint *shown) {
	int held = uccn_node_split_views(node, NULL, NULL);
	if (held != 0) {
		return held < 0 ? held : 0;
	}
	struct uccn_signed_checkpoint ours = {.size = node->scan.heads[i].size};
	memcpy(ours.root, node->scan.heads[i].root, UCCN_HASH_BYTES);
	memcpy(ours.sig, node->scan.notes[i].sig, UCCN_NOTE_SIG_BYTES);
	struct split_walk w = {
		node, &ours, uccn_alloc_malloc(sizeof(struct uccn_split_view)), false};
	struct uccn_bytes text = {0};
	if (w.ev == NULL) {
		return UCCN_ENOMEM;
	}
	int err = UCCN_OK;
	if (shown != NULL) {
		w.found = split_from(node, &ours, shown, w.ev);
	} else {
		err = uccn_store_each_record(node->st, "cosignature", false, compare_cosig, &w);
	}
	if (err >= 0 && w.found) {
		err = uccn_checkpoint_evidence_encode(node->network, w.ev, &text);
	}
	uccn_alloc_free(w.ev);
	if (err < 0 || !w.found) {
		uccn_bytes_finish(&text);
		return err < 0 ? err : 0;
	}
	uint8_t sum[UCCN_SHA256_BYTES];
	char id[33], why[256] = "";
	uccn_crypto_sha256(text.data, text.len, sum);
	uccn_text_to_hex(sum, 16, id);
	struct uccn_field f = {.name = "evidence",
		.name_len = 8,
		.value = {.type = UCCN_VALUE_STR,
			.str = (const char *)text.data,
			.str_len = text.len}};
	uccn_log(UCCN_LOG_ERROR, "ALARM: split view: the Secretariat's key signed two registries; "
				 "the evidence goes to every peer ('uccn registry evidence')");
	if ((err = uccn_store_begin(node->st)) == UCCN_OK) {
		err = uccn_node_append(
			node, "alarm", node->pk, id, UCCN_OP_PUT, &f, 1, now_ms, why, sizeof(why));
		if (err == UCCN_OK) {
			err = uccn_store_commit(node->st);
		} else {
			uccn_store_rollback(node->st);
			uccn_log(UCCN_LOG_ERROR, "writing the alarm: %s", why);
		}
	}
	uccn_bytes_finish(&text);
	return err < 0 ? err : 1;
}

int uccn_node_consider_checkpoint(
	struct uccn_node *node, const char *note, size_t len, uint64_t now_ms) {
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	struct uccn_checkpoint *cp = uccn_alloc_malloc(sizeof(*cp));
	if (cp == NULL) {
		return UCCN_ENOMEM;
	}
	err = uccn_checkpoint_parse(note, len, node->network, cp, NULL, 0);
	struct uccn_signed_checkpoint shown = {.size = cp->size};
	memcpy(shown.root, cp->root, UCCN_HASH_BYTES);
	memcpy(shown.sig, cp->sig, UCCN_NOTE_SIG_BYTES);
	uccn_alloc_free(cp);
	if (err < 0) {
		return err;
	}
	size_t i = uccn_registry_state_newest_checkpoint(node);
	return i == SIZE_MAX ? 0 : catch_split_view(node, i, now_ms, &shown);
}

int uccn_node_witness(struct uccn_node *node, uint64_t now_ms) {
	static const uint8_t zero[UCCN_KEY_BYTES];
	if (memcmp(node->network, zero, UCCN_KEY_BYTES) == 0 || uccn_node_is_secretariat(node)) {
		return 0; /* no registry, or the log itself: the root does not witness its own */
	}
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	size_t i = uccn_registry_state_newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return 0;
	}
	const struct uccn_tree_head h = node->scan.heads[i];
	int caught = catch_split_view(node, i, now_ms, NULL);
	if (caught < 0) {
		return caught;
	}
	bool has = false;
	uint64_t last_size = 0;
	uint8_t last_root[UCCN_HASH_BYTES];
	if ((err = witness_state(node, &has, &last_size, last_root)) < 0) {
		return err;
	}
	if (has && last_size == h.size && memcmp(last_root, h.root, UCCN_HASH_BYTES) == 0) {
		return caught; /* cosigned already */
	}
	/* Never cosign a checkpoint that does not extend the last one cosigned: that is the
	 * whole of a witness's promise, and it holds across restarts because the state is in
	 * the store, written in the same transaction as the cosignature. */
	if (has && (h.size < last_size || !extends(node, last_size, last_root, &h))) {
		uccn_log(UCCN_LOG_WARN,
			"not cosigning the registry's checkpoint of size %llu: it does not extend "
			"the checkpoint of size %llu this node cosigned",
			(unsigned long long)h.size, (unsigned long long)last_size);
		return caught;
	}
	uint8_t cosig[UCCN_COSIG_BYTES], state[WITNESS_STATE_BYTES];
	char root_hex[2 * UCCN_HASH_BYTES + 1], b64[UCCN_BASE64_LEN(UCCN_COSIG_BYTES)];
	char root_sig[UCCN_BASE64_LEN(UCCN_NOTE_SIG_BYTES)];
	uccn_crypto_to_base64(node->scan.notes[i].sig, UCCN_NOTE_SIG_BYTES, root_sig);
	uccn_checkpoint_cosign(
		node->id, node->pk, node->network, h.size, h.root, now_ms / 1000, cosig);
	uccn_text_to_hex(h.root, UCCN_HASH_BYTES, root_hex);
	uccn_crypto_to_base64(cosig, sizeof(cosig), b64);
	for (int k = 0; k < 8; k++) {
		state[k] = (uint8_t)(h.size >> (56 - 8 * k));
	}
	memcpy(state + 8, h.root, UCCN_HASH_BYTES);
	/* The root's signature rides along: a peer holding another registry then holds two
	 * checkpoints of the root, the evidence of a split view (§9.13). */
	struct uccn_field f[4] = {int_value("size", (int64_t)h.size), str_field("root", root_hex),
		str_field("signature", b64), str_field("root_signature", root_sig)};
	char why[256] = "";
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = uccn_node_append(node, "cosignature", node->pk, "registry", UCCN_OP_PUT, f, 4, now_ms,
		why, sizeof(why));
	if (err == UCCN_OK) {
		err = uccn_store_set_meta(node->st, WITNESS_META, state, sizeof(state));
	}
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
		uccn_log(UCCN_LOG_ERROR, "cosigning the registry's checkpoint: %s",
			why[0] != '\0' ? why : uccn_strerror(err));
	}
	return err < 0 ? err : 1;
}

/* --- Policy: a quorum of witnesses (§9.14) ------------------------------------------------ */

#define REQUIRE_META "require_witnesses"

static int required_witnesses(struct uccn_node *node, unsigned *out) {
	struct uccn_bytes meta = {0};
	int err = uccn_store_get_meta(node->st, REQUIRE_META, &meta);
	*out = 0;
	if (err == UCCN_OK && meta.len == 1) {
		*out = meta.data[0];
	} else if (err == UCCN_ENOTFOUND) {
		err = UCCN_OK;
	}
	uccn_bytes_finish(&meta);
	return err;
}

int uccn_node_require_witnesses(struct uccn_node *node, unsigned n) {
	if (n > UCCN_FIELDS_COUNT) {
		return UCCN_EINVAL;
	}
	const uint8_t v = (uint8_t)n;
	return uccn_store_set_meta(node->st, REQUIRE_META, &v, 1);
}

/* How many creative fields the cosigners of a checkpoint cover among the active member cities
 * whose current key cosigned: a quorum counts cities of different fields. */
static int witness_fields(
	struct uccn_node *node, const struct uccn_cosig *cosigs, size_t n, size_t *fields) {
	char seen[UCCN_FIELDS_COUNT][32];
	size_t nseen = 0;
	for (size_t i = 0; i < n; i++) {
		struct uccn_registry_designation d;
		int err = uccn_registry_state_find_designation(node, cosigs[i].pk, &d);
		if (err < 0) {
			return err;
		}
		if (!d.found || strcmp(d.status, "active") != 0 ||
			memcmp(d.city, cosigs[i].pk, UCCN_KEY_BYTES) != 0) {
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < nseen; k++) {
			dup = dup || strcmp(seen[k], d.field) == 0;
		}
		if (!dup && nseen < UCCN_FIELDS_COUNT) {
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", d.field);
		}
	}
	*fields = nseen;
	return UCCN_OK;
}

int uccn_node_checkpoint_witnesses(struct uccn_node *node, struct uccn_witness_count *out) {
	memset(out, 0, sizeof(*out));
	unsigned required = 0;
	int err = uccn_registry_state_scan(node);
	if (err < 0 || (err = required_witnesses(node, &required)) < 0) {
		return err;
	}
	out->required = required;
	size_t i = uccn_registry_state_newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	const struct uccn_tree_head h = node->scan.heads[i];
	out->size = h.size;
	struct uccn_cosig *cosigs = uccn_alloc_calloc(UCCN_NOTE_SIGS_MAX - 1, sizeof(*cosigs));
	if (cosigs == NULL) {
		return UCCN_ENOMEM;
	}
	err = collect_cosigs(node, &h, cosigs, UCCN_NOTE_SIGS_MAX - 1, &out->cosigned);
	if (err == UCCN_OK) {
		err = witness_fields(node, cosigs, out->cosigned, &out->fields);
	}
	uccn_alloc_free(cosigs);
	return err;
}
