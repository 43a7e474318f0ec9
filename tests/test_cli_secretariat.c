/* test_cli_secretariat.c - end-to-end tests of the Secretariat's daily commands: designate
 * --csv, --dry-run and --from-held, applications, and what the registry and the reports give
 * back. Each test runs the built uccn program (UCCN_BIN) in its own temporary folder; the many
 * applicants a test needs are made through the public library (<uccn/uccn.h>), as any program
 * would, since 350 processes would only slow the test down. */
#define _XOPEN_SOURCE 700 /* nftw() */

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uccn/uccn.h>

#include "tests/proc.h"
#include "tests/support.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#ifndef UCCN_BIN
#error "UCCN_BIN must name the built uccn program"
#endif
#ifndef UCCN_SOURCE_ROOT
#error "UCCN_SOURCE_ROOT must name the source tree (for tools/data/uccn-cities.csv)"
#endif

static char *dir;

static void setup(void) {
	dir = test_tmpdir();
	test_proc_begin(dir);
}

static void teardown(void) {
	test_rmdir(dir);
	dir = NULL;
	test_proc_end();
	test_check_leaks();
}

TestSuite(secretariat, .init = setup, .fini = teardown, .timeout = 240);

static char *path(const char *name) {
	char *p = test_proc_keep(malloc(strlen(dir) + strlen(name) + 2));
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void spit(const char *p, const char *text) {
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
}

/* run(&r, arg, ..., NULL): the program with those arguments, stdin empty. */
static void run(struct test_run *r, ...) {
	va_list ap;
	va_start(ap, r);
	test_proc_runv(r, NULL, ap);
	va_end(ap);
}

/* A run with many arguments: argv[0] must be "uccn", NULL-terminated. */
static void run_argv(struct test_run *r, char *const argv[]) {
	test_proc_run(r, NULL, argv);
}

static void assert_ok(const struct test_run *r, const char *what) {
	test_proc_assert_ok(r, what);
}

/* A failure told in one "uccn: " line on stderr holding needle. */
static void assert_failed(const struct test_run *r, const char *needle) {
	cr_assert_neq(r->status, 0, "expected a failure; stdout: %s", r->out);
	cr_assert_lt(r->status, 128, "crashed; stderr: %s", r->err);
	cr_assert_eq(strncmp(r->err, "uccn: ", 6), 0, "stderr: %s", r->err);
	cr_assert_eq(strchr(r->err, '\n'), r->err + r->err_len - 1, "not one line: %s", r->err);
	cr_assert_not_null(strstr(r->err, needle), "'%s' not in: %s", needle, r->err);
}

static size_t count(const char *s, const char *needle) {
	size_t n = 0;
	for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

static uint64_t wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The Secretariat's home; network receives the id (65 bytes). */
static char *init_secretariat(char *network) {
	char *home = path("unesco");
	struct test_run r;
	run(&r, "--home", home, "init", "--secretariat", "--name", "UNESCO Secretariat", NULL);
	assert_ok(&r, "init --secretariat");
	cr_assert_eq(sscanf(r.out, "network %64s", network), 1, "%s", r.out);
	return home;
}

static int write_file(void *userdata, const uint8_t *buf, size_t len) {
	return fwrite(buf, 1, len, userdata) == len ? UCCN_OK : UCCN_EIO;
}

/* An applicant: a node made in the network (not yet designated) whose export, its city record,
 * goes to file. key receives its key in hex (65 bytes). */
static void make_applicant(const char *home, const char *name, const char *country,
	const char *field, const uint8_t network[UCCN_KEY_BYTES], const char *file, char *key) {
	const struct uccn_node_init_options opt = {
		.name = name, .country = country, .field = field, .network = network};
	struct uccn_node *node = NULL;
	int err = uccn_node_init(home, &opt, wall_ms(), &node);
	cr_assert_eq(err, UCCN_OK, "init %s: %s", name, uccn_strerror(err));
	uint8_t pk[UCCN_KEY_BYTES];
	uccn_node_public_key(node, pk);
	uccn_text_to_hex(pk, UCCN_KEY_BYTES, key);
	FILE *f = fopen(file, "wb");
	cr_assert_not_null(f);
	uint64_t n = 0;
	err = uccn_node_export(node, write_file, f, &n);
	cr_assert_eq(err, UCCN_OK, "export %s: %s", name, uccn_strerror(err));
	cr_assert_eq(fclose(f), 0);
	uccn_node_close(node);
}

/* An applicant (make_applicant) whose city record the Secretariat imports: an application. */
static void apply(const char *unesco, const char *network, const char *dirname, const char *name,
	const char *country, const char *field, char *key) {
	uint8_t net[UCCN_KEY_BYTES];
	cr_assert_eq(uccn_text_from_hex(network, 64, net, UCCN_KEY_BYTES), UCCN_OK);
	char file[64];
	snprintf(file, sizeof(file), "%s.uccn", dirname);
	make_applicant(path(dirname), name, country, field, net, path(file), key);
	struct test_run r;
	run(&r, "--home", unesco, "import", path(file), NULL);
	assert_ok(&r, "import an application");
}

static void import_files(char **argv, size_t n) {
	if (n == 0) {
		return;
	}
	argv[4 + n] = NULL;
	struct test_run r;
	run_argv(&r, argv);
	assert_ok(&r, "import the applicants");
}

/* The applicants of a CSV file (name in column 0, field in column 2; the real file quotes
 * nothing), each with its country, all exported and imported into the Secretariat's node. */
static size_t import_applicants(
	const char *secretariat, const char *network_hex, const char *csv_path) {
	uint8_t network[UCCN_KEY_BYTES];
	cr_assert_eq(uccn_text_from_hex(network_hex, 64, network, UCCN_KEY_BYTES), UCCN_OK);
	FILE *f = fopen(csv_path, "r");
	cr_assert_not_null(f, "%s: %s", csv_path, strerror(errno));
	char line[512];
	cr_assert_not_null(fgets(line, sizeof(line), f)); /* the header */
	size_t n = 0;
	char **argv = test_proc_keep(calloc(4 + 200 + 1, sizeof(*argv)));
	argv[0] = "uccn";
	argv[1] = "--home";
	argv[2] = (char *)secretariat;
	argv[3] = "import";
	while (fgets(line, sizeof(line), f) != NULL) {
		/* city,country,field,year: the real file gives no country, so the applicant
		 * gives its own */
		char *name = line;
		char *country = strchr(name, ',');
		cr_assert_not_null(country, "line %zu", n + 2);
		*country++ = '\0';
		char *field = strchr(country, ',');
		cr_assert_not_null(field, "line %zu", n + 2);
		field++;
		field[strcspn(field, ",\r\n")] = '\0';
		char home[32], file[32], key[65];
		snprintf(home, sizeof(home), "city%zu", n);
		snprintf(file, sizeof(file), "city%zu.uccn", n);
		make_applicant(path(home), name, "FR", field, network, path(file), key);
		/* import takes up to 256 files at a time */
		argv[4 + n % 200] = path(file);
		n++;
		if (n % 200 == 0) {
			import_files(argv, 200);
		}
	}
	fclose(f);
	import_files(argv, n % 200);
	return n;
}

/* How many tree heads the Secretariat has signed (the history of the one treehead record). */
static size_t tree_heads(const char *secretariat) {
	struct test_run r;
	run(&r, "--home", secretariat, "history", "treehead", "registry", NULL);
	if (r.status != 0) {
		return 0;
	}
	return count(r.out, "\n") > 0 ? count(r.out, "size=") : 0;
}

static json_t *registry_json(const char *secretariat) {
	struct test_run r;
	run(&r, "--home", secretariat, "registry", "--json", NULL);
	assert_ok(&r, "registry --json");
	json_error_t e;
	json_t *j = json_loads(r.out, 0, &e);
	cr_assert_not_null(j, "%s: %s", e.text, r.out);
	return j;
}

Test(secretariat, designate_csv_takes_the_real_file_of_350_cities_under_one_tree_head) {
	char network[65];
	char *unesco = init_secretariat(network);
	char csv[512];
	snprintf(csv, sizeof(csv), "%s/tools/data/uccn-cities.csv", UCCN_SOURCE_ROOT);
	size_t n = import_applicants(unesco, network, csv);
	cr_assert_eq(n, 350);
	size_t heads = tree_heads(unesco);

	struct test_run r;
	run(&r, "--home", unesco, "designate", "--csv", csv, "--dry-run", NULL);
	assert_failed(&r, "year: empty");
	cr_assert_not_null(strstr(r.err, "line 2:"), "%s", r.err);

	run(&r, "--home", unesco, "designate", "--csv", csv, "--year", "2024", "--dry-run", NULL);
	assert_ok(&r, "designate --csv --dry-run");
	cr_assert_eq(count(r.out, "would designate "), 350, "%s", r.out);
	cr_assert_eq(tree_heads(unesco), heads, "a dry run signed a tree head");

	run(&r, "--home", unesco, "designate", "--csv", csv, "--year", "2024", NULL);
	assert_ok(&r, "designate --csv");
	cr_assert_not_null(strstr(r.out, "designated 350 cities under one tree head"), "%s", r.out);
	cr_assert_eq(tree_heads(unesco), heads + 1, "not one tree head for the whole file");
	json_t *j = registry_json(unesco);
	cr_assert_eq(json_array_size(json_object_get(j, "members")), 350);
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(j, "tree_head"), "size")), 350);
	/* The two cities called Granada are told apart by their field. */
	size_t granada = 0;
	json_t *m;
	size_t i;
	json_array_foreach(json_object_get(j, "members"), i, m) {
		if (strcmp(json_string_value(json_object_get(m, "name")), "Granada") == 0) {
			granada++;
		}
		/* 2023 where the file says so, --year where it is empty; the country from
		 * the application. */
		cr_assert_str_eq(json_string_value(json_object_get(m, "country")), "FR");
	}
	cr_assert_eq(granada, 2);
	json_decref(j);
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_not_null(strstr(r.out, "no applications"), "%s", r.out);

	/* A second run: every city is a member already, each skipped with a note. */
	run(&r, "--home", unesco, "designate", "--csv", csv, "--year", "2024", NULL);
	assert_ok(&r, "designate --csv again");
	cr_assert_not_null(strstr(r.out, "nothing to designate"), "%s", r.out);
	cr_assert_eq(count(r.err, "is a member already: skipped"), 350, "%s", r.err);
	cr_assert_eq(tree_heads(unesco), heads + 1, "a run with nothing new signed a head");
}

