/* test_changelog.c - the path of a change into a node: every refusal with its reason, holds
 * and their release, forks kept as evidence, and convergence whatever the order of arrival. */
#include "node/changelog.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uccn/text.h>

#include "node/hlc.h"
#include "node/store.h"
#include "proto/codec.h"
#include "tests/support.h"

static struct uccn_store *st;
static struct uccn_changelog *chlog;
static struct test_author a, b;
static const uint8_t network[UCCN_KEY_BYTES] = {0};
static struct uccn_bytes buf, buf2;

static void setup(void) {
	cr_assert_eq(uccn_store_open(":memory:", true, &st), UCCN_OK);
	cr_assert_eq(uccn_changelog_create(st, network, &chlog), UCCN_OK);
	test_author_init(&a, 1);
	test_author_init(&b, 2);
}

static void teardown(void) {
	uccn_changelog_destroy(chlog);
	uccn_store_close(st);
	test_author_finish(&a);
	test_author_finish(&b);
	uccn_bytes_finish(&buf);
	uccn_bytes_finish(&buf2);
	test_check_leaks();
}

TestSuite(changelog, .init = setup, .fini = teardown);

static int released_count;
static void on_released(void *userdata, const struct uccn_apply_result *res) {
	if (res->outcome == UCCN_APPLIED) {
		released_count++;
	}
}

static struct uccn_apply_result offer(const struct uccn_bytes *change) {
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(
		uccn_changelog_apply(chlog, change->data, change->len, 1, &res, on_released, NULL),
		UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	return res;
}

static void sign_practice(
	struct test_author *who, const char *id, const char *title, struct uccn_bytes *out) {
	struct uccn_field f = test_str("title", title);
	test_sign(who, network, 0, "best_practice", NULL, id, UCCN_OP_PUT, &f, 1, out);
}

static uint64_t changes_stored(void) {
	uint64_t n;
	cr_assert_eq(uccn_store_count_changes(st, &n), UCCN_OK);
	return n;
}

static uint64_t head_of(const struct test_author *who) {
	struct uccn_store_head h;
	cr_assert_eq(uccn_store_get_head(st, who->pk, &h), UCCN_OK);
	return h.seq;
}

Test(changelog, valid_change_is_applied_and_offering_it_again_is_a_duplicate) {
	sign_practice(&a, "bp1", "Music in schools", &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	cr_assert_eq(res.seq, 1);
	cr_assert_str_eq(res.kind, "best_practice");
	res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_DUPLICATE);
	cr_assert_eq(changes_stored(), 1);
}

Test(changelog, bad_signature_is_refused_and_nothing_is_stored) {
	sign_practice(&a, "bp1", "Music in schools", &buf);
	buf.data[buf.len - 1] ^= 0x01; /* the signature is the last field of the signed change */
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EBADSIG);
	cr_assert_not_null(strstr(res.why, "signature"));
	cr_assert_eq(changes_stored(), 0);
	cr_assert_eq(head_of(&a), 0);
}

