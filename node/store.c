/* store.c - placeholder until the module lands. */
#include "node/store.h"
