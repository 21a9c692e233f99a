import BilinCore
internal import CBilinJPEG

/// JPEG decoding with libjpeg-turbo, converted to 8-bit grey or RGB by libjpeg; a truncated or corrupt file fails
/// rather than decoding partly grey.
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], channels: Int, file: String) throws -> DecodedImage {
        var message = [CChar](repeating: 0, count: bilin_jpeg_message_length())
        var (width, height): (Int32, Int32) = (0, 0)
        func failure() -> BilinError { BilinError("corrupt JPEG: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))", file: file) }
        // The header first, so that the size is checked before the pixels are allocated.
        guard bytes.withUnsafeBufferPointer({ bilin_jpeg_decode($0.baseAddress, $0.count, Int32(channels), nil, &width, &height, &message) }) != 0 else {
            throw failure()
        }
        try DecodedImage.checkSize(width: Int(width), height: Int(height), file: file)
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let decoded = bytes.withUnsafeBufferPointer { data in
            pixels.withUnsafeMutableBufferPointer { bilin_jpeg_decode(data.baseAddress, data.count, Int32(channels), $0.baseAddress, &width, &height, &message) }
        }
        guard decoded != 0 else { throw failure() }
        return DecodedImage(width: Int(width), height: Int(height), channels: channels, pixels: pixels)
    }
}
