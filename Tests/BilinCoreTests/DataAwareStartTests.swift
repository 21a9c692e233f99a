import BilinCore
import BilinTestSupport
import Testing

@Suite("data-aware start")
struct DataAwareStartTests {
    /// input [36] → dense1 (36→64, relu) → dense2 (64→36, relu) → dense3 (36→4), with inputs of non-zero mean.
    static let model = TestModels.mlp(sizes: [36, 64, 36, 4], activations: [.relu, .relu, .linear], seed: 401)
    static let inputs = TestModels.blobs(count: 800, features: 36, classes: 4, seed: 402).images

    /// The mean squared difference between the logits of two models on `inputs`.
    private func logitError(_ a: Model, _ b: Model) throws -> Double {
        let (x, y) = (try Network(model: a).logits(Self.inputs), try Network(model: b).logits(Self.inputs))
        return zip(x.scalars, y.scalars).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(x.count)
    }

    @Test("converted networks reproduce the original's logits far better than the weight-only start, at scales 1 and 2")
    func closerThanNearestKronecker() throws {
        for scale in [1, 2] {
            let nkp = try Converter.convert(Self.model, options: ConversionOptions(scale: scale, initialization: .nkp))
            let data = try Converter.convert(Self.model, options: ConversionOptions(scale: scale, initialization: .data, shrink: 1), calibration: Self.inputs)
            #expect(data.initialization == .data)
            #expect(data.model.layers.map(\.kind) == nkp.model.layers.map(\.kind), "same architecture at scale \(scale)")
            let (fitted, weightOnly) = (try logitError(Self.model, data.model), try logitError(Self.model, nkp.model))
            #expect(fitted < 0.25 * weightOnly, "scale \(scale): data \(fitted) against nkp \(weightOnly)")
        }
    }

    @Test("alternating least squares from a random start recovers an exactly bilinear layer")
    func recoversExactBilinearLayer() throws {
        // dense1's kernel is kron(U, V) plus a bias, so one bilinear block can match it exactly.
        var generator = SeededGenerator(seed: 403)
        let u = Reference.random([6, 8], in: -1...1, using: &generator)
        let v = Reference.random([6, 8], in: -1...1, using: &generator)
        var model = TestModels.mlp(sizes: [36, 64, 4], activations: [.linear, .linear], seed: 404)
        model.layers[1].weights[0] = Reference.kron(u, v)
        var converted = try Converter.convert(model, options: ConversionOptions(layerNames: ["dense1"], initialization: .random)).model
        try DataAwareStart.fit(&converted, original: model, inputs: Self.inputs, iterations: 30, ridge: 0)
        assertClose(try Network(model: converted).logits(Self.inputs), try Network(model: model).logits(Self.inputs), atol: 1e-3, rtol: 1e-3)
    }

    @Test("the default start is data with calibration inputs and nkp without; data without inputs is an error")
    func defaultStart() throws {
        #expect(try Converter.convert(Self.model, options: ConversionOptions(), calibration: Self.inputs).initialization == .data)
        #expect(try Converter.convert(Self.model, options: ConversionOptions()).initialization == .nkp)
        #expect(throws: BilinError("the data-aware start needs example inputs: give --data, or choose --init nkp or random")) {
            try Converter.convert(Self.model, options: ConversionOptions(initialization: .data))
        }
    }

    @Test("ridge solve: (A + ridge·mean(diag)·I) x = b")
    func ridgeSolve() throws {
        let a = Tensor(shape: [3, 3], scalars: [4, 1, 0, 1, 3, 1, 0, 1, 2])
        let b = Tensor(shape: [3, 2], scalars: [1, 0, 2, 1, 3, 0])
        let exact = try a.solvingRidge(b, ridge: 0)
        assertClose(a.matmul(exact), b, atol: 1e-5)
        // The mean diagonal is 3, so ridge 0.5 adds 1.5 to the diagonal.
        let shifted = try a.solvingRidge(b, ridge: 0.5)
        let regularised = Tensor(shape: [3, 3], scalars: [5.5, 1, 0, 1, 4.5, 1, 0, 1, 3.5])
        assertClose(regularised.matmul(shifted), b, atol: 1e-5)
    }
}
