/// One weighted layer's line in a conversion: what it was, what it became, and why.
public struct LayerConversion: Sendable, Codable, Equatable {
    public var name: String
    public var kindBefore: String
    public var kindAfter: String
    /// `784→1024` for a dense layer, `28×28→64×64` for a bilinear one.
    public var shapeBefore: String
    public var shapeAfter: String
    public var parametersBefore: Int
    public var parametersAfter: Int
    /// Relative Frobenius error of the trained layer's nearest Kronecker approximation (one term, or `scale` terms
    /// for the nkp start with diagonal widening), whatever the start; `nil` for layers that stay dense.
    public var relativeError: Double?
    /// Why a layer was skipped, kept at a lower scale, or widened.
    public var note: String?

    public var converted: Bool { kindAfter != kindBefore }
}
