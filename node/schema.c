/* schema.c - the record kinds of the network and the checks on their fields. Pure data and
 * functions of their arguments: no storage, no I/O, no allocation, no globals that change.
 * Whether an author may write a record is decided elsewhere (ownership and membership); this
 * file only says whether a change is well-formed. */
#include <uccn/schema.h>

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/text.h>

#include "node/crypto.h"
#include "node/error_internal.h"
#include "node/schema_internal.h"
#include "proto/change_internal.h"

#define URL_MAX 2048
#define TEXTS_ITEM_MAX 256
#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 2200
#define KEY_HEX_LEN (2 * UCCN_KEY_BYTES)
#define NFIELDS_CREATIVE 7

const char *const uccn_creative_fields[] = {
	"crafts_folk_art",
	"design",
	"film",
	"gastronomy",
	"literature",
	"media_arts",
	"music",
	NULL,
};

static const char *const designation_status[] = {"active", "withdrawn", NULL};
static const char *const project_types[] = {"north-south", "south-south", "north-south-south",
	"city-to-city", "sub-network", "cross-field", NULL};
static const char *const project_status[] = {"planned", "ongoing", "completed", "cancelled", NULL};
static const char *const audiences[] = {"secretariat", NULL};
static const char *const role_roles[] = {"coordinator", "deputy", NULL};

static const struct uccn_field_spec designation_fields[] = {
	{.name = "city", .type = UCCN_TYPE_KEY, .required = true, .help = "the city's public key"},
	{.name = "name", .type = UCCN_TYPE_TEXT, .required = true, .help = "the city's name"},
	{.name = "country", .type = UCCN_TYPE_COUNTRY, .required = true, .help = "its country"},
	{.name = "field",
		.type = UCCN_TYPE_FIELD,
		.required = true,
		.help = "the creative field it is designated in"},
	{.name = "year",
		.type = UCCN_TYPE_INT,
		.required = true,
		.min = 2004,
		.max = 2100,
		.help = "the year of designation"},
	{.name = "status",
		.type = UCCN_TYPE_CHOICE,
		.required = true,
		.choices = designation_status,
		.help = "active or withdrawn"},
	{.name = "reason", .type = UCCN_TYPE_TEXT, .help = "why the status changed"},
	{.name = "cutoff",
		.type = UCCN_TYPE_INT,
		.min = 0,
		.max = INT64_C(1) << 62,
		.help = "the city's last sequence kept after a withdrawal"},
};

static const struct uccn_field_spec city_fields[] = {
	{.name = "name", .type = UCCN_TYPE_TEXT, .required = true, .help = "the city's name"},
	{.name = "country", .type = UCCN_TYPE_COUNTRY, .required = true, .help = "its country"},
	{.name = "field",
		.type = UCCN_TYPE_FIELD,
		.required = true,
		.help = "the creative field it is designated in"},
	{.name = "website", .type = UCCN_TYPE_URL, .help = "the city's creative city website"},
	{.name = "focal_point", .type = UCCN_TYPE_TEXT, .help = "who answers for the city"},
	{.name = "email", .type = UCCN_TYPE_TEXT, .help = "how to reach the focal point"},
	{.name = "description", .type = UCCN_TYPE_TEXT, .help = "the city in a few paragraphs"},
};

static const struct uccn_field_spec best_practice_fields[] = {
	{.name = "title", .type = UCCN_TYPE_TEXT, .required = true, .help = "what it is called"},
	{.name = "summary", .type = UCCN_TYPE_TEXT, .help = "what was done and what came of it"},
	{.name = "fields", .type = UCCN_TYPE_FIELDS, .help = "the creative fields involved"},
	{.name = "sdgs",
		.type = UCCN_TYPE_SDGS,
		.help = "the Sustainable Development Goals served"},
	{.name = "partners", .type = UCCN_TYPE_TEXTS, .help = "who took part"},
	{.name = "year",
		.type = UCCN_TYPE_INT,
		.min = 2004,
		.max = 2100,
		.help = "the year it took place"},
	{.name = "url", .type = UCCN_TYPE_URL, .help = "where to read more"},
	{.name = "audience",
		.type = UCCN_TYPE_CHOICE,
		.choices = audiences,
		.help = "secretariat: travels to the Secretariat alone, never to a peer city"},
};

static const struct uccn_field_spec event_fields[] = {
	{.name = "title", .type = UCCN_TYPE_TEXT, .required = true, .help = "the event's name"},
	{.name = "starts", .type = UCCN_TYPE_DATE, .required = true, .help = "the first day"},
	{.name = "ends", .type = UCCN_TYPE_DATE, .help = "the last day"},
	{.name = "place", .type = UCCN_TYPE_TEXT, .help = "where it happens"},
	{.name = "fields", .type = UCCN_TYPE_FIELDS, .help = "the creative fields involved"},
	{.name = "description", .type = UCCN_TYPE_TEXT, .help = "what happens"},
	{.name = "url", .type = UCCN_TYPE_URL, .help = "where to read more"},
	{.name = "sdgs",
		.type = UCCN_TYPE_SDGS,
		.help = "the Sustainable Development Goals served"},
	{.name = "audience",
		.type = UCCN_TYPE_CHOICE,
		.choices = audiences,
		.help = "secretariat: travels to the Secretariat alone, never to a peer city"},
};

