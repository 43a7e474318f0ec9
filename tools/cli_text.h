/* cli_text.h - the command line's text for a field, parsed into a uccn value (cli_text.c).
 * Private to tools/. */
#ifndef TOOLS_CLI_TEXT_H
#define TOOLS_CLI_TEXT_H

#include <stddef.h>

#include <uccn/change.h>
#include <uccn/schema.h>

/* Parses the command-line text of one field ("4,11" for SDGS, "music" for FIELD) into *out.
 * List items go to items[*nitems...] (room for items_cap in all) and borrow text. why must not be
 * NULL. An empty text gives NIL (removes the field). Returns UCCN_OK or UCCN_ESCHEMA with the
 * reason in why. */
UCCN_NODISCARD int uccn_cli_parse_text(const struct uccn_field_spec *spec, const char *text,
	struct uccn_value *out, struct uccn_value *items, size_t items_cap, size_t *nitems,
	char *why, size_t why_len);

#endif
