import BilinCore
import BilinTestSupport
import Testing

/// The model of the brief: input [12] → Dense(12→20, relu) → Dense(20→6, relu) → Dense(6→3, softmax).
func briefModel(activations: [Activation] = [.relu, .relu, .softmax], seed: UInt64 = 101) -> Model {
    TestModels.mlp(sizes: [12, 20, 6, 3], activations: activations, seed: seed)
}

func randomInputs(_ count: Int, _ features: Int, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Reference.random([count, features], in: -1...1, using: &generator)
}

/// The bilinear shape of a converted layer, or nil.
func bilinearShape(_ model: Model, _ name: String) -> BilinearShape? {
    guard let index = model.layerIndex(named: name), case .bilinear(let shape, _) = model.layers[index].kind else { return nil }
    return shape
}

/// Checks that every line's parameter counts match the weights before and after, and that the converted
/// model's count is the sum of the lines.
func expectLinesMatchTensors(_ result: ConversionResult, original: Model, sourceLocation: SourceLocation = #_sourceLocation) {
    let weighted = original.layers.filter { !$0.weights.isEmpty }
    #expect(result.layers.map(\.name) == weighted.map(\.name), sourceLocation: sourceLocation)
    for line in result.layers {
        let before = original.layers[original.layerIndex(named: line.name)!]
        let after = result.model.layers[result.model.layerIndex(named: line.name)!]
        #expect(line.parametersBefore == before.weights.reduce(0) { $0 + $1.count }, "\(line.name) before", sourceLocation: sourceLocation)
        #expect(line.parametersAfter == after.weights.reduce(0) { $0 + $1.count }, "\(line.name) after", sourceLocation: sourceLocation)
        if case .bilinear(let shape, _) = after.kind {
            #expect(line.converted, sourceLocation: sourceLocation)
            #expect(after.weights.map(\.shape) == [
                [shape.inputRows, shape.outputRows], [shape.inputColumns, shape.outputColumns], [shape.outputRows, shape.outputColumns],
            ], "\(line.name) weight shapes", sourceLocation: sourceLocation)
            #expect(line.parametersAfter == shape.parameterCount, sourceLocation: sourceLocation)
        } else {
            #expect(!line.converted, sourceLocation: sourceLocation)
        }
    }
    #expect(result.model.parameterCount == result.layers.reduce(0) { $0 + $1.parametersAfter }, sourceLocation: sourceLocation)
}

