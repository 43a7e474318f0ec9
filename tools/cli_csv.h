/* cli_csv.h - CSV in and out for the command line (RFC 4180), private to tools/. Reading is
 * libcsv's, confined to cli_csv.c. */
#ifndef TOOLS_CLI_CSV_H
#define TOOLS_CLI_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One record of a CSV file, borrowed for the callback: n fields, each NUL-terminated (a field
 * holding a NUL byte is cut there) with its length in len. line is the line of the file the
 * record starts on, counting from 1. */
struct uccn_cli_csv_row {
	size_t line;
	size_t n;
	char *const *field;
	const size_t *len;
};
/* A non-zero return stops the reading and is returned. */
typedef int (*uccn_cli_csv_row_fn)(void *userdata, const struct uccn_cli_csv_row *row);

/* Reads a whole CSV file held in memory: UTF-8 with or without a byte-order mark, lines ended by
 * CRLF or LF, fields quoted as RFC 4180 says (a quoted field may hold commas, doubled quotes and
 * line breaks); spaces around an unquoted field are not part of it; empty lines are skipped.
 * Each record goes to fn. Returns 0, fn's non-zero return, or -1 with why (naming the line)
 * when the file is not CSV (a stray quote, a quote left open) or a field is not UTF-8, or when
 * memory runs out. */
int uccn_cli_csv_read(const uint8_t *data, size_t len, uccn_cli_csv_row_fn fn, void *userdata,
	char *why, size_t why_len);

/* Writes one field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote or a
 * line break; as it is otherwise. */
void uccn_cli_csv_field(FILE *f, const char *s);

/* The UTF-8 byte-order mark that tells a spreadsheet the file is UTF-8. */
#define UCCN_CLI_CSV_BOM "\xef\xbb\xbf"

#endif
