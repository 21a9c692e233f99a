/// Stochastic gradient descent with (heavy-ball) momentum: `v ← μ v − η g`, `w ← w + v`.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float = 0.9
    private var velocities: [String: Velocity] = [:]

    /// A parameter's velocity, updated in place (a class, so that the dictionary never copies it).
    private final class Velocity {
        var values: [Float]
        init(count: Int) { values = [Float](repeating: 0, count: count) }
        init(values: [Float]) { self.values = values }
    }

    public init(learningRate: Float = 0.05, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// Per parameter, `[velocity]`; SGD counts no steps.
    public var state: OptimizerState {
        get { OptimizerState(steps: 0, buffers: velocities.mapValues { [$0.values] }) }
        set { velocities = newValue.buffers.mapValues { Velocity(values: $0[0]) } }
    }

    public mutating func step(_ parameters: [Parameter]) {
        let (momentum, learningRate) = (momentum, learningRate)
        for parameter in parameters {
            let velocity: Velocity
            if let existing = velocities[parameter.key] {
                velocity = existing
            } else {
                velocity = Velocity(count: parameter.value.count)
                velocities[parameter.key] = velocity
            }
            parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                parameter.value.scalars.withUnsafeMutableBufferPointer { value in
                    velocity.values.withUnsafeMutableBufferPointer { v in
                        let (g, w, v) = (gradient.baseAddress!, value.baseAddress!, v.baseAddress!)
                        for index in 0..<value.count {
                            let updated = momentum * v[index] - learningRate * g[index]
                            v[index] = updated
                            w[index] += updated
                        }
                    }
                }
            }
        }
    }
}
