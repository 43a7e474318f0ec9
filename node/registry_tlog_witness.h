/* registry_tlog_witness.h - the root's external witnesses: every call is public and declared in
 * <uccn/node.h>; this header exists so that registry_tlog_witness.c includes its own header
 * first. */
#ifndef NODE_REGISTRY_TLOG_WITNESS_H
#define NODE_REGISTRY_TLOG_WITNESS_H

#include <uccn/node.h>

#endif
