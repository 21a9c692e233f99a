import BilinCore

/// The header of a `.npy` array, a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`.
struct NumPyHeader {
    var elementType: ElementType
    var shape: [Int]

    /// - Throws: `BilinError` without a file when the text is not such a dict, lacks a key, names an unsupported
    ///   dtype (big-endian ones included) or declares Fortran order.
    init(parsing text: String) throws {
        var scanner = Scanner(text: Array(text.utf8))
        let entries = try scanner.dictionary()
        guard case .string(let descr)? = entries["descr"] else { throw BilinError("the .npy header has no 'descr' string") }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
            throw BilinError("the .npy header has no 'fortran_order' flag")
        }
        guard case .integers(let shape)? = entries["shape"] else { throw BilinError("the .npy header has no 'shape' tuple") }
        guard !fortranOrder else {
            throw BilinError("the array is stored in Fortran order; only C order is supported (save np.ascontiguousarray(array))")
        }
        self.elementType = try Self.elementType(descr: descr)
        self.shape = shape
    }

    /// The element type a NumPy type string such as `<f4` or `|u1` names.
    private static func elementType(descr: String) throws -> ElementType {
        let byteOrder = descr.first.flatMap { "<>|=".contains($0) ? $0 : nil }
        let code = byteOrder == nil ? Substring(descr) : descr.dropFirst()
        let types: [Substring: ElementType] = ["u1": .uint8, "i4": .int32, "i8": .int64, "f4": .float32, "f8": .float64]
        guard let type = types[code] else {
            throw BilinError("unsupported dtype '\(descr)': images must be uint8, float32 or float64 and labels uint8, int32 or int64")
        }
        guard byteOrder != ">" || type.size == 1 else {
            throw BilinError("big-endian dtype '\(descr)' is not supported: save the array little-endian")
        }
        return type
    }
}

/// A value of the header dict.
private enum HeaderValue {
    case string(String)
    case boolean(Bool)
    case integers([Int])
}

/// Reads the Python literals a `.npy` header uses: a dict of quoted keys to strings, booleans and integer tuples.
private struct Scanner {
    let text: [UInt8]
    var index = 0

    mutating func dictionary() throws -> [String: HeaderValue] {
        try expect("{")
        var entries: [String: HeaderValue] = [:]
        while !take("}") {
            let key = try string()
            try expect(":")
            entries[key] = try value()
            if !take(",") {
                try expect("}")
                break
            }
        }
        return entries
    }

    private mutating func value() throws -> HeaderValue {
        skipSpaces()
        switch index < text.count ? text[index] : 0 {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "("): return .integers(try integerTuple())
        case UInt8(ascii: "T"), UInt8(ascii: "F"): return .boolean(try boolean())
        case UInt8(ascii: "["): throw BilinError("structured dtypes are not supported")
        default: throw malformed()
        }
    }

    private mutating func string() throws -> String {
        skipSpaces()
        guard index < text.count, text[index] == UInt8(ascii: "'") || text[index] == UInt8(ascii: "\"") else { throw malformed() }
        let quote = text[index]
        guard let end = text[(index + 1)...].firstIndex(of: quote) else { throw malformed() }
        defer { index = end + 1 }
        return String(decoding: text[(index + 1)..<end], as: UTF8.self)
    }

    private mutating func boolean() throws -> Bool {
        for (word, value) in [("True", true), ("False", false)] where text[index...].starts(with: word.utf8) {
            index += word.utf8.count
            return value
        }
        throw malformed()
    }

    /// `()`, `(5,)` or `(60000, 784)`; Python 2's `L` suffixes allowed.
    private mutating func integerTuple() throws -> [Int] {
        try expect("(")
        var integers: [Int] = []
        while !take(")") {
            skipSpaces()
            let digits = text[index...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard let integer = Int(String(decoding: digits, as: UTF8.self)) else { throw malformed() }
            integers.append(integer)
            index += digits.count
            _ = take("L")
            if !take(",") {
                try expect(")")
                break
            }
        }
        return integers
    }

    private mutating func skipSpaces() {
        while index < text.count, text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\n") { index += 1 }
    }

    /// Skips spaces, then consumes `character` if it comes next.
    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        skipSpaces()
        guard index < text.count, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ character: Unicode.Scalar) throws {
        guard take(character) else { throw malformed() }
    }

    private func malformed() -> BilinError {
        BilinError("malformed .npy header: expected a dict of 'descr', 'fortran_order' and 'shape'")
    }
}
