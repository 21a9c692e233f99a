import BilinCore
import BilinTestSupport
import Testing

/// A small CNN whose convolutions are worth converting alone: input 6×6×16 → Conv(16, 3×3 same, relu) → BatchNorm
/// → MaxPool 2 → Conv(4, 3×3 same, relu) → Flatten (3·3·4 = 36) → Dense(2, relu) → Dense(3, softmax).
func smallCNN(layout: DataLayout = .channelsLast, seed: UInt64 = 7) -> Model {
    var generator = SeededGenerator(seed: seed)
    func random(_ shape: [Int]) -> Tensor { Reference.random(shape, in: -0.5...0.5, using: &generator) }
    let same = Window2D(height: 3, width: 3, padding: .same)
    let pool = Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2)
    let variance = Tensor(shape: [16], scalars: random([16]).scalars.map { 1 + abs($0) })
    return Model(name: "cnn", layers: [
        LayerSpec(name: "input", kind: .input(shape: [6, 6, 16])),
        LayerSpec(name: "conv1", kind: .conv2D(filters: 16, window: same, activation: .relu, useBias: true),
                  weights: [random([3, 3, 16, 16]), random([16])]),
        LayerSpec(name: "norm", kind: .batchNormalization(epsilon: 1e-3, momentum: 0.99),
                  weights: [random([16]), random([16]), random([16]), variance]),
        LayerSpec(name: "pool", kind: .pooling2D(.max, window: pool)),
        LayerSpec(name: "conv2", kind: .conv2D(filters: 4, window: same, activation: .relu, useBias: true),
                  weights: [random([3, 3, 16, 4]), random([4])]),
        LayerSpec(name: "flatten", kind: .flatten),
        LayerSpec(name: "dense1", kind: .dense(units: 2, activation: .relu, useBias: true), weights: [random([36, 2]), random([2])]),
        LayerSpec(name: "dense2", kind: .dense(units: 3, activation: .softmax, useBias: true), weights: [random([2, 3]), random([3])]),
    ], dataLayout: layout)
}

@Suite("Converting convolutions")
struct ConvolutionConversionTests {
    /// New channel of old channel `c` for a `rows × columns` grid widened by 2, first block.
    private func firstBlock(_ channel: Int, rows: Int, columns: Int) -> Int {
        (channel / columns) * (columns * 2) + channel % columns
    }

