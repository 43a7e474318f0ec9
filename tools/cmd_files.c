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
	"usage: uccn [--home DIR] export [FILE]\n"
	"\n"
	"Writes every stored change, byte for byte as signed, to FILE (replaced only once the\n"
	"export is complete), or to stdout when FILE is absent or \"-\"; refuses to write to a\n"
	"terminal. Prints the number of changes to stderr.\n";

static const char import_usage[] =
	"usage: uccn [--home DIR] import FILE...\n"
	"\n"
	"Reads export files (\"-\": stdin), verifies each change and applies it. Prints one line\n"
	"per change refused or held back, then a summary per file. Exits 1 if any change was\n"
	"refused or a file was damaged; the changes that verified are kept either way.\n";

static const char verify_usage[] =
	"usage: uccn [--home DIR] verify\n"
	"\n"
	"Re-verifies every stored change (signature, network, schema) and every chain, reports\n"
	"recorded forks and checks the database. Prints each fault; exits 1 if there is any.\n";

static const char held_usage[] =
	"usage: uccn [--home DIR] held [--json]\n"
	"\n"
	"Lists the changes held back until what they wait for arrives, and why.\n"
	"--json prints one JSON object per line.\n";

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

/* Opens a temporary file beside path, so the export replaces path only when complete. */
static FILE *open_temp(const char *path, char *tmp, size_t tmp_len) {
	if (snprintf(tmp, tmp_len, "%s.XXXXXX", path) >= (int)tmp_len) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		return NULL;
	}
	/* mkstemp makes it 0600; an export is public, signed data, so give it the usual mode. */
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

int uccn_cmd_export(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, export_usage, pos, 1, &npos, &done);
	if (status != 0 || done) {
		return status;
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
	char tmp[PATH_MAX];
	struct sink sink = {.f = stdout};
	if (path != NULL && (sink.f = open_temp(path, tmp, sizeof(tmp))) == NULL) {
		int e = errno;
		uccn_node_close(node);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", path, strerror(e));
	}
	uint64_t count = 0;
	uccn_cli_clear_error(cli);
	int err = uccn_node_export(node, write_sink, &sink, &count);
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
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	fprintf(stderr, "exported %llu changes\n", (unsigned long long)count);
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
		uccn_cli_hex(res->author, UCCN_KEY_BYTES, author);
		fprintf(f, "%s %s ", what, res->kind);
		uccn_cli_print_text(f, res->id, strlen(res->id), true);
		fprintf(f, " from %.16s seq %llu: ", author, (unsigned long long)res->seq);
	}
	const char *why = res->why[0] != '\0' ? res->why : uccn_strerror(res->err);
	uccn_cli_print_text(f, why, strlen(why), true);
	fputc('\n', f);
}

static void report_result(void *userdata, const struct uccn_apply_result *res) {
	if (res->outcome == UCCN_REFUSED) {
		print_outcome(stdout, "refused", res);
	} else if (res->outcome == UCCN_HELD) {
		print_outcome(stdout, "held", res);
	}
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
	char why[256] = "";
	uccn_cli_clear_error(cli);
	int err = uccn_node_import(
		node, read_source, &src, report_result, NULL, &stats, why, sizeof(why));
	if (!is_stdin) {
		fclose(src.f);
	}
	printf("imported %s: %llu read, %llu applied, %llu already present, %llu held back, "
	       "%llu refused",
		shown, (unsigned long long)stats.read, (unsigned long long)stats.applied,
		(unsigned long long)stats.duplicate, (unsigned long long)stats.held,
		(unsigned long long)stats.refused);
	if (stats.released > 0) {
		printf(", %llu released", (unsigned long long)stats.released);
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
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s", shown,
			why[0] != '\0' ? why : uccn_strerror(err));
	default:
		uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %s%s%s", shown, uccn_strerror(err),
			why[0] != '\0' ? ": " : "", why);
		return -1;
	}
	if (stats.refused > 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s: %llu change%s refused", shown,
			(unsigned long long)stats.refused, stats.refused == 1 ? "" : "s");
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
	char author[2 * UCCN_KEY_BYTES + 1];
	uccn_cli_hex(f->author, UCCN_KEY_BYTES, author);
	printf("fault %.16s seq %llu: ", author, (unsigned long long)f->seq);
	/* The node's why usually starts with the code's message; print that only once. */
	const char *what = uccn_strerror(f->err);
	size_t why_len = strnlen(f->why, sizeof(f->why));
	if (why_len == 0 || strncmp(f->why, what, strlen(what)) != 0) {
		fputs(what, stdout);
		fputs(why_len > 0 ? ": " : "", stdout);
	}
	uccn_cli_print_text(stdout, f->why, why_len, true);
	fputc('\n', stdout);
	(*count)++;
}

int uccn_cmd_verify(struct uccn_cli *cli, int argc, char **argv) {
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, NULL, verify_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
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
	struct uccn_cli *cli;
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
	uccn_cli_hex(res->hash, UCCN_HASH_BYTES, hash);
	uccn_cli_hex(res->author, UCCN_KEY_BYTES, author);
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:s, s:o}", "hash", hash, "author", author,
		"seq", (json_int_t)res->seq, "kind", res->kind, "id",
		uccn_cli_json_string(res->id, strlen(res->id)), "err", uccn_err_name(res->err),
		"why", uccn_cli_json_string(res->why, strnlen(res->why, sizeof(res->why))));
	ctx->status = uccn_cli_print_json(ctx->cli, j, false);
	json_decref(j);
}

int uccn_cmd_held(struct uccn_cli *cli, int argc, char **argv) {
	bool json = false;
	const struct uccn_cli_option opts[] = {
		{"json", 0, &json, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, held_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	struct held_ctx ctx = {.cli = cli, .json = json};
	uccn_cli_clear_error(cli);
	int err = uccn_node_held(node, show_held, &ctx);
	uccn_node_close(node);
	if (ctx.status != 0) {
		return ctx.status;
	}
	if (err < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(err));
	}
	return 0;
}
