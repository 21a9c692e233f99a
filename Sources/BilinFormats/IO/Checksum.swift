internal import CBilinZlib
import BilinCore
import Foundation

/// CRC-32 (zlib's) of bytes and files: a cheap fingerprint that tells torn or different contents apart.
public enum Checksum {
    /// The CRC-32 of `bytes`, continuing from `previous` (the CRC of what came before them).
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        UInt32(crc32_z(UInt(previous), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), z_size_t(bytes.count)))
    }

    /// The CRC-32 of the file at `path`, read through a mapping.
    ///
    /// - Throws: `BilinError` naming `path` when it cannot be read.
    public static func crc32(file path: String) throws -> UInt32 {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw BilinError("cannot read the file", file: path)
        }
        return data.withUnsafeBytes { crc32($0) }
    }
}
