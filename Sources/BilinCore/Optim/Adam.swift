import Foundation

/// Adam (Kingma & Ba 2015) with bias correction, Keras' defaults (`epsilon` 1e-7).
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-7
    private var stepCount = 0
    private var firstMoments: [String: [Float]] = [:]
    private var secondMoments: [String: [Float]] = [:]

    public init(learningRate: Float = 1e-3) {
        self.learningRate = learningRate
    }

    public mutating func step(_ parameters: [Parameter]) {
        stepCount += 1
        let correctedRate = learningRate * (1 - pow(beta2, Float(stepCount))).squareRoot() / (1 - pow(beta1, Float(stepCount)))
        for parameter in parameters {
            // Taken out of the dictionaries while updated, so that writing them copies nothing.
            var first = firstMoments.removeValue(forKey: parameter.key) ?? [Float](repeating: 0, count: parameter.value.count)
            var second = secondMoments.removeValue(forKey: parameter.key) ?? [Float](repeating: 0, count: parameter.value.count)
            let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
            parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                parameter.value.scalars.withUnsafeMutableBufferPointer { value in
                    for index in value.indices {
                        let g = gradient[index]
                        first[index] = beta1 * first[index] + (1 - beta1) * g
                        second[index] = beta2 * second[index] + (1 - beta2) * g * g
                        value[index] -= correctedRate * first[index] / (second[index].squareRoot() + epsilon)
                    }
                }
            }
            firstMoments[parameter.key] = first
            secondMoments[parameter.key] = second
        }
    }
}
