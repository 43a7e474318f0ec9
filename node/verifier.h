/* verifier.h - Ed25519 verification of a batch of changes on every core. Verifying one change
 * does not depend on any other, so a batch is split across a small pool of threads; chain
 * checks, merge and storage stay in order on the caller's thread. */
#ifndef NODE_VERIFIER_H
#define NODE_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* One signature to check: the inputs are borrowed for the call to uccn_verifier_run. */
struct uccn_verify_job {
	const uint8_t *sig; /* UCCN_SIG_BYTES */
	const uint8_t *msg;
	size_t len;
	const uint8_t *key; /* UCCN_KEY_BYTES */
	int result;         /* out: UCCN_OK or UCCN_EBADSIG; a job whose sig is NULL is skipped */
};

struct uccn_verifier;

/* A pool of threads - 1 workers (the caller's thread is the last one); 0 means one worker per
 * online core plus the caller's thread, so every core verifies while the caller waits or
 * stores the batch before. UCCN_OK, UCCN_ENOMEM, or UCCN_EIO when a thread cannot start. */
UCCN_NODISCARD int uccn_verifier_create(unsigned threads, struct uccn_verifier **out);

/* Stops and joins the workers; accepts NULL. */
void uccn_verifier_destroy(struct uccn_verifier *v);

/* How many threads verify, the caller's included. */
unsigned uccn_verifier_threads(const struct uccn_verifier *v);

/* Verifies every job, the caller's thread working too, and returns when all are done. Not
 * reentrant: one batch at a time per pool. */
void uccn_verifier_run(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n);

/* The same in two halves, so the caller can do other work (apply the previous batch) while the
 * workers verify: submit starts the batch and returns at once; wait verifies what the workers
 * have not taken yet and returns when the batch is done. jobs must stay valid until then, and
 * every submit needs its wait before the next submit. */
void uccn_verifier_submit(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n);
void uccn_verifier_wait(struct uccn_verifier *v);

/* As uccn_verifier_submit, unless a batch is outstanding (submitted, not yet waited for, by
 * whoever shares the pool): then it does nothing and returns false. From the thread that
 * submits and waits. */
bool uccn_verifier_try_submit(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n);

#endif
