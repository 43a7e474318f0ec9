/* node_exchange.c - a node's files: export (every change, or what one reader may hold) and
 * import (read, then verified and applied in batches by node/ingest.c). Glue only: the file
 * format is proto/export_codec.c's, the rules of a change are changelog.c's; the home and the
 * keys are node.c's. */
#include <uccn/node.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#include "node/alloc.h"
#include "node/changelog.h"
#include "node/crypto.h"
#include "node/ingest.h"
#include "node/node_internal.h"
#include "node/node_net.h"
#include "node/schema_internal.h"
#include "node/store.h"
#include "node/verifier.h"
#include "proto/codec.h"

/* Changes per transaction on import: large enough to amortise the commit's fsync, small enough
 * that a failure loses little work. */
#define IMPORT_BATCH 2048
#define IMPORT_BATCH_BYTES (8 << 20) /* a batch of large changes flushes earlier */
#define IO_CHUNK 65536

struct export_walk {
	struct uccn_node *node;
	const uint8_t *reader; /* NULL: the public feeds only */
	uccn_write_fn write;
	void *userdata;
	struct uccn_bytes buf;
	struct uccn_hash_state hash;
	uint64_t count;
};

static int flush(struct export_walk *w) {
	int err = w->buf.len > 0 ? w->write(w->userdata, w->buf.data, w->buf.len) : UCCN_OK;
	w->buf.len = 0;
	return err;
}

static int export_change(void *userdata, const uint8_t *data, size_t len) {
	struct export_walk *w = userdata;
	/* A file goes wherever a stick goes: it carries a Secretariat-only feed only for a reader
	 * that may hold it (PROTOCOL.md §7, §11.5). */
	char feed[UCCN_FEED_MAX + 1];
	if (uccn_codec_decode_change(data, len, &w->node->change, NULL, 0) < 0) {
		uccn_log(UCCN_LOG_ERROR,
			"the database is damaged (a stored change does not decode)");
		return UCCN_ECORRUPT;
	}
	uccn_schema_feed(&w->node->change, feed);
	if (uccn_schema_feed_is_secretariat(feed) &&
		(w->reader == NULL || !uccn_changelog_may_hold(w->node->log, w->reader, feed,
					      w->node->change.author))) {
		return 0;
	}
	int err = uccn_codec_encode_file_change(data, len, &w->buf);
	if (err < 0) {
		return err;
	}
	uccn_crypto_hash_update(&w->hash, data, len);
	w->count++;
	return w->buf.len >= IO_CHUNK ? flush(w) : UCCN_OK;
}

static int export_to(struct uccn_node *node, const uint8_t *reader, uccn_write_fn write,
	void *userdata, uint64_t *count) {
	struct export_walk w = {
		.node = node, .reader = reader, .write = write, .userdata = userdata};
	uccn_crypto_hash_init(&w.hash);
	int err = reader != NULL ? uccn_codec_encode_file_header_for(node->network, reader, &w.buf)
				 : uccn_codec_encode_file_header(node->network, &w.buf);
	/* One read transaction: the file is a consistent snapshot even if a put runs meanwhile. */
	if (err == UCCN_OK) {
		err = uccn_store_begin_read(node->st);
	}
	if (err == UCCN_OK) {
		err = uccn_store_each_change(node->st, export_change, &w);
		uccn_store_rollback(node->st);
	}
	if (err == UCCN_OK) {
		uint8_t hash[UCCN_HASH_BYTES];
		uccn_crypto_hash_final(&w.hash, hash);
		err = uccn_codec_encode_file_trailer(w.count, hash, &w.buf);
	}
	if (err == UCCN_OK) {
		err = flush(&w);
	}
	uccn_bytes_finish(&w.buf);
	if (err == UCCN_OK && count != NULL) {
		*count = w.count;
	}
	return err;
}

int uccn_node_export(struct uccn_node *node, uccn_write_fn write, void *userdata, uint64_t *count) {
	return export_to(node, NULL, write, userdata, count);
}

int uccn_node_export_for(struct uccn_node *node, const uint8_t reader[UCCN_KEY_BYTES],
	uccn_write_fn write, void *userdata, uint64_t *count) {
	/* The Secretariat may be given everything; anyone else only what is its own city's, and
	 * that only by its own city's node. A city's node given another city's key would write
	 * nothing of the kind, but the reader asked for something it may not have: say so (the
	 * caller names the key; nothing else is known here). */
	static const char feed[] = "report" UCCN_FEED_SECRETARIAT;
	if (!uccn_changelog_may_hold(node->log, reader, feed, node->pk)) {
		return UCCN_EPERM;
	}
	return export_to(node, reader, write, userdata, count);
}

struct import_ctx {
	struct uccn_import_stats *stats;
	struct uccn_ingest_counters counters;
	uccn_result_fn fn;
	void *userdata;
};

static void on_released(void *userdata, const struct uccn_apply_result *res) {
	struct import_ctx *ctx = userdata;
	if (res->outcome == UCCN_APPLIED) {
		ctx->stats->released++;
	} else if (res->outcome == UCCN_DROPPED) {
		ctx->stats->dropped++; /* the registry moved while it waited (a relay ended) */
	}
	if (ctx->fn != NULL) {
		ctx->fn(ctx->userdata, res);
	}
}

static void on_result(void *userdata, const struct uccn_apply_result *res,
	const struct uccn_change *c, const char *feed) {
	(void)c;
	(void)feed;
	struct import_ctx *ctx = userdata;
	uccn_ingest_tally(&ctx->counters, res);
	if (ctx->fn != NULL) {
		ctx->fn(ctx->userdata, res);
	}
}

