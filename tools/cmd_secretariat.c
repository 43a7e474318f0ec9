/* cmd_secretariat.c - the Secretariat's commands: designate, withdraw, role, confirm-rotation,
 * revoke and relay, which write the registry, and registry witness-add and witness-submit, which
 * name external witnesses and submit checkpoints to them; with a city's rotate-key, the half of a
 * key rotation the Secretariat confirms. Who may write what is the node's business; this file
 * reads arguments, calls the node and reports. The registry's queries are cmd_registry.c's. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tools/cli_csv.h"
#include "tools/cli_text.h"

static const char designate_usage[] =
	"usage: uccn [--home DIR] designate CITY_KEY --name NAME --country CC --field FIELD\n"
	"                                   --year YEAR\n"
	"       uccn [--home DIR] designate --from-held CITY_KEY [--year YEAR] [--name NAME]\n"
	"                                   [--country CC] [--field FIELD] [--dry-run]\n"
	"       uccn [--home DIR] designate --csv FILE [--year YEAR] [--dry-run]\n"
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
	"  --year YEAR      the year of designation (--from-held: this year if not given;\n"
	"                   --csv: for the rows that leave it empty)\n"
	"  --from-held KEY  take the name, country and field from the city record KEY sent\n"
	"                   before its designation (see 'uccn applications'); the options\n"
	"                   given override them\n"
	"  --csv FILE       designate every city of a CSV file (\"-\": stdin) at once, in one\n"
	"                   transaction under one signed tree head. Its first line names the\n"
	"                   columns: city (or name), country, field, year, key; other columns\n"
	"                   are ignored. UTF-8 with or without a byte-order mark, CRLF or LF,\n"
	"                   quoted fields as RFC 4180. A row without a key is the application\n"
	"                   of the city of that name (and field) waiting here, which also\n"
	"                   gives the country the row leaves empty. Every row is checked first:\n"
	"                   one that fails is named by its line and nothing is written. A city\n"
	"                   that is a member already is skipped with a note, so a second run of\n"
	"                   the same file designates only what is new\n"
	"  --dry-run        check everything and print what would be designated; write nothing\n";

static const char applications_usage[] =
	"usage: uccn [--home DIR] applications [--json]\n"
	"\n"
	"Lists the applications this node holds: the keys that are not members whose own city\n"
	"record waits in the held changes (a city syncs with the hub before it is designated),\n"
	"by name: name, country, field, key, and how many of its changes are held. 'uccn\n"
	"designate --from-held KEY' designates one with what it sent.\n"
	"  --json  one JSON array of {\"key\", \"name\", \"country\", \"field\", \"website\",\n"
	"          \"focal_point\", \"email\", \"written\" (when the city signed its record),\n"
	"          \"held\", \"withdrawn\"}\n";

static const char reports_usage[] =
	"usage: uccn [--home DIR] reports --period YYYY-YYYY [--csv [--bom]]\n"
	"\n"
	"For each member city, by name: its Membership Monitoring Report for the period (the\n"
	"report's id and when it was last changed), or that it has none. Reports travel to the\n"
	"Secretariat alone, so the full list is the Secretariat's (or a relay's); another node\n"
	"knows only its own city's. 'uccn get report ID' shows a report's text.\n"
	"  --period P  the four years the report covers, as the report's period field says\n"
	"              (2020-2024)\n"
	"  --csv       RFC 4180 CSV: name,country,field,key,period,status,report,updated (status:\n"
	"              filed or missing); --bom starts it with the UTF-8 byte-order mark\n";

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

/* ---- applications: the city records of keys not yet designated ----------------------------- */

/* One application, copied out of the borrowed view. */
struct app_row {
	uint8_t key[UCCN_KEY_BYTES];
	char *text[6]; /* name, country, field, website, focal_point, email */
	uint64_t hlc, held;
	bool withdrawn;
};
enum { APP_NAME, APP_COUNTRY, APP_FIELD, APP_WEBSITE, APP_FOCAL_POINT, APP_EMAIL };
static const char *const app_names[6] = {
	"name", "country", "field", "website", "focal_point", "email"};

struct apps {
	struct app_row *rows;
	size_t n, cap;
};

static void apps_finish(struct apps *as) {
	for (size_t i = 0; i < as->n; i++) {
		for (size_t k = 0; k < 6; k++) {
			free(as->rows[i].text[k]);
		}
	}
	free(as->rows);
	memset(as, 0, sizeof(*as));
}

