/* alloc.c - the library's own allocations, through one counter that the failure tests set
 * (libuv's uv_replace_allocator, SQLite's SQLITE_CONFIG_MALLOC): every allocation the library
 * makes itself can be made to fail, and each failure must end in a clean UCCN_ENOMEM. */
#include "node/alloc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Allocations left before they fail; -1: no limit. Atomic: the verifying pool's threads
 * allocate too. */
static atomic_long budget = -1;

static bool granted(void) {
	long left = atomic_load_explicit(&budget, memory_order_relaxed);
	while (left >= 0) {
		if (left == 0) {
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(
			    &budget, &left, left - 1, memory_order_relaxed, memory_order_relaxed)) {
			return true;
		}
	}
	return true;
}

void *uccn_alloc_malloc(size_t size) {
	return granted() ? malloc(size) : NULL;
}

void *uccn_alloc_calloc(size_t count, size_t size) {
	return granted() ? calloc(count, size) : NULL;
}

void *uccn_alloc_realloc(void *p, size_t size) {
	return granted() ? realloc(p, size) : NULL;
}

char *uccn_alloc_strdup(const char *s) {
	size_t len = strlen(s) + 1;
	char *copy = uccn_alloc_malloc(len);
	if (copy != NULL) {
		memcpy(copy, s, len);
	}
	return copy;
}

void uccn_alloc_free(void *p) {
	free(p);
}

void *uccn_alloc_grow(void *items, size_t *cap, size_t first, size_t size) {
	size_t n = *cap > 0 ? 2 * *cap : first;
	if (n < *cap || n > SIZE_MAX / size) {
		return NULL;
	}
	void *p = uccn_alloc_realloc(items, n * size);
	if (p != NULL) {
		*cap = n;
	}
	return p;
}

void uccn_alloc_fail_after(long n) {
	atomic_store(&budget, n);
}
