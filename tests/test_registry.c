/* test_registry.c - the trust rules of a network: designations only from the root, unknown
 * authors held until designated, withdrawals and their cut-offs, editors, key rotation and
 * revocation, the Secretariat's retraction; and on real nodes the signed registry, its
 * verification, inclusion proofs and a tree head that forks. */
#include <uccn/node.h>
#include <uccn/registry.h>
#include <uccn/text.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/changelog.h"
#include "node/checkpoint.h"
#include "node/merge.h"
#include "node/merkle.h"
#include "node/node_peers.h"
#include "node/store.h"
#include "proto/codec.h"
#include "tests/support.h"

/* --- The rules, on one change log ------------------------------------------------------ */

static struct uccn_store *st;
static struct uccn_changelog *chlog;
static struct test_author root, a, b, c;
static struct uccn_bytes buf;

static void rules_setup(void) {
	test_author_init(&root, 0x50);
	test_author_init(&a, 0x51);
	test_author_init(&b, 0x52);
	test_author_init(&c, 0x53);
	cr_assert_eq(uccn_store_open(":memory:", true, &st), UCCN_OK);
	cr_assert_eq(uccn_changelog_create(st, root.pk, &chlog), UCCN_OK);
}

static void rules_teardown(void) {
	uccn_changelog_destroy(chlog);
	uccn_store_close(st);
	test_author_finish(&root);
	test_author_finish(&a);
	test_author_finish(&b);
	test_author_finish(&c);
	uccn_bytes_finish(&buf);
	test_check_leaks();
}

TestSuite(registry_rules, .init = rules_setup, .fini = rules_teardown);

static struct uccn_apply_result offer(const struct uccn_bytes *change) {
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_changelog_apply(chlog, change->data, change->len, 1, &res, NULL, NULL),
		UCCN_OK);
	cr_assert_eq(uccn_changelog_retry_held(chlog, 1, NULL, NULL), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	return res;
}

static char hexes[8][65];
static int nhex;

static const char *hex_of(const uint8_t *key) {
	char *h = hexes[nhex++ % 8];
	uccn_text_to_hex(key, UCCN_KEY_BYTES, h);
	return h;
}

/* The root designates (or withdraws, with cutoff >= 0) who, under the key it signs with. */
static struct uccn_apply_result designation(struct test_author *signer,
	const struct test_author *who, const uint8_t *current, const char *status, int64_t cutoff) {
	struct uccn_field f[8] = {test_str("city", hex_of(current != NULL ? current : who->pk)),
		test_str("name", "Adelaide"), test_str("country", "AU"), test_str("field", "music"),
		test_int("year", 2015), test_str("status", status)};
	size_t n = 6;
	if (cutoff >= 0) {
		f[n++] = test_int("cutoff", cutoff);
	}
	test_sign(
		signer, root.pk, 0, "designation", NULL, hex_of(who->pk), UCCN_OP_PUT, f, n, &buf);
	return offer(&buf);
}

static struct uccn_apply_result practice(
	struct test_author *who, const uint8_t *owner, const char *id, const char *title) {
	struct uccn_field f = test_str("title", title);
	test_sign(who, root.pk, 0, "best_practice", owner, id, UCCN_OP_PUT, &f, 1, &buf);
	return offer(&buf);
}

/* The visible title of a record, or "(none)". */
static const char *title_of(const char *kind, const uint8_t *owner, const char *id) {
	static char out[64];
	static struct uccn_state state;
	static struct uccn_record rec;
	struct uccn_bytes raw = {0};
	int64_t rid;
	snprintf(out, sizeof(out), "(none)");
	if (uccn_store_get_state(st, kind, owner, id, &rid, &raw) == UCCN_OK) {
		cr_assert_eq(uccn_codec_decode_state(raw.data, raw.len, owner, &state), UCCN_OK);
		uccn_merge_view(&state, &rec);
		const struct uccn_value *v = uccn_record_field(&rec, "title");
		if (v != NULL) {
			snprintf(out, sizeof(out), "%.*s", (int)v->str_len, v->str);
		}
	}
	uccn_bytes_finish(&raw);
	return out;
}

Test(registry_rules, designation_forged_by_a_non_root_is_refused) {
	struct uccn_apply_result res = designation(&a, &a, NULL, "active", -1);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_not_null(strstr(res.why, "only the Secretariat"), "%s", res.why);
	res = practice(&b, NULL, "bp", "still unknown");
	cr_assert_eq(res.outcome, UCCN_HELD, "the forgery made nobody a member");
}

Test(registry_rules, author_whose_designation_arrives_later_is_held_then_applied) {
	struct uccn_apply_result res = practice(&a, NULL, "bp", "Music in schools");
	cr_assert_eq(res.outcome, UCCN_HELD);
	cr_assert_eq(res.err, UCCN_ENOTMEMBER);
	cr_assert_not_null(strstr(res.why, "not (yet) a member"), "%s", res.why);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "(none)");
	cr_assert_eq(designation(&root, &a, NULL, "active", -1).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "Music in schools");
}

static uint64_t held_now(const uint8_t *author) {
	uint64_t n = 0;
	cr_assert_eq(uccn_store_count_held(st, author, &n), UCCN_OK);
	return n;
}

Test(registry_rules, a_stranger_past_its_held_bound_is_refused_and_an_applicant_still_gets_in) {
	char id[16];
	/* An applicant's first changes (its city record, a few practices) are held... */
	struct uccn_field city[3] = {
		test_str("name", "Adelaide"), test_str("country", "AU"), test_str("field", "music")};
	test_sign(&b, root.pk, 0, "city", NULL, hex_of(b.pk), UCCN_OP_PUT, city, 3, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_HELD);
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "bp%d", i);
		cr_assert_eq(practice(&b, NULL, id, "applicant").outcome, UCCN_HELD);
	}
	/* ...while a stranger's stop at UCCN_HELD_PER_AUTHOR: one more is refused, saying why. */
	for (int i = 0; i < UCCN_HELD_PER_AUTHOR; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		struct uccn_apply_result res = practice(&a, NULL, id, "flood");
		cr_assert_eq(res.outcome, UCCN_HELD, "#%d: %s", i, res.why);
	}
	struct uccn_bytes last = {0};
	cr_assert_eq(uccn_bytes_append(&last, buf.data, buf.len), UCCN_OK);
	struct uccn_apply_result res = practice(&a, NULL, "past", "flood");
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EBUSY);
	cr_assert_not_null(strstr(res.why, "not a member"), "%s", res.why);
	cr_assert_eq(held_now(a.pk), UCCN_HELD_PER_AUTHOR);
	cr_assert_eq(offer(&last).outcome, UCCN_HELD, "a change already held stays held");
	uccn_bytes_finish(&last);
	/* The applicant is designated: everything it sent is applied, and a member's changes are
	 * not bounded per author. */
	cr_assert_eq(designation(&root, &b, NULL, "active", -1).outcome, UCCN_APPLIED);
	cr_assert_eq(held_now(b.pk), 0);
	cr_assert_str_eq(title_of("best_practice", b.pk, "bp2"), "applicant");
	cr_assert_eq(designation(&root, &a, NULL, "active", -1).outcome, UCCN_APPLIED);
	cr_assert_eq(held_now(NULL), 0);
	cr_assert_str_eq(title_of("best_practice", a.pk, "s999"), "flood");
}

Test(registry_rules, the_held_total_is_bounded_whatever_the_authors) {
	uccn_changelog_set_held_limits(chlog, 0, 4);
	for (int i = 0; i < 3; i++) {
		char id[16];
		snprintf(id, sizeof(id), "a%d", i);
		cr_assert_eq(practice(&a, NULL, id, "x").outcome, UCCN_HELD);
	}
	cr_assert_eq(practice(&b, NULL, "b0", "x").outcome, UCCN_HELD);
	struct uccn_apply_result res = practice(&c, NULL, "c0", "x");
	cr_assert_eq(res.outcome, UCCN_REFUSED, "a fresh key does not get past the total");
	cr_assert_eq(res.err, UCCN_EBUSY);
	cr_assert_not_null(strstr(res.why, "its most"), "%s", res.why);
	cr_assert_eq(held_now(NULL), 4);
	/* Room made by a designation is room for others. */
	cr_assert_eq(designation(&root, &a, NULL, "active", -1).outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&c, NULL, "c0", "x").outcome, UCCN_HELD);
}

