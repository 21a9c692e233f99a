import BilinCore
import BilinTestSupport
import Testing

@Suite("Network")
struct NetworkTests {
    @Test("an opaque layer makes Network(model:) throw the exact message")
    func opaqueThrows() {
        let model = ConversionPlanTests.layerNormModel()
        #expect(throws: BilinError(
            "layer 'ln' (LayerNormalization) cannot be run by this tool; training and evaluation support Dense, BilinearProjection, Conv2D, DepthwiseConv2D, BilinearConv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, ZeroPadding2D, BatchNormalization, Activation, ReLU, LeakyReLU, Rescaling, Dropout, Flatten, Reshape, Add, Subtract, Multiply, Average, Maximum, Minimum and Concatenate"
        )) {
            try Network(model: model)
        }
    }

    @Test("a Dense layer on a non-flat input throws the exact message; a Flatten before it runs")
    func nonFlatInput() throws {
        var generator = SeededGenerator(seed: 121)
        let dense = LayerSpec(name: "d", kind: .dense(units: 5, activation: .linear, useBias: true),
                              weights: [Reference.random([12, 5], using: &generator), Reference.random([5], using: &generator)])
        let model = Model(name: "m", layers: [LayerSpec(name: "input", kind: .input(shape: [3, 4])), dense])
        #expect(throws: BilinError("layer 'd' (Dense) acts on a 3×4 input; only flat inputs can be run")) {
            try Network(model: model)
        }
        let flattened = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [3, 4])), LayerSpec(name: "flat", kind: .flatten), dense,
        ])
        let network = try Network(model: flattened)
        let x = Reference.random([2, 12], using: &generator)
        assertClose(network.predict(x), Reference.dense(x, kernel: dense.weights[0], bias: dense.weights[1]), atol: 1e-6, rtol: 1e-5)
    }

    @Test("a final softmax is split off: predict = softmax(logits), logits = the chain before it")
    func finalSoftmaxSplit() throws {
        let model = briefModel()
        let network = try Network(model: model)
        #expect(network.outputActivation == .softmax)
        #expect(network.steps.count == 5)  // Dense, relu, Dense, relu, Dense
        #expect(network.steps.last is Dense)
        let x = randomInputs(6, 12, seed: 122)
        let dense = TestModels.denseLayers(model)
        let logits = network.logits(x)
        assertClose(logits, TestModels.referenceForward(x, [dense[0], dense[1], (dense[2].kernel, dense[2].bias, .linear)]),
                    atol: 1e-5, rtol: 1e-4)
        let softmax = Reference.softmaxRows(logits)
        assertClose(network.predict(x).scalars.map(Double.init), softmax.flatMap { $0 }, shape: [6, 3], atol: 1e-6, rtol: 1e-5)
        assertClose(network.predict(x), TestModels.referenceForward(x, dense), atol: 1e-5, rtol: 1e-4)
    }

    @Test("a final sigmoid is split off; a final relu is not")
    func otherFinalActivations() throws {
        let sigmoid = try Network(model: TestModels.mlp(sizes: [4, 3], activations: [.sigmoid], seed: 123))
        #expect(sigmoid.outputActivation == .sigmoid)
        let relu = try Network(model: TestModels.mlp(sizes: [4, 3], activations: [.relu], seed: 123))
        #expect(relu.outputActivation == nil)
        #expect(relu.steps.count == 2)
    }

    @Test("whole-network gradients with a softmax in the middle match central differences")
    func networkGradients() throws {
        var generator = SeededGenerator(seed: 124)
        let model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [4])),
            LayerSpec(name: "a", kind: .dense(units: 5, activation: .tanh, useBias: true),
                      weights: [Reference.random([4, 5], using: &generator), Reference.random([5], using: &generator)]),
            LayerSpec(name: "soft", kind: .activation(.softmax)),
            LayerSpec(name: "b", kind: .dense(units: 3, activation: .linear, useBias: false),
                      weights: [Reference.random([5, 3], in: -3...3, using: &generator)]),
        ])
        let network = try Network(model: model)
        #expect(network.outputActivation == nil)
        let x = Reference.random([3, 4], using: &generator)
        let weights = Reference.random([3, 3], using: &generator)
        var trainingGenerator = SeededGenerator(seed: 0)
        let (logits, backward) = network.forwardForTraining(x, generator: &trainingGenerator)
        assertClose(logits, network.logits(x), atol: 1e-6, rtol: 0)
        backward(weights)
        #expect(network.parameters.map(\.key) == ["a/kernel", "a/bias", "b/kernel"])
        expectGradientsMatchCentralDifferences(network, x, weights)
    }

    @Test("a converted network's gradients (bilinear, widened) match central differences")
    func convertedNetworkGradients() throws {
        let model = briefModel(activations: [.tanh, .tanh, .softmax])
        let converted = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["dense2"], initialization: .nkp))
        let network = try Network(model: converted.model)
        let x = randomInputs(3, 12, seed: 125)
        var generator = SeededGenerator(seed: 126)
        let weights = Reference.random([3, 3], using: &generator)
        var trainingGenerator = SeededGenerator(seed: 0)
        network.forwardForTraining(x, generator: &trainingGenerator).backward(weights)
        expectGradientsMatchCentralDifferences(network, x, weights, nonzero: false)
    }

    @Test("the first layer with weights skips its input gradient and writes the same parameter gradients (Dense, BilinearProjection, BilinearConv2D)")
    func firstLayerSkipsInputGradient() {
        var generator = SeededGenerator(seed: 127)
        let shape = BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 2, outputColumns: 5)
        let bilinearWeights = (u: Reference.random([3, 2], using: &generator), v: Reference.random([4, 5], using: &generator),
                               bias: Reference.random([2, 5], using: &generator))
        let patchShape = BilinearShape(inputRows: 3, inputColumns: 3, outputRows: 2, outputColumns: 2)  // 1 channel, 3×3 window
        let convWeights = (u: Reference.random([3, 2], using: &generator), v: Reference.random([3, 2], using: &generator),
                           bias: Reference.random([2, 2], using: &generator))
        let layers: [(Layer, Tensor)] = [
            (Dense(name: "d", kernel: Reference.random([12, 5], using: &generator), bias: Reference.random([5], using: &generator)),
             Reference.random([4, 12], using: &generator)),
            (BilinearProjection(name: "b", shape: shape, u: bilinearWeights.u, v: bilinearWeights.v, bias: bilinearWeights.bias),
             Reference.random([4, 12], using: &generator)),
            (BilinearConv2D(name: "c", inputShape: [5, 6, 1], shape: patchShape, window: Window2D(height: 3, width: 3),
                            u: convWeights.u, v: convWeights.v, bias: convWeights.bias),
             Reference.random([2, 30], using: &generator)),
        ]
        for (layer, x) in layers {
            var trainingGenerator = SeededGenerator(seed: 0)
            let (output, backward) = layer.forwardForTraining(x, generator: &trainingGenerator)
            let outputGradient = Reference.random(output.shape, using: &generator)
            _ = backward(outputGradient)
            let expected = layer.parameters.map(\.gradient)
            for parameter in layer.parameters { parameter.gradient = Tensor(shape: parameter.value.shape) }
            let (skipped, backwardWithout) = layer.forwardForTrainingWithoutInputGradient(x, generator: &trainingGenerator)
            #expect(skipped == output, "\(layer.name): the same output")
            backwardWithout(outputGradient)
            for (parameter, gradient) in zip(layer.parameters, expected) {
                #expect(parameter.gradient == gradient, "\(parameter.key)")
            }
        }
    }

    @Test("the backward pass ends at the first step with weights, after a parameter-free step: gradients match central differences")
    func backwardStartsAtFirstTrainedStep() throws {
        var generator = SeededGenerator(seed: 128)
        let shape = BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 2, outputColumns: 3)
        let model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [12])),
            LayerSpec(name: "squash", kind: .activation(.tanh)),
            LayerSpec(name: "b", kind: .bilinear(shape, activation: .tanh),
                      weights: [Reference.random([3, 2], using: &generator), Reference.random([4, 3], using: &generator),
                                Reference.random([2, 3], using: &generator)]),
            LayerSpec(name: "d", kind: .dense(units: 2, activation: .linear, useBias: true),
                      weights: [Reference.random([6, 2], using: &generator), Reference.random([2], using: &generator)]),
        ])
        let network = try Network(model: model)
        #expect(network.steps.first?.parameters.isEmpty == true, "a parameter-free step comes first")
        let x = Reference.random([3, 12], using: &generator)
        let weights = Reference.random([3, 2], using: &generator)
        var trainingGenerator = SeededGenerator(seed: 0)
        let (logits, backward) = network.forwardForTraining(x, generator: &trainingGenerator)
        assertClose(logits, network.logits(x), atol: 1e-6, rtol: 0)
        backward(weights)
        #expect(network.parameters.map(\.key) == ["b/u", "b/v", "b/bias", "d/kernel", "d/bias"])
        expectGradientsMatchCentralDifferences(network, x, weights)
    }

    /// Each parameter's gradient from the last backward pass (of `weightedSum(logits(x), weights)`) against central
    /// differences; `nonzero` also asks that every numeric gradient has an entry above 1e-3.
    func expectGradientsMatchCentralDifferences(_ network: Network, _ x: Tensor, _ weights: Tensor, nonzero: Bool = true) {
        for parameter in network.parameters {
            let analytic = parameter.gradient
            let original = parameter.value
            let numeric = GradientCheck.numericGradient(of: original, step: 1e-2) { perturbed in
                parameter.value = perturbed
                return GradientCheck.weightedSum(network.logits(x), weights)
            }
            parameter.value = original
            if nonzero { #expect(numeric.scalars.contains { abs($0) > 1e-3 }, "\(parameter.key)") }
            assertClose(analytic, numeric, atol: 1e-3, rtol: 5e-3, parameter.key)
        }
    }

    @Test("write(into:) puts trained values back into the model layers, in their shapes")
    func writeBack() throws {
        let model = briefModel()
        let converted = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp)).model
        let network = try Network(model: converted)
        for (offset, parameter) in network.parameters.enumerated() {
            parameter.value = Tensor(shape: parameter.value.shape, scalars: parameter.value.scalars.map { $0 + Float(offset + 1) })
        }
        var written = converted
        network.write(into: &written)
        for (index, layer) in converted.layers.enumerated() {
            #expect(written.layers[index].kind == layer.kind)
            for (weight, old) in zip(written.layers[index].weights, layer.weights) {
                #expect(weight.shape == old.shape, "\(layer.name)")
                #expect(weight != old, "\(layer.name) not written")
            }
        }
        let x = randomInputs(4, 12, seed: 127)
        assertClose(try Network(model: written).predict(x), network.predict(x), atol: 1e-6, rtol: 0)
    }

    @Test("logits(forAll:) in uneven batches equals one pass; accuracy counts argmax matches")
    func batchedLogitsAndAccuracy() throws {
        let network = try Network(model: briefModel())
        let x = randomInputs(23, 12, seed: 128)
        let all = network.logits(x)
        assertClose(network.logits(forAll: x, batchSize: 5), all, atol: 1e-6, rtol: 0)
        let predicted = (0..<23).map { row in (0..<3).max { all[row, $0] < all[row, $1] }! }
        let labels = predicted.enumerated().map { Int32($0.offset < 10 ? $0.element : ($0.element + 1) % 3) }
        let accuracy = network.accuracy(on: LabelledSplit(images: x, labels: labels))
        #expect(abs(accuracy - 10.0 / 23.0) < 1e-12)
    }
}
