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