Test(changelog, previous_hash_mismatch_is_refused) {
	sign_practice(&a, "bp1", "one", &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	test_feed_head(&a, "best_practice")[0] ^= 0xff; /* #2 links to a hash that is not #1's */
	sign_practice(&a, "bp1", "two", &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_ECHAIN);
	cr_assert_not_null(strstr(res.why, "previous-hash mismatch"));
	cr_assert_eq(changes_stored(), 1);
}

Test(changelog, clock_that_does_not_advance_is_refused) {
	sign_practice(&a, "bp1", "one", &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_field f = test_str("title", "two");
	test_sign(&a, network, a.hlc - 5, "best_practice", NULL, "bp1", UCCN_OP_PUT, &f, 1, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.err, UCCN_ECHAIN);
	cr_assert_not_null(strstr(res.why, "clock"));
}

Test(changelog, gap_is_held_until_the_missing_change_arrives) {
	struct uccn_bytes c1 = {0}, c2 = {0}, c3 = {0};
	sign_practice(&a, "bp1", "one", &c1);
	sign_practice(&a, "bp1", "two", &c2);
	sign_practice(&a, "bp1", "three", &c3);
	struct uccn_apply_result res = offer(&c3);
	cr_assert_eq(res.outcome, UCCN_HELD);
	cr_assert_not_null(strstr(res.why, "waiting for the change before #3"), "%s", res.why);
	cr_assert_eq(offer(&c3).outcome, UCCN_HELD, "holding the same change again is harmless");
	cr_assert_eq(offer(&c2).outcome, UCCN_HELD);
	cr_assert_eq(changes_stored(), 0);
	released_count = 0;
	cr_assert_eq(offer(&c1).outcome, UCCN_APPLIED);
	cr_assert_eq(released_count, 2);
	cr_assert_eq(head_of(&a), 3);
	cr_assert_eq(changes_stored(), 3);
	uccn_bytes_finish(&c1);
	uccn_bytes_finish(&c2);
	uccn_bytes_finish(&c3);
}

static int count_fork(void *userdata, const struct uccn_store_fork *f) {
	(*(int *)userdata)++;
	return 0;
}

Test(changelog, fork_is_kept_as_evidence_and_never_applied) {
	struct test_author copy = a; /* the same key, used twice: a copied key */
	sign_practice(&a, "bp1", "the real one", &buf);
	sign_practice(&copy, "bp1", "the forged one", &buf2);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_apply_result res = offer(&buf2);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EFORK);
	cr_assert_not_null(strstr(res.why, "fork"));
	cr_assert_eq(offer(&buf2).err, UCCN_EFORK, "offering the fork again is still a fork");
	int forks = 0;
	cr_assert_eq(uccn_store_each_fork(st, count_fork, &forks), UCCN_OK);
	cr_assert_eq(forks, 1, "the evidence is kept once");
	cr_assert_eq(offer(&buf).outcome, UCCN_DUPLICATE);
	cr_assert_eq(changes_stored(), 1);
}

Test(changelog, fork_among_held_changes_is_found_when_the_gap_fills) {
	struct test_author copy;
	struct uccn_bytes c1 = {0};
	sign_practice(&a, "bp1", "one", &c1);
	copy = a;
	sign_practice(&a, "bp1", "two", &buf);
	sign_practice(&copy, "bp1", "two, forged", &buf2);
	cr_assert_eq(offer(&buf).outcome, UCCN_HELD);
	cr_assert_eq(offer(&buf2).outcome, UCCN_HELD);
	cr_assert_eq(offer(&c1).outcome, UCCN_APPLIED);
	int forks = 0;
	cr_assert_eq(uccn_store_each_fork(st, count_fork, &forks), UCCN_OK);
	cr_assert_eq(forks, 1);
	cr_assert_eq(head_of(&a), 2);
	uccn_bytes_finish(&c1);
}

Test(changelog, malformed_msgpack_is_refused) {
	const uint8_t junk[] = {0x93, 0x01, 0x02, 0xc1};
	struct uccn_bytes j = {0};
	cr_assert_eq(uccn_bytes_append(&j, junk, sizeof(junk)), UCCN_OK);
	struct uccn_apply_result res = offer(&j);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPROTO);
	cr_assert_not(res.decoded);
	uccn_bytes_finish(&j);
}

Test(changelog, truncated_change_is_refused_at_every_length) {
	sign_practice(&a, "bp1", "Music in schools", &buf);
	for (size_t cut = 0; cut < buf.len; cut++) {
		struct uccn_bytes part = {0};
		cr_assert_eq(uccn_bytes_append(&part, buf.data, cut), UCCN_OK);
		struct uccn_apply_result res = offer(&part);
		cr_assert_eq(res.outcome, UCCN_REFUSED, "cut at %zu", cut);
		cr_assert_eq(res.err, UCCN_EPROTO, "cut at %zu", cut);
		uccn_bytes_finish(&part);
	}
	cr_assert_eq(changes_stored(), 0);
}

Test(changelog, change_from_another_network_is_refused_saying_so) {
	uint8_t other[UCCN_KEY_BYTES];
	memset(other, 0xaa, sizeof(other));
	struct uccn_field f = test_str("title", "t");
	test_sign(&a, other, 0, "best_practice", NULL, "bp1", UCCN_OP_PUT, &f, 1, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.err, UCCN_ENETWORK);
	cr_assert_not_null(strstr(res.why, "another network"));
}

