import BilinCore
import BilinTestSupport
import Foundation
import Testing

@Suite("Losses")
struct LossTests {
    /// Mean cross-entropy in Double, written from the definition.
    static func crossEntropy(_ logits: Tensor, _ labels: [Int32]) -> Double {
        let probabilities = Reference.softmaxRows(logits)
        return zip(probabilities, labels).reduce(0.0) { $0 - log($1.0[Int($1.1)]) } / Double(labels.count)
    }

    /// `T² · mean_rows KL(softmax(t/T) ‖ softmax(s/T))` in Double.
    static func distillation(_ student: Tensor, _ teacher: Tensor, temperature: Double) -> Double {
        func scaled(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, scalars: t.scalars.map { Float(Double($0) / temperature) }) }
        let s = Reference.softmaxRows(scaled(student))
        let t = Reference.softmaxRows(scaled(teacher))
        var total = 0.0
        for (sRow, tRow) in zip(s, t) { for (p, q) in zip(sRow, tRow) where q > 0 { total += q * (log(q) - log(p)) } }
        return total / Double(s.count) * temperature * temperature
    }

    @Test("softmaxCrossEntropy: loss, correct count, and gradient against central differences")
    func crossEntropyGradient() {
        var generator = SeededGenerator(seed: 81)
        let logits = Reference.random([5, 4], in: -3...3, using: &generator)
        let labels: [Int32] = [0, 3, 1, 1, 2]
        let (loss, gradient, correct) = softmaxCrossEntropy(logits: logits, labels: labels[...])
        #expect(abs(Double(loss) - Self.crossEntropy(logits, labels)) < 1e-5)
        let argmax = (0..<5).map { row in (0..<4).max { logits[row, $0] < logits[row, $1] }! }
        #expect(correct == zip(argmax, labels).filter { $0 == Int($1) }.count)
        let numeric = GradientCheck.numericGradient(of: logits, step: 1e-3) { Self.crossEntropy($0, labels) }
        assertClose(gradient, numeric, atol: 1e-4, rtol: 1e-3)
        // Closed form (p − onehot)/n as well.
        let p = Reference.softmaxRows(logits)
        var expected = Tensor(shape: [5, 4])
        for row in 0..<5 { for c in 0..<4 { expected[row, c] = Float((p[row][c] - (c == Int(labels[row]) ? 1 : 0)) / 5) } }
        assertClose(gradient, expected, atol: 1e-6, rtol: 1e-5)
    }

    @Test("softmaxCrossEntropy accepts a slice that does not start at index 0")
    func crossEntropySlice() {
        var generator = SeededGenerator(seed: 82)
        let logits = Reference.random([3, 4], in: -3...3, using: &generator)
        let all: [Int32] = [9, 9, 2, 0, 3]
        let (loss, _, _) = softmaxCrossEntropy(logits: logits, labels: all[2...])
        #expect(abs(Double(loss) - Self.crossEntropy(logits, [2, 0, 3])) < 1e-5)
    }

    @Test("softmaxCrossEntropy is finite for extreme logits")
    func crossEntropyExtreme() {
        let logits = Tensor(shape: [2, 3], scalars: [1000, -1000, 0, -500, 500, 0])
        let (loss, gradient, correct) = softmaxCrossEntropy(logits: logits, labels: [1, 1])
        #expect(loss.isFinite)
        #expect(gradient.scalars.allSatisfy { $0.isFinite })
        #expect(correct == 1)
    }

    @Test("distillationLoss: loss and gradient against central differences", arguments: [1.0, 2.0, 4.0])
    func distillationGradient(temperature: Double) {
        var generator = SeededGenerator(seed: 83)
        let student = Reference.random([4, 5], in: -3...3, using: &generator)
        let teacher = Reference.random([4, 5], in: -3...3, using: &generator)
        let (loss, gradient) = distillationLoss(studentLogits: student, teacherLogits: teacher, temperature: Float(temperature))
        let expectedLoss = Self.distillation(student, teacher, temperature: temperature)
        #expect(abs(Double(loss) - expectedLoss) < 1e-5 + 1e-4 * expectedLoss, "loss \(loss), expected \(expectedLoss)")
        let numeric = GradientCheck.numericGradient(of: student, step: 1e-3) { Self.distillation($0, teacher, temperature: temperature) }
        assertClose(gradient, numeric, atol: 1e-4, rtol: 1e-3)
    }

    @Test("distillationLoss is zero with zero gradient when the student equals the teacher")
    func distillationIdentical() {
        var generator = SeededGenerator(seed: 84)
        let logits = Reference.random([3, 6], in: -3...3, using: &generator)
        let (loss, gradient) = distillationLoss(studentLogits: logits, teacherLogits: logits, temperature: 3)
        #expect(abs(loss) < 1e-6)
        #expect(gradient.scalars.allSatisfy { abs($0) < 1e-7 })
    }
}
