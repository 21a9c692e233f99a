/// Stochastic gradient descent with (heavy-ball) momentum: `v ← μ v − η g`, `w ← w + v`.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float = 0.9
    private var velocities: [String: [Float]] = [:]

    public init(learningRate: Float = 0.05, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public mutating func step(_ parameters: [Parameter]) {
        for parameter in parameters {
            var velocity = velocities.removeValue(forKey: parameter.key) ?? [Float](repeating: 0, count: parameter.value.count)
            let (momentum, learningRate) = (momentum, learningRate)
            parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                parameter.value.scalars.withUnsafeMutableBufferPointer { value in
                    for index in value.indices {
                        velocity[index] = momentum * velocity[index] - learningRate * gradient[index]
                        value[index] += velocity[index]
                    }
                }
            }
            velocities[parameter.key] = velocity
        }
    }
}
