/* cmd_records.c - the commands on records: put, get, list, delete and history. Input is checked
 * against the schema here, before the node is called, so a mistake gets a message naming the
 * field and nothing half-parsed ever reaches the store; the node checks again regardless. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/cli_text.h"

static const char put_usage[] =
	"usage: uccn [--home DIR] put KIND [ID] [NAME=VALUE...] [--json FILE]\n"
	"       uccn [--home DIR] put KIND [ID] --edit\n"
	"\n"
	"Without ID, creates a record of KIND and prints its new id. With ID (or the first\n"
	"characters of it, when they name one record), changes only the given fields of that\n"
	"record and prints the id. A VALUE is split at the first '=';\n"
	"lists are comma-separated (sdgs=4,11 fields=music,film); an empty VALUE removes the\n"
	"field. --json FILE reads the fields as one JSON object (\"-\": stdin): strings,\n"
	"integers, arrays of them, null to remove; NAME=VALUE arguments win over it.\n"
	"--edit (-e) opens $EDITOR (else 'editor', else 'vi') on a template of the kind's\n"
	"fields, each under its [name] with its help as comments (the record's values when\n"
	"ID is given), long texts on as many lines and paragraphs as they take; what is saved\n"
	"is put. When it cannot be (a field's value is refused), the error line names the file\n"
	"that keeps the text.\n"
	"'uccn put KIND --help' lists the fields of KIND.\n";

static const char get_usage[] =
	"usage: uccn [--home DIR] get [KIND] ID [--json]\n"
	"\n"
	"ID may be the first characters of the id when they are those of one record only, and\n"
	"KIND may be left out when no record of another kind has that id.\n"
	"Shows one record: a header line (kind, id, owner, created, updated,\n"
	"DELETED if so), then one line per field; a text of several lines (a\n"
	"report's paragraphs) follows its field's name on lines of its own, each\n"
	"indented by four spaces, blank lines kept. --json prints one JSON object:\n"
	"kind, id, owner, deleted, created, updated, fields.\n";

static const char list_usage[] =
	"usage: uccn [--home DIR] list [KIND] [--json|--jsonl] [--all]\n"
	"\n"
	"Lists records (of KIND, else all), one line each: id, title, kind and\n"
	"owner. On a terminal, ids longer than 32 characters (a city's id is its key)\n"
	"are cut to their first 16 and '\u2026'; piped or redirected, ids are whole.\n"
	"--json prints one JSON array of the records, each as 'get --json' prints it;\n"
	"--jsonl prints one such object per line. --all includes deleted records,\n"
	"titled '(deleted)'.\n";

static const char delete_usage[] =
	"usage: uccn [--home DIR] delete [KIND] ID\n"
	"\n"
	"Deletes a record: a signed tombstone, so the history stays. ID and KIND as for 'get'.\n";

static const char history_usage[] =
	"usage: uccn [--home DIR] history [KIND] ID [--json|--jsonl]\n"
	"\n"
	"Shows every change of a record (ID and KIND as for 'get'), oldest first: sequence, time, author, operation and\n"
	"fields as NAME=VALUE, quoted so that each reads back as a 'put' argument (newlines\n"
	"show as spaces). --json prints one JSON array of the changes, each an object: hash,\n"
	"author, seq, hlc (a string of digits: it is a 64-bit number), time, op, fields;\n"
	"--jsonl prints one such object per line.\n";

/* Prints the fields of kind k, for 'put KIND --help'. */
static void print_kind_help(const struct uccn_kind_spec *k) {
	printf("\n%s (written by %s):\n", k->name, k->writer != NULL ? k->writer : "?");
	for (size_t i = 0; i < k->nfields; i++) {
		const struct uccn_field_spec *f = &k->fields[i];
		printf("  %-16s %s%s%s%s\n", f->name, uccn_schema_type_name(f->type),
			f->required ? ", required" : "", f->help != NULL ? ": " : "",
			f->help != NULL ? f->help : "");
		if (f->type == UCCN_TYPE_CHOICE && f->choices != NULL) {
			fputs("                   one of:", stdout);
			for (const char *const *c = f->choices; *c != NULL; c++) {
				printf(" %s", *c);
			}
			fputc('\n', stdout);
		}
	}
}

