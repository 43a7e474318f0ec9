/* registry_write.c - the Secretariat's writes to the registry (the root only): designations,
 * withdrawals, roles, key rotation, revocation and relays, each followed in its transaction by a
 * tree head whose checkpoint the root signs. The membership rules are registry.c's; what the
 * node holds of the registry is read through registry_state.c. */
#include "node/registry_write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/checkpoint.h"
#include "node/node_backup.h"
#include "node/node_internal.h"
#include "node/node_records.h"
#include "node/registry_state.h"
#include "node/schema_internal.h"

/* --- Writing the registry (the root only) ---------------------------------------------- */

void uccn_node_tree_head_fields(struct uccn_node *node, uint64_t size,
	const uint8_t root[UCCN_HASH_BYTES], struct uccn_tree_head_fields *out) {
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	uccn_text_to_hex(root, UCCN_HASH_BYTES, out->root_hex);
	uccn_checkpoint_sign(node->id, node->network, size, root, sig);
	uccn_crypto_to_base64(sig, sizeof(sig), out->sig_b64);
	out->fields[0] = int_value("size", (int64_t)size);
	out->fields[1] = str_field("root", out->root_hex);
	out->fields[2] = str_field("signature", out->sig_b64);
}

/* Signs a tree head over every registry change so far: the last step of each registry write. */
static int sign_tree_head(struct uccn_node *node, uint64_t now_ms, char *why, size_t why_len) {
	int err = uccn_registry_state_scan(node);
	if (err < 0) {
		return err;
	}
	uint8_t root[UCCN_HASH_BYTES];
	uccn_merkle_frontier_root(&node->scan.frontier, root);
	struct uccn_tree_head_fields hf;
	uccn_node_tree_head_fields(node, node->scan.nleaves, root, &hf);
	return uccn_node_append(node, "treehead", node->pk, "registry", UCCN_OP_PUT, hf.fields,
		UCCN_TREE_HEAD_FIELDS, now_ms, why, why_len);
}

/* One registry write: the changes, then a tree head, in one transaction. */
struct registry_change {
	const char *kind;
	char id[UCCN_ID_MAX + 1];
	struct uccn_field fields[10];
	size_t nfields;
};

static int write_registry(struct uccn_node *node, struct registry_change *changes, size_t n,
	uint64_t now_ms, char *why, size_t why_len) {
	/* Only designations and key records are leaves: a role changes no tree, so it gets no new
	 * head. */
	bool grows = false;
	for (size_t i = 0; i < n; i++) {
		grows = grows || uccn_registry_state_is_leaf_kind(changes[i].kind);
	}
	int err = uccn_store_begin(node->st);
	if (err < 0) {
		return err;
	}
	for (size_t i = 0; i < n && err == UCCN_OK; i++) {
		err = uccn_node_append(node, changes[i].kind, node->pk, changes[i].id, UCCN_OP_PUT,
			changes[i].fields, changes[i].nfields, now_ms, why, why_len);
	}
	if (err == UCCN_OK && grows) {
		err = sign_tree_head(node, now_ms, why, why_len);
	}
	if (err == UCCN_OK) {
		/* A designation lets in what its city wrote before it arrived. */
		err = uccn_changelog_retry_held(node->log, now_ms, NULL, NULL);
	}
	if (err == UCCN_OK) {
		err = uccn_node_commit(node);
	} else {
		uccn_store_rollback(node->st);
	}
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

int uccn_node_registry_sign_checkpoint(struct uccn_node *node, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0 || (err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	err = sign_tree_head(node, now_ms, why, why_len);
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st);
	}
	if (err < 0) {
		uccn_node_scan_reset(node);
	}
	return err;
}

/* The full designation as one change: every designation change states it whole, so that a
 * single change (a leaf of the registry) proves a membership on its own. */
