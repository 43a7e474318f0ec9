/* error_internal.h - the one helper that writes a reason in words, for every layer of the
 * library (proto/ included: the error codes are the floor under all of it), and the opening and
 * closing of a call that reports through a struct uccn_error. */
#ifndef NODE_ERROR_INTERNAL_H
#define NODE_ERROR_INTERNAL_H

#include <stddef.h>

#include <uccn/error.h>

/* Writes the reason into why (nothing when why is NULL or why_len 0) and returns code, so a
 * refusal is one line: return uccn_error_set(why, why_len, UCCN_EPROTO, "...", ...). */
__attribute__((format(printf, 4, 5))) int uccn_error_set(
	char *why, size_t why_len, int code, const char *fmt, ...);

/* Opens a call that reports through err (may be NULL): clears it and gives the buffer the call
 * writes its reason into (NULL when err is), its size in *why_len. */
char *uccn_error_begin(struct uccn_error *err, size_t *why_len);

/* Closes it: records code (and clears a reason a success may have left); returns code. */
int uccn_error_end(struct uccn_error *err, int code);

#endif
