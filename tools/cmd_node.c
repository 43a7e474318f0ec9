/* cmd_node.c - the commands about the node itself: init (a new identity and store in the home,
 * for a city or for the Secretariat that starts a network), whoami, and backup, restore and
 * resume-signing. Records are
 * cmd_records.c's business, files cmd_files.c's, the registry cmd_registry.c's. */
#include "tools/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char init_usage[] =
	"usage: uccn [--home DIR] init --name NAME --country CC --field FIELD [--network HEX64]\n"
	"       uccn [--home DIR] init --secretariat --name NAME\n"
	"\n"
	"Creates a node in the home (made with its parents, mode 0700): a new Ed25519 key pair,\n"
	"the store, and the city's own record as its first change. Prints the public key and\n"
	"the home. Refuses a home that already holds a node.\n"
	"\n"
	"With --secretariat, creates a network instead: the new key is the network's root, and\n"
	"its public key is the network id that cities give to 'init --network'. Prints the\n"
	"network id and the home. The Secretariat is no city, so --country, --field and\n"
	"--network do not go with --secretariat.\n"
	"\n"
	"  --name NAME       the city's name (or the Secretariat's)\n"
	"  --country CC      ISO 3166-1 alpha-2 country code (AU, FR, ...)\n"
	"  --field FIELD     creative field: crafts_folk_art, design, film, gastronomy,\n"
	"                    literature, media_arts, music\n"
	"  --network HEX64   the network id (the Secretariat's root public key). Without it, a\n"
	"                    city's init asks for it when stdin is a terminal; otherwise (or\n"
	"                    answered with an empty line) the node is in no network, syncs\n"
	"                    with nobody, and says so, until 'uccn join NETWORK_ID'\n"
	"  --secretariat     create a network and hold its root key\n";

static const char join_usage[] =
	"usage: uccn [--home DIR] join NETWORK_ID\n"
	"\n"
	"A node made without --network joins the network NETWORK_ID (the Secretariat's public\n"
	"key). What it signed so far names no network, and no node of the network would take\n"
	"it, so every record it owns (its city record first) is signed again under the network\n"
	"id, in a new database; the old one stays in the home as uccn.db.before-join. The key\n"
	"and the remembered peers stay; records other nodes wrote do not come along. Stop any\n"
	"'uccn serve' on the home first. Then sync with the network's hub: the Secretariat sees\n"
	"the city's application and designates it. A node belongs to one network for good.\n";

static const char whoami_usage[] =
	"usage: uccn [--home DIR] whoami [--json]\n"
	"\n"
	"Prints the node's public key as 64 hex digits. With --json:\n"
	"{\"key\": ..., \"network\": ... or null, \"name\": ... or null,\n"
	"\"secretariat\": true or false}.\n";

/* Directories this run made, so a failed init can take them away again. */
struct made_dirs {
	char paths[16][PATH_MAX];
	size_t count;
};

/* mkdir -p with mode 0700 for every folder made: a node's home holds its secret key. */
static int make_dirs(const char *path, struct made_dirs *made) {
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	size_t len = strlen(buf);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0') {
			continue;
		}
		char saved = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0700) == 0) {
			if (made->count < sizeof(made->paths) / sizeof(made->paths[0])) {
				snprintf(made->paths[made->count++], PATH_MAX, "%s", buf);
			}
		} else if (errno != EEXIST) {
			return -1;
		}
		buf[i] = saved;
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static void remove_made_dirs(const struct made_dirs *made) {
	for (size_t i = made->count; i > 0; i--) {
		rmdir(made->paths[i - 1]); /* fails, rightly, if anything was left inside */
	}
}

/* Checks one of init's values against the city kind, so the error names the option and says
 * what is wrong before anything is written. */
static int check_city_option(struct uccn_cli *cli, const char *name, const char *text) {
	struct uccn_value v;
	char buf[256];
	return uccn_cli_option_value(cli, name, "city", name, text, &v, buf, sizeof(buf));
}

/* A city's init without --network, at a terminal: the network id is asked for, since a node in
 * no network syncs with nobody. Returns the line typed into buf, or NULL for none (an empty
 * line, the end of input, or stdin that is no terminal). */