Test(registry_rules, held_changes_are_offered_again_only_when_what_they_wait_on_arrives) {
	for (int i = 0; i < 50; i++) {
		char id[16];
		snprintf(id, sizeof(id), "s%d", i);
		cr_assert_eq(practice(&a, NULL, id, "waiting").outcome, UCCN_HELD);
	}
	/* A member creating records, one batch each, and another city's designation: none of
	 * what a is waiting on, so none of a's held changes is read. */
	designation(&root, &b, NULL, "active", -1);
	for (int i = 0; i < 20; i++) {
		char id[16];
		snprintf(id, sizeof(id), "b%d", i);
		cr_assert_eq(practice(&b, NULL, id, "new record").outcome, UCCN_APPLIED);
	}
	cr_assert_eq(uccn_store_held_reads(st), 0);
	/* An edit by b of a record of a that is not here waits on that record, not on b. */
	cr_assert_eq(practice(&b, a.pk, "s0", "edit").outcome, UCCN_HELD);
	cr_assert_eq(designation(&root, &a, NULL, "active", -1).outcome, UCCN_APPLIED);
	/* Each of a's changes read once; then b's edit once when the record arrived with them. */
	cr_assert_eq(uccn_store_held_reads(st), 51);
	cr_assert_eq(held_now(NULL), 0);
}

Test(registry_rules, a_city_writing_another_citys_record_is_refused) {
	designation(&root, &a, NULL, "active", -1);
	designation(&root, &b, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "A's").outcome, UCCN_APPLIED);
	struct uccn_apply_result res = practice(&b, a.pk, "bp", "taken over");
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "A's");
}

Test(registry_rules, an_editor_may_edit_and_a_non_editor_may_not) {
	designation(&root, &a, NULL, "active", -1);
	designation(&root, &b, NULL, "active", -1);
	designation(&root, &c, NULL, "active", -1);
	struct uccn_value editors[1] = {
		{.type = UCCN_VALUE_STR, .str = hex_of(b.pk), .str_len = 64}};
	struct uccn_field f[2] = {test_str("title", "Joint residency"),
		{.name = "editors",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_LIST, .items = editors, .count = 1}}};
	test_sign(&a, root.pk, 0, "project", NULL, "p1", UCCN_OP_PUT, f, 2, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_field t = test_str("title", "Joint residency 2025");
	test_sign(&b, root.pk, 0, "project", a.pk, "p1", UCCN_OP_PUT, &t, 1, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	t = test_str("title", "not mine");
	test_sign(&c, root.pk, 0, "project", a.pk, "p1", UCCN_OP_PUT, &t, 1, &buf);
	res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_not_null(strstr(res.why, "editors"), "%s", res.why);
	/* An editor edits the record, not the list of who may. */
	editors[0].str = hex_of(c.pk);
	test_sign(&b, root.pk, 0, "project", a.pk, "p1", UCCN_OP_PUT, &f[1], 1, &buf);
	cr_assert_eq(offer(&buf).err, UCCN_EPERM);
	cr_assert_str_eq(title_of("project", a.pk, "p1"), "Joint residency 2025");
}

Test(registry_rules, an_editors_change_waits_for_the_record_it_edits) {
	designation(&root, &a, NULL, "active", -1);
	designation(&root, &b, NULL, "active", -1);
	struct uccn_value editors[1] = {
		{.type = UCCN_VALUE_STR, .str = hex_of(b.pk), .str_len = 64}};
	struct uccn_field f[2] = {test_str("title", "Joint residency"),
		{.name = "editors",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_LIST, .items = editors, .count = 1}}};
	struct uccn_bytes created = {0};
	test_sign(&a, root.pk, 0, "project", NULL, "p1", UCCN_OP_PUT, f, 2, &created);
	struct uccn_field t = test_str("title", "edited by B");
	test_sign(&b, root.pk, a.hlc + 10, "project", a.pk, "p1", UCCN_OP_PUT, &t, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_HELD);
	cr_assert_eq(offer(&created).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("project", a.pk, "p1"), "edited by B");
	uccn_bytes_finish(&created);
}

Test(registry_rules, a_withdrawn_city_keeps_what_it_wrote_up_to_the_cutoff) {
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "one").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp2", "two").outcome, UCCN_APPLIED);
	cr_assert_eq(designation(&root, &a, NULL, "withdrawn", 2).outcome, UCCN_APPLIED);
	struct uccn_apply_result res = practice(&a, NULL, "bp3", "after");
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "one");
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp2"), "two");
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp3"), "(none)");
}

Test(registry_rules, changes_past_the_cutoff_that_came_first_are_taken_back) {
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "kept").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp", "signed after the cut-off").outcome, UCCN_APPLIED);
	cr_assert_eq(designation(&root, &a, NULL, "withdrawn", 1).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "kept");
	uint64_t n;
	cr_assert_eq(uccn_store_count_changes(st, &n), UCCN_OK);
	cr_assert_eq(n, 4, "taken back, not forgotten: the change stays as evidence");
}

Test(registry_rules, a_city_designated_again_gets_back_what_was_taken) {
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "kept").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp", "signed after the cut-off").outcome, UCCN_APPLIED);
	cr_assert_eq(designation(&root, &a, NULL, "withdrawn", 1).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "kept");
	/* A node that first sees A's changes after the new designation applies them all; this
	 * one must end the same. */
	cr_assert_eq(designation(&root, &a, NULL, "active", -1).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "signed after the cut-off");
}

Test(registry_rules, a_rotated_key_keeps_its_past_and_the_new_key_takes_over) {
	struct test_author a2;
	test_author_init(&a2, 0x61);
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "under the old key").outcome, UCCN_APPLIED);
	struct uccn_field k = test_str("key", hex_of(a2.pk));
	test_sign(&a, root.pk, 0, "rotation", NULL, hex_of(a2.pk), UCCN_OP_PUT, &k, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	/* The Secretariat confirms: the old key ends at the rotation (#2), the new one is A's. */
	struct uccn_field old_key[4] = {test_str("city", hex_of(a.pk)),
		test_str("status", "rotated"), test_int("cutoff", 2),
		test_str("successor", hex_of(a2.pk))};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(a.pk), UCCN_OP_PUT, old_key, 4, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_field new_key[2] = {
		test_str("city", hex_of(a.pk)), test_str("status", "active")};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(a2.pk), UCCN_OP_PUT, new_key, 2, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	designation(&root, &a, a2.pk, "active", -1);

	struct uccn_apply_result res = practice(&a2, a.pk, "bp", "under the new key");
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	res = practice(&a, NULL, "bp", "the old key again");
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "under the new key");
	test_author_finish(&a2);
}

Test(registry_rules, a_revoked_key_is_cut_off_and_its_later_changes_taken_back) {
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "before the theft").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp", "by the thief").outcome, UCCN_APPLIED);
	struct uccn_field f[4] = {test_str("city", hex_of(a.pk)), test_str("status", "revoked"),
		test_int("cutoff", 1), test_str("reason", "key copied from a stolen laptop")};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(a.pk), UCCN_OP_PUT, f, 4, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "before the theft");
	cr_assert_eq(practice(&a, NULL, "bp2", "more").err, UCCN_EPERM);
}

Test(registry_rules, the_secretariat_retracts_any_record_visibly_but_rewrites_none) {
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp", "spam").outcome, UCCN_APPLIED);
	struct test_author attempt = root; /* a refused change leaves the root's chain as it was */
	struct uccn_apply_result res = practice(&attempt, a.pk, "bp", "rewritten");
	cr_assert_eq(res.err, UCCN_EPERM);
	test_sign(&root, root.pk, 0, "best_practice", a.pk, "bp", UCCN_OP_DELETE, NULL, 0, &buf);
	res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp"), "(none)");
}

Test(registry_rules, registry_records_are_never_deleted_even_by_the_root) {
	designation(&root, &a, NULL, "active", -1);
	test_sign(&root, root.pk, 0, "designation", NULL, hex_of(a.pk), UCCN_OP_DELETE, NULL, 0,
		&buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_not_null(strstr(res.why, "never deleted"), "%s", res.why);
	cr_assert_eq(practice(&a, NULL, "bp", "still a member").outcome, UCCN_APPLIED);
}

Test(registry_rules, withdrawing_a_rotated_city_spares_what_its_first_key_signed) {
	struct test_author a2;
	test_author_init(&a2, 0x62);
	designation(&root, &a, NULL, "active", -1);
	cr_assert_eq(practice(&a, NULL, "bp1", "one").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp2", "two").outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp3", "three").outcome, UCCN_APPLIED);
	struct uccn_field old_key[3] = {test_str("city", hex_of(a.pk)),
		test_str("status", "rotated"), test_int("cutoff", 3)};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(a.pk), UCCN_OP_PUT, old_key, 3, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_field new_key[2] = {
		test_str("city", hex_of(a.pk)), test_str("status", "active")};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(a2.pk), UCCN_OP_PUT, new_key, 2, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	designation(&root, &a, a2.pk, "active", -1);
	cr_assert_eq(practice(&a2, a.pk, "bp4", "new key").outcome, UCCN_APPLIED);
	/* Withdrawn when the new key had signed one change: that cut-off is in a2's chain. */
	cr_assert_eq(designation(&root, &a, a2.pk, "withdrawn", 1).outcome, UCCN_APPLIED);
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp3"), "three");
	cr_assert_str_eq(title_of("best_practice", a.pk, "bp4"), "new key");
	cr_assert_eq(practice(&a2, a.pk, "bp5", "after").err, UCCN_EPERM);
	test_author_finish(&a2);
}

