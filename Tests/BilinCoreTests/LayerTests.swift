import BilinCore
import BilinTestSupport
import Foundation
import Testing

/// Asserts that every analytic gradient of a layer matches its central-difference estimate.
func expectGradientsMatch(
    _ comparisons: [GradientCheck.Comparison], atol: Float = 2e-3, rtol: Float = 2e-3, expectedNames: [String]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let expectedNames { #expect(comparisons.map(\.name) == expectedNames, sourceLocation: sourceLocation) }
    for comparison in comparisons {
        // A gradient check that compares zeros with zeros checks nothing.
        #expect(comparison.numeric.scalars.contains { abs($0) > 1e-3 }, "\(comparison.name): numeric gradient is all zero", sourceLocation: sourceLocation)
        assertClose(comparison.analytic, comparison.numeric, atol: atol, rtol: rtol, "gradient of \(comparison.name)", sourceLocation: sourceLocation)
    }
}

@Suite("BilinearProjection")
struct BilinearProjectionTests {
    // p=3, q=5, p'=4, q'=2, batch 3.
    let shape = BilinearShape(inputRows: 3, inputColumns: 5, outputRows: 4, outputColumns: 2)

    func makeLayer(seed: UInt64) -> (BilinearProjection, Tensor) {
        var generator = SeededGenerator(seed: seed)
        let u = Reference.random([3, 4], using: &generator)
        let v = Reference.random([5, 2], using: &generator)
        let bias = Reference.random([4, 2], using: &generator)
        let x = Reference.random([3, 15], using: &generator)
        return (BilinearProjection(name: "bp", shape: shape, u: u, v: v, bias: bias), x)
    }

    @Test("forward equals Y[b,i,j] = Σ_k Σ_l U[k,i] X[b,k,l] V[l,j] + bias[i,j] with non-square shapes")
    func forward() {
        let (layer, x) = makeLayer(seed: 41)
        let (u, v, bias) = (layer.u.value, layer.v.value, layer.bias.value)
        // Written out here with X[b,k,l] = x[b, k*q + l].
        var expected = Tensor(shape: [3, 8])
        for b in 0..<3 {
            for i in 0..<4 {
                for j in 0..<2 {
                    var sum = Double(bias[i, j])
                    for k in 0..<3 {
                        for l in 0..<5 { sum += Double(u[k, i]) * Double(x[b, k * 5 + l]) * Double(v[l, j]) }
                    }
                    expected[b, i * 2 + j] = Float(sum)
                }
            }
        }
        let y = layer(x)
        #expect(y.shape == [3, 8])
        assertClose(y, expected, atol: 1e-5, rtol: 1e-5)
        assertClose(y, Reference.bilinear(x, u: u, v: v, bias: bias), atol: 1e-5, rtol: 1e-5)
        // Training forward gives the same output.
        var generator = SeededGenerator(seed: 0)
        assertClose(layer.forwardForTraining(x, generator: &generator).output, expected, atol: 1e-5, rtol: 1e-5)
    }

    @Test("batch of one and a larger batch agree row by row")
    func batchIndependence() {
        let (layer, _) = makeLayer(seed: 42)
        var generator = SeededGenerator(seed: 43)
        let x = Reference.random([7, 15], using: &generator)
        let all = layer(x)
        for b in 0..<7 {
            let single = layer(Tensor(shape: [1, 15], scalars: Array(x.scalars[(b * 15)..<((b + 1) * 15)])))
            assertClose(single, Tensor(shape: [1, 8], scalars: Array(all.scalars[(b * 8)..<((b + 1) * 8)])), atol: 1e-6, rtol: 1e-5)
        }
    }

    @Test("gradients of U, V, bias and the input match central differences")
    func gradients() {
        let (layer, x) = makeLayer(seed: 44)
        // The layer is linear in each of U, V, bias and x separately, so a large step is exact up to rounding.
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3,
                             expectedNames: ["input", "bp/u", "bp/v", "bp/bias"])
        #expect(layer.u.gradient.shape == [3, 4])
        #expect(layer.v.gradient.shape == [5, 2])
        #expect(layer.bias.gradient.shape == [4, 2])
    }

    @Test("gradient of U is the explicit sum Σ_b Σ_j (X V)[b,k,j] · dY[b,i,j]")
    func explicitUGradient() {
        let (layer, x) = makeLayer(seed: 45)
        var generator = SeededGenerator(seed: 46)
        let upstream = Reference.random([3, 8], using: &generator)
        var trainingGenerator = SeededGenerator(seed: 0)
        let backward = layer.forwardForTraining(x, generator: &trainingGenerator).backward
        let inputGradient = backward(upstream)
        let (u, v) = (layer.u.value, layer.v.value)
        var gu = Tensor(shape: [3, 4])
        var gv = Tensor(shape: [5, 2])
        var gx = Tensor(shape: [3, 15])
        for b in 0..<3 { for i in 0..<4 { for j in 0..<2 { for k in 0..<3 { for l in 0..<5 {
            let dy = Double(upstream[b, i * 2 + j])
            gu[k, i] += Float(Double(x[b, k * 5 + l]) * Double(v[l, j]) * dy)
            gv[l, j] += Float(Double(u[k, i]) * Double(x[b, k * 5 + l]) * dy)
            gx[b, k * 5 + l] += Float(Double(u[k, i]) * Double(v[l, j]) * dy)
        } } } } }
        assertClose(layer.u.gradient, gu, atol: 1e-5, rtol: 1e-4)
        assertClose(layer.v.gradient, gv, atol: 1e-5, rtol: 1e-4)
        assertClose(inputGradient, gx, atol: 1e-5, rtol: 1e-4)
        var gb = Tensor(shape: [4, 2])
        for b in 0..<3 { for o in 0..<8 { gb.scalars[o] += upstream[b, o] } }
        assertClose(layer.bias.gradient, gb, atol: 1e-6, rtol: 1e-5)
    }
}

