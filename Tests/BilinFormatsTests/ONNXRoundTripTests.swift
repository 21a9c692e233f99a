import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// What survives an export: unconverted weights bit for bit, the ai.onnx.ml tail, external data, and the converted
/// layers themselves when the file is read again; and export across formats where every op maps.
@Suite("ONNX round trips")
struct ONNXRoundTripTests {
    private func bits(_ layer: LayerSpec) -> [[UInt32]] { layer.weights.map { $0.scalars.map(\.bitPattern) } }

    @Test("sklearn at scale 2: the ai.onnx.ml tail kept, every layer read back as written")
    func sklearnRoundTrip() throws {
        let folder = try TemporaryFolder()
        let original = try ModelIO.load(path: Fixtures.path("sklearn_mlp.onnx"))
        let converted = try Converter.convert(original, options: ConversionOptions(scale: 2, initialization: .nkp)).model
        let path = folder.file("converted.onnx")
        try ModelIO.save(converted, to: path)
        let reread = try ModelIO.load(path: path)
        #expect(reread.layers.map(\.name) == converted.layers.map(\.name))
        #expect(reread.layers.map(\.kind) == converted.layers.map(\.kind))
        for (before, after) in zip(converted.layers, reread.layers) {
            if case .bilinear = before.kind {
                for (expected, actual) in zip(before.weights, after.weights) {
                    #expect(actual.shape == expected.shape && actual.isClose(to: expected, rtol: 0, atol: 0), "\(before.name)")
                }
            } else {
                #expect(bits(after) == bits(before), "\(before.name)")
            }
        }
        let tail = reread.layers.compactMap { if case .opaque(let className, _) = $0.kind { className } else { nil } }
        #expect(tail == ["ArgMax", "ai.onnx.ml.ZipMap", "ai.onnx.ml.ArrayFeatureExtractor", "Reshape", "Cast", "Cast"])
    }

    @Test("only the first layer, named by its weight initializer, at scale 1: the other layers' weights bit-exact")
    func untouchedLayersBitExact() throws {
        let folder = try TemporaryFolder()
        let original = try ModelIO.load(path: Fixtures.path("sklearn_mlp.onnx"))
        let result = try Converter.convert(original, options: ConversionOptions(layerNames: ["coefficient"], initialization: .nkp))
        #expect(result.layers.filter(\.converted).map(\.name) == ["MatMul"])
        let path = folder.file("converted.onnx")
        try ModelIO.save(result.model, to: path)
        let reread = try ModelIO.load(path: path)
        for name in ["MatMul1", "MatMul2"] {
            let index = try #require(original.layerIndex(named: name))
            #expect(bits(reread.layers[index]) == bits(original.layers[index]), "\(name)")
        }
    }

    @Test("external data in, external data out; an unconverted model is written unchanged")
    func externalData() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("tiny_mlp_external.onnx"))
        let converted = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        try ModelIO.save(converted, to: folder.file("out.onnx"))
        try ModelIO.save(model, to: folder.file("same.onnx"))
        #expect(try folder.contents() == ["out.onnx", "out.onnx.data", "same.onnx", "same.onnx.data"])
        let same = try ModelIO.load(path: folder.file("same.onnx"))
        #expect(same.layers.map(bits) == model.layers.map(bits))
        #expect(try ModelIO.load(path: folder.file("out.onnx")).layers.map(\.kind) == converted.layers.map(\.kind))
    }

    @Test("Keras → ONNX and ONNX → Keras, where every op maps, predict as Swift does")
    func acrossFormats() throws {
        let folder = try TemporaryFolder()
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        let keras = try Converter.convert(try ModelIO.load(path: Fixtures.path("tiny_mlp.h5")),
                                          options: ConversionOptions(scale: 2, initialization: .nkp)).model
        let fromKeras = folder.file("from_keras.onnx")
        try ModelIO.save(keras, to: fromKeras)
        let onnx = try Converter.convert(try ModelIO.load(path: Fixtures.path("tiny_mlp.onnx")),
                                         options: ConversionOptions(scale: 2, initialization: .nkp)).model
        let fromONNX = folder.file("from_onnx.h5")
        try ModelIO.save(onnx, to: fromONNX)
        let runtime = try ONNXOracle.predictions(of: [fromKeras], on: images, in: folder)[0]
        let kerasRun = try KerasOracle.predictions(of: [fromONNX], on: images, in: folder)[0]
        for (name, consumer, model) in [("Keras → ONNX", runtime, keras), ("ONNX → Keras", kerasRun, onnx)] {
            let swift = try Network(model: model).predict(images)
            assertClose(consumer, swift, atol: 1e-4, rtol: 0, "\(name)")
        }
        // The ONNX file written from Keras reads back as the same chain (dense activations become their own layers).
        let reread = try ModelIO.load(path: fromKeras)
        #expect(reread.layers.filter { if case .bilinear = $0.kind { true } else { false } }.count == 2)
    }

    @Test("a (N, 28, 28, 1) input: written fresh, read back with that shape, run by onnxruntime on flat rows")
    func channelsLastInput() throws {
        let folder = try TemporaryFolder()
        var model = TestModels.mlp(sizes: [784, 64, 10], activations: [.relu, .softmax], seed: 7)
        model.layers[0].kind = .input(shape: [28, 28, 1])
        model.layers.insert(LayerSpec(name: "flatten", kind: .flatten), at: 1)
        let converted = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        let path = folder.file("image.onnx")
        try ModelIO.save(converted, to: path)
        let reread = try ModelIO.load(path: path)
        #expect(reread.inputShape == [28, 28, 1])
        #expect(reread.layers.map(\.kind.displayName) == ["InputLayer", "Flatten", "BilinearProjection", "Activation", "Dense", "Activation"])
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: reread.inputShape).test.images
        let runtime = try ONNXOracle.predictions(of: [path], on: images, in: folder)[0]
        let swift = try Network(model: reread).predict(images)
        #expect(runtime.shape == [256, 10])
        assertClose(runtime, swift, atol: 1e-4, rtol: 0)
    }

    @Test("a layer with no ONNX op (an opaque Keras layer) is named in a one-line error, and nothing is written")
    func opaqueKerasLayer() throws {
        let folder = try TemporaryFolder()
        let model = try ModelIO.load(path: Fixtures.path("tiny_opaque.h5"))
        let path = folder.file("out.onnx")
        #expect(throws: BilinError("layer 'layer_norm' (LayerNormalization) has no ONNX spelling in this tool; Dense, "
                                   + "BilinearProjection, convolutions, padding, pooling, BatchNormalization, merges, Concatenate, "
                                   + "activations, Rescaling, Flatten, Reshape and Dropout export to ONNX", file: path)) {
            try ModelIO.save(model, to: path)
        }
        #expect(try folder.contents().isEmpty)
    }
}
