import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Converted CNNs in every format, checked by their real consumers against the Swift forward pass: Keras 3 loads the
/// `.h5` and `.keras` files and onnxruntime runs the `.onnx` ones, on Fashion-MNIST test images, to 1e-4.
@Suite("Keras and onnxruntime run converted CNNs as the Swift forward pass does")
struct ConvolutionConsumerTests {
    private static let images: Tensor = {
        (try? DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [28, 28, 1]).test.images)
            ?? Tensor(shape: [0, 784])
    }()

    @Test("the CNN fixture (Keras .h5 and .keras, its ONNX twin) before conversion")
    func originals() throws {
        let folder = try TemporaryFolder()
        let swift = try ["fmnist_cnn.h5", "fmnist_cnn.keras", "fmnist_cnn.onnx"].map { fixture in
            try Network(model: ModelIO.load(path: Fixtures.path(fixture))).predict(Self.images)
        }
        let keras = try KerasOracle.predictions(of: ["fmnist_cnn.h5", "fmnist_cnn.keras"].map(Fixtures.path), on: Self.images, in: folder)
        let onnx = try ONNXOracle.predictions(of: [Fixtures.path("fmnist_cnn.onnx")], on: Self.images, in: folder)
        for (name, (oracle, ours)) in zip(["h5", "keras", "onnx"], zip(keras + onnx, swift)) {
            assertClose(oracle, ours, atol: 1e-4, rtol: 0, name)
        }
    }

    @Test("converted at scales 1, 2 and 4 (every convertible layer, the head alone, each start), from Keras to every format and from ONNX to ONNX")
    func converted() throws {
        let folder = try TemporaryFolder()
        let cases: [(fixture: String, options: ConversionOptions)] = [
            ("fmnist_cnn.h5", ConversionOptions(scale: 1, initialization: .nkp)),
            ("fmnist_cnn.h5", ConversionOptions(scale: 2, initialization: .nkp)),
            ("fmnist_cnn.h5", ConversionOptions(scale: 2, layerNames: ["dense_1"], initialization: .data)),
            ("fmnist_cnn.h5", ConversionOptions(scale: 4, initialization: .random, seed: 5)),
            ("fmnist_cnn.onnx", ConversionOptions(scale: 2, initialization: .data)),
            ("tiny_cnn.h5", ConversionOptions(scale: 1, initialization: .nkp)),
        ]
        var kerasFiles: [String] = []
        var onnxFiles: [String] = []
        var expected: [String: Tensor] = [:]
        for (index, testCase) in cases.enumerated() {
            let model = try ModelIO.load(path: Fixtures.path(testCase.fixture))
            let calibration = testCase.options.initialization == .data ? Self.images : nil
            let converted = try Converter.convert(model, options: testCase.options, calibration: calibration).model
            #expect(converted.layers.contains { if case .bilinearConv2D = $0.kind { true } else { false } }
                    || testCase.options.layerNames != nil, "case \(index) converts a convolution")
            let images = testCase.fixture == "tiny_cnn.h5" ? Self.tinyImages(model.inputShape) : Self.images
            let prediction = try Network(model: converted).predict(images)
            // PyTorch-style node names (`/conv1/Conv`) are no Keras layer names: an ONNX source is written to ONNX.
            for format in testCase.fixture.hasSuffix(".onnx") ? ["onnx"] : ["h5", "keras", "onnx"] {
                let path = folder.file("case\(index).\(format)")
                try ModelIO.save(converted, to: path)
                expected[path] = prediction
                if format == "onnx" { onnxFiles.append(path) } else { kerasFiles.append(path) }
            }
        }
        for path in kerasFiles + onnxFiles where expected[path] == nil { Issue.record("no expectation for \(path)") }
        // The small fixture reads its own input shape; the others Fashion-MNIST images.
        let isTiny = { (path: String) in path.contains("case\(cases.count - 1).") }
        for small in [false, true] {
            let images = small ? Self.tinyImages(Self.tinyShape) : Self.images
            let keras = kerasFiles.filter { isTiny($0) == small }
            let onnx = onnxFiles.filter { isTiny($0) == small }
            let outputs = try KerasOracle.predictions(of: keras, on: images, in: folder)
                + ONNXOracle.predictions(of: onnx, on: images, in: folder)
            for (path, output) in zip(keras + onnx, outputs) {
                assertClose(output, expected[path]!, atol: 1e-4, rtol: 0, path)
            }
        }
    }

    private static let tinyShape: [Int] = (try? ModelIO.load(path: Fixtures.path("tiny_cnn.h5")).inputShape) ?? []

    /// Deterministic images in [0, 1] for the small CNN fixture's input shape.
    private static func tinyImages(_ shape: [Int]) -> Tensor {
        var generator = SeededGenerator(seed: 17)
        return Reference.random([16, shape.reduce(1, *)], in: 0...1, using: &generator)
    }
}
