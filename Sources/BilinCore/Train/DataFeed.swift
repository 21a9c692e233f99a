/// A training split and a test split read a batch at a time (`ExampleSource`), in memory or streamed from files.
/// Training never sees the test split; every accuracy figure uses it.
public struct DataFeed: Sendable {
    public var train: any ExampleSource
    public var test: any ExampleSource

    public init(train: any ExampleSource, test: any ExampleSource) {
        self.train = train
        self.test = test
    }
}

extension Dataset {
    /// The in-memory splits as a feed.
    public var feed: DataFeed { DataFeed(train: train, test: test) }
}

extension Network {
    /// The fraction of `source` whose largest output is its label, read in chunks of 1,000 examples
    /// (the batches `accuracy(on:)` computes in, so an in-memory split scores the same).
    public func accuracy(reading source: any ExampleSource) throws -> Double {
        guard source.count > 0 else { return 0 }
        let labels = source.labels
        var correct = 0
        try source.forEachChunk { start, images in
            for (offset, prediction) in logits(images).rowArgmax().enumerated() where prediction == Int(labels[start + offset]) {
                correct += 1
            }
        }
        return Double(correct) / Double(source.count)
    }

    /// Logits of every example of `source`, computed a chunk at a time.
    public func logits(reading source: any ExampleSource) throws -> Tensor {
        var scalars: [Float] = []
        var classes = 0
        try source.forEachChunk { _, images in
            let output = logits(images)
            classes = output.shape[1]
            scalars.append(contentsOf: output.scalars)
        }
        return Tensor(shape: [source.count, classes], scalars: scalars)
    }
}