Test(secretariat, designate_csv_reads_a_bom_crlf_and_quoted_fields) {
	char network[65], k1[65], k2[65];
	char *unesco = init_secretariat(network);
	apply(unesco, network, "a", "Angoulême", "FR", "literature", k1);
	apply(unesco, network, "b", "Bogota, D.C.", "CO", "music", k2);
	struct test_run r;
	char text[1024];
	/* A spreadsheet's export: a byte-order mark, CRLF, quoted fields (a comma, a doubled
	 * quote in a column that is ignored), a key column for one row, none for the other. */
	snprintf(text, sizeof(text),
		"\xef\xbb\xbf"
		"city,country,field,year,key,notes\r\n"
		"\"Angoulême\",FR,Literature,2019,,\"said \"\"yes\"\"\"\r\n"
		"\r\n"
		"\"Bogota, D.C.\",,Music,2012,%s,\r\n",
		k2);
	char *csv = path("cities.csv");
	spit(csv, text);
	run(&r, "--home", unesco, "designate", "--csv", csv, NULL);
	assert_ok(&r, "designate --csv");
	cr_assert_not_null(
		strstr(r.out, "designated Angoulême (FR, literature, 2019)"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "designated Bogota, D.C. (CO, music, 2012)"), "%s", r.out);
	json_t *j = registry_json(unesco);
	cr_assert_eq(json_array_size(json_object_get(j, "members")), 2);
	json_decref(j);
}