/* The fields of one put, as they will be passed to the node. Strings borrow argv or the JSON
 * document. */
struct put_input {
	struct uccn_field fields[UCCN_FIELDS_MAX];
	size_t nfields;
	struct uccn_value items[UCCN_ITEMS_MAX];
	size_t nitems;
};

/* The slot for the field called name: the existing one (a later argument wins) or a new one. */
static struct uccn_field *field_slot(struct put_input *in, const char *name, size_t len) {
	for (size_t i = 0; i < in->nfields; i++) {
		if (in->fields[i].name_len == len && memcmp(in->fields[i].name, name, len) == 0) {
			return &in->fields[i];
		}
	}
	if (in->nfields == UCCN_FIELDS_MAX) {
		return NULL;
	}
	struct uccn_field *f = &in->fields[in->nfields++];
	f->name = name;
	f->name_len = len;
	return f;
}

static int unknown_field(
	struct uccn_cli *cli, const struct uccn_kind_spec *k, const char *name, size_t len) {
	char names[1024], hint[160];
	uccn_cli_field_names(k, names, sizeof(names));
	const char *fields[UCCN_FIELDS_MAX];
	size_t n = 0;
	for (; n < k->nfields && n < UCCN_FIELDS_MAX; n++) {
		fields[n] = k->fields[n].name;
	}
	uccn_cli_suggest(name, len, fields, n, hint, sizeof(hint));
	return uccn_cli_fail(cli, UCCN_CLI_USAGE, "%s has no field '%.*s'%s (fields: %s)", k->name,
		(int)len, name, hint, names);
}

/* Said at the end of an error line of `put --edit`: where the user's text is kept. */
static char kept_note[4200];

/* Fails with why, making sure the message names the field. */
static int bad_field(struct uccn_cli *cli, const char *name, size_t len, const char *why, int err) {
	if (why[0] == '\0') {
		why = uccn_strerror(err);
	}
	/* The schema's messages name the field already ("best_practice.sdgs: ..."). */
	char field[UCCN_NAME_MAX + 1];
	snprintf(field, sizeof(field), "%.*s", (int)len, name);
	if (strstr(why, field) != NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s%s", why, kept_note);
	}
	return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%.*s: %s%s", (int)len, name, why, kept_note);
}

static int parse_args(struct uccn_cli *cli, const struct uccn_kind_spec *k, char **args,
	size_t nargs, struct put_input *in) {
	for (size_t i = 0; i < nargs; i++) {
		const char *eq = strchr(args[i], '=');
		if (eq == NULL || eq == args[i]) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"expected NAME=VALUE, got '%s' (see 'uccn put --help')", args[i]);
		}
		size_t len = (size_t)(eq - args[i]);
		const struct uccn_field_spec *spec = uccn_schema_field(k, args[i], len);
		if (spec == NULL) {
			return unknown_field(cli, k, args[i], len);
		}
		struct uccn_field *f = field_slot(in, args[i], len);
		if (f == NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE, "too many fields (at most %d)",
				UCCN_FIELDS_MAX);
		}
		char why[256] = "";
		int err = uccn_cli_parse_text(spec, eq + 1, &f->value, in->items, UCCN_ITEMS_MAX,
			&in->nitems, why, sizeof(why));
		if (err < 0) {
			return bad_field(cli, args[i], len, why, err);
		}
	}
	return 0;
}

