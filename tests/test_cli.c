/* test_cli.c - end-to-end tests of the uccn program: each test runs the built binary (UCCN_BIN)
 * in its own temporary folder, as a user would, and checks its output, exit status and that a
 * failed command leaves the store as it was. Knows nothing of the library's internals. */
/* nftw() and the pseudo-terminal calls are X/Open. */
#define _XOPEN_SOURCE 700

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/proc.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#ifndef UCCN_BIN
#error "UCCN_BIN must name the built uccn program"
#endif

/* The folder of the running test; every home and file of the test lives in it. */
static char dir[256];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700); /* a test may have taken rights away */
	return remove(path);
}

static void setup(void) {
	snprintf(dir, sizeof(dir), "%s/uccn-cli-XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	test_proc_begin(dir);
}

static void teardown(void) {
	if (dir[0] != '\0') {
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	test_proc_end();
#ifdef __SANITIZE_ADDRESS__
	if (__lsan_do_recoverable_leak_check()) {
		abort();
	}
#endif
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

/* A path inside the test's folder. */
static char *path(const char *name) {
	char *p = test_proc_keep(malloc(strlen(dir) + strlen(name) + 2));
	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* A whole file that must exist, kept until teardown. */
static char *slurp(const char *p, size_t *len) {
	cr_assert_eq(access(p, R_OK), 0, "%s: %s", p, strerror(errno));
	return test_proc_slurp(p, len);
}

static void spit(const char *p, const void *data, size_t len) {
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Environment changes for the next run: "NAME=value" sets, "NAME" unsets. */
static const char *extra_env[4];
/* A folder the next run sees on a read-only filesystem. */
static const char *read_only_dir;

/* Runs the program with args (NULL-terminated), stdin from in (NULL: empty), stdout and stderr
 * captured, with the environment changes and read-only folder asked for, which then reset. */
static void run_argv(struct test_run *r, const char *in, size_t in_len, char *const args[]) {
	struct test_proc_opts o = {.in = in,
		.in_len = in != NULL ? in_len : 0,
		.env = extra_env,
		.nenv = sizeof(extra_env) / sizeof(extra_env[0]),
		.read_only_dir = read_only_dir};
	test_proc_run(r, &o, args);
	read_only_dir = NULL;
	memset(extra_env, 0, sizeof(extra_env));
}

/* run(&r, stdin_text_or_NULL, arg, ..., NULL) */
static void run(struct test_run *r, const char *in, ...) {
	struct test_proc_opts o = {.in = in,
		.in_len = in != NULL ? strlen(in) : 0,
		.env = extra_env,
		.nenv = sizeof(extra_env) / sizeof(extra_env[0])};
	va_list ap;
	va_start(ap, in);
	test_proc_runv(r, &o, ap);
	va_end(ap);
	memset(extra_env, 0, sizeof(extra_env));
}

static void assert_ok(const struct test_run *r, const char *what) {
	test_proc_assert_ok(r, what);
}

/* Runs the program with args (NULL-terminated) with stdout on a terminal (a pseudo-terminal
 * that does not turn newlines into CR LF), as a person at a shell would; returns what it
 * printed there (kept until the test ends). */
static char *terminal_output(char *const args[]) {
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
		cr_skip_test("no pseudo-terminal");
	}
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	cr_assert_geq(slave, 0);
	struct termios t;
	cr_assert_eq(tcgetattr(slave, &t), 0);
	t.c_oflag &= ~(tcflag_t)OPOST;
	cr_assert_eq(tcsetattr(slave, TCSANOW, &t), 0);
	struct test_proc_opts o = {.out_fd = slave};
	char err_path[512];
	pid_t pid = test_proc_spawn(args, &o, err_path, sizeof(err_path));
	close(slave);
	cr_assert_eq(test_proc_wait(pid, 60000), 0, "%s", test_proc_slurp(err_path, NULL));
	char *out = test_proc_keep(calloc(1, 65536));
	size_t len = 0;
	cr_assert_eq(fcntl(master, F_SETFL, O_NONBLOCK), 0);
	for (ssize_t n; len < 65535 && (n = read(master, out + len, 65535 - len)) > 0;) {
		len += (size_t)n;
	}
	close(master);
	return out;
}

/* Asserts a failure reported by exactly one "uccn: " line on stderr containing needle. */
static void assert_one_error(const struct test_run *r, const char *needle) {
	cr_assert_neq(r->status, 0, "expected a failure, got status 0; stdout: %s", r->out);
	cr_assert_lt(r->status, 128, "crashed with signal %d; stderr: %s", r->status - 128, r->err);
	cr_assert_gt(r->err_len, 0, "no error line");
	cr_assert_eq(r->err[r->err_len - 1], '\n', "error line not ended: %s", r->err);
	cr_assert_eq(
		strchr(r->err, '\n'), r->err + r->err_len - 1, "more than one line: %s", r->err);
	cr_assert_eq(strncmp(r->err, "uccn: ", 6), 0, "error line: %s", r->err);
	if (needle != NULL) {
		cr_assert_not_null(strstr(r->err, needle), "'%s' not in: %s", needle, r->err);
	}
}

/* The first line of out, without its newline (tracked copy). */
static char *first_line(const struct test_run *r) {
	size_t n = strcspn(r->out, "\n");
	char *s = test_proc_keep(strndup(r->out, n));
	return s;
}

static size_t count_lines(const char *s) {
	size_t n = 0;
	for (; *s != '\0'; s++) {
		n += *s == '\n';
	}
	return n;
}

static bool is_hex(const char *s, size_t len) {
	if (strlen(s) != len) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* Makes a node in the test folder's sub-folder name; returns its home. */
static char *init_home(const char *name, const char *network) {
	char *home = path(name);
	struct test_run r;
	if (network != NULL) {
		run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU",
			"--field", "music", "--network", network, NULL);
	} else {
		run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU",
			"--field", "music", NULL);
	}
	assert_ok(&r, "init");
	return home;
}

/* Puts a best practice and returns its id. */
static char *put_practice(const char *home, const char *title) {
	struct test_run r;
	char *arg = test_proc_keep(malloc(strlen(title) + 8));
	sprintf(arg, "title=%s", title);
	run(&r, NULL, "--home", home, "put", "best_practice", arg, "summary=Children learn music",
		"fields=music", "sdgs=4,11", "year=2024", NULL);
	assert_ok(&r, "put");
	char *id = first_line(&r);
	cr_assert_gt(strlen(id), 0);
	cr_assert_eq(count_lines(r.out), 1, "put printed: %s", r.out);
	return id;
}

/* What a store holds, to compare before and after a failed command. */
static char *snapshot(const char *home) {
	struct test_run r;
	run(&r, NULL, "--home", home, "list", "--all", "--json", NULL);
	assert_ok(&r, "list");
	char *list = r.out;
	run(&r, NULL, "--home", home, "verify", NULL);
	assert_ok(&r, "verify");
	return list;
}

static json_t *parse_json(const char *text) {
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert_not_null(j, "bad JSON (%s) in: %s", e.text, text);
	return j;
}

Test(cli, happy_path_from_init_to_import) {
	struct test_run r;
	char *home = path("adelaide");
	run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU", "--field",
		"music", NULL);
	assert_ok(&r, "init");
	cr_assert_not_null(strstr(r.out, "adelaide"), "init does not say where: %s", r.out);

	run(&r, NULL, "--home", home, "whoami", NULL);
	assert_ok(&r, "whoami");
	cr_assert_eq(count_lines(r.out), 1);
	char *key = first_line(&r);
	cr_assert(is_hex(key, 64), "whoami: %s", key);
	cr_assert_not_null(strstr(r.out, key));

	run(&r, NULL, "--home", home, "whoami", "--json", NULL);
	assert_ok(&r, "whoami --json");
	json_t *who = parse_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(who, "key")), key);
	cr_assert_str_eq(json_string_value(json_object_get(who, "name")), "Adelaide");
	json_decref(who);

	run(&r, NULL, "--home", home, "put", "best_practice", "title=Music in schools",
		"summary=Every child learns an instrument", "fields=music", "sdgs=4,11",
		"year=2024", NULL);
	assert_ok(&r, "put");
	cr_assert_eq(count_lines(r.out), 1);
	char *id = first_line(&r);
	cr_assert_gt(strlen(id), 0);

	run(&r, NULL, "--home", home, "put", "best_practice", id, "summary=revised", NULL);
	assert_ok(&r, "put ID");
	cr_assert_str_eq(first_line(&r), id);

	run(&r, NULL, "--home", home, "get", "best_practice", id, NULL);
	assert_ok(&r, "get");
	cr_assert_not_null(strstr(r.out, "best_practice"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, id), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  title: Music in schools\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  summary: revised\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  sdgs: 4, 11\n"), "%s", r.out);
	cr_assert_null(strstr(r.out, "DELETED"), "%s", r.out);

	/* Options may follow the positional arguments. */
	run(&r, NULL, "--home", home, "get", "best_practice", id, "--json", NULL);
	assert_ok(&r, "get --json");
	json_t *rec = parse_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(rec, "kind")), "best_practice");
	cr_assert_str_eq(json_string_value(json_object_get(rec, "id")), id);
	cr_assert_str_eq(json_string_value(json_object_get(rec, "owner")), key);
	cr_assert(json_is_false(json_object_get(rec, "deleted")));
	const char *created = json_string_value(json_object_get(rec, "created"));
	cr_assert_not_null(created);
	cr_assert_eq(strlen(created), 20, "created: %s", created);
	cr_assert_eq(created[19], 'Z');
	json_t *fields = json_object_get(rec, "fields");
	cr_assert_str_eq(json_string_value(json_object_get(fields, "title")), "Music in schools");
	cr_assert_str_eq(json_string_value(json_object_get(fields, "summary")), "revised");
	json_t *sdgs = json_object_get(fields, "sdgs");
	cr_assert(json_is_array(sdgs));
	cr_assert_eq(json_array_size(sdgs), 2);
	cr_assert(json_is_integer(json_array_get(sdgs, 0)));
	cr_assert_eq(json_integer_value(json_array_get(sdgs, 0)), 4);
	cr_assert_eq(json_integer_value(json_array_get(sdgs, 1)), 11);
	cr_assert(json_is_integer(json_object_get(fields, "year")));
	cr_assert_eq(json_integer_value(json_object_get(fields, "year")), 2024);
	json_t *flds = json_object_get(fields, "fields");
	cr_assert(json_is_array(flds));
	cr_assert_str_eq(json_string_value(json_array_get(flds, 0)), "music");
	json_decref(rec);

	char *keep = put_practice(home, "Street food archive");

	run(&r, NULL, "--home", home, "list", NULL);
	assert_ok(&r, "list");
	cr_assert_not_null(strstr(r.out, id), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Music in schools"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Street food archive"), "%s", r.out);

	/* --json: one document, an array; --jsonl: one object per line. */
	run(&r, NULL, "--home", home, "list", "best_practice", "--json", NULL);
	assert_ok(&r, "list --json");
	{
		json_t *all = parse_json(r.out);
		cr_assert(json_is_array(all), "%s", r.out);
		cr_assert_eq(json_array_size(all), 2, "%s", r.out);
		json_decref(all);
	}
	run(&r, NULL, "--home", home, "list", "best_practice", "--json", "--jsonl", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_str_eq(r.err, "uccn: list: --json and --jsonl do not go together\n");
	run(&r, NULL, "--home", home, "list", "best_practice", "--jsonl", NULL);
	assert_ok(&r, "list --jsonl");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	for (char *line = r.out, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		json_t *j = parse_json(line);
		cr_assert_str_eq(json_string_value(json_object_get(j, "kind")), "best_practice");
		json_decref(j);
	}

	run(&r, NULL, "--home", home, "delete", "best_practice", id, NULL);
	assert_ok(&r, "delete");
	run(&r, NULL, "--home", home, "list", NULL);
	assert_ok(&r, "list after delete");
	cr_assert_null(strstr(r.out, id), "deleted record still listed: %s", r.out);
	cr_assert_not_null(strstr(r.out, keep), "%s", r.out);
	run(&r, NULL, "--home", home, "list", "--all", NULL);
	assert_ok(&r, "list --all");
	cr_assert_not_null(strstr(r.out, id), "%s", r.out);
	{
		/* The tombstone has no title left; the listing says what it is. */
		char *line = strstr(r.out, id);
		cr_assert_not_null(line);
		size_t n = strcspn(line, "\n");
		char *row = test_proc_keep(strndup(line, n));
		cr_assert_not_null(strstr(row, "(deleted)"), "%s", row);
		cr_assert_not_null(strstr(row, "best_practice"), "%s", row);
	}
	run(&r, NULL, "--home", home, "get", "best_practice", id, NULL);
	assert_ok(&r, "get deleted");
	cr_assert_not_null(strstr(r.out, "DELETED"), "%s", r.out);

	run(&r, NULL, "--home", home, "history", "best_practice", id, NULL);
	assert_ok(&r, "history");
	cr_assert_eq(count_lines(r.out), 3, "%s", r.out);
	char *put1 = strstr(r.out, "put  title=");
	char *put2 = strstr(r.out, "put  summary=revised");
	char *del = strstr(r.out, "delete");
	cr_assert(put1 != NULL && put2 != NULL && del != NULL, "%s", r.out);
	cr_assert(put1 < put2 && put2 < del, "not oldest first: %s", r.out);

	run(&r, NULL, "--home", home, "history", "best_practice", id, "--json", NULL);
	assert_ok(&r, "history --json");
	{
		json_t *all = parse_json(r.out);
		cr_assert(json_is_array(all), "%s", r.out);
		cr_assert_eq(json_array_size(all), 3, "%s", r.out);
		json_decref(all);
	}
	run(&r, NULL, "--home", home, "history", "best_practice", id, "--jsonl", NULL);
	assert_ok(&r, "history --jsonl");
	cr_assert_eq(count_lines(r.out), 3, "%s", r.out);
	const char *ops[] = {"put", "put", "delete"};
	unsigned long long last_hlc = 0;
	size_t i = 0;
	for (char *line = r.out, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, i++) {
		*nl = '\0';
		json_t *j = parse_json(line);
		cr_assert_str_eq(json_string_value(json_object_get(j, "op")), ops[i]);
		cr_assert_str_eq(json_string_value(json_object_get(j, "author")), key);
		cr_assert(is_hex(json_string_value(json_object_get(j, "hash")), 64));
		/* A 64-bit hlc is a string of digits: JavaScript and jq would round a number. */
		const char *hlc_text = json_string_value(json_object_get(j, "hlc"));
		cr_assert_not_null(hlc_text, "hlc is not a string");
		cr_assert_gt(strspn(hlc_text, "0123456789"), 15, "%s", hlc_text);
		cr_assert_eq(hlc_text[strspn(hlc_text, "0123456789")], '\0', "%s", hlc_text);
		unsigned long long hlc = strtoull(hlc_text, NULL, 10);
		cr_assert_gt(hlc, 1ULL << 53, "an hlc is past 2^53");
		cr_assert_gt(hlc, last_hlc);
		last_hlc = hlc;
		json_decref(j);
	}

	char *file = path("changes.uccn");
	run(&r, NULL, "--home", home, "export", file, NULL);
	assert_ok(&r, "export");
	cr_assert_not_null(strstr(r.err, "exported "), "%s", r.err);
	struct stat sb;
	cr_assert_eq(stat(file, &sb), 0);
	cr_assert_gt(sb.st_size, 0);

	char *other = path("bologna");
	run(&r, NULL, "--home", other, "init", "--name", "Bologna", "--country", "IT", "--field",
		"music", NULL);
	assert_ok(&r, "init second");
	run(&r, NULL, "--home", other, "import", file, NULL);
	assert_ok(&r, "import");
	/* 1 city + 2 puts + 1 delete + 1 put of the kept record. */
	char summary[PATH_MAX + 128];
	snprintf(summary, sizeof(summary),
		"imported %s: 5 read, 5 applied, 0 already present, 0 held back, 0 refused\n",
		file);
	cr_assert_str_eq(r.out, summary);

	run(&r, NULL, "--home", home, "get", "best_practice", keep, "--json", NULL);
	assert_ok(&r, "get kept");
	char *mine = r.out;
	run(&r, NULL, "--home", other, "get", "best_practice", keep, "--json", NULL);
	assert_ok(&r, "get imported");
	cr_assert_str_eq(r.out, mine, "the imported record differs");
	run(&r, NULL, "--home", other, "get", "best_practice", id, NULL);
	assert_ok(&r, "get imported deleted");
	cr_assert_not_null(strstr(r.out, "DELETED"), "%s", r.out);

	/* Importing again changes nothing. */
	run(&r, NULL, "--home", other, "import", file, NULL);
	assert_ok(&r, "import again");
	snprintf(summary, sizeof(summary),
		"imported %s: 5 read, 0 applied, 5 already present, 0 held back, 0 refused\n",
		file);
	cr_assert_str_eq(r.out, summary);

	run(&r, NULL, "--home", home, "verify", NULL);
	assert_ok(&r, "verify");
	cr_assert_str_eq(r.out, "verified 5 changes: ok\n");
	run(&r, NULL, "--home", other, "verify", NULL);
	assert_ok(&r, "verify second");
	cr_assert_str_eq(r.out, "verified 6 changes: ok\n");
}