static const struct uccn_field_spec project_fields[] = {
	{.name = "title", .type = UCCN_TYPE_TEXT, .required = true, .help = "the project's name"},
	{.name = "partners", .type = UCCN_TYPE_TEXTS, .help = "who takes part"},
	{.name = "type",
		.type = UCCN_TYPE_CHOICE,
		.choices = project_types,
		.help = "the kind of cooperation"},
	{.name = "status",
		.type = UCCN_TYPE_CHOICE,
		.choices = project_status,
		.help = "where the project stands"},
	{.name = "starts", .type = UCCN_TYPE_DATE, .help = "the first day"},
	{.name = "ends", .type = UCCN_TYPE_DATE, .help = "the last day"},
	{.name = "sdgs",
		.type = UCCN_TYPE_SDGS,
		.help = "the Sustainable Development Goals served"},
	{.name = "fields", .type = UCCN_TYPE_FIELDS, .help = "the creative fields involved"},
	{.name = "summary", .type = UCCN_TYPE_TEXT, .help = "what the project does"},
	{.name = "editors", .type = UCCN_TYPE_KEYS, .help = "the partner cities that may edit it"},
	{.name = "audience",
		.type = UCCN_TYPE_CHOICE,
		.choices = audiences,
		.help = "secretariat: travels to the Secretariat alone, never to a peer city"},
};

static const struct uccn_field_spec report_fields[] = {
	{.name = "period",
		.type = UCCN_TYPE_PERIOD,
		.required = true,
		.help = "the four years covered, e.g. 2019-2023"},
	{.name = "achievements", .type = UCCN_TYPE_TEXT, .help = "what the city achieved"},
	{.name = "challenges", .type = UCCN_TYPE_TEXT, .help = "what stood in the way"},
	{.name = "opportunities", .type = UCCN_TYPE_TEXT, .help = "what lies ahead"},
	{.name = "action_plan", .type = UCCN_TYPE_TEXT, .help = "the plan for the next four years"},
	{.name = "audience",
		.type = UCCN_TYPE_CHOICE,
		.choices = audiences,
		.help = "always the Secretariat alone, whether set or not"},
};

static const struct uccn_field_spec role_fields[] = {
	{.name = "city", .type = UCCN_TYPE_KEY, .required = true, .help = "the city's public key"},
	{.name = "field",
		.type = UCCN_TYPE_FIELD,
		.required = true,
		.help = "the sub-network's creative field"},
	{.name = "role",
		.type = UCCN_TYPE_CHOICE,
		.required = true,
		.choices = role_roles,
		.help = "coordinator or deputy"},
	{.name = "from",
		.type = UCCN_TYPE_DATE,
		.required = true,
		.help = "the mandate's first day"},
	{.name = "to", .type = UCCN_TYPE_DATE, .required = true, .help = "the mandate's last day"},
};

static const char *const key_statuses[] = {"active", "rotated", "revoked", NULL};

/* The Secretariat's word on one key: whose it is and until when it signs. */
static const struct uccn_field_spec key_fields[] = {
	{.name = "city",
		.type = UCCN_TYPE_KEY,
		.required = true,
		.help = "the key the city was designated under"},
	{.name = "status",
		.type = UCCN_TYPE_CHOICE,
		.required = true,
		.choices = key_statuses,
		.help = "active, rotated or revoked"},
	{.name = "cutoff",
		.type = UCCN_TYPE_INT,
		.min = 0,
		.max = INT64_MAX,
		.help = "rotated or revoked: the key's last valid change"},
	{.name = "successor", .type = UCCN_TYPE_KEY, .help = "the key that replaces it"},
	{.name = "reason", .type = UCCN_TYPE_TEXT, .help = "why"},
};

/* A city's request to move to a new key, signed by its current key. */
static const struct uccn_field_spec rotation_fields[] = {
	{.name = "key", .type = UCCN_TYPE_KEY, .required = true, .help = "the new public key"},
};

/* A signed tree head over the registry (PROTOCOL.md): its time is the change's clock. */
static const struct uccn_field_spec treehead_fields[] = {
	{.name = "size",
		.type = UCCN_TYPE_INT,
		.required = true,
		.min = 0,
		.max = INT64_MAX,
		.help = "how many registry changes the tree holds"},
	{.name = "root",
		.type = UCCN_TYPE_HASH,
		.required = true,
		.help = "the Merkle tree's root hash (64 hex digits)"},
	{.name = "signature",
		.type = UCCN_TYPE_TEXT,
		.help = "the root's signature of the checkpoint (base64 key ID and signature)"},
};

