#ifndef BILIN_CJPEG_SHIM_H
#define BILIN_CJPEG_SHIM_H
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

// libjpeg reports errors by calling error_exit, which must not return: it longjmps back here, because Swift cannot
// call setjmp. These two functions are the whole decoder as Swift sees it; each returns 0 and fills `message`
// (JMSG_LENGTH_MAX bytes) on failure.

struct bilin_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
};

static void bilin_jpeg_error_exit(j_common_ptr info) {
    longjmp(((struct bilin_jpeg_error *)info->err)->jump, 1);
}

// Never prints (a library must not); a corrupt-data warning (level -1) fails the decode, since libjpeg would
// otherwise hand back a truncated file's missing rows as grey.
static void bilin_jpeg_emit_message(j_common_ptr info, int level) {
    if (level < 0) info->err->error_exit(info);
}

static inline size_t bilin_jpeg_message_length(void) { return JMSG_LENGTH_MAX; }

// Decodes `size` bytes of JPEG. With `pixels` NULL it only reads the header into `width` and `height`; otherwise it
// decodes into `pixels` (height × width × channels bytes, channels 1 = grey or 3 = RGB, libjpeg converting colour).
static inline int bilin_jpeg_decode(const unsigned char *data, size_t size, int channels, unsigned char *pixels,
                                    int *width, int *height, char *message) {
    struct jpeg_decompress_struct info;
    struct bilin_jpeg_error error;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = bilin_jpeg_error_exit;
    error.manager.emit_message = bilin_jpeg_emit_message;
    if (setjmp(error.jump)) {
        error.manager.format_message((j_common_ptr)&info, message);
        jpeg_destroy_decompress(&info);
        return 0;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    *width = (int)info.image_width;
    *height = (int)info.image_height;
    if (pixels != NULL) {
        info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
        jpeg_start_decompress(&info);
        size_t stride = (size_t)info.output_width * (size_t)channels;
        while (info.output_scanline < info.output_height) {
            JSAMPROW row = pixels + (size_t)info.output_scanline * stride;
            jpeg_read_scanlines(&info, &row, 1);
        }
        jpeg_finish_decompress(&info);
    }
    jpeg_destroy_decompress(&info);
    return 1;
}
#endif
