import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Converted ONNX fixtures written back to ONNX, checked by onnx.checker (full check) and run by onnxruntime
/// against the Swift forward pass of the same converted model (max abs difference ≤ 1e-4).
@Suite("ONNX export")
struct ONNXExporterTests {
    struct Case {
        var fixture: String
        var options: ConversionOptions
    }

    @Test("every fixture converted (scale 1 and 2, nkp and random) runs in onnxruntime as in Swift")
    func convertedFixtures() throws {
        let folder = try TemporaryFolder()
        let cases = [
            Case(fixture: "tiny_mlp.onnx", options: ConversionOptions(scale: 1, initialization: .nkp)),
            Case(fixture: "tiny_mlp_torch.onnx", options: ConversionOptions(scale: 2, initialization: .nkp)),
            Case(fixture: "tiny_mlp_external.onnx", options: ConversionOptions(scale: 2, initialization: .random, seed: 5)),
            Case(fixture: "sklearn_mlp.onnx", options: ConversionOptions(scale: 2, initialization: .nkp)),
            Case(fixture: "fmnist_mlp.onnx", options: ConversionOptions(scale: 1, initialization: .nkp)),
        ]
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        var paths: [String] = []
        var expected: [Tensor] = []
        for (index, testCase) in cases.enumerated() {
            let model = try ModelIO.load(path: Fixtures.path(testCase.fixture))
            let converted = try Converter.convert(model, options: testCase.options).model
            #expect(converted.layers.contains { if case .bilinear = $0.kind { true } else { false } })
            let runnable = Model(name: converted.name, layers: converted.layers.filter { if case .opaque = $0.kind { false } else { true } })
            expected.append(try Network(model: runnable).predict(images))
            let path = folder.file("case\(index).onnx")
            try ModelIO.save(converted, to: path)
            paths.append(path)
        }
        let predictions = try ONNXOracle.predictions(of: paths, on: images, in: folder)
        for (path, (runtime, swift)) in zip(paths, zip(predictions, expected)) {
            assertClose(runtime, swift, atol: 1e-4, rtol: 0, "\(path)")
        }
    }

    @Test("an opset-11 model keeps opset 11 (the new nodes need 7), and onnxruntime runs the result as Swift does")
    func opsetRaised() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("opset11_mlp.onnx"))
        #expect(model.metadata["onnx_opset"] == "11")
        let converted = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        let path = folder.file("raised.onnx")
        try ModelIO.save(converted, to: path)
        #expect(try ModelIO.load(path: path).metadata["onnx_opset"] == "11")
        let input = Tensor(shape: [8, 16], scalars: (0..<128).map { Float($0 % 7) / 7 - 0.4 })
        let runtime = try ONNXOracle.predictions(of: [path], on: input, in: folder)[0]
        let swift = try Network(model: converted).predict(input)
        #expect(runtime.shape == [8, 4])
        assertClose(runtime, swift, atol: 1e-4, rtol: 0)
    }
}
