/* codec.h - msgpack encoding and decoding of everything uccn writes: signed changes, record
 * state, the export file, inclusion proofs, and the session's handshake and sync messages. The
 * rest of uccn includes this header; it gathers one header per codec, each beside its .c file:
 *   change_codec   signed changes (§2, §3)      state_codec   record merge state (§6)
 *   export_codec   the export file (§7)         proof_codec   inclusion proofs (§9)
 *   session_codec  handshake messages (§10)     sync_codec    sync messages (§11)
 * They stand on proto/wire.h, the msgpack core internal to proto/: no file outside proto/
 * includes <msgpack.h>. No I/O, no clock, no crypto: signatures and hashes are computed by the
 * caller (node/crypto.h). Every decoder reads a whole item or fails with UCCN_EPROTO; none reads
 * past the length it is given. Section numbers refer to proto/PROTOCOL.md. */
#ifndef PROTO_CODEC_H
#define PROTO_CODEC_H

/* Arrays and maps nest at most this deep, the outermost object being at level 1 (PROTOCOL.md
 * §1): a decoder refuses a container inside this many others as malformed. uccn itself never
 * nests deeper than 4; msgpack-c gives up past 32, and as if for want of memory. */
#define UCCN_NEST_MAX 16

#include "proto/change_codec.h"
#include "proto/export_codec.h"
#include "proto/proof_codec.h"
#include "proto/session_codec.h"
#include "proto/state_codec.h"
#include "proto/sync_codec.h"

#endif
