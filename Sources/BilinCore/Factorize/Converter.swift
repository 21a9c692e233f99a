/// The result of converting a model: the new model and a line per weighted layer.
public struct ConversionResult: Sendable {
    public var model: Model
    public var layers: [LayerConversion]
    /// The start used (the options' choice, or the default for the inputs given).
    public var initialization: Initialization
}

/// Replaces Dense layers by bilinear projections (DESIGN.md §2) and widens their consumers.
public enum Converter {
    /// Converts `model` as planned by `ConversionPlan(model:options:)`.
    ///
    /// A layer converted at scale `s` has `Dout·s²` outputs; the next weighted layer (a Dense, or a Dense that is
    /// itself converted) is widened to read them, starting from its old weights as `options.widening` says.
    /// The data-aware start (`.data`) refits the nearest-Kronecker start on `calibration` inputs, `(n, features)`.
    /// - Throws: `BilinError` from planning, when an SVD or a least-squares fit fails, or when `.data` has no inputs.
    public static func convert(_ model: Model, options: ConversionOptions, calibration: Tensor? = nil) throws -> ConversionResult {
        let initialization = options.resolvedInitialization(hasCalibration: calibration != nil)
        if initialization == .data, calibration == nil {
            throw BilinError("the data-aware start needs example inputs: give --data, or choose --init nkp or random")
        }
        let plan = try ConversionPlan(model: model, options: options)
        var converted = model
        var generator = SeededGenerator(seed: options.seed)
        var lines: [LayerConversion] = []
        let entries = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.layerIndex, $0) })
        // The widened output of the last converted layer, waiting for its consumer.
        var pendingWidening: (pair: FactorPair, scale: Int)? = nil

        for (index, layer) in model.layers.enumerated() where !layer.weights.isEmpty {
            let incoming = pendingWidening
            pendingWidening = nil
            if let entry = entries[index], case .dense(_, let activation, let useBias) = layer.kind {
                let kernel = layer.weights[0]
                let bias = useBias ? layer.weights[1] : Tensor(shape: [entry.output.count])
                let (rows, columns) = (entry.output.rows * entry.scale, entry.output.columns * entry.scale)
                var u: Tensor
                var v: Tensor
                // Reported for every start: how far the trained layer is from the Kronecker form the nkp start
                // uses (one term, or `scale` terms under diagonal widening).
                let terms = initialization == .nkp && options.widening == .diagonal ? entry.scale : 1
                let factors = try NearestKronecker(
                    kernel: kernel, input: entry.input, output: entry.output,
                    components: initialization == .nkp ? entry.scale : terms)
                let relativeError = factors.relativeError(terms: terms)
                // Drawn at the widened input size: every row of a network trained from scratch is random.
                func randomFactors() -> (Tensor, Tensor) {
                    let widen = incoming?.scale ?? 1
                    let (inputRows, inputColumns) = (entry.input.rows * widen, entry.input.columns * widen)
                    return (.glorotUniform(shape: [inputRows, rows], fanIn: inputRows, fanOut: rows, using: &generator),
                            .glorotUniform(shape: [inputColumns, columns], fanIn: inputColumns, fanOut: columns, using: &generator))
                }
                switch initialization {
                case .nkp:
                    (u, v) = (factors.u, factors.v)
                case .data:
                    // Block 0 from the weights (refitted to data later); the other blocks random, as from scratch,
                    // so the new features are as diverse as a fresh network's.
                    (u, v) = randomFactors()
                    let (first, second) = incoming.map { incoming in
                        (widenRows(factors.u, blockRows: incoming.pair.rows, scale: incoming.scale, widening: .firstBlock),
                         widenRows(factors.v, blockRows: incoming.pair.columns, scale: incoming.scale, widening: .firstBlock))
                    } ?? (factors.u, factors.v)
                    u = u.replacingLeadingColumns(with: first)
                    v = v.replacingLeadingColumns(with: second)
                case .random:
                    (u, v) = randomFactors()
                }
                var fullBias = Tensor(shape: [rows, columns])
                if initialization != .random {
                    for i1 in 0..<entry.output.rows {
                        for i2 in 0..<entry.output.columns { fullBias[i1, i2] = bias.scalars[i1 * entry.output.columns + i2] }
                    }
                }
                if let incoming, initialization == .nkp {
                    u = widenRows(u, blockRows: incoming.pair.rows, scale: incoming.scale, widening: options.widening)
                    v = widenRows(v, blockRows: incoming.pair.columns, scale: incoming.scale, widening: options.widening)
                }
                let shape = BilinearShape(inputRows: u.shape[0], inputColumns: v.shape[0], outputRows: rows, outputColumns: columns)
                converted.layers[index] = LayerSpec(name: layer.name, kind: .bilinear(shape, activation: activation), weights: [u, v, fullBias])
                lines.append(LayerConversion(
                    name: layer.name, kindBefore: "Dense", kindAfter: "BilinearProjection",
                    shapeBefore: "\(kernel.shape[0])→\(kernel.shape[1])",
                    shapeAfter: "\(shape.inputRows)×\(shape.inputColumns)→\(rows)×\(columns)",
                    parametersBefore: layer.parameterCount, parametersAfter: shape.parameterCount,
                    relativeError: relativeError, note: entry.note))
                if entry.scale > 1 { pendingWidening = (entry.output, entry.scale) }
            } else {
                var note = plan.skipped[index].map { "kept: \($0)" }
                if let incoming, case .dense = layer.kind {
                    var kernel = layer.weights[0]
                    switch initialization {
                    case .nkp, .data: kernel = widenKernelRows(kernel, pair: incoming.pair, scale: incoming.scale, widening: options.widening)
                    case .random:
                        let inputs = kernel.shape[0] * incoming.scale * incoming.scale
                        kernel = .glorotUniform(shape: [inputs, kernel.shape[1]], fanIn: inputs, fanOut: kernel.shape[1], using: &generator)
                    }
                    converted.layers[index].weights[0] = kernel
                    note = "input widened ×\(incoming.scale * incoming.scale) (\(startName(initialization, options)) start)"
                }
                let before = layer.weights.first.map { $0.rank == 2 ? "\($0.shape[0])→\($0.shape[1])" : "\($0.shape)" } ?? ""
                let after = converted.layers[index].weights.first.map { $0.rank == 2 ? "\($0.shape[0])→\($0.shape[1])" : "\($0.shape)" } ?? ""
                lines.append(LayerConversion(
                    name: layer.name, kindBefore: layer.kind.displayName, kindAfter: layer.kind.displayName,
                    shapeBefore: before, shapeAfter: after, parametersBefore: layer.parameterCount,
                    parametersAfter: converted.layers[index].parameterCount, relativeError: nil, note: note))
            }
        }
        if initialization == .data, let calibration { try DataAwareStart.fit(&converted, original: model, inputs: calibration) }
        return ConversionResult(model: converted, layers: lines, initialization: initialization)
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

    /// A dense kernel `(u1·u2, units)` widened to read a `(u1·s, u2·s)` bilinear output flattened row-major: input
    /// `i1·u2 + i2` moves to `(k·u1 + i1)·(u2·s) + k·u2 + i2` for block `k = 0` only, or for every diagonal block.
    static func widenKernelRows(_ kernel: Tensor, pair: FactorPair, scale: Int, widening: Widening) -> Tensor {
        let units = kernel.shape[1]
        var widened = Tensor(shape: [pair.count * scale * scale, units])
        let blocks = widening == .diagonal ? scale : 1
        for block in 0..<blocks {
            for i1 in 0..<pair.rows {
                for i2 in 0..<pair.columns {
                    let from = (i1 * pair.columns + i2) * units
                    let to = ((block * pair.rows + i1) * (pair.columns * scale) + block * pair.columns + i2) * units
                    for unit in 0..<units { widened.scalars[to + unit] = kernel.scalars[from + unit] }
                }
            }
        }
        return widened
    }
}
