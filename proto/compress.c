/* compress.c - zstd frames for compressed batches (PROTOCOL.md §11.9): the only file that
 * includes <zstd.h>. One-shot frames with their content size declared, so that a receiver
 * knows what a frame will cost before it decodes a byte of it. The buffers this file hands out
 * come from node/alloc.h like the rest of the library's; what zstd allocates inside its
 * contexts stays with its own allocator (as SQLite's, msgpack-c's and libwebsockets' do): a
 * custom one (ZSTD_customMem) is only in its static-linking API. */
#include "proto/compress.h"

#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "node/alloc.h"

/* Level 1: on batches of signed changes (keys, signatures and short texts) it compresses as
 * well as zstd's default level 3, in two thirds of the time (0.7 against 1.0 microseconds a
 * change), and compressing is 40 % of a bulk sync's sender. */
#define LEVEL 1
/* Never more window than a batch can fill (1 MiB): a receiver refuses a frame asking for more. */
#define WINDOW_LOG_MAX 20

int uccn_compress_frame(const uint8_t *in, size_t len, struct uccn_bytes *out) {
	size_t bound = ZSTD_compressBound(len);
	size_t start = out->len;
	int err = uccn_bytes_reserve(out, bound);
	if (err < 0) {
		return err;
	}
	ZSTD_CCtx *c = ZSTD_createCCtx(); /* zstd's own allocator, not node/alloc.h */
	if (c == NULL) {
		return UCCN_ENOMEM;
	}
	size_t n = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, LEVEL);
	if (!ZSTD_isError(n)) {
		n = ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
	}
	if (!ZSTD_isError(n)) {
		n = ZSTD_compress2(c, out->data + start, bound, in, len);
	}
	ZSTD_freeCCtx(c);
	if (ZSTD_isError(n)) {
		return UCCN_ENOMEM; /* within ZSTD_compressBound, only its allocations can fail */
	}
	out->len = start + n;
	return UCCN_OK;
}

int uccn_compress_open(const uint8_t *in, size_t len, size_t max, uint8_t **out, size_t *out_len) {
	*out = NULL;
	*out_len = 0;
	/* One whole frame, nothing after it, declaring a size within max. */
	if (ZSTD_findFrameCompressedSize(in, len) != len) {
		return UCCN_EPROTO;
	}
	unsigned long long size = ZSTD_getFrameContentSize(in, len);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > max) {
		return UCCN_EPROTO;
	}
	ZSTD_DCtx *d = ZSTD_createDCtx(); /* zstd's own allocator, not node/alloc.h */
	uint8_t *buf = uccn_alloc_malloc(size > 0 ? (size_t)size : 1);
	if (d == NULL || buf == NULL) {
		ZSTD_freeDCtx(d);
		uccn_alloc_free(buf);
		return UCCN_ENOMEM;
	}
	size_t n = ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, WINDOW_LOG_MAX);
	if (!ZSTD_isError(n)) {
		/* The output buffer is exactly the declared size: zstd stops with an error rather
		 * than write past it, and a frame that ends short of it is refused below. */
		n = ZSTD_decompressDCtx(d, buf, (size_t)size, in, len);
	}
	ZSTD_freeDCtx(d);
	if (ZSTD_isError(n) || n != size) {
		uccn_alloc_free(buf);
		return ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation
			       ? UCCN_ENOMEM
			       : UCCN_EPROTO;
	}
	*out = buf;
	*out_len = n;
	return UCCN_OK;
}