Test(cli, put_json_from_stdin_with_args_winning) {
	char *home = init_home("h", NULL);
	struct test_run r;
	run(&r,
		"{\"title\": \"Jazz nights\", \"summary\": \"from JSON\", \"sdgs\": [11, 17],"
		" \"fields\": [\"music\", \"film\"], \"year\": 2023}",
		"--home", home, "put", "best_practice", "--json", "-", "summary=from args", NULL);
	assert_ok(&r, "put --json -");
	char *id = first_line(&r);
	run(&r, NULL, "--home", home, "get", "best_practice", id, "--json", NULL);
	assert_ok(&r, "get");
	json_t *j = parse_json(r.out);
	json_t *f = json_object_get(j, "fields");
	cr_assert_str_eq(json_string_value(json_object_get(f, "title")), "Jazz nights");
	cr_assert_str_eq(json_string_value(json_object_get(f, "summary")), "from args");
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(f, "sdgs"), 1)), 17);
	cr_assert_eq(json_array_size(json_object_get(f, "fields")), 2);
	cr_assert_eq(json_integer_value(json_object_get(f, "year")), 2023);
	json_decref(j);

	/* null removes a field; a file works as well as stdin. */
	char *file = path("change.json");
	spit(file, "{\"year\": null}", 14);
	run(&r, NULL, "--home", home, "put", "best_practice", id, "--json", file, NULL);
	assert_ok(&r, "put ID --json FILE");
	run(&r, NULL, "--home", home, "get", "best_practice", id, "--json", NULL);
	j = parse_json(r.out);
	cr_assert_null(json_object_get(json_object_get(j, "fields"), "year"), "%s", r.out);
	json_decref(j);
}

Test(cli, put_json_rejects_wrong_types_naming_the_field) {
	char *home = init_home("h", NULL);
	char *before = snapshot(home);
	struct test_run r;
	run(&r, "{\"title\": \"x\", \"summary\": \"y\", \"year\": \"2024\"}", "--home", home, "put",
		"best_practice", "--json", "-", NULL);
	assert_one_error(&r, "year");
	run(&r, "{\"title\": \"x\", \"summary\": \"y\", \"sdgs\": [\"4\"]}", "--home", home, "put",
		"best_practice", "--json", "-", NULL);
	assert_one_error(&r, "sdgs");
	run(&r, "{\"title\": \"x\", \"bogus\": 1}", "--home", home, "put", "best_practice",
		"--json", "-", NULL);
	assert_one_error(&r, "bogus");
	run(&r, "[1, 2]", "--home", home, "put", "best_practice", "--json", "-", NULL);
	assert_one_error(&r, "object");
	run(&r, "{\"title\": ", "--home", home, "put", "best_practice", "--json", "-", NULL);
	assert_one_error(&r, NULL);
	cr_assert_str_eq(snapshot(home), before);
}

Test(cli, bad_input_fails_with_one_line_and_leaves_the_store) {
	char *home = init_home("h", NULL);
	char *id = put_practice(home, "Music in schools");
	char *before = snapshot(home);
	struct test_run r;

	run(&r, NULL, "--home", home, "frobnicate", NULL);
	assert_one_error(&r, "frobnicate");
	cr_assert_eq(r.status, 2);

	run(&r, NULL, "--home", home, "put", "concert", "title=x", NULL);
	assert_one_error(&r, "concert");
	cr_assert_not_null(strstr(r.err, "best_practice"), "kinds not listed: %s", r.err);

	run(&r, NULL, "--home", home, "put", "best_practice", "title=x", "summary=y", "colour=red",
		NULL);
	assert_one_error(&r, "colour");
	cr_assert_not_null(strstr(r.err, "summary"), "fields not listed: %s", r.err);

	run(&r, NULL, "--home", home, "put", "best_practice", "title=x", "summary=y", "sdgs=18",
		NULL);
	assert_one_error(&r, "sdgs");

	run(&r, NULL, "--home", home, "put", "best_practice", "title=x", "summary=y",
		"fields=cinema", NULL);
	assert_one_error(&r, "fields");

	run(&r, NULL, "--home", home, "put", "best_practice", "title=x", "summary=y", "year=abc",
		NULL);
	assert_one_error(&r, "year");

	run(&r, NULL, "--home", home, "put", "best_practice", id, "sdgs=0", NULL);
	assert_one_error(&r, "sdgs");

	run(&r, NULL, "--home", home, "put", "best_practice", "title=x", "summary=y", "oops", NULL);
	assert_one_error(&r, "oops");

	run(&r, NULL, "--home", home, "whoami", NULL);
	char *key = first_line(&r);
	run(&r, NULL, "--home", home, "put", "city", key, "field=cinema", NULL);
	assert_one_error(&r, "field");
	cr_assert_not_null(strstr(r.err, "cinema"), "%s", r.err);

	run(&r, NULL, "--home", home, "put", "best_practice", "title=a\001b", "summary=y", NULL);
	assert_one_error(&r, "title");

	run(&r, NULL, "--home", home, "put", "best_practice", "bad id!", "summary=y", NULL);
	assert_one_error(&r, "bad id!");

	run(&r, NULL, "--home", home, "get", "best_practice", "no-such-id", NULL);
	assert_one_error(&r, "no-such-id");
	cr_assert_eq(r.status, 1);

	run(&r, NULL, "--home", home, "delete", "best_practice", "no-such-id", NULL);
	assert_one_error(&r, "no-such-id");

	run(&r, NULL, "--home", home, "history", "best_practice", "no-such-id", NULL);
	assert_one_error(&r, "no-such-id");

	run(&r, NULL, "--home", home, "put", "best_practice", "no-such-id", "summary=x", NULL);
	assert_one_error(&r, "no-such-id");

	run(&r, NULL, "--home", home, "get", "best_practice", NULL);
	assert_one_error(&r, NULL);
	cr_assert_eq(r.status, 2);

	run(&r, NULL, "--home", home, "list", "--bogus", NULL);
	assert_one_error(&r, "--bogus");
	cr_assert_eq(r.status, 2);

	cr_assert_str_eq(snapshot(home), before);
}

Test(cli, missing_or_empty_home_says_no_node_here) {
	struct test_run r;
	char *missing = path("nowhere");
	run(&r, NULL, "--home", missing, "list", NULL);
	assert_one_error(&r, "no uccn node here");
	cr_assert_not_null(strstr(r.err, "uccn init"), "%s", r.err);
	struct stat sb;
	cr_assert_neq(stat(missing, &sb), 0, "a failed command made the home");

	char *empty = path("empty");
	cr_assert_eq(mkdir(empty, 0700), 0);
	run(&r, NULL, "--home", empty, "whoami", NULL);
	assert_one_error(&r, "no uccn node here");
	run(&r, NULL, "--home", empty, "put", "best_practice", "title=x", "summary=y", NULL);
	assert_one_error(&r, "no uccn node here");
}

