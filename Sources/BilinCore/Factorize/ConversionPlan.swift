/// Which Dense and Conv2D layers convert, at which scale, and which are skipped with the reason; computed before any factor.
public struct ConversionPlan: Sendable {
    public struct Entry: Sendable {
        public var layerIndex: Int
        public var input: FactorPair
        public var output: FactorPair
        public var scale: Int
        /// Why the scale is lower than asked, if it is.
        public var note: String?
    }

    /// Layers to convert, in model order.
    public var entries: [Entry]
    /// Candidate layers left dense, with the reason, by layer index.
    public var skipped: [Int: String]

    /// Plans a conversion.
    /// - Throws: `BilinError` when `--layers` names a layer that does not exist or is not a Dense or Conv2D layer.
    public init(model: Model, options: ConversionOptions) throws {
        let shapes = model.inputShapes()
        let denseIndices = model.layers.indices.filter { if case .dense = model.layers[$0].kind { true } else { false } }
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
        var skipped: [Int: String] = [:]
        // Last layer first: widening a layer costs its consumer new rows, and that cost depends on whether the
        // consumer itself converts (new rows of U and V) or stays as it is (new rows of its kernel).
        for index in candidates.reversed() {
            let outputCount: Int
            let inputCount: Int
            switch model.layers[index].kind {
            case .dense(let units, _, _):
                // The kernel's rows give the input width where the input's shape is unknown.
                let kernelRows = model.layers[index].weights.first.flatMap { $0.rank == 2 ? [$0.shape[0]] : nil }
                guard let inputShape = shapes[index] ?? kernelRows, inputShape.count == 1 else {
                    skipped[index] = "input is not a flat vector"
                    continue
                }
                (inputCount, outputCount) = (inputShape[0], units)
            case .conv2D(let filters, let window, _, _):
                guard let inputShape = shapes[index], inputShape.count == 3 else {
                    skipped[index] = "input is not a (height, width, channels) image"
                    continue
                }
                (inputCount, outputCount) = (window.patchSize(channels: inputShape[2]), filters)
            default:
                continue
            }
            let input = FactorPair(mostSquare: inputCount)
            let output = FactorPair(mostSquare: outputCount)
            if input.isDegenerate || output.isDegenerate {
                let which = input.isDegenerate ? "input size \(input.count)" : "output size \(output.count)"
                skipped[index] = "\(which) is prime: no useful matrix shape"
                continue
            }
            var scale = options.scale
            var note: String? = nil
            var consumerGrowth = 0
            if scale > 1 {
                switch ConsumerPath.find(in: model, after: index) {
                case .failure(let blocker):
                    scale = 1
                    note = "scale 1: \(blocker.reason)"
                case .success(let path):
                    consumerGrowth = ConversionPlan.wideningCost(model: model, path: path, output: output, scale: scale, entries: entries)
                }
            }
            let bilinear = BilinearShape(
                inputRows: input.rows, inputColumns: input.columns, outputRows: output.rows * scale, outputColumns: output.columns * scale)
            if bilinear.parameterCount + consumerGrowth >= model.layers[index].parameterCount {
                skipped[index] = "no parameter saving at scale \(scale)"
                continue
            }
            entries[index] = Entry(layerIndex: index, input: input, output: output, scale: scale, note: note)
        }
        self.entries = entries.values.sorted { $0.layerIndex < $1.layerIndex }
        self.skipped = skipped
    }

    /// The parameters the model gains when the `output` channels of a layer are widened by `scale`: rows of U and V
    /// if its consumer converts too (its entry is planned already; it factorises an input `scale` times wider on
    /// each side), rows of the consumer's kernel otherwise, and four vectors of every batch normalization between.
    private static func wideningCost(model: Model, path: ConsumerPath, output: FactorPair, scale: Int, entries: [Int: Entry]) -> Int {
        let newChannels = output.count * (scale * scale - 1)
        let normalizations = 4 * newChannels * path.batchNormalizations.count
        if let entry = entries[path.consumer] {
            return normalizations + (scale - 1) * (entry.input.rows * entry.output.rows * entry.scale
                                                   + entry.input.columns * entry.output.columns * entry.scale)
        }
        let consumerOutputs: Int = switch model.layers[path.consumer].kind {
        case .dense(let units, _, _): units
        case .conv2D(let filters, _, _, _): filters
        default: 0
        }
        return normalizations + newChannels * path.rowsPerChannel * consumerOutputs
    }
}
