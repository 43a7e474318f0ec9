/* test_merge.c - last-writer-wins by (HLC, author), tombstones, and order independence. */
#include "node/merge.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "tests/support.h"

static struct uccn_change changes[8];
static struct uccn_state state;

static struct uccn_change *change(int i, uint8_t author, uint64_t hlc, enum uccn_op op) {
	struct uccn_change *c = &changes[i];
	memset(c, 0, sizeof(*c));
	memset(c->author, author, UCCN_KEY_BYTES);
	memset(c->owner, 1, UCCN_KEY_BYTES);
	c->hlc = hlc;
	c->op = op;
	snprintf(c->kind, sizeof(c->kind), "project");
	snprintf(c->id, sizeof(c->id), "p1");
	return c;
}

static void add(struct uccn_change *c, struct uccn_field f) {
	c->fields[c->nfields++] = f;
}

static const char *title(const struct uccn_state *s) {
	static char buf[64];
	static struct uccn_record r;
	uccn_merge_view(s, &r);
	const struct uccn_value *v = uccn_record_field(&r, "title");
	if (v == NULL) {
		return "(none)";
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)v->str_len, v->str);
	return buf;
}

TestSuite(merge, .fini = test_check_leaks);

Test(merge, later_clock_wins_whatever_the_order) {
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	add(a, test_str("title", "old"));
	struct uccn_change *b = change(1, 1, 200, UCCN_OP_PUT);
	add(b, test_str("title", "new"));
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_str_eq(title(&state), "new");
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_str_eq(title(&state), "new");
}

Test(merge, equal_clocks_are_ordered_by_author_key) {
	struct uccn_change *a = change(0, 2, 100, UCCN_OP_PUT);
	add(a, test_str("title", "from 2"));
	struct uccn_change *b = change(1, 9, 100, UCCN_OP_PUT);
	add(b, test_str("title", "from 9"));
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_str_eq(title(&state), "from 9");
}

Test(merge, fields_merge_independently) {
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	add(a, test_str("title", "t"));
	add(a, test_str("summary", "s1"));
	struct uccn_change *b = change(1, 1, 200, UCCN_OP_PUT);
	add(b, test_str("summary", "s2"));
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	static struct uccn_record r;
	uccn_merge_view(&state, &r);
	cr_assert_eq(r.nfields, 2);
	cr_assert_str_eq(title(&state), "t");
	const struct uccn_value *v = uccn_record_field(&r, "summary");
	cr_assert_not_null(v);
	cr_assert_eq(v->str_len, 2);
	cr_assert_eq(memcmp(v->str, "s2", 2), 0);
	cr_assert_eq(r.created_hlc, 100);
	cr_assert_eq(r.updated_hlc, 200);
}

Test(merge, delete_hides_older_fields_and_a_later_put_revives_the_record) {
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	add(a, test_str("title", "t"));
	add(a, test_str("summary", "s"));
	struct uccn_change *d = change(1, 1, 200, UCCN_OP_DELETE);
	struct uccn_change *b = change(2, 1, 300, UCCN_OP_PUT);
	add(b, test_str("title", "back"));
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, d), UCCN_OK);
	cr_assert(uccn_merge_is_deleted(&state));
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_not(uccn_merge_is_deleted(&state));
	static struct uccn_record r;
	uccn_merge_view(&state, &r);
	cr_assert_eq(r.nfields, 1, "the summary written before the delete stays deleted");
	cr_assert_str_eq(title(&state), "back");
}

Test(merge, nil_removes_a_field_but_keeps_its_clock) {
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	add(a, test_str("title", "t"));
	struct uccn_change *b = change(1, 1, 200, UCCN_OP_PUT);
	add(b, (struct uccn_field){
		       .name = "title", .name_len = 5, .value = {.type = UCCN_VALUE_NIL}});
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_str_eq(title(&state), "(none)");
}

Test(merge, applying_a_change_twice_changes_nothing) {
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	add(a, test_str("title", "t"));
	struct uccn_value items[2] = {
		{.type = UCCN_VALUE_INT, .i = 4}, {.type = UCCN_VALUE_INT, .i = 11}};
	add(a, (struct uccn_field){.name = "sdgs",
		       .name_len = 4,
		       .value = {.type = UCCN_VALUE_LIST, .items = items, .count = 2}});
	struct uccn_bytes once = {0}, twice = {0};
	uccn_merge_init(&state);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_state(&state, a->owner, &once), UCCN_OK);
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	cr_assert_eq(uccn_codec_encode_state(&state, a->owner, &twice), UCCN_OK);
	cr_assert_eq(once.len, twice.len);
	cr_assert_eq(memcmp(once.data, twice.data, once.len), 0);
	uccn_bytes_finish(&once);
	uccn_bytes_finish(&twice);
}

