/* cmd_files.c - the commands that move or check changes in bulk: export, import, verify and
 * held. The file format and every check belong to the node; this file does the I/O around it and
 * reports outcomes one line each. */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char export_usage[] =
	"usage: uccn [--home DIR] export [--for secretariat|KEY] [FILE]\n"
	"\n"
	"Writes the stored changes of the public feeds, byte for byte as signed, to FILE\n"
	"(replaced only once the export is complete), or to stdout when FILE is absent or \"-\";\n"
	"refuses to write to a terminal. Prints the number of changes to stderr.\n"
	"What is meant for the Secretariat alone (every report, every record put with\n"
	"audience=secretariat) is written only with --for, for a reader that may hold it:\n"
	"--for secretariat (the network's root) or --for KEY, the key of a relay of the\n"
	"Secretariat or of this node's own city; the file's header then names that reader.\n"
	"Any other KEY is refused.\n";

static const char import_usage[] =
	"usage: uccn [--home DIR] import FILE...\n"
	"\n"
	"Reads export files (\"-\": stdin), verifies each change and applies it. Prints one line\n"
	"per change refused, dropped (meant for the Secretariat alone, and this node may not\n"
	"hold it) or still held back when the file ends (it waits for a change not here yet,\n"
	"such as its author's designation), then a summary per file: changes read, applied,\n"
	"already present, held back, refused, released (held by an earlier import, let in\n"
	"now) and dropped. Exits 1 if any change was refused or a file was damaged; the\n"
	"changes that verified are kept either way.\n";

static const char verify_usage[] =
	"usage: uccn [--home DIR] verify\n"
	"\n"
	"Re-verifies every stored change (signature, network, schema) and every chain, reports\n"
	"recorded forks and checks the database. Prints each fault; exits 1 if there is any.\n";

static const char held_usage[] =
	"usage: uccn [--home DIR] held [--json|--jsonl]\n"
	"\n"
	"Lists the changes held back until what they wait for arrives, and why.\n"
	"--json prints one JSON array of them (hash, author, seq, kind, id, err, why);\n"
	"--jsonl prints one such object per line.\n";

struct sink {
	FILE *f;
	int err; /* errno of the first failed write */
};

static int write_sink(void *userdata, const uint8_t *buf, size_t len) {
	struct sink *s = userdata;
	if (fwrite(buf, 1, len, s->f) != len) {
		s->err = errno != 0 ? errno : EIO;
		return UCCN_EIO;
	}
	return UCCN_OK;
}

int uccn_cmd_export(struct uccn_cli *cli, int argc, char **argv) {
	const char *for_text = NULL;
	const struct uccn_cli_option opts[] = {
		{"for", 0, NULL, &for_text},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, export_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	uint8_t reader[UCCN_KEY_BYTES];
	bool for_secretariat = for_text != NULL && strcmp(for_text, "secretariat") == 0;
	if (for_text != NULL && !for_secretariat &&
		!uccn_cli_parse_key(cli, "--for", for_text, reader)) {
		return UCCN_CLI_USAGE;
	}
	const char *path = npos == 1 && strcmp(pos[0], "-") != 0 ? pos[0] : NULL;
	if (path == NULL && isatty(STDOUT_FILENO)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"refusing to write binary data to a terminal (give a FILE or redirect "
			"stdout)");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	if (for_secretariat) {
		static const uint8_t none[UCCN_KEY_BYTES];
		uccn_node_network(node, reader);
		if (memcmp(reader, none, UCCN_KEY_BYTES) == 0) {
			uccn_node_close(node);
			return uccn_cli_fail(cli, UCCN_CLI_FAIL,
				"--for secretariat: this node has no network, so no Secretariat");
		}
	}
	char tmp[PATH_MAX];
	struct sink sink = {.f = stdout};
	/* A temporary file beside path: the export replaces path only when complete. */
	if (path != NULL && (sink.f = uccn_cli_open_temp(path, tmp, sizeof(tmp))) == NULL) {
		int e = errno;
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", path, strerror(e));
	}
	uint64_t count = 0;
	uccn_cli_clear_error(cli);
	int err = for_text != NULL ? uccn_node_export_for(node, reader, write_sink, &sink, &count)
				   : uccn_node_export(node, write_sink, &sink, &count);
	uccn_node_close(node);
	if (err == UCCN_OK && fflush(sink.f) != 0) {
		sink.err = errno;
		err = UCCN_EIO;
	}
	if (path != NULL) {
		/* fsync before rename: after a crash, FILE is the old export or the whole new one.
		 */
		if (err == UCCN_OK && fsync(fileno(sink.f)) != 0) {
			sink.err = errno;
			err = UCCN_EIO;
		}
		if (fclose(sink.f) != 0 && err == UCCN_OK) {
			sink.err = errno;
			err = UCCN_EIO;
		}
		if (err == UCCN_OK && rename(tmp, path) != 0) {
			sink.err = errno;
			err = UCCN_EIO;
		}
		if (err != UCCN_OK) {
			unlink(tmp);
		}
	}
	const char *shown = path != NULL ? path : "stdout";
	if (sink.err != 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(sink.err));
	}
	if (err == UCCN_EPERM) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"--for %s: that key may not hold what is meant for the Secretariat alone "
			"(it is neither the Secretariat nor a key of this node's city); nothing "
			"written",
			for_text);
	}
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	fprintf(stderr, "exported %llu changes%s%.*s\n", (unsigned long long)count,
		for_text == NULL  ? ""
		: for_secretariat ? " for the Secretariat"
				  : " for ",
		for_text != NULL && !for_secretariat ? 64 : 0, for_text != NULL ? for_text : "");
	return 0;
}

