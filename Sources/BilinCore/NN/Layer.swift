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
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var statistics: [Parameter] { [] }
}
