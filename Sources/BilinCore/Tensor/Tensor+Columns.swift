extension Tensor {
    /// The first `count` columns of this `(rows, columns)` matrix.
    public func leadingColumns(_ count: Int) -> Tensor {
        let (rows, columns) = matrixSize
        precondition(count <= columns, "\(count) leading columns of \(columns)")
        var block = Tensor(shape: [rows, count])
        for row in 0..<rows {
            for column in 0..<count { block.scalars[row * count + column] = scalars[row * columns + column] }
        }
        return block
    }

    /// This matrix with its first `block.shape[1]` columns replaced by `block`, which has as many rows.
    public func replacingLeadingColumns(with block: Tensor) -> Tensor {
        let (rows, columns) = matrixSize
        let count = block.shape[1]
        precondition(block.shape[0] == rows && count <= columns, "\(block.shape) block for a \(shape) matrix")
        var result = self
        for row in 0..<rows {
            for column in 0..<count { result.scalars[row * columns + column] = block.scalars[row * count + column] }
        }
        return result
    }
}
