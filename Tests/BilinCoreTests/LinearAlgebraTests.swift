import BilinCore
import BilinTestSupport
import Testing

@Suite("GEMM and SVD")
struct LinearAlgebraTests {
    @Test("matmul matches explicit loops for all four transpose combinations on odd sizes",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulTransposes(transposeA: Bool, transposeB: Bool) {
        var generator = SeededGenerator(seed: 11)
        let (m, k, n) = (7, 5, 3)
        let a = Reference.random(transposeA ? [k, m] : [m, k], using: &generator)
        let b = Reference.random(transposeB ? [n, k] : [k, n], using: &generator)
        let product = a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
        #expect(product.shape == [m, n])
        // The explicit-loop product written out here, not through the support helper, for the plain case.
        var expected = Tensor(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for l in 0..<k {
                    let x = transposeA ? a[l, i] : a[i, l]
                    let y = transposeB ? b[j, l] : b[l, j]
                    sum += Double(x) * Double(y)
                }
                expected[i, j] = Float(sum)
            }
        }
        assertClose(product, expected, atol: 1e-5, rtol: 1e-5)
    }

    @Test("matmul of a larger odd-sized product (BLAS blocking paths) matches the loops")
    func matmulLarger() {
        var generator = SeededGenerator(seed: 12)
        let a = Reference.random([37, 53], using: &generator)
        let b = Reference.random([29, 53], using: &generator)
        assertClose(a.matmul(b, transposeOther: true), Reference.matmul(a, b, transposeB: true), atol: 1e-4, rtol: 1e-4)
        assertClose(a.matmul(a, transposeSelf: true), Reference.matmul(a, a, transposeA: true), atol: 1e-4, rtol: 1e-4)
    }

    @Test("a beta-0 product overwrites NaN in its output and leaves the columns past n of a wider ldc untouched")
    func betaZeroIntoStridedOutput() {
        var generator = SeededGenerator(seed: 13)
        let (m, k, n, ldc) = (9, 6, 5, 8)
        let a = Reference.random([m, k], using: &generator)
        let b = Reference.random([k, n], using: &generator)
        var c = [Float](repeating: .nan, count: m * ldc)
        a.scalars.withUnsafeBufferPointer { a in
            b.scalars.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: ldc)
                }
            }
        }
        let product = Tensor(shape: [m, n], scalars: (0..<m).flatMap { row in c[(row * ldc)..<(row * ldc + n)] })
        assertClose(product, Reference.matmul(a, b), atol: 1e-5, rtol: 1e-5)
        #expect((0..<m).allSatisfy { row in (n..<ldc).allSatisfy { c[row * ldc + $0].isNaN } })
    }

    @Test("matmul with an empty inner dimension gives zeros")
    func matmulEmptyInner() {
        let a = Tensor(shape: [3, 0])
        let b = Tensor(shape: [0, 2])
        let product = a.matmul(b)
        #expect(product == Tensor(shape: [3, 2]))
    }

    @Test("transposed() matches explicit loops")
    func transpose() {
        var generator = SeededGenerator(seed: 13)
        let a = Reference.random([3, 5], using: &generator)
        let t = a.transposed()
        #expect(t.shape == [5, 3])
        for r in 0..<3 { for c in 0..<5 { #expect(t[c, r] == a[r, c]) } }
    }

    /// Checks `a ≈ u diag(s) vt`, descending non-negative values and orthonormal columns of `u` and rows of `vt`.
    private func checkSVD(_ a: Tensor, tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation) throws -> SingularValueDecomposition {
        let svd = try SingularValueDecomposition(a)
        let (rows, columns) = (a.shape[0], a.shape[1])
        let rank = min(rows, columns)
        #expect(svd.u.shape == [rows, rank], sourceLocation: sourceLocation)
        #expect(svd.vt.shape == [rank, columns], sourceLocation: sourceLocation)
        #expect(svd.singularValues.count == rank, sourceLocation: sourceLocation)
        for k in 1..<rank {
            #expect(svd.singularValues[k - 1] >= svd.singularValues[k], "singular values not descending at \(k)", sourceLocation: sourceLocation)
        }
        #expect(svd.singularValues.allSatisfy { $0 >= 0 }, sourceLocation: sourceLocation)
        // Reconstruction by explicit loops.
        var reconstruction = Tensor(shape: [rows, columns])
        for i in 0..<rows {
            for j in 0..<columns {
                var sum = 0.0
                for k in 0..<rank { sum += Double(svd.u[i, k]) * Double(svd.singularValues[k]) * Double(svd.vt[k, j]) }
                reconstruction[i, j] = Float(sum)
            }
        }
        assertClose(reconstruction, a, atol: tolerance, rtol: 0, "reconstruction", sourceLocation: sourceLocation)
        // Orthonormality: uᵀu = I, vt vtᵀ = I.
        var identity = Tensor(shape: [rank, rank])
        for k in 0..<rank { identity[k, k] = 1 }
        assertClose(Reference.matmul(svd.u, svd.u, transposeA: true), identity, atol: tolerance, rtol: 0, "uᵀu", sourceLocation: sourceLocation)
        assertClose(Reference.matmul(svd.vt, svd.vt, transposeB: true), identity, atol: tolerance, rtol: 0, "vt vtᵀ", sourceLocation: sourceLocation)
        return svd
    }

    @Test("SVD of a tall and a wide random matrix: reconstruction, order, orthonormality", arguments: [[9, 5], [4, 11]])
    func svdRandom(shape: [Int]) throws {
        var generator = SeededGenerator(seed: 21)
        let a = Reference.random(shape, using: &generator)
        let svd = try checkSVD(a, tolerance: 1e-4)
        // Σσ² = ‖A‖F².
        let sumSquares = svd.singularValues.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(sumSquares - a.frobeniusNorm * a.frobeniusNorm) < 1e-4 * sumSquares)
    }

    @Test("SVD of a rank-2 matrix: two nonzero singular values, exact reconstruction")
    func svdRankDeficient() throws {
        var generator = SeededGenerator(seed: 22)
        let left = Reference.random([8, 2], using: &generator)
        let right = Reference.random([2, 6], using: &generator)
        let a = Reference.matmul(left, right)
        let svd = try checkSVD(a, tolerance: 1e-4)
        #expect(svd.singularValues[1] > 0.1)
        for k in 2..<6 { #expect(svd.singularValues[k] < 1e-5 * svd.singularValues[0], "σ\(k) = \(svd.singularValues[k])") }
    }

    @Test("SVD of a diagonal matrix returns its absolute diagonal sorted")
    func svdDiagonal() throws {
        var a = Tensor(shape: [4, 4])
        for (k, value) in [1, -5, 3, 0.5].enumerated() { a[k, k] = Float(value) }
        let svd = try checkSVD(a, tolerance: 1e-5)
        assertClose(svd.singularValues.map(Double.init), [5, 3, 1, 0.5], atol: 1e-5, rtol: 0)
    }
}