static void designation_change(struct registry_change *rc,
	const struct uccn_registry_designation *d, const char *city_hex, const char *status,
	const char *reason, int64_t cutoff) {
	memset(rc, 0, sizeof(*rc));
	rc->kind = "designation";
	snprintf(rc->id, sizeof(rc->id), "%s", d->id);
	size_t n = 0;
	rc->fields[n++] = str_field("city", city_hex);
	rc->fields[n++] = str_field("name", d->name);
	rc->fields[n++] = str_field("country", d->country);
	rc->fields[n++] = str_field("field", d->field);
	rc->fields[n++] = int_value("year", d->year);
	rc->fields[n++] = str_field("status", status);
	rc->fields[n++] = reason != NULL ? str_field("reason", reason) : nil_field("reason");
	rc->fields[n++] = cutoff >= 0 ? int_value("cutoff", cutoff) : nil_field("cutoff");
	rc->nfields = n;
}

/* What a designation's change points into, kept until the batch is written. */
struct designation_text {
	struct uccn_registry_designation d;
	char hex[UCCN_REGISTRY_HEX_KEY];
};

/* One designation of a batch as its change, checked as a receiving node would check it, with
 * messages that name the field. */
static int designation_for(struct uccn_node *node, const struct uccn_designation *in,
	struct registry_change *rc, struct designation_text *text, char *why, size_t why_len) {
	if (memcmp(in->city, node->network, UCCN_KEY_BYTES) == 0) {
		return uccn_error_set(why, why_len, UCCN_EINVAL,
			"the network's root key is the Secretariat's, not a city's");
	}
	struct uccn_registry_designation *d = &text->d;
	int err = uccn_registry_state_find_designation(node, in->city, d);
	if (err < 0) {
		return err;
	}
	if (d->found && strcmp(d->status, "active") == 0) {
		return uccn_error_set(
			why, why_len, UCCN_EEXIST, "%s is already designated", d->name);
	}
	uccn_text_to_hex(in->city, UCCN_KEY_BYTES, text->hex);
	if (!d->found) {
		snprintf(d->id, sizeof(d->id), "%s", text->hex);
	}
	snprintf(d->name, sizeof(d->name), "%s", in->name != NULL ? in->name : "");
	snprintf(d->country, sizeof(d->country), "%s", in->country != NULL ? in->country : "");
	snprintf(d->field, sizeof(d->field), "%s", in->field != NULL ? in->field : "");
	d->year = in->year;
	designation_change(rc, d, text->hex, "active", NULL, -1);
	/* The same checks a receiving node makes, with messages that name the option. */
	const struct uccn_kind_spec *spec = uccn_schema_kind("designation");
	for (size_t i = 0; i < rc->nfields; i++) {
		if ((err = uccn_schema_validate_field(spec, &rc->fields[i], why, why_len)) < 0) {
			return err;
		}
		if (rc->fields[i].value.type == UCCN_VALUE_STR &&
			rc->fields[i].value.str_len == 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA,
				"designation.%s is required", rc->fields[i].name);
		}
	}
	return UCCN_OK;
}

int uccn_node_designate_many(struct uccn_node *node, const struct uccn_designation *list,
	size_t n, uint64_t now_ms, size_t *failed) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	if (n == 0) {
		return uccn_error_set(why, why_len, UCCN_EINVAL, "no city to designate");
	}
	struct registry_change *rc = uccn_alloc_calloc(n, sizeof(*rc));
	struct designation_text *text = uccn_alloc_calloc(n, sizeof(*text));
	if (rc == NULL || text == NULL) {
		uccn_alloc_free(rc);
		uccn_alloc_free(text);
		return UCCN_ENOMEM;
	}
	/* Every designation is checked before the transaction opens: the batch is written whole
	 * or not at all, under one tree head. */
	for (size_t i = 0; i < n && err == UCCN_OK; i++) {
		err = designation_for(node, &list[i], &rc[i], &text[i], why, why_len);
		for (size_t j = 0; j < i && err == UCCN_OK; j++) {
			if (memcmp(list[j].city, list[i].city, UCCN_KEY_BYTES) == 0) {
				err = uccn_error_set(why, why_len, UCCN_EEXIST,
					"the same key is designated twice (also as %s)",
					list[j].name != NULL ? list[j].name : "");
			}
		}
		if (err < 0 && failed != NULL) {
			*failed = i;
		}
	}
	if (err == UCCN_OK) {
		err = write_registry(node, rc, n, now_ms, why, why_len);
	}
	uccn_alloc_free(rc);
	uccn_alloc_free(text);
	return err;
}

