import BilinCore
import Foundation

/// An image decoded to 8-bit pixels: `height × width × channels` bytes, row-major, channels interleaved
/// (1 = grey, 3 = RGB).
struct DecodedImage {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    /// Images larger than this are refused before any pixel is allocated (a corrupt header can claim anything).
    static let maximumPixels = 1 << 26

    /// The PNG or JPEG file at `path` (told apart by its first bytes, not its name), decoded to `channels`
    /// channels by the decoder's own colour conversion.
    ///
    /// - Throws: `BilinError` naming `path` when it cannot be read, is neither PNG nor JPEG, or is corrupt.
    static func read(path: String, channels: Int) throws -> DecodedImage {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw BilinError("cannot be read", file: path)
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNGDecoder.decode(bytes, channels: channels, file: path)
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try JPEGDecoder.decode(bytes, channels: channels, file: path)
        }
        throw BilinError(bytes.isEmpty ? "is empty, not an image" : "is neither a PNG nor a JPEG image", file: path)
    }

    /// Checks a header's size before decoding.
    static func checkSize(width: Int, height: Int, file: String) throws {
        guard width > 0, height > 0, width * height <= maximumPixels else {
            throw BilinError("image size \(width)×\(height) is not supported (at most \(maximumPixels) pixels)", file: file)
        }
    }
}
