/* cmd_secretariat.c - the Secretariat's commands: designate, withdraw, role, confirm-rotation,
 * revoke and relay, which write the registry, and registry witness-add and witness-submit, which
 * name external witnesses and submit checkpoints to them; with a city's rotate-key, the half of a
 * key rotation the Secretariat confirms. Who may write what is the node's business; this file
 * reads arguments, calls the node and reports. The registry's queries are cmd_registry.c's. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char designate_usage[] =
	"usage: uccn [--home DIR] designate CITY_KEY --name NAME --country CC --field FIELD\n"
	"                                   --year YEAR\n"
	"\n"
	"The Secretariat designates a city: CITY_KEY (64 hex digits, the key the city's\n"
	"'uccn whoami' prints) becomes a member of the network in the creative FIELD, as\n"
	"of YEAR. Signs the designation and a new tree head over the registry. Refused on a\n"
	"node that is not the Secretariat, and for a city that is a member already.\n"
	"\n"
	"  --name NAME      the city's name\n"
	"  --country CC     ISO 3166-1 alpha-2 country code (AU, FR, ...)\n"
	"  --field FIELD    crafts_folk_art, design, film, gastronomy, literature, media_arts,\n"
	"                   music\n"
	"  --year YEAR      the year of designation\n";

static const char withdraw_usage[] =
	"usage: uccn [--home DIR] withdraw CITY_KEY --reason TEXT\n"
	"\n"
	"The Secretariat withdraws a city's designation. The city's changes up to the last one\n"
	"this node holds stay valid; later ones are refused everywhere. Signs a new tree head.\n";

static const char role_usage[] =
	"usage: uccn [--home DIR] role CITY_KEY --field FIELD --as ROLE --from DATE --to DATE\n"
	"\n"
	"The Secretariat records a city's role in the sub-network of a creative field for a\n"
	"mandate. ROLE is coordinator or deputy; dates are YYYY-MM-DD. A role is a signed record\n"
	"of the Secretariat, not a leaf of the registry's tree: the tree head does not change.\n";

static const char rotate_key_usage[] =
	"usage: uccn [--home DIR] rotate-key\n"
	"\n"
	"A city moves to a new key pair: signs with the old key a change naming the new key,\n"
	"and from then on signs with the new one (the old key file is kept in the home).\n"
	"Prints the new key. Other nodes take the new key's changes once the Secretariat has\n"
	"confirmed the rotation: export, carry the file to the Secretariat, who imports it and\n"
	"runs 'uccn confirm-rotation OLD_KEY NEW_KEY'.\n";

static const char confirm_rotation_usage[] =
	"usage: uccn [--home DIR] confirm-rotation OLD_KEY NEW_KEY\n"
	"\n"
	"The Secretariat confirms a city's key rotation, whose change (signed by OLD_KEY,\n"
	"naming NEW_KEY) it has imported. Changes made under the old key up to the rotation stay\n"
	"valid. Signs a new tree head.\n";

static const char revoke_usage[] =
	"usage: uccn [--home DIR] revoke KEY --cutoff N [--successor NEW_KEY] --reason TEXT\n"
	"\n"
	"The Secretariat revokes a compromised key: its changes after sequence number N are\n"
	"refused everywhere (those up to N stay). With --successor, NEW_KEY becomes the city's\n"
	"key. Signs a new tree head.\n";

static const char relay_usage[] =
	"usage: uccn [--home DIR] relay add KEY\n"
	"       uccn [--home DIR] relay remove KEY\n"
	"\n"
	"The Secretariat names KEY, a node of its own, a relay (or no longer one). A relay\n"
	"receives what is meant for the Secretariat alone (monitoring reports, records marked\n"
	"audience=secretariat), like the Secretariat's hub. Signs a new tree head.\n";

static const char witness_add_usage[] =
	"usage: uccn [--home DIR] registry witness-add URL VKEY\n"
	"\n"
	"The Secretariat names an external witness that speaks C2SP tlog-witness: its\n"
	"submission URL (http://HOST[:PORT][/PREFIX]; add-checkpoint is posted below it) and\n"
	"its verifier key (NAME+KEYID+BASE64). Adding a name again replaces it.\n";

static const char witness_submit_usage[] =
	"usage: uccn [--home DIR] registry witness-submit\n"
	"\n"
	"The Secretariat submits its newest checkpoint, with a consistency proof from the last\n"
	"one each witness cosigned, to every external witness, and keeps their cosignatures\n"
	"beside the cities' (they travel to every node and into every proof). Prints one line\n"
	"per witness; exits 1 if any did not cosign.\n";

static void print_witness_result(void *userdata, const struct uccn_witness_result *r);

/* After a write that signed a new checkpoint: prints the newest tree head, on its own line,
 * then submits the checkpoint to every external witness the Secretariat named (PROTOCOL.md
 * §9.15), one line each, so that each checkpoint is witnessed as it is made and nobody has to
 * remember to. The write stands whatever the witnesses answer: one that did not cosign is a
 * warning, and 'registry witness-submit' tries again later. */
