/* cmd_registry.c - the registry's queries: registry, which lists the member cities (as a table,
 * CSV or JSON), verifies the registry's signed tree heads, writes an inclusion proof of a city's
 * membership and checks one with nothing but the network id, prints checkpoints, consistency
 * proofs and split-view evidence and checks evidence. The tree and the proof format are the
 * node's business; this file reads arguments, calls the node and reports. The Secretariat's
 * commands (and registry witness-add and witness-submit) are cmd_secretariat.c's. */
#include "tools/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tools/cli_csv.h"

static const char registry_usage[] =
	"usage: uccn [--home DIR] registry [--field FIELD] [--country CC] [--all]\n"
	"                                  [--json|--csv [--bom]]\n"
	"       uccn [--home DIR] registry --require-witnesses N\n"
	"       uccn [--home DIR] registry verify\n"
	"       uccn [--home DIR] registry prove CITY_KEY [--armor] [-o FILE]\n"
	"       uccn [--home DIR] registry checkpoint [--key]\n"
	"       uccn [--home DIR] registry consistency OLD_SIZE\n"
	"       uccn [--home DIR] registry evidence\n"
	"       uccn [--home DIR] registry witness-add URL VKEY\n"
	"       uccn [--home DIR] registry witness-submit\n"
	"       uccn registry check FILE --network NETWORK_ID [--max-age DURATION]\n"
	"       uccn registry check-evidence FILE --network NETWORK_ID\n"
	"\n"
	"Without a subcommand, lists the member cities this node knows of, by name: name,\n"
	"country, field, year of designation, key (the key the city was designated under, its\n"
	"first 16 hex digits) and status. The first line states the newest signed tree head\n"
	"(the registry's size, root hash and time), or that there is none yet. --all adds\n"
	"withdrawn cities; --field and --country keep only those that match.\n"
	"  --json  one JSON object: {\"tree_head\": {\"size\", \"root\", \"time\"} or null,\n"
	"          \"members\": [{\"name\", \"country\", \"field\", \"year\", \"status\", "
	"\"key\",\n"
	"          \"city\", \"designated\", \"cutoff\", \"reason\", \"website\",\n"
	"          \"focal_point\", \"email\"}, ...]}\n"
	"  --csv   RFC 4180 CSV with the header row\n"
	"          name,country,field,year,status,key,city,designated,website,focal_point,\n"
	"          email,tree_size,tree_root,tree_time\n"
	"          (key: the key the city signs with now; city: the key it was designated under;\n"
	"          website, focal_point, email: the contact fields of the city's own record, if\n"
	"          this node holds it; the tree head's three columns repeat on every row)\n"
	"  --bom   starts the CSV with a UTF-8 byte-order mark, so that a spreadsheet (Excel)\n"
	"          reads it as UTF-8 and shows Angoul\u00eame right\n"
	"\n"
	"--require-witnesses N: from now on this node treats a checkpoint as the registry (it\n"
	"                    proves under it) only once member cities of N different creative\n"
	"                    fields have cosigned it (0: no requirement); the listing then says\n"
	"                    how many have\n"
	"registry verify     recomputes the registry's Merkle tree from the designations held and\n"
	"                    checks every signed tree head against it and against the one before;\n"
	"                    prints each fault and exits 1 if there is any\n"
	"registry prove      writes an inclusion proof of CITY_KEY's membership under the newest\n"
	"                    tree head to FILE, or to stdout (never to a terminal); --armor: as\n"
	"                    text, for an e-mail or a web page\n"
	"registry checkpoint prints the newest checkpoint as a signed note with its\n"
	"                    cosignatures (--key: the verifier key of its signature)\n"
	"registry consistency prints the consistency proof from OLD_SIZE to the newest\n"
	"                    checkpoint, one base64 hash per line\n"
	"registry evidence   prints the evidence of a split view this node holds\n"
	"registry witness-add names an external tlog-witness (the Secretariat)\n"
	"registry witness-submit submits the newest checkpoint to every external witness\n"
	"registry check-evidence checks split-view evidence with nothing but the network id\n"
	"registry check      checks a proof (\"-\": stdin) with nothing but the network id; needs\n"
	"                    no home. Prints the member it proves and exits 0, or says why it is\n"
	"                    not valid and exits 1\n";

/* ---- registry: the listing ---------------------------------------------------------------- */

/* One member, copied out of the borrowed view. */
struct member_row {
	char *name, *country, *field, *reason;
	char *contact[3]; /* website, focal_point, email of the city's own record, or NULL */
	int year;
	bool active;
	uint64_t cutoff, designated_hlc;
	uint8_t city[UCCN_KEY_BYTES], key[UCCN_KEY_BYTES];
};

struct members {
	const char *field;   /* keep only this field (the schema's spelling), or NULL */
	const char *country; /* keep only this country, or NULL */
	bool all;            /* withdrawn ones too */
	struct member_row *rows;
	size_t n, cap;
	size_t total; /* every designation, whatever the filters */
};

static void members_finish(struct members *ms) {
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->rows[i].name);
		free(ms->rows[i].country);
		free(ms->rows[i].field);
		free(ms->rows[i].reason);
		for (size_t k = 0; k < 3; k++) {
			free(ms->rows[i].contact[k]);
		}
	}
	free(ms->rows);
	ms->rows = NULL;
	ms->n = ms->cap = 0;
}