static int collect_app(void *userdata, const struct uccn_application *a) {
	struct apps *as = userdata;
	struct app_row *rows = uccn_cli_grow(as->rows, as->n, &as->cap, sizeof(*rows));
	if (rows == NULL) {
		return UCCN_ENOMEM;
	}
	as->rows = rows;
	struct app_row *row = &as->rows[as->n++];
	memset(row, 0, sizeof(*row));
	const char *const text[6] = {
		a->name, a->country, a->field, a->website, a->focal_point, a->email};
	for (size_t k = 0; k < 6; k++) {
		if ((row->text[k] = strdup(uccn_cli_or_empty(text[k]))) == NULL) {
			return UCCN_ENOMEM;
		}
	}
	memcpy(row->key, a->key, UCCN_KEY_BYTES);
	row->hlc = a->hlc;
	row->held = a->held;
	row->withdrawn = a->withdrawn;
	return 0;
}

static int load_apps(struct uccn_cli *cli, struct uccn_node *node, struct apps *as) {
	uccn_cli_clear_error(cli);
	int err = uccn_node_applications(node, collect_app, as);
	if (err < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "reading the applications: %s", uccn_strerror(err));
	}
	return 0;
}

static const struct app_row *find_app(const struct apps *as, const uint8_t key[UCCN_KEY_BYTES]) {
	for (size_t i = 0; i < as->n; i++) {
		if (memcmp(as->rows[i].key, key, UCCN_KEY_BYTES) == 0) {
			return &as->rows[i];
		}
	}
	return NULL;
}

static json_t *app_json(const struct app_row *row) {
	char key[2 * UCCN_KEY_BYTES + 1], written[32];
	uccn_text_to_hex(row->key, UCCN_KEY_BYTES, key);
	uccn_cli_format_hlc(row->hlc, written, sizeof(written));
	json_t *o = json_object();
	bool ok = o != NULL && json_object_set_new(o, "key", json_string(key)) == 0;
	for (size_t k = 0; ok && k < 6; k++) {
		json_t *v = uccn_cli_json_string(row->text[k], strlen(row->text[k]));
		ok = v != NULL && json_object_set_new(o, app_names[k], v) == 0;
	}
	ok = ok && json_object_set_new(o, "written", json_string(written)) == 0;
	ok = ok && json_object_set_new(o, "held", json_integer((json_int_t)row->held)) == 0;
	ok = ok && json_object_set_new(o, "withdrawn", json_boolean(row->withdrawn)) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One application a line: name, country and field in columns, then the whole key (what
 * designate --from-held takes) and how many changes wait. */
static void print_apps(const struct apps *as) {
	size_t width[3] = {0};
	for (size_t i = 0; i < as->n; i++) {
		for (size_t k = APP_NAME; k <= APP_FIELD; k++) {
			size_t w = uccn_cli_text_width(as->rows[i].text[k]);
			width[k] = w > width[k] ? w : width[k];
		}
	}
	for (size_t i = 0; i < as->n; i++) {
		const struct app_row *row = &as->rows[i];
		for (size_t k = APP_NAME; k <= APP_FIELD; k++) {
			const char *t = row->text[k][0] != '\0' ? row->text[k] : "-";
			uccn_cli_print_text(stdout, t, strlen(t), true);
			printf("%*s  ",
				(int)(width[k] > uccn_cli_text_width(t)
						? width[k] - uccn_cli_text_width(t)
						: 0),
				"");
		}
		char key[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(row->key, UCCN_KEY_BYTES, key);
		printf("%s  %llu held%s\n", key, (unsigned long long)row->held,
			row->withdrawn ? ", withdrawn before" : "");
	}
}

int uccn_cmd_applications(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{NULL, 0, NULL, NULL},
	};
	struct uccn_node *node = NULL;
	bool done;
	int status =
		uccn_cli_parse_and_open(cli, argc, argv, opts, applications_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	struct apps as = {0};
	status = load_apps(cli, node, &as);
	uccn_node_close(node);
	if (status == 0 && json) {
		json_t *list = json_array();
		bool ok = list != NULL;
		for (size_t i = 0; ok && i < as.n; i++) {
			json_t *o = app_json(&as.rows[i]);
			ok = o != NULL && json_array_append_new(list, o) == 0;
		}
		status = uccn_cli_print_json(cli, ok ? list : NULL, true);
		json_decref(list);
	} else if (status == 0) {
		print_apps(&as);
		if (as.n == 0) {
			fputs("no applications: no city record waits here from a key that is not "
			      "a member\n",
				stdout);
		}
	}
	apps_finish(&as);
	return status;
}

/* ---- designate: one city, one from its application, or a CSV file of them -------------------- */

/* What designate writes of one city; the strings are copies (the CSV's fields are borrowed for
 * one row only). */
struct plan {
	size_t line; /* of the CSV file; 0 on the command line */
	uint8_t key[UCCN_KEY_BYTES];
	char name[256], country[8], field[32];
	int year;
	bool skip; /* a member already */
};

static void print_plan(const char *verb, const struct plan *p) {
	printf("%s ", verb);
	uccn_cli_print_text(stdout, p->name, strlen(p->name), true);
	printf(" (%s, %s, %d) %s\n", p->country, p->field, p->year, uccn_cli_short_key(p->key).s);
}

/* Checks one designation's option or column text as the schema reads it ("Media Arts" gives
 * media_arts) into buf; 0, or -1 with why naming what. */
static int plan_value(const char *what, const char *field, const char *text, char *buf,
	size_t buf_len, int *year, char *why, size_t why_len) {
	struct uccn_value v;
	char reason[256];
	if (uccn_cli_text_value(
		    "designation", field, text, &v, buf, buf_len, reason, sizeof(reason)) < 0) {
		snprintf(why, why_len, "%s: %s", what, reason);
		return -1;
	}
	if (year != NULL) {
		*year = (int)v.i;
	}
	return 0;
}

/* Writes the plans (those not skipped) at once under one tree head, or prints what would be
 * written. */
static int designate_plans(struct uccn_cli *cli, struct uccn_node *node, struct plan *plans,
	size_t n, bool dry_run, const char *source) {
	size_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		todo += !plans[i].skip;
	}
	if (todo == 0) {
		printf("nothing to designate: every city %s names is a member already\n", source);
		return 0;
	}
	struct uccn_designation *list = calloc(todo, sizeof(*list));
	size_t *index = calloc(todo, sizeof(*index));
	if (list == NULL || index == NULL) {
		free(list);
		free(index);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!plans[i].skip) {
			memcpy(list[k].city, plans[i].key, UCCN_KEY_BYTES);
			list[k].name = plans[i].name;
			list[k].country = plans[i].country;
			list[k].field = plans[i].field;
			list[k].year = plans[i].year;
			index[k++] = i;
		}
	}
	int status = 0;
	if (dry_run) {
		for (size_t i = 0; i < todo; i++) {
			print_plan("would designate", &plans[index[i]]);
		}
		printf("dry run: %zu cit%s would be designated under one new tree head; nothing "
		       "was written\n",
			todo, todo == 1 ? "y" : "ies");
		goto out;
	}
	size_t failed = 0;
	uccn_cli_clear_error(cli);
	int err = uccn_node_designate_many(node, list, todo, uccn_cli_now_ms(), &failed);
	if (err < 0 && failed < todo && plans[index[failed]].line > 0) {
		/* Checked before: only a change since (another process) gets here. */
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "line %zu: %s; nothing was designated",
			plans[index[failed]].line, uccn_cli_reason(uccn_node_errmsg(node), err));
	} else if (err == UCCN_EEXIST && n == 1) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s is a member already (its designation is active)",
			uccn_cli_short_key(plans[0].key).s);
	} else if (err < 0) {
		status = secretariat_error(cli, node, err, "designate a city");
	} else {
		for (size_t i = 0; i < todo; i++) {
			print_plan("designated", &plans[index[i]]);
		}
		if (plans[0].line > 0) {
			printf("designated %zu cit%s under one tree head\n", todo,
				todo == 1 ? "y" : "ies");
		}
		after_registry_write(cli, node);
	}
