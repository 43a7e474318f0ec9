/* cli_util.c - the helpers every uccn command uses: option parsing, the home, the log handler
 * and the one-line error rule, and conversions of values to text and JSON. No command logic. */
#include "tools/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/cli_text.h"

int uccn_cli_parse_and_open(struct uccn_cli *cli, int argc, char **argv,
	const struct uccn_cli_option *opts, const char *usage, struct uccn_node **node,
	bool *done) {
	char *pos[1];
	size_t npos;
	int status = uccn_cli_parse(cli, argc, argv, opts, usage, pos, 0, &npos, done);
	if (status != 0 || *done) {
		return status;
	}
	return uccn_cli_open_node(cli, node);
}

const char *uccn_cli_reason(const char *msg, int err) {
	return msg != NULL && msg[0] != '\0' ? msg : uccn_strerror(err);
}

void uccn_cli_clear_error(struct uccn_cli *cli) {
	cli->last_error[0] = '\0';
}

/* Copies s into the error line with newlines and control characters made spaces, so the line
 * stays one line whatever the library or the input said. */
static void put_flat(FILE *f, const char *s) {
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
}

int uccn_cli_fail(struct uccn_cli *cli, int status, const char *fmt, ...) {
	char reason[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fputs("uccn: ", stderr);
	if (cli->command != NULL) {
		fprintf(stderr, "%s: ", cli->command);
	}
	put_flat(stderr, reason);
	if (cli->last_error[0] != '\0' && strstr(reason, cli->last_error) == NULL) {
		fputs(" (", stderr);
		put_flat(stderr, cli->last_error);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	cli->last_error[0] = '\0';
	return status;
}

static const struct uccn_cli_option *find_long(
	const struct uccn_cli_option *opts, const char *name, size_t len) {
	for (; opts != NULL && opts->name != NULL; opts++) {
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0) {
			return opts;
		}
	}
	return NULL;
}

static const struct uccn_cli_option *find_short(const struct uccn_cli_option *opts, char c) {
	for (; opts != NULL && opts->name != NULL; opts++) {
		if (opts->short_name == c) {
			return opts;
		}
	}
	return NULL;
}

/* The long options nearest to a mistyped one ("--jsno"), for its error line. */
static void option_hint(const struct uccn_cli_option *opts, const struct uccn_cli_option *common,
	const char *arg, char *hint, size_t len) {
	if (arg[1] != '-') {
		return;
	}
	const char *names[64];
	char spelled[64][40];
	size_t n = 0;
	const struct uccn_cli_option *lists[] = {opts, common};
	for (size_t l = 0; l < 2; l++) {
		for (const struct uccn_cli_option *o = lists[l]; o != NULL && o->name != NULL && n < 64;
			o++) {
			snprintf(spelled[n], sizeof(spelled[n]), "--%s", o->name);
			names[n] = spelled[n];
			n++;
		}
	}
	size_t typed = strcspn(arg, "=");
	uccn_cli_suggest(arg, typed, names, n, hint, len);
}

int uccn_cli_parse(struct uccn_cli *cli, int argc, char **argv, const struct uccn_cli_option *opts,
	const char *usage, char **pos, size_t cap, size_t *npos, bool *done) {
	bool help = false;
	const char *level_text = NULL;
	const struct uccn_cli_option common[] = {
		{"help", 'h', &help, NULL},
		{"home", 0, NULL, &cli->home},
		{"verbose", 'v', &cli->verbose, NULL},
		{"log-level", 0, NULL, &level_text},
		{NULL, 0, NULL, NULL},
	};
	bool only_positional = false;
	*npos = 0;
	*done = false;
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		if (only_positional || arg[0] != '-' || arg[1] == '\0') {
			if (*npos == cap) {
				return uccn_cli_fail(cli, UCCN_CLI_USAGE,
					"too many arguments at '%s' (see 'uccn %s --help')", arg,
					argv[0]);
			}
			pos[(*npos)++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_positional = true;
			continue;
		}
		const struct uccn_cli_option *o;
		const char *inline_value = NULL;
		if (arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
			inline_value = eq != NULL ? eq + 1 : NULL;
			o = find_long(opts, name, len);
			if (o == NULL) {
				o = find_long(common, name, len);
			}
		} else {
			/* Short options stand alone ("-v"), not bundled. */
			o = arg[2] == '\0' ? find_short(opts, arg[1]) : NULL;
			if (o == NULL && arg[2] == '\0') {
				o = find_short(common, arg[1]);
			}
		}
		if (o == NULL) {
			char hint[160] = "";
			option_hint(opts, common, arg, hint, sizeof(hint));
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"unknown option '%s'%s (see 'uccn %s --help')", arg, hint, argv[0]);
		}
		if (o->flag != NULL) {
			if (inline_value != NULL) {
				return uccn_cli_fail(cli, UCCN_CLI_USAGE,
					"option '--%s' takes no value", o->name);
			}
			*o->flag = true;
			continue;
		}
		if (inline_value == NULL) {
			if (i + 1 >= argc) {
				return uccn_cli_fail(
					cli, UCCN_CLI_USAGE, "option '%s' needs a value", arg);
			}
			inline_value = argv[++i];
		}
		*o->value = inline_value;
	}
	if (level_text != NULL && !uccn_cli_log_level(level_text, &cli->log_level)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"--log-level: '%s' is not error, warning, info or debug", level_text);
	}
	/* A -v or --log-level after the command name changes what the handler is given. */
	uccn_cli_log_init(cli);
	if (help) {
		fputs(usage, stdout);
		*done = true;
	}
	return 0;
}

