import Foundation

/// Fine-tunes a `Network` on a labelled split with mini-batches, optionally distilling from a teacher network.
public struct Trainer {
    public var options: TrainingOptions

    public init(options: TrainingOptions) {
        self.options = options
    }

    /// Trains for `options.epochs` epochs and returns one record per epoch, starting with epoch 0 (before training).
    ///
    /// Deterministic for a given `options.seed`: the shuffles and dropout masks come from one seeded generator.
    /// Labels are used as `options.labels` allows; with a teacher every example is used, without one only the
    /// labelled ones (none: nothing is trained).
    /// - Parameters:
    ///   - teacher: the original model, used when `options.distillation` is set.
    ///   - progress: called after every batch.
    ///   - epochEnded: called with each record as soon as it is known (epoch 0 included).
    public func fineTune(
        _ network: Network, on data: Dataset, teacher: Network? = nil,
        progress: (TrainingProgress) -> Void = { _ in }, epochEnded: (EpochRecord) -> Void = { _ in }
    ) -> [EpochRecord] {
        fineTune(network, on: data, teacher: teacher, resumingFrom: nil, progress: progress, epochEnded: epochEnded, epochSaved: { _ in })
    }

    /// `fineTune(_:on:teacher:progress:epochEnded:)`, saving the state after every epoch and able to continue
    /// from a saved state: the run then ends with bit for bit the weights of the run never stopped.
    /// - Parameters:
    ///   - saved: a state `epochSaved` gave, checked with `TrainingState.mismatch`: the run goes on from there, and
    ///     `epochEnded` is not called for the epochs it records.
    ///   - epochSaved: called after each epoch with the state to continue from; an error it throws ends the run.
    public func fineTune(
        _ network: Network, on data: Dataset, teacher: Network? = nil, resumingFrom saved: TrainingState?,
        progress: (TrainingProgress) -> Void = { _ in }, epochEnded: (EpochRecord) -> Void = { _ in },
        epochSaved: (TrainingState) throws -> Void
    ) rethrows -> [EpochRecord] {
        var records = saved?.records
            ?? [EpochRecord(epoch: 0, loss: nil, trainAccuracy: nil, testAccuracy: network.accuracy(on: data.test), seconds: 0)]
        if saved == nil { epochEnded(records[0]) }
        guard options.epochs > 0, data.train.count > 0 else { return records }

        let teacherLogits = options.distillation != nil ? teacher.map { $0.logits(forAll: data.train.images) } : nil
        // Examples whose label may not be used are taught by the teacher alone, and skipped without one.
        let teacherLabels = teacherLogits?.rowArgmax()
        var order = teacherLogits != nil ? Array(0..<data.train.count) : (0..<data.train.count).filter(options.labels.allows)
        guard !order.isEmpty else { return records }
        var generator = SeededGenerator(seed: options.seed)
        var optimizer = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let parameters = network.parameters
        // What a saved state holds: the parameters and the moving statistics of batch normalization.
        let variables = network.variables
        let features = data.train.featureCount
        let batchSize = min(options.batchSize, order.count)
        let batchesPerEpoch = (order.count + batchSize - 1) / batchSize
        let totalSteps = batchesPerEpoch * options.epochs
        let started = Date()
        var stepsDone = 0
        if let saved {
            saved.restore(variables)
            optimizer.state = saved.optimizer
            (generator, order, stepsDone) = (saved.generator, saved.order, saved.steps)
        }
        let firstStep = stepsDone

        for epoch in stride(from: records.count, through: options.epochs, by: 1) {
            order.shuffle(using: &generator)
            let epochStarted = Date()
            var lossSum = 0.0
            var correct = 0
            var seen = 0
            for batch in 0..<batchesPerEpoch {
                let indices = order[(batch * batchSize)..<min((batch + 1) * batchSize, order.count)]
                let images = gatherRows(data.train.images, indices, features: features)
                let labelled = indices.map(options.labels.allows)
                // Unlabelled rows count as right when they agree with the teacher.
                let labels = ArraySlice(zip(indices, labelled).map { index, labelled in
                    labelled ? data.train.labels[index] : Int32(teacherLabels?[index] ?? 0)
                })
                let (logits, backward) = network.forwardForTraining(images, generator: &generator)
                let distillWeight = teacherLogits != nil ? options.distillation?.weight ?? 0 : 0
                var (loss, gradient, batchCorrect) = softmaxCrossEntropy(
                    logits: logits, labels: labels, weights: labelled.map { $0 ? 1 - distillWeight : 0 })
                if let distillation = options.distillation, let teacherLogits {
                    let targets = gatherRows(teacherLogits, indices, features: teacherLogits.shape[1])
                    let soft = distillationLoss(
                        studentLogits: logits, teacherLogits: targets, temperature: distillation.temperature,
                        weights: labelled.map { $0 ? distillWeight : 1 })
                    loss += soft.loss
                    for index in gradient.scalars.indices { gradient.scalars[index] += soft.gradient.scalars[index] }
                }
                backward(gradient)
                optimizer.learningRate = options.schedule.rate(base: options.effectiveLearningRate, step: stepsDone, totalSteps: totalSteps)
                optimizer.step(parameters)
                stepsDone += 1

                lossSum += Double(loss) * Double(indices.count)
                correct += batchCorrect
                seen += indices.count
                let elapsed = Date().timeIntervalSince(started)
                let rate = Double((stepsDone - firstStep) * batchSize) / max(elapsed, 1e-9)
                progress(TrainingProgress(
                    epoch: epoch, epochs: options.epochs, batch: batch + 1, batches: batchesPerEpoch,
                    loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen), samplesPerSecond: rate,
                    secondsRemaining: Double((totalSteps - stepsDone) * batchSize) / rate))
            }
            let record = EpochRecord(
                epoch: epoch, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                testAccuracy: network.accuracy(on: data.test), seconds: Date().timeIntervalSince(epochStarted))
            records.append(record)
            epochEnded(record)
            try epochSaved(TrainingState(
                records: records, parameters: variables, optimizer: optimizer, generator: generator, order: order, steps: stepsDone))
        }
        return records
    }

    /// The rows `indices` of a `(rows, features)` matrix, in that order.
    private func gatherRows(_ matrix: Tensor, _ indices: ArraySlice<Int>, features: Int) -> Tensor {
        var scalars = [Float](repeating: 0, count: indices.count * features)
        matrix.scalars.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                guard let source = source.baseAddress, let target = target.baseAddress else { return }
                for (row, index) in indices.enumerated() {
                    (target + row * features).update(from: source + index * features, count: features)
                }
            }
        }
        return Tensor(shape: [indices.count, features], scalars: scalars)
    }
}
