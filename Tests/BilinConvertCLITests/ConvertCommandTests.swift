import BilinTestSupport
import Foundation
import Testing

/// The `convert` subcommand as a user runs it: files written, report printed, JSON fields, progress and quiet.
@Suite("convert")
struct ConvertCommandTests {
    @Test("converts and fine-tunes, writing <stem>.bilinear.h5 beside the input, a table and the JSON report")
    func convertWithData() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        let run = try ToolRun.run([
            model, "--scale", "2", "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1", "--json", folder.file("report.json"), "--quiet",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.isEmpty)
        #expect(try folder.contents() == ["report.json", "tiny_mlp.bilinear.h5", "tiny_mlp.h5"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
        #expect(run.standardOutput.foldingSpaces.contains("dense_1 Dense → BilinearProjection 784→96 → 28×28→16×24 75360 → 1504"))

        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("report.json")))) as! [String: Any]
        let original = report["original"] as! [String: Any]
        let converted = report["converted"] as! [String: Any]
        #expect(original["params"] as? Int == 82218)
        #expect(converted["params"] as? Int == 1504 + 896 + 2570)
        // 784·96 + 96·64 + 64·10; then 28·28·24 + 28·16·24 (X V, Uᵀ T), 16·24·16 + 16·16·16, 256·10.
        #expect(original["multiplyAdds"] as? Int == 82048)
        #expect(converted["multiplyAdds"] as? Int == 29568 + 10240 + 2560)
        #expect(converted["bytes"] as? Int == (try FileManager.default.attributesOfItem(atPath: folder.file("tiny_mlp.bilinear.h5"))[.size] as? Int))
        #expect((original["accuracy"] as? Double ?? 0) > 0.8)
        #expect(converted["accuracy"] is Double)
        let layers = report["layers"] as! [[String: Any]]
        #expect(layers.map { $0["name"] as? String } == ["dense_1", "dense_2", "logits"])
        #expect((report["history"] as! [Any]).count == 2)
        // The table prints the same numbers as the JSON.
        #expect(run.standardOutput.foldingSpaces.contains("parameters 82218 4970"))
        #expect(run.standardOutput.foldingSpaces.contains("multiply-adds per sample 82048 42368 1.9×"))
    }

    @Test("without data: converts only, accuracy is null in the JSON, -o picks .keras")
    func convertOnlyToKeras() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([Fixtures.path("tiny_mlp.h5"), "-o", folder.file("out.keras"), "--json", folder.file("r.json")])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try folder.contents() == ["out.keras", "r.json"])
        let text = try String(contentsOfFile: folder.file("r.json"), encoding: .utf8)
        #expect(text.contains("\"accuracy\" : null"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("out.keras"))).prefix(4) == Data("PK\u{3}\u{4}".utf8))
    }

    @Test("progress goes to stderr without --quiet")
    func progress() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([
            Fixtures.path("tiny_mlp.h5"), "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1", "-o", folder.file("o.h5"),
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("epoch 1/1  batch 8/8  loss "))
        #expect(run.standardError.contains("samples/s  ETA "))
        #expect(run.standardError.contains("epoch 1: loss "))
        #expect(!run.standardOutput.contains("samples/s"))
    }

    @Test("the same seed gives the same file")
    func deterministic() throws {
        let folder = try TemporaryFolder()
        for name in ["a.h5", "b.h5"] {
            let run = try ToolRun.run([
                Fixtures.path("tiny_mlp.h5"), "--scale", "2", "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1",
                "--seed", "7", "--quiet", "-o", folder.file(name),
            ])
            #expect(run.status == 0, "\(run.standardError)")
        }
        let report = try ToolRun.run(["report", folder.file("a.h5"), folder.file("b.h5"), "--data", Fixtures.path("fmnist_sample.npz")])
        let lines = report.standardOutput.split(separator: "\n").filter { $0.hasPrefix("test accuracy") }
        #expect(lines.count == 1)
        let cells = lines[0].split(separator: " ", omittingEmptySubsequences: true)
        #expect(cells[2] == cells[3])
    }

    @Test("--version and --help")
    func versionAndHelp() throws {
        #expect(try ToolRun.run(["--version"]).standardOutput == "0.1.0\n")
        let help = try ToolRun.run(["convert", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("Example:"))
        #expect(help.standardOutput.contains("--init <data|nkp|random>"))
    }
}