int uccn_node_import(struct uccn_node *node, uccn_read_fn read, void *readdata, uccn_result_fn fn,
	void *userdata, struct uccn_import_stats *stats) {
	size_t why_len;
	char *why = uccn_node_error_begin(node, &why_len);
	struct uccn_import_stats local;
	if (stats == NULL) {
		stats = &local;
	}
	memset(stats, 0, sizeof(*stats));
	struct import_ctx ctx = {stats,
		{&stats->applied, &stats->duplicate, &stats->held, &stats->refused,
			&stats->dropped},
		fn, userdata};
	struct uccn_file_reader *reader = NULL;
	struct uccn_ingest *ingest = NULL;
	struct uccn_hash_state hash;
	uccn_crypto_hash_init(&hash);
	uint8_t *chunk = uccn_alloc_malloc(IO_CHUNK);
	bool eof = false, header = false;
	char msg[200] = "";
	struct uccn_verifier *pool = NULL;
	int err = chunk == NULL ? UCCN_ENOMEM : uccn_codec_reader_create(&reader);
	if (err == UCCN_OK) {
		err = uccn_node_verifier(node, 0, &pool); /* the node's own, made when first needed */
	}
	if (err == UCCN_OK) {
		struct uccn_ingest_config cfg = {.st = node->st,
			.log = node->log,
			.verifier = pool,
			.batch_max = IMPORT_BATCH,
			.ops = {.report = on_result, .released = on_released, .userdata = &ctx}};
		err = uccn_ingest_create(&cfg, &ingest);
	}
	while (err == UCCN_OK) {
		struct uccn_file_item item;
		int r = uccn_codec_reader_next(reader, &item, msg, sizeof(msg));
		if (r == UCCN_EAGAIN) {
			if (eof) {
				if (!header) {
					err = uccn_error_set(why, why_len, UCCN_EPROTO,
						"not a uccn export file (%s)",
						stats->read == 0 ? "empty" : "no header");
				} else if (!uccn_codec_reader_is_done(reader)) {
					err = uccn_error_set(why, why_len, UCCN_ETRUNC,
						"truncated: the file ends after %llu changes, "
						"before its trailer",
						(unsigned long long)stats->read);
				}
				break;
			}
			long got = read(readdata, chunk, IO_CHUNK);
			if (got < 0) {
				err = (int)got;
			} else if (got == 0) {
				eof = true;
			} else {
				err = uccn_codec_reader_feed(reader, chunk, (size_t)got);
			}
			continue;
		}
		if (r < 0) {
			uccn_error_set(why, why_len, r, "%s",
				r == UCCN_EPROTO && !header ? "not a uccn export file"
							    : "damaged file");
			if (why != NULL && msg[0] != '\0') {
				size_t n = strlen(why);
				snprintf(why + n, why_len - n, " (%s)", msg);
			}
			err = r;
			break;
		}
		if (item.type == UCCN_FILE_HEADER) {
			header = true;
			if (memcmp(item.network, node->network, UCCN_KEY_BYTES) != 0) {
				char theirs[17], ours[17];
				uccn_text_to_hex(item.network, 8, theirs);
				uccn_text_to_hex(node->network, 8, ours);
				err = uccn_error_set(why, why_len, UCCN_ENETWORK,
					"the file is from another network (%s…), not this "
					"node's (%s…); nothing taken",
					theirs, ours);
			}
			continue;
		}
		if (item.type == UCCN_FILE_TRAILER) {
			uint8_t got[UCCN_HASH_BYTES];
			uccn_crypto_hash_final(&hash, got);
			if (item.count != stats->read ||
				memcmp(got, item.hash, UCCN_HASH_BYTES) != 0) {
				err = uccn_error_set(why, why_len, UCCN_EPROTO,
					"damaged file: its trailer does not match the "
					"changes read (%s differs)",
					item.count != stats->read ? "count" : "hash");
			}
			continue;
		}
		stats->read++;
		uccn_crypto_hash_update(&hash, item.change, item.change_len);
		/* The reader lends the bytes until its next call: the batch keeps a copy. */
		if ((err = uccn_ingest_add(ingest, item.change, item.change_len)) < 0) {
			break;
		}
		if (uccn_ingest_count(ingest) == IMPORT_BATCH ||
			uccn_ingest_bytes(ingest) >= IMPORT_BATCH_BYTES) {
			err = uccn_ingest_push(ingest, 0, uccn_node_wall_ms());
		}
	}
	/* Every change was verified on its own, so a damaged or cut file still keeps what it
	 * carried intact; only a storage failure loses the batch in progress. */
	if (ingest != NULL && (err == UCCN_OK || err == UCCN_ETRUNC || err == UCCN_EPROTO)) {
		int ferr = uccn_ingest_count(ingest) > 0
				   ? uccn_ingest_push(ingest, 0, uccn_node_wall_ms())
				   : UCCN_OK;
		int aerr = uccn_ingest_flush(ingest, uccn_node_wall_ms());
		ferr = ferr < 0 ? ferr : aerr;
		err = ferr < 0 ? ferr : err;
	}
	uccn_ingest_destroy(ingest); /* after an error, waits for the pool to let the batch go */
	/* A checkpoint that came in is cosigned now (PROTOCOL.md §9.11). What was imported
	 * stays imported if the node cannot sign yet (it logged why). */
	if (err == UCCN_OK && stats->applied > 0) {
		if (uccn_node_witness(node, uccn_node_wall_ms()) < 0) {
			uccn_log(UCCN_LOG_WARN, "import: the new checkpoint is not cosigned yet");
		}
	}
	uccn_codec_reader_destroy(reader);
	uccn_alloc_free(chunk);
	return err;
}
