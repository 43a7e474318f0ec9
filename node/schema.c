/* schema.c - placeholder until the module lands. */
#include <uccn/schema.h>
