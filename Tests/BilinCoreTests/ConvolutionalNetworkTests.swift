import BilinCore
import BilinTestSupport
import Testing

@Suite("Convolutional networks")
struct ConvolutionalNetworkTests {
    static func conv(_ name: String, _ input: Int, _ filters: Int, _ window: Window2D, _ activation: Activation, using generator: inout SeededGenerator) -> LayerSpec {
        let fanIn = window.patchSize(channels: input)
        let kernel = Tensor.glorotUniform(shape: [window.height, window.width, input, filters], fanIn: fanIn, fanOut: filters, using: &generator)
        return LayerSpec(name: name, kind: .conv2D(filters: filters, window: window, activation: activation, useBias: true),
                         weights: [kernel, Reference.random([filters], in: -0.1...0.1, using: &generator)])
    }

    static func dense(_ name: String, _ input: Int, _ units: Int, _ activation: Activation, using generator: inout SeededGenerator) -> LayerSpec {
        LayerSpec(name: name, kind: .dense(units: units, activation: activation, useBias: true),
                  weights: [Tensor.glorotUniform(shape: [input, units], fanIn: input, fanOut: units, using: &generator),
                            Reference.random([units], in: -0.1...0.1, using: &generator)])
    }

    /// 8×8×1 → Conv 4 3×3 same relu → BatchNorm → MaxPool 2 → Conv 6 3×3 valid relu → Flatten (2·2·6 = 24) → Dense 3 softmax.
    static func cnn(seed: UInt64 = 700, activation: Activation = .relu, pooling: PoolingKind = .max) -> Model {
        var generator = SeededGenerator(seed: seed)
        return Model(name: "cnn", layers: [
            LayerSpec(name: "input", kind: .input(shape: [8, 8, 1])),
            conv("conv1", 1, 4, Window2D(height: 3, width: 3, padding: .same), activation, using: &generator),
            LayerSpec(name: "bn", kind: .batchNormalization(epsilon: 1e-3, momentum: 0.9),
                      weights: [Tensor(shape: [4], repeating: 1), Tensor(shape: [4]), Tensor(shape: [4]), Tensor(shape: [4], repeating: 1)]),
            LayerSpec(name: "pool", kind: .pooling2D(pooling, window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2))),
            conv("conv2", 4, 6, Window2D(height: 3, width: 3), activation, using: &generator),
            LayerSpec(name: "flatten", kind: .flatten),
            dense("dense", 24, 3, .softmax, using: &generator),
        ])
    }

    /// 8×8 images of three classes: a bright 3×3 square at the top left, the top right or the bottom middle, at a
    /// jittered place, over noise.
    static func squares(count: Int, seed: UInt64) -> LabelledSplit {
        var generator = SeededGenerator(seed: seed)
        var images = Reference.random([count, 64], in: 0...0.3, using: &generator)
        var labels: [Int32] = []
        for example in 0..<count {
            let label = example % 3
            let (top, left) = [(0, 0), (0, 4), (4, 2)][label]
            let (row, column) = (top + Int(generator.next() % 2), left + Int(generator.next() % 2))
            for i in 0..<3 { for j in 0..<3 { images.scalars[example * 64 + (row + i) * 8 + column + j] += 1 } }
            labels.append(Int32(label))
        }
        return LabelledSplit(images: images, labels: labels)
    }

    static let data = Dataset(train: squares(count: 192, seed: 701), test: squares(count: 96, seed: 702))

    @Test("Network(model:) builds conv, activation, batch-norm, pooling and dense steps; forward equals the layers in turn")
    func steps() throws {
        let model = Self.cnn()
        let network = try Network(model: model)
        #expect(network.steps.map { String(describing: type(of: $0)) }
            == ["Conv2D", "ActivationLayer", "BatchNormalization", "Pooling2D", "Conv2D", "ActivationLayer", "Dense"])
        #expect(network.outputActivation == .softmax)
        var generator = SeededGenerator(seed: 703)
        let x = Reference.random([2, 64], using: &generator)
        let relu = { (t: Tensor) in Tensor(shape: t.shape, scalars: t.scalars.map { max($0, 0) }) }
        var h = relu(SpatialReference.conv2D(x, shape: [8, 8, 1], kernel: model.layers[1].weights[0], bias: model.layers[1].weights[1],
                                             window: Window2D(height: 3, width: 3, padding: .same)))
        h = Tensor(shape: h.shape, scalars: h.scalars.map { $0 / (1 + 1e-3).squareRoot() })  // moving mean 0, variance 1
        h = SpatialReference.pooling(h, shape: [8, 8, 4], kind: .max, window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2))
        h = relu(SpatialReference.conv2D(h, shape: [4, 4, 4], kernel: model.layers[4].weights[0], bias: model.layers[4].weights[1],
                                         window: Window2D(height: 3, width: 3)))
        assertClose(network.logits(x), Reference.dense(h, kernel: model.layers[6].weights[0], bias: model.layers[6].weights[1]),
                    atol: 1e-5, rtol: 1e-4)
    }

    @Test("whole-network gradients through conv, batch norm, pooling and dense match central differences")
    func networkGradients() throws {
        // Smooth activations and average pooling: no kink or changing maximum between the probes.
        let network = try Network(model: Self.cnn(seed: 704, activation: .tanh, pooling: .average))
        var generator = SeededGenerator(seed: 705)
        let x = Reference.random([2, 64], using: &generator)
        let weights = Reference.random([2, 3], using: &generator)
        func loss() -> Double {
            var probe = SeededGenerator(seed: 0)
            return GradientCheck.weightedSum(network.forwardForTraining(x, generator: &probe).logits, weights)
        }
        var probe = SeededGenerator(seed: 0)
        network.forwardForTraining(x, generator: &probe).backward(weights)
        for parameter in network.parameters {
            let (analytic, original) = (parameter.gradient, parameter.value)
            let numeric = GradientCheck.numericGradient(of: original, step: 1e-3) { perturbed in
                parameter.value = perturbed
                return loss()
            }
            parameter.value = original
            assertClose(analytic, numeric, atol: 5e-3, rtol: 5e-3, "gradient of \(parameter.key)")
        }
    }

    @Test("a small CNN's loss falls and its test accuracy rises over a few epochs")
    func learns() throws {
        let network = try Network(model: Self.cnn())
        let options = TrainingOptions(epochs: 4, batchSize: 32, optimizer: .adam, learningRate: 0.01, schedule: .constant, seed: 706)
        let records = Trainer(options: options).fineTune(network, on: Self.data)
        let losses = records.dropFirst().compactMap(\.loss)
        #expect(losses.last! < 0.5 * losses.first!, "losses \(losses)")
        #expect(records.last!.testAccuracy > 0.9, "records \(records)")
    }

    @Test("training moves the batch-norm statistics; write(into:) puts them into the model's weights 2 and 3")
    func writesStatistics() throws {
        var model = Self.cnn()
        let network = try Network(model: model)
        let options = TrainingOptions(epochs: 1, batchSize: 32, optimizer: .adam, learningRate: 0.01, seed: 707)
        _ = Trainer(options: options).fineTune(network, on: Self.data)
        let bn = try #require(network.steps.compactMap { $0 as? BatchNormalization }.first)
        #expect(bn.movingMean.value != Tensor(shape: [4]))
        network.write(into: &model)
        #expect(model.layers[2].weights == [bn.gamma.value, bn.beta.value, bn.movingMean.value, bn.movingVariance.value])
        #expect(network.variables.map(\.key).suffix(2) == ["bn/moving_mean", "bn/moving_variance"])
        #expect(!network.parameters.contains { $0.key.hasPrefix("bn/moving") })
    }

    @Test("stopped after an epoch and resumed, a CNN with batch norm ends with bit for bit the same parameters and statistics")
    func resumeKeepsStatistics() throws {
        struct Stop: Error {}
        let options = TrainingOptions(epochs: 3, batchSize: 32, optimizer: .adam, learningRate: 0.01, schedule: .cosine, seed: 708)
        let uninterrupted = try Network(model: Self.cnn())
        _ = Trainer(options: options).fineTune(uninterrupted, on: Self.data)

        var saved: TrainingState?
        do {
            _ = try Trainer(options: options).fineTune(try Network(model: Self.cnn()), on: Self.data, resumingFrom: nil, epochSaved: { state in
                saved = state
                throw Stop()
            })
        } catch is Stop {}
        let state = try #require(saved)
        #expect(state.parameters["bn/moving_variance"] != nil)
        let resumed = try Network(model: Self.cnn())
        #expect(state.mismatch(parameters: resumed.variables, optimizer: .adam, examples: Self.data.train.count, epochs: 3) == nil)
        _ = try Trainer(options: options).fineTune(resumed, on: Self.data, resumingFrom: state, epochSaved: { _ in })
        let bits = { (network: Network) in network.variables.map { $0.value.scalars.map(\.bitPattern) } }
        #expect(bits(resumed) == bits(uninterrupted))
        #expect(resumed.variables.map(\.key) == uninterrupted.variables.map(\.key))
    }

    @Test("a channels-first model reads (C, H, W) input and flattens in C, H, W order: it equals its channels-last twin")
    func channelsFirst() throws {
        // 4×5×3 → Conv 2 3×3 same → Flatten (4·5·2 = 40) → Dense 3.
        var generator = SeededGenerator(seed: 710)
        let window = Window2D(height: 3, width: 3, padding: .same)
        let conv = Self.conv("conv", 3, 2, window, .relu, using: &generator)
        let last = Self.dense("dense", 40, 3, .linear, using: &generator)
        let channelsLast = Model(name: "last", layers: [
            LayerSpec(name: "input", kind: .input(shape: [4, 5, 3])), conv, LayerSpec(name: "flatten", kind: .flatten), last,
        ])
        // The channels-first twin: its dense rows are in (c, h, w) order, its input arrives as (C, H, W).
        var first = channelsLast
        first.dataLayout = .channelsFirst
        var kernel = last.weights[0]
        for h in 0..<4 { for w in 0..<5 { for c in 0..<2 { for unit in 0..<3 {
            kernel.scalars[((c * 4 + h) * 5 + w) * 3 + unit] = last.weights[0].scalars[((h * 5 + w) * 2 + c) * 3 + unit]
        } } } }
        first.layers[3].weights[0] = kernel
        let x = Reference.random([2, 60], using: &generator)  // channels-last (H, W, C)
        var xFirst = x
        for b in 0..<2 { for h in 0..<4 { for w in 0..<5 { for c in 0..<3 {
            xFirst.scalars[b * 60 + (c * 4 + h) * 5 + w] = x.scalars[b * 60 + (h * 5 + w) * 3 + c]
        } } } }
        let network = try Network(model: first)
        #expect(network.steps.filter { $0 is ExampleTranspose }.count == 2)
        assertClose(network.predict(xFirst), try Network(model: channelsLast).predict(x), atol: 1e-5, rtol: 1e-5)
    }

    @Test("in a channels-first model a Reshape of an image to a vector flattens in C, H, W order; to another shape it is a named error")
    func channelsFirstReshape() throws {
        var generator = SeededGenerator(seed: 714)
        var model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [2, 3, 2])), LayerSpec(name: "reshape", kind: .reshape(targetShape: [12])),
            Self.dense("dense", 12, 2, .linear, using: &generator),
        ])
        model.dataLayout = .channelsFirst
        let x = Reference.random([2, 12], using: &generator)
        // Input (C, H, W) → (H, W, C) → back to (C, H, W): the dense layer reads the input as it came.
        assertClose(try Network(model: model).predict(x), Reference.dense(x, kernel: model.layers[2].weights[0], bias: model.layers[2].weights[1]),
                    atol: 1e-6, rtol: 1e-5)
        #expect(try Network(model: model).steps.filter { $0 is ExampleTranspose }.count == 2)
        model.layers[1].kind = .reshape(targetShape: [6, 2])
        model.layers[2] = LayerSpec(name: "flatten", kind: .flatten)
        #expect(throws: BilinError("layer 'reshape' (Reshape) reshapes a channels-first 2×3×2 image to 6×2; only flattening it can be run")) {
            try Network(model: model)
        }
    }

    @Test("a channels-first model with one input channel, or a 1×1 image at the flatten, needs no permutation")
    func channelsFirstIdentities() throws {
        var generator = SeededGenerator(seed: 711)
        var model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [3, 3, 1])),
            Self.conv("conv", 1, 4, Window2D(height: 3, width: 3), .relu, using: &generator),  // → 1×1×4
            LayerSpec(name: "flatten", kind: .flatten), Self.dense("dense", 4, 2, .linear, using: &generator),
        ])
        model.dataLayout = .channelsFirst
        #expect(try Network(model: model).steps.allSatisfy { !($0 is ExampleTranspose) })
    }

    @Test("ExampleTranspose transposes each example and back-propagates the transpose")
    func exampleTranspose() {
        var generator = SeededGenerator(seed: 712)
        let x = Reference.random([3, 12], using: &generator)
        let layer = ExampleTranspose(name: "t", rows: 3, columns: 4)
        var expected = x
        for b in 0..<3 { for r in 0..<3 { for c in 0..<4 { expected.scalars[b * 12 + c * 3 + r] = x.scalars[b * 12 + r * 4 + c] } } }
        #expect(layer(x) == expected)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-4, rtol: 1e-4, expectedNames: ["input"])
    }

    @Test("spatial layers on a flat input, and weights that do not fit the input, are named errors")
    func errors() {
        var generator = SeededGenerator(seed: 713)
        let conv = Self.conv("conv", 3, 2, Window2D(height: 3, width: 3), .relu, using: &generator)
        #expect(throws: BilinError("layer 'conv' (Conv2D) acts on a 48 input; only height×width×channels inputs can be run")) {
            try Network(model: Model(name: "m", layers: [LayerSpec(name: "input", kind: .input(shape: [48])), conv]))
        }
        #expect(throws: BilinError("layer 'conv' (Conv2D) weight 0 has shape 3×3×3×2; its input needs 3×3×2×2")) {
            try Network(model: Model(name: "m", layers: [LayerSpec(name: "input", kind: .input(shape: [4, 4, 2])), conv]))
        }
        let pool = LayerSpec(name: "pool", kind: .pooling2D(.average, window: Window2D(height: 2, width: 2)))
        #expect(throws: BilinError("layer 'pool' (AveragePooling2D) acts on a 4×4 input; only height×width×channels inputs can be run")) {
            try Network(model: Model(name: "m", layers: [LayerSpec(name: "input", kind: .input(shape: [4, 4])), pool]))
        }
    }
}