static int collect_member(void *userdata, const struct uccn_member *m) {
	struct members *ms = userdata;
	ms->total++;
	if ((!ms->all && !m->active) ||
		(ms->field != NULL && strcmp(uccn_cli_or_empty(m->field), ms->field) != 0) ||
		(ms->country != NULL &&
			strcasecmp(uccn_cli_or_empty(m->country), ms->country) != 0)) {
		return 0;
	}
	struct member_row *rows = uccn_cli_grow(ms->rows, ms->n, &ms->cap, sizeof(*rows));
	if (rows == NULL) {
		return UCCN_ENOMEM;
	}
	ms->rows = rows;
	struct member_row *row = &ms->rows[ms->n];
	memset(row, 0, sizeof(*row));
	row->name = strdup(uccn_cli_or_empty(m->name));
	row->country = strdup(uccn_cli_or_empty(m->country));
	row->field = strdup(uccn_cli_or_empty(m->field));
	row->reason = m->reason != NULL ? strdup(m->reason) : NULL;
	ms->n++; /* counted now, so members_finish frees what was copied */
	if (row->name == NULL || row->country == NULL || row->field == NULL ||
		(m->reason != NULL && row->reason == NULL)) {
		return UCCN_ENOMEM;
	}
	row->year = m->year;
	row->active = m->active;
	row->cutoff = m->cutoff;
	row->designated_hlc = m->designated_hlc;
	memcpy(row->city, m->city, UCCN_KEY_BYTES);
	memcpy(row->key, m->key, UCCN_KEY_BYTES);
	return 0;
}

static void print_padded(const char *s, size_t width) {
	uccn_cli_print_text(stdout, s, strlen(s), true);
	size_t w = uccn_cli_text_width(s);
	printf("%*s", (int)(width > w ? width - w : 0), "");
}

static void print_members_text(const struct members *ms, const struct uccn_tree_head *head) {
	if (head != NULL) {
		uccn_cli_print_tree_head(stdout, head);
		fputc('\n', stdout);
	} else {
		fputs("no signed tree head yet\n", stdout);
	}
	size_t name_w = 0, field_w = 0;
	for (size_t i = 0; i < ms->n; i++) {
		size_t w = uccn_cli_text_width(ms->rows[i].name);
		name_w = w > name_w ? w : name_w;
		w = uccn_cli_text_width(ms->rows[i].field);
		field_w = w > field_w ? w : field_w;
	}
	for (size_t i = 0; i < ms->n; i++) {
		const struct member_row *row = &ms->rows[i];
		print_padded(row->name, name_w);
		fputs("  ", stdout);
		print_padded(row->country, 2);
		fputs("  ", stdout);
		print_padded(row->field, field_w);
		printf("  %4d  %s  %s", row->year, uccn_cli_short_key(row->city).s,
			row->active ? "active" : "withdrawn");
		if (memcmp(row->city, row->key, UCCN_KEY_BYTES) != 0) {
			printf(", signs as %s", uccn_cli_short_key(row->key).s);
		}
		fputc('\n', stdout);
	}
	if (ms->n == 0) {
		fputs(ms->total == 0 ? "no member cities yet\n" : "no member cities match\n",
			stdout);
	}
}

/* The contact fields of a city's own record (kind city, id its key in hex), which the registry
 * does not carry: the city writes them itself. */
static const char *const contact_names[3] = {"website", "focal_point", "email"};

static int copy_contacts(void *userdata, const struct uccn_record *r) {
	struct member_row *row = userdata;
	for (size_t k = 0; k < 3; k++) {
		const struct uccn_value *v = uccn_record_field(r, contact_names[k]);
		if (v != NULL && v->type == UCCN_VALUE_STR &&
			(row->contact[k] = strndup(v->str, v->str_len)) == NULL) {
			return UCCN_ENOMEM;
		}
	}
	return 0;
}

