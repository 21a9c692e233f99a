import BilinCore
import BilinFormats
import BilinTestSupport
import Testing

/// Imports of the real Keras files in fixtures/ (made by fixtures/make_fixtures.py and make_keras2_fixture.py).
/// Expected first values and sums were read with h5py, following each layer's weight_names:
///   [str(v) for v in np.array(f["model_weights"][layer][name]).reshape(-1)[:2]], and .astype(np.float64).sum()
@Suite("KerasH5Importer")
struct KerasH5ImporterTests {
    @Test("tiny_mlp.h5: Keras 3 Sequential, weights at model_weights/<layer>/<model>/<layer>/kernel")
    func tinyMLP() throws {
        let model = try KerasH5Importer.importModel(from: Fixtures.path("tiny_mlp.h5"))
        #expect(model.name == "tiny_mlp")
        #expect(model.layers.map(\.name) == ["pixels", "dense_1", "dense_2", "logits"])
        #expect(model.layers.map(\.kind) == [
            .input(shape: [784]), .dense(units: 96, activation: .relu, useBias: true),
            .dense(units: 64, activation: .relu, useBias: true), .dense(units: 10, activation: .softmax, useBias: true),
        ])
        #expect(model.layers.map { $0.weights.map(\.shape) } == [[], [[784, 96], [96]], [[96, 64], [64]], [[64, 10], [10]]])
        #expect(Array(model.layers[1].weights[0].scalars.prefix(2)) == [0.035606157, -0.031806577])
        #expect(abs(sum(model.layers[1].weights[0]) - -42.939676410691845) < 1e-3)
        #expect(Array(model.layers[3].weights[1].scalars.prefix(2)) == [0.0031258557, -0.0724311])
        #expect(model.metadata == ["format": "keras-h5", "keras_version": "3.15.1", "backend": "jax", "model_class": "Sequential"])
    }

    @Test("fmnist_mlp.h5: weights at model_weights/<layer>/<layer>/kernel")
    func fashionMNISTMLP() throws {
        let model = try KerasH5Importer.importModel(from: Fixtures.path("fmnist_mlp.h5"))
        #expect(model.layers.map { $0.weights.map(\.shape) } == [[], [[784, 1024], [1024]], [[1024, 1024], [1024]], [[1024, 10], [10]]])
        #expect(Array(model.layers[2].weights[0].scalars.prefix(2)) == [-0.011489423, 0.04546251])
        #expect(abs(sum(model.layers[2].weights[0]) - -2147.413534896592) < 1e-1)
    }

    @Test("tiny_functional.h5: a functional chain with Flatten, Dropout and Activation layers")
    func functional() throws {
        let model = try KerasH5Importer.importModel(from: Fixtures.path("tiny_functional.h5"))
        #expect(model.layers.map(\.name) == ["image", "flatten", "dense_1", "dropout", "dense_2", "tanh", "logits", "softmax"])
        #expect(model.layers.map(\.kind) == [
            .input(shape: [28, 28]), .flatten, .dense(units: 96, activation: .gelu, useBias: true), .dropout(rate: 0.1),
            .dense(units: 64, activation: .linear, useBias: true), .activation(.tanh),
            .dense(units: 10, activation: .linear, useBias: true), .activation(.softmax),
        ])
        #expect(Array(model.layers[6].weights[0].scalars.prefix(2)) == [0.24201423, 0.23127373])
        #expect(model.metadata["model_class"] == "Functional")
    }

    @Test("tiny_opaque.h5: LayerNormalization is carried verbatim with its weights")
    func opaque() throws {
        let model = try KerasH5Importer.importModel(from: Fixtures.path("tiny_opaque.h5"))
        let layer = try #require(model.layers.first { $0.name == "layer_norm" })
        guard case .opaque(let className, let config) = layer.kind else {
            Issue.record("layer_norm is \(layer.kind)")
            return
        }
        #expect(className == "LayerNormalization")
        #expect(config.hasPrefix(#"{"class_name": "LayerNormalization", "config": {"name": "layer_norm", "trainable": true"#))
        #expect(config.contains(#""epsilon": 0.001"#) && config.hasSuffix("}}"))
        #expect(layer.weights.map(\.shape) == [[96], [96]])
        #expect(Array(layer.weights[0].scalars.prefix(2)) == [1.0643903, 1.025923])
        #expect(model.outputShapes().last == [10])
    }

    @Test("Keras 2 files (fixed-length and variable-length strings, ':0' names) hold tiny_mlp.h5's model",
          arguments: ["tiny_keras2.h5", "tiny_keras2_vlen.h5"])
    func keras2(file: String) throws {
        let keras2 = try KerasH5Importer.importModel(from: Fixtures.path(file))
        let keras3 = try KerasH5Importer.importModel(from: Fixtures.path("tiny_mlp.h5"))
        #expect(keras2.layers == keras3.layers)
        #expect(keras2.name == "tiny_mlp")
        #expect(keras2.metadata == ["format": "keras-h5", "keras_version": "2.15.0", "backend": "tensorflow", "model_class": "Sequential"])
    }

    private func sum(_ tensor: Tensor) -> Double { tensor.scalars.reduce(0) { $0 + Double($1) } }
}
