/* node_backup.c - a node's own past: the record of how far it has signed, kept beside the
 * database (home/node.head), the rule that a node which may have lost part of its own chain
 * signs nothing new until it has it back, and the backup and restore of a home. The store copies
 * the database; this file decides what a copy means for the node's identity. */
#include "node/node_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/node.h>
#include <uccn/text.h>

#include "node/crypto.h"
#include "node/node_internal.h"
#include "node/store.h"

#define HEAD_FILE "node.head"
#define HEAD_MAGIC "uccn-head"

/* What home/node.head says: the last change this key signed, by seq and hash. */
struct own_head {
	bool known;
	uint64_t seq;
	uint8_t hash[UCCN_HASH_BYTES];
};

static void head_path(const char *home, const char *suffix, char *out, size_t cap) {
	snprintf(out, cap, "%s/%s%s", home, HEAD_FILE, suffix);
}

/* A missing, unreadable or foreign file (another key's, after a rotation) says nothing. */
static void read_own_head(const struct uccn_node *node, struct own_head *out) {
	char path[4096], line[256], key_hex[2 * UCCN_KEY_BYTES + 1],
		hash_hex[2 * UCCN_HASH_BYTES + 1];
	char want[2 * UCCN_KEY_BYTES + 1];
	unsigned long long seq = 0;
	memset(out, 0, sizeof(*out));
	head_path(node->home, "", path, sizeof(path));
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return;
	}
	bool ok = fgets(line, sizeof(line), f) != NULL &&
		  sscanf(line, HEAD_MAGIC " %64s %llu %64s", key_hex, &seq, hash_hex) == 3;
	fclose(f);
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, want);
	if (!ok || strcmp(key_hex, want) != 0 ||
		uccn_text_from_hex(hash_hex, strlen(hash_hex), out->hash, UCCN_HASH_BYTES) < 0) {
		return;
	}
	out->known = true;
	out->seq = seq;
}

/* Written whole and renamed into place, so a crash leaves the old record or the new one. Not
 * synced: written after the commit, it can lag behind the database but never run ahead of it,
 * so a power cut can only weaken the check, never raise a false alarm; and each edit keeps
 * one fsync, the commit's. */
static int write_own_head(struct uccn_node *node, uint64_t seq, const uint8_t *hash) {
	char path[4096], tmp[4096], key_hex[2 * UCCN_KEY_BYTES + 1];
	char hash_hex[2 * UCCN_HASH_BYTES + 1], line[256];
	head_path(node->home, "", path, sizeof(path));
	head_path(node->home, ".tmp", tmp, sizeof(tmp));
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, key_hex);
	uccn_text_to_hex(hash, UCCN_HASH_BYTES, hash_hex);
	int n = snprintf(line, sizeof(line), HEAD_MAGIC " %s %llu %s\n", key_hex,
		(unsigned long long)seq, hash_hex);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", tmp);
		return UCCN_EIO;
	}
	bool ok = write(fd, line, (size_t)n) == n;
	int e = errno;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		uccn_log_errno(UCCN_LOG_ERROR, ok ? errno : e, "%s", path);
		unlink(tmp);
		return UCCN_EIO;
	}
	return UCCN_OK;
}

/* Raises home/node.head to the store's own head: called after every commit that may hold a
 * change the node signed. */
static int note_own_head(struct uccn_node *node) {
	struct uccn_store_head head;
	struct own_head file;
	int err = uccn_store_get_head(node->st, node->pk, &head);
	if (err < 0) {
		return err;
	}
	read_own_head(node, &file);
	if (head.seq == 0 || (file.known && file.seq >= head.seq)) {
		return UCCN_OK;
	}
	return write_own_head(node, head.seq, head.hash);
}

int uccn_node_commit(struct uccn_node *node) {
	int err = uccn_store_commit(node->st);
	if (err < 0) {
		return err;
	}
	/* The change is stored: failing to note it must not make the edit look failed. A record
	 * that lags only weakens the check of a lost database, which a peer's vector still makes.
	 */
	if (note_own_head(node) < 0) {
		uccn_log(UCCN_LOG_WARN, "could not note the node's head beside its database");
	}
	return UCCN_OK;
}

static int read_mark(struct uccn_node *node, bool *marked, uint64_t *peer_head) {
	struct uccn_bytes v = {0};
	int err = uccn_store_get_meta(node->st, UCCN_META_CATCH_UP, &v);
	*marked = err == UCCN_OK;
	*peer_head = 0;
	for (size_t i = 0; err == UCCN_OK && i < v.len && i < 8; i++) {
		*peer_head |= (uint64_t)v.data[i] << (8 * i);
	}
	uccn_bytes_finish(&v);
	return err == UCCN_ENOTFOUND ? UCCN_OK : err;
}

