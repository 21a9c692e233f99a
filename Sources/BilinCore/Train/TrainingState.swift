/// Where a fine-tuning run stands after an epoch: everything `Trainer.fineTune` carries from one epoch to the next,
/// so that a run continued from it (`resumingFrom:`) ends with bit for bit the weights of the run never stopped.
public struct TrainingState: Sendable {
    /// The records so far, epoch 0 (before training) first; the last one's `epoch` is the number of epochs done.
    public var records: [EpochRecord]
    /// Values by `Parameter.key`: the network's `variables`, its parameters and the moving statistics.
    public var parameters: [String: Tensor]
    public var optimizer: OptimizerState
    /// Draws the next epoch's shuffle and dropout masks.
    public var generator: SeededGenerator
    /// The training examples in the order last shuffled; each epoch shuffles the previous order again.
    public var order: [Int]
    /// Optimizer steps taken, which place the learning-rate schedule.
    public var steps: Int

    public init(
        records: [EpochRecord], parameters: [String: Tensor], optimizer: OptimizerState, generator: SeededGenerator,
        order: [Int], steps: Int
    ) {
        self.records = records
        self.parameters = parameters
        self.optimizer = optimizer
        self.generator = generator
        self.order = order
        self.steps = steps
    }

    /// The state of a run training a network whose `variables` are `parameters` with `optimizer`.
    init(records: [EpochRecord], parameters: [Parameter], optimizer: any Optimizer, generator: SeededGenerator, order: [Int], steps: Int) {
        self.init(
            records: records, parameters: Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) }),
            optimizer: optimizer.state, generator: generator, order: order, steps: steps)
    }

    /// Epochs done.
    public var epoch: Int { records.last?.epoch ?? 0 }

    /// Why this state cannot continue a run of `epochs` epochs training a network whose `variables` are
    /// `parameters` with an `optimizer` over `examples` training examples, or `nil` when it can.
    public func mismatch(parameters: [Parameter], optimizer: OptimizerKind, examples: Int, epochs: Int) -> String? {
        guard records.map(\.epoch) == Array(0..<records.count), epoch <= epochs else {
            return "its epochs do not fit a run of \(epochs)"
        }
        let keys = Set(parameters.map(\.key))
        guard Set(self.parameters.keys) == keys else { return "its parameters are not the network's" }
        for parameter in parameters {
            let saved = self.parameters[parameter.key]!
            guard saved.shape == parameter.value.shape else {
                return "parameter '\(parameter.key)' has shape \(saved.shape), the network's is \(parameter.value.shape)"
            }
            if let buffers = self.optimizer.buffers[parameter.key],
               buffers.count != optimizer.buffersPerParameter || buffers.contains(where: { $0.count != saved.count }) {
                return "the \(optimizer) state of '\(parameter.key)' does not fit it"
            }
        }
        guard Set(self.optimizer.buffers.keys).isSubset(of: keys) else { return "its optimizer state names other parameters" }
        guard order.allSatisfy({ (0..<examples).contains($0) }) else { return "its example order does not fit \(examples) examples" }
        return nil
    }

    /// Puts the saved parameter values into `parameters` (checked by `mismatch` first).
    func restore(_ parameters: [Parameter]) {
        for parameter in parameters { parameter.value = self.parameters[parameter.key]! }
    }
}
