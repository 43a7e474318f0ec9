/* text.c - the character rules of uccn's data (<uccn/text.h>): the record-id class, UTF-8
 * sequences, hex, and quoting for messages, each written once for the codecs, the node and the
 * command line. Knows nothing of msgpack, kinds or keys. */
#include <uccn/text.h>

#include <stdio.h>
#include <string.h>

#include <uccn/change.h>

static bool is_id_char(unsigned char ch) {
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

bool uccn_text_is_valid_id(const char *s, size_t len) {
	if (len < 1 || len > UCCN_ID_MAX) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_id_char((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* Overlong forms, surrogates and code points past
 * U+10FFFF are refused: they would let two byte strings mean the same text, or carry text no
 * other decoder accepts. */
bool uccn_text_utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp) {
	size_t i = *pos;
	unsigned char b = s[i];
	size_t n;
	uint32_t c;
	uint32_t least;
	if (b < 0x80) {
		*cp = b;
		*pos = i + 1;
		return true;
	} else if ((b & 0xe0) == 0xc0) {
		n = 2;
		c = b & 0x1f;
		least = 0x80;
	} else if ((b & 0xf0) == 0xe0) {
		n = 3;
		c = b & 0x0f;
		least = 0x800;
	} else if ((b & 0xf8) == 0xf0) {
		n = 4;
		c = b & 0x07;
		least = 0x10000;
	} else {
		return false;
	}
	if (len - i < n) {
		return false;
	}
	for (size_t j = 1; j < n; j++) {
		if ((s[i + j] & 0xc0) != 0x80) {
			return false;
		}
		c = (c << 6) | (s[i + j] & 0x3f);
	}
	if (c < least || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		return false;
	}
	*cp = c;
	*pos = i + n;
	return true;
}

static int hex_digit(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

void uccn_text_to_hex(const uint8_t *bin, size_t len, char *hex) {
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0xf];
	}
	hex[2 * len] = '\0';
}

int uccn_text_from_hex(const char *hex, size_t hex_len, uint8_t *bin, size_t len) {
	if (hex_len != 2 * len) {
		return UCCN_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		int hi = hex_digit(hex[2 * i]);
		int lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			return UCCN_EINVAL;
		}
		bin[i] = (uint8_t)(hi << 4 | lo);
	}
	return UCCN_OK;
}

bool uccn_text_is_lower_hex(const char *s, size_t len) {
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* C0, DEL and C1: characters that move terminals around rather than show anything. */
static bool is_control(uint32_t cp) {
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

const char *uccn_text_quote(char out[UCCN_TEXT_QUOTE_BUF], const char *s, size_t len) {
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	size_t i = 0;
	out[o++] = '"';
	while (i < len && i < UCCN_TEXT_QUOTE_SHOWN) {
		size_t start = i;
		uint32_t cp;
		if (!uccn_text_utf8_next(u, len, &i, &cp)) {
			o += (size_t)snprintf(out + o, UCCN_TEXT_QUOTE_BUF - o, "\\x%02x", u[i]);
			i++;
		} else if (cp == '"' || cp == '\\') {
			out[o++] = '\\';
			out[o++] = (char)cp;
		} else if (is_control(cp)) {
			for (size_t j = start; j < i; j++) {
				o += (size_t)snprintf(
					out + o, UCCN_TEXT_QUOTE_BUF - o, "\\x%02x", u[j]);
			}
		} else {
			memcpy(out + o, s + start, i - start);
			o += i - start;
		}
	}
	out[o++] = '"';
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
