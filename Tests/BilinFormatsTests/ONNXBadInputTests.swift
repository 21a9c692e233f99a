import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Broken ONNX input: each a one-line `BilinError` naming the file, with the exact text below.
@Suite("ONNX bad input")
struct ONNXBadInputTests {
    private func expectError(_ message: String, loading path: String) {
        #expect(throws: BilinError(message, file: path)) { try ModelIO.load(path: path) }
    }

    @Test("truncated and garbage bytes")
    func corruptBytes() throws {
        let folder = try TemporaryFolder()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny_mlp.onnx")))
        let truncated = folder.file("truncated.onnx")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        expectError("not an ONNX model: the protobuf does not parse (truncated or not ONNX)", loading: truncated)
        let garbage = folder.file("garbage.onnx")
        try Data(String(repeating: "this is not a model\n", count: 50).utf8).write(to: URL(fileURLWithPath: garbage))
        expectError("not an ONNX model: the protobuf does not parse (truncated or not ONNX)", loading: garbage)
        let empty = folder.file("empty.onnx")
        try Data().write(to: URL(fileURLWithPath: empty))
        expectError("not an ONNX model: no IR version or no graph nodes", loading: empty)
    }

    @Test("a missing or short external-data file")
    func externalDataFile() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp_external.onnx")
        expectError("initializer 'const_0': external data file 'tiny_mlp_external.onnx.data' does not exist", loading: model)
        let data = try folder.copyFixture("tiny_mlp_external.onnx.data")
        let handle = try #require(FileHandle(forWritingAtPath: data))
        try handle.truncate(atOffset: 1000)
        try handle.close()
        expectError("initializer 'const_0': external data file 'tiny_mlp_external.onnx.data' has 1000 bytes, "
                    + "but the initializer needs bytes 0..<301056", loading: model)
    }

    @Test("an external-data path that leaves the model's folder")
    func escapingPaths() {
        expectError("initializer 'w': external data path '../bad_escape.data' leaves the model's folder",
                    loading: Fixtures.path("bad_escape.onnx"))
        expectError("initializer 'w': external data path '/tmp/bad_absolute.data' leaves the model's folder",
                    loading: Fixtures.path("bad_absolute.onnx"))
    }

    @Test("an initializer whose declared size disagrees with its data")
    func wrongSize() {
        expectError("initializer 'w' declares shape [4, 3] (48 bytes of data) but holds 40 bytes", loading: Fixtures.path("bad_size.onnx"))
    }

    @Test("nothing is written when the input is bad")
    func noOutput() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp_external.onnx")
        #expect(throws: BilinError.self) { try ModelIO.load(path: model) }
        #expect(try folder.contents() == ["tiny_mlp_external.onnx"])
    }
}