static const char *ask_network(char buf[256]) {
	if (!isatty(STDIN_FILENO)) {
		return NULL;
	}
	fputs("The network id (the Secretariat's public key, 64 hex digits; empty: no network "
	      "for now, 'uccn join' later): ",
		stderr);
	if (fgets(buf, 256, stdin) == NULL) {
		buf[0] = '\0';
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	char *start = buf + strspn(buf, " \t");
	if (start[0] == '\0') {
		fputs("This node belongs to no network until 'uccn join NETWORK_ID'.\n", stderr);
		return NULL;
	}
	return start;
}

int uccn_cmd_init(struct uccn_cli *cli, int argc, char **argv) {
	const char *name = NULL, *country = NULL, *field = NULL, *network_hex = NULL;
	bool secretariat = false;
	const struct uccn_cli_option opts[] = {
		{"name", 0, NULL, &name},
		{"country", 0, NULL, &country},
		{"field", 0, NULL, &field},
		{"network", 0, NULL, &network_hex},
		{"secretariat", 0, &secretariat, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, init_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (secretariat) {
		const char *extra = NULL;
		if (country != NULL) {
			extra = "--country";
		} else if (field != NULL) {
			extra = "--field";
		} else if (network_hex != NULL) {
			extra = "--network";
		}
		if (extra != NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"%s does not go with --secretariat: the Secretariat is no city, "
				"and "
				"its own key is the network id",
				extra);
		}
		if (name == NULL) {
			return uccn_cli_fail(
				cli, UCCN_CLI_USAGE, "--name is required (see 'uccn init --help')");
		}
	} else if (name == NULL || country == NULL || field == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--name, --country and --field are required (see 'uccn init --help')");
	}
	uint8_t network[UCCN_KEY_BYTES];
	char asked[256];
	/* Said once the node is made, so that a refused init prints its one error line only. */
	bool alone = network_hex == NULL && !secretariat &&
		     (network_hex = ask_network(asked)) == NULL && !isatty(STDIN_FILENO);
	if (network_hex != NULL && !uccn_cli_parse_key(cli, "--network", network_hex, network)) {
		return UCCN_CLI_USAGE;
	}
	if ((status = check_city_option(cli, "name", name)) != 0) {
		return status;
	}
	if (!secretariat && ((status = check_city_option(cli, "country", country)) != 0 ||
				    (status = check_city_option(cli, "field", field)) != 0)) {
		return status;
	}
	if ((status = uccn_cli_resolve_home(cli)) != 0) {
		return status;
	}
	static struct made_dirs made; /* static: PATH_MAX paths are too big for the stack */
	made.count = 0;
	if (make_dirs(cli->home, &made) != 0) {
		int e = errno;
		remove_made_dirs(&made);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", cli->home, strerror(e));
	}
	struct uccn_node_init_options o = {
		.name = name,
		.country = country,
		.field = field,
		.network = network_hex != NULL ? network : NULL,
		.secretariat = secretariat,
	};
	struct uccn_node *node = NULL;
	uccn_cli_clear_error(cli);
	int err = uccn_node_init(cli->home, &o, uccn_cli_now_ms(), &node);
	if (err == UCCN_EEXIST) {
		/* Nothing was made: the home was there already. */
		uccn_cli_clear_error(cli);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: a node already exists here (its key is left as it was)", cli->home);
	}
	if (err < 0) {
		remove_made_dirs(&made);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", cli->home, uccn_strerror(err));
	}
	uint8_t key[UCCN_KEY_BYTES];
	char hex[2 * UCCN_KEY_BYTES + 1];
	/* The Secretariat's public key is the network id, and is named so. */
	if (secretariat) {
		uccn_node_network(node, key);
	} else {
		uccn_node_public_key(node, key);
	}
	uccn_node_close(node);
	uccn_text_to_hex(key, sizeof(key), hex);
	char *abs = realpath(cli->home, NULL);
	printf("%s %s\nhome %s\n", secretariat ? "network" : "key", hex,
		abs != NULL ? abs : cli->home);
	if (alone) {
		fprintf(stderr,
			"uccn: init: note: no --network: this node belongs to no network and syncs "
			"with no hub or city until 'uccn join NETWORK_ID'\n");
	}
	free(abs);
	return 0;
}

int uccn_cmd_join(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, join_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t network[1][UCCN_KEY_BYTES];
	const char *const key_names[] = {"NETWORK_ID"};
	if ((status = uccn_cli_key_args(cli, pos, npos, 1, "NETWORK_ID", key_names, network)) !=
			0 ||
		(status = uccn_cli_resolve_home(cli)) != 0) {
		return status;
	}
	struct uccn_error e;
	size_t records = 0;
	uccn_cli_clear_error(cli);
	int err = uccn_node_join(cli->home, network[0], uccn_cli_now_ms(), &records, &e);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_cli_reason(e.msg, err));
	}
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(network[0], UCCN_KEY_BYTES, hex);
	printf("joined network %s: %zu record%s signed again under it (the database before "
	       "is kept as uccn.db.before-join)\n"
	       "Sync with the network's hub ('uccn sync URL'); the Secretariat then designates "
	       "the city.\n",
		hex, records, records == 1 ? "" : "s");
	return 0;
}

struct own_name {
	const uint8_t *key;
	json_t *name;
};