/* Adds the members of the JSON object that no argument names. */
static int parse_json(struct uccn_cli *cli, const struct uccn_kind_spec *k, const char *path,
	json_t *doc, size_t nargs_fields, struct put_input *in) {
	const char *key;
	json_t *value;
	json_object_foreach(doc, key, value) {
		size_t len = strlen(key);
		bool given = false;
		for (size_t i = 0; i < nargs_fields; i++) {
			given = given || (in->fields[i].name_len == len &&
						 memcmp(in->fields[i].name, key, len) == 0);
		}
		if (given) {
			continue;
		}
		const struct uccn_field_spec *spec = uccn_schema_field(k, key, len);
		if (spec == NULL) {
			return unknown_field(cli, k, key, len);
		}
		struct uccn_field *f = field_slot(in, key, len);
		if (f == NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"%s: too many fields (at most %d)", path, UCCN_FIELDS_MAX);
		}
		char why[256] = "";
		int err = uccn_cli_json_to_value(spec, value, &f->value, in->items, UCCN_ITEMS_MAX,
			&in->nitems, why, sizeof(why));
		if (err < 0) {
			return bad_field(cli, key, len, why, err);
		}
	}
	return 0;
}

static json_t *load_json(struct uccn_cli *cli, const char *path, int *status) {
	struct uccn_bytes data = {0};
	const char *shown = strcmp(path, "-") == 0 ? "stdin" : path;
	if (uccn_cli_read_file(path, &data) != 0) {
		*status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(errno));
		uccn_bytes_finish(&data);
		return NULL;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(data.len > 0 ? (const char *)data.data : "", data.len,
		JSON_REJECT_DUPLICATES, &jerr);
	uccn_bytes_finish(&data);
	if (doc == NULL) {
		*status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s: line %d: %s", shown, jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		*status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: expected one JSON object", shown);
		return NULL;
	}
	return doc;
}

/* The error line for a failed node call on the record (kind, id). */
static int record_error(
	struct uccn_cli *cli, int err, const char *kind, const char *id, const char *why) {
	const char *k = kept_note;
	switch (err) {
	case UCCN_ENOTFOUND:
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "no %s with id '%s'%s", kind, id, k);
	case UCCN_EPERM:
		if (why == NULL || why[0] == '\0') {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s%s%s: not permitted%s", kind,
				id[0] != '\0' ? " " : "", id, k);
		}
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s %s: %s%s", kind, id, why, k);
	default:
		if (why != NULL && why[0] != '\0') {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s%s", why, k);
		}
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s%s", uccn_strerror(err), k);
	}
}

/* The record a command names: a kind (or none) and an id or the first characters of one. */
struct target {
	const char *kind; /* NULL: any kind, until found */
	const char *text; /* as typed */
	char id[UCCN_ID_MAX + 1];
};

/* Parses "[KIND] ID" (get, delete, history). Returns 0 with t's kind and text set. */
static int kind_and_id(struct uccn_cli *cli, char **pos, size_t npos, struct target *t) {
	if (npos == 0 || (npos == 1 && uccn_schema_kind(pos[0]) != NULL)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"expected [KIND] ID (see 'uccn %s --help')", cli->command);
	}
	t->kind = NULL;
	if (npos == 2) {
		const struct uccn_kind_spec *k = uccn_cli_kind(cli, pos[0]);
		if (k == NULL) {
			return UCCN_CLI_USAGE;
		}
		t->kind = k->name;
	}
	t->text = pos[npos - 1];
	return uccn_cli_check_id(cli, t->text) ? 0 : UCCN_CLI_USAGE;
}

/* Candidates for an id prefix, as many as an error line lists (and one more, to know). */
#define MATCHES_SHOWN 8
struct matches {
	struct {
		char kind[UCCN_KIND_MAX + 1];
		char id[UCCN_ID_MAX + 1];
	} m[MATCHES_SHOWN + 1];
	size_t n;
	const char *exact; /* only the match equal to this counts (NULL: every one) */
};

static int add_match(void *userdata, const char *kind, const char *id) {
	struct matches *ms = userdata;
	if ((ms->exact != NULL && strcmp(id, ms->exact) != 0) || ms->n > MATCHES_SHOWN) {
		return 0;
	}
	snprintf(ms->m[ms->n].kind, sizeof(ms->m[ms->n].kind), "%s", kind);
	snprintf(ms->m[ms->n].id, sizeof(ms->m[ms->n].id), "%s", id);
	ms->n++;
	return 0;
}

