/* make_seeds.c - writes the fuzzers' seed corpora from real nodes. Not a fuzzer itself: it
 * builds with the fuzz targets (-Dfuzz=true) and is run by hand when the wire format changes:
 *   build-fuzz/tests/fuzz/make_seeds tests/fuzz/corpus
 * Two nodes in temporary homes write a few records (puts, an update that removes a field, a
 * delete); A's export and B's (which imported A's) go to corpus/import/ with the two control
 * bytes fuzz_import.c expects in front, plus a cut-off copy; every change in them goes to
 * corpus/change/ once. Keys are fresh each run, so the files differ from run to run. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uccn/node.h>

#include "proto/codec.h"

#define T0 UINT64_C(1767225600000) /* 2026-01-01, so the seeds do not depend on the clock */

static const char *outdir;

static void die(const char *what, int err) {
	fprintf(stderr, "make_seeds: %s: %s\n", what, err < 0 ? uccn_strerror(err) : "failed");
	exit(1);
}

static void write_file(const char *sub, const char *name, const uint8_t *prefix, size_t prefix_len,
	const uint8_t *buf, size_t len) {
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(prefix, 1, prefix_len, f) != prefix_len ||
		fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	printf("make_seeds: wrote %s (%zu bytes)\n", path, prefix_len + len);
}

static int collect(void *userdata, const uint8_t *buf, size_t len) {
	return uccn_bytes_append(userdata, buf, len);
}

struct source {
	const struct uccn_bytes *file;
	size_t pos;
};

static long read_source(void *userdata, uint8_t *buf, size_t cap) {
	struct source *s = userdata;
	size_t n = s->file->len - s->pos;
	if (n > cap) {
		n = cap;
	}
	memcpy(buf, s->file->data + s->pos, n);
	s->pos += n;
	return (long)n;
}

static struct uccn_node *make_node(
	char *home, size_t home_size, const char *name, const char *country) {
	const char *tmp = getenv("TMPDIR");
	snprintf(home, home_size, "%s/uccn-seeds-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(home) == NULL) {
		perror("make_seeds: mkdtemp");
		exit(1);
	}
	struct uccn_node_init_options opt = {.name = name, .country = country, .field = "design"};
	struct uccn_node *node = NULL;
	int err = uccn_node_init(home, &opt, T0, &node);
	if (err < 0) {
		die("uccn_node_init", err);
	}
	return node;
}

static void remove_home(const char *home) {
	char path[4096 + 256];
	DIR *d = opendir(home);
	if (d != NULL) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				snprintf(path, sizeof(path), "%s/%s", home, e->d_name);
				unlink(path);
			}
		}
		closedir(d);
	}
	rmdir(home);
}

static struct uccn_value str(const char *s) {
	return (struct uccn_value){.type = UCCN_VALUE_STR, .str = s, .str_len = strlen(s)};
}

static struct uccn_value num(int64_t i) {
	return (struct uccn_value){.type = UCCN_VALUE_INT, .i = i};
}

static struct uccn_field field(const char *name, struct uccn_value v) {
	return (struct uccn_field){.name = name, .name_len = strlen(name), .value = v};
}

/* A's records: a best practice, updated once (a field removed, one added), and an event,
 * deleted. */
static void write_records_a(struct uccn_node *node) {
	char bp[UCCN_ID_MAX + 1], ev[UCCN_ID_MAX + 1];
	struct uccn_value sdgs[] = {num(4), num(11)};
	struct uccn_value areas[] = {str("design"), str("music")};
	struct uccn_value partners[] = {str("City of Example"), str("A design school")};
	struct uccn_field f1[] = {
		field("title", str("Design for public spaces")),
		field("summary", str("Residents and designers rebuilt three squares together.")),
		field("sdgs",
			(struct uccn_value){.type = UCCN_VALUE_LIST, .items = sdgs, .count = 2}),
		field("fields",
			(struct uccn_value){.type = UCCN_VALUE_LIST, .items = areas, .count = 2}),
		field("partners",
			(struct uccn_value){
				.type = UCCN_VALUE_LIST, .items = partners, .count = 2}),
		field("year", num(2024)),
	};
	int err = uccn_node_put(node, "best_practice", NULL, f1, 6, T0 + 1000, bp);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(node));
		die("put best_practice", err);
	}
	struct uccn_field f2[] = {
		field("summary", (struct uccn_value){.type = UCCN_VALUE_NIL}),
		field("url", str("https://example.org/squares")),
	};
	err = uccn_node_put(node, "best_practice", bp, f2, 2, T0 + 2000, ev);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(node));
		die("update best_practice", err);
	}
	struct uccn_field f3[] = {
		field("title", str("Open studio week")),
		field("starts", str("2026-05-04")),
		field("ends", str("2026-05-10")),
		field("place", str("Old harbour")),
	};
	err = uccn_node_put(node, "event", NULL, f3, 4, T0 + 3000, ev);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(node));
		die("put event", err);
	}
	err = uccn_node_delete(node, "event", ev, T0 + 4000);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(node));
		die("delete event", err);
	}
}

