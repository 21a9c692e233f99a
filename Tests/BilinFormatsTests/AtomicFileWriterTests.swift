import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

@Suite("AtomicFileWriter")
struct AtomicFileWriterTests {
    @Test("a successful write replaces the file and leaves nothing else behind")
    func replaces() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.bin")
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        try AtomicFileWriter.write(Array("new".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try folder.contents() == ["out.bin"])
    }

    @Test("a failing write leaves the earlier file and no temporary file; errors about the temporary name the target")
    func failure() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.bin")
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        #expect(throws: BilinError("disk on fire", file: path)) {
            try AtomicFileWriter.write(to: path) { temporaryPath in
                try Data("partial".utf8).write(to: URL(fileURLWithPath: temporaryPath))
                throw BilinError("disk on fire", file: temporaryPath)
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try folder.contents() == ["out.bin"])
    }

    @Test("a missing folder or a writer that writes nothing is an error")
    func bad() throws {
        let folder = try TemporaryFolder()
        let nowhere = folder.file("absent/out.bin")
        #expect(throws: BilinError("cannot write: folder \(folder.file("absent")) does not exist", file: nowhere)) {
            try AtomicFileWriter.write(Array("x".utf8), to: nowhere)
        }
        let path = folder.file("out.bin")
        #expect(throws: BilinError("cannot write: the new file was not created", file: path)) {
            try AtomicFileWriter.write(to: path) { _ in }
        }
    }
}