/* A key record signed by the root: key speaks for city (the root itself: a relay). */
static void key_record(const uint8_t *key, const uint8_t *city, const char *status) {
	struct uccn_field f[3] = {
		test_str("city", hex_of(city)), test_str("status", status), test_int("cutoff", 0)};
	test_sign(&root, root.pk, 0, "key", NULL, hex_of(key), UCCN_OP_PUT, f,
		strcmp(status, "active") == 0 ? 2 : 3, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
}

static bool may_hold(const uint8_t *holder, const char *feed, const uint8_t *author) {
	return uccn_changelog_may_hold(chlog, holder, feed, author);
}

Test(registry_rules, a_report_is_held_by_its_city_past_keys_included_the_root_and_relays_only) {
	static const char report[] = "report@secretariat", marked[] = "project@secretariat";
	struct test_author a2, d;
	test_author_init(&a2, 0x54);
	test_author_init(&d, 0x55);
	designation(&root, &a, NULL, "active", -1);
	designation(&root, &b, NULL, "active", -1);
	cr_assert(may_hold(a.pk, report, a.pk), "its author");
	cr_assert_not(may_hold(b.pk, report, a.pk), "another city");
	cr_assert_not(may_hold(b.pk, marked, a.pk), "any marked feed");
	cr_assert(may_hold(b.pk, "project", a.pk), "a plain feed: anyone");
	cr_assert(may_hold(root.pk, report, a.pk), "the root");
	cr_assert_not(may_hold(c.pk, report, a.pk), "not a relay yet");
	cr_assert(may_hold(d.pk, report, d.pk), "an unknown key, its own");
	cr_assert_not(
		may_hold(a.pk, report, d.pk), "an unknown author's, no one but the Secretariat");
	/* A relay, then no more. */
	key_record(c.pk, root.pk, "active");
	cr_assert(may_hold(c.pk, report, a.pk), "a relay");
	key_record(c.pk, root.pk, "revoked");
	cr_assert_not(may_hold(c.pk, report, a.pk), "a relay ended");
	/* A rotation confirmed: the old key and the new speak for one city, both ways. */
	cr_assert_not(may_hold(a2.pk, report, a.pk), "the new key, before the registry says so");
	key_record(a.pk, a.pk, "rotated");
	key_record(a2.pk, a.pk, "active");
	cr_assert(may_hold(a2.pk, report, a.pk), "the old key's report, at the new key");
	cr_assert(may_hold(a.pk, report, a2.pk));
	cr_assert_not(may_hold(b.pk, report, a2.pk));
	/* On the node itself, its own keys are one city before the Secretariat confirms. */
	cr_assert_not(may_hold(d.pk, report, b.pk));
	uccn_changelog_set_self(chlog, d.pk);
	uccn_changelog_add_former(chlog, b.pk);
	cr_assert(may_hold(d.pk, report, b.pk), "a report its former key signed");
	cr_assert_not(may_hold(d.pk, report, a.pk));
	test_author_finish(&a2);
	test_author_finish(&d);
}

static int count_held(void *userdata, const struct uccn_store_held *h) {
	(void)h;
	(*(int *)userdata)++;
	return 0;
}

Test(registry_rules, a_city_drops_another_citys_report_on_receipt_and_keeps_its_own) {
	designation(&root, &a, NULL, "active", -1);
	designation(&root, &b, NULL, "active", -1);
	uccn_changelog_set_self(chlog, b.pk);
	struct uccn_field f = test_str("period", "2019-2023");
	test_sign(&a, root.pk, 0, "report", NULL, "r1", UCCN_OP_PUT, &f, 1, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_DROPPED, "%s", res.why);
	cr_assert_not_null(strstr(res.why, "meant for the Secretariat alone"), "%s", res.why);
	cr_assert_str_eq(title_of("report", a.pk, "r1"), "(none)");
	/* The next link of the same feed is dropped as well, never held for the gap. */
	test_sign(&a, root.pk, 0, "report", NULL, "r1", UCCN_OP_PUT, &f, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_DROPPED);
	/* An author not yet designated: dropped too, not held for membership. */
	test_sign(&c, root.pk, 0, "report", NULL, "r2", UCCN_OP_PUT, &f, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_DROPPED);
	int held = 0;
	cr_assert_eq(uccn_store_each_held(st, count_held, &held), UCCN_OK);
	cr_assert_eq(held, 0, "nothing of it kept aside");
	/* Its own report, and a public practice of a's, it keeps. */
	test_sign(&b, root.pk, 0, "report", NULL, "r3", UCCN_OP_PUT, &f, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	cr_assert_eq(practice(&a, NULL, "bp", "public").outcome, UCCN_APPLIED);
}

/* --- On real nodes: the signed registry and its proofs ------------------------------------ */

static char *dir;
static struct uccn_node *hub, *adelaide, *hobart;
static uint8_t network[UCCN_KEY_BYTES], adelaide_key[UCCN_KEY_BYTES], hobart_key[UCCN_KEY_BYTES];
static const uint64_t now = 1763700000000;

static void nodes_setup(void) {
	dir = test_tmpdir();
	char home[600];
	snprintf(home, sizeof(home), "%s/unesco", dir);
	struct uccn_node_init_options o = {.name = "UNESCO Secretariat", .secretariat = true};
	cr_assert_eq(uccn_node_init(home, &o, now, &hub), UCCN_OK);
	uccn_node_public_key(hub, network);
	cr_assert(uccn_node_is_secretariat(hub));
	struct uccn_node_init_options oa = {
		.name = "Adelaide", .country = "AU", .field = "music", .network = network};
	struct uccn_node_init_options ob = {
		.name = "Hobart", .country = "AU", .field = "literature", .network = network};
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	cr_assert_eq(uccn_node_init(home, &oa, now, &adelaide), UCCN_OK);
	snprintf(home, sizeof(home), "%s/hobart", dir);
	cr_assert_eq(uccn_node_init(home, &ob, now, &hobart), UCCN_OK);
	uccn_node_public_key(adelaide, adelaide_key);
	uccn_node_public_key(hobart, hobart_key);
	cr_assert_not(uccn_node_is_secretariat(adelaide));
}

static void nodes_teardown(void) {
	uccn_node_close(hub);
	uccn_node_close(adelaide);
	uccn_node_close(hobart);
	hub = adelaide = hobart = NULL;
	test_rmdir(dir);
	uccn_bytes_finish(&buf);
	test_check_leaks();
}

TestSuite(registry_nodes, .init = nodes_setup, .fini = nodes_teardown);

static void carry(struct uccn_node *from, struct uccn_node *to) {
	struct uccn_bytes file = {0};
	test_export(from, &file);
	int err = test_import(to, &file, SIZE_MAX, NULL);
	cr_assert_eq(err, UCCN_OK, "%s", uccn_strerror(err));
	uccn_bytes_finish(&file);
}

static void designate(const uint8_t *key, const char *name, const char *field) {
	cr_assert_eq(uccn_node_designate(hub, key, name, "AU", field, 2015, now), UCCN_OK, "%s",
		uccn_node_errmsg(hub));
}

static int count_member(void *userdata, const struct uccn_member *m) {
	(*(int *)userdata) += m->active ? 1 : 0;
	return 0;
}

static int members(struct uccn_node *n) {
	int count = 0;
	cr_assert_eq(uccn_node_registry(n, count_member, &count), UCCN_OK);
	return count;
}

Test(registry_nodes, only_the_secretariat_designates) {
	cr_assert_eq(
		uccn_node_designate(adelaide, hobart_key, "Hobart", "AU", "literature", 2023, now),
		UCCN_EPERM);
	cr_assert_not_null(strstr(uccn_node_errmsg(adelaide), "Secretariat"), "%s",
		uccn_node_errmsg(adelaide));
}

/* A batch is checked whole before anything is written: a key twice, a member already or a bad
 * field refuses it all, naming the one refused; a good batch is one tree head. */
Test(registry_nodes, designate_many_writes_all_under_one_tree_head_or_nothing) {
	struct uccn_designation list[2] = {
		{.name = "Adelaide", .country = "AU", .field = "music", .year = 2015},
		{.name = "Hobart", .country = "AU", .field = "literature", .year = 2023},
	};
	memcpy(list[0].city, adelaide_key, UCCN_KEY_BYTES);
	memcpy(list[1].city, adelaide_key, UCCN_KEY_BYTES);
	size_t failed = 99;
	struct uccn_tree_head before, after;
	cr_assert_eq(uccn_node_tree_head(hub, &before), UCCN_OK);
	cr_assert_eq(uccn_node_designate_many(hub, list, 2, now, &failed),
		UCCN_EEXIST);
	cr_assert_eq(failed, 1);
	cr_assert_not_null(strstr(uccn_node_errmsg(hub), "twice"), "%s", uccn_node_errmsg(hub));
	memcpy(list[1].city, hobart_key, UCCN_KEY_BYTES);
	list[1].field = "painting";
	cr_assert_eq(uccn_node_designate_many(hub, list, 2, now, &failed),
		UCCN_ESCHEMA);
	cr_assert_eq(failed, 1);
	cr_assert_eq(members(hub), 0, "a refused batch wrote something");
	cr_assert_eq(uccn_node_tree_head(hub, &after), UCCN_OK);
	cr_assert_eq(after.seq, before.seq);
	cr_assert_eq(uccn_node_designate_many(adelaide, list, 2, now, &failed),
		UCCN_EPERM);

	list[1].field = "literature";
	cr_assert_eq(uccn_node_designate_many(hub, list, 2, now, &failed),
		UCCN_OK, "%s", uccn_node_errmsg(hub));
	cr_assert_eq(members(hub), 2);
	cr_assert_eq(uccn_node_tree_head(hub, &after), UCCN_OK);
	cr_assert_eq(after.size, 2);
	cr_assert_eq(after.seq, before.seq + 3, "two designations and one tree head");
	cr_assert_eq(uccn_node_registry_verify(hub, NULL, NULL), 0);
	cr_assert_eq(uccn_node_designate_many(hub, list + 1, 1, now, &failed),
		UCCN_EEXIST);
	cr_assert_eq(failed, 0);
}

Test(registry_nodes, designations_travel_and_verify_everywhere) {
	designate(adelaide_key, "Adelaide", "music");
	designate(hobart_key, "Hobart", "literature");
	cr_assert_eq(members(hub), 2);
	carry(hub, adelaide);
	cr_assert_eq(members(adelaide), 2);
	struct uccn_tree_head h;
	cr_assert_eq(uccn_node_tree_head(adelaide, &h), UCCN_OK);
	cr_assert_eq(h.size, 2);
	cr_assert_eq(uccn_node_registry_verify(adelaide, NULL, NULL), 0);
	cr_assert_eq(uccn_node_registry_verify(hub, NULL, NULL), 0);
}

static int count_records(void *userdata, const struct uccn_record *r) {
	(*(int *)userdata)++;
	return 0;
}

Test(registry_nodes, held_changes_are_applied_once_the_designation_is_written) {
	struct uccn_field f = test_str("title", "Music in schools");
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(adelaide, "best_practice", NULL, &f, 1, now, id), UCCN_OK);
	struct uccn_bytes file = {0};
	struct uccn_import_stats stats;
	test_export(adelaide, &file);
	cr_assert_eq(test_import(hub, &file, SIZE_MAX, &stats), UCCN_OK);
	cr_assert_eq(stats.held, 2, "the city record and the practice wait");
	int n = 0;
	cr_assert_eq(uccn_node_list(hub, "best_practice", false, count_records, &n), UCCN_OK);
	cr_assert_eq(n, 0, "held: Adelaide is not designated yet");
	designate(adelaide_key, "Adelaide", "music");
	cr_assert_eq(uccn_node_list(hub, "best_practice", false, count_records, &n), UCCN_OK);
	cr_assert_eq(n, 1, "applied when the designation was written");
	uccn_bytes_finish(&file);
}

Test(registry_nodes, a_proof_checks_with_nothing_but_the_network_id) {
	designate(adelaide_key, "Adelaide", "music");
	designate(hobart_key, "Hobart", "literature");
	carry(hub, hobart);
	struct uccn_bytes proof = {0};
	struct uccn_error why_err;
	cr_assert_eq(uccn_node_registry_prove(hobart, adelaide_key, &proof), UCCN_OK, "%s",
		uccn_node_errmsg(hobart));
	struct uccn_proof_result res;
	cr_assert_eq(uccn_registry_check_proof(proof.data, proof.len, network, &res, &why_err),
		UCCN_OK, "%s", why_err.msg);
	cr_assert_str_eq(res.member.name, "Adelaide");
	cr_assert_eq(memcmp(res.member.key, adelaide_key, UCCN_KEY_BYTES), 0);
	cr_assert_eq(res.head.size, 2);

	uint8_t other[UCCN_KEY_BYTES];
	memset(other, 0x77, sizeof(other));
	cr_assert_eq(uccn_registry_check_proof(proof.data, proof.len, other, &res, &why_err),
		UCCN_ENETWORK);
	/* One flipped bit in the audit path (just before the checkpoint note) breaks it. */
	struct uccn_proof *p = malloc(sizeof(*p));
	cr_assert_eq(uccn_codec_decode_proof(proof.data, proof.len, p, NULL, 0), UCCN_OK);
	size_t at = (size_t)((const uint8_t *)p->note - proof.data) - (p->note_len < 256 ? 2 : 3);
	free(p);
	proof.data[at - 1] ^= 1;
	cr_assert_eq(uccn_registry_check_proof(proof.data, proof.len, network, &res, &why_err),
		UCCN_EPROOF);
	uccn_bytes_finish(&proof);
}

Test(registry_nodes, a_non_member_has_no_proof_and_a_withdrawn_one_fails_its_check) {
	designate(adelaide_key, "Adelaide", "music");
	struct uccn_bytes proof = {0};
	struct uccn_error why_err;
	cr_assert_eq(uccn_node_registry_prove(hub, hobart_key, &proof), UCCN_ENOTMEMBER);
	cr_assert_eq(uccn_node_withdraw(hub, adelaide_key, "no report for eight years", now),
		UCCN_OK, "%s", uccn_node_errmsg(hub));
	cr_assert_eq(members(hub), 0);
	cr_assert_eq(uccn_node_registry_prove(hub, adelaide_key, &proof), UCCN_OK);
	struct uccn_proof_result res;
	cr_assert_eq(uccn_registry_check_proof(proof.data, proof.len, network, &res, &why_err),
		UCCN_ENOTMEMBER);
	cr_assert_not_null(strstr(why_err.msg, "withdrawn"), "%s", why_err.msg);
	uccn_bytes_finish(&proof);
}

static int alarms;
static void on_fault(void *userdata, const struct uccn_fault *f) {
	if (strstr(f->why, "ALARM") != NULL) {
		alarms++;
	}
}

/* Where the root's chain stands in an export: its newest change's seq, hash and clock. */
static void root_head_in(const struct uccn_bytes *file, struct test_author *root_author) {
	struct uccn_file_reader *r;
	struct uccn_file_item item;
	static struct uccn_change ch;
	cr_assert_eq(uccn_codec_reader_create(&r), UCCN_OK);
	cr_assert_eq(uccn_codec_reader_feed(r, file->data, file->len), UCCN_OK);
	while (uccn_codec_reader_next(r, &item, NULL, 0) == UCCN_OK) {
		if (item.type != UCCN_FILE_CHANGE) {
			continue;
		}
		cr_assert_eq(uccn_codec_decode_change(item.change, item.change_len, &ch, NULL, 0),
			UCCN_OK);
		if (memcmp(ch.author, root_author->pk, UCCN_KEY_BYTES) == 0) {
			test_author_note(root_author, &ch, item.change, item.change_len);
		}
	}
	uccn_codec_reader_destroy(r);
}

/* An export file holding the given signed changes. */
static void file_of(const struct uccn_bytes *changes, size_t n, struct uccn_bytes *out) {
	struct uccn_hash_state h;
	uint8_t hash[UCCN_HASH_BYTES];
	out->len = 0;
	uccn_crypto_hash_init(&h);
	cr_assert_eq(uccn_codec_encode_file_header(network, out), UCCN_OK);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(uccn_codec_encode_file_change(changes[i].data, changes[i].len, out),
			UCCN_OK);
		uccn_crypto_hash_update(&h, changes[i].data, changes[i].len);
	}
	uccn_crypto_hash_final(&h, hash);
	cr_assert_eq(uccn_codec_encode_file_trailer(n, hash, out), UCCN_OK);
}

