/* log.h - where the library's messages go. The library never writes to stdout or stderr itself:
 * the program installs a handler (stderr, syslog, a test's capture buffer). */
#ifndef UCCN_LOG_H
#define UCCN_LOG_H

enum uccn_log_level {
	UCCN_LOG_SILENT = 0,
	UCCN_LOG_ERROR = 1,
	UCCN_LOG_WARN = 2,
	UCCN_LOG_INFO = 3,
	UCCN_LOG_DEBUG = 4,
};

/* Receives one message, without a trailing newline. msg is borrowed for the call only. */
typedef void (*uccn_log_fn)(void *userdata, enum uccn_log_level level, const char *msg);

/* Installs fn for messages at level or more important (a lower number). fn NULL discards
 * everything. Not thread-safe against concurrent logging: call it once at start-up. */
void uccn_log_set_handler(enum uccn_log_level level, uccn_log_fn fn, void *userdata);

/* Formats and passes a message to the handler, if its level is wanted. */
void uccn_log(enum uccn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As uccn_log, with ": " and strerror(errno_value) appended. Pass errno read right after the
 * failing call. */
void uccn_log_errno(enum uccn_log_level level, int errno_value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