Test(cli, key_readable_by_others_is_refused) {
	char *home = init_home("h", NULL);
	char *key = path("h/node.key");
	struct stat sb;
	cr_assert_eq(stat(key, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "key mode %o", sb.st_mode & 0777);
	cr_assert_eq(chmod(key, 0644), 0);
	struct test_run r;
	run(&r, NULL, "--home", home, "list", NULL);
	assert_one_error(&r, "readable by others");
}

static void copy_file(const char *from, const char *to) {
	size_t len;
	char *data = slurp(from, &len);
	spit(to, data, len);
}

Test(cli, corrupt_database_is_reported) {
	char *home = init_home("h", NULL);
	put_practice(home, "Music in schools");
	/* Damage a copy, as the brief says, and keep the original as it was. */
	char *copy = path("copy");
	cr_assert_eq(mkdir(copy, 0700), 0);
	copy_file(path("h/node.key"), path("copy/node.key"));
	chmod(path("copy/node.key"), 0600);
	char garbage[8192];
	for (size_t i = 0; i < sizeof(garbage); i++) {
		garbage[i] = (char)(i * 131 + 7);
	}
	spit(path("copy/uccn.db"), garbage, sizeof(garbage));
	struct test_run r;
	run(&r, NULL, "--home", copy, "list", NULL);
	assert_one_error(&r, "corrupt");
	run(&r, NULL, "--home", copy, "get", "best_practice", "x", NULL);
	assert_one_error(&r, "corrupt");
	run(&r, NULL, "--home", copy, "verify", NULL);
	assert_one_error(&r, "corrupt");
	snapshot(home); /* the original still works */
}

Test(cli, corrupt_import_file_is_refused) {
	char *home = init_home("h", NULL);
	char *before = snapshot(home);
	char *file = path("garbage.uccn");
	char garbage[4096];
	for (size_t i = 0; i < sizeof(garbage); i++) {
		garbage[i] = (char)(i * 37 + 11);
	}
	spit(file, garbage, sizeof(garbage));
	struct test_run r;
	run(&r, NULL, "--home", home, "import", file, NULL);
	assert_one_error(&r, "garbage.uccn");
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.out, "imported "), "no summary: %s", r.out);
	cr_assert_str_eq(snapshot(home), before);

	/* An empty file, and a file that is not there. */
	spit(file, "", 0);
	run(&r, NULL, "--home", home, "import", file, NULL);
	assert_one_error(&r, "garbage.uccn");
	run(&r, NULL, "--home", home, "import", path("absent.uccn"), NULL);
	assert_one_error(&r, "absent.uccn");
	cr_assert_str_eq(snapshot(home), before);
}

Test(cli, truncated_import_keeps_the_changes_before_the_cut) {
	char *a = init_home("a", NULL);
	for (int i = 0; i < 6; i++) {
		char title[32];
		snprintf(title, sizeof(title), "Practice %d", i);
		put_practice(a, title);
	}
	char *file = path("all.uccn");
	struct test_run r;
	run(&r, NULL, "--home", a, "export", file, NULL);
	assert_ok(&r, "export");
	size_t len;
	char *data = slurp(file, &len);
	char *cut = path("cut.uccn");
	spit(cut, data, len / 2);

	char *b = init_home("b", NULL);
	run(&r, NULL, "--home", b, "import", cut, NULL);
	assert_one_error(&r, "truncated");
	cr_assert_eq(r.status, 1);
	unsigned long long nread, applied, dup, held, refused;
	char name[PATH_MAX];
	cr_assert_eq(sscanf(r.out,
			     "imported %s %llu read, %llu applied, %llu already present, %llu held "
			     "back, "
			     "%llu refused",
			     name, &nread, &applied, &dup, &held, &refused),
		6, "summary: %s", r.out);
	cr_assert_gt(applied, 0, "%s", r.out);
	cr_assert_lt(applied, 7, "%s", r.out);
	cr_assert_eq(nread, applied, "%s", r.out);
	cr_assert_eq(refused, 0, "%s", r.out);
	run(&r, NULL, "--home", b, "list", "best_practice", NULL);
	assert_ok(&r, "list");
	unsigned long long kept = count_lines(r.out);
	run(&r, NULL, "--home", b, "list", "city", NULL);
	assert_ok(&r, "list");
	kept += count_lines(r.out) - 1; /* b's own city is not from the file */
	cr_assert_eq(kept, applied, "each change kept made a record: %s", r.out);
	run(&r, NULL, "--home", b, "verify", NULL);
	assert_ok(&r, "verify");

	/* The whole file then brings the rest. */
	run(&r, NULL, "--home", b, "import", file, NULL);
	assert_ok(&r, "import whole");
	run(&r, NULL, "--home", b, "list", "best_practice", NULL);
	cr_assert_eq(count_lines(r.out), 6, "%s", r.out);

	/* Another city's record is not b's to change. */
	char *theirs = first_line(&r);
	theirs[strcspn(theirs, " ")] = '\0';
	char *before = snapshot(b);
	run(&r, NULL, "--home", b, "put", "best_practice", theirs, "summary=mine now", NULL);
	assert_one_error(&r, "owner");
	run(&r, NULL, "--home", b, "delete", "best_practice", theirs, NULL);
	assert_one_error(&r, "owner");
	cr_assert_str_eq(snapshot(b), before);
}

Test(cli, import_from_another_network_is_refused) {
	char network[65];
	memset(network, 'a', 64);
	network[64] = '\0';
	char *a = init_home("a", network);
	char *b = init_home("b", NULL);
	struct test_run r;
	run(&r, NULL, "--home", a, "whoami", "--json", NULL);
	assert_ok(&r, "whoami");
	json_t *j = parse_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "network")), network);
	json_decref(j);

	put_practice(a, "Music in schools");
	char *file = path("a.uccn");
	run(&r, NULL, "--home", a, "export", file, NULL);
	assert_ok(&r, "export");
	char *before = snapshot(b);
	run(&r, NULL, "--home", b, "import", file, NULL);
	assert_one_error(&r, "another network");
	cr_assert_str_eq(snapshot(b), before);

	run(&r, NULL, "--home", b, "export", path("b.uccn"), NULL);
	assert_ok(&r, "export b");
	before = snapshot(a);
	run(&r, NULL, "--home", a, "import", path("b.uccn"), NULL);
	assert_one_error(&r, "another network");
	cr_assert_str_eq(snapshot(a), before);

	run(&r, NULL, "--home", path("c"), "init", "--name", "X", "--country", "FR", "--field",
		"film", "--network", "abc", NULL);
	assert_one_error(&r, "--network");
}

Test(cli, init_refuses_an_existing_home) {
	char *home = init_home("h", NULL);
	size_t len;
	char *key = slurp(path("h/node.key"), &len);
	struct test_run r;
	run(&r, NULL, "--home", home, "whoami", NULL);
	char *pk = first_line(&r);
	run(&r, NULL, "--home", home, "init", "--name", "Other", "--country", "FR", "--field",
		"film", NULL);
	assert_one_error(&r, "already");
	size_t len2;
	char *key2 = slurp(path("h/node.key"), &len2);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(key, key2, len), 0, "the key was touched");
	run(&r, NULL, "--home", home, "whoami", NULL);
	cr_assert_str_eq(first_line(&r), pk);
}

Test(cli, init_makes_parents_with_private_mode_and_checks_its_values) {
	struct test_run r;
	char *home = path("deep/er/home");
	run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU", "--field",
		"music", NULL);
	assert_ok(&r, "init");
	struct stat sb;
	cr_assert_eq(stat(home, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700, "mode %o", sb.st_mode & 0777);
	cr_assert_eq(stat(path("deep"), &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700, "parent mode %o", sb.st_mode & 0777);

	char *bad = path("bad");
	run(&r, NULL, "--home", bad, "init", "--name", "X", "--country", "Australia", "--field",
		"music", NULL);
	assert_one_error(&r, "country");
	cr_assert_neq(stat(bad, &sb), 0, "a refused init left its home");
	run(&r, NULL, "--home", bad, "init", "--name", "X", "--country", "AU", "--field", "cinema",
		NULL);
	assert_one_error(&r, "field");
	run(&r, NULL, "--home", bad, "init", "--name", "X", NULL);
	assert_one_error(&r, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_neq(stat(bad, &sb), 0, "a refused init left its home");
}

Test(cli, home_comes_from_the_environment) {
	struct test_run r;
	char *env_home = path("from-env");
	char env[PATH_MAX + 16];
	snprintf(env, sizeof(env), "UCCN_HOME=%s", env_home);
	extra_env[0] = env;
	run(&r, NULL, "init", "--name", "Adelaide", "--country", "AU", "--field", "music", NULL);
	assert_ok(&r, "init via UCCN_HOME");
	struct stat sb;
	cr_assert_eq(stat(path("from-env/node.key"), &sb), 0);

	char xdg[PATH_MAX + 16];
	snprintf(xdg, sizeof(xdg), "XDG_DATA_HOME=%s", path("xdg"));
	extra_env[0] = xdg;
	run(&r, NULL, "init", "--name", "Adelaide", "--country", "AU", "--field", "music", NULL);
	assert_ok(&r, "init via XDG_DATA_HOME");
	cr_assert_eq(stat(path("xdg/uccn/node.key"), &sb), 0);

	run(&r, NULL, "init", "--name", "Adelaide", "--country", "AU", "--field", "music", NULL);
	assert_ok(&r, "init via HOME");
	cr_assert_eq(stat(path(".local/share/uccn/node.key"), &sb), 0);
	run(&r, NULL, "whoami", NULL);
	assert_ok(&r, "whoami via HOME");

	/* --home wins over the environment. */
	extra_env[0] = env;
	run(&r, NULL, "--home", path(".local/share/uccn"), "whoami", NULL);
	char *a = first_line(&r);
	extra_env[0] = env;
	run(&r, NULL, "whoami", NULL);
	cr_assert_str_neq(first_line(&r), a);
}

/* Runs the program with stdout on a pseudo-terminal; returns its exit status. Skips the test
 * where there is no pseudo-terminal. */
static int run_on_terminal(char *const args[]) {
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
		cr_skip_test("no pseudo-terminal");
	}
	const char *slave_name = ptsname(master);
	cr_assert_not_null(slave_name);
	int fd = open(slave_name, O_RDWR | O_NOCTTY);
	cr_assert_geq(fd, 0, "%s: %s", slave_name, strerror(errno));
	struct test_proc_opts o = {.out_fd = fd};
	char err_path[PATH_MAX];
	pid_t pid = test_proc_spawn(args, &o, err_path, sizeof(err_path));
	close(fd);
	int status = test_proc_wait(pid, 60000);
	close(master);
	cr_assert(status >= 0 && status < 128, "status %d", status);
	return status;
}

Test(cli, export_refuses_a_terminal_and_writes_stdout) {
	char *home = init_home("h", NULL);
	struct test_run r;
	run(&r, NULL, "--home", home, "export", NULL);
	assert_ok(&r, "export to stdout");
	cr_assert_gt(r.out_len, 0);
	cr_assert_str_eq(r.err, "exported 1 changes\n");

	/* The same bytes through a pipe-less file, then imported from stdin. */
	char *b = init_home("b", NULL);
	char *args[] = {"uccn", "--home", b, "import", "-", NULL};
	struct test_run r2;
	run_argv(&r2, r.out, r.out_len, args);
	assert_ok(&r2, "import -");
	cr_assert_str_eq(r2.out,
		"imported stdin: 1 read, 1 applied, 0 already present, 0 held back, 0 refused\n");

	char *args_tty[] = {"uccn", "--home", home, "export", NULL};
	cr_assert_neq(run_on_terminal(args_tty), 0, "export wrote to a terminal");
}

Test(cli, held_and_verify_on_a_fresh_node) {
	char *home = init_home("h", NULL);
	struct test_run r;
	run(&r, NULL, "--home", home, "held", NULL);
	assert_ok(&r, "held");
	cr_assert_str_eq(r.out, "");
	run(&r, NULL, "--home", home, "held", "--json", NULL);
	assert_ok(&r, "held --json");
	cr_assert_str_eq(r.out, "[]\n");
	run(&r, NULL, "--home", home, "held", "--jsonl", NULL);
	assert_ok(&r, "held --jsonl");
	cr_assert_str_eq(r.out, "");
	run(&r, NULL, "--home", home, "verify", NULL);
	assert_ok(&r, "verify");
	cr_assert_str_eq(r.out, "verified 1 changes: ok\n");
}

Test(cli, text_stays_utf8_in_json_and_lines_up_in_lists) {
	char *home = init_home("h", NULL);
	char *id = put_practice(home, "Caf\u00e9 de la M\u00fasica");
	struct test_run r;
	run(&r, NULL, "--home", home, "get", "best_practice", id, "--json", NULL);
	assert_ok(&r, "get --json");
	cr_assert_not_null(strstr(r.out, "\"Caf\u00e9 de la M\u00fasica\""), "%s", r.out);
	run(&r, NULL, "--home", home, "list", NULL);
	assert_ok(&r, "list");
	/* Both rows put the kind in the same column, counted in characters. */
	char *nl = strchr(r.out, '\n');
	cr_assert_not_null(nl);
	*nl = '\0';
	char *first = strstr(r.out, "  ("), *second = strstr(nl + 1, "  (");
	cr_assert(first != NULL && second != NULL);
	size_t col1 = 0, col2 = 0;
	for (char *p = r.out; p < first; p++) {
		col1 += ((unsigned char)*p & 0xc0) != 0x80;
	}
	for (char *p = nl + 1; p < second; p++) {
		col2 += ((unsigned char)*p & 0xc0) != 0x80;
	}
	cr_assert_eq(col1, col2, "columns differ:\n%s\n%s", r.out, nl + 1);
	(void)id;
}

/* Replaces every copy of from in the file by to (same length), as bit rot or tampering would. */
static size_t tamper(const char *file, const char *from, const char *to) {
	size_t len, n = 0, flen = strlen(from);
	char *data = slurp(file, &len);
	cr_assert_eq(strlen(to), flen);
	for (size_t i = 0; i + flen <= len; i++) {
		if (memcmp(data + i, from, flen) == 0) {
			memcpy(data + i, to, flen);
			n++;
		}
	}
	spit(file, data, len);
	return n;
}

Test(cli, verify_reports_a_tampered_change) {
	char *home = init_home("h", NULL);
	put_practice(home, "UniqueTitleXYZ");
	struct test_run r;
	run(&r, NULL, "--home", home, "verify", NULL);
	assert_ok(&r, "verify before");
	/* The node closed its database, so every byte is in uccn.db. */
	cr_assert_gt(tamper(path("h/uccn.db"), "UniqueTitleXYZ", "UniqueTitleXYQ"), 0);
	run(&r, NULL, "--home", home, "verify", NULL);
	assert_one_error(&r, "fault");
	cr_assert_eq(r.status, 1);
	cr_assert_eq(strncmp(r.out, "fault ", 6), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "seq 2: bad signature"), "%s", r.out);
}