out:
	free(list);
	free(index);
	return status;
}

/* The active members, for a row without a key that names a city designated already. */
struct known {
	uint8_t city[UCCN_KEY_BYTES];
	char *name, *field;
};
struct knowns {
	struct known *rows;
	size_t n, cap;
};

static int collect_known(void *userdata, const struct uccn_member *m) {
	struct knowns *ks = userdata;
	if (!m->active) {
		return 0;
	}
	struct known *rows = uccn_cli_grow(ks->rows, ks->n, &ks->cap, sizeof(*rows));
	if (rows == NULL) {
		return UCCN_ENOMEM;
	}
	ks->rows = rows;
	struct known *k = &ks->rows[ks->n++];
	memcpy(k->city, m->city, UCCN_KEY_BYTES);
	k->name = strdup(uccn_cli_or_empty(m->name));
	k->field = strdup(uccn_cli_or_empty(m->field));
	return k->name != NULL && k->field != NULL ? 0 : UCCN_ENOMEM;
}

static void knowns_finish(struct knowns *ks) {
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->rows[i].name);
		free(ks->rows[i].field);
	}
	free(ks->rows);
}

/* The columns designate --csv reads, by header name. */
enum { COL_NAME, COL_COUNTRY, COL_FIELD, COL_YEAR, COL_KEY, COLS };

struct csv_plan {
	struct uccn_node *node;
	const struct apps *apps;
	const struct knowns *members;
	const char *default_year; /* --year, or NULL */
	size_t col[COLS];         /* SIZE_MAX: no such column */
	bool header_read;
	struct plan *plans;
	size_t n, cap;
	size_t bad;    /* rows that failed */
	char why[512]; /* the first failure, naming its line */
};

static const char *cell(const struct csv_plan *cp, const struct uccn_cli_csv_row *row, int col) {
	size_t i = cp->col[col];
	return i < row->n ? row->field[i] : "";
}

