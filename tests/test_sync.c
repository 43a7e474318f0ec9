/* test_sync.c - the replication engine over in-memory links: two nodes converge; a session cut
 * anywhere resumes without resending what was acknowledged; live push; malformed input ends the
 * session; and five nodes with random edits and random sessions, cut at random, converge for
 * many seeds (a failing seed prints itself). */
#include "node/sync.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "tests/support.h"

#define NODES 5

static const uint8_t network[UCCN_KEY_BYTES] = {0};

struct replica {
	struct uccn_store *st;
	struct uccn_changelog *log;
	struct test_author author;
	int edits;
};

static struct replica nodes[NODES];

static void open_replica(struct replica *r, uint8_t seed) {
	cr_assert_eq(uccn_store_open(":memory:", true, &r->st), UCCN_OK);
	cr_assert_eq(uccn_changelog_create(r->st, network, &r->log), UCCN_OK);
	test_author_init(&r->author, seed);
	r->edits = 0;
}

static void close_replica(struct replica *r) {
	uccn_changelog_destroy(r->log);
	uccn_store_close(r->st);
	test_author_finish(&r->author);
	memset(r, 0, sizeof(*r));
}

static void teardown(void) {
	for (int i = 0; i < NODES; i++) {
		if (nodes[i].st != NULL) {
			close_replica(&nodes[i]);
		}
	}
	test_check_leaks();
}

TestSuite(sync, .fini = teardown);

/* A local edit of kind on r (its one text field set), for the Secretariat alone if asked. */
static void edit_kind(struct replica *r, const char *kind, const char *field, bool secretariat) {
	char id[16], text[48];
	int k = r->edits++;
	snprintf(id, sizeof(id), "%c%d", kind[0], k % 3 == 2 ? k - 1 : k);
	snprintf(text, sizeof(text), "edit %d of %02x", k, r->author.pk[0]);
	if (strcmp(field, "period") == 0) {
		int year = 2000 + (k * 7 + r->author.pk[0]) % 100; /* a four-year period */
		snprintf(text, sizeof(text), "%04d-%04d", year, year + 4);
	}
	struct uccn_field f[2] = {test_str(field, text), test_str("audience", "secretariat")};
	struct uccn_bytes b = {0};
	test_sign(&r->author, network, 0, kind, NULL, id, UCCN_OP_PUT, f, secretariat ? 2 : 1, &b);
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(r->st), UCCN_OK);
	cr_assert_eq(uccn_changelog_apply(r->log, b.data, b.len, 1, &res, NULL, NULL), UCCN_OK);
	cr_assert_eq(uccn_store_commit(r->st), UCCN_OK);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	uccn_bytes_finish(&b);
}

/* A local edit on r: a new record or a change to one of its earlier ones, of one of three
 * kinds (so of three feeds, one of them for the Secretariat alone). */
static void edit(struct replica *r, unsigned *rng) {
	switch (rand_r(rng) % 3) {
	case 0:
		edit_kind(r, "best_practice", "title", false);
		break;
	case 1:
		edit_kind(r, "project", "title", false);
		break;
	default:
		edit_kind(r, "report", "period", false);
		break;
	}
}

struct filter {
	const char *const *kinds; /* ours; NULL: all */
	size_t nkinds;
	const char *const *peer_kinds;
	size_t npeer_kinds;
	bool peer_secretariat;
	const uint8_t *peer_key;
	struct uccn_verifier *verifier;
	bool no_compress;
};

static struct uccn_sync *engine_with(
	struct replica *r, size_t batch, size_t window, const struct filter *f) {
	struct uccn_sync_config cfg = {.st = r->st,
		.log = r->log,
		.batch_changes = batch,
		.window = window,
		.kinds = f->kinds,
		.nkinds = f->nkinds,
		.peer_kinds = f->peer_kinds,
		.npeer_kinds = f->npeer_kinds,
		.peer_key = f->peer_key,
		.peer_secretariat = f->peer_secretariat,
		.verifier = f->verifier,
		.no_compress = f->no_compress};
	struct uccn_sync *s = NULL;
	cr_assert_eq(uccn_sync_create(&cfg, &s), UCCN_OK);
	return s;
}

/* An engine whose peer may receive everything (the Secretariat's hub, in these tests). */
static struct uccn_sync *engine(struct replica *r, size_t batch, size_t window) {
	return engine_with(r, batch, window, &(struct filter){.peer_secretariat = true});
}

/* Moves payloads both ways until both are idle, or until `cut` payloads have moved (then the
 * session is dropped, whatever is in flight). Returns how many payloads moved. */
static int run(struct uccn_sync *a, struct uccn_sync *b, int cut) {
	struct uccn_bytes p = {0};
	int moved = 0;
	bool flushed = false;
	cr_assert_eq(uccn_sync_open(a), UCCN_OK, "a opens the session");
	for (int guard = 0; guard < 100000; guard++) {
		bool any = false;
		if (uccn_sync_pop_payload(a, &p)) {
			if (cut >= 0 && moved == cut) {
				break;
			}
			cr_assert_eq(uccn_sync_on_payload(b, p.data, p.len, 1), UCCN_OK);
			moved++;
			any = true;
		}
		if (uccn_sync_pop_payload(b, &p)) {
			if (cut >= 0 && moved == cut) {
				break;
			}
			cr_assert_eq(uccn_sync_on_payload(a, p.data, p.len, 1), UCCN_OK);
			moved++;
			any = true;
		}
		if (any) {
			flushed = false;
			continue;
		}
		if (flushed) {
			break;
		}
		/* Nothing at hand: what a pool is verifying is applied now, as an event loop does
		 * once it has read every frame it had. */
		cr_assert_eq(uccn_sync_flush(a, 1), UCCN_OK);
		cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
		flushed = true;
	}
	uccn_bytes_finish(&p);
	return moved;
}

static uint64_t stored(struct replica *r) {
	uint64_t n;
	cr_assert_eq(uccn_store_count_changes(r->st, &n), UCCN_OK);
	return n;
}