Test(cli, import_refuses_a_tampered_change_and_takes_the_rest) {
	char *a = init_home("a", NULL);
	char *id = put_practice(a, "UniqueTitleXYZ");
	char *file = path("a.uccn");
	struct test_run r;
	run(&r, NULL, "--home", a, "export", file, NULL);
	assert_ok(&r, "export");
	cr_assert_eq(tamper(file, "UniqueTitleXYZ", "UniqueTitleXYQ"), 1);
	char *b = init_home("b", NULL);
	run(&r, NULL, "--home", b, "import", file, NULL);
	assert_one_error(&r, "a.uccn");
	cr_assert_eq(r.status, 1);
	char refused[128];
	snprintf(refused, sizeof(refused), "refused best_practice %s from ", id);
	cr_assert_not_null(strstr(r.out, refused), "%s", r.out);
	cr_assert_not_null(
		strstr(r.out, "2 read, 1 applied, 0 already present, 0 held back, 1 refused"), "%s",
		r.out);
	run(&r, NULL, "--home", b, "get", "best_practice", id, NULL);
	assert_one_error(&r, id);
	run(&r, NULL, "--home", b, "list", "city", NULL);
	cr_assert_not_null(strstr(r.out, "Adelaide"), "%s", r.out);
}

/* The line of out that contains needle, without its newline (tracked copy). */
static char *line_with(const char *out, const char *needle) {
	const char *hit = strstr(out, needle);
	cr_assert_not_null(hit, "'%s' not in: %s", needle, out);
	const char *start = hit;
	while (start > out && start[-1] != '\n') {
		start--;
	}
	return test_proc_keep(strndup(start, strcspn(start, "\n")));
}

Test(cli, history_quotes_values_so_they_read_back_as_put_arguments) {
	char *home = init_home("h", NULL);
	struct test_run r;
	run(&r, NULL, "--home", home, "put", "best_practice", "title=Music in schools",
		"partners=primary schools,live music venues",
		"summary=say \"hi\" to $HOME `now` \\o/", "sdgs=4,11", "fields=music,film",
		"year=2024", "url=https://example.org/a?b=c", NULL);
	assert_ok(&r, "put");
	char *id = first_line(&r);
	run(&r, NULL, "--home", home, "put", "best_practice", id, "url=", NULL);
	assert_ok(&r, "put url=");
	run(&r, NULL, "--home", home, "history", "best_practice", id, NULL);
	assert_ok(&r, "history");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	char *first = first_line(&r);
	const char *expected[] = {
		" title=\"Music in schools\"",
		" partners=\"primary schools,live music venues\"",
		" summary=\"say \\\"hi\\\" to \\$HOME \\`now\\` \\\\o/\"",
		" sdgs=4,11",
		" fields=music,film",
		" year=2024",
		" url=\"https://example.org/a?b=c\"",
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		cr_assert_not_null(
			strstr(first, expected[i]), "'%s' not in: %s", expected[i], first);
	}
	cr_assert(strlen(r.out) > 4 && strcmp(r.out + strlen(r.out) - 6, " url=\n") == 0,
		"removal not shown as url=: %s", r.out);

	/* The shell reads the printed assignments back into the same fields. */
	char *assignments = strstr(first, "put  ");
	cr_assert_not_null(assignments);
	assignments += 5;
	char *script = test_proc_keep(malloc(strlen(assignments) + 64));
	sprintf(script, "exec \"$0\" --home \"$1\" put best_practice %s", assignments);
	run(&r, NULL, "--home", home, "put", "best_practice", id, "url=https://example.org/a?b=c",
		NULL);
	assert_ok(&r, "put url back");
	run(&r, NULL, "--home", home, "get", "best_practice", id, "--json", NULL);
	assert_ok(&r, "get original");
	json_t *original = parse_json(r.out);
	/* The shell starts the program with what it read back. */
	char *args[] = {"sh", "-c", script, UCCN_BIN, home, NULL};
	struct test_proc_opts o = {.program = "/bin/sh"};
	struct test_run sh;
	test_proc_run(&sh, &o, args);
	assert_ok(&sh, "sh");
	char *copy = first_line(&sh);
	cr_assert(strlen(copy) > 0);
	run(&r, NULL, "--home", home, "get", "best_practice", copy, "--json", NULL);
	assert_ok(&r, "get copy");
	json_t *again = parse_json(r.out);
	cr_assert(json_equal(json_object_get(original, "fields"), json_object_get(again, "fields")),
		"fields differ after a round trip through the shell: %s", r.out);
	json_decref(original);
	json_decref(again);
}

Test(cli, list_cuts_long_ids_and_keeps_columns) {
	char *home = init_home("h", NULL);
	char *id = put_practice(home, "Music in schools");
	struct test_run r;
	run(&r, NULL, "--home", home, "whoami", NULL);
	char *key = first_line(&r);
	/* Piped, ids are whole: a script reads them. */
	run(&r, NULL, "--home", home, "list", NULL);
	assert_ok(&r, "list");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	cr_assert_eq(strncmp(line_with(r.out, "Adelaide"), key, strlen(key)), 0,
		"not the whole key: %s", r.out);
	/* On a terminal, a long id is cut, and the columns line up. */
	char *args[] = {"uccn", "--home", home, "list", NULL};
	r.out = terminal_output(args);
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	cr_assert_null(strstr(r.out, key), "a whole key in the id column: %s", r.out);
	char cut[64];
	snprintf(cut, sizeof(cut), "%.16s\u2026 ", key);
	char *city = line_with(r.out, "Adelaide");
	cr_assert_eq(strncmp(city, cut, strlen(cut)), 0, "city row: %s", city);
	char *practice = line_with(r.out, "Music in schools");
	cr_assert_eq(strncmp(practice, id, strlen(id)), 0, "practice row: %s", practice);
	/* The title starts in the same column on both rows, counted in characters. */
	size_t col1 = 0, col2 = 0;
	for (char *p = city; p < strstr(city, "Adelaide"); p++) {
		col1 += ((unsigned char)*p & 0xc0) != 0x80;
	}
	for (char *p = practice; p < strstr(practice, "Music in schools"); p++) {
		col2 += ((unsigned char)*p & 0xc0) != 0x80;
	}
	cr_assert_eq(col1, col2, "columns differ:\n%s\n%s", city, practice);
	cr_assert_leq(col1, 32 + 2, "id column wider than 32: %s", r.out);

	run(&r, NULL, "--home", home, "list", "city", "--jsonl", NULL);
	assert_ok(&r, "list --jsonl");
	json_t *j = parse_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), key);
	json_decref(j);
}

Test(cli, every_command_has_help) {
	const char *commands[] = {"init", "whoami", "put", "get", "list", "delete", "history",
		"export", "import", "verify", "held", "registry", "designate", "withdraw", "role",
		"rotate-key", "confirm-rotation", "revoke"};
	struct test_run r;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		run(&r, NULL, (char *)commands[i], "--help", NULL);
		cr_assert_eq(r.status, 0, "%s --help: %d %s", commands[i], r.status, r.err);
		cr_assert_eq(
			strncmp(r.out, "usage: uccn", 11), 0, "%s --help: %s", commands[i], r.out);
		cr_assert_not_null(strstr(r.out, commands[i]));
		cr_assert_str_eq(r.err, "");
	}
	run(&r, NULL, "--help", NULL);
	assert_ok(&r, "--help");
	cr_assert_not_null(strstr(r.out, "usage: uccn"));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		cr_assert_not_null(
			strstr(r.out, commands[i]), "%s missing from --help", commands[i]);
	}
	run(&r, NULL, "--version", NULL);
	assert_ok(&r, "--version");
	cr_assert_eq(strncmp(r.out, "uccn ", 5), 0);
	const char *subcommands[] = {"verify", "prove", "check"};
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		run(&r, NULL, "registry", (char *)subcommands[i], "--help", NULL);
		assert_ok(&r, subcommands[i]);
		char want[32];
		snprintf(want, sizeof(want), "registry %s", subcommands[i]);
		cr_assert_eq(strncmp(r.out, "usage: uccn ", 12), 0, "%s", r.out);
		cr_assert_not_null(
			strstr(r.out, want), "registry %s --help: %s", subcommands[i], r.out);
		cr_assert_str_eq(r.err, "");
	}
	run(&r, NULL, "put", "best_practice", "--help", NULL);
	assert_ok(&r, "put KIND --help");
	cr_assert_not_null(strstr(r.out, "sdgs"), "%s", r.out);
	run(&r, NULL, NULL);
	assert_one_error(&r, "--help");
	cr_assert_eq(r.status, 2);
}

Test(cli, verbose_shows_library_messages) {
	struct test_run r;
	char *missing = path("nowhere");
	run(&r, NULL, "-v", "--home", missing, "list", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "no uccn node here"), "%s", r.err);
}

/* ---- the registry ---------------------------------------------------------------------- */

/* Makes the Secretariat's node in the test folder's sub-folder name; returns its home and
 * writes the network id (65 bytes) to network. */
static char *init_secretariat(const char *name, char *network) {
	char *home = path(name);
	struct test_run r;
	run(&r, NULL, "--home", home, "init", "--secretariat", "--name", "UNESCO Secretariat",
		NULL);
	assert_ok(&r, "init --secretariat");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	cr_assert_eq(strncmp(r.out, "network ", 8), 0, "%s", r.out);
	snprintf(network, 65, "%.64s", r.out + 8);
	cr_assert(is_hex(network, 64), "network id: %s", r.out);
	cr_assert_eq(r.out[8 + 64], '\n', "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nhome "), "%s", r.out);
	return home;
}

/* Makes a city's node in the network; returns its home and writes its key (65 bytes). */
static char *init_city(const char *dirname, const char *name, const char *country,
	const char *field, const char *network, char *key) {
	char *home = path(dirname);
	struct test_run r;
	run(&r, NULL, "--home", home, "init", "--name", name, "--country", country, "--field",
		field, "--network", network, NULL);
	assert_ok(&r, "init city");
	run(&r, NULL, "--home", home, "whoami", NULL);
	assert_ok(&r, "whoami");
	snprintf(key, 65, "%s", first_line(&r));
	cr_assert(is_hex(key, 64), "%s", key);
	return home;
}