static int read_contacts(struct uccn_node *node, struct members *ms) {
	for (size_t i = 0; i < ms->n; i++) {
		char hex[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(ms->rows[i].city, UCCN_KEY_BYTES, hex);
		int err = uccn_node_get(node, "city", hex, copy_contacts, &ms->rows[i]);
		if (err < 0 && err != UCCN_ENOTFOUND) {
			return err;
		}
	}
	return UCCN_OK;
}

static void print_members_csv(
	const struct members *ms, const struct uccn_tree_head *head, bool bom) {
	if (bom) {
		fputs(UCCN_CLI_CSV_BOM, stdout);
	}
	/* RFC 4180 ends every record, the header's too, with CRLF. */
	fputs("name,country,field,year,status,key,city,designated,website,focal_point,email,"
	      "tree_size,tree_root,tree_time\r\n",
		stdout);
	char size[24] = "", root[2 * UCCN_HASH_BYTES + 1] = "", time[32] = "";
	if (head != NULL) {
		snprintf(size, sizeof(size), "%llu", (unsigned long long)head->size);
		uccn_text_to_hex(head->root, UCCN_HASH_BYTES, root);
		uccn_cli_format_hlc(head->hlc, time, sizeof(time));
	}
	for (size_t i = 0; i < ms->n; i++) {
		const struct member_row *row = &ms->rows[i];
		char key[2 * UCCN_KEY_BYTES + 1], city[2 * UCCN_KEY_BYTES + 1], designated[32];
		uccn_text_to_hex(row->key, UCCN_KEY_BYTES, key);
		uccn_text_to_hex(row->city, UCCN_KEY_BYTES, city);
		uccn_cli_format_hlc(row->designated_hlc, designated, sizeof(designated));
		uccn_cli_csv_field(stdout, row->name);
		fputc(',', stdout);
		uccn_cli_csv_field(stdout, row->country);
		fputc(',', stdout);
		uccn_cli_csv_field(stdout, row->field);
		printf(",%d,%s,%s,%s,%s", row->year, row->active ? "active" : "withdrawn", key,
			city, designated);
		for (size_t k = 0; k < 3; k++) {
			fputc(',', stdout);
			uccn_cli_csv_field(stdout, uccn_cli_or_empty(row->contact[k]));
		}
		printf(",%s,%s,%s\r\n", size, root, time);
	}
}

/* Adds a member to obj; takes value (NULL: out of memory) and reports success. */
static bool put(json_t *obj, const char *name, json_t *value) {
	return value != NULL && json_object_set_new(obj, name, value) == 0;
}

static json_t *member_json(const struct member_row *row) {
	char key[2 * UCCN_KEY_BYTES + 1], city[2 * UCCN_KEY_BYTES + 1], designated[32];
	uccn_text_to_hex(row->key, UCCN_KEY_BYTES, key);
	uccn_text_to_hex(row->city, UCCN_KEY_BYTES, city);
	uccn_cli_format_hlc(row->designated_hlc, designated, sizeof(designated));
	json_t *o = json_object();
	bool ok = o != NULL;
	ok = ok && put(o, "name", uccn_cli_json_string(row->name, strlen(row->name)));
	ok = ok && put(o, "country", uccn_cli_json_string(row->country, strlen(row->country)));
	ok = ok && put(o, "field", uccn_cli_json_string(row->field, strlen(row->field)));
	ok = ok && put(o, "year", json_integer(row->year));
	ok = ok && put(o, "status", json_string(row->active ? "active" : "withdrawn"));
	ok = ok && put(o, "key", json_string(key));
	ok = ok && put(o, "city", json_string(city));
	ok = ok && put(o, "designated", json_string(designated));
	ok = ok &&
	     put(o, "cutoff", row->active ? json_null() : json_integer((json_int_t)row->cutoff));
	ok = ok &&
	     put(o, "reason",
		     row->reason != NULL ? uccn_cli_json_string(row->reason, strlen(row->reason))
					 : json_null());
	for (size_t k = 0; ok && k < 3; k++) {
		const char *c = row->contact[k];
		ok = put(o, contact_names[k],
			c != NULL ? uccn_cli_json_string(c, strlen(c)) : json_null());
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *tree_head_json(const struct uccn_tree_head *head) {
	if (head == NULL) {
		return json_null();
	}
	char root[2 * UCCN_HASH_BYTES + 1], time[32];
	uccn_text_to_hex(head->root, UCCN_HASH_BYTES, root);
	uccn_cli_format_hlc(head->hlc, time, sizeof(time));
	return json_pack(
		"{s:I, s:s, s:s}", "size", (json_int_t)head->size, "root", root, "time", time);
}

static int print_members_json(
	struct uccn_cli *cli, const struct members *ms, const struct uccn_tree_head *head) {
	json_t *doc = json_object();
	json_t *list = json_array();
	bool ok = doc != NULL && list != NULL;
	ok = ok && put(doc, "tree_head", tree_head_json(head));
	for (size_t i = 0; ok && i < ms->n; i++) {
		json_t *m = member_json(&ms->rows[i]);
		ok = m != NULL && json_array_append_new(list, m) == 0;
	}
	if (ok) {
		ok = put(doc, "members", list);
		list = NULL; /* taken, even on failure */
	}
	json_decref(list);
	int status = uccn_cli_print_json(cli, ok ? doc : NULL, true);
	json_decref(doc);
	return status;
}

/* registry --require-witnesses N: the node's policy, kept in its store. */
static int set_required_witnesses(struct uccn_cli *cli, const char *text) {
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || n > UCCN_FIELDS_COUNT) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--require-witnesses takes a number of creative fields, 0 to %d",
			UCCN_FIELDS_COUNT);
	}
	struct uccn_node *node = NULL;
	int status = uccn_cli_open_node(cli, &node);
	if (status != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_require_witnesses(node, (unsigned)n);
	uccn_node_close(node);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	if (n == 0) {
		printf("this node no longer requires witnesses\n");
	} else {
		printf("this node treats a checkpoint as the registry once member cities of %lu "
		       "different creative field%s have cosigned it\n",
			n, n == 1 ? "" : "s");
	}
	return 0;
}

/* The witness line of the listing, after it, on a node that requires witnesses. */
static void print_witnesses(const struct uccn_witness_count *w, int err) {
	const struct uccn_witness_count wc = *w;
	if (wc.required == 0 || (err < 0 && err != UCCN_ENOTFOUND)) {
		return;
	}
	if (err == UCCN_ENOTFOUND) {
		printf("witnesses: no checkpoint yet (%zu fields required)\n", wc.required);
		return;
	}
	printf("witnesses: checkpoint of size %llu cosigned by %zu, member cities of %zu "
	       "field%s (%zu required)%s\n",
		(unsigned long long)wc.size, wc.cosigned, wc.fields, wc.fields == 1 ? "" : "s",
		wc.required, wc.fields < wc.required ? ": NOT yet the registry here" : "");
}

static int registry_list(struct uccn_cli *cli, int argc, char **argv) {
	const char *field = NULL, *country = NULL, *require = NULL;
	bool all = false, json = false, csv = false, bom = false;
	const struct uccn_cli_option opts[] = {
		{"bom", 0, &bom, NULL},
		{"require-witnesses", 0, NULL, &require},
		{"field", 0, NULL, &field},
		{"country", 0, NULL, &country},
		{"all", 'a', &all, NULL},
		{"json", 0, &json, NULL},
		{"csv", 0, &csv, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, registry_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos > 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"unexpected '%s': a subcommand (verify, prove, check) comes right after "
			"'registry'",
			pos[0]);
	}
	if (json && csv) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "--json and --csv do not go together");
	}
	if (bom && !csv) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--bom marks a CSV file as UTF-8 for spreadsheets: it goes with --csv");
	}
	if (require != NULL) {
		return set_required_witnesses(cli, require);
	}
	struct uccn_value field_v, country_v;
	char field_buf[64], country_buf[8];
	if (field != NULL && (status = uccn_cli_option_value(cli, "field", "designation", "field",
				      field, &field_v, field_buf, sizeof(field_buf))) != 0) {
		return status;
	}
	if (country != NULL &&
		(status = uccn_cli_option_value(cli, "country", "designation", "country", country,
			 &country_v, country_buf, sizeof(country_buf))) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct members ms = {
		.field = field != NULL ? field_v.str : NULL,
		.country = country != NULL ? country_v.str : NULL,
		.all = all,
	};
	struct uccn_tree_head head;
	uccn_cli_clear_error(cli);
	int err = uccn_node_registry(node, collect_member, &ms);
	int head_err = err >= 0 ? uccn_node_tree_head(node, &head) : UCCN_OK;
	struct uccn_witness_count wc = {0};
	int wc_err = err >= 0 ? uccn_node_checkpoint_witnesses(node, &wc) : UCCN_OK;
	if (err >= 0 && (json || csv)) {
		err = read_contacts(node, &ms);
	}
	uccn_node_close(node);
	if (err >= 0 && head_err != UCCN_OK && head_err != UCCN_ENOTFOUND) {
		err = head_err;
	}
	if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	} else {
		const struct uccn_tree_head *h = head_err == UCCN_OK ? &head : NULL;
		if (json) {
			status = print_members_json(cli, &ms, h);
		} else if (csv) {
			print_members_csv(&ms, h, bom);
		} else {
			print_members_text(&ms, h);
			print_witnesses(&wc, wc_err);
		}
	}
	members_finish(&ms);
	return status;
}

