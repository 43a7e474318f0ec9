/* cli_suggest.c - "did you mean": the names nearest to one mistyped (a command, a kind, a field,
 * an option), by edit distance with transpositions (optimal string alignment), for the error
 * line that refuses it. */
#include "tools/cli.h"

#include <string.h>

/* Names longer than this are never near: nothing in the program's vocabulary is. */
#define NAME_MAX_LEN 64

/* Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb) {
	size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];
	for (size_t i = 0; i <= la; i++) {
		d[i][0] = i;
	}
	for (size_t j = 0; j <= lb; j++) {
		d[0][j] = j;
	}
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = d[i - 1][j] + 1;
			best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best;
			best = d[i - 1][j - 1] + cost < best ? d[i - 1][j - 1] + cost : best;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
				d[i - 2][j - 2] + 1 < best) {
				best = d[i - 2][j - 2] + 1;
			}
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

void uccn_cli_suggest(const char *typed, size_t len, const char *const *names, size_t n, char *out,
	size_t out_len) {
	out[0] = '\0';
	if (len == 0 || len > NAME_MAX_LEN) {
		return;
	}
	/* A slip of one character in a short name, two in a longer one; or the start of a name
	 * (typed far enough to mean something). */
	size_t limit = len < 5 ? 1 : 2;
	size_t best = limit + 1;
	const char *picked[3];
	size_t npicked = 0;
	for (size_t i = 0; i < n; i++) {
		size_t lb = strlen(names[i]);
		if (lb > NAME_MAX_LEN) {
			continue;
		}
		size_t d = distance(typed, len, names[i], lb);
		if (d > limit && len >= 3 && lb > len && strncmp(typed, names[i], len) == 0) {
			d = limit; /* a prefix: as near as a slip */
		}
		if (d < best) {
			best = d;
			npicked = 0;
		}
		if (d == best && d <= limit && npicked < 3) {
			picked[npicked++] = names[i];
		}
	}
	size_t used = 0;
	for (size_t i = 0; i < npicked && used < out_len; i++) {
		int w = snprintf(out + used, out_len - used, "%s'%s'%s",
			i == 0 ? " (did you mean " : (i + 1 == npicked ? " or " : ", "), picked[i],
			i + 1 == npicked ? "?)" : "");
		used += w > 0 ? (size_t)w : 0;
	}
}
