/// The bilinear projection of Yu et al. (IEEE TNNLS 2021): `Y = Uᵀ X V + B`.
///
/// For each example, the input vector `x` of length `p·q` is read row-major as `X[i, j] = x[i·q + j]`, with
/// `(p, q) = (shape.inputRows, shape.inputColumns)`. `U` is `(p, p')`, `V` is `(q, q')`, and the output is `Y`
/// (`p'×q'`) flattened row-major plus a full bias of `p'·q'`. Over a batch of `n` examples both products are one
/// GEMM each: `T = X V` treats the batch as `(n·p, q)`, and `Uᵀ T` acts on `T` rearranged as `(p, n·q')`.
public final class BilinearProjection: InputGradientSkipping {
    public let name: String
    public let shape: BilinearShape
    public let u: Parameter
    public let v: Parameter
    public let bias: Parameter

    public init(name: String, shape: BilinearShape, u: Tensor, v: Tensor, bias: Tensor) {
        precondition(u.shape == [shape.inputRows, shape.outputRows], "BilinearProjection '\(name)': U is \(u.shape)")
        precondition(v.shape == [shape.inputColumns, shape.outputColumns], "BilinearProjection '\(name)': V is \(v.shape)")
        precondition(bias.count == shape.outputCount, "BilinearProjection '\(name)': bias has \(bias.count) values")
        self.name = name
        self.shape = shape
        self.u = Parameter(key: "\(name)/u", value: u)
        self.v = Parameter(key: "\(name)/v", value: v)
        self.bias = Parameter(key: "\(name)/bias", value: bias)
    }

    public var parameters: [Parameter] { [u, v, bias] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input).output
    }

    /// Returns the output and `T = X V` rearranged as `(p, n·q')`, which the backward pass reuses.
    private func forward(_ input: Tensor) -> (output: Tensor, rearranged: Tensor) {
        let batch = input.shape[0]
        let (p, q, pOut, qOut) = (shape.inputRows, shape.inputColumns, shape.outputRows, shape.outputColumns)
        let product = input.reshaped([batch * p, q]).matmul(v.value)                       // (n·p, q')
        let rearranged = product.swappingLeadingAxes(outer: batch, middle: p, inner: qOut)  // (p, n·q')
        let projected = u.value.matmul(rearranged, transposeSelf: true)                    // (p', n·q')
        // (n, p'·q'), the bias (p', q') added in the same pass.
        let output = projected.swappingLeadingAxes(outer: pOut, middle: batch, inner: qOut, adding: bias.value)
        return (output, rearranged)
    }

    /// The input gradient is the backward pass's last GEMM, `X̄ = T̄ Vᵀ`.
    public func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?) {
        let (output, rearranged) = forward(input)
        return (output, { [u, v, bias, shape] outputGradient in
            let batch = input.shape[0]
            let (p, q, pOut, qOut) = (shape.inputRows, shape.inputColumns, shape.outputRows, shape.outputColumns)
            bias.gradient = outputGradient.columnSums().reshaped(bias.value.shape)
            let gradientRearranged = outputGradient.swappingLeadingAxes(outer: batch, middle: pOut, inner: qOut) // (p', n·q')
            u.gradient = rearranged.matmul(gradientRearranged, transposeOther: true)                              // (p, p')
            let productGradient = u.value.matmul(gradientRearranged)                                             // (p, n·q')
                .swappingLeadingAxes(outer: p, middle: batch, inner: qOut)                                      // (n·p, q')
            let inputMatrix = input.reshaped([batch * p, q])
            v.gradient = inputMatrix.matmul(productGradient.reshaped([batch * p, qOut]), transposeSelf: true)    // (q, q')
            guard inputGradient else { return nil }
            return productGradient.reshaped([batch * p, qOut]).matmul(v.value, transposeOther: true).reshaped([batch, p * q])
        })
    }
}