Test(sync, two_nodes_end_holding_the_same) {
	unsigned rng = 1;
	open_replica(&nodes[0], 0x71);
	open_replica(&nodes[1], 0x72);
	for (int i = 0; i < 700; i++) {
		edit(&nodes[0], &rng);
	}
	for (int i = 0; i < 300; i++) {
		edit(&nodes[1], &rng);
	}
	struct uccn_sync *a = engine(&nodes[0], 64, 4), *b = engine(&nodes[1], 64, 4);
	cr_assert_eq(uccn_sync_pending(a), 0, "nothing known before the peer's vector");
	struct uccn_bytes vector = {0};
	cr_assert_eq(uccn_sync_open(b), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(b, &vector));
	cr_assert_eq(uccn_sync_on_payload(a, vector.data, vector.len, 1), UCCN_OK);
	uccn_bytes_finish(&vector);
	struct uccn_net_stats sa;
	uccn_sync_get_stats(a, &sa);
	cr_assert_gt(sa.sent, 0, "the first batches went at the vector");
	cr_assert_eq(uccn_sync_pending(a) + sa.sent, 700, "what the peer lacks, counted");
	run(a, b, -1);
	cr_assert_eq(uccn_sync_pending(a), 0);
	cr_assert(uccn_sync_is_idle(a));
	cr_assert(uccn_sync_is_idle(b));
	cr_assert_eq(stored(&nodes[0]), 1000);
	cr_assert_eq(stored(&nodes[1]), 1000);
	struct uccn_net_stats sb;
	uccn_sync_get_stats(a, &sa);
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sa.sent, 700, "nothing the peer already had was sent");
	cr_assert_eq(sb.sent, 300);
	cr_assert_eq(sb.applied, 700);
	struct uccn_bytes da = {0}, db = {0};
	test_dump_records(nodes[0].st, &da);
	test_dump_records(nodes[1].st, &db);
	cr_assert_eq(da.len, db.len);
	cr_assert_eq(memcmp(da.data, db.data, da.len), 0);
	uccn_bytes_finish(&da);
	uccn_bytes_finish(&db);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_cut_session_resumes_without_resending_what_was_acknowledged) {
	unsigned rng = 2;
	open_replica(&nodes[0], 0x73);
	open_replica(&nodes[1], 0x74);
	for (int i = 0; i < 2000; i++) {
		edit(&nodes[0], &rng);
	}
	for (int cut = 3; cut < 12; cut += 3) {
		struct uccn_sync *a = engine(&nodes[0], 50, 3), *b = engine(&nodes[1], 50, 3);
		uint64_t before = stored(&nodes[1]);
		run(a, b, cut);
		struct uccn_net_stats sb;
		uccn_sync_get_stats(b, &sb);
		cr_assert_eq(stored(&nodes[1]), before + sb.received,
			"what was received was stored before it was acknowledged");
		uccn_sync_destroy(a);
		uccn_sync_destroy(b);
	}
	uint64_t have = stored(&nodes[1]);
	cr_assert_lt(have, 2000, "the cuts left work for the last session");
	struct uccn_sync *a = engine(&nodes[0], 50, 3), *b = engine(&nodes[1], 50, 3);
	run(a, b, -1);
	struct uccn_net_stats sa;
	uccn_sync_get_stats(a, &sa);
	cr_assert_eq(sa.sent, 2000 - have, "the last session sent only what was missing");
	cr_assert_eq(stored(&nodes[1]), 2000);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_local_edit_is_pushed_to_a_live_session) {
	unsigned rng = 3;
	open_replica(&nodes[0], 0x75);
	open_replica(&nodes[1], 0x76);
	edit(&nodes[0], &rng);
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	run(a, b, -1);
	cr_assert_eq(stored(&nodes[1]), 1);
	edit(&nodes[0], &rng);
	edit(&nodes[0], &rng);
	cr_assert_eq(uccn_sync_notify(a), UCCN_OK);
	cr_assert_not(uccn_sync_is_idle(a), "something is in flight");
	run(a, b, -1);
	cr_assert_eq(stored(&nodes[1]), 3);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

static int count_record(void *userdata, const struct uccn_store_row *row) {
	(*(int *)userdata)++;
	return 0;
}

static int records_of(struct replica *r, const char *kind) {
	int n = 0;
	cr_assert_eq(uccn_store_each_record(r->st, kind, true, count_record, &n), UCCN_OK);
	return n;
}

Test(sync, only_the_kinds_both_sides_chose_travel_and_nothing_is_left_waiting) {
	open_replica(&nodes[0], 0x61);
	open_replica(&nodes[1], 0x62);
	/* One author's changes interleave four kinds: a single chain would leave gaps. */
	for (int i = 0; i < 40; i++) {
		edit_kind(&nodes[0], "best_practice", "title", false);
		edit_kind(&nodes[0], "project", "title", false);
		edit_kind(&nodes[0], "event", "title", false);
		edit_kind(&nodes[0], "report", "period", false);
	}
	static const char *const wanted[] = {"best_practice", "event", "report"};
	struct uccn_sync *a = engine_with(&nodes[0], 16, 2,
				 &(struct filter){.peer_kinds = wanted, .npeer_kinds = 3}),
			 *b = engine_with(
				 &nodes[1], 16, 2, &(struct filter){.kinds = wanted, .nkinds = 3});
	run(a, b, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	struct uccn_net_stats sb;
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sb.received, 80, "best practices and events only");
	cr_assert_eq(sb.applied, 80, "every one applied: no gap held any");
	cr_assert_eq(sb.held + sb.refused, 0);
	cr_assert_eq(records_of(&nodes[1], "project"), 0);
	cr_assert_eq(records_of(&nodes[1], "report"), 0, "asked for, but not a peer's to have");
	cr_assert_eq(records_of(&nodes[1], "event"), records_of(&nodes[0], "event"));
	uint64_t holds = 0;
	cr_assert_eq(uccn_sync_peer_holds(a, nodes[0].author.pk, &holds), UCCN_OK);
	cr_assert_eq(holds, 80, "what the peer holds of ours, counted feed by feed");
	cr_assert_eq(uccn_sync_pending(a), 0);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	/* A later session with the hub's rights brings the rest, and only the rest. */
	a = engine(&nodes[0], 16, 2);
	b = engine(&nodes[1], 16, 2);
	run(a, b, -1);
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sb.received, 80);
	cr_assert_eq(sb.applied, 80);
	cr_assert_eq(stored(&nodes[1]), 160);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, what_is_meant_for_the_secretariat_never_reaches_a_peer_city) {
	open_replica(&nodes[0], 0x63);
	open_replica(&nodes[1], 0x64);
	open_replica(&nodes[2], 0x65);
	for (int i = 0; i < 10; i++) {
		edit_kind(&nodes[0], "report", "period", false);
		edit_kind(&nodes[0], "best_practice", "title", i % 2 == 0); /* half marked */
		edit_kind(&nodes[0], "event", "title", false);
	}
	/* A peer city, asking for everything, reports included. */
	static const char *const wanted[] = {"report", "best_practice"};
	struct uccn_sync *a = engine_with(&nodes[0], 4, 2,
				 &(struct filter){.peer_kinds = wanted,
					 .npeer_kinds = 2,
					 .peer_key = nodes[1].author.pk}),
			 *b = engine_with(
				 &nodes[1], 4, 2, &(struct filter){.kinds = wanted, .nkinds = 2});
	run(a, b, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	cr_assert_eq(records_of(&nodes[1], "report"), 0, "no report reached the peer city");
	cr_assert_eq(records_of(&nodes[1], "best_practice"), 5, "only the unmarked ones");
	cr_assert_eq(records_of(&nodes[1], "event"), 0, "not asked for");
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	/* The Secretariat's hub gets them all. */
	a = engine(&nodes[0], 4, 2);
	b = engine(&nodes[2], 4, 2);
	run(a, b, -1);
	cr_assert_eq(records_of(&nodes[2], "report"), records_of(&nodes[0], "report"));
	cr_assert_eq(records_of(&nodes[2], "best_practice"), 10);
	cr_assert_eq(stored(&nodes[2]), 30);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	/* And a hub gives the city its own reports back (a city restoring its node), while a
	 * third party's stay with it. */
	close_replica(&nodes[1]);
	open_replica(&nodes[1], 0x63); /* node 0's key, an empty store */
	a = engine_with(&nodes[2], 4, 2, &(struct filter){.peer_key = nodes[0].author.pk});
	b = engine_with(&nodes[1], 4, 2, &(struct filter){.peer_secretariat = true});
	run(a, b, -1);
	cr_assert_eq(stored(&nodes[1]), 30, "its own reports too");
	cr_assert_eq(records_of(&nodes[1], "report"), 10);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_report_pushed_to_a_city_that_may_not_hold_it_is_dropped_and_the_session_goes_on) {
	open_replica(&nodes[0], 0x6a);
	open_replica(&nodes[1], 0x6b);
	open_replica(&nodes[2], 0x6c);
	/* The receiver judges for its own key; there is no Secretariat here (no network), so a
	 * report is for its author alone. */
	uccn_changelog_set_self(nodes[1].log, nodes[1].author.pk);
	for (int i = 0; i < 6; i++) {
		edit_kind(&nodes[0], "report", "period", false);
		edit_kind(&nodes[0], "best_practice", "title", i % 2 == 0); /* half marked */
	}
	/* The author pushes its own report to a peer city, as if it were the Secretariat (the
	 * rule of the past let a feed travel back to its author, and the receiver kept it). */
	struct uccn_sync *a = engine_with(
				 &nodes[0], 2, 2, &(struct filter){.peer_secretariat = true}),
			 *b = engine_with(
				 &nodes[1], 2, 2, &(struct filter){.peer_key = nodes[0].author.pk});
	run(a, b, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b), "the session completed");
	struct uccn_net_stats sa, sb;
	uccn_sync_get_stats(a, &sa);
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sa.batches_acked, sa.batches_sent, "every batch acknowledged");
	cr_assert_eq(sb.dropped, 9, "six reports and three marked practices");
	cr_assert_eq(sb.applied, 3);
	cr_assert_eq(sb.refused + sb.held, 0);
	cr_assert_eq(records_of(&nodes[1], "report"), 0, "no report kept");
	cr_assert_eq(records_of(&nodes[1], "best_practice"), 3, "only the unmarked ones");
	cr_assert_eq(stored(&nodes[1]), 3);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	/* Again: nothing is kept, nothing is held, and the session completes again. */
	edit_kind(&nodes[0], "report", "period", false);
	a = engine_with(&nodes[0], 2, 2, &(struct filter){.peer_secretariat = true});
	b = engine_with(&nodes[1], 2, 2, &(struct filter){.peer_key = nodes[0].author.pk});
	run(a, b, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sb.dropped, 10, "the whole feed again and its new link");
	cr_assert_eq(stored(&nodes[1]), 3);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	/* The receiver then syncs with a third node as ever, and offers it nothing of the kind. */
	a = engine_with(&nodes[1], 2, 2, &(struct filter){.peer_key = nodes[2].author.pk});
	b = engine_with(&nodes[2], 2, 2, &(struct filter){.peer_key = nodes[1].author.pk});
	run(a, b, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	cr_assert_eq(stored(&nodes[2]), 3);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_peer_that_sends_what_the_session_does_not_carry_is_cut_and_nothing_applied) {
	open_replica(&nodes[0], 0x66);
	open_replica(&nodes[1], 0x67);
	edit_kind(&nodes[0], "event", "title", false);
	edit_kind(&nodes[0], "best_practice", "title", false);
	static const char *const events[] = {"event"};
	/* The sender ignores the receiver's choice: it believes the receiver wants all. */
	struct uccn_sync *a = engine(&nodes[0], 8, 2),
			 *b = engine_with(
				 &nodes[1], 8, 2, &(struct filter){.kinds = events, .nkinds = 1});
	cr_assert_eq(uccn_sync_open(a), UCCN_OK);
	struct uccn_bytes p = {0};
	int err = UCCN_OK;
	for (int guard = 0; guard < 100 && err == UCCN_OK; guard++) {
		bool any = false;
		if (uccn_sync_pop_payload(a, &p)) {
			err = uccn_sync_on_payload(b, p.data, p.len, 1);
			any = true;
		}
		if (err == UCCN_OK && uccn_sync_pop_payload(b, &p)) {
			cr_assert_eq(uccn_sync_on_payload(a, p.data, p.len, 1), UCCN_OK);
			any = true;
		}
		if (!any) {
			break;
		}
	}
	uccn_bytes_finish(&p);
	cr_assert_eq(err, UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(b), "best_practice feed, which this session "
						      "does not carry"),
		"%s", uccn_sync_error(b));
	cr_assert_eq(stored(&nodes[1]), 0, "not even the event of the same batch");
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_ping_is_answered_with_its_token) {
	open_replica(&nodes[0], 0x68);
	open_replica(&nodes[1], 0x69);
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	run(a, b, -1);
	cr_assert_eq(uccn_sync_ping(a, 77), UCCN_OK);
	struct uccn_bytes p = {0};
	cr_assert(uccn_sync_pop_payload(a, &p));
	cr_assert_eq(uccn_sync_on_payload(b, p.data, p.len, 1), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(b, &p));
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(p.data, p.len, &m, NULL, 0), UCCN_OK);
	cr_assert_eq(m.type, UCCN_SYNC_PONG);
	cr_assert_eq(m.value, 77);
	uccn_codec_sync_msg_finish(&m);
	cr_assert_eq(uccn_sync_on_payload(a, p.data, p.len, 1), UCCN_OK);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	uccn_bytes_finish(&p);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, malformed_or_out_of_turn_payloads_end_the_session) {
	open_replica(&nodes[0], 0x77);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	const uint8_t junk[] = {0x92, 0x09, 0x00};
	cr_assert_eq(uccn_sync_on_payload(a, junk, sizeof(junk), 1), UCCN_EPROTO);
	struct uccn_bytes ack = {0};
	cr_assert_eq(uccn_codec_encode_sync_simple(UCCN_SYNC_ACK, 0, &ack), UCCN_OK);
	cr_assert_neq(uccn_sync_error(a)[0], '\0', "the reason is kept");
	cr_assert_eq(uccn_sync_on_payload(a, ack.data, ack.len, 1), UCCN_EPROTO,
		"an ack before the peer's vector");
	cr_assert_str_eq(uccn_sync_error(a), "a message before the peer's vector");
	for (size_t cut = 0; cut < ack.len; cut++) {
		cr_assert_eq(uccn_sync_on_payload(a, ack.data, cut, 1), UCCN_EPROTO);
	}
	uccn_bytes_finish(&ack);
	uccn_sync_destroy(a);
}

