/// Reads typed values from the front of a fuzzer's input; past its end every read gives zero or empty.
public struct FuzzBytes {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { index >= bytes.count }

    public mutating func byte() -> UInt8 {
        defer { index += 1 }
        return index < bytes.count ? bytes[index] : 0
    }

    /// A little-endian UInt16.
    public mutating func uint16() -> Int {
        Int(byte()) | Int(byte()) << 8
    }

    /// A string of a one-byte length (a UInt16 one with `long`), then that many bytes as UTF-8.
    public mutating func string(long: Bool = false) -> String {
        let length = long ? uint16() : Int(byte())
        let start = min(index, bytes.count)
        let end = min(start + length, bytes.count)
        index = end
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// A list of a one-byte count, at most `limit`, of strings.
    public mutating func strings(limit: Int) -> [String] {
        (0..<(Int(byte()) % (limit + 1))).map { _ in string() }
    }
}
