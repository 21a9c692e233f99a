import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

@Suite("ModelFormat")
struct ModelFormatTests {
    @Test("the signature decides, whatever the extension")
    func signatureWins() throws {
        let folder = try TemporaryFolder()
        let disguised = folder.file("really-a-zip.h5")
        try FileManager.default.copyItem(atPath: Fixtures.path("tiny_mlp.keras"), toPath: disguised)
        #expect(try ModelFormat.detect(path: disguised) == .kerasArchive)
        #expect(try ModelFormat.detect(path: Fixtures.path("tiny_mlp.h5")) == .kerasH5)
        #expect(try ModelIO.load(path: disguised).metadata["format"] == "keras")
    }

    @Test("without a signature the extension decides")
    func extensionBreaksTies() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("model.ONNX")
        try Data([0x08, 0x07]).write(to: URL(fileURLWithPath: path))
        #expect(try ModelFormat.detect(path: path) == .onnx)
        #expect(try ModelFormat.forOutput(path: "a/b.keras") == .kerasArchive)
        #expect(try ModelFormat.forOutput(path: "b.hdf5") == .kerasH5)
        #expect(throws: BilinError("is a folder, not a model file", file: folder.path)) { try ModelFormat.detect(path: folder.path) }
    }
}
