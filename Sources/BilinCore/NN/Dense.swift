/// A fully connected layer, `y = x · kernel + bias`.
///
/// `kernel` is `(inputs, units)` as Keras stores it; `x` is `(batch, inputs)`, `y` is `(batch, units)`.
public final class Dense: InputGradientSkipping {
    public let name: String
    public let kernel: Parameter
    public let bias: Parameter?

    public init(name: String, kernel: Tensor, bias: Tensor?) {
        precondition(kernel.rank == 2, "Dense '\(name)': kernel must be a matrix, got \(kernel.shape)")
        precondition(bias.map { $0.shape == [kernel.shape[1]] } ?? true, "Dense '\(name)': bias does not match the kernel")
        self.name = name
        self.kernel = Parameter(key: "\(name)/kernel", value: kernel)
        self.bias = bias.map { Parameter(key: "\(name)/bias", value: $0) }
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }
    public var inputCount: Int { kernel.value.shape[0] }
    public var outputCount: Int { kernel.value.shape[1] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var output = input.matmul(kernel.value)
        if let bias { output.addRowVector(bias.value) }
        return output
    }

    /// The input gradient is one of the three GEMMs of a training step.
    public func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?) {
        (self(input), { [kernel, bias] outputGradient in
            kernel.gradient = input.matmul(outputGradient, transposeSelf: true)
            bias?.gradient = outputGradient.columnSums()
            return inputGradient ? outputGradient.matmul(kernel.value, transposeOther: true) : nil
        })
    }
}
