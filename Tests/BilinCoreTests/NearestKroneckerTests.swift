import BilinCore
import BilinTestSupport
import Testing

/// `Σ_k kron(U_k, V_k)`, the Keras kernel of the first `terms` Kronecker terms of the factors.
func kroneckerKernel(of factors: NearestKronecker, input: FactorPair, output: FactorPair, terms: Int) -> Tensor {
    var total = Tensor(shape: [input.count, output.count])
    for k in 0..<terms {
        let term = Reference.kron(
            Reference.columns(factors.u, (k * output.rows)..<((k + 1) * output.rows)),
            Reference.columns(factors.v, (k * output.columns)..<((k + 1) * output.columns)))
        for index in total.scalars.indices { total.scalars[index] += term.scalars[index] }
    }
    return total
}

@Suite("NearestKronecker")
struct NearestKroneckerTests {
    // Din = 12 = 3×4, Dout = 10 = 2×5: non-square on both sides, and d1 ≠ u1, d2 ≠ u2.
    let input = FactorPair(rows: 3, columns: 4)
    let output = FactorPair(rows: 2, columns: 5)

    func reconstructedKernel(of factors: NearestKronecker, terms: Int) -> Tensor {
        kroneckerKernel(of: factors, input: input, output: output, terms: terms)
    }

    @Test("kron(U0, V0) kernel: K[j1*d2+j2, i1*u2+i2] = U[j1,i1]·V[j2,i2] is reproduced exactly")
    func exactKronecker() throws {
        var generator = SeededGenerator(seed: 31)
        let u0 = Reference.random([3, 2], using: &generator)
        let v0 = Reference.random([4, 5], using: &generator)
        // Built by the index formula of DESIGN.md, not through the helper.
        var kernel = Tensor(shape: [12, 10])
        for j1 in 0..<3 { for j2 in 0..<4 { for i1 in 0..<2 { for i2 in 0..<5 {
            kernel[j1 * 4 + j2, i1 * 5 + i2] = u0[j1, i1] * v0[j2, i2]
        } } } }
        #expect(kernel == Reference.kron(u0, v0))

        let factors = try NearestKronecker(kernel: kernel, input: input, output: output, components: 1)
        #expect(factors.u.shape == [3, 2])
        #expect(factors.v.shape == [4, 5])
        assertClose(reconstructedKernel(of: factors, terms: 1), kernel, atol: 1e-4, rtol: 0)
        #expect(factors.relativeError(terms: 1) < 1e-3)
        // σ1 = ‖U0‖·‖V0‖, every other σ ≈ 0.
        let expectedSigma = u0.frobeniusNorm * v0.frobeniusNorm
        #expect(abs(Double(factors.singularValues[0]) - expectedSigma) < 1e-4 * expectedSigma)
        #expect(factors.singularValues.dropFirst().allSatisfy { Double($0) < 1e-4 * expectedSigma })
        #expect(factors.singularValues.count == min(2 * 3, 5 * 4))
    }

    @Test("a sum of two Kronecker products is reproduced by two components")
    func exactTwoTerms() throws {
        var generator = SeededGenerator(seed: 32)
        let a = Reference.kron(Reference.random([3, 2], using: &generator), Reference.random([4, 5], using: &generator))
        let b = Reference.kron(Reference.random([3, 2], using: &generator), Reference.random([4, 5], using: &generator))
        let kernel = Tensor(shape: [12, 10], scalars: zip(a.scalars, b.scalars).map { $0 + 0.5 * $1 })
        let factors = try NearestKronecker(kernel: kernel, input: input, output: output, components: 2)
        #expect(factors.u.shape == [3, 4])
        #expect(factors.v.shape == [4, 10])
        assertClose(reconstructedKernel(of: factors, terms: 2), kernel, atol: 1e-4, rtol: 0)
        #expect(factors.relativeError(terms: 2) < 1e-3)
        #expect(factors.relativeError(terms: 1) > 0.05)
    }

    @Test("random kernel: the rank-1 error formula equals the explicit kron reconstruction error, and is optimal")
    func randomKernelError() throws {
        var generator = SeededGenerator(seed: 33)
        let kernel = Reference.random([12, 10], using: &generator)
        let factors = try NearestKronecker(kernel: kernel, input: input, output: output, components: 2)
        for terms in 1...2 {
            let approximation = reconstructedKernel(of: factors, terms: terms)
            let explicitError = Reference.relativeDifference(approximation, kernel)
            let formula = factors.relativeError(terms: terms)
            #expect(abs(explicitError - formula) < 1e-4, "terms \(terms): explicit \(explicitError), formula \(formula)")
            // An independent Double computation (eigen-decomposition of RᵀR) gives the same optimum and kernel.
            let reference = Reference.kroneckerApproximation(kernel: kernel, d1: 3, d2: 4, u1: 2, u2: 5, terms: terms)
            #expect(abs(reference.relativeError - formula) < 1e-4)
            assertClose(approximation, reference.kernel, atol: 1e-4, rtol: 1e-3, "terms \(terms)")
        }
        let reference = Reference.kroneckerApproximation(kernel: kernel, d1: 3, d2: 4, u1: 2, u2: 5, terms: 1)
        assertClose(factors.singularValues.map(Double.init), Array(reference.singularValues.prefix(factors.singularValues.count)),
                    atol: 1e-4, rtol: 1e-4)
        #expect(factors.relativeError(terms: 0) == 1)
        #expect(factors.relativeError(terms: 1) > factors.relativeError(terms: 2))
    }