Test(secretariat, designate_csv_names_the_line_of_a_bad_row_and_writes_nothing) {
	char network[65], k1[65], k2[65];
	char *unesco = init_secretariat(network);
	apply(unesco, network, "a", "Adelaide", "AU", "music", k1);
	apply(unesco, network, "b", "Hobart", "AU", "literature", k2);
	struct test_run r;
	size_t heads = tree_heads(unesco);
	char text[1024];
	/* Line 3 is a record whose quoted name runs over two lines, so the bad row, the third
	 * record, starts on line 5. */
	snprintf(text, sizeof(text),
		"city,country,field,year,key\n"
		"Adelaide,AU,music,2015,%s\n"
		"\"Hobart\n"
		"Tasmania\",AU,literature,2017,%s\n"
		"Nowhere,AU,painting,2020,%s\n",
		k1, k2, k2);
	char *csv = path("bad.csv");
	spit(csv, text);
	run(&r, "--home", unesco, "designate", "--csv", csv, NULL);
	assert_failed(&r, "line 5: field:");
	cr_assert_not_null(strstr(r.err, "nothing was designated"), "%s", r.err);
	cr_assert_eq(tree_heads(unesco), heads);
	json_t *j = registry_json(unesco);
	cr_assert_eq(json_array_size(json_object_get(j, "members")), 0);
	json_decref(j);

	/* A key twice names both lines; a stray quote is not CSV. */
	snprintf(text, sizeof(text),
		"city,country,field,year,key\nAdelaide,AU,music,2015,%s\nHobart,AU,literature,2017,"
		"%s\n",
		k1, k1);
	spit(csv, text);
	run(&r, "--home", unesco, "designate", "--csv", csv, NULL);
	assert_failed(&r, "line 3: the key ");
	cr_assert_not_null(strstr(r.err, "is on line 2 already"), "%s", r.err);
	spit(csv, "city,country,field,year\nAdel\"aide,AU,music,2015\n");
	run(&r, "--home", unesco, "designate", "--csv", csv, NULL);
	assert_failed(&r, "line 2: not CSV");
	cr_assert_eq(tree_heads(unesco), heads);
}