Test(changelog, writing_another_citys_record_is_refused) {
	sign_practice(&b, "bp-of-b", "B's practice", &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_field f = test_str("title", "hijacked");
	test_sign(&a, network, 0, "best_practice", b.pk, "bp-of-b", UCCN_OP_PUT, &f, 1, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EPERM);
	cr_assert_not_null(strstr(res.why, "owner"));
	struct uccn_bytes state = {0};
	int64_t rid;
	cr_assert_eq(
		uccn_store_get_state(st, "best_practice", b.pk, "bp-of-b", &rid, &state), UCCN_OK);
	uccn_bytes_finish(&state);
	cr_assert_eq(head_of(&a), 0);
}

Test(changelog, invalid_field_is_refused_naming_it) {
	struct uccn_value items[1] = {{.type = UCCN_VALUE_INT, .i = 18}};
	struct uccn_field f[2] = {test_str("title", "t"),
		{.name = "sdgs",
			.name_len = 4,
			.value = {.type = UCCN_VALUE_LIST, .items = items, .count = 1}}};
	test_sign(&a, network, 0, "best_practice", NULL, "bp1", UCCN_OP_PUT, f, 2, &buf);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.err, UCCN_ESCHEMA);
	cr_assert_not_null(strstr(res.why, "sdgs"), "%s", res.why);
}

Test(changelog, local_append_signs_chains_and_applies) {
	struct uccn_field f = test_str("title", "local");
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_changelog_append(chlog, a.id, "best_practice", a.pk, "bp1", UCCN_OP_PUT,
			     &f, 1, 1700000000000, &res),
		UCCN_OK);
	cr_assert_eq(uccn_changelog_append(chlog, a.id, "best_practice", a.pk, "bp1",
			     UCCN_OP_DELETE, NULL, 0, 1700000000000, &res),
		UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(res.seq, 2);
	cr_assert_eq(head_of(&a), 2);
}

Test(changelog, local_append_of_an_invalid_field_is_refused_and_stores_nothing) {
	struct uccn_field f = test_str("titel", "typo");
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_changelog_append(chlog, a.id, "best_practice", a.pk, "bp1", UCCN_OP_PUT,
			     &f, 1, 1700000000000, &res),
		UCCN_ESCHEMA);
	uccn_store_rollback(st);
	cr_assert_not_null(strstr(res.why, "titel"));
	cr_assert_eq(changes_stored(), 0);
}

#define AUTHORS 3
#define PER_AUTHOR 14
#define ORDERS 200

