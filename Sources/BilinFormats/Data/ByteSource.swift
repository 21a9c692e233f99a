import Foundation

/// Bytes read front to back: a file as it is, or decompressed on the fly.
protocol ByteSource {
    /// Fills `buffer` from the front and returns how many bytes it wrote, fewer than it holds only at the end of the data.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// The most bytes that can still come: what a reader may allocate before it has seen them.
    var maximumRemaining: Int { get }
}

extension ByteSource {
    /// Up to `count` bytes, fewer only at the end of the data; allocates at most `maximumRemaining` bytes.
    mutating func readBytes(_ count: Int) throws -> [UInt8] {
        let capacity = min(count, maximumRemaining)
        return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Whether no byte is left.
    mutating func isAtEnd() throws -> Bool {
        var byte: UInt8 = 0
        return try withUnsafeMutableBytes(of: &byte) { try read(into: $0) } == 0
    }
}

/// The bytes of a file as they are.
struct RawByteSource: ByteSource {
    private let data: Data
    private var offset = 0

    init(data: Data) {
        self.data = data
    }

    var maximumRemaining: Int { data.count - offset }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, maximumRemaining)
        let start = data.startIndex + offset
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: start..<(start + count))
        offset += count
        return count
    }
}
