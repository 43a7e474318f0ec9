/* cli_json.c - how list commands print JSON: with --json one document, an array of the items,
 * once the listing is complete; with --jsonl one compact object per line as each item comes
 * (a stream for jq, grep or a log). */
#include "tools/cli.h"

int uccn_cli_emit_begin(struct uccn_cli *cli, struct uccn_cli_emit *e, bool json, bool jsonl) {
	*e = (struct uccn_cli_emit){.cli = cli, .json = json, .jsonl = jsonl};
	if (json && jsonl) {
		return uccn_cli_fail(cli, UCCN_CLI_USAGE, "--json and --jsonl do not go together");
	}
	if (json && (e->array = json_array()) == NULL) {
		return uccn_cli_fail(cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	return 0;
}

int uccn_cli_emit(struct uccn_cli_emit *e, json_t *item) {
	if (e->status != 0) {
		json_decref(item);
		return e->status;
	}
	if (e->jsonl) {
		e->status = uccn_cli_print_json(e->cli, item, false);
		json_decref(item);
	} else if (item == NULL || json_array_append_new(e->array, item) < 0) {
		e->status = uccn_cli_fail(e->cli, UCCN_CLI_FAIL, "%s", uccn_strerror(UCCN_ENOMEM));
	}
	return e->status;
}

int uccn_cli_emit_end(struct uccn_cli_emit *e, bool print) {
	int status = e->status;
	if (status == 0 && print && e->json) {
		status = uccn_cli_print_json(e->cli, e->array, true);
	}
	json_decref(e->array);
	e->array = NULL;
	return status;
}

json_t *uccn_cli_json_u64(uint64_t v) {
	char text[24];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return json_string(text);
}
