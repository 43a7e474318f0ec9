/* cmd_ui.c - the commands of the node's web page: `ui` (the page's address, and with --url a
 * link that logs a browser in once), `user` (the accounts a page served off loopback needs),
 * and what `serve --ui` does to start the page beside the network loop. */
#include "tools/cli.h"
#include "tools/ui.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static const char ui_usage[] =
	"usage: uccn [--home DIR] ui [--url]\n"
	"\n"
	"Prints the address of the web page a running 'uccn serve --ui HOST:PORT' serves for\n"
	"this node. With --url, prints a link that logs one browser in: it works once, within\n"
	"10 minutes, and is kept hashed in the home until used.\n";

static const char user_usage[] =
	"usage: uccn [--home DIR] user add NAME [--password-stdin]\n"
	"       uccn [--home DIR] user passwd NAME [--password-stdin]\n"
	"       uccn [--home DIR] user list\n"
	"       uccn [--home DIR] user remove NAME\n"
	"\n"
	"The accounts of the node's web page. A page served on an address other than loopback\n"
	"('serve --ui 0.0.0.0:7401') requires at least one. Passwords are asked twice on the\n"
	"terminal, or read as one line from stdin with --password-stdin, and kept hashed with\n"
	"Argon2id in the home. NAME: 1 to 64 letters, digits and . _ - @.\n";

int uccn_cmd_ui(struct uccn_cli *cli, int argc, char **argv) {
	bool url = false;
	const struct uccn_cli_option opts[] = {
		{"url", 0, &url, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[1];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, ui_usage, pos, 0, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if ((status = uccn_cli_resolve_home(cli)) != 0) {
		return status;
	}
	char path[PATH_MAX], base[256] = "";
	snprintf(path, sizeof(path), "%s/%s", cli->home, UCCN_UI_URL_FILE);
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(base, sizeof(base), f) == NULL) {
		if (f != NULL) {
			fclose(f);
		}
		return uccn_cli_fail(cli, UCCN_CLI_FAIL,
			"no page is served for %s: start 'uccn serve --ui 127.0.0.1:7401'",
			cli->home);
	}
	fclose(f);
	base[strcspn(base, "\r\n")] = '\0';
	if (!url) {
		printf("%s/\n", base);
		return 0;
	}
	char token[65];
	int err = uccn_ui_token_new(cli->home, uccn_cli_now_ms(), token);
	if (err < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "cannot write the login token: %s", uccn_strerror(err));
	}
	printf("%s/login?token=%s\n", base, token);
	return 0;
}

/* One line of password: from the terminal with echo off (asked twice), or from stdin. */
static int read_password(struct uccn_cli *cli, bool from_stdin, char *out, size_t len) {
	if (from_stdin || !isatty(STDIN_FILENO)) {
		if (fgets(out, (int)len, stdin) == NULL) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE, "no password on stdin");
		}
		out[strcspn(out, "\r\n")] = '\0';
		return out[0] == '\0' ? uccn_cli_fail(cli, UCCN_CLI_USAGE, "the password is empty")
				      : 0;
	}
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "cannot read the terminal: %s", strerror(errno));
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	char again[UCCN_AUTH_PASSWORD_MAX + 2];
	int status = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	fputs("Password: ", stderr);
	if (fgets(out, (int)len, stdin) == NULL) {
		status = -1;
	}
	fputs("\nAgain: ", stderr);
	if (status == 0 && fgets(again, sizeof(again), stdin) == NULL) {
		status = -1;
	}
	fputs("\n", stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (status < 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "no password given");
	}
	out[strcspn(out, "\r\n")] = '\0';
	again[strcspn(again, "\r\n")] = '\0';
	if (strcmp(out, again) != 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "the two passwords differ");
	}
	return out[0] == '\0' ? uccn_cli_fail(cli, UCCN_CLI_USAGE, "the password is empty") : 0;
}

static void print_user(void *arg, const char *name) {
	(void)arg;
	printf("%s\n", name);
}

