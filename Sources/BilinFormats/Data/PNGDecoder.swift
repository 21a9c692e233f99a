import BilinCore
internal import CBilinPNG

/// PNG decoding with libpng's simplified API: any bit depth, palette or alpha, converted to 8-bit grey or RGB by
/// libpng (transparent pixels composited onto black).
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], channels: Int, file: String) throws -> DecodedImage {
        var image = png_image()
        bilin_png_image_init(&image)
        // On failure libpng has already freed its state; on success finish_read frees it.
        func failure() -> BilinError { BilinError("corrupt PNG: \(String(cString: bilin_png_message(&image)))", file: file) }
        guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }) != 0 else {
            throw failure()
        }
        do {
            try DecodedImage.checkSize(width: Int(image.width), height: Int(image.height), file: file)
        } catch {
            png_image_free(&image)
            throw error
        }
        image.format = bilin_png_format(Int32(channels))
        var decoded = DecodedImage(width: Int(image.width), height: Int(image.height), channels: channels,
                                   pixels: [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * channels))
        let finished = decoded.pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw failure() }
        return decoded
    }
}