Test(merge, every_order_of_five_changes_gives_the_same_state_bytes) {
	struct uccn_change *c[5];
	c[0] = change(0, 3, 100, UCCN_OP_PUT);
	add(c[0], test_str("title", "a"));
	add(c[0], test_str("summary", "a"));
	c[1] = change(1, 4, 150, UCCN_OP_PUT);
	add(c[1], test_str("title", "b"));
	c[2] = change(2, 3, 150, UCCN_OP_DELETE);
	c[3] = change(3, 5, 160, UCCN_OP_PUT);
	add(c[3], test_str("status", "ongoing"));
	c[4] = change(4, 4, 90, UCCN_OP_PUT);
	add(c[4], test_str("summary", "old"));
	struct uccn_bytes first = {0}, other = {0};
	int perm[5] = {0, 1, 2, 3, 4};
	/* Heap's algorithm: all 120 orders. */
	int counters[5] = {0};
	bool have_first = false;
	int i = 0;
	for (;;) {
		uccn_merge_init(&state);
		for (int k = 0; k < 5; k++) {
			cr_assert_eq(uccn_merge_apply(&state, c[perm[k]]), UCCN_OK);
		}
		struct uccn_bytes *out = have_first ? &other : &first;
		out->len = 0;
		cr_assert_eq(uccn_codec_encode_state(&state, c[0]->owner, out), UCCN_OK);
		if (have_first) {
			cr_assert_eq(first.len, other.len);
			cr_assert_eq(memcmp(first.data, other.data, first.len), 0);
		}
		have_first = true;
		while (i < 5 && counters[i] >= i) {
			counters[i] = 0;
			i++;
		}
		if (i >= 5) {
			break;
		}
		int j = i % 2 == 0 ? 0 : counters[i];
		int t = perm[j];
		perm[j] = perm[i];
		perm[i] = t;
		counters[i]++;
		i = 0;
	}
	uccn_bytes_finish(&first);
	uccn_bytes_finish(&other);
}

static bool next_order(int *p, int n) {
	int i = n - 1;
	while (i > 0 && p[i - 1] >= p[i]) {
		i--;
	}
	if (i == 0) {
		return false;
	}
	int j = n - 1;
	while (p[j] <= p[i - 1]) {
		j--;
	}
	int t = p[i - 1];
	p[i - 1] = p[j];
	p[j] = t;
	for (int l = i, r = n - 1; l < r; l++, r--) {
		t = p[l];
		p[l] = p[r];
		p[r] = t;
	}
	return true;
}

/* Four authors write one field with one clock, and a fifth deletes with it: only the author key
 * orders them. Every order gives the same bytes, and the greatest key wins wherever it comes. */
Test(merge, equal_clocks_from_several_authors_give_one_state_in_every_order) {
	static const struct {
		uint8_t author;
		enum uccn_op op;
		const char *title;
	} writes[] = {
		{7, UCCN_OP_PUT, "from 7"},
		{2, UCCN_OP_PUT, "from 2"},
		{9, UCCN_OP_PUT, "from 9"},
		{5, UCCN_OP_PUT, "from 5"},
		{4, UCCN_OP_DELETE, NULL},
	};
	struct uccn_change *c[5];
	for (int i = 0; i < 5; i++) {
		c[i] = change(i, writes[i].author, 100, writes[i].op);
		if (writes[i].title != NULL) {
			add(c[i], test_str("title", writes[i].title));
		}
	}
	struct uccn_bytes first = {0}, other = {0};
	int perm[5] = {0, 1, 2, 3, 4};
	int orders = 0;
	do {
		uccn_merge_init(&state);
		for (int k = 0; k < 5; k++) {
			cr_assert_eq(uccn_merge_apply(&state, c[perm[k]]), UCCN_OK);
		}
		cr_assert_str_eq(title(&state), "from 9", "order %d", orders);
		struct uccn_bytes *out = orders > 0 ? &other : &first;
		out->len = 0;
		cr_assert_eq(uccn_codec_encode_state(&state, c[0]->owner, out), UCCN_OK);
		if (orders > 0) {
			cr_assert_eq(first.len, other.len, "order %d", orders);
			cr_assert_eq(
				memcmp(first.data, other.data, first.len), 0, "order %d", orders);
		}
		orders++;
	} while (next_order(perm, 5));
	cr_assert_eq(orders, 120);
	uccn_bytes_finish(&first);
	uccn_bytes_finish(&other);
}

Test(merge, too_many_fields_is_refused_and_leaves_the_state_as_it_was) {
	static char names[40][8];
	uccn_merge_init(&state);
	struct uccn_change *a = change(0, 1, 100, UCCN_OP_PUT);
	for (int i = 0; i < UCCN_FIELDS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02d", i);
		add(a, test_str(names[i], "x"));
	}
	cr_assert_eq(uccn_merge_apply(&state, a), UCCN_OK);
	struct uccn_change *b = change(1, 1, 200, UCCN_OP_PUT);
	snprintf(names[39], sizeof(names[39]), "zz");
	add(b, test_str(names[39], "x"));
	cr_assert_eq(uccn_merge_apply(&state, b), UCCN_ESCHEMA);
	cr_assert_eq(state.nfields, UCCN_FIELDS_MAX);
	cr_assert_eq(state.updated_hlc, 100);
}
