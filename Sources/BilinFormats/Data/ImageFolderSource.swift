import BilinCore

/// One split of an `ImageFolder`, read a batch at a time: each image decoded when its batch is read, fitted to the
/// model's input (`ImageLayout`) and scaled as `DatasetLoader` scales stored bytes.
struct ImageFolderSource: ExampleSource {
    private(set) var paths: [String]
    private(set) var labels: [Int32]
    let layout: ImageLayout
    /// The value of each byte, 0…255: divided by 255, then normalised.
    let values: [Float]

    var count: Int { paths.count }
    var featureCount: Int { layout.featureCount }

    init(examples: [(path: String, label: Int32)], layout: ImageLayout, normalization: Normalization?) {
        paths = examples.map(\.path)
        labels = examples.map(\.label)
        self.layout = layout
        values = (0..<256).map { normalization?.apply(Float($0) / 255) ?? Float($0) / 255 }
    }

    func images(at indices: [Int]) throws -> Tensor {
        let features = featureCount
        var scalars = [Float](repeating: 0, count: indices.count * features)
        try scalars.withUnsafeMutableBufferPointer { output in
            for (row, index) in indices.enumerated() {
                let image = try DecodedImage.read(path: paths[index], channels: layout.channels)
                layout.fill(output.baseAddress! + row * features, from: image, values: values)
            }
        }
        return Tensor(shape: [indices.count, features], scalars: scalars)
    }

    /// This split without the examples whose image does not decode, and the paths of those.
    func withoutUnreadable() -> (source: ImageFolderSource, skipped: [String]) {
        var kept: [(path: String, label: Int32)] = []
        var skipped: [String] = []
        for (path, label) in zip(paths, labels) {
            if (try? DecodedImage.read(path: path, channels: layout.channels)) != nil {
                kept.append((path, label))
            } else {
                skipped.append(path)
            }
        }
        var source = self
        (source.paths, source.labels) = (kept.map(\.path), kept.map(\.label))
        return (source, skipped)
    }
}
