import BilinTestSupport
import Foundation
import Testing

/// A write that fails (a full disk, a folder the tool may not write to): one `Error: <output>: cannot write: …`
/// line, exit 1, no temporary file left, and the file written before at that path byte for byte as it was.
@Suite("output write failures")
struct OutputFailureTests {
    /// Every output format, each from a model it can be written from.
    static let formats = [("tiny_mlp.h5", "h5"), ("tiny_mlp.h5", "keras"), ("tiny_mlp.onnx", "onnx")]

    /// A folder with the model and an earlier output at `out.<ext>` (or under `subfolder`), written by the tool.
    private struct Setup {
        let folder: TemporaryFolder
        let model: String
        let output: String
        let earlier: Data

        init(model name: String, format: String, subfolder: String? = nil) throws {
            let folder = try TemporaryFolder()
            self.folder = folder
            model = try folder.copyFixture(name)
            let outputFolder = subfolder.map { folder.file($0) } ?? folder.path
            try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
            output = (outputFolder as NSString).appendingPathComponent("out.\(format)")
            let first = try ToolRun.run([model, "-o", output, "--quiet"])
            #expect(first.status == 0, "\(first.standardError)")
            earlier = try Data(contentsOf: URL(fileURLWithPath: output))
        }

        /// Checks the failure contract for `run`, whose files must be those of `before`.
        func expectFailure(_ run: ToolRun, reason: String, files before: [String], in folder: String) throws {
            #expect(run.status == 1)
            #expect(run.standardOutput.isEmpty)
            #expect(run.standardError == "Error: \(output): cannot write: \(reason)\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == before, "no temporary file may be left")
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == earlier)
        }
    }

    @Test("a full disk (a file-size limit) fails the write of each format and keeps the earlier output", arguments: formats)
    func fullDisk(model: String, format: String) throws {
        let setup = try Setup(model: model, format: format)
        let before = try setup.folder.contents()
        // Scale 3 writes a different (larger) file than the earlier one; the limit stops it at 4 KiB.
        let run = try ToolRun.run([setup.model, "--scale", "3", "-o", setup.output, "--quiet"], fileSizeLimit: 4096)
        try setup.expectFailure(run, reason: "File too large", files: before, in: setup.folder.path)
    }

    @Test("a folder the tool may not write to fails the write of each format and keeps the earlier output", arguments: formats)
    func readOnlyFolder(model: String, format: String) throws {
        let setup = try Setup(model: model, format: format, subfolder: "locked")
        let locked = setup.folder.file("locked")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked) }
        let run = try ToolRun.runUnprivileged([setup.model, "--scale", "3", "-o", setup.output, "--quiet"])
        try setup.expectFailure(run, reason: "Permission denied", files: ["out.\(format)"], in: locked)
    }

    @Test("an ONNX model with external data keeps both earlier files when either write fails")
    func externalDataPair() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp_external.onnx")
        _ = try folder.copyFixture("tiny_mlp_external.onnx.data")
        let output = folder.file("out.onnx")
        #expect(try ToolRun.run([model, "-o", output, "--quiet"]).status == 0)
        let earlier = try [output, output + ".data"].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let before = try folder.contents()
        // The side file is the larger one, so the limit stops its write.
        let limited = try ToolRun.run([model, "--scale", "3", "-o", output, "--quiet"], fileSizeLimit: 4096)
        #expect(limited.status == 1)
        #expect(limited.standardError == "Error: \(output).data: cannot write: File too large\n")
        #expect(try folder.contents() == before)
        #expect(try [output, output + ".data"].map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == earlier)

        // A folder in the model's place makes the model's rename fail after the side file is written.
        try FileManager.default.removeItem(atPath: output)
        try FileManager.default.createDirectory(atPath: folder.file("out.onnx/kept"), withIntermediateDirectories: true)
        let blocked = try ToolRun.run([model, "--scale", "3", "-o", output, "--quiet"])
        #expect(blocked.status == 1)
        #expect(blocked.standardError == "Error: \(output): cannot write: Is a directory\n")
        #expect(try folder.contents() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + ".data")) == earlier[1])
    }

    @Test("a checkpoint that cannot be written stops the run and keeps the earlier checkpoint")
    func checkpointFullDisk() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let checkpoint = folder.file("run.ckpt")
        let arguments = [model, "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1", "-o", folder.file("out.h5"),
                         "--checkpoint", checkpoint, "--quiet"]
        #expect(try ToolRun.run(arguments).status == 0)
        try FileManager.default.removeItem(atPath: folder.file("out.h5"))
        let earlier = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let run = try ToolRun.run(arguments, fileSizeLimit: 4096)
        #expect(run.status == 1)
        #expect(run.standardError == "Error: \(checkpoint): cannot write: File too large\n")
        #expect(try folder.contents() == ["run.ckpt", "tiny_mlp.h5"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == earlier)
    }
}
