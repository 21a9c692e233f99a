/// The shapes of a bilinear projection `Y = Uᵀ X V` (Yu et al., IEEE TNNLS 2021).
///
/// The input vector `x` (length `inputRows · inputColumns`) is read row-major as the matrix
/// `X[i, j] = x[i · inputColumns + j]`; `U` is `(inputRows, outputRows)`, `V` is `(inputColumns, outputColumns)`,
/// and the output vector is `Y` flattened row-major, plus a full bias of `outputRows · outputColumns`.
public struct BilinearShape: Sendable, Equatable, Codable {
    public var inputRows: Int
    public var inputColumns: Int
    public var outputRows: Int
    public var outputColumns: Int

    public init(inputRows: Int, inputColumns: Int, outputRows: Int, outputColumns: Int) {
        self.inputRows = inputRows
        self.inputColumns = inputColumns
        self.outputRows = outputRows
        self.outputColumns = outputColumns
    }

    public var inputCount: Int { inputRows * inputColumns }
    public var outputCount: Int { outputRows * outputColumns }
    /// `U`, `V` and the bias.
    public var parameterCount: Int { inputRows * outputRows + inputColumns * outputColumns + outputCount }
}
