/// Totals for one model file: what the report compares.
public struct ModelSummary: Sendable, Codable, Equatable {
    public var path: String
    public var params: Int
    public var bytes: Int
    /// Multiply-adds of one example's forward pass (`Model.multiplyAdds`); `nil` when a layer's size is not known.
    public var multiplyAdds: Int?
    /// Test accuracy in [0, 1]; `nil` without data.
    public var accuracy: Double?
    /// Inference time per example at batch 128, in microseconds; `nil` without data or when the model cannot run.
    public var microsecondsPerSample: Double?

    public init(path: String, params: Int, bytes: Int, multiplyAdds: Int? = nil, accuracy: Double? = nil, microsecondsPerSample: Double? = nil) {
        self.path = path
        self.params = params
        self.bytes = bytes
        self.multiplyAdds = multiplyAdds
        self.accuracy = accuracy
        self.microsecondsPerSample = microsecondsPerSample
    }
}

extension ModelSummary {
    private enum CodingKeys: String, CodingKey { case path, params, bytes, multiplyAdds, accuracy, microsecondsPerSample }

    /// Writes missing figures as JSON `null` rather than leaving the key out, so readers find every key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(params, forKey: .params)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(multiplyAdds, forKey: .multiplyAdds)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(microsecondsPerSample, forKey: .microsecondsPerSample)
    }
}