Test(registry_nodes, a_tree_head_that_forks_the_registry_raises_an_alarm) {
	designate(adelaide_key, "Adelaide", "music");
	carry(hub, adelaide);
	cr_assert_eq(uccn_node_registry_verify(adelaide, NULL, NULL), 0);
	/* The root's own key (stolen, or misused) signs the next link of its chain: a head over
	 * a registry that is not the one it published. */
	char key_path[600];
	snprintf(key_path, sizeof(key_path), "%s/unesco/node.key", dir);
	struct test_author forger = {0};
	cr_assert_eq(uccn_crypto_identity_load(key_path, &forger.id), UCCN_OK);
	uccn_crypto_identity_public_key(forger.id, forger.pk);
	struct uccn_bytes file = {0}, forged = {0};
	test_export(hub, &file);
	root_head_in(&file, &forger);
	/* A well-formed checkpoint, signed as the root signs one (§9.7), over a root no
	 * registry has. */
	static const uint8_t zero[UCCN_HASH_BYTES];
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	char b64[UCCN_BASE64_LEN(UCCN_NOTE_SIG_BYTES)];
	uccn_checkpoint_sign(forger.id, network, 1, zero, sig);
	uccn_crypto_to_base64(sig, sizeof(sig), b64);
	struct uccn_field f[3] = {test_int("size", 1),
		test_str("root", "00000000000000000000000000000000"
				 "00000000000000000000000000000000"),
		test_str("signature", b64)};
	test_sign(&forger, network, 0, "treehead", NULL, "registry", UCCN_OP_PUT, f, 3, &forged);
	file_of(&forged, 1, &file);
	struct uccn_import_stats stats;
	cr_assert_eq(test_import(adelaide, &file, SIZE_MAX, &stats), UCCN_OK);
	cr_assert_eq(stats.applied, 1, "the head is well signed: it is stored, then judged");
	alarms = 0;
	cr_assert_gt(uccn_node_registry_verify(adelaide, on_fault, NULL), 0);
	cr_assert_eq(alarms, 1);
	struct uccn_tree_head h;
	cr_assert_eq(uccn_node_tree_head(adelaide, &h), UCCN_OK);
	cr_assert_eq(h.size, 1);
	test_author_finish(&forger);
	uccn_bytes_finish(&file);
	uccn_bytes_finish(&forged);
}

