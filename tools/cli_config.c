/* cli_config.c - the configuration file (/etc/uccn/uccn.conf, INI, read with inih: the only file
 * that includes <ini.h>) and `uccn config`, which prints the effective settings and where each
 * came from. The file gives defaults for the home and for serve; the environment (UCCN_HOME)
 * and flags override it. An unknown section or key, or a value that does not read, is an error
 * naming its line: a mistyped key must not be silently ignored by a service. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

static const char config_usage[] =
	"usage: uccn [--config FILE] [--home DIR] config [--listen HOST[:PORT]]\n"
	"                                [--idle-timeout SECONDS] [--log-level LEVEL]\n"
	"\n"
	"Prints the settings a command would use, one a line as the configuration file\n"
	"writes them, each followed by where it came from (after ';'): the default,\n"
	"FILE:LINE, the environment (UCCN_HOME) or a flag. The flags given here count as\n"
	"serve's would.\n"
	"The file is --config FILE, else $UCCN_CONFIG, else " UCCN_CONFIG_FILE " if it\n"
	"exists. Its sections and keys:\n"
	"\n"
	"  [node]   home = DIR\n"
	"  [serve]  listen = HOST[:PORT]   log-level = error|warning|info|debug\n"
	"           idle-timeout = SECONDS   peer = URL [KEY]   (one line per peer)\n";

/* What one line of the file is being read as, for the handler. */
struct reading {
	struct uccn_cli_config *cfg;
	int line;        /* the line the reader gave last */
	char error[600]; /* the first error, without its FILE:LINE */
	int error_line;
	FILE *f;
};

/* An fgets that counts lines, so the handler knows which line a key stands on (Debian's inih
 * is built without INI_HANDLER_LINENO). */
static char *read_line(char *str, int num, void *stream) {
	struct reading *r = stream;
	char *s = fgets(str, num, r->f);
	if (s != NULL) {
		r->line++;
	}
	return s;
}

static void set(struct uccn_cli_setting *s, const char *value, const char *source) {
	snprintf(s->value, sizeof(s->value), "%s", value);
	snprintf(s->source, sizeof(s->source), "%s", source);
	s->set = true;
}

__attribute__((format(printf, 2, 3))) static int refuse(struct reading *r, const char *fmt, ...) {
	if (r->error[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->error, sizeof(r->error), fmt, ap);
		va_end(ap);
		r->error_line = r->line;
	}
	return 0; /* inih: an error on this line */
}

bool uccn_cli_parse_seconds(const char *text, uint64_t *ms) {
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v > 0) || v > 86400.0) {
		return false;
	}
	*ms = (uint64_t)(v * 1000.0);
	return *ms > 0;
}

/* Checks "URL [KEY]", a peer line. */
static bool is_peer_line(const char *value) {
	char url[UCCN_URL_MAX + 2], key[80], extra[2];
	int n = sscanf(value, "%256s %79s %1s", url, key, extra);
	if (n < 1 || n > 2 || strlen(url) > UCCN_URL_MAX) {
		return false;
	}
	size_t scheme = strncmp(url, "ws://", 5) == 0 ? 5 : strncmp(url, "wss://", 6) == 0 ? 6 : 0;
	uint8_t pin[UCCN_KEY_BYTES];
	return scheme > 0 && url[scheme] != '\0' &&
	       (n == 1 || (strlen(key) == 2 * UCCN_KEY_BYTES &&
				  uccn_text_from_hex(key, strlen(key), pin, UCCN_KEY_BYTES) ==
					  UCCN_OK));
}

