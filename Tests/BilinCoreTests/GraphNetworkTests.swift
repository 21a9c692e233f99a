import BilinCore
import BilinTestSupport
import Testing

@Suite("Graph networks")
struct GraphNetworkTests {
    /// input(6) → a = tanh(Dense 5) → b = tanh(Dense 5 of a), c = Dense 5 of a (fan-out) → add(b, c) →
    /// concatenate(add, a) → logits = Dense 3.
    static func residualMLP(merge: MergeOperation = .add, seed: UInt64 = 301) -> Model {
        var generator = SeededGenerator(seed: seed)
        func dense(_ name: String, _ inputs: Int, _ units: Int, _ activation: Activation, reads: [String]) -> LayerSpec {
            LayerSpec(name: name, kind: .dense(units: units, activation: activation, useBias: true),
                      weights: [Reference.random([inputs, units], using: &generator), Reference.random([units], using: &generator)],
                      inputs: reads)
        }
        return Model(name: "residual", layers: [
            LayerSpec(name: "input", kind: .input(shape: [6])),
            dense("a", 6, 5, .tanh, reads: ["input"]),
            dense("b", 5, 5, .tanh, reads: ["a"]),
            dense("c", 5, 5, .linear, reads: ["a"]),
            LayerSpec(name: "merge", kind: .merge(merge), inputs: ["b", "c"]),
            LayerSpec(name: "joined", kind: .concatenate(axis: 0), inputs: ["merge", "a"]),
            dense("logits", 10, 3, .linear, reads: ["joined"]),
        ])
    }

    @Test("a residual graph with fan-out, each merge and a concatenation computes what its layers compute in turn",
          arguments: MergeOperation.allCases)
    func forward(operation: MergeOperation) throws {
        let model = Self.residualMLP(merge: operation)
        let network = try Network(model: model)
        let x = Self.random([4, 6], seed: 302)
        func dense(_ index: Int, _ input: Tensor, _ activation: Activation) -> Tensor {
            let layer = model.layers[index]
            return ActivationLayer(name: "", activation: activation)(Reference.dense(input, kernel: layer.weights[0], bias: layer.weights[1]))
        }
        let a = dense(1, x, .tanh)
        let (b, c) = (dense(2, a, .tanh), dense(3, a, .linear))
        let merged = Tensor(shape: b.shape, scalars: zip(b.scalars, c.scalars).map { left, right in
            switch operation {
            case .add: left + right
            case .subtract: left - right
            case .multiply: left * right
            case .average: (left + right) / 2
            case .maximum: max(left, right)
            case .minimum: min(left, right)
            }
        })
        var joined: [Float] = []
        for row in 0..<4 {
            let range = (row * 5)..<(row * 5 + 5)
            joined.append(contentsOf: merged.scalars[range])
            joined.append(contentsOf: a.scalars[range])
        }
        let expected = dense(6, Tensor(shape: [4, 10], scalars: joined), .linear)
        assertClose(network.predict(x), expected, atol: 1e-5, rtol: 1e-5)
        #expect(network.steps.count == 6, "four Dense steps and two tanh; merges are nodes of their own")
    }

    @Test("gradients through fan-out, merges and a concatenation match central differences", arguments: MergeOperation.allCases)
    func gradients(operation: MergeOperation) throws {
        let network = try Network(model: Self.residualMLP(merge: operation, seed: 303))
        #expect(network.parameters.map(\.key).prefix(2) == ["a/kernel", "a/bias"])
        Self.expectTrainingGradientsMatch(network, input: Self.random([3, 6], seed: 304), outputWeights: Self.random([3, 3], seed: 305))
    }

