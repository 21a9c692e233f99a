import BilinCore

/// Finite-difference gradient checks.
///
/// The scalar loss is `L = Σ_i c_i · f(x)_i` with fixed random weights `c`, accumulated in Double from the Float
/// outputs; its gradient with respect to the output is `c`. Numeric gradients are central differences
/// `(L(θ + h) − L(θ − h)) / (θ₊ − θ₋)`, where `θ₊ − θ₋` is the step actually taken in Float.
public enum GradientCheck {
    /// An analytic gradient and its finite-difference estimate, for one tensor.
    public struct Comparison {
        /// `"input"` or a parameter key.
        public var name: String
        public var analytic: Tensor
        public var numeric: Tensor
    }

    /// Central differences of `loss` with respect to every element of `value`.
    public static func numericGradient(of value: Tensor, step: Float, loss: (Tensor) -> Double) -> Tensor {
        var gradient = Tensor(shape: value.shape)
        var probe = value
        for index in value.scalars.indices {
            let original = value.scalars[index]
            let plus = original + step * max(1, abs(original))
            let minus = original - step * max(1, abs(original))
            probe.scalars[index] = plus
            let lossPlus = loss(probe)
            probe.scalars[index] = minus
            let lossMinus = loss(probe)
            probe.scalars[index] = original
            gradient.scalars[index] = Float((lossPlus - lossMinus) / (Double(plus) - Double(minus)))
        }
        return gradient
    }

    /// `Σ c_i y_i` in Double.
    public static func weightedSum(_ output: Tensor, _ weights: Tensor) -> Double {
        precondition(output.shape == weights.shape, "output \(output.shape) against weights \(weights.shape)")
        var sum = 0.0
        for index in output.scalars.indices { sum += Double(output.scalars[index]) * Double(weights.scalars[index]) }
        return sum
    }

    /// Checks a layer: runs `forwardForTraining` (with a fresh generator of `seed` every time, so that random
    /// masks repeat), back-propagates random output weights, and compares the input gradient and every
    /// parameter's gradient with central differences. Parameter values are restored afterwards.
    public static func check(layer: any Layer, input: Tensor, step: Float = 1e-2, seed: UInt64 = 7) -> [Comparison] {
        var weightGenerator = SeededGenerator(seed: seed &+ 1000)
        func forward(_ x: Tensor) -> (output: Tensor, backward: (Tensor) -> Tensor) {
            var generator = SeededGenerator(seed: seed)
            return layer.forwardForTraining(x, generator: &generator)
        }
        let (output, backward) = forward(input)
        let weights = Reference.random(output.shape, in: -1...1, using: &weightGenerator)
        let inputGradient = backward(weights)
        var comparisons: [Comparison] = []
        comparisons.append(Comparison(
            name: "input", analytic: inputGradient,
            numeric: numericGradient(of: input, step: step) { weightedSum(forward($0).output, weights) }))
        for parameter in layer.parameters {
            let analytic = parameter.gradient
            let original = parameter.value
            let numeric = numericGradient(of: original, step: step) { perturbed in
                parameter.value = perturbed
                return weightedSum(forward(input).output, weights)
            }
            parameter.value = original
            comparisons.append(Comparison(name: parameter.key, analytic: analytic, numeric: numeric))
        }
        return comparisons
    }
}
