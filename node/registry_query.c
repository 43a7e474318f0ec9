/* registry_query.c - the registry's queries on a node: the member list, the newest tree head,
 * the verification of the root's chain, consistency proofs between two checkpoints and proofs of
 * membership. Writes nothing; the checkpoint note a proof carries comes from registry_witness.c. */
#include "node/registry_query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/text.h>

#include "node/alloc.h"
#include "node/checkpoint.h"
#include "node/node_internal.h"
#include "node/registry_state.h"
#include "node/registry_witness.h"

/* --- Reading the registry ---------------------------------------------------------------- */

struct member_walk {
	struct uccn_node *node;
	uccn_member_fn fn;
	void *userdata;
};

static int member_row(void *userdata, const struct uccn_store_row *row) {
	struct member_walk *w = userdata;
	struct uccn_registry_designation d;
	int got = uccn_registry_state_read_designation(w->node, row, &d);
	if (got <= 0) {
		return got;
	}
	struct uccn_member m = {.name = d.name,
		.country = d.country,
		.field = d.field,
		.year = (int)d.year,
		.active = strcmp(d.status, "active") == 0,
		.cutoff = d.cutoff >= 0 ? (uint64_t)d.cutoff : 0,
		.reason = d.reason[0] != '\0' ? d.reason : NULL,
		.designated_hlc = d.created_hlc};
	memcpy(m.key, d.city, UCCN_KEY_BYTES);
	if (uccn_text_from_hex(d.id, strlen(d.id), m.city, UCCN_KEY_BYTES) < 0) {
		return 0;
	}
	return w->fn(w->userdata, &m);
}

int uccn_node_registry(struct uccn_node *node, uccn_member_fn fn, void *userdata) {
	struct member_walk w = {node, fn, userdata};
	return uccn_store_each_record(node->st, "designation", true, member_row, &w);
}

int uccn_node_tree_head(struct uccn_node *node, struct uccn_tree_head *out) {
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	if (node->scan.nheads == 0) {
		return UCCN_ENOTFOUND;
	}
	*out = node->scan.heads[node->scan.nheads - 1];
	return UCCN_OK;
}

static void report(uccn_fault_fn fn, void *userdata, int *faults, int err, uint64_t seq,
	const uint8_t *author, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void report(uccn_fault_fn fn, void *userdata, int *faults, int err, uint64_t seq,
	const uint8_t *author, const char *fmt, ...) {
	struct uccn_fault f = {.err = err, .seq = seq};
	memcpy(f.author, author, UCCN_KEY_BYTES);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f.why, sizeof(f.why), fmt, ap);
	va_end(ap);
	(*faults)++;
	if (fn != NULL) {
		fn(userdata, &f);
	}
}

struct fork_count {
	const uint8_t *root;
	uccn_fault_fn fn;
	void *userdata;
	int *faults;
};

static int root_fork(void *userdata, const struct uccn_store_fork *f) {
	struct fork_count *fc = userdata;
	if (memcmp(f->author, fc->root, UCCN_KEY_BYTES) == 0) {
		report(fc->fn, fc->userdata, fc->faults, UCCN_EFORK, f->seq, f->author,
			"ALARM: the Secretariat's key signed two different changes #%llu: the "
			"registry forks",
			(unsigned long long)f->seq);
	}
	return 0;
}

int uccn_node_registry_verify(struct uccn_node *node, uccn_fault_fn fn, void *userdata) {
	/* From scratch, not from the cached scan: verification trusts nothing computed before. */
	uccn_node_scan_reset(node);
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	const struct uccn_registry_scan *sc = &node->scan;
	int faults = 0;
	const struct uccn_tree_head *prev = NULL;
	uint8_t(*path)[UCCN_HASH_BYTES] = uccn_alloc_malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	if (path == NULL) {
		return UCCN_ENOMEM;
	}
	for (size_t i = 0; i < sc->nheads; i++) {
		const struct uccn_tree_head *h = &sc->heads[i];
		/* A head from before checkpoints (§9.7: no signature, a BLAKE2b root) states
		 * nothing this tree can check; the checkpoints after it are checked. */
		if (!sc->notes[i].has) {
			continue;
		}
		if (uccn_checkpoint_verify(node->network, h->size, h->root, sc->notes[i].sig) < 0) {
			report(fn, userdata, &faults, UCCN_EBADSIG, h->seq, node->network,
				"ALARM: tree head #%llu's checkpoint is not signed by the root key",
				(unsigned long long)h->seq);
			continue;
		}
		/* The leaves a head covers are the registry changes before it in the root's chain.
		 */
		size_t covered = 0;
		while (covered < sc->nleaves && sc->leaf_seq[covered] < h->seq) {
			covered++;
		}
		uint8_t root[UCCN_HASH_BYTES];
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves, covered, root);
		if (h->size != covered || memcmp(root, h->root, UCCN_HASH_BYTES) != 0) {
			report(fn, userdata, &faults, UCCN_EPROOF, h->seq, node->network,
				"ALARM: tree head #%llu (size %llu) does not match the registry "
				"this node "
				"holds (%zu changes)",
				(unsigned long long)h->seq, (unsigned long long)h->size, covered);
			continue;
		}
		if (prev != NULL && prev->size > 0) {
			/* Check as any outsider would: a consistency proof between the two heads.
			 */
			size_t len = 0;
			if (h->size < prev->size ||
				uccn_merkle_consistency_proof(
					(const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves, h->size,
					prev->size, path, &len) < 0 ||
				uccn_merkle_verify_consistency(prev->size, h->size, prev->root,
					h->root, (const uint8_t(*)[UCCN_HASH_BYTES])path,
					len) < 0) {
				report(fn, userdata, &faults, UCCN_EPROOF, h->seq, node->network,
					"ALARM: tree head #%llu does not extend tree head #%llu",
					(unsigned long long)h->seq, (unsigned long long)prev->seq);
			}
		}
		prev = h;
	}
	uccn_alloc_free(path);
	struct fork_count fc = {node->network, fn, userdata, &faults};
	if ((err = uccn_store_each_fork(node->st, root_fork, &fc)) < 0) {
		return err;
	}
	int views = uccn_node_split_views(node, fn, userdata);
	if (views < 0) {
		return views;
	}
	return faults + views;
}
int uccn_node_registry_consistency(
	struct uccn_node *node, uint64_t old_size, struct uccn_bytes *out, uint64_t *new_size) {
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	size_t i = uccn_registry_state_newest_checkpoint(node);
	if (i == SIZE_MAX) {
		return UCCN_ENOTFOUND;
	}
	const struct uccn_tree_head *h = &node->scan.heads[i];
	if (old_size == 0 || old_size > h->size) {
		return UCCN_EINVAL;
	}
	uint8_t(*path)[UCCN_HASH_BYTES] = uccn_alloc_malloc(UCCN_MERKLE_MAX_PATH * UCCN_HASH_BYTES);
	size_t len = 0;
	if (path == NULL) {
		return UCCN_ENOMEM;
	}
	err = uccn_merkle_consistency_proof((const uint8_t(*)[UCCN_HASH_BYTES])node->scan.leaves,
		h->size, old_size, path, &len);
	for (size_t k = 0; k < len && err == UCCN_OK; k++) {
		char b64[UCCN_BASE64_LEN(UCCN_HASH_BYTES)];
		size_t n = uccn_crypto_to_base64(path[k], UCCN_HASH_BYTES, b64);
		b64[n++] = '\n';
		err = uccn_bytes_append(out, b64, n);
	}
	uccn_alloc_free(path);
	if (err == UCCN_OK && new_size != NULL) {
		*new_size = h->size;
	}
	return err;
}

