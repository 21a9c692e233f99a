/// A small deterministic random generator (SplitMix64), so that a `--seed` gives the same run everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// Everything the generator is; saved and restored with `init(state:)` to continue a run exactly.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }
}

extension Tensor {
    /// Glorot (Xavier) uniform initialisation, Keras' default for kernels: `U(-l, l)` with `l = sqrt(6 / (fanIn + fanOut))`.
    public static func glorotUniform(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator) -> Tensor {
        let limit = (6.0 / Float(fanIn + fanOut)).squareRoot()
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        for index in 0..<count { scalars[index] = (generator.nextUnitFloat() * 2 - 1) * limit }
        return Tensor(shape: shape, scalars: scalars)
    }
}