static int read_header(struct csv_plan *cp, const struct uccn_cli_csv_row *row) {
	for (size_t c = 0; c < COLS; c++) {
		cp->col[c] = SIZE_MAX;
	}
	static const struct {
		const char *name;
		int col;
	} names[] = {{"city", COL_NAME}, {"name", COL_NAME}, {"country", COL_COUNTRY},
		{"field", COL_FIELD}, {"year", COL_YEAR}, {"key", COL_KEY}, {"city_key", COL_KEY}};
	for (size_t i = 0; i < row->n; i++) {
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcasecmp(row->field[i], names[k].name) == 0 &&
				cp->col[names[k].col] == SIZE_MAX) {
				cp->col[names[k].col] = i;
			}
		}
	}
	if (cp->col[COL_NAME] == SIZE_MAX) {
		snprintf(cp->why, sizeof(cp->why),
			"line %zu: the header names no 'city' (or 'name') column; the columns are "
			"city, country, field, year and key",
			row->line);
		return -1;
	}
	cp->header_read = true;
	return 0;
}

/* The application a row without a key stands for: the one city of that name (and field, when
 * the row gives one) whose record waits here. A member of that name is the city of a row seen
 * in an earlier run: *member receives its key, so that it is skipped as a member already. */
static int match_app(const struct csv_plan *cp, const char *name, const char *field,
	const struct app_row **out, uint8_t member[UCCN_KEY_BYTES], bool *is_member, char *why,
	size_t why_len) {
	size_t found = 0;
	for (size_t i = 0; i < cp->apps->n; i++) {
		const struct app_row *a = &cp->apps->rows[i];
		if (strcasecmp(a->text[APP_NAME], name) == 0 &&
			(field[0] == '\0' || strcmp(a->text[APP_FIELD], field) == 0)) {
			*out = a;
			found++;
		}
	}
	if (found == 1) {
		return 0;
	}
	for (size_t i = 0; found == 0 && i < cp->members->n; i++) {
		const struct known *k = &cp->members->rows[i];
		if (strcasecmp(k->name, name) == 0 &&
			(field[0] == '\0' || strcmp(k->field, field) == 0)) {
			memcpy(member, k->city, UCCN_KEY_BYTES);
			*is_member = true;
			return 0;
		}
	}
	char q[UCCN_TEXT_QUOTE_BUF];
	uccn_text_quote(q, name, strlen(name));
	if (found == 0) {
		snprintf(why, why_len,
			"no key column, and no application here from a city named %s%s%s (see "
			"'uccn applications')",
			q, field[0] != '\0' ? " in " : "", field);
	} else {
		snprintf(why, why_len,
			"%zu applications here from cities named %s%s%s: give the key in a key "
			"column",
			found, q, field[0] != '\0' ? " in " : "", field);
	}
	return -1;
}

static int plan_row(struct csv_plan *cp, const struct uccn_cli_csv_row *row, struct plan *p,
	char *why, size_t why_len) {
	memset(p, 0, sizeof(*p));
	p->line = row->line;
	const char *name = cell(cp, row, COL_NAME), *country = cell(cp, row, COL_COUNTRY);
	const char *field = cell(cp, row, COL_FIELD), *year = cell(cp, row, COL_YEAR);
	const char *key = cell(cp, row, COL_KEY);
	if (plan_value("city", "name", name, p->name, sizeof(p->name), NULL, why, why_len) < 0) {
		return -1;
	}
	if (field[0] != '\0' && plan_value("field", "field", field, p->field, sizeof(p->field),
					NULL, why, why_len) < 0) {
		return -1;
	}
	const struct app_row *app = NULL;
	bool is_member = false;
	if (key[0] != '\0') {
		if (uccn_text_from_hex(key, strlen(key), p->key, UCCN_KEY_BYTES) != UCCN_OK) {
			snprintf(why, why_len, "key: expected 64 hex digits");
			return -1;
		}
		for (size_t i = 0; i < cp->members->n; i++) {
			if (memcmp(cp->members->rows[i].city, p->key, UCCN_KEY_BYTES) == 0) {
				return 0; /* a member already: check_plans notes it and skips it */
			}
		}
		app = find_app(cp->apps, p->key);
	} else if (match_app(cp, p->name, p->field, &app, p->key, &is_member, why, why_len) < 0) {
		return -1;
	} else if (is_member) {
		return 0; /* check_plans notes it and skips it */
	} else {
		memcpy(p->key, app->key, UCCN_KEY_BYTES);
	}
	/* What the row leaves empty, the city's own application gives. */
	if (field[0] == '\0') {
		field = app != NULL ? app->text[APP_FIELD] : "";
		if (field[0] == '\0') {
			snprintf(why, why_len, "field: empty, and no application gives it");
			return -1;
		}
		if (plan_value("field", "field", field, p->field, sizeof(p->field), NULL, why,
			    why_len) < 0) {
			return -1;
		}
	}
	if (country[0] == '\0') {
		country = app != NULL ? app->text[APP_COUNTRY] : "";
		if (country[0] == '\0') {
			snprintf(why, why_len, "country: empty, and %s",
				app != NULL ? "the city's application gives none"
					    : "no application gives it");
			return -1;
		}
	}
	if (plan_value("country", "country", country, p->country, sizeof(p->country), NULL, why,
		    why_len) < 0) {
		return -1;
	}
	if (year[0] == '\0' && cp->default_year == NULL) {
		snprintf(why, why_len,
			"year: empty (give it in the file, or --year YEAR for the "
			"rows that leave it empty)");
		return -1;
	}
	char year_buf[16];
	if (plan_value("year", "year", year[0] != '\0' ? year : cp->default_year, year_buf,
		    sizeof(year_buf), &p->year, why, why_len) < 0) {
		return -1;
	}
	return 0;
}

