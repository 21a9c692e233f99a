import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Testing

/// Functional Keras models that are not chains (fixtures/make_graph_fixtures.py): read into the graph IR, run in
/// Swift as Keras runs them, and written back as functional models Keras loads.
@Suite("Keras graphs")
struct KerasGraphTests {
    /// Each graph fixture with an input batch for it.
    static let fixtures = ["graph_ops.h5", "graph_ops.keras", "biresnet.h5", "biresnet.keras"]

    static func input(for model: Model) throws -> Tensor {
        guard model.inputShape == [28, 28, 1] else {
            var generator = SeededGenerator(seed: 5)
            return Reference.random([8, model.inputShape.reduce(1, *)], in: 0...1, using: &generator)
        }
        let images = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), inputShape: [784]).test.images
        return Tensor(shape: [64, 784], scalars: Array(images.scalars.prefix(64 * 784)))
    }

    @Test("graph_ops: every graph layer decoded, edges named, the nested Sequential inlined")
    func graphOps() throws {
        for file in ["graph_ops.h5", "graph_ops.keras"] {
            let model = try ModelIO.load(path: Fixtures.path(file))
            let byName = Dictionary(uniqueKeysWithValues: model.layers.map { ($0.name, $0) })
            #expect(byName["rescale"]?.kind == .rescaling(scale: 2, offset: -1))
            #expect(byName["normalize"]?.kind == .rescaling(scale: 0.5, offset: -0.125))
            #expect(byName["pad"]?.kind == .zeroPadding2D(ImagePadding(top: 1, bottom: 0, left: 2, right: 1)))
            #expect(byName["depthwise"]?.kind == .depthwiseConv2D(
                multiplier: 2, window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2), activation: .linear, useBias: true))
            #expect(byName["relu6"]?.kind == .activation(.relu6))
            #expect(byName["leaky"]?.kind == .leakyReLU(negativeSlope: 0.1))
            #expect(byName["sloped_relu"]?.kind == .leakyReLU(negativeSlope: 0.2))
            #expect(byName["average"]?.kind == .merge(.average) && byName["average"]?.inputs == ["leaky", "sloped_relu", "relu6"])
            #expect(byName["concat"]?.kind == .concatenate(axis: 2))
            #expect(byName["concat"]?.inputs == ["add", "subtract", "multiply", "average", "maximum", "minimum"])
            // The nested model's layers read what it read; its readers read its last layer.
            #expect(byName["inner_conv"]?.inputs == ["concat"] && byName["gap"]?.inputs == ["inner_bn"])
            #expect(byName["inner_bn"]?.weights.count == 4 && byName["inner"] == nil)
            #expect(model.layers.first?.name == "image" && model.outputs == ["logits"] && !model.isChain)
            #expect(model.outputShapes().last == [3])
        }
    }

    /// Keras' predictions of each file on the input `input(for:)` gives its model, one Keras start-up per input shape.
    static func kerasPredictions(of paths: [String], models: [Model], in folder: TemporaryFolder) throws -> [Tensor] {
        var predictions = [Tensor?](repeating: nil, count: paths.count)
        for (_, group) in Dictionary(grouping: paths.indices, by: { models[$0].inputShape }) {
            let results = try KerasOracle.predictions(of: group.map { paths[$0] }, on: try input(for: models[group[0]]), in: folder)
            for (index, result) in zip(group, results) { predictions[index] = result }
        }
        return predictions.compactMap { $0 }
    }

    @Test("graph fixtures: the Swift forward pass equals Keras' predict (1e-4)")
    func forward() throws {
        let folder = try TemporaryFolder()
        let models = try Self.fixtures.map { try ModelIO.load(path: Fixtures.path($0)) }
        let keras = try Self.kerasPredictions(of: Self.fixtures.map(Fixtures.path), models: models, in: folder)
        for (file, (model, prediction)) in zip(Self.fixtures, zip(models, keras)) {
            assertClose(try Network(model: model).predict(try Self.input(for: model)), prediction, atol: 1e-4, rtol: 0, file)
        }
    }

    @Test("round trip: exported as a functional model, Keras predicts the same, and it reads back equal")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let models = try Self.fixtures.map { try ModelIO.load(path: Fixtures.path($0)) }
        let paths = Self.fixtures.map { folder.file("copy-\($0)") }
        for (model, path) in zip(models, paths) {
            try ModelIO.save(model, to: path)
            let reread = try ModelIO.load(path: path)
            #expect(reread.layers == model.layers && reread.outputs == model.outputs, "\(path)")
            #expect(reread.metadata["model_class"] == "Functional")
        }
        let keras = try Self.kerasPredictions(of: paths, models: models, in: folder)
        for (path, (model, prediction)) in zip(paths, zip(models, keras)) {
            assertClose(prediction, try Network(model: model).predict(try Self.input(for: model)), atol: 1e-4, rtol: 0, path)
        }
    }

    @Test("a bilinear convolution inside a residual block is written as its stock-layer chain and folds back on the graph")
    func bilinearInGraph() throws {
        let folder = try TemporaryFolder()
        var model = try ModelIO.load(path: Fixtures.path("biresnet.h5"))
        var generator = SeededGenerator(seed: 9)
        // s2_mid: a 3x3 convolution, 32 -> 32 channels, read by a batch norm and by nothing else.
        let index = try #require(model.layerIndex(named: "s2_mid_conv"))
        let shape = BilinearShape(inputRows: 32, inputColumns: 9, outputRows: 4, outputColumns: 8)
        model.layers[index] = model.layers[index].replaced(by: LayerSpec(
            name: "s2_mid_conv", kind: .bilinearConv2D(shape, window: Window2D(height: 3, width: 3, padding: .same), activation: .linear),
            weights: [Reference.random([32, 4], using: &generator), Reference.random([9, 8], using: &generator),
                      Reference.random([4, 8], using: &generator)]))
        let input = try Self.input(for: model)
        let prediction = try Network(model: model).predict(input)
        let paths = ["h5", "keras"].map { folder.file("bilinear.\($0)") }
        for path in paths {
            try ModelIO.save(model, to: path)
            let reread = try ModelIO.load(path: path)
            #expect(reread.layers == model.layers && reread.outputs == model.outputs, "\(path)")
        }
        for (path, keras) in zip(paths, try KerasOracle.predictions(of: paths, on: input, in: folder)) {
            assertClose(keras, prediction, atol: 1e-4, rtol: 0, path)
        }
    }
}
