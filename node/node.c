/* node.c - a city's node: the home folder (key file + SQLite store), its init, open and close,
 * the node's own keys, and the small glue every part of the node shares (set_why, wall_ms). The
 * records, the files, verify and held, the peers and the backups each have their own node_*.c,
 * the registry its registry_*.c; the rules live in changelog.c, merge.c and schema.c. */
#include <uccn/node.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/changelog.h"
#include "node/crypto.h"
#include "node/merkle.h"
#include "node/node_backup.h"
#include "node/node_internal.h"
#include "node/node_net.h"
#include "node/registry_write.h"
#include "node/schema_internal.h"
#include "node/store.h"
#include "node/verifier.h"

#define KEY_FILE "node.key"
#define DB_FILE "uccn.db"

static char *join(const char *dir, const char *file) {
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = uccn_alloc_malloc(n);
	if (p != NULL) {
		snprintf(p, n, "%s/%s", dir, file);
	}
	return p;
}

static bool exists(const char *path) {
	struct stat st;
	return stat(path, &st) == 0;
}

char *uccn_node_error_begin(struct uccn_node *node, size_t *why_len) {
	return uccn_error_begin(&node->err, why_len);
}

const char *uccn_node_errmsg(const struct uccn_node *node) {
	return node != NULL ? node->err.msg : "";
}

/* Wall-clock milliseconds: only to date held changes for the user, never to order anything. */
uint64_t uccn_node_wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct uccn_store *uccn_node_store(struct uccn_node *node) {
	return node->st;
}

struct uccn_changelog *uccn_node_changelog(struct uccn_node *node) {
	return node->log;
}

const struct uccn_identity *uccn_node_identity(const struct uccn_node *node) {
	return node->id;
}

int uccn_node_verifier(struct uccn_node *node, unsigned threads, struct uccn_verifier **out) {
	if (node->verifier == NULL) {
		/* Made when first needed: a node that never imports or syncs starts no thread. */
		int err = uccn_verifier_create(threads, &node->verifier);
		if (err < 0) {
			return err;
		}
	}
	*out = node->verifier;
	return UCCN_OK;
}

void uccn_node_close(struct uccn_node *node) {
	if (node == NULL) {
		return;
	}
	uccn_verifier_destroy(node->verifier);
	uccn_node_scan_reset(node);
	uccn_alloc_free(node->scan.leaves);
	uccn_alloc_free(node->scan.leaf_seq);
	uccn_alloc_free(node->scan.heads);
	uccn_alloc_free(node->scan.notes);
	uccn_alloc_free(node->scan.designations);
	uccn_changelog_destroy(node->log);
	uccn_store_close(node->st);
	uccn_crypto_identity_destroy(node->id);
	uccn_alloc_free(node->home);
	uccn_alloc_free(node);
}

static struct uccn_node *node_alloc(const char *home) {
	struct uccn_node *node = uccn_alloc_calloc(1, sizeof(*node));
	if (node == NULL) {
		return NULL;
	}
	if ((node->home = uccn_alloc_strdup(home)) == NULL) {
		uccn_alloc_free(node);
		return NULL;
	}
	return node;
}

/* Fills the city record's fields from the init options; checked before anything is created. */
static int city_fields(const struct uccn_node_init_options *opt, struct uccn_field f[3], char *why,
	size_t why_len) {
	const char *names[3] = {"name", "country", "field"};
	const char *values[3] = {opt->name, opt->country, opt->field};
	const struct uccn_kind_spec *city = uccn_schema_kind("city");
	for (int i = 0; i < 3; i++) {
		if (values[i] == NULL || values[i][0] == '\0') {
			return uccn_error_set(
				why, why_len, UCCN_ESCHEMA, "city.%s is required", names[i]);
		}
		f[i] = (struct uccn_field){.name = names[i],
			.name_len = strlen(names[i]),
			.value = {.type = UCCN_VALUE_STR,
				.str = values[i],
				.str_len = strlen(values[i])}};
		char msg[200];
		if (uccn_schema_validate_field(city, &f[i], msg, sizeof(msg)) < 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA, "%s", msg);
		}
	}
	return UCCN_OK;
}

static int open_parts(struct uccn_node *node, bool create) {
	char *db = join(node->home, DB_FILE);
	if (db == NULL) {
		return UCCN_ENOMEM;
	}
	int err;
	if (!create && access(node->home, W_OK) < 0 && (errno == EROFS || errno == EACCES)) {
		/* Commands that only read still work; one that writes is told why it cannot. */
		char refusal[4200];
		snprintf(refusal, sizeof(refusal),
			"the home %s %s: only commands that read work there", node->home,
			errno == EROFS ? "is on a read-only filesystem"
				       : "cannot be written (permissions)");
		err = uccn_store_open_readonly(db, refusal, &node->st);
	} else {
		err = uccn_store_open(db, create, &node->st);
	}
	uccn_alloc_free(db);
	return err;
}

