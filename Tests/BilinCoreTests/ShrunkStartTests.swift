import BilinCore
import BilinTestSupport
import Testing

@Suite("shrunk start")
struct ShrunkStartTests {
    static let mlp = TestModels.mlp(sizes: [36, 64, 36, 4], activations: [.relu, .relu, .linear], seed: 401)
    static let mlpInputs = TestModels.blobs(count: 400, features: 36, classes: 4, seed: 402).images

    /// `smallCNN` without its batch normalization (which would undo any scale): convolutions, pooling, Flatten,
    /// dense layers and a softmax output.
    static let cnn: Model = {
        var model = smallCNN()
        model.layers.removeAll { $0.name == "norm" }
        return model
    }()
    static let cnnInputs: Tensor = {
        var generator = SeededGenerator(seed: 405)
        return Reference.random([40, 6 * 6 * 16], in: -1...1, using: &generator)
    }()

    private func converted(_ model: Model, scale: Int, shrink: Float, inputs: Tensor, start: Initialization = .data) throws -> ConversionResult {
        try Converter.convert(model, options: ConversionOptions(scale: scale, initialization: start, shrink: shrink), calibration: inputs)
    }

    @Test("a converted model shrunk by f has f^L times its logits (L weighted layers) and the same predictions",
          arguments: [(false, 2, 3), (true, 1, 4), (true, 2, 4)])
    func logitsScaleExactly(isCNN: Bool, scale: Int, weightedLayers: Int) throws {
        let (model, inputs) = isCNN ? (Self.cnn, Self.cnnInputs) : (Self.mlp, Self.mlpInputs)
        let fitted = try converted(model, scale: scale, shrink: 1, inputs: inputs)
        #expect(fitted.shrunkBy == nil && fitted.unshrunkBecause == nil)
        let weighted = Set(fitted.model.layers.indices.filter { !fitted.model.layers[$0].weights.isEmpty })
        #expect(weighted.count == weightedLayers)
        #expect(ShrunkStart.obstacle(in: fitted.model, from: 0) == nil)
        var shrunk = fitted.model
        ShrunkStart.shrink(&shrunk, fitted: weighted, by: 0.5)
        let (before, after) = (try Network(model: fitted.model).logits(inputs), try Network(model: shrunk).logits(inputs))
        let factor = (0..<weightedLayers).reduce(Float(1)) { product, _ in product * 0.5 }
        let expected = Tensor(shape: before.shape, scalars: before.scalars.map { $0 * factor })
        assertClose(after, expected, atol: 1e-5 * before.scalars.map(abs).max()!, rtol: 1e-4)
        #expect(after.rowArgmax() == before.rowArgmax())
    }

    @Test("layers kept from the original keep their kernels: those before the first fitted one entirely, later ones scale only their bias")
    func keptLayersKeepTheirKernels() throws {
        let index = { (name: String) in Self.cnn.layers.firstIndex { $0.name == name }! }
        var shrunk = Self.cnn
        ShrunkStart.shrink(&shrunk, fitted: [index("conv2"), index("dense2")], by: 0.5)
        #expect(shrunk.layers[index("conv1")] == Self.cnn.layers[index("conv1")])
        #expect(shrunk.layers[index("dense1")].weights[0] == Self.cnn.layers[index("dense1")].weights[0])
        #expect(shrunk.layers[index("dense1")].weights[1] == Self.cnn.layers[index("dense1")].weights[1].scaled(by: 0.5))
        #expect(shrunk.layers[index("conv2")].weights[0] == Self.cnn.layers[index("conv2")].weights[0].scaled(by: 0.5))
        let (before, after) = (try Network(model: Self.cnn).logits(Self.cnnInputs), try Network(model: shrunk).logits(Self.cnnInputs))
        let expected = Tensor(shape: before.shape, scalars: before.scalars.map { $0 * 0.25 })
        assertClose(after, expected, atol: 1e-5 * before.scalars.map(abs).max()!, rtol: 1e-4)
    }

