/// How to start the factors of a converted layer.
public enum Initialization: String, Sendable, CaseIterable, Codable {
    /// Nearest Kronecker product of the trained weights (SVD), with the consumer widened function-preservingly.
    case nkp
    /// Block (0,0) of each converted layer fitted to the original layer's outputs on real inputs, the other blocks
    /// random, widened consumers refitted (`DataAwareStart`).
    case data
    /// Glorot-random factors and a random widened consumer: the same bilinear network trained from scratch.
    case random
}

extension Initialization {
    /// What the start is, for reports.
    public var summary: String {
        switch self {
        case .nkp: "nearest Kronecker product of the trained weights"
        case .data: "fitted to the original layers' outputs on training inputs"
        case .random: "random, as training from scratch"
        }
    }
}

/// How the layer after a widened one starts reading the `s²` times wider output.
public enum Widening: String, Sendable, CaseIterable, Codable {
    /// Only the positions of block (0,0) carry the old weights; the network starts as the scale-1 conversion.
    case firstBlock = "first-block"
    /// The old weights on every diagonal block (k,k): with a linear activation the sum of the diagonal blocks is
    /// the rank-`s` Kronecker approximation. A bilinear consumer cannot pick out the diagonal, so it reads every block.
    case diagonal
}

/// What to convert and how.
public struct ConversionOptions: Sendable {
    /// The start used with or without calibration inputs.
    public func resolvedInitialization(hasCalibration: Bool) -> Initialization {
        initialization ?? (hasCalibration ? .data : .nkp)
    }

    /// Output widening: a converted layer's `Dout` outputs become `Dout · scale²`.
    public var scale: Int
    /// Layers to convert by name; `nil`: every Dense layer but the last.
    public var layerNames: [String]?
    /// Convert the last Dense layer too (at scale 1, so the model keeps its outputs).
    public var convertLast: Bool
    /// `nil`: `.data` when calibration inputs are given, else `.nkp` (what wins on the Fashion-MNIST MLP,
    /// Docs/results.md).
    public var initialization: Initialization?
    public var widening: Widening
    /// Seeds the random start.
    public var seed: UInt64
    /// The data-aware start is shrunk by this factor per fitted layer before fine-tuning (`ShrunkStart`); 1 keeps the
    /// fit as it is.
    public var shrink: Float

    public init(
        scale: Int = 1, layerNames: [String]? = nil, convertLast: Bool = false, initialization: Initialization? = nil,
        widening: Widening = .firstBlock, seed: UInt64 = 0, shrink: Float = 0.2
    ) {
        self.shrink = shrink
        self.scale = scale
        self.layerNames = layerNames
        self.convertLast = convertLast
        self.initialization = initialization
        self.widening = widening
        self.seed = seed
    }
}
