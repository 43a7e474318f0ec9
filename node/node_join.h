/* node_join.h - joining a network; uccn_node_join is public and declared in <uccn/node.h>.
 * This header exists so that node_join.c includes its own header first. */
#ifndef NODE_NODE_JOIN_H
#define NODE_NODE_JOIN_H

#include <uccn/node.h>

#endif
