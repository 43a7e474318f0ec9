/* hlc.h - hybrid logical clocks: 48 bits of milliseconds since the Unix epoch, then a 16-bit
 * counter, so clocks order like wall time when clocks agree and stay causal when they do not.
 * Pure functions: the caller passes the time in. */
#ifndef NODE_HLC_H
#define NODE_HLC_H

#include <stdbool.h>
#include <stdint.h>

/* The largest clock a change may carry (PROTOCOL.md §1): 2^63 - 1, so that every clock fits the
 * store's signed integers and orders the same there. A local clock stops here, never wraps. */
#define UCCN_HLC_MAX ((uint64_t)INT64_MAX)
/* How far ahead of a node's wall clock a received change's time may be (PROTOCOL.md §4 step 6):
 * ten minutes. A change further ahead is held until the node's clock comes within this of it. */
#define UCCN_HLC_SKEW_MS ((uint64_t)10 * 60 * 1000)

/* The clock for a new local change: past both the wall clock and every clock seen (last), and
 * never past UCCN_HLC_MAX. When last is already UCCN_HLC_MAX it returns UCCN_HLC_MAX, which is
 * not past last: the caller must refuse to sign. */
uint64_t uccn_hlc_next(uint64_t last, uint64_t now_ms);
/* The wall-clock milliseconds of an HLC. */
uint64_t uccn_hlc_ms(uint64_t hlc);
/* Whether a change clocked hlc is too far ahead of wall_ms to be let in yet: its time is more
 * than UCCN_HLC_SKEW_MS past wall_ms. */
bool uccn_hlc_is_ahead(uint64_t hlc, uint64_t wall_ms);
/* The wall time at which a change clocked hlc stops being ahead (0: it never was). */
uint64_t uccn_hlc_due_ms(uint64_t hlc);
/* Writes an HLC as UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" (+ "+N" when the counter is not 0);
 * buf needs 40 bytes. */
void uccn_hlc_format(uint64_t hlc, char *buf, unsigned long buf_len);

#endif
