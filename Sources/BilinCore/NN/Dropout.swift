/// Inverted dropout: while training, each value is zeroed with probability `rate` and the rest scaled by
/// `1 / (1 − rate)`; inference passes values through.
public final class Dropout: Layer {
    public let name: String
    public let rate: Float

    public init(name: String, rate: Float) {
        self.name = name
        self.rate = rate
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { input }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        guard rate > 0 else { return (input, { $0 }) }
        let keep = 1 - rate
        var mask = [Float](repeating: 0, count: input.count)
        for index in mask.indices where generator.nextUnitFloat() < keep { mask[index] = 1 / keep }
        var output = input
        for index in mask.indices { output.scalars[index] *= mask[index] }
        return (output, { outputGradient in
            var inputGradient = outputGradient
            for index in mask.indices { inputGradient.scalars[index] *= mask[index] }
            return inputGradient
        })
    }
}
