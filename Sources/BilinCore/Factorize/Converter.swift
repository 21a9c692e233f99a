/// The result of converting a model: the new model and a line per weighted layer.
public struct ConversionResult: Sendable {
    public var model: Model
    public var layers: [LayerConversion]
    /// The start used (the options' choice, or the default for the inputs given).
    public var initialization: Initialization
    /// The factor the data-aware start was shrunk by (`ShrunkStart`), if it was.
    public var shrunkBy: Float?
    /// Why a data-aware start that was to be shrunk could not be.
    public var unshrunkBecause: String?
}

/// Replaces Dense and Conv2D layers by bilinear projections (DESIGN.md §2) and widens their consumers.
public enum Converter {
    /// Converts `model` as planned by `ConversionPlan(model:options:)`.
    ///
    /// A layer converted at scale `s` has `Dout·s²` outputs (channels, for a convolution); the next weighted layer
    /// (`ConsumerPath`: a Dense or Conv2D, converted or not, through activations, pooling, Flatten and batch
    /// normalizations, which are widened too) is widened to read them, starting from its old weights as
    /// `options.widening` says. A convolution is factorised as the `(Cin·kh·kw, filters)` matrix of its kernel in the
    /// channel-major patch order of `LayerKind.bilinearConv2D`. The data-aware start (`.data`) refits the
    /// nearest-Kronecker start on `calibration` inputs, `(n, features)`.
    /// - Throws: `BilinError` from planning, when an SVD or a least-squares fit fails, or when `.data` has no inputs.
    public static func convert(_ model: Model, options: ConversionOptions, calibration: Tensor? = nil) throws -> ConversionResult {
        try convert(model, plan: ConversionPlan(model: model, options: options), options: options, calibration: calibration)
    }