Test(secretariat, applications_list_the_held_city_records_and_designate_from_held_uses_them) {
	char network[65], key[65];
	char *unesco = init_secretariat(network);
	uint8_t net[UCCN_KEY_BYTES];
	cr_assert_eq(uccn_text_from_hex(network, 64, net, UCCN_KEY_BYTES), UCCN_OK);
	make_applicant(path("a"), "Angoulême", "FR", "literature", net, path("a.uccn"), key);
	struct test_run r;
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_not_null(strstr(r.out, "no applications"), "%s", r.out);
	run(&r, "--home", unesco, "import", path("a.uccn"), NULL);
	assert_ok(&r, "import");
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_eq(strncmp(r.out, "Angoulême  FR  literature  ", 27), 0, "%s", r.out);
	cr_assert_not_null(strstr(r.out, key), "%s", r.out);
	run(&r, "--home", unesco, "applications", "--json", NULL);
	assert_ok(&r, "applications --json");
	json_error_t e;
	json_t *j = json_loads(r.out, 0, &e);
	cr_assert(json_is_array(j), "%s", r.out);
	cr_assert_eq(json_array_size(j), 1);
	json_t *a = json_array_get(j, 0);
	cr_assert_str_eq(json_string_value(json_object_get(a, "key")), key);
	cr_assert_str_eq(json_string_value(json_object_get(a, "name")), "Angoulême");
	cr_assert_str_eq(json_string_value(json_object_get(a, "country")), "FR");
	cr_assert_str_eq(json_string_value(json_object_get(a, "field")), "literature");
	json_decref(j);

	run(&r, "--home", unesco, "designate", "--from-held", "0000", NULL);
	assert_failed(&r, "--from-held");
	char other[65];
	memset(other, 'a', 64);
	other[64] = '\0';
	make_applicant(path("b"), "Hobart", "AU", "music", net, path("b.uccn"), other);
	run(&r, "--home", unesco, "designate", "--from-held", other, NULL);
	assert_failed(&r, "no application from");
	/* A dry run writes nothing; a city's node is told it is not the Secretariat. */
	run(&r, "--home", unesco, "designate", "--from-held", key, "--dry-run", NULL);
	assert_ok(&r, "designate --from-held --dry-run");
	cr_assert_eq(
		strncmp(r.out, "would designate Angoulême (FR, literature, ", 43), 0, "%s", r.out);
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_not_null(strstr(r.out, key), "a dry run designated: %s", r.out);
	run(&r, "--home", path("a"), "designate", other, "--name", "Hobart", "--country", "AU",
		"--field", "music", "--year", "2019", "--dry-run", NULL);
	assert_failed(&r, "only the Secretariat");
	/* The options override what the city sent. */
	run(&r, "--home", unesco, "designate", "--from-held", key, "--field", "Design", "--year",
		"2019", NULL);
	assert_ok(&r, "designate --from-held");
	cr_assert_not_null(strstr(r.out, "designated Angoulême (FR, design, 2019)"), "%s", r.out);
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_not_null(strstr(r.out, "no applications"), "%s", r.out);
	run(&r, "--home", unesco, "designate", "--from-held", key, "--dry-run", NULL);
	assert_failed(&r, "no application from");
	run(&r, "--home", unesco, "designate", key, "--name", "Angoulême", "--country", "FR",
		"--field", "design", "--year", "2019", "--dry-run", NULL);
	assert_failed(&r, "a member already");
}

