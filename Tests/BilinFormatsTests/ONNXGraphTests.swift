import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// ONNX graphs (issue 15): fan-out, residual merges, Concat, Pad, depthwise and explicitly padded convolutions read
/// into the IR's graph (fixtures/make_onnx_graph_fixtures.py; the PyTorch-exported residual CNN of
/// fixtures/make_onnx_resnet_fixture.py), run by `Network` as onnxruntime runs the file, and written back fresh and
/// by editing the source, each file passing the full checker and running as before (max abs difference ≤ 1e-4).
@Suite("ONNX graphs")
struct ONNXGraphTests {
    /// Each layer as `name kind <- inputs` (inputs only where named).
    private func summary(_ model: Model) -> [String] {
        model.layers.map { layer in
            var kind = layer.kind.displayName
            switch layer.kind {
            case .conv2D(let filters, let window, let activation, let useBias):
                kind += " \(filters) \(window.height)×\(window.width)/\(window.strideHeight) \(window.padding.rawValue) \(activation.rawValue) bias=\(useBias)"
            case .depthwiseConv2D(let multiplier, let window, _, let useBias):
                kind += " ×\(multiplier) \(window.height)×\(window.width)/\(window.strideHeight) \(window.padding.rawValue) bias=\(useBias)"
            case .zeroPadding2D(let padding): kind += " \(padding.top) \(padding.bottom) \(padding.left) \(padding.right)"
            case .activation(let activation): kind += " \(activation.rawValue)"
            case .leakyReLU(let slope): kind += " \(slope)"
            case .concatenate(let axis): kind += " axis \(axis)"
            default: break
            }
            return "\(layer.name) \(kind)" + (layer.inputs.isEmpty ? "" : " <- \(layer.inputs.joined(separator: ", "))")
        }
    }

    /// Seeded values in [0, 1).
    private func images(_ count: Int, _ shape: [Int]) -> Tensor {
        var generator = SeededGenerator(seed: 15)
        let size = shape.reduce(1, *)
        return Tensor(shape: [count, size], scalars: (0..<(count * size)).map { _ in generator.nextUnitFloat() })
    }

