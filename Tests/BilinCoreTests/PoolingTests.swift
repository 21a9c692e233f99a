import BilinCore
import BilinTestSupport
import Testing

@Suite("Pooling2D")
struct PoolingTests {
    static let kinds: [PoolingKind] = [.max, .average]

    @Test("forward equals the window's maximum or mean over the positions inside the input",
          arguments: kinds, convolutionCases.indices)
    func forward(kind: PoolingKind, index: Int) {
        let (shape, window) = convolutionCases[index]
        var generator = SeededGenerator(seed: 500 + UInt64(index))
        let x = Reference.random([3, shape.reduce(1, *)], using: &generator)
        let layer = Pooling2D(name: "pool", kind: kind, inputShape: shape, window: window)
        let expected = SpatialReference.pooling(x, shape: shape, kind: kind, window: window)
        assertClose(layer(x), expected, atol: 1e-6, rtol: 1e-5)
        var training = SeededGenerator(seed: 0)
        assertClose(layer.forwardForTraining(x, generator: &training).output, expected, atol: 1e-6, rtol: 1e-5)
    }

    @Test("with 'same' padding, the mean of a corner window divides by the positions inside only")
    func averageCountsInsideOnly() {
        // 3×3 ones, 2×2 window, stride 2, same: output 2×2; the last row and column read one padded row/column.
        let layer = Pooling2D(name: "pool", kind: .average, inputShape: [3, 3, 1],
                              window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2, padding: .same))
        var x = Tensor(shape: [1, 9], repeating: 1)
        #expect(layer(x).scalars == [1, 1, 1, 1])
        x.scalars[8] = 5  // the bottom-right window holds only this value
        #expect(layer(x).scalars == [1, 1, 1, 5])
    }

    @Test("max pooling ignores padding even when every value is negative")
    func maxIgnoresPadding() {
        let layer = Pooling2D(name: "pool", kind: .max, inputShape: [3, 3, 1],
                              window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2, padding: .same))
        let x = Tensor(shape: [1, 9], scalars: (1...9).map { -Float($0) })
        #expect(layer(x).scalars == [-1, -3, -7, -9])
    }

    @Test("input gradients match central differences", arguments: kinds, convolutionCases.indices)
    func gradients(kind: PoolingKind, index: Int) {
        let (shape, window) = convolutionCases[index]
        var generator = SeededGenerator(seed: 520 + UInt64(index))
        // Distinct values 0.05 apart and a small step: no maximum changes hands between the probes.
        let x = SpatialReference.distinctValues([2, shape.reduce(1, *)], using: &generator)
        let layer = Pooling2D(name: "pool", kind: kind, inputShape: shape, window: window)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 1e-3), atol: 2e-3, rtol: 2e-3, expectedNames: ["input"])
    }
}

@Suite("GlobalAveragePooling2D")
struct GlobalAveragePoolingTests {
    @Test("forward is each channel's mean; the input gradient matches central differences")
    func forwardAndGradient() {
        let shape = [3, 5, 4]
        var generator = SeededGenerator(seed: 540)
        let x = Reference.random([3, 60], using: &generator)
        let layer = GlobalAveragePooling2D(name: "gap", inputShape: shape)
        var expected = Tensor(shape: [3, 4])
        for b in 0..<3 {
            for c in 0..<4 {
                expected[b, c] = Float((0..<15).reduce(0.0) { $0 + Double(x[b, $1 * 4 + c]) } / 15)
            }
        }
        assertClose(layer(x), expected, atol: 1e-6, rtol: 1e-5)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3, expectedNames: ["input"])
    }
}
