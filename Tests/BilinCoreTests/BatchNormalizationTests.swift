import BilinCore
import BilinTestSupport
import Foundation
import Testing

@Suite("BatchNormalization")
struct BatchNormalizationTests {
    /// 4 channels; moving statistics far from a batch's so that training and inference differ.
    static func layer(seed: UInt64, momentum: Float = 0.9) -> BatchNormalization {
        var generator = SeededGenerator(seed: seed)
        return BatchNormalization(
            name: "bn", epsilon: 1e-3, momentum: momentum,
            gamma: Reference.random([4], in: 0.5...1.5, using: &generator), beta: Reference.random([4], using: &generator),
            movingMean: Reference.random([4], in: 2...3, using: &generator), movingVariance: Reference.random([4], in: 3...4, using: &generator))
    }

    /// `gamma · (x − mean) / sqrt(variance + epsilon) + beta` per channel (the last axis of 4), in Double.
    static func reference(_ x: Tensor, mean: [Double], variance: [Double], gamma: Tensor, beta: Tensor) -> Tensor {
        var y = x
        for index in x.scalars.indices {
            let c = index % 4
            y.scalars[index] = Float(Double(gamma.scalars[c]) * (Double(x.scalars[index]) - mean[c]) / (variance[c] + 1e-3).squareRoot()
                                     + Double(beta.scalars[c]))
        }
        return y
    }

    /// The mean and biased variance of each of the 4 channels over every row and position, in Double.
    static func moments(_ x: Tensor) -> (mean: [Double], variance: [Double]) {
        let rows = x.count / 4
        let mean = (0..<4).map { c in (0..<rows).reduce(0.0) { $0 + Double(x.scalars[$1 * 4 + c]) } / Double(rows) }
        let variance = (0..<4).map { c in
            (0..<rows).reduce(0.0) { $0 + pow(Double(x.scalars[$1 * 4 + c]) - mean[c], 2) } / Double(rows)
        }
        return (mean, variance)
    }

    @Test("inference normalizes with the moving statistics and leaves them alone")
    func inference() {
        let layer = Self.layer(seed: 600)
        var generator = SeededGenerator(seed: 601)
        let x = Reference.random([3, 2 * 3 * 4], using: &generator)  // (3, 2×3×4): spatial, channels last
        let (mean, variance) = (layer.movingMean.value, layer.movingVariance.value)
        let expected = Self.reference(x, mean: mean.scalars.map(Double.init), variance: variance.scalars.map(Double.init),
                                      gamma: layer.gamma.value, beta: layer.beta.value)
        assertClose(layer(x), expected, atol: 1e-5, rtol: 1e-5)
        #expect(layer.movingMean.value == mean && layer.movingVariance.value == variance)
    }

    @Test("training normalizes with the batch's mean and biased variance and moves the statistics by 1 − momentum")
    func training() {
        let layer = Self.layer(seed: 602, momentum: 0.9)
        var generator = SeededGenerator(seed: 603)
        let x = Reference.random([5, 2 * 3 * 4], in: -1...3, using: &generator)
        let (oldMean, oldVariance) = (layer.movingMean.value, layer.movingVariance.value)
        let (mean, variance) = Self.moments(x)
        let output = layer.forwardForTraining(x, generator: &generator).output
        assertClose(output, Self.reference(x, mean: mean, variance: variance, gamma: layer.gamma.value, beta: layer.beta.value),
                    atol: 1e-5, rtol: 1e-5)
        // Each channel of the output has mean beta and variance gamma² · v / (v + epsilon).
        let (outputMean, _) = Self.moments(output)
        assertClose(outputMean, layer.beta.value.scalars.map(Double.init), atol: 1e-5, rtol: 1e-5)
        assertClose(layer.movingMean.value.scalars.map(Double.init),
                    (0..<4).map { Double(oldMean.scalars[$0]) * 0.9 + mean[$0] * 0.1 }, atol: 1e-6, rtol: 1e-5)
        assertClose(layer.movingVariance.value.scalars.map(Double.init),
                    (0..<4).map { Double(oldVariance.scalars[$0]) * 0.9 + variance[$0] * 0.1 }, atol: 1e-6, rtol: 1e-5)
        // Inference now uses the moved statistics, so it differs from the training output.
        #expect(!layer(x).isClose(to: output, rtol: 1e-3, atol: 1e-3))
    }

    @Test("a flat input normalizes each feature over the batch")
    func flatInput() {
        let layer = Self.layer(seed: 604)
        var generator = SeededGenerator(seed: 605)
        let x = Reference.random([6, 4], using: &generator)
        let (mean, variance) = Self.moments(x)
        assertClose(layer.forwardForTraining(x, generator: &generator).output,
                    Self.reference(x, mean: mean, variance: variance, gamma: layer.gamma.value, beta: layer.beta.value), atol: 1e-5, rtol: 1e-5)
    }

    @Test("training gradients of gamma, beta and the input match central differences")
    func gradients() {
        let layer = Self.layer(seed: 606)
        var generator = SeededGenerator(seed: 607)
        let x = Reference.random([3, 2 * 2 * 4], in: -2...2, using: &generator)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 1e-2), atol: 3e-3, rtol: 3e-3,
                             expectedNames: ["input", "bn/gamma", "bn/beta"])
        #expect(layer.statistics.map(\.key) == ["bn/moving_mean", "bn/moving_variance"])
    }
}
