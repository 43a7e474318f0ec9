/* hlc.c - placeholder until the module lands. */
#include "node/hlc.h"