    @Test("graph_nchw.onnx: fan-out, a Conv bias as an Add, odd pads, depthwise, Pad, Clip, LeakyRelu, every merge and Concat read as a graph")
    func smallGraph() throws {
        let model = try ModelIO.load(path: Fixtures.path("graph_nchw.onnx"))
        #expect(model.dataLayout == .channelsFirst && model.outputs.isEmpty)
        #expect(summary(model) == [
            "image InputLayer",
            "stem_pad ZeroPadding2D 1 1 1 1",
            "stem Conv2D 4 3×3/2 valid linear bias=true",
            "relu6 Activation relu6",
            "depthwise DepthwiseConv2D ×2 3×3/1 same bias=true",
            "leaky LeakyReLU 0.1",
            "pad ZeroPadding2D 1 0 0 1 <- relu6",
            "branch Conv2D 8 2×2/1 valid linear bias=true",
            "add Add <- leaky, branch",
            "concat Concatenate axis 2 <- add, relu6",
            "relu Activation relu",
            "multiply Multiply <- concat, relu",
            "maximum Maximum <- multiply, concat",
            "average Average <- maximum, concat, relu",
            "subtract Subtract <- average, relu",
            "minimum Minimum <- subtract, concat",
            "gap GlobalAveragePooling2D",
            "fc Dense",
            "softmax Activation softmax",
        ])
        #expect(model.outputShapes()[2] == [4, 4, 4] && model.outputShapes()[9] == [4, 4, 12])
        #expect(model.layerIndex(named: "stem.bias") == 2 && model.layerIndex(named: "depthwise.weight") == 4)
    }

    @Test("resnet_nchw.onnx (torch.onnx.export): stride-2 padding=1 convolutions as ZeroPadding2D + valid Conv, Add residuals, batch norm")
    func torchResidualCNN() throws {
        let model = try ModelIO.load(path: Fixtures.path("resnet_nchw.onnx"))
        let lines = summary(model)
        #expect(lines.count == 27)
        #expect(Array(lines.prefix(6)) == [
            "image InputLayer", "/stem_conv/Conv Conv2D 16 3×3/1 same linear bias=true", "/stem_bn/BatchNormalization BatchNormalization",
            "/Relu Activation relu", "/b1_conv1/Conv_pad ZeroPadding2D 1 1 1 1", "/b1_conv1/Conv Conv2D 32 3×3/2 valid linear bias=true",
        ])
        #expect(lines.contains("/b1_shortcut/Conv Conv2D 32 1×1/2 valid linear bias=true <- /Relu"))
        #expect(lines.contains("/Add Add <- /b1_bn2/BatchNormalization, /b1_shortcut_bn/BatchNormalization"))
        #expect(lines.contains("/Add_1 Add <- /b2_bn2/BatchNormalization, /b2_shortcut_bn/BatchNormalization"))
        #expect(Array(lines.suffix(3)) == ["/GlobalAveragePool GlobalAveragePooling2D", "/logits/Gemm Dense", "/Softmax Activation softmax"])
        #expect(!model.layers.contains { if case .opaque = $0.kind { true } else { false } })
    }

    @Test("fmnist_resnet.onnx, the trained residual CNN's PyTorch twin: read as the graph, run by Network as onnxruntime, as accurate as the Keras model")
    func trainedResidualCNN() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("fmnist_resnet.onnx"))
        #expect(summary(model) == summary(try ModelIO.load(path: Fixtures.path("resnet_nchw.onnx"))))
        let test = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: model.inputShape).test
        let runtime = try ONNXOracle.predictions(of: [Fixtures.path("fmnist_resnet.onnx")], on: test.images, in: folder)[0]
        assertClose(try Network(model: model).predict(test.images), runtime, atol: 1e-4, rtol: 0, "Network against onnxruntime")
        let correct = zip(runtime.rowArgmax(), test.labels).filter { $0 == Int($1) }.count
        #expect(correct >= 230, "\(correct) of 256 test images right (Keras's fmnist_resnet.h5 gets 234 of them)")
    }

    @Test("torch_view_nchw.onnx: x.view(x.size(0), -1), its shape computed by Shape, Gather, Unsqueeze and Concat, is one Flatten")
    func computedFlatten() throws {
        let model = try ModelIO.load(path: Fixtures.path("torch_view_nchw.onnx"))
        #expect(summary(model) == ["image InputLayer", "/conv/Conv Conv2D 3 3×3/1 valid linear bias=true", "/Relu Activation relu",
                                   "/Reshape Flatten", "/fc/Gemm Dense"])
    }

    @Test("torch_dynamo_nchw.onnx (PyTorch's default exporter, external data): the residual block, ReduceMean over H and W and the Reshape after it as GlobalAveragePooling2D")
    func dynamoExport() throws {
        let model = try ModelIO.load(path: Fixtures.path("torch_dynamo_nchw.onnx"))
        #expect(summary(model) == [
            "image InputLayer", "node_conv2d_pad ZeroPadding2D 1 1 1 1", "node_conv2d Conv2D 4 3×3/2 valid linear bias=true",
            "node_relu Activation relu", "node_conv2d_1 Conv2D 4 3×3/1 same linear bias=true",
            "node_conv2d_2 Conv2D 4 1×1/2 valid linear bias=true <- image", "node_add Add <- node_conv2d_1, node_conv2d_2",
            "node_relu_1 Activation relu", "node_mean GlobalAveragePooling2D", "node_linear Dense",
        ])
    }

    @Test("pads_opset10.onnx: before opset 11, Clip's attributes read as ReLU6 and the Conv's pads as a ZeroPadding2D")
    func opset10() throws {
        #expect(summary(try ModelIO.load(path: Fixtures.path("pads_opset10.onnx"))) == [
            "image InputLayer", "conv_pad ZeroPadding2D 1 1 1 1", "conv Conv2D 4 3×3/2 valid linear bias=true", "relu6 Activation relu6",
            "flatten Flatten", "fc Dense",
        ])
    }

    @Test("Network runs the imported graphs as onnxruntime runs the files",
          arguments: ["graph_nchw.onnx", "resnet_nchw.onnx", "torch_view_nchw.onnx", "torch_dynamo_nchw.onnx", "cnn_grouped.onnx",
                      "cnn_odd_pads.onnx"])
    func forwardMatchesRuntime(fixture: String) throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path(fixture))
        let input = images(6, model.inputShape)
        let runtime = try ONNXOracle.predictions(of: [Fixtures.path(fixture)], on: input, in: folder)[0]
        assertClose(try Network(model: model).predict(input), runtime, atol: 1e-4, rtol: 0, fixture)
    }

    /// `model` with the kernel of each named layer scaled by 1.5: a change every spelling must carry.
    private func scalingKernels(of model: Model, _ names: [String]) throws -> Model {
        var edited = model
        for name in names {
            let index = try #require(edited.layerIndex(named: name))
            edited.layers[index].weights[0] = Tensor(shape: edited.layers[index].weights[0].shape,
                                                     scalars: edited.layers[index].weights[0].scalars.map { $0 * 1.5 })
        }
        return edited
    }

    /// pads_opset10.onnx: the edit spells the read-out padding as opset 10's `Pad` (pads an attribute), and its
    /// `Clip(0, 6)` with attributes reads as ReLU6.
    @Test("written fresh and by editing (changed convolutions inside branches, one with its pads read out), the graphs pass the full checker and run as in Swift",
          arguments: [("graph_nchw.onnx", ["stem", "depthwise", "branch"]), ("resnet_nchw.onnx", ["/b1_conv1/Conv", "/b2_shortcut/Conv"]),
                      ("torch_view_nchw.onnx", ["/conv/Conv", "/fc/Gemm"]), ("torch_dynamo_nchw.onnx", ["node_conv2d", "node_conv2d_2"]),
                      ("pads_opset10.onnx", ["conv"])])
    func roundTrips(fixture: String, changed: [String]) throws {
        let folder = try TemporaryFolder()
        let source = try ModelIO.load(path: Fixtures.path(fixture))
        var fresh = source
        fresh.metadata["onnx_source"] = nil
        let edited = try scalingKernels(of: source, changed)
        let (freshPath, editedPath) = (folder.file("fresh.onnx"), folder.file("edited.onnx"))
        try ModelIO.save(fresh, to: freshPath)
        try ModelIO.save(edited, to: editedPath)
        let input = images(5, source.inputShape)
        let outputs = try ONNXOracle.predictions(of: [Fixtures.path(fixture), freshPath, editedPath], on: input, in: folder)
        assertClose(outputs[1], outputs[0], atol: 1e-4, rtol: 0, "\(fixture) written fresh")
        let expected = try Network(model: edited).predict(input)
        #expect(!expected.isClose(to: outputs[0], rtol: 0, atol: 1e-3), "the edit changes the output")
        assertClose(outputs[2], expected, atol: 1e-4, rtol: 0, "\(fixture) edited")

        let rereadFresh = try ModelIO.load(path: freshPath)
        #expect(rereadFresh.dataLayout == .channelsFirst)
        #expect(summary(rereadFresh) == summary(source))
        #expect(rereadFresh.layers.map(\.weights) == source.layers.map(\.weights))
        #expect(summary(try ModelIO.load(path: editedPath)) == summary(source))
    }

    @Test("the PyTorch residual CNN converted at scale 1 (every convolution, shortcuts included) is written by editing its graph and runs in onnxruntime as in Swift")
    func convertedResidualCNN() throws {
        let folder = try TemporaryFolder()
        let source = try ModelIO.load(path: Fixtures.path("resnet_nchw.onnx"))
        let converted = try Converter.convert(source, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        let bilinear = converted.layers.filter { if case .bilinearConv2D = $0.kind { true } else { false } }.map(\.name)
        #expect(bilinear == ["/stem_conv/Conv", "/b1_conv1/Conv", "/b1_conv2/Conv", "/b1_shortcut/Conv", "/b2_conv1/Conv",
                             "/b2_conv2/Conv", "/b2_shortcut/Conv"])
        let path = folder.file("converted.onnx")
        try ModelIO.save(converted, to: path)
        let input = images(4, source.inputShape)
        assertClose(try ONNXOracle.predictions(of: [path], on: input, in: folder)[0], try Network(model: converted).predict(input),
                    atol: 1e-4, rtol: 0, "converted")
        #expect(summary(try ModelIO.load(path: path)) == summary(converted))
        // Every stored value counts: the weights, and a few int64 shapes per bilinear convolution (its one-hot patch
        // kernel is computed, not stored).
        let file = try ONNXModelFile(path: path)
        let stored = withExtendedLifetime(file) { file.initializers.reduce(0) { $0 + ONNXTensorData.dimensions($1).reduce(1, *) } }
        #expect(stored >= converted.parameterCount && stored <= converted.parameterCount + 20 * bilinear.count,
                "\(stored) values stored for \(converted.parameterCount) parameters")
    }

    @Test("an IR 3 / opset 7 model (initializers among the graph inputs) edited: the new initializers are graph inputs too, and it passes the full checker")
    func oldIRVersion() throws {
        let folder = try TemporaryFolder()
        let source = try ModelIO.load(path: Fixtures.path("mlp_ir3.onnx"))
        let converted = try Converter.convert(source, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        #expect(converted.layers.contains { if case .bilinear = $0.kind { true } else { false } })
        let path = folder.file("converted.onnx")
        try ModelIO.save(converted, to: path)
        let input = images(4, [16])
        let output = try ONNXOracle.predictions(of: [path], on: input, in: folder)[0]
        assertClose(output, try Network(model: converted).predict(input), atol: 1e-4, rtol: 0, "converted")
    }

    /// A channels-last (Keras-sourced) graph with every kind the fresh writer spells on images: padding, depthwise and
    /// plain convolutions on one padded tensor (fan-out), ReLU6, LeakyReLU, each merge (Multiply of three), Concatenate
    /// on channels and on height, Rescaling, global pooling, a softmax Dense.
    private func kerasStyleGraph() -> Model {
        var generator = SeededGenerator(seed: 7)
        func weights(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUnitFloat() - 0.5 })
        }
        let strided = Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2)
        func layer(_ name: String, _ kind: LayerKind, _ weights: [Tensor] = [], _ inputs: [String] = []) -> LayerSpec {
            LayerSpec(name: name, kind: kind, weights: weights, inputs: inputs)
        }
        return Model(name: "keras_graph", layers: [
            layer("image", .input(shape: [6, 6, 3])),
            layer("pad", .zeroPadding2D(ImagePadding(top: 1, bottom: 0, left: 2, right: 1))),
            layer("depthwise", .depthwiseConv2D(multiplier: 2, window: strided, activation: .relu6, useBias: true), [weights([3, 3, 3, 2]), weights([6])]),
            layer("branch", .conv2D(filters: 6, window: strided, activation: .linear, useBias: true), [weights([3, 3, 3, 6]), weights([6])], ["pad"]),
            layer("leaky", .leakyReLU(negativeSlope: 0.1)),
            layer("add", .merge(.add), [], ["depthwise", "leaky"]),
            layer("subtract", .merge(.subtract), [], ["depthwise", "leaky"]),
            layer("multiply", .merge(.multiply), [], ["add", "subtract", "leaky"]),
            layer("average", .merge(.average), [], ["add", "subtract", "multiply"]),
            layer("maximum", .merge(.maximum), [], ["average", "leaky"]),
            layer("minimum", .merge(.minimum), [], ["maximum", "depthwise"]),
            layer("channels", .concatenate(axis: 2), [], ["minimum", "add"]),
            layer("rows", .concatenate(axis: 0), [], ["channels", "channels"]),
            layer("rescale", .rescaling(scale: 0.5, offset: 0.1)),
            layer("gap", .globalAveragePooling2D),
            layer("logits", .dense(units: 4, activation: .softmax, useBias: true), [weights([12, 4]), weights([4])]),
        ])
    }

    @Test("a channels-last (Keras-sourced) graph written fresh passes the full checker and runs in onnxruntime as in Swift, and reads back")
    func kerasSourcedGraph() throws {
        let folder = try TemporaryFolder()
        let model = kerasStyleGraph()
        let path = folder.file("keras_graph.onnx")
        try ModelIO.save(model, to: path)
        let input = images(5, [6, 6, 3])
        let expected = try Network(model: model).predict(input)
        assertClose(try ONNXOracle.predictions(of: [path], on: input, in: folder)[0], expected, atol: 1e-4, rtol: 0, "written fresh")
        let reread = try ModelIO.load(path: path)
        #expect(reread.dataLayout == .channelsLast)
        #expect(!reread.layers.contains { if case .opaque = $0.kind { true } else { false } })
        assertClose(try Network(model: reread).predict(input), expected, atol: 1e-4, rtol: 0, "read back")
    }
}
