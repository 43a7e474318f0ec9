/* uccn.c - the uccn program's entry: global options, the command table and the top-level help.
 * Each command lives in a cmd_*.c file; this file only finds it and hands over the rest of the
 * command line. */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef UCCN_VERSION
#define UCCN_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	uccn_cli_command_fn run;
	const char *summary;
	const char *group; /* starts a group in the help */
};

static const struct command commands[] = {
	{"init", uccn_cmd_init, "create a node: a key pair and a store in the home", "the node"},
	{"whoami", uccn_cmd_whoami, "print the node's public key", NULL},
	{"join", uccn_cmd_join, "join a network, for a node made without one", NULL},
	{"rotate-key", uccn_cmd_rotate_key, "move the city to a new key pair", NULL},
	{"backup", uccn_cmd_backup, "write a consistent copy of the node (and its key) to a file",
		NULL},
	{"restore", uccn_cmd_restore, "put a backup in place in the home", NULL},
	{"resume-signing", uccn_cmd_resume_signing,
		"sign again without catching up: this is the only copy of the node", NULL},
	{"put", uccn_cmd_put, "create a record, or change fields of one", "records"},
	{"get", uccn_cmd_get, "show one record", NULL},
	{"list", uccn_cmd_list, "list records", NULL},
	{"delete", uccn_cmd_delete, "delete a record", NULL},
	{"history", uccn_cmd_history, "show every change of a record, oldest first", NULL},
	{"export", uccn_cmd_export, "write every change, as signed, to one file",
		"exchange and checks"},
	{"import", uccn_cmd_import, "verify and apply the changes of export files", NULL},
	{"verify", uccn_cmd_verify, "re-verify every stored change and chain", NULL},
	{"held", uccn_cmd_held, "list changes held back, and why", NULL},
	{"registry", uccn_cmd_registry, "list the member cities; verify, prove or check membership",
		"the registry"},
	{"designate", uccn_cmd_designate, "Secretariat: make a city a member (or a CSV of them)",
		NULL},
	{"applications", uccn_cmd_applications,
		"Secretariat: the cities waiting for a designation, as they sent themselves", NULL},
	{"reports", uccn_cmd_reports,
		"Secretariat: each member's monitoring report for a period, or its absence", NULL},
	{"withdraw", uccn_cmd_withdraw, "Secretariat: withdraw a city's designation", NULL},
	{"role", uccn_cmd_role, "Secretariat: record a city's role in a sub-network", NULL},
	{"confirm-rotation", uccn_cmd_confirm_rotation, "Secretariat: confirm a city's new key",
		NULL},
	{"revoke", uccn_cmd_revoke, "Secretariat: revoke a compromised key", NULL},
	{"relay", uccn_cmd_relay, "Secretariat: add or remove a relay of its own", NULL},
	{"serve", uccn_cmd_serve, "listen, dial the peers and keep them in sync until stopped",
		"the network"},
	{"sync", uccn_cmd_sync, "one session with a peer, until both hold the same", NULL},
	{"peer", uccn_cmd_peer, "add, list or remove the peers serve dials", NULL},
	{"status", uccn_cmd_status, "whether serve runs, and what it saw of each peer", NULL},
	{"health", uccn_cmd_health, "what needs attention: cities not seen, held, failures", NULL},
	{"ui", uccn_cmd_ui, "the web page's address, and a link that logs a browser in",
		"the web page"},
	{"user", uccn_cmd_user, "add, list or remove the web page's accounts", NULL},
	{"config", uccn_cmd_config, "print the effective settings and where each came from", NULL},
};

static void print_usage(FILE *f) {
	fputs("usage: uccn [--config FILE] [--home DIR] [-v|--verbose] [--log-level LEVEL]\n"
	      "            COMMAND [ARGS...]\n"
	      "       uccn --help | --version | help [COMMAND] | COMMAND --help\n"
	      "\n"
	      "A sync node of the UNESCO Creative Cities Network: a city's records, signed\n"
	      "change by change, replicated to the Secretariat's hub and to peer cities over\n"
	      "websockets, or carried by file.\n"
	      "\n",
		f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].group != NULL) {
			fprintf(f, "%s%s:\n", i > 0 ? "\n" : "", commands[i].group);
		}
		fprintf(f, "  %-18s%s\n", commands[i].name, commands[i].summary);
	}
	fputs("\n"
	      "options:\n"
	      "  --home DIR     the node's folder; default $UCCN_HOME, else the configuration\n"
	      "                 file's, else $XDG_DATA_HOME/uccn, else $HOME/.local/share/uccn\n"
	      "  --config FILE  the configuration file; default $UCCN_CONFIG, else\n"
	      "                 " UCCN_CONFIG_FILE " if it exists (see 'uccn config --help')\n"
	      "  -v, --verbose  show the library's messages on stderr\n"
	      "  --log-level LEVEL  show those at LEVEL or worse: error, warning, info or debug\n"
	      "                 (serve's default: warning; the others show none, their error\n"
	      "                 line says what went wrong)\n"
	      "\n"
	      "Errors print one line to stderr. Exit status: 0 success, 1 failure, 2 usage "
	      "error.\n",
		f);
}

