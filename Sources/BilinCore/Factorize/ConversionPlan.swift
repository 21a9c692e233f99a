/// Which Dense layers convert, at which scale, and which are skipped with the reason; computed before any factor.
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
    /// - Throws: `BilinError` when `--layers` names a layer that does not exist or is not a Dense layer.
    public init(model: Model, options: ConversionOptions) throws {
        let shapes = model.outputShapes()
        let denseIndices = model.layers.indices.filter { if case .dense = model.layers[$0].kind { true } else { false } }
        let candidates: [Int]
        if let names = options.layerNames {
            let named = try names.map { name in
                guard let index = model.layerIndex(named: name) else {
                    throw BilinError("no layer named '\(name)' (layers: \(model.layers.map(\.name).joined(separator: ", ")))")
                }
                guard denseIndices.contains(index) else {
                    throw BilinError("layer '\(name)' is not a Dense layer (it is \(model.layers[index].kind.displayName))")
                }
                return index
            }
            candidates = Array(Set(named)).sorted()
        } else {
            candidates = options.convertLast ? denseIndices : Array(denseIndices.dropLast())
        }

        var entries: [Int: Entry] = [:]
        var skipped: [Int: String] = [:]
        // Last layer first: widening a layer costs its consumer new rows, and that cost depends on whether the
        // consumer itself converts (new rows of U and V) or stays dense (new rows of its kernel).
        for index in candidates.reversed() {
            guard case .dense(let units, _, _) = model.layers[index].kind else { continue }
            guard index > 0, let inputShape = shapes[index - 1], inputShape.count == 1 else {
                skipped[index] = "input is not a flat vector"
                continue
            }
            let input = FactorPair(mostSquare: inputShape[0])
            let output = FactorPair(mostSquare: units)
            if input.isDegenerate || output.isDegenerate {
                let which = input.isDegenerate ? "input size \(input.count)" : "output size \(output.count)"
                skipped[index] = "\(which) is prime: no useful matrix shape"
                continue
            }
            var scale = options.scale
            var note: String? = nil
            if scale > 1 {
                if let blocker = ConversionPlan.wideningBlocker(model: model, shapes: shapes, after: index) {
                    scale = 1
                    note = "scale 1: \(blocker)"
                }
            }
            let consumerGrowth = scale > 1 ? ConversionPlan.wideningCost(model: model, after: index, output: output, scale: scale, entries: entries) : 0
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

    /// The index of the next layer with weights after `index`, if only activations and dropout stand between.
    static func consumerIndex(model: Model, after index: Int) -> Int? {
        for next in (index + 1)..<model.layers.count {
            switch model.layers[next].kind {
            case .activation, .dropout: continue
            case .dense, .bilinear: return next
            default: return nil
            }
        }
        return nil
    }

    /// The parameters the consumer of layer `index` gains when that layer's `output` pair is widened by `scale`:
    /// rows of U and V if the consumer converts too (its entry is planned already), rows of its kernel otherwise.
    private static func wideningCost(model: Model, after index: Int, output: FactorPair, scale: Int, entries: [Int: Entry]) -> Int {
        guard let consumer = consumerIndex(model: model, after: index), case .dense(let units, _, _) = model.layers[consumer].kind else { return 0 }
        if let entry = entries[consumer] {
            return (scale - 1) * (output.rows * entry.output.rows * entry.scale + output.columns * entry.output.columns * entry.scale)
        }
        return output.count * (scale * scale - 1) * units
    }

    /// Why the output of layer `index` cannot be widened, or `nil` if its consumer can take a wider input.
    private static func wideningBlocker(model: Model, shapes: [[Int]?], after index: Int) -> String? {
        guard let consumer = consumerIndex(model: model, after: index) else {
            let next = model.layers[(index + 1)...].first { if case .activation = $0.kind { false } else if case .dropout = $0.kind { false } else { true } }
            if let next { return "its output feeds \(next.kind.displayName) '\(next.name)', which cannot be widened" }
            return "it is the model's output"
        }
        guard let inputShape = shapes[consumer - 1], inputShape.count == 1 else {
            return "its consumer '\(model.layers[consumer].name)' does not take a flat input"
        }
        return nil
    }
}
