internal import CBLAS

extension Tensor {
    /// Solves `(self + ridge · I) · x = rightHandSide` for a symmetric positive semi-definite `(n, n)` matrix `self`
    /// (a Gram matrix `AᵀA`) and an `(n, k)` right-hand side, by Cholesky factorisation (LAPACK `sposv`).
    ///
    /// `ridge` is relative to the mean diagonal, so that the same value suits data of any scale; a Gram matrix of
    /// rank below `n` (fewer examples than features) still gives a unique, small solution.
    /// - Throws: `BilinError` if the regularised matrix is not positive definite.
    public func solvingRidge(_ rightHandSide: Tensor, ridge: Float) throws -> Tensor {
        let (n, columns) = (shape[0], rightHandSide.shape[1])
        precondition(shape == [n, n] && rightHandSide.shape[0] == n, "ridge solve of \(shape) with \(rightHandSide.shape)")
        var a = scalars
        let meanDiagonal = (0..<n).reduce(Float(0)) { $0 + a[$1 * n + $1] } / Float(max(n, 1))
        let shift = ridge * max(meanDiagonal, Float.leastNormalMagnitude)
        for index in 0..<n { a[index * n + index] += shift }
        var b = rightHandSide.scalars
        let info = LAPACKE_sposv(
            bilin_lapack_row_major(), CChar(bitPattern: UInt8(ascii: "U")), bilin_lapack_int(n), bilin_lapack_int(columns),
            &a, bilin_lapack_int(n), &b, bilin_lapack_int(columns))
        guard info == 0 else {
            throw BilinError("least-squares fit of \(n) unknowns failed (LAPACK sposv info \(info))")
        }
        return Tensor(shape: [n, columns], scalars: b)
    }
}