/* ---- registry verify, prove and check ----------------------------------------------------- */

static const char verify_usage[] =
	"usage: uccn [--home DIR] registry verify\n"
	"\n"
	"Recomputes the registry's Merkle tree from the designations this node holds, checks\n"
	"every signed tree head against it, and checks that each head extends the one before\n"
	"it. Prints each fault (a head that does not match, or that forks the registry: an\n"
	"alarm) and exits 1 if there is any.\n";

static const char prove_usage[] =
	"usage: uccn [--home DIR] registry prove CITY_KEY [--armor] [-o FILE]\n"
	"\n"
	"Writes an inclusion proof of CITY_KEY's designation under the newest signed tree head:\n"
	"a small binary file that anyone holding the network id can check with 'uccn registry\n"
	"check'. Writes to FILE (replaced only once complete) or to stdout, never to a\n"
	"terminal.\n"
	"  --armor  the proof as text instead, to paste into an e-mail or a web page: base64\n"
	"           in lines of 64 between -----BEGIN UCCN MEMBERSHIP PROOF----- and\n"
	"           -----END UCCN MEMBERSHIP PROOF----- ('registry check' reads both forms)\n";

static const char checkpoint_usage[] =
	"usage: uccn [--home DIR] registry checkpoint [--key | --sign]\n"
	"\n"
	"Prints the newest checkpoint this node holds as a C2SP signed note: the origin line\n"
	"naming the network, the registry's size and its SHA-256 root in base64, then the\n"
	"Secretariat's signature and the cosignatures of the witnesses that checked it. Any\n"
	"transparency-log tool that reads signed notes checks it. --key prints instead the\n"
	"verifier key such tools take (name+key ID+base64 key). --sign (the Secretariat only)\n"
	"signs a new checkpoint over the registry as it stands, then prints it: how a registry\n"
	"whose tree heads predate checkpoints gets its first one.\n";

