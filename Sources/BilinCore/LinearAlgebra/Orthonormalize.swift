internal import CBLAS

extension LinearAlgebra {
    /// Replaces the `columns` columns of a row-major `(rows, columns)` matrix (`rows ≥ columns`) by an orthonormal
    /// basis of their span (Householder QR: LAPACK `sgeqrf` then `sorgqr`).
    /// - Throws: `BilinError` if LAPACK reports failure.
    static func orthonormalizeColumns(_ matrix: inout [Float], rows: Int, columns: Int) throws {
        precondition(rows >= columns && matrix.count == rows * columns)
        var tau = [Float](repeating: 0, count: columns)
        var info = LAPACKE_sgeqrf(
            bilin_lapack_row_major(), bilin_lapack_int(rows), bilin_lapack_int(columns), &matrix, bilin_lapack_int(columns), &tau)
        guard info == 0 else { throw BilinError("QR of a \(rows)×\(columns) matrix failed (LAPACK sgeqrf info \(info))") }
        info = LAPACKE_sorgqr(
            bilin_lapack_row_major(), bilin_lapack_int(rows), bilin_lapack_int(columns), bilin_lapack_int(columns),
            &matrix, bilin_lapack_int(columns), &tau)
        guard info == 0 else { throw BilinError("QR of a \(rows)×\(columns) matrix failed (LAPACK sorgqr info \(info))") }
    }

    /// The eigenvalues, descending, of a symmetric `(n, n)` row-major matrix (LAPACK `ssyev`, values only).
    static func symmetricEigenvalues(_ matrix: [Float], n: Int) throws -> [Float] {
        var a = matrix
        var values = [Float](repeating: 0, count: n)
        let info = LAPACKE_ssyev(
            bilin_lapack_row_major(), CChar(bitPattern: UInt8(ascii: "N")), CChar(bitPattern: UInt8(ascii: "U")),
            bilin_lapack_int(n), &a, bilin_lapack_int(n), &values)
        guard info == 0 else { throw BilinError("eigenvalues of a \(n)×\(n) matrix failed (LAPACK ssyev info \(info))") }
        return values.reversed()
    }
}

/// Namespace for the LAPACK helpers that have no tensor-level home.
enum LinearAlgebra {}
