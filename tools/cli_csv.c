/* cli_csv.c - CSV for the command line: reading a file the Secretariat keeps in a spreadsheet
 * (designate --csv), writing the registry for one (registry --csv). The only includer of
 * libcsv's <csv.h>: CSV is a standard format with a well-kept Debian library, so its quoting
 * rules are not written again here. What libcsv leaves to its caller is this file's: the
 * byte-order mark, the line each record starts on (for messages), and UTF-8. */
#include "tools/cli_csv.h"

#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include <uccn/text.h>

/* The record being assembled: libcsv hands over one field at a time, then the record's end. */
struct reader {
	char **field;
	size_t *len;
	size_t n, cap;
	size_t line;     /* where the record being read starts */
	size_t bad_line; /* a field that is not UTF-8: the line of its record */
	bool oom;
	int stop; /* fn's non-zero return */
	uccn_cli_csv_row_fn fn;
	void *userdata;
};

static bool is_utf8(const char *s, size_t len) {
	size_t pos = 0;
	uint32_t cp;
	while (pos < len) {
		if (!uccn_text_utf8_next((const uint8_t *)s, len, &pos, &cp)) {
			return false;
		}
	}
	return true;
}

static void on_field(void *data, size_t len, void *userdata) {
	struct reader *r = userdata;
	if (r->oom || r->stop != 0 || r->bad_line != 0) {
		return;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap == 0 ? 16 : 2 * r->cap;
		char **field = realloc(r->field, cap * sizeof(*field));
		size_t *lens = field != NULL ? realloc(r->len, cap * sizeof(*lens)) : NULL;
		if (field != NULL) {
			r->field = field;
		}
		if (lens == NULL) {
			r->oom = true;
			return;
		}
		r->len = lens;
		r->cap = cap;
	}
	/* CSV_APPEND_NULL: libcsv ends each field with a NUL beyond len (an empty field may
	 * come as NULL). */
	char *s = strndup(data != NULL ? data : "", data != NULL ? len : 0);
	if (s == NULL) {
		r->oom = true;
		return;
	}
	if (!is_utf8(s, len)) {
		r->bad_line = r->line;
	}
	r->field[r->n] = s;
	r->len[r->n] = data != NULL ? len : 0;
	r->n++;
}

static void clear_fields(struct reader *r) {
	for (size_t i = 0; i < r->n; i++) {
		free(r->field[i]);
	}
	r->n = 0;
}

static void on_record(int terminator, void *userdata) {
	struct reader *r = userdata;
	(void)terminator;
	if (!r->oom && r->stop == 0 && r->bad_line == 0) {
		struct uccn_cli_csv_row row = {
			.line = r->line, .n = r->n, .field = r->field, .len = r->len};
		r->stop = r->fn(r->userdata, &row);
	}
	clear_fields(r);
	r->line = 0; /* the next record starts on the next line that holds something */
}

/* Whether a line holds nothing but its end (libcsv skips such a line: no record starts there). */
static bool is_blank(const uint8_t *s, size_t len) {
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\r' && s[i] != '\n') {
			return false;
		}
	}
	return true;
}

int uccn_cli_csv_read(const uint8_t *data, size_t len, uccn_cli_csv_row_fn fn, void *userdata,
	char *why, size_t why_len) {
	static const uint8_t bom[] = {0xef, 0xbb, 0xbf};
	if (len >= sizeof(bom) && memcmp(data, bom, sizeof(bom)) == 0) {
		data += sizeof(bom);
		len -= sizeof(bom);
	}
	struct csv_parser p;
	/* Strict: a quote inside an unquoted field, or a quote left open at the end, is an
	 * error rather than a guess. */
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	struct reader r = {.fn = fn, .userdata = userdata};
	int ret = 0;
	size_t line = 0, pos = 0;
	/* Fed one line at a time, so that each record knows the line it starts on (a quoted
	 * field may run over several). */
	while (pos < len && ret == 0) {
		const uint8_t *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (data + pos)) + 1 : len - pos;
		line++;
		if (r.line == 0 && !is_blank(data + pos, n)) {
			r.line = line;
		}
		if (csv_parse(&p, data + pos, n, on_field, on_record, &r) != n) {
			snprintf(why, why_len, "line %zu: not CSV (%s)", line,
				csv_strerror(csv_error(&p)));
			ret = -1;
		}
		pos += n;
		if (ret == 0 && (r.oom || r.stop != 0 || r.bad_line != 0)) {
			break;
		}
	}
	if (ret == 0 && !r.oom && r.stop == 0 && r.bad_line == 0 &&
		csv_fini(&p, on_field, on_record, &r) != 0) {
		snprintf(why, why_len, "line %zu: not CSV (%s: a quoted field is not closed)",
			r.line, csv_strerror(csv_error(&p)));
		ret = -1;
	}
	if (ret == 0 && r.oom) {
		snprintf(why, why_len, "out of memory");
		ret = -1;
	} else if (ret == 0 && r.bad_line != 0) {
		snprintf(why, why_len, "line %zu: not UTF-8 text", r.bad_line);
		ret = -1;
	} else if (ret == 0) {
		ret = r.stop;
	}
	clear_fields(&r);
	free(r.field);
	free(r.len);
	csv_free(&p);
	return ret;
}

void uccn_cli_csv_field(FILE *f, const char *s) {
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"') {
			fputc('"', f);
		}
		fputc(*s, f);
	}
	fputc('"', f);
}
