import Foundation
internal import CBLAS

/// How `NearestKronecker` finds the top singular pairs of the rearranged matrix `R`.
public enum KroneckerMethod: String, Sendable, CaseIterable, Codable {
    /// `exact` for small `R`, `truncated` otherwise (see `NearestKronecker.prefersExact`).
    case automatic
    /// Full SVD of the materialised `R` (LAPACK `sgesdd`): every singular value; the test reference.
    case exact
    /// Block subspace iteration on `RᵀR`, reading `R` from the kernel a slab at a time: only the top components.
    case truncated
}

/// The nearest Kronecker-product factors of a dense layer (Van Loan & Pitsianis 1993), as bilinear factors.
///
/// For `W = kernelᵀ` of shape `(Dout, Din)` with `Din = d1·d2` (input pair) and `Dout = u1·u2` (output pair), the
/// rearrangement `R[i1·d1 + j1, i2·d2 + j2] = W[i1·u2 + i2, j1·d2 + j2]` is `(u1·d1, u2·d2)`, and its SVD
/// `R = Σ σk pk qkᵀ` gives the blocks of `U` and `V`: block `k` of `U` (columns `k·u1 ..< (k+1)·u1`) is
/// `√σk · pk.reshape(u1, d1)ᵀ`, block `k` of `V` is `√σk · qk.reshape(u2, d2)ᵀ`. Then `kron(U_kᵀ, V_kᵀ)` summed over
/// `k` is the best rank-`components` Kronecker approximation of `W`, and at one component `Uᵀ X V = reshape(W x)`.
public struct NearestKronecker: Sendable {
    /// `(d1, u1·components)`.
    public var u: Tensor
    /// `(d2, u2·components)`.
    public var v: Tensor
    /// Singular values of `R`, descending: all of them (`exact`), or the top `components` (`truncated`).
    public var singularValues: [Float]
    /// `‖W‖F² = Σ σk²`, summed from the kernel in Double.
    public var frobeniusNormSquared: Double
    /// The method that ran (never `automatic`).
    public var method: KroneckerMethod
    /// Passes over the kernel the truncated method made (0 for `exact`).
    public var passes: Int = 0

    /// - Parameters:
    ///   - kernel: the Keras kernel, `(Din, Dout)`.
    ///   - components: how many Kronecker terms to keep (the scale).
    ///   - method: `automatic` picks `exact` for small `R` and `truncated` for large ones.
    ///   - threads: workers for the truncated method's passes over the kernel.
    public init(
        kernel: Tensor, input: FactorPair, output: FactorPair, components: Int, method: KroneckerMethod = .automatic,
        threads: Int = NearestKronecker.defaultThreads
    ) throws {
        precondition(kernel.shape == [input.count, output.count], "kernel \(kernel.shape) does not match \(input) → \(output)")
        BLAS.useDefaultThreadCount()
        let (d1, d2, u1, u2) = (input.rows, input.columns, output.rows, output.columns)
        let resolved = method == .automatic
            ? (NearestKronecker.prefersExact(rows: u1 * d1, columns: u2 * d2, components: components) ? .exact : .truncated)
            : method
        self.method = resolved
        frobeniusNormSquared = kernel.scalars.withUnsafeBufferPointer { k in
            // Four partial sums in Double: exact enough, and vectorisable.
            var sums = (0.0, 0.0, 0.0, 0.0)
            var index = 0
            while index + 4 <= k.count {
                sums.0 += Double(k[index]) * Double(k[index])
                sums.1 += Double(k[index + 1]) * Double(k[index + 1])
                sums.2 += Double(k[index + 2]) * Double(k[index + 2])
                sums.3 += Double(k[index + 3]) * Double(k[index + 3])
                index += 4
            }
            while index < k.count { sums.0 += Double(k[index]) * Double(k[index]); index += 1 }
            return sums.0 + sums.1 + sums.2 + sums.3
        }
        var u = Tensor(shape: [d1, u1 * components])
        var v = Tensor(shape: [d2, u2 * components])
        switch resolved {
        case .exact, .automatic:
            let svd = try SingularValueDecomposition(NearestKronecker.rearranged(kernel, input: input, output: output))
            let kept = min(components, svd.singularValues.count)
            let rank = svd.singularValues.count
            for component in 0..<kept {
                let weight = max(svd.singularValues[component], 0).squareRoot()
                for i1 in 0..<u1 {
                    for j1 in 0..<d1 {
                        u[j1, component * u1 + i1] = weight * svd.u.scalars[(i1 * d1 + j1) * rank + component]
                    }
                }
                for i2 in 0..<u2 {
                    for j2 in 0..<d2 {
                        v[j2, component * u2 + i2] = weight * svd.vt.scalars[component * (u2 * d2) + i2 * d2 + j2]
                    }
                }
            }
            singularValues = svd.singularValues
        case .truncated:
            let top = try NearestKronecker.topSingularTriples(
                kernel, input: input, output: output, components: components, threads: threads)
            // `left[k]` is indexed (j1, i1) and `right[k]` (j2, i2): each is its block of U or V as stored.
            for component in 0..<top.values.count {
                let weight = max(top.values[component], 0).squareRoot()
                for j1 in 0..<d1 {
                    for i1 in 0..<u1 { u[j1, component * u1 + i1] = weight * top.left[component][j1 * u1 + i1] }
                }
                for j2 in 0..<d2 {
                    for i2 in 0..<u2 { v[j2, component * u2 + i2] = weight * top.right[component][j2 * u2 + i2] }
                }
            }
            singularValues = top.values
            passes = top.passes
        }
        self.u = u
        self.v = v
    }