struct source {
	FILE *f;
	int err;
};

static long read_source(void *userdata, uint8_t *buf, size_t cap) {
	struct source *s = userdata;
	size_t n = fread(buf, 1, cap, s->f);
	if (n == 0 && ferror(s->f)) {
		s->err = errno != 0 ? errno : EIO;
		return UCCN_EIO;
	}
	return (long)n;
}

static void print_outcome(FILE *f, const char *what, const struct uccn_apply_result *res) {
	if (!res->decoded) {
		fprintf(f, "%s a change that does not decode: ", what);
	} else {
		char author[2 * UCCN_KEY_BYTES + 1];
		uccn_text_to_hex(res->author, UCCN_KEY_BYTES, author);
		fprintf(f, "%s %s ", what, res->kind);
		uccn_cli_print_text(f, res->id, strlen(res->id), true);
		fprintf(f, " from %.16s seq %llu: ", author, (unsigned long long)res->seq);
	}
	const char *why = res->why[0] != '\0' ? res->why : uccn_strerror(res->err);
	uccn_cli_print_text(f, why, strlen(why), true);
	fputc('\n', f);
}

/* What one import reports. A change held when read may be let in before the file ends (the
 * record it edits, or its author's designation, comes later in the file), and the node then
 * reports it again as released. Such a change was only waiting for the rest of the file: it is
 * counted as applied, not as held back and released, and its "held" line is not printed. So the
 * held lines wait until the file is done, and only those still held are printed. */
struct held_line {
	uint8_t hash[UCCN_HASH_BYTES];
	char *line; /* NULL once resolved */
};

struct import_report {
	struct held_line *held; /* in the order reported */
	size_t n, cap;
	size_t *index; /* open addressing over held, by hash: slot value i + 1, 0 empty */
	size_t index_cap;
	bool oom; /* held lines are printed at once from then on */
	uint64_t resolved_applied, resolved_refused, resolved_other;
};

static size_t hash_slot(const uint8_t hash[UCCN_HASH_BYTES], size_t cap) {
	uint64_t h;
	memcpy(&h, hash, sizeof(h)); /* a BLAKE2b hash: any 8 bytes are well mixed */
	return (size_t)(h & (cap - 1));
}

static struct held_line *find_held(struct import_report *rep, const uint8_t *hash) {
	if (rep->index_cap == 0) {
		return NULL;
	}
	for (size_t s = hash_slot(hash, rep->index_cap);; s = (s + 1) & (rep->index_cap - 1)) {
		if (rep->index[s] == 0) {
			return NULL;
		}
		struct held_line *h = &rep->held[rep->index[s] - 1];
		if (memcmp(h->hash, hash, UCCN_HASH_BYTES) == 0) {
			return h;
		}
	}
}

static bool index_held(struct import_report *rep) {
	if (2 * (rep->n + 1) <= rep->index_cap) {
		size_t s = hash_slot(rep->held[rep->n].hash, rep->index_cap);
		while (rep->index[s] != 0) {
			s = (s + 1) & (rep->index_cap - 1);
		}
		rep->index[s] = rep->n + 1;
		return true;
	}
	size_t cap = rep->index_cap > 0 ? 2 * rep->index_cap : 256;
	size_t *index = calloc(cap, sizeof(*index));
	if (index == NULL) {
		return false;
	}
	free(rep->index);
	rep->index = index;
	rep->index_cap = cap;
	for (size_t i = 0; i <= rep->n; i++) {
		size_t s = hash_slot(rep->held[i].hash, cap);
		while (index[s] != 0) {
			s = (s + 1) & (cap - 1);
		}
		index[s] = i + 1;
	}
	return true;
}

