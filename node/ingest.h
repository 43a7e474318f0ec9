/* ingest.h - the one way signed changes from elsewhere (an export file, a peer's batches) come
 * into a node: each batch is decoded once, its signatures verified on the pool while the batch
 * before it is applied, then applied in one transaction through the change log, held changes
 * released, and every change reported. The source (file format, sync messages, acks) stays
 * with its caller, which hooks in through struct uccn_ingest_ops; the rules stay in
 * node/changelog.c. */
#ifndef NODE_INGEST_H
#define NODE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/node.h>

#include "node/changelog.h"
#include "node/store.h"
#include "node/verifier.h"

/* What a caller adds to a batch's life. Every hook may be NULL. */
struct uccn_ingest_ops {
	/* At uccn_ingest_push, for each change of the batch that decodes, with its feed: a
	 * negative return refuses the whole batch (nothing of it is taken) and is returned. */
	int (*accept)(void *userdata, const struct uccn_change *c, const char *feed);
	/* The transaction of a batch is about to open. */
	void (*begin)(void *userdata);
	/* Each change of the batch once offered: c and feed are NULL when it did not decode. */
	void (*report)(void *userdata, const struct uccn_apply_result *res,
		const struct uccn_change *c, const char *feed);
	/* Each held change let in (or refused, or dropped) meanwhile. */
	uccn_result_fn released;
	/* Every change of the batch was offered; inside the transaction, before the held changes
	 * are offered again. A negative return rolls the batch back. */
	int (*applied)(void *userdata);
	/* The batch was committed (err UCCN_OK; its return is then the push's) or rolled back
	 * (err, which is returned whatever this returns): once per part, in order, n changes of
	 * it, tag as ended. Commit comes first, so an acknowledgement sent here follows its part
	 * to disk. The first error is the push's. */
	int (*done)(void *userdata, uint64_t tag, size_t n, int err);
	void *userdata;
};

struct uccn_ingest_config {
	struct uccn_store *st;          /* borrowed */
	struct uccn_changelog *log;     /* borrowed */
	struct uccn_verifier *verifier; /* borrowed, may be shared, may be NULL: verify inline */
	size_t batch_max;               /* most changes in one batch */
	struct uccn_ingest_ops ops;
};

struct uccn_ingest;

UCCN_NODISCARD int uccn_ingest_create(
	const struct uccn_ingest_config *cfg, struct uccn_ingest **out);
/* Waits for the pool to be done with a batch of ours, drops what was not applied; accepts
 * NULL. */
void uccn_ingest_destroy(struct uccn_ingest *ing);

/* Adds a copy of one signed change to the batch being filled (at most batch_max). */
UCCN_NODISCARD int uccn_ingest_add(struct uccn_ingest *ing, const uint8_t *buf, size_t len);
/* The changes and bytes in the batch being filled. */
size_t uccn_ingest_count(const struct uccn_ingest *ing);
size_t uccn_ingest_bytes(const struct uccn_ingest *ing);

/* A batch may gather several parts (a peer's batches, say), stored in one transaction and
 * told to done one by one, in order, after its commit. */
#define UCCN_INGEST_PARTS_MAX 16

/* Ends a part of the batch being filled: the changes added since the part before it (none, or
 * all since the batch began) are told to done under tag. UCCN_EINVAL when the batch holds
 * UCCN_INGEST_PARTS_MAX parts already (push it first). */
UCCN_NODISCARD int uccn_ingest_end_part(struct uccn_ingest *ing, uint64_t tag);
/* The parts ended in the batch being filled. */
size_t uccn_ingest_parts(const struct uccn_ingest *ing);

/* The batch being filled is complete: it is decoded (and accepted), handed to the pool when
 * the pool is free (else verified inline), and the batch the pool was verifying is applied
 * meanwhile; a batch not handed to the pool is applied at once. uccn_ingest_push ends its
 * last part under tag first; uccn_ingest_push_parts takes the parts already ended, and is
 * UCCN_EINVAL when changes follow the last part (or there is none). UCCN_OK, the error of
 * accept (nothing taken), or a storage error (that batch was rolled back). */
UCCN_NODISCARD int uccn_ingest_push(struct uccn_ingest *ing, uint64_t tag, uint64_t now_ms);
UCCN_NODISCARD int uccn_ingest_push_parts(struct uccn_ingest *ing, uint64_t now_ms);
/* Drops the batch being filled, every part of it (after uccn_ingest_add failed). */
void uccn_ingest_discard(struct uccn_ingest *ing);

/* Whether a batch waits on the pool, to be applied by the next push or flush. */
bool uccn_ingest_pending(const struct uccn_ingest *ing);

/* Applies the batch the pool is verifying, if any. */
UCCN_NODISCARD int uccn_ingest_flush(struct uccn_ingest *ing, uint64_t now_ms);

/* The counters a caller keeps of outcomes, one per outcome. */
struct uccn_ingest_counters {
	uint64_t *applied, *duplicate, *held, *refused, *dropped;
};
/* Adds res to the counter of its outcome. */
void uccn_ingest_tally(const struct uccn_ingest_counters *c, const struct uccn_apply_result *res);

#endif
