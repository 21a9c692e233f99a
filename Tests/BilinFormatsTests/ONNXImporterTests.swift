import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Each ONNX fixture (fixtures/make_onnx_fixtures.py) read into the IR: layer kinds, names, shapes and weights.
@Suite("ONNX import")
struct ONNXImporterTests {
    private func summary(_ model: Model) -> [String] {
        model.layers.map { layer in
            switch layer.kind {
            case .input(let shape): "input \(layer.name) \(shape)"
            case .dense(let units, let activation, let useBias): "dense \(layer.name) \(units) \(activation.rawValue) bias=\(useBias)"
            case .activation(let activation): "activation \(layer.name) \(activation.rawValue)"
            case .flatten: "flatten \(layer.name)"
            case .opaque(let className, _): "opaque \(layer.name) \(className)"
            default: "\(layer.kind.displayName) \(layer.name)"
            }
        }
    }

    @Test("skl2onnx MLPClassifier: Cast folded, MatMul+Add dense layers, the ai.onnx.ml tail opaque")
    func sklearn() throws {
        let model = try ModelIO.load(path: Fixtures.path("sklearn_mlp.onnx"))
        #expect(summary(model) == [
            "input input [784]",
            "dense MatMul 96 linear bias=true", "activation Relu relu",
            "dense MatMul1 64 linear bias=true", "activation Relu1 relu",
            "dense MatMul2 10 linear bias=true", "activation Relu2 softmax",
            "opaque ArgMax ArgMax", "opaque ZipMap ai.onnx.ml.ZipMap", "opaque ArrayFeatureExtractor ai.onnx.ml.ArrayFeatureExtractor",
            "opaque Reshape Reshape", "opaque Cast1 Cast", "opaque Cast2 Cast",
        ])
        #expect(model.metadata["format"] == "onnx")
        #expect(model.metadata["onnx_source"] == Fixtures.path("sklearn_mlp.onnx"))
        #expect(model.layerIndex(named: "coefficient1") == model.layerIndex(named: "MatMul1"))
        #expect(model.layers[1].weights.map(\.shape) == [[784, 96], [96]])
    }

    @Test("jax2onnx: Gemm(beta=0) + Add folded into one dense layer per Linear, weights equal to the Keras fixture's")
    func jax2onnx() throws {
        let model = try ModelIO.load(path: Fixtures.path("tiny_mlp.onnx"))
        #expect(summary(model) == [
            "input pixels [784]",
            "dense node_Gemm_0 96 linear bias=true", "activation node_Relu_2 relu",
            "dense node_Gemm_3 64 linear bias=true", "activation node_Relu_5 relu",
            "dense node_Gemm_6 10 linear bias=true", "activation node_Softmax_8 softmax",
        ])
        let keras = try ModelIO.load(path: Fixtures.path("tiny_mlp.h5"))
        #expect(model.layers[1].weights == keras.layers[1].weights)
        #expect(model.layers[5].weights == keras.layers[3].weights)
    }

    @Test("PyTorch layout: (N,1,28,28) input read NCHW (IR shape [28, 28, 1], channels first), Flatten, Gemm transB=1 with (Dout, Din) weights")
    func torchLayout() throws {
        let model = try ModelIO.load(path: Fixtures.path("tiny_mlp_torch.onnx"))
        #expect(model.dataLayout == .channelsFirst)
        #expect(summary(model) == [
            "input input [28, 28, 1]", "flatten /flatten/Flatten",
            "dense /fc1/Gemm 96 linear bias=true", "activation /relu1/Relu relu",
            "dense /fc2/Gemm 64 linear bias=true", "activation /relu2/Relu relu",
            "dense /fc3/Gemm 10 linear bias=true", "activation /softmax/Softmax softmax",
        ])
        let keras = try ModelIO.load(path: Fixtures.path("tiny_mlp.h5"))
        #expect(model.layers[2].weights == keras.layers[1].weights)
        #expect(model.layerIndex(named: "fc2.weight") == 4)
    }

    @Test("external data: the same weights as the embedded twin")
    func externalData() throws {
        let external = try ModelIO.load(path: Fixtures.path("tiny_mlp_external.onnx"))
        let embedded = try ModelIO.load(path: Fixtures.path("tiny_mlp.onnx"))
        #expect(external.layers.map(\.weights) == embedded.layers.map(\.weights))
    }

    @Test("a weight that is an Identity of an initializer (PyTorch's copy of equal parameters) is that initializer")
    func copiedWeight() throws {
        let model = try ModelIO.load(path: Fixtures.path("computed_weight.onnx"))
        #expect(summary(model) == ["input x [4]", "dense dense 3 linear bias=true", "activation relu relu"])
        #expect(model.layerIndex(named: "w") == 1 && model.layerIndex(named: "b") == 1)
    }

    @Test("a weight computed by another node: not convertible, and the layer's kind says why")
    func computedWeight() throws {
        let model = try ModelIO.load(path: Fixtures.path("computed_weight_mul.onnx"))
        let reason = "MatMul [not convertible: weight 'w' is computed by other nodes, not an initializer]"
        #expect(summary(model) == ["input x [4]", "opaque weight Mul", "opaque dense \(reason)", "opaque bias Add", "opaque relu Relu"])
        #expect(throws: BilinError("layer 'dense' is not a Dense or Conv2D layer (it is \(reason))")) {
            try Converter.convert(model, options: ConversionOptions(layerNames: ["dense"]))
        }
    }

    @Test("the Swift forward pass of every fixture equals onnxruntime's, to 1e-4")
    func forwardMatchesRuntime() throws {
        let folder = try TemporaryFolder()
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        let fixtures = ["tiny_mlp.onnx", "tiny_mlp_torch.onnx", "tiny_mlp_external.onnx", "fmnist_mlp.onnx"]
        let runtime = try ONNXOracle.predictions(of: fixtures.map(Fixtures.path), on: images, in: folder)
        for (fixture, expected) in zip(fixtures, runtime) {
            let swift = try Network(model: try ModelIO.load(path: Fixtures.path(fixture))).predict(images)
            assertClose(expected, swift, atol: 1e-4, rtol: 0, "\(fixture)")
        }
    }
}
