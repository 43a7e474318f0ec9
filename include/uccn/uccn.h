/* uccn.h - the umbrella header of the uccn node library. */
#ifndef UCCN_UCCN_H
#define UCCN_UCCN_H

#include <uccn/auth.h>
#include <uccn/change.h>
#include <uccn/error.h>
#include <uccn/http.h>
#include <uccn/log.h>
#include <uccn/net.h>
#include <uccn/node.h>
#include <uccn/registry.h>
#include <uccn/schema.h>
#include <uccn/text.h>

#endif