int uccn_node_designate(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *name, const char *country, const char *field, int year, uint64_t now_ms) {
	struct uccn_designation d = {
		.name = name, .country = country, .field = field, .year = year};
	memcpy(d.city, city, UCCN_KEY_BYTES);
	return uccn_node_designate_many(node, &d, 1, now_ms, NULL);
}

/* The active designation of city into *d, or UCCN_ENOTMEMBER with missing as the reason. */
static int find_active(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	struct uccn_registry_designation *d, const char *missing, char *why, size_t why_len) {
	int err = uccn_registry_state_find_designation(node, city, d);
	if (err < 0) {
		return err;
	}
	if (!d->found || strcmp(d->status, "active") != 0) {
		return uccn_error_set(why, why_len, UCCN_ENOTMEMBER, "%s", missing);
	}
	return UCCN_OK;
}

/* What withdraw and role check first: this node is the root, and city has an active
 * designation, into *d (else UCCN_ENOTMEMBER with missing as the reason). */
static int root_and_active(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	struct uccn_registry_designation *d, const char *missing, char *why, size_t why_len) {
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	return err < 0 ? err : find_active(node, city, d, missing, why, why_len);
}

int uccn_node_withdraw(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES],
	const char *reason, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	struct uccn_registry_designation d;
	int err =
		root_and_active(node, city, &d, "no active designation for that key", why, why_len);
	if (err < 0) {
		return err;
	}
	/* The cut-off is what this node holds of the city now: what the Secretariat has seen
	 * stays, whatever the city signs later does not. */
	struct uccn_store_head head;
	if ((err = uccn_store_get_head(node->st, d.city, &head)) < 0) {
		return err;
	}
	char hex[UCCN_REGISTRY_HEX_KEY];
	uccn_text_to_hex(d.city, UCCN_KEY_BYTES, hex);
	struct registry_change rc;
	designation_change(&rc, &d, hex, "withdrawn",
		reason != NULL && reason[0] != '\0' ? reason : "withdrawn", (int64_t)head.seq);
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

int uccn_node_role(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES], const char *field,
	const char *role, const char *from, const char *to, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	struct uccn_registry_designation d;
	int err = root_and_active(node, city, &d,
		"a role needs an active designation, and that key has none", why, why_len);
	if (err < 0) {
		return err;
	}
	struct registry_change rc = {.kind = "role"};
	char hex[UCCN_REGISTRY_HEX_KEY];
	uccn_text_to_hex(d.city, UCCN_KEY_BYTES, hex);
	uint8_t rnd[16];
	uccn_crypto_random(rnd, sizeof(rnd));
	uccn_text_to_hex(rnd, sizeof(rnd), rc.id);
	rc.fields[0] = str_field("city", hex);
	rc.fields[1] = str_field("field", field != NULL ? field : "");
	rc.fields[2] = str_field("role", role != NULL ? role : "");
	rc.fields[3] = str_field("from", from != NULL ? from : "");
	rc.fields[4] = str_field("to", to != NULL ? to : "");
	rc.nfields = 5;
	const struct uccn_kind_spec *spec = uccn_schema_kind("role");
	for (size_t i = 0; i < rc.nfields; i++) {
		if ((err = uccn_schema_validate_field(spec, &rc.fields[i], why, why_len)) < 0) {
			return err;
		}
	}
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

static void key_change(struct registry_change *rc, const uint8_t key[UCCN_KEY_BYTES],
	const char *city_id, const char *status, int64_t cutoff, const char *successor_hex,
	const char *reason) {
	memset(rc, 0, sizeof(*rc));
	rc->kind = "key";
	uccn_text_to_hex(key, UCCN_KEY_BYTES, rc->id);
	size_t n = 0;
	rc->fields[n++] = str_field("city", city_id);
	rc->fields[n++] = str_field("status", status);
	rc->fields[n++] = cutoff >= 0 ? int_value("cutoff", cutoff) : nil_field("cutoff");
	rc->fields[n++] = successor_hex != NULL ? str_field("successor", successor_hex)
						: nil_field("successor");
	rc->fields[n++] = reason != NULL ? str_field("reason", reason) : nil_field("reason");
	rc->nfields = n;
}