int uccn_cli_resolve_home(struct uccn_cli *cli) {
	const char *env;
	int n;
	if (cli->home != NULL && cli->home[0] != '\0') {
		return 0;
	}
	if ((env = getenv("UCCN_HOME")) != NULL && env[0] != '\0') {
		cli->home = env;
		return 0;
	}
	if (cli->config.home.set) {
		cli->home = cli->config.home.value;
		return 0;
	}
	if ((env = getenv("XDG_DATA_HOME")) != NULL && env[0] != '\0') {
		n = snprintf(cli->home_buf, sizeof(cli->home_buf), "%s/uccn", env);
	} else if ((env = getenv("HOME")) != NULL && env[0] != '\0') {
		n = snprintf(cli->home_buf, sizeof(cli->home_buf), "%s/.local/share/uccn", env);
	} else {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"no home: give --home DIR or set UCCN_HOME (HOME is not set)");
	}
	if (n < 0 || (size_t)n >= sizeof(cli->home_buf)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "home path too long");
	}
	cli->home = cli->home_buf;
	return 0;
}

int uccn_cli_open_node(struct uccn_cli *cli, struct uccn_node **out) {
	int status = uccn_cli_resolve_home(cli);
	if (status != 0) {
		return status;
	}
	struct stat st;
	/* A missing home is the common mistake (wrong --home, no init yet): say so plainly instead
	 * of whatever the library makes of a missing path. */
	if (stat(cli->home, &st) != 0 && errno == ENOENT) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: no uccn node here (run 'uccn init' first)", cli->home);
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_open(cli->home, out);
	switch (err) {
	case UCCN_OK:
		return 0;
	case UCCN_ENOTFOUND:
		cli->last_error[0] = '\0';
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: no uccn node here (run 'uccn init' first)", cli->home);
	case UCCN_EPERM:
		/* The library's message names the file and the chmod that fixes it. */
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"%s: the node key is readable by others, so it is not used", cli->home);
	case UCCN_ECORRUPT:
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: the node is corrupt", cli->home);
	case UCCN_EBUSY:
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s: node is busy (another uccn running?)", cli->home);
	default:
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", cli->home, uccn_strerror(err));
	}
}

void *uccn_cli_grow(void *items, size_t n, size_t *cap, size_t size) {
	if (n < *cap) {
		return items;
	}
	size_t c = *cap > 0 ? 2 * *cap : 64;
	void *a = realloc(items, c * size);
	if (a != NULL) {
		*cap = c;
	}
	return a;
}

uint64_t uccn_cli_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool uccn_cli_parse_key(
	struct uccn_cli *cli, const char *what, const char *text, uint8_t out[UCCN_KEY_BYTES]) {
	if (uccn_text_from_hex(text, strlen(text), out, UCCN_KEY_BYTES) == UCCN_OK) {
		return true;
	}
	uccn_cli_fail(
		cli, UCCN_CLI_USAGE, "%s: expected a key of 64 hex digits, got '%s'", what, text);
	return false;
}

