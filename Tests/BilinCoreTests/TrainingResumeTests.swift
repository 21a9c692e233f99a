import BilinCore
import BilinTestSupport
import Testing

@Suite("Trainer resume")
struct TrainingResumeTests {
    private struct Stop: Error {}

    private static func options(_ optimizer: OptimizerKind, epochs: Int = 4) -> TrainingOptions {
        TrainingOptions(epochs: epochs, batchSize: 32, optimizer: optimizer, learningRate: 0.01, schedule: .cosine, seed: 9)
    }

    /// Every parameter's values as bit patterns, so that -0 and +0 (or two NaNs) are told apart.
    private static func bits(_ network: Network) -> [[UInt32]] {
        network.parameters.map { $0.value.scalars.map(\.bitPattern) }
    }

    /// The state saved after epoch `epoch` of a run that is then stopped (by an error from `epochSaved`).
    private static func state(after epoch: Int, options: TrainingOptions) throws -> TrainingState {
        var saved: TrainingState?
        do {
            _ = try Trainer(options: options).fineTune(
                Network(model: TrainerTests.model()), on: TrainerTests.data, resumingFrom: nil,
                epochSaved: { state in
                    guard state.epoch == epoch else { return }
                    saved = state
                    throw Stop()
                })
        } catch is Stop {}
        return try #require(saved)
    }

    @Test("stopped after epoch k and resumed on fresh weights, a run ends bit for bit as the run never stopped",
          arguments: [OptimizerKind.adam, .sgd], [1, 3])
    func resumeIsExact(optimizer: OptimizerKind, stoppedAfter epoch: Int) throws {
        let options = Self.options(optimizer)
        let uninterrupted = try Network(model: TrainerTests.model())
        let records = Trainer(options: options).fineTune(uninterrupted, on: TrainerTests.data)

        let saved = try Self.state(after: epoch, options: options)
        let resumed = try Network(model: TrainerTests.model())
        #expect(saved.mismatch(parameters: resumed.parameters, optimizer: optimizer, examples: TrainerTests.data.train.count, epochs: 4) == nil)
        var epochsRun: [Int] = []
        var epochsSaved: [Int] = []
        let resumedRecords = try Trainer(options: options).fineTune(
            resumed, on: TrainerTests.data, resumingFrom: saved, epochEnded: { epochsRun.append($0.epoch) },
            epochSaved: { epochsSaved.append($0.epoch) })

        #expect(epochsRun == Array((epoch + 1)...4))
        #expect(epochsSaved == epochsRun)
        #expect(Self.bits(resumed) == Self.bits(uninterrupted))
        #expect(Self.bits(resumed) != Self.bits(try Network(model: TrainerTests.model())), "training changed nothing")
        #expect(resumedRecords.map(\.loss) == records.map(\.loss))
        #expect(resumedRecords.map(\.testAccuracy) == records.map(\.testAccuracy))
    }

    @Test("a state saved after the last epoch resumes to the same weights without training")
    func resumeAtTheEnd() throws {
        let options = Self.options(.adam, epochs: 2)
        let uninterrupted = try Network(model: TrainerTests.model())
        _ = Trainer(options: options).fineTune(uninterrupted, on: TrainerTests.data)
        let saved = try Self.state(after: 2, options: options)
        let resumed = try Network(model: TrainerTests.model())
        var batches = 0
        let records = try Trainer(options: options).fineTune(
            resumed, on: TrainerTests.data, resumingFrom: saved, progress: { _ in batches += 1 }, epochSaved: { _ in })
        #expect(batches == 0)
        #expect(records.map(\.epoch) == [0, 1, 2])
        #expect(Self.bits(resumed) == Self.bits(uninterrupted))
    }

    @Test("a state that does not fit the run says why")
    func mismatch() throws {
        let saved = try Self.state(after: 3, options: Self.options(.adam))
        let network = try Network(model: TrainerTests.model())
        let examples = TrainerTests.data.train.count
        #expect(saved.mismatch(parameters: network.parameters, optimizer: .adam, examples: examples, epochs: 2)
            == "its epochs do not fit a run of 2")
        #expect(saved.mismatch(parameters: network.parameters, optimizer: .sgd, examples: examples, epochs: 4)
            == "the sgd state of '\(network.parameters[0].key)' does not fit it")
        #expect(saved.mismatch(parameters: network.parameters, optimizer: .adam, examples: 10, epochs: 4)
            == "its example order does not fit 10 examples")
        let wider = try Network(model: TestModels.mlp(sizes: [10, 17, 3], activations: [.relu, .softmax], seed: 133, biasRange: 0...0))
        #expect(saved.mismatch(parameters: wider.parameters, optimizer: .adam, examples: examples, epochs: 4)
            == "parameter '\(wider.parameters[0].key)' has shape [10, 16], the network's is [10, 17]")
        let fewer = Array(network.parameters.dropLast())
        #expect(saved.mismatch(parameters: fewer, optimizer: .adam, examples: examples, epochs: 4) == "its parameters are not the network's")
    }
}