/* Designates one applicant from its application; returns its key (65 bytes in key). */
static void designate_applicant(const char *unesco, const char *network, const char *dirname,
	const char *name, const char *country, const char *field, char *key) {
	apply(unesco, network, dirname, name, country, field, key);
	struct test_run r;
	run(&r, "--home", unesco, "designate", "--from-held", key, "--year", "2019", NULL);
	assert_ok(&r, "designate --from-held");
}

Test(secretariat, registry_csv_carries_the_contacts_quoted_and_a_bom_on_request) {
	char network[65], key[65], key2[65];
	char *unesco = init_secretariat(network);
	designate_applicant(unesco, network, "a", "Angoulême", "FR", "literature", key);
	struct test_run r;
	/* The city fills in its contacts; they reach the Secretariat like any edit. */
	run(&r, "--home", path("a"), "put", "city", key, "website=https://example.org/a",
		"focal_point=Jeanne \"Jo\" Martin, culture", "email=jo@example.org", NULL);
	assert_ok(&r, "put city");
	run(&r, "--home", path("a"), "export", path("a2.uccn"), NULL);
	assert_ok(&r, "export");
	run(&r, "--home", unesco, "import", path("a2.uccn"), NULL);
	assert_ok(&r, "import");
	designate_applicant(unesco, network, "b", "Hobart", "AU", "literature", key2);

	run(&r, "--home", unesco, "registry", "--csv", NULL);
	assert_ok(&r, "registry --csv");
	cr_assert_eq(strncmp(r.out,
			     "name,country,field,year,status,key,city,designated,website,"
			     "focal_point,email,tree_size,tree_root,tree_time\r\n",
			     100),
		0, "%s", r.out);
	char want[512];
	snprintf(want, sizeof(want),
		",https://example.org/a,\"Jeanne \"\"Jo\"\" Martin, culture\","
		"jo@example.org,2,");
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\r\nAngoulême,FR,literature,2019,active,"), "%s", r.out);
	/* Hobart gave no contacts: three empty fields. */
	snprintf(want, sizeof(want), "%s,%s,", key2, key2);
	const char *hobart = strstr(r.out, want);
	cr_assert_not_null(hobart, "%s", r.out);
	cr_assert_not_null(strstr(hobart, "Z,,,,2,"), "%s", hobart);
	cr_assert_neq((unsigned char)r.out[0], 0xef, "a BOM without --bom");

	run(&r, "--home", unesco, "registry", "--csv", "--bom", NULL);
	assert_ok(&r, "registry --csv --bom");
	cr_assert_eq(strncmp(r.out, "\xef\xbb\xbfname,country,", 16), 0, "%s", r.out);
	run(&r, "--home", unesco, "registry", "--bom", NULL);
	assert_failed(&r, "--bom");

	run(&r, "--home", unesco, "registry", "--json", NULL);
	assert_ok(&r, "registry --json");
	cr_assert_not_null(strstr(r.out, "\"email\": \"jo@example.org\""), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\"email\": null"), "%s", r.out);
}

