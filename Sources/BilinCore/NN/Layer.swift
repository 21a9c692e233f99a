/// A step of a `Network`: a forward pass for inference and one for training that also returns its backward pass.
///
/// Activations are `(batch, features)` row-major tensors: every layer sees its input flattened per example.
public protocol Layer: AnyObject {
    /// The name of the model layer this step comes from.
    var name: String { get }
    /// Trainable parameters in the order of the model layer's weights; empty for parameter-free steps.
    var parameters: [Parameter] { get }
    /// Values that training changes without an optimizer (batch normalization's moving mean and variance), in the
    /// order of the model layer's weights that follow `parameters`; empty for most steps.
    var statistics: [Parameter] { get }

    /// Inference.
    func callAsFunction(_ input: Tensor) -> Tensor

    /// Runs forward for training and returns the output with a closure that maps ∂loss/∂output to ∂loss/∂input
    /// and writes ∂loss/∂parameter into each parameter's `gradient`.
    func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor)

    /// `forwardForTraining` for a network's first step, whose input gradient nobody reads: the backward pass writes
    /// the parameter gradients only, and a step may skip the work of the input gradient.
    func forwardForTrainingWithoutInputGradient(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Void)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var statistics: [Parameter] { [] }

    public func forwardForTrainingWithoutInputGradient(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Void) {
        let (output, backward) = forwardForTraining(input, generator: &generator)
        return (output, { _ = backward($0) })
    }
}

/// A step whose backward pass can skip its input gradient, the work a network's first step with weights need not do
/// (a GEMM, and for convolutions a col2im): it implements `train`, and gets both training entry points from it.
public protocol InputGradientSkipping: Layer {
    /// The output and a backward pass that writes every parameter's gradient and returns the input gradient when
    /// `inputGradient` is true (`nil` otherwise).
    func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?)
}

extension InputGradientSkipping {
    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        let (output, backward) = train(input, inputGradient: true)
        return (output, { backward($0)! })
    }

    public func forwardForTrainingWithoutInputGradient(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Void) {
        let (output, backward) = train(input, inputGradient: false)
        return (output, { _ = backward($0) })
    }
}
