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
        // An in-memory split cannot fail to read.
        try! fineTune(network, on: data.feed, teacher: teacher, resumingFrom: nil, progress: progress, epochEnded: epochEnded, epochSaved: { _ in })
    }

    /// `fineTune(_:on:teacher:resumingFrom:progress:epochEnded:epochSaved:)` on in-memory splits.
    public func fineTune(
        _ network: Network, on data: Dataset, teacher: Network? = nil, resumingFrom saved: TrainingState?,
        progress: (TrainingProgress) -> Void = { _ in }, epochEnded: (EpochRecord) -> Void = { _ in },
        epochSaved: (TrainingState) throws -> Void
    ) throws -> [EpochRecord] {
        try fineTune(network, on: data.feed, teacher: teacher, resumingFrom: saved, progress: progress, epochEnded: epochEnded, epochSaved: epochSaved)
    }

    /// `fineTune(_:on:teacher:progress:epochEnded:)`, saving the state after every epoch and able to continue
    /// from a saved state: the run then ends with bit for bit the weights of the run never stopped.
    /// - Parameters:
    ///   - saved: a state `epochSaved` gave, checked with `TrainingState.mismatch`: the run goes on from there, and
    ///     `epochEnded` is not called for the epochs it records.
    ///   - epochSaved: called after each epoch with the state to continue from; an error it throws ends the run.
    /// - Throws: what `epochSaved` or reading the data throws.
    public func fineTune(
        _ network: Network, on data: DataFeed, teacher: Network? = nil, resumingFrom saved: TrainingState?,
        progress: (TrainingProgress) -> Void = { _ in }, epochEnded: (EpochRecord) -> Void = { _ in },
        epochSaved: (TrainingState) throws -> Void
    ) throws -> [EpochRecord] {
        var records = try saved?.records
            ?? [EpochRecord(epoch: 0, loss: nil, trainAccuracy: nil, testAccuracy: network.accuracy(reading: data.test), seconds: 0)]
        if saved == nil { epochEnded(records[0]) }
        guard options.epochs > 0, data.train.count > 0 else { return records }

        let teacherLogits = try options.distillation != nil ? teacher.map { try $0.logits(reading: data.train) } : nil
        let trainLabels = data.train.labels
        // Examples whose label may not be used are taught by the teacher alone, and skipped without one.
        let teacherLabels = teacherLogits?.rowArgmax()
        var order = teacherLogits != nil ? Array(0..<data.train.count) : (0..<data.train.count).filter(options.labels.allows)
        guard !order.isEmpty else { return records }
        var generator = SeededGenerator(seed: options.seed)
        var optimizer = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let parameters = network.parameters
        // What a saved state holds: the parameters and the moving statistics of batch normalization.
        let variables = network.variables
        let reader = BatchReader(source: data.train)
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
            var waitSeconds = 0.0
            func batchIndices(_ batch: Int) -> [Int] { Array(order[(batch * batchSize)..<min((batch + 1) * batchSize, order.count)]) }
            reader.start(batchIndices(0))
            for batch in 0..<batchesPerEpoch {
                let indices = batchIndices(batch)
                let waitStarted = Date()
                let images = try reader.take()
                waitSeconds += Date().timeIntervalSince(waitStarted)
                // The next batch is read while this one trains.
                if batch + 1 < batchesPerEpoch { reader.start(batchIndices(batch + 1)) }
                let labelled = indices.map(options.labels.allows)
                // Unlabelled rows count as right when they agree with the teacher.
                let labels = ArraySlice(zip(indices, labelled).map { index, labelled in
                    labelled ? trainLabels[index] : Int32(teacherLabels?[index] ?? 0)
                })
                let (logits, backward) = network.forwardForTraining(images, generator: &generator)
                let distillWeight = teacherLogits != nil ? options.distillation?.weight ?? 0 : 0
                var (loss, gradient, batchCorrect) = softmaxCrossEntropy(
                    logits: logits, labels: labels, weights: labelled.map { $0 ? 1 - distillWeight : 0 })
                if let distillation = options.distillation, let teacherLogits {
                    let targets = teacherLogits.rows(at: indices)
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
            let stepsEnded = Date()
            var record = EpochRecord(
                epoch: epoch, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                testAccuracy: try network.accuracy(reading: data.test), seconds: Date().timeIntervalSince(epochStarted))
            record.data = DataTime(
                readSeconds: reader.takeReadSeconds(), waitSeconds: waitSeconds,
                stepSeconds: stepsEnded.timeIntervalSince(epochStarted) - waitSeconds)
            records.append(record)
            epochEnded(record)
            try epochSaved(TrainingState(
                records: records, parameters: variables, optimizer: optimizer, generator: generator, order: order, steps: stepsDone))
        }
        return records
    }
}
