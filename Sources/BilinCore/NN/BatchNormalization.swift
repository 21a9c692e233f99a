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
            let (gradientSums, productSums) = BatchNormalization.columnSums(outputGradient, input, mean: mean, centreFirst: false, channels: channels)
            let inverseDeviation = (0..<channels).map { 1 / (variance[$0] + self.epsilon).squareRoot() }
            let gammaGradient = (0..<channels).map { Float(productSums[$0]) * inverseDeviation[$0] }
            gamma.gradient = Tensor(shape: [channels], scalars: gammaGradient)
            beta.gradient = Tensor(shape: [channels], scalars: gradientSums.map(Float.init))
            let shift = (0..<channels).map { Float(gradientSums[$0]) / Float(rows) }
            let slope = (0..<channels).map { gammaGradient[$0] * inverseDeviation[$0] / Float(rows) }
            var inputGradient = outputGradient
            inputGradient.scalars.withUnsafeMutableBufferPointer { g in
                input.scalars.withUnsafeBufferPointer { x in
                    scale.withUnsafeBufferPointer { scale in shift.withUnsafeBufferPointer { shift in
                        slope.withUnsafeBufferPointer { slope in mean.withUnsafeBufferPointer { mean in
                            for row in 0..<rows {
                                let offset = row * channels
                                for c in 0..<channels {
                                    // (x − mean) · slope = x̂ · ∂gamma / m, scaled by 1/σ once more through `scale` = gamma/σ.
                                    g[offset + c] = scale[c] * (g[offset + c] - shift[c] - (x[offset + c] - mean[c]) * slope[c])
                                }
                            }
                        } }
                    } }
                }
            }
            return inputGradient
        })
    }

    /// The mean and biased variance of each channel over the rows of `input`, accumulated in Double.
    private func moments(_ input: Tensor) -> (mean: [Float], variance: [Float]) {
        let rows = Double(max(input.count / max(channels, 1), 1))
        // Two passes: the squared deviations from the mean, not E[x²] − mean², which cancels badly.
        let sums = BatchNormalization.columnSums(input, channels: channels)
        let mean = sums.map { Float($0 / rows) }
        let squares = BatchNormalization.columnSums(input, input, mean: mean, centreFirst: true, channels: channels).products
        return (mean, squares.map { Float($0 / rows) })
    }

    /// `Σ_rows a` per channel, in Double.
    private static func columnSums(_ a: Tensor, channels: Int) -> [Double] {
        columnSums(a, nil, mean: [], centreFirst: false, channels: channels).sums
    }

    /// `Σ_rows a` and `Σ_rows a′ · (b − mean)` per channel of `(rows, channels)` tensors, with `a′ = a − mean` when
    /// `centreFirst` and `a` otherwise, accumulated in Double (each product is formed in Float).
    private static func columnSums(_ a: Tensor, _ b: Tensor?, mean: [Float], centreFirst: Bool, channels: Int) -> (sums: [Double], products: [Double]) {
        let rows = a.count / max(channels, 1)
        var sums = [Double](repeating: 0, count: channels)
        var products = [Double](repeating: 0, count: channels)
        a.scalars.withUnsafeBufferPointer { a in
            (b ?? Tensor(shape: [0])).scalars.withUnsafeBufferPointer { b in
                mean.withUnsafeBufferPointer { mean in
                    sums.withUnsafeMutableBufferPointer { sums in
                        products.withUnsafeMutableBufferPointer { products in
                            for row in 0..<rows {
                                let offset = row * channels
                                for c in 0..<channels { sums[c] += Double(a[offset + c]) }
                                guard !b.isEmpty else { continue }
                                if centreFirst {
                                    for c in 0..<channels { products[c] += Double((a[offset + c] - mean[c]) * (b[offset + c] - mean[c])) }
                                } else {
                                    for c in 0..<channels { products[c] += Double(a[offset + c] * (b[offset + c] - mean[c])) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (sums, products)
    }

    /// `x · scale + (beta − mean · scale)` per channel, and `scale = gamma / sqrt(variance + epsilon)`.
    private func normalize(_ input: Tensor, mean: [Float], variance: [Float]) -> (output: Tensor, scale: [Float]) {
        let channels = channels
        let scale = (0..<channels).map { gamma.value.scalars[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta.value.scalars[$0] - mean[$0] * scale[$0] }
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            scale.withUnsafeBufferPointer { scale in
                shift.withUnsafeBufferPointer { shift in
                    var offset = 0
                    while offset < y.count {
                        for c in 0..<channels { y[offset + c] = y[offset + c] * scale[c] + shift[c] }
                        offset += channels
                    }
                }
            }
        }
        return (output, scale)
    }
}