Test(changelog, same_changes_in_hundreds_of_orders_give_identical_records) {
	struct test_author authors[AUTHORS];
	static struct uccn_bytes changes[AUTHORS * PER_AUTHOR];
	size_t n = 0;
	unsigned seed = 20261121;
	for (int i = 0; i < AUTHORS; i++) {
		test_author_init(&authors[i], (uint8_t)(10 + i));
	}
	/* Interleaved clocks across authors, three records each, edits, deletes and revivals. */
	static char titles[AUTHORS * PER_AUTHOR][32];
	for (int k = 0; k < PER_AUTHOR; k++) {
		for (int i = 0; i < AUTHORS; i++) {
			char id[16];
			snprintf(id, sizeof(id), "r%d", k % 3);
			snprintf(titles[n], sizeof(titles[n]), "title %d.%d", i, k);
			uint64_t hlc =
				((uint64_t)1700000000000 << 16) + (uint64_t)(k * 10 + (i * 7) % 10);
			if (k % 5 == 4) {
				test_sign(&authors[i], network, hlc, "event", NULL, id,
					UCCN_OP_DELETE, NULL, 0, &changes[n]);
			} else {
				struct uccn_field f[2] = {test_str("title", titles[n]),
					test_str("starts", k % 2 ? "2024-05-01" : "2025-01-31")};
				test_sign(&authors[i], network, hlc, "event", NULL, id, UCCN_OP_PUT,
					f, k < 3 ? 2 : 1 + (size_t)(k % 2), &changes[n]);
			}
			n++;
		}
	}
	struct uccn_bytes reference = {0}, other = {0};
	size_t order[AUTHORS * PER_AUTHOR];
	for (int round = 0; round < ORDERS; round++) {
		for (size_t i = 0; i < n; i++) {
			order[i] = i;
		}
		if (round > 0) {
			for (size_t i = n - 1; i > 0; i--) {
				size_t j = (size_t)rand_r(&seed) % (i + 1);
				size_t t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
		}
		struct uccn_store *s;
		struct uccn_changelog *l;
		cr_assert_eq(uccn_store_open(":memory:", true, &s), UCCN_OK);
		cr_assert_eq(uccn_changelog_create(s, network, &l), UCCN_OK);
		cr_assert_eq(uccn_store_begin(s), UCCN_OK);
		for (size_t i = 0; i < n; i++) {
			struct uccn_apply_result res;
			cr_assert_eq(uccn_changelog_apply(l, changes[order[i]].data,
					     changes[order[i]].len, 1, &res, NULL, NULL),
				UCCN_OK);
			cr_assert_neq(res.outcome, UCCN_REFUSED, "round %d: %s", round, res.why);
		}
		cr_assert_eq(uccn_store_commit(s), UCCN_OK);
		uint64_t stored;
		cr_assert_eq(uccn_store_count_changes(s, &stored), UCCN_OK);
		cr_assert_eq(stored, n, "round %d: every held change was released", round);
		test_dump_records(s, round == 0 ? &reference : &other);
		if (round > 0) {
			cr_assert_eq(reference.len, other.len, "round %d", round);
			cr_assert_eq(memcmp(reference.data, other.data, reference.len), 0,
				"round %d (seed 20261121)", round);
		}
		uccn_changelog_destroy(l);
		uccn_store_close(s);
	}
	for (size_t i = 0; i < n; i++) {
		uccn_bytes_finish(&changes[i]);
	}
	for (int i = 0; i < AUTHORS; i++) {
		test_author_finish(&authors[i]);
	}
	uccn_bytes_finish(&reference);
	uccn_bytes_finish(&other);
}

static void sign_event(struct test_author *who, const char *id, struct uccn_bytes *out) {
	struct uccn_field f = test_str("title", id);
	test_sign(who, network, 0, "event", NULL, id, UCCN_OP_PUT, &f, 1, out);
}

Test(changelog, a_gap_in_one_feed_holds_that_feed_only) {
	struct uccn_bytes p1 = {0}, e1 = {0}, p2 = {0}, e2 = {0};
	sign_practice(&a, "bp1", "one", &p1); /* seq 1 */
	sign_event(&a, "ev1", &e1);           /* seq 2, starts the event feed */
	sign_practice(&a, "bp1", "two", &p2); /* seq 3, follows seq 1 */
	sign_event(&a, "ev2", &e2);           /* seq 4, follows seq 2 */
	struct uccn_apply_result res = offer(&e1);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "a feed may start at any seq: %s", res.why);
	cr_assert_eq(offer(&p2).outcome, UCCN_HELD, "its predecessor in the feed is missing");
	cr_assert_eq(offer(&e2).outcome, UCCN_APPLIED, "the event feed is not held by it");
	released_count = 0;
	cr_assert_eq(offer(&p1).outcome, UCCN_APPLIED);
	cr_assert_eq(released_count, 1);
	cr_assert_eq(changes_stored(), 4);
	cr_assert_eq(head_of(&a), 4);
	uccn_bytes_finish(&p1);
	uccn_bytes_finish(&e1);
	uccn_bytes_finish(&p2);
	uccn_bytes_finish(&e2);
}

