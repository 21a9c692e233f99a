import BilinCore
import BilinTestSupport
import Testing

@Suite("Optimizers")
struct OptimizerTests {
    /// `y = 3x − 2` on 64 points in [−1, 1].
    static func regressionData() -> (x: Tensor, y: Tensor) {
        var generator = SeededGenerator(seed: 91)
        let x = Reference.random([64, 1], using: &generator)
        return (x, Tensor(shape: [64, 1], scalars: x.scalars.map { 3 * $0 - 2 }))
    }

    /// Full-batch mean-squared-error descent through a Dense(1→1) layer for `steps` steps; returns (slope, intercept, final loss).
    static func fit(_ optimizer: inout some Optimizer, steps: Int) -> (slope: Float, intercept: Float, loss: Double) {
        let (x, y) = regressionData()
        let layer = Dense(name: "line", kernel: Tensor(shape: [1, 1], scalars: [0.1]), bias: Tensor(shape: [1], scalars: [0]))
        var generator = SeededGenerator(seed: 0)
        var loss = 0.0
        for _ in 0..<steps {
            let (prediction, backward) = layer.forwardForTraining(x, generator: &generator)
            var gradient = Tensor(shape: [64, 1])
            loss = 0
            for i in 0..<64 {
                let error = prediction.scalars[i] - y.scalars[i]
                loss += Double(error * error) / 64
                gradient.scalars[i] = 2 * error / 64
            }
            _ = backward(gradient)
            optimizer.step(layer.parameters)
        }
        return (layer.kernel.value.scalars[0], layer.bias!.value.scalars[0], loss)
    }

    @Test("Adam fits slope 3 and intercept −2")
    func adamFits() {
        var adam = Adam(learningRate: 0.05)
        let (slope, intercept, loss) = Self.fit(&adam, steps: 600)
        #expect(abs(slope - 3) < 1e-2, "slope \(slope)")
        #expect(abs(intercept + 2) < 1e-2, "intercept \(intercept)")
        #expect(loss < 1e-4)
    }

    @Test("SGD with momentum fits slope 3 and intercept −2")
    func sgdFits() {
        var sgd = SGD(learningRate: 0.05, momentum: 0.9)
        let (slope, intercept, loss) = Self.fit(&sgd, steps: 400)
        #expect(abs(slope - 3) < 1e-3, "slope \(slope)")
        #expect(abs(intercept + 2) < 1e-3, "intercept \(intercept)")
        #expect(loss < 1e-6)
    }

    @Test("Adam's first step moves every weight by the learning rate against the gradient's sign")
    func adamFirstStep() {
        let parameter = Parameter(key: "p", value: Tensor(shape: [3], scalars: [1, 2, 3]))
        parameter.gradient = Tensor(shape: [3], scalars: [0.5, -4, 1e-2])
        var adam = Adam(learningRate: 0.1)
        adam.step([parameter])
        // m̂ = g, v̂ = g², step = lr · g / (|g| + ε·√(1−β2)/(1−β1)·…) ≈ lr · sign(g).
        assertClose(parameter.value, Tensor(shape: [3], scalars: [0.9, 2.1, 2.9]), atol: 1e-4, rtol: 0)
    }

    @Test("SGD applies v ← μv − ηg, w ← w + v over two steps")
    func sgdTwoSteps() {
        let parameter = Parameter(key: "p", value: Tensor(shape: [2], scalars: [1, -1]))
        var sgd = SGD(learningRate: 0.1, momentum: 0.5)
        parameter.gradient = Tensor(shape: [2], scalars: [1, 2])
        sgd.step([parameter])  // v = (−0.1, −0.2), w = (0.9, −1.2)
        parameter.gradient = Tensor(shape: [2], scalars: [1, 2])
        sgd.step([parameter])  // v = (−0.15, −0.3), w = (0.75, −1.5)
        assertClose(parameter.value, Tensor(shape: [2], scalars: [0.75, -1.5]), atol: 1e-6, rtol: 0)
    }

    @Test("optimizer state is kept per parameter key")
    func statePerKey() {
        let a = Parameter(key: "a", value: Tensor(shape: [1], scalars: [0]))
        let b = Parameter(key: "b", value: Tensor(shape: [1], scalars: [0]))
        var sgd = SGD(learningRate: 1, momentum: 1)
        a.gradient = Tensor(shape: [1], scalars: [1])
        sgd.step([a])  // v_a = −1
        b.gradient = Tensor(shape: [1], scalars: [0])
        sgd.step([b])  // v_b = 0: b must not inherit a's velocity
        #expect(b.value.scalars[0] == 0)
        #expect(a.value.scalars[0] == -1)
    }
}