/* A signed change whose body nests 5000 arrays deep; msgpack-c alone would take it for a lack
 * of memory, and the engine would end the session for it. */
static void deep_change(struct uccn_bytes *out) {
	struct uccn_bytes body = {0};
	cr_assert_eq(uccn_bytes_append(&body, "\x9b\x01", 2), UCCN_OK);
	for (int i = 0; i < 5000; i++) {
		cr_assert_eq(uccn_bytes_append(&body, "\x91", 1), UCCN_OK);
	}
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(uccn_bytes_append(&body, "\xc0", 1), UCCN_OK);
	}
	uint8_t sig[UCCN_SIG_BYTES] = {0};
	cr_assert_eq(uccn_codec_encode_signed(body.data, body.len, sig, out), UCCN_OK);
	uccn_bytes_finish(&body);
}

Test(sync, a_change_nested_too_deep_is_refused_and_the_batch_goes_on) {
	open_replica(&nodes[0], 0x78);
	open_replica(&nodes[1], 0x79);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	struct uccn_bytes changes[3] = {{0}, {0}, {0}}, msg = {0};
	struct uccn_field f = test_str("title", "first");
	test_sign(
		&nodes[1].author, network, 0, "event", NULL, "e1", UCCN_OP_PUT, &f, 1, &changes[0]);
	deep_change(&changes[1]);
	f = test_str("title", "second");
	test_sign(
		&nodes[1].author, network, 0, "event", NULL, "e1", UCCN_OP_PUT, &f, 1, &changes[2]);
	cr_assert_eq(uccn_codec_encode_sync_vector(NULL, 0, &msg), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, msg.data, msg.len, 1), UCCN_OK);
	msg.len = 0;
	cr_assert_eq(uccn_codec_encode_sync_changes(0, changes, 3, &msg), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, msg.data, msg.len, 1), UCCN_OK);
	cr_assert_eq(uccn_sync_flush(a, 1), UCCN_OK);
	struct uccn_net_stats st;
	uccn_sync_get_stats(a, &st);
	cr_assert_eq(st.applied, 2);
	cr_assert_eq(st.refused, 1);
	cr_assert_eq(stored(&nodes[0]), 2);
	/* A sync message itself nested too deep ends the session, as any malformed one. */
	msg.len = 0;
	cr_assert_eq(uccn_bytes_append(&msg, "\x92\x05", 2), UCCN_OK);
	for (int i = 0; i < 5000; i++) {
		cr_assert_eq(uccn_bytes_append(&msg, "\x91", 1), UCCN_OK);
	}
	cr_assert_eq(uccn_bytes_append(&msg, "\x00", 1), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, msg.data, msg.len, 1), UCCN_EPROTO);
	for (int k = 0; k < 3; k++) {
		uccn_bytes_finish(&changes[k]);
	}
	uccn_bytes_finish(&msg);
	uccn_sync_destroy(a);
}

/* One verifying pool for every engine, as a node's event loop shares its own. */
static struct uccn_verifier *pool;

static struct uccn_sync *engine_any(struct replica *r, size_t batch, size_t window) {
	return engine_with(
		r, batch, window, &(struct filter){.peer_secretariat = true, .verifier = pool});
}

Test(sync, five_nodes_with_random_sessions_and_cuts_converge) {
	cr_assert_eq(uccn_verifier_create(2, &pool), UCCN_OK);
	for (unsigned seed = 1; seed <= 12; seed++) {
		unsigned rng = seed;
		for (int i = 0; i < NODES; i++) {
			open_replica(&nodes[i], (uint8_t)(0x80 + i));
		}
		for (int step = 0; step < 60; step++) {
			struct replica *r = &nodes[rand_r(&rng) % NODES];
			for (int k = rand_r(&rng) % 6; k > 0; k--) {
				edit(r, &rng);
			}
			int x = rand_r(&rng) % NODES, y = rand_r(&rng) % NODES;
			if (x == y) {
				continue;
			}
			struct uccn_sync *a = engine_any(&nodes[x], 1 + (size_t)(rand_r(&rng) % 8),
				1 + (size_t)(rand_r(&rng) % 3));
			struct uccn_sync *b = engine_any(&nodes[y], 1 + (size_t)(rand_r(&rng) % 8),
				1 + (size_t)(rand_r(&rng) % 3));
			run(a, b, rand_r(&rng) % 3 == 0 ? rand_r(&rng) % 12 : -1);
			uccn_sync_destroy(a);
			uccn_sync_destroy(b);
		}
		/* Heal: every node syncs with node 0, twice round, without cuts. */
		for (int round = 0; round < 2; round++) {
			for (int i = 1; i < NODES; i++) {
				struct uccn_sync *a = engine_any(&nodes[0], 0, 0),
						 *b = engine_any(&nodes[i], 0, 0);
				run(a, b, -1);
				cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b), "seed %u",
					seed);
				uccn_sync_destroy(a);
				uccn_sync_destroy(b);
			}
		}
		uint64_t total = 0;
		for (int i = 0; i < NODES; i++) {
			total += (uint64_t)nodes[i].edits;
		}
		struct uccn_bytes first = {0}, other = {0};
		test_dump_records(nodes[0].st, &first);
		for (int i = 0; i < NODES; i++) {
			cr_assert_eq(stored(&nodes[i]), total,
				"seed %u: node %d lost or lacks edits", seed, i);
			test_dump_records(nodes[i].st, &other);
			cr_assert_eq(first.len, other.len, "seed %u: node %d differs", seed, i);
			cr_assert_eq(memcmp(first.data, other.data, first.len), 0,
				"seed %u: node %d differs", seed, i);
		}
		uccn_bytes_finish(&first);
		uccn_bytes_finish(&other);
		for (int i = 0; i < NODES; i++) {
			close_replica(&nodes[i]);
		}
	}
	uccn_verifier_destroy(pool);
	pool = NULL;
}

