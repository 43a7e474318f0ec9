/* compress.h - zstd frames for the compressed batches of a session (PROTOCOL.md §11.9).
 * The one module that includes <zstd.h>. */
#ifndef PROTO_COMPRESS_H
#define PROTO_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include <uccn/change.h>
#include <uccn/error.h>

/* Appends to out one zstd frame of in[0, len) that declares its content size. UCCN_OK or
 * UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_compress_frame(const uint8_t *in, size_t len, struct uccn_bytes *out);

/* Decompresses in[0, len), which must be exactly one zstd frame declaring a content size of at
 * most max bytes, into *out (*out_len bytes, from node/alloc.h: the caller frees it with
 * uccn_alloc_free). A frame that declares no size or a larger one, that decodes to other than
 * it declares, or that is not one whole frame is refused with UCCN_EPROTO before more than max
 * bytes are ever written: a small frame cannot make the receiver hold more than max.
 * UCCN_ENOMEM. */
UCCN_NODISCARD int uccn_compress_open(
	const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *out_len);

#endif
