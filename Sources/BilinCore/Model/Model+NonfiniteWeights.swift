/// A weight holding NaN or infinite values, which poison every output they reach.
public struct NonfiniteWeight: Sendable, Equatable {
    /// The layer's position in `Model.layers`, and the weight's in its `weights`.
    public var layerIndex: Int
    public var weightIndex: Int
    public var layer: String
    /// The layer's kind as reports name it (`Dense`).
    public var kind: String
    /// `kernel`, `bias`, `U`, `V`, or `weight 2` for a layer this tool only carries.
    public var weight: String
    /// How many of its values are NaN or infinite.
    public var count: Int

    /// `layer 'dense_1' (Dense): kernel holds 3 NaN or infinite values`.
    public var description: String {
        "layer '\(layer)' (\(kind)): \(weight) holds \(count) NaN or infinite value\(count == 1 ? "" : "s")"
    }
}

extension Model {
    /// Every weight that holds NaN or infinite values, in layer and weight order.
    public func nonfiniteWeights() -> [NonfiniteWeight] {
        layers.enumerated().flatMap { layerIndex, layer in
            layer.weights.enumerated().compactMap { weightIndex, weight -> NonfiniteWeight? in
                let count = weight.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                guard count > 0 else { return nil }
                return NonfiniteWeight(layerIndex: layerIndex, weightIndex: weightIndex, layer: layer.name,
                                       kind: layer.kind.displayName, weight: layer.weightName(weightIndex), count: count)
            }
        }
    }
}

extension LayerSpec {
    /// How messages name weight `index`, in `LayerKind`'s documented order.
    func weightName(_ index: Int) -> String {
        let names: [String] = switch kind {
        case .dense: ["kernel", "bias"]
        case .bilinear: ["U", "V", "bias"]
        default: []
        }
        return index < names.count ? names[index] : "weight \(index)"
    }
}
