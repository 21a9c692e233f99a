#ifndef BILIN_CPROTOBUFC_SHIM_H
#define BILIN_CPROTOBUFC_SHIM_H
// The protobuf-c runtime (Debian libprotobuf-c-dev 1.4.1): unpack, pack and free of generated messages.
#include <protobuf-c/protobuf-c.h>
#endif