static int csv_row(void *userdata, const struct uccn_cli_csv_row *row) {
	struct csv_plan *cp = userdata;
	if (!cp->header_read) {
		return read_header(cp, row) < 0 ? 1 : 0;
	}
	struct plan *plans = uccn_cli_grow(cp->plans, cp->n, &cp->cap, sizeof(*plans));
	if (plans == NULL) {
		snprintf(cp->why, sizeof(cp->why), "out of memory");
		return 1;
	}
	cp->plans = plans;
	struct plan *p = &cp->plans[cp->n];
	char why[384] = "";
	if (plan_row(cp, row, p, why, sizeof(why)) < 0) {
		if (cp->bad++ == 0) {
			snprintf(cp->why, sizeof(cp->why), "line %zu: %s", row->line, why);
		}
		return 0;
	}
	cp->n++;
	return 0;
}

/* The checks that need the whole file and the registry: a key twice, the network's own key,
 * cities that are members already (skipped, with a note). */
static int check_plans(struct uccn_cli *cli, struct csv_plan *cp, const uint8_t network[]) {
	for (size_t i = 0; i < cp->n; i++) {
		struct plan *p = &cp->plans[i];
		char why[384] = "";
		for (size_t j = 0; j < i && why[0] == '\0'; j++) {
			if (memcmp(cp->plans[j].key, p->key, UCCN_KEY_BYTES) == 0) {
				snprintf(why, sizeof(why), "the key %s is on line %zu already",
					uccn_cli_short_key(p->key).s, cp->plans[j].line);
			}
		}
		if (why[0] == '\0' && memcmp(p->key, network, UCCN_KEY_BYTES) == 0) {
			snprintf(why, sizeof(why),
				"the key is the network id (the Secretariat's own key), not a "
				"city's");
		}
		struct uccn_cli_member m = uccn_cli_lookup_member(cp->node, p->key);
		if (why[0] == '\0' && m.found && m.active) {
			p->skip = true;
			fprintf(stderr, "uccn: %s: note: line %zu: ", cli->command, p->line);
			uccn_cli_print_text(stderr, m.name, strlen(m.name), true);
			fprintf(stderr, " (%s) is a member already: skipped\n",
				uccn_cli_short_key(p->key).s);
		}
		if (why[0] != '\0' && cp->bad++ == 0) {
			snprintf(cp->why, sizeof(cp->why), "line %zu: %s", p->line, why);
		}
	}
	return 0;
}

static int designate_csv(struct uccn_cli *cli, const char *file, const char *year, bool dry_run) {
	struct uccn_bytes data = {0};
	if (uccn_cli_read_file(file, &data) < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", file, strerror(errno));
	}
	if (year != NULL) {
		char buf[16];
		int y;
		char why[384];
		if (plan_value("--year", "year", year, buf, sizeof(buf), &y, why, sizeof(why)) <
			0) {
			uccn_bytes_finish(&data);
			return uccn_cli_fail(cli, UCCN_CLI_USAGE, "%s", why);
		}
	}
	struct uccn_node *node = NULL;
	int status = uccn_cli_open_node(cli, &node);
	struct apps as = {0};
	if (status == 0 && !uccn_node_is_secretariat(node)) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"not permitted: only the Secretariat (the network's root key) can "
			"designate "
			"a city; this node is not it");
	}
	struct knowns ks = {0};
	if (status == 0) {
		status = load_apps(cli, node, &as);
	}
	int err = status == 0 ? uccn_node_registry(node, collect_known, &ks) : UCCN_OK;
	if (err < 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "reading the registry: %s", uccn_strerror(err));
	}
	struct csv_plan cp = {.node = node, .apps = &as, .members = &ks, .default_year = year};
	if (status == 0) {
		char why[384] = "";
		int r = uccn_cli_csv_read(data.data, data.len, csv_row, &cp, why, sizeof(why));
		if (r < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", file, why);
		} else if (r == 0 && !cp.header_read) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"%s: empty: the first line names the columns (city, country, "
				"field, year, key)",
				file);
		}
	}
	if (status == 0 && cp.why[0] == '\0') {
		uint8_t network[UCCN_KEY_BYTES];
		uccn_node_network(node, network);
		check_plans(cli, &cp, network);
	}
	if (status == 0 && cp.why[0] != '\0') {
		status = cp.bad > 1 ? uccn_cli_fail(cli, UCCN_CLI_FAIL,
					      "%s: %s (and %zu more row%s); nothing was "
					      "designated",
					      file, cp.why, cp.bad - 1,
					      cp.bad == 2 ? " fails" : "s fail")
				    : uccn_cli_fail(cli, UCCN_CLI_FAIL,
					      "%s: %s; nothing was designated", file, cp.why);
	}
	if (status == 0 && cp.n == 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: no city below the header", file);
	}
	if (status == 0) {
		status = designate_plans(cli, node, cp.plans, cp.n, dry_run, file);
	}
	free(cp.plans);
	knowns_finish(&ks);
	apps_finish(&as);
	uccn_node_close(node);
	uccn_bytes_finish(&data);
	return status;
}