Test(changelog, a_second_link_after_one_change_of_a_feed_is_refused_or_kept_as_a_fork) {
	struct uccn_bytes p1 = {0}, e2 = {0}, p3 = {0}, rival = {0}, wrong = {0};
	sign_practice(&a, "bp1", "one", &p1);
	struct test_author copy = a;                  /* someone who copied the key after #1 */
	sign_event(&a, "ev1", &e2);                   /* seq 2 */
	sign_practice(&a, "bp1", "two", &p3);         /* seq 3, follows #1 */
	sign_practice(&copy, "bp1", "rival", &rival); /* seq 2, also follows #1 */
	cr_assert_eq(offer(&p1).outcome, UCCN_APPLIED);
	cr_assert_eq(offer(&p3).outcome, UCCN_APPLIED);
	/* #2 is not held here (the event never came), yet the feed has moved past it. */
	struct uccn_apply_result res = offer(&rival);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_eq(res.err, UCCN_EFORK, "%s", res.why);
	cr_assert_not_null(strstr(res.why, "branches its best_practice feed"), "%s", res.why);
	int forks = 0;
	cr_assert_eq(uccn_store_each_fork(st, count_fork, &forks), UCCN_OK);
	cr_assert_eq(forks, 1, "kept as evidence");
	/* And the event of seq 2 still applies: it is the honest #2. */
	cr_assert_eq(offer(&e2).outcome, UCCN_APPLIED);
	/* A link that names the wrong predecessor where none could sit between is refused. */
	test_feed_head(&a, "best_practice")[0] ^= 0xff;
	sign_practice(&a, "bp1", "three", &wrong); /* seq 4 right after #3 */
	res = offer(&wrong);
	cr_assert_eq(res.err, UCCN_ECHAIN);
	cr_assert_not_null(strstr(res.why, "previous-hash mismatch"), "%s", res.why);
	uccn_bytes_finish(&p1);
	uccn_bytes_finish(&e2);
	uccn_bytes_finish(&p3);
	uccn_bytes_finish(&rival);
	uccn_bytes_finish(&wrong);
}

/* --- Clocks: the chain's equal-clock boundary, clocks ahead of ours, the end of the range --- */

/* The wall clock the log bounds received clocks by (uccn_changelog_set_clock). */
static uint64_t fake_wall_ms;
static uint64_t fake_clock(void *arg) {
	return *(const uint64_t *)arg;
}

#define WALL ((uint64_t)1700000000000)

static int count_held_as(void *userdata, const struct uccn_store_held *h) {
	int *n = userdata;
	if (h->err == UCCN_EFUTURE && strstr(h->why, "clock ahead") != NULL &&
		strstr(h->why, "held until") != NULL) {
		(*n)++;
	}
	return 0;
}

/* Within one feed a change must be clocked strictly after the one before it: an equal clock is
 * refused (two changes of one author with one clock would tie with nothing to break it). */
Test(changelog, a_feeds_clock_must_advance_strictly) {
	static const struct {
		int64_t delta; /* the second change's clock minus the first's */
		enum uccn_outcome outcome;
	} cases[] = {
		{-1, UCCN_REFUSED}, {0, UCCN_REFUSED}, {1, UCCN_APPLIED}, {70000, UCCN_APPLIED}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_author w;
		test_author_init(&w, (uint8_t)(30 + i));
		uint64_t h = ((uint64_t)1700000000000 << 16) + 1000;
		struct uccn_field f1 = test_str("title", "one"), f2 = test_str("title", "two");
		test_sign(&w, network, h, "best_practice", NULL, "bp", UCCN_OP_PUT, &f1, 1, &buf);
		cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED, "case %zu", i);
		test_sign(&w, network, h + (uint64_t)cases[i].delta, "best_practice", NULL, "bp",
			UCCN_OP_PUT, &f2, 1, &buf);
		struct uccn_apply_result res = offer(&buf);
		cr_assert_eq(res.outcome, cases[i].outcome, "case %zu: %s", i, res.why);
		if (cases[i].outcome == UCCN_REFUSED) {
			cr_assert_eq(res.err, UCCN_ECHAIN, "case %zu", i);
			cr_assert_not_null(
				strstr(res.why, "clock does not advance"), "%s", res.why);
		}
		test_author_finish(&w);
	}
}

