import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Keras 3 itself (no custom code) loads the convolutional models this tool writes.
@Suite("Keras loads the convolutional models we export")
struct KerasConvConsumerTests {
    @Test("CNNs Keras wrote, read and written again as .h5 and .keras, predict what the originals predict")
    func reexported() throws {
        let folder = try TemporaryFolder()
        let fixtures = ["fmnist_cnn.h5", "fmnist_cnn.keras", "tiny_cnn.h5", "tiny_cnn.keras"]
        var paths: [String] = []
        for (index, fixture) in fixtures.enumerated() {
            let model = try ModelIO.load(path: Fixtures.path(fixture))
            for format in ["h5", "keras"] {
                let path = folder.file("model\(index).\(format)")
                try ModelIO.save(model, to: path)
                paths.append(path)
            }
        }
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [28, 28, 1]).test.images
        let predictions = try KerasOracle.predictions(of: fixtures.map(Fixtures.path) + paths, on: images, in: folder)
        let (originals, exported) = (predictions.prefix(fixtures.count), predictions.dropFirst(fixtures.count))
        for (index, prediction) in exported.enumerated() {
            let original = originals[originals.startIndex + index / 2]
            #expect(prediction.shape == [256, 10])
            assertClose(prediction, original, atol: 1e-4, rtol: 0, "\(paths[index]) against \(fixtures[index / 2])")
        }
    }

    @Test("a bilinear convolution in stock layers computes its definition in Keras, .h5 and .keras")
    func bilinearConvolution() throws {
        let folder = try TemporaryFolder()
        // One Keras start-up per input shape: the oracle runs all its models on one input.
        for inputShape in [[7, 6, 3], [9, 8, 2]] {
            var generator = SeededGenerator(seed: UInt64(inputShape[0]))
            let x = Reference.random([3] + inputShape, using: &generator)
            var paths: [String] = []
            var expected: [Tensor] = []
            for (index, testCase) in BilinearConvolutionCase.all.enumerated() where testCase.input == inputShape {
                let model = testCase.model(seed: UInt64(index + 1))
                for format in ["h5", "keras"] {
                    let path = folder.file("biconv\(index).\(format)")
                    try ModelIO.save(model, to: path)
                    #expect(try ModelIO.load(path: path).layers == model.layers)
                    paths.append(path)
                    expected.append(testCase.reference(x, weights: model.layers[1].weights))
                }
            }
            let predictions = try KerasOracle.predictions(of: paths, on: x, in: folder)
            for (path, (keras, reference)) in zip(paths, zip(predictions, expected)) {
                assertClose(keras, reference, atol: 1e-4, rtol: 0, path)
            }
        }
    }

    @Test("a channels-first model (as from ONNX) flattens in C, H, W order in Keras too")
    func channelsFirstFlatten() throws {
        let folder = try TemporaryFolder()
        let (height, width, channels) = (4, 5, 2)
        var generator = SeededGenerator(seed: 5)
        let kernel = Reference.random([height * width * channels, 3], using: &generator)
        func model(_ layout: DataLayout, dense: Tensor) -> Model {
            Model(name: "cnn", layers: [
                LayerSpec(name: "x", kind: .input(shape: [height, width, 3])),
                LayerSpec(name: "conv", kind: .conv2D(filters: channels, window: Window2D(height: 3, width: 3, padding: .same),
                                                      activation: .tanh, useBias: false),
                          weights: [Reference.random([3, 3, 3, channels], using: &generator)]),
                LayerSpec(name: "flat", kind: .flatten),
                LayerSpec(name: "dense", kind: .dense(units: 3, activation: .linear, useBias: false), weights: [dense]),
            ], dataLayout: layout)
        }
        // The same network channels-last: the dense rows in H, W, C order.
        var permuted = kernel
        for h in 0..<height {
            for w in 0..<width {
                for c in 0..<channels {
                    for unit in 0..<3 {
                        permuted.scalars[((h * width + w) * channels + c) * 3 + unit] = kernel.scalars[((c * height + h) * width + w) * 3 + unit]
                    }
                }
            }
        }
        let first = model(.channelsFirst, dense: kernel)
        var last = model(.channelsLast, dense: permuted)
        last.layers[1].weights = first.layers[1].weights
        // The channels-first kernel read in H, W, C order: what a plain Flatten would compute.
        var misread = first
        misread.dataLayout = .channelsLast
        let paths = [folder.file("first.h5"), folder.file("last.keras"), folder.file("misread.h5")]
        for (model, path) in zip([first, last, misread], paths) { try ModelIO.save(model, to: path) }
        let x = Reference.random([4, height, width, 3], using: &generator)
        let predictions = try KerasOracle.predictions(of: paths, on: x, in: folder)
        assertClose(predictions[0], predictions[1], atol: 1e-5, rtol: 0)
        #expect(Reference.relativeDifference(predictions[0], predictions[2]) > 0.1)
    }
}