static void designate(const char *secretariat, const char *key, const char *name,
	const char *country, const char *field, const char *year) {
	struct test_run r;
	run(&r, NULL, "--home", secretariat, "designate", key, "--name", name, "--country", country,
		"--field", field, "--year", year, NULL);
	assert_ok(&r, "designate");
	char want[128];
	snprintf(want, sizeof(want), "designated %s (", name);
	cr_assert_eq(strncmp(r.out, want, strlen(want)), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\ntree head size "), "%s", r.out);
}

/* Exports from one home and imports into another; returns the import's stdout. */
static char *carry(const char *from, const char *to, const char *file_name) {
	char *file = path(file_name);
	struct test_run r;
	run(&r, NULL, "--home", from, "export", file, NULL);
	assert_ok(&r, "export");
	run(&r, NULL, "--home", to, "import", file, NULL);
	assert_ok(&r, "import");
	return r.out;
}

/* Reads "size N root HEX16… time T" after prefix in text; returns N. */
static unsigned long long tree_size_after(const char *text, const char *prefix) {
	const char *p = strstr(text, prefix);
	cr_assert_not_null(p, "'%s' not in: %s", prefix, text);
	unsigned long long size;
	char root[64], time[64];
	cr_assert_eq(sscanf(p + strlen(prefix), "tree head size %llu root %63s time %63s", &size,
			     root, time),
		3, "tree head: %s", p);
	cr_assert_eq(strlen(root), 16 + 3, "root: %s", root);
	cr_assert_eq(strcmp(root + 16, "\u2026"), 0, "root: %s", root);
	cr_assert_eq(strlen(time), 20, "time: %s", time);
	return size;
}

Test(cli, registry_designate_list_verify_prove_check) {
	char network[65], key[65];
	char *unesco = init_secretariat("unesco", network);
	struct test_run r;
	run(&r, NULL, "--home", unesco, "whoami", "--json", NULL);
	assert_ok(&r, "whoami --json");
	json_t *who = parse_json(r.out);
	cr_assert(json_is_true(json_object_get(who, "secretariat")), "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(who, "key")), network);
	json_decref(who);

	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, key);
	run(&r, NULL, "--home", adelaide, "whoami", "--json", NULL);
	who = parse_json(r.out);
	cr_assert(json_is_false(json_object_get(who, "secretariat")), "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(who, "network")), network);
	json_decref(who);

	/* The field is read as the command line reads it everywhere. */
	designate(unesco, key, "Adelaide", "AU", "Music", "2015");
	run(&r, NULL, "--home", unesco, "designate", key, "--name", "Adelaide", "--country", "AU",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "member already");
	cr_assert_eq(r.status, 1);

	run(&r, NULL, "--home", unesco, "registry", NULL);
	assert_ok(&r, "registry");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	cr_assert_eq(tree_size_after(r.out, ""), 1);
	char *row = line_with(r.out, "Adelaide");
	char cut[32];
	snprintf(cut, sizeof(cut), "%.16s\u2026", key);
	const char *parts[] = {"Adelaide", " AU ", " music ", " 2015 ", cut, " active"};
	const char *at = row;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *hit = strstr(at, parts[i]);
		cr_assert_not_null(hit, "'%s' not in order in: %s", parts[i], row);
		at = hit + strlen(parts[i]);
	}
	cr_assert_null(strstr(r.out, key), "a whole key in the listing: %s", r.out);

	run(&r, NULL, "--home", unesco, "registry", "--csv", NULL);
	assert_ok(&r, "registry --csv");
	const char *header = "name,country,field,year,status,key,city,designated,website,"
			     "focal_point,email,tree_size,tree_root,tree_time\r\n";
	cr_assert_eq(strncmp(r.out, header, strlen(header)), 0, "%s", r.out);
	char want[256];
	snprintf(want, sizeof(want), "\r\nAdelaide,AU,music,2015,active,%s,%s,", key, key);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	char *csv_row = strstr(r.out, "\r\n") + 2;
	/* designated, then the tree head's size, root and time (the contacts, empty, between) */
	char designated[32], size[32], root[80], time[32];
	const char *tail = csv_row;
	for (int commas = 0; commas < 7; tail++) {
		commas += *tail == ',';
	}
	cr_assert_eq(
		sscanf(tail, "%31[^,],,,,%31[^,],%79[^,],%31[^\r]", designated, size, root, time),
		4, "%s", csv_row);
	cr_assert_str_eq(size, "1");
	cr_assert(is_hex(root, 64), "%s", root);
	cr_assert_eq(strlen(time), 20, "%s", time);
	cr_assert_eq(strcmp(r.out + r.out_len - 2, "\r\n"), 0);

	run(&r, NULL, "--home", unesco, "registry", "--json", NULL);
	assert_ok(&r, "registry --json");
	json_t *reg = parse_json(r.out);
	json_t *head = json_object_get(reg, "tree_head");
	cr_assert_eq(json_integer_value(json_object_get(head, "size")), 1, "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(head, "root")), root);
	cr_assert_str_eq(json_string_value(json_object_get(head, "time")), time);
	json_t *members = json_object_get(reg, "members");
	cr_assert_eq(json_array_size(members), 1, "%s", r.out);
	json_t *m = json_array_get(members, 0);
	cr_assert_str_eq(json_string_value(json_object_get(m, "name")), "Adelaide");
	cr_assert_str_eq(json_string_value(json_object_get(m, "field")), "music");
	cr_assert_str_eq(json_string_value(json_object_get(m, "key")), key);
	cr_assert_str_eq(json_string_value(json_object_get(m, "city")), key);
	cr_assert_str_eq(json_string_value(json_object_get(m, "status")), "active");
	cr_assert_eq(json_integer_value(json_object_get(m, "year")), 2015);
	json_decref(reg);

	run(&r, NULL, "--home", unesco, "registry", "--field", "film", NULL);
	assert_ok(&r, "registry --field film");
	cr_assert_null(strstr(r.out, "Adelaide"), "%s", r.out);
	run(&r, NULL, "--home", unesco, "registry", "--country", "AU", "--field", "Music", NULL);
	assert_ok(&r, "registry --country --field");
	cr_assert_not_null(strstr(r.out, "Adelaide"), "%s", r.out);

	run(&r, NULL, "--home", unesco, "registry", "verify", NULL);
	assert_ok(&r, "registry verify");
	cr_assert_eq(strncmp(r.out, "registry verified: 1 designation, ", 34), 0, "%s", r.out);
	cr_assert_eq(tree_size_after(r.out, "designation, "), 1);

	char *proof = path("adelaide.proof");
	run(&r, NULL, "--home", unesco, "registry", "prove", key, "-o", proof, NULL);
	assert_ok(&r, "registry prove -o");
	cr_assert_str_eq(r.out, "");
	size_t proof_len;
	char *proof_bytes = slurp(proof, &proof_len);
	cr_assert_gt(proof_len, 0);
	/* Any node holding the registry can prove a member: here the city itself, to stdout. */
	carry(unesco, adelaide, "unesco.uccn");
	run(&r, NULL, "--home", adelaide, "registry", "prove", key, NULL);
	assert_ok(&r, "registry prove > stdout");
	cr_assert_gt(r.out_len, 0);
	char *proof2 = path("from-city.proof");
	spit(proof2, r.out, r.out_len);
	char *args_tty[] = {"uccn", "--home", adelaide, "registry", "prove", key, NULL};
	cr_assert_neq(run_on_terminal(args_tty), 0, "prove wrote to a terminal");

	/* No home at all: the check needs only the network id. */
	char *nowhere = path("no-home-here");
	char env[PATH_MAX + 16];
	snprintf(env, sizeof(env), "UCCN_HOME=%s", nowhere);
	extra_env[0] = env;
	run(&r, NULL, "registry", "check", proof, "--network", network, NULL);
	assert_ok(&r, "registry check");
	cr_assert_eq(strncmp(r.out,
			     "valid: Adelaide (AU, music, designated 2015) is a member under ", 63),
		0, "%s", r.out);
	cr_assert_eq(tree_size_after(r.out, "member under "), 1);
	struct stat sb;
	cr_assert_neq(stat(nowhere, &sb), 0, "check made a home");
	run(&r, NULL, "registry", "check", proof2, "--network", network, NULL);
	assert_ok(&r, "registry check of the city's proof");
	char *args_stdin[] = {"uccn", "registry", "check", "-", "--network", network, NULL};
	run_argv(&r, proof_bytes, proof_len, args_stdin);
	assert_ok(&r, "registry check -");
	cr_assert_not_null(strstr(r.out, "valid: Adelaide"), "%s", r.out);

	/* Another network's id: the Secretariat of another network, or any other key. */
	run(&r, NULL, "registry", "check", proof, "--network", key, NULL);
	assert_one_error(&r, "another network");
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.out, "");

	/* A damaged proof, an empty one, one that is not there. */
	char *bad = test_proc_keep(malloc(proof_len));
	memcpy(bad, proof_bytes, proof_len);
	bad[proof_len / 2] ^= 0x20;
	char *bad_path = path("bad.proof");
	spit(bad_path, bad, proof_len);
	run(&r, NULL, "registry", "check", bad_path, "--network", network, NULL);
	assert_one_error(&r, "bad.proof");
	cr_assert_eq(r.status, 1);
	spit(bad_path, proof_bytes, proof_len - 1);
	run(&r, NULL, "registry", "check", bad_path, "--network", network, NULL);
	assert_one_error(&r, "bad.proof");
	cr_assert_eq(r.status, 1);
	spit(bad_path, "", 0);
	run(&r, NULL, "registry", "check", bad_path, "--network", network, NULL);
	assert_one_error(&r, "bad.proof");
	cr_assert_eq(r.status, 1);
	run(&r, NULL, "registry", "check", path("absent.proof"), "--network", network, NULL);
	assert_one_error(&r, "absent.proof");
	cr_assert_eq(r.status, 1);

	/* A key that is no member. */
	char stranger[65];
	memset(stranger, 'b', 64);
	stranger[64] = '\0';
	run(&r, NULL, "--home", unesco, "registry", "prove", stranger, "-o", path("x.proof"), NULL);
	assert_one_error(&r, "not a member");
	cr_assert_eq(r.status, 1);
	cr_assert_neq(stat(path("x.proof"), &sb), 0, "a failed prove left a file");
}

Test(cli, registry_withdraw_shows_with_all_and_proves_no_more) {
	char network[65], key[65];
	char *unesco = init_secretariat("unesco", network);
	init_city("adelaide", "Adelaide", "AU", "music", network, key);
	designate(unesco, key, "Adelaide", "AU", "music", "2015");
	struct test_run r;
	run(&r, NULL, "--home", unesco, "withdraw", key, NULL);
	assert_one_error(&r, "--reason");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "withdraw", key, "--reason", "left the network", NULL);
	assert_ok(&r, "withdraw");
	cr_assert_eq(strncmp(r.out, "withdrew Adelaide (", 19), 0, "%s", r.out);
	cr_assert_eq(tree_size_after(r.out, "\n"), 2);

	run(&r, NULL, "--home", unesco, "registry", NULL);
	assert_ok(&r, "registry");
	cr_assert_null(strstr(r.out, "Adelaide"), "withdrawn city listed: %s", r.out);
	run(&r, NULL, "--home", unesco, "registry", "--all", NULL);
	assert_ok(&r, "registry --all");
	cr_assert_not_null(strstr(line_with(r.out, "Adelaide"), "withdrawn"), "%s", r.out);
	run(&r, NULL, "--home", unesco, "registry", "--all", "--json", NULL);
	assert_ok(&r, "registry --all --json");
	json_t *reg = parse_json(r.out);
	json_t *m = json_array_get(json_object_get(reg, "members"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(m, "status")), "withdrawn");
	cr_assert(json_is_integer(json_object_get(m, "cutoff")), "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(m, "reason")), "left the network");
	json_decref(reg);

	run(&r, NULL, "--home", unesco, "registry", "prove", key, "-o", path("p.proof"), NULL);
	assert_one_error(&r, "withdrawn");
	cr_assert_eq(r.status, 1);
	run(&r, NULL, "--home", unesco, "withdraw", key, "--reason", "again", NULL);
	assert_one_error(&r, NULL);
	cr_assert_eq(r.status, 1);
	run(&r, NULL, "--home", unesco, "registry", "verify", NULL);
	assert_ok(&r, "registry verify");
	cr_assert_eq(tree_size_after(r.out, "designation, "), 2);
}

Test(cli, registry_commands_are_the_secretariats_only) {
	char network[65], key[65], other[65];
	char *unesco = init_secretariat("unesco", network);
	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, key);
	char *hobart = init_city("hobart", "Hobart", "AU", "literature", network, other);
	char *loose = init_home("loose", NULL); /* no network at all */
	designate(unesco, other, "Hobart", "AU", "literature", "2017");
	carry(unesco, adelaide, "unesco.uccn");
	char *homes[] = {adelaide, loose};
	for (size_t i = 0; i < 2; i++) {
		char *before = snapshot(homes[i]);
		struct test_run r;
		run(&r, NULL, "--home", homes[i], "designate", key, "--name", "Adelaide",
			"--country", "AU", "--field", "music", "--year", "2015", NULL);
		assert_one_error(&r, "only the Secretariat");
		cr_assert_eq(r.status, 1);
		cr_assert_not_null(strstr(r.err, "not permitted"), "%s", r.err);
		run(&r, NULL, "--home", homes[i], "withdraw", other, "--reason", "x", NULL);
		assert_one_error(&r, "only the Secretariat");
		run(&r, NULL, "--home", homes[i], "role", other, "--field", "literature", "--as",
			"coordinator", "--from", "2024-01-01", "--to", "2025-12-31", NULL);
		assert_one_error(&r, "only the Secretariat");
		run(&r, NULL, "--home", homes[i], "revoke", other, "--cutoff", "1", "--reason", "x",
			NULL);
		assert_one_error(&r, "only the Secretariat");
		run(&r, NULL, "--home", homes[i], "confirm-rotation", key, other, NULL);
		assert_one_error(&r, NULL);
		cr_assert_eq(r.status, 1);
		cr_assert_str_eq(snapshot(homes[i]), before);
	}
	(void)hobart;
}