/* A witness's cosignature of a checkpoint (PROTOCOL.md §9.11): each put is the newest. */
static const struct uccn_field_spec cosignature_fields[] = {
	{.name = "size",
		.type = UCCN_TYPE_INT,
		.required = true,
		.min = 0,
		.max = INT64_MAX,
		.help = "the checkpoint's size"},
	{.name = "root",
		.type = UCCN_TYPE_HASH,
		.required = true,
		.help = "the checkpoint's root hash (64 hex digits)"},
	{.name = "signature",
		.type = UCCN_TYPE_TEXT,
		.required = true,
		.help = "the cosignature/v1 (base64 key ID, time and signature)"},
	{.name = "root_signature",
		.type = UCCN_TYPE_TEXT,
		.help = "the root's signature of the checkpoint, as its tree head has it"},
	{.name = "name",
		.type = UCCN_TYPE_TEXT,
		.help = "an external witness's name (the Secretariat's record of its cosignature)"},
};

/* A split view a node caught (PROTOCOL.md §9.13): evidence anyone checks offline. */
static const struct uccn_field_spec alarm_fields[] = {
	{.name = "evidence",
		.type = UCCN_TYPE_TEXT,
		.required = true,
		.help = "two checkpoints of the root that no one registry has"},
};

/* Every kind fits one record by construction: at most UCCN_FIELDS_MAX fields, and list fields
 * whose largest lists (7 creative fields, 17 SDGs, UCCN_LIST_MAX texts or keys) add up to at
 * most UCCN_ITEMS_MAX items. This matters because merge materialises a record whose field set
 * is the union of the fields of all its changes: each change fits the limits on its own, but
 * only this invariant makes sure that the union does too, so that any number of valid changes
 * always merge into a struct uccn_state or uccn_record. tests/test_schema.c checks it for every
 * kind (kinds_fit_a_record_by_construction); a new field must keep it true. */
#define KIND(kname, kwriter, ktitle, kfields)                                       \
	{                                                                           \
		.name = kname, .writer = kwriter, .title = ktitle,                  \
		.nfields = sizeof(kfields) / sizeof(kfields[0]), .fields = kfields, \
	}

static const struct uccn_kind_spec kinds[] = {
	KIND("designation", "the Secretariat", "name", designation_fields),
	KIND("city", "the city", "name", city_fields),
	KIND("best_practice", "any member", "title", best_practice_fields),
	KIND("event", "any member", "title", event_fields),
	KIND("project", "the member cities in it", "title", project_fields),
	KIND("report", "the city", "period", report_fields),
	KIND("role", "the Secretariat", "role", role_fields),
	KIND("key", "the Secretariat", "status", key_fields),
	KIND("rotation", "the city", "key", rotation_fields),
	KIND("treehead", "the Secretariat", "size", treehead_fields),
	KIND("cosignature", "the city", "size", cosignature_fields),
	KIND("alarm", "any member", "evidence", alarm_fields),
};

const struct uccn_kind_spec *uccn_schema_kinds(size_t *count) {
	*count = sizeof(kinds) / sizeof(kinds[0]);
	return kinds;
}

const struct uccn_kind_spec *uccn_schema_kind(const char *name) {
	if (name == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			return &kinds[i];
		}
	}
	return NULL;
}

const struct uccn_field_spec *uccn_schema_field(
	const struct uccn_kind_spec *k, const char *name, size_t len) {
	if (k == NULL || name == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < k->nfields; i++) {
		const char *n = k->fields[i].name;
		if (strlen(n) == len && memcmp(n, name, len) == 0) {
			return &k->fields[i];
		}
	}
	return NULL;
}

const char *uccn_schema_type_name(enum uccn_type t) {
	switch (t) {
	case UCCN_TYPE_TEXT:
		return "text";
	case UCCN_TYPE_INT:
		return "integer";
	case UCCN_TYPE_DATE:
		return "date (YYYY-MM-DD)";
	case UCCN_TYPE_URL:
		return "URL";
	case UCCN_TYPE_KEY:
		return "public key (64 hex digits)";
	case UCCN_TYPE_COUNTRY:
		return "country code (ISO 3166 alpha-2)";
	case UCCN_TYPE_CHOICE:
		return "choice";
	case UCCN_TYPE_FIELD:
		return "creative field";
	case UCCN_TYPE_FIELDS:
		return "list of creative fields";
	case UCCN_TYPE_SDGS:
		return "list of SDGs (1-17)";
	case UCCN_TYPE_TEXTS:
		return "list of texts";
	case UCCN_TYPE_KEYS:
		return "list of public keys";
	case UCCN_TYPE_HASH:
		return "hash (64 hex digits)";
	case UCCN_TYPE_PERIOD:
		return "four-year period (YYYY-YYYY)";
	}
	return "unknown type";
}

/* ---- messages ---- */