static int on_key(void *user, const char *section, const char *name, const char *value) {
	struct reading *r = user;
	struct uccn_cli_config *c = r->cfg;
	char source[sizeof(c->path) + 16];
	snprintf(source, sizeof(source), "%s:%d", c->path, r->line);
	enum uccn_log_level level;
	uint64_t ms;
	if (strcmp(section, "node") == 0 && strcmp(name, "home") == 0) {
		if (value[0] != '/') {
			return refuse(r, "home: '%s' is not an absolute path", value);
		}
		set(&c->home, value, source);
	} else if (strcmp(section, "serve") == 0 && strcmp(name, "listen") == 0) {
		set(&c->listen, value, source);
	} else if (strcmp(section, "serve") == 0 && strcmp(name, "log-level") == 0) {
		if (!uccn_cli_log_level(value, &level)) {
			return refuse(
				r, "log-level: '%s' is not error, warning, info or debug", value);
		}
		set(&c->log_level, value, source);
	} else if (strcmp(section, "serve") == 0 && strcmp(name, "idle-timeout") == 0) {
		if (!uccn_cli_parse_seconds(value, &ms)) {
			return refuse(r, "idle-timeout: '%s' is not a number of seconds", value);
		}
		set(&c->idle_timeout, value, source);
	} else if (strcmp(section, "serve") == 0 && strcmp(name, "peer") == 0) {
		if (!is_peer_line(value)) {
			return refuse(r,
				"peer: '%s' is not URL [KEY] (ws:// or wss://, KEY 64 hex digits)",
				value);
		}
		if (c->npeers == UCCN_CLI_PEERS_MAX) {
			return refuse(r, "more than %d peers", UCCN_CLI_PEERS_MAX);
		}
		set(&c->peers[c->npeers++], value, source);
	} else if (strcmp(section, "node") != 0 && strcmp(section, "serve") != 0) {
		return refuse(r, "unknown section [%s] (sections: [node], [serve])", section);
	} else {
		return refuse(r, "unknown key '%s' in [%s]", name, section);
	}
	return 1;
}

/* Reads path into cfg (emptied first). A missing file is no error unless required. Returns 0,
 * or a status with why saying what is wrong (FILE:LINE: ... for the file's content). */
static int load(struct uccn_cli_config *cfg, const char *path, const char *path_source,
	bool required, char *why, size_t why_len) {
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path_source, sizeof(cfg->path_source), "%s", path_source);
	if (snprintf(cfg->path, sizeof(cfg->path), "%s", path) >= (int)sizeof(cfg->path)) {
		snprintf(why, why_len, "configuration file path too long");
		return UCCN_CLI_USAGE;
	}
	struct reading r = {.cfg = cfg};
	if ((r.f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !required) {
			return 0; /* no file: the defaults */
		}
		snprintf(why, why_len, "configuration file %s: %s", path, strerror(errno));
		return UCCN_CLI_FAIL;
	}
	cfg->file_read = true;
	int line = ini_parse_stream(read_line, &r, on_key, &r);
	fclose(r.f);
	if (line != 0) {
		snprintf(why, why_len, "%s:%d: %s", path, line,
			r.error[0] != '\0' && r.error_line == line ? r.error
			: line < 0                                 ? "cannot be read"
				   : "not 'key = value' nor '[section]'");
		return UCCN_CLI_USAGE;
	}
	return 0;
}

int uccn_cli_config_load(struct uccn_cli *cli, struct uccn_cli_config *cfg, const char *flag_path) {
	const char *env = getenv("UCCN_CONFIG");
	char why[1024];
	int status;
	if (flag_path != NULL) {
		status = load(cfg, flag_path, "--config", true, why, sizeof(why));
	} else if (env != NULL && env[0] != '\0') {
		status = load(cfg, env, "UCCN_CONFIG", true, why, sizeof(why));
	} else {
		status = load(cfg, UCCN_CONFIG_FILE, "default", false, why, sizeof(why));
	}
	return status != 0 ? uccn_cli_fail(cli, status, "%s", why) : 0;
}

int uccn_cli_config_reload(struct uccn_cli_config *cfg, char *why, size_t why_len) {
	struct uccn_cli_config *fresh = malloc(sizeof(*fresh));
	if (fresh == NULL) {
		snprintf(why, why_len, "out of memory");
		return UCCN_CLI_FAIL;
	}
	char path[sizeof(cfg->path)], source[sizeof(cfg->path_source)];
	snprintf(path, sizeof(path), "%s", cfg->path);
	snprintf(source, sizeof(source), "%s", cfg->path_source);
	int status = load(fresh, path, source, strcmp(source, "default") != 0, why, why_len);
	if (status == 0) {
		*cfg = *fresh;
	}
	free(fresh);
	return status;
}

