/* registry_armor.h - a proof's text armor; the functions are public and declared in
 * <uccn/registry.h>. This header exists so that registry_armor.c includes its own header
 * first. */
#ifndef NODE_REGISTRY_ARMOR_H
#define NODE_REGISTRY_ARMOR_H

#include <uccn/registry.h>

#endif
