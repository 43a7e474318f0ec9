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