/* "best_practice 3f2a..., event 3f9c..." for an error line. */
static void list_matches(const struct matches *ms, char *buf, size_t len) {
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ms->n && i < MATCHES_SHOWN && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s %s", i > 0 ? ", " : "",
			ms->m[i].kind, ms->m[i].id);
		used += n > 0 ? (size_t)n : 0;
	}
	if (ms->n > MATCHES_SHOWN && used < len) {
		snprintf(buf + used, len - used, ", ...");
	}
}

/* Finds the record t names: an id typed whole, else the one record whose id starts with what
 * was typed; with no kind, of whichever kind has it. Two records the text could mean are
 * refused, listing them. When nothing matches, must_exist says whether that is the error line
 * (else t->id is the text, for the node to answer). Returns 0 or the exit status. */
static int find_target(
	struct uccn_cli *cli, struct uccn_node *node, struct target *t, bool must_exist) {
	size_t nkinds = 0;
	const struct uccn_kind_spec *kinds = uccn_schema_kinds(&nkinds);
	/* An id typed whole wins over the longer ids it starts: the first match of each kind
	 * (ids in order) is the id itself if it exists. */
	struct matches exact = {.exact = t->text};
	int err = UCCN_OK;
	for (size_t i = 0; err == UCCN_OK && i < nkinds; i++) {
		if (t->kind == NULL || strcmp(t->kind, kinds[i].name) == 0) {
			err = uccn_node_match_ids(
				node, kinds[i].name, t->text, 1, add_match, &exact);
		}
	}
	struct matches prefix = {0};
	if (err == UCCN_OK && exact.n == 0) {
		err = uccn_node_match_ids(
			node, t->kind, t->text, MATCHES_SHOWN + 1, add_match, &prefix);
	}
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	const struct matches *ms = exact.n > 0 ? &exact : &prefix;
	char list[1024];
	list_matches(ms, list, sizeof(list));
	if (ms->n > 1 && ms == &exact) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is the id of records of several kinds (%s): give the kind", t->text,
			list);
	}
	if (ms->n > 1) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is the start of several ids (%s): give more of it", t->text, list);
	}
	if (ms->n == 0) {
		snprintf(t->id, sizeof(t->id), "%s", t->text);
		if (!must_exist) {
			return 0;
		}
		if (t->kind == NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL, "no record with id '%s'", t->text);
		}
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "no %s with id '%s'", t->kind, t->text);
	}
	t->kind = uccn_schema_kind(ms->m[0].kind)->name; /* static, unlike the copy */
	snprintf(t->id, sizeof(t->id), "%s", ms->m[0].id);
	return 0;
}

/* Turns the fields written in the editor into the put's fields, as NAME=VALUE arguments are. */
static int parse_edited(struct uccn_cli *cli, const struct uccn_cli_edit *ed, struct put_input *in) {
	for (size_t i = 0; i < ed->n; i++) {
		const char *name = ed->f[i].spec->name;
		struct uccn_field *f = field_slot(in, name, strlen(name));
		char why[256] = "";
		int err = f == NULL ? UCCN_ESCHEMA
				    : uccn_cli_parse_text(ed->f[i].spec, ed->f[i].value, &f->value,
					      in->items, UCCN_ITEMS_MAX, &in->nitems, why,
					      sizeof(why));
		if (err < 0) {
			return bad_field(cli, name, strlen(name), why, err);
		}
	}
	return 0;
}

/* Checks each field against the kind's schema before anything is written. */
static int check_fields(struct uccn_cli *cli, const struct uccn_kind_spec *k,
	const struct put_input *in) {
	for (size_t i = 0; i < in->nfields; i++) {
		struct uccn_error e;
		int err = uccn_schema_check_field(k, &in->fields[i], &e);
		if (err < 0) {
			return bad_field(cli, in->fields[i].name, in->fields[i].name_len, e.msg, err);
		}
	}
	return 0;
}