Test(sync, large_changes_come_in_batches_that_fit_a_session_frame) {
	open_replica(&nodes[0], 0x91);
	open_replica(&nodes[1], 0x92);
	static char big[2][16001];
	memset(big[0], 'a', 16000);
	memset(big[1], 'b', 16000);
	for (int i = 0; i < 100; i++) {
		char id[16];
		snprintf(id, sizeof(id), "big%d", i);
		struct uccn_field f[2] = {test_str("title", big[0]), test_str("summary", big[1])};
		struct uccn_bytes b = {0};
		test_sign(&nodes[0].author, network, 0, "best_practice", NULL, id, UCCN_OP_PUT, f,
			2, &b);
		struct uccn_apply_result res;
		cr_assert_eq(uccn_store_begin(nodes[0].st), UCCN_OK);
		cr_assert_eq(uccn_changelog_apply(nodes[0].log, b.data, b.len, 1, &res, NULL, NULL),
			UCCN_OK);
		cr_assert_eq(uccn_store_commit(nodes[0].st), UCCN_OK);
		cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
		uccn_bytes_finish(&b);
	}
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	cr_assert_eq(uccn_sync_open(a), UCCN_OK);
	struct uccn_bytes p = {0};
	size_t largest = 0;
	for (int guard = 0; guard < 10000; guard++) {
		bool any = false;
		if (uccn_sync_pop_payload(a, &p)) {
			largest = p.len > largest ? p.len : largest;
			cr_assert_eq(uccn_sync_on_payload(b, p.data, p.len, 1), UCCN_OK);
			any = true;
		}
		if (uccn_sync_pop_payload(b, &p)) {
			cr_assert_eq(uccn_sync_on_payload(a, p.data, p.len, 1), UCCN_OK);
			any = true;
		}
		if (!any) {
			break;
		}
	}
	uccn_bytes_finish(&p);
	struct uccn_net_stats sa;
	uccn_sync_get_stats(a, &sa);
	cr_assert_eq(stored(&nodes[1]), 100);
	cr_assert_gt(sa.batches_sent, 3, "3.2 MB cannot go in one batch");
	cr_assert_leq(largest, (size_t)(1024 * 1024 - 16), "a batch of %zu bytes", largest);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

/* The catch-up mark a node keeps while it lacks part of its own chain, and the head it asks for
 * (PROTOCOL.md §11.7). */
static bool marked(struct replica *r, uint64_t *want) {
	struct uccn_bytes v = {0};
	int err = uccn_store_get_meta(r->st, UCCN_META_CATCH_UP, &v);
	cr_assert(err == UCCN_OK || err == UCCN_ENOTFOUND, "%s", uccn_err_name(err));
	*want = 0;
	for (size_t i = 0; i < v.len && i < 8; i++) {
		*want |= (uint64_t)v.data[i] << (8 * i);
	}
	uccn_bytes_finish(&v);
	return err == UCCN_OK;
}

static uint64_t own_head(struct replica *r) {
	struct uccn_store_head h;
	cr_assert_eq(uccn_store_get_head(r->st, r->author.pk, &h), UCCN_OK);
	return h.seq;
}

/* to becomes an old copy of from: its first n changes only, from's node key its own. */
static void old_copy(struct replica *from, struct replica *to, uint64_t n) {
	uccn_changelog_set_self(to->log, from->author.pk);
	memcpy(to->author.pk, from->author.pk, UCCN_KEY_BYTES);
	struct uccn_bytes b = {0};
	cr_assert_eq(uccn_store_begin(to->st), UCCN_OK);
	for (uint64_t seq = 1; seq <= n; seq++) {
		struct uccn_apply_result res;
		cr_assert_eq(uccn_store_get_change(from->st, from->author.pk, seq, &b), UCCN_OK);
		cr_assert_eq(
			uccn_changelog_apply(to->log, b.data, b.len, 1, &res, NULL, NULL), UCCN_OK);
		cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
	}
	cr_assert_eq(uccn_store_commit(to->st), UCCN_OK);
	uccn_bytes_finish(&b);
}

/* Node 0 writes five changes (and a report, when asked) and gives them to node 1; node 2 is
 * node 0 restored from a copy that holds its first two changes. */
static void restored_behind(uint8_t seed, bool report) {
	open_replica(&nodes[0], seed);
	open_replica(&nodes[1], (uint8_t)(seed + 1));
	open_replica(&nodes[2], (uint8_t)(seed + 2));
	uccn_changelog_set_self(nodes[0].log, nodes[0].author.pk);
	for (int i = 0; i < 5; i++) {
		edit_kind(&nodes[0], i % 2 ? "best_practice" : "event", "title", false);
	}
	if (report) {
		edit_kind(&nodes[0], "report", "period", false);
	}
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	run(a, b, -1);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	old_copy(&nodes[0], &nodes[2], 2);
}

Test(sync, a_peer_holding_more_of_the_nodes_own_chain_marks_it_until_it_is_given_back) {
	restored_behind(0x81, true);
	struct uccn_sync *b;
	uint64_t want;
	cr_assert_not(marked(&nodes[2], &want));
	/* The hub's node sees it as the city that wrote those changes: even the report, meant
	 * for the Secretariat alone, goes back to it. */
	struct uccn_sync *c = engine(&nodes[2], 0, 0);
	b = engine_with(&nodes[1], 0, 0, &(struct filter){.peer_key = nodes[0].author.pk});
	struct uccn_bytes vector = {0};
	cr_assert_eq(uccn_sync_open(b), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(b, &vector));
	cr_assert_eq(uccn_sync_on_payload(c, vector.data, vector.len, 1), UCCN_OK);
	uccn_bytes_finish(&vector);
	cr_assert(marked(&nodes[2], &want), "the peer's vector shows #6, the store ends at #2");
	cr_assert_eq(want, 6);
	run(c, b, -1);
	cr_assert_eq(own_head(&nodes[2]), 6);
	cr_assert_not(marked(&nodes[2], &want), "caught up: the mark is cleared");
	uccn_sync_destroy(c);
	uccn_sync_destroy(b);
}

Test(sync, a_session_that_carries_some_kinds_only_cannot_clear_the_mark) {
	open_replica(&nodes[0], 0x84);
	open_replica(&nodes[1], 0x85);
	open_replica(&nodes[2], 0x86);
	uccn_changelog_set_self(nodes[0].log, nodes[0].author.pk);
	edit_kind(&nodes[0], "best_practice", "title", false);
	edit_kind(&nodes[0], "event", "title", false);
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	run(a, b, -1);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	old_copy(&nodes[0], &nodes[2], 1);
	/* Restored: marked with no head known yet. */
	uint8_t zero[8] = {0};
	cr_assert_eq(uccn_store_begin(nodes[2].st), UCCN_OK);
	cr_assert_eq(uccn_store_set_meta(nodes[2].st, UCCN_META_CATCH_UP, zero, 8), UCCN_OK);
	cr_assert_eq(uccn_store_commit(nodes[2].st), UCCN_OK);
	/* A peer that exchanges best practices only announces that feed alone: it cannot say how
	 * far the node's chain goes. */
	const char *const kinds[] = {"best_practice"};
	struct filter only = {.kinds = kinds,
		.nkinds = 1,
		.peer_kinds = kinds,
		.npeer_kinds = 1,
		.peer_secretariat = true,
		.peer_key = nodes[1].author.pk};
	struct uccn_sync *c = engine_with(&nodes[2], 0, 0, &only);
	only.peer_key = nodes[2].author.pk;
	b = engine_with(&nodes[1], 0, 0, &only);
	run(c, b, -1);
	uint64_t want;
	cr_assert(marked(&nodes[2], &want), "a partial view leaves the mark");
	uccn_sync_destroy(c);
	uccn_sync_destroy(b);
	/* A peer that knows nothing of the node says nothing either. */
	open_replica(&nodes[3], 0x87);
	c = engine(&nodes[2], 0, 0);
	struct uccn_sync *d = engine(&nodes[3], 0, 0);
	run(c, d, -1);
	cr_assert(marked(&nodes[2], &want), "a stranger's empty vector leaves the mark");
	uccn_sync_destroy(c);
	uccn_sync_destroy(d);
	/* The full session does. Each side knows the other's key, as in a real session: the heads
	 * of the two keys are named in a LIST (§11.8). */
	c = engine_with(&nodes[2], 0, 0,
		&(struct filter){.peer_secretariat = true, .peer_key = nodes[1].author.pk});
	b = engine_with(&nodes[1], 0, 0,
		&(struct filter){.peer_secretariat = true, .peer_key = nodes[2].author.pk});
	run(c, b, -1);
	cr_assert_eq(own_head(&nodes[2]), 2);
	cr_assert_not(marked(&nodes[2], &want));
	uccn_sync_destroy(c);
	uccn_sync_destroy(b);
}

Test(sync, a_vector_in_the_worst_order_costs_work_linear_in_its_entries) {
	open_replica(&nodes[0], 0x7a);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	/* 20,000 feeds of distinct authors, in decreasing order, and each listed twice: placed one
	 * by one in a sorted table, every entry would shift all those before it (200 million
	 * moves). */
	enum { N = 20000 };
	struct uccn_sync_entry *e = calloc(2 * N, sizeof(*e));
	cr_assert_not_null(e);
	for (size_t i = 0; i < 2 * N; i++) {
		size_t k = N - 1 - i % N;
		e[i].author[0] = (uint8_t)(k >> 8);
		e[i].author[1] = (uint8_t)k;
		e[i].feed = "best_practice";
		e[i].seq = i < N ? 1 : 2;
	}
	struct uccn_bytes v = {0};
	cr_assert_eq(uccn_codec_encode_sync_vector(e, 2 * N, &v), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, v.data, v.len, 1), UCCN_OK);
	struct uccn_net_stats stats;
	uccn_sync_get_stats(a, &stats);
	cr_assert_leq(stats.moves, 4 * N, "%llu moves", (unsigned long long)stats.moves);
	uccn_bytes_finish(&v);
	free(e);
	uccn_sync_destroy(a);
}

struct signed_change {
	uint8_t pk[UCCN_KEY_BYTES];
	char kind[16];
	struct uccn_bytes bytes;
};

static int descending(const void *a, const void *b) {
	const struct signed_change *x = a, *y = b;
	int c = memcmp(y->pk, x->pk, UCCN_KEY_BYTES);
	return c != 0 ? c : strcmp(y->kind, x->kind);
}

