/// Reorders the values of each example: read as a `(rows, columns)` matrix, it becomes its transpose.
///
/// A channels-first model's network starts with one (`(C, H·W)` → `(H·W, C)`: its input read as `(C, H, W)`, the
/// layers computing channels-last) and has one at each Flatten of an image (`(H·W, C)` → `(C, H·W)`: features in
/// the `C, H, W` order its dense kernels were trained on).
public final class ExampleTranspose: Layer {
    public let name: String
    public let rows: Int
    public let columns: Int

    public init(name: String, rows: Int, columns: Int) {
        (self.name, self.rows, self.columns) = (name, rows, columns)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.transposingExamples(rows: rows, columns: columns)
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        (self(input), { [rows, columns] outputGradient in outputGradient.transposingExamples(rows: columns, columns: rows) })
    }
}
