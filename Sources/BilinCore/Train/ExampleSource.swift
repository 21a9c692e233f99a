/// Labelled examples read a batch at a time: every label known up front, the images read when a batch asks for them,
/// so that a dataset larger than memory can train.
public protocol ExampleSource: Sendable {
    var count: Int { get }
    /// Values per image, each image flattened in the model's input layout.
    var featureCount: Int { get }
    /// Every example's class index, in order.
    var labels: [Int32] { get }
    /// The images of examples `indices`, in that order: a `(indices.count, featureCount)` tensor.
    ///
    /// - Throws: `BilinError` naming the file at fault when an image cannot be read.
    func images(at indices: [Int]) throws -> Tensor
}

extension LabelledSplit: ExampleSource {
    public func images(at indices: [Int]) -> Tensor { images.rows(at: indices) }
}

extension Tensor {
    /// Rows `indices` of this `(rows, features)` matrix, in that order.
    func rows(at indices: [Int]) -> Tensor {
        let features = shape[1]
        var scalars = [Float](repeating: 0, count: indices.count * features)
        self.scalars.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                guard let source = source.baseAddress, let target = target.baseAddress else { return }
                for (row, index) in indices.enumerated() {
                    (target + row * features).update(from: source + index * features, count: features)
                }
            }
        }
        return Tensor(shape: [indices.count, features], scalars: scalars)
    }
}

extension ExampleSource {
    /// The images of examples `range`, in order.
    public func images(in range: Range<Int>) throws -> Tensor {
        try images(at: Array(range))
    }

    /// `body` on consecutive chunks of at most `chunkSize` examples, with the chunk's first index.
    public func forEachChunk(of chunkSize: Int = 1000, _ body: (Int, Tensor) throws -> Void) throws {
        for start in stride(from: 0, to: count, by: chunkSize) {
            try body(start, try images(in: start..<min(start + chunkSize, count)))
        }
    }
}