Test(sync, a_batch_in_the_worst_order_costs_work_linear_in_its_changes) {
	open_replica(&nodes[0], 0x7b);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	/* 765 chains new to the engine (255 authors, three kinds each), in decreasing order:
	 * noted one by one in a sorted table, each would shift all those before it. */
	static const char *const kinds[] = {"best_practice", "event", "project"};
	enum { AUTHORS = 255, N = AUTHORS * 3 };
	struct signed_change *c = calloc(N, sizeof(*c));
	cr_assert_not_null(c);
	for (int i = 0; i < AUTHORS; i++) {
		struct test_author who;
		test_author_init(&who, (uint8_t)(i + 1));
		for (int k = 0; k < 3; k++) {
			struct signed_change *x = &c[i * 3 + k];
			struct uccn_field f = test_str("title", "worst order");
			test_sign(&who, network, 0, kinds[k], NULL, "r1", UCCN_OP_PUT, &f, 1,
				&x->bytes);
			memcpy(x->pk, who.pk, UCCN_KEY_BYTES);
			snprintf(x->kind, sizeof(x->kind), "%s", kinds[k]);
		}
		test_author_finish(&who);
	}
	qsort(c, N, sizeof(*c), descending);
	struct uccn_bytes *bytes = calloc(N, sizeof(*bytes));
	cr_assert_not_null(bytes);
	for (int i = 0; i < N; i++) {
		bytes[i] = c[i].bytes;
	}
	struct uccn_bytes v = {0}, batch = {0};
	cr_assert_eq(uccn_codec_encode_sync_vector(NULL, 0, &v), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, v.data, v.len, 1), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_sync_changes(0, bytes, N, &batch), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, batch.data, batch.len, 1), UCCN_OK);
	struct uccn_net_stats stats;
	uccn_sync_get_stats(a, &stats);
	cr_assert_eq(stats.applied, N);
	cr_assert_leq(stats.moves, 4 * N, "%llu moves", (unsigned long long)stats.moves);
	for (int i = 0; i < N; i++) {
		uccn_bytes_finish(&c[i].bytes);
	}
	free(c);
	free(bytes);
	uccn_bytes_finish(&v);
	uccn_bytes_finish(&batch);
	uccn_sync_destroy(a);
}

/* ---- Reconciliation (PROTOCOL.md §11.2) and compressed batches (§11.8) ----------------- */

/* The same change applied to r (both r0 and r1 when given). */
static void apply_to(struct replica *r, const struct uccn_bytes *b) {
	struct uccn_apply_result res;
	cr_assert_eq(uccn_store_begin(r->st), UCCN_OK);
	cr_assert_eq(uccn_changelog_apply(r->log, b->data, b->len, 1, &res, NULL, NULL), UCCN_OK);
	cr_assert_eq(uccn_store_commit(r->st), UCCN_OK);
	cr_assert_eq(res.outcome, UCCN_APPLIED, "%s", res.why);
}

/* authors × 3 feeds (best_practice, event, project) held by both replicas; the last author's
 * event feed one change further on r0 alone when `differ`. */
static void shared_feeds(struct replica *r0, struct replica *r1, int authors, bool differ) {
	static const char *const kinds[] = {"best_practice", "event", "project"};
	for (int i = 0; i < authors; i++) {
		struct test_author who;
		test_author_init(&who, (uint8_t)(i + 1));
		for (int k = 0; k < 3; k++) {
			struct uccn_field f = test_str("title", "shared");
			struct uccn_bytes b = {0};
			test_sign(&who, network, 0, kinds[k], NULL, "r1", UCCN_OP_PUT, &f, 1, &b);
			apply_to(r0, &b);
			apply_to(r1, &b);
			uccn_bytes_finish(&b);
		}
		if (differ && i == authors / 2) {
			struct uccn_field f = test_str("title", "new");
			struct uccn_bytes b = {0};
			test_sign(&who, network, 0, "event", NULL, "r1", UCCN_OP_PUT, &f, 1, &b);
			apply_to(r0, &b);
			uccn_bytes_finish(&b);
		}
		test_author_finish(&who);
	}
}

struct traffic {
	int recon;          /* RECON messages */
	size_t recon_bytes; /* their bytes */
	int messages;
};

/* As run(), showing each payload to watch (from_a: a sent it) before it is delivered. */
typedef void (*watch_fn)(const struct uccn_bytes *p, bool from_a, void *ctx);

static void run_watching(struct uccn_sync *a, struct uccn_sync *b, watch_fn watch, void *ctx) {
	struct uccn_bytes p = {0};
	cr_assert_eq(uccn_sync_open(a), UCCN_OK);
	for (int guard = 0; guard < 100000; guard++) {
		bool any = false;
		for (int side = 0; side < 2; side++) {
			struct uccn_sync *from = side ? b : a, *to = side ? a : b;
			if (uccn_sync_pop_payload(from, &p)) {
				watch(&p, side == 0, ctx);
				cr_assert_eq(uccn_sync_on_payload(to, p.data, p.len, 1), UCCN_OK,
					"%s", uccn_sync_error(to));
				any = true;
			}
		}
		if (!any) {
			cr_assert_eq(uccn_sync_flush(a, 1), UCCN_OK);
			cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
			if (!uccn_sync_pop_payload(a, &p) && !uccn_sync_pop_payload(b, &p)) {
				break;
			}
			cr_assert_fail("a flush queued a payload: not expected here");
		}
	}
	uccn_bytes_finish(&p);
}

static void count_recon(const struct uccn_bytes *p, bool from_a, void *ctx) {
	struct traffic *t = ctx;
	t->messages++;
	if (p->len > 1 && p->data[1] == UCCN_SYNC_RECON) {
		t->recon++;
		t->recon_bytes += p->len;
	}
}

/* One session between fresh replicas 0 and 1 holding authors × 3 shared feeds. */
static struct traffic reconcile(int authors, bool differ) {
	open_replica(&nodes[0], 0x90);
	open_replica(&nodes[1], 0x91);
	shared_feeds(&nodes[0], &nodes[1], authors, differ);
	struct uccn_sync *a = engine(&nodes[1], 0, 0), *b = engine(&nodes[0], 0, 0);
	struct traffic t = {0};
	run_watching(a, b, count_recon, &t);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
	cr_assert_eq(stored(&nodes[0]), stored(&nodes[1]), "the two hold the same");
	struct uccn_net_stats sb;
	uccn_sync_get_stats(b, &sb);
	cr_assert_eq(sb.sent, differ ? 1 : 0, "only the change that differs is sent");
	struct uccn_sync_wire_stats wa, wb;
	uccn_sync_get_wire_stats(a, &wa);
	uccn_sync_get_wire_stats(b, &wb);
	cr_assert_eq(wa.recon_sent + wb.recon_sent, (uint64_t)t.recon, "every RECON counted");
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
	close_replica(&nodes[0]);
	close_replica(&nodes[1]);
	return t;
}

Test(sync, holding_the_same_costs_two_small_messages_whatever_the_size) {
	struct traffic small = reconcile(16, false), large = reconcile(255, false);
	cr_assert_eq(small.recon, 2, "the opening and its answer");
	cr_assert_eq(large.recon, 2, "the opening and its answer");
	cr_assert_leq(large.recon_bytes, 600, "%zu bytes for 765 feeds", large.recon_bytes);
	cr_assert_leq(large.recon_bytes, small.recon_bytes + 64, "%zu vs %zu bytes",
		large.recon_bytes, small.recon_bytes);
}

Test(sync, one_feed_that_differs_among_many_costs_the_log_of_their_number) {
	/* 48 feeds, then 765 (16 times as many): a difference in one feed costs bytes and
	 * messages that grow with the log of the set, far from 16 times. */
	struct traffic small = reconcile(16, true), large = reconcile(255, true);
	cr_assert_leq(large.recon, small.recon + 2, "%d vs %d messages", large.recon, small.recon);
	cr_assert_leq(large.recon_bytes, 2 * small.recon_bytes + 600, "%zu vs %zu bytes",
		large.recon_bytes, small.recon_bytes);
	cr_assert_leq(large.recon_bytes, 2000, "%zu bytes", large.recon_bytes);
}

/* The payload an engine opens with, for a replica and a filter. */
static void opening(struct replica *r, const struct filter *f, struct uccn_bytes *out) {
	struct filter g = *f;
	struct uccn_sync *s = engine_with(r, 0, 0, &g);
	cr_assert_eq(uccn_sync_open(s), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(s, out));
	uccn_sync_destroy(s);
}

/* Two openings that are one LIST each list the same heads: the same seqs and named heads, and
 * as many digests (their bytes differ: each list draws its salt). */
static void same_list(const struct uccn_bytes *p0, const struct uccn_bytes *p1) {
	struct uccn_sync_msg m0, m1;
	cr_assert_eq(uccn_codec_decode_sync(p0->data, p0->len, &m0, NULL, 0), UCCN_OK);
	cr_assert_eq(uccn_codec_decode_sync(p1->data, p1->len, &m1, NULL, 0), UCCN_OK);
	cr_assert_eq(m0.nranges, 1);
	cr_assert_eq(m1.nranges, 1);
	cr_assert_eq(m0.ranges[0].mode, UCCN_RANGE_LIST);
	cr_assert_eq(m1.ranges[0].mode, UCCN_RANGE_LIST);
	cr_assert_eq(m0.ntags, m1.ntags, "as many heads by digest");
	cr_assert_gt(m0.ntags, 0);
	for (size_t i = 0; i < m0.ntags; i++) {
		cr_assert_eq(m0.tags[i].seq, m1.tags[i].seq);
	}
	cr_assert_eq(m0.count, m1.count, "as many named heads");
	for (size_t i = 0; i < m0.count; i++) {
		cr_assert_str_eq(m0.entries[i].feed, m1.entries[i].feed);
		cr_assert_eq(m0.entries[i].seq, m1.entries[i].seq);
	}
	uccn_codec_sync_msg_finish(&m0);
	uccn_codec_sync_msg_finish(&m1);
}