Test(cli, designations_travel_by_export_and_unblock_held_changes) {
	char network[65], a_key[65], h_key[65];
	char *unesco = init_secretariat("unesco", network);
	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, a_key);
	char *hobart = init_city("hobart", "Hobart", "AU", "literature", network, h_key);
	struct test_run r;

	/* Before any designation, a city's changes wait at other cities. */
	char *file = path("hobart.uccn");
	run(&r, NULL, "--home", hobart, "export", file, NULL);
	assert_ok(&r, "export hobart");
	run(&r, NULL, "--home", adelaide, "import", file, NULL);
	assert_ok(&r, "import hobart early");
	cr_assert_not_null(
		strstr(r.out, "1 read, 0 applied, 0 already present, 1 held back"), "%s", r.out);
	run(&r, NULL, "--home", adelaide, "held", NULL);
	assert_ok(&r, "held");
	cr_assert_eq(count_lines(r.out), 1, "%s", r.out);
	run(&r, NULL, "--home", adelaide, "registry", NULL);
	assert_ok(&r, "registry before");
	cr_assert_str_eq(r.out, "no signed tree head yet\nno member cities yet\n");

	designate(unesco, a_key, "Adelaide", "AU", "music", "2015");
	designate(unesco, h_key, "Hobart", "AU", "literature", "2017");
	char *out = carry(unesco, adelaide, "unesco.uccn");
	cr_assert_not_null(strstr(out, ", 1 released"), "%s", out);
	run(&r, NULL, "--home", adelaide, "held", NULL);
	cr_assert_str_eq(r.out, "");
	run(&r, NULL, "--home", adelaide, "registry", NULL);
	assert_ok(&r, "registry at the city");
	cr_assert_eq(tree_size_after(r.out, ""), 2);
	cr_assert_not_null(strstr(r.out, "Adelaide"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Hobart"), "%s", r.out);
	/* By name: Adelaide first. */
	cr_assert(strstr(r.out, "Adelaide") < strstr(r.out, "Hobart"), "%s", r.out);
	run(&r, NULL, "--home", adelaide, "registry", "verify", NULL);
	assert_ok(&r, "registry verify at the city");
	cr_assert_eq(strncmp(r.out, "registry verified: 2 designations, ", 35), 0, "%s", r.out);
	run(&r, NULL, "--home", adelaide, "list", "city", NULL);
	cr_assert_not_null(strstr(r.out, "Hobart"), "%s", r.out);

	/* A joint project with Hobart as an editor: Hobart may change it, and Adelaide takes
	 * the change. */
	char editors[80];
	snprintf(editors, sizeof(editors), "editors=%s", h_key);
	run(&r, NULL, "--home", adelaide, "put", "project", "title=Joint residency", editors, NULL);
	assert_ok(&r, "put project");
	char *project = first_line(&r);
	out = carry(unesco, hobart, "unesco2.uccn");
	out = carry(adelaide, hobart, "adelaide.uccn");
	cr_assert_not_null(strstr(out, " 0 held back, 0 refused"), "%s", out);
	run(&r, NULL, "--home", hobart, "put", "project", project, "summary=Writers meet musicians",
		NULL);
	assert_ok(&r, "editor's put");
	out = carry(hobart, adelaide, "hobart2.uccn");
	cr_assert_not_null(strstr(out, " 0 held back, 0 refused"), "%s", out);
	run(&r, NULL, "--home", adelaide, "get", "project", project, "--json", NULL);
	assert_ok(&r, "get project");
	json_t *j = parse_json(r.out);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(j, "fields"), "summary")),
		"Writers meet musicians");
	json_decref(j);

	/* A file holding both the designations and the changes they let in: whatever the order
	 * of its authors, nothing is left held back, and nothing is reported held. */
	char b_key[65];
	char *bologna = init_city("bologna", "Bologna", "IT", "music", network, b_key);
	out = carry(adelaide, bologna, "adelaide-for-bologna.uccn");
	cr_assert_not_null(strstr(out, " 0 held back, 0 refused\n"), "%s", out);
	cr_assert_eq(strncmp(out, "imported ", 9), 0, "a line before the summary: %s", out);
	cr_assert_null(strstr(out, "released"), "%s", out);
	run(&r, NULL, "--home", bologna, "held", NULL);
	cr_assert_str_eq(r.out, "");

	/* And the Secretariat takes the cities' changes. */
	out = carry(adelaide, unesco, "adelaide2.uccn");
	cr_assert_not_null(strstr(out, " 0 held back, 0 refused"), "%s", out);
	run(&r, NULL, "--home", unesco, "verify", NULL);
	assert_ok(&r, "verify at the Secretariat");
}

Test(cli, roles_key_rotation_and_revocation) {
	char network[65], key[65];
	char *unesco = init_secretariat("unesco", network);
	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, key);
	designate(unesco, key, "Adelaide", "AU", "music", "2015");
	struct test_run r;
	run(&r, NULL, "--home", unesco, "role", key, "--field", "Music", "--as", "Coordinator",
		"--from", "2024-01-01", "--to", "2025-12-31", NULL);
	assert_ok(&r, "role");
	cr_assert_eq(strncmp(r.out, "Adelaide (", 10), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, " is coordinator of the music sub-network from 2024-01-01 "
					 "to 2025-12-31\n"),
		"%s", r.out);
	run(&r, NULL, "--home", unesco, "list", "role", "--jsonl", NULL);
	assert_ok(&r, "list role");
	json_t *j = parse_json(r.out);
	json_t *f = json_object_get(j, "fields");
	cr_assert_str_eq(json_string_value(json_object_get(f, "city")), key);
	cr_assert_str_eq(json_string_value(json_object_get(f, "role")), "coordinator");
	json_decref(j);

	carry(unesco, adelaide, "unesco.uccn");
	run(&r, NULL, "--home", adelaide, "rotate-key", NULL);
	assert_ok(&r, "rotate-key");
	cr_assert_eq(strncmp(r.out, "key ", 4), 0, "%s", r.out);
	char new_key[65];
	snprintf(new_key, sizeof(new_key), "%.64s", r.out + 4);
	cr_assert(is_hex(new_key, 64), "%s", r.out);
	cr_assert_str_neq(new_key, key);
	char confirm[200];
	snprintf(confirm, sizeof(confirm), "uccn confirm-rotation %s %s", key, new_key);
	cr_assert_not_null(strstr(r.out, confirm), "no next step: %s", r.out);
	cr_assert_not_null(strstr(r.out, "Secretariat"), "%s", r.out);
	run(&r, NULL, "--home", adelaide, "whoami", NULL);
	cr_assert_str_eq(first_line(&r), new_key);

	/* The Secretariat cannot confirm what it has not seen. */
	run(&r, NULL, "--home", unesco, "confirm-rotation", key, new_key, NULL);
	assert_one_error(&r, NULL);
	cr_assert_eq(r.status, 1);
	carry(adelaide, unesco, "adelaide.uccn");
	run(&r, NULL, "--home", unesco, "confirm-rotation", key, new_key, NULL);
	assert_ok(&r, "confirm-rotation");
	cr_assert_eq(strncmp(r.out, "confirmed: Adelaide (", 21), 0, "%s", r.out);
	run(&r, NULL, "--home", unesco, "registry", "--json", NULL);
	j = parse_json(r.out);
	json_t *m = json_array_get(json_object_get(j, "members"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(m, "city")), key);
	cr_assert_str_eq(json_string_value(json_object_get(m, "key")), new_key);
	json_decref(j);
	run(&r, NULL, "--home", unesco, "registry", NULL);
	char cut[32];
	snprintf(cut, sizeof(cut), "signs as %.16s\u2026", new_key);
	cr_assert_not_null(strstr(r.out, cut), "%s", r.out);

	/* The new key's edits reach the Secretariat once it confirmed the rotation. */
	put_practice(adelaide, "After the rotation");
	char *out = carry(adelaide, unesco, "adelaide2.uccn");
	cr_assert_not_null(strstr(out, " 0 held back, 0 refused"), "%s", out);

	run(&r, NULL, "--home", unesco, "revoke", new_key, "--cutoff", "1", "--reason",
		"laptop stolen", NULL);
	assert_ok(&r, "revoke");
	cr_assert_eq(strncmp(r.out, "revoked ", 8), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "after #1"), "%s", r.out);
	run(&r, NULL, "--home", unesco, "registry", "verify", NULL);
	assert_ok(&r, "registry verify");
	run(&r, NULL, "--home", unesco, "verify", NULL);
	assert_ok(&r, "verify");
}

/* The count in export's "exported N changes..." line. */
static unsigned long long exported(const struct test_run *r) {
	unsigned long long n = 0;
	cr_assert_eq(sscanf(r->err, "exported %llu changes", &n), 1, "%s", r->err);
	return n;
}

Test(cli, export_carries_reports_only_for_a_reader_that_may_hold_them) {
	char network[65], a_key[65], h_key[65];
	char *unesco = init_secretariat("unesco", network);
	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, a_key);
	char *hobart = init_city("hobart", "Hobart", "AU", "literature", network, h_key);
	designate(unesco, a_key, "Adelaide", "AU", "music", "2015");
	designate(unesco, h_key, "Hobart", "AU", "literature", "2017");
	carry(unesco, adelaide, "registry.uccn");
	struct test_run r;
	run(&r, NULL, "--home", adelaide, "put", "report", "period=2019-2023", NULL);
	assert_ok(&r, "put report");

	/* A city's plain export leaves its report at home; --for secretariat takes it along. */
	char *plain = path("adelaide-plain.uccn"), *secret = path("adelaide-secret.uccn");
	run(&r, NULL, "--home", adelaide, "export", plain, NULL);
	assert_ok(&r, "export");
	unsigned long long public_count = exported(&r);
	run(&r, NULL, "--home", adelaide, "export", "--for", "secretariat", secret, NULL);
	assert_ok(&r, "export --for secretariat");
	cr_assert_eq(exported(&r), public_count + 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "for the Secretariat"), "%s", r.err);
	size_t len;
	char *bytes = slurp(plain, &len);
	cr_assert_eq((unsigned char)bytes[0], 0x93, "a plain file's header names no reader");
	bytes = slurp(secret, &len);
	cr_assert_eq((unsigned char)bytes[0], 0x94, "the header names the reader");
	/* [str "uccn-export", 1, bin 32 network, bin 32 reader]: the reader, here the root, is
	 * the fourth element, at byte 50. */
	cr_assert_gt(len, 82);
	cr_assert_eq((unsigned char)bytes[48], 0xc4);
	cr_assert_eq((unsigned char)bytes[49], 32);
	for (int i = 0; i < 32; i++) {
		unsigned byte = 0;
		cr_assert_eq(sscanf(network + 2 * i, "%2x", &byte), 1);
		cr_assert_eq((unsigned char)bytes[50 + i], byte, "the root is the reader");
	}
	run(&r, NULL, "--home", unesco, "import", secret, NULL);
	assert_ok(&r, "import at the Secretariat");
	run(&r, NULL, "--home", unesco, "list", "report", NULL);
	cr_assert_eq(count_lines(r.out), 1, "%s", r.out);

	/* The hub's plain export carries no report; handed its Secretariat file, a city drops
	 * every report in it, says so, and takes the rest. */
	char *hub_plain = path("hub-plain.uccn"), *hub_secret = path("hub-secret.uccn");
	run(&r, NULL, "--home", unesco, "export", hub_plain, NULL);
	assert_ok(&r, "export at the hub");
	run(&r, NULL, "--home", hobart, "import", hub_plain, NULL);
	assert_ok(&r, "import the hub's file");
	cr_assert_null(strstr(r.out, "dropped"), "%s", r.out);
	run(&r, NULL, "--home", unesco, "export", "--for", "secretariat", hub_secret, NULL);
	assert_ok(&r, "export --for secretariat at the hub");
	run(&r, NULL, "--home", hobart, "import", hub_secret, NULL);
	assert_ok(&r, "dropping is no failure");
	cr_assert_not_null(strstr(r.out, "dropped report "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "meant for the Secretariat alone"), "%s", r.out);
	cr_assert_not_null(
		strstr(r.out, " 0 refused, 1 dropped (meant for the Secretariat alone)\n"), "%s",
		r.out);
	run(&r, NULL, "--home", hobart, "list", "report", NULL);
	cr_assert_str_eq(r.out, "", "no report kept");

	/* A reader that may not hold them is refused, and nothing is written. */
	char *refused = path("for-hobart.uccn");
	run(&r, NULL, "--home", unesco, "export", "--for", h_key, refused, NULL);
	assert_one_error(&r, "may not hold what is meant for the Secretariat alone");
	cr_assert_neq(access(refused, F_OK), 0, "a refused export wrote %s", refused);
	run(&r, NULL, "--home", adelaide, "export", "--for", h_key, refused, NULL);
	assert_one_error(&r, "may not hold");
	/* A city's own key may: its own report goes along. */
	run(&r, NULL, "--home", adelaide, "export", "--for", a_key, refused, NULL);
	assert_ok(&r, "export --for its own key");
	cr_assert_eq(exported(&r), public_count + 1, "%s", r.err);
	run(&r, NULL, "--home", adelaide, "export", "--for", "someone", refused, NULL);
	assert_one_error(&r, "--for");
	cr_assert_eq(r.status, 2);
}

