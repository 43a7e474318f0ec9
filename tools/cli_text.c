/* cli_text.c - the command line's text for one field ("4,11" for sdgs, "Media Arts" for a
 * creative field) turned into a uccn value, then checked by the schema's own rules
 * (uccn_schema_check_field). Only what people type: the library itself takes values, never
 * this text, and nothing here decides what a valid value is. */
#include "tools/cli_text.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/text.h>

/* Writes the reason and returns UCCN_ESCHEMA, so every refusal is one line. */
__attribute__((format(printf, 3, 4))) static int refuse(
	char *why, size_t why_len, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return UCCN_ESCHEMA;
}

static bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c) {
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c) {
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Maps what people type ("Media Arts", "media-arts", "Crafts and Folk Arts", "crafts") to the
 * canonical static spelling, or NULL. The result is static, so a value may borrow it. */
static const char *creative_field_from_text(const char *s, size_t len) {
	static const struct {
		const char *alias;
		const char *field;
	} aliases[] = {
		{"crafts_folk_arts", "crafts_folk_art"},
		{"craft_folk_art", "crafts_folk_art"},
		{"craft_folk_arts", "crafts_folk_art"},
		{"crafts", "crafts_folk_art"},
		{"craft", "crafts_folk_art"},
		{"folk_art", "crafts_folk_art"},
		{"folk_arts", "crafts_folk_art"},
		{"media_art", "media_arts"},
	};
	char norm[64];
	size_t n = 0;
	size_t i = 0;
	/* Words are runs of letters and digits; anything else separates them, and "and" is
	 * dropped so "Crafts and Folk Arts" and "crafts & folk arts" meet. */
	while (i < len) {
		while (i < len && !is_alnum(s[i])) {
			i++;
		}
		size_t start = i;
		while (i < len && is_alnum(s[i])) {
			i++;
		}
		size_t wlen = i - start;
		if (wlen == 0) {
			break;
		}
		if (wlen == 3 && to_lower(s[start]) == 'a' && to_lower(s[start + 1]) == 'n' &&
			to_lower(s[start + 2]) == 'd') {
			continue;
		}
		if (n + wlen + 2 > sizeof(norm)) {
			return NULL;
		}
		if (n > 0) {
			norm[n++] = '_';
		}
		for (size_t j = start; j < i; j++) {
			norm[n++] = to_lower(s[j]);
		}
	}
	norm[n] = '\0';
	const char *name = norm;
	for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
		if (strcmp(norm, aliases[a].alias) == 0) {
			name = aliases[a].field;
			break;
		}
	}
	/* The library's own spelling, not this file's copy of it: a value borrows the library's
	 * static string, whichever way it was typed. */
	for (size_t f = 0; uccn_creative_fields[f] != NULL; f++) {
		if (strcmp(name, uccn_creative_fields[f]) == 0) {
			return uccn_creative_fields[f];
		}
	}
	return NULL;
}

static bool ascii_case_eq(const char *a, size_t alen, const char *b) {
	size_t blen = strlen(b);
	if (alen != blen) {
		return false;
	}
	for (size_t i = 0; i < alen; i++) {
		if (to_lower(a[i]) != to_lower(b[i])) {
			return false;
		}
	}
	return true;
}

/* Parses s[0..len) as a whole decimal integer: no spaces, no trailing bytes. */
static bool parse_int(const char *s, size_t len, int64_t *out) {
	char buf[32];
	if (len == 0 || len >= sizeof(buf) || !(is_digit(s[0]) || s[0] == '-' || s[0] == '+')) {
		return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno != 0 || end != buf + len) {
		return false;
	}
	*out = v;
	return true;
}

static struct uccn_value str_value(const char *s, size_t len) {
	return (struct uccn_value){.type = UCCN_VALUE_STR, .str = s, .str_len = len};
}

static struct uccn_field make_field(const struct uccn_field_spec *spec, struct uccn_value v) {
	return (struct uccn_field){.name = spec->name, .name_len = strlen(spec->name), .value = v};
}

/* The kind whose table holds spec, so messages can say "event.starts"; NULL for a spec built
 * by the caller. */
static const struct uccn_kind_spec *owner_of(const struct uccn_field_spec *spec) {
	size_t nkinds = 0;
	const struct uccn_kind_spec *kinds = uccn_schema_kinds(&nkinds);
	for (size_t i = 0; i < nkinds; i++) {
		for (size_t j = 0; j < kinds[i].nfields; j++) {
			if (&kinds[i].fields[j] == spec) {
				return &kinds[i];
			}
		}
	}
	return NULL;
}

