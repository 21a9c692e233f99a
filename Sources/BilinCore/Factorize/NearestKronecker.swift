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
    /// All singular values of `R`, descending.
    public var singularValues: [Float]

    /// - Parameters:
    ///   - kernel: the Keras kernel, `(Din, Dout)`.
    ///   - components: how many Kronecker terms to keep (the scale).
    public init(kernel: Tensor, input: FactorPair, output: FactorPair, components: Int) throws {
        precondition(kernel.shape == [input.count, output.count], "kernel \(kernel.shape) does not match \(input) → \(output)")
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
        let svd = try SingularValueDecomposition(rearranged)
        let kept = min(components, svd.singularValues.count)
        var u = Tensor(shape: [d1, u1 * components])
        var v = Tensor(shape: [d2, u2 * components])
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
        self.u = u
        self.v = v
        self.singularValues = svd.singularValues
    }

    /// `‖W − Σ_{k<terms} kron(U_kᵀ, V_kᵀ)‖ / ‖W‖ = sqrt(Σ_{k≥terms} σk²) / sqrt(Σ σk²)`.
    public func relativeError(terms: Int) -> Double {
        let squares = singularValues.map { Double($0) * Double($0) }
        let total = squares.reduce(0, +)
        guard total > 0 else { return 0 }
        return (squares.dropFirst(terms).reduce(0, +) / total).squareRoot()
    }
}
