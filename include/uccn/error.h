/* error.h - the error codes every uccn function returns. One X-macro list generates the enum,
 * uccn_strerror() and uccn_err_name(), so the three cannot drift apart. */
#ifndef UCCN_ERROR_H
#define UCCN_ERROR_H

/* Success is 0 (UCCN_OK); errors are negative. A code is added only when a caller would act
 * differently on it: the refusal reasons of a change (EBADSIG, ECHAIN, EFORK, EPERM, ESCHEMA,
 * ENETWORK) each tell the user something different about where the change came from. */
#define UCCN_ERRNO_MAP(XX)                                                              \
	XX(EINVAL, -1, "invalid argument")                                              \
	XX(ENOMEM, -2, "out of memory")                                                 \
	XX(EIO, -3, "input/output error")                                               \
	XX(ECORRUPT, -4, "corrupt data")                                                \
	XX(EBUSY, -5, "resource busy")                                                  \
	XX(ENOTFOUND, -6, "not found")                                                  \
	XX(EEXIST, -7, "already exists")                                                \
	XX(EPROTO, -8, "malformed input")                                               \
	XX(EBADSIG, -9, "bad signature")                                                \
	XX(EAGAIN, -10, "try again")                                                    \
	XX(ECLOSED, -11, "closed")                                                      \
	XX(ETIMEDOUT, -12, "timed out")                                                 \
	XX(ECHAIN, -13, "previous-hash mismatch")                                       \
	XX(EFORK, -14, "fork: two different changes with the same author and sequence") \
	XX(EPERM, -15, "not permitted")                                                 \
	XX(ESCHEMA, -16, "invalid record field")                                        \
	XX(ENETWORK, -17, "from another network")                                       \
	XX(ETRUNC, -18, "truncated")                                                    \
	XX(EPROOF, -19, "proof does not hold")                                          \
	XX(ENOTMEMBER, -20, "not a member of the network")                              \
	XX(EBEHIND, -21, "this node must first take back its own newer changes")        \
	XX(EFUTURE, -22, "clocked ahead of this node's clock")

enum uccn_err {
	UCCN_OK = 0,
#define UCCN_XX_ENUM(name, num, msg) UCCN_##name = (num),
	UCCN_ERRNO_MAP(UCCN_XX_ENUM)
#undef UCCN_XX_ENUM
};

/* The longest reason in words a call leaves, with its NUL. */
#define UCCN_ERRMSG_MAX 512

/* Why a call failed, for the calls that take no node handle (the checks of <uccn/schema.h> and
 * <uccn/registry.h>, uccn_node_restore): the caller passes one (or NULL) as the last argument,
 * and the call fills it, failing or not. A call on a node leaves its reason on the node
 * instead (uccn_node_errmsg). */
struct uccn_error {
	int code;                  /* what the call returned: UCCN_OK after a success */
	char msg[UCCN_ERRMSG_MAX]; /* the reason in words: "" after a success or when there is none
				    */
};

/* A human-readable message for err ("bad signature"); never NULL, static storage. */
const char *uccn_strerror(int err);

/* The code's name ("UCCN_EBADSIG"); never NULL, static storage. */
const char *uccn_err_name(int err);

#if defined(__GNUC__)
#define UCCN_NODISCARD __attribute__((warn_unused_result))
#else
#define UCCN_NODISCARD
#endif

#endif
