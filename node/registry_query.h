/* registry_query.h - the registry's queries on a node: every one is public and declared in
 * <uccn/node.h>; this header exists so that registry_query.c includes its own header first. */
#ifndef NODE_REGISTRY_QUERY_H
#define NODE_REGISTRY_QUERY_H

#include <uccn/node.h>

#endif
