import Foundation

/// Adam (Kingma & Ba 2015) with bias correction, Keras' defaults (`epsilon` 1e-7).
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-7
    private var stepCount = 0
    private var moments: [String: MomentBuffers] = [:]

    /// The two moment vectors of one parameter, updated in place (a class, so that the dictionary never copies them).
    private final class MomentBuffers {
        var first: [Float]
        var second: [Float]
        init(count: Int) {
            first = [Float](repeating: 0, count: count)
            second = [Float](repeating: 0, count: count)
        }
    }

    public init(learningRate: Float = 1e-3) {
        self.learningRate = learningRate
    }

    public mutating func step(_ parameters: [Parameter]) {
        stepCount += 1
        let correctedRate = learningRate * (1 - pow(beta2, Float(stepCount))).squareRoot() / (1 - pow(beta1, Float(stepCount)))
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        for parameter in parameters {
            let buffers: MomentBuffers
            if let existing = moments[parameter.key] {
                buffers = existing
            } else {
                buffers = MomentBuffers(count: parameter.value.count)
                moments[parameter.key] = buffers
            }
            parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                parameter.value.scalars.withUnsafeMutableBufferPointer { value in
                    buffers.first.withUnsafeMutableBufferPointer { first in
                        buffers.second.withUnsafeMutableBufferPointer { second in
                            Adam.update(
                                value: value.baseAddress!, first: first.baseAddress!, second: second.baseAddress!,
                                gradient: gradient.baseAddress!, count: value.count, rate: correctedRate,
                                beta1: beta1, beta2: beta2, epsilon: epsilon)
                        }
                    }
                }
            }
        }
    }

    /// One element-wise Adam update over raw pointers, so that the loop vectorises (no bounds or uniqueness checks).
    @inline(never)
    static func update(
        value: UnsafeMutablePointer<Float>, first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>,
        gradient: UnsafePointer<Float>, count: Int, rate: Float, beta1: Float, beta2: Float, epsilon: Float
    ) {
        for index in 0..<count {
            let g = gradient[index]
            let m = beta1 * first[index] + (1 - beta1) * g
            let v = beta2 * second[index] + (1 - beta2) * g * g
            first[index] = m
            second[index] = v
            value[index] -= rate * m / (v.squareRoot() + epsilon)
        }
    }
}
