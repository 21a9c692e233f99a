internal import CBLAS

/// A thin singular value decomposition `a = u · diag(singularValues) · vt` of an `(m, n)` matrix, `r = min(m, n)`:
/// `u` is `(m, r)`, `vt` is `(r, n)`, singular values descending.
public struct SingularValueDecomposition: Sendable {
    public var u: Tensor
    public var singularValues: [Float]
    public var vt: Tensor

    /// Computes the decomposition with LAPACK's divide-and-conquer `sgesdd`.
    /// - Throws: `BilinError` if LAPACK reports failure (no convergence or bad input).
    public init(_ matrix: Tensor) throws {
        let (rows, columns) = matrix.matrixSize
        let rank = min(rows, columns)
        var a = matrix.scalars
        var singularValues = [Float](repeating: 0, count: rank)
        var u = [Float](repeating: 0, count: rows * rank)
        var vt = [Float](repeating: 0, count: rank * columns)
        let info = LAPACKE_sgesdd(
            bilin_lapack_row_major(), UInt8(ascii: "S").asCChar,
            bilin_lapack_int(rows), bilin_lapack_int(columns), &a, bilin_lapack_int(columns), &singularValues,
            &u, bilin_lapack_int(rank), &vt, bilin_lapack_int(columns))
        guard info == 0 else {
            throw BilinError("singular value decomposition of a \(rows)×\(columns) matrix failed (LAPACK sgesdd info \(info))")
        }
        self.u = Tensor(shape: [rows, rank], scalars: u)
        self.singularValues = singularValues
        self.vt = Tensor(shape: [rank, columns], scalars: vt)
    }
}

extension UInt8 {
    fileprivate var asCChar: CChar { CChar(bitPattern: self) }
}