@Suite("Dense")
struct DenseTests {
    @Test("forward equals x · kernel + bias, with and without bias")
    func forward() {
        var generator = SeededGenerator(seed: 51)
        let kernel = Reference.random([5, 3], using: &generator)
        let bias = Reference.random([3], using: &generator)
        let x = Reference.random([4, 5], using: &generator)
        var expected = Tensor(shape: [4, 3])
        for b in 0..<4 { for o in 0..<3 {
            var sum = Double(bias.scalars[o])
            for i in 0..<5 { sum += Double(x[b, i]) * Double(kernel[i, o]) }
            expected[b, o] = Float(sum)
        } }
        assertClose(Dense(name: "d", kernel: kernel, bias: bias)(x), expected, atol: 1e-6, rtol: 1e-5)
        assertClose(Dense(name: "d", kernel: kernel, bias: nil)(x), Reference.dense(x, kernel: kernel, bias: nil), atol: 1e-6, rtol: 1e-5)
    }

    @Test("gradients of kernel, bias and input match central differences")
    func gradients() {
        var generator = SeededGenerator(seed: 52)
        let layer = Dense(name: "d", kernel: Reference.random([5, 3], using: &generator), bias: Reference.random([3], using: &generator))
        let x = Reference.random([4, 5], using: &generator)
        expectGradientsMatch(GradientCheck.check(layer: layer, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3,
                             expectedNames: ["input", "d/kernel", "d/bias"])
        let noBias = Dense(name: "n", kernel: Reference.random([5, 3], using: &generator), bias: nil)
        expectGradientsMatch(GradientCheck.check(layer: noBias, input: x, step: 0.05), atol: 1e-3, rtol: 1e-3,
                             expectedNames: ["input", "n/kernel"])
    }
}

@Suite("ActivationLayer")
struct ActivationLayerTests {
    /// Kinks and breakpoints that finite differences must stay away from.
    static let breakpoints: [Float] = [0, 6, -3, 3]

    @Test("forward matches Keras' definition in Double", arguments: Activation.allCases.filter { $0 != .softmax })
    func forwardValues(activation: Activation) {
        var generator = SeededGenerator(seed: 61)
        let x = Reference.random([3, 7], in: -7...8, avoiding: Self.breakpoints, margin: 0.05, using: &generator)
        let y = ActivationLayer(name: "a", activation: activation)(x)
        let expected = Tensor(shape: x.shape, scalars: x.scalars.map { Float(Reference.activation(activation, Double($0))) })
        assertClose(y, expected, atol: 1e-5, rtol: 1e-5, "\(activation)")
    }

    @Test("input gradient matches central differences", arguments: Activation.allCases)
    func gradient(activation: Activation) {
        var generator = SeededGenerator(seed: 62)
        // Wide enough to cross relu6's and hard_sigmoid's flat parts, but away from every breakpoint by more than the step.
        let x = Reference.random([3, 6], in: -6.5...7, avoiding: Self.breakpoints, margin: 0.05, using: &generator)
        let comparisons = GradientCheck.check(layer: ActivationLayer(name: "a", activation: activation), input: x, step: 1e-3)
        #expect(comparisons.count == 1)
        // exponential reaches e^7 ≈ 1100: relative tolerance carries it.
        expectGradientsMatch(comparisons, atol: 2e-3, rtol: 3e-3)
    }

