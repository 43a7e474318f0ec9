/* registry_applications.h - the applications held on a node; uccn_node_applications is public
 * and declared in <uccn/node.h>. This header exists so that registry_applications.c includes
 * its own header first. */
#ifndef NODE_REGISTRY_APPLICATIONS_H
#define NODE_REGISTRY_APPLICATIONS_H

#include <uccn/node.h>

#endif
