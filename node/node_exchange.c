/* node_exchange.c - a node's files: export (every change, or what one reader may hold) and
 * import (read, verified on the pool, applied in batches). Glue only: the file format is
 * proto/codec.c's, the rules of a change are changelog.c's; the home and the keys are node.c's. */
#include <uccn/node.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/log.h>
#include <uccn/schema.h>

#include "node/changelog.h"
#include "node/crypto.h"
#include "node/node_internal.h"
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

static void count_result(struct uccn_import_stats *stats, const struct uccn_apply_result *res) {
	switch (res->outcome) {
	case UCCN_APPLIED:
		stats->applied++;
		break;
	case UCCN_DUPLICATE:
		stats->duplicate++;
		break;
	case UCCN_HELD:
		stats->held++;
		break;
	case UCCN_REFUSED:
		stats->refused++;
		break;
	case UCCN_DROPPED:
		stats->dropped++;
		break;
	}
}

struct import_ctx {
	struct uccn_import_stats *stats;
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

/* Changes read from a file, waiting to be verified together and applied in one transaction. */
struct import_batch {
	struct uccn_bytes arena; /* the changes' bytes, one after another */
	size_t off[IMPORT_BATCH], len[IMPORT_BATCH];
	size_t n;
	struct uccn_verify_job jobs[IMPORT_BATCH];
	size_t job_of[IMPORT_BATCH]; /* SIZE_MAX: the change does not decode, no job */
	uint8_t authors[IMPORT_BATCH][UCCN_KEY_BYTES];
};

/* The i-th change of b. An empty one (a damaged file) may leave the arena unallocated. */
static const uint8_t *batch_item(const struct import_batch *b, size_t i) {
	static const uint8_t nothing[1];
	return b->len[i] > 0 ? b->arena.data + b->off[i] : nothing;
}

/* Finds what each change of b needs verified and hands the batch to the pool, which verifies
 * it while the caller applies the batch before. */
static void submit_batch(struct uccn_node *node, struct import_batch *b) {
	size_t njobs = 0;
	for (size_t i = 0; i < b->n; i++) {
		const uint8_t *raw = batch_item(b, i);
		b->job_of[i] = SIZE_MAX;
		/* A change that does not decode is refused with its reason when applied. */
		if (uccn_codec_decode_change(raw, b->len[i], &node->change, NULL, 0) < 0) {
			continue;
		}
		memcpy(b->authors[njobs], node->change.author, UCCN_KEY_BYTES);
		b->jobs[njobs] = (struct uccn_verify_job){.sig = node->change.sig,
			.msg = node->change.body,
			.len = node->change.body_len,
			.key = b->authors[njobs]};
		b->job_of[i] = njobs++;
	}
	uccn_verifier_submit(node->verifier, b->jobs, njobs);
}

/* Applies a verified batch in order in one transaction; the store is left as it was if
 * storing fails. */
static int apply_batch(struct uccn_node *node, struct import_batch *b, struct import_ctx *ctx) {
	int err = uccn_store_begin(node->st);
	uint64_t now = uccn_node_wall_ms();
	for (size_t i = 0; i < b->n && err == UCCN_OK; i++) {
		struct uccn_apply_result res;
		int verdict = b->job_of[i] == SIZE_MAX ? UCCN_SIG_UNCHECKED
						       : b->jobs[b->job_of[i]].result;
		err = uccn_changelog_apply_verified(node->log, batch_item(b, i), b->len[i], verdict,
			now, &res, on_released, ctx);
		if (err == UCCN_OK) {
			count_result(ctx->stats, &res);
			if (ctx->fn != NULL) {
				ctx->fn(ctx->userdata, &res);
			}
		}
	}
	if (err == UCCN_OK) {
		err = uccn_changelog_retry_held(node->log, now, on_released, ctx);
	}
	if (err == UCCN_OK) {
		err = uccn_store_commit(node->st);
	} else {
		uccn_store_rollback(node->st); /* a no-op when begin itself failed */
	}
	b->n = 0;
	b->arena.len = 0;
	return err;
}

/* Two batches in flight: one being filled from the file (or verified on the pool), the other
 * being applied. */
struct import_pipe {
	struct import_batch *bufs[2];
	int fill;     /* the batch being read into */
	bool pending; /* bufs[1 - fill] is submitted to the pool and not yet applied */
};

/* The batch being filled is full, or the file ended: hand it to the pool, and apply the batch
 * before it meanwhile. */
static int pipe_push(struct uccn_node *node, struct import_pipe *p, struct import_ctx *ctx) {
	struct import_batch *cur = p->bufs[p->fill], *prev = p->bufs[1 - p->fill];
	if (p->pending) {
		uccn_verifier_wait(node->verifier); /* prev is verified; the pool is free */
	}
	bool submitted = cur->n > 0;
	if (submitted) {
		submit_batch(node, cur);
	}
	int err = p->pending ? apply_batch(node, prev, ctx) : UCCN_OK;
	p->pending = submitted;
	if (submitted) {
		p->fill = 1 - p->fill; /* prev is empty now: read into it */
	}
	return err;
}

/* Applies what is left: the batch being filled, then the one on the pool. */
static int pipe_finish(struct uccn_node *node, struct import_pipe *p, struct import_ctx *ctx) {
	int err = pipe_push(node, p, ctx);
	if (p->pending) {
		uccn_verifier_wait(node->verifier);
		p->pending = false;
		int aerr = apply_batch(node, p->bufs[1 - p->fill], ctx);
		err = err < 0 ? err : aerr;
	}
	return err;
}

/* After an error: the pool must be done with a batch before its memory goes. */
static void pipe_abandon(struct uccn_node *node, struct import_pipe *p) {
	if (p->pending) {
		uccn_verifier_wait(node->verifier);
		p->pending = false;
	}
}

int uccn_node_import(struct uccn_node *node, uccn_read_fn read, void *readdata, uccn_result_fn fn,
	void *userdata, struct uccn_import_stats *stats, char *why, size_t why_len) {
	struct uccn_import_stats local;
	if (stats == NULL) {
		stats = &local;
	}
	memset(stats, 0, sizeof(*stats));
	struct import_ctx ctx = {stats, fn, userdata};
	struct uccn_file_reader *reader = NULL;
	struct uccn_hash_state hash;
	uccn_crypto_hash_init(&hash);
	uint8_t *chunk = malloc(IO_CHUNK);
	struct import_pipe pipe = {
		{calloc(1, sizeof(struct import_batch)), calloc(1, sizeof(struct import_batch))}, 0,
		false};
	bool eof = false, header = false;
	char msg[200] = "";
	int err = chunk == NULL || pipe.bufs[0] == NULL || pipe.bufs[1] == NULL
			  ? UCCN_ENOMEM
			  : uccn_codec_reader_create(&reader);
	if (err == UCCN_OK && node->verifier == NULL) {
		err = uccn_verifier_create(0, &node->verifier);
	}
	while (err == UCCN_OK) {
		struct uccn_file_item item;
		int r = uccn_codec_reader_next(reader, &item, msg, sizeof(msg));
		if (r == UCCN_EAGAIN) {
			if (eof) {
				if (!header) {
					uccn_node_set_why(why, why_len,
						"not a uccn export file (%s)",
						stats->read == 0 ? "empty" : "no header");
					err = UCCN_EPROTO;
				} else if (!uccn_codec_reader_is_done(reader)) {
					uccn_node_set_why(why, why_len,
						"truncated: the file ends after %llu changes, "
						"before its trailer",
						(unsigned long long)stats->read);
					err = UCCN_ETRUNC;
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
			uccn_node_set_why(why, why_len, "%s",
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
				uccn_crypto_to_hex(item.network, 8, theirs);
				uccn_crypto_to_hex(node->network, 8, ours);
				uccn_node_set_why(why, why_len,
					"the file is from another network (%s…), not this "
					"node's (%s…); nothing taken",
					theirs, ours);
				err = UCCN_ENETWORK;
			}
			continue;
		}
		if (item.type == UCCN_FILE_TRAILER) {
			uint8_t got[UCCN_HASH_BYTES];
			uccn_crypto_hash_final(&hash, got);
			if (item.count != stats->read ||
				memcmp(got, item.hash, UCCN_HASH_BYTES) != 0) {
				uccn_node_set_why(why, why_len,
					"damaged file: its trailer does not match the "
					"changes read (%s differs)",
					item.count != stats->read ? "count" : "hash");
				err = UCCN_EPROTO;
			}
			continue;
		}
		stats->read++;
		uccn_crypto_hash_update(&hash, item.change, item.change_len);
		/* The reader lends the bytes until its next call: keep a copy for the batch. */
		struct import_batch *batch = pipe.bufs[pipe.fill];
		batch->off[batch->n] = batch->arena.len;
		batch->len[batch->n] = item.change_len;
		if ((err = uccn_bytes_append(&batch->arena, item.change, item.change_len)) < 0) {
			break;
		}
		if (++batch->n == IMPORT_BATCH || batch->arena.len >= IMPORT_BATCH_BYTES) {
			err = pipe_push(node, &pipe, &ctx);
		}
	}
	/* Every change was verified on its own, so a damaged or cut file still keeps what it
	 * carried intact; only a storage failure loses the batch in progress. */
	if (pipe.bufs[0] != NULL && pipe.bufs[1] != NULL && node->verifier != NULL &&
		(err == UCCN_OK || err == UCCN_ETRUNC || err == UCCN_EPROTO)) {
		int ferr = pipe_finish(node, &pipe, &ctx);
		err = ferr < 0 ? ferr : err;
	}
	if (node->verifier != NULL) {
		pipe_abandon(node, &pipe);
	}
	/* A checkpoint that came in is cosigned now (PROTOCOL.md §9.11). What was imported
	 * stays imported if the node cannot sign yet (it logged why). */
	if (err == UCCN_OK && stats->applied > 0) {
		if (uccn_node_witness(node, uccn_node_wall_ms()) < 0) {
			uccn_log(UCCN_LOG_WARN, "import: the new checkpoint is not cosigned yet");
		}
	}
	for (int i = 0; i < 2; i++) {
		if (pipe.bufs[i] != NULL) {
			uccn_bytes_finish(&pipe.bufs[i]->arena);
		}
		free(pipe.bufs[i]);
	}
	uccn_codec_reader_destroy(reader);
	free(chunk);
	return err;
}
