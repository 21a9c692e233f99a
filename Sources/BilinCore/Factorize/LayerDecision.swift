/// What a conversion did with one weighted layer, and why: a value the plan and the converter produce and only the
/// report renders to text (`note`).
public enum LayerDecision: Sendable, Equatable, Codable {
    /// Replaced by a bilinear layer; `scaleLimitedBy` says why its scale is 1 when a higher one was asked.
    case converted(scaleLimitedBy: WideningObstacle?)
    /// Left as it was, for `reason`.
    case kept(KeptReason)
    /// Left unconverted, its input widened by `factor` to read a widened producer, starting as `start` says.
    case inputWidened(factor: Int, start: String)
    /// A batch normalization whose channels were widened by `factor` along with its producer.
    case channelsWidened(factor: Int)

    /// The report's note: why a layer stays dense, runs at a lower scale, or was widened.
    public var note: String? {
        switch self {
        case .converted(let obstacle): obstacle.map { "scale 1: \($0.reason)" }
        case .kept(let reason): "kept: \(reason.text)"
        case .inputWidened(let factor, let start): "input widened ×\(factor) (\(start) start)"
        case .channelsWidened(let factor): "channels widened ×\(factor)"
        }
    }
}

/// Why a Dense or Conv2D layer the plan considered stays as it is.
public enum KeptReason: Sendable, Equatable, Codable {
    case inputNotFlat
    case inputNotImage
    /// Its input or output size has no divisor pair but `1 × size`.
    case primeSize(side: Side, size: Int)
    /// The bilinear layer and its widened consumers would hold at least as many parameters.
    case noParameterSaving(scale: Int)

    public enum Side: String, Sendable, Codable { case input, output }

    public var text: String {
        switch self {
        case .inputNotFlat: "input is not a flat vector"
        case .inputNotImage: "input is not a (height, width, channels) image"
        case .primeSize(let side, let size): "\(side.rawValue) size \(size) is prime: no useful matrix shape"
        case .noParameterSaving(let scale): "no parameter saving at scale \(scale)"
        }
    }
}
