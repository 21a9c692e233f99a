import BilinTestSupport
import Foundation
import Testing

@Suite("report and inspect")
struct ReportAndInspectTests {
    @Test("report compares two files layer by layer and writes JSON")
    func report() throws {
        let folder = try TemporaryFolder()
        let converted = folder.file("c.h5")
        #expect(try ToolRun.run([Fixtures.path("tiny_mlp.h5"), "--scale", "2", "-o", converted, "--quiet"]).status == 0)
        let run = try ToolRun.run(["report", Fixtures.path("tiny_mlp.h5"), converted, "--data", Fixtures.path("fmnist_sample.npz"), "--json", folder.file("r.json")])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.foldingSpaces.contains("dense_2 Dense → BilinearProjection 96→64 → 16×24→16×16 6208 → 896"))
        #expect(run.standardOutput.foldingSpaces.contains("logits Dense 64→10 → 256→10 650 → 2570"))
        // The original tiny model scores 87.50% on the 256 sample test images (fixtures/make_fixtures.py).
        #expect(run.standardOutput.foldingSpaces.contains("test accuracy 87.50%"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("r.json")))) as! [String: Any]
        #expect((report["original"] as! [String: Any])["params"] as? Int == 82218)
    }

    @Test("inspect lists layers and what each scale would convert")
    func inspect() throws {
        let run = try ToolRun.run(["inspect", Fixtures.path("fmnist_mlp.h5")])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.foldingSpaces.contains("dense_1 Dense 1024 803840 3215360"))
        #expect(run.standardOutput.foldingSpaces.contains("2 dense_1, dense_2 1863690 60938 1802752 30.6×"))
    }

    @Test("inspect says which layers convert at a lower scale and why, and writes JSON")
    func inspectSkipsAndJSON() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run(["inspect", Fixtures.path("tiny_opaque.h5"), "--json", folder.file("i.json")])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains(
            "at scale 4, dense_2 converts at scale 1: at scale 4 it and its widened consumers would hold more parameters than it does\n"))
        #expect(run.standardOutput.contains("at scale 2, dense_1 converts at scale 1: its output feeds LayerNormalization 'layer_norm', which cannot be widened\n"))
        let inspection = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.url.appendingPathComponent("i.json"))) as! [String: Any]
        let scales = inspection["scales"] as! [[String: Any]]
        #expect(scales.map { $0["converts"] as! [String] } == Array(repeating: ["dense_1", "dense_2"], count: 4))
        #expect(scales[3]["unwidened"] as? [String: String] == [
            "dense_1": "its output feeds LayerNormalization 'layer_norm', which cannot be widened",
            "dense_2": "at scale 4 it and its widened consumers would hold more parameters than it does",
        ])
        #expect(scales[0]["paramsSaved"] as? Int == 82410 - 1722)
        #expect((inspection["layers"] as! [[String: Any]]).map { $0["kind"] as! String }
            == ["InputLayer", "Dense", "LayerNormalization", "Dense", "Dense"])
    }
}
