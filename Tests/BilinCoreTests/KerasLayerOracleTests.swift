import BilinCore
import BilinTestSupport
import Foundation
import Testing

/// The spatial layers against Keras' own (`Tests/oracle/keras_layer.py`: the layer built from its config, given the
/// same weights and input), all in one Keras start-up.
@Suite("Spatial layers against Keras")
struct KerasLayerOracleTests {
    /// One layer for the oracle: the Swift layer, its Keras class and config, and the weights in Keras order.
    struct Case {
        var layer: any Layer
        var className: String
        var config: [String: Any]
        var inputShape: [Int]
        var weights: [Tensor] = []
        var training = false
        var statisticsAfter = false
    }

    static func windowConfig(_ window: Window2D) -> [String: Any] {
        ["strides": [window.strideHeight, window.strideWidth], "padding": window.padding.rawValue]
    }

    static func cases() -> [Case] {
        var generator = SeededGenerator(seed: 800)
        var cases: [Case] = []
        for (shape, window) in convolutionCases {
            let kernel = Reference.random([window.height, window.width, shape[2], 4], using: &generator)
            let bias = Reference.random([4], using: &generator)
            cases.append(Case(
                layer: Conv2D(name: "conv", inputShape: shape, kernel: kernel, bias: bias, window: window), className: "Conv2D",
                config: windowConfig(window).merging(["filters": 4, "kernel_size": [window.height, window.width]]) { $1 },
                inputShape: shape, weights: [kernel, bias]))
            for kind in [PoolingKind.max, .average] {
                cases.append(Case(
                    layer: Pooling2D(name: "pool", kind: kind, inputShape: shape, window: window),
                    className: kind == .max ? "MaxPooling2D" : "AveragePooling2D",
                    config: windowConfig(window).merging(["pool_size": [window.height, window.width]]) { $1 }, inputShape: shape))
            }
        }
        cases.append(Case(layer: GlobalAveragePooling2D(name: "gap", inputShape: [5, 7, 3]), className: "GlobalAveragePooling2D",
                          config: [:], inputShape: [5, 7, 3]))
        for training in [false, true] {
            let statistics = (0..<4).map { index in Reference.random([3], in: index == 3 ? 0.5...2 : -1...1, using: &generator) }
            cases.append(Case(
                layer: BatchNormalization(name: "bn", epsilon: 1e-3, momentum: 0.9, gamma: statistics[0], beta: statistics[1],
                                          movingMean: statistics[2], movingVariance: statistics[3]),
                className: "BatchNormalization", config: ["epsilon": 1e-3, "momentum": 0.9], inputShape: [5, 7, 3],
                weights: statistics, training: training, statisticsAfter: training))
        }
        return cases
    }

    @Test("Conv2D, max and average pooling (both paddings, strides 1 and 2), global average pooling and batch normalization (inference, and training with its moving statistics) agree with Keras within 1e-5")
    func agreeWithKeras() throws {
        let folder = try TemporaryFolder()
        var generator = SeededGenerator(seed: 801)
        let cases = Self.cases()
        var specs: [String] = []
        var inputs: [Tensor] = []
        for (index, testCase) in cases.enumerated() {
            let input = Reference.random([3, testCase.inputShape.reduce(1, *)], in: -2...2, using: &generator)
            inputs.append(input)
            let inputPath = folder.file("input-\(index).npy")
            try NumPyFile.write(input, to: inputPath)
            var weightPaths: [String] = []
            for (number, weight) in testCase.weights.enumerated() {
                weightPaths.append(folder.file("weight-\(index)-\(number).npy"))
                try NumPyFile.write(weight, to: weightPaths.last!)
            }
            let spec: [String: Any] = [
                "class_name": testCase.className, "config": testCase.config, "input_shape": testCase.inputShape,
                "weights": weightPaths, "training": testCase.training, "input": inputPath,
                "weights_after": testCase.statisticsAfter ? (0..<4).map { folder.file("after-\(index)-\($0).npy") } : [],
            ]
            specs.append(folder.file("spec-\(index).json"))
            try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: specs.last!))
        }
        let outputs = try PythonOracle.predictions(script: "keras_layer.py", of: specs, on: Tensor(shape: [1, 1]), in: folder)
        for (index, testCase) in cases.enumerated() {
            var training = SeededGenerator(seed: 0)
            let ours = testCase.training ? testCase.layer.forwardForTraining(inputs[index], generator: &training).output : testCase.layer(inputs[index])
            assertClose(ours, outputs[index], atol: 1e-5, rtol: 1e-5, "\(testCase.className) case \(index)")
            if testCase.statisticsAfter, let bn = testCase.layer as? BatchNormalization {
                let after = try (2..<4).map { try NumPyFile.read(folder.file("after-\(index)-\($0).npy")) }
                #expect(after[0] != testCase.weights[2], "Keras did not move its statistics")
                assertClose(bn.movingMean.value, after[0], atol: 1e-6, rtol: 1e-5, "moving mean")
                assertClose(bn.movingVariance.value, after[1], atol: 1e-6, rtol: 1e-5, "moving variance")
            }
        }
    }
}