/* C0, DEL and C1: characters that move terminals around rather than show anything. */
static bool is_control(uint32_t cp) {
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Refuses a value of the field spec of kind k: the reason starts with the field's path,
 * "best_practice.sdgs" or, for a field outside any kind, "sdgs". The path is written only
 * here: formatting it for every field checked cost more than most checks. */
__attribute__((format(printf, 5, 6))) static int refuse(char *why, size_t why_len,
	const struct uccn_kind_spec *k, const struct uccn_field_spec *spec, const char *fmt, ...) {
	if (why == NULL || why_len == 0) {
		return UCCN_ESCHEMA;
	}
	int n = k->name != NULL ? snprintf(why, why_len, "%s.%s: ", k->name, spec->name)
				: snprintf(why, why_len, "%s: ", spec->name);
	if (n >= 0 && (size_t)n < why_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why + n, why_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return UCCN_ESCHEMA;
}

/* Joins a NULL-terminated list as "a, b, c" for messages. */
static const char *join(char *out, size_t cap, const char *const *list) {
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; list[i] != NULL && o < cap; i++) {
		int n = snprintf(out + o, cap - o, "%s%s", i > 0 ? ", " : "", list[i]);
		if (n < 0) {
			break;
		}
		o += (size_t)n;
	}
	return out;
}

static const char *value_type_name(enum uccn_value_type t) {
	switch (t) {
	case UCCN_VALUE_NIL:
		return "nil";
	case UCCN_VALUE_INT:
		return "an integer";
	case UCCN_VALUE_STR:
		return "a string";
	case UCCN_VALUE_LIST:
		return "a list";
	}
	return "an unknown value";
}

/* ---- scalar checks: each returns NULL when v is fine, or what is wrong with it ---- */

static bool str_eq(const struct uccn_value *v, const char *s) {
	size_t n = strlen(s);
	return v->str_len == n && memcmp(v->str, s, n) == 0;
}

static bool values_equal(const struct uccn_value *a, const struct uccn_value *b) {
	if (a->type != b->type) {
		return false;
	}
	if (a->type == UCCN_VALUE_INT) {
		return a->i == b->i;
	}
	return a->str_len == b->str_len && memcmp(a->str, b->str, a->str_len) == 0;
}

static const char *creative_field_canonical(const struct uccn_value *v) {
	for (size_t i = 0; uccn_creative_fields[i] != NULL; i++) {
		if (str_eq(v, uccn_creative_fields[i])) {
			return uccn_creative_fields[i];
		}
	}
	return NULL;
}

/* Checks text as valid UTF-8 without control characters; newlines and tabs are allowed only in
 * long texts (allow_lines). Writes the reason into detail on failure. */
static bool text_ok(const struct uccn_value *v, bool allow_lines, char *detail, size_t cap) {
	const unsigned char *u = (const unsigned char *)v->str;
	size_t i = 0;
	while (i < v->str_len) {
		size_t at = i;
		uint32_t cp;
		if (!uccn_text_utf8_next(u, v->str_len, &i, &cp)) {
			snprintf(detail, cap, "is not valid UTF-8 (at byte %zu)", at);
			return false;
		}
		if (is_control(cp) && !(allow_lines && (cp == '\n' || cp == '\t' || cp == '\r'))) {
			snprintf(detail, cap, "contains a control character (at byte %zu)", at);
			return false;
		}
	}
	return true;
}

static bool is_digit(char c) {
	return c >= '0' && c <= '9';
}

static bool is_hex64(const struct uccn_value *v) {
	return v->type == UCCN_VALUE_STR && v->str_len == KEY_HEX_LEN &&
	       uccn_text_is_lower_hex(v->str, v->str_len);
}

/* Whether v (64 lowercase hex digits) names a point that can be an Ed25519 public key: 32
 * bytes that are not one (all zeros, say) can never sign, so designating them, naming them as
 * editors or moving to them only fills the registry with a member that cannot exist. */
static bool is_public_key(const struct uccn_value *v) {
	uint8_t pk[UCCN_KEY_BYTES];
	if (uccn_text_from_hex(v->str, v->str_len, pk, UCCN_KEY_BYTES) < 0) {
		return false;
	}
	return uccn_crypto_is_public_key(pk);
}

static bool is_leap(int y) {
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Whether v is "YYYY-MM-DD" and a real calendar date. The year goes to *year so the caller
 * can tell a date outside the supported years from a malformed one. */
static bool is_date(const struct uccn_value *v, int *year) {
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *s = v->str;
	if (v->str_len != 10 || s[4] != '-' || s[7] != '-') {
		return false;
	}
	for (size_t i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !is_digit(s[i])) {
			return false;
		}
	}
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	*year = y;
	if (m < 1 || m > 12 || d < 1) {
		return false;
	}
	int last = days[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
	return d <= last;
}

/* "YYYY-YYYY": the four years a monitoring report covers, the second year the first + 4. */
static bool is_period(const struct uccn_value *v) {
	const char *s = v->str;
	if (v->str_len != 9 || s[4] != '-') {
		return false;
	}
	int y[2] = {0, 0};
	for (size_t i = 0; i < 9; i++) {
		if (i == 4) {
			continue;
		}
		if (!is_digit(s[i])) {
			return false;
		}
		y[i > 4] = y[i > 4] * 10 + (s[i] - '0');
	}
	return y[0] >= DATE_YEAR_MIN && y[1] <= DATE_YEAR_MAX && y[1] == y[0] + 4;
}

static bool is_url(const struct uccn_value *v) {
	size_t scheme;
	if (v->str_len >= 7 && memcmp(v->str, "http://", 7) == 0) {
		scheme = 7;
	} else if (v->str_len >= 8 && memcmp(v->str, "https://", 8) == 0) {
		scheme = 8;
	} else {
		return false;
	}
	if (v->str_len > URL_MAX) {
		return false;
	}
	/* A host must follow the scheme: "https:///x" or "http://?q" name no server. */
	if (v->str_len == scheme || v->str[scheme] == '/' || v->str[scheme] == '?' ||
		v->str[scheme] == '#') {
		return false;
	}
	char detail[64];
	if (!text_ok(v, false, detail, sizeof(detail))) {
		return false;
	}
	for (size_t i = 0; i < v->str_len; i++) {
		if (v->str[i] == ' ') {
			return false;
		}
	}
	return true;
}

static bool is_country(const struct uccn_value *v) {
	return v->str_len == 2 && v->str[0] >= 'A' && v->str[0] <= 'Z' && v->str[1] >= 'A' &&
	       v->str[1] <= 'Z';
}

/* ---- the check of one value against one field spec ---- */

static int check_list(const struct uccn_kind_spec *k, const struct uccn_field_spec *spec,
	const struct uccn_value *v, char *why, size_t why_len) {
	char q[UCCN_TEXT_QUOTE_BUF];
	char all[128];
	size_t max = UCCN_LIST_MAX;
	if (spec->type == UCCN_TYPE_FIELDS) {
		max = NFIELDS_CREATIVE;
		if (v->count < 1 || v->count > max) {
			return refuse(why, why_len, k, spec,
				"needs 1 to %zu creative fields, got %zu", max, v->count);
		}
	}
	if (v->count > max) {
		return refuse(
			why, why_len, k, spec, "has %zu items, at most %zu allowed", v->count, max);
	}
	if (v->count > 0 && v->items == NULL) {
		return refuse(why, why_len, k, spec, "list without items");
	}
	for (size_t n = 0; n < v->count; n++) {
		const struct uccn_value *it = &v->items[n];
		switch (spec->type) {
		case UCCN_TYPE_SDGS:
			if (it->type != UCCN_VALUE_INT) {
				return refuse(why, why_len, k, spec,
					"item %zu is %s, not an SDG (1-17)", n + 1,
					value_type_name(it->type));
			}
			if (it->i < 1 || it->i > 17) {
				return refuse(why, why_len, k, spec, "%lld is not an SDG (1-17)",
					(long long)it->i);
			}
			break;
		case UCCN_TYPE_FIELDS:
			if (it->type != UCCN_VALUE_STR) {
				return refuse(why, why_len, k, spec,
					"item %zu is %s, not a creative field", n + 1,
					value_type_name(it->type));
			}
			if (creative_field_canonical(it) == NULL) {
				return refuse(why, why_len, k, spec,
					"%s is not a creative field (%s)",
					uccn_text_quote(q, it->str, it->str_len),
					join(all, sizeof(all), uccn_creative_fields));
			}
			break;
		case UCCN_TYPE_TEXTS: {
			char detail[80];
			if (it->type != UCCN_VALUE_STR) {
				return refuse(why, why_len, k, spec, "item %zu is %s, not a text",
					n + 1, value_type_name(it->type));
			}
			if (it->str_len == 0) {
				return refuse(why, why_len, k, spec, "item %zu is empty", n + 1);
			}
			if (it->str_len > TEXTS_ITEM_MAX) {
				return refuse(why, why_len, k, spec,
					"item %zu is %zu bytes, at most %d allowed", n + 1,
					it->str_len, TEXTS_ITEM_MAX);
			}
			if (!text_ok(it, false, detail, sizeof(detail))) {
				return refuse(why, why_len, k, spec, "item %zu %s", n + 1, detail);
			}
			break;
		}
		case UCCN_TYPE_KEYS:
			if (!is_hex64(it)) {
				if (it->type != UCCN_VALUE_STR) {
					return refuse(why, why_len, k, spec,
						"item %zu is %s, not a public key", n + 1,
						value_type_name(it->type));
				}
				return refuse(why, why_len, k, spec,
					"%s is not a public key (64 lowercase hex digits)",
					uccn_text_quote(q, it->str, it->str_len));
			}
			if (!is_public_key(it)) {
				return refuse(why, why_len, k, spec,
					"%s is not an Ed25519 public key (not a point of the "
					"curve that can sign)",
					uccn_text_quote(q, it->str, it->str_len));
			}
			break;
		default:
			assert(!"not a list type");
			return UCCN_EINVAL;
		}
		/* Lists are sets: a repeated item says nothing new and makes merges ambiguous. */
		for (size_t m = 0; m < n; m++) {
			if (values_equal(&v->items[m], it)) {
				if (it->type == UCCN_VALUE_INT) {
					return refuse(why, why_len, k, spec, "%lld is listed twice",
						(long long)it->i);
				}
				return refuse(why, why_len, k, spec, "%s is listed twice",
					uccn_text_quote(q, it->str, it->str_len));
			}
		}
	}
	return UCCN_OK;
}

static bool is_list_type(enum uccn_type t) {
	return t == UCCN_TYPE_FIELDS || t == UCCN_TYPE_SDGS || t == UCCN_TYPE_TEXTS ||
	       t == UCCN_TYPE_KEYS;
}

static int check_value(const struct uccn_kind_spec *k, const struct uccn_field_spec *spec,
	const struct uccn_value *v, char *why, size_t why_len) {
	char q[UCCN_TEXT_QUOTE_BUF];
	char all[128];
	char detail[80];

	if (v->type == UCCN_VALUE_NIL) {
		return UCCN_OK;
	}
	bool want_list = is_list_type(spec->type);
	enum uccn_value_type want = want_list                     ? UCCN_VALUE_LIST
				    : spec->type == UCCN_TYPE_INT ? UCCN_VALUE_INT
								  : UCCN_VALUE_STR;
	if (v->type != want) {
		return refuse(why, why_len, k, spec, "expected %s, got %s",
			uccn_schema_type_name(spec->type), value_type_name(v->type));
	}
	if (v->type == UCCN_VALUE_STR && v->str == NULL && v->str_len > 0) {
		return refuse(why, why_len, k, spec, "string without bytes");
	}

	switch (spec->type) {
	case UCCN_TYPE_TEXT:
		if (v->str_len > UCCN_STR_MAX) {
			return refuse(why, why_len, k, spec,
				"text is %zu bytes, at most %d allowed", v->str_len, UCCN_STR_MAX);
		}
		if (!text_ok(v, true, detail, sizeof(detail))) {
			return refuse(why, why_len, k, spec, "text %s", detail);
		}
		return UCCN_OK;
	case UCCN_TYPE_INT:
		if (v->i < spec->min || v->i > spec->max) {
			return refuse(why, why_len, k, spec, "%lld is outside %lld-%lld",
				(long long)v->i, (long long)spec->min, (long long)spec->max);
		}
		return UCCN_OK;
	case UCCN_TYPE_DATE: {
		int year = 0;
		if (!is_date(v, &year)) {
			return refuse(why, why_len, k, spec, "%s is not a date (YYYY-MM-DD)",
				uccn_text_quote(q, v->str, v->str_len));
		}
		if (year < DATE_YEAR_MIN || year > DATE_YEAR_MAX) {
			return refuse(why, why_len, k, spec, "%s is outside the years %d-%d",
				uccn_text_quote(q, v->str, v->str_len), DATE_YEAR_MIN,
				DATE_YEAR_MAX);
		}
		return UCCN_OK;
	}
	case UCCN_TYPE_URL:
		if (!is_url(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not a URL (http:// or https://, a host, no spaces, at "
				"most "
				"%d bytes)",
				uccn_text_quote(q, v->str, v->str_len), URL_MAX);
		}
		return UCCN_OK;
	case UCCN_TYPE_KEY:
		if (!is_hex64(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not a public key (64 lowercase hex digits)",
				uccn_text_quote(q, v->str, v->str_len));
		}
		if (!is_public_key(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not an Ed25519 public key (not a point of the curve "
				"that "
				"can sign)",
				uccn_text_quote(q, v->str, v->str_len));
		}
		return UCCN_OK;
	case UCCN_TYPE_HASH:
		if (!is_hex64(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not a hash (64 lowercase hex digits)",
				uccn_text_quote(q, v->str, v->str_len));
		}
		return UCCN_OK;
	case UCCN_TYPE_PERIOD:
		if (!is_period(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not a four-year period (YYYY-YYYY, the second year the "
				"first + 4, e.g. 2019-2023; years %d-%d)",
				uccn_text_quote(q, v->str, v->str_len), DATE_YEAR_MIN,
				DATE_YEAR_MAX);
		}
		return UCCN_OK;
	case UCCN_TYPE_COUNTRY:
		if (!is_country(v)) {
			return refuse(why, why_len, k, spec,
				"%s is not a country code (two capital letters, ISO 3166 "
				"alpha-2)",
				uccn_text_quote(q, v->str, v->str_len));
		}
		return UCCN_OK;
	case UCCN_TYPE_CHOICE:
		assert(spec->choices != NULL);
		for (size_t i = 0; spec->choices[i] != NULL; i++) {
			if (str_eq(v, spec->choices[i])) {
				return UCCN_OK;
			}
		}
		return refuse(why, why_len, k, spec, "%s is not one of: %s",
			uccn_text_quote(q, v->str, v->str_len),
			join(all, sizeof(all), spec->choices));
	case UCCN_TYPE_FIELD:
		if (creative_field_canonical(v) == NULL) {
			return refuse(why, why_len, k, spec, "%s is not a creative field (%s)",
				uccn_text_quote(q, v->str, v->str_len),
				join(all, sizeof(all), uccn_creative_fields));
		}
		return UCCN_OK;
	case UCCN_TYPE_FIELDS:
	case UCCN_TYPE_SDGS:
	case UCCN_TYPE_TEXTS:
	case UCCN_TYPE_KEYS:
		return check_list(k, spec, v, why, why_len);
	}
	return refuse(why, why_len, k, spec, "unknown type %d", (int)spec->type);
}

int uccn_schema_validate_field(
	const struct uccn_kind_spec *k, const struct uccn_field *f, char *why, size_t why_len) {
	assert(k != NULL && f != NULL);
	const struct uccn_field_spec *spec = uccn_schema_field(k, f->name, f->name_len);
	if (spec == NULL) {
		char q[UCCN_TEXT_QUOTE_BUF];
		const char *name =
			f->name != NULL ? uccn_text_quote(q, f->name, f->name_len) : "(none)";
		if (k->name != NULL) {
			return uccn_error_set(
				why, why_len, UCCN_ESCHEMA, "%s: unknown field %s", k->name, name);
		}
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "unknown field %s", name);
	}
	return check_value(k, spec, &f->value, why, why_len);
}

bool uccn_schema_is_valid_id(const char *id) {
	return id != NULL && uccn_text_is_valid_id(id, strnlen(id, UCCN_ID_MAX + 1));
}

int uccn_schema_validate_change(const struct uccn_change *c, char *why, size_t why_len) {
	assert(c != NULL);
	char q[UCCN_TEXT_QUOTE_BUF];
	/* PROTOCOL.md §1: a clock fits a signed 64-bit integer, so that stores order it as the
	 * protocol does, and a node's clock can always move past what it has seen. */
	if (c->hlc > (uint64_t)INT64_MAX) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA,
			"hlc: %llu is past 2^63-1, the largest clock a change may carry",
			(unsigned long long)c->hlc);
	}
	/* The decoder NUL-terminates kind and id, but the struct may come from anywhere; never
	 * read past the arrays. */
	size_t kind_len = strnlen(c->kind, sizeof(c->kind));
	size_t id_len = strnlen(c->id, sizeof(c->id));
	if (kind_len == sizeof(c->kind)) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "unknown kind %s",
			uccn_text_quote(q, c->kind, kind_len));
	}
	const struct uccn_kind_spec *k = uccn_schema_kind(c->kind);
	if (k == NULL) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "unknown kind %s",
			uccn_text_quote(q, c->kind, kind_len));
	}
	if (id_len == sizeof(c->id) || !uccn_schema_is_valid_id(c->id)) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA,
			"%s: id %s is not valid (1-%d bytes of A-Z a-z 0-9 . _ : -)", k->name,
			uccn_text_quote(q, c->id, id_len), UCCN_ID_MAX);
	}
	/* A city has exactly one city record, named by its owner's key, so no city can publish a
	 * profile under another's name and no city can have two. (The owner, not the author: a
	 * city that moved to a new key goes on editing the record named by its first.) */
	if (strcmp(k->name, "city") == 0) {
		char owner[KEY_HEX_LEN + 1];
		uccn_text_to_hex(c->owner, UCCN_KEY_BYTES, owner);
		if (strcmp(c->id, owner) != 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA,
				"city: id %s is not the owner's key (a city's record is named by "
				"its key in lowercase hex)",
				uccn_text_quote(q, c->id, id_len));
		}
	}
	if (c->nfields > UCCN_FIELDS_MAX) {
		return uccn_error_set(why, why_len, UCCN_ESCHEMA,
			"%s: %zu fields, at most %d allowed", k->name, c->nfields, UCCN_FIELDS_MAX);
	}
	switch (c->op) {
	case UCCN_OP_DELETE:
		if (c->nfields != 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA,
				"%s: a delete carries no fields, this one has %zu", k->name,
				c->nfields);
		}
		return UCCN_OK;
	case UCCN_OP_PUT:
		break;
	default:
		return uccn_error_set(why, why_len, UCCN_ESCHEMA, "%s: unknown operation %d",
			k->name, (int)c->op);
	}
	if (c->nfields == 0) {
		return uccn_error_set(
			why, why_len, UCCN_ESCHEMA, "%s: a put needs at least one field", k->name);
	}
	for (size_t i = 0; i < c->nfields; i++) {
		const struct uccn_field *f = &c->fields[i];
		int err = uccn_schema_validate_field(k, f, why, why_len);
		if (err < 0) {
			return err;
		}
		/* Two values for one field in one change: which one wins would depend on the
		 * reader. */
		for (size_t j = 0; j < i; j++) {
			if (c->fields[j].name_len == f->name_len &&
				memcmp(c->fields[j].name, f->name, f->name_len) == 0) {
				return uccn_error_set(why, why_len, UCCN_ESCHEMA,
					"%s: field %s given twice", k->name,
					uccn_text_quote(q, f->name, f->name_len));
			}
		}
		/* A required field says what the record is: removing it would leave a record
		 * that could not have been created. */
		const struct uccn_field_spec *spec = uccn_schema_field(k, f->name, f->name_len);
		if (f->value.type == UCCN_VALUE_NIL && spec->required) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA,
				"%s.%s: required, so it cannot be removed", k->name, spec->name);
		}
	}
	return uccn_schema_validate_together(k, c->fields, c->nfields, why, why_len);
}