static void export_node(struct uccn_node *node, struct uccn_bytes *out) {
	uint64_t count = 0;
	int err = uccn_node_export(node, collect, out, &count);
	if (err < 0) {
		die("uccn_node_export", err);
	}
}

/* Whether needle occurs in hay. */
static bool contains(const struct uccn_bytes *hay, const uint8_t *needle, size_t len) {
	for (size_t i = 0; len <= hay->len && i <= hay->len - len; i++) {
		if (memcmp(hay->data + i, needle, len) == 0) {
			return true;
		}
	}
	return false;
}

/* Every change in an export file that is not also in skip (NULL: none), each to its own file
 * named prefix-N. */
static void write_changes(
	const struct uccn_bytes *file, const struct uccn_bytes *skip, const char *prefix) {
	struct uccn_file_reader *r = NULL;
	struct uccn_file_item item;
	char why[192] = "", name[64];
	int err, n = 0;

	if ((err = uccn_codec_reader_create(&r)) < 0 ||
		(err = uccn_codec_reader_feed(r, file->data, file->len)) < 0) {
		die("reader", err);
	}
	while ((err = uccn_codec_reader_next(r, &item, why, sizeof(why))) == UCCN_OK) {
		if (item.type == UCCN_FILE_CHANGE &&
			(skip == NULL || !contains(skip, item.change, item.change_len))) {
			snprintf(name, sizeof(name), "%s-%d", prefix, ++n);
			write_file("change", name, NULL, 0, item.change, item.change_len);
		}
	}
	if (err != UCCN_EAGAIN || !uccn_codec_reader_is_done(r)) {
		fprintf(stderr, "make_seeds: reading our own export: %s\n", why);
		die("reader_next", err);
	}
	uccn_codec_reader_destroy(r);
}

int main(int argc, char **argv) {
	char home_a[4096], home_b[4096], id[UCCN_ID_MAX + 1];
	struct uccn_bytes file_a = {0}, file_b = {0};
	struct uccn_import_stats stats;
	const uint8_t whole[2] = {0, 0};   /* fuzz_import.c: no cuts */
	const uint8_t cuts[2] = {37, 101}; /* three chunks */

	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds CORPUS-DIR (holding change/ and import/)\n");
		return 2;
	}
	outdir = argv[1];

	struct uccn_node *a = make_node(home_a, sizeof(home_a), "Seed City A", "IT");
	write_records_a(a);
	export_node(a, &file_a);

	/* B takes A's changes (held or applied, whatever B makes of A) and adds its own. */
	struct uccn_node *b = make_node(home_b, sizeof(home_b), "Seed City B", "KE");
	struct source src = {.file = &file_a};
	int err = uccn_node_import(b, read_source, &src, NULL, NULL, &stats);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(b));
		die("uccn_node_import", err);
	}
	struct uccn_field f[] = {
		field("title", str("Songs of the river")), field("year", num(2025))};
	err = uccn_node_put(b, "best_practice", NULL, f, 2, T0 + 5000, id);
	if (err < 0) {
		fprintf(stderr, "make_seeds: %s\n", uccn_node_errmsg(b));
		die("put in B", err);
	}
	export_node(b, &file_b);

	write_file("import", "export-a", whole, 2, file_a.data, file_a.len);
	write_file("import", "export-a-chunked", cuts, 2, file_a.data, file_a.len);
	write_file("import", "export-a-cut", whole, 2, file_a.data, file_a.len * 2 / 3);
	write_file("import", "export-b", whole, 2, file_b.data, file_b.len);
	write_changes(&file_a, NULL, "a");
	write_changes(&file_b, &file_a, "b"); /* only B's own */

	uccn_node_close(a);
	uccn_node_close(b);
	remove_home(home_a);
	remove_home(home_b);
	uccn_bytes_finish(&file_a);
	uccn_bytes_finish(&file_b);
	return 0;
}
