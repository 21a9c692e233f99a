import BilinCore
import Foundation

/// Per-pixel standardisation applied after scaling: `(x − mean) / standardDeviation`.
public struct Normalization: Sendable, Equatable {
    public var mean: Float
    public var standardDeviation: Float

    /// - Precondition: `mean` is finite and `standardDeviation` is finite and positive.
    public init(mean: Float, standardDeviation: Float) {
        precondition(mean.isFinite && standardDeviation.isFinite && standardDeviation > 0,
                     "normalization needs a finite mean and a finite, positive standard deviation")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Reads `MEAN,STD`, as in `0.2860,0.3530`.
    ///
    /// - Throws: `BilinError` naming the text when it is not two finite numbers or the deviation is not positive.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let mean = Float(parts[0]), let deviation = Float(parts[1]),
              mean.isFinite, deviation.isFinite else {
            throw BilinError("normalization must be MEAN,STD such as 0.2860,0.3530, got '\(text)'")
        }
        guard deviation > 0 else {
            throw BilinError("normalization standard deviation must be positive, got '\(parts[1])'")
        }
        self.init(mean: mean, standardDeviation: deviation)
    }

    /// `value` standardised.
    func apply(_ value: Float) -> Float {
        (value - mean) / standardDeviation
    }
}