int uccn_node_registry_prove(
	struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES], struct uccn_bytes *out) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	const struct uccn_registry_scan *sc = &node->scan;
	size_t newest = uccn_registry_state_newest_checkpoint(node);
	if (newest == SIZE_MAX) {
		return uccn_error_set(
			why, why_len, UCCN_ENOTFOUND, "this node holds no signed checkpoint yet");
	}
	/* A node that requires witnesses proves nothing under a checkpoint without them: it does
	 * not treat that checkpoint as the registry yet. */
	struct uccn_witness_count wc;
	if ((err = uccn_node_checkpoint_witnesses(node, &wc)) < 0) {
		return err;
	}
	if (wc.fields < wc.required) {
		return uccn_error_set(why, why_len, UCCN_ENOTFOUND,
			"the newest checkpoint is cosigned by member cities of %zu creative "
			"field%s; "
			"this node requires %zu",
			wc.fields, wc.fields == 1 ? "" : "s", wc.required);
	}
	const struct uccn_tree_head *h = &sc->heads[newest];
	struct uccn_bytes leaf = {0}, head = {0}, note = {0};
	struct uccn_proof *p = uccn_alloc_calloc(1, sizeof(*p));
	if (p == NULL) {
		return UCCN_ENOMEM;
	}
	/* The newest designation of the city under the head (each one states it whole), by the
	 * key it was designated under, or for a key that took over, the city it speaks for. */
	uint8_t city_id[UCCN_KEY_BYTES];
	size_t leaf_index = uccn_registry_state_designation_leaf(sc, city);
	if (leaf_index == SIZE_MAX && uccn_changelog_city_of(node->log, city, city_id)) {
		leaf_index = uccn_registry_state_designation_leaf(sc, city_id);
	}
	bool found = leaf_index != SIZE_MAX && leaf_index < h->size;
	if (found) {
		p->index = leaf_index;
		if ((err = uccn_store_get_change(
			     node->st, node->network, sc->leaf_seq[leaf_index], &leaf)) < 0) {
			goto out;
		}
	}
	if (!found) {
		uccn_error_set(why, why_len, err, "%s",
			leaf_index == SIZE_MAX
				? "no designation names that key: it is not a member"
				: "its newest designation is not under a signed tree head yet");
		err = leaf_index == SIZE_MAX ? UCCN_ENOTMEMBER : UCCN_ENOTFOUND;
		goto out;
	}
	if ((err = uccn_store_get_change(node->st, node->network, h->seq, &head)) < 0 ||
		(err = uccn_registry_witness_head_note(node, newest, &note)) < 0) {
		goto out;
	}
	p->note = (const char *)note.data;
	p->note_len = note.len;
	memcpy(p->network, node->network, UCCN_KEY_BYTES);
	p->designation = leaf.data;
	p->designation_len = leaf.len;
	p->head = head.data;
	p->head_len = head.len;
	if ((err = uccn_merkle_inclusion_proof((const uint8_t(*)[UCCN_HASH_BYTES])sc->leaves,
		     h->size, p->index, p->path, &p->npath)) < 0) {
		goto out;
	}
	err = uccn_codec_encode_proof(p, out);
out:
	uccn_bytes_finish(&leaf);
	uccn_bytes_finish(&head);
	uccn_bytes_finish(&note);
	uccn_alloc_free(p);
	return err;
}
