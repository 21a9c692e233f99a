import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Convolutional models in ONNX: the NCHW fixtures (fixtures/make_onnx_cnn_fixtures.py, PyTorch's layout) read
/// into the IR, written fresh and by editing, the bilinear convolution's stock-op spelling, and a channels-last
/// (Keras) CNN written fresh; onnxruntime's output checked against the source's and against direct loops over the
/// layers' definitions (`ONNXImageReference`), max abs difference ≤ 1e-4.
@Suite("ONNX convolutions")
struct ONNXConvolutionTests {
    private func summary(_ model: Model) -> [String] {
        func describe(_ window: Window2D) -> String {
            "\(window.height)×\(window.width) stride \(window.strideHeight)×\(window.strideWidth) \(window.padding.rawValue)"
        }
        return model.layers.map { layer in
            switch layer.kind {
            case .input(let shape): "input \(layer.name) \(shape)"
            case .conv2D(let filters, let window, let activation, let useBias):
                "conv \(layer.name) \(filters) \(describe(window)) \(activation.rawValue) bias=\(useBias)"
            case .bilinearConv2D(let shape, let window, let activation):
                "bilinearConv \(layer.name) \(shape.inputRows)×\(shape.inputColumns)→\(shape.outputRows)×\(shape.outputColumns) "
                    + "\(describe(window)) \(activation.rawValue)"
            case .pooling2D(let kind, let window): "\(kind.rawValue) \(layer.name) \(describe(window))"
            case .globalAveragePooling2D: "globalAveragePooling \(layer.name)"
            case .batchNormalization(let epsilon, let momentum): "batchNormalization \(layer.name) epsilon=\(epsilon) momentum=\(momentum)"
            case .dense(let units, let activation, let useBias): "dense \(layer.name) \(units) \(activation.rawValue) bias=\(useBias)"
            case .activation(let activation): "activation \(layer.name) \(activation.rawValue)"
            case .flatten: "flatten \(layer.name)"
            case .opaque(let className, _): "opaque \(layer.name) \(className)"
            default: "\(layer.kind.displayName) \(layer.name)"
            }
        }
    }

    /// Seeded values in [-scale, scale).
    private func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in (generator.nextUnitFloat() * 2 - 1) * scale })
    }

    @Test("PyTorch-layout CNNs read NCHW: input (H, W, C) channels first, Conv kernels (kh, kw, Cin, Cout), pads as same/valid")
    func importsNCHW() throws {
        let model = try ModelIO.load(path: Fixtures.path("cnn_nchw.onnx"))
        #expect(model.dataLayout == .channelsFirst)
        #expect(summary(model) == [
            "input input [12, 12, 2]",
            "conv /conv1/Conv 4 3×3 stride 1×1 same linear bias=true",
            "batchNormalization /bn1/BatchNormalization epsilon=1e-05 momentum=0.9",
            "activation /relu1/Relu relu",
            "max /pool1/MaxPool 2×2 stride 2×2 valid",
            "conv /conv2/Conv 6 3×3 stride 1×1 valid linear bias=true",
            "activation /relu2/Relu relu",
            "average /pool2/AveragePool 2×2 stride 2×2 valid",
            "flatten /flatten/Flatten",
            "dense /fc/Gemm 5 linear bias=true",
            "activation /softmax/Softmax softmax",
        ])
        #expect(model.layers[1].weights.map(\.shape) == [[3, 3, 2, 4], [4]])
        #expect(model.layers[2].weights.map(\.shape) == [[4], [4], [4], [4]])
        #expect(model.outputShapes()[7] == [2, 2, 6])
        #expect(model.layerIndex(named: "conv2.weight") == 5)
        #expect(model.layerIndex(named: "bn1.running_var") == 2)

        let gap = try ModelIO.load(path: Fixtures.path("cnn_gap_nchw.onnx"))
        #expect(gap.dataLayout == .channelsFirst)
        #expect(summary(gap) == [
            "input input [9, 9, 3]",
            "conv /conv1/Conv 5 3×3 stride 2×2 same linear bias=false",
            "activation /relu1/Relu relu",
            "average /pool1/AveragePool 3×3 stride 1×1 same",
            "batchNormalization /bn1/BatchNormalization epsilon=1e-05 momentum=0.9",
            "globalAveragePooling /gap/GlobalAveragePool",
            "dense /fc/Gemm 3 linear bias=true",
        ])
        #expect(gap.outputShapes()[4] == [5, 5, 5])
    }

    /// The `(P, Cout)` matrix of a `(kh, kw, Cin, Cout)` kernel with rows in the bilinear convolution's patch order
    /// `(c·kh + i)·kw + j`.
    private func patchMatrix(_ kernel: Tensor) -> Tensor {
        let (height, width, channels, filters) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        var matrix = Tensor(shape: [channels * height * width, filters])
        for c in 0..<channels {
            for i in 0..<height {
                for j in 0..<width {
                    for f in 0..<filters {
                        matrix[(c * height + i) * width + j, f] = kernel.scalars[((i * width + j) * channels + c) * filters + f]
                    }
                }
            }
        }
        return matrix
    }

    /// `source` edited so that it computes the same: cnn_nchw's conv2 (an exact Kronecker product) as a bilinear
    /// convolution, its batch normalization's momentum changed; cnn_gap_nchw's conv1 widened from 5 to 8 filters
    /// (with a bias), its batch normalization and the dense layer's inputs widened to match, the new inputs' weights 0.
    private func functionPreservingEdit(_ source: Model) throws -> Model {
        var edited = source
        for index in edited.layers.indices {
            let layer = edited.layers[index]
            switch layer.kind {
            case .conv2D(let filters, let window, let activation, true) where filters == 6:
                let factors = try NearestKronecker(kernel: patchMatrix(layer.weights[0]), input: FactorPair(rows: 6, columns: 6),
                                                   output: FactorPair(rows: 2, columns: 3), components: 1)
                let shape = BilinearShape(inputRows: 6, inputColumns: 6, outputRows: 2, outputColumns: 3)
                edited.layers[index].kind = .bilinearConv2D(shape, window: window, activation: activation)
                edited.layers[index].weights = [factors.u, factors.v, layer.weights[1].reshaped([2, 3])]
            case .conv2D(5, let window, let activation, false):
                let kernel = random([27, 8], seed: 31).replacingLeadingColumns(with: layer.weights[0].reshaped([27, 5]))
                edited.layers[index].kind = .conv2D(filters: 8, window: window, activation: activation, useBias: true)
                edited.layers[index].weights = [kernel.reshaped([3, 3, 3, 8]), Tensor(shape: [8], scalars: [0, 0, 0, 0, 0, 0.5, -0.5, 1])]
            case .batchNormalization(let epsilon, _):
                edited.layers[index].kind = .batchNormalization(epsilon: epsilon, momentum: 0.99)
                if layer.weights[0].count == 5 {
                    edited.layers[index].weights = zip(layer.weights, [[1.5, 0.5, 1], [0.1, 0.2, 0.3], [0, 1, -1], [1, 2, 0.5]]).map {
                        Tensor(shape: [8], scalars: $0.scalars + $1)
                    }
                }
            case .dense where layer.weights[0].shape == [5, 3]:
                edited.layers[index].weights[0] = Tensor(shape: [8, 3], scalars: layer.weights[0].scalars + [Float](repeating: 0, count: 9))
            default:
                break
            }
        }
        return edited
    }

    @Test("the NCHW fixtures run in onnxruntime as the reference loops say; written fresh, and edited (a bilinear convolution, widened layers), they still do")
    func freshAndEditedExports() throws {
        let folder = try TemporaryFolder()
        for (fixture, changed) in [("cnn_nchw.onnx", 2), ("cnn_gap_nchw.onnx", 3)] {
            let source = try ModelIO.load(path: Fixtures.path(fixture))
            var fresh = source
            fresh.metadata["onnx_source"] = nil
            let edited = try functionPreservingEdit(source)
            #expect(edited.layers.indices.filter { edited.layers[$0] != source.layers[$0] }.count == changed, "\(fixture)")
            let (freshPath, editedPath) = (folder.file("fresh_\(fixture)"), folder.file("edited_\(fixture)"))
            try ModelIO.save(fresh, to: freshPath)
            try ModelIO.save(edited, to: editedPath)

            let input = random([16, source.inputShape.reduce(1, *)], seed: 3)
            let outputs = try ONNXOracle.predictions(of: [Fixtures.path(fixture), freshPath, editedPath], on: input, in: folder)
            assertClose(outputs[0], ONNXImageReference.predict(source, input), atol: 1e-4, rtol: 0, "\(fixture): source against the loops")
            assertClose(outputs[1], outputs[0], atol: 1e-4, rtol: 0, "\(fixture): written fresh")
            assertClose(outputs[2], outputs[0], atol: 1e-4, rtol: 0, "\(fixture): edited")

            let rereadFresh = try ModelIO.load(path: freshPath)
            #expect(rereadFresh.dataLayout == .channelsFirst && rereadFresh.inputShape == source.inputShape)
            #expect(rereadFresh.layers == source.layers, "\(fixture)")
            let rereadEdited = try ModelIO.load(path: editedPath)
            #expect(rereadEdited.layers.map(\.kind) == edited.layers.map(\.kind), "\(fixture)")
        }
    }

    @Test("the trained Fashion-MNIST CNN's ONNX twin (fmnist_cnn.onnx): read NCHW, run as the reference loops, written fresh and read back")
    func trainedCNN() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("fmnist_cnn.onnx"))
        #expect(model.dataLayout == .channelsFirst)
        #expect(summary(model) == [
            "input input [28, 28, 1]",
            "conv /conv1/Conv 32 3×3 stride 1×1 same linear bias=true", "activation /relu1/Relu relu",
            "max /pool1/MaxPool 2×2 stride 2×2 valid",
            "conv /conv2/Conv 64 3×3 stride 1×1 same linear bias=true", "activation /relu2/Relu relu",
            "max /pool2/MaxPool 2×2 stride 2×2 valid", "flatten /flatten/Flatten",
            "dense /fc1/Gemm 128 linear bias=true", "activation /relu3/Relu relu",
            "dense /fc2/Gemm 10 linear bias=true", "activation /softmax/Softmax softmax",
        ])
        var fresh = model
        fresh.metadata["onnx_source"] = nil
        let freshPath = folder.file("fresh.onnx")
        try ModelIO.save(fresh, to: freshPath)
        #expect(try ModelIO.load(path: freshPath).layers == model.layers)

        let test = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: model.inputShape).test
        let outputs = try ONNXOracle.predictions(of: [Fixtures.path("fmnist_cnn.onnx"), freshPath], on: test.images, in: folder)
        assertClose(outputs[1], outputs[0], atol: 1e-4, rtol: 0, "written fresh")
        let correct = zip(outputs[0].rowArgmax(), test.labels).filter { $0 == Int($1) }.count
        #expect(correct >= 220, "\(correct) of 256 test images right (the model has 90.71% on the test split)")
        // The loops are slow in a debug build: 8 images.
        let sample = Tensor(shape: [8, 784], scalars: Array(test.images.scalars.prefix(8 * 784)))
        assertClose(Tensor(shape: [8, 10], scalars: Array(outputs[0].scalars.prefix(80))), ONNXImageReference.predict(model, sample),
                    atol: 1e-4, rtol: 0, "onnxruntime against the loops")
    }

    /// A model `image (7, 6, 3)` → BilinearConv2D (3×2 window, patch 18 = 3×6 → 2×3 channels) → Flatten.
    private func bilinearConvolutionModel(_ padding: Padding, stride: Int, activation: Activation, layout: DataLayout) -> Model {
        let shape = BilinearShape(inputRows: 3, inputColumns: 6, outputRows: 2, outputColumns: 3)
        let window = Window2D(height: 3, width: 2, strideHeight: stride, strideWidth: stride, padding: padding)
        let seed = UInt64(stride * 10 + (padding == .same ? 1 : 0))
        let layer = LayerSpec(name: "biconv", kind: .bilinearConv2D(shape, window: window, activation: activation),
                              weights: [random([3, 2], seed: seed), random([6, 3], seed: seed + 100), random([2, 3], seed: seed + 200)])
        return Model(name: "biconv", layers: [LayerSpec(name: "image", kind: .input(shape: [7, 6, 3])), layer,
                                               LayerSpec(name: "flatten", kind: .flatten)], dataLayout: layout)
    }

    @Test("BilinearConv2D (valid and same, strides 1 and 2, both layouts) runs in onnxruntime as its definition, and reads back")
    func bilinearConvolution() throws {
        let folder = try TemporaryFolder()
        var models: [Model] = []
        for layout in [DataLayout.channelsLast, .channelsFirst] {
            for padding in [Padding.valid, .same] {
                for stride in [1, 2] {
                    models.append(bilinearConvolutionModel(padding, stride: stride, activation: stride == 1 ? .linear : .relu, layout: layout))
                }
            }
        }
        let paths = try models.indices.map { index in
            let path = folder.file("biconv\(index).onnx")
            try ModelIO.save(models[index], to: path)
            return path
        }
        let input = random([5, 7 * 6 * 3], seed: 9)
        let outputs = try ONNXOracle.predictions(of: paths, on: input, in: folder)
        for (index, model) in models.enumerated() {
            let label = "\(model.dataLayout) \(summary(model)[1])"
            assertClose(outputs[index], ONNXImageReference.predict(model, input), atol: 1e-4, rtol: 0, "\(label)")
            let reread = try ModelIO.load(path: paths[index])
            #expect(reread.dataLayout == model.dataLayout, "\(label)")
            guard case .bilinearConv2D(let shape, let window, .relu) = model.layers[1].kind else {
                #expect(reread.layers == model.layers, "\(label)")
                continue
            }
            #expect(reread.layers.map(\.kind) == [model.layers[0].kind, .bilinearConv2D(shape, window: window, activation: .linear),
                                                  .activation(.relu), .flatten], "\(label)")
            #expect(reread.layers[1].weights == model.layers[1].weights, "\(label)")
        }
    }

    @Test("a Keras (channels-last) CNN written fresh: input (N, H, W, C), H,W,C flatten order, image output NHWC")
    func channelsLastCNN() throws {
        let folder = try TemporaryFolder()
        let input = LayerSpec(name: "image", kind: .input(shape: [8, 8, 2]))
        let conv = LayerSpec(name: "conv", kind: .conv2D(filters: 3, window: Window2D(height: 3, width: 3, padding: .same), activation: .relu,
                                                         useBias: true),
                             weights: [random([3, 3, 2, 3], seed: 1), random([3], seed: 2, scale: 0.1)])
        let norm = LayerSpec(name: "norm", kind: .batchNormalization(epsilon: 1e-3, momentum: 0.99),
                             weights: [random([3], seed: 3, scale: 0.5).adding(1), random([3], seed: 4, scale: 0.2),
                                       random([3], seed: 5, scale: 0.2), random([3], seed: 6, scale: 0.4).adding(1)])
        let pool = LayerSpec(name: "pool", kind: .pooling2D(.max, window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2)))
        let conv2 = LayerSpec(name: "conv2", kind: .conv2D(filters: 4, window: Window2D(height: 2, width: 2), activation: .linear,
                                                           useBias: false), weights: [random([2, 2, 3, 4], seed: 7)])
        let average = LayerSpec(name: "average", kind: .pooling2D(.average, window: Window2D(height: 2, width: 2, padding: .same)))
        let dense = LayerSpec(name: "dense", kind: .dense(units: 5, activation: .softmax, useBias: true),
                              weights: [random([36, 5], seed: 8), random([5], seed: 9, scale: 0.1)])
        let models = [
            Model(name: "cnn", layers: [input, conv, norm, pool, conv2, average, LayerSpec(name: "flatten", kind: .flatten), dense]),
            Model(name: "gap", layers: [input, conv, LayerSpec(name: "gap", kind: .globalAveragePooling2D),
                                        LayerSpec(name: "dense", kind: .dense(units: 5, activation: .softmax, useBias: true),
                                                  weights: [random([3, 5], seed: 10), random([5], seed: 11)])]),
            Model(name: "image_out", layers: [input, conv, pool]),
            Model(name: "reshaped", layers: [LayerSpec(name: "pixels", kind: .input(shape: [128])),
                                             LayerSpec(name: "to_image", kind: .reshape(targetShape: [8, 8, 2])), conv,
                                             LayerSpec(name: "flatten", kind: .flatten),
                                             LayerSpec(name: "dense", kind: .dense(units: 2, activation: .linear, useBias: false),
                                                       weights: [random([192, 2], seed: 14)])]),
        ]
        let paths = try models.map { model in
            let path = folder.file("\(model.name).onnx")
            try ModelIO.save(model, to: path)
            return path
        }
        let batch = random([6, 8 * 8 * 2], seed: 12)
        let outputs = try ONNXOracle.predictions(of: paths, on: batch, in: folder)
        #expect(outputs[2].shape == [6, 4, 4, 3])
        for (model, output) in zip(models, outputs) {
            assertClose(output.reshaped([6, output.count / 6]), ONNXImageReference.predict(model, batch), atol: 1e-4, rtol: 0, "\(model.name)")
        }
        let reread = try ModelIO.load(path: paths[0])
        #expect(reread.dataLayout == .channelsLast)
        #expect(summary(reread) == [
            "input image [8, 8, 2]", "conv conv 3 3×3 stride 1×1 same linear bias=true", "activation conv/activation relu",
            "batchNormalization norm epsilon=0.001 momentum=0.99", "max pool 2×2 stride 2×2 valid",
            "conv conv2 4 2×2 stride 1×1 valid linear bias=false", "average average 2×2 stride 1×1 same", "flatten flatten",
            "dense dense 5 linear bias=true", "activation dense/activation softmax",
        ])
        #expect(reread.layers[1].weights == conv.weights && reread.layers[3].weights == norm.weights)
        // A Reshape to an image ends the chain when read back: the file does not say its layout.
        #expect(summary(try ModelIO.load(path: paths[3])).prefix(2) == ["input pixels [128]", "opaque to_image Reshape"])

        // Edited: conv2 widened from 4 to 6 filters, the dense rows of the new features (H,W,C order: (h·3 + w)·6 + c)
        // zero. The pooling and flatten after conv2 are spelled anew for the wider input, the flatten still H,W,C.
        var widened = reread
        widened.layers[5].kind = .conv2D(filters: 6, window: Window2D(height: 2, width: 2), activation: .linear, useBias: false)
        widened.layers[5].weights = [random([12, 6], seed: 13).replacingLeadingColumns(with: conv2.weights[0].reshaped([12, 4])).reshaped([2, 2, 3, 6])]
        var kernel = Tensor(shape: [54, 5])
        for position in 0..<9 {
            for channel in 0..<4 {
                for unit in 0..<5 { kernel[position * 6 + channel, unit] = dense.weights[0][position * 4 + channel, unit] }
            }
        }
        widened.layers[8].weights[0] = kernel
        let widenedPath = folder.file("widened.onnx")
        try ModelIO.save(widened, to: widenedPath)
        let widenedOutput = try ONNXOracle.predictions(of: [widenedPath], on: batch, in: folder)[0]
        assertClose(widenedOutput, outputs[0], atol: 1e-4, rtol: 0, "widened through the edit path")
        #expect(try ModelIO.load(path: widenedPath).layers.map(\.kind) == widened.layers.map(\.kind))
    }

    @Test("dilations, SAME_LOWER, counted pads: the node is opaque with the reason, and so is every node reading it")
    func unconvertibleConvolutions() throws {
        let reasons = [
            "cnn_dilated.onnx": "dilations [2, 2] (only 1 is read)",
            "cnn_same_lower.onnx": "auto_pad SAME_LOWER (VALID, SAME_UPPER or explicit pads are read)",
        ]
        for (fixture, reason) in reasons {
            let model = try ModelIO.load(path: Fixtures.path(fixture))
            #expect(summary(model) == ["input input [6, 6, 2]", "opaque /conv1/Conv Conv [not convertible: \(reason)]",
                                       "opaque /relu1/Relu Relu", "opaque /flatten/Flatten Flatten", "opaque /fc/Gemm Gemm"], "\(fixture)")
        }
        // A Conv with group = channels is depthwise; pads neither valid nor same are a zero padding before it.
        #expect(summary(try ModelIO.load(path: Fixtures.path("cnn_grouped.onnx")))[1] == "DepthwiseConv2D /conv1/Conv")
        #expect(Array(summary(try ModelIO.load(path: Fixtures.path("cnn_odd_pads.onnx"))).prefix(3))
                == ["input input [6, 6, 2]", "ZeroPadding2D /conv1/Conv_pad", "conv /conv1/Conv 4 2×2 stride 1×1 valid linear bias=true"])
        let pool = try ModelIO.load(path: Fixtures.path("cnn_pool_counting_pads.onnx"))
        #expect(summary(pool) == ["input input [6, 6, 2]", "conv /conv1/Conv 4 1×1 stride 1×1 valid linear bias=false",
                                  "opaque /pool1/AveragePool AveragePool [not convertible: count_include_pad 1 (only 0 is read)]",
                                  "opaque /flatten/Flatten Flatten", "opaque /fc/Gemm Gemm"])
    }

    @Test("layers that cannot be written on images: one-line errors naming the layer, nothing written")
    func unwritableImageLayers() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.onnx")
        let input = LayerSpec(name: "image", kind: .input(shape: [4, 4, 2]))
        let dense = Model(name: "m", layers: [input, LayerSpec(name: "dense", kind: .dense(units: 3, activation: .linear, useBias: false),
                                                               weights: [Tensor(shape: [2, 3])])])
        #expect(throws: BilinError("layer 'dense' (Dense) reads an image; on images only convolutions, padding, pooling, batch "
                                   + "normalization, merges, Concatenate, elementwise activations, Rescaling, Dropout and Flatten "
                                   + "export to ONNX", file: path)) {
            try ModelIO.save(dense, to: path)
        }
        let shape = BilinearShape(inputRows: 2, inputColumns: 4, outputRows: 2, outputColumns: 2)
        let biconv = Model(name: "m", layers: [input, LayerSpec(name: "biconv", kind: .bilinearConv2D(shape, window: Window2D(height: 3, width: 3),
                                                                                                      activation: .linear),
                                                                weights: [Tensor(shape: [2, 2]), Tensor(shape: [4, 2]), Tensor(shape: [2, 2])])])
        #expect(throws: BilinError("layer 'biconv' (BilinearConv2D) reads 2×4 matrices, not the 18 values of a 3×3 patch of 2 channels",
                                   file: path)) {
            try ModelIO.save(biconv, to: path)
        }
        let flatConv = Model(name: "m", layers: [LayerSpec(name: "x", kind: .input(shape: [16])),
                                                 LayerSpec(name: "pool", kind: .pooling2D(.max, window: Window2D(height: 2, width: 2)))])
        #expect(throws: BilinError("layer 'pool' (MaxPooling2D) reads a value of shape [16], not an image (height, width, channels)",
                                   file: path)) {
            try ModelIO.save(flatConv, to: path)
        }
        #expect(try folder.contents().isEmpty)
    }
}

private extension Tensor {
    func adding(_ value: Float) -> Tensor { Tensor(shape: shape, scalars: scalars.map { $0 + value }) }
}