int uccn_cmd_put(struct uccn_cli *cli, int argc, char **argv) {
	const char *json_path = NULL;
	bool edit = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, NULL, &json_path},
		{"edit", 'e', &edit, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2 + 2 * UCCN_FIELDS_MAX];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(
		cli, argc, argv, opts, put_usage, pos, sizeof(pos) / sizeof(pos[0]), &npos, &done);
	if (status != 0 || done) {
		if (done && npos > 0 && uccn_schema_kind(pos[0]) != NULL) {
			print_kind_help(uccn_schema_kind(pos[0]));
		}
		return status;
	}
	if (npos < 1) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "missing KIND (see 'uccn put --help')");
	}
	const struct uccn_kind_spec *k = uccn_cli_kind(cli, pos[0]);
	if (k == NULL) {
		return UCCN_CLI_USAGE;
	}
	const char *id = NULL;
	size_t first_arg = 1;
	if (npos > 1 && strchr(pos[1], '=') == NULL) {
		id = pos[1];
		first_arg = 2;
		if (!uccn_cli_check_id(cli, id)) {
			return UCCN_CLI_USAGE;
		}
	}
	if (edit && (json_path != NULL || first_arg < npos)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--edit goes alone: the fields are written in the editor, not as NAME=VALUE "
			"or --json");
	}
	static struct put_input in; /* static: a few tens of KiB */
	memset(&in, 0, sizeof(in));
	json_t *doc = NULL;
	struct uccn_node *node = NULL;
	struct uccn_cli_edit ed;
	bool edited = false;
	if (!edit) {
		if ((status = parse_args(cli, k, pos + first_arg, npos - first_arg, &in)) != 0) {
			return status;
		}
		size_t nargs_fields = in.nfields;
		if (json_path != NULL) {
			if ((doc = load_json(cli, json_path, &status)) == NULL) {
				return status;
			}
			if ((status = parse_json(cli, k, json_path, doc, nargs_fields, &in)) != 0) {
				goto out;
			}
		}
		if (in.nfields == 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"nothing to put: give NAME=VALUE arguments, --json FILE or --edit");
			goto out;
		}
	}
	if ((!edit && (status = check_fields(cli, k, &in)) != 0) ||
		(status = uccn_cli_open_node(cli, &node)) != 0) {
		goto out;
	}
	struct target t = {.kind = k->name, .text = id};
	if (id != NULL) {
		/* The first characters of the id will do, when they name one record. */
		if ((status = find_target(cli, node, &t, edit)) != 0) {
			goto out;
		}
		id = t.id;
	}
	if (edit) {
		edited = true;
		if ((status = uccn_cli_edit(cli, node, k, id, &ed)) != 0) {
			goto out;
		}
		/* From here on, an error line says where the user's text is. */
		snprintf(kept_note, sizeof(kept_note), " (the text is kept in %s)", ed.path);
		if ((status = parse_edited(cli, &ed, &in)) != 0 ||
			(status = check_fields(cli, k, &in)) != 0) {
			goto out;
		}
	}
	char out_id[UCCN_ID_MAX + 1] = "";
	int err =
		uccn_node_put(node, k->name, id, in.fields, in.nfields, uccn_cli_now_ms(), out_id);
	if (err < 0) {
		status = record_error(
			cli, err, k->name, id != NULL ? id : "", uccn_node_errmsg(node));
		goto out;
	}
	printf("%s\n", id != NULL ? id : out_id);
out:
	if (edited) {
		uccn_cli_edit_finish(&ed, status != 0);
	}
	kept_note[0] = '\0';
	uccn_node_close(node);
	json_decref(doc);
	return status;
}

/* Prints a record as `get` does: a header line, then its fields in the schema's order (any the
 * schema does not know after them). */
