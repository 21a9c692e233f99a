import BilinCore
import BilinTestSupport
import Testing

/// `LabelUse`: labels the trainer may not use change nothing, the ones it may use do.
@Suite("Trainer label use")
struct TrainerLabelTests {
    /// The trained weights after 2 epochs with distillation from `TrainerTests.model()` as it starts.
    private func train(labels: LabelUse, trainLabels: [Int32]) throws -> [Tensor] {
        var data = TrainerTests.data
        data.train = LabelledSplit(images: data.train.images, labels: trainLabels)
        let teacher = try Network(model: TestModels.mlp(sizes: [10, 16, 3], activations: [.relu, .softmax], seed: 777))
        var options = TrainerTests.options(seed: 3, epochs: 2)
        options.distillation = Distillation(temperature: 2, weight: 0.5)
        options.labels = labels
        let network = try Network(model: TrainerTests.model())
        _ = Trainer(options: options).fineTune(network, on: data, teacher: teacher)
        return network.parameters.map(\.value)
    }

    @Test("--labelled: labels past the first N are never read; the first N are")
    func firstLabels() throws {
        let labels = TrainerTests.data.train.labels
        var changedLate = labels
        for index in 100..<changedLate.count { changedLate[index] = (changedLate[index] + 1) % 3 }
        var changedEarly = labels
        for index in 0..<100 { changedEarly[index] = (changedEarly[index] + 1) % 3 }
        let reference = try train(labels: .first(100), trainLabels: labels)
        #expect(try train(labels: .first(100), trainLabels: changedLate) == reference)
        #expect(try train(labels: .first(100), trainLabels: changedEarly) != reference)
    }

    @Test("--unlabeled: no label is read; with every label the run differs")
    func noLabels() throws {
        let labels = TrainerTests.data.train.labels
        let reference = try train(labels: .none, trainLabels: labels)
        #expect(try train(labels: .none, trainLabels: labels.map { ($0 + 1) % 3 }) == reference)
        #expect(try train(labels: .all, trainLabels: labels) != reference)
    }

    @Test("without a teacher only the labelled examples are trained on")
    func labelledOnlyWithoutTeacher() throws {
        var options = TrainerTests.options(seed: 3, epochs: 1)
        options.labels = .first(64)
        var batches = 0
        _ = Trainer(options: options).fineTune(try Network(model: TrainerTests.model()), on: TrainerTests.data, progress: { _ in batches += 1 })
        #expect(batches == 2)  // 64 examples in batches of 32
    }

    @Test("row weights: weight 1 everywhere is the plain mean, weight 0 leaves a row out of loss and gradient")
    func rowWeights() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 0.5, -1, 0, 3])
        let labels: ArraySlice<Int32> = [1, 0]
        let plain = softmaxCrossEntropy(logits: logits, labels: labels)
        let ones = softmaxCrossEntropy(logits: logits, labels: labels, weights: [1, 1])
        #expect(plain.loss == ones.loss && plain.gradient == ones.gradient)
        let firstOnly = softmaxCrossEntropy(logits: logits, labels: labels, weights: [1, 0])
        let single = softmaxCrossEntropy(logits: Tensor(shape: [1, 3], scalars: [1, 2, 0.5]), labels: [1])
        #expect(abs(firstOnly.loss - single.loss / 2) < 1e-6)
        #expect(Array(firstOnly.gradient.scalars[3...]) == [0, 0, 0])
        #expect(firstOnly.correct == plain.correct, "a weight does not change what counts as right")
    }
}
