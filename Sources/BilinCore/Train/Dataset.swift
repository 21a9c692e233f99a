/// Labelled examples for fine-tuning and evaluation, already scaled and normalised.
///
/// `images` is `(count, features)` row-major, each row one example flattened in the model's input layout.
public struct LabelledSplit: Sendable {
    public var images: Tensor
    public var labels: [Int32]

    public init(images: Tensor, labels: [Int32]) {
        precondition(images.rank == 2 && images.shape[0] == labels.count, "images \(images.shape) and \(labels.count) labels disagree")
        self.images = images
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var featureCount: Int { images.shape[1] }

    /// The first `count` examples.
    public func prefix(_ count: Int) -> LabelledSplit {
        let kept = min(count, self.count)
        return LabelledSplit(
            images: Tensor(shape: [kept, featureCount], scalars: Array(images.scalars[0..<(kept * featureCount)])),
            labels: Array(labels[0..<kept]))
    }
}

/// A training split and a test split. Training never sees the test split; every accuracy figure uses it.
public struct Dataset: Sendable {
    public var train: LabelledSplit
    public var test: LabelledSplit

    public init(train: LabelledSplit, test: LabelledSplit) {
        self.train = train
        self.test = test
    }
}