/* Keeps the held line of res for the end of the file; false when out of memory. */
static bool keep_held(struct import_report *rep, const struct uccn_apply_result *res) {
	if (rep->n == rep->cap) {
		size_t cap = rep->cap > 0 ? 2 * rep->cap : 64;
		struct held_line *held = realloc(rep->held, cap * sizeof(*held));
		if (held == NULL) {
			return false;
		}
		rep->held = held;
		rep->cap = cap;
	}
	struct held_line *h = &rep->held[rep->n];
	memcpy(h->hash, res->hash, UCCN_HASH_BYTES);
	size_t len = 0;
	h->line = NULL;
	FILE *f = open_memstream(&h->line, &len);
	if (f == NULL) {
		return false;
	}
	print_outcome(f, "held", res);
	if (fclose(f) != 0 || !index_held(rep)) {
		free(h->line);
		return false;
	}
	rep->n++;
	return true;
}

static void report_result(void *userdata, const struct uccn_apply_result *res) {
	struct import_report *rep = userdata;
	struct held_line *h = res->decoded ? find_held(rep, res->hash) : NULL;
	if (h != NULL && h->line != NULL && res->outcome != UCCN_HELD) {
		/* Held earlier in this file, settled before its end. */
		free(h->line);
		h->line = NULL;
		if (res->outcome == UCCN_APPLIED) {
			rep->resolved_applied++;
		} else if (res->outcome == UCCN_REFUSED) {
			rep->resolved_refused++;
		} else {
			rep->resolved_other++;
		}
	}
	if (res->outcome == UCCN_REFUSED) {
		print_outcome(stdout, "refused", res);
	} else if (res->outcome == UCCN_DROPPED) {
		print_outcome(stdout, "dropped", res);
	} else if (res->outcome == UCCN_HELD && h == NULL) {
		if (rep->oom || !res->decoded || !keep_held(rep, res)) {
			rep->oom = rep->oom || res->decoded;
			print_outcome(stdout, "held", res);
		}
	}
}

/* Prints the held lines still standing and frees the report. */
static void finish_report(struct import_report *rep) {
	for (size_t i = 0; i < rep->n; i++) {
		if (rep->held[i].line != NULL) {
			fputs(rep->held[i].line, stdout);
			free(rep->held[i].line);
		}
	}
	free(rep->held);
	free(rep->index);
	memset(rep, 0, sizeof(*rep));
}

static uint64_t minus(uint64_t a, uint64_t b) {
	return a > b ? a - b : 0;
}

/* Imports one file; returns 0, UCCN_CLI_FAIL (reported), or -1 when the store failed and the
 * remaining files should not be tried. */
static int import_one(struct uccn_cli *cli, struct uccn_node *node, const char *path) {
	bool is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "stdin" : path;
	struct source src = {.f = is_stdin ? stdin : fopen(path, "rb")};
	if (src.f == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(errno));
	}
	struct uccn_import_stats stats = {0};
	struct import_report rep = {0};
	uccn_cli_clear_error(cli);
	int err = uccn_node_import(node, read_source, &src, report_result, &rep, &stats);
	const char *why = uccn_node_errmsg(node); /* the node stays open until the end */
	if (!is_stdin) {
		fclose(src.f);
	}
	/* The node counts a change held when read under held (and, once let in, under released);
	 * here one held and let in within the file counts as applied. One refused when let in
	 * is a refusal like any other. */
	uint64_t settled = rep.resolved_applied + rep.resolved_refused + rep.resolved_other;
	uint64_t applied = stats.applied + rep.resolved_applied;
	uint64_t refused = stats.refused + rep.resolved_refused;
	uint64_t held = minus(stats.held, settled);
	uint64_t released = minus(stats.released, rep.resolved_applied);
	finish_report(&rep);
	printf("imported %s: %llu read, %llu applied, %llu already present, %llu held back, "
	       "%llu refused",
		shown, (unsigned long long)stats.read, (unsigned long long)applied,
		(unsigned long long)stats.duplicate, (unsigned long long)held,
		(unsigned long long)refused);
	if (released > 0) {
		printf(", %llu released", (unsigned long long)released);
	}
	if (stats.dropped > 0) {
		/* Not the file's fault: a file may carry more than this node may keep. */
		printf(", %llu dropped (meant for the Secretariat alone)",
			(unsigned long long)stats.dropped);
	}
	fputc('\n', stdout);
	/* The summary goes out before the error line, so the two streams read in order. */
	fflush(stdout);
	if (src.err != 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown, strerror(src.err));
	}
	switch (err) {
	case UCCN_OK:
		break;
	case UCCN_ETRUNC:
	case UCCN_EPROTO:
	case UCCN_ENETWORK:
		/* The node's why says where the file went wrong; the code alone says less. */
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "%s: %s", shown, uccn_cli_reason(why, err));
	default:
		uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s%s%s", shown, uccn_strerror(err),
			why[0] != '\0' ? ": " : "", why);
		return -1;
	}
	if (refused > 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %llu change%s refused", shown,
			(unsigned long long)refused, refused == 1 ? "" : "s");
	}
	return 0;
}