/* The witnesses whose cosignatures of the node's newest checkpoint it holds. */
static size_t cosigners(struct uccn_node *n, uint8_t (*keys)[UCCN_KEY_BYTES], size_t max) {
	struct uccn_bytes note = {0};
	cr_assert_eq(uccn_node_checkpoint(n, &note), UCCN_OK);
	struct uccn_checkpoint *cp = malloc(sizeof(*cp));
	struct uccn_cosig cosigs[8];
	char why[128] = "";
	cr_assert_eq(uccn_checkpoint_parse(
			     (const char *)note.data, note.len, network, cp, why, sizeof(why)),
		UCCN_OK, "%s", why);
	size_t got = uccn_checkpoint_witnesses(network, cp, cosigs, 8);
	for (size_t i = 0; i < got && i < max; i++) {
		memcpy(keys[i], cosigs[i].pk, UCCN_KEY_BYTES);
	}
	free(cp);
	uccn_bytes_finish(&note);
	return got;
}

static bool holds_key(uint8_t (*keys)[UCCN_KEY_BYTES], size_t n, const uint8_t *key) {
	for (size_t i = 0; i < n; i++) {
		if (memcmp(keys[i], key, UCCN_KEY_BYTES) == 0) {
			return true;
		}
	}
	return false;
}

static int read_size(void *userdata, const struct uccn_record *r) {
	const struct uccn_value *v = uccn_record_field(r, "size");
	*(int64_t *)userdata = v != NULL && v->type == UCCN_VALUE_INT ? v->i : -1;
	return 0;
}

/* The size of the checkpoint a node last cosigned, by its own cosignature record; -1: none. */
static int64_t cosigned_size(struct uccn_node *n) {
	int64_t size = -1;
	int err = uccn_node_get(n, "cosignature", "registry", read_size, &size);
	cr_assert(err == UCCN_OK || err == UCCN_ENOTFOUND, "%s", uccn_strerror(err));
	return size;
}

