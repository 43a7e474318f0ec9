/* verifier.c - a small pool of threads verifying the signatures of one batch at a time (see
 * verifier.h). Workers sleep on a condition variable between batches; each batch is handed
 * out one job at a time through an atomic counter, so a slow job never holds up the others. */
#include "node/verifier.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <uccn/log.h>

#include "node/alloc.h"
#include "node/crypto.h"

struct uccn_verifier {
	pthread_t *workers;
	unsigned nworkers;
	pthread_mutex_t mu;
	pthread_cond_t start;
	pthread_cond_t done;
	uint64_t generation; /* a new batch; workers wait for it to change */
	bool stop;
	unsigned finished; /* workers done with the current batch */
	struct uccn_verify_job *jobs;
	size_t n;
	atomic_size_t next;
	bool outstanding; /* submitted and not yet waited for; only the caller's thread reads it */
};

static void work(struct uccn_verifier *v) {
	size_t i;
	while ((i = atomic_fetch_add(&v->next, 1)) < v->n) {
		struct uccn_verify_job *j = &v->jobs[i];
		if (j->sig != NULL) {
			j->result = uccn_crypto_verify(j->sig, j->msg, j->len, j->key);
		}
	}
}

static void *worker(void *arg) {
	struct uccn_verifier *v = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&v->mu);
	for (;;) {
		while (v->generation == seen && !v->stop) {
			pthread_cond_wait(&v->start, &v->mu);
		}
		if (v->stop) {
			break;
		}
		seen = v->generation;
		pthread_mutex_unlock(&v->mu);
		work(v);
		pthread_mutex_lock(&v->mu);
		if (++v->finished == v->nworkers) {
			pthread_cond_signal(&v->done);
		}
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

int uccn_verifier_create(unsigned threads, struct uccn_verifier **out) {
	if (threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (unsigned)cores + 1 : 1;
	}
	if (threads > 64) {
		threads = 64; /* more threads than that only fight over memory bandwidth */
	}
	struct uccn_verifier *v = uccn_alloc_calloc(1, sizeof(*v));
	if (v == NULL) {
		return UCCN_ENOMEM;
	}
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->start, NULL);
	pthread_cond_init(&v->done, NULL);
	atomic_init(&v->next, 0);
	if (threads > 1 &&
		(v->workers = uccn_alloc_calloc(threads - 1, sizeof(*v->workers))) == NULL) {
		uccn_verifier_destroy(v);
		return UCCN_ENOMEM;
	}
	for (unsigned i = 0; i + 1 < threads; i++) {
		int rc = pthread_create(&v->workers[i], NULL, worker, v);
		if (rc != 0) {
			uccn_log_errno(UCCN_LOG_ERROR, rc, "starting a verifier thread");
			uccn_verifier_destroy(v);
			return UCCN_EIO;
		}
		v->nworkers++;
	}
	*out = v;
	return UCCN_OK;
}

void uccn_verifier_destroy(struct uccn_verifier *v) {
	if (v == NULL) {
		return;
	}
	pthread_mutex_lock(&v->mu);
	v->stop = true;
	pthread_cond_broadcast(&v->start);
	pthread_mutex_unlock(&v->mu);
	for (unsigned i = 0; i < v->nworkers; i++) {
		pthread_join(v->workers[i], NULL);
	}
	pthread_cond_destroy(&v->done);
	pthread_cond_destroy(&v->start);
	pthread_mutex_destroy(&v->mu);
	uccn_alloc_free(v->workers);
	uccn_alloc_free(v);
}

unsigned uccn_verifier_threads(const struct uccn_verifier *v) {
	return v->nworkers + 1;
}

void uccn_verifier_submit(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n) {
	v->outstanding = true;
	pthread_mutex_lock(&v->mu);
	v->jobs = jobs;
	v->n = n;
	atomic_store(&v->next, 0);
	v->finished = 0;
	v->generation++;
	pthread_cond_broadcast(&v->start);
	pthread_mutex_unlock(&v->mu);
}

void uccn_verifier_wait(struct uccn_verifier *v) {
	work(v); /* whatever the workers have not taken yet */
	pthread_mutex_lock(&v->mu);
	while (v->finished < v->nworkers) {
		pthread_cond_wait(&v->done, &v->mu);
	}
	pthread_mutex_unlock(&v->mu);
	v->outstanding = false;
}

bool uccn_verifier_try_submit(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n) {
	if (v->outstanding) {
		return false;
	}
	uccn_verifier_submit(v, jobs, n);
	return true;
}

void uccn_verifier_run(struct uccn_verifier *v, struct uccn_verify_job *jobs, size_t n) {
	uccn_verifier_submit(v, jobs, n);
	uccn_verifier_wait(v);
}