int uccn_node_init(const char *home, const struct uccn_node_init_options *opt, uint64_t now_ms,
	struct uccn_node **out) {
	char why[256] = "";
	struct uccn_field fields[3];
	int err = uccn_crypto_init();
	if (err < 0) {
		return err;
	}
	if (opt->secretariat) {
		/* A network's root is no city: it has a name, and its key names the network. */
		if (opt->network != NULL || (opt->country != NULL && opt->country[0] != '\0') ||
			(opt->field != NULL && opt->field[0] != '\0')) {
			uccn_log(UCCN_LOG_ERROR,
				"the Secretariat creates a network: it takes a name, "
				"not a network, country or field");
			return UCCN_EINVAL;
		}
		if (opt->name == NULL || opt->name[0] == '\0') {
			uccn_log(UCCN_LOG_ERROR, "the Secretariat needs a name");
			return UCCN_ESCHEMA;
		}
	} else if ((err = city_fields(opt, fields, why, sizeof(why))) < 0) {
		uccn_log(UCCN_LOG_ERROR, "%s", why);
		return err;
	}
	if (mkdir(home, 0700) < 0 && errno != EEXIST) {
		uccn_log_errno(UCCN_LOG_ERROR, errno, "%s", home);
		return UCCN_EIO;
	}
	struct uccn_node *node = node_alloc(home);
	char *key_path = join(home, KEY_FILE);
	char *db_path = join(home, DB_FILE);
	bool made = false;
	if (node == NULL || key_path == NULL || db_path == NULL) {
		err = UCCN_ENOMEM;
		goto out;
	}
	if (exists(key_path) || exists(db_path)) {
		uccn_log(UCCN_LOG_ERROR, "%s already holds a uccn node", home);
		err = UCCN_EEXIST;
		goto out;
	}
	if (opt->network != NULL) {
		memcpy(node->network, opt->network, UCCN_KEY_BYTES);
	}
	if ((err = uccn_crypto_identity_generate(&node->id)) < 0 ||
		(err = uccn_crypto_identity_save(node->id, key_path)) < 0) {
		goto out;
	}
	made = true;
	uccn_crypto_identity_public_key(node->id, node->pk);
	if (opt->secretariat) {
		memcpy(node->network, node->pk, UCCN_KEY_BYTES);
	}
	if ((err = open_parts(node, true)) < 0 || (err = uccn_store_begin(node->st)) < 0) {
		goto out;
	}
	if ((err = uccn_store_set_meta(node->st, "key", node->pk, UCCN_KEY_BYTES)) < 0 ||
		(err = uccn_store_set_meta(node->st, "network", node->network, UCCN_KEY_BYTES)) <
			0 ||
		(err = uccn_changelog_create(node->st, node->network, &node->log)) < 0) {
		goto out;
	}
	uccn_changelog_set_self(node->log, node->pk);
	char self[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(node->pk, UCCN_KEY_BYTES, self);
	struct uccn_apply_result res;
	if (opt->secretariat) {
		/* An empty registry, signed: every node can verify from the first exchange on. */
		uint8_t empty[UCCN_HASH_BYTES];
		struct uccn_tree_head_fields head;
		uccn_merkle_root(NULL, 0, empty);
		uccn_node_tree_head_fields(node, 0, empty, &head);
		if ((err = uccn_store_set_meta(node->st, "name", (const uint8_t *)opt->name,
			     strlen(opt->name))) < 0 ||
			(err = uccn_changelog_append(node->log, node->id, "treehead", node->pk,
				 "registry", UCCN_OP_PUT, head.fields, UCCN_TREE_HEAD_FIELDS,
				 now_ms, &res)) < 0) {
			uccn_log(UCCN_LOG_ERROR, "signing the first tree head: %s", res.why);
			goto out;
		}
	} else if ((err = uccn_changelog_append(node->log, node->id, "city", node->pk, self,
			    UCCN_OP_PUT, fields, 3, now_ms, &res)) < 0) {
		uccn_log(UCCN_LOG_ERROR, "writing the city record: %s", res.why);
		goto out;
	}
	if ((err = uccn_node_commit(node)) < 0) {
		goto out;
	}
	*out = node;
	node = NULL;
	made = false;
out:
	uccn_node_close(node);
	if (made) {
		/* Undo a half-made home so that init can simply be run again. */
		unlink(key_path);
		unlink(db_path);
		for (const char *suffix = "-wal"; suffix != NULL;
			suffix = strcmp(suffix, "-wal") == 0 ? "-shm" : NULL) {
			char path[4096];
			snprintf(path, sizeof(path), "%s%s", db_path, suffix);
			unlink(path);
		}
	}
	uccn_alloc_free(key_path);
	uccn_alloc_free(db_path);
	return err;
}

/* A store written before the audience rule (or before the registry ended a relay) may hold
 * what is meant for the Secretariat alone and is not this node's: it goes, once, at open
 * (PROTOCOL.md §11.5). Looked for in a read transaction first, so that opening a node that
 * holds nothing of the kind writes nothing. */
static int drop_unheld(struct uccn_node *node) {
	uint64_t found = 0, dropped = 0;
	int err = uccn_store_begin_read(node->st);
	if (err < 0) {
		return err;
	}
	err = uccn_changelog_drop_unheld(node->log, false, &found);
	uccn_store_rollback(node->st);
	if (err < 0 || found == 0) {
		return err;
	}
	if ((err = uccn_store_begin(node->st)) < 0) {
		return err;
	}
	if ((err = uccn_changelog_drop_unheld(node->log, true, &dropped)) < 0) {
		uccn_store_rollback(node->st);
		return err;
	}
	if ((err = uccn_store_commit(node->st)) < 0) {
		return err;
	}
	uccn_log(UCCN_LOG_WARN,
		"dropped %llu changes meant for the Secretariat alone that this node may not hold "
		"(kept by an earlier version), and rebuilt the records they touched",
		(unsigned long long)dropped);
	return UCCN_OK;
}

int uccn_node_open(const char *home, struct uccn_node **out) {
	int err = uccn_crypto_init();
	if (err < 0) {
		return err;
	}
	struct stat sb;
	if (stat(home, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		uccn_log(UCCN_LOG_ERROR,
			"%s: no uccn node here (no such folder; run 'uccn init' first)", home);
		return UCCN_ENOTFOUND;
	}
	struct uccn_node *node = node_alloc(home);
	char *key_path = join(home, KEY_FILE);
	struct uccn_bytes meta = {0};
	if (node == NULL || key_path == NULL) {
		err = UCCN_ENOMEM;
		goto out;
	}
	err = uccn_crypto_identity_load(key_path, &node->id);
	if (err == UCCN_ENOTFOUND) {
		uccn_log(UCCN_LOG_ERROR, "%s: no uccn node here (no %s; run 'uccn init' first)",
			home, KEY_FILE);
		goto out;
	}
	if (err < 0) {
		goto out;
	}
	uccn_crypto_identity_public_key(node->id, node->pk);
	err = open_parts(node, false);
	if (err == UCCN_ENOTFOUND) {
		uccn_log(UCCN_LOG_ERROR, "%s: the node's database %s is missing", home, DB_FILE);
		err = UCCN_ECORRUPT;
	}
	if (err < 0) {
		goto out;
	}
	err = uccn_store_get_meta(node->st, "key", &meta);
	if (err == UCCN_OK &&
		(meta.len != UCCN_KEY_BYTES || memcmp(meta.data, node->pk, meta.len))) {
		uccn_log(UCCN_LOG_ERROR, "%s: the key file does not belong to this database", home);
		err = UCCN_ECORRUPT;
	}
	if (err == UCCN_OK) {
		err = uccn_store_get_meta(node->st, "network", &meta);
		if (err == UCCN_OK && meta.len != UCCN_KEY_BYTES) {
			err = UCCN_ECORRUPT;
		}
	}
	if (err == UCCN_ENOTFOUND) {
		uccn_log(UCCN_LOG_ERROR, "%s: the database is not a node's (settings missing)",
			home);
		err = UCCN_ECORRUPT;
	}
	if (err < 0) {
		goto out;
	}
	memcpy(node->network, meta.data, UCCN_KEY_BYTES);
	if ((err = uccn_changelog_create(node->st, node->network, &node->log)) < 0) {
		goto out;
	}
	uccn_changelog_set_self(node->log, node->pk);
	err = uccn_store_get_meta(node->st, "former", &meta);
	for (size_t i = 0; err == UCCN_OK && i + UCCN_KEY_BYTES <= meta.len; i += UCCN_KEY_BYTES) {
		uccn_changelog_add_former(node->log, meta.data + i);
	}
	if (err < 0 && err != UCCN_ENOTFOUND) {
		goto out;
	}
	if ((err = drop_unheld(node)) < 0) {
		goto out;
	}
	*out = node;
	node = NULL;
out:
	uccn_bytes_finish(&meta);
	uccn_alloc_free(key_path);
	uccn_node_close(node);
	return err;
}

void uccn_node_public_key(const struct uccn_node *node, uint8_t out[UCCN_KEY_BYTES]) {
	memcpy(out, node->pk, UCCN_KEY_BYTES);
}

void uccn_node_network(const struct uccn_node *node, uint8_t out[UCCN_KEY_BYTES]) {
	memcpy(out, node->network, UCCN_KEY_BYTES);
}