/* The bounds on a received clock, each as the first change of a fresh author. */
Test(changelog, received_clocks_are_bounded_by_the_wall_clock_and_the_range) {
	fake_wall_ms = WALL;
	uccn_changelog_set_clock(chlog, fake_clock, &fake_wall_ms);
	static const struct {
		uint64_t hlc;
		enum uccn_outcome outcome;
		int err;
	} cases[] = {
		{(WALL << 16), UCCN_APPLIED, 0},
		{((WALL + UCCN_HLC_SKEW_MS) << 16) | 0xffff, UCCN_APPLIED,
			0}, /* exactly the skew */
		{(WALL + UCCN_HLC_SKEW_MS + 1) << 16, UCCN_HELD, UCCN_EFUTURE}, /* one ms past it */
		{(uint64_t)INT64_MAX, UCCN_HELD, UCCN_EFUTURE},
		{(uint64_t)INT64_MAX + 1, UCCN_REFUSED, UCCN_ESCHEMA},
		{UINT64_MAX, UCCN_REFUSED, UCCN_ESCHEMA},
	};
	int held = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_author w;
		test_author_init(&w, (uint8_t)(40 + i));
		struct uccn_field f = test_str("title", "t");
		test_sign(&w, network, cases[i].hlc, "best_practice", NULL, "bp", UCCN_OP_PUT, &f,
			1, &buf);
		struct uccn_apply_result res = offer(&buf);
		cr_assert_eq(res.outcome, cases[i].outcome, "case %zu: %s", i, res.why);
		if (cases[i].err != 0) {
			cr_assert_eq(res.err, cases[i].err, "case %zu: %s", i, res.why);
		}
		if (cases[i].err == UCCN_ESCHEMA) {
			cr_assert_not_null(strstr(res.why, "hlc"), "names the clock: %s", res.why);
		}
		held += cases[i].outcome == UCCN_HELD;
		test_author_finish(&w);
	}
	int why_ok = 0;
	cr_assert_eq(uccn_store_each_held(st, count_held_as, &why_ok), UCCN_OK);
	cr_assert_eq(why_ok, held, "each says it waits for its clock, and until when");
	cr_assert_eq(changes_stored(), 2);
}

Test(changelog, a_clock_ahead_comes_in_when_the_wall_clock_reaches_it) {
	fake_wall_ms = WALL;
	uccn_changelog_set_clock(chlog, fake_clock, &fake_wall_ms);
	uint64_t ahead = (WALL + UCCN_HLC_SKEW_MS + 5000) << 16;
	struct uccn_bytes next = {0};
	struct uccn_field f1 = test_str("title", "early"), f2 = test_str("title", "after");
	test_sign(&a, network, ahead, "best_practice", NULL, "bp", UCCN_OP_PUT, &f1, 1, &buf);
	test_sign(&a, network, ahead + 1, "best_practice", NULL, "bp", UCCN_OP_PUT, &f2, 1, &next);
	struct uccn_apply_result res = offer(&buf);
	cr_assert_eq(res.outcome, UCCN_HELD);
	cr_assert_eq(res.err, UCCN_EFUTURE, "%s", res.why);
	res = offer(&next);
	cr_assert_eq(res.err, UCCN_EAGAIN, "its successor waits on it: %s", res.why);
	bool due = true;
	fake_wall_ms = WALL + 4999;
	cr_assert_eq(uccn_changelog_has_due(chlog, &due), UCCN_OK);
	cr_assert_not(due, "one millisecond early");
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	size_t applied = 0;
	cr_assert_eq(uccn_changelog_release_due(chlog, 1, on_released, NULL, &applied), UCCN_OK);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(applied, 0);
	cr_assert_eq(changes_stored(), 0);
	fake_wall_ms = WALL + 5000;
	cr_assert_eq(uccn_changelog_has_due(chlog, &due), UCCN_OK);
	cr_assert(due);
	released_count = 0;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	cr_assert_eq(uccn_changelog_retry_held(chlog, 1, on_released, NULL), UCCN_OK,
		"the batch path lets it in too");
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(released_count, 2, "the change and the one that waited on it");
	cr_assert_eq(changes_stored(), 2);
	cr_assert_eq(uccn_changelog_has_due(chlog, &due), UCCN_OK);
	cr_assert_not(due);
	uccn_bytes_finish(&next);
}

/* A node that received a change clocked at the very edge of the skew signs after it at once:
 * its own clock is its own, and the counter's carry puts it one millisecond past the edge. */
