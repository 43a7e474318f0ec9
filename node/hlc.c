/* hlc.c - hybrid logical clocks (see hlc.h). Pure arithmetic; the caller supplies the time. */
#include "node/hlc.h"

#include <stdio.h>
#include <time.h>

#define COUNTER_BITS 16

uint64_t uccn_hlc_next(uint64_t last, uint64_t now_ms) {
	/* A wall clock past the end of the range saturates instead of losing its high bits. */
	uint64_t wall =
		now_ms > (UCCN_HLC_MAX >> COUNTER_BITS) ? UCCN_HLC_MAX : now_ms << COUNTER_BITS;
	if (last >= UCCN_HLC_MAX) {
		return UCCN_HLC_MAX; /* the end: wrapping to 0 would stop every later edit */
	}
	/* Never step back: a clock seen from a peer (or our own earlier change) that is ahead of
	 * the wall clock wins, and the counter orders changes within one millisecond. */
	return wall > last ? wall : last + 1;
}

bool uccn_hlc_is_ahead(uint64_t hlc, uint64_t wall_ms) {
	return uccn_hlc_ms(hlc) > wall_ms && uccn_hlc_ms(hlc) - wall_ms > UCCN_HLC_SKEW_MS;
}

uint64_t uccn_hlc_due_ms(uint64_t hlc) {
	uint64_t ms = uccn_hlc_ms(hlc);
	return ms > UCCN_HLC_SKEW_MS ? ms - UCCN_HLC_SKEW_MS : 0;
}

uint64_t uccn_hlc_ms(uint64_t hlc) {
	return hlc >> COUNTER_BITS;
}

void uccn_hlc_format(uint64_t hlc, char *buf, unsigned long buf_len) {
	uint64_t ms = uccn_hlc_ms(hlc);
	unsigned counter = (unsigned)(hlc & 0xffff);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, buf_len, "hlc:%llu", (unsigned long long)hlc);
		return;
	}
	int n = snprintf(buf, buf_len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	if (counter != 0 && n > 0 && (unsigned long)n < buf_len) {
		snprintf(buf + n, buf_len - (unsigned long)n, "+%u", counter);
	}
}
