import BilinCore
import Foundation

/// One MNIST-format IDX file, raw or gzip-compressed (by its `.gz` name): a big-endian header
/// `00 00 08 <rank>` and `rank` UInt32 dimensions, then exactly as many unsigned bytes as their product.
enum IDXFile {
    /// The file's array, its bytes left unconverted.
    ///
    /// - Throws: `BilinError` naming `path` for an unreadable file, corrupt gzip, a bad magic or element type,
    ///   or data shorter or longer than the header declares.
    static func read(path: String) throws -> StoredArray {
        let data = try readFile(path)
        if path.hasSuffix(".gz") {
            var source = try GzipByteSource(compressed: data, file: path)
            return try read(from: &source, path: path)
        }
        var source = RawByteSource(data: data)
        return try read(from: &source, path: path)
    }

    /// The whole contents of the file at `path`.
    private static func readFile(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw BilinError("cannot be read", file: path)
        }
    }

    private static func read(from source: inout some ByteSource, path: String) throws -> StoredArray {
        let magic = try source.readBytes(4)
        guard magic.count == 4 else {
            throw BilinError("truncated: \(magic.count) bytes is too short for an IDX header", file: path)
        }
        guard magic[0] == 0, magic[1] == 0 else {
            let hex = magic.map { String(format: "%02x", $0) }.joined(separator: " ")
            let hint = magic[0] == 0x1F && magic[1] == 0x8B ? "this is gzip data, so the name should end in .gz" : "expected 00 00 08 and a dimension count"
            throw BilinError("bad IDX magic \(hex): \(hint)", file: path)
        }
        guard magic[2] == 0x08 else {
            throw BilinError("IDX element type \(String(format: "0x%02x", magic[2])) is not supported: only unsigned bytes (0x08) are", file: path)
        }
        let rank = Int(magic[3])
        guard rank > 0 else {
            throw BilinError("the IDX header declares no dimensions", file: path)
        }
        let header = try source.readBytes(4 * rank)
        guard header.count == 4 * rank else {
            throw BilinError("truncated: the IDX header declares \(rank) dimensions but holds \(header.count / 4)", file: path)
        }
        let shape = stride(from: 0, to: header.count, by: 4).map { offset in
            header[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        guard let count = shape.checkedProduct else {
            throw BilinError("the IDX header declares \(StoredArray.describe(shape)) values, too many to hold", file: path)
        }
        let bytes = try source.readBytes(count)
        guard bytes.count == count else {
            throw BilinError("truncated: the header declares \(StoredArray.describe(shape)) = \(count) bytes of data but only \(bytes.count) follow", file: path)
        }
        guard try source.isAtEnd() else {
            throw BilinError("has more data than its header declares (\(StoredArray.describe(shape)) = \(count) bytes)", file: path)
        }
        return StoredArray(shape: shape, elementType: .uint8, bytes: bytes[...], file: path)
    }
}