/* designate --from-held KEY: the city's own application, the options overriding it. */
static int plan_from_held(struct uccn_cli *cli, struct uccn_node *node, struct plan *p,
	const char *name, const char *country, const char *field, const char *year) {
	struct apps as = {0};
	int status = load_apps(cli, node, &as);
	const struct app_row *app = status == 0 ? find_app(&as, p->key) : NULL;
	if (status == 0 && app == NULL) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"no application from %s here: no city record of that key is held (see "
			"'uccn "
			"applications')",
			uccn_cli_short_key(p->key).s);
	}
	const char *const option[] = {"name", "country", "field"};
	const char *const given[] = {name, country, field};
	char *const buf[] = {p->name, p->country, p->field};
	const size_t len[] = {sizeof(p->name), sizeof(p->country), sizeof(p->field)};
	for (size_t i = 0; i < 3 && status == 0; i++) {
		const char *text = given[i] != NULL ? given[i] : app->text[i];
		char why[384];
		if (text[0] == '\0') {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"the application gives no %s: give --%s", option[i], option[i]);
		} else if (plan_value(given[i] != NULL ? option[i] : "the application's", option[i],
				   text, buf[i], len[i], NULL, why, sizeof(why)) < 0) {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "%s%s", given[i] != NULL ? "--" : "", why);
		}
	}
	if (status == 0) {
		char year_buf[16], why[384];
		if (year == NULL) {
			time_t now = time(NULL);
			struct tm tm;
			gmtime_r(&now, &tm);
			snprintf(year_buf, sizeof(year_buf), "%d", tm.tm_year + 1900);
			year = year_buf;
		}
		char buf2[16];
		if (plan_value("--year", "year", year, buf2, sizeof(buf2), &p->year, why,
			    sizeof(why)) < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", why);
		}
	}
	apps_finish(&as);
	return status;
}

int uccn_cmd_designate(struct uccn_cli *cli, int argc, char **argv) {
	const char *name = NULL, *country = NULL, *field = NULL, *year = NULL;
	const char *csv = NULL, *from_held = NULL;
	bool dry_run = false;
	const struct uccn_cli_option opts[] = {
		{"name", 0, NULL, &name},
		{"country", 0, NULL, &country},
		{"field", 0, NULL, &field},
		{"year", 0, NULL, &year},
		{"csv", 0, NULL, &csv},
		{"from-held", 0, NULL, &from_held},
		{"dry-run", 'n', &dry_run, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, designate_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (csv != NULL) {
		if (npos > 0 || name != NULL || country != NULL || field != NULL ||
			from_held != NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"--csv takes the cities from the file: no CITY_KEY, --from-held, "
				"--name, --country or --field beside it");
		}
		return designate_csv(cli, csv, year, dry_run);
	}
	struct plan p = {0};
	if (from_held != NULL) {
		if (npos > 0) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"--from-held names the key: no CITY_KEY beside it");
		}
		if (!uccn_cli_parse_key(cli, "--from-held", from_held, p.key)) {
			return UCCN_CLI_USAGE;
		}
	} else {
		uint8_t city[1][UCCN_KEY_BYTES];
		const char *const key_names[] = {"CITY_KEY"};
		const char *const names[] = {"name", "country", "field", "year"};
		const char *const values[] = {name, country, field, year};
		if ((status = uccn_cli_key_args(cli, pos, npos, 1, "CITY_KEY", key_names, city)) !=
				0 ||
			(status = uccn_cli_require(cli, names, values, 4)) != 0) {
			return status;
		}
		memcpy(p.key, city[0], UCCN_KEY_BYTES);
		char *const bufs[] = {p.name, p.country, p.field, NULL};
		const size_t lens[] = {sizeof(p.name), sizeof(p.country), sizeof(p.field), 0};
		for (size_t i = 0; i < 4; i++) {
			struct uccn_value v;
			char year_buf[16];
			status = uccn_cli_option_value(cli, names[i], "designation", names[i],
				values[i], &v, bufs[i] != NULL ? bufs[i] : year_buf,
				bufs[i] != NULL ? lens[i] : sizeof(year_buf));
			if (status != 0) {
				return status;
			}
			if (bufs[i] == NULL) {
				p.year = (int)v.i;
			}
		}
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uint8_t network[UCCN_KEY_BYTES];
	uccn_node_network(node, network);
	if (memcmp(network, p.key, UCCN_KEY_BYTES) == 0) {
		/* Most likely the network id pasted for the city's key. */
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"CITY_KEY is the network id (the Secretariat's own key), not a city's key");
	} else if (from_held != NULL) {
		status = plan_from_held(cli, node, &p, name, country, field, year);
	}
	if (status == 0 && dry_run) {
		/* What the write would refuse first, said without writing. */
		struct uccn_cli_member m = uccn_cli_lookup_member(node, p.key);
		if (!uccn_node_is_secretariat(node)) {
			status = secretariat_error(cli, node, UCCN_EPERM, "designate a city");
		} else if (m.found && m.active) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"%s is a member already (its designation is active)",
				uccn_cli_short_key(p.key).s);
		}
	}
	if (status == 0) {
		status = designate_plans(cli, node, &p, 1, dry_run, "the command line");
	}
	uccn_node_close(node);
	return status;
}

