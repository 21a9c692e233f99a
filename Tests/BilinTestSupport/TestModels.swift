import BilinCore

/// Small models built by hand for tests.
public enum TestModels {
    /// `input [sizes[0]] → dense1 … denseN`, Dense layers with the given activations, Glorot-like random kernels
    /// and biases uniform in `biasRange`. Layers are named `input`, `dense1`, `dense2`, …
    public static func mlp(
        sizes: [Int], activations: [Activation], seed: UInt64, biasRange: ClosedRange<Float> = -0.2...0.4
    ) -> Model {
        precondition(activations.count == sizes.count - 1)
        var generator = SeededGenerator(seed: seed)
        var layers = [LayerSpec(name: "input", kind: .input(shape: [sizes[0]]))]
        for index in 1..<sizes.count {
            let (fanIn, fanOut) = (sizes[index - 1], sizes[index])
            let limit = (6 / Float(fanIn + fanOut)).squareRoot() * 1.5
            let kernel = Reference.random([fanIn, fanOut], in: -limit...limit, using: &generator)
            let bias = Reference.random([fanOut], in: biasRange, using: &generator)
            layers.append(LayerSpec(
                name: "dense\(index)", kind: .dense(units: fanOut, activation: activations[index - 1], useBias: true),
                weights: [kernel, bias]))
        }
        return Model(name: "mlp", layers: layers)
    }

    /// The Dense layers of a model as `(kernel, bias, activation)`, in order.
    public static func denseLayers(_ model: Model) -> [(kernel: Tensor, bias: Tensor, activation: Activation)] {
        model.layers.compactMap { layer in
            guard case .dense(_, let activation, _) = layer.kind else { return nil }
            return (layer.weights[0], layer.weights[1], activation)
        }
    }

    /// A chain of dense layers run by explicit loops in Double, softmax row-wise.
    public static func referenceForward(_ x: Tensor, _ layers: [(kernel: Tensor, bias: Tensor, activation: Activation)]) -> Tensor {
        var h = x
        for layer in layers {
            h = Reference.dense(h, kernel: layer.kernel, bias: layer.bias)
            if layer.activation == .softmax {
                h = Tensor(shape: h.shape, scalars: Reference.softmaxRows(h).flatMap { $0.map(Float.init) })
            } else {
                h = Tensor(shape: h.shape, scalars: h.scalars.map { Float(Reference.activation(layer.activation, Double($0))) })
            }
        }
        return h
    }

    /// A labelled synthetic problem: `classes` Gaussian blobs in `features` dimensions, well separated.
    public static func blobs(
        count: Int, features: Int, classes: Int, seed: UInt64, centerSeed: UInt64 = 4242, noise: Float = 0.6
    ) -> LabelledSplit {
        var centerGenerator = SeededGenerator(seed: centerSeed)
        let centers = Reference.random([classes, features], in: -1.5...1.5, using: &centerGenerator)
        var generator = SeededGenerator(seed: seed)
        var scalars: [Float] = []
        var labels: [Int32] = []
        for index in 0..<count {
            let label = index % classes
            for feature in 0..<features {
                // Sum of uniforms: roughly Gaussian noise.
                let u = (0..<4).reduce(Float(0)) { sum, _ in sum + generator.nextUnitFloat() } - 2
                scalars.append(centers[label, feature] + noise * u)
            }
            labels.append(Int32(label))
        }
        return LabelledSplit(images: Tensor(shape: [count, features], scalars: scalars), labels: labels)
    }
}
