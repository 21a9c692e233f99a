/// What the trainer reports after each batch.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batch: Int
    public var batches: Int
    /// Running means over the epoch so far.
    public var loss: Double
    public var accuracy: Double
    public var samplesPerSecond: Double
    public var secondsRemaining: Double
}

/// What the trainer records at the end of each epoch; epoch 0 is the state before training.
public struct EpochRecord: Sendable, Codable, Equatable {
    public var epoch: Int
    /// Training loss and accuracy, means over the epoch (`nil` for epoch 0).
    public var loss: Double?
    public var trainAccuracy: Double?
    public var testAccuracy: Double
    public var seconds: Double
}