@Suite("Converter")
struct ConverterTests {
    @Test("scale 1, nkp: outputs equal a dense network with explicit rank-1 Kronecker kernels")
    func scaleOneMatchesKroneckerReference() throws {
        let model = briefModel()
        let result = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp))
        #expect(bilinearShape(result.model, "dense1") == BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 4, outputColumns: 5))
        #expect(bilinearShape(result.model, "dense2") == BilinearShape(inputRows: 4, inputColumns: 5, outputRows: 2, outputColumns: 3))
        #expect(bilinearShape(result.model, "dense3") == nil, "the classifier stays dense by default")

        let dense = TestModels.denseLayers(model)
        let first = Reference.kroneckerApproximation(kernel: dense[0].kernel, d1: 3, d2: 4, u1: 4, u2: 5, terms: 1)
        let second = Reference.kroneckerApproximation(kernel: dense[1].kernel, d1: 4, d2: 5, u1: 2, u2: 3, terms: 1)
        let x = randomInputs(16, 12, seed: 102)
        let expected = TestModels.referenceForward(x, [
            (first.kernel, dense[0].bias, .relu), (second.kernel, dense[1].bias, .relu), dense[2],
        ])
        // The comparison must be able to fail: outputs vary across examples (not every ReLU dead).
        let spread = (0..<3).map { c in (0..<16).map { expected[$0, c] }.max()! - (0..<16).map { expected[$0, c] }.min()! }.max()!
        #expect(spread > 1e-2, "reference outputs are nearly constant (spread \(spread))")

        let network = try Network(model: result.model)
        assertClose(network.predict(x), expected, atol: 1e-5, rtol: 1e-4)
        // The original model computes something else.
        let original = TestModels.referenceForward(x, dense)
        #expect(!network.predict(x).isClose(to: original, rtol: 1e-3, atol: 1e-3))

        // Relative errors in the report are the explicit ones.
        let lines = Dictionary(uniqueKeysWithValues: result.layers.map { ($0.name, $0) })
        #expect(abs((lines["dense1"]?.relativeError ?? -1) - first.relativeError) < 1e-4)
        #expect(abs((lines["dense2"]?.relativeError ?? -1) - second.relativeError) < 1e-4)
        #expect(lines["dense3"]?.relativeError == nil)
        #expect(lines["dense1"]?.shapeBefore == "12→20")
        #expect(lines["dense1"]?.shapeAfter == "3×4→4×5")
        #expect(lines["dense2"]?.shapeAfter == "4×5→2×3")
        expectLinesMatchTensors(result, original: model)
    }

    @Test("scale 2, first-block widening: same outputs as scale 1 while the converted layers have 4× the outputs")
    func scaleTwoFirstBlockPreservesFunction() throws {
        let model = briefModel()
        let one = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp))
        let two = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp, widening: .firstBlock))
        // Both hidden layers are worth converting at scale 2 (190 and 124 parameters instead of 260 and 126,
        // counting the growth of the consumer's factors): they should be converted, each with 4× the outputs.
        let shape1 = bilinearShape(two.model, "dense1")
        let shape2 = bilinearShape(two.model, "dense2")
        #expect(shape1 == BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 8, outputColumns: 10),
                "dense1 at scale 2: \(two.layers.first { $0.name == "dense1" }?.note ?? "")")
        #expect(shape2 == BilinearShape(inputRows: 8, inputColumns: 10, outputRows: 4, outputColumns: 6),
                "dense2 at scale 2: \(two.layers.first { $0.name == "dense2" }?.note ?? "")")
        #expect(shape1?.outputCount == 4 * 20)
        #expect(shape2?.outputCount == 4 * 6)
        let x = randomInputs(16, 12, seed: 103)
        assertClose(try Network(model: two.model).predict(x), try Network(model: one.model).predict(x), atol: 1e-5, rtol: 0)
        expectLinesMatchTensors(two, original: model)
    }

    @Test("scale 2, first-block widening of one layer (layerNames): same outputs as scale 1, 4× outputs, zero-padded consumer")
    func scaleTwoFirstBlockOneLayer() throws {
        let model = briefModel()
        let one = try Converter.convert(model, options: ConversionOptions(scale: 1, layerNames: ["dense2"], initialization: .nkp))
        let two = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["dense2"], initialization: .nkp, widening: .firstBlock))
        #expect(bilinearShape(two.model, "dense2") == BilinearShape(inputRows: 4, inputColumns: 5, outputRows: 4, outputColumns: 6))
        let x = randomInputs(16, 12, seed: 104)
        let outputOne = try Network(model: one.model).predict(x)
        assertClose(try Network(model: two.model).predict(x), outputOne, atol: 1e-5, rtol: 0)

        // The consumer reads only block (0,0) positions row*(u2*s) + col, row < u1, col < u2, with the old weights.
        let oldKernel = model.layers[3].weights[0]
        let widened = two.model.layers[3].weights[0]
        #expect(widened.shape == [24, 3])
        for row in 0..<4 {
            for column in 0..<6 {
                for unit in 0..<3 {
                    let expected: Float = row < 2 && column < 3 ? oldKernel[row * 3 + column, unit] : 0
                    #expect(widened[row * 6 + column, unit] == expected)
                }
            }
        }
        #expect(two.model.layers[3].weights[1] == model.layers[3].weights[1])
        // Bias sits on block (0,0); the other blocks start at 0.
        let bias = two.model.layers[2].weights[2]
        for row in 0..<4 { for column in 0..<6 {
            #expect(bias[row, column] == (row < 2 && column < 3 ? model.layers[2].weights[1].scalars[row * 3 + column] : 0))
        } }
        let consumerLine = two.layers.first { $0.name == "dense3" }
        #expect(consumerLine?.note == "input widened ×4 (first-block start)")
        #expect(consumerLine?.shapeAfter == "24→3")
        expectLinesMatchTensors(two, original: model)
    }

    /// 144 → 36 → 9 → 2: at scale 2 both hidden layers convert under the current plan, so the second one is a
    /// bilinear consumer whose factors are widened.
    static func chainModel(activations: [Activation] = [.relu, .relu, .softmax]) -> Model {
        TestModels.mlp(sizes: [144, 36, 9, 2], activations: activations, seed: 109)
    }

    @Test("scale 2, first-block widening of a bilinear consumer: same outputs as scale 1, zero rows outside block 0")
    func scaleTwoFirstBlockBilinearConsumer() throws {
        let model = Self.chainModel()
        let one = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp))
        let two = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp, widening: .firstBlock))
        #expect(bilinearShape(two.model, "dense1") == BilinearShape(inputRows: 12, inputColumns: 12, outputRows: 12, outputColumns: 12))
        #expect(bilinearShape(two.model, "dense2") == BilinearShape(inputRows: 12, inputColumns: 12, outputRows: 6, outputColumns: 6))
        let x = randomInputs(8, 144, seed: 110)
        let outputOne = try Network(model: one.model).predict(x)
        assertClose(try Network(model: two.model).predict(x), outputOne, atol: 1e-5, rtol: 0)
        // dense2's factors: its scale-1 factors' leading block on rows 0..<6, zeros below.
        let (u, v) = (two.model.layers[2].weights[0], two.model.layers[2].weights[1])
        let (u1, v1) = (one.model.layers[2].weights[0], one.model.layers[2].weights[1])
        for row in 0..<12 { for column in 0..<3 {
            #expect(u[row, column] == (row < 6 ? u1[row, column] : 0))
            #expect(v[row, column] == (row < 6 ? v1[row, column] : 0))
        } }
        expectLinesMatchTensors(two, original: model)
    }

    @Test("random initialization of a widened bilinear consumer: every factor row random (training from scratch)")
    func randomInitializationBilinearConsumer() throws {
        let model = Self.chainModel()
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .random, seed: 5))
        #expect(bilinearShape(result.model, "dense2") == BilinearShape(inputRows: 12, inputColumns: 12, outputRows: 6, outputColumns: 6))
        // A network trained from scratch has no rows stuck at zero: the rows that read blocks other than (0,0)
        // must be random too, as they are for a widened Dense consumer.
        for (name, factor) in [("u", result.model.layers[2].weights[0]), ("v", result.model.layers[2].weights[1])] {
            let zeroRows = (0..<factor.shape[0]).filter { row in (0..<factor.shape[1]).allSatisfy { factor[row, $0] == 0 } }
            #expect(zeroRows.isEmpty, "dense2 \(name) rows \(zeroRows) are all zero under the random start")
        }
        let widenedDense = result.model.layers[3].weights[0]
        #expect(widenedDense.shape == [36, 2])
        #expect(widenedDense.scalars.allSatisfy { $0 != 0 })
    }

    @Test("scale 2, diagonal widening, linear activations: equals the rank-2 Kronecker chain (dense consumer)")
    func scaleTwoDiagonalIsRankTwo() throws {
        // Only dense2 is converted, so its consumer is a Dense layer that can read the diagonal blocks.
        let model = briefModel(activations: [.linear, .linear, .linear], seed: 105)
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["dense2"], initialization: .nkp, widening: .diagonal))
        #expect(bilinearShape(result.model, "dense2") == BilinearShape(inputRows: 4, inputColumns: 5, outputRows: 4, outputColumns: 6))
        let dense = TestModels.denseLayers(model)
        let rankTwo = Reference.kroneckerApproximation(kernel: dense[1].kernel, d1: 4, d2: 5, u1: 2, u2: 3, terms: 2)
        let x = randomInputs(10, 12, seed: 106)
        let expected = TestModels.referenceForward(x, [dense[0], (rankTwo.kernel, dense[1].bias, .linear), dense[2]])
        assertClose(try Network(model: result.model).predict(x), expected, atol: 1e-4, rtol: 1e-4)
        let line = result.layers.first { $0.name == "dense2" }
        #expect(abs((line?.relativeError ?? -1) - rankTwo.relativeError) < 1e-4, "diagonal start reports the rank-2 error")
        #expect(result.layers.first { $0.name == "dense3" }?.note == "input widened ×4 (diagonal start)")
        // And it differs from the rank-1 chain.
        let rankOne = Reference.kroneckerApproximation(kernel: dense[1].kernel, d1: 4, d2: 5, u1: 2, u2: 3, terms: 1)
        let rankOneOutput = TestModels.referenceForward(x, [dense[0], (rankOne.kernel, dense[1].bias, .linear), dense[2]])
        #expect(!expected.isClose(to: rankOneOutput, rtol: 1e-3, atol: 1e-3))
    }

    @Test("scale 2, diagonal widening on a wider first layer (default plan): rank-2 chain")
    func scaleTwoDiagonalDefaultPlan() throws {
        // 36 → 16 → 4: the default plan converts the first layer only (the classifier stays dense).
        let model = TestModels.mlp(sizes: [36, 16, 4], activations: [.linear, .linear], seed: 107)
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp, widening: .diagonal))
        #expect(bilinearShape(result.model, "dense1") == BilinearShape(inputRows: 6, inputColumns: 6, outputRows: 8, outputColumns: 8))
        let dense = TestModels.denseLayers(model)
        let rankTwo = Reference.kroneckerApproximation(kernel: dense[0].kernel, d1: 6, d2: 6, u1: 4, u2: 4, terms: 2)
        let x = randomInputs(10, 36, seed: 108)
        let expected = TestModels.referenceForward(x, [(rankTwo.kernel, dense[0].bias, .linear), dense[1]])
        assertClose(try Network(model: result.model).predict(x), expected, atol: 1e-4, rtol: 1e-4)
        expectLinesMatchTensors(result, original: model)
    }

    @Test("random initialization: shapes as planned, Glorot range, deterministic by seed")
    func randomInitialization() throws {
        let model = briefModel()
        let options = ConversionOptions(scale: 2, layerNames: ["dense2"], initialization: .random, seed: 3)
        let a = try Converter.convert(model, options: options)
        let b = try Converter.convert(model, options: options)
        #expect(a.model == b.model)
        let u = a.model.layers[2].weights[0]
        #expect(u.shape == [4, 4])
        let limit = (6.0 / Float(4 + 4)).squareRoot()
        #expect(u.scalars.allSatisfy { abs($0) <= limit })
        #expect(a.model.layers[3].weights[0].shape == [24, 3])
        var other = options
        other.seed = 4
        #expect(try Converter.convert(model, options: other).model != a.model)
        // The Kronecker error of the trained layer is reported whatever the start.
        let reference = Reference.kroneckerApproximation(kernel: model.layers[2].weights[0], d1: 4, d2: 5, u1: 2, u2: 3, terms: 1)
        #expect(abs((a.layers.first { $0.name == "dense2" }?.relativeError ?? -1) - reference.relativeError) < 1e-4)
    }
}

