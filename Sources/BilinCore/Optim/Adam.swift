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
        init(first: [Float], second: [Float]) {
            self.first = first
            self.second = second
        }
    }

    public init(learningRate: Float = OptimizerKind.adam.defaultLearningRate) {
        self.learningRate = learningRate
    }

    /// The step count and, per parameter, `[first moment, second moment]`.
    public var state: OptimizerState {
        get { OptimizerState(steps: stepCount, buffers: moments.mapValues { [$0.first, $0.second] }) }
        set {
            stepCount = newValue.steps
            moments = newValue.buffers.mapValues { MomentBuffers(first: $0[0], second: $0[1]) }
        }
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

    /// One element-wise Adam update over raw pointers, eight lanes at a time (the scalar loop does not vectorise:
    /// the compiler cannot rule out that the four buffers overlap).
    @inline(never)
    static func update(
        value: UnsafeMutablePointer<Float>, first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>,
        gradient: UnsafePointer<Float>, count: Int, rate: Float, beta1: Float, beta2: Float, epsilon: Float
    ) {
        typealias Lanes = SIMD8<Float>
        var index = 0
        while index + 8 <= count {
            let g = UnsafeRawPointer(gradient + index).loadUnaligned(as: Lanes.self)
            let m = beta1 * UnsafeRawPointer(first + index).loadUnaligned(as: Lanes.self) + (1 - beta1) * g
            let v = beta2 * UnsafeRawPointer(second + index).loadUnaligned(as: Lanes.self) + (1 - beta2) * g * g
            let w = UnsafeRawPointer(value + index).loadUnaligned(as: Lanes.self) - rate * m / (v.squareRoot() + epsilon)
            UnsafeMutableRawPointer(first + index).storeBytes(of: m, as: Lanes.self)
            UnsafeMutableRawPointer(second + index).storeBytes(of: v, as: Lanes.self)
            UnsafeMutableRawPointer(value + index).storeBytes(of: w, as: Lanes.self)
            index += 8
        }
        while index < count {
            let g = gradient[index]
            let m = beta1 * first[index] + (1 - beta1) * g
            let v = beta2 * second[index] + (1 - beta2) * g * g
            first[index] = m
            second[index] = v
            value[index] -= rate * m / (v.squareRoot() + epsilon)
            index += 1
        }
    }
}
