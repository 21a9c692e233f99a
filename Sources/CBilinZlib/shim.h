#ifndef BILIN_CZLIB_SHIM_H
// Named CBilinZlib: ZIPFoundation already declares a module CZlib.
#define BILIN_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro over inflateInit2_ that passes the header's version and struct size.
static inline int bilin_inflate_init_gzip(z_stream *stream) {
    // 15 window bits + 32: detect a gzip or zlib header automatically.
    return inflateInit2(stream, 15 + 32);
}
#endif
