/* cli.h - what the uccn program's command files share: the run's settings, the one-line error
 * rule, option parsing, home resolution, and the conversions between uccn values, text and
 * JSON. Private to tools/; the program reaches the node only through include/uccn/. */
#ifndef TOOLS_CLI_H
#define TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <uccn/uccn.h>

/* Exit statuses: 0 success, 1 a failure, 2 a usage error. */
#define UCCN_CLI_FAIL 1
#define UCCN_CLI_USAGE 2

/* One setting of the configuration file and where it came from ("FILE:LINE"). */
struct uccn_cli_setting {
	bool set;
	char value[512];
	char source[4200];
};

#define UCCN_CLI_PEERS_MAX 64

/* The configuration file read when neither --config nor UCCN_CONFIG names one (meson sets it
 * from the prefix: /etc/uccn/uccn.conf for /usr). */
#ifndef UCCN_CONFIG_FILE
#define UCCN_CONFIG_FILE "/etc/uccn/uccn.conf"
#endif

/* The configuration file as read (tools/cli_config.c): what it set, line by line. */
struct uccn_cli_config {
	char path[4096];
	char path_source[16]; /* "--config", "UCCN_CONFIG" or "default" */
	bool file_read;       /* false: no file (the default path does not exist) */
	struct uccn_cli_setting home, listen, log_level, idle_timeout;
	struct uccn_cli_setting peers[UCCN_CLI_PEERS_MAX]; /* "URL [KEY]" */
	size_t npeers;
};

/* The settings of one run of the program. */
struct uccn_cli {
	const char *home; /* --home, or NULL until uccn_cli_resolve_home() */
	bool verbose;
	enum uccn_log_level log_level;   /* --log-level; UCCN_LOG_SILENT: not given */
	enum uccn_log_level log_default; /* the command's own, without -v or --log-level */
	enum uccn_log_level log_print;   /* what goes to stderr (uccn_cli_log_init) */
	bool log_journal;                /* stderr is the journal: "<N>" priority prefixes */
	const char *command; /* the command being run, for messages */
	char home_buf[4096];
	char last_error[1024]; /* the last ERROR-level message the library logged */
	struct uccn_cli_config config;
};

/* A command: argv[0] is the command name. Returns the exit status. */
typedef int (*uccn_cli_command_fn)(struct uccn_cli *cli, int argc, char **argv);

