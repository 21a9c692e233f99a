@testable import BilinFormats
import Testing

@Suite("KerasArchiveLayout")
struct KerasArchiveLayoutTests {
    /// Expected names from Keras 3.15: keras.src.utils.naming.to_snake_case(name).
    @Test("class names become Keras' snake_case", arguments: [
        ("Dense", "dense"), ("EinsumDense", "einsum_dense"), ("LayerNormalization", "layer_normalization"),
        ("Conv2D", "conv2d"), ("ReLU", "re_lu"), ("PReLU", "p_re_lu"), ("InputLayer", "input_layer"),
    ])
    func snakeCase(className: String, expected: String) {
        #expect(KerasArchiveLayout.snakeCase(className) == expected)
    }

    @Test("repeated class names get _1, _2, … in model.layers order")
    func uniquePaths() {
        #expect(KerasArchiveLayout.layerPaths(classNames: ["Dense", "Reshape", "Dense", "Reshape", "Dense"])
            == ["layers/dense", "layers/reshape", "layers/dense_1", "layers/reshape_1", "layers/dense_2"])
    }
}
