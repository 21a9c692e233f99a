extension Tensor {
    /// Each row of this `(n, rows·columns)` batch read as a `(rows, columns)` matrix and transposed:
    /// `result[b, c·rows + r] = self[b, r·columns + c]`.
    public func transposingExamples(rows: Int, columns: Int) -> Tensor {
        let batch = shape[0]
        precondition(count == batch * rows * columns, "transposingExamples: \(rows)×\(columns) examples for \(shape)")
        let result = [Float](unsafeUninitializedCapacity: count) { target, initialized in
            scalars.withUnsafeBufferPointer { source in
                guard count > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                // In tiles of 8 source rows, so that the writes of one tile fill whole cache lines.
                for example in 0..<batch {
                    let (input, output) = (from + example * rows * columns, to + example * rows * columns)
                    var first = 0
                    while first < rows {
                        let last = min(first + 8, rows)
                        for c in 0..<columns {
                            for r in first..<last { output[c * rows + r] = input[r * columns + c] }
                        }
                        first = last
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: result)
    }
}
