/* change_codec.h - signed changes on the wire (PROTOCOL.md §2, §3). Every decoder reads a whole
 * item or fails with UCCN_EPROTO; none reads past the length it is given. No crypto:
 * signatures and hashes are computed by the caller (node/crypto.h). */
#ifndef PROTO_CHANGE_CODEC_H
#define PROTO_CHANGE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

#include "proto/change_internal.h"

#define UCCN_WIRE_VERSION 1

/* Encodes the signed body of c (PROTOCOL.md §2): network, author, seq, prev (nil when !has_prev),
 * hlc, kind, owner (nil when equal to author), id, op, fields in the given order. Appends to out.
 * Returns UCCN_OK, UCCN_EINVAL (c breaks a limit of change.h: too long a kind, id or name, too
 * many fields or items, a nested list), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_encode_body(const struct uccn_change *c, struct uccn_bytes *out);

/* Wraps a body and its Ed25519 signature into the signed change (PROTOCOL.md §3). */
UCCN_NODISCARD int uccn_codec_encode_signed(const uint8_t *body, size_t body_len,
	const uint8_t sig[UCCN_SIG_BYTES], struct uccn_bytes *out);

/* Decodes a signed change that fills buf exactly (no trailing bytes). Fills *out with borrowed
 * pointers into buf; does not verify the signature or any rule beyond the wire shape (types,
 * sizes, limits, seq >= 1, prev present exactly when seq > 1, no duplicate field names).
 * Returns UCCN_OK or UCCN_EPROTO (why, if not NULL, says what is wrong), UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_codec_decode_change(
	const uint8_t *buf, size_t len, struct uccn_change *out, char *why, size_t why_len);

#endif
