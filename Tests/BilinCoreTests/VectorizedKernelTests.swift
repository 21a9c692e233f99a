import BilinCore
import BilinTestSupport
import Testing

/// The SIMD loops of the hot path against the plain element rules, at lengths that leave a scalar tail.
@Suite("Vectorised element loops")
struct VectorizedKernelTests {
    @Test("ReLU forward and backward equal max(x, 0) and g·[x > 0], tails included", arguments: [1, 7, 8, 19, 64])
    func relu(count: Int) {
        var generator = SeededGenerator(seed: UInt64(50 + count))
        var x = Reference.random([1, count], using: &generator)
        x.scalars[0] = 0  // the boundary: ∂relu(0) is 0, as Keras has it
        let g = Reference.random([1, count], using: &generator)
        let layer = ActivationLayer(name: "r", activation: .relu)
        let (y, backward) = layer.forwardForTraining(x, generator: &generator)
        #expect(y.scalars == x.scalars.map { max($0, 0) })
        #expect(backward(g).scalars == zip(x.scalars, g.scalars).map { $0 > 0 ? $1 : 0 })
    }

    @Test("swappingLeadingAxes moves whole inner runs, with the eight-lane copy and without", arguments: [3, 8, 16, 24])
    func swapAxes(inner: Int) {
        let (outer, middle) = (5, 3)
        let source = Tensor(shape: [outer, middle * inner], scalars: (0..<(outer * middle * inner)).map(Float.init))
        let swapped = source.swappingLeadingAxes(outer: outer, middle: middle, inner: inner)
        #expect(swapped.shape == [middle, outer * inner])
        for o in 0..<outer { for m in 0..<middle { for i in 0..<inner {
            #expect(swapped.scalars[(m * outer + o) * inner + i] == source.scalars[(o * middle + m) * inner + i])
        } } }
    }

    @Test("swappingLeadingAxes adding a row per outer index equals the swap plus the row", arguments: [3, 8, 19])
    func swapAxesAdding(inner: Int) {
        let (outer, middle) = (4, 5)
        var generator = SeededGenerator(seed: UInt64(80 + inner))
        let source = Reference.random([outer, middle * inner], using: &generator)
        let rows = Reference.random([outer, inner], using: &generator)
        let swapped = source.swappingLeadingAxes(outer: outer, middle: middle, inner: inner, adding: rows)
        #expect(swapped.shape == [middle, outer * inner])
        for o in 0..<outer { for m in 0..<middle { for i in 0..<inner {
            #expect(swapped.scalars[(m * outer + o) * inner + i] == source.scalars[(o * middle + m) * inner + i] + rows.scalars[o * inner + i])
        } } }
    }

    @Test("columnSums over 8-row blocks and a tail equals the plain sum", arguments: [1, 8, 13, 130])
    func columnSums(rows: Int) {
        var generator = SeededGenerator(seed: UInt64(60 + rows))
        let m = Reference.random([rows, 11], using: &generator)
        let expected = (0..<11).map { c in (0..<rows).reduce(0.0) { $0 + Double(m[$1, c]) } }
        assertClose(m.columnSums().scalars.map(Double.init), expected, atol: 1e-5, rtol: 1e-5)
    }
}

@Suite("One-row products")
struct OneRowProductTests {
    @Test("a 1×k row times op(B) goes through sgemv and equals the explicit product", arguments: [false, true])
    func oneRow(transposeOther: Bool) {
        var generator = SeededGenerator(seed: 70)
        let a = Reference.random([1, 13], using: &generator)
        let b = Reference.random(transposeOther ? [7, 13] : [13, 7], using: &generator)
        let product = a.matmul(b, transposeOther: transposeOther)
        let expected = (0..<7).map { j in
            (0..<13).reduce(0.0) { $0 + Double(a[0, $1]) * Double(transposeOther ? b[j, $1] : b[$1, j]) }
        }
        #expect(product.shape == [1, 7])
        assertClose(product.scalars.map(Double.init), expected, atol: 1e-5, rtol: 1e-5)
    }
}
