/* cli_edit.c - `put KIND [ID] --edit`: a template of the kind's fields in a file, the user's
 * editor on it, and the fields read back. The file is uccn's own plain format, made for long
 * texts (a monitoring report's paragraphs) rather than for machines (they have --json):
 *
 *     [achievements]
 *     # what the city achieved
 *     First paragraph...
 *
 *     Second paragraph...
 *
 * A line "[NAME]" where NAME is a field of the kind starts that field; the lines starting with
 * '#' right after it are comments; the rest, up to the next field, is the value, blank lines
 * inside kept and the ones around it dropped. Lines before the first field are comments. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A value on one line or many: the types whose text may hold paragraphs. */
static bool is_long(const struct uccn_field_spec *f) {
	return f->type == UCCN_TYPE_TEXT;
}

static bool is_list(const struct uccn_field_spec *f) {
	return f->type == UCCN_TYPE_FIELDS || f->type == UCCN_TYPE_SDGS ||
	       f->type == UCCN_TYPE_TEXTS || f->type == UCCN_TYPE_KEYS;
}

/* The record being edited, as text per field (NULL: not set), for the template. */
struct current {
	char *text[UCCN_FIELDS_MAX];
	const struct uccn_kind_spec *k;
	bool found;
};

static int read_current(void *userdata, const struct uccn_record *r) {
	struct current *c = userdata;
	if (c->found) {
		return 0;
	}
	c->found = true;
	for (size_t i = 0; i < c->k->nfields && i < UCCN_FIELDS_MAX; i++) {
		const struct uccn_value *v = uccn_record_field(r, c->k->fields[i].name);
		if (v == NULL || v->type == UCCN_VALUE_NIL) {
			continue;
		}
		size_t len = 0;
		FILE *f = open_memstream(&c->text[i], &len);
		if (f == NULL) {
			return UCCN_ENOMEM;
		}
		uccn_cli_print_value(f, v, ", ", false);
		if (fclose(f) != 0) {
			return UCCN_ENOMEM;
		}
	}
	return 0;
}

static void write_template(
	FILE *f, const struct uccn_kind_spec *k, const char *id, const struct current *cur) {
	fprintf(f, "# uccn put %s%s%s: write each field's value under its [name] and save.\n",
		k->name, id != NULL ? " " : "", id != NULL ? id : "");
	fputs("# A field left empty is left out (on a record that had it: removed). Lists are\n"
	      "# comma-separated. Lines starting with '#' just under a [name] are comments.\n"
	      "# Long texts keep their lines and paragraphs.\n",
		f);
	for (size_t i = 0; i < k->nfields; i++) {
		const struct uccn_field_spec *s = &k->fields[i];
		fprintf(f, "\n[%s]\n# %s%s%s%s\n", s->name, uccn_schema_type_name(s->type),
			s->required ? ", required" : "", s->help != NULL ? ": " : "",
			s->help != NULL ? s->help : "");
		if (s->type == UCCN_TYPE_CHOICE && s->choices != NULL) {
			fputs("# one of:", f);
			for (const char *const *c = s->choices; *c != NULL; c++) {
				fprintf(f, " %s", *c);
			}
			fputc('\n', f);
		}
		if (cur->text[i] != NULL) {
			fprintf(f, "%s\n", cur->text[i]);
		}
		if (is_long(s)) {
			fputc('\n', f); /* room to write */
		}
	}
}

/* Runs the editor on path: $EDITOR (a command line, as git reads it), else `editor`, else `vi`.
 * Returns 0, or the exit status after the error line. */
static int run_editor(struct uccn_cli *cli, const char *path) {
	const char *env = getenv("EDITOR");
	const char *const fallbacks[] = {"editor", "vi"};
	size_t tries = env != NULL && env[0] != '\0' ? 1 : 2;
	for (size_t t = 0; t < tries; t++) {
		const char *editor = tries == 1 ? env : fallbacks[t];
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			return uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "starting the editor: %s", strerror(errno));
		}
		/* As git does: the command line goes to the shell as written, the file as "$1". */
		char command[4200];
		snprintf(command, sizeof(command), "%s \"$1\"", editor);
		if (pid == 0) {
			execlp("sh", "sh", "-c", command, "sh", path, (char *)NULL);
			_exit(127);
		}
		int st = 0;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
		}
		int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (code == 127 && tries == 2 && t == 0) {
			continue; /* no `editor` here: try vi */
		}
		if (code != 0) {
			return uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"the editor (%s) exited with status %d; nothing written (the text "
				"is kept in %s)",
				editor, code, path);
		}
		return 0;
	}
	return 0;
}

/* Trims blank lines around a value (and the spaces ending each line); for a list or a
 * one-line type, its lines become one comma-separated line. In place. */
