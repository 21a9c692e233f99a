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
        let (rows, columns) = (shape[0], shape[1])
        var sums = [Float](repeating: 0, count: columns)
        guard rows > 0, columns > 0 else { return Tensor(shape: [columns], scalars: sums) }
        // Eight rows at a time: one pass over the sums per eight rows, and a loop that vectorises.
        scalars.withUnsafeBufferPointer { m in
            sums.withUnsafeMutableBufferPointer { s in
                var row = 0
                while row + 8 <= rows {
                    let base = row * columns
                    for column in 0..<columns {
                        var total = m[base + column] + m[base + columns + column]
                        total += m[base + 2 * columns + column] + m[base + 3 * columns + column]
                        total += m[base + 4 * columns + column] + m[base + 5 * columns + column]
                        total += m[base + 6 * columns + column] + m[base + 7 * columns + column]
                        s[column] += total
                    }
                    row += 8
                }
                while row < rows {
                    for column in 0..<columns { s[column] += m[row * columns + column] }
                    row += 1
                }
            }
        }
        return Tensor(shape: [columns], scalars: sums)
    }

    /// Rows `range` of this `(rows, …)` tensor, every other axis kept.
    public func rows(_ range: Range<Int>) -> Tensor {
        let width = count / max(shape[0], 1)
        return Tensor(shape: [range.count] + shape.dropFirst(), scalars: Array(scalars[(range.lowerBound * width)..<(range.upperBound * width)]))
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
