/// Parameter-free element-wise steps that are not a named `Activation`: Keras `Rescaling` and `LeakyReLU` with
/// any slope.
public final class ElementwiseAffine: Layer {
    public enum Function: Sendable, Equatable {
        /// `x · scale + offset`.
        case rescaling(scale: Float, offset: Float)
        /// `x` for `x ≥ 0`, `negativeSlope · x` otherwise.
        case leakyReLU(negativeSlope: Float)
    }

    public let name: String
    public let function: Function

    public init(name: String, function: Function) {
        self.name = name
        self.function = function
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var output = input
        switch function {
        case .rescaling(let scale, let offset):
            for i in output.scalars.indices { output.scalars[i] = output.scalars[i] * scale + offset }
        case .leakyReLU(let slope):
            for i in output.scalars.indices where output.scalars[i] < 0 { output.scalars[i] *= slope }
        }
        return output
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        (self(input), { [function] gradient in
            switch function {
            case .rescaling(let scale, _):
                return gradient.scaled(by: scale)
            case .leakyReLU(let slope):
                var result = gradient
                for i in result.scalars.indices where input.scalars[i] < 0 { result.scalars[i] *= slope }
                return result
            }
        })
    }
}
