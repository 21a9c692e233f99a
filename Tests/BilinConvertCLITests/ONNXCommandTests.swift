import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// The command line on `.onnx` files: convert with data, report, inspect, and bad input.
@Suite("ONNX on the command line")
struct ONNXCommandTests {
    @Test("convert fine-tunes an ONNX model and writes <stem>.bilinear.onnx, which onnxruntime runs; report compares both")
    func convertAndReport() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp_torch.onnx")
        let data = Fixtures.path("fmnist_sample.npz")
        let run = try ToolRun.run([model, "--scale", "2", "--data", data, "--epochs", "1", "--json", folder.file("r.json"), "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.isEmpty)
        #expect(try folder.contents() == ["r.json", "tiny_mlp_torch.bilinear.onnx", "tiny_mlp_torch.onnx"])
        #expect(run.standardOutput.foldingSpaces.contains("/fc1/Gemm Dense → BilinearProjection 784→96 → 28×28→16×24 75360 → 1504"))
        let converted = folder.file("tiny_mlp_torch.bilinear.onnx")
        let images = try DatasetLoader.load(path: data, inputShape: [784]).test.images
        let swift = try Network(model: try ModelIO.load(path: converted)).predict(images)
        let runtime = try ONNXOracle.predictions(of: [converted], on: images, in: folder)[0]
        #expect(runtime.shape == [256, 10])
        assertClose(runtime, swift, atol: 1e-4, rtol: 0)

        let report = try ToolRun.run(["report", model, converted, "--data", data])
        #expect(report.status == 0, "\(report.standardError)")
        #expect(report.standardOutput.contains("accuracy"))
        #expect(report.standardOutput.foldingSpaces.contains("parameters 82218 4970"))
    }

    @Test("--layers takes a weight initializer's name; inspect lists it beside the node name")
    func layersByInitializer() throws {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([Fixtures.path("sklearn_mlp.onnx"), "--layers", "coefficient1", "-o", folder.file("out.onnx"), "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.foldingSpaces.contains("MatMul1 Dense → BilinearProjection 96→64"))
        #expect(!run.standardOutput.foldingSpaces.contains("MatMul Dense → BilinearProjection"))
        let inspect = try ToolRun.run(["inspect", Fixtures.path("sklearn_mlp.onnx")])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.foldingSpaces.contains("MatMul1 Dense 64 6208 24832 coefficient1, intercepts1"))
        #expect(inspect.standardOutput.foldingSpaces.contains("ZipMap ai.onnx.ml.ZipMap ? 0 0"))
    }

    @Test("fine-tuning refuses skl2onnx's two outputs (the label and the ai.onnx.ml probabilities), and writes nothing")
    func tailCannotBeTrained() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("sklearn_mlp.onnx")
        let run = try ToolRun.run([model, "--data", Fixtures.path("fmnist_sample.npz"), "--quiet"])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("Error: \(model): the model has 2 outputs; only models with one output can be run"))
        #expect(try folder.contents() == ["sklearn_mlp.onnx"])
    }

    @Test("a truncated .onnx: one error line, exit 1, no output file")
    func truncated() throws {
        let folder = try TemporaryFolder()
        let model = folder.file("cut.onnx")
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny_mlp.onnx"))).prefix(5000).write(to: URL(fileURLWithPath: model))
        let run = try ToolRun.run([model, "--quiet"])
        #expect(run.status == 1)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError == "Error: \(model): not an ONNX model: the protobuf does not parse (truncated or not ONNX)\n")
        #expect(try folder.contents() == ["cut.onnx"])
    }
}