Test(changelog, the_local_node_signs_after_a_clock_at_the_skew_bound) {
	fake_wall_ms = WALL;
	uccn_changelog_set_clock(chlog, fake_clock, &fake_wall_ms);
	uint64_t edge = ((WALL + UCCN_HLC_SKEW_MS) << 16) | 0xffff;
	struct uccn_field f = test_str("title", "edge");
	test_sign(&b, network, edge, "best_practice", NULL, "bp", UCCN_OP_PUT, &f, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_apply_result res;
	struct uccn_field mine = test_str("title", "mine");
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	int err = uccn_changelog_append(
		chlog, a.id, "best_practice", a.pk, "own", UCCN_OP_PUT, &mine, 1, WALL, &res);
	cr_assert_eq(uccn_store_commit(st), UCCN_OK);
	cr_assert_eq(err, UCCN_OK, "%s", res.why);
	cr_assert_eq(res.outcome, UCCN_APPLIED);
	struct uccn_store_head h;
	cr_assert_eq(uccn_store_get_head(st, a.pk, &h), UCCN_OK);
	cr_assert_eq(h.hlc, edge + 1);
}

/* A store that holds the largest clock (a change at 2^63 - 1, let in once the wall clock got
 * there) cannot be signed past: the node says so rather than wrapping to 0. */
Test(changelog, a_clock_at_the_end_of_the_range_refuses_to_sign) {
	fake_wall_ms = UINT64_MAX >> 16;
	uccn_changelog_set_clock(chlog, fake_clock, &fake_wall_ms);
	struct uccn_field f = test_str("title", "end");
	test_sign(&b, network, UCCN_HLC_MAX, "best_practice", NULL, "bp", UCCN_OP_PUT, &f, 1, &buf);
	cr_assert_eq(offer(&buf).outcome, UCCN_APPLIED);
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(st), UCCN_OK);
	int err = uccn_changelog_append(
		chlog, a.id, "best_practice", a.pk, "own", UCCN_OP_PUT, &f, 1, WALL, &res);
	uccn_store_rollback(st);
	cr_assert_eq(err, UCCN_ECHAIN);
	cr_assert_eq(res.outcome, UCCN_REFUSED);
	cr_assert_not_null(strstr(res.why, "clock is at its end"), "%s", res.why);
	cr_assert_eq(head_of(&a), 0);
}

/* --- Equal clocks from several authors, through the whole apply path ---------------------- */

static bool next_order(size_t *p, size_t n) {
	size_t i = n - 1;
	while (i > 0 && p[i - 1] >= p[i]) {
		i--;
	}
	if (i == 0) {
		return false;
	}
	size_t j = n - 1;
	while (p[j] <= p[i - 1]) {
		j--;
	}
	size_t t = p[i - 1];
	p[i - 1] = p[j];
	p[j] = t;
	for (size_t l = i, r = n - 1; l < r; l++, r--) {
		t = p[l];
		p[l] = p[r];
		p[r] = t;
	}
	return true;
}

#define TIED 5

/* A owns a joint project with B, C and D as editors; the four write its summary, and the
 * Secretariat retracts it, all with one clock. Only the author key can order them, and every
 * one of the 120 orders of arrival must give the same bytes. */
