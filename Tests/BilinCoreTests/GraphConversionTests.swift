import BilinCore
import BilinTestSupport
import Testing

@Suite("Graph conversion")
struct GraphConversionTests {
    /// A v2 bottleneck block after a stem, on 8×8×3 images:
    ///
    ///     image → stem (3×3, 32) → BN → relu ─┬→ reduce (1×1, 16) → BN → relu → conv3 (3×3 same, 16) → BN → relu → expand (1×1, 32) ─┐
    ///                                         └→ shortcut (1×1, 32) ─────────────────────────────────────────────────────────────→ add → relu → GAP → logits (Dense 10)
    static func bottleneck(seed: UInt64 = 401) -> Model {
        var generator = SeededGenerator(seed: seed)
        func random(_ shape: [Int], _ range: ClosedRange<Float> = -0.5...0.5) -> Tensor { Reference.random(shape, in: range, using: &generator) }
        func conv(_ name: String, _ size: Int, _ channels: Int, _ filters: Int, reads: String) -> LayerSpec {
            LayerSpec(name: name, kind: .conv2D(filters: filters, window: Window2D(height: size, width: size, padding: .same), activation: .linear, useBias: true),
                      weights: [random([size, size, channels, filters]), random([filters])], inputs: [reads])
        }
        func normalization(_ name: String, _ channels: Int, reads: String) -> LayerSpec {
            LayerSpec(name: name, kind: .batchNormalization(epsilon: 1e-3, momentum: 0.99),
                      weights: [random([channels], 0.5...1.5), random([channels]), random([channels]), random([channels], 0.5...1.5)],
                      inputs: [reads])
        }
        func relu(_ name: String, reads: String) -> LayerSpec { LayerSpec(name: name, kind: .activation(.relu), inputs: [reads]) }
        return Model(name: "bottleneck", layers: [
            LayerSpec(name: "image", kind: .input(shape: [8, 8, 3])),
            conv("stem", 3, 3, 32, reads: "image"), normalization("stem_bn", 32, reads: "stem"), relu("stem_relu", reads: "stem_bn"),
            conv("reduce", 1, 32, 16, reads: "stem_relu"), normalization("reduce_bn", 16, reads: "reduce"), relu("reduce_relu", reads: "reduce_bn"),
            conv("conv3", 3, 16, 16, reads: "reduce_relu"), normalization("conv3_bn", 16, reads: "conv3"), relu("conv3_relu", reads: "conv3_bn"),
            conv("expand", 1, 16, 32, reads: "conv3_relu"),
            conv("shortcut", 1, 32, 32, reads: "stem_relu"),
            LayerSpec(name: "add", kind: .merge(.add), inputs: ["expand", "shortcut"]),
            relu("add_relu", reads: "add"),
            LayerSpec(name: "pool", kind: .globalAveragePooling2D, inputs: ["add_relu"]),
            LayerSpec(name: "logits", kind: .dense(units: 10, activation: .softmax, useBias: true), weights: [random([32, 10]), random([10])],
                      inputs: ["pool"]),
        ])
    }

    @Test("the scale rule on a bottleneck block: the stem (read by two convolutions) and the 3×3 convolution widen; the layers that write the residual stream keep scale 1")
    func scaleRule() throws {
        let model = Self.bottleneck()
        let plan = try ConversionPlan(model: model, options: ConversionOptions(scale: 2))
        let scales = Dictionary(uniqueKeysWithValues: plan.entries.map { (model.layers[$0.layerIndex].name, $0.scale) })
        #expect(scales == ["stem": 2, "reduce": 1, "conv3": 2, "expand": 1, "shortcut": 1])
        let reduce = try #require(plan.entries.first { model.layers[$0.layerIndex].name == "reduce" })
        #expect(reduce.scaleLimitedBy == .wideningCostsMore(scale: 2), "a 1×1 reduction this small saves more unwidened")
        let expand = try #require(plan.entries.first { model.layers[$0.layerIndex].name == "expand" })
        #expect(expand.scaleLimitedBy == .meetsOtherBranches("add", kind: "Add"))
        let stem = try #require(plan.entries.first { model.layers[$0.layerIndex].name == "stem" })
        #expect(stem.consumers.map { model.layers[$0.consumer].name } == ["reduce", "shortcut"])
        #expect(stem.consumers.allSatisfy { $0.batchNormalizations == [2] })
    }

    @Test("scale 2 with first-block widening computes what scale 1 computes, across fan-out and a residual Add")
    func widenedGraphPreservesFunction() throws {
        let model = Self.bottleneck()
        let one = try Converter.convert(model, options: ConversionOptions(scale: 1, initialization: .nkp))
        let two = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .nkp))
        #expect(two.model.layers.map(\.inputs) == model.layers.map(\.inputs), "the edges are kept")
        #expect(two.layers.first { $0.name == "stem_bn" }?.decision == .channelsWidened(factor: 4))
        #expect(two.layers.first { $0.name == "expand" }?.note == "scale 1: its output meets other branches at Add 'add', which keeps the stream's width")
        var generator = SeededGenerator(seed: 402)
        let x = Reference.random([3, 192], using: &generator)
        assertClose(try Network(model: two.model).predict(x), try Network(model: one.model).predict(x), atol: 1e-4, rtol: 1e-4)
        #expect(two.model.parameterCount == two.layers.reduce(0) { $0 + $1.parametersAfter })
        #expect(two.layers.filter(\.converted).map(\.name) == ["stem", "reduce", "conv3", "expand", "shortcut"])
    }

    @Test("the data-aware start runs over the graph and fits the original's outputs better than the weight-only start")
    func dataAwareStartOnGraph() throws {
        let model = Self.bottleneck()
        var generator = SeededGenerator(seed: 403)
        let calibration = Reference.random([64, 192], using: &generator)
        let original = try Network(model: model).logits(calibration)
        func error(_ converted: Model) throws -> Double {
            let output = try Network(model: converted).logits(calibration)
            return zip(original.scalars, output.scalars).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        let options = { (start: Initialization) in ConversionOptions(scale: 2, initialization: start, shrink: 1) }
        let nkp = try Converter.convert(model, options: options(.nkp))
        let data = try Converter.convert(model, options: options(.data), calibration: calibration)
        #expect(try error(data.model) < 0.5 * error(nkp.model))
        #expect(data.unshrunkBecause == nil)
        let shrunk = try Converter.convert(model, options: ConversionOptions(scale: 2, initialization: .data), calibration: calibration)
        #expect(shrunk.unshrunkBecause == "batch normalization 'stem_bn' normalises the scale away")
    }
}