/* Prints one setting: "name = value  ; source" (unset: commented out). */
static void print_setting(const char *name, const char *value, const char *source) {
	if (value == NULL) {
		printf("; %s is not set  ; %s\n", name, source);
	} else {
		/* "; " starts a comment after a value (inih), so the line reads back as it is. */
		printf("%s = %s  ; %s\n", name, value, source);
	}
}

/* The setting from a flag, else the file, else the default (NULL: none). */
static void print_layered(const char *name, const char *flag, const char *flag_value,
	const struct uccn_cli_setting *file, const char *def) {
	if (flag_value != NULL) {
		char source[64];
		snprintf(source, sizeof(source), "flag %s", flag);
		print_setting(name, flag_value, source);
	} else if (file->set) {
		print_setting(name, file->value, file->source);
	} else {
		print_setting(name, def, "default");
	}
}

int uccn_cli_parse_serve_flags(struct uccn_cli *cli, int argc, char **argv, const char *usage,
	struct uccn_cli_serve_flags *flags, bool *done) {
	*flags = (struct uccn_cli_serve_flags){0};
	const struct uccn_cli_option opts[] = {
		{"listen", 0, NULL, &flags->listen},
		{"idle-timeout", 0, NULL, &flags->idle_timeout},
		{"ui", 0, NULL, &flags->ui},
		{"ui-dir", 0, NULL, &flags->ui_dir},
		{"ui-secure", 0, &flags->ui_secure, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	return uccn_cli_parse(cli, argc, argv, opts, usage, pos, 0, &npos, done);
}

int uccn_cmd_config(struct uccn_cli *cli, int argc, char **argv) {
	struct uccn_cli_serve_flags flags;
	bool done;
	const char *home_flag = cli->home;
	int status = uccn_cli_parse_serve_flags(cli, argc, argv, config_usage, &flags, &done);
	if (status != 0 || done) {
		return status;
	}
	home_flag = cli->home != NULL ? cli->home : home_flag;
	const struct uccn_cli_config *c = &cli->config;
	if (c->file_read) {
		printf("; configuration file %s (%s)\n", c->path,
			strcmp(c->path_source, "default") == 0 ? "the default" : c->path_source);
	} else {
		printf("; no configuration file (%s does not exist)\n", c->path);
	}
	printf("[node]\n");
	const char *env = getenv("UCCN_HOME");
	if (home_flag != NULL && home_flag[0] != '\0') {
		print_setting("home", home_flag, "flag --home");
	} else if (env != NULL && env[0] != '\0') {
		print_setting("home", env, "environment UCCN_HOME");
	} else if (c->home.set) {
		print_setting("home", c->home.value, c->home.source);
	} else {
		if ((status = uccn_cli_resolve_home(cli)) != 0) {
			return status;
		}
		print_setting("home", cli->home,
			getenv("XDG_DATA_HOME") != NULL && getenv("XDG_DATA_HOME")[0] != '\0'
				? "default: $XDG_DATA_HOME/uccn"
				: "default: $HOME/.local/share/uccn");
	}
	printf("[serve]\n");
	print_layered("listen", "--listen", flags.listen, &c->listen, NULL);
	const char *level_flag = cli->log_level != UCCN_LOG_SILENT
					 ? uccn_cli_log_level_name(cli->log_level)
				 : cli->verbose ? "debug"
						: NULL;
	print_layered("log-level", cli->log_level != UCCN_LOG_SILENT ? "--log-level" : "-v",
		level_flag, &c->log_level, "warning");
	print_layered("idle-timeout", "--idle-timeout", flags.idle_timeout, &c->idle_timeout, "30");
	for (size_t i = 0; i < c->npeers; i++) {
		print_setting("peer", c->peers[i].value, c->peers[i].source);
	}
	if (c->npeers == 0) {
		printf("; no peer in the file (the peers of 'uccn peer add' are in the home)\n");
	}
	return 0;
}