Test(secretariat, registry_prove_armor_is_text_that_check_reads_and_max_age_refuses_old_heads) {
	char network[65], key[65];
	char *unesco = init_secretariat(network);
	designate_applicant(unesco, network, "a", "Angoulême", "FR", "literature", key);
	struct test_run r;
	run(&r, "--home", unesco, "registry", "prove", key, "--armor", NULL);
	assert_ok(&r, "registry prove --armor");
	const char *begin = "-----BEGIN UCCN MEMBERSHIP PROOF-----\n";
	const char *end = "-----END UCCN MEMBERSHIP PROOF-----\n";
	cr_assert_eq(strncmp(r.out, begin, strlen(begin)), 0, "%s", r.out);
	cr_assert_str_eq(r.out + r.out_len - strlen(end), end);
	/* Lines of 64 base64 characters, the last one shorter. */
	const char *line = r.out + strlen(begin);
	size_t lines = 0;
	while (strncmp(line, "-----END", 8) != 0) {
		size_t n = strcspn(line, "\n");
		cr_assert_eq(strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					  "0123456789+/="),
			n, "%.*s", (int)n, line);
		const char *next = line + n + 1;
		cr_assert(n == 64 || strncmp(next, "-----END", 8) == 0, "a line of %zu", n);
		line = next;
		lines++;
	}
	cr_assert_gt(lines, 1);
	/* Pasted into an e-mail, CRLF and all, between other text. */
	size_t cap = r.out_len * 2 + 128;
	char *mail = test_proc_keep(malloc(cap));
	size_t m = (size_t)snprintf(mail, cap, "Dear Hobart,\r\nour proof:\r\n\r\n");
	for (const char *p = r.out; *p != '\0'; p++) {
		if (*p == '\n') {
			mail[m++] = '\r';
		}
		mail[m++] = *p;
	}
	snprintf(mail + m, cap - m, "\r\nRegards, Angoul\xc3\xaame\r\n");
	char *text = path("proof.txt");
	spit(text, mail);
	run(&r, "registry", "check", text, "--network", network, NULL);
	assert_ok(&r, "registry check (armored)");
	cr_assert_eq(strncmp(r.out, "valid: Angoulême (FR, literature, designated 2019)", 50), 0,
		"%s", r.out);
	/* The binary form still reads. */
	char *bin = path("proof.bin");
	run(&r, "--home", unesco, "registry", "prove", key, "-o", bin, NULL);
	assert_ok(&r, "registry prove");
	run(&r, "registry", "check", bin, "--network", network, "--max-age", "30d", NULL);
	assert_ok(&r, "registry check (binary)");

	/* A tree head older than --max-age is refused, with its age. */
	run(&r, "registry", "check", text, "--network", network, "--max-age", "0s", NULL);
	assert_failed(&r, "too old: its tree head was signed ");
	cr_assert_not_null(strstr(r.err, "more than --max-age 0s"), "%s", r.err);
	run(&r, "registry", "check", bin, "--network", network, "--max-age", "12h", NULL);
	assert_ok(&r, "registry check --max-age 12h");
	run(&r, "registry", "check", bin, "--network", network, "--max-age", "12", NULL);
	assert_failed(&r, "--max-age takes a duration");

	/* A damaged armor is refused. */
	char *cut = test_proc_keep(strdup(mail));
	char *footer = strstr(cut, "-----END");
	cr_assert_not_null(footer);
	*footer = '\0';
	spit(text, cut);
	run(&r, "registry", "check", text, "--network", network, NULL);
	assert_failed(&r, "a damaged text proof");
	char *flipped = test_proc_keep(strdup(mail));
	char *body = strstr(flipped, "PROOF-----\r\n") + 12;
	body[5] = '*';
	spit(text, flipped);
	run(&r, "registry", "check", text, "--network", network, NULL);
	assert_failed(&r, "a damaged text proof");
}

Test(secretariat,
	reports_list_each_member_with_its_report_or_its_absence_and_get_keeps_paragraphs) {
	char network[65], a[65], b[65];
	char *unesco = init_secretariat(network);
	designate_applicant(unesco, network, "a", "Angoulême", "FR", "literature", a);
	designate_applicant(unesco, network, "b", "Hobart", "AU", "literature", b);
	struct test_run r;
	const char *text = "We opened a house of comics.\r\nIt is full.\n\nSecond paragraph:\n"
			   "\t- a festival\n\t- a prize";
	char *field = test_proc_keep(malloc(strlen(text) + 16));
	sprintf(field, "achievements=%s", text);
	run(&r, "--home", path("a"), "put", "report", "period=2020-2024", field, NULL);
	assert_ok(&r, "put report");
	char id[80];
	cr_assert_eq(sscanf(r.out, "%79s", id), 1);
	run(&r, "--home", path("a"), "put", "report", "period=2016-2020", "challenges=none", NULL);
	assert_ok(&r, "put an older report");
	run(&r, "--home", path("a"), "export", "--for", network, path("ar.uccn"), NULL);
	assert_ok(&r, "export --for secretariat");
	run(&r, "--home", unesco, "import", path("ar.uccn"), NULL);
	assert_ok(&r, "import");

	run(&r, "--home", unesco, "reports", "--period", "2020-2024", NULL);
	assert_ok(&r, "reports");
	char want[256];
	snprintf(want, sizeof(want), "filed %s (updated ", id);
	const char *ang = strstr(r.out, "Angoulême  FR  literature  ");
	/* Columns: Hobart is padded to Angoulême's width. */
	cr_assert_not_null(ang, "%s", r.out);
	cr_assert_not_null(strstr(ang, want), "%s", r.out);
	const char *hob = strstr(r.out, "Hobart     AU  literature  ");
	cr_assert_not_null(hob, "%s", r.out);
	cr_assert_eq(strncmp(strchr(hob, '\n') - 7, "MISSING", 7), 0, "%s", r.out);
	cr_assert_not_null(
		strstr(r.out, "1 of 2 member cities filed the report for 2020-2024"), "%s", r.out);

	run(&r, "--home", unesco, "reports", "--period", "2020-2024", "--csv", NULL);
	assert_ok(&r, "reports --csv");
	cr_assert_eq(strncmp(r.out, "name,country,field,key,period,status,report,updated\r\n", 53),
		0, "%s", r.out);
	snprintf(want, sizeof(want), "\r\nAngoulême,FR,literature,%s,2020-2024,filed,%s,", a, id);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);
	snprintf(want, sizeof(want), "\r\nHobart,AU,literature,%s,2020-2024,missing,,\r\n", b);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);

	run(&r, "--home", unesco, "reports", "--period", "2020-2023", NULL);
	assert_failed(&r, "--period");
	run(&r, "--home", unesco, "reports", NULL);
	assert_failed(&r, "--period");

	/* The report as the city wrote it: its lines, its blank line and its tabs, each line
	 * indented under the field's name. */
	run(&r, "--home", unesco, "get", "report", id, NULL);
	assert_ok(&r, "get report");
	const char *body = "  achievements:\n"
			   "    We opened a house of comics.\n"
			   "    It is full.\n"
			   "\n"
			   "    Second paragraph:\n"
			   "    \t- a festival\n"
			   "    \t- a prize\n";
	cr_assert_not_null(strstr(r.out, body), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\n  period: 2020-2024\n"), "%s", r.out);
}

