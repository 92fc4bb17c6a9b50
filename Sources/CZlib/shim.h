// zlib for gzip request bodies. deflateInit2 is a macro, so Swift needs a function to call.
#ifndef PLANTBUDDY_CZLIB_SHIM_H
#define PLANTBUDDY_CZLIB_SHIM_H
#include <zlib.h>

static inline int czlib_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