static const char consistency_usage[] =
	"usage: uccn [--home DIR] registry consistency OLD_SIZE\n"
	"\n"
	"Prints the RFC 6962 consistency proof from the registry of OLD_SIZE leaves to the\n"
	"newest checkpoint, one base64 hash per line: with both checkpoints, it shows that the\n"
	"newer registry extends the older one.\n";

static const char evidence_usage[] =
	"usage: uccn [--home DIR] registry evidence\n"
	"\n"
	"Prints the evidence of a split view this node holds (two checkpoints the Secretariat's\n"
	"key signed that no one registry has), as text anyone checks with 'uccn registry\n"
	"check-evidence'. Exits 1 when it holds none.\n";

static const char check_evidence_usage[] =
	"usage: uccn registry check-evidence FILE --network NETWORK_ID\n"
	"\n"
	"Checks split-view evidence (FILE, \"-\": stdin) with nothing but the network id: both\n"
	"checkpoints are signed by the Secretariat's key, and no one registry has both (the\n"
	"same size with two roots, or a consistency path showing that the larger registry does\n"
	"not extend the smaller). Needs no home. Prints \"valid: split view ...\" and exits 0,\n"
	"or says why it shows nothing and exits 1.\n";

/* Cosignatures a proof's note holds at most (the root's line aside). */
#define UCCN_NOTE_SIGS_WITNESSES 99

static const char check_usage[] =
	"usage: uccn [--home DIR] registry check FILE --network NETWORK_ID [--require-witnesses "
	"N]\n"
	"                                       [--compare] [--max-age DURATION]\n"
	"\n"
	"Checks a membership proof (FILE, \"-\": stdin) with nothing but the network id (the\n"
	"Secretariat's public key, 64 hex digits): both signatures are the Secretariat's, the\n"
	"designation is a leaf of the tree under the signed head, and it is active. Needs no\n"
	"home. Prints \"valid: CITY (...) is a member under tree head ...\" and exits 0, or says\n"
	"why the proof does not hold and exits 1. Then lists the witnesses whose cosignatures\n"
	"of the checkpoint the proof carries verify; with --require-witnesses N, a proof with\n"
	"fewer than N of them fails. --compare also compares the proof's checkpoint with the\n"
	"home's registry: if no one registry has both, it raises the split-view alarm there (as\n"
	"'registry evidence' then shows) and exits 1. FILE is the binary proof or its text\n"
	"armor ('registry prove --armor'; text around it, as in an e-mail, is skipped).\n"
	"--max-age DURATION (30d, 12h, 90m, 2w) refuses a proof whose tree head was signed\n"
	"longer ago than that, saying how old it is.\n";

static void count_fault(void *userdata, const struct uccn_fault *f) {
	size_t *n = userdata;
	uccn_cli_print_fault(stdout, f);
	(*n)++;
}

static int count_designation(void *userdata, const struct uccn_member *m) {
	(void)m;
	(*(size_t *)userdata)++;
	return 0;
}

static int registry_verify(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, NULL, verify_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	size_t printed = 0, designations = 0;
	struct uccn_tree_head head;
	uccn_cli_clear_error(cli);
	int n = uccn_node_registry_verify(node, count_fault, &printed);
	int err = n >= 0 ? uccn_node_registry(node, count_designation, &designations) : UCCN_OK;
	int head_err = n >= 0 && err >= 0 ? uccn_node_tree_head(node, &head) : UCCN_OK;
	uccn_node_close(node);
	if (n < 0 || err < 0 || (head_err < 0 && head_err != UCCN_ENOTFOUND)) {
		int e = n < 0 ? n : err < 0 ? err : head_err;
		fflush(stdout);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "could not finish: %s", uccn_strerror(e));
	}
	if (n > 0) {
		fflush(stdout);
		cli->last_error[0] = '\0'; /* each fault is on its own line already */
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%d fault%s in the registry", n, n == 1 ? "" : "s");
	}
	printf("registry verified: %zu designation%s, ", designations,
		designations == 1 ? "" : "s");
	if (head_err == UCCN_OK) {
		uccn_cli_print_tree_head(stdout, &head);
	} else {
		fputs("no signed tree head yet", stdout);
	}
	fputc('\n', stdout);
	return 0;
}

