import BilinTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Issue 6 as a user meets it: the start named in the report, few or no labels, and the scale sweep.
@Suite("sweep and labels")
struct SweepAndLabelsTests {
    private func report(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    @Test("with data the start is data-aware, named in the table and the JSON, and far above chance before training")
    func dataStartByDefault() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([
            Fixtures.path("tiny_mlp.h5"), "--scale", "2", "--data", Fixtures.path("fmnist_sample.npz"), "-o", folder.file("out.h5"),
            "--json", folder.file("r.json"), "--quiet",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("start: data (fitted to the original layers' outputs on training inputs, then shrunk ×0.2 per layer)\n"))
        let json = try report(folder.file("r.json"))
        #expect(json["initialization"] as? String == "data")
        #expect(json["startShrink"] as? Double == 0.2)
        let before = (json["history"] as! [[String: Any]])[0]["testAccuracy"] as! Double
        #expect(before > 0.5, "accuracy right after the data-aware conversion: \(before)")

        let unshrunk = try ToolRun.run([
            Fixtures.path("tiny_mlp.h5"), "--scale", "2", "--data", Fixtures.path("fmnist_sample.npz"), "--shrink", "1",
            "-o", folder.file("unshrunk.h5"), "--json", folder.file("u.json"), "--quiet",
        ])
        #expect(unshrunk.status == 0, "\(unshrunk.standardError)")
        #expect(unshrunk.standardOutput.contains("start: data (fitted to the original layers' outputs on training inputs)\n"))
        #expect(try report(folder.file("u.json"))["startShrink"] == nil)
    }

    @Test("a model that shrinking would change keeps its fitted start, with a warning naming the layer")
    func unshrinkableModelWarns() throws {
        let folder = try TemporaryFolder()
        let model = Fixtures.path("tiny_cnn.h5")
        let run = try ToolRun.run([
            model, "--scale", "1", "--data", Fixtures.path("fmnist_sample.npz"), "-o", folder.file("out.h5"),
            "--json", folder.file("r.json"), "--quiet",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError == "Warning: \(model): the data-aware start is not shrunk: batch normalization 'batch_norm' normalises the scale away\n")
        #expect(run.standardOutput.contains("start: data (fitted to the original layers' outputs on training inputs)\n"))
        #expect(try report(folder.file("r.json"))["startShrink"] == nil)
    }

    @Test("--shrink outside (0, 1] is one clear error")
    func shrinkOutOfRange() throws {
        for factor in ["0", "1.5"] {
            let run = try ToolRun.run([Fixtures.path("tiny_mlp.h5"), "--shrink", factor, "--quiet"])
            #expect(run.status != 0)
            #expect(run.standardError.hasPrefix("Error: --shrink must be in (0, 1]\n"), "\(factor): \(run.standardError)")
        }
    }

    @Test("--init data without --data is one clear error")
    func dataStartNeedsData() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let run = try ToolRun.run([model, "--init", "data", "--quiet"])
        #expect(run.status == 1)
        #expect(run.standardError == "Error: \(model): the data-aware start needs example inputs: give --data, or choose --init nkp or random\n")
        #expect(try folder.contents() == ["tiny_mlp.h5"])
    }

    @Test("--unlabeled cannot go with --no-distill, nor with --labelled")
    func labelOptionsConflict() throws {
        let model = Fixtures.path("tiny_mlp.h5")
        let noTeacher = try ToolRun.run([model, "--unlabeled", "--no-distill"])
        #expect(noTeacher.status == 64)
        #expect(noTeacher.standardError.hasPrefix("Error: --unlabeled needs distillation: the original model is the only teacher\n"))
        let both = try ToolRun.run([model, "--unlabeled", "--labelled", "10"])
        #expect(both.standardError.hasPrefix("Error: --unlabeled and --labelled exclude each other\n"))
    }

    @Test("--labelled N trains on N examples without a teacher; the progress counts their batches")
    func labelledWithoutTeacher() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([
            Fixtures.path("tiny_mlp.h5"), "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1", "--batch-size", "100",
            "--labelled", "300", "--no-distill", "--init", "random", "-o", folder.file("out.h5"),
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("batch 3/3"), "300 labelled examples in batches of 100: \(run.standardError)")
        let distilled = try ToolRun.run([
            Fixtures.path("tiny_mlp.h5"), "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1", "--batch-size", "100",
            "--labelled", "300", "-o", folder.file("out2.h5"),
        ])
        #expect(distilled.standardError.contains("batch 10/10"), "all 1000 inputs with the teacher: \(distilled.standardError)")
    }

    @Test("sweep: a model per scale and per baseline, a table, JSON and a well-formed SVG with axes and legend")
    func sweep() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let run = try ToolRun.run([
            "sweep", model, "--scales", "1,2", "--data", Fixtures.path("fmnist_sample.npz"), "--epochs", "1",
            "--output-dir", folder.file("sweep"), "--json", folder.file("sweep.json"), "--quiet",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("sweep")).sorted()
            == ["sweep.svg", "tiny_mlp.s1.h5", "tiny_mlp.s1.scratch.h5", "tiny_mlp.s2.h5", "tiny_mlp.s2.scratch.h5"])
        let lines = run.standardOutput.foldingSpaces.split(separator: "\n").map(String.init)
        #expect(lines.first == "model scale params bytes accuracy at start accuracy")
        #expect(lines.filter { $0.hasPrefix("converted ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("scratch ") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("original 82218 ") })

        let json = try report(folder.file("sweep.json"))
        let points = json["points"] as! [[String: Any]]
        #expect(points.map { $0["kind"] as? String } == ["original", "converted", "scratch", "converted", "scratch"])
        #expect(json["start"] as? String == "data")

        let svg = try Data(contentsOf: URL(fileURLWithPath: folder.file("sweep/sweep.svg")))
        let parser = XMLParser(data: svg)
        #expect(parser.parse(), "the SVG must be well-formed XML: \(String(describing: parser.parserError))")
        let text = String(decoding: svg, as: UTF8.self)
        for label in ["parameters (log scale)", "bytes on disk (log scale)", "test accuracy (%)", "original (dense) model",
                      "converted, fine-tuned", "same network from scratch", ">s=1<", ">s=2<"] {
            #expect(text.contains(label), "the plot lacks '\(label)'")
        }
    }
}
