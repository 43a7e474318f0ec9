/* schema.h - the record kinds of the network and the rules for their fields. Pure data and
 * checks: no storage, no I/O. The same rules run on a local edit and on every received change.
 * A check gives its reason in words through a struct uccn_error (<uccn/error.h>), which may be
 * NULL. */
#ifndef UCCN_SCHEMA_H
#define UCCN_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

enum uccn_type {
	UCCN_TYPE_TEXT, /* UTF-8 string, no NUL, up to 16 KiB */
	UCCN_TYPE_INT,  /* integer in [min, max] */
	UCCN_TYPE_DATE, /* "YYYY-MM-DD", a real calendar date */
	UCCN_TYPE_URL,  /* "http://..." or "https://..." */
	UCCN_TYPE_KEY,  /* an Ed25519 public key: 64 lowercase hex digits, a point of the curve */
	UCCN_TYPE_COUNTRY, /* ISO 3166-1 alpha-2: two capital letters */
	UCCN_TYPE_CHOICE,  /* one string out of choices */
	UCCN_TYPE_FIELD,   /* one of the seven creative fields */
	UCCN_TYPE_FIELDS,  /* list of creative fields */
	UCCN_TYPE_SDGS,    /* list of Sustainable Development Goals, integers 1-17 */
	UCCN_TYPE_TEXTS,   /* list of short texts */
	UCCN_TYPE_KEYS,    /* list of public keys */
	UCCN_TYPE_HASH,    /* a hash: 64 lowercase hex digits */
	UCCN_TYPE_PERIOD,  /* four years: "YYYY-YYYY", the second year the first + 4 */
};

struct uccn_field_spec {
	const char *name;
	enum uccn_type type;
	bool required;              /* must be given when the record is created */
	const char *const *choices; /* CHOICE: NULL-terminated */
	int64_t min, max;           /* INT */
	const char *help;
};

struct uccn_kind_spec {
	const char *name;
	const char *writer; /* who writes it, for --help */
	const char *title;  /* the field that names a record in listings */
	size_t nfields;
	const struct uccn_field_spec *fields;
};

/* The seven creative fields, NULL-terminated, in their wire spelling ("crafts_folk_art", ...). */
extern const char *const uccn_creative_fields[];

/* All kinds; *count receives how many. Static storage. */
const struct uccn_kind_spec *uccn_schema_kinds(size_t *count);

/* The kind called name, or NULL. */
const struct uccn_kind_spec *uccn_schema_kind(const char *name);

/* The field of kind k called name (len bytes), or NULL. */
const struct uccn_field_spec *uccn_schema_field(
	const struct uccn_kind_spec *k, const char *name, size_t len);

/* Checks one field of a put against kind k. NIL is allowed here (it removes the field);
 * whether the field may be removed (not if required) is uccn_schema_check_change's rule.
 * Returns UCCN_OK, or UCCN_ESCHEMA with a message naming the field in err. */
UCCN_NODISCARD int uccn_schema_check_field(
	const struct uccn_kind_spec *k, const struct uccn_field *f, struct uccn_error *err);

/* Checks a decoded change: a known kind, a valid id, and every field known and well-typed; a
 * delete carries no fields; a put removes no required field and its fields agree with one
 * another (uccn_schema_check_together). Returns UCCN_OK or UCCN_ESCHEMA with the reason in err. */
UCCN_NODISCARD int uccn_schema_check_change(const struct uccn_change *c, struct uccn_error *err);

/* The rules between the fields of one record of kind k (PROTOCOL.md §9.2): a last day not
 * before the first (event and project ends/starts, role to/from), where both are among fields
 * and not NIL. Fields are assumed checked one by one already. A change is checked on its own
 * fields; a node about to edit its record checks the record as the edit would leave it. */
UCCN_NODISCARD int uccn_schema_check_together(const struct uccn_kind_spec *k,
	const struct uccn_field *fields, size_t nfields, struct uccn_error *err);

/* Whether id is a valid record id: 1..UCCN_ID_MAX bytes of [A-Za-z0-9._:-]. */
bool uccn_schema_is_valid_id(const char *id);

/* The name of a type, for messages and --help ("list of SDGs 1-17"). */
const char *uccn_schema_type_name(enum uccn_type t);

/* The value of `audience` that sends a record to the Secretariat alone (PROTOCOL.md §4.5). */
#define UCCN_AUDIENCE_SECRETARIAT "secretariat"

#endif