    /// `‖W − Σ_{k<terms} kron(U_kᵀ, V_kᵀ)‖ / ‖W‖ = sqrt(Σ_{k≥terms} σk²) / sqrt(Σ σk²)`.
    ///
    /// With every singular value known (`exact`) the tail is summed; otherwise it is `‖W‖² − Σ_{k<terms} σk²`.
    public func relativeError(terms: Int) -> Double {
        let total = frobeniusNormSquared
        guard total > 0 else { return 0 }
        let squares = singularValues.map { Double($0) * Double($0) }
        if method == .exact {
            let computedTotal = squares.reduce(0, +)
            guard computedTotal > 0 else { return 0 }
            return (squares.dropFirst(terms).reduce(0, +) / computedTotal).squareRoot()
        }
        precondition(terms <= squares.count, "relativeError(terms: \(terms)) needs \(terms) singular values, \(squares.count) computed")
        return (max(total - squares.prefix(terms).reduce(0, +), 0) / total).squareRoot()
    }

    /// Whether the full SVD is the better choice for an `R` of this size: small `R` (at most 512×512 elements), or
    /// so many components that a subspace iteration would span a good part of `R` anyway.
    public static func prefersExact(rows: Int, columns: Int, components: Int) -> Bool {
        rows * columns <= 512 * 512 || 4 * (components + oversampling) > min(rows, columns)
    }

    /// One worker per core for the truncated method: the slabs of a pass are independent, and each worker runs
    /// OpenBLAS on its own thread (one OpenBLAS thread each, see `BLAS.useDefaultThreadCount`).
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Extra columns of each Krylov block beyond `components`.
    static let oversampling = 8
    /// Passes over the kernel at most (each adds one block to the Krylov space).
    static let maximumPasses = 24
    /// The passes stop once the part of the top energy `Σ_{k<s} σk²` still missing is estimated below this fraction
    /// of it, or once a pass gains less than float round-off (`roundOff`). The energy grows towards its limit about
    /// geometrically: after a gain `g` whose ratio to the gain two passes before is `r²`, about `g·r/(1 − r)` is
    /// still missing (`r` from two ratios: one is noisy). On flat spectra (random weights) that takes about 20
    /// passes, on decaying ones 3 (Docs/benchmarks.md).
    static let energyTolerance = 5e-4
    static let roundOff = 1e-6

    /// `R` materialised, `(u1·d1, u2·d2)`.
    static func rearranged(_ kernel: Tensor, input: FactorPair, output: FactorPair) -> Tensor {
        let (d1, d2, u1, u2) = (input.rows, input.columns, output.rows, output.columns)
        let dout = output.count
        // R[i1·d1 + j1, i2·d2 + j2] = W[i1·u2 + i2, j1·d2 + j2] = kernel[j1·d2 + j2, i1·u2 + i2]
        var rearranged = Tensor(shape: [u1 * d1, u2 * d2])
        kernel.scalars.withUnsafeBufferPointer { k in
            rearranged.scalars.withUnsafeMutableBufferPointer { r in
                for j1 in 0..<d1 {
                    for j2 in 0..<d2 {
                        let kernelRow = (j1 * d2 + j2) * dout
                        for i1 in 0..<u1 {
                            let rRow = (i1 * d1 + j1) * (u2 * d2)
                            for i2 in 0..<u2 { r[rRow + i2 * d2 + j2] = k[kernelRow + i1 * u2 + i2] }
                        }
                    }
                }
            }
        }
        return rearranged
    }