    @Test("bilinear forward at s=1 of a random input equals x · kernel_approx")
    func bilinearForwardAtScaleOne() throws {
        var generator = SeededGenerator(seed: 34)
        let kernel = Reference.random([12, 10], using: &generator)
        let factors = try NearestKronecker(kernel: kernel, input: input, output: output, components: 1)
        let approximation = reconstructedKernel(of: factors, terms: 1)
        let x = Reference.random([4, 12], using: &generator)
        let layer = BilinearProjection(
            name: "b", shape: BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 2, outputColumns: 5),
            u: factors.u, v: factors.v, bias: Tensor(shape: [2, 5]))
        assertClose(layer(x), Reference.dense(x, kernel: approximation, bias: nil), atol: 1e-5, rtol: 1e-4)
    }

    @Test("at s=2 the diagonal blocks of Y sum to the rank-2 Kronecker approximation of x · kernel")
    func diagonalBlocksAtScaleTwo() throws {
        var generator = SeededGenerator(seed: 35)
        let kernel = Reference.random([12, 10], using: &generator)
        let factors = try NearestKronecker(kernel: kernel, input: input, output: output, components: 2)
        let x = Reference.random([3, 12], using: &generator)
        let layer = BilinearProjection(
            name: "b", shape: BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 4, outputColumns: 10),
            u: factors.u, v: factors.v, bias: Tensor(shape: [4, 10]))
        let y = layer(x)
        var diagonalSum = Tensor(shape: [3, 10])
        for b in 0..<3 { for k in 0..<2 { for i1 in 0..<2 { for i2 in 0..<5 {
            diagonalSum[b, i1 * 5 + i2] += y[b, (k * 2 + i1) * 10 + k * 5 + i2]
        } } } }
        let reference = Reference.kroneckerApproximation(kernel: kernel, d1: 3, d2: 4, u1: 2, u2: 5, terms: 2)
        assertClose(diagonalSum, Reference.dense(x, kernel: reference.kernel, bias: nil), atol: 1e-4, rtol: 1e-3)
    }

    @Test("more components than the rank of R leaves the extra blocks zero")
    func moreComponentsThanRank() throws {
        var generator = SeededGenerator(seed: 36)
        let kernel = Reference.random([4, 4], using: &generator)  // R is 4×4
        let pair = FactorPair(rows: 2, columns: 2)
        let factors = try NearestKronecker(kernel: kernel, input: pair, output: pair, components: 5)
        #expect(factors.u.shape == [2, 10])
        #expect(factors.v.shape == [2, 10])
        for row in 0..<2 { for column in 8..<10 { #expect(factors.u[row, column] == 0); #expect(factors.v[row, column] == 0) } }
        // All four terms together reproduce the kernel.
        var total = Tensor(shape: [4, 4])
        for k in 0..<4 {
            let term = Reference.kron(Reference.columns(factors.u, (2 * k)..<(2 * k + 2)), Reference.columns(factors.v, (2 * k)..<(2 * k + 2)))
            for index in total.scalars.indices { total.scalars[index] += term.scalars[index] }
        }
        assertClose(total, kernel, atol: 1e-4, rtol: 0)
    }
}

@Suite("NearestKronecker truncated (block Krylov) against the exact SVD")
struct TruncatedKroneckerTests {
    // Din = 48 = 6×8, Dout = 40 = 5×8: R is 30×64, non-square, every side different.
    let input = FactorPair(rows: 6, columns: 8)
    let output = FactorPair(rows: 5, columns: 8)

    /// A kernel with a decaying Kronecker spectrum: Σ_k 0.5^k kron(A_k, B_k) plus a little noise.
    func structuredKernel(seed: UInt64, noise: Float = 0.01) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var kernel = Tensor(shape: [input.count, output.count])
        for term in 0..<6 {
            let a = Reference.random([input.rows, output.rows], using: &generator)
            let b = Reference.random([input.columns, output.columns], using: &generator)
            let product = Reference.kron(a, b)
            let weight = Float(1 << (8 - term)) / 256  // 0.5^term
            for index in kernel.scalars.indices { kernel.scalars[index] += weight * product.scalars[index] }
        }
        let extra = Reference.random([input.count, output.count], using: &generator)
        for index in kernel.scalars.indices { kernel.scalars[index] += noise * extra.scalars[index] }
        return kernel
    }

    func reconstructed(_ factors: NearestKronecker, terms: Int) -> Tensor {
        kroneckerKernel(of: factors, input: input, output: output, terms: terms)
    }

    @Test("structured kernel: the top singular values, the rank-s approximation and its error match the exact SVD", arguments: [1, 2, 4])
    func matchesExact(components: Int) throws {
        let kernel = structuredKernel(seed: 41)
        let exact = try NearestKronecker(kernel: kernel, input: input, output: output, components: components, method: .exact)
        let truncated = try NearestKronecker(kernel: kernel, input: input, output: output, components: components, method: .truncated)
        #expect(exact.method == .exact && truncated.method == .truncated)
        #expect(truncated.singularValues.count == components)
        assertClose(truncated.singularValues.map(Double.init), exact.singularValues.prefix(components).map(Double.init), atol: 1e-5, rtol: 1e-4)
        #expect(abs(truncated.relativeError(terms: components) - exact.relativeError(terms: components)) < 1e-4)
        #expect(abs(truncated.frobeniusNormSquared - exact.singularValues.reduce(0.0) { $0 + Double($1) * Double($1) })
                < 1e-4 * truncated.frobeniusNormSquared)
        // The same Kronecker approximation (the factors themselves differ by signs per component).
        assertClose(reconstructed(truncated, terms: components), reconstructed(exact, terms: components), atol: 1e-4, rtol: 1e-3)
    }

    @Test("random kernel (flat spectrum): the truncated top energy is within 1e-3 of the exact one")
    func randomKernelEnergy() throws {
        var generator = SeededGenerator(seed: 42)
        let kernel = Reference.random([input.count, output.count], using: &generator)
        let exact = try NearestKronecker(kernel: kernel, input: input, output: output, components: 2, method: .exact)
        let truncated = try NearestKronecker(kernel: kernel, input: input, output: output, components: 2, method: .truncated)
        let energy = { (f: NearestKronecker) in f.singularValues.prefix(2).reduce(0.0) { $0 + Double($1) * Double($1) } }
        #expect(abs(energy(truncated) - energy(exact)) <= 1e-3 * energy(exact))
        #expect(energy(truncated) <= energy(exact) * (1 + 1e-5), "Ritz values never exceed the true ones")
    }

    @Test("random 1024→256 kernel (R 512×512, flat spectrum): the passes run until the top-4 energy is within 1e-3; workers change only round-off")
    func flatSpectrumPassesAndWorkers() throws {
        let (input, output) = (FactorPair(rows: 32, columns: 32), FactorPair(rows: 16, columns: 16))
        var generator = SeededGenerator(seed: 43)
        let kernel = Tensor.glorotUniform(shape: [input.count, output.count], fanIn: input.count, fanOut: output.count, using: &generator)
        let exact = try NearestKronecker(kernel: kernel, input: input, output: output, components: 4, method: .exact)
        let energy = { (f: NearestKronecker) in f.singularValues.prefix(4).reduce(0.0) { $0 + Double($1) * Double($1) } }
        let one = try NearestKronecker(kernel: kernel, input: input, output: output, components: 4, method: .truncated, threads: 1)
        let three = try NearestKronecker(kernel: kernel, input: input, output: output, components: 4, method: .truncated, threads: 3)
        #expect(one.passes > 3, "a flat spectrum needs more than a decaying one's 3 passes")
        #expect(abs(energy(one) - energy(exact)) <= 1e-3 * energy(exact))
        #expect(three.passes == one.passes)
        assertClose(three.singularValues.map(Double.init), one.singularValues.map(Double.init), atol: 0, rtol: 1e-4)
        assertClose(kroneckerKernel(of: three, input: input, output: output, terms: 4),
                    kroneckerKernel(of: one, input: input, output: output, terms: 4), atol: 1e-4, rtol: 1e-3)
    }

    @Test("automatic: exact for small R, truncated for large R with few components")
    func automaticChoice() {
        #expect(NearestKronecker.prefersExact(rows: 30, columns: 64, components: 2))
        #expect(NearestKronecker.prefersExact(rows: 512, columns: 512, components: 1))
        #expect(!NearestKronecker.prefersExact(rows: 896, columns: 896, components: 4))
        #expect(!NearestKronecker.prefersExact(rows: 8192, columns: 12544, components: 4))
        #expect(NearestKronecker.prefersExact(rows: 896, columns: 896, components: 300))
    }
}
