/// Which Dense and Conv2D layers convert, at which scale, which consumers read their widened outputs, and which
/// layers stay as they are with the reason; computed once, before any factor.
public struct ConversionPlan: Sendable {
    public struct Entry: Sendable {
        public var layerIndex: Int
        public var input: FactorPair
        public var output: FactorPair
        public var scale: Int
        /// Why the scale is 1 when a higher one was asked, if it is.
        public var scaleLimitedBy: WideningObstacle?
        /// Every consumer of the widened output (empty at scale 1).
        public var consumers: [ConsumerPath]
    }

    /// Layers to convert, in model order.
    public var entries: [Entry]
    /// Candidate layers left as they are, with the reason, by layer index.
    public var kept: [Int: KeptReason]

    /// Plans a conversion.
    ///
    /// The scale rule on graphs (`Docs/method.md`): a layer widens only if every path from its output reaches a
    /// Dense or Conv2D consumer through layers that pass channels through. An output that meets other tensors at a
    /// merge (a residual stream) or a concatenation, or is a model output, keeps its width: the layer converts at
    /// scale 1.
    /// - Throws: `BilinError` when `--layers` names a layer that does not exist or is not a Dense or Conv2D layer.
    public init(model: Model, options: ConversionOptions) throws {
        let graph = ModelGraph(model)
        let denseIndices = model.layers.indices.filter { model.layers[$0].kind.isDense }
        let convolutionIndices = model.layers.indices.filter { if case .conv2D = model.layers[$0].kind { true } else { false } }
        let candidates: [Int]
        if let names = options.layerNames {
            let named = try names.map { name in
                guard let index = model.layerIndex(named: name) else {
                    throw BilinError("no layer named '\(name)' (layers: \(model.layers.map(\.name).joined(separator: ", ")))")
                }
                guard denseIndices.contains(index) || convolutionIndices.contains(index) else {
                    throw BilinError("layer '\(name)' is not a Dense or Conv2D layer (it is \(model.layers[index].kind.displayName))")
                }
                return index
            }
            candidates = Array(Set(named)).sorted()
        } else {
            candidates = (convolutionIndices + (options.convertLast ? denseIndices : Array(denseIndices.dropLast()))).sorted()
        }

        var entries: [Int: Entry] = [:]
        var kept: [Int: KeptReason] = [:]
        // Last layer first: widening a layer costs its consumers new rows, and that cost depends on whether a
        // consumer itself converts (new rows of U and V) or stays as it is (new rows of its kernel).
        for index in candidates.reversed() {
            let layer = model.layers[index]
            let inputCount: Int
            let outputCount: Int
            switch layer.kind {
            case .dense(let units, _, _):
                // The kernel's rows give the input width where the input's shape is unknown.
                let kernelRows = layer.weights.first.flatMap { $0.rank == 2 ? [$0.shape[0]] : nil }
                guard let inputShape = graph.inputShapes[index] ?? kernelRows, inputShape.count == 1 else {
                    kept[index] = .inputNotFlat
                    continue
                }
                (inputCount, outputCount) = (inputShape[0], units)
            case .conv2D(let filters, let window, _, _):
                guard let inputShape = graph.inputShapes[index], inputShape.count == 3 else {
                    kept[index] = .inputNotImage
                    continue
                }
                (inputCount, outputCount) = (window.patchSize(channels: inputShape[2]), filters)
            default:
                continue
            }
            let input = FactorPair(mostSquare: inputCount)
            let output = FactorPair(mostSquare: outputCount)
            if input.isDegenerate || output.isDegenerate {
                kept[index] = input.isDegenerate ? .primeSize(side: .input, size: input.count) : .primeSize(side: .output, size: output.count)
                continue
            }
            var scale = options.scale
            var obstacle: WideningObstacle? = nil
            var consumers: [ConsumerPath] = []
            var consumerGrowth = 0
            if scale > 1 {
                switch ConsumerPath.find(in: model, after: index, graph: graph) {
                case .failure(let reason):
                    (scale, obstacle) = (1, reason)
                case .success(let paths):
                    consumers = paths
                    // Four vectors of every batch normalization on the way (once, though paths may share it).
                    let normalizations = Set(paths.flatMap(\.batchNormalizations)).count
                    consumerGrowth = 4 * output.count * (scale * scale - 1) * normalizations + paths.reduce(0) {
                        $0 + ConversionPlan.wideningCost(model: model, consumer: $1, output: output, scale: scale, entries: entries)
                    }
                }
            }
            func parameters(atScale scale: Int) -> Int {
                BilinearShape(inputRows: input.rows, inputColumns: input.columns, outputRows: output.rows * scale,
                              outputColumns: output.columns * scale).parameterCount
            }
            if scale > 1, parameters(atScale: scale) + consumerGrowth >= layer.parameterCount {
                // Widening costs more than the conversion saves: convert without widening, if that saves.
                (scale, obstacle, consumers, consumerGrowth) = (1, .wideningCostsMore(scale: scale), [], 0)
            }
            if parameters(atScale: scale) >= layer.parameterCount {
                kept[index] = .noParameterSaving(scale: scale)
                continue
            }
            entries[index] = Entry(layerIndex: index, input: input, output: output, scale: scale, scaleLimitedBy: obstacle, consumers: consumers)
        }
        self.entries = entries.values.sorted { $0.layerIndex < $1.layerIndex }
        self.kept = kept
    }

    /// The parameters a consumer gains when the `output` channels of a layer are widened by `scale`: rows of U and V
    /// if it converts too (its entry is planned already; it factorises an input `scale` times wider on each side),
    /// rows of its kernel otherwise.
    private static func wideningCost(model: Model, consumer path: ConsumerPath, output: FactorPair, scale: Int, entries: [Int: Entry]) -> Int {
        if let entry = entries[path.consumer] {
            return (scale - 1) * (entry.input.rows * entry.output.rows * entry.scale + entry.input.columns * entry.output.columns * entry.scale)
        }
        let consumerOutputs: Int = switch model.layers[path.consumer].kind {
        case .dense(let units, _, _): units
        case .conv2D(let filters, _, _, _): filters
        default: 0
        }
        return output.count * (scale * scale - 1) * path.rowsPerChannel * consumerOutputs
    }
}