Test(cli, registry_arguments_are_checked_before_anything_is_written) {
	char network[65], key[65];
	char *unesco = init_secretariat("unesco", network);
	init_city("adelaide", "Adelaide", "AU", "music", network, key);
	char *before = snapshot(unesco);
	struct test_run r;

	run(&r, NULL, "--home", unesco, "designate", "abc", "--name", "A", "--country", "AU",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "CITY_KEY");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "designate", "--name", "A", "--country", "AU", "--field",
		"music", "--year", "2015", NULL);
	assert_one_error(&r, "CITY_KEY");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "designate", key, "--name", "A", "--country", "AU",
		"--field", "music", NULL);
	assert_one_error(&r, "--year");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "designate", network, "--name", "A", "--country", "AU",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "network id");
	cr_assert_eq(r.status, 1);
	run(&r, NULL, "--home", unesco, "designate", key, "--name", "A", "--country", "AU",
		"--field", "music", "--year", "1999", NULL);
	assert_one_error(&r, "year");
	cr_assert_eq(r.status, 1);
	run(&r, NULL, "--home", unesco, "designate", key, "--name", "A", "--country", "AU",
		"--field", "cinema", "--year", "2015", NULL);
	assert_one_error(&r, "cinema");
	run(&r, NULL, "--home", unesco, "designate", key, "--name", "A", "--country", "Australia",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "--country");
	run(&r, NULL, "--home", unesco, "role", key, "--field", "music", "--as", "boss", "--from",
		"2024-01-01", "--to", "2025-12-31", NULL);
	assert_one_error(&r, "--as");
	run(&r, NULL, "--home", unesco, "role", key, "--field", "music", "--as", "deputy", "--from",
		"2025-01-01", "--to", "2024-12-31", NULL);
	assert_one_error(&r, "--to");
	run(&r, NULL, "--home", unesco, "role", key, "--field", "music", "--as", "deputy", "--from",
		"2025-02-30", "--to", "2025-12-31", NULL);
	assert_one_error(&r, "--from");
	run(&r, NULL, "--home", unesco, "revoke", key, "--cutoff", "-1", "--reason", "x", NULL);
	assert_one_error(&r, "--cutoff");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "revoke", key, "--cutoff", "3", "--successor", "xyz",
		"--reason", "x", NULL);
	assert_one_error(&r, "--successor");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "confirm-rotation", key, NULL);
	assert_one_error(&r, "NEW_KEY");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "confirm-rotation", key, "12", NULL);
	assert_one_error(&r, "NEW_KEY");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "registry", "--json", "--csv", NULL);
	assert_one_error(&r, "--csv");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "registry", "--field", "cinema", NULL);
	assert_one_error(&r, "--field");
	run(&r, NULL, "--home", unesco, "registry", "--all", "verify", NULL);
	assert_one_error(&r, "verify");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", unesco, "registry", "prove", "nothex", NULL);
	assert_one_error(&r, "CITY_KEY");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "registry", "check", path("p.proof"), NULL);
	assert_one_error(&r, "--network");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "registry", "check", path("p.proof"), "--network", "zz", NULL);
	assert_one_error(&r, "--network");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "registry", "check", "--network", network, NULL);
	assert_one_error(&r, "FILE");
	cr_assert_eq(r.status, 2);
	cr_assert_str_eq(snapshot(unesco), before);

	/* init: the Secretariat is no city. */
	char *s2 = path("s2");
	run(&r, NULL, "--home", s2, "init", "--secretariat", "--name", "S", "--country", "FR",
		NULL);
	assert_one_error(&r, "--country");
	cr_assert_eq(r.status, 2);
	run(&r, NULL, "--home", s2, "init", "--secretariat", "--name", "S", "--field", "film",
		NULL);
	assert_one_error(&r, "--field");
	run(&r, NULL, "--home", s2, "init", "--secretariat", "--name", "S", "--network", network,
		NULL);
	assert_one_error(&r, "--network");
	run(&r, NULL, "--home", s2, "init", "--secretariat", NULL);
	assert_one_error(&r, "--name");
	cr_assert_eq(r.status, 2);
	struct stat sb;
	cr_assert_neq(stat(s2, &sb), 0, "a refused init left its home");
}

/* Runs args with home on a read-only filesystem; skips the test where no mount namespace can
 * be made. */
static void run_read_only(struct test_run *r, const char *home, ...) {
	char *args[16];
	size_t n = 0;
	args[n++] = "uccn";
	args[n++] = "--home";
	args[n++] = (char *)home;
	va_list ap;
	va_start(ap, home);
	char *a;
	while ((a = va_arg(ap, char *)) != NULL) {
		cr_assert_lt(n, sizeof(args) / sizeof(args[0]) - 1);
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	read_only_dir = home;
	run_argv(r, NULL, 0, args);
	if (r->status == TEST_PROC_CANNOT_MOUNT && r->err_len == 0) {
		cr_skip_test("no mount namespace here: a read-only home cannot be made");
	}
}

Test(cli, a_home_on_a_read_only_filesystem_reads_and_says_why_it_cannot_write) {
	char *home = path("ro");
	struct test_run r;
	run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU", "--field",
		"music", NULL);
	assert_ok(&r, "init");
	run(&r, NULL, "--home", home, "put", "best_practice", "title=Music in schools", NULL);
	assert_ok(&r, "put");
	char id[64];
	snprintf(id, sizeof(id), "%s", first_line(&r));
	const char *reads[][3] = {{"list", NULL, NULL}, {"get", "best_practice", id},
		{"history", "best_practice", id}, {"export", NULL, NULL}, {"verify", NULL, NULL},
		{"held", NULL, NULL}, {"registry", NULL, NULL}, {"whoami", NULL, NULL},
		{"status", NULL, NULL}};
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		run_read_only(&r, home, reads[i][0], reads[i][1], reads[i][2], NULL);
		assert_ok(&r, reads[i][0]);
	}
	run_read_only(&r, home, "list", NULL);
	cr_assert_not_null(strstr(r.out, "Music in schools"), "%s", r.out);
	char expected[PATH_MAX + 64];
	snprintf(expected, sizeof(expected), "the home %s is on a read-only filesystem", home);
	run_read_only(&r, home, "put", "best_practice", "title=not here", NULL);
	assert_one_error(&r, expected);
	run_read_only(&r, home, "delete", "best_practice", id, NULL);
	assert_one_error(&r, expected);
	run_read_only(&r, home, "peer", "add", "ws://127.0.0.1:7420", NULL);
	assert_one_error(&r, expected);
	run_read_only(&r, home, "resume-signing", NULL);
	assert_one_error(&r, expected);
	/* The backup of a read-only home goes elsewhere. */
	char *backup = path("ro.backup");
	run_read_only(&r, home, "backup", backup, NULL);
	assert_ok(&r, "backup");
	run(&r, NULL, "--home", path("ro-copy"), "restore", backup, "--only-copy", NULL);
	assert_ok(&r, "restore");
	run(&r, NULL, "--home", path("ro-copy"), "list", NULL);
	cr_assert_not_null(strstr(r.out, "Music in schools"), "%s", r.out);
}

