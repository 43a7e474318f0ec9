/* fuzz_import.c - libFuzzer target: arbitrary bytes as an export file (PROTOCOL.md §7).
 *
 * Input: two control bytes, then the file. The control bytes choose where the file is cut into
 * three chunks, so items arrive split at every possible point.
 *
 * Built twice (tests/fuzz/meson.build):
 *  - fuzz_import: the streaming reader of proto/codec.h. Each chunk is fed, then items are
 *    drained until UCCN_EAGAIN or UCCN_EPROTO; every change item also goes through
 *    uccn_codec_decode_change(). Checks the reader's contract: header first, then changes, then
 *    the trailer, nothing after it, and no error codes but EAGAIN, EPROTO and ENOMEM.
 *  - fuzz_node_import (-DUCCN_FUZZ_NODE_IMPORT): uccn_node_import() into a real node whose home
 *    is a temporary folder made once at start-up, reading the file in the same chunks. The node
 *    keeps what it took from one input to the next (as a real node would); it is made afresh
 *    every NODE_RUNS inputs so the store stays small. To replay a crash, run the target on the
 *    crash file alone: state from earlier inputs rarely matters, but may.
 * A broken contract aborts, which libFuzzer reports like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"

#ifdef UCCN_FUZZ_NODE_IMPORT
#include <dirent.h>
#include <unistd.h>

#include <uccn/node.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what) {
	fprintf(stderr, "fuzz_import: contract broken: %s\n", what);
	abort();
}

/* The file's bytes and the two cut points chosen by the control bytes. */
struct input {
	const uint8_t *file;
	size_t len;
	size_t cut[2];
	size_t pos; /* fuzz_node_import: how much the read callback has handed out */
};

static void split_input(const uint8_t *data, size_t size, struct input *in) {
	memset(in, 0, sizeof(*in));
	if (size < 2) {
		return; /* an empty file */
	}
	in->file = data + 2;
	in->len = size - 2;
	in->cut[0] = data[0] % (in->len + 1);
	in->cut[1] = in->cut[0] + data[1] % (in->len - in->cut[0] + 1);
}

#ifndef UCCN_FUZZ_NODE_IMPORT

struct order {
	bool header, trailer;
};