/* The pairs of dates that bound a span: the last may not come before the first. */
static const struct {
	const char *kind, *first, *last;
} spans[] = {
	{"event", "starts", "ends"},
	{"project", "starts", "ends"},
	{"role", "from", "to"},
};

static const struct uccn_value *value_of(
	const struct uccn_field *fields, size_t nfields, const char *name) {
	size_t len = strlen(name);
	for (size_t i = 0; i < nfields; i++) {
		if (fields[i].name_len == len && memcmp(fields[i].name, name, len) == 0) {
			return fields[i].value.type == UCCN_VALUE_STR ? &fields[i].value : NULL;
		}
	}
	return NULL;
}

int uccn_schema_validate_together(const struct uccn_kind_spec *k, const struct uccn_field *fields,
	size_t nfields, char *why, size_t why_len) {
	char q1[UCCN_TEXT_QUOTE_BUF], q2[UCCN_TEXT_QUOTE_BUF];
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		if (strcmp(k->name, spans[i].kind) != 0) {
			continue;
		}
		const struct uccn_value *first = value_of(fields, nfields, spans[i].first);
		const struct uccn_value *last = value_of(fields, nfields, spans[i].last);
		/* Both are valid dates (checked field by field), so the text orders them. */
		if (first != NULL && last != NULL && first->str_len == last->str_len &&
			memcmp(last->str, first->str, last->str_len) < 0) {
			return uccn_error_set(why, why_len, UCCN_ESCHEMA,
				"%s.%s: %s is before %s %s", k->name, spans[i].last,
				uccn_text_quote(q1, last->str, last->str_len), spans[i].first,
				uccn_text_quote(q2, first->str, first->str_len));
		}
	}
	return UCCN_OK;
}