Test(sync, feeds_that_do_not_travel_leave_no_trace_in_the_reconciliation) {
	/* Replica 1 holds what replica 0 holds, plus a report for the Secretariat alone by
	 * another author and a best practice. To a peer that may not hold the report and that
	 * asked for events and projects only, both open with the same bytes: neither the
	 * report's feed nor the best practice's is in a fingerprint, a bound or a list. */
	open_replica(&nodes[0], 0x92);
	open_replica(&nodes[1], 0x93);
	shared_feeds(&nodes[0], &nodes[1], 40, false);
	edit_kind(&nodes[1], "report", "period", true);
	edit_kind(&nodes[1], "best_practice", "title", false);
	struct test_author peer;
	test_author_init(&peer, 0xee);
	static const char *const kinds[] = {"event", "project", "report"};
	struct filter f = {.peer_key = peer.pk, .peer_kinds = kinds, .npeer_kinds = 3};
	struct uccn_bytes p0 = {0}, p1 = {0};
	opening(&nodes[0], &f, &p0);
	opening(&nodes[1], &f, &p1);
	cr_assert_eq(p0.len, p1.len);
	cr_assert_eq(memcmp(p0.data, p1.data, p0.len), 0, "the same bytes");
	/* And the same for a small set, sent as a list. */
	close_replica(&nodes[0]);
	close_replica(&nodes[1]);
	open_replica(&nodes[0], 0x92);
	open_replica(&nodes[1], 0x93);
	shared_feeds(&nodes[0], &nodes[1], 2, false);
	edit_kind(&nodes[1], "report", "period", true);
	p0.len = p1.len = 0;
	opening(&nodes[0], &f, &p0);
	opening(&nodes[1], &f, &p1);
	same_list(&p0, &p1);
	uccn_bytes_finish(&p0);
	uccn_bytes_finish(&p1);
	test_author_finish(&peer);
}

/* Feeds a responder engine payload after payload; the last one's result. */
static int feed(struct uccn_sync *s, const struct uccn_bytes *msgs, size_t n) {
	int err = UCCN_OK;
	for (size_t i = 0; i < n && err == UCCN_OK; i++) {
		err = uccn_sync_on_payload(s, msgs[i].data, msgs[i].len, 1);
	}
	return err;
}

Test(sync, reconciliation_messages_that_break_the_rules_end_the_session) {
	open_replica(&nodes[0], 0x94);
	open_replica(&nodes[1], 0x95);
	shared_feeds(&nodes[0], &nodes[1], 40, true);
	struct uccn_sync_range all = {.open_end = true, .mode = UCCN_RANGE_LACK};
	struct uccn_bytes m[3] = {{0}, {0}, {0}};
	/* An opening that answers nothing. */
	cr_assert_eq(uccn_codec_encode_sync_recon(0, &all, 1, NULL, NULL, &m[0]), UCCN_OK);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	cr_assert_eq(feed(a, m, 1), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(a), "answers nothing"), "%s", uccn_sync_error(a));
	uccn_sync_destroy(a);
	/* A batch before the reconciliation ended. */
	struct uccn_sync *b = engine(&nodes[1], 0, 0);
	cr_assert_eq(uccn_sync_open(b), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(b, &m[0]));
	a = engine(&nodes[0], 0, 0);
	cr_assert_eq(uccn_sync_on_payload(a, m[0].data, m[0].len, 1), UCCN_OK);
	m[1].len = 0;
	cr_assert_eq(uccn_codec_encode_sync_changes(0, NULL, 0, &m[1]), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, m[1].data, m[1].len, 1), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(a), "before the reconciliation ended"));
	uccn_sync_destroy(a);
	/* The same opening twice: the second answers nothing a asked. */
	a = engine(&nodes[0], 0, 0);
	cr_assert_eq(uccn_sync_on_payload(a, m[0].data, m[0].len, 1), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, m[0].data, m[0].len, 1), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(a), "does not answer ours"));
	uccn_sync_destroy(a);
	/* Once the reconciliation is over, a RECON is out of turn. */
	a = engine(&nodes[0], 0, 0);
	struct uccn_sync *c = engine(&nodes[1], 0, 0);
	run(c, a, -1);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(c));
	cr_assert_eq(uccn_sync_on_payload(a, m[0].data, m[0].len, 1), UCCN_EPROTO);
	cr_assert_str_eq(uccn_sync_error(a), "a reconciliation message out of turn");
	uccn_sync_destroy(a);
	uccn_sync_destroy(c);
	/* b opens with fingerprints (120 feeds): a LACK inside one of them answers nothing b
	 * asked. */
	struct uccn_sync_range lack[2] = {
		{.bound = {0x00}, .bound_len = 1, .mode = UCCN_RANGE_LACK},
		{.open_end = true, .mode = UCCN_RANGE_SKIP}};
	m[2].len = 0;
	cr_assert_eq(uccn_codec_encode_sync_recon(0, lack, 2, NULL, NULL, &m[2]), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(b, m[2].data, m[2].len, 1), UCCN_EPROTO);
	cr_assert_not_null(
		strstr(uccn_sync_error(b), "does not answer ours"), "%s", uccn_sync_error(b));
	uccn_sync_destroy(b);
	/* A range of the answer that straddles two of ours. */
	b = engine(&nodes[1], 0, 0);
	cr_assert_eq(uccn_sync_open(b), UCCN_OK);
	struct uccn_sync_range two[2] = {
		{.bound = {0xff, 0xff}, .bound_len = 2, .mode = UCCN_RANGE_FP},
		{.open_end = true, .mode = UCCN_RANGE_SKIP}};
	m[2].len = 0;
	cr_assert_eq(uccn_codec_encode_sync_recon(0, two, 2, NULL, NULL, &m[2]), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(b, m[2].data, m[2].len, 1), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(b), "straddles"), "%s", uccn_sync_error(b));
	uccn_sync_destroy(b);
	for (int i = 0; i < 3; i++) {
		uccn_bytes_finish(&m[i]);
	}
}

/* How many CHANGES (plain) and ZCHANGES payloads one side sent, and whether a compressed one
 * held a change of a @secretariat feed. */
struct batches {
	int plain, compressed;
	bool secret_compressed;
};

static void count_batches(const struct uccn_bytes *p, bool from_a, void *ctx) {
	struct batches *out = ctx;
	if (!from_a || p->len < 2) {
		return;
	}
	if (p->data[1] == UCCN_SYNC_CHANGES) {
		out->plain++;
		return;
	}
	if (p->data[1] != UCCN_SYNC_ZCHANGES) {
		return;
	}
	out->compressed++;
	struct uccn_sync_msg m;
	cr_assert_eq(uccn_codec_decode_sync(p->data, p->len, &m, NULL, 0), UCCN_OK);
	for (size_t i = 0; i < m.count; i++) {
		struct uccn_change c;
		cr_assert_eq(
			uccn_codec_decode_change(m.changes[i].data, m.changes[i].len, &c, NULL, 0),
			UCCN_OK);
		for (size_t k = 0; k < uccn_change_field_count(&c); k++) {
			const struct uccn_field *f = uccn_change_field_at(&c, k);
			out->secret_compressed |= strcmp(f->name, "audience") == 0;
		}
	}
	uccn_codec_sync_msg_finish(&m);
}

Test(sync, batches_go_compressed_when_both_offer_it_and_plain_otherwise) {
	for (int declines = 0; declines < 3; declines++) {
		open_replica(&nodes[0], 0x96);
		open_replica(&nodes[1], 0x97);
		unsigned rng = 5;
		for (int i = 0; i < 600; i++) {
			edit(&nodes[0], &rng); /* reports for the Secretariat alone among them */
			if (i % 7 == 0) {
				edit_kind(&nodes[0], "report", "period", true);
			}
		}
		struct uccn_sync *a = engine_with(&nodes[0], 64, 2,
					 &(struct filter){.peer_secretariat = true,
						 .no_compress = declines == 1}),
				 *b = engine_with(&nodes[1], 64, 2,
					 &(struct filter){.peer_secretariat = true,
						 .no_compress = declines == 2});
		struct batches n = {0};
		run_watching(a, b, count_batches, &n);
		cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b));
		cr_assert_eq(stored(&nodes[1]), stored(&nodes[0]), "the two hold the same");
		struct uccn_sync_wire_stats sa;
		uccn_sync_get_wire_stats(a, &sa);
		cr_assert_eq(
			sa.zbatches_sent, (uint64_t)n.compressed, "every compressed batch counted");
		if (declines == 0) {
			cr_assert_gt(n.compressed, 0);
			cr_assert_gt(n.plain, 0, "the reports for the Secretariat went plain");
			cr_assert_not(n.secret_compressed,
				"nothing for the Secretariat alone is compressed with others");
			cr_assert(sa.compressing);
		} else {
			cr_assert_eq(n.compressed, 0, "side %d declined", declines);
			cr_assert_not(sa.compressing);
		}
		uccn_sync_destroy(a);
		uccn_sync_destroy(b);
		close_replica(&nodes[0]);
		close_replica(&nodes[1]);
	}
}

/* The longest compressed batch a's side sent. */
static void longest_zbatch(const struct uccn_bytes *p, bool from_a, void *ctx) {
	size_t *longest = ctx;
	if (from_a && p->len >= 2 && p->data[1] == UCCN_SYNC_ZCHANGES && p->len > *longest) {
		*longest = p->len;
	}
}