    /// The top `components` singular triples of `R` by randomised block Krylov iteration on `RᵀR` (Musco & Musco
    /// 2015: block Lanczos with full reorthogonalisation and a Rayleigh–Ritz step), never materialising `R`.
    ///
    /// Rows and columns of `R` are taken in the orders `(j1, i1)` and `(j2, i2)` (a permutation of both, which keeps
    /// the singular values): then the rows of one `j1` form the slab `S[i1, (j2, i2)] = K[j1, j2, i1, i2]`, copied
    /// from the kernel in runs of `u2` contiguous scalars, and one pass over the kernel computes `Y = R Q` and
    /// `Rᵀ Y` with two GEMMs per slab. The basis `[Q0 Q1 …]` of the Krylov space is orthonormal, so the Ritz values
    /// are the singular values of `B = R [Q0 Q1 …] = [Y0 Y1 …]`, which the passes already computed.
    /// - Returns: the values descending, and per component its left vector (index `j1·u1 + i1`) and right vector
    ///   (index `j2·u2 + i2`).
    static func topSingularTriples(
        _ kernel: Tensor, input: FactorPair, output: FactorPair, components: Int, threads: Int
    ) throws -> (values: [Float], left: [[Float]], right: [[Float]], passes: Int) {
        let (d1, d2, u1, u2) = (input.rows, input.columns, output.rows, output.columns)
        let (rows, columns) = (d1 * u1, d2 * u2)
        let block = min(components + oversampling, rows, columns)
        let passes = max(1, min(maximumPasses, min(rows, columns) / block))
        let capacity = passes * block
        var basis = [Float](repeating: 0, count: columns * capacity)     // [Q0 Q1 …], (columns, capacity)
        var projected = [Float](repeating: 0, count: rows * capacity)    // [Y0 Y1 …] = R [Q0 Q1 …], (rows, capacity)
        var next = [Float](repeating: 0, count: columns * block)         // the next block, (columns, block)
        // Each worker sweeps its own range of slabs into its own share of `(Rᵀ Y)ᵀ`; `next` is their sum. At least
        // 8 slabs per worker keeps the workers' slabs within an eighth of the kernel on machines with many cores.
        let workers = max(1, min(threads, d1 / 8))
        var slabs = [Float](repeating: 0, count: workers * u1 * columns)
        var shares = [Float](repeating: 0, count: workers * block * columns)

        /// One pass over the kernel: `Y = R Q` for `Q = next`, written into `projected` at column `offset` (unless
        /// `start` is given, which stands for `Y`); then `next = Rᵀ Y`.
        func sweep(offset: Int, start: UnsafePointer<Float>?) {
            kernel.scalars.withUnsafeBufferPointer { k in
                slabs.withUnsafeMutableBufferPointer { s in
                    next.withUnsafeBufferPointer { q in
                        projected.withUnsafeMutableBufferPointer { y in
                            shares.withUnsafeMutableBufferPointer { z in
                                let shared = WorkerShared(value: (k.baseAddress!, s.baseAddress!, q.baseAddress!, y.baseAddress! + offset, z.baseAddress!, start))
                                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                                    let (k, s, q, y, z, start) = shared.value
                                    let (slab, share) = (s + worker * u1 * columns, z + worker * block * columns)
                                    share.update(repeating: 0, count: block * columns)
                                    for j1 in (worker * d1 / workers)..<((worker + 1) * d1 / workers) {
                                        // S[i1, j2·u2 + i2] = K[j1, j2, i1, i2]
                                        let slabStart = k + j1 * d2 * u1 * u2
                                        for j2 in 0..<d2 {
                                            for i1 in 0..<u1 {
                                                (slab + (i1 * d2 + j2) * u2).update(from: slabStart + (j2 * u1 + i1) * u2, count: u2)
                                            }
                                        }
                                        let yRows: UnsafePointer<Float>
                                        let yLeading: Int
                                        if let start {
                                            (yRows, yLeading) = (start + j1 * u1 * block, block)
                                        } else {
                                            let target = y + j1 * u1 * capacity
                                            BLAS.gemm(m: u1, n: block, k: columns, a: slab, lda: columns, b: q, ldb: block, c: target, ldc: capacity)
                                            (yRows, yLeading) = (UnsafePointer(target), capacity)
                                        }
                                        // (Rᵀ Y)ᵀ += Yᵀ S: as `(block, columns)`, which OpenBLAS packs faster than Sᵀ.
                                        BLAS.gemm(transposeA: true, m: block, n: columns, k: u1, a: yRows, lda: yLeading,
                                                  b: slab, ldb: columns, beta: 1, c: share, ldc: columns)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            shares.withUnsafeMutableBufferPointer { z in
                let z = z.baseAddress!
                for worker in 1..<workers {
                    cblas_saxpy(Int32(block * columns), 1, z + worker * block * columns, 1, z, 1)
                }
                for row in 0..<columns {
                    for column in 0..<block { next[row * block + column] = z[column * columns + row] }
                }
            }
        }

        // Start in the row space of R: Q0 = orth(Rᵀ G) for a random G (a half pass).
        var generator = SeededGenerator(seed: 0x5EED)
        let gaussianish = (0..<(rows * block)).map { _ in generator.nextUnitFloat() * 2 - 1 }
        gaussianish.withUnsafeBufferPointer { sweep(offset: 0, start: $0.baseAddress!) }
        try LinearAlgebra.orthonormalizeColumns(&next, rows: columns, columns: block)
        var used = 0
        var gram = [Float](repeating: 0, count: capacity * capacity)     // BᵀB, filled a block column per pass
        var previousEnergy = 0.0
        var gains: [Double] = []  // of passes 1, 2, …
        for pass in 0..<passes {
            // Q_pass ← next
            for row in 0..<columns {
                for column in 0..<block { basis[row * capacity + used + column] = next[row * block + column] }
            }
            let offset = used
            used += block
            sweep(offset: offset, start: nil)
            // Ritz values: the eigenvalues of BᵀB, B = [Y0 … Y_pass], of which only the new block column is new.
            // Stop once the top energy settles.
            gram.withUnsafeMutableBufferPointer { h in
                projected.withUnsafeBufferPointer { y in
                    BLAS.gemm(transposeA: true, m: used, n: block, k: rows, a: y.baseAddress!, lda: capacity,
                              b: y.baseAddress! + offset, ldb: capacity, c: h.baseAddress! + offset, ldc: capacity)
                }
            }
            var small = [Float](repeating: 0, count: used * used)
            for row in 0..<used {
                for column in row..<used {
                    small[row * used + column] = gram[row * capacity + column]
                    small[column * used + row] = gram[row * capacity + column]
                }
            }
            let ritz = try LinearAlgebra.symmetricEigenvalues(small, n: used)
            let energy = ritz.prefix(components).reduce(0.0) { $0 + Double(max($1, 0)) }
            let gain = energy - previousEnergy
            previousEnergy = energy
            if pass > 0 { gains.append(gain) }
            var missing = Double.infinity
            if gains.count >= 3, gain < gains[gains.count - 3] {
                let ratio = (gain / gains[gains.count - 3]).squareRoot()
                missing = gain * ratio / (1 - ratio)
            }
            let settled = pass > 0 && (gain <= roundOff * energy || missing <= energyTolerance * energy)
            if settled || pass == passes - 1 { break }
            // next ← (RᵀR Q_pass) made orthogonal to [Q0 … Q_pass] (twice, for float round-off), then orthonormal.
            for _ in 0..<2 {
                var overlap = [Float](repeating: 0, count: used * block)
                basis.withUnsafeBufferPointer { q in
                    next.withUnsafeMutableBufferPointer { z in
                        overlap.withUnsafeMutableBufferPointer { c in
                            BLAS.gemm(transposeA: true, m: used, n: block, k: columns, a: q.baseAddress!, lda: capacity,
                                      b: z.baseAddress!, ldb: block, c: c.baseAddress!, ldc: block)
                            BLAS.gemm(m: columns, n: block, k: used, alpha: -1, a: q.baseAddress!, lda: capacity,
                                      b: c.baseAddress!, ldb: block, beta: 1, c: z.baseAddress!, ldc: block)
                        }
                    }
                }
            }
            try LinearAlgebra.orthonormalizeColumns(&next, rows: columns, columns: block)
        }
        // B = [Y0 …] = Ub Σ Wᵀ, so R ≈ Ub Σ ([Q0 …] W)ᵀ.
        var b = [Float](repeating: 0, count: rows * used)
        for row in 0..<rows { for column in 0..<used { b[row * used + column] = projected[row * capacity + column] } }
        let small = try SingularValueDecomposition(Tensor(shape: [rows, used], scalars: b))
        let kept = min(components, used)
        // The right vectors: [Q0 …] W for the kept columns of W, `(columns, kept)`.
        var rightColumns = [Float](repeating: 0, count: columns * kept)
        basis.withUnsafeBufferPointer { q in
            small.vt.scalars.withUnsafeBufferPointer { w in
                rightColumns.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeB: true, m: columns, n: kept, k: used, a: q.baseAddress!, lda: capacity,
                              b: w.baseAddress!, ldb: used, c: c.baseAddress!, ldc: kept)
                }
            }
        }
        let left = (0..<kept).map { component in (0..<rows).map { small.u.scalars[$0 * used + component] } }
        let right = (0..<kept).map { component in (0..<columns).map { rightColumns[$0 * kept + component] } }
        return (Array(small.singularValues.prefix(kept)), left, right, used / block)
    }
}