static const char *tidy(char *s, const struct uccn_field_spec *f) {
	if (s[0] == '\0') {
		return ""; /* a header with nothing under it (the literal "" parse_saved set) */
	}
	char *out = s, *w = s;
	for (char *line = s; *line != '\0';) {
		char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		while (len > 0 &&
			(line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) {
			len--;
		}
		memmove(w, line, len);
		w += len;
		*w++ = '\n';
		line = nl != NULL ? nl + 1 : line + strlen(line);
	}
	*w = '\0';
	while (*out == '\n') {
		out++;
	}
	size_t n = strlen(out);
	while (n > 0 && out[n - 1] == '\n') {
		out[--n] = '\0';
	}
	if (!is_long(f)) {
		/* "music\nfilm" and "music,\nfilm" alike: one item a line or a comma list. */
		char *r = out, *q = out;
		for (; *r != '\0'; r++) {
			if (*r == '\n') {
				if (is_list(f) && q > out && q[-1] != ',') {
					*q++ = ',';
				}
				continue;
			}
			*q++ = *r;
		}
		*q = '\0';
	}
	return out;
}

/* Splits the saved text into the fields' values (pointing into text). */
static int parse_saved(struct uccn_cli *cli, const struct uccn_kind_spec *k, char *text,
	char **values, const char *path) {
	int current = -1;
	bool in_comments = false;
	char *value_start = NULL;
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		char *next = nl != NULL ? nl + 1 : NULL;
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) {
			len--;
		}
		const struct uccn_field_spec *named = NULL;
		if (len > 2 && line[0] == '[' && line[len - 1] == ']') {
			named = uccn_schema_field(k, line + 1, len - 2);
		}
		if (named != NULL) {
			if (current >= 0 && value_start != NULL) {
				line[-1] =
					'\0'; /* ends the value before: line[-1] is its newline */
				values[current] = value_start;
			}
			current = (int)(named - k->fields);
			if (values[current] != NULL) {
				return uccn_cli_fail(cli, UCCN_CLI_USAGE,
					"%s: [%s] appears twice (the text is kept in %s)", k->name,
					named->name, path);
			}
			values[current] = "";
			in_comments = true;
			value_start = NULL;
		} else if (current >= 0 && in_comments && line[0] == '#') {
			/* a comment under the header */
		} else if (current >= 0) {
			in_comments = false;
			if (value_start == NULL) {
				value_start = line;
			}
		}
		line = next;
	}
	if (current >= 0 && value_start != NULL) {
		values[current] = value_start;
	}
	return 0;
}

int uccn_cli_edit(struct uccn_cli *cli, struct uccn_node *node, const struct uccn_kind_spec *k,
	const char *id, struct uccn_cli_edit *e) {
	memset(e, 0, sizeof(*e));
	struct current cur = {.k = k};
	int status = 0;
	if (id != NULL) {
		int err = uccn_node_get(node, k->name, id, read_current, &cur);
		if (err == UCCN_ENOTFOUND) {
			status = uccn_cli_fail(
				cli, UCCN_CLI_FAIL, "no %s with id '%s'", k->name, id);
			goto out;
		}
		if (err < 0) {
			status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
			goto out;
		}
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(e->path, sizeof(e->path), "%s/uccn-%s-XXXXXX.txt",
		tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", k->name);
	int fd = mkstemps(e->path, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", e->path, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		e->path[0] = '\0';
		goto out;
	}
	write_template(f, k, id, &cur);
	if (fclose(f) != 0) {
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", e->path, strerror(errno));
		goto out;
	}
	if ((status = run_editor(cli, e->path)) != 0) {
		e->keep = true;
		goto out;
	}
	struct uccn_bytes saved = {0};
	if (uccn_cli_read_file(e->path, &saved) != 0 ||
		uccn_bytes_append(&saved, "", 1) != UCCN_OK) {
		uccn_bytes_finish(&saved);
		status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", e->path, strerror(errno));
		goto out;
	}
	e->text = (char *)saved.data;
	char *values[UCCN_FIELDS_MAX] = {NULL};
	if ((status = parse_saved(cli, k, e->text, values, e->path)) != 0) {
		e->keep = true;
		goto out;
	}
	for (size_t i = 0; i < k->nfields && i < UCCN_FIELDS_MAX; i++) {
		const struct uccn_field_spec *s = &k->fields[i];
		const char *v = values[i] != NULL ? tidy(values[i], s) : "";
		const char *was = cur.text[i] != NULL ? cur.text[i] : "";
		/* A new record takes what was written; an edit, what changed (emptied: removed). */
		if (id != NULL ? strcmp(v, was) == 0 : v[0] == '\0') {
			continue;
		}
		e->f[e->n].spec = s;
		e->f[e->n].value = v;
		e->n++;
	}
	if (e->n == 0) {
		/* Nothing the user wrote is lost: the file goes. */
		unlink(e->path);
		e->path[0] = '\0';
		status = uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"nothing to put: the text was saved with no %s",
			id != NULL ? "change" : "value");
	}
out:
	for (size_t i = 0; i < UCCN_FIELDS_MAX; i++) {
		free(cur.text[i]);
	}
	return status;
}

void uccn_cli_edit_finish(struct uccn_cli_edit *e, bool keep) {
	if (e->path[0] != '\0' && !keep && !e->keep) {
		unlink(e->path);
	}
	free(e->text);
	e->text = NULL;
}
