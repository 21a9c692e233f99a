/// How to start the factors of a converted layer.
public enum Initialization: String, Sendable, CaseIterable, Codable {
    /// Nearest Kronecker product of the trained weights (SVD), with the consumer widened function-preservingly.
    case nkp
    /// Glorot-random factors and a random widened consumer: the same bilinear network trained from scratch.
    case random
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
    /// Output widening: a converted layer's `Dout` outputs become `Dout · scale²`.
    public var scale: Int
    /// Layers to convert by name; `nil`: every Dense layer but the last.
    public var layerNames: [String]?
    /// Convert the last Dense layer too (at scale 1, so the model keeps its outputs).
    public var convertLast: Bool
    /// Default `.random`: on the Fashion-MNIST MLP it beats the nearest-Kronecker start after fine-tuning at every
    /// scale measured (Docs/results.md, scripts/measure_starts.sh).
    public var initialization: Initialization
    public var widening: Widening
    /// Seeds the random start.
    public var seed: UInt64

    public init(
        scale: Int = 1, layerNames: [String]? = nil, convertLast: Bool = false, initialization: Initialization = .random,
        widening: Widening = .firstBlock, seed: UInt64 = 0
    ) {
        self.scale = scale
        self.layerNames = layerNames
        self.convertLast = convertLast
        self.initialization = initialization
        self.widening = widening
        self.seed = seed
    }
}
