extension Tensor {
    /// Adds `vector` to every row of this `(rows, columns)` matrix.
    public mutating func addRowVector(_ vector: Tensor) {
        let columns = shape[1]
        precondition(vector.count == columns, "row vector of \(vector.count) for \(columns) columns")
        vector.scalars.withUnsafeBufferPointer { v in
            scalars.withUnsafeMutableBufferPointer { m in
                var offset = 0
                while offset < m.count {
                    for column in 0..<columns { m[offset + column] += v[column] }
                    offset += columns
                }
            }
        }
    }

    /// The sum over rows, `(rows, columns) → (columns)`.
    public func columnSums() -> Tensor {
        let columns = shape[1]
        var sums = [Float](repeating: 0, count: columns)
        scalars.withUnsafeBufferPointer { m in
            sums.withUnsafeMutableBufferPointer { s in
                var offset = 0
                while offset < m.count {
                    for column in 0..<columns { s[column] += m[offset + column] }
                    offset += columns
                }
            }
        }
        return Tensor(shape: [columns], scalars: sums)
    }

    /// The index of the largest value of each row.
    public func rowArgmax() -> [Int] {
        let columns = shape[1]
        return (0..<shape[0]).map { row in
            var best = 0
            for column in 1..<columns where self[row, column] > self[row, best] { best = column }
            return best
        }
    }
}