static void after_registry_write(struct uccn_cli *cli, struct uccn_node *node) {
	struct uccn_tree_head h;
	if (uccn_node_tree_head(node, &h) == UCCN_OK) {
		uccn_cli_print_tree_head(stdout, &h);
		fputc('\n', stdout);
	}
	int missing = 0;
	int n = uccn_node_witnesses_submit(node, uccn_cli_now_ms(), print_witness_result, &missing);
	if (n < 0 && n != UCCN_ENOTFOUND) {
		fprintf(stderr, "uccn: %s: warning: the checkpoint was not submitted to the external "
				"witnesses (%s); 'uccn registry witness-submit' tries again\n",
			cli->command, uccn_strerror(n));
	} else if (missing > 0) {
		fprintf(stderr, "uccn: %s: warning: %d external witness%s did not cosign; 'uccn "
				"registry witness-submit' tries again\n",
			cli->command, missing, missing == 1 ? "" : "es");
	}
}

/* The failure line of a Secretariat command. A node that is not the Secretariat is told so in
 * plain words; otherwise the node's own reason is the most precise. */
static int secretariat_error(
	struct uccn_cli *cli, struct uccn_node *node, int err, const char *action) {
	const char *why = uccn_node_errmsg(node);
	if (err == UCCN_EPERM && !uccn_node_is_secretariat(node)) {
		cli->last_error[0] = '\0';
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"not permitted: only the Secretariat (the network's root key) can %s; this "
			"node is not it",
			action);
	}
	if (why[0] != '\0') {
		const char *what = uccn_strerror(err);
		if (strstr(why, what) != NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", why);
		}
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", what, why);
	}
	return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
}

/* Prints a city as "Adelaide (abcdef0123456789…)" when the registry knows it, else its key. */
static void print_city(struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES]) {
	struct uccn_cli_member m = uccn_cli_lookup_member(node, city);
	if (m.found) {
		uccn_cli_print_text(stdout, m.name, strlen(m.name), true);
		printf(" (%s)", uccn_cli_short_key(city).s);
	} else {
		fputs(uccn_cli_short_key(city).s, stdout);
	}
}

/* The opening the commands on one key share: the command line parsed with opts, its one key
 * argument (key_name in errors) read into key, and the first nrequired options (at most 4)
 * required. Returns 0, with *done set when --help was answered, or the exit status of the
 * error line. */
static int key_and_options(struct uccn_cli *cli, int argc, char **argv,
	const struct uccn_cli_option *opts, size_t nrequired, const char *usage,
	const char *key_name, uint8_t key[UCCN_KEY_BYTES], bool *done) {
	char *pos[2];
	size_t npos;
	int status = uccn_cli_parse(cli, argc, argv, opts, usage, pos, 2, &npos, done);
	if (status != 0 || *done) {
		return status;
	}
	const char *names[4], *values[4];
	for (size_t i = 0; i < nrequired && i < 4; i++) {
		names[i] = opts[i].name;
		values[i] = *opts[i].value;
	}
	uint8_t keys[1][UCCN_KEY_BYTES];
	const char *const key_names[] = {key_name};
	if ((status = uccn_cli_key_args(cli, pos, npos, 1, key_name, key_names, keys)) != 0 ||
		(status = uccn_cli_require(cli, names, values, nrequired)) != 0) {
		return status;
	}
	memcpy(key, keys[0], UCCN_KEY_BYTES);
	return 0;
}

