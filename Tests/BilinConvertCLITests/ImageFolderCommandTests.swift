import BilinTestSupport
import Foundation
import Testing

/// Issue 20 as a user meets it: `--data` given a folder of PNG files.
@Suite("image folders on the command line")
struct ImageFolderCommandTests {
    /// The first 1,000 training and 256 test Fashion-MNIST images as PNG files: the examples of `fmnist_sample.npz`.
    private func sampleFolder(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("images")
        try PythonOracle.run("scripts/write_image_folder.py", ["--train", "1000", "--test", "256", path])
        return path
    }

    private func history(_ path: String) throws -> [[String: Any]] {
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return report["history"] as! [[String: Any]]
    }

    @Test("a PNG folder fine-tunes as the same examples in an .npz do (same loss and accuracy), and the report names the classes")
    func sameAsNPZ() throws {
        let folder = try TemporaryFolder()
        let images = try sampleFolder(in: folder)
        var histories: [[[String: Any]]] = []
        for (data, name) in [(images, "folder"), (Fixtures.path("fmnist_sample.npz"), "npz")] {
            let run = try ToolRun.run([
                Fixtures.path("tiny_mlp.h5"), "--scale", "2", "--data", data, "--epochs", "2", "--seed", "4",
                "-o", folder.file("\(name).h5"), "--json", folder.file("\(name).json"), "--quiet",
            ])
            try #require(run.status == 0, "\(run.standardError)")
            #expect(run.standardOutput.contains(
                "classes (label 0, 1, …): 0-t-shirt, 1-trouser, 2-pullover, 3-dress, 4-coat, 5-sandal, 6-shirt, 7-sneaker, 8-bag, 9-ankle-boot\n")
                == (name == "folder"))
            histories.append(try history(folder.file("\(name).json")))
        }
        for key in ["loss", "trainAccuracy", "testAccuracy"] {
            #expect(histories[0].map { $0[key] as? Double } == histories[1].map { $0[key] as? Double }, "\(key)")
        }
    }

    @Test("a corrupt image is a one-line error naming it, with no output; --skip-bad-images leaves it out and counts it")
    func badImage() throws {
        let folder = try TemporaryFolder()
        let images = try sampleFolder(in: folder)
        let bad = "\(images)/train/0-t-shirt/001.png"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bad))
        try bytes.prefix(60).write(to: URL(fileURLWithPath: bad))
        let arguments = [Fixtures.path("tiny_mlp.h5"), "--scale", "2", "--data", images, "--epochs", "1", "-o", folder.file("out.h5"), "--quiet"]

        let failed = try ToolRun.run(arguments)
        #expect(failed.status == 1)
        #expect(failed.standardError == "Error: \(bad): corrupt PNG: read beyond end of data\n")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.h5")))

        let skipped = try ToolRun.run(arguments + ["--skip-bad-images", "--json", folder.file("report.json")])
        #expect(skipped.status == 0, "\(skipped.standardError)")
        #expect(skipped.standardOutput.contains("skipped 1 image that failed to decode (--skip-bad-images), the first: \(bad)\n"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("report.json")))) as! [String: Any]
        #expect(report["skippedImages"] as? [String] == [bad])
        #expect((report["classNames"] as? [String])?.count == 10)
    }
}
