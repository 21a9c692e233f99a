import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Testing

/// Imports of convolutional Keras models: the files Keras wrote in fixtures/ (make_cnn_fixture.py), then hand-made
/// configs for the settings this tool carries verbatim and for bad input. Expected values were read with h5py, as
/// in KerasH5ImporterTests.
@Suite("Keras convolutional import")
struct KerasConvImporterTests {
    @Test("tiny_cnn: strides, both paddings, batch norm, both poolings, global average pooling, a conv without bias",
          arguments: ["tiny_cnn.h5", "tiny_cnn.keras"])
    func tinyCNN(file: String) throws {
        let model = try ModelIO.load(path: Fixtures.path(file))
        #expect(model.name == "tiny_cnn" && model.dataLayout == .channelsLast)
        #expect(model.layers.map(\.name) == ["image", "conv_1", "batch_norm", "avg_pool", "conv_2", "max_pool", "gap", "logits"])
        #expect(model.layers.map(\.kind) == [
            .input(shape: [28, 28, 1]),
            .conv2D(filters: 6, window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2, padding: .valid),
                    activation: .relu, useBias: true),
            .batchNormalization(epsilon: 0.001, momentum: 0.99),
            .pooling2D(.average, window: Window2D(height: 2, width: 2, padding: .same)),
            .conv2D(filters: 16, window: Window2D(height: 3, width: 2, padding: .same), activation: .relu, useBias: false),
            .pooling2D(.max, window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2, padding: .same)),
            .globalAveragePooling2D,
            .dense(units: 10, activation: .softmax, useBias: true),
        ])
        #expect(model.layers.map { $0.weights.map(\.shape) } == [
            [], [[3, 3, 1, 6], [6]], [[6], [6], [6], [6]], [], [[3, 2, 6, 16]], [], [], [[16, 10], [10]],
        ])
        #expect(model.outputShapes().map { $0 ?? [] } == [[28, 28, 1], [13, 13, 6], [13, 13, 6], [13, 13, 6], [13, 13, 16], [7, 7, 16], [16], [10]])
        #expect(Array(model.layers[4].weights[0].scalars.prefix(2)) == [-0.18310271, -0.2733641])
        #expect(abs(model.layers[4].weights[0].scalars.reduce(0) { $0 + Double($1) } - -5.463394270220306) < 1e-4)
        // Keras' variable order: gamma, beta, moving mean, moving variance.
        #expect(Array(model.layers[2].weights[3].scalars.prefix(2)) == [0.01551691, 0.008882679])
    }

    @Test("fmnist_cnn: the Fashion-MNIST CNN", arguments: ["fmnist_cnn.h5", "fmnist_cnn.keras"])
    func fashionMNISTCNN(file: String) throws {
        let model = try ModelIO.load(path: Fixtures.path(file))
        let same3x3 = Window2D(height: 3, width: 3, padding: .same)
        let pool = Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2)
        #expect(model.layers.map(\.name) == ["image", "conv_1", "pool_1", "conv_2", "pool_2", "flatten", "dense_1", "logits"])
        #expect(model.layers.map(\.kind) == [
            .input(shape: [28, 28, 1]), .conv2D(filters: 32, window: same3x3, activation: .relu, useBias: true),
            .pooling2D(.max, window: pool), .conv2D(filters: 64, window: same3x3, activation: .relu, useBias: true),
            .pooling2D(.max, window: pool), .flatten, .dense(units: 128, activation: .relu, useBias: true),
            .dense(units: 10, activation: .softmax, useBias: true),
        ])
        #expect(model.layers.map { $0.weights.map(\.shape) } == [
            [], [[3, 3, 1, 32], [32]], [], [[3, 3, 32, 64], [64]], [], [], [[3136, 128], [128]], [[128, 10], [10]],
        ])
        #expect(Array(model.layers[3].weights[0].scalars.prefix(2)) == [0.024403697, -0.050766107])
        #expect(abs(model.layers[3].weights[0].scalars.reduce(0) { $0 + Double($1) } - -132.26763540756292) < 1e-2)
    }

    // MARK: - Carried verbatim

    @Test("settings without an IR kind are carried as opaque layers: dilation, groups, channels-first, keepdims, another axis")
    func carried() throws {
        let folder = try TemporaryFolder()
        let conv = #""filters": 4, "kernel_size": [3, 3], "padding": "same", "activation": "relu""#
        let cases: [(className: String, config: String, weights: [[Int]])] = [
            ("Conv2D", #"{"name": "layer", \#(conv), "dilation_rate": [2, 2]}"#, [[3, 3, 2, 4], [4]]),
            ("Conv2D", #"{"name": "layer", \#(conv), "groups": 2}"#, [[3, 3, 1, 4], [4]]),
            ("Conv2D", #"{"name": "layer", \#(conv), "data_format": "channels_first"}"#, [[3, 3, 8, 4], [4]]),
            ("MaxPooling2D", #"{"name": "layer", "pool_size": [2, 2], "data_format": "channels_first"}"#, []),
            ("GlobalAveragePooling2D", #"{"name": "layer", "keepdims": true}"#, []),
            ("BatchNormalization", #"{"name": "layer", "axis": 1, "epsilon": 0.001, "momentum": 0.99}"#, [[8], [8], [8], [8]]),
            ("BatchNormalization", #"{"name": "layer", "axis": -1, "epsilon": 0.001, "momentum": 0.99, "center": false}"#, [[2], [2], [2]]),
        ]
        for (index, testCase) in cases.enumerated() {
            let path = folder.file("carried\(index).h5")
            try write(path, inputShape: [8, 8, 2], layer: (testCase.className, testCase.config), weights: testCase.weights)
            let layer = try ModelIO.load(path: path).layers[1]
            guard case .opaque(let className, let config) = layer.kind else {
                Issue.record("case \(index): \(layer.kind)")
                continue
            }
            #expect(className == testCase.className && config.contains(testCase.config))
            #expect(layer.weights.map(\.shape) == testCase.weights)
        }
    }

    @Test("BatchNormalization with Keras 2's built axis [3] over images is the last axis")
    func keras2Axis() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("bn.h5")
        try write(path, inputShape: [4, 4, 2], layer: ("BatchNormalization", #"{"name": "layer", "axis": [3], "epsilon": 0.01, "momentum": 0.9}"#),
                  weights: [[2], [2], [2], [2]])
        #expect(try ModelIO.load(path: path).layers[1].kind == .batchNormalization(epsilon: 0.01, momentum: 0.9))
    }

    // MARK: - Bad input

    @Test("bad configs and weights give one exact line naming the layer")
    func badInput() throws {
        let folder = try TemporaryFolder()
        let conv = #""name": "layer", "filters": 4, "kernel_size": [3, 3]"#
        let bn = #""name": "layer", "epsilon": 0.001, "momentum": 0.99"#
        let cases: [(inputShape: [Int], className: String, config: String, weights: [[Int]], message: String)] = [
            ([8, 8, 1], "Conv2D", "{\(conv)}", [[3, 3, 2, 4], [4]],
             "layer 'layer' (Conv2D): kernel has shape [3, 3, 2, 4], but the config implies [3, 3, 1, 4]"),
            ([8, 8, 1], "Conv2D", "{\(conv), \"use_bias\": false}", [[3, 3, 1, 4], [4]],
             "layer 'layer' (Conv2D) has 2 weights, expected 1 (kernel)"),
            ([8, 8, 1], "Conv2D", #"{"name": "layer", "kernel_size": [3, 3]}"#, [], "layer 'layer' (Conv2D) has no valid filters in its config"),
            ([8, 8, 1], "Conv2D", #"{"name": "layer", "filters": 4, "kernel_size": [3]}"#, [],
             "layer 'layer' (Conv2D) has kernel_size [3]; expected two positive integers"),
            ([8, 8, 1], "Conv2D", "{\(conv), \"padding\": \"causal\"}", [],
             "layer 'layer' (Conv2D) has padding 'causal'; this tool reads 'valid' and 'same'"),
            ([64], "Conv2D", "{\(conv)}", [[3, 3, 1, 4], [4]],
             "layer 'layer' (Conv2D) needs a (height, width, channels) input, but its input has shape [64]"),
            ([2, 2, 1], "Conv2D", "{\(conv)}", [[3, 3, 1, 4], [4]],
             "layer 'layer' (Conv2D): a 3×3 window with valid padding does not fit its input [2, 2, 1]"),
            ([8, 8, 1], "MaxPooling2D", #"{"name": "layer", "pool_size": [2, 0]}"#, [],
             "layer 'layer' (MaxPooling2D) has pool_size [2, 0]; expected two positive integers"),
            ([8, 8, 4], "BatchNormalization", "{\(bn)}", [[5], [4], [4], [4]],
             "layer 'layer' (BatchNormalization): gamma has shape [5], but the config implies [4]"),
            ([8, 8, 4], "BatchNormalization", #"{"name": "layer", "momentum": 0.99}"#, [],
             "layer 'layer' (BatchNormalization) has no valid epsilon or momentum in its config"),
        ]
        for (index, testCase) in cases.enumerated() {
            let path = folder.file("bad\(index).h5")
            try write(path, inputShape: testCase.inputShape, layer: (testCase.className, testCase.config), weights: testCase.weights)
            #expect(throws: BilinError(testCase.message, file: path)) { try ModelIO.load(path: path) }
        }
    }

    /// A Keras 3 Sequential `.h5` with one layer after the input, holding zero weights of the given shapes.
    private func write(_ path: String, inputShape: [Int], layer: (className: String, config: String), weights: [[Int]]) throws {
        let names = ["kernel", "bias", "moving_mean", "moving_variance"]
        try KerasFileWriting.writeH5(
            to: path, modelConfig: KerasFileWriting.sequentialConfig(inputShape: inputShape, layers: [layer]),
            weights: [("layer", zip(names, weights).map { ($0, Tensor(shape: $1)) })])
    }
}
