import Foundation

/// Batch normalization over the last axis (the channels of a spatial example, the features of a flat one), as
/// Keras 3 computes it:
///
///     y = x · scale + (beta − mean · scale),   scale = gamma / sqrt(variance + epsilon)
///
/// Inference uses the moving mean and variance. Training uses the batch's mean and biased variance over every
/// other axis (all examples and positions) and moves the statistics towards them,
/// `moving ← moving · momentum + batch · (1 − momentum)` (Keras' `ops.moments`, no Bessel correction).
/// Gamma and beta are trained; the moving statistics are `statistics`, saved with a training state but never
/// stepped by an optimizer. Examples are flattened row-major, so the input is read as `(rows, channels)`.
public final class BatchNormalization: Layer {
    public let name: String
    public let epsilon: Float
    public let momentum: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let movingMean: Parameter
    public let movingVariance: Parameter

    public init(name: String, epsilon: Float, momentum: Float, gamma: Tensor, beta: Tensor, movingMean: Tensor, movingVariance: Tensor) {
        precondition([beta, movingMean, movingVariance].allSatisfy { $0.shape == gamma.shape } && gamma.rank == 1,
                      "BatchNormalization '\(name)': gamma, beta and the moving statistics must be vectors of one length")
        (self.name, self.epsilon, self.momentum) = (name, epsilon, momentum)
        self.gamma = Parameter(key: "\(name)/gamma", value: gamma)
        self.beta = Parameter(key: "\(name)/beta", value: beta)
        self.movingMean = Parameter(key: "\(name)/moving_mean", value: movingMean)
        self.movingVariance = Parameter(key: "\(name)/moving_variance", value: movingVariance)
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var statistics: [Parameter] { [movingMean, movingVariance] }
    public var channels: Int { gamma.value.count }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        normalize(input, mean: movingMean.value.scalars, variance: movingVariance.value.scalars).output
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        let (mean, variance) = moments(input)
        let (momentum, keep) = (momentum, 1 - momentum)
        for c in 0..<channels {
            movingMean.value.scalars[c] = movingMean.value.scalars[c] * momentum + mean[c] * keep
            movingVariance.value.scalars[c] = movingVariance.value.scalars[c] * momentum + variance[c] * keep
        }
        let (output, scale) = normalize(input, mean: mean, variance: variance)
        return (output, { [gamma, beta, channels] outputGradient in
            // With x̂ = (x − mean) / σ and m rows: ∂gamma = Σ ∂y·x̂, ∂beta = Σ ∂y,
            // ∂x = (gamma / σ) · (∂y − ∂beta / m − x̂ · ∂gamma / m).
            let rows = input.count / max(channels, 1)
            var (gradientSums, productSums) = ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
            input.scalars.withUnsafeBufferPointer { x in
                outputGradient.scalars.withUnsafeBufferPointer { g in
                    for row in 0..<rows {
                        let offset = row * channels
                        for c in 0..<channels {
                            gradientSums[c] += Double(g[offset + c])
                            productSums[c] += Double(g[offset + c]) * Double(x[offset + c] - mean[c])
                        }
                    }
                }
            }
            let inverseDeviation = (0..<channels).map { 1 / (variance[$0] + self.epsilon).squareRoot() }
            let gammaGradient = (0..<channels).map { Float(productSums[$0]) * inverseDeviation[$0] }
            gamma.gradient = Tensor(shape: [channels], scalars: gammaGradient)
            beta.gradient = Tensor(shape: [channels], scalars: gradientSums.map(Float.init))
            let shift = (0..<channels).map { Float(gradientSums[$0]) / Float(rows) }
            let slope = (0..<channels).map { gammaGradient[$0] * inverseDeviation[$0] / Float(rows) }
            var inputGradient = outputGradient
            inputGradient.scalars.withUnsafeMutableBufferPointer { g in
                input.scalars.withUnsafeBufferPointer { x in
                    for row in 0..<rows {
                        let offset = row * channels
                        for c in 0..<channels {
                            // (x − mean) · slope = x̂ · ∂gamma / m, scaled by 1/σ once more through `scale` = gamma/σ.
                            g[offset + c] = scale[c] * (g[offset + c] - shift[c] - (x[offset + c] - mean[c]) * slope[c])
                        }
                    }
                }
            }
            return inputGradient
        })
    }

    /// The mean and biased variance of each channel over the rows of `input`, accumulated in Double.
    private func moments(_ input: Tensor) -> (mean: [Float], variance: [Float]) {
        let rows = input.count / max(channels, 1)
        let channels = channels
        var (sums, squares) = ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
        input.scalars.withUnsafeBufferPointer { x in
            for row in 0..<rows {
                for c in 0..<channels { sums[c] += Double(x[row * channels + c]) }
            }
            for c in 0..<channels { sums[c] /= Double(max(rows, 1)) }
            // Two passes: the squared deviations from the mean, not E[x²] − mean², which cancels badly.
            for row in 0..<rows {
                for c in 0..<channels {
                    let deviation = Double(x[row * channels + c]) - sums[c]
                    squares[c] += deviation * deviation
                }
            }
        }
        return (sums.map(Float.init), squares.map { Float($0 / Double(max(rows, 1))) })
    }

    /// `x · scale + (beta − mean · scale)` per channel, and `scale = gamma / sqrt(variance + epsilon)`.
    private func normalize(_ input: Tensor, mean: [Float], variance: [Float]) -> (output: Tensor, scale: [Float]) {
        let channels = channels
        let scale = (0..<channels).map { gamma.value.scalars[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta.value.scalars[$0] - mean[$0] * scale[$0] }
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            var offset = 0
            while offset < y.count {
                for c in 0..<channels { y[offset + c] = y[offset + c] * scale[c] + shift[c] }
                offset += channels
            }
        }
        return (output, scale)
    }
}
