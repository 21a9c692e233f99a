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
    /// Where the epoch's time went between reading data and training on it (`nil` for epoch 0).
    public var data: DataTime? = nil
}

/// An epoch's data time: the background reader's reading and decoding, against the training steps it fed.
public struct DataTime: Sendable, Codable, Equatable {
    /// Reading and decoding the epoch's batches, on the reader's thread (overlapping the steps).
    public var readSeconds: Double
    /// Time the steps waited for a batch that was not ready yet.
    public var waitSeconds: Double
    /// Forward, backward and optimizer time, waits excluded.
    public var stepSeconds: Double

    public init(readSeconds: Double, waitSeconds: Double, stepSeconds: Double) {
        self.readSeconds = readSeconds
        self.waitSeconds = waitSeconds
        self.stepSeconds = stepSeconds
    }

    /// Whether reading is a noticeable part of the work: more than a tenth of the step time.
    public var isWorthReporting: Bool { readSeconds > stepSeconds / 10 }

    /// One line for people, as the report and the progress print it.
    public var summary: String {
        String(format: "reading and decoding data took %.1f s beside %.1f s of training steps, which waited %.1f s for it",
               readSeconds, stepSeconds, waitSeconds)
    }
}