@Suite("ConversionPlan")
struct ConversionPlanTests {
    @Test("a layer with a prime size is skipped with the reason, in the plan and in the report")
    func primeSkipped() throws {
        let model = TestModels.mlp(sizes: [12, 13, 4, 3], activations: [.relu, .relu, .softmax], seed: 111)
        let plan = try ConversionPlan(model: model, options: ConversionOptions())
        #expect(plan.entries.isEmpty)
        #expect(plan.kept[1] == .primeSize(side: .output, size: 13))
        #expect(plan.kept[2] == .primeSize(side: .input, size: 13))
        #expect(plan.kept[3] == nil)
        let result = try Converter.convert(model, options: ConversionOptions(initialization: .nkp))
        #expect(result.model == model)
        #expect(result.layers.map(\.note) == [
            "kept: output size 13 is prime: no useful matrix shape", "kept: input size 13 is prime: no useful matrix shape", nil,
        ])
        #expect(result.layers.allSatisfy { !$0.converted })
    }

    @Test("layerNames selects exactly the named layers")
    func layerNamesHonoured() throws {
        let model = briefModel()
        let plan = try ConversionPlan(model: model, options: ConversionOptions(layerNames: ["dense2"]))
        #expect(plan.entries.map(\.layerIndex) == [2])
        let both = try ConversionPlan(model: model, options: ConversionOptions(layerNames: ["dense2", "dense1"]))
        #expect(both.entries.map(\.layerIndex) == [1, 2])
        let result = try Converter.convert(model, options: ConversionOptions(layerNames: ["dense2"], initialization: .nkp))
        #expect(bilinearShape(result.model, "dense1") == nil)
        #expect(bilinearShape(result.model, "dense2") != nil)
        #expect(result.model.layers[1] == model.layers[1])
    }

    @Test("a layer named twice in layerNames is planned once (Converter must not trap on a duplicate)")
    func duplicateLayerName() throws {
        let model = briefModel()
        let plan = try ConversionPlan(model: model, options: ConversionOptions(layerNames: ["dense2", "dense2"]))
        // Converter.convert builds Dictionary(uniqueKeysWithValues:) from these entries: a duplicate traps the process.
        #expect(plan.entries.map(\.layerIndex) == [2])
    }

    @Test("an unknown layer name throws the exact message")
    func unknownLayerName() {
        let model = briefModel()
        #expect(throws: BilinError("no layer named 'nope' (layers: input, dense1, dense2, dense3)")) {
            try ConversionPlan(model: model, options: ConversionOptions(layerNames: ["dense1", "nope"]))
        }
        #expect(throws: BilinError("no layer named 'nope' (layers: input, dense1, dense2, dense3)")) {
            try Converter.convert(model, options: ConversionOptions(layerNames: ["nope"], initialization: .nkp))
        }
    }

    @Test("naming a layer that is not Dense throws the exact message")
    func nonDenseLayerName() {
        var model = briefModel()
        model.layers.insert(LayerSpec(name: "act", kind: .activation(.tanh)), at: 2)
        #expect(throws: BilinError("layer 'act' is not a Dense or Conv2D layer (it is Activation)")) {
            try ConversionPlan(model: model, options: ConversionOptions(layerNames: ["act"]))
        }
    }

    @Test("convertLast converts the classifier too, at scale 1 with a note")
    func convertLastHonoured() throws {
        let model = TestModels.mlp(sizes: [12, 20, 6, 4], activations: [.relu, .relu, .softmax], seed: 112)
        let without = try ConversionPlan(model: model, options: ConversionOptions())
        #expect(without.entries.map(\.layerIndex) == [1, 2])
        let with = try ConversionPlan(model: model, options: ConversionOptions(convertLast: true))
        #expect(with.entries.map(\.layerIndex) == [1, 2, 3])
        let widened = try ConversionPlan(model: model, options: ConversionOptions(scale: 2, convertLast: true))
        let last = widened.entries.first { $0.layerIndex == 3 }
        #expect(last?.scale == 1)
        #expect(last?.scaleLimitedBy == .modelOutput)

        // The scale-1 conversion with the classifier equals the all-rank-1 Kronecker chain and keeps 4 outputs.
        let result = try Converter.convert(model, options: ConversionOptions(convertLast: true, initialization: .nkp))
        #expect(bilinearShape(result.model, "dense3") == BilinearShape(inputRows: 2, inputColumns: 3, outputRows: 2, outputColumns: 2))
        let dense = TestModels.denseLayers(model)
        let pairs = [(3, 4, 4, 5), (4, 5, 2, 3), (2, 3, 2, 2)]
        let approximated = zip(dense, pairs).map { layer, pair in
            (Reference.kroneckerApproximation(kernel: layer.kernel, d1: pair.0, d2: pair.1, u1: pair.2, u2: pair.3, terms: 1).kernel,
             layer.bias, layer.activation)
        }
        let x = randomInputs(8, 12, seed: 113)
        let output = try Network(model: result.model).predict(x)
        #expect(output.shape == [8, 4])
        assertClose(output, TestModels.referenceForward(x, approximated), atol: 1e-5, rtol: 1e-4)
        expectLinesMatchTensors(result, original: model)
    }

    /// input [12] → Dense(12→20, relu) → LayerNormalization (weights) → Dense(20→6, relu) → Dense(6→3, softmax).
    static func layerNormModel() -> Model {
        var model = briefModel()
        var generator = SeededGenerator(seed: 114)
        model.layers.insert(LayerSpec(
            name: "ln", kind: .opaque(className: "LayerNormalization", config: "{}"),
            weights: [Reference.random([20], using: &generator), Reference.random([20], using: &generator)]), at: 2)
        return model
    }

    @Test("a LayerNormalization after a converted layer drops it to scale 1 with a note")
    func layerNormalizationBlocksWidening() throws {
        let model = Self.layerNormModel()
        let plan = try ConversionPlan(model: model, options: ConversionOptions(scale: 2))
        let first = plan.entries.first { $0.layerIndex == 1 }
        #expect(first?.scale == 1)
        #expect(first?.scaleLimitedBy == .consumerCannotWiden("ln", kind: "LayerNormalization"))
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp))
        #expect(bilinearShape(result.model, "dense1") == BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 4, outputColumns: 5))
        #expect(result.model.layers[2] == model.layers[2], "the opaque layer is carried verbatim")
        let line = result.layers.first { $0.name == "dense1" }
        #expect(line?.note == "scale 1: its output feeds LayerNormalization 'ln', which cannot be widened")
        let lnLine = result.layers.first { $0.name == "ln" }
        #expect(lnLine?.kindAfter == "LayerNormalization")
        #expect(lnLine?.converted == false)
        expectLinesMatchTensors(result, original: model)
    }
}
