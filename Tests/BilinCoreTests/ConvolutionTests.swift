import BilinCore
import BilinTestSupport
import Testing

/// Window geometries over odd sizes: both paddings, strides 1 and 2, square and not.
let convolutionCases: [(shape: [Int], window: Window2D)] = [
    ([5, 7, 3], Window2D(height: 3, width: 3, padding: .valid)),
    ([5, 7, 3], Window2D(height: 3, width: 3, padding: .same)),
    ([7, 6, 2], Window2D(height: 3, width: 2, strideHeight: 2, strideWidth: 2, padding: .valid)),
    ([7, 6, 2], Window2D(height: 3, width: 2, strideHeight: 2, strideWidth: 2, padding: .same)),
    ([6, 5, 4], Window2D(height: 2, width: 3, strideHeight: 1, strideWidth: 2, padding: .same)),
    ([4, 4, 1], Window2D(height: 4, width: 4, strideHeight: 2, strideWidth: 2, padding: .same)),
]

@Suite("Conv2D")
struct Conv2DTests {
    static func layer(_ shape: [Int], _ window: Window2D, filters: Int, useBias: Bool = true, seed: UInt64) -> (Conv2D, Tensor) {
        var generator = SeededGenerator(seed: seed)
        let kernel = Reference.random([window.height, window.width, shape[2], filters], using: &generator)
        let bias = useBias ? Reference.random([filters], using: &generator) : nil
        let x = Reference.random([3, shape.reduce(1, *)], using: &generator)
        return (Conv2D(name: "conv", inputShape: shape, kernel: kernel, bias: bias, window: window), x)
    }

    @Test("forward equals the direct loops of Keras' Conv2D", arguments: convolutionCases.indices)
    func forward(_ index: Int) {
        let (shape, window) = convolutionCases[index]
        let (layer, x) = Self.layer(shape, window, filters: 5, seed: 300 + UInt64(index))
        let expected = SpatialReference.conv2D(x, shape: shape, kernel: layer.kernel.value, bias: layer.bias?.value, window: window)
        let (outputHeight, outputWidth) = window.outputSize(height: shape[0], width: shape[1])
        #expect(expected.shape == [3, outputHeight * outputWidth * 5])
        assertClose(layer(x), expected, atol: 1e-5, rtol: 1e-5)
        var generator = SeededGenerator(seed: 0)
        assertClose(layer.forwardForTraining(x, generator: &generator).output, expected, atol: 1e-5, rtol: 1e-5)
    }

    @Test("a valid window larger than the input gives no positions")
    func emptyOutput() {
        let (layer, x) = Self.layer([2, 3, 2], Window2D(height: 3, width: 3), filters: 2, seed: 310)
        #expect(layer(x).shape == [3, 0])
    }

    @Test("gradients of the kernel, the bias and the input match central differences", arguments: convolutionCases.indices)
    func gradients(_ index: Int) {
        let (shape, window) = convolutionCases[index]
        let (layer, x) = Self.layer(shape, window, filters: 3, seed: 320 + UInt64(index))
        // Linear in the kernel, the bias and the input separately: a large step is exact up to rounding.
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3,
                             expectedNames: ["input", "conv/kernel", "conv/bias"])
        #expect(layer.kernel.gradient.shape == [window.height, window.width, shape[2], 3])
    }

    @Test("without a bias, the kernel and input gradients still match")
    func gradientsWithoutBias() {
        let (layer, x) = Self.layer([5, 5, 2], Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 2, padding: .same),
                                    filters: 2, useBias: false, seed: 330)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3,
                             expectedNames: ["input", "conv/kernel"])
    }
}

@Suite("BilinearConv2D")
struct BilinearConv2DTests {
    /// Patches of `Cin·kh·kw` values read as `p×q`, projected to `p'×q'` channels.
    static func layer(_ shape: [Int], _ window: Window2D, p: Int, seed: UInt64) -> (BilinearConv2D, Tensor) {
        let patch = window.patchSize(channels: shape[2])
        let bilinear = BilinearShape(inputRows: p, inputColumns: patch / p, outputRows: 2, outputColumns: 3)
        var generator = SeededGenerator(seed: seed)
        let u = Reference.random([bilinear.inputRows, 2], using: &generator)
        let v = Reference.random([bilinear.inputColumns, 3], using: &generator)
        let bias = Reference.random([2, 3], using: &generator)
        let x = Reference.random([2, shape.reduce(1, *)], using: &generator)
        return (BilinearConv2D(name: "biconv", inputShape: shape, shape: bilinear, window: window, u: u, v: v, bias: bias), x)
    }

    /// `p` divides each case's patch size (3·3·3 = 27, 3·2·2 = 12, 2·3·4 = 24, 4·4·1 = 16).
    static let rows = [3, 3, 4, 4, 4, 4]

    @Test("forward equals each channel-major patch projected by Uᵀ X V + B", arguments: convolutionCases.indices)
    func forward(_ index: Int) {
        let (shape, window) = convolutionCases[index]
        let (layer, x) = Self.layer(shape, window, p: Self.rows[index], seed: 400 + UInt64(index))
        let projection = layer.projection
        let expected = SpatialReference.bilinearConv2D(
            x, shape: shape, u: projection.u.value, v: projection.v.value, bias: projection.bias.value, window: window)
        assertClose(layer(x), expected, atol: 1e-5, rtol: 1e-5)
        var generator = SeededGenerator(seed: 0)
        assertClose(layer.forwardForTraining(x, generator: &generator).output, expected, atol: 1e-5, rtol: 1e-5)
    }

    @Test("gradients of U, V, the bias and the input match central differences", arguments: convolutionCases.indices)
    func gradients(_ index: Int) {
        let (shape, window) = convolutionCases[index]
        let (layer, x) = Self.layer(shape, window, p: Self.rows[index], seed: 420 + UInt64(index))
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 2e-3, rtol: 2e-3,
                             expectedNames: ["input", "biconv/u", "biconv/v", "biconv/bias"])
    }

    @Test("a one-hot U and V pick single patch values: the channel-major order (c·kh + i)·kw + j")
    func patchOrder() {
        // 3×3 input with 2 channels, 2×2 valid window: patches of 8 = 2·2·2 read as p×q = 2×4 (p = channel).
        let shape = [3, 3, 2]
        let window = Window2D(height: 2, width: 2)
        let bilinear = BilinearShape(inputRows: 2, inputColumns: 4, outputRows: 1, outputColumns: 1)
        var x = Tensor(shape: [1, 18])
        for index in 0..<18 { x.scalars[index] = Float(index) }  // x[r, s, c] = (r·3 + s)·2 + c
        for (c, i, j) in [(0, 0, 0), (1, 0, 1), (1, 1, 0), (0, 1, 1)] {
            // U picks row c, V picks column i·kw + j: output = X[c, i·2 + j] = x[r + i, s + j, c].
            var u = Tensor(shape: [2, 1]), v = Tensor(shape: [4, 1])
            u.scalars[c] = 1
            v.scalars[i * 2 + j] = 1
            let layer = BilinearConv2D(name: "pick", inputShape: shape, shape: bilinear, window: window, u: u, v: v, bias: Tensor(shape: [1, 1]))
            let expected = (0..<2).flatMap { r in (0..<2).map { s in Float(((r + i) * 3 + s + j) * 2 + c) } }
            #expect(layer(x).scalars == expected, "c \(c), i \(i), j \(j)")
        }
    }
}