struct first_seq {
	struct uccn_node *node;
	uint64_t seq;
};

static int note_seq(void *userdata, const uint8_t *data, size_t len) {
	struct first_seq *fs = userdata;
	if (uccn_codec_decode_change(data, len, &fs->node->change, NULL, 0) == UCCN_OK &&
		fs->seq == 0) {
		fs->seq = fs->node->change.seq;
	}
	return 0;
}

int uccn_node_confirm_rotation(struct uccn_node *node, const uint8_t old_key[UCCN_KEY_BYTES],
	const uint8_t new_key[UCCN_KEY_BYTES], uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	char new_hex[UCCN_REGISTRY_HEX_KEY];
	uccn_text_to_hex(new_key, UCCN_KEY_BYTES, new_hex);
	/* The city's own word first: a rotation change signed by the old key naming the new one. */
	struct first_seq fs = {node, 0};
	err = uccn_store_each_record_change(node->st, "rotation", old_key, new_hex, note_seq, &fs);
	if (err < 0) {
		return err;
	}
	if (fs.seq == 0) {
		return uccn_error_set(why, why_len, UCCN_ENOTFOUND,
			"this node holds no rotation change signed by the old key naming the new "
			"one: "
			"import the city's changes first");
	}
	struct uccn_registry_designation d;
	if ((err = find_active(node, old_key, &d, "the old key has no active designation", why,
		     why_len)) < 0) {
		return err;
	}
	struct registry_change rc[3];
	key_change(&rc[0], old_key, d.id, "rotated", (int64_t)fs.seq, new_hex, "key rotation");
	key_change(&rc[1], new_key, d.id, "active", -1, NULL, NULL);
	designation_change(&rc[2], &d, new_hex, "active", NULL, -1);
	return write_registry(node, rc, 3, now_ms, why, why_len);
}

int uccn_node_revoke(struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], uint64_t cutoff,
	const uint8_t *successor, const char *reason, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	struct uccn_registry_designation d;
	if ((err = uccn_registry_state_find_designation(node, key, &d)) < 0) {
		return err;
	}
	if (!d.found) {
		return uccn_error_set(
			why, why_len, UCCN_ENOTMEMBER, "no designation names that key");
	}
	if (cutoff > INT64_MAX) {
		return uccn_error_set(why, why_len, UCCN_EINVAL, "the cut-off is too large");
	}
	char succ_hex[UCCN_REGISTRY_HEX_KEY];
	if (successor != NULL) {
		uccn_text_to_hex(successor, UCCN_KEY_BYTES, succ_hex);
	}
	struct registry_change rc[3];
	size_t n = 0;
	key_change(&rc[n++], key, d.id, "revoked", (int64_t)cutoff,
		successor != NULL ? succ_hex : NULL, reason != NULL ? reason : "revoked");
	if (successor != NULL) {
		key_change(&rc[n++], successor, d.id, "active", -1, NULL, NULL);
		/* Only the key changes: a withdrawal and its cut-off stand. */
		designation_change(&rc[n++], &d, succ_hex, d.status,
			d.reason[0] != '\0' ? d.reason : NULL, d.cutoff);
	}
	return write_registry(node, rc, n, now_ms, why, why_len);
}

int uccn_node_relay(
	struct uccn_node *node, const uint8_t key[UCCN_KEY_BYTES], bool active, uint64_t now_ms) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	int err = uccn_registry_state_must_be_root(node, why, why_len);
	if (err < 0) {
		return err;
	}
	if (memcmp(key, node->pk, UCCN_KEY_BYTES) == 0) {
		return uccn_error_set(
			why, why_len, UCCN_EINVAL, "the root is the Secretariat already");
	}
	uint8_t city[UCCN_KEY_BYTES];
	bool known = uccn_changelog_city_of(node->log, key, city);
	if (known && memcmp(city, node->pk, UCCN_KEY_BYTES) != 0) {
		return uccn_error_set(
			why, why_len, UCCN_EEXIST, "that key signs for a member city");
	}
	if (active == uccn_changelog_is_secretariat(node->log, key)) {
		return uccn_error_set(why, why_len, active ? UCCN_EEXIST : UCCN_ENOTFOUND,
			active ? "that key is a relay already" : "that key is not a relay");
	}
	/* A relay is a key of the Secretariat itself: its city is the root. It signs nothing of
	 * the registry; a removed one is cut off at 0 like any revoked key. */
	char root_hex[UCCN_REGISTRY_HEX_KEY];
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, root_hex);
	struct registry_change rc;
	key_change(&rc, key, root_hex, active ? "active" : "revoked", active ? -1 : 0, NULL,
		active ? "a relay of the Secretariat" : "no longer a relay");
	return write_registry(node, &rc, 1, now_ms, why, why_len);
}