static int find_own_city(void *userdata, const struct uccn_record *r) {
	struct own_name *o = userdata;
	if (memcmp(uccn_record_owner(r), o->key, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	const struct uccn_value *v = uccn_record_field(r, "name");
	if (v != NULL && v->type == UCCN_VALUE_STR && o->name == NULL) {
		o->name = uccn_cli_json_string(v->str, v->str_len);
	}
	return 0;
}

int uccn_cmd_whoami(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{NULL, 0, NULL, NULL},
	};
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, opts, whoami_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t key[UCCN_KEY_BYTES], network[UCCN_KEY_BYTES];
	char key_hex[2 * UCCN_KEY_BYTES + 1], network_hex[2 * UCCN_KEY_BYTES + 1];
	uccn_node_public_key(node, key);
	uccn_node_network(node, network);
	uccn_text_to_hex(key, sizeof(key), key_hex);
	uccn_text_to_hex(network, sizeof(network), network_hex);
	if (!json) {
		printf("%s\n", key_hex);
		uccn_node_close(node);
		return 0;
	}
	struct own_name own = {.key = key};
	int err = uccn_node_list(node, "city", false, find_own_city, &own);
	bool secretariat = uccn_node_is_secretariat(node);
	uccn_node_close(node);
	if (err < 0) {
		json_decref(own.name);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	json_t *j = json_pack("{s:s, s:o, s:o, s:b}", "key", key_hex, "network",
		uccn_cli_is_zero(network, sizeof(network)) ? json_null() : json_string(network_hex),
		"name", own.name != NULL ? own.name : json_null(), "secretariat", secretariat);
	status = uccn_cli_print_json(cli, j, false);
	json_decref(j);
	return status;
}

static const char backup_usage[] =
	"usage: uccn [--home DIR] backup FILE\n"
	"\n"
	"Writes a consistent copy of the node's database to FILE, even while 'uccn serve' runs\n"
	"(what it has committed is in the copy), and the node's secret key to FILE.key, mode\n"
	"0600. The key is the city's identity: keep FILE.key as safe as the home. Neither file\n"
	"may exist. Restore with 'uccn restore FILE'.\n";

static const char restore_usage[] =
	"usage: uccn [--home DIR] restore FILE [--only-copy]\n"
	"\n"
	"Puts the backup FILE in place as the home's database (stop 'uccn serve' first). The\n"
	"home must hold the same node's key, or no key: FILE.key is then put in place. A home\n"
	"that holds another node is refused.\n"
	"\n"
	"A backup may be older than what the node has signed since, and its peers hold those\n"
	"changes: signing again from the backup's head would give two changes one number (a\n"
	"fork). So the restored node signs nothing new until a session with a peer ('uccn sync\n"
	"URL', or 'uccn serve') has given its own changes back.\n"
	"\n"
	"  --only-copy   this backup is the only copy of the node: sign again at once\n";

static const char resume_signing_usage[] =
	"usage: uccn [--home DIR] resume-signing\n"
	"\n"
	"A node that may lack its own newer changes (restored, its database's last commits lost,\n"
	"or a peer showed more of them) signs nothing until a session has given them back. If no\n"
	"peer holds them, because this is truly the only copy of the node, this lets it sign\n"
	"again after what its store holds. A change it signed past that and that a peer does hold\n"
	"would then be met by another with the same number: a fork.\n";

int uccn_cmd_backup(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, backup_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos != 1) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "missing FILE (see 'uccn backup --help')");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct uccn_node_signing sign;
	uccn_cli_clear_error(cli);
	int err = uccn_node_signing(node, &sign);
	if (err == UCCN_OK) {
		err = uccn_node_backup(node, pos[0]);
	}
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s", uccn_cli_reason(uccn_node_errmsg(node), err));
	}
	uccn_node_close(node);
	if (err < 0) {
		return status;
	}
	printf("backup %s (this node's changes up to #%llu)\n", pos[0],
		(unsigned long long)sign.head);
	printf("key %s.key (the node's secret key, mode 0600: keep it as safe as the home)\n",
		pos[0]);
	return 0;
}

int uccn_cmd_restore(struct uccn_cli *cli, int argc, char **argv) {
	bool only_copy = false;
	const struct uccn_cli_option opts[] = {
		{"only-copy", 0, &only_copy, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, restore_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos != 1) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "missing FILE (see 'uccn restore --help')");
	}
	if ((status = uccn_cli_resolve_home(cli)) != 0) {
		return status;
	}
	struct uccn_error e;
	uccn_cli_clear_error(cli);
	int err = uccn_node_restore(cli->home, pos[0], only_copy, &e);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_cli_reason(e.msg, err));
	}
	printf("restored %s into %s\n", pos[0], cli->home);
	if (!only_copy) {
		printf("this node signs nothing new until a session with a peer has given back its "
		       "own newer changes: run 'uccn sync URL' (or 'uccn serve')\n");
	}
	return 0;
}

int uccn_cmd_resume_signing(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status =
		uccn_cli_parse_and_open(cli, argc, argv, NULL, resume_signing_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	struct uccn_node_signing before, after;
	uccn_cli_clear_error(cli);
	int err = uccn_node_signing(node, &before);
	if (err == UCCN_OK) {
		err = uccn_node_resume_signing(node);
	}
	if (err == UCCN_OK) {
		err = uccn_node_signing(node, &after);
	}
	uccn_node_close(node);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	if (before.may_sign) {
		printf("this node could already sign: its next change is #%llu\n",
			(unsigned long long)after.head + 1);
	} else {
		printf("this node signs again: its next change is #%llu\n",
			(unsigned long long)after.head + 1);
	}
	return 0;
}