static int parse_list(const struct uccn_field_spec *spec, const char *path, const char *text,
	struct uccn_value *items, size_t room, size_t *count, char *why, size_t why_len) {
	char q[UCCN_TEXT_QUOTE_BUF];
	size_t n = 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		const char *a = p;
		const char *b = end;
		while (a < b && (*a == ' ' || *a == '\t')) {
			a++;
		}
		while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
			b--;
		}
		if (a == b) {
			return refuse(why, why_len, "%s: item %zu is empty", path, n + 1);
		}
		if (n >= room) {
			return refuse(
				why, why_len, "%s: too many items (room for %zu)", path, room);
		}
		size_t len = (size_t)(b - a);
		struct uccn_value *it = &items[n];
		if (spec->type == UCCN_TYPE_SDGS) {
			int64_t goal;
			if (!parse_int(a, len, &goal)) {
				return refuse(why, why_len, "%s: %s is not an SDG (1-17)", path,
					uccn_text_quote(q, a, len));
			}
			*it = (struct uccn_value){.type = UCCN_VALUE_INT, .i = goal};
		} else if (spec->type == UCCN_TYPE_FIELDS) {
			const char *field = creative_field_from_text(a, len);
			*it = field != NULL ? str_value(field, strlen(field)) : str_value(a, len);
		} else {
			*it = str_value(a, len);
		}
		n++;
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	*count = n;
	return UCCN_OK;
}

int uccn_cli_parse_text(const struct uccn_field_spec *spec, const char *text,
	struct uccn_value *out, struct uccn_value *items, size_t items_cap, size_t *nitems,
	char *why, size_t why_len) {
	assert(spec != NULL && text != NULL && out != NULL);
	char q[UCCN_TEXT_QUOTE_BUF];
	char path[UCCN_KIND_MAX + UCCN_NAME_MAX + 8];
	const struct uccn_kind_spec *owner = owner_of(spec);
	/* A spec outside our tables still gets the same checks, through a one-field kind. */
	struct uccn_kind_spec alone = {.name = NULL, .nfields = 1, .fields = spec};
	const struct uccn_kind_spec *k = owner != NULL ? owner : &alone;
	if (k->name != NULL) {
		snprintf(path, sizeof(path), "%s.%s", k->name, spec->name);
	} else {
		snprintf(path, sizeof(path), "%s", spec->name);
	}

	size_t len = strlen(text);
	struct uccn_value v = {.type = UCCN_VALUE_NIL};
	size_t used = 0;
	size_t start = nitems != NULL ? *nitems : 0;

	if (len == 0) {
		*out = v;
		return UCCN_OK;
	}
	switch (spec->type) {
	case UCCN_TYPE_INT:
		v.type = UCCN_VALUE_INT;
		if (!parse_int(text, len, &v.i)) {
			return refuse(why, why_len, "%s: %s is not an integer in %lld-%lld", path,
				uccn_text_quote(q, text, len), (long long)spec->min,
				(long long)spec->max);
		}
		break;
	case UCCN_TYPE_CHOICE:
		v = str_value(text, len);
		/* Borrow the static spelling, so "Active" needs no copy of the text. */
		for (size_t i = 0; spec->choices != NULL && spec->choices[i] != NULL; i++) {
			if (ascii_case_eq(text, len, spec->choices[i])) {
				v = str_value(spec->choices[i], strlen(spec->choices[i]));
				break;
			}
		}
		break;
	case UCCN_TYPE_FIELD: {
		const char *field = creative_field_from_text(text, len);
		v = field != NULL ? str_value(field, strlen(field)) : str_value(text, len);
		break;
	}
	case UCCN_TYPE_FIELDS:
	case UCCN_TYPE_SDGS:
	case UCCN_TYPE_TEXTS:
	case UCCN_TYPE_KEYS: {
		assert(nitems != NULL);
		if (items == NULL || start > items_cap) {
			return refuse(why, why_len, "%s: no room for list items", path);
		}
		int err = parse_list(
			spec, path, text, items + start, items_cap - start, &used, why, why_len);
		if (err < 0) {
			return err;
		}
		v = (struct uccn_value){
			.type = UCCN_VALUE_LIST, .items = items + start, .count = used};
		break;
	}
	default:
		v = str_value(text, len);
		break;
	}

	struct uccn_field f = make_field(spec, v);
	struct uccn_error e;
	if (uccn_schema_check_field(k, &f, &e) < 0) {
		return refuse(why, why_len, "%s", e.msg);
	}
	*out = v;
	if (nitems != NULL) {
		*nitems = start + used;
	}
	return UCCN_OK;
}