int uccn_node_rotate_key(struct uccn_node *node, uint64_t now_ms, uint8_t new_key[UCCN_KEY_BYTES]) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	if (uccn_node_is_secretariat(node)) {
		return uccn_error_set(why, why_len, UCCN_EPERM,
			"the Secretariat's key names the network and cannot rotate");
	}
	struct uccn_identity *fresh = NULL;
	char path[4096], next[4096], old[4096];
	char new_hex[UCCN_REGISTRY_HEX_KEY], old_hex[UCCN_REGISTRY_HEX_KEY];
	int err = uccn_crypto_identity_generate(&fresh);
	if (err < 0) {
		return err;
	}
	uccn_crypto_identity_public_key(fresh, new_key);
	uccn_text_to_hex(new_key, UCCN_KEY_BYTES, new_hex);
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, old_hex);
	snprintf(path, sizeof(path), "%s/node.key", node->home);
	snprintf(next, sizeof(next), "%s/node.key.new", node->home);
	snprintf(old, sizeof(old), "%s/node.key.old-%.16s", node->home, old_hex);
	/* The new key is on disk before anything names it, so a crash never loses it. */
	unlink(next);
	if ((err = uccn_crypto_identity_save(fresh, next)) < 0) {
		goto out;
	}
	struct uccn_field f = str_field("key", new_hex);
	if ((err = uccn_store_begin(node->st)) < 0) {
		goto out;
	}
	err = uccn_node_append(
		node, "rotation", node->pk, new_hex, UCCN_OP_PUT, &f, 1, now_ms, why, why_len);
	if (err == UCCN_OK) {
		err = uccn_store_set_meta(node->st, "key", new_key, UCCN_KEY_BYTES);
	}
	struct uccn_bytes former = {0};
	if (err == UCCN_OK) {
		err = uccn_store_get_meta(node->st, "former", &former);
		if (err == UCCN_ENOTFOUND) {
			err = UCCN_OK;
		}
	}
	if (err == UCCN_OK && (err = uccn_bytes_append(&former, node->pk, UCCN_KEY_BYTES)) == 0) {
		err = uccn_store_set_meta(node->st, "former", former.data, former.len);
	}
	uccn_bytes_finish(&former);
	if (err < 0) {
		uccn_store_rollback(node->st);
		goto out;
	}
	/* Keep the old key beside the new one: the city may need to prove what it signed. */
	if (link(path, old) < 0 && errno != EEXIST) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", old);
		uccn_store_rollback(node->st);
		err = UCCN_EIO;
		goto out;
	}
	if ((err = uccn_node_commit(node)) < 0) {
		unlink(old);
		goto out;
	}
	if (rename(next, path) < 0) {
		/* The database already names the new key; the files must follow, or the node will
		 * not open. Say exactly how to finish by hand. */
		uccn_log_errno(UCCN_LOG_ERROR, errno, "moving %s to %s: finish with: mv %s %s",
			next, path, next, path);
		err = UCCN_EIO;
		goto out;
	}
	uccn_crypto_identity_destroy(node->id);
	node->id = fresh;
	fresh = NULL;
	uccn_changelog_add_former(node->log, node->pk);
	memcpy(node->pk, new_key, UCCN_KEY_BYTES);
	uccn_changelog_set_self(node->log, node->pk);
out:
	uccn_crypto_identity_destroy(fresh);
	return err;
}
