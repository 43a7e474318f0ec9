/* cli_registry.c - what the registry's two command files (cmd_secretariat.c, cmd_registry.c)
 * share: keys and tree heads as a line of text shows them, key arguments and required options,
 * and a city looked up in the registry. Runs no command itself. */
#include "tools/cli.h"

#include <string.h>

struct uccn_cli_short_key uccn_cli_short_key(const uint8_t key[UCCN_KEY_BYTES]) {
	struct uccn_cli_short_key k;
	char hex[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, hex);
	snprintf(k.s, sizeof(k.s), "%.16s\u2026", hex);
	return k;
}

const char *uccn_cli_or_empty(const char *s) {
	return s != NULL ? s : "";
}

/* Prints the tree head as the listing, verify and check state it. */
void uccn_cli_print_tree_head(FILE *f, const struct uccn_tree_head *h) {
	char time[32];
	uccn_cli_format_hlc(h->hlc, time, sizeof(time));
	fprintf(f, "tree head size %llu root %s time %s", (unsigned long long)h->size,
		uccn_cli_short_key(h->root).s, time);
}

struct find_member {
	const uint8_t *city;
	struct uccn_cli_member *out;
};

static int match_member(void *userdata, const struct uccn_member *m) {
	struct find_member *fm = userdata;
	if (memcmp(m->city, fm->city, UCCN_KEY_BYTES) != 0 &&
		memcmp(m->key, fm->city, UCCN_KEY_BYTES) != 0) {
		return 0;
	}
	fm->out->found = true;
	snprintf(fm->out->name, sizeof(fm->out->name), "%s", uccn_cli_or_empty(m->name));
	fm->out->active = m->active;
	fm->out->cutoff = m->cutoff;
	memcpy(fm->out->key, m->key, UCCN_KEY_BYTES);
	return 0;
}

/* Looks a city up by its designation key (or its current key), for the report of a write. */
struct uccn_cli_member uccn_cli_lookup_member(
	struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES]) {
	struct uccn_cli_member m = {0};
	struct find_member fm = {.city = city, .out = &m};
	if (uccn_node_registry(node, match_member, &fm) < 0) {
		m.found = false;
	}
	return m;
}

/* Parses the key arguments of a command: exactly want of them, named by what in errors. */
int uccn_cli_key_args(struct uccn_cli *cli, char **pos, size_t npos, size_t want, const char *names,
	const char *const *what, uint8_t (*keys)[UCCN_KEY_BYTES]) {
	if (npos != want) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "expected %s (see 'uccn %s --help')",
			names, cli->command);
	}
	for (size_t i = 0; i < want; i++) {
		if (!uccn_cli_parse_key(cli, what[i], pos[i], keys[i])) {
			return UCCN_CLI_USAGE;
		}
	}
	return 0;
}

/* Fails when a required option is missing. */
int uccn_cli_require(
	struct uccn_cli *cli, const char *const *names, const char *const *values, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (values[i] == NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE,
				"--%s is required (see 'uccn %s --help')", names[i], cli->command);
		}
	}
	return 0;
}

bool uccn_cli_parse_duration(const char *text, uint64_t *ms) {
	static const struct {
		char unit;
		uint64_t ms;
	} units[] = {{'s', 1000}, {'m', 60 * 1000}, {'h', 3600 * 1000}, {'d', 86400 * 1000},
		{'w', 7 * 86400 * 1000}};
	uint64_t n = 0;
	const char *p = text;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > UINT64_MAX / 10 / (7 * 86400 * 1000)) {
			return false; /* past any age a clock can show */
		}
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == text || p[0] == '\0' || p[1] != '\0') {
		return false;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit == p[0]) {
			*ms = n * units[i].ms;
			return true;
		}
	}
	return false;
}

void uccn_cli_format_duration(uint64_t ms, char *buf, size_t len) {
	uint64_t s = ms / 1000;
	if (s >= 86400) {
		snprintf(buf, len, "%llud %lluh", (unsigned long long)(s / 86400),
			(unsigned long long)(s % 86400 / 3600));
	} else if (s >= 3600) {
		snprintf(buf, len, "%lluh %llum", (unsigned long long)(s / 3600),
			(unsigned long long)(s % 3600 / 60));
	} else {
		snprintf(buf, len, "%llum %llus", (unsigned long long)(s / 60),
			(unsigned long long)(s % 60));
	}
}

size_t uccn_cli_text_width(const char *s) {
	size_t w = 0;
	for (; *s != '\0'; s++) {
		w += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return w;
}