/* ---- reports: who filed the monitoring report of a period ------------------------------------ */

struct report_row {
	uint8_t owner[UCCN_KEY_BYTES];
	char id[UCCN_ID_MAX + 1];
	uint64_t updated_hlc;
};

struct report_walk {
	const char *period;
	struct report_row *rows;
	size_t n, cap;
	struct knowns members;
	struct member_country {
		char *country;
		uint8_t key[UCCN_KEY_BYTES];
	} * extra; /* country and current key, beside members' rows */
	size_t nextra, capextra;
};

static int collect_report(void *userdata, const struct uccn_record *r) {
	struct report_walk *w = userdata;
	const struct uccn_value *p = uccn_record_field(r, "period");
	if (p == NULL || p->type != UCCN_VALUE_STR || p->str_len != strlen(w->period) ||
		memcmp(p->str, w->period, p->str_len) != 0) {
		return 0;
	}
	struct report_row *rows = uccn_cli_grow(w->rows, w->n, &w->cap, sizeof(*rows));
	if (rows == NULL) {
		return UCCN_ENOMEM;
	}
	w->rows = rows;
	struct report_row *row = &w->rows[w->n++];
	memcpy(row->owner, uccn_record_owner(r), UCCN_KEY_BYTES);
	snprintf(row->id, sizeof(row->id), "%s", uccn_record_id(r));
	row->updated_hlc = uccn_record_updated_hlc(r);
	return 0;
}

static int collect_member_full(void *userdata, const struct uccn_member *m) {
	struct report_walk *w = userdata;
	if (!m->active) {
		return 0;
	}
	int err = collect_known(&w->members, m);
	if (err != 0) {
		return err;
	}
	if (w->nextra == w->capextra) {
		size_t cap = w->capextra > 0 ? 2 * w->capextra : 64;
		struct member_country *e = realloc(w->extra, cap * sizeof(*e));
		if (e == NULL) {
			return UCCN_ENOMEM;
		}
		w->extra = e;
		w->capextra = cap;
	}
	struct member_country *e = &w->extra[w->nextra++];
	memcpy(e->key, m->key, UCCN_KEY_BYTES);
	e->country = strdup(uccn_cli_or_empty(m->country));
	return e->country != NULL ? 0 : UCCN_ENOMEM;
}

/* The newest report of the period written by the city's first or current key. */
static const struct report_row *report_of(const struct report_walk *w,
	const uint8_t city[UCCN_KEY_BYTES], const uint8_t key[UCCN_KEY_BYTES]) {
	const struct report_row *best = NULL;
	for (size_t i = 0; i < w->n; i++) {
		const struct report_row *r = &w->rows[i];
		if ((memcmp(r->owner, city, UCCN_KEY_BYTES) == 0 ||
			    memcmp(r->owner, key, UCCN_KEY_BYTES) == 0) &&
			(best == NULL || r->updated_hlc > best->updated_hlc)) {
			best = r;
		}
	}
	return best;
}

