import BilinCore
@testable import BilinFormats
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("parsing keeps each value's exact source text and member order")
    func verbatim() throws {
        let text = #" {"b": [1, 2.50, -3e-05, {"z" :true}], "a":"x\u00e9\n\"", "n": null, "f": NaN} "#
        let value = try JSONValue(parsing: text)
        #expect(value.text == text.trimmingCharacters(in: .whitespaces)[...])
        guard case .object(let members) = value.content else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "n", "f"])
        let array = try #require(value["b"]?.arrayValue)
        #expect(array.map(\.text) == ["1", "2.50", "-3e-05", #"{"z" :true}"#])
        #expect(array[1].doubleValue == 2.5 && array[0].intValue == 1 && array[1].intValue == nil)
        #expect(array[3]["z"]?.boolValue == true)
        #expect(value["a"]?.stringValue == "xé\n\"")
        #expect(value["n"]?.isNull == true)
        #expect(value["f"]?.doubleValue?.isNaN == true)
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#).stringValue == "😀")
    }

    @Test("built values serialise as Python's json.dumps does")
    func building() {
        let value = JSONValue.object([
            ("name", .string("a \"b\"\t")), ("units", .number(96)), ("rate", .number(Float(0.1))), ("on", .bool(false)),
            ("shape", .array([.null, .number(784)])), ("empty", .object([])),
        ])
        #expect(value.text == #"{"name": "a \"b\"\t", "units": 96, "rate": 0.1, "on": false, "shape": [null, 784], "empty": {}}"#)
        #expect(JSONValue.array([]).text == "[]")
    }

    @Test("malformed text is an error with its byte offset", arguments: [
        ("", "invalid JSON at byte 0: unexpected end of text"),
        ("[1, 2", "invalid JSON at byte 5: expected ',' or ']'"),
        (#"{"a" 1}"#, "invalid JSON at byte 5: expected ':'"),
        ("[1] x", "invalid JSON at byte 4: unexpected text after the value"),
        (#""abc"#, "invalid JSON at byte 4: unterminated string"),
        ("tru", "invalid JSON at byte 3: bad value"),
    ])
    func malformed(text: String, message: String) {
        #expect(throws: BilinError(message)) { try JSONValue(parsing: text) }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func depth() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: BilinError("invalid JSON at byte 512: nested deeper than 512 levels")) { try JSONValue(parsing: text) }
    }
}
