import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Ctrl-C or SIGTERM during fine-tuning: one line, exit 128 + signal, no output or temporary file; and
/// `--checkpoint`/`--resume`, which must end with the weights of the run never interrupted, bit for bit.
@Suite("interruption and resume")
struct InterruptionTests {
    static let data = Fixtures.path("fmnist_sample.npz")

    /// Every weight of the model at `path`, as bit patterns, by layer name and weight index.
    private static func weightBits(_ path: String) throws -> [String: [UInt32]] {
        var bits: [String: [UInt32]] = [:]
        for layer in try ModelIO.load(path: path).layers {
            for (index, tensor) in layer.weights.enumerated() { bits["\(layer.name)/\(index)"] = tensor.scalars.map(\.bitPattern) }
        }
        return bits
    }

    @Test("a signal during fine-tuning ends the run with 128 + its number, one line, and the earlier output as it was",
          arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
    func signalDuringFineTuning(signal: Int32, name: String) throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let output = folder.file("out.h5")
        #expect(try ToolRun.run([model, "-o", output, "--quiet"]).status == 0)
        let earlier = try Data(contentsOf: URL(fileURLWithPath: output))
        let tool = try RunningTool([model, "--data", Self.data, "--epochs", "1000", "-o", output])
        // Printed right before the first batch.
        #expect(tool.waitForStandardError(containing: "after conversion: test accuracy"))
        tool.send(signal)
        let run = tool.finish()
        #expect(run.status == 128 + signal)
        #expect(run.standardError.hasSuffix("\nError: interrupted by \(name)\n"))
        #expect(run.standardError.components(separatedBy: "Error:").count == 2, "one error line")
        #expect(!run.standardError.contains("writing \(output)"))
        #expect(try folder.contents() == ["out.h5", "tiny_mlp.h5"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == earlier)
    }

    @Test("interrupted after a checkpoint and resumed, a run writes bit for bit the weights of the run never interrupted")
    func resumeAfterInterruption() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let checkpoint = folder.file("run.ckpt")
        let common = [model, "--data", Self.data, "--epochs", "30", "--seed", "5", "--scale", "2"]
        let uninterrupted = try ToolRun.run(common + ["-o", folder.file("whole.h5"), "--quiet"])
        #expect(uninterrupted.status == 0)

        let tool = try RunningTool(common + ["-o", folder.file("resumed.h5"), "--checkpoint", checkpoint])
        // Epoch 1's checkpoint is on disk by then; the signal may refuse epoch 2's, which leaves epoch 1's in place.
        #expect(tool.waitForStandardError(containing: "saving \(checkpoint) (epoch 2)"))
        tool.send(SIGINT)
        let interrupted = tool.finish()
        #expect(interrupted.status == 130)
        #expect(interrupted.standardError.hasSuffix(
            "\nError: interrupted by SIGINT; --resume \(checkpoint) continues from the last epoch saved\n"))
        #expect(try folder.contents() == ["run.ckpt", "tiny_mlp.h5", "whole.h5"])

        let resumed = try ToolRun.run(common + ["-o", folder.file("resumed.h5"), "--resume", checkpoint])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("resuming from \(checkpoint) after epoch "))
        #expect(!resumed.standardError.contains("after epoch 30"), "the interruption came too late to test anything")
        #expect(!resumed.standardError.contains("epoch 1:"), "epochs before the checkpoint ran again")
        #expect(resumed.standardError.contains("epoch 30:"))
        let whole = try Self.weightBits(folder.file("whole.h5"))
        #expect(!whole.isEmpty)
        #expect(try Self.weightBits(folder.file("resumed.h5")) == whole)
    }

    @Test("resuming with other options, another model or a damaged checkpoint fails with one line and writes nothing")
    func resumeRefused() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let checkpoint = folder.file("run.ckpt")
        let common = [model, "--data", Self.data, "--seed", "5", "-o", folder.file("out.h5"), "--quiet"]
        #expect(try ToolRun.run(common + ["--epochs", "2", "--checkpoint", checkpoint]).status == 0)
        try FileManager.default.removeItem(atPath: folder.file("out.h5"))
        let saved = try Data(contentsOf: URL(fileURLWithPath: checkpoint))

        func expectRefusal(_ arguments: [String], _ message: String) throws {
            let run = try ToolRun.run(arguments)
            #expect(run.status == 1)
            #expect(run.standardError == "Error: \(message)\n")
            #expect(try folder.contents() == ["run.ckpt", "tiny_mlp.h5"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == saved)
        }
        let another = "\(checkpoint): the checkpoint belongs to another run: "
        try expectRefusal(common + ["--epochs", "3", "--resume", checkpoint], another + "training option epochs is 2 there, 3 here")
        try expectRefusal(common + ["--epochs", "2", "--lr", "0.01", "--resume", checkpoint],
                          another + "training option learningRate is none there, 0.01 here")
        try expectRefusal(common + ["--epochs", "2", "--scale", "2", "--resume", checkpoint],
                          another + "conversion option scale is 1 there, 2 here")
        let otherModel = try folder.copyFixture("tiny_mlp.keras")
        defer { try? FileManager.default.removeItem(atPath: otherModel) }
        var otherCommon = common
        otherCommon[0] = otherModel
        let otherRun = try ToolRun.run(otherCommon + ["--epochs", "2", "--resume", checkpoint])
        #expect(otherRun.standardError == "Error: \(another)the model file is not the same\n")
        try FileManager.default.removeItem(atPath: otherModel)
        try expectRefusal(common + ["--epochs", "2", "--resume", model],
                          "\(model): the checkpoint would replace the model; choose another checkpoint path")
        try expectRefusal(common + ["--checkpoint", checkpoint], "\(checkpoint): saving or resuming fine-tuning needs --data and --epochs")

        try Data(saved.prefix(saved.count / 2)).write(to: URL(fileURLWithPath: checkpoint))
        let torn = try ToolRun.run(common + ["--epochs", "2", "--resume", checkpoint])
        #expect(torn.status == 1)
        #expect(torn.standardError == "Error: \(checkpoint): truncated or corrupted checkpoint\n")
    }
}
