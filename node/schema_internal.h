/* schema_internal.h - what the library alone calls of node/schema.c: the checks with the
 * reason written into a caller's buffer (the public ones fill a struct uccn_error), and the feed
 * a change belongs to. Not part of the public API (<uccn/schema.h> is). */
#ifndef NODE_SCHEMA_INTERNAL_H
#define NODE_SCHEMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <uccn/change.h>
#include <uccn/schema.h>

/* uccn_schema_check_field, _change and _together, the reason written into why (may be NULL). */
UCCN_NODISCARD int uccn_schema_validate_field(
	const struct uccn_kind_spec *k, const struct uccn_field *f, char *why, size_t why_len);
UCCN_NODISCARD int uccn_schema_validate_change(
	const struct uccn_change *c, char *why, size_t why_len);
UCCN_NODISCARD int uccn_schema_validate_together(const struct uccn_kind_spec *k,
	const struct uccn_field *fields, size_t nfields, char *why, size_t why_len);

/* Feeds (PROTOCOL.md §4.5): each author's changes form one hash chain per feed. A change's feed
 * is its kind, followed by UCCN_FEED_SECRETARIAT when it travels to the Secretariat alone: every
 * report, and a change that sets `audience` to UCCN_AUDIENCE_SECRETARIAT. */
#define UCCN_FEED_SECRETARIAT "@secretariat"
void uccn_schema_feed(const struct uccn_change *c, char out[UCCN_FEED_MAX + 1]);
/* Whether a feed name is one that goes to the Secretariat alone. */
bool uccn_schema_feed_is_secretariat(const char *feed);
/* The kind a feed carries, into out; returns its length. */
size_t uccn_schema_feed_kind(const char *feed, char out[UCCN_KIND_MAX + 1]);

#endif