/* Takes items until the reader wants more bytes. Returns false once the reader failed. */
static bool drain(struct uccn_file_reader *r, struct order *seen) {
	static struct uccn_change change;
	struct uccn_file_item item;
	char why[160];

	for (;;) {
		memset(why, 'x', sizeof(why));
		int err = uccn_codec_reader_next(r, &item, why, sizeof(why));
		if (err == UCCN_EAGAIN) {
			return true;
		}
		if (err == UCCN_EPROTO) {
			if (memchr(why, '\0', sizeof(why)) == NULL) {
				fail("why not NUL-terminated after UCCN_EPROTO");
			}
			return false;
		}
		if (err == UCCN_ENOMEM) {
			return false;
		}
		if (err != UCCN_OK) {
			fail("reader_next returned an undocumented code");
		}
		if (seen->trailer) {
			fail("an item after the trailer");
		}
		switch (item.type) {
		case UCCN_FILE_HEADER:
			if (seen->header) {
				fail("a second header");
			}
			seen->header = true;
			break;
		case UCCN_FILE_CHANGE: {
			if (!seen->header) {
				fail("a change before the header");
			}
			if (item.change == NULL && item.change_len > 0) {
				fail("a change item without bytes");
			}
			/* Exact-size copy, as for fuzz_change: the decoder must not read past it.
			 */
			uint8_t *copy = malloc(item.change_len);
			if (copy == NULL && item.change_len > 0) {
				return false;
			}
			if (item.change_len > 0) {
				memcpy(copy, item.change, item.change_len);
			}
			int derr =
				uccn_codec_decode_change(copy, item.change_len, &change, NULL, 0);
			/* Not UCCN_ENOMEM: see fuzz_change.c. */
			if (derr != UCCN_OK && derr != UCCN_EPROTO) {
				fail("decode_change returned an undocumented code");
			}
			free(copy);
			break;
		}
		case UCCN_FILE_TRAILER:
			if (!seen->header) {
				fail("a trailer before the header");
			}
			seen->trailer = true;
			break;
		default:
			fail("an unknown item type");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	struct input in;
	struct order seen = {0};
	struct uccn_file_reader *r = NULL;

	split_input(data, size, &in);
	if (uccn_codec_reader_create(&r) < 0) {
		return 0;
	}
	size_t from = 0;
	bool ok = true;
	for (int i = 0; i < 3 && ok; i++) {
		size_t to = i < 2 ? in.cut[i] : in.len;
		if (to > from) {
			if (uccn_codec_reader_feed(r, in.file + from, to - from) < 0) {
				break; /* ENOMEM */
			}
		}
		from = to;
		ok = drain(r, &seen);
	}
	if (ok && uccn_codec_reader_is_done(r) != seen.trailer) {
		fail("is_done disagrees with the items returned");
	}
	(void)uccn_codec_reader_has_partial(r);
	uccn_codec_reader_destroy(r);
	return 0;
}

#else /* UCCN_FUZZ_NODE_IMPORT */

#define NODE_RUNS 500

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char home[4096];
static struct uccn_node *node;
static unsigned runs;

/* The home holds only files (key, database, WAL), so a flat removal is enough. */
static void remove_home(void) {
	if (home[0] == '\0') {
		return;
	}
	uccn_node_close(node);
	node = NULL;
	DIR *d = opendir(home);
	if (d != NULL) {
		struct dirent *e;
		char path[sizeof(home) + 256];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", home, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (rmdir(home) != 0) {
		fprintf(stderr, "fuzz_node_import: could not remove %s\n", home);
	}
	home[0] = '\0';
}

static void make_node(void) {
	const char *tmp = getenv("TMPDIR");
	snprintf(home, sizeof(home), "%s/uccn-fuzz-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(home) == NULL) {
		perror("fuzz_node_import: mkdtemp");
		abort();
	}
	struct uccn_node_init_options opt = {
		.name = "Fuzz City",
		.country = "FR",
		.field = "design",
		.network = NULL,
	};
	int err = uccn_node_init(home, &opt, UINT64_C(1767225600000), &node);
	if (err < 0) {
		fprintf(stderr, "fuzz_node_import: uccn_node_init: %s\n", uccn_strerror(err));
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
	make_node();
	atexit(remove_home);
	return 0;
}

/* Hands out the file up to the next cut point, so reads end where the chunks do. */
static long read_chunk(void *userdata, uint8_t *buf, size_t cap) {
	struct input *in = userdata;
	size_t end = in->len;
	for (int i = 0; i < 2; i++) {
		if (in->cut[i] > in->pos) {
			end = in->cut[i];
			break;
		}
	}
	size_t n = end - in->pos;
	if (n > cap) {
		n = cap;
	}
	if (n > 0) {
		memcpy(buf, in->file + in->pos, n);
	}
	in->pos += n;
	return (long)n;
}

static void on_result(void *userdata, const struct uccn_apply_result *res) {
	if (res->outcome != UCCN_APPLIED && res->outcome != UCCN_DUPLICATE &&
		res->outcome != UCCN_HELD && res->outcome != UCCN_REFUSED) {
		fail("an unknown outcome");
	}
	if (memchr(res->why, '\0', sizeof(res->why)) == NULL) {
		fail("why not NUL-terminated in a result");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	struct input in;
	struct uccn_import_stats stats;

	if (++runs % NODE_RUNS == 0) {
		remove_home();
		make_node();
	}
	split_input(data, size, &in);
	memset(&stats, 0, sizeof(stats));
	int err = uccn_node_import(node, read_chunk, &in, on_result, NULL, &stats);
	if (err == UCCN_OK &&
		stats.applied + stats.duplicate + stats.held + stats.refused != stats.read) {
		fail("outcomes do not add up to the changes read");
	}
	if (err == UCCN_EINVAL) {
		fail("UCCN_EINVAL from bytes alone");
	}
	return 0;
}

#endif