static void print_record(const struct uccn_record *r) {
	char owner[2 * UCCN_KEY_BYTES + 1], created[32], updated[32];
	uccn_text_to_hex(uccn_record_owner(r), UCCN_KEY_BYTES, owner);
	uccn_cli_format_hlc(uccn_record_created_hlc(r), created, sizeof(created));
	uccn_cli_format_hlc(uccn_record_updated_hlc(r), updated, sizeof(updated));
	printf("%s %s  owner %.16s  created %s  updated %s%s\n", uccn_record_kind(r),
		uccn_record_id(r), owner, created, updated,
		uccn_record_deleted(r) ? "  DELETED" : "");
	size_t nfields = uccn_record_field_count(r);
	bool shown[UCCN_FIELDS_MAX] = {false};
	const struct uccn_kind_spec *k = uccn_schema_kind(uccn_record_kind(r));
	for (size_t s = 0; k != NULL && s < k->nfields; s++) {
		size_t len = strlen(k->fields[s].name);
		for (size_t i = 0; i < nfields; i++) {
			const struct uccn_field *f = uccn_record_field_at(r, i);
			if (!shown[i] && f->name_len == len &&
				memcmp(f->name, k->fields[s].name, len) == 0) {
				shown[i] = true;
				uccn_cli_print_field(stdout, f);
			}
		}
	}
	for (size_t i = 0; i < nfields; i++) {
		const struct uccn_field *f = uccn_record_field_at(r, i);
		if (!shown[i]) {
			uccn_cli_print_field(stdout, f);
		}
	}
}

struct show_ctx {
	struct uccn_cli *cli;
	bool json;
	struct uccn_cli_emit *emit; /* a listing's JSON (list, history); NULL: one object */
	int status;
};

static int show_record(void *userdata, const struct uccn_record *r) {
	struct show_ctx *ctx = userdata;
	if (!ctx->json) {
		print_record(r);
		return 0;
	}
	json_t *j = uccn_cli_record_to_json(r);
	if (ctx->emit != NULL) {
		ctx->status = uccn_cli_emit(ctx->emit, j);
	} else {
		ctx->status = uccn_cli_print_json(ctx->cli, j, true);
		json_decref(j);
	}
	return ctx->status != 0 ? 1 : 0; /* stop the walk: the error line is printed */
}

/* Opens the node and finds the record t names, for the commands that read or delete one
 * record; on failure the node is closed again. Returns 0 or the exit status. */
static int open_target(struct uccn_cli *cli, struct target *t, struct uccn_node **node) {
	int status = uccn_cli_open_node(cli, node);
	if (status == 0 && (status = find_target(cli, *node, t, true)) != 0) {
		uccn_node_close(*node);
		*node = NULL;
	}
	return status;
}

int uccn_cmd_get(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, get_usage, pos, 2, &npos, &done);
	struct target t;
	if (status != 0 || done || (status = kind_and_id(cli, pos, npos, &t)) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = open_target(cli, &t, &node)) != 0) {
		return status;
	}
	struct show_ctx ctx = {.cli = cli, .json = json};
	int err = uccn_node_get(node, t.kind, t.id, show_record, &ctx);
	uccn_node_close(node);
	if (ctx.status != 0) {
		return ctx.status;
	}
	if (err < 0) {
		return record_error(cli, err, t.kind, t.id, NULL);
	}
	return 0;
}

/* The widest id the list's id column shows whole; a longer one is cut to ID_SHORT characters
 * and an ellipsis (a city's id, its 64-digit key, is the common case). */
#define ID_COLUMN 32
#define ID_SHORT 16

/* One line of a text listing, copied out of the borrowed record. */
struct row {
	char id[UCCN_ID_MAX + 4]; /* as shown: whole, or cut and an ellipsis (3 bytes) */
	char *title;
	char kind[UCCN_KIND_MAX + 1];
	char owner[2 * UCCN_KEY_BYTES + 1];
};

struct list_ctx {
	struct show_ctx show;
	struct row *rows;
	size_t nrows, cap;
	bool whole_ids; /* stdout is not a terminal: a script reads the ids */
};