int uccn_cmd_import(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[256];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, import_usage, pos,
		sizeof(pos) / sizeof(pos[0]), &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos == 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "expected FILE... (see 'uccn import --help')");
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	for (size_t i = 0; i < npos; i++) {
		int r = import_one(cli, node, pos[i]);
		if (r != 0) {
			status = UCCN_CLI_FAIL;
		}
		if (r < 0) {
			break;
		}
	}
	uccn_node_close(node);
	return status;
}

static void report_fault(void *userdata, const struct uccn_fault *f) {
	size_t *count = userdata;
	uccn_cli_print_fault(stdout, f);
	(*count)++;
}

int uccn_cmd_verify(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, NULL, verify_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	uint64_t checked = 0;
	size_t printed = 0;
	uccn_cli_clear_error(cli);
	int n = uccn_node_verify(node, report_fault, &printed, &checked);
	uccn_node_close(node);
	if (n < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "could not finish after %llu changes: %s",
			(unsigned long long)checked, uccn_strerror(n));
	}
	if (n > 0) {
		fflush(stdout);
		cli->last_error[0] = '\0'; /* each fault is on its own line already */
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%d fault%s in %llu changes", n,
			n == 1 ? "" : "s", (unsigned long long)checked);
	}
	printf("verified %llu changes: ok\n", (unsigned long long)checked);
	return 0;
}

struct held_ctx {
	struct uccn_cli_emit emit;
	bool json;
	int status;
};

static void show_held(void *userdata, const struct uccn_apply_result *res) {
	struct held_ctx *ctx = userdata;
	if (ctx->status != 0) {
		return;
	}
	if (!ctx->json) {
		print_outcome(stdout, "held", res);
		return;
	}
	char hash[2 * UCCN_HASH_BYTES + 1], author[2 * UCCN_KEY_BYTES + 1];
	uccn_text_to_hex(res->hash, UCCN_HASH_BYTES, hash);
	uccn_text_to_hex(res->author, UCCN_KEY_BYTES, author);
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:o}", "hash", hash, "author", author,
		"seq", (json_int_t)res->seq, "kind", res->kind, "id",
		uccn_cli_json_string(res->id, strlen(res->id)), "err", uccn_err_name(res->err),
		"why", uccn_cli_json_string(res->why, strnlen(res->why, sizeof(res->why))));
	ctx->status = uccn_cli_emit(&ctx->emit, j);
}

int uccn_cmd_held(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false, jsonl = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{"jsonl", 0, &jsonl, NULL},
		{NULL, 0, NULL, NULL},
	};
	struct uccn_node *node = NULL;
	bool done;
	int status = uccn_cli_parse_and_open(cli, argc, argv, opts, held_usage, &node, &done);
	if (status != 0 || done) {
		return status;
	}
	struct held_ctx ctx = {.json = json || jsonl};
	if ((status = uccn_cli_emit_begin(cli, &ctx.emit, json, jsonl)) != 0) {
		uccn_node_close(node);
		return status;
	}
	uccn_cli_clear_error(cli);
	int err = uccn_node_held(node, show_held, &ctx);
	uccn_node_close(node);
	if (ctx.status == 0 && err < 0) {
		ctx.status = uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	int end = uccn_cli_emit_end(&ctx.emit, ctx.status == 0);
	return ctx.status != 0 ? ctx.status : end;
}
