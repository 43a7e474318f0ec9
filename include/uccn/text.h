/* text.h - the character rules of uccn's data, for the library and the programs that read or
 * show records alike: record ids (PROTOCOL.md §2), UTF-8 sequences, hex, and values quoted for
 * messages. Plain C: no allocation, no I/O, no locale. */
#ifndef UCCN_TEXT_H
#define UCCN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/error.h>

/* Whether s[0, len) is a valid record id: 1..UCCN_ID_MAX bytes of [A-Za-z0-9._:-]. */
bool uccn_text_is_valid_id(const char *s, size_t len);

/* Decodes one UTF-8 sequence at s[*pos] (*pos < len): on success, *cp receives the code point
 * and *pos moves past it. Overlong forms, surrogates and code points past U+10FFFF are refused.
 * Returns false (and leaves *pos) on an invalid sequence. */
bool uccn_text_utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp);

/* Writes len bytes as lowercase hex plus a NUL; hex needs 2 * len + 1 bytes. */
void uccn_text_to_hex(const uint8_t *bin, size_t len, char *hex);
/* Parses exactly 2 * len hex digits (either case) from hex[0, hex_len) into bin.
 * UCCN_OK, or UCCN_EINVAL (another length, or a byte that is not a hex digit). */
UCCN_NODISCARD int uccn_text_from_hex(const char *hex, size_t hex_len, uint8_t *bin, size_t len);
/* Whether s[0, len) holds only lowercase hex digits [0-9a-f]. */
bool uccn_text_is_lower_hex(const char *s, size_t len);

/* Quotes s[0, len) for a one-line message: escapes quotes, backslashes, control characters and
 * invalid bytes, and cuts after UCCN_TEXT_QUOTE_SHOWN bytes at a character boundary (then adds
 * "..."), so a hostile value cannot forge or flood the line it appears in. Returns out. The most
 * bytes shown is enough to recognise a value, short enough that a 16 KiB text does not drown
 * the reason. */
#define UCCN_TEXT_QUOTE_SHOWN 48
#define UCCN_TEXT_QUOTE_BUF (4 * (UCCN_TEXT_QUOTE_SHOWN + 4) + 8) /* every byte may become \xNN */
const char *uccn_text_quote(char out[UCCN_TEXT_QUOTE_BUF], const char *s, size_t len);

#endif