    @Test("a Conv2D converts to BilinearConv2D: channel-major patch matrix factorised, filters widened by s², bias in block 0")
    func convolutionBecomesBilinear() throws {
        let model = smallCNN()
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["conv1"], initialization: .nkp))
        let layer = result.model.layers[1]
        guard case .bilinearConv2D(let shape, let window, let activation) = layer.kind else {
            Issue.record("conv1 is \(layer.kind)")
            return
        }
        // 16·3·3 = 144 patch values = 12×12; 16 filters = 4×4, widened to 8×8.
        #expect(shape == BilinearShape(inputRows: 12, inputColumns: 12, outputRows: 8, outputColumns: 8))
        #expect(window == Window2D(height: 3, width: 3, padding: .same))
        #expect(activation == .relu)
        // Block 0 of U ⊗ V is the nearest Kronecker product of the (18, 8) channel-major matrix.
        let matrix = ConvolutionKernel.channelMajor(model.layers[1].weights[0])
        let nearest = try NearestKronecker(kernel: matrix, input: FactorPair(rows: 12, columns: 12),
                                           output: FactorPair(rows: 4, columns: 4), components: 2)
        #expect(result.layers[0].relativeError.map { abs($0 - nearest.relativeError(terms: 1)) < 1e-6 } == true)
        let bias = layer.weights[2]
        for channel in 0..<16 {
            #expect(bias.scalars[firstBlock(channel, rows: 4, columns: 4)] == model.layers[1].weights[1].scalars[channel])
        }
        #expect(bias.scalars.filter { $0 != 0 }.count <= 16)
        #expect(result.model.outputShapes()[1] == [6, 6, 64])
    }

    @Test("channel-major order: row (c·kh + i)·kw + j of the matrix is kernel[i, j, c]")
    func channelMajorOrder() {
        var generator = SeededGenerator(seed: 3)
        let kernel = Reference.random([2, 3, 4, 5], in: -1...1, using: &generator)
        let matrix = ConvolutionKernel.channelMajor(kernel)
        #expect(matrix.shape == [24, 5])
        for i in 0..<2 { for j in 0..<3 { for c in 0..<4 { for o in 0..<5 {
            #expect(matrix[(c * 2 + i) * 3 + j, o] == kernel.scalars[((i * 3 + j) * 4 + c) * 5 + o])
        } } } }
    }

    @Test("widening conv1 widens the batch normalization (identity on new channels) and conv2's input channels (zero)")
    func wideningThroughBatchNormAndPooling() throws {
        let model = smallCNN()
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["conv1"], initialization: .nkp))
        let norm = result.model.layers[2].weights
        #expect(norm.map(\.shape) == Array(repeating: [64], count: 4))
        let destinations = (0..<16).map { firstBlock($0, rows: 4, columns: 4) }
        for (weight, fill) in zip(0..<4, [Float(1), 0, 0, 1]) {
            let old = model.layers[2].weights[weight].scalars
            for channel in 0..<16 { #expect(norm[weight].scalars[destinations[channel]] == old[channel]) }
            for channel in 0..<64 where !destinations.contains(channel) { #expect(norm[weight].scalars[channel] == fill) }
        }
        let kernel = result.model.layers[4].weights[0]
        #expect(kernel.shape == [3, 3, 64, 4])
        let old = model.layers[4].weights[0]
        for position in 0..<9 {
            for channel in 0..<64 {
                let source = destinations.firstIndex(of: channel)
                for filter in 0..<4 {
                    let value = kernel.scalars[(position * 64 + channel) * 4 + filter]
                    #expect(value == (source.map { old.scalars[(position * 16 + $0) * 4 + filter] } ?? 0))
                }
            }
        }
        #expect(result.layers.map(\.note)[1] == "channels widened ×4")
        #expect(result.layers.map(\.note)[2] == "input widened ×4 (first-block start)")
    }

    @Test("a Dense after Flatten reads widened channels at every position, in the model's flatten order", arguments: [DataLayout.channelsLast, .channelsFirst])
    func wideningThroughFlatten(layout: DataLayout) throws {
        let model = smallCNN(layout: layout)
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["conv2"], initialization: .nkp))
        // conv2: 16·9 = 144 = 12×12 patch values; 4 filters = 2×2 → 4×4 = 16 channels at 3×3 positions.
        #expect(result.model.outputShapes()[4] == [3, 3, 16])
        let kernel = result.model.layers[6].weights[0]
        #expect(kernel.shape == [144, 2])
        let old = model.layers[6].weights[0]
        func row(position: Int, channel: Int, channels: Int) -> Int {
            layout == .channelsLast ? position * channels + channel : channel * 9 + position
        }
        for position in 0..<9 {
            var seen: Set<Int> = []
            for channel in 0..<4 {
                let to = row(position: position, channel: firstBlock(channel, rows: 2, columns: 2), channels: 16)
                let from = row(position: position, channel: channel, channels: 4)
                seen.insert(to)
                for unit in 0..<2 { #expect(kernel[to, unit] == old[from, unit]) }
            }
            for channel in 0..<16 {
                let index = row(position: position, channel: channel, channels: 16)
                if !seen.contains(index) { #expect((0..<2).allSatisfy { kernel[index, $0] == 0 }) }
            }
        }
    }

    @Test("a converted consumer convolution factorises its widened kernel at the widened pair")
    func convertedConsumer() throws {
        let model = smallCNN()
        let result = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: ["conv1", "conv2"], initialization: .nkp))
        guard case .bilinearConv2D(let shape, _, _) = result.model.layers[4].kind else {
            Issue.record("conv2 is \(result.model.layers[4].kind)")
            return
        }
        // conv2 reads 64·9 = 576 values as (12·2)×(12·2).
        #expect(shape == BilinearShape(inputRows: 24, inputColumns: 24, outputRows: 4, outputColumns: 4))
        #expect(result.model.layers[6].weights[0].shape == [144, 2])
        #expect(result.model.outputShapes().last == [3])
    }

    @Test("the default plan: every Conv2D with a saving, and the Dense layers but the classifier")
    func defaultPlan() throws {
        let plan = try ConversionPlan(model: smallCNN(), options: ConversionOptions(scale: 1))
        #expect(plan.entries.map(\.layerIndex) == [1, 4])
        #expect(plan.kept[6] == .primeSize(side: .output, size: 2))
    }

    private static let images: Tensor = {
        var generator = SeededGenerator(seed: 11)
        return Reference.random([64, 6 * 6 * 16], in: 0...1, using: &generator)
    }()

    private func logits(_ model: Model) throws -> Tensor { try Network(model: model).logits(Self.images) }

    @Test("scale 1, nkp: a BilinearConv2D computes the Conv2D whose kernel is the rank-1 Kronecker approximation",
          arguments: [DataLayout.channelsLast, .channelsFirst])
    func scaleOneIsKroneckerConvolution(layout: DataLayout) throws {
        let model = smallCNN(layout: layout)
        let result = try Converter.convert(model, options: ConversionOptions(scale: 1, layerNames: ["conv1"], initialization: .nkp))
        // The reference works on the channel-major (144, 16) matrix, read as (12·12) → (4·4).
        let matrix = ConvolutionKernel.channelMajor(model.layers[1].weights[0])
        let approximation = Reference.kroneckerApproximation(kernel: matrix, d1: 12, d2: 12, u1: 4, u2: 4, terms: 1).kernel
        // Back to the Keras layout (kh, kw, Cin, Cout): channel-major row (c·3 + i)·3 + j is kernel[i, j, c].
        var kernel = Tensor(shape: [3, 3, 16, 16])
        for i in 0..<3 { for j in 0..<3 { for c in 0..<16 { for o in 0..<16 {
            kernel.scalars[((i * 3 + j) * 16 + c) * 16 + o] = approximation[(c * 3 + i) * 3 + j, o]
        } } } }
        var reference = model
        reference.layers[1].weights[0] = kernel
        assertClose(try logits(result.model), try logits(reference), atol: 1e-4, rtol: 1e-4)
    }

    /// A converted consumer reading through space is factorised afresh at its widened size (most-square pairs do not
    /// embed the old patch grid), so only kept consumers give exactly the scale-1 function.
    @Test("scale 2, first-block widening: the same outputs as scale 1, through batch norm, pooling and Flatten to kept consumers",
          arguments: [DataLayout.channelsLast, .channelsFirst])
    func firstBlockPreservesFunction(layout: DataLayout) throws {
        let model = smallCNN(layout: layout)
        for layers in [["conv1"], ["conv2"]] {
            let one = try Converter.convert(model, options: ConversionOptions(scale: 1, layerNames: layers, initialization: .nkp))
            let two = try Converter.convert(model, options: ConversionOptions(scale: 2, layerNames: layers, initialization: .nkp))
            #expect(two.model.parameterCount != one.model.parameterCount, "\(layers) widened")
            assertClose(try logits(two.model), try logits(one.model), atol: 1e-4, rtol: 1e-4)
        }
    }

    @Test("the data-aware start fits the converted convolutions and head to the original's outputs better than nkp",
          arguments: [DataLayout.channelsLast, .channelsFirst])
    func dataStartFitsConvolutions(layout: DataLayout) throws {
        let model = smallCNN(layout: layout)
        func error(_ converted: Model) throws -> Double {
            let (x, y) = (try logits(model), try logits(converted))
            return zip(x.scalars, y.scalars).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(x.count)
        }
        for scale in [1, 2] {
            let options = { (start: Initialization) in ConversionOptions(scale: scale, layerNames: ["conv1", "conv2"], initialization: start) }
            let nkp = try Converter.convert(model, options: options(.nkp))
            let data = try Converter.convert(model, options: options(.data), calibration: Self.images)
            #expect(data.model.layers.map(\.kind) == nkp.model.layers.map(\.kind))
            let (fitted, weightOnly) = (try error(data.model), try error(nkp.model))
            #expect(fitted < 0.5 * weightOnly, "scale \(scale): data \(fitted) against nkp \(weightOnly)")
        }
    }
}
