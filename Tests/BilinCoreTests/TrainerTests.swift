import BilinCore
import BilinTestSupport
import Testing

@Suite("Trainer")
struct TrainerTests {
    static let data = Dataset(
        train: TestModels.blobs(count: 600, features: 10, classes: 3, seed: 131),
        test: TestModels.blobs(count: 300, features: 10, classes: 3, seed: 132))

    /// input [10] → Dense(10→16, relu) → Dropout(0.1) → Dense(16→3, softmax), the same initial weights every call.
    static func model() -> Model {
        var model = TestModels.mlp(sizes: [10, 16, 3], activations: [.relu, .softmax], seed: 133, biasRange: 0...0)
        model.layers.insert(LayerSpec(name: "drop", kind: .dropout(rate: 0.1)), at: 2)
        return model
    }

    static func options(seed: UInt64, epochs: Int = 5) -> TrainingOptions {
        TrainingOptions(epochs: epochs, batchSize: 32, optimizer: .adam, learningRate: 0.01, schedule: .cosine, seed: seed)
    }

    @Test("5 epochs on a separable problem raise test accuracy above 0.9")
    func learns() throws {
        let network = try Network(model: Self.model())
        var seen: [Int] = []
        var batches = 0
        let records = Trainer(options: Self.options(seed: 1)).fineTune(
            network, on: Self.data, progress: { _ in batches += 1 }, epochEnded: { seen.append($0.epoch) })
        #expect(records.map(\.epoch) == [0, 1, 2, 3, 4, 5])
        #expect(seen == [0, 1, 2, 3, 4, 5])
        #expect(batches == 5 * 19)  // ⌈600 / 32⌉ batches per epoch
        #expect(records[0].testAccuracy < 0.7, "untrained accuracy \(records[0].testAccuracy) leaves nothing to learn")
        #expect(records.last!.testAccuracy > 0.9, "accuracy after 5 epochs: \(records.map(\.testAccuracy))")
        #expect(records[0].loss == nil)
        #expect(records.last!.loss! < records[1].loss!)
        // The reported accuracy is the network's own on the test split.
        #expect(records.last!.testAccuracy == network.accuracy(on: Self.data.test))
    }

    @Test("two runs with the same seed give bit-identical weights; different seeds differ")
    func determinism() throws {
        func train(seed: UInt64) throws -> [Tensor] {
            let network = try Network(model: Self.model())
            _ = Trainer(options: Self.options(seed: seed, epochs: 2)).fineTune(network, on: Self.data)
            return network.parameters.map(\.value)
        }
        let first = try train(seed: 7)
        let second = try train(seed: 7)
        let third = try train(seed: 8)
        #expect(first == second)
        #expect(first != third)
        #expect(first != (try Network(model: Self.model())).parameters.map(\.value), "training changed nothing")
    }

    @Test("distillation alone (weight 1) learns from the teacher without labels")
    func distillationWithoutLabels() throws {
        let teacher = try Network(model: Self.model())
        _ = Trainer(options: Self.options(seed: 1)).fineTune(teacher, on: Self.data)
        let teacherAccuracy = teacher.accuracy(on: Self.data.test)
        #expect(teacherAccuracy > 0.9)
        // Every training label is set to 0 (two thirds wrong): only the teacher can teach.
        var unlabelled = Self.data
        unlabelled.train.labels = [Int32](repeating: 0, count: unlabelled.train.count)
        let student = try Network(model: TestModels.mlp(sizes: [10, 16, 3], activations: [.relu, .softmax], seed: 134, biasRange: 0...0))
        var options = Self.options(seed: 2)
        options.distillation = Distillation(temperature: 2, weight: 1)
        let records = Trainer(options: options).fineTune(student, on: unlabelled, teacher: teacher)
        #expect(records.last!.testAccuracy > 0.85, "student accuracy \(records.map(\.testAccuracy)), teacher \(teacherAccuracy)")
    }

    @Test("zero epochs only evaluates")
    func zeroEpochs() throws {
        let network = try Network(model: Self.model())
        let before = network.parameters.map(\.value)
        let records = Trainer(options: Self.options(seed: 1, epochs: 0)).fineTune(network, on: Self.data)
        #expect(records.count == 1)
        #expect(network.parameters.map(\.value) == before)
    }

    @Test("the cosine schedule starts at the base rate, halves midway, ends near zero")
    func cosineSchedule() {
        let schedule = LearningRateSchedule.cosine
        #expect(schedule.rate(base: 0.1, step: 0, totalSteps: 100) == 0.1)
        #expect(abs(schedule.rate(base: 0.1, step: 50, totalSteps: 100) - 0.05) < 1e-7)
        #expect(schedule.rate(base: 0.1, step: 99, totalSteps: 100) < 1e-4)
        #expect(LearningRateSchedule.constant.rate(base: 0.1, step: 99, totalSteps: 100) == 0.1)
    }
}