bool uccn_cli_is_zero(const uint8_t *bytes, size_t len) {
	for (size_t i = 0; i < len; i++) {
		if (bytes[i] != 0) {
			return false;
		}
	}
	return true;
}

void uccn_cli_format_hlc(uint64_t hlc, char *buf, size_t buf_len) {
	time_t secs = (time_t)((hlc >> 16) / 1000u);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL ||
		strftime(buf, buf_len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, buf_len, "?");
	}
}

void uccn_cli_print_text(FILE *f, const char *text, size_t len, bool flat) {
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n' || c == '\t') {
			fputc(flat ? ' ' : c, f);
		} else if (c < 0x20 || c == 0x7f) {
			fputc('?', f);
		} else {
			fputc(c, f);
		}
	}
}

void uccn_cli_print_value(FILE *f, const struct uccn_value *v, const char *sep, bool flat) {
	switch (v->type) {
	case UCCN_VALUE_NIL:
		break;
	case UCCN_VALUE_INT:
		fprintf(f, "%lld", (long long)v->i);
		break;
	case UCCN_VALUE_STR:
		uccn_cli_print_text(f, v->str, v->str_len, flat);
		break;
	case UCCN_VALUE_LIST:
		for (size_t i = 0; i < v->count; i++) {
			if (i > 0) {
				fputs(sep, f);
			}
			uccn_cli_print_value(f, &v->items[i], sep, flat);
		}
		break;
	}
}

/* Whether byte c needs no quoting in a shell word (nor in a put value). */
static bool is_bare(unsigned char c) {
	static const char bare[] = "._-:/+@%=";
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || memchr(bare, c, sizeof(bare) - 1) != NULL;
}

static bool text_needs_quotes(const char *s, size_t len) {
	if (len == 0) {
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_bare((unsigned char)s[i])) {
			return true;
		}
	}
	return false;
}

static bool value_needs_quotes(const struct uccn_value *v) {
	switch (v->type) {
	case UCCN_VALUE_NIL:
	case UCCN_VALUE_INT:
		return false;
	case UCCN_VALUE_STR:
		return text_needs_quotes(v->str, v->str_len);
	case UCCN_VALUE_LIST:
		for (size_t i = 0; i < v->count; i++) {
			if (value_needs_quotes(&v->items[i])) {
				return true;
			}
		}
		return false;
	}
	return true;
}

/* Writes text for the inside of shell double quotes: the four characters the shell still reads
 * there get a backslash. */
