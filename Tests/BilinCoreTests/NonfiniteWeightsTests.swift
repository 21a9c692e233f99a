import BilinCore
import BilinTestSupport
import Testing

@Suite("non-finite weights")
struct NonfiniteWeightsTests {
    @Test("names each weight holding NaN or infinities, with its count, in layer order")
    func found() {
        var model = TestModels.mlp(sizes: [4, 6, 3], activations: [.relu, .softmax], seed: 1)
        #expect(model.nonfiniteWeights() == [])
        model.layers[2].weights[1].scalars[2] = .nan
        model.layers[1].weights[0].scalars[0] = .infinity
        model.layers[1].weights[0].scalars[5] = -.infinity
        model.layers[1].weights[0].scalars[7] = .nan
        model.layers.append(LayerSpec(name: "norm", kind: .opaque(className: "LayerNormalization", config: "{}"),
                                      weights: [Tensor(shape: [3]), Tensor(shape: [3], scalars: [0, .nan, 0])]))
        #expect(model.nonfiniteWeights().map(\.description) == [
            "layer 'dense1' (Dense): kernel holds 3 NaN or infinite values",
            "layer 'dense2' (Dense): bias holds 1 NaN or infinite value",
            "layer 'norm' (LayerNormalization): weight 1 holds 1 NaN or infinite value",
        ])
        #expect(model.nonfiniteWeights().map { [$0.layerIndex, $0.weightIndex] } == [[1, 0], [2, 1], [3, 1]])
    }
}
