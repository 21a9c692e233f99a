import BilinCore

/// A recursive-descent JSON parser over UTF-8 that records each value's source text (see `JSONValue`).
struct JSONParser {
    /// Deeper nesting is refused rather than risking the stack on hostile input.
    static let maximumDepth = 512

    private let text: String
    private let bytes: String.UTF8View
    private var position: String.Index
    private var depth = 0

    init(text: String) {
        self.text = text
        self.bytes = text.utf8
        self.position = text.utf8.startIndex
    }

    /// The single value `text` holds.
    mutating func parseDocument() throws -> JSONValue {
        let value = try parseValue()
        skipWhiteSpace()
        guard position == bytes.endIndex else { throw error("unexpected text after the value") }
        return value
    }

    private mutating func parseValue() throws -> JSONValue {
        skipWhiteSpace()
        let start = position
        guard let byte = peek() else { throw error("unexpected end of text") }
        let content: JSONValue.Content
        switch byte {
        case UInt8(ascii: "{"): content = try parseObject()
        case UInt8(ascii: "["): content = try parseArray()
        case UInt8(ascii: "\""): content = .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); content = .bool(true)
        case UInt8(ascii: "f"): try expect("false"); content = .bool(false)
        case UInt8(ascii: "n"): try expect("null"); content = .null
        case UInt8(ascii: "N"): try expect("NaN"); content = .number(.nan)
        case UInt8(ascii: "I"): try expect("Infinity"); content = .number(.infinity)
        default: content = .number(try parseNumber())
        }
        return JSONValue(content, text: text[start..<position])
    }

    private mutating func parseObject() throws -> JSONValue.Content {
        try enterContainer()
        defer { depth -= 1 }
        advance()
        var members: [(key: String, value: JSONValue)] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "}") { advance(); return .object(members) }
        while true {
            skipWhiteSpace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try parseString()
            skipWhiteSpace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
            advance()
            members.append((key, try parseValue()))
            skipWhiteSpace()
            switch peek() {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "}"): advance(); return .object(members)
            default: throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue.Content {
        try enterContainer()
        defer { depth -= 1 }
        advance()
        var elements: [JSONValue] = []
        skipWhiteSpace()
        if peek() == UInt8(ascii: "]") { advance(); return .array(elements) }
        while true {
            elements.append(try parseValue())
            skipWhiteSpace()
            switch peek() {
            case UInt8(ascii: ","): advance()
            case UInt8(ascii: "]"): advance(); return .array(elements)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws -> String {
        advance()
        var result: [UInt8] = []
        while let byte = peek() {
            advance()
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: result, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek() else { break }
                advance()
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escaped)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "u"): result.append(contentsOf: try parseUnicodeEscape())
                default: throw error("bad escape in a string")
                }
            case 0..<0x20:
                throw error("control character in a string")
            default:
                result.append(byte)
            }
        }
        throw error("unterminated string")
    }

    /// The UTF-8 bytes of a `\uXXXX` escape (after the `u`), joining a surrogate pair written as two escapes.
    private mutating func parseUnicodeEscape() throws -> [UInt8] {
        var value = try parseHexQuad()
        if (0xD800..<0xDC00).contains(value), peek() == UInt8(ascii: "\\") {
            let saved = position
            advance()
            if peek() == UInt8(ascii: "u") {
                advance()
                let low = try parseHexQuad()
                if (0xDC00..<0xE000).contains(low) {
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    position = saved
                }
            } else {
                position = saved
            }
        }
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseHexQuad() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = hexDigitValue(byte) else { throw error("bad \\u escape") }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    private func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func parseNumber() throws -> Double {
        let start = position
        if peek() == UInt8(ascii: "-") {
            advance()
            if peek() == UInt8(ascii: "I") { try expect("Infinity"); return -.infinity }
        }
        while let byte = peek(), isNumberByte(byte) { advance() }
        guard position > start, let value = Double(String(text[start..<position])) else { throw error("bad value") }
        return value
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
            || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    private mutating func expect(_ literal: String) throws {
        for expected in literal.utf8 {
            guard peek() == expected else { throw error("bad value") }
            advance()
        }
    }

    private mutating func enterContainer() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func skipWhiteSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { advance() }
    }

    private func peek() -> UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    private mutating func advance() { position = bytes.index(after: position) }

    private func error(_ reason: String) -> BilinError {
        BilinError("invalid JSON at byte \(bytes.distance(from: bytes.startIndex, to: position)): \(reason)")
    }
}
