/// A dense, row-major array of `Float` with a shape: the last index runs fastest, as in NumPy, Keras and ONNX.
///
/// A value type: `scalars` is a Swift array, so copies share storage until one is written (copy-on-write).
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(scalars.count == shape.reduce(1, *), "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same scalars under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Rows and columns of a rank-2 tensor.
    public var matrixSize: (rows: Int, columns: Int) {
        precondition(rank == 2, "expected a matrix, got shape \(shape)")
        return (shape[0], shape[1])
    }

    public subscript(row: Int, column: Int) -> Float {
        get { scalars[row * shape[1] + column] }
        set { scalars[row * shape[1] + column] = newValue }
    }

    /// Adds `other`, of the same shape, element by element.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "adding shape \(other.shape) to \(shape)")
        scalars.withUnsafeMutableBufferPointer { target in
            other.scalars.withUnsafeBufferPointer { source in
                for i in target.indices { target[i] += source[i] }
            }
        }
    }

    /// Every element times `factor`.
    public func scaled(by factor: Float) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map { $0 * factor })
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        let (rows, columns) = matrixSize
        var result = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            for row in 0..<rows {
                for column in 0..<columns {
                    result[column * rows + row] = source[row * columns + column]
                }
            }
        }
        return Tensor(shape: [columns, rows], scalars: result)
    }

    /// Frobenius norm, accumulated in Double.
    public var frobeniusNorm: Double {
        scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    /// Whether every scalar is within `atol + rtol·|other|` of the other tensor's and the shapes agree.
    public func isClose(to other: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
        guard shape == other.shape else { return false }
        return zip(scalars, other.scalars).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
    }
}