int uccn_cmd_designate(struct uccn_cli *cli, int argc, char **argv) {
	const char *name = NULL, *country = NULL, *field = NULL, *year = NULL;
	const struct uccn_cli_option opts[] = {
		{"name", 0, NULL, &name},
		{"country", 0, NULL, &country},
		{"field", 0, NULL, &field},
		{"year", 0, NULL, &year},
		{NULL, 0, NULL, NULL},
	};
	uint8_t city[1][UCCN_KEY_BYTES];
	bool done;
	int status = key_and_options(
		cli, argc, argv, opts, 4, designate_usage, "CITY_KEY", city[0], &done);
	if (status != 0 || done) {
		return status;
	}
	const char *const names[] = {"name", "country", "field", "year"};
	const char *const values[] = {name, country, field, year};
	struct uccn_value v[4];
	char bufs[4][256];
	for (size_t i = 0; i < 4; i++) {
		status = uccn_cli_option_value(
			cli, names[i], "designation", names[i], values[i], &v[i], bufs[i], 256);
		if (status != 0) {
			return status;
		}
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(node, network);
	if (memcmp(network, city[0], UCCN_KEY_BYTES) == 0) {
		/* Most likely the network id pasted for the city's key. */
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"CITY_KEY is the network id (the Secretariat's own key), not a city's key");
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_designate(
		node, city[0], v[0].str, v[1].str, v[2].str, (int)v[3].i, uccn_cli_now_ms());
	if (err == UCCN_EEXIST) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s is a member already (its designation is active)",
			uccn_cli_short_key(city[0]).s);
	} else if (err < 0) {
		status = secretariat_error(cli, node, err, "designate a city");
	} else {
		fputs("designated ", stdout);
		uccn_cli_print_text(stdout, v[0].str, strlen(v[0].str), true);
		printf(" (%s, %s, %lld) %s\n", v[1].str, v[2].str, (long long)v[3].i,
			uccn_cli_short_key(city[0]).s);
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

int uccn_cmd_withdraw(struct uccn_cli *cli, int argc, char **argv) {
	const char *reason = NULL;
	const struct uccn_cli_option opts[] = {
		{"reason", 0, NULL, &reason},
		{NULL, 0, NULL, NULL},
	};
	uint8_t city[1][UCCN_KEY_BYTES];
	bool done;
	int status = key_and_options(
		cli, argc, argv, opts, 1, withdraw_usage, "CITY_KEY", city[0], &done);
	if (status != 0 || done) {
		return status;
	}
	struct uccn_value v;
	char buf[16384 + 1];
	status = uccn_cli_option_value(
		cli, "reason", "designation", "reason", reason, &v, buf, sizeof(buf));
	if (status != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_withdraw(node, city[0], v.str, uccn_cli_now_ms());
	if (err == UCCN_ENOTMEMBER || err == UCCN_ENOTFOUND) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s is not a member (no active designation here)",
			uccn_cli_short_key(city[0]).s);
	} else if (err < 0) {
		status = secretariat_error(cli, node, err, "withdraw a designation");
	} else {
		struct uccn_cli_member m = uccn_cli_lookup_member(node, city[0]);
		fputs("withdrew ", stdout);
		print_city(node, city[0]);
		if (m.found) {
			printf(": changes signed by %s after #%llu are refused, earlier ones stay",
				uccn_cli_short_key(m.key).s, (unsigned long long)m.cutoff);
		}
		fputc('\n', stdout);
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

int uccn_cmd_role(struct uccn_cli *cli, int argc, char **argv) {
	const char *field = NULL, *role = NULL, *from = NULL, *to = NULL;
	const struct uccn_cli_option opts[] = {
		{"field", 0, NULL, &field},
		{"as", 0, NULL, &role},
		{"from", 0, NULL, &from},
		{"to", 0, NULL, &to},
		{NULL, 0, NULL, NULL},
	};
	uint8_t city[1][UCCN_KEY_BYTES];
	bool done;
	int status =
		key_and_options(cli, argc, argv, opts, 4, role_usage, "CITY_KEY", city[0], &done);
	if (status != 0 || done) {
		return status;
	}
	const char *const options[] = {"field", "as", "from", "to"};
	const char *const fields[] = {"field", "role", "from", "to"};
	const char *const values[] = {field, role, from, to};
	struct uccn_value v[4];
	char bufs[4][64];
	for (size_t i = 0; i < 4; i++) {
		status = uccn_cli_option_value(
			cli, options[i], "role", fields[i], values[i], &v[i], bufs[i], 64);
		if (status != 0) {
			return status;
		}
	}
	/* The schema's rule (PROTOCOL.md §9.2, spans), said in the options' words before the
	 * node is opened. */
	struct uccn_error e;
	const struct uccn_field span[2] = {{.name = "from", .name_len = 4, .value = v[2]},
		{.name = "to", .name_len = 2, .value = v[3]}};
	if (uccn_schema_check_together(uccn_schema_kind("role"), span, 2, &e) < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "--to: %s", e.msg);
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_role(
		node, city[0], v[0].str, v[1].str, v[2].str, v[3].str, uccn_cli_now_ms());
	if (err < 0) {
		status = secretariat_error(cli, node, err, "record a role");
	} else {
		print_city(node, city[0]);
		printf(" is %s of the %s sub-network from %s to %s\n", v[1].str, v[0].str, v[2].str,
			v[3].str);
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

int uccn_cmd_rotate_key(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, NULL, rotate_key_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t old_key[UCCN_KEY_BYTES], new_key[UCCN_KEY_BYTES], network[UCCN_KEY_BYTES];
	uccn_node_public_key(node, old_key);
	uccn_node_network(node, network);
	uccn_cli_clear_error(cli);
	int err = uccn_node_rotate_key(node, uccn_cli_now_ms(), new_key);
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s", uccn_cli_reason(uccn_node_errmsg(node), err));
	}
	uccn_node_close(node);
	if (err < 0) {
		return status;
	}
	char old_hex[2 * UCCN_KEY_BYTES + 1], new_hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(old_key, UCCN_KEY_BYTES, old_hex);
	uccn_text_to_hex(new_key, UCCN_KEY_BYTES, new_hex);
	printf("key %s\nold key %s (its key file is kept in the home)\n", new_hex, old_hex);
	if (uccn_cli_is_zero(network, UCCN_KEY_BYTES)) {
		fputs("This node belongs to no network: the rotation travels with its exports.\n",
			stdout);
		return 0;
	}
	printf("Other cities take changes signed by the new key once the Secretariat confirms it:\n"
	       "export, carry the file to the Secretariat, who imports it and runs\n"
	       "  uccn confirm-rotation %s %s\n",
		old_hex, new_hex);
	return 0;
}

int uccn_cmd_confirm_rotation(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[3];
	size_t npos;
	bool done;
	int status =
		uccn_cli_parse(cli, argc, argv, NULL, confirm_rotation_usage, pos, 3, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t keys[2][UCCN_KEY_BYTES];
	const char *const key_names[] = {"OLD_KEY", "NEW_KEY"};
	if ((status = uccn_cli_key_args(cli, pos, npos, 2, "OLD_KEY NEW_KEY", key_names, keys)) !=
		0) {
		return status;
	}
	if (memcmp(keys[0], keys[1], UCCN_KEY_BYTES) == 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "OLD_KEY and NEW_KEY are the same key");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_confirm_rotation(node, keys[0], keys[1], uccn_cli_now_ms());
	if (err == UCCN_ENOTFOUND && uccn_node_errmsg(node)[0] == '\0') {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"no rotation from %s to %s here: import the city's export first",
			uccn_cli_short_key(keys[0]).s, uccn_cli_short_key(keys[1]).s);
	} else if (err < 0) {
		status = secretariat_error(cli, node, err, "confirm a key rotation");
	} else {
		fputs("confirmed: ", stdout);
		print_city(node, keys[0]);
		printf(" now signs with %s; its changes under the old key up to the rotation stay "
		       "valid\n",
			uccn_cli_short_key(keys[1]).s);
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

/* Parses a sequence number: decimal digits only, no sign, no overflow. */
static bool parse_seq(const char *text, uint64_t *out) {
	if (text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0') {
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

int uccn_cmd_relay(struct uccn_cli *cli, int argc, char **argv) {
	const struct uccn_cli_option opts[] = {{NULL, 0, NULL, NULL}};
	char *pos[3];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, relay_usage, pos, 3, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	bool add = npos > 0 && strcmp(pos[0], "add") == 0;
	if (npos == 0 || (!add && strcmp(pos[0], "remove") != 0)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"expected add KEY or remove KEY (see 'uccn relay --help')");
	}
	uint8_t key[1][UCCN_KEY_BYTES];
	const char *const key_names[] = {"KEY"};
	if ((status = uccn_cli_key_args(cli, pos + 1, npos - 1, 1, "KEY", key_names, key)) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_relay(node, key[0], add, uccn_cli_now_ms());
	if (err < 0) {
		status = secretariat_error(cli, node, err, add ? "add a relay" : "remove a relay");
	} else {
		if (add) {
			printf("relay %s added: it receives what is meant for the Secretariat "
			       "alone\n",
				uccn_cli_short_key(key[0]).s);
		} else {
			printf("relay %s removed\n", uccn_cli_short_key(key[0]).s);
		}
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

int uccn_cmd_revoke(struct uccn_cli *cli, int argc, char **argv) {
	const char *cutoff_text = NULL, *successor_hex = NULL, *reason = NULL;
	const struct uccn_cli_option opts[] = {
		{"cutoff", 0, NULL, &cutoff_text},
		{"reason", 0, NULL, &reason}, /* the required ones first: key_and_options */
		{"successor", 0, NULL, &successor_hex},
		{NULL, 0, NULL, NULL},
	};
	uint8_t key[1][UCCN_KEY_BYTES];
	bool done;
	int status = key_and_options(cli, argc, argv, opts, 2, revoke_usage, "KEY", key[0], &done);
	if (status != 0 || done) {
		return status;
	}
	uint64_t cutoff;
	if (!parse_seq(cutoff_text, &cutoff)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--cutoff: expected a sequence number (0 or more), got '%s'", cutoff_text);
	}
	uint8_t successor[UCCN_KEY_BYTES];
	if (successor_hex != NULL &&
		!uccn_cli_parse_key(cli, "--successor", successor_hex, successor)) {
		return UCCN_CLI_USAGE;
	}
	if (successor_hex != NULL && memcmp(successor, key[0], UCCN_KEY_BYTES) == 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "--successor: a key cannot succeed itself");
	}
	struct uccn_value v;
	char buf[16384 + 1];
	status = uccn_cli_option_value(
		cli, "reason", "designation", "reason", reason, &v, buf, sizeof(buf));
	if (status != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_revoke(node, key[0], cutoff, successor_hex != NULL ? successor : NULL,
		v.str, uccn_cli_now_ms());
	if (err < 0) {
		status = secretariat_error(cli, node, err, "revoke a key");
	} else {
		printf("revoked %s: its changes after #%llu are refused",
			uccn_cli_short_key(key[0]).s, (unsigned long long)cutoff);
		if (successor_hex != NULL) {
			printf("; %s signs for the city now", uccn_cli_short_key(successor).s);
		}
		fputc('\n', stdout);
		after_registry_write(cli, node);
	}
	uccn_node_close(node);
	return status;
}

int uccn_cmd_registry_witness_add(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[3];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, witness_add_usage, pos, 3, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos != 2) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"expected URL and VKEY (see 'uccn registry witness-add --help')");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_witness_add(node, pos[0], pos[1]);
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s", uccn_cli_reason(uccn_node_errmsg(node), err));
	}
	uccn_node_close(node);
	if (err < 0) {
		return status;
	}
	printf("witness %s added\n", pos[0]);
	return 0;
}

static void print_witness_result(void *userdata, const struct uccn_witness_result *r) {
	int *missing = userdata;
	if (r->cosigned) {
		printf("%s (%s): cosigned the checkpoint of size %llu\n", r->name, r->url,
			(unsigned long long)r->size);
		return;
	}
	(*missing)++;
	if (r->http_status != 0) {
		printf("%s (%s): no cosignature (HTTP %d)\n", r->name, r->url, r->http_status);
	} else {
		printf("%s (%s): no answer (%s)\n", r->name, r->url, uccn_strerror(r->err));
	}
}

int uccn_cmd_registry_witness_submit(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status =
		uccn_cli_parse_and_open(cli, argc, argv, NULL, witness_submit_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	int missing = 0;
	uccn_cli_clear_error(cli);
	int n = uccn_node_witnesses_submit(node, uccn_cli_now_ms(), print_witness_result, &missing);
	uccn_node_close(node);
	if (n == UCCN_EPERM) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"not permitted: only the Secretariat's node submits its checkpoints");
	}
	if (n == UCCN_ENOTFOUND) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "no signed checkpoint here yet");
	}
	if (n < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(n));
	}
	if (n == 0 && missing == 0) {
		printf("no external witness (add one with 'uccn registry witness-add URL VKEY')\n");
	}
	if (missing > 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%d witness%s did not cosign", missing,
			missing == 1 ? "" : "es");
	}
	return 0;
}