Test(registry_nodes, every_city_cosigns_each_new_checkpoint_and_the_cosignatures_travel) {
	designate(adelaide_key, "Adelaide", "music");
	designate(hobart_key, "Hobart", "literature");
	carry(hub, adelaide);
	carry(hub, hobart);
	cr_assert_eq(cosigned_size(adelaide), 2, "cosigned on import");
	cr_assert_eq(uccn_node_witness(adelaide, now), 0, "once only");
	cr_assert_eq(uccn_node_witness(hub, now), 0, "the root does not witness itself");
	carry(adelaide, hub);
	carry(hobart, hub);
	uint8_t keys[8][UCCN_KEY_BYTES];
	cr_assert_eq(cosigners(hub, keys, 8), 2);
	cr_assert(holds_key(keys, 2, adelaide_key) && holds_key(keys, 2, hobart_key));

	/* A proof carries them, in its checkpoint note. */
	struct uccn_bytes proof = {0};
	struct uccn_proof *p = malloc(sizeof(*p));
	struct uccn_checkpoint *cp = malloc(sizeof(*cp));
	struct uccn_cosig cosigs[4];
	cr_assert_eq(uccn_node_registry_prove(hub, hobart_key, &proof), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_proof(proof.data, proof.len, p, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_checkpoint_parse(p->note, p->note_len, network, cp, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_checkpoint_witnesses(network, cp, cosigs, 4), 2);

	/* A new checkpoint: the cosignatures of the old one are not its. */
	uint8_t third[UCCN_KEY_BYTES];
	test_key(0x33, third);
	designate(third, "Launceston", "film");
	carry(hub, adelaide);
	cr_assert_eq(cosigned_size(adelaide), 3);
	cr_assert_eq(cosigners(hub, keys, 8), 0);
	carry(adelaide, hub);
	cr_assert_eq(cosigners(hub, keys, 8), 1);
	cr_assert(holds_key(keys, 1, adelaide_key));
	free(p);
	free(cp);
	uccn_bytes_finish(&proof);
}

/* A store that lost its witness state (a restore, a lost WAL) takes it back from its own
 * cosignature record, and cosigns nothing twice. */
Test(registry_nodes, a_witness_that_lost_its_state_takes_it_from_its_own_cosignature) {
	designate(adelaide_key, "Adelaide", "music");
	carry(hub, adelaide);
	cr_assert_eq(cosigned_size(adelaide), 1);
	char home[600], db[700];
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	snprintf(db, sizeof(db), "%s/uccn.db", home);
	uccn_node_close(adelaide);
	struct uccn_store *store = NULL;
	cr_assert_eq(uccn_store_open(db, false, &store), UCCN_OK);
	cr_assert_eq(uccn_store_drop_meta(store, "witness"), UCCN_OK);
	uccn_store_close(store);
	cr_assert_eq(uccn_node_open(home, &adelaide), UCCN_OK);
	uint64_t before = 0, after = 0;
	cr_assert_eq(uccn_node_count_by(adelaide, adelaide_key, &before), UCCN_OK);
	cr_assert_eq(uccn_node_witness(adelaide, now), 0);
	cr_assert_eq(uccn_node_count_by(adelaide, adelaide_key, &after), UCCN_OK);
	cr_assert_eq(after, before, "nothing signed again");
	designate(hobart_key, "Hobart", "literature");
	carry(hub, adelaide);
	cr_assert_eq(cosigned_size(adelaide), 2, "and the next checkpoint is cosigned");
}

/* Policy (§9.14): Adelaide requires member cities of two creative fields. Its own cosignature
 * (music) is not enough; Hobart's (literature) makes the quorum, and the proof then carries
 * both. */
Test(registry_nodes, a_node_requiring_witnesses_of_two_fields_proves_only_under_a_quorum) {
	designate(adelaide_key, "Adelaide", "music");
	designate(hobart_key, "Hobart", "literature");
	cr_assert_eq(uccn_node_require_witnesses(adelaide, 8), UCCN_EINVAL);
	cr_assert_eq(uccn_node_require_witnesses(adelaide, 2), UCCN_OK);
	carry(hub, adelaide);
	carry(hub, hobart);
	struct uccn_witness_count wc;
	cr_assert_eq(uccn_node_checkpoint_witnesses(adelaide, &wc), UCCN_OK);
	cr_assert_eq(wc.cosigned, 1);
	cr_assert_eq(wc.fields, 1);
	cr_assert_eq(wc.required, 2);
	struct uccn_bytes proof = {0};
	cr_assert_eq(uccn_node_registry_prove(adelaide, hobart_key, &proof), UCCN_ENOTFOUND);
	cr_assert_not_null(
		strstr(uccn_node_errmsg(adelaide), "requires 2"), "%s", uccn_node_errmsg(adelaide));
	carry(hobart, adelaide);
	cr_assert_eq(uccn_node_checkpoint_witnesses(adelaide, &wc), UCCN_OK);
	cr_assert_eq(wc.fields, 2);
	cr_assert_eq(uccn_node_registry_prove(adelaide, hobart_key, &proof), UCCN_OK, "%s",
		uccn_node_errmsg(adelaide));
	uint8_t keys[4][UCCN_KEY_BYTES];
	cr_assert_eq(uccn_registry_proof_witnesses(proof.data, proof.len, network, keys, 4), 2);
	cr_assert(holds_key(keys, 2, adelaide_key) && holds_key(keys, 2, hobart_key));
	/* The policy lives in the store: reopened, the node still requires it. */
	char home[600];
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	uccn_node_close(adelaide);
	cr_assert_eq(uccn_node_open(home, &adelaide), UCCN_OK);
	cr_assert_eq(uccn_node_checkpoint_witnesses(adelaide, &wc), UCCN_OK);
	cr_assert_eq(wc.required, 2);
	uccn_bytes_finish(&proof);
}

/* The witness state says which checkpoint the node cosigned last; the store keeps it. Here it
 * names another branch of size 1 (as if the node had been shown another registry): the node,
 * reopened, refuses to cosign the checkpoint of size 2 that does not extend it. With its true
 * state it cosigns. */
Test(registry_nodes, a_witness_never_cosigns_a_checkpoint_that_does_not_extend_its_last) {
	designate(adelaide_key, "Adelaide", "music");
	carry(hub, adelaide);
	cr_assert_eq(cosigned_size(adelaide), 1);
	char home[600], db[700];
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	snprintf(db, sizeof(db), "%s/uccn.db", home);
	struct uccn_bytes truth = {0};
	for (int round = 0; round < 2; round++) {
		uccn_node_close(adelaide);
		adelaide = NULL;
		struct uccn_store *store = NULL;
		cr_assert_eq(uccn_store_open(db, false, &store), UCCN_OK);
		if (round == 0) {
			cr_assert_eq(uccn_store_get_meta(store, "witness", &truth), UCCN_OK);
			cr_assert_eq(truth.len, 8 + UCCN_HASH_BYTES);
			uint8_t other[8 + UCCN_HASH_BYTES];
			memcpy(other, truth.data, sizeof(other));
			other[8] ^= 1; /* size 1, another root */
			cr_assert_eq(uccn_store_set_meta(store, "witness", other, sizeof(other)),
				UCCN_OK);
		} else {
			cr_assert_eq(uccn_store_set_meta(store, "witness", truth.data, truth.len),
				UCCN_OK);
		}
		uccn_store_close(store);
		cr_assert_eq(uccn_node_open(home, &adelaide), UCCN_OK);
		if (round == 0) {
			designate(hobart_key, "Hobart", "literature");
			carry(hub, adelaide);
			cr_assert_eq(cosigned_size(adelaide), 1, "size 2 does not extend it");
			cr_assert_eq(uccn_node_witness(adelaide, now), 0);
		} else {
			cr_assert_eq(uccn_node_witness(adelaide, now), 1);
			cr_assert_eq(cosigned_size(adelaide), 2);
		}
	}
	uccn_bytes_finish(&truth);
}

/* The heads the root's key signs over the registry Adelaide holds (one designation): one with
 * a checkpoint signature over another size (an alarm), one from before checkpoints (skipped:
 * §9.7's migration), then a good one, each imported in turn. */
Test(registry_nodes, a_head_with_a_bad_checkpoint_signature_alarms_and_one_without_is_skipped) {
	designate(adelaide_key, "Adelaide", "music");
	carry(hub, adelaide);
	struct uccn_tree_head h;
	cr_assert_eq(uccn_node_tree_head(adelaide, &h), UCCN_OK);
	char key_path[600];
	snprintf(key_path, sizeof(key_path), "%s/unesco/node.key", dir);
	struct test_author forger = {0};
	cr_assert_eq(uccn_crypto_identity_load(key_path, &forger.id), UCCN_OK);
	uccn_crypto_identity_public_key(forger.id, forger.pk);
	char root_hex[2 * UCCN_HASH_BYTES + 1], b64[UCCN_BASE64_LEN(UCCN_NOTE_SIG_BYTES)];
	uccn_text_to_hex(h.root, UCCN_HASH_BYTES, root_hex);
	uint8_t sig[UCCN_NOTE_SIG_BYTES];
	struct {
		uint64_t signed_size; /* the size the checkpoint signature is over */
		size_t nfields;
		int alarms; /* verify counts every head held: the first one's alarm stays */
	} cases[] = {{2, 3, 1}, {0, 2, 1}, {1, 3, 1}};
	for (size_t i = 0; i < 3; i++) {
		struct uccn_bytes file = {0}, forged = {0};
		test_export(hub, &file);
		root_head_in(&file, &forger);
		uccn_checkpoint_sign(forger.id, network, cases[i].signed_size, h.root, sig);
		uccn_crypto_to_base64(sig, sizeof(sig), b64);
		struct uccn_field f[3] = {test_int("size", 1), test_str("root", root_hex),
			test_str("signature", b64)};
		test_sign(&forger, network, 0, "treehead", NULL, "registry", UCCN_OP_PUT, f,
			cases[i].nfields, &forged);
		file_of(&forged, 1, &file);
		struct uccn_import_stats stats;
		cr_assert_eq(test_import(adelaide, &file, SIZE_MAX, &stats), UCCN_OK);
		cr_assert_eq(stats.applied, 1);
		alarms = 0;
		cr_assert_eq(uccn_node_registry_verify(adelaide, on_fault, NULL), cases[i].alarms,
			"case %zu", i);
		cr_assert_eq(alarms, cases[i].alarms, "case %zu", i);
		/* Each head lands in the hub too, so the next one follows it in the chain. */
		cr_assert_eq(test_import(hub, &file, SIZE_MAX, &stats), UCCN_OK);
		uccn_bytes_finish(&file);
		uccn_bytes_finish(&forged);
	}
	test_author_finish(&forger);
}

Test(registry_nodes, a_rotating_city_goes_on_editing_its_records_before_confirmation) {
	struct uccn_field f = test_str("title", "before");
	char id[UCCN_ID_MAX + 1];
	cr_assert_eq(uccn_node_put(adelaide, "best_practice", NULL, &f, 1, now, id), UCCN_OK);
	uint8_t fresh[UCCN_KEY_BYTES];
	cr_assert_eq(uccn_node_rotate_key(adelaide, now, fresh), UCCN_OK, "%s",
		uccn_node_errmsg(adelaide));
	f = test_str("title", "after the rotation");
	cr_assert_eq(uccn_node_put(adelaide, "best_practice", id, &f, 1, now, NULL), UCCN_OK, "%s",
		uccn_node_errmsg(adelaide));
	/* And after a restart, which must remember the former key. */
	char home[600];
	snprintf(home, sizeof(home), "%s/adelaide", dir);
	uccn_node_close(adelaide);
	cr_assert_eq(uccn_node_open(home, &adelaide), UCCN_OK);
	uint8_t now_key[UCCN_KEY_BYTES];
	uccn_node_public_key(adelaide, now_key);
	cr_assert_eq(memcmp(now_key, fresh, UCCN_KEY_BYTES), 0);
	f = test_str("title", "after a restart");
	cr_assert_eq(uccn_node_put(adelaide, "best_practice", id, &f, 1, now, NULL), UCCN_OK, "%s",
		uccn_node_errmsg(adelaide));
}

struct status_of {
	const uint8_t *key;
	bool active;
	bool seen;
};

static int find_member(void *userdata, const struct uccn_member *m) {
	struct status_of *so = userdata;
	if (memcmp(m->city, so->key, UCCN_KEY_BYTES) == 0) {
		so->seen = true;
		so->active = m->active;
	}
	return 0;
}

Test(registry_nodes, revoking_a_withdrawn_citys_key_keeps_the_withdrawal) {
	designate(adelaide_key, "Adelaide", "music");
	cr_assert_eq(uccn_node_withdraw(hub, adelaide_key, "left the network", now), UCCN_OK, "%s",
		uccn_node_errmsg(hub));
	uint8_t successor[UCCN_KEY_BYTES];
	char successor_hex[2 * UCCN_KEY_BYTES + 1];
	test_key_hex(0x33, successor_hex);
	cr_assert_eq(
		uccn_text_from_hex(successor_hex, strlen(successor_hex), successor, UCCN_KEY_BYTES),
		UCCN_OK);
	cr_assert_eq(uccn_node_revoke(hub, adelaide_key, 1, successor, "copied key", now), UCCN_OK,
		"%s", uccn_node_errmsg(hub));
	struct status_of so = {adelaide_key, true, false};
	cr_assert_eq(uccn_node_registry(hub, find_member, &so), UCCN_OK);
	cr_assert(so.seen);
	cr_assert_not(so.active, "still withdrawn");
	cr_assert_eq(uccn_node_registry_verify(hub, NULL, NULL), 0);
}

Test(registry_nodes, a_city_is_proved_by_the_key_it_moved_to) {
	struct uccn_error why_err;
	designate(adelaide_key, "Adelaide", "music");
	carry(hub, adelaide);
	uint8_t fresh[UCCN_KEY_BYTES];
	cr_assert_eq(uccn_node_rotate_key(adelaide, now, fresh), UCCN_OK, "%s",
		uccn_node_errmsg(adelaide));
	carry(adelaide, hub);
	cr_assert_eq(uccn_node_confirm_rotation(hub, adelaide_key, fresh, now), UCCN_OK, "%s",
		uccn_node_errmsg(hub));
	struct uccn_bytes proof = {0};
	cr_assert_eq(
		uccn_node_registry_prove(hub, fresh, &proof), UCCN_OK, "%s", uccn_node_errmsg(hub));
	struct uccn_proof_result res;
	cr_assert_eq(uccn_registry_check_proof(proof.data, proof.len, network, &res, &why_err),
		UCCN_OK, "%s", why_err.msg);
	cr_assert_eq(
		memcmp(res.member.key, fresh, UCCN_KEY_BYTES), 0, "the proof names the new key");
	cr_assert_eq(memcmp(res.member.city, adelaide_key, UCCN_KEY_BYTES), 0);
	cr_assert_eq(uccn_node_registry_verify(hub, NULL, NULL), 0);
	uccn_bytes_finish(&proof);
}

#define EDITS 12
#define ROUNDS 200

Test(registry_rules, three_cities_editing_one_project_converge_in_any_order) {
	/* A owns a joint project and names B and C as editors; all three edit the same fields with
	 * interleaved clocks, and the designations are shuffled in with everything else: changes
	 * wait (held) for their author, their record or their editors, and every order must end
	 * in the same records. */
	static struct uccn_bytes set[3 + 1 + 3 * EDITS];
	size_t n = 0;
	struct test_author *who[3] = {&a, &b, &c};
	for (int i = 0; i < 3; i++) {
		struct uccn_field f[6] = {test_str("city", hex_of(who[i]->pk)),
			test_str("name", "City"), test_str("country", "AU"),
			test_str("field", "music"), test_int("year", 2015),
			test_str("status", "active")};
		test_sign(&root, root.pk, 0, "designation", NULL, hex_of(who[i]->pk), UCCN_OP_PUT,
			f, 6, &set[n++]);
	}
	struct uccn_value editors[2] = {
		{.type = UCCN_VALUE_STR, .str = hex_of(b.pk), .str_len = 64},
		{.type = UCCN_VALUE_STR, .str = hex_of(c.pk), .str_len = 64}};
	struct uccn_field created[2] = {test_str("title", "Joint residency"),
		{.name = "editors",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_LIST, .items = editors, .count = 2}}};
	test_sign(&a, root.pk, 0, "project", NULL, "p1", UCCN_OP_PUT, created, 2, &set[n++]);
	static char texts[3 * EDITS][48];
	uint64_t base = a.hlc + 100;
	for (int k = 0; k < EDITS; k++) {
		for (int i = 0; i < 3; i++) {
			char *text = texts[k * 3 + i];
			snprintf(text, sizeof(texts[0]), "edit %d by city %d", k, i);
			/* The same clock for all three now and then, and for the last write of each
			 * field: only the author key can break those ties, whatever the order. */
			bool tie = k % 4 == 0 || k >= EDITS - 2;
			uint64_t hlc = base + (uint64_t)(k * 3 + (tie ? 0 : i));
			struct uccn_field f = test_str(k % 2 ? "summary" : "status",
				k % 2 ? text
				      : (i == 0          ? "planned"
						: i == 1 ? "ongoing"
							 : "completed"));
			test_sign(who[i], root.pk, hlc, "project", a.pk, "p1", UCCN_OP_PUT, &f, 1,
				&set[n++]);
		}
	}
	struct uccn_bytes reference = {0}, other = {0};
	size_t order[sizeof(set) / sizeof(set[0])];
	unsigned seed = 4242;
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < n; i++) {
			order[i] = i;
		}
		for (size_t i = n - 1; round > 0 && i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1);
			size_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		struct uccn_store *s;
		struct uccn_changelog *l;
		cr_assert_eq(uccn_store_open(":memory:", true, &s), UCCN_OK);
		cr_assert_eq(uccn_changelog_create(s, root.pk, &l), UCCN_OK);
		cr_assert_eq(uccn_store_begin(s), UCCN_OK);
		for (size_t i = 0; i < n; i++) {
			struct uccn_apply_result res;
			cr_assert_eq(uccn_changelog_apply(l, set[order[i]].data, set[order[i]].len,
					     1, &res, NULL, NULL),
				UCCN_OK);
			cr_assert_neq(res.outcome, UCCN_REFUSED, "round %d (seed 4242): %s", round,
				res.why);
			cr_assert_eq(uccn_changelog_retry_held(l, 1, NULL, NULL), UCCN_OK);
		}
		cr_assert_eq(uccn_store_commit(s), UCCN_OK);
		uint64_t stored;
		cr_assert_eq(uccn_store_count_changes(s, &stored), UCCN_OK);
		cr_assert_eq(stored, n, "round %d: every held change was let in", round);
		test_dump_records(s, round == 0 ? &reference : &other);
		if (round > 0) {
			cr_assert_eq(reference.len, other.len, "round %d (seed 4242)", round);
			cr_assert_eq(memcmp(reference.data, other.data, reference.len), 0,
				"round %d (seed 4242)", round);
		}
		uccn_changelog_destroy(l);
		uccn_store_close(s);
	}
	for (size_t i = 0; i < n; i++) {
		uccn_bytes_finish(&set[i]);
	}
	uccn_bytes_finish(&reference);
	uccn_bytes_finish(&other);
}