    /// input 6×6×2 → Rescaling → ZeroPadding2D (1, 0, 2, 1) → Conv2D 3×3 /2 (4) tanh → DepthwiseConv2D 3×3 same ×2 →
    /// LeakyReLU, with a 1×1 Conv2D shortcut of the padded image, strided like the main path → Add → GAP → Dense 3.
    static func residualCNN(seed: UInt64 = 306) -> Model {
        var generator = SeededGenerator(seed: seed)
        func random(_ shape: [Int]) -> Tensor { Reference.random(shape, using: &generator) }
        return Model(name: "residual_cnn", layers: [
            LayerSpec(name: "image", kind: .input(shape: [6, 6, 2])),
            LayerSpec(name: "scaled", kind: .rescaling(scale: 0.5, offset: -0.25), inputs: ["image"]),
            LayerSpec(name: "padded", kind: .zeroPadding2D(ImagePadding(top: 1, bottom: 0, left: 2, right: 1)), inputs: ["scaled"]),
            LayerSpec(name: "conv", kind: .conv2D(filters: 4, window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2),
                                                  activation: .tanh, useBias: true),
                      weights: [random([3, 3, 2, 4]), random([4])], inputs: ["padded"]),
            LayerSpec(name: "depthwise", kind: .depthwiseConv2D(multiplier: 2, window: Window2D(height: 3, width: 3, padding: .same),
                                                                activation: .linear, useBias: true),
                      weights: [random([3, 3, 4, 2]), random([8])], inputs: ["conv"]),
            LayerSpec(name: "leaky", kind: .leakyReLU(negativeSlope: 0.1), inputs: ["depthwise"]),
            LayerSpec(name: "shortcut", kind: .conv2D(filters: 8, window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2),
                                                      activation: .linear, useBias: false),
                      weights: [random([3, 3, 2, 8])], inputs: ["padded"]),
            LayerSpec(name: "sum", kind: .merge(.add), inputs: ["leaky", "shortcut"]),
            LayerSpec(name: "pool", kind: .globalAveragePooling2D, inputs: ["sum"]),
            LayerSpec(name: "logits", kind: .dense(units: 3, activation: .softmax, useBias: true), weights: [random([8, 3]), random([3])],
                      inputs: ["pool"]),
        ])
    }

    @Test("a residual CNN with padding, depthwise convolution, rescaling and leaky ReLU: shapes, and gradients against central differences")
    func residualCNNGradients() throws {
        let model = Self.residualCNN()
        let shapes = model.outputShapes()
        #expect(shapes[2] == [7, 9, 2])
        #expect(shapes[3] == [3, 4, 4])
        #expect(shapes[4] == [3, 4, 8])
        #expect(shapes[7] == [3, 4, 8])
        let network = try Network(model: model)
        #expect(network.outputActivation == .softmax)
        Self.expectTrainingGradientsMatch(network, input: Self.random([2, 72], seed: 307), outputWeights: Self.random([2, 3], seed: 308))
    }

    /// One training pass: its logits equal inference, and its parameter gradients match central differences.
    static func expectTrainingGradientsMatch(_ network: Network, input x: Tensor, outputWeights weights: Tensor) {
        var generator = SeededGenerator(seed: 0)
        let (logits, backward) = network.forwardForTraining(x, generator: &generator)
        assertClose(logits, network.logits(x), atol: 1e-6, rtol: 0)
        backward(weights)
        NetworkTests().expectGradientsMatchCentralDifferences(network, x, weights)
    }

    @Test("DepthwiseConv2D's input and kernel gradients match central differences")
    func depthwiseLayerGradients() {
        var generator = SeededGenerator(seed: 309)
        let layer = DepthwiseConv2D(name: "dw", inputShape: [5, 4, 3], kernel: Reference.random([3, 2, 3, 2], using: &generator),
                                    bias: Reference.random([6], using: &generator),
                                    window: Window2D(height: 3, width: 2, strideHeight: 2, strideWidth: 1, padding: .same))
        for comparison in GradientCheck.check(layer: layer, input: Reference.random([2, 60], using: &generator)) {
            assertClose(comparison.analytic, comparison.numeric, atol: 1e-3, rtol: 5e-3, comparison.name)
        }
    }

    @Test("a graph that reads its own output, a later node or a missing one is refused, naming the node")
    func badGraphs() {
        let input = LayerSpec(name: "input", kind: .input(shape: [4]))
        let relu = LayerSpec(name: "relu", kind: .activation(.relu), inputs: ["relu"])
        #expect(throws: BilinError("node 'relu' reads its own output (a cycle)")) {
            try Model(name: "m", layers: [input, relu]).checkGraph()
        }
        #expect(throws: BilinError("node 'relu' reads its own output (a cycle)")) { try Model.topologicallyOrdered([input, relu]) }
        let first = LayerSpec(name: "first", kind: .activation(.relu), inputs: ["second"])
        let second = LayerSpec(name: "second", kind: .activation(.tanh), inputs: ["first"])
        #expect(throws: BilinError("node 'first' reads 'second', which is computed after it (a cycle)")) {
            try Model(name: "m", layers: [input, first, second]).checkGraph()
        }
        #expect(throws: BilinError("node 'first' is on a cycle: it depends on its own output")) {
            try Model.topologicallyOrdered([input, first, second])
        }
        let dangling = LayerSpec(name: "sum", kind: .merge(.add), inputs: ["input", "nowhere"])
        #expect(throws: BilinError("node 'sum' reads 'nowhere', which no node writes")) {
            try Model(name: "m", layers: [input, dangling]).checkGraph()
        }
        #expect(throws: BilinError("node 'sum' reads 'nowhere', which no node writes")) { try Model.topologicallyOrdered([input, dangling]) }
        let lonely = LayerSpec(name: "sum", kind: .merge(.add), inputs: ["input"])
        #expect(throws: BilinError("node 'sum' (Add) has 1 input; it needs two or more")) {
            try Model(name: "m", layers: [input, lonely]).checkGraph()
        }
        let mismatched = Model(name: "m", layers: [
            input, LayerSpec(name: "wide", kind: .dense(units: 3, activation: .linear, useBias: false), weights: [Tensor(shape: [4, 3])]),
            LayerSpec(name: "sum", kind: .merge(.add), inputs: ["input", "wide"]),
        ])
        #expect(throws: BilinError("layer 'sum' (Add) merges inputs of shapes 4 and 3; they must agree")) { try Network(model: mismatched) }
    }

    @Test("topological ordering keeps the file's order where it can and puts readers after what they read")
    func ordering() throws {
        let layers = [
            LayerSpec(name: "sum", kind: .merge(.add), inputs: ["left", "right"]),
            LayerSpec(name: "right", kind: .activation(.tanh), inputs: ["input"]),
            LayerSpec(name: "input", kind: .input(shape: [4])),
            LayerSpec(name: "left", kind: .activation(.relu), inputs: ["input"]),
        ]
        #expect(try Model.topologicallyOrdered(layers).map(\.name) == ["input", "right", "left", "sum"])
        // A long cycle is found in one pass over the nodes.
        let count = 200_000
        let ring = (0..<count).map { LayerSpec(name: "n\($0)", kind: .activation(.relu), inputs: ["n\(($0 + 1) % count)"]) }
        #expect(throws: BilinError("node 'n0' is on a cycle: it depends on its own output")) { try Model.topologicallyOrdered(ring) }
    }

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Reference.random(shape, using: &generator)
    }

    @Test("a Dense layer after an opaque layer takes its input width from its kernel")
    func denseAfterOpaque() {
        let model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [8])),
            LayerSpec(name: "mystery", kind: .opaque(className: "Mystery", config: "{}")),
            LayerSpec(name: "dense", kind: .dense(units: 3, activation: .relu, useBias: false), weights: [Tensor(shape: [8, 3])]),
        ])
        #expect(model.outputShapes()[2] == [3])
    }
}
