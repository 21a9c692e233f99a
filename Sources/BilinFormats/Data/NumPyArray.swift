import BilinCore

/// A NumPy `.npy` array, format version 1, 2 or 3: the magic `\x93NUMPY`, the version, the header's length
/// (UInt16 in version 1, UInt32 after), the header (`NumPyHeader`), then the elements.
enum NumPyArray {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The array in `bytes`, the contents of `key`'s `.npy` in the archive at `file`.
    ///
    /// - Throws: `BilinError` naming `file`, its message starting with `key`, for a bad magic or version,
    ///   an unreadable or unsupported header, or data shorter or longer than the header's shape needs.
    static func parse(_ bytes: [UInt8], file: String, key: String) throws -> StoredArray {
        let (header, dataStart) = try layout(of: bytes, file: file, key: key)
        return StoredArray(shape: header.shape, elementType: header.elementType, bytes: bytes[dataStart...], file: file, key: key)
    }

    /// The header of the `.npy` array in `bytes` and where its data starts, checked against the bytes present;
    /// `bytes` may be a memory-mapped file, of which only the header is read.
    ///
    /// - Throws: as `parse`.
    static func layout<Bytes: RandomAccessCollection<UInt8>>(of bytes: Bytes, file: String, key: String) throws -> (header: NumPyHeader, dataStart: Int)
    where Bytes.Index == Int {
        func failure(_ message: String) -> BilinError { BilinError("\(key): \(message)", file: file) }
        guard bytes.starts(with: magic) else { throw failure("not a .npy array (bad magic)") }
        guard bytes.count >= 12 else { throw failure("truncated: \(bytes.count) bytes is too short for a .npy header") }
        let base = bytes.startIndex
        let (headerStart, headerLength): (Int, Int)
        switch bytes[base + 6] {
        case 1: (headerStart, headerLength) = (10, Int(bytes[base + 8]) | Int(bytes[base + 9]) << 8)
        case 2, 3: (headerStart, headerLength) = (12, (8..<12).reduce(0) { $0 | Int(bytes[base + $1]) << (8 * ($1 - 8)) })
        default: throw failure("unsupported .npy format version \(bytes[base + 6]).\(bytes[base + 7])")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw failure("truncated: the .npy header is \(headerLength) bytes long but only \(bytes.count - headerStart) follow")
        }
        let header: NumPyHeader
        do {
            header = try NumPyHeader(parsing: String(decoding: bytes[(base + headerStart)..<(base + dataStart)], as: UTF8.self))
        } catch let error as BilinError {
            throw failure(error.message)
        }
        let shape = StoredArray.describe(header.shape)
        guard let count = header.shape.checkedProduct,
              case (let needed, false) = count.multipliedReportingOverflow(by: header.elementType.size) else {
            throw failure("shape \(shape) is too large")
        }
        let present = bytes.count - dataStart
        guard present >= needed else {
            throw failure("truncated: shape \(shape) of \(header.elementType.name) needs \(needed) bytes of data but only \(present) follow")
        }
        guard present == needed else {
            throw failure("has \(present) bytes of data but shape \(shape) of \(header.elementType.name) needs \(needed)")
        }
        return (header, base + dataStart)
    }
}