int uccn_cmd_reports(struct uccn_cli *cli, int argc, char **argv) {
	const char *period = NULL;
	bool csv = false, bom = false;
	const struct uccn_cli_option opts[] = {
		{"period", 0, NULL, &period},
		{"csv", 0, &csv, NULL},
		{"bom", 0, &bom, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, reports_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	const char *const names[] = {"period"};
	const char *const values[] = {period};
	if ((status = uccn_cli_require(cli, names, values, 1)) != 0) {
		return status;
	}
	if (bom && !csv) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--bom marks a CSV file as UTF-8 for spreadsheets: it goes with --csv");
	}
	struct uccn_value v;
	char period_buf[16];
	if ((status = uccn_cli_option_value(cli, "period", "report", "period", period, &v,
		     period_buf, sizeof(period_buf))) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct report_walk w = {.period = period_buf};
	uccn_cli_clear_error(cli);
	int err = uccn_node_list(node, "report", false, collect_report, &w);
	if (err >= 0) {
		err = uccn_node_registry(node, collect_member_full, &w);
	}
	bool secretariat = uccn_node_is_secretariat(node);
	uccn_node_close(node);
	if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
		goto out;
	}
	if (!secretariat) {
		fprintf(stderr,
			"uccn: %s: note: reports go to the Secretariat alone: this node holds its "
			"own "
			"city's, so others show as missing here\n",
			cli->command);
	}
	size_t filed = 0, name_w = 0, field_w = 0;
	for (size_t i = 0; i < w.members.n; i++) {
		size_t nw = uccn_cli_text_width(w.members.rows[i].name);
		size_t fw = strlen(w.members.rows[i].field);
		name_w = nw > name_w ? nw : name_w;
		field_w = fw > field_w ? fw : field_w;
	}
	if (csv) {
		if (bom) {
			fputs(UCCN_CLI_CSV_BOM, stdout);
		}
		fputs("name,country,field,key,period,status,report,updated\r\n", stdout);
	}
	for (size_t i = 0; i < w.members.n; i++) {
		const struct known *k = &w.members.rows[i];
		const struct member_country *e = &w.extra[i];
		const struct report_row *r = report_of(&w, k->city, e->key);
		char key[2 * UCCN_KEY_BYTES + 1], updated[32] = "";
		uccn_text_to_hex(k->city, UCCN_KEY_BYTES, key);
		if (r != NULL) {
			uccn_cli_format_hlc(r->updated_hlc, updated, sizeof(updated));
			filed++;
		}
		if (csv) {
			uccn_cli_csv_field(stdout, k->name);
			fputc(',', stdout);
			uccn_cli_csv_field(stdout, e->country);
			fputc(',', stdout);
			uccn_cli_csv_field(stdout, k->field);
			printf(",%s,%s,%s,%s,%s\r\n", key, period_buf,
				r != NULL ? "filed" : "missing", r != NULL ? r->id : "", updated);
			continue;
		}
		uccn_cli_print_text(stdout, k->name, strlen(k->name), true);
		printf("%*s  %-2s  %-*s  %s  ", (int)(name_w - uccn_cli_text_width(k->name)), "",
			e->country, (int)field_w, k->field, uccn_cli_short_key(k->city).s);
		if (r != NULL) {
			printf("filed %s (updated %s)\n", r->id, updated);
		} else {
			fputs("MISSING\n", stdout);
		}
	}
	if (!csv) {
		printf("%zu of %zu member cit%s filed the report for %s\n", filed, w.members.n,
			w.members.n == 1 ? "y" : "ies", period_buf);
	}
out:
	for (size_t i = 0; i < w.nextra; i++) {
		free(w.extra[i].country);
	}
	free(w.extra);
	knowns_finish(&w.members);
	free(w.rows);
	return status;
}

/* --reason of withdraw and revoke, checked as a designation's reason field. */
struct reason_text {
	struct uccn_value v;
	char buf[16384 + 1];
};

/* Checks --reason and opens the node, what withdraw and revoke do before they write; the
 * error line is cleared for the write. Returns 0 or the exit status. */
static int reason_and_node(struct uccn_cli *cli, const char *reason, struct reason_text *why,
	struct uccn_node **node) {
	int status = uccn_cli_option_value(cli, "reason", "designation", "reason", reason, &why->v,
		why->buf, sizeof(why->buf));
	if (status == 0 && (status = uccn_cli_open_node(cli, node)) == 0) {
		uccn_cli_clear_error(cli);
	}
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
	struct reason_text why;
	struct uccn_node *node = NULL;
	if ((status = reason_and_node(cli, reason, &why, &node)) != 0) {
		return status;
	}
	int err = uccn_node_withdraw(node, city[0], why.v.str, uccn_cli_now_ms());
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
	struct reason_text why;
	struct uccn_node *node = NULL;
	if ((status = reason_and_node(cli, reason, &why, &node)) != 0) {
		return status;
	}
	int err = uccn_node_revoke(node, key[0], cutoff, successor_hex != NULL ? successor : NULL,
		why.v.str, uccn_cli_now_ms());
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
