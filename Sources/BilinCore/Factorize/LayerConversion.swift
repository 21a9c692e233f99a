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
    /// What the conversion did with the layer and why; `nil` in a comparison of two files.
    public var decision: LayerDecision?

    /// Why a layer was skipped, kept at a lower scale, or widened, as the report prints it.
    public var note: String? { decision?.note }

    public var converted: Bool { kindAfter != kindBefore }

    private enum CodingKeys: String, CodingKey {
        case name, kindBefore, kindAfter, shapeBefore, shapeAfter, parametersBefore, parametersAfter, relativeError, decision, note
    }

    public init(name: String, kindBefore: String, kindAfter: String, shapeBefore: String, shapeAfter: String,
                parametersBefore: Int, parametersAfter: Int, relativeError: Double?, decision: LayerDecision?) {
        (self.name, self.kindBefore, self.kindAfter, self.shapeBefore, self.shapeAfter) = (name, kindBefore, kindAfter, shapeBefore, shapeAfter)
        (self.parametersBefore, self.parametersAfter, self.relativeError, self.decision) = (parametersBefore, parametersAfter, relativeError, decision)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name), kindBefore: try container.decode(String.self, forKey: .kindBefore),
            kindAfter: try container.decode(String.self, forKey: .kindAfter), shapeBefore: try container.decode(String.self, forKey: .shapeBefore),
            shapeAfter: try container.decode(String.self, forKey: .shapeAfter),
            parametersBefore: try container.decode(Int.self, forKey: .parametersBefore),
            parametersAfter: try container.decode(Int.self, forKey: .parametersAfter),
            relativeError: try container.decodeIfPresent(Double.self, forKey: .relativeError),
            decision: try container.decodeIfPresent(LayerDecision.self, forKey: .decision))
    }

    /// The stored fields, and `note` for readers that want the text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kindBefore, forKey: .kindBefore)
        try container.encode(kindAfter, forKey: .kindAfter)
        try container.encode(shapeBefore, forKey: .shapeBefore)
        try container.encode(shapeAfter, forKey: .shapeAfter)
        try container.encode(parametersBefore, forKey: .parametersBefore)
        try container.encode(parametersAfter, forKey: .parametersAfter)
        try container.encodeIfPresent(relativeError, forKey: .relativeError)
        try container.encodeIfPresent(decision, forKey: .decision)
        try container.encodeIfPresent(note, forKey: .note)
    }
}