Test(cli, backup_restore_and_resume_signing_check_their_arguments) {
	const char *commands[] = {"backup", "restore", "resume-signing"};
	struct test_run r;
	for (size_t i = 0; i < 3; i++) {
		run(&r, NULL, commands[i], "--help", NULL);
		assert_ok(&r, commands[i]);
		cr_assert_eq(strncmp(r.out, "usage: uccn", 11), 0, "%s", r.out);
	}
	char *home = path("a");
	run(&r, NULL, "--home", home, "init", "--name", "Adelaide", "--country", "AU", "--field",
		"music", NULL);
	assert_ok(&r, "init");
	run(&r, NULL, "--home", home, "backup", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	assert_one_error(&r, "missing FILE");
	run(&r, NULL, "--home", home, "restore", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	run(&r, NULL, "--home", home, "restore", path("nothing"), NULL);
	assert_one_error(&r, "no such file");
	/* A file that is no node's database. */
	spit(path("junk"), "not a database at all, not even close to one.....", 50);
	run(&r, NULL, "--home", path("b"), "restore", path("junk"), NULL);
	assert_one_error(&r, NULL);
	run(&r, NULL, "--home", home, "list", NULL);
	assert_ok(&r, "the home is as it was");
	run(&r, NULL, "--home", home, "resume-signing", NULL);
	assert_ok(&r, "resume-signing on a node that may sign");
	cr_assert_not_null(strstr(r.out, "could already sign"), "%s", r.out);
}

/* The rules of the record kinds that users met only on some commands (PROTOCOL.md §9.2): each
 * refused with one line naming the field, nothing stored. */
Test(cli, rules_of_the_kinds_are_refused_naming_the_field) {
	char network[65], key[65];
	char *unesco = init_secretariat("unesco", network);
	char *adelaide = init_city("adelaide", "Adelaide", "AU", "music", network, key);
	designate(unesco, key, "Adelaide", "AU", "music", "2015");
	char *id = put_practice(adelaide, "Music in schools");
	struct test_run r;
	run(&r, NULL, "--home", adelaide, "put", "event", "title=Festival", "starts=2024-05-02",
		NULL);
	assert_ok(&r, "put event");
	char *event = first_line(&r);
	char *before_city = snapshot(adelaide);
	char *before_root = snapshot(unesco);

	static const char zero[] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	static const char not_a_key[] =
		"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
	char *editors = test_proc_keep(malloc(sizeof(zero) + 8));
	sprintf(editors, "editors=%s", zero);
	const struct {
		const char *home, *args[6], *needle;
	} cases[] = {
		{adelaide, {"put", "best_practice", id, "title="}, "best_practice.title: required"},
		{adelaide, {"put", "city", "name="}, "city.name: required"},
		{adelaide, {"put", "event", "title=E", "starts=2024-05-02", "ends=2024-05-01"},
			"event.ends: \"2024-05-01\" is before starts"},
		{adelaide, {"put", "event", event, "ends=2024-05-01"}, "event.ends"},
		{adelaide, {"put", "report", "period=2024"}, "report.period"},
		{adelaide, {"put", "project", "title=P", editors}, "project.editors"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[16] = {"uccn", "--home", (char *)cases[i].home};
		size_t n = 3;
		for (size_t a = 0; a < 6 && cases[i].args[a] != NULL; a++) {
			argv[n++] = (char *)cases[i].args[a];
		}
		argv[n] = NULL;
		run_argv(&r, NULL, 0, argv);
		assert_one_error(&r, cases[i].needle);
		cr_assert_eq(r.status, 1, "case %zu: %s", i, r.err);
	}
	run(&r, NULL, "--home", unesco, "designate", zero, "--name", "Z", "--country", "AU",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "designation.city: \"0000");
	cr_assert_not_null(strstr(r.err, "not an Ed25519 public key"), "%s", r.err);
	run(&r, NULL, "--home", unesco, "designate", not_a_key, "--name", "Z", "--country", "AU",
		"--field", "music", "--year", "2015", NULL);
	assert_one_error(&r, "not an Ed25519 public key");
	run(&r, NULL, "--home", unesco, "role", key, "--field", "music", "--as", "deputy", "--from",
		"2025-01-01", "--to", "2024-12-31", NULL);
	assert_one_error(&r, "--to: role.to: \"2024-12-31\" is before from \"2025-01-01\"");
	cr_assert_str_eq(snapshot(adelaide), before_city);
	cr_assert_str_eq(snapshot(unesco), before_root);

	/* And what the rules allow still goes: a span of one day, a four-year period. */
	run(&r, NULL, "--home", adelaide, "put", "event", event, "ends=2024-05-02", NULL);
	assert_ok(&r, "put ends on the first day");
	run(&r, NULL, "--home", adelaide, "put", "report", "period=2019-2023", NULL);
	assert_ok(&r, "put report");
	run(&r, NULL, "--home", unesco, "role", key, "--field", "music", "--as", "deputy", "--from",
		"2025-01-01", "--to", "2025-01-01", NULL);
	assert_ok(&r, "role of one day");
}

/* Wherever an id goes, its first characters do when they are those of one record only, and the
 * kind may be left out when no record of another kind has the id; a prefix two records share
 * is refused, naming them. */
Test(cli, an_id_prefix_names_the_one_record_it_starts) {
	char *home = init_home("h", NULL);
	char *ids[20];
	for (int i = 0; i < 20; i++) {
		char title[32];
		snprintf(title, sizeof(title), "Practice %d", i);
		ids[i] = put_practice(home, title);
	}
	/* Twenty random hex ids: two of them start with the same digit. */
	int a = -1, b = -1;
	for (int i = 0; i < 20 && a < 0; i++) {
		for (int j = i + 1; j < 20 && a < 0; j++) {
			if (ids[i][0] == ids[j][0]) {
				a = i;
				b = j;
			}
		}
	}
	cr_assert_geq(a, 0);
	struct test_run r;
	char shared[2] = {ids[a][0], '\0'};
	run(&r, NULL, "--home", home, "get", "best_practice", shared, NULL);
	assert_one_error(&r, "is the start of several ids (");
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, ids[a]), "%s", r.err);
	cr_assert_not_null(strstr(r.err, ids[b]), "%s", r.err);

	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%.10s", ids[a]);
	run(&r, NULL, "--home", home, "get", "best_practice", prefix, "--json", NULL);
	assert_ok(&r, "get by prefix");
	json_t *j = parse_json(r.out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), ids[a]);
	json_decref(j);
	run(&r, NULL, "--home", home, "get", ids[b], NULL); /* no kind */
	assert_ok(&r, "get without the kind");
	cr_assert_not_null(strstr(r.out, "Practice"), "%s", r.out);
	run(&r, NULL, "--home", home, "put", "best_practice", prefix, "summary=by prefix", NULL);
	assert_ok(&r, "put by prefix");
	cr_assert_eq(strncmp(r.out, ids[a], strlen(ids[a])), 0, "put prints the whole id: %s",
		r.out);
	run(&r, NULL, "--home", home, "history", prefix, NULL);
	assert_ok(&r, "history by prefix, no kind");
	cr_assert_eq(count_lines(r.out), 2, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "summary=\"by prefix\""), "%s", r.out);
	/* A city's id is its key: a few digits of it find it. */
	run(&r, NULL, "--home", home, "whoami", NULL);
	char key[16];
	snprintf(key, sizeof(key), "%.8s", first_line(&r));
	run(&r, NULL, "--home", home, "get", key, NULL);
	assert_ok(&r, "get a city by a prefix of its key");
	cr_assert_eq(strncmp(r.out, "city ", 5), 0, "%s", r.out);

	run(&r, NULL, "--home", home, "get", "best_practice", "zz", NULL);
	assert_one_error(&r, "no best_practice with id 'zz'");
	run(&r, NULL, "--home", home, "get", "zz", NULL);
	assert_one_error(&r, "no record with id 'zz'");
	run(&r, NULL, "--home", home, "delete", prefix, NULL);
	assert_ok(&r, "delete by prefix");
	run(&r, NULL, "--home", home, "get", ids[a], NULL);
	assert_ok(&r, "get a deleted record");
	cr_assert_not_null(strstr(r.out, "DELETED"), "%s", r.out);
	run(&r, NULL, "--home", home, "get", "best_practice", NULL);
	assert_one_error(&r, "expected [KIND] ID");
}

/* `uccn help COMMAND` prints what `uccn COMMAND --help` does, for subcommands too. */
Test(cli, help_command_prints_the_commands_usage) {
	struct test_run r, h;
	static const char *const commands[][2] = {
		{"sync", NULL}, {"get", NULL}, {"health", NULL}, {"peer", "add"},
		{"registry", "verify"}, {"put", "best_practice"}};
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char *cmd = (char *)commands[i][0], *sub = (char *)commands[i][1];
		if (sub != NULL) {
			run(&r, NULL, "help", cmd, sub, NULL);
			run(&h, NULL, cmd, sub, "--help", NULL);
		} else {
			run(&r, NULL, "help", cmd, NULL);
			run(&h, NULL, cmd, "--help", NULL);
		}
		assert_ok(&r, "help COMMAND");
		assert_ok(&h, "COMMAND --help");
		cr_assert_eq(strncmp(r.out, "usage: uccn ", 12), 0, "%s", r.out);
		cr_assert_str_eq(r.out, h.out, "help %s", cmd);
	}
	run(&r, NULL, "help", NULL);
	assert_ok(&r, "help");
	run(&h, NULL, "--help", NULL);
	cr_assert_str_eq(r.out, h.out);
	run(&r, NULL, "help", "nosuch", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_error(&r, "unknown command 'nosuch'");
}

/* A mistyped command, kind, field or option is refused naming the nearest. */
Test(cli, a_mistyped_name_gets_a_did_you_mean) {
	char *home = init_home("h", NULL);
	struct test_run r;
	run(&r, NULL, "stauts", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_str_eq(r.err,
		"uccn: unknown command 'stauts' (did you mean 'status'?) (see 'uccn --help')\n");
	run(&r, NULL, "regstry", NULL);
	assert_one_error(&r, "(did you mean 'registry'?)");
	run(&r, NULL, "--home", home, "list", "best_practise", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_error(&r, "unknown kind 'best_practise' (did you mean 'best_practice'?) (kinds: ");
	run(&r, NULL, "--home", home, "put", "best_practice", "titel=x", NULL);
	assert_one_error(&r, "has no field 'titel' (did you mean 'title'?) (fields: ");
	run(&r, NULL, "--home", home, "list", "--jsno", NULL);
	assert_one_error(&r, "unknown option '--jsno' (did you mean '--json'?)");
	/* Nothing near: no guess. */
	run(&r, NULL, "xyzzy", NULL);
	cr_assert_str_eq(r.err, "uccn: unknown command 'xyzzy' (see 'uccn --help')\n");
}

/* `put KIND --edit`: a template of the kind's fields in the user's editor, long texts over many
 * lines; what is saved is put, paragraphs kept; an edit that cannot be put is refused with the
 * field's message, and the text stays in the file the error line names. */
Test(cli, put_edit_writes_what_was_saved_in_the_editor) {
	char *home = init_home("h", NULL);
	char *tmp = path("tmp");
	cr_assert_eq(mkdir(tmp, 0700), 0);
	char *tmp_env = test_proc_keep(malloc(strlen(tmp) + 8));
	sprintf(tmp_env, "TMPDIR=%s", tmp);
	struct test_run r;

	/* The template: every field under its [name], its help as a comment. */
	char *seen = path("seen.txt");
	char *tee = test_proc_keep(malloc(strlen(seen) + 32));
	sprintf(tee, "EDITOR=tee '%s' <", seen);
	extra_env[0] = tee;
	extra_env[1] = tmp_env;
	run(&r, NULL, "--home", home, "put", "report", "--edit", NULL);
	assert_one_error(&r, "nothing to put: the text was saved with no value");
	char *template = slurp(seen, NULL);
	cr_assert_not_null(strstr(template, "\n[period]\n# four-year period (YYYY-YYYY), required: "),
		"%s", template);
	cr_assert_not_null(strstr(template, "\n[achievements]\n# text: what the city achieved\n"),
		"%s", template);

	/* Paragraphs, a '#' line inside the text, a [bracket] line that is not a field. */
	static const char report[] = "[period]\n2020-2024\n\n"
				     "[achievements]\n# what the city achieved\n"
				     "Music in schools,\ntwice a week.\n\n"
				     "# Festivals\n[1] a footnote\n\n\n"
				     "[challenges]\nFunding.\n";
	char *content = path("report.txt");
	spit(content, report, strlen(report));
	char *cp = test_proc_keep(malloc(strlen(content) + 32));
	sprintf(cp, "EDITOR=cp '%s'", content);
	extra_env[0] = cp;
	extra_env[1] = tmp_env;
	run(&r, NULL, "--home", home, "put", "report", "--edit", NULL);
	assert_ok(&r, "put --edit");
	char *id = first_line(&r);
	run(&r, NULL, "--home", home, "get", "report", id, "--json", NULL);
	assert_ok(&r, "get");
	json_t *j = parse_json(r.out);
	json_t *f = json_object_get(j, "fields");
	cr_assert_str_eq(json_string_value(json_object_get(f, "achievements")),
		"Music in schools,\ntwice a week.\n\n# Festivals\n[1] a footnote");
	cr_assert_str_eq(json_string_value(json_object_get(f, "challenges")), "Funding.");
	cr_assert_str_eq(json_string_value(json_object_get(f, "period")), "2020-2024");
	json_decref(j);

	/* Editing the record: the template holds its values, and only what changed is put. */
	static const char changed[] = "[period]\n2020-2024\n"
				      "[achievements]\nMusic in schools,\ntwice a week.\n\n"
				      "# Festivals\n[1] a footnote\n"
				      "[challenges]\nFunding, and time.\n";
	spit(content, changed, strlen(changed));
	extra_env[0] = cp;
	extra_env[1] = tmp_env;
	char prefix[9];
	snprintf(prefix, sizeof(prefix), "%.8s", id);
	run(&r, NULL, "--home", home, "put", "report", prefix, "--edit", NULL);
	assert_ok(&r, "put ID --edit");
	run(&r, NULL, "--home", home, "history", "report", id, NULL);
	assert_ok(&r, "history");
	cr_assert_not_null(
		strstr(r.out, "put  challenges=\"Funding, and time.\"\n"), "%s", r.out);

	/* Refused: the field's message, and where the text is kept. */
	static const char bad[] = "[period]\n2020-2023\n[achievements]\nLong work.\n";
	spit(content, bad, strlen(bad));
	extra_env[0] = cp;
	extra_env[1] = tmp_env;
	run(&r, NULL, "--home", home, "put", "report", "--edit", NULL);
	assert_one_error(&r, "report.period: \"2020-2023\" is not a four-year period");
	cr_assert_eq(r.status, 1);
	char *kept = strstr(r.err, "(the text is kept in ");
	cr_assert_not_null(kept, "%s", r.err);
	kept += strlen("(the text is kept in ");
	kept[strcspn(kept, ")")] = '\0';
	cr_assert_eq(strncmp(kept, tmp, strlen(tmp)), 0, "%s", kept);
	cr_assert_str_eq(slurp(kept, NULL), bad);

	/* No $EDITOR: `editor` on the PATH, then vi. */
	char *bin = path("bin");
	cr_assert_eq(mkdir(bin, 0700), 0);
	char *script = test_proc_keep(malloc(strlen(content) + 64));
	sprintf(script, "#!/bin/sh\ncp '%s' \"$1\"\n", content);
	char *editor = path("bin/editor");
	spit(editor, script, strlen(script));
	cr_assert_eq(chmod(editor, 0700), 0);
	spit(content, report, strlen(report));
	char *path_env = test_proc_keep(malloc(strlen(bin) + 32));
	sprintf(path_env, "PATH=%s:/usr/bin:/bin", bin);
	extra_env[0] = "EDITOR";
	extra_env[1] = tmp_env;
	extra_env[2] = path_env;
	run(&r, NULL, "--home", home, "put", "report", "--edit", NULL);
	assert_ok(&r, "put --edit with the editor command");

	run(&r, NULL, "--home", home, "put", "report", "period=2020-2024", "--edit", NULL);
	cr_assert_eq(r.status, 2);
	assert_one_error(&r, "--edit goes alone");
}