/* Writes data to path whole or not at all: a temporary file, fsync, then rename. */
static int write_whole(const char *path, const uint8_t *data, size_t len) {
	char tmp[PATH_MAX];
	FILE *f = uccn_cli_open_temp(path, tmp, sizeof(tmp));
	if (f == NULL) {
		return -1;
	}
	int e = 0;
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		e = errno != 0 ? errno : EIO;
	}
	if (fclose(f) != 0 && e == 0) {
		e = errno;
	}
	if (e == 0 && rename(tmp, path) != 0) {
		e = errno;
	}
	if (e != 0) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static int registry_prove(struct uccn_cli *cli, int argc, char **argv) {
	const char *out_path = NULL;
	bool armor = false;
	const struct uccn_cli_option opts[] = {
		{"output", 'o', NULL, &out_path},
		{"armor", 'a', &armor, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, prove_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t city[1][UCCN_KEY_BYTES];
	const char *const key_names[] = {"CITY_KEY"};
	if ((status = uccn_cli_key_args(cli, pos, npos, 1, "CITY_KEY", key_names, city)) != 0) {
		return status;
	}
	if (out_path != NULL && strcmp(out_path, "-") == 0) {
		out_path = NULL;
	}
	if (out_path == NULL && !armor && isatty(STDOUT_FILENO)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"refusing to write binary data to a terminal (give -o FILE or redirect "
			"stdout)");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	/* The node proves a withdrawn designation too (the proof then shows the withdrawal, and
	 * 'registry check' refuses it); asked for proof of membership, say it is not one. */
	struct uccn_cli_member m = uccn_cli_lookup_member(node, city[0]);
	if (m.found && !m.active) {
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s (%s) is not a member: its designation is withdrawn", m.name,
			uccn_cli_short_key(city[0]).s);
	}
	struct uccn_bytes proof = {0};
	char why[UCCN_ERRMSG_MAX];
	uccn_cli_clear_error(cli);
	int err = uccn_node_registry_prove(node, city[0], &proof);
	snprintf(why, sizeof(why), "%s", uccn_node_errmsg(node));
	uccn_node_close(node);
	if (err == UCCN_OK && armor) {
		struct uccn_bytes text = {0};
		err = uccn_registry_proof_armor(proof.data, proof.len, &text);
		uccn_bytes_finish(&proof);
		proof = text;
	}
	if (err == UCCN_ENOTMEMBER) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s is not a member (no active designation here)%s%s",
			uccn_cli_short_key(city[0]).s, why[0] != '\0' ? ": " : "", why);
	} else if (err == UCCN_ENOTFOUND && why[0] == '\0') {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "no signed tree head here yet");
	} else if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s%s%s", uccn_strerror(err),
			why[0] != '\0' ? ": " : "", why);
	} else if (out_path != NULL) {
		if (write_whole(out_path, proof.data, proof.len) != 0) {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "%s: %s", out_path, strerror(errno));
		}
	} else if (fwrite(proof.data, 1, proof.len, stdout) != proof.len) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "stdout: %s", strerror(errno));
	}
	uccn_bytes_finish(&proof);
	return status;
}

/* registry check --compare: the proof's checkpoint against the home's registry. 0, or the
 * command's failure (an alarm raised, or the home could not be read). */
static int compare_with_home(struct uccn_cli *cli, const struct uccn_bytes *proof) {
	struct uccn_node *node = NULL;
	struct uccn_bytes note = {0};
	int status = uccn_cli_open_node(cli, &node);
	if (status != 0) {
		return status;
	}
	int err = uccn_registry_proof_note(proof->data, proof->len, &note);
	if (err == UCCN_OK) {
		err = uccn_node_consider_checkpoint(
			node, (const char *)note.data, note.len, uccn_cli_now_ms());
	}
	uccn_node_close(node);
	uccn_bytes_finish(&note);
	if (err > 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"ALARM: split view: the proof's checkpoint and this node's registry cannot "
			"both be the registry ('uccn registry evidence')");
	}
	if (err < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "comparing with this node: %s", uccn_strerror(err));
	}
	return 0;
}

/* The opening the checks with nothing but the network id share: the command line parsed with
 * opts, whose first is --network (required: "the network id the <what> must be <of>"), its one
 * FILE into *file (command names the help), and the id parsed into network. Returns 0, with
 * *done set when --help was answered, or the exit status of the error line. */
static int network_and_file(struct uccn_cli *cli, int argc, char **argv,
	const struct uccn_cli_option *opts, const char *usage, const char *command,
	const char *what, uint8_t network[UCCN_KEY_BYTES], char **file, bool *done) {
	char *pos[2];
	size_t npos;
	int status = uccn_cli_parse(cli, argc, argv, opts, usage, pos, 2, &npos, done);
	if (status != 0 || *done) {
		return status;
	}
	if (npos != 1) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"expected one FILE (see 'uccn registry %s --help')", command);
	}
	const char *network_hex = *opts[0].value;
	if (network_hex == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--network is required: the network id the %s", what);
	}
	if (!uccn_cli_parse_key(cli, "--network", network_hex, network)) {
		return UCCN_CLI_USAGE;
	}
	*file = pos[0];
	return 0;
}

