/* cli_log.c - where the program's log lines go: the level wanted (--log-level, -v, or what the
 * command sets as its default), one line per event on stderr, and journald's priority prefixes
 * when stderr is the journal (systemd runs serve so). The last ERROR-level message is kept for
 * the command's one-line error either way. */
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	enum uccn_log_level level;
	int priority; /* syslog's, as journald reads it in a "<N>" prefix */
} levels[] = {
	{"error", UCCN_LOG_ERROR, 3},
	{"warning", UCCN_LOG_WARN, 4},
	{"info", UCCN_LOG_INFO, 6},
	{"debug", UCCN_LOG_DEBUG, 7},
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

bool uccn_cli_log_level(const char *name, enum uccn_log_level *out) {
	for (size_t i = 0; i < NLEVELS; i++) {
		if (strcmp(name, levels[i].name) == 0) {
			*out = levels[i].level;
			return true;
		}
	}
	return false;
}

const char *uccn_cli_log_level_name(enum uccn_log_level level) {
	for (size_t i = 0; i < NLEVELS; i++) {
		if (levels[i].level == level) {
			return levels[i].name;
		}
	}
	return "none";
}

/* Whether stderr is the journal: systemd sets JOURNAL_STREAM to the "DEVICE:INODE" of the
 * stream it connects, and a stderr redirected elsewhere since no longer matches. */
static bool stderr_is_journal(void) {
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev = 0, ino = 0;
	struct stat st;
	return env != NULL && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static void log_handler(void *userdata, enum uccn_log_level level, const char *msg) {
	struct uccn_cli *cli = userdata;
	if (level <= cli->log_print) {
		size_t i = 0;
		while (i + 1 < NLEVELS && levels[i].level != level) {
			i++;
		}
		char line[1200];
		/* One event, one line: a newline inside a message would split it in two. */
		size_t n = 0;
		for (const char *s = msg; *s != '\0' && n + 1 < sizeof(line); s++) {
			unsigned char c = (unsigned char)*s;
			line[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
		line[n] = '\0';
		if (cli->log_journal) {
			/* journald adds the time and the unit; the prefix is the priority. */
			fprintf(stderr, "<%d>%s\n", levels[i].priority, line);
		} else {
			fprintf(stderr, "uccn: %s: %s\n", levels[i].name, line);
		}
	}
	if (level == UCCN_LOG_ERROR) {
		snprintf(cli->last_error, sizeof(cli->last_error), "%s", msg);
	}
}

void uccn_cli_log_init(struct uccn_cli *cli) {
	cli->log_journal = stderr_is_journal();
	/* --log-level first, then -v (everything), then the command's default (serve: warnings
	 * and errors; the others: none, their error line says what went wrong). */
	cli->log_print = cli->log_level != UCCN_LOG_SILENT ? cli->log_level
			 : cli->verbose                    ? UCCN_LOG_DEBUG
							   : cli->log_default;
	/* Errors are always wanted, to name the most specific one in the error line. */
	enum uccn_log_level wanted =
		cli->log_print > UCCN_LOG_ERROR ? cli->log_print : UCCN_LOG_ERROR;
	uccn_log_set_handler(wanted, log_handler, cli);
}
