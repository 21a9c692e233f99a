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

    @Test("a failing write leaves the earlier file and no temporary file")
    func failure() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.bin")
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        #expect(throws: BilinError("disk on fire", file: path)) {
            try AtomicFileWriter.write(to: path) { file in
                try file.write(Array("partial".utf8))
                throw BilinError("disk on fire", file: path)
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try folder.contents() == ["out.bin"])
    }

    @Test("a missing folder is an error")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        let nowhere = folder.file("absent/out.bin")
        #expect(throws: BilinError("cannot write: folder \(folder.file("absent")) does not exist", file: nowhere)) {
            try AtomicFileWriter.write(Array("x".utf8), to: nowhere)
        }
    }

    @Test("an interruption refuses the rename, removes the temporary file, then stops once the write has ended")
    func interrupted() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.bin")
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        let gate = InterruptionGate()
        let stops = StopLog()
        #expect(throws: BilinError("not written: interrupted by SIGTERM", file: path)) {
            try AtomicFileWriter.write(to: path, gate: gate) { file in
                try file.write(Array("new".utf8))
                gate.interrupt(signal: SIGTERM) { signal, note in stops.append("\(signal) \(note ?? "-")") }
                #expect(stops.entries.isEmpty, "the write in progress holds the stop back")
                #expect(try folder.contents().count == 2)
            }
        }
        #expect(stops.entries == ["\(SIGTERM) -"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try folder.contents() == ["out.bin"])
        #expect(throws: BilinError("not written: interrupted by SIGTERM", file: path)) {
            try AtomicFileWriter.write(Array("late".utf8), to: path, gate: gate)
        }
        #expect(try folder.contents() == ["out.bin"])
    }

    @Test("with no write in progress an interruption stops at once, with the last note")
    func interruptedIdle() {
        let gate = InterruptionGate()
        let stops = StopLog()
        gate.setNote("resume with --resume x")
        gate.interrupt(signal: SIGINT) { signal, note in stops.append("\(signal) \(note ?? "-")") }
        gate.interrupt(signal: SIGTERM) { signal, _ in stops.append("second \(signal)") }
        #expect(stops.entries == ["\(SIGINT) resume with --resume x"])
    }
}

/// What the gate's stop action was called with.
private final class StopLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ entry: String) { lock.withLock { stored.append(entry) } }
    var entries: [String] { lock.withLock { stored } }
}