int uccn_node_signing(struct uccn_node *node, struct uccn_node_signing *out) {
	memset(out, 0, sizeof(*out));
	struct uccn_store_head head;
	struct own_head file;
	int err = uccn_store_get_head(node->st, node->pk, &head);
	if (err < 0 || (err = read_mark(node, &out->marked, &out->peer_head)) < 0) {
		return err;
	}
	read_own_head(node, &file);
	out->head = head.seq;
	out->signed_up_to = file.known ? file.seq : 0;
	out->may_sign = !out->marked && out->signed_up_to <= out->head;
	return UCCN_OK;
}

int uccn_node_check_signing(struct uccn_node *node, char *why, size_t why_len) {
	struct uccn_node_signing s;
	int err = uccn_node_signing(node, &s);
	if (err < 0 || s.may_sign) {
		return err;
	}
	/* Short enough for the command line's one-line error: each says what to do. */
	const char *fix = "run 'uccn sync URL' with a peer, or 'uccn resume-signing' if this is "
			  "truly the only copy of this node";
	if (s.signed_up_to > s.head) {
		uccn_error_set(why, why_len, UCCN_EBEHIND,
			"this store ends at #%llu but this node signed up to #%llu: it signs "
			"nothing new until it has them back; %s",
			(unsigned long long)s.head, (unsigned long long)s.signed_up_to, fix);
	} else if (s.peer_head > s.head) {
		uccn_error_set(why, why_len, UCCN_EBEHIND,
			"a peer holds this node's changes up to #%llu, this store up to #%llu: it "
			"signs nothing new until it has them back; %s",
			(unsigned long long)s.peer_head, (unsigned long long)s.head, fix);
	} else {
		uccn_error_set(why, why_len, UCCN_EBEHIND,
			"this node was restored and may lack its own newer changes: it signs "
			"nothing new until a peer has given them back; %s",
			fix);
	}
	return UCCN_EBEHIND;
}

int uccn_node_resume_signing(struct uccn_node *node) {
	struct uccn_store_head head;
	int err = uccn_store_begin(node->st);
	if (err < 0) {
		return err;
	}
	if ((err = uccn_store_drop_meta(node->st, UCCN_META_CATCH_UP)) < 0 ||
		(err = uccn_store_get_head(node->st, node->pk, &head)) < 0 ||
		(err = uccn_store_commit(node->st)) < 0) {
		uccn_store_rollback(node->st);
		return err;
	}
	/* Lowered on purpose: what was signed past the store's head is given up. */
	return write_own_head(node, head.seq, head.hash);
}

/* --- Backup and restore ------------------------------------------------------------------ */

static bool path_exists(const char *path) {
	struct stat sb;
	return lstat(path, &sb) == 0;
}

int uccn_node_backup(struct uccn_node *node, const char *path) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	char key_path[4096];
	if (snprintf(key_path, sizeof(key_path), "%s.key", path) >= (int)sizeof(key_path)) {
		return uccn_error_set(why, why_len, UCCN_EINVAL, "%s: name too long", path);
	}
	if (path_exists(path) || path_exists(key_path)) {
		return uccn_error_set(why, why_len, UCCN_EEXIST,
			"%s already exists: a backup never overwrites a file",
			path_exists(path) ? path : key_path);
	}
	/* Made first, empty and private: the copy holds what is meant for the Secretariat alone,
	 * and O_EXCL makes sure no file is overwritten, even one made since the check. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		return uccn_error_set(why, why_len, e == EEXIST ? UCCN_EEXIST : UCCN_EIO, "%s: %s",
			path, strerror(e));
	}
	close(fd);
	int err = uccn_store_copy_to(node->st, path);
	if (err < 0) {
		uccn_error_set(why, why_len, err, "writing %s: %s", path, uccn_strerror(err));
		unlink(path);
		return err;
	}
	if ((err = uccn_crypto_identity_save(node->id, key_path)) < 0) {
		uccn_error_set(why, why_len, err, "writing %s: %s", key_path, uccn_strerror(err));
		unlink(path);
		return err;
	}
	return UCCN_OK;
}

/* The key and network a store says it belongs to. */
static int store_identity(
	struct uccn_store *st, uint8_t key[UCCN_KEY_BYTES], char *why, size_t why_len) {
	struct uccn_bytes meta = {0};
	int err = uccn_store_get_meta(st, "key", &meta);
	if (err == UCCN_OK && meta.len != UCCN_KEY_BYTES) {
		err = UCCN_ECORRUPT;
	}
	if (err == UCCN_OK) {
		memcpy(key, meta.data, UCCN_KEY_BYTES);
	} else {
		uccn_error_set(why, why_len, err, "not a uccn node's database (%s)",
			uccn_strerror(err == UCCN_ENOTFOUND ? UCCN_ECORRUPT : err));
		err = err == UCCN_ENOTFOUND ? UCCN_ECORRUPT : err;
	}
	uccn_bytes_finish(&meta);
	return err;
}

/* Makes sure home holds the backup's key: the one it has, or the backup's key file in a home
 * that has none. A different key is never replaced. */