    /// Converts `model` as `plan` (made from `model` and `options`) says.
    public static func convert(_ model: Model, plan: ConversionPlan, options: ConversionOptions, calibration: Tensor? = nil) throws -> ConversionResult {
        let initialization = options.resolvedInitialization(hasCalibration: calibration != nil)
        if initialization == .data, calibration == nil {
            throw BilinError("the data-aware start needs example inputs: give --data, or choose --init nkp or random")
        }
        var converted = model
        var generator = SeededGenerator(seed: options.seed)
        // The data-aware start is shrunk after its fit (`ShrunkStart`) unless that would change what it predicts.
        let firstConverted = plan.entries.map(\.layerIndex).min() ?? model.layers.count
        let unshrinkable = initialization == .data && options.shrink != 1 ? ShrunkStart.obstacle(in: model, from: firstConverted) : nil
        let shrink = initialization == .data && options.shrink != 1 && unshrinkable == nil ? options.shrink : nil
        // Random blocks of a start to be shrunk are drawn larger, to end at Glorot scale (each factor times √shrink).
        let randomScale = shrink.map { 1 / $0.squareRoot() } ?? 1
        var lines: [LayerConversion] = []
        let entries = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.layerIndex, $0) })
        // The widened input of each consumer of a converted layer, and the batch normalizations on the way, by
        // index; filled as their producer converts (producers come first in a topological order).
        var incoming: [Int: Incoming] = [:]
        var widenedNormalizations: [Int: ChannelWidening] = [:]

        for (index, layer) in model.layers.enumerated() where !layer.weights.isEmpty {
            var decision = plan.kept[index].map { LayerDecision.kept($0) }
            if let widening = widenedNormalizations[index] {
                converted.layers[index].weights = zip(layer.weights, [1, 0, 0, 1] as [Float]).map { weight, fill in
                    widening.widenVector(weight, fill: fill, widening: options.widening)
                }
                decision = .channelsWidened(factor: widening.scale * widening.scale)
            } else if let entry = entries[index] {
                let (spec, relativeError) = try bilinearLayer(
                    layer, entry: entry, incoming: incoming[index], initialization: initialization, options: options,
                    randomScale: randomScale, generator: &generator)
                converted.layers[index] = layer.replaced(by: spec)
                lines.append(LayerConversion(
                    name: layer.name, kindBefore: layer.kind.displayName, kindAfter: spec.kind.displayName,
                    shapeBefore: ConversionReport.shapeText(layer), shapeAfter: ConversionReport.shapeText(spec),
                    parametersBefore: layer.parameterCount, parametersAfter: spec.parameterCount,
                    relativeError: relativeError, decision: .converted(scaleLimitedBy: entry.scaleLimitedBy)))
                let widening = ChannelWidening(pair: entry.output, scale: entry.scale)
                for path in entry.consumers {
                    incoming[path.consumer] = Incoming(widening: widening, path: path)
                    for normalization in path.batchNormalizations { widenedNormalizations[normalization] = widening }
                }
                continue
            } else if let incoming = incoming[index] {
                converted.layers[index].weights[0] = widenedKernel(
                    layer.weights[0], incoming: incoming, initialization: initialization, options: options, generator: &generator)
                decision = .inputWidened(factor: incoming.widening.scale * incoming.widening.scale, start: startName(initialization, options))
            }
            lines.append(LayerConversion(
                name: layer.name, kindBefore: layer.kind.displayName, kindAfter: layer.kind.displayName,
                shapeBefore: ConversionReport.shapeText(layer), shapeAfter: ConversionReport.shapeText(converted.layers[index]),
                parametersBefore: layer.parameterCount, parametersAfter: converted.layers[index].parameterCount,
                relativeError: nil, decision: decision))
        }
        var result = ConversionResult(
            model: converted, layers: lines, initialization: initialization, shrunkBy: shrink, unshrunkBecause: unshrinkable)
        if initialization == .data, let calibration {
            try DataAwareStart.fit(&result.model, original: model, inputs: calibration)
            if let shrink {
                // The layers the start fitted: converted ones and the consumers widened to read them.
                let fitted = model.layers.indices.filter { index in
                    result.model.layers[index].kind != model.layers[index].kind
                        || result.model.layers[index].weights.map(\.shape) != model.layers[index].weights.map(\.shape)
                }
                ShrunkStart.shrink(&result.model, fitted: Set(fitted), by: shrink)
            }
        }
        return result
    }

    /// A converted layer's widened channels and the way they reach their consumer.
    private struct Incoming {
        var widening: ChannelWidening
        var path: ConsumerPath

        /// The shape of the consumer's `kernel` (Dense `(inputs, units)` or Conv2D `(kh, kw, C, filters)`) once its
        /// input channels are widened.
        func widenedShape(of kernel: Tensor) -> [Int] {
            Array(kernel.shape.dropLast(2)) + [kernel.shape[kernel.rank - 2] * widening.newCount / widening.oldCount, kernel.shape.last!]
        }

        /// The consumer's `kernel` with the rows of each old channel where that channel went, zero elsewhere.
        func widen(_ kernel: Tensor, widening rule: Widening) -> Tensor {
            let outputs = kernel.shape.last!
            return widening.widenRows(kernel.reshaped([kernel.count / outputs, outputs]), outer: path.outer, inner: path.inner,
                                      widening: rule).reshaped(widenedShape(of: kernel))
        }
    }

    /// The bilinear layer replacing the Dense or Conv2D `layer`, and the relative error of the nearest Kronecker
    /// approximation of its (widened) kernel.
    private static func bilinearLayer(
        _ layer: LayerSpec, entry: ConversionPlan.Entry, incoming: Incoming?, initialization: Initialization,
        options: ConversionOptions, randomScale: Float, generator: inout SeededGenerator
    ) throws -> (LayerSpec, Double) {
        let activation: Activation
        let bias: Tensor?
        switch layer.kind {
        case .dense(_, let dense, let useBias): (activation, bias) = (dense, useBias ? layer.weights[1] : nil)
        case .conv2D(_, _, let convolution, let useBias): (activation, bias) = (convolution, useBias ? layer.weights[1] : nil)
        default: preconditionFailure("layer '\(layer.name)' is not convertible")
        }
        // A dense layer reading the widened grid directly gets the rows of its factors widened after the fit (exact
        // for the first block); any other reader (through space, or a convolution's patches) has its kernel widened
        // first and factorised at the widened size.
        let widensFactors = incoming.map { $0.path.rowsPerChannel == 1 && layer.kind.isDense } ?? false
        var kernel = layer.weights[0]
        if let incoming, !widensFactors { kernel = incoming.widen(kernel, widening: options.widening) }
        let matrix = layer.kind.isDense ? kernel : ConvolutionKernel.channelMajor(kernel)
        let widen = incoming?.widening.scale ?? 1
        let readPair = FactorPair(rows: entry.input.rows * widen, columns: entry.input.columns * widen)
        let fitPair = widensFactors ? entry.input : readPair
        let (rows, columns) = (entry.output.rows * entry.scale, entry.output.columns * entry.scale)
        // Reported for every start: how far the trained layer is from the Kronecker form the nkp start uses (one
        // term, or `scale` terms under diagonal widening).
        let terms = initialization == .nkp && options.widening == .diagonal ? entry.scale : 1
        let factors = try NearestKronecker(
            kernel: matrix, input: fitPair, output: entry.output, components: initialization == .nkp ? entry.scale : terms)
        // Drawn at the widened input size: every row of a network trained from scratch is random.
        func randomFactors() -> (Tensor, Tensor) {
            (.glorotUniform(shape: [readPair.rows, rows], fanIn: readPair.rows, fanOut: rows, using: &generator),
             .glorotUniform(shape: [readPair.columns, columns], fanIn: readPair.columns, fanOut: columns, using: &generator))
        }
        func widenedFactors(_ widening: Widening) -> (Tensor, Tensor) {
            guard widensFactors, let incoming else { return (factors.u, factors.v) }
            return (widenRows(factors.u, blockRows: incoming.widening.pair.rows, scale: incoming.widening.scale, widening: widening),
                    widenRows(factors.v, blockRows: incoming.widening.pair.columns, scale: incoming.widening.scale, widening: widening))
        }
        var (u, v): (Tensor, Tensor)
        switch initialization {
        case .nkp:
            (u, v) = widenedFactors(options.widening)
        case .data:
            // Block 0 from the weights (refitted to data later); the other blocks random, as from scratch, so the
            // new features are as diverse as a fresh network's: drawn `randomScale` larger, so that they end at the
            // Glorot scale once the start is shrunk (each factor by √shrink).
            (u, v) = randomFactors()
            (u, v) = (u.scaled(by: randomScale), v.scaled(by: randomScale))
            let (first, second) = widenedFactors(.firstBlock)
            u = u.replacingLeadingColumns(with: first)
            v = v.replacingLeadingColumns(with: second)
        case .random:
            (u, v) = randomFactors()
        }
        var fullBias = Tensor(shape: [rows, columns])
        if initialization != .random, let bias {
            for i1 in 0..<entry.output.rows {
                for i2 in 0..<entry.output.columns { fullBias[i1, i2] = bias.scalars[i1 * entry.output.columns + i2] }
            }
        }
        let shape = BilinearShape(inputRows: u.shape[0], inputColumns: v.shape[0], outputRows: rows, outputColumns: columns)
        let kind: LayerKind = switch layer.kind {
        case .conv2D(_, let window, _, _): .bilinearConv2D(shape, window: window, activation: activation)
        default: .bilinear(shape, activation: activation)
        }
        return (LayerSpec(name: layer.name, kind: kind, weights: [u, v, fullBias]), factors.relativeError(terms: terms))
    }

    /// The kernel of a Dense or Conv2D layer that stays, widened to read its producer's widened channels: the old
    /// rows where the channels went (`options.widening`) and zero elsewhere, or all random for the random start.
    private static func widenedKernel(
        _ kernel: Tensor, incoming: Incoming, initialization: Initialization, options: ConversionOptions,
        generator: inout SeededGenerator
    ) -> Tensor {
        switch initialization {
        case .nkp, .data:
            return incoming.widen(kernel, widening: options.widening)
        case .random:
            let widenedShape = incoming.widenedShape(of: kernel)
            let (inputs, outputs) = (widenedShape.dropLast().reduce(1, *), widenedShape.last!)
            return Tensor.glorotUniform(shape: [inputs, outputs], fanIn: inputs, fanOut: outputs, using: &generator).reshaped(widenedShape)
        }
    }

    /// How a widened consumer starts, as the report says it.
    private static func startName(_ initialization: Initialization, _ options: ConversionOptions) -> String {
        switch initialization {
        case .nkp: options.widening.rawValue
        case .data: "data-aware"
        case .random: "random"
        }
    }

    /// A factor `(rows, columns)` read by a `(rows·scale, …)` input: the rows go to block 0 and the other blocks are
    /// zero (`firstBlock`), or the rows repeat in every block (`diagonal`).
    static func widenRows(_ factor: Tensor, blockRows: Int, scale: Int, widening: Widening) -> Tensor {
        let (rows, columns) = factor.matrixSize
        precondition(rows == blockRows, "factor rows \(rows) for a block of \(blockRows)")
        var widened = Tensor(shape: [rows * scale, columns])
        let blocks = widening == .diagonal ? scale : 1
        for block in 0..<blocks {
            for row in 0..<rows {
                for column in 0..<columns { widened[block * rows + row, column] = factor[row, column] }
            }
        }
        return widened
    }
}

extension LayerKind {
    var isDense: Bool { if case .dense = self { true } else { false } }
}
