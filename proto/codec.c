/* codec.c - placeholder. */
#include "proto/codec.h"
