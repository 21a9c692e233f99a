import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Every exported file is loaded by Keras 3 itself (no custom code) and must predict what the Swift forward pass
/// predicts on real Fashion-MNIST test images, to 1e-4.
@Suite("Keras loads what we export")
struct KerasConsumerTests {
    /// A converted variant of a fixture, exported as .h5 and .keras.
    struct Case {
        var fixture: String
        var options: ConversionOptions
    }

    @Test("converted fixtures at scales 1, 2 and 4, every start and widening, .h5 and .keras")
    func convertedFixtures() throws {
        let folder = try TemporaryFolder()
        let cases = [
            Case(fixture: "tiny_mlp.h5", options: ConversionOptions(scale: 1, initialization: .nkp)),
            Case(fixture: "tiny_mlp.keras", options: ConversionOptions(scale: 2, initialization: .random, seed: 3)),
            Case(fixture: "tiny_mlp.h5", options: ConversionOptions(scale: 2, initialization: .nkp, widening: .diagonal)),
            Case(fixture: "tiny_mlp.h5", options: ConversionOptions(scale: 4, convertLast: true, initialization: .nkp)),
            Case(fixture: "tiny_functional.h5", options: ConversionOptions(scale: 2, initialization: .nkp)),
            Case(fixture: "tiny_keras2.h5", options: ConversionOptions(scale: 2, initialization: .nkp)),
            Case(fixture: "fmnist_mlp.h5", options: ConversionOptions(scale: 2, initialization: .nkp)),
        ]
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        var paths: [String] = []
        var expected: [Tensor] = []
        for (index, testCase) in cases.enumerated() {
            let model = try ModelIO.load(path: Fixtures.path(testCase.fixture))
            let converted = try Converter.convert(model, options: testCase.options).model
            #expect(converted.layers.contains { if case .bilinear = $0.kind { true } else { false } })
            let prediction = try Network(model: converted).predict(images)
            for format in ["h5", "keras"] {
                let path = folder.file("case\(index).\(format)")
                try ModelIO.save(converted, to: path)
                paths.append(path)
                expected.append(prediction)
            }
        }
        let predictions = try KerasOracle.predictions(of: paths, on: images, in: folder)
        for (path, (keras, swift)) in zip(paths, zip(predictions, expected)) {
            assertClose(keras, swift, atol: 1e-4, rtol: 0, "\(path)")
        }
    }

    @Test("the original fixtures: Keras and the Swift forward pass agree before conversion")
    func originals() throws {
        let folder = try TemporaryFolder()
        let fixtures = ["tiny_mlp.h5", "tiny_mlp.keras", "tiny_functional.h5", "tiny_keras2.h5", "tiny_keras2_vlen.h5"]
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        let predictions = try KerasOracle.predictions(of: fixtures.map(Fixtures.path), on: images, in: folder)
        for (fixture, keras) in zip(fixtures, predictions) {
            let swift = try Network(model: try ModelIO.load(path: Fixtures.path(fixture))).predict(images)
            assertClose(keras, swift, atol: 1e-4, rtol: 0, "\(fixture)")
        }
    }

    @Test("a layer the tool cannot run (LayerNormalization) is carried to the output and Keras still loads it")
    func opaqueCarried() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("tiny_opaque.h5"))
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp))
        // dense_1 feeds the LayerNormalization, so it converts at scale 1; dense_2 widens into logits.
        #expect(result.layers.first { $0.name == "dense_1" }?.note == "scale 1: its output feeds LayerNormalization 'layer_norm', which cannot be widened")
        let path = folder.file("opaque.h5")
        try ModelIO.save(result.model, to: path)
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        let keras = try KerasOracle.predictions(of: [path], on: images, in: folder)[0]
        #expect(keras.shape == [256, 10])
        // Softmax rows sum to one: the carried layer ran with its weights.
        #expect(abs(keras.scalars[0..<10].reduce(0, +) - 1) < 1e-4)
        #expect(try ModelIO.load(path: path).layers.map(\.kind.displayName).contains("LayerNormalization"))
    }
}
