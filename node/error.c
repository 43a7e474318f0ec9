/* error.c - names and messages of the uccn error codes, generated from UCCN_ERRNO_MAP, and the
 * one helper that writes a call's reason in words (node/error_internal.h). */
#include <uccn/error.h>

#include <stdarg.h>
#include <stdio.h>

#include "node/error_internal.h"

const char *uccn_strerror(int err) {
	switch (err) {
	case UCCN_OK:
		return "success";
#define XX(name, num, msg) \
	case UCCN_##name:  \
		return msg;
		UCCN_ERRNO_MAP(XX)
#undef XX
	}
	return "unknown error";
}

const char *uccn_err_name(int err) {
	switch (err) {
	case UCCN_OK:
		return "UCCN_OK";
#define XX(name, num, msg) \
	case UCCN_##name:  \
		return "UCCN_" #name;
		UCCN_ERRNO_MAP(XX)
#undef XX
	}
	return "UCCN_EUNKNOWN";
}

int uccn_error_set(char *why, size_t why_len, int code, const char *fmt, ...) {
	if (why != NULL && why_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

char *uccn_error_begin(struct uccn_error *err, size_t *why_len) {
	if (err == NULL) {
		*why_len = 0;
		return NULL;
	}
	err->code = UCCN_OK;
	err->msg[0] = '\0';
	*why_len = sizeof(err->msg);
	return err->msg;
}

int uccn_error_end(struct uccn_error *err, int code) {
	if (err != NULL) {
		err->code = code;
		if (code >= 0) {
			err->msg[0] = '\0';
		}
	}
	return code;
}
