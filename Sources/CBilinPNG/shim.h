#ifndef BILIN_CPNG_SHIM_H
#define BILIN_CPNG_SHIM_H
#include <png.h>
#include <string.h>

// libpng's simplified API: a png_image must start zeroed with PNG_IMAGE_VERSION (a macro) in `version`.
static inline void bilin_png_image_init(png_image *image) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
}

// PNG_FORMAT_GRAY and PNG_FORMAT_RGB are macros: 8-bit grey or RGB output, any alpha composited onto the buffer.
static inline png_uint_32 bilin_png_format(int channels) {
    return channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
}

// `message` is a char[64], which Swift sees as a tuple.
static inline const char *bilin_png_message(const png_image *image) {
    return image->message;
}
#endif
