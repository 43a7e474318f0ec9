/* merge.c - placeholder until the module lands. */
#include "node/merge.h"
