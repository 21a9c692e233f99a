@testable import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

@Suite("CheckpointFile")
struct CheckpointFileTests {
    /// A small state with the awkward values: a NaN loss, -0, a generator state past 2^53, 64-bit indices.
    static let checkpoint = Checkpoint(
        fingerprint: ["model file": "123 bytes, CRC-32 abc", "training option epochs": "3"],
        state: TrainingState(
            records: [EpochRecord(epoch: 0, loss: nil, trainAccuracy: nil, testAccuracy: 0.25, seconds: 0),
                      EpochRecord(epoch: 1, loss: .nan, trainAccuracy: 0.5, testAccuracy: 0.125, seconds: 1.5)],
            parameters: ["dense/kernel": Tensor(shape: [2, 3], scalars: [1, -0.0, .pi, -1e-30, 7, .infinity]),
                         "dense/bias": Tensor(shape: [3], scalars: [0.5, 0.25, -2])],
            optimizer: OptimizerState(steps: 17, buffers: ["dense/kernel": [[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]],
                                                          "dense/bias": [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]]),
            generator: SeededGenerator(state: 0xFEDC_BA98_7654_3210), order: [4, 0, 3, 1, 2], steps: 17))

    private static func bits(_ tensors: [String: Tensor]) -> [String: [UInt32]] {
        tensors.mapValues { $0.scalars.map(\.bitPattern) }
    }

    @Test("what is written reads back exactly")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("run.ckpt")
        try CheckpointFile.write(Self.checkpoint, to: path)
        let read = try CheckpointFile.read(path: path)
        let (state, expected) = (read.state, Self.checkpoint.state)
        #expect(read.fingerprint == Self.checkpoint.fingerprint)
        #expect(state.records.count == 2 && state.records[0] == expected.records[0])
        #expect(state.records[1].loss!.isNaN && state.records[1].seconds == 1.5)
        #expect(Self.bits(state.parameters) == Self.bits(expected.parameters))
        #expect(state.parameters.mapValues(\.shape) == expected.parameters.mapValues(\.shape))
        #expect(state.optimizer.steps == 17)
        #expect(state.optimizer.buffers.mapValues { $0.map { $0.map(\.bitPattern) } }
            == expected.optimizer.buffers.mapValues { $0.map { $0.map(\.bitPattern) } })
        #expect(state.generator.state == 0xFEDC_BA98_7654_3210)
        #expect(state.order == [4, 0, 3, 1, 2] && state.steps == 17 && state.epoch == 1)
        #expect(try folder.contents() == ["run.ckpt"])
    }

    @Test("a torn, altered, foreign or newer file is refused with one line")
    func damaged() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("run.ckpt")
        try CheckpointFile.write(Self.checkpoint, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func readBack(_ altered: [UInt8]) throws {
            try Data(altered).write(to: URL(fileURLWithPath: path))
            _ = try CheckpointFile.read(path: path)
        }
        let damaged = BilinError("truncated or corrupted checkpoint", file: path)
        for length in [12, 30, bytes.count / 2, bytes.count - 1] {
            #expect(throws: damaged, "cut at \(length)") { try readBack(Array(bytes.prefix(length))) }
        }
        var flipped = bytes
        flipped[bytes.count - 40] ^= 0x01
        #expect(throws: damaged) { try readBack(flipped) }
        var newer = bytes
        newer[8] = 2
        #expect(throws: BilinError("checkpoint format version 2; this tool reads version 1", file: path)) { try readBack(newer) }
        #expect(throws: BilinError("not a bilin-convert checkpoint", file: path)) { try readBack(Array("hello".utf8)) }
        #expect(throws: BilinError("no such file", file: folder.file("absent.ckpt"))) {
            _ = try CheckpointFile.read(path: folder.file("absent.ckpt"))
        }
    }

    @Test("a checkpoint for a missing folder is a one-line error")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        let nowhere = folder.file("absent/run.ckpt")
        #expect(throws: BilinError("cannot write: folder \(folder.file("absent")) does not exist", file: nowhere)) {
            try CheckpointFile.write(Self.checkpoint, to: nowhere)
        }
    }
}