    @Test("the data start converting only the head leaves the layers before it as they were")
    func headOnlyConversion() throws {
        // Only dense2 converts: dense1, before it, keeps its kernel and its bias.
        let converted = try Converter.convert(
            Self.mlp, options: ConversionOptions(scale: 2, layerNames: ["dense2"], initialization: .data), calibration: Self.mlpInputs)
        #expect(converted.shrunkBy == 0.2)
        #expect(converted.model.layers[1] == Self.mlp.layers[1])
    }

    /// (Only the first layer's block (0,0) is compared with the unshrunk fit: later fits read the earlier layers'
    /// random blocks, which the shrunk start draws larger.)
    @Test("the shrunk data start: the fitted block (0,0) shrunk, the random blocks those of the random start (Glorot scale)")
    func randomBlocksEndAtGlorotScale() throws {
        let fitted = try converted(Self.mlp, scale: 2, shrink: 1, inputs: Self.mlpInputs)
        let shrunk = try converted(Self.mlp, scale: 2, shrink: 0.5, inputs: Self.mlpInputs)
        let random = try converted(Self.mlp, scale: 2, shrink: 0.5, inputs: Self.mlpInputs, start: .random)
        #expect(shrunk.shrunkBy == 0.5 && shrunk.unshrunkBecause == nil)
        let firstBilinear = shrunk.model.layers.firstIndex { if case .bilinear = $0.kind { true } else { false } }
        var checked = 0
        for index in Self.mlp.layers.indices {
            guard case .bilinear(let shape, _) = shrunk.model.layers[index].kind else { continue }
            for (factor, blockColumns) in [(0, shape.outputRows / 2), (1, shape.outputColumns / 2)] {
                let (s, f, r) = (shrunk.model.layers[index].weights[factor], fitted.model.layers[index].weights[factor],
                                 random.model.layers[index].weights[factor])
                let columns = s.shape[1]
                for row in 0..<s.shape[0] {
                    for column in 0..<columns {
                        let at = row * columns + column
                        if column < blockColumns && index != firstBilinear { continue }
                        let expected = column < blockColumns ? f.scalars[at] * Float(0.5).squareRoot() : r.scalars[at]
                        #expect(abs(s.scalars[at] - expected) <= 1e-6 * max(1, abs(expected)), "layer \(index) factor \(factor) [\(row), \(column)]")
                    }
                }
                checked += 1
            }
        }
        #expect(checked == 4)
    }

    @Test("a start that shrinking would change is left as fitted, with the reason")
    func refusesWhatItWouldChange() throws {
        let tanh = TestModels.mlp(sizes: [36, 64, 36, 4], activations: [.relu, .tanh, .linear], seed: 406)
        let result = try converted(tanh, scale: 2, shrink: 0.3, inputs: Self.mlpInputs)
        #expect(result.shrunkBy == nil)
        #expect(result.unshrunkBecause == "the tanh activation of 'dense2' is not positively homogeneous")
        #expect(try converted(tanh, scale: 2, shrink: 1, inputs: Self.mlpInputs).model.layers == result.model.layers)
        #expect(ShrunkStart.obstacle(in: smallCNN(), from: 0) == "batch normalization 'norm' normalises the scale away")
        #expect(ShrunkStart.obstacle(in: smallCNN(), from: 3) == nil, "after the batch normalization")
        #expect(ShrunkStart.obstacle(in: Self.cnn, from: 0) == nil)
    }

    @Test("the default start with inputs is the data start shrunk by 0.2; other starts are never shrunk")
    func defaults() throws {
        #expect(ConversionOptions().shrink == 0.2)
        let result = try Converter.convert(Self.mlp, options: ConversionOptions(scale: 2), calibration: Self.mlpInputs)
        #expect(result.initialization == .data && result.shrunkBy == 0.2)
        for start in [Initialization.nkp, .random] {
            #expect(try Converter.convert(Self.mlp, options: ConversionOptions(scale: 2, initialization: start), calibration: Self.mlpInputs).shrunkBy == nil)
        }
    }
}