int uccn_cmd_init(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_whoami(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_join(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_backup(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_restore(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_resume_signing(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_put(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_get(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_list(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_delete(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_history(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_export(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_import(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_verify(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_held(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_designate(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_withdraw(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_role(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_rotate_key(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_confirm_rotation(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_revoke(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_relay(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_applications(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_reports(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_registry(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_registry_witness_add(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_registry_witness_submit(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_serve(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_sync(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_peer(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_status(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_ui(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_user(struct uccn_cli *cli, int argc, char **argv);
int uccn_cmd_health(struct uccn_cli *cli, int argc, char **argv);

/* The node's record of sessions (cmd_health.c), the most recent first: printed as text under a
 * heading when out is NULL, else appended to the array out as JSON objects. serving says
 * whether a serve runs on the home (a session it had not ended is live, else cut short).
 * *count receives how many. UCCN_OK or the error. */
int uccn_cli_sessions(struct uccn_node *node, bool serving, json_t *out, size_t *count);
/* The last max sessions that ended (uccn_net_session_history), as text lines under a heading,
 * or appended to the array out as JSON objects. UCCN_OK or the error. */
int uccn_cli_session_log(struct uccn_node *node, size_t max, json_t *out);
/* A split view's fault (uccn_node_split_views) as JSON. Caller owns it. */
json_t *uccn_cli_fault_json(const struct uccn_fault *f);

/* Whether a serve holds the lock of home now, and its pid (0 if it did not say). */
bool uccn_cli_serve_running(const char *home, int64_t *pid);

/* Reads the configuration file into cfg: flag_path (--config) if not NULL, else $UCCN_CONFIG,
 * else the default path if it exists. Returns 0, or the status after the error line (a file
 * named that cannot be read; an unknown section or key, or a bad value: FILE:LINE says where). */
int uccn_cli_config_load(struct uccn_cli *cli, struct uccn_cli_config *cfg, const char *flag_path);

/* Reads cfg's file again (SIGHUP): on success replaces cfg and returns 0; otherwise leaves cfg
 * as it was and returns a status with why saying what is wrong. */
int uccn_cli_config_reload(struct uccn_cli_config *cfg, char *why, size_t why_len);

/* Tells systemd how serve is doing (sd_notify: "READY=1", "RELOADING=1", "STOPPING=1");
 * nothing when not run by systemd (tools/cli_systemd.c). */
void uccn_cli_notify(const char *state);

/* Reads a number of seconds (0 < s <= 86400, fractions allowed) as milliseconds. */
bool uccn_cli_parse_seconds(const char *text, uint64_t *ms);

/* serve's flags, NULL (false) when not given. */
struct uccn_cli_serve_flags {
	const char *listen, *idle_timeout;
	const char *ui, *ui_dir; /* the web page's address and folder */
	bool ui_secure;
};

/* Parses serve's flags (--listen, --idle-timeout, --ui, --ui-dir, --ui-secure; `uccn config`
 * takes them too, to show what serve would do) and no positional argument, as uccn_cli_parse
 * does. */
int uccn_cli_parse_serve_flags(struct uccn_cli *cli, int argc, char **argv, const char *usage,
	struct uccn_cli_serve_flags *flags, bool *done);

int uccn_cmd_config(struct uccn_cli *cli, int argc, char **argv);

/* Installs the log handler (tools/cli_log.c): to stderr the messages at --log-level, else every
 * one with --verbose, else those at the command's log_default, one line each ("uccn: LEVEL:
 * message", or "<PRIORITY>message" when stderr is the journal); the last ERROR-level one is
 * kept in cli->last_error either way. */
void uccn_cli_log_init(struct uccn_cli *cli);

/* The level called name ("error", "warning", "info", "debug"); false for anything else. */
bool uccn_cli_log_level(const char *name, enum uccn_log_level *out);
/* The name of a level, as uccn_cli_log_level reads it. */
const char *uccn_cli_log_level_name(enum uccn_log_level level);

/* Prints the run's one error line, "uccn: <command>: <reason>", and returns status. When the
 * library logged an error since the last call, its text is added in brackets unless the reason
 * already contains it. */
int uccn_cli_fail(struct uccn_cli *cli, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A failed call's reason in words: msg (uccn_node_errmsg, a struct uccn_error's), or the code's
 * message when msg is empty. */
const char *uccn_cli_reason(const char *msg, int err);

/* Forgets the library's last logged error (before a call whose failure is reported). */
void uccn_cli_clear_error(struct uccn_cli *cli);

/* One option a command accepts. Exactly one of flag or value is set: a flag takes no argument,
 * a value takes one ("--json FILE" or "--json=FILE"). */
struct uccn_cli_option {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0: none */
	bool *flag;
	const char **value;
};

/* Splits argv[1..] (argv[0] is the command) into options and positional arguments, wherever
 * the options stand; "--" ends the options and "-" alone is positional. --help, --home DIR and
 * -v/--verbose are accepted by every command. Positionals are packed into pos (cap entries),
 * their count into *npos. On --help prints usage to stdout and returns 0 with *done set; on a
 * bad option prints the error line and returns UCCN_CLI_USAGE. Otherwise returns 0. */
int uccn_cli_parse(struct uccn_cli *cli, int argc, char **argv, const struct uccn_cli_option *opts,
	const char *usage, char **pos, size_t cap, size_t *npos, bool *done);

/* The opening of a command that takes no arguments but options and works on the node: the
 * command line parsed with opts (may be NULL), then the node opened into *node (close it with
 * uccn_node_close). Returns 0, with *done set and no node when --help was answered, or the exit
 * status of the error line. */
int uccn_cli_parse_and_open(struct uccn_cli *cli, int argc, char **argv,
	const struct uccn_cli_option *opts, const char *usage, struct uccn_node **node, bool *done);

/* Resolves the home: --home, else $UCCN_HOME, else the configuration file's home, else
 * $XDG_DATA_HOME/uccn, else $HOME/.local/share/uccn. Returns 0 or the status of the printed
 * error. */
int uccn_cli_resolve_home(struct uccn_cli *cli);

/* Resolves the home and opens its node, printing the error line on failure. Returns 0 or the
 * exit status. */
int uccn_cli_open_node(struct uccn_cli *cli, struct uccn_node **out);

/* The current wall-clock time in milliseconds since the Unix epoch. */
uint64_t uccn_cli_now_ms(void);

/* Makes room for one more item (of size bytes) after the n in items, of room for *cap: the
 * array, grown to twice the room (64 at first) when full and *cap updated, or NULL when memory
 * runs out (items and *cap then unchanged). For the commands that collect rows. */
void *uccn_cli_grow(void *items, size_t n, size_t *cap, size_t size);

/* Parses a public key given on the command line as 64 hex digits; on anything else prints the
 * error line naming what (an argument or option name) and returns false. */
bool uccn_cli_parse_key(
	struct uccn_cli *cli, const char *what, const char *text, uint8_t out[UCCN_KEY_BYTES]);

/* Whether all len bytes are zero. */
bool uccn_cli_is_zero(const uint8_t *bytes, size_t len);

/* Writes an HLC's wall-clock time as "YYYY-MM-DDTHH:MM:SSZ" (UTC); buf needs 32 bytes. */
void uccn_cli_format_hlc(uint64_t hlc, char *buf, size_t buf_len);

/* Writes text to f with control characters other than newline and tab shown as '?', so a
 * record from another city cannot drive the terminal. flat also turns newlines and tabs into
 * spaces (for one-line listings). */
void uccn_cli_print_text(FILE *f, const char *text, size_t len, bool flat);

/* Writes a value as text: lists joined by sep, strings as uccn_cli_print_text. */
void uccn_cli_print_value(FILE *f, const struct uccn_value *v, const char *sep, bool flat);

/* Writes one field of a record as `get` shows it: "  NAME: VALUE" on one line, or, for a text
 * of several lines, "  NAME:" and then each of its lines indented by four spaces (a blank line
 * stays blank, a CR before a line's end is dropped), so paragraphs read as they were written
 * and no line of the text can pass for another field. */
void uccn_cli_print_field(FILE *f, const struct uccn_field *field);

/* Writes one field as NAME=VALUE that reads back as one 'uccn put' argument in a POSIX shell.
 * Lists are joined by commas. The value is put in double quotes, with " \ $ and ` escaped, when
 * it is empty or holds anything but letters, digits, non-ASCII text and ._-:/+@%= (so a comma
 * inside a list item, or in a string, is quoted too). A NIL value prints as NAME= (which removes
 * the field). Newlines and tabs print as spaces and other control characters as '?', so the
 * assignment stays on one line. */
void uccn_cli_print_assignment(FILE *f, const struct uccn_field *field);

/* A new JSON value for v (strings kept UTF-8; bytes that are not UTF-8 become U+FFFD), or
 * NULL when out of memory. Caller owns it (json_decref). */
json_t *uccn_cli_value_to_json(const struct uccn_value *v);
/* A JSON string from len bytes, repaired like uccn_cli_value_to_json. */
json_t *uccn_cli_json_string(const char *s, size_t len);

/* The record as the JSON object `get --json` prints. Caller owns it. */
json_t *uccn_cli_record_to_json(const struct uccn_record *r);

/* Prints j followed by a newline: compact (one JSON line) or indented. Returns 0 or the exit
 * status after an error line. */
int uccn_cli_print_json(struct uccn_cli *cli, json_t *j, bool indent);

/* A listing printed as JSON (cli_json.c): --json gathers the items into one array printed at the
 * end (indented), --jsonl prints each as one compact line at once. */
struct uccn_cli_emit {
	struct uccn_cli *cli;
	bool json, jsonl;
	json_t *array;
	int status; /* the first error's exit status */
};
/* Starts a listing; both flags at once is a usage error (the line is printed). Returns 0 or the
 * exit status. */
int uccn_cli_emit_begin(struct uccn_cli *cli, struct uccn_cli_emit *e, bool json, bool jsonl);
/* Adds one item (taken; NULL: out of memory). Returns 0 or the exit status after the error
 * line; after an error, items are dropped. */
int uccn_cli_emit(struct uccn_cli_emit *e, json_t *item);
/* Ends the listing: prints the array for --json when print (false: the listing failed and
 * printed its error). Returns 0 or the exit status. */
int uccn_cli_emit_end(struct uccn_cli_emit *e, bool print);
/* A 64-bit value as a JSON string of decimal digits: JavaScript (and jq) round numbers past
 * 2^53, and an hlc is past it. */
json_t *uccn_cli_json_u64(uint64_t v);

/* Converts one JSON member into the field spec's value: strings, integers, arrays of them,
 * null. Items go to items[*nitems...] (cap in all) and strings borrow j. Returns UCCN_OK or
 * UCCN_ESCHEMA with why naming the field. */
int uccn_cli_json_to_value(const struct uccn_field_spec *spec, json_t *j, struct uccn_value *out,
	struct uccn_value *items, size_t items_cap, size_t *nitems, char *why, size_t why_len);

/* Reads one option's text as the scalar field of kind (the way 'put' reads NAME=VALUE, so
 * "Media Arts" gives "media_arts") and checks it against the schema, so a mistake names the
 * option before anything is written. Empty text is refused. A string value is copied into buf
 * (buf_len bytes) and out->str points there; an integer is in out->i. Returns 0, or the status
 * after printing the error line. */
int uccn_cli_option_value(struct uccn_cli *cli, const char *option, const char *kind,
	const char *field, const char *text, struct uccn_value *out, char *buf, size_t buf_len);

/* As uccn_cli_option_value, without printing: UCCN_ESCHEMA (or another code) with the reason
 * in why (not naming the field). */
int uccn_cli_text_value(const char *kind, const char *field, const char *text,
	struct uccn_value *out, char *buf, size_t buf_len, char *why, size_t why_len);

/* Prints one fault found by a verification, as one line: "fault AUTHOR seq N: reason". */
void uccn_cli_print_fault(FILE *f, const struct uccn_fault *fault);

/* Opens a new temporary file beside path (mode 0666 less the umask), to be renamed over path
 * once complete; its name goes to tmp. NULL with errno set on failure. */
FILE *uccn_cli_open_temp(const char *path, char *tmp, size_t tmp_len);

/* Reads a whole file ("-": stdin) into *out. Returns 0 or -1 with errno set. */
int uccn_cli_read_file(const char *path, struct uccn_bytes *out);

/* " (did you mean 'status'?)", or " (did you mean 'a' or 'b'?)", naming the names nearest to
 * typed[0, len) (a slip of a character or two, or the start of one), or "" when none is near;
 * into out (out_len bytes). */
void uccn_cli_suggest(const char *typed, size_t len, const char *const *names, size_t n,
	char *out, size_t out_len);

/* `put KIND [ID] --edit` (cli_edit.c): the fields the user wrote in the editor. */
struct uccn_cli_edit {
	char path[4096]; /* the file edited: kept when the put fails, named in the error line */
	bool keep;       /* kept already (the edit itself failed) */
	char *text;      /* the file as saved; values point into it */
	size_t n;
	struct {
		const struct uccn_field_spec *spec;
		const char *value; /* as 'put' reads NAME=VALUE; "" removes the field */
	} f[UCCN_FIELDS_MAX];
};
/* Writes a template of kind k (the record's values when id is not NULL) to a new file, runs
 * $EDITOR (else `editor`, else `vi`) on it and reads back the fields written (for a new
 * record) or changed (for id). Returns 0 or the exit status after the error line. Call
 * uccn_cli_edit_finish in every case. */
int uccn_cli_edit(struct uccn_cli *cli, struct uccn_node *node, const struct uccn_kind_spec *k,
	const char *id, struct uccn_cli_edit *e);
/* Frees e; removes the file unless keep (the put failed: the user's text stays there). */
void uccn_cli_edit_finish(struct uccn_cli_edit *e, bool keep);

/* The comma-separated names of every kind, or of kind k's fields, into buf. */
void uccn_cli_kind_names(char *buf, size_t len);
void uccn_cli_field_names(const struct uccn_kind_spec *k, char *buf, size_t len);

/* The kind called name, or NULL after printing the error line (listing the kinds). */
const struct uccn_kind_spec *uccn_cli_kind(struct uccn_cli *cli, const char *name);

/* Checks a record id given on the command line; prints the error line if it is not one. */
bool uccn_cli_check_id(struct uccn_cli *cli, const char *id);

/* What the registry's command files (cmd_secretariat.c, cmd_registry.c) share. */

/* A key shown in a line of text: its first 16 hex digits and an ellipsis. */
struct uccn_cli_short_key {
	char s[2 * 8 + 4];
};

struct uccn_cli_short_key uccn_cli_short_key(const uint8_t key[UCCN_KEY_BYTES]);

/* s, or "" for NULL. */
const char *uccn_cli_or_empty(const char *s);

/* Prints the tree head as the listing, verify and check state it. */
void uccn_cli_print_tree_head(FILE *f, const struct uccn_tree_head *h);

/* What the registry says of one city, copied out of the borrowed member. */
struct uccn_cli_member {
	bool found;
	char name[256];
	bool active;
	uint64_t cutoff;
	uint8_t key[UCCN_KEY_BYTES]; /* the key it signs with now */
};

/* Looks a city up by its designation key (or its current key), for the report of a write. */
struct uccn_cli_member uccn_cli_lookup_member(
	struct uccn_node *node, const uint8_t city[UCCN_KEY_BYTES]);

/* Parses the key arguments of a command: exactly want of them, named by what in errors. Returns
 * 0 or the exit status after the error line. */
int uccn_cli_key_args(struct uccn_cli *cli, char **pos, size_t npos, size_t want,
	const char *names, const char *const *what, uint8_t (*keys)[UCCN_KEY_BYTES]);

/* Fails (the exit status after the error line) when a required option is missing, else 0. */
int uccn_cli_require(
	struct uccn_cli *cli, const char *const *names, const char *const *values, size_t n);

/* Characters on screen, roughly (UTF-8 continuation bytes take no column), for columns. */
size_t uccn_cli_text_width(const char *s);

/* Parses a duration: a number and a unit, s, m, h, d or w ("30d", "12h"), into *ms. */
bool uccn_cli_parse_duration(const char *text, uint64_t *ms);
/* Writes a duration for a message ("41d 3h", "5h 12m", "3m 20s"). */
void uccn_cli_format_duration(uint64_t ms, char *buf, size_t len);

#endif