static void print_quoted_text(FILE *f, const char *s, size_t len) {
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\' || s[i] == '$' || s[i] == '`') {
			fputc('\\', f);
		}
		uccn_cli_print_text(f, s + i, 1, true);
	}
}

static void print_quoted_value(FILE *f, const struct uccn_value *v) {
	if (v->type == UCCN_VALUE_STR) {
		print_quoted_text(f, v->str, v->str_len);
	} else if (v->type == UCCN_VALUE_LIST) {
		for (size_t i = 0; i < v->count; i++) {
			fputs(i > 0 ? "," : "", f);
			print_quoted_value(f, &v->items[i]);
		}
	} else {
		uccn_cli_print_value(f, v, ",", true);
	}
}

void uccn_cli_print_field(FILE *f, const struct uccn_field *field) {
	fputs("  ", f);
	uccn_cli_print_text(f, field->name, field->name_len, true);
	const struct uccn_value *v = &field->value;
	if (v->type != UCCN_VALUE_STR || memchr(v->str, '\n', v->str_len) == NULL) {
		fputs(": ", f);
		uccn_cli_print_value(f, v, ", ", false);
		fputc('\n', f);
		return;
	}
	fputs(":\n", f);
	const char *line = v->str, *end = v->str + v->str_len;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl != NULL ? nl : end;
		size_t len = (size_t)(stop - line);
		if (len > 0 && line[len - 1] == '\r') {
			len--;
		}
		if (len > 0) {
			fputs("    ", f);
			uccn_cli_print_text(f, line, len, false);
		}
		fputc('\n', f);
		line = nl != NULL ? nl + 1 : end;
	}
}

void uccn_cli_print_assignment(FILE *f, const struct uccn_field *field) {
	uccn_cli_print_text(f, field->name, field->name_len, true);
	fputc('=', f);
	if (!value_needs_quotes(&field->value)) {
		uccn_cli_print_value(f, &field->value, ",", true);
		return;
	}
	fputc('"', f);
	print_quoted_value(f, &field->value);
	fputc('"', f);
}

json_t *uccn_cli_json_string(const char *s, size_t len) {
	json_t *j = json_stringn(s, len);
	if (j != NULL) {
		return j;
	}
	/* Not UTF-8 (or a NUL inside): the schema should have refused it, but a listing must not
	 * fail on one bad record, so show the bytes that are text and U+FFFD for the rest. */
	struct uccn_bytes b = {0};
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t next = i;
		uint32_t cp;
		size_t n = u[i] != 0 && uccn_text_utf8_next(u, len, &next, &cp) ? next - i : 0;
		int err = n > 0 ? uccn_bytes_append(&b, u + i, n)
				: uccn_bytes_append(&b, "\xef\xbf\xbd", 3);
		if (err < 0) {
			uccn_bytes_finish(&b);
			return NULL;
		}
		i += n > 0 ? n : 1;
	}
	j = json_stringn(b.len > 0 ? (const char *)b.data : "", b.len);
	uccn_bytes_finish(&b);
	return j;
}

json_t *uccn_cli_value_to_json(const struct uccn_value *v) {
	switch (v->type) {
	case UCCN_VALUE_NIL:
		return json_null();
	case UCCN_VALUE_INT:
		return json_integer((json_int_t)v->i);
	case UCCN_VALUE_STR:
		return uccn_cli_json_string(v->str, v->str_len);
	case UCCN_VALUE_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; a != NULL && i < v->count; i++) {
			json_t *item = uccn_cli_value_to_json(&v->items[i]);
			if (item == NULL || json_array_append_new(a, item) != 0) {
				json_decref(a);
				a = NULL;
			}
		}
		return a;
	}
	}
	return NULL;
}

/* Adds a member; takes ownership of value and reports failure (out of memory) as false. */
static bool set_new(json_t *obj, const char *key, json_t *value) {
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

json_t *uccn_cli_record_to_json(const struct uccn_record *r) {
	char owner[2 * UCCN_KEY_BYTES + 1];
	char created[32], updated[32];
	uccn_text_to_hex(uccn_record_owner(r), UCCN_KEY_BYTES, owner);
	uccn_cli_format_hlc(uccn_record_created_hlc(r), created, sizeof(created));
	uccn_cli_format_hlc(uccn_record_updated_hlc(r), updated, sizeof(updated));
	json_t *obj = json_object();
	json_t *fields = json_object();
	bool ok = obj != NULL && fields != NULL;
	const char *id = uccn_record_id(r);
	ok = ok && set_new(obj, "kind", json_string(uccn_record_kind(r)));
	ok = ok && set_new(obj, "id", uccn_cli_json_string(id, strlen(id)));
	ok = ok && set_new(obj, "owner", json_string(owner));
	ok = ok && set_new(obj, "deleted", json_boolean(uccn_record_deleted(r)));
	ok = ok && set_new(obj, "created", json_string(created));
	ok = ok && set_new(obj, "updated", json_string(updated));
	for (size_t i = 0; ok && i < uccn_record_field_count(r); i++) {
		const struct uccn_field *f = uccn_record_field_at(r, i);
		char name[UCCN_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)f->name_len, f->name);
		ok = set_new(fields, name, uccn_cli_value_to_json(&f->value));
	}
	if (ok) {
		ok = set_new(obj, "fields", fields);
		fields = NULL;
	}
	json_decref(fields);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

int uccn_cli_print_json(struct uccn_cli *cli, json_t *j, bool indent) {
	if (j == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	char *s = json_dumps(j, indent ? JSON_INDENT(2) : JSON_COMPACT);
	if (s == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	puts(s);
	free(s);
	return 0;
}

/* What JSON a field's type takes, for the conversion and its messages. */
enum json_want {
	WANT_STRING,
	WANT_INTEGER,
	WANT_STRINGS,
	WANT_INTEGERS,
};

static enum json_want json_want_of(enum uccn_type t) {
	switch (t) {
	case UCCN_TYPE_INT:
		return WANT_INTEGER;
	case UCCN_TYPE_SDGS:
		return WANT_INTEGERS;
	case UCCN_TYPE_FIELDS:
	case UCCN_TYPE_TEXTS:
	case UCCN_TYPE_KEYS:
		return WANT_STRINGS;
	case UCCN_TYPE_TEXT:
	case UCCN_TYPE_DATE:
	case UCCN_TYPE_URL:
	case UCCN_TYPE_KEY:
	case UCCN_TYPE_COUNTRY:
	case UCCN_TYPE_CHOICE:
	case UCCN_TYPE_FIELD:
	case UCCN_TYPE_HASH:
	case UCCN_TYPE_PERIOD:
		break;
	}
	return WANT_STRING;
}

static const char *const want_names[] = {
	[WANT_STRING] = "a string",
	[WANT_INTEGER] = "an integer",
	[WANT_STRINGS] = "an array of strings",
	[WANT_INTEGERS] = "an array of integers",
};

static void json_scalar(json_t *j, struct uccn_value *out) {
	memset(out, 0, sizeof(*out));
	if (json_is_integer(j)) {
		out->type = UCCN_VALUE_INT;
		out->i = (int64_t)json_integer_value(j);
	} else {
		out->type = UCCN_VALUE_STR;
		out->str = json_string_value(j);
		out->str_len = json_string_length(j);
	}
}

int uccn_cli_json_to_value(const struct uccn_field_spec *spec, json_t *j, struct uccn_value *out,
	struct uccn_value *items, size_t items_cap, size_t *nitems, char *why, size_t why_len) {
	enum json_want want = json_want_of(spec->type);
	memset(out, 0, sizeof(*out));
	if (json_is_null(j)) {
		out->type = UCCN_VALUE_NIL;
		return UCCN_OK;
	}
	bool ok = false;
	switch (want) {
	case WANT_STRING:
		ok = json_is_string(j);
		break;
	case WANT_INTEGER:
		ok = json_is_integer(j);
		break;
	case WANT_STRINGS:
	case WANT_INTEGERS:
		ok = json_is_array(j);
		for (size_t i = 0; ok && i < json_array_size(j); i++) {
			json_t *item = json_array_get(j, i);
			ok = want == WANT_STRINGS ? json_is_string(item) : json_is_integer(item);
		}
		break;
	}
	if (!ok) {
		snprintf(why, why_len, "%s: expected %s (%s)", spec->name, want_names[want],
			uccn_schema_type_name(spec->type));
		return UCCN_ESCHEMA;
	}
	if (want == WANT_STRING || want == WANT_INTEGER) {
		json_scalar(j, out);
		return UCCN_OK;
	}
	size_t n = json_array_size(j);
	if (n > UCCN_LIST_MAX || n > items_cap - *nitems) {
		snprintf(why, why_len, "%s: too many items (%zu)", spec->name, n);
		return UCCN_ESCHEMA;
	}
	out->type = UCCN_VALUE_LIST;
	out->items = items + *nitems;
	out->count = n;
	for (size_t i = 0; i < n; i++) {
		json_scalar(json_array_get(j, i), &items[*nitems + i]);
	}
	*nitems += n;
	return UCCN_OK;
}

int uccn_cli_text_value(const char *kind, const char *field, const char *text,
	struct uccn_value *out, char *buf, size_t buf_len, char *why, size_t why_len) {
	const struct uccn_kind_spec *k = uccn_schema_kind(kind);
	const struct uccn_field_spec *spec =
		k != NULL ? uccn_schema_field(k, field, strlen(field)) : NULL;
	if (spec == NULL) {
		snprintf(why, why_len, "%s.%s: not in this version's schema", kind, field);
		return UCCN_ESCHEMA;
	}
	/* Scalar fields only: a list's items would live in this function's frame. */
	struct uccn_value items[1];
	size_t nitems = 0;
	struct uccn_field f = {.name = field, .name_len = strlen(field)};
	why[0] = '\0';
	int err = uccn_cli_parse_text(spec, text, &f.value, items, 0, &nitems, why, why_len);
	if (err == UCCN_OK && f.value.type == UCCN_VALUE_NIL) {
		snprintf(why, why_len, "must not be empty");
		err = UCCN_ESCHEMA;
	}
	if (err == UCCN_OK && f.value.type == UCCN_VALUE_LIST) {
		snprintf(why, why_len, "takes one value");
		err = UCCN_ESCHEMA;
	}
	struct uccn_error e;
	if (err == UCCN_OK && (err = uccn_schema_check_field(k, &f, &e)) < 0) {
		snprintf(why, why_len, "%s", e.msg);
	}
	if (err == UCCN_OK && f.value.type == UCCN_VALUE_STR && f.value.str_len >= buf_len) {
		snprintf(why, why_len, "too long (%zu bytes)", f.value.str_len);
		err = UCCN_ESCHEMA;
	}
	if (err < 0) {
		if (why[0] == '\0') {
			snprintf(why, why_len, "%s", uccn_strerror(err));
		}
		return err;
	}
	*out = f.value;
	if (f.value.type == UCCN_VALUE_STR) {
		memcpy(buf, f.value.str, f.value.str_len);
		buf[f.value.str_len] = '\0';
		out->str = buf;
	}
	return UCCN_OK;
}

int uccn_cli_option_value(struct uccn_cli *cli, const char *option, const char *kind,
	const char *field, const char *text, struct uccn_value *out, char *buf, size_t buf_len) {
	char why[256];
	if (uccn_cli_text_value(kind, field, text, out, buf, buf_len, why, sizeof(why)) < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "--%s: %s", option, why);
	}
	return 0;
}

void uccn_cli_print_fault(FILE *f, const struct uccn_fault *fault) {
	char author[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(fault->author, UCCN_KEY_BYTES, author);
	fprintf(f, "fault %.16s seq %llu: ", author, (unsigned long long)fault->seq);
	/* The node's why usually starts with the code's message; print that only once. */
	const char *what = uccn_strerror(fault->err);
	size_t why_len = strnlen(fault->why, sizeof(fault->why));
	if (why_len == 0 || strncmp(fault->why, what, strlen(what)) != 0) {
		fputs(what, f);
		fputs(why_len > 0 ? ": " : "", f);
	}
	uccn_cli_print_text(f, fault->why, why_len, true);
	fputc('\n', f);
}

FILE *uccn_cli_open_temp(const char *path, char *tmp, size_t tmp_len) {
	if (snprintf(tmp, tmp_len, "%s.XXXXXX", path) >= (int)tmp_len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		return NULL;
	}
	/* mkstemp makes it 0600; what the program writes this way is public, signed data, so
	 * give it the usual mode. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	FILE *f = fdopen(fd, "wb");
	if (f == NULL) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
	}
	return f;
}

int uccn_cli_read_file(const char *path, struct uccn_bytes *out) {
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		return -1;
	}
	uint8_t buf[65536];
	size_t n;
	int ret = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (uccn_bytes_append(out, buf, n) < 0) {
			errno = ENOMEM;
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		errno = EIO;
		ret = -1;
	}
	if (!is_stdin) {
		fclose(f);
	}
	return ret;
}

/* Appends s to buf (len bytes in all), with ", " between names. */
static void append_name(char *buf, size_t len, const char *s) {
	size_t used = strlen(buf);
	if (used < len) {
		snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", s);
	}
}

void uccn_cli_kind_names(char *buf, size_t len) {
	size_t n;
	const struct uccn_kind_spec *kinds = uccn_schema_kinds(&n);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		append_name(buf, len, kinds[i].name);
	}
}

void uccn_cli_field_names(const struct uccn_kind_spec *k, char *buf, size_t len) {
	buf[0] = '\0';
	for (size_t i = 0; i < k->nfields; i++) {
		append_name(buf, len, k->fields[i].name);
	}
}

const struct uccn_kind_spec *uccn_cli_kind(struct uccn_cli *cli, const char *name) {
	const struct uccn_kind_spec *k = uccn_schema_kind(name);
	if (k == NULL) {
		char kinds[512], hint[160];
		uccn_cli_kind_names(kinds, sizeof(kinds));
		size_t n = 0;
		const struct uccn_kind_spec *all = uccn_schema_kinds(&n);
		const char *names[64];
		for (size_t i = 0; i < n && i < 64; i++) {
			names[i] = all[i].name;
		}
		uccn_cli_suggest(name, strlen(name), names, n < 64 ? n : 64, hint, sizeof(hint));
		uccn_cli_fail(cli, UCCN_CLI_USAGE, "unknown kind '%s'%s (kinds: %s)", name, hint,
			kinds);
	}
	return k;
}

bool uccn_cli_check_id(struct uccn_cli *cli, const char *id) {
	if (!uccn_schema_is_valid_id(id)) {
		uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is not a record id (1-%d characters of A-Z a-z 0-9 . _ : -)", id,
			UCCN_ID_MAX);
		return false;
	}
	return true;
}