/* A serve on a home, on a port the kernel picks (read from its "listening on" line). */
struct server {
	pid_t pid;
	unsigned port;
	char err_path[512];
	char url[64];
};

static void serve(struct server *s, const char *home) {
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	char *args[] = {"uccn", "--home", (char *)home, "serve", "--listen", "127.0.0.1:0", NULL};
	struct test_proc_opts o = {.out_fd = fds[1]};
	s->pid = test_proc_spawn(args, &o, s->err_path, sizeof(s->err_path));
	close(fds[1]);
	char line[128];
	size_t len = 0;
	uint64_t deadline = wall_ms() + 10000;
	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		struct pollfd p = {fds[0], POLLIN, 0};
		int left = (int)(deadline > wall_ms() ? deadline - wall_ms() : 0);
		cr_assert_gt(poll(&p, 1, left), 0, "serve did not say where it listens: %s",
			test_proc_slurp(s->err_path, NULL));
		ssize_t got = read(fds[0], line + len, sizeof(line) - 1 - len);
		cr_assert_gt(got, 0, "serve ended: %s", test_proc_slurp(s->err_path, NULL));
		len += (size_t)got;
	}
	close(fds[0]);
	line[len] = '\0';
	cr_assert_eq(sscanf(line, "listening on 127.0.0.1:%u", &s->port), 1, "%s", line);
	snprintf(s->url, sizeof(s->url), "ws://127.0.0.1:%u", s->port);
}