Test(sync, a_compressed_batch_longer_than_a_change_is_taken) {
	/* Sixty best practices of 3,000 random letters each: one batch of about 180 KB that
	 * compresses to about 110 KB, a frame far longer than a change may be (64 KiB). Only
	 * what it decompresses to is bounded by a change's length (§11.9); the frame by the
	 * session's. */
	open_replica(&nodes[0], 0x9e);
	open_replica(&nodes[1], 0x9f);
	unsigned rng = 11;
	static char text[3001];
	for (int i = 0; i < 60; i++) {
		for (size_t k = 0; k < sizeof(text) - 1; k++) {
			text[k] = (char)('a' + rand_r(&rng) % 26);
		}
		char id[16];
		snprintf(id, sizeof(id), "long%d", i);
		struct uccn_field f[2] = {test_str("title", id), test_str("summary", text)};
		struct uccn_bytes b = {0};
		test_sign(&nodes[0].author, network, 0, "best_practice", NULL, id, UCCN_OP_PUT, f, 2,
			&b);
		apply_to(&nodes[0], &b);
		uccn_bytes_finish(&b);
	}
	struct uccn_sync *a = engine(&nodes[0], 0, 0), *b = engine(&nodes[1], 0, 0);
	size_t longest = 0;
	run_watching(a, b, longest_zbatch, &longest);
	cr_assert(uccn_sync_is_idle(a) && uccn_sync_is_idle(b), "%s%s", uccn_sync_error(a),
		uccn_sync_error(b));
	cr_assert_eq(stored(&nodes[1]), 60, "every long practice arrived");
	cr_assert_gt(longest, 65536, "a compressed frame longer than a change: %zu", longest);
	uccn_sync_destroy(a);
	uccn_sync_destroy(b);
}

Test(sync, a_compressed_batch_the_session_did_not_agree_to_ends_it) {
	open_replica(&nodes[0], 0x98);
	struct uccn_sync *a = engine_with(
		&nodes[0], 0, 0, &(struct filter){.peer_secretariat = true, .no_compress = true});
	struct uccn_bytes m = {0};
	struct uccn_sync_range all = {.open_end = true, .mode = UCCN_RANGE_LIST};
	cr_assert_eq(
		uccn_codec_encode_sync_recon(UCCN_SYNC_FEATURE_ZSTD, &all, 1, NULL, NULL, &m), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, m.data, m.len, 1), UCCN_OK);
	m.len = 0;
	cr_assert_eq(uccn_codec_encode_sync_zchanges(0, NULL, 0, &m), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, m.data, m.len, 1), UCCN_EPROTO);
	cr_assert_str_eq(
		uccn_sync_error(a), "a compressed batch, which this session did not agree to");
	uccn_bytes_finish(&m);
	uccn_sync_destroy(a);
}

/* The restored node (restored_behind) opens and lists its heads; the hub, which knows its key,
 * answers: its LACK alone must show the node's own chain up to head, then the session gives
 * it back and the mark goes. */
static void restored_lists_its_heads(uint8_t seed, bool report, uint64_t head) {
	restored_behind(seed, report);
	uint64_t want;
	struct uccn_sync *c = engine(&nodes[2], 0, 0);
	struct uccn_sync *b =
		engine_with(&nodes[1], 0, 0, &(struct filter){.peer_key = nodes[0].author.pk});
	struct uccn_bytes p = {0};
	cr_assert_eq(uccn_sync_open(c), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(c, &p));
	cr_assert_eq(uccn_sync_on_payload(b, p.data, p.len, 1), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(b, &p), "the hub's LACK");
	cr_assert_eq(uccn_sync_on_payload(c, p.data, p.len, 1), UCCN_OK);
	cr_assert(marked(&nodes[2], &want), "the answer shows #%llu, the store ends at #2",
		(unsigned long long)head);
	cr_assert_eq(want, head);
	uccn_bytes_finish(&p);
	run(c, b, -1);
	cr_assert_eq(own_head(&nodes[2]), head);
	cr_assert_not(marked(&nodes[2], &want), "caught up: the mark is cleared");
	uccn_sync_destroy(c);
	uccn_sync_destroy(b);
}

Test(sync, a_node_that_lists_its_heads_learns_from_the_answer_how_far_its_own_chain_goes) {
	/* As above, but the restored node opens and lists its heads: the hub's LACK must name
	 * the node's own feeds it holds further (§11.8 rule b), or the node would not know. */
	restored_lists_its_heads(0x87, false, 5);
}

Test(sync, a_node_that_lists_its_heads_learns_of_its_own_feeds_it_holds_none_of) {
	/* The restored copy holds #1 and #2 only: it lists its event and best practice feeds and
	 * not its report feed, of which the hub holds #6. The hub's LACK must name that feed too
	 * (§11.8 rule b, "or the list does not name that feed"). */
	restored_lists_its_heads(0x9b, true, 6);
}

/* Gives s one RECON of the given ranges and items; what s made of it. */
static int give_recon(struct uccn_sync *s, const struct uccn_sync_range *r, size_t n,
	const struct uccn_sync_entry *named, const struct uccn_sync_tag *tags) {
	struct uccn_bytes p = {0};
	cr_assert_eq(uccn_codec_encode_sync_recon(0, r, n, named, tags, &p), UCCN_OK);
	int err = uccn_sync_on_payload(s, p.data, p.len, 1);
	uccn_bytes_finish(&p);
	return err;
}

/* A RECON of two ranges naming head e (the peer's) where it does not lie ends the session of
 * nodes[0], which knows nodes[1]'s key. */
static void refuse_named_outside(
	const struct uccn_sync_range ranges[2], const struct uccn_sync_entry *e) {
	struct uccn_sync *a = engine_with(&nodes[0], 0, 0,
		&(struct filter){.peer_secretariat = true, .peer_key = nodes[1].author.pk});
	cr_assert_eq(give_recon(a, ranges, 2, e, NULL), UCCN_EPROTO);
	cr_assert_not_null(
		strstr(uccn_sync_error(a), "outside the range"), "%s", uccn_sync_error(a));
	uccn_sync_destroy(a);
}

Test(sync, lists_and_lacks_that_break_the_rules_end_the_session) {
	open_replica(&nodes[0], 0x9c);
	open_replica(&nodes[1], 0x9d);
	shared_feeds(&nodes[0], &nodes[1], 2, false);
	/* Two heads of one digest: the answerer could not tell which feed either is. */
	struct uccn_sync_range all = {.open_end = true, .mode = UCCN_RANGE_LIST, .tcount = 2};
	struct uccn_sync_tag twins[2] = {{0x01020304, 1}, {0x01020304, 2}};
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	cr_assert_eq(give_recon(a, &all, 1, NULL, twins), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(a), "two heads of one digest"), "%s",
		uccn_sync_error(a));
	uccn_sync_destroy(a);
	/* A named head outside its range: the peer's event feed, below a bound of one zero byte,
	 * which only keys starting 00 are. */
	struct uccn_sync_range cut[2] = {
		{.bound = {0x00}, .bound_len = 1, .mode = UCCN_RANGE_LIST, .count = 1},
		{.open_end = true, .mode = UCCN_RANGE_FP}};
	struct uccn_sync_entry event = {.feed = "event", .seq = 1, .who = 0};
	refuse_named_outside(cut, &event);
	/* And below its range: the peer's event feed in a range that starts at its key + "f". */
	struct uccn_sync_range above[2] = {
		{.bound_len = UCCN_KEY_BYTES + 1, .mode = UCCN_RANGE_FP},
		{.open_end = true, .mode = UCCN_RANGE_LIST, .count = 1}};
	memcpy(above[0].bound, nodes[1].author.pk, UCCN_KEY_BYTES);
	above[0].bound[UCCN_KEY_BYTES] = 'f';
	refuse_named_outside(above, &event);
	/* A LACK answering an index past our LIST's digests (a lists its 6 heads). */
	a = engine(&nodes[0], 0, 0);
	cr_assert_eq(uccn_sync_open(a), UCCN_OK);
	struct uccn_bytes p = {0};
	cr_assert(uccn_sync_pop_payload(a, &p));
	uccn_bytes_finish(&p);
	struct uccn_sync_range lack = {.open_end = true, .mode = UCCN_RANGE_LACK, .tcount = 1};
	struct uccn_sync_tag past = {6, 0};
	cr_assert_eq(give_recon(a, &lack, 1, NULL, &past), UCCN_EPROTO);
	cr_assert_not_null(strstr(uccn_sync_error(a), "our list does not have"), "%s",
		uccn_sync_error(a));
	uccn_sync_destroy(a);
	/* The same LACK answering index 5, the last: fine. */
	a = engine(&nodes[0], 0, 0);
	cr_assert_eq(uccn_sync_open(a), UCCN_OK);
	cr_assert(uccn_sync_pop_payload(a, &p));
	uccn_bytes_finish(&p);
	past.id = 5;
	cr_assert_eq(give_recon(a, &lack, 1, NULL, &past), UCCN_OK, "%s", uccn_sync_error(a));
	uccn_sync_destroy(a);
}

/* Gives s a peer's opening: a RECON listing no heads whose features are `features`, or the
 * empty VECTOR of a node of the earlier exchange (old). */
static void give_opening(struct uccn_sync *s, unsigned features, bool old) {
	struct uccn_sync_range all = {.open_end = true, .mode = UCCN_RANGE_LIST};
	struct uccn_bytes p = {0};
	cr_assert_eq(old ? uccn_codec_encode_sync_vector(NULL, 0, &p)
			 : uccn_codec_encode_sync_recon(features, &all, 1, NULL, NULL, &p),
		UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(s, p.data, p.len, 1), UCCN_OK, "%s", uccn_sync_error(s));
	uccn_bytes_finish(&p);
}

/* The next payload s sends, decoded (the caller finishes it). */
static void next_message(struct uccn_sync *s, struct uccn_sync_msg *m) {
	struct uccn_bytes p = {0};
	cr_assert(uccn_sync_pop_payload(s, &p), "nothing to send");
	cr_assert_eq(uccn_codec_decode_sync(p.data, p.len, m, NULL, 0), UCCN_OK);
	uccn_bytes_finish(&p);
}