int uccn_cmd_user(struct uccn_cli *cli, int argc, char **argv) {
	bool from_stdin = false;
	const struct uccn_cli_option opts[] = {
		{"password-stdin", 0, &from_stdin, NULL},
		{NULL, 0, NULL, NULL},
	};
	char *pos[2];
	size_t npos;
	bool done;
	int status = uccn_cli_parse(cli, argc, argv, opts, user_usage, pos, 2, &npos, &done);
	if (status != 0 || done) {
		return status;
	}
	if (npos == 0) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "expected add, passwd, list or remove");
	}
	/* The accounts belong to a node: its home must hold one. */
	struct uccn_node *node = NULL;
	if ((status = uccn_cli_open_node(cli, &node)) != 0) {
		return status;
	}
	uccn_node_close(node);
	const char *what = pos[0];
	if (strcmp(what, "list") == 0) {
		if (npos != 1) {
			return uccn_cli_fail(cli, UCCN_CLI_USAGE, "list takes no argument");
		}
		int n = uccn_ui_user_list(cli->home, print_user, NULL);
		return n < 0 ? uccn_cli_fail(cli, UCCN_CLI_FAIL, "reading the accounts: %s",
				       uccn_strerror(n))
			     : 0;
	}
	bool add = strcmp(what, "add") == 0, passwd = strcmp(what, "passwd") == 0;
	if (!add && !passwd && strcmp(what, "remove") != 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_USAGE, "'%s' is not add, passwd, list or remove", what);
	}
	if (npos != 2) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "%s takes one account NAME", what);
	}
	const char *name = pos[1];
	int err;
	if ((add || passwd) && !uccn_ui_user_name_ok(name)) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is not an account name (1-64 of A-Z a-z 0-9 . _ - @)", name);
	}
	if (add || passwd) {
		char password[UCCN_AUTH_PASSWORD_MAX + 2];
		if ((status = read_password(cli, from_stdin, password, sizeof(password))) != 0) {
			return status;
		}
		err = uccn_ui_user_add(cli->home, name, password, passwd);
		memset(password, 0, sizeof(password));
	} else {
		err = uccn_ui_user_remove(cli->home, name);
	}
	switch (err) {
	case UCCN_OK:
		return 0;
	case UCCN_EEXIST:
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "account '%s' exists already", name);
	case UCCN_ENOTFOUND:
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "no account '%s'", name);
	case UCCN_EINVAL:
		return uccn_cli_fail(cli, UCCN_CLI_USAGE,
			"'%s' is not an account name (1-64 of A-Z a-z 0-9 . _ - @), or the "
			"password "
			"is longer than %d bytes",
			name, UCCN_AUTH_PASSWORD_MAX);
	default:
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "writing the accounts: %s", uccn_strerror(err));
	}
}

/* --- serve --ui --------------------------------------------------------------------------- */

static bool is_dir_with_page(const char *dir) {
	char index[PATH_MAX];
	struct stat st;
	return dir != NULL && dir[0] != '\0' &&
	       snprintf(index, sizeof(index), "%s/index.html", dir) < (int)sizeof(index) &&
	       stat(index, &st) == 0 && S_ISREG(st.st_mode);
}

/* The page's folder: --ui-dir, else $UCCN_UI_DIR, else the source tree's when this program
 * runs from its build folder, else the installed one. */
static const char *page_dir(const char *given) {
	if (given != NULL) {
		return given;
	}
	const char *env = getenv("UCCN_UI_DIR");
	if (env != NULL && env[0] != '\0') {
		return env;
	}
#if defined(UCCN_BUILD_ROOT) && defined(UCCN_UI_SOURCE_DIR)
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		size_t root = strlen(UCCN_BUILD_ROOT);
		if (strncmp(exe, UCCN_BUILD_ROOT, root) == 0 && exe[root] == '/') {
			return UCCN_UI_SOURCE_DIR;
		}
	}
#endif
#ifdef UCCN_UI_DATADIR
	return UCCN_UI_DATADIR;
#else
	return "/usr/share/uccn/ui";
#endif
}

int uccn_ui_serve(struct uccn_cli *cli, struct uccn_node *node, struct uccn_net *net,
	const char *host, uint16_t port, const char *dir, bool secure, struct uccn_ui **out) {
	const char *static_dir = page_dir(dir);
	if (!is_dir_with_page(static_dir)) {
		uccn_log(UCCN_LOG_WARN,
			"serve: no page in %s (index.html): the API alone is served", static_dir);
	}
	struct uccn_ui_options o = {
		.node = node,
		.net = net,
		.home = cli->home,
		.static_dir = static_dir,
		.host = host,
		.port = port,
		.secure = secure,
	};
	char why[256] = "";
	struct uccn_ui *ui = NULL;
	int err = uccn_ui_create(&o, &ui, why, sizeof(why));
	if (err < 0) {
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "--ui: %s", why[0] != '\0' ? why : uccn_strerror(err));
	}
	uint16_t bound = 0;
	err = uccn_net_listen_http(net, host, port, uccn_ui_handle, ui, &bound);
	if (err < 0) {
		uccn_ui_destroy(ui);
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "--ui: cannot serve on %s port %u: %s",
			host, (unsigned)port, uccn_strerror(err));
	}
	/* The Host check needs the port actually bound (port 0 picks one). */
	uccn_ui_set_port(ui, bound);
	char url[INET6_ADDRSTRLEN + 32];
	bool v6 = strchr(host, ':') != NULL;
	snprintf(url, sizeof(url), v6 ? "%s://[%s]:%u" : "%s://%s:%u", secure ? "https" : "http",
		host, (unsigned)bound);
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/%s", cli->home, UCCN_UI_URL_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%s\n", url) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		uccn_ui_destroy(ui);
		return uccn_cli_fail(
			cli, UCCN_CLI_FAIL, "--ui: cannot write %s: %s", path, strerror(errno));
	}
	printf("page on %s/ (log in: uccn --home %s ui --url)\n", url, cli->home);
	fflush(stdout);
	*out = ui;
	return 0;
}

void uccn_ui_serve_end(struct uccn_cli *cli, struct uccn_ui *ui) {
	if (ui == NULL) {
		return;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", cli->home, UCCN_UI_URL_FILE);
	unlink(path);
	uccn_ui_destroy(ui);
}