/* The command called name, or NULL after the error line (naming the nearest commands). */
static const struct command *find_command(struct uccn_cli *cli, const char *name) {
	const char *names[sizeof(commands) / sizeof(commands[0])];
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(name, commands[c].name) == 0) {
			return &commands[c];
		}
		names[c] = commands[c].name;
	}
	char hint[160];
	uccn_cli_suggest(
		name, strlen(name), names, sizeof(names) / sizeof(names[0]), hint, sizeof(hint));
	uccn_cli_fail(
		cli, UCCN_CLI_USAGE, "unknown command '%s'%s (see 'uccn --help')", name, hint);
	return NULL;
}

int main(int argc, char **argv) {
	static struct uccn_cli cli; /* large (the configuration): not on the stack */
	const char *config_path = NULL;
	int i = 1;
	/* Global options stand before the command; the commands accept --home and -v too. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			print_usage(stdout);
			return 0;
		} else if (strcmp(arg, "--version") == 0) {
			printf("uccn %s\n", UCCN_VERSION);
			return 0;
		} else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			cli.verbose = true;
		} else if (strncmp(arg, "--log-level", 11) == 0 &&
			   (arg[11] == '\0' || arg[11] == '=')) {
			const char *v = arg[11] == '=' ? arg + 12 : i + 1 < argc ? argv[++i] : "";
			if (!uccn_cli_log_level(v, &cli.log_level)) {
				return uccn_cli_fail(&cli, UCCN_CLI_USAGE,
					"--log-level: '%s' is not error, warning, info or debug",
					v);
			}
		} else if (strcmp(arg, "--config") == 0) {
			if (i + 1 >= argc) {
				return uccn_cli_fail(
					&cli, UCCN_CLI_USAGE, "option '--config' needs a value");
			}
			config_path = argv[++i];
		} else if (strncmp(arg, "--config=", 9) == 0) {
			config_path = arg + 9;
		} else if (strcmp(arg, "--home") == 0) {
			if (i + 1 >= argc) {
				return uccn_cli_fail(
					&cli, UCCN_CLI_USAGE, "option '--home' needs a value");
			}
			cli.home = argv[++i];
		} else if (strncmp(arg, "--home=", 7) == 0) {
			cli.home = arg + 7;
		} else {
			return uccn_cli_fail(&cli, UCCN_CLI_USAGE,
				"unknown option '%s' (see 'uccn --help')", arg);
		}
	}
	if (i >= argc) {
		return uccn_cli_fail(&cli, UCCN_CLI_USAGE, "no command given (see 'uccn --help')");
	}
	/* `uccn help COMMAND [SUBCOMMAND]` is `uccn COMMAND [SUBCOMMAND] --help`. */
	bool help = strcmp(argv[i], "help") == 0;
	if (help && i + 1 >= argc) {
		print_usage(stdout);
		return 0;
	}
	i += help;
	const struct command *cmd = find_command(&cli, argv[i]);
	if (cmd == NULL) {
		return UCCN_CLI_USAGE;
	}
	cli.command = cmd->name;
	uccn_cli_log_init(&cli);
	int loaded = uccn_cli_config_load(&cli, &cli.config, config_path);
	if (loaded != 0) {
		return loaded;
	}
	char *help_argv[4] = {argv[i], i + 1 < argc ? argv[i + 1] : "--help", "--help", NULL};
	int status = help ? cmd->run(&cli, i + 1 < argc ? 3 : 2, help_argv)
			  : cmd->run(&cli, argc - i, argv + i);
	if (fflush(stdout) != 0 && status == 0) {
		/* A full disk or a closed pipe must not pass for success. */
		status = uccn_cli_fail(&cli, UCCN_CLI_FAIL, "writing output: %s", strerror(errno));
	}
	uccn_log_set_handler(UCCN_LOG_SILENT, NULL, NULL);
	return status;
}