/* The receiver of a change it holds back (here: a gap) says so in its ACK to a peer whose first
 * RECON offered "ack-held" (PROTOCOL.md §11.1, §11.8), and keeps the two-element ACK for a
 * peer that did not, and for an old peer that opened with a VECTOR (whose decoder takes nothing
 * else); its own first RECON offers the feature too. */
Test(sync, an_ack_tells_a_peer_that_reads_it_how_many_of_its_changes_are_held) {
	struct test_author city;
	test_author_init(&city, 0x85);
	struct uccn_bytes first = {0}, second = {0};
	struct uccn_field f = test_str("title", "two");
	test_sign(&city, network, 0, "best_practice", NULL, "a", UCCN_OP_PUT, &f, 1, &first);
	test_sign(&city, network, 0, "best_practice", NULL, "a", UCCN_OP_PUT, &f, 1, &second);
	for (int peer = 0; peer < 3; peer++) { /* 0: RECON without it, 1: with it, 2: VECTOR */
		bool reads = peer == 1;
		open_replica(&nodes[peer], (uint8_t)(0x83 + peer));
		struct uccn_sync *b = engine(&nodes[peer], 0, 0);
		give_opening(b, reads ? UCCN_SYNC_FEATURE_ACK_HELD : 0, peer == 2);
		struct uccn_sync_msg m;
		next_message(b, &m);
		cr_assert_eq(m.type, peer == 2 ? UCCN_SYNC_VECTOR : UCCN_SYNC_RECON);
		if (peer < 2) {
			cr_assert(m.features & UCCN_SYNC_FEATURE_ACK_HELD,
				"the node's first RECON offers ack-held");
		}
		uccn_codec_sync_msg_finish(&m);
		struct uccn_bytes batch = {0};
		cr_assert_eq(uccn_codec_encode_sync_changes(0, &second, 1, &batch), UCCN_OK);
		cr_assert_eq(uccn_sync_on_payload(b, batch.data, batch.len, 1), UCCN_OK);
		cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
		uccn_bytes_finish(&batch);
		do {
			uccn_codec_sync_msg_finish(&m);
			next_message(b, &m);
		} while (m.type != UCCN_SYNC_ACK);
		cr_assert_eq(m.value, 0);
		cr_assert_eq(m.has_held, reads);
		cr_assert_eq(m.held, reads ? 1 : 0, "the change past the gap waits");
		uccn_codec_sync_msg_finish(&m);
		uccn_sync_destroy(b);
	}
	uccn_bytes_finish(&first);
	uccn_bytes_finish(&second);
	test_author_finish(&city);
}

/* Every payload s has to send: the batch numbers its ACKs acknowledge go to acked (from *n on,
 * at most max in all); any other message is passed over. */
static void take_acks(struct uccn_sync *s, uint64_t *acked, size_t *n, size_t max) {
	struct uccn_bytes p = {0};
	while (uccn_sync_pop_payload(s, &p)) {
		struct uccn_sync_msg m;
		cr_assert_eq(uccn_codec_decode_sync(p.data, p.len, &m, NULL, 0), UCCN_OK);
		if (m.type == UCCN_SYNC_ACK) {
			cr_assert_lt(*n, max, "more acknowledgements than batches");
			acked[(*n)++] = m.value;
		}
		uccn_codec_sync_msg_finish(&m);
	}
	uccn_bytes_finish(&p);
}

/* Gives s batches numbered from *batch on, of per changes each, taken from changes[*at]. */
static void give_batches(struct uccn_sync *s, const struct uccn_bytes *changes, size_t *at,
	uint64_t *batch, size_t count, size_t per) {
	for (size_t i = 0; i < count; i++) {
		struct uccn_bytes msg = {0};
		cr_assert_eq(uccn_codec_encode_sync_changes((*batch)++, changes + *at, per, &msg),
			UCCN_OK);
		*at += per;
		cr_assert_eq(uccn_sync_on_payload(s, msg.data, msg.len, 1), UCCN_OK, "%s",
			uccn_sync_error(s));
		uccn_bytes_finish(&msg);
	}
}

/* With a pool, a peer's batches are gathered and stored in one transaction, so a stream of
 * small batches costs a commit per 1024 changes, not per batch. Nothing gathered is
 * acknowledged before it is stored; once it is, every batch of it is, in turn. The gathering
 * ends by itself at 1024 changes or 16 batches (so a long stream is stored and acknowledged
 * while it flows), or when the caller flushes, as an event loop does once no frame is at hand.
 */
Test(sync, with_a_pool_batches_are_gathered_and_then_each_acknowledged_in_turn) {
	enum { SMALL = 3, LARGE = 8 * 256, ONES = 32, N = SMALL + LARGE + ONES };
	struct test_author city;
	test_author_init(&city, 0x87);
	struct uccn_bytes *changes = calloc(N, sizeof(*changes));
	cr_assert_not_null(changes);
	test_sign_practices(&city, network, "g", changes, N);
	cr_assert_eq(uccn_verifier_create(2, &pool), UCCN_OK);
	open_replica(&nodes[0], 0x88);
	struct uccn_sync *b = engine_any(&nodes[0], 0, 0);
	give_opening(b, 0, false);
	uint64_t acked[SMALL + LARGE / 256 + ONES], batch = 0;
	size_t nacked = 0, at = 0, max = sizeof(acked) / sizeof(*acked);
	take_acks(b, acked, &nacked, max);

	give_batches(b, changes, &at, &batch, SMALL, 1);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(nacked, 0, "gathered, not yet stored: nothing acknowledged");
	cr_assert_eq(stored(&nodes[0]), 0);
	cr_assert_not(uccn_sync_is_idle(b));
	cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(stored(&nodes[0]), SMALL);
	cr_assert_eq(nacked, SMALL);

	/* Four batches of 256 fill a gathering: it goes to the pool, and is stored and
	 * acknowledged when the next one does, with no flush. */
	give_batches(b, changes, &at, &batch, LARGE / 256, 256);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(stored(&nodes[0]), SMALL + 1024);
	cr_assert_eq(nacked, SMALL + 4);
	cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(nacked, SMALL + LARGE / 256);

	/* Sixteen batches fill one too, however small. */
	give_batches(b, changes, &at, &batch, ONES, 1);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(stored(&nodes[0]), SMALL + LARGE + 16);
	cr_assert_eq(nacked, SMALL + LARGE / 256 + 16);
	cr_assert_eq(uccn_sync_flush(b, 1), UCCN_OK);
	take_acks(b, acked, &nacked, max);
	cr_assert_eq(stored(&nodes[0]), N);
	cr_assert_eq(nacked, max);
	for (size_t i = 0; i < nacked; i++) {
		cr_assert_eq(acked[i], i, "acknowledgements come in batch order");
	}
	struct uccn_net_stats st;
	uccn_sync_get_stats(b, &st);
	cr_assert_eq(st.received, N);
	cr_assert_eq(st.applied, N);
	uccn_sync_destroy(b);
	for (int i = 0; i < N; i++) {
		uccn_bytes_finish(&changes[i]);
	}
	free(changes);
	test_author_finish(&city);
	uccn_verifier_destroy(pool);
	pool = NULL;
}

/* By default a sender keeps 16 batches unacknowledged: a receiver like this one gathers four
 * while its pool verifies the four before them, and the rest are on the way. */
Test(sync, a_sender_keeps_sixteen_batches_in_flight_by_default) {
	open_replica(&nodes[0], 0x89);
	for (int i = 0; i < 20; i++) {
		edit_kind(&nodes[0], "best_practice", "title", false);
	}
	struct uccn_sync *a = engine(&nodes[0], 1, 0);
	give_opening(a, 0, false);
	struct uccn_bytes p = {0};
	int batches = 0;
	while (uccn_sync_pop_payload(a, &p)) {
		struct uccn_sync_msg m;
		cr_assert_eq(uccn_codec_decode_sync(p.data, p.len, &m, NULL, 0), UCCN_OK);
		batches += m.type == UCCN_SYNC_CHANGES;
		uccn_codec_sync_msg_finish(&m);
	}
	uccn_bytes_finish(&p);
	cr_assert_eq(batches, 16);
	uccn_sync_destroy(a);
}

/* The sender keeps what the peer's ACK says it holds back, for its user (`uccn sync`). */
Test(sync, the_sender_counts_what_the_peer_says_it_holds) {
	open_replica(&nodes[0], 0x86);
	edit_kind(&nodes[0], "best_practice", "title", false);
	edit_kind(&nodes[0], "best_practice", "title", false);
	struct uccn_sync *a = engine(&nodes[0], 0, 0);
	give_opening(a, UCCN_SYNC_FEATURE_ACK_HELD, false);
	struct uccn_sync_msg m;
	memset(&m, 0, sizeof(m));
	do {
		uccn_codec_sync_msg_finish(&m);
		next_message(a, &m);
	} while (m.type != UCCN_SYNC_CHANGES);
	cr_assert_eq(m.count, 2);
	uccn_codec_sync_msg_finish(&m);
	struct uccn_bytes ack = {0};
	cr_assert_eq(uccn_codec_encode_sync_ack_held(0, 2, &ack), UCCN_OK);
	cr_assert_eq(uccn_sync_on_payload(a, ack.data, ack.len, 1), UCCN_OK);
	struct uccn_net_stats st;
	uccn_sync_get_stats(a, &st);
	cr_assert_eq(st.sent, 2);
	cr_assert_eq(st.held_there, 2);
	uccn_bytes_finish(&ack);
	uccn_sync_destroy(a);
}