static int registry_check(struct uccn_cli *cli, int argc, char **argv) {
	const char *network_hex = NULL, *require = NULL, *max_age = NULL;
	bool compare = false;
	const struct uccn_cli_option opts[] = {
		{"network", 0, NULL, &network_hex},
		{"max-age", 0, NULL, &max_age},
		{"require-witnesses", 0, NULL, &require},
		{"compare", 0, &compare, NULL},
		{NULL, 0, NULL, NULL},
	};
	uint8_t network[UCCN_KEY_BYTES];
	char *pos[1];
	bool done;
	int status = network_and_file(cli, argc, argv, opts, check_usage, "check",
		"proof must be from", network, &pos[0], &done);
	if (status != 0 || done) {
		return status;
	}
	char *end = NULL;
	unsigned long required = require != NULL ? strtoul(require, &end, 10) : 0;
	if (require != NULL && (require[0] < '0' || require[0] > '9' || *end != '\0' ||
				       required > UCCN_NOTE_SIGS_WITNESSES)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--require-witnesses takes a number of witnesses, 0 to %d",
			UCCN_NOTE_SIGS_WITNESSES);
	}
	uint64_t max_age_ms = 0;
	if (max_age != NULL && !uccn_cli_parse_duration(max_age, &max_age_ms)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--max-age takes a duration: a number and s, m, h, d or w (30d, 12h), got "
			"'%s'",
			max_age);
	}
	const char *shown = strcmp(pos[0], "-") == 0 ? "stdin" : pos[0];
	struct uccn_bytes data = {0};
	if (uccn_cli_read_file(pos[0], &data) != 0) {
		int e = errno;
		uccn_bytes_finish(&data);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(e));
	}
	/* The text form carries the same bytes: check those. */
	struct uccn_bytes bin = {0};
	int armored = uccn_registry_proof_dearmor(data.data, data.len, &bin);
	if (armored < 0) {
		uccn_bytes_finish(&data);
		uccn_bytes_finish(&bin);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: not valid: a damaged text proof (%s)",
			shown,
			armored == UCCN_ENOMEM ? uccn_strerror(armored)
					       : "no footer line, or not base64 between");
	}
	if (armored > 0) {
		uccn_bytes_finish(&data);
		data = bin;
	}
	uint8_t witnesses[UCCN_NOTE_SIGS_WITNESSES][UCCN_KEY_BYTES];
	int nwitnesses = 0;
	struct uccn_proof_result res;
	struct uccn_error e;
	const char *why = e.msg;
	uccn_cli_clear_error(cli);
	/* An empty file has no bytes to point at; the check still gets a valid pointer. */
	static const uint8_t empty[1];
	int err = uccn_registry_check_proof(
		data.len > 0 ? data.data : empty, data.len, network, &res, &e);
	if (err == UCCN_OK) {
		nwitnesses = uccn_registry_proof_witnesses(
			data.data, data.len, network, witnesses, UCCN_NOTE_SIGS_WITNESSES);
		err = nwitnesses < 0 ? nwitnesses : UCCN_OK;
	}
	int alarm = 0;
	if (compare && (err == UCCN_OK || err == UCCN_ENOTMEMBER)) {
		/* The proof's checkpoint is one more view of the registry: compare it with ours. */
		alarm = compare_with_home(cli, &data);
	}
	uccn_bytes_finish(&data);
	if (alarm != 0) {
		return alarm;
	}
	uint64_t signed_ms = res.head.hlc >> 16, now = uccn_cli_now_ms();
	if (err == UCCN_OK && max_age != NULL && now > signed_ms && now - signed_ms > max_age_ms) {
		char age[48], when[32];
		uccn_cli_format_duration(now - signed_ms, age, sizeof(age));
		uccn_cli_format_hlc(res.head.hlc, when, sizeof(when));
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: too old: its tree head was signed %s ago (%s), more than --max-age %s",
			shown, age, when, max_age);
	}
	if (err < 0) {
		const char *what = uccn_strerror(err);
		if (why[0] == '\0') {
			status =
				uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: not valid: %s", shown, what);
		} else if (strstr(why, what) != NULL) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: not valid: %s", shown, why);
		} else {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "%s: not valid: %s: %s", shown, what, why);
		}
		return status;
	}
	const struct uccn_member *m = &res.member; /* its strings point into res */
	fputs("valid: ", stdout);
	uccn_cli_print_text(
		stdout, uccn_cli_or_empty(m->name), strlen(uccn_cli_or_empty(m->name)), true);
	fputs(" (", stdout);
	uccn_cli_print_text(
		stdout, uccn_cli_or_empty(m->country), strlen(uccn_cli_or_empty(m->country)), true);
	fputs(", ", stdout);
	uccn_cli_print_text(
		stdout, uccn_cli_or_empty(m->field), strlen(uccn_cli_or_empty(m->field)), true);
	printf(", designated %d) is a member under ", m->year);
	uccn_cli_print_tree_head(stdout, &res.head);
	/* The whole key, to compare with the key of the peer that showed the proof. */
	char key[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(m->key, UCCN_KEY_BYTES, key);
	printf("\nkey %s\n", key);
	printf("cosigned by %d witness%s", nwitnesses, nwitnesses == 1 ? "" : "es");
	for (int i = 0; i < nwitnesses; i++) {
		printf("%s%s", i == 0 ? ": " : ", ", uccn_cli_short_key(witnesses[i]).s);
	}
	fputc('\n', stdout);
	if ((unsigned long)nwitnesses < required) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: the checkpoint has %d witness%s, %lu required", shown, nwitnesses,
			nwitnesses == 1 ? "" : "es", required);
	}
	return 0;
}