Test(changelog, equal_clocks_from_several_authors_converge_in_every_order) {
	struct test_author root, city[4];
	test_author_init(&root, 0x70);
	for (int i = 0; i < 4; i++) {
		test_author_init(&city[i], (uint8_t)(0x71 + i));
	}
	char hex[4][2 * UCCN_KEY_BYTES + 1];
	static struct uccn_bytes setup_set[5], tied[TIED];
	for (int i = 0; i < 4; i++) {
		uccn_text_to_hex(city[i].pk, UCCN_KEY_BYTES, hex[i]);
		struct uccn_field f[6] = {test_str("city", hex[i]), test_str("name", "City"),
			test_str("country", "AU"), test_str("field", "music"),
			test_int("year", 2015), test_str("status", "active")};
		test_sign(&root, root.pk, 0, "designation", NULL, hex[i], UCCN_OP_PUT, f, 6,
			&setup_set[i]);
	}
	struct uccn_value editors[3];
	for (int i = 0; i < 3; i++) {
		editors[i] = (struct uccn_value){
			.type = UCCN_VALUE_STR, .str = hex[i + 1], .str_len = 2 * UCCN_KEY_BYTES};
	}
	struct uccn_field created[2] = {test_str("title", "Joint residency"),
		{.name = "editors",
			.name_len = 7,
			.value = {.type = UCCN_VALUE_LIST, .items = editors, .count = 3}}};
	test_sign(&city[0], root.pk, 0, "project", NULL, "p1", UCCN_OP_PUT, created, 2,
		&setup_set[4]);
	uint64_t tie = city[0].hlc + 1000;
	static char texts[4][32];
	for (int i = 0; i < 4; i++) {
		snprintf(texts[i], sizeof(texts[i]), "summary by city %d", i);
		struct uccn_field f = test_str("summary", texts[i]);
		test_sign(&city[i], root.pk, tie, "project", city[0].pk, "p1", UCCN_OP_PUT, &f, 1,
			&tied[i]);
	}
	test_sign(&root, root.pk, tie, "project", city[0].pk, "p1", UCCN_OP_DELETE, NULL, 0,
		&tied[4]);
	struct uccn_bytes reference = {0}, other = {0};
	size_t order[TIED] = {0, 1, 2, 3, 4};
	int orders = 0;
	do {
		struct uccn_store *s;
		struct uccn_changelog *l;
		cr_assert_eq(uccn_store_open(":memory:", true, &s), UCCN_OK);
		cr_assert_eq(uccn_changelog_create(s, root.pk, &l), UCCN_OK);
		cr_assert_eq(uccn_store_begin(s), UCCN_OK);
		for (size_t i = 0; i < 5 + TIED; i++) {
			const struct uccn_bytes *c = i < 5 ? &setup_set[i] : &tied[order[i - 5]];
			struct uccn_apply_result res;
			cr_assert_eq(uccn_changelog_apply(l, c->data, c->len, 1, &res, NULL, NULL),
				UCCN_OK);
			cr_assert_eq(res.outcome, UCCN_APPLIED, "order %d, change %zu: %s", orders,
				i, res.why);
		}
		cr_assert_eq(uccn_store_commit(s), UCCN_OK);
		test_dump_records(s, orders == 0 ? &reference : &other);
		if (orders > 0) {
			cr_assert_eq(reference.len, other.len, "order %d", orders);
			cr_assert_eq(memcmp(reference.data, other.data, reference.len), 0,
				"order %d: %zu %zu %zu %zu %zu", orders, order[0], order[1],
				order[2], order[3], order[4]);
		}
		uccn_changelog_destroy(l);
		uccn_store_close(s);
		orders++;
	} while (next_order(order, TIED));
	cr_assert_eq(orders, 120);
	for (int i = 0; i < 5; i++) {
		uccn_bytes_finish(&setup_set[i]);
	}
	for (int i = 0; i < TIED; i++) {
		uccn_bytes_finish(&tied[i]);
	}
	for (int i = 0; i < 4; i++) {
		test_author_finish(&city[i]);
	}
	test_author_finish(&root);
	uccn_bytes_finish(&reference);
	uccn_bytes_finish(&other);
}

/* The rules of the kinds bind every change a node receives, not only what its own command line
 * lets through (PROTOCOL.md §9.2). */
Test(changelog, received_changes_that_break_a_rule_of_their_kind_are_refused_naming_the_field) {
	struct uccn_value nil = {.type = UCCN_VALUE_NIL};
	const struct {
		const char *kind;
		struct uccn_field f[2];
		size_t n;
		const char *why;
	} cases[] = {
		{"best_practice", {{.name = "title", .name_len = 5, .value = nil}}, 1,
			"best_practice.title: required"},
		{"event", {test_str("starts", "2024-05-02"), test_str("ends", "2024-05-01")}, 2,
			"event.ends"},
		{"report", {test_str("period", "2024")}, 1, "report.period"},
		{"project",
			{test_str("title", "P"),
				{.name = "editors",
					.name_len = 7,
					.value = {.type = UCCN_VALUE_LIST,
						.items = &(
							struct uccn_value){.type = UCCN_VALUE_STR,
							.str = "00000000000000000000000000000000"
							       "00000000000000000000000000000000",
							.str_len = 64},
						.count = 1}}},
			2, "project.editors"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_author w;
		test_author_init(&w, (uint8_t)(50 + i));
		test_sign(&w, network, 0, cases[i].kind, NULL, "r1", UCCN_OP_PUT, cases[i].f,
			cases[i].n, &buf);
		struct uccn_apply_result res = offer(&buf);
		cr_assert_eq(res.outcome, UCCN_REFUSED, "case %zu", i);
		cr_assert_eq(res.err, UCCN_ESCHEMA, "case %zu: %s", i, res.why);
		cr_assert_not_null(strstr(res.why, cases[i].why), "case %zu: %s", i, res.why);
		test_author_finish(&w);
	}
	cr_assert_eq(changes_stored(), 0);
}