static int place_key(const char *home, const char *path, const uint8_t want[UCCN_KEY_BYTES],
	char *why, size_t why_len) {
	char home_key[4096], backup_key[4096], want_hex[2 * UCCN_KEY_BYTES + 1];
	char have_hex[2 * UCCN_KEY_BYTES + 1];
	uint8_t have[UCCN_KEY_BYTES];
	struct uccn_identity *id = NULL;
	snprintf(home_key, sizeof(home_key), "%s/node.key", home);
	snprintf(backup_key, sizeof(backup_key), "%s.key", path);
	uccn_text_to_hex(want, UCCN_KEY_BYTES, want_hex);
	bool in_home = true;
	int err = uccn_crypto_identity_load(home_key, &id);
	if (err == UCCN_ENOTFOUND) {
		in_home = false;
		err = uccn_crypto_identity_load(backup_key, &id);
		if (err == UCCN_ENOTFOUND) {
			return uccn_error_set(why, why_len, err,
				"%s holds no key and %s is missing: the node's key is needed to "
				"restore "
				"it",
				home, backup_key);
		}
	}
	if (err < 0) {
		return uccn_error_set(why, why_len, err, "reading %s: %s",
			in_home ? home_key : backup_key, uccn_strerror(err));
	}
	uccn_crypto_identity_public_key(id, have);
	uccn_text_to_hex(have, UCCN_KEY_BYTES, have_hex);
	if (memcmp(have, want, UCCN_KEY_BYTES) != 0) {
		uccn_error_set(why, why_len, UCCN_EPERM,
			in_home ? "%s holds node %.16s…, the backup is of node %.16s…: a restore "
				  "never "
				  "replaces a node's key (restore into an empty home)"
				: "%s: the key file is of node %.16s…, the backup of node %.16s…",
			in_home ? home : backup_key, have_hex, want_hex);
		uccn_crypto_identity_destroy(id);
		return UCCN_EPERM;
	}
	if (!in_home && (err = uccn_crypto_identity_save(id, home_key)) < 0) {
		uccn_error_set(why, why_len, err, "writing %s: %s", home_key, uccn_strerror(err));
	}
	uccn_crypto_identity_destroy(id);
	return err;
}

static int restore(const char *home, const char *path, bool only_copy, char *why, size_t why_len) {
	char db_path[4096];
	uint8_t key[UCCN_KEY_BYTES];
	struct uccn_store *from = NULL, *to = NULL;
	struct uccn_node *node = NULL;
	int err = uccn_crypto_init();
	if (err < 0) {
		return err;
	}
	snprintf(db_path, sizeof(db_path), "%s/uccn.db", home);
	/* Read-only: opening the backup must not change it, nor leave a WAL beside it. */
	err = uccn_store_open_backup(path, &from);
	if (err < 0) {
		return uccn_error_set(why, why_len, err, "%s: %s", path,
			err == UCCN_ENOTFOUND ? "no such file" : uccn_strerror(err));
	}
	if ((err = store_identity(from, key, why, why_len)) < 0) {
		goto out;
	}
	if (mkdir(home, 0700) < 0 && errno != EEXIST) {
		err = uccn_error_set(why, why_len, UCCN_EIO, "%s: %s", home, strerror(errno));
		goto out;
	}
	if (access(home, W_OK) < 0) {
		err = uccn_error_set(why, why_len, UCCN_EPERM, "the home %s %s", home,
			errno == EROFS ? "is on a read-only filesystem" : "cannot be written");
		goto out;
	}
	if ((err = place_key(home, path, key, why, why_len)) < 0) {
		goto out;
	}
	if ((err = uccn_store_open(db_path, true, &to)) < 0 ||
		(err = uccn_store_copy_from(to, from)) < 0) {
		uccn_error_set(why, why_len, err, "restoring %s: %s", db_path, uccn_strerror(err));
		goto out;
	}
	uccn_store_close(to);
	to = NULL;
	/* Reopened as a node: the copy may be of an older schema, which opening migrates. */
	if ((err = uccn_node_open(home, &node)) < 0) {
		uccn_error_set(
			why, why_len, err, "opening the restored node: %s", uccn_strerror(err));
		goto out;
	}
	if (only_copy) {
		err = uccn_node_resume_signing(node);
	} else {
		uint8_t zero[8] = {0};
		if ((err = uccn_store_begin(node->st)) == UCCN_OK) {
			err = uccn_store_set_meta(node->st, UCCN_META_CATCH_UP, zero, sizeof(zero));
			err = err == UCCN_OK ? uccn_store_commit(node->st) : err;
			if (err < 0) {
				uccn_store_rollback(node->st);
			}
		}
	}
	if (err < 0) {
		uccn_error_set(
			why, why_len, err, "marking the restored node: %s", uccn_strerror(err));
	}
out:
	uccn_node_close(node);
	uccn_store_close(to);
	uccn_store_close(from);
	return err;
}

int uccn_node_restore(const char *home, const char *path, bool only_copy, struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, restore(home, path, only_copy, why, why_len));
}
