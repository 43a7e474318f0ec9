/* crypto.c - placeholder until the module lands. */
#include "node/crypto.h"
