/* alloc.h - the one way the library allocates memory of its own (node/ and proto/), so that
 * the failure tests can make the Nth allocation fail, as they make SQLite's fail. What the
 * third-party libraries allocate inside themselves (SQLite, msgpack-c, libwebsockets,
 * libsodium's guarded keys) goes through their own allocators, not this one. */
#ifndef NODE_ALLOC_H
#define NODE_ALLOC_H

#include <stddef.h>

/* malloc, calloc, realloc, strdup and free, but failing (NULL, the block untouched) once the
 * budget set by uccn_alloc_fail_after is spent. Any thread may call them. */
void *uccn_alloc_malloc(size_t size);
void *uccn_alloc_calloc(size_t count, size_t size);
void *uccn_alloc_realloc(void *p, size_t size);
char *uccn_alloc_strdup(const char *s);
void uccn_alloc_free(void *p);

/* Doubles a full array of items of size bytes whose capacity is *cap (first items when it has
 * none yet): the array, perhaps moved, with *cap updated, or NULL when out of memory (the
 * array and *cap as they were). */
void *uccn_alloc_grow(void *items, size_t *cap, size_t first, size_t size);

/* For the tests: after n more allocations every one fails, until called again; -1 (the
 * default) never fails. */
void uccn_alloc_fail_after(long n);

#endif