/* Characters on screen, roughly: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s) {
	size_t w = 0;
	for (; *s != '\0'; s++) {
		w += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return w;
}

/* Cuts s to at most max columns, ending in "..." when cut, on a character boundary. */
static void cut_text(char *s, size_t max) {
	size_t w = 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80) {
			continue;
		}
		if (w == max - 3) {
			if (text_width(s + i) > 3) {
				memcpy(s + i, "...", 4);
			}
			return;
		}
		w++;
	}
}

static char *record_title(const struct uccn_record *r) {
	if (uccn_record_deleted(r)) {
		/* A tombstone shows no fields, so there is no title to show. */
		return strdup("(deleted)");
	}
	const struct uccn_kind_spec *k = uccn_schema_kind(uccn_record_kind(r));
	const struct uccn_value *v =
		k != NULL && k->title != NULL ? uccn_record_field(r, k->title) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		return NULL;
	}
	if (v != NULL) {
		uccn_cli_print_value(f, v, ", ", true);
	} else {
		fputs("-", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	cut_text(buf, 60);
	return buf;
}

static int collect_row(void *userdata, const struct uccn_record *r) {
	struct list_ctx *ctx = userdata;
	if (ctx->show.json) {
		return show_record(&ctx->show, r);
	}
	struct row *rows = uccn_cli_grow(ctx->rows, ctx->nrows, &ctx->cap, sizeof(*rows));
	if (rows == NULL) {
		return UCCN_ENOMEM;
	}
	ctx->rows = rows;
	struct row *row = &ctx->rows[ctx->nrows];
	if ((row->title = record_title(r)) == NULL) {
		return UCCN_ENOMEM;
	}
	const char *id = uccn_record_id(r);
	if (ctx->whole_ids || strlen(id) <= ID_COLUMN) {
		snprintf(row->id, sizeof(row->id), "%s", id);
	} else {
		snprintf(row->id, sizeof(row->id), "%.*s\u2026", ID_SHORT, id);
	}
	snprintf(row->kind, sizeof(row->kind), "%s", uccn_record_kind(r));
	uccn_text_to_hex(uccn_record_owner(r), UCCN_KEY_BYTES, row->owner);
	ctx->nrows++;
	return 0;
}

static void print_rows(const struct list_ctx *ctx) {
	size_t id_w = 0, title_w = 0;
	for (size_t i = 0; i < ctx->nrows; i++) {
		size_t w = text_width(ctx->rows[i].id);
		id_w = w > id_w ? w : id_w;
		w = text_width(ctx->rows[i].title);
		title_w = w > title_w ? w : title_w;
	}
	for (size_t i = 0; i < ctx->nrows; i++) {
		const struct row *row = &ctx->rows[i];
		/* Pad by columns, not bytes, so accented titles and the ellipsis line up too. */
		printf("%s%*s  %s%*s  (%s, owner %.8s)\n", row->id,
			(int)(id_w - text_width(row->id)), "", row->title,
			(int)(title_w - text_width(row->title)), "", row->kind, row->owner);
	}
}

int uccn_cmd_list(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false, jsonl = false, all = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{"jsonl", 0, &jsonl, NULL},
		{"all", 'a', &all, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, list_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	const struct uccn_kind_spec *k = NULL;
	if (npos == 1 && (k = uccn_cli_kind(cli, pos[0])) == NULL) {
		return UCCN_CLI_USAGE;
	}
	struct uccn_cli_emit emit;
	if ((status = uccn_cli_emit_begin(cli, &emit, json, jsonl)) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		uccn_cli_emit_end(&emit, false);
		return status;
	}
	struct list_ctx ctx = {.show = {.cli = cli, .json = json || jsonl, .emit = &emit},
		.whole_ids = !isatty(STDOUT_FILENO)};
	int err = uccn_node_list(node, k != NULL ? k->name : NULL, all, collect_row, &ctx);
	uccn_node_close(node);
	if (ctx.show.status != 0) {
		status = ctx.show.status;
	} else if (err != 0) {
		status = uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err < 0 ? err : UCCN_ENOMEM));
	} else {
		print_rows(&ctx);
	}
	int end = uccn_cli_emit_end(&emit, status == 0);
	status = status != 0 ? status : end;
	for (size_t i = 0; i < ctx.nrows; i++) {
		free(ctx.rows[i].title);
	}
	free(ctx.rows);
	return status;
}

