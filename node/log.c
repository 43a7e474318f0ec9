/* log.c - routes library messages to the handler the program installed; drops them otherwise. */
#include <uccn/log.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum uccn_log_level wanted = UCCN_LOG_SILENT;
static uccn_log_fn handler;
static void *handler_data;

void uccn_log_set_handler(enum uccn_log_level level, uccn_log_fn fn, void *userdata) {
	wanted = fn != NULL ? level : UCCN_LOG_SILENT;
	handler = fn;
	handler_data = userdata;
}

__attribute__((format(printf, 3, 0))) static void emit(
	enum uccn_log_level level, int errno_value, const char *fmt, va_list ap) {
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		return;
	}
	if (errno_value != 0 && (size_t)n < sizeof(msg)) {
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errno_value));
	}
	handler(handler_data, level, msg);
}

void uccn_log(enum uccn_log_level level, const char *fmt, ...) {
	if (handler == NULL || level > wanted || level == UCCN_LOG_SILENT) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	emit(level, 0, fmt, ap);
	va_end(ap);
}

void uccn_log_errno(enum uccn_log_level level, int errno_value, const char *fmt, ...) {
	if (handler == NULL || level > wanted || level == UCCN_LOG_SILENT) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	emit(level, errno_value, fmt, ap);
	va_end(ap);
}