    @Test("softmax forward is the row-wise softmax, stable for large logits")
    func softmaxForward() {
        var generator = SeededGenerator(seed: 63)
        var x = Reference.random([4, 5], in: -3...3, using: &generator)
        x[3, 2] = 500  // would overflow without subtracting the maximum
        let y = ActivationLayer(name: "s", activation: .softmax)(x)
        let expected = Reference.softmaxRows(x)
        assertClose(y.scalars.map(Double.init), expected.flatMap { $0 }, shape: [4, 5], atol: 1e-6, rtol: 1e-5)
    }

    @Test("softmax as a middle layer: the gradient of an arbitrary downstream loss matches central differences")
    func softmaxMiddle() {
        var generator = SeededGenerator(seed: 64)
        let x = Reference.random([3, 5], in: -2...2, using: &generator)
        expectGradientsMatch(GradientCheck.check(layer: ActivationLayer(name: "s", activation: .softmax), input: x, step: 1e-2),
                             atol: 5e-4, rtol: 5e-3)
    }
}

@Suite("Dropout")
struct DropoutTests {
    @Test("rate 0 is the identity in training and inference")
    func rateZero() {
        var generator = SeededGenerator(seed: 71)
        let x = Reference.random([5, 9], using: &generator)
        let layer = Dropout(name: "drop", rate: 0)
        #expect(layer(x) == x)
        let (output, backward) = layer.forwardForTraining(x, generator: &generator)
        #expect(output == x)
        let upstream = Reference.random([5, 9], using: &generator)
        #expect(backward(upstream) == upstream)
    }

    @Test("rate 0.5 keeps about half, scales kept values by 2, keeps the mean, reuses the mask backward")
    func rateHalf() {
        var generator = SeededGenerator(seed: 72)
        let x = Reference.random([100, 100], in: 0.5...1.5, using: &generator)
        let layer = Dropout(name: "drop", rate: 0.5)
        #expect(layer(x) == x, "inference must pass values through")
        let (output, backward) = layer.forwardForTraining(x, generator: &generator)
        var kept = 0
        for index in x.scalars.indices {
            let y = output.scalars[index]
            if y != 0 {
                kept += 1
                #expect(abs(y - 2 * x.scalars[index]) <= 1e-6 * abs(y), "kept value at \(index) not scaled by 2")
            }
        }
        let fraction = Double(kept) / Double(x.count)
        #expect(abs(fraction - 0.5) < 0.02, "kept fraction \(fraction)")  // 10 000 draws: σ = 0.005
        let meanIn = x.scalars.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        let meanOut = output.scalars.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        #expect(abs(meanOut - meanIn) < 0.03 * meanIn, "mean \(meanOut) against \(meanIn)")

        let upstream = Reference.random([100, 100], in: 0.5...1.5, using: &generator)
        let gradient = backward(upstream)
        for index in x.scalars.indices {
            let expected: Float = output.scalars[index] == 0 ? 0 : 2 * upstream.scalars[index]
            if gradient.scalars[index] != expected {
                Issue.record("backward at \(index): \(gradient.scalars[index]) instead of \(expected)")
                break
            }
        }
    }

    @Test("the same generator seed gives the same mask; a different seed a different one")
    func maskDeterminism() {
        let x = Tensor(shape: [10, 10], repeating: 1)
        let layer = Dropout(name: "drop", rate: 0.3)
        var a = SeededGenerator(seed: 5)
        var b = SeededGenerator(seed: 5)
        var c = SeededGenerator(seed: 6)
        let first = layer.forwardForTraining(x, generator: &a).output
        #expect(first == layer.forwardForTraining(x, generator: &b).output)
        #expect(first != layer.forwardForTraining(x, generator: &c).output)
    }

    @Test("dropout's gradient matches central differences with the same mask")
    func gradient() {
        var generator = SeededGenerator(seed: 73)
        let x = Reference.random([4, 6], using: &generator)
        expectGradientsMatch(GradientCheck.check(layer: Dropout(name: "drop", rate: 0.4), input: x, step: 0.05),
                             atol: 1e-4, rtol: 1e-4)
    }
}
