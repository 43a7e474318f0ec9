/* node.c - placeholder until the module lands. */
#include <uccn/node.h>
