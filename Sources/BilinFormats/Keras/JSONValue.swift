import BilinCore

/// A JSON value that keeps its exact text: the source text when parsed, the serialisation when built.
///
/// Keeping the text lets a layer this tool does not understand go back into a Keras config byte for byte, and lets a
/// built config embed such a layer verbatim. Object members keep their order. Numbers follow Python's `json`
/// module, which Keras writes with: `NaN`, `Infinity` and `-Infinity` are accepted.
struct JSONValue: Sendable {
    enum Content: Sendable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([(key: String, value: JSONValue)])
    }

    let content: Content
    /// The exact JSON text of this value.
    let text: Substring

    /// A value with its text; `text` must be the JSON text of `content` (the parser's source slice, or a
    /// serialisation).
    init(_ content: Content, text: Substring) {
        self.content = content
        self.text = text
    }

    /// Parses `text`, which must hold exactly one JSON value (surrounding white space allowed).
    ///
    /// - Throws: `BilinError` "invalid JSON at byte N: …", without a file; callers add one.
    init(parsing text: String) throws {
        var parser = JSONParser(text: text)
        self = try parser.parseDocument()
    }

    // MARK: - Building

    static let null = JSONValue(.null, text: "null")

    static func bool(_ value: Bool) -> JSONValue { JSONValue(.bool(value), text: value ? "true" : "false") }

    static func number(_ value: Int) -> JSONValue { JSONValue(.number(Double(value)), text: Substring(String(value))) }

    /// A `Float` written with the shortest digits that read back as the same `Float` (`0.1`, not `0.10000000149`).
    static func number(_ value: Float) -> JSONValue {
        let text = value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : value.description
        return JSONValue(.number(Double(value)), text: Substring(text))
    }

    static func string(_ value: String) -> JSONValue { JSONValue(.string(value), text: Substring(quoted(value))) }

    static func array(_ elements: [JSONValue]) -> JSONValue {
        JSONValue(.array(elements), text: Substring("[" + elements.map { String($0.text) }.joined(separator: ", ") + "]"))
    }

    /// An array of integers, `[3, 3]`.
    static func integers(_ values: [Int]) -> JSONValue { .array(values.map(JSONValue.number)) }

    /// An object with members in the given order, written as Python's `json.dumps` does (`{"a": 1, "b": 2}`).
    static func object(_ members: [(key: String, value: JSONValue)]) -> JSONValue {
        let text = "{" + members.map { quoted($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
        return JSONValue(.object(members), text: Substring(text))
    }

    /// `value` as a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    // MARK: - Reading

    /// The member `key` of an object (the first, if repeated), or nil.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = content else { return nil }
        return members.first { $0.key == key }?.value
    }

    var isNull: Bool { if case .null = content { true } else { false } }

    var stringValue: String? { if case .string(let value) = content { value } else { nil } }

    var boolValue: Bool? { if case .bool(let value) = content { value } else { nil } }

    var doubleValue: Double? { if case .number(let value) = content { value } else { nil } }

    /// The number as an `Int`, if it is a whole number in range.
    var intValue: Int? { doubleValue.flatMap { Int(exactly: $0) } }

    var arrayValue: [JSONValue]? { if case .array(let elements) = content { elements } else { nil } }

    var isObject: Bool { if case .object = content { true } else { false } }
}
