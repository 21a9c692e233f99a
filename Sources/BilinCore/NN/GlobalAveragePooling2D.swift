/// The mean of each channel over all positions: `(n, H·W·C)` → `(n, C)`.
public final class GlobalAveragePooling2D: Layer {
    public let name: String
    /// `H · W`.
    public let positions: Int
    public let channels: Int

    /// - Parameter inputShape: `(height, width, channels)` of one example.
    public init(name: String, inputShape: [Int]) {
        precondition(inputShape.count == 3, "GlobalAveragePooling2D '\(name)': input shape \(inputShape) is not (height, width, channels)")
        self.name = name
        positions = inputShape[0] * inputShape[1]
        channels = inputShape[2]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let batch = input.shape[0]
        let (positions, channels, scale) = (positions, channels, 1 / Float(positions))
        var means = [Float](repeating: 0, count: batch * channels)
        means.withUnsafeMutableBufferPointer { target in
            input.scalars.withUnsafeBufferPointer { source in
                for example in 0..<batch {
                    let sums = target.baseAddress! + example * channels
                    for position in 0..<positions {
                        let offset = (example * positions + position) * channels
                        for c in 0..<channels { sums[c] += source[offset + c] }
                    }
                    for c in 0..<channels { sums[c] *= scale }
                }
            }
        }
        return Tensor(shape: [batch, channels], scalars: means)
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        (self(input), { [positions, channels] outputGradient in
            let batch = outputGradient.shape[0]
            let scale = 1 / Float(positions)
            // Each position of an example receives its channel's gradient over H·W.
            var gradient = [Float](repeating: 0, count: batch * positions * channels)
            gradient.withUnsafeMutableBufferPointer { target in
                outputGradient.scalars.withUnsafeBufferPointer { source in
                    for example in 0..<batch {
                        for position in 0..<positions {
                            let offset = (example * positions + position) * channels
                            for c in 0..<channels { target[offset + c] = source[example * channels + c] * scale }
                        }
                    }
                }
            }
            return Tensor(shape: [batch, positions * channels], scalars: gradient)
        })
    }
}
