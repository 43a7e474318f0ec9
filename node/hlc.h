/* hlc.h - hybrid logical clocks: 48 bits of milliseconds since the Unix epoch, then a 16-bit
 * counter, so clocks order like wall time when clocks agree and stay causal when they do not.
 * Pure functions: the caller passes the time in. */
#ifndef NODE_HLC_H
#define NODE_HLC_H

#include <stdint.h>

/* The clock for a new local change: past both the wall clock and every clock seen (last). */
uint64_t uccn_hlc_next(uint64_t last, uint64_t now_ms);
/* The wall-clock milliseconds of an HLC. */
uint64_t uccn_hlc_ms(uint64_t hlc);
/* Writes an HLC as UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" (+ "+N" when the counter is not 0);
 * buf needs 40 bytes. */
void uccn_hlc_format(uint64_t hlc, char *buf, unsigned long buf_len);

#endif