static int registry_checkpoint(struct uccn_cli *cli, int argc, char **argv) {
	bool key = false, sign = false;
	const struct uccn_cli_option opts[] = {
		{"key", 0, &key, NULL},
		{"sign", 0, &sign, NULL},
		{NULL, 0, NULL, NULL},
	};
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, opts, checkpoint_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	uccn_cli_clear_error(cli);
	struct uccn_bytes note = {0};
	char vkey[128], why[UCCN_ERRMSG_MAX] = "";
	int err = UCCN_OK;
	if (key && sign) {
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "--key and --sign do not go together");
	}
	if (sign) {
		err = uccn_node_registry_sign_checkpoint(node, uccn_cli_now_ms());
		snprintf(why, sizeof(why), "%s", uccn_node_errmsg(node));
	}
	if (err == UCCN_OK) {
		err = key ? uccn_node_checkpoint_key(node, vkey, sizeof(vkey))
			  : uccn_node_checkpoint(node, &note);
	}
	uccn_node_close(node);
	if (why[0] != '\0') {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", why);
	} else if (err == UCCN_ENOTFOUND) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s",
			key ? "this node is in no network" : "no signed checkpoint here yet");
	} else if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	} else if (key) {
		printf("%s\n", vkey);
	} else if (fwrite(note.data, 1, note.len, stdout) != note.len) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "stdout: %s", strerror(errno));
	}
	uccn_bytes_finish(&note);
	return status;
}

static int registry_consistency(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, consistency_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long old = npos == 1 ? strtoull(pos[0], &end, 10) : 0;
	if (npos != 1 || pos[0][0] < '0' || pos[0][0] > '9' || *end != '\0' || errno != 0 ||
		old == 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"expected one OLD_SIZE, a number of leaves above 0 (see 'uccn registry "
			"consistency --help')");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_cli_clear_error(cli);
	struct uccn_bytes proof = {0};
	uint64_t size = 0;
	int err = uccn_node_registry_consistency(node, old, &proof, &size);
	uccn_node_close(node);
	if (err == UCCN_ENOTFOUND) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "no signed checkpoint here yet");
	} else if (err == UCCN_EINVAL) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"the newest checkpoint has %llu leaves: OLD_SIZE must be 1 to that",
			(unsigned long long)size);
	} else if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	} else if (proof.len > 0 && fwrite(proof.data, 1, proof.len, stdout) != proof.len) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "stdout: %s", strerror(errno));
	}
	uccn_bytes_finish(&proof);
	return status;
}

static int registry_evidence(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, NULL, evidence_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	uccn_cli_clear_error(cli);
	struct uccn_bytes text = {0};
	int err = uccn_node_split_view_evidence(node, &text);
	uccn_node_close(node);
	if (err == UCCN_ENOTFOUND) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "no split view seen here");
	} else if (err < 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	} else if (fwrite(text.data, 1, text.len, stdout) != text.len) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "stdout: %s", strerror(errno));
	}
	uccn_bytes_finish(&text);
	return status;
}

static int registry_check_evidence(struct uccn_cli *cli, int argc, char **argv) {
	const char *network_hex = NULL;
	const struct uccn_cli_option opts[] = {
		{"network", 0, NULL, &network_hex},
		{NULL, 0, NULL, NULL},
	};
	uint8_t network[UCCN_KEY_BYTES];
	char *pos[1];
	bool done;
	int status = network_and_file(cli, argc, argv, opts, check_evidence_usage,
		"check-evidence", "evidence must be of", network, &pos[0], &done);
	if (status != 0 || done) {
		return status;
	}
	const char *shown = strcmp(pos[0], "-") == 0 ? "stdin" : pos[0];
	struct uccn_bytes data = {0};
	if (uccn_cli_read_file(pos[0], &data) != 0) {
		int e = errno;
		uccn_bytes_finish(&data);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(e));
	}
	struct uccn_split_view_result res;
	struct uccn_error e;
	uccn_cli_clear_error(cli);
	int err =
		uccn_registry_check_evidence((const char *)data.data, data.len, network, &res, &e);
	uccn_bytes_finish(&data);
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: shows no split view: %s", shown,
			uccn_cli_reason(e.msg, err));
	}
	printf("valid: split view: the network's root key signed a checkpoint of size %llu "
	       "root %s\n",
		(unsigned long long)res.size[0], uccn_cli_short_key(res.root[0]).s);
	printf("and one of size %llu root %s, which no one registry has\n",
		(unsigned long long)res.size[1], uccn_cli_short_key(res.root[1]).s);
	return 0;
}

int uccn_cmd_registry(struct uccn_cli *cli, int argc, char **argv) {
	static const struct {
		const char *name;
		const char *command; /* as error lines name it */
		int (*run)(struct uccn_cli *cli, int argc, char **argv);
	} subcommands[] = {
		{"verify", "registry verify", registry_verify},
		{"prove", "registry prove", registry_prove},
		{"check", "registry check", registry_check},
		{"checkpoint", "registry checkpoint", registry_checkpoint},
		{"consistency", "registry consistency", registry_consistency},
		{"evidence", "registry evidence", registry_evidence},
		{"witness-add", "registry witness-add", uccn_cmd_registry_witness_add},
		{"witness-submit", "registry witness-submit", uccn_cmd_registry_witness_submit},
		{"check-evidence", "registry check-evidence", registry_check_evidence},
	};
	for (size_t i = 0; argc > 1 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0) {
			cli->command = subcommands[i].command;
			return subcommands[i].run(cli, argc - 1, argv + 1);
		}
	}
	return registry_list(cli, argc, argv);
}