void uccn_schema_feed(const struct uccn_change *c, char out[UCCN_FEED_MAX + 1]) {
	bool secretariat = strcmp(c->kind, "report") == 0;
	for (size_t i = 0; i < c->nfields && !secretariat; i++) {
		const struct uccn_field *f = &c->fields[i];
		secretariat =
			f->name_len == 8 && memcmp(f->name, "audience", 8) == 0 &&
			f->value.type == UCCN_VALUE_STR &&
			f->value.str_len == strlen(UCCN_AUDIENCE_SECRETARIAT) &&
			memcmp(f->value.str, UCCN_AUDIENCE_SECRETARIAT, f->value.str_len) == 0;
	}
	/* Once per change received or sent: copies, not a format. */
	size_t n = strnlen(c->kind, UCCN_KIND_MAX);
	memcpy(out, c->kind, n);
	if (secretariat) {
		memcpy(out + n, UCCN_FEED_SECRETARIAT, sizeof(UCCN_FEED_SECRETARIAT));
	} else {
		out[n] = '\0';
	}
}

bool uccn_schema_feed_is_secretariat(const char *feed) {
	return strchr(feed, '@') != NULL;
}

size_t uccn_schema_feed_kind(const char *feed, char out[UCCN_KIND_MAX + 1]) {
	size_t n = strcspn(feed, "@");
	if (n > UCCN_KIND_MAX) {
		n = UCCN_KIND_MAX;
	}
	memcpy(out, feed, n);
	out[n] = '\0';
	return n;
}

int uccn_schema_check_field(
	const struct uccn_kind_spec *k, const struct uccn_field *f, struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, uccn_schema_validate_field(k, f, why, why_len));
}

int uccn_schema_check_change(const struct uccn_change *c, struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, uccn_schema_validate_change(c, why, why_len));
}

int uccn_schema_check_together(const struct uccn_kind_spec *k, const struct uccn_field *fields,
	size_t nfields, struct uccn_error *err) {
	size_t why_len;
	char *why = uccn_error_begin(err, &why_len);
	return uccn_error_end(err, uccn_schema_validate_together(k, fields, nfields, why, why_len));
}