Test(secretariat, a_node_made_without_a_network_joins_one_and_syncs_with_its_hub) {
	char network[65];
	char *unesco = init_secretariat(network);
	struct server hub;
	serve(&hub, unesco);
	struct test_run r;
	char *zagreb = path("zagreb");
	/* stdin is no terminal: init says plainly that the node is alone. */
	run(&r, "--home", zagreb, "init", "--name", "Zagreb", "--country", "HR", "--field", "film",
		NULL);
	assert_ok(&r, "init without --network");
	cr_assert_not_null(strstr(r.err, "belongs to no network"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "'uccn join NETWORK_ID'"), "%s", r.err);
	char key[65];
	cr_assert_eq(sscanf(r.out, "key %64s", key), 1, "%s", r.out);
	run(&r, "--home", zagreb, "put", "best_practice", "title=Film nights", NULL);
	assert_ok(&r, "put");
	char id[80];
	cr_assert_eq(sscanf(r.out, "%79s", id), 1);
	run(&r, "--home", zagreb, "sync", hub.url, NULL);
	cr_assert_neq(r.status, 0, "a node in no network synced: %s", r.out);

	run(&r, "--home", zagreb, "join", "0000", NULL);
	assert_failed(&r, "NETWORK_ID");
	run(&r, "--home", zagreb, "join", key, NULL);
	assert_failed(&r, "this node's own key");
	run(&r, "--home", zagreb, "join", network, NULL);
	assert_ok(&r, "join");
	cr_assert_not_null(strstr(r.out, "2 records signed again"), "%s", r.out);
	run(&r, "--home", zagreb, "join", network, NULL);
	assert_failed(&r, "in a network already");
	run(&r, "--home", zagreb, "verify", NULL);
	assert_ok(&r, "verify after join");
	run(&r, "--home", zagreb, "get", "best_practice", id, NULL);
	assert_ok(&r, "the record is still there");

	/* Now the hub takes its changes (held until the designation), and the Secretariat
	 * sees the application. */
	run(&r, "--home", zagreb, "sync", hub.url, NULL);
	assert_ok(&r, "sync after join");
	run(&r, "--home", unesco, "applications", NULL);
	assert_ok(&r, "applications");
	cr_assert_not_null(strstr(r.out, "Zagreb  HR  film  "), "%s", r.out);
	run(&r, "--home", unesco, "designate", "--from-held", key, "--year", "2017", NULL);
	assert_ok(&r, "designate --from-held");
	run(&r, "--home", unesco, "get", "best_practice", id, NULL);
	assert_ok(&r, "the city's record at the hub");
	cr_assert_not_null(strstr(r.out, "Film nights"), "%s", r.out);
	run(&r, "--home", zagreb, "sync", hub.url, NULL);
	assert_ok(&r, "sync after the designation");
	run(&r, "--home", zagreb, "registry", NULL);
	assert_ok(&r, "registry at the city");
	cr_assert_not_null(strstr(r.out, "Zagreb"), "%s", r.out);
	kill(hub.pid, SIGTERM);
	test_proc_wait(hub.pid, 5000);
}

/* Runs `uccn init` with stdin, stdout and stderr on a pseudo-terminal, answers its question
 * with answer, and returns what it printed. Skips the test without a pseudo-terminal. */
static char *init_on_terminal(const char *home, const char *answer, int *status) {
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
		cr_skip_test("no pseudo-terminal");
	}
	const char *slave = ptsname(master);
	cr_assert_not_null(slave);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		setsid();
		int fd = open(slave, O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
			chdir(dir) < 0) {
			_exit(127);
		}
		execl(UCCN_BIN, "uccn", "--home", home, "init", "--name", "Zagreb", "--country",
			"HR", "--field", "film", (char *)NULL);
		_exit(127);
	}
	size_t cap = 4096, len = 0;
	char *out = test_proc_keep(calloc(1, cap));
	bool answered = false;
	uint64_t deadline = wall_ms() + 30000;
	for (;;) {
		struct pollfd p = {master, POLLIN, 0};
		int left = (int)(deadline > wall_ms() ? deadline - wall_ms() : 0);
		cr_assert_gt(poll(&p, 1, left), 0, "init said: %s", out);
		ssize_t got = read(master, out + len, cap - 1 - len);
		if (got <= 0) {
			break; /* EIO: the program ended and closed the terminal */
		}
		len += (size_t)got;
		out[len] = '\0';
		if (!answered && strstr(out, "network id") != NULL && strstr(out, ": ") != NULL) {
			cr_assert_eq(
				write(master, answer, strlen(answer)), (ssize_t)strlen(answer));
			answered = true;
		}
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	close(master);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	cr_assert(answered, "init asked nothing: %s", out);
	return out;
}

Test(secretariat, init_at_a_terminal_asks_for_the_network_id) {
	char network[65];
	init_secretariat(network);
	char answer[80];
	snprintf(answer, sizeof(answer), "%s\n", network);
	int status;
	char *out = init_on_terminal(path("zagreb"), answer, &status);
	cr_assert_eq(status, 0, "%s", out);
	struct test_run r;
	run(&r, "--home", path("zagreb"), "whoami", "--json", NULL);
	assert_ok(&r, "whoami");
	char want[96];
	snprintf(want, sizeof(want), "\"network\":\"%s\"", network);
	cr_assert_not_null(strstr(r.out, want), "%s", r.out);

	/* An empty answer: alone, and told so. */
	out = init_on_terminal(path("split"), "\n", &status);
	cr_assert_eq(status, 0, "%s", out);
	cr_assert_not_null(strstr(out, "no network until 'uccn join NETWORK_ID'"), "%s", out);
	run(&r, "--home", path("split"), "whoami", "--json", NULL);
	assert_ok(&r, "whoami");
	cr_assert_not_null(strstr(r.out, "\"network\":null"), "%s", r.out);
}
