import BilinCore

/// The element types a dataset array may be stored in (always little-endian here).
enum ElementType: Sendable {
    case uint8, int32, int64, float32, float64

    /// Bytes per element.
    var size: Int {
        switch self {
        case .uint8: 1
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// The NumPy name, as used in messages.
    var name: String {
        switch self {
        case .uint8: "uint8"
        case .int32: "int32"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }
}

/// An array as a dataset file stores it: a shape and the raw element bytes, not yet converted.
struct StoredArray {
    var shape: [Int]
    var elementType: ElementType
    /// Exactly `elementCount × elementType.size` bytes, little-endian, row-major.
    var bytes: ArraySlice<UInt8>
    /// The file it came from, for messages.
    var file: String
    /// Its name inside `file` (an `.npz` key), or nil when the file holds only this array.
    var key: String?

    var elementCount: Int { bytes.count / elementType.size }

    /// How messages name this array: its key, or else its file's name.
    var displayName: String { key ?? file.split(separator: "/").last.map(String.init) ?? file }

    /// An error about this array: the file, and the key before the message when there is one.
    func error(_ message: String) -> BilinError {
        BilinError(key.map { "\($0): \(message)" } ?? message, file: file)
    }

    /// A shape as messages print it: `60000×28×28`.
    static func describe(_ shape: [Int]) -> String {
        shape.isEmpty ? "a scalar" : shape.map(String.init).joined(separator: "×")
    }
}

/// The images and labels of one split, as stored.
struct StoredSplit {
    var images: StoredArray
    var labels: StoredArray
}