Test(registry_nodes, a_relay_is_the_secretariats_and_travels_as_such) {
	uint8_t relay[UCCN_KEY_BYTES];
	memset(relay, 0x5e, sizeof(relay));
	cr_assert_eq(uccn_node_relay(adelaide, relay, true, now), UCCN_EPERM);
	designate(adelaide_key, "Adelaide", "music");
	cr_assert_eq(uccn_node_relay(hub, adelaide_key, true, now), UCCN_EEXIST,
		"a member city's key is no relay");
	cr_assert(uccn_node_is_secretariat_key(hub, network), "the root is");
	cr_assert_not(uccn_node_is_secretariat_key(hub, relay));
	cr_assert_eq(uccn_node_relay(hub, relay, true, now), UCCN_OK, "%s", uccn_node_errmsg(hub));
	cr_assert(uccn_node_is_secretariat_key(hub, relay));
	carry(hub, hobart);
	cr_assert(uccn_node_is_secretariat_key(hobart, relay), "every node learns it");
	cr_assert_not(uccn_node_is_secretariat_key(hobart, adelaide_key));
	cr_assert_eq(uccn_node_registry_verify(hobart, NULL, NULL), 0, "a leaf like any key");
	cr_assert_eq(uccn_node_relay(hub, relay, false, now), UCCN_OK, "%s", uccn_node_errmsg(hub));
	carry(hub, hobart);
	cr_assert_not(uccn_node_is_secretariat_key(hobart, relay), "and that it ended");
	cr_assert_eq(uccn_node_relay(hub, relay, false, now), UCCN_ENOTFOUND);
}

Test(registry_nodes, a_designation_written_by_another_process_counts_at_once) {
	/* The hub's serve holds the node open while `uccn designate` runs in another process. */
	char home[600];
	snprintf(home, sizeof(home), "%s/unesco", dir);
	struct uccn_node *beside;
	cr_assert_eq(uccn_node_open(home, &beside), UCCN_OK);
	cr_assert_eq(
		uccn_node_designate(beside, hobart_key, "Hobart", "AU", "literature", 2023, now),
		UCCN_OK, "%s", uccn_node_errmsg(beside));
	uccn_node_close(beside);
	struct uccn_bytes file = {0};
	struct uccn_import_stats stats;
	test_export(hobart, &file);
	cr_assert_eq(test_import(hub, &file, SIZE_MAX, &stats), UCCN_OK);
	cr_assert_eq(stats.applied, 1, "Hobart's city record, applied, not held");
	cr_assert_eq(stats.held, 0);
	cr_assert_eq(members(hub), 1);
	uccn_bytes_finish(&file);
}

/* --- Split-view evidence, checked with nothing but the network id (§9.13) ------------------ */

static struct uccn_identity *evidence_root;
static uint8_t evidence_net[UCCN_KEY_BYTES];
static uint8_t evidence_leaves[6][UCCN_HASH_BYTES];

