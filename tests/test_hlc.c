/* test_hlc.c - hybrid logical clocks never step back and order like wall time. */
#include "node/hlc.h"

#include <criterion/criterion.h>
#include <string.h>

Test(hlc, follows_the_wall_clock_when_it_is_ahead) {
	uint64_t h = uccn_hlc_next(0, 1700000000000);
	cr_assert_eq(h, (uint64_t)1700000000000 << 16);
	cr_assert_eq(uccn_hlc_ms(h), 1700000000000);
}

Test(hlc, counts_within_one_millisecond) {
	uint64_t a = uccn_hlc_next(0, 1000);
	uint64_t b = uccn_hlc_next(a, 1000);
	cr_assert_eq(b, a + 1);
	cr_assert_eq(uccn_hlc_ms(b), 1000);
}

Test(hlc, never_steps_back_when_the_wall_clock_does) {
	uint64_t seen = uccn_hlc_next(0, 5000);
	uint64_t next = uccn_hlc_next(seen, 1000);
	cr_assert_gt(next, seen);
}

Test(hlc, formats_as_utc_with_counter) {
	char buf[40];
	uccn_hlc_format(((uint64_t)1700000000123 << 16) | 2, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2023-11-14T22:13:20.123Z+2");
	uccn_hlc_format((uint64_t)1700000000123 << 16, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2023-11-14T22:13:20.123Z");
}

/* The local clock at the ends of its range: it stops at UCCN_HLC_MAX (2^63 - 1), never wraps to
 * 0 (after which every edit of the node would be refused as not advancing). */
Test(hlc, saturates_at_the_end_of_the_range_instead_of_wrapping) {
	static const struct {
		uint64_t last, now_ms, want;
	} cases[] = {
		{UCCN_HLC_MAX - 1, 1000, UCCN_HLC_MAX},
		{UCCN_HLC_MAX, 1000, UCCN_HLC_MAX},         /* not past last: the caller refuses */
		{(uint64_t)INT64_MAX + 1, 0, UCCN_HLC_MAX}, /* a clock stored before the bound */
		{UINT64_MAX, 1000, UCCN_HLC_MAX},
		{0, UCCN_HLC_MAX >> 16, (UCCN_HLC_MAX >> 16) << 16},
		{0, (UCCN_HLC_MAX >> 16) + 1, UCCN_HLC_MAX}, /* a wall clock past the range */
		{0, UINT64_MAX, UCCN_HLC_MAX},
		{5, 0, 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = uccn_hlc_next(cases[i].last, cases[i].now_ms);
		cr_assert_eq(got, cases[i].want, "case %zu: %llu", i, (unsigned long long)got);
		cr_assert_leq(got, UCCN_HLC_MAX, "case %zu", i);
	}
}

/* A received clock is ahead when its milliseconds are more than the skew past the wall clock:
 * exactly the skew is not, one millisecond more is, whatever the counter. */
Test(hlc, ahead_only_past_the_allowed_skew) {
	const uint64_t wall = 1700000000000;
	static const struct {
		uint64_t ms_past; /* the change's milliseconds beyond wall */
		uint64_t counter;
		bool ahead;
	} cases[] = {
		{0, 0, false},
		{UCCN_HLC_SKEW_MS - 1, 0xffff, false},
		{UCCN_HLC_SKEW_MS, 0, false},
		{UCCN_HLC_SKEW_MS, 0xffff, false},
		{UCCN_HLC_SKEW_MS + 1, 0, true},
		{UCCN_HLC_SKEW_MS + 1000, 7, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t hlc = ((wall + cases[i].ms_past) << 16) | cases[i].counter;
		cr_assert_eq(uccn_hlc_is_ahead(hlc, wall), cases[i].ahead, "case %zu", i);
		if (cases[i].ahead) {
			uint64_t due = uccn_hlc_due_ms(hlc);
			cr_assert_eq(
				due, wall + cases[i].ms_past - UCCN_HLC_SKEW_MS, "case %zu", i);
			cr_assert(uccn_hlc_is_ahead(hlc, due - 1), "case %zu", i);
			cr_assert_not(uccn_hlc_is_ahead(hlc, due), "due: case %zu", i);
		}
	}
	cr_assert_not(uccn_hlc_is_ahead((uint64_t)1 << 16, wall), "the past is never ahead");
	cr_assert(uccn_hlc_is_ahead(UCCN_HLC_MAX, wall));
	cr_assert(uccn_hlc_is_ahead(UINT64_MAX, wall));
}
