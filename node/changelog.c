/* changelog.c - placeholder until the module lands. */
#include "node/changelog.h"