static void evidence_setup(void) {
	cr_assert_eq(uccn_crypto_init(), UCCN_OK);
	uint8_t seed[32];
	memset(seed, 0x0e, sizeof(seed));
	cr_assert_eq(uccn_crypto_identity_from_seed(seed, &evidence_root), UCCN_OK);
	uccn_crypto_identity_public_key(evidence_root, evidence_net);
	for (int i = 0; i < 6; i++) {
		uint8_t data = (uint8_t)i;
		uccn_merkle_leaf_hash(&data, 1, evidence_leaves[i]);
	}
}

static void evidence_teardown(void) {
	uccn_crypto_identity_destroy(evidence_root);
	test_check_leaks();
}

TestSuite(evidence, .init = evidence_setup, .fini = evidence_teardown);

/* A checkpoint the root signs: of the first n leaves, or of root when it is not NULL. */
static struct uccn_signed_checkpoint signed_cp(uint64_t n, const uint8_t *hash) {
	struct uccn_signed_checkpoint cp = {.size = n};
	if (hash != NULL) {
		memcpy(cp.root, hash, UCCN_HASH_BYTES);
	} else {
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])evidence_leaves, n, cp.root);
	}
	uccn_checkpoint_sign(evidence_root, evidence_net, n, cp.root, cp.sig);
	return cp;
}

static int check_text(const struct uccn_split_view *e, const uint8_t *net) {
	struct uccn_bytes text = {0};
	struct uccn_split_view_result res;
	cr_assert_eq(uccn_checkpoint_evidence_encode(evidence_net, e, &text), UCCN_OK);
	int err = uccn_registry_check_evidence((const char *)text.data, text.len, net, &res, NULL);
	uccn_bytes_finish(&text);
	return err;
}

Test(evidence, two_roots_of_one_size_are_a_split_view_and_one_root_twice_is_not) {
	uint8_t other[UCCN_HASH_BYTES];
	memset(other, 0xab, sizeof(other));
	struct uccn_split_view e = {.a = signed_cp(4, other), .b = signed_cp(4, NULL)};
	cr_assert_eq(check_text(&e, evidence_net), UCCN_OK);
	e.a = e.b;
	cr_assert_eq(check_text(&e, evidence_net), UCCN_EPROOF);
}

Test(evidence, a_larger_tree_whose_prefix_is_not_the_smaller_is_a_split_view) {
	uint8_t other[UCCN_HASH_BYTES];
	memset(other, 0xcd, sizeof(other));
	for (uint64_t m = 1; m < 6; m++) {
		struct uccn_split_view e = {.a = signed_cp(m, other), .b = signed_cp(6, NULL)};
		uccn_merkle_root((const uint8_t(*)[UCCN_HASH_BYTES])evidence_leaves, m, e.prefix);
		cr_assert_eq(uccn_merkle_consistency_proof(
				     (const uint8_t(*)[UCCN_HASH_BYTES])evidence_leaves, 6, m,
				     e.path, &e.npath),
			UCCN_OK);
		cr_assert_eq(
			check_text(&e, evidence_net), UCCN_OK, "m = %llu", (unsigned long long)m);
		/* The smaller checkpoint really is the prefix: one registry, no split view. */
		struct uccn_split_view same = e;
		same.a = signed_cp(m, NULL);
		cr_assert_eq(check_text(&same, evidence_net), UCCN_EPROOF);
		/* A prefix the path does not lead from proves nothing. */
		struct uccn_split_view forged = e;
		forged.prefix[0] ^= 1;
		cr_assert_eq(check_text(&forged, evidence_net), UCCN_EPROOF);
		if (e.npath > 0) {
			forged = e;
			forged.path[e.npath - 1][5] ^= 1;
			cr_assert_eq(check_text(&forged, evidence_net), UCCN_EPROOF);
		}
	}
}

Test(evidence, only_the_networks_root_signs_evidence) {
	uint8_t other[UCCN_HASH_BYTES];
	memset(other, 0xab, sizeof(other));
	struct uccn_split_view e = {.a = signed_cp(4, other), .b = signed_cp(4, NULL)};
	e.b.sig[10] ^= 1;
	cr_assert_eq(check_text(&e, evidence_net), UCCN_EBADSIG);
	e.b = signed_cp(4, NULL);
	uint8_t elsewhere[UCCN_KEY_BYTES];
	memset(elsewhere, 0x21, sizeof(elsewhere));
	cr_assert_eq(check_text(&e, elsewhere), UCCN_ENETWORK);
	/* Cut anywhere, it is not evidence (and never a crash). */
	struct uccn_bytes text = {0};
	struct uccn_split_view_result res;
	cr_assert_eq(uccn_checkpoint_evidence_encode(evidence_net, &e, &text), UCCN_OK);
	for (size_t len = 0; len < text.len; len++) {
		char *cut = malloc(len + 1);
		memcpy(cut, text.data, len);
		cr_assert_neq(uccn_registry_check_evidence(cut, len, evidence_net, &res, NULL),
			UCCN_OK, "cut at %zu", len);
		free(cut);
	}
	uccn_bytes_finish(&text);
}

/* cosignature/v1 (§9.11): the key ID names the key and the name, the time is signed. */
Test(evidence, a_cosignature_holds_only_with_its_key_id_its_time_and_its_name) {
	uint8_t head[UCCN_HASH_BYTES], cosig[UCCN_COSIG_BYTES], bad[UCCN_COSIG_BYTES];
	memset(head, 0x5e, sizeof(head));
	uint64_t t = 0;
	uccn_checkpoint_cosign(
		evidence_root, evidence_net, evidence_net, 3, head, 1700000000, cosig);
	cr_assert_eq(uccn_checkpoint_verify_cosignature(
			     NULL, evidence_net, evidence_net, 3, head, cosig, &t),
		UCCN_OK);
	cr_assert_eq(t, 1700000000);
	memcpy(bad, cosig, sizeof(bad));
	bad[0] ^= 1; /* another key ID, the signature intact */
	cr_assert_eq(uccn_checkpoint_verify_cosignature(
			     NULL, evidence_net, evidence_net, 3, head, bad, NULL),
		UCCN_EBADSIG);
	memcpy(bad, cosig, sizeof(bad));
	bad[UCCN_KEY_ID_BYTES + 7] ^= 1; /* another time */
	cr_assert_eq(uccn_checkpoint_verify_cosignature(
			     NULL, evidence_net, evidence_net, 3, head, bad, NULL),
		UCCN_EBADSIG);
	/* The same bytes under another name: the key ID no longer matches. */
	cr_assert_eq(uccn_checkpoint_verify_cosignature(
			     "another/name", evidence_net, evidence_net, 3, head, cosig, NULL),
		UCCN_EBADSIG);
	cr_assert_eq(uccn_checkpoint_verify_cosignature(
			     NULL, evidence_net, evidence_net, 4, head, cosig, NULL),
		UCCN_EBADSIG);
}

/* PROTOCOL.md §9.8.1: the armor carries the bytes whole, at every length (the last line from 1
 * to 64 characters), and a binary proof is never read as armor, even when a name in it spells
 * the header. */
Test(registry_armor, round_trips_every_length_and_leaves_binary_alone) {
	uint8_t bin[200];
	for (size_t i = 0; i < sizeof(bin); i++) {
		bin[i] = (uint8_t)(i * 37 + 11);
	}
	for (size_t len = 1; len <= sizeof(bin); len++) {
		struct uccn_bytes text = {0}, back = {0};
		cr_assert_eq(uccn_registry_proof_armor(bin, len, &text), UCCN_OK);
		cr_assert_eq(
			uccn_registry_proof_dearmor(text.data, text.len, &back), 1, "%zu", len);
		cr_assert_eq(back.len, len);
		cr_assert_eq(memcmp(back.data, bin, len), 0);
		/* Cut before the footer: damaged. */
		struct uccn_bytes none = {0};
		cr_assert_eq(
			uccn_registry_proof_dearmor(text.data, text.len - 10, &none), UCCN_EPROTO);
		cr_assert_eq(none.len, 0);
		uccn_bytes_finish(&text);
		uccn_bytes_finish(&back);
		uccn_bytes_finish(&none);
	}
	char binary[128];
	int n = snprintf(binary, sizeof(binary), "\x98\xaauccn-proof%s", UCCN_PROOF_ARMOR_BEGIN);
	struct uccn_bytes out = {0};
	cr_assert_eq(uccn_registry_proof_dearmor((const uint8_t *)binary, (size_t)n, &out), 0);
	cr_assert_eq(uccn_registry_proof_dearmor((const uint8_t *)"x", 1, &out), 0);
	cr_assert_eq(out.len, 0);
}