int uccn_cmd_delete(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, delete_usage, pos, 2, &npos, &done);
	struct target t;
	if (status != 0 || done || (status = kind_and_id(cli, pos, npos, &t)) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = open_target(cli, &t, &node)) != 0) {
		return status;
	}
	int err = uccn_node_delete(node, t.kind, t.id, uccn_cli_now_ms());
	status = err < 0 ? record_error(cli, err, t.kind, t.id, uccn_node_errmsg(node)) : 0;
	uccn_node_close(node);
	return status;
}

static int show_change(
	void *userdata, const struct uccn_change *c, const uint8_t hash[UCCN_HASH_BYTES]) {
	struct show_ctx *ctx = userdata;
	char author[2 * UCCN_KEY_BYTES + 1], time[32];
	uccn_text_to_hex(uccn_change_author(c), UCCN_KEY_BYTES, author);
	uccn_cli_format_hlc(uccn_change_hlc(c), time, sizeof(time));
	const char *op = uccn_change_op(c) == UCCN_OP_DELETE ? "delete" : "put";
	size_t nfields = uccn_change_field_count(c);
	if (!ctx->json) {
		printf("seq %llu  %s  %.16s  %s", (unsigned long long)uccn_change_seq(c), time,
			author, op);
		for (size_t i = 0; i < nfields; i++) {
			fputs(i == 0 ? "  " : " ", stdout);
			uccn_cli_print_assignment(stdout, uccn_change_field_at(c, i));
		}
		fputc('\n', stdout);
		return 0;
	}
	char hash_hex[2 * UCCN_HASH_BYTES + 1];
	uccn_text_to_hex(hash, UCCN_HASH_BYTES, hash_hex);
	json_t *fields = json_object();
	bool ok = fields != NULL;
	for (size_t i = 0; ok && i < nfields; i++) {
		const struct uccn_field *f = uccn_change_field_at(c, i);
		char name[UCCN_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)f->name_len, f->name);
		json_t *v = uccn_cli_value_to_json(&f->value);
		ok = v != NULL && json_object_set_new(fields, name, v) == 0;
	}
	json_t *j = ok ? json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:o}", "hash", hash_hex,
				 "author", author, "seq", (json_int_t)uccn_change_seq(c), "hlc",
				 uccn_cli_json_u64(uccn_change_hlc(c)), "time", time, "op", op,
				 "fields", fields)
		       : NULL;
	if (!ok) {
		json_decref(fields); /* json_pack's "o" took fields, even on failure, when called */
	}
	ctx->status = uccn_cli_emit(ctx->emit, j);
	return ctx->status != 0 ? 1 : 0;
}

int uccn_cmd_history(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false, jsonl = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{"jsonl", 0, &jsonl, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, history_usage, pos, 2, &npos, &done);
	struct target t;
	if (status != 0 || done || (status = kind_and_id(cli, pos, npos, &t)) != 0) {
		return status;
	}
	struct uccn_cli_emit emit;
	if ((status = uccn_cli_emit_begin(cli, &emit, json, jsonl)) != 0) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = open_target(cli, &t, &node)) != 0) {
		uccn_cli_emit_end(&emit, false);
		return status;
	}
	struct show_ctx ctx = {.cli = cli, .json = json || jsonl, .emit = &emit};
	int err = uccn_node_history(node, t.kind, t.id, show_change, &ctx);
	uccn_node_close(node);
	if (ctx.status == 0 && err < 0) {
		ctx.status = record_error(cli, err, t.kind, t.id, NULL);
	}
	int end = uccn_cli_emit_end(&emit, ctx.status == 0);
	return ctx.status != 0 ? ctx.status : end;
}
