import ArgumentParser
import BilinCore

extension OptimizerKind: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension Widening: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}

/// Fine-tuning options.
struct TrainingOptionGroup: ParsableArguments {
    @Option(help: "Epochs of fine-tuning after conversion (0: convert only).")
    var epochs = 0

    @Option(help: "Examples per training batch.")
    var batchSize = 128

    @Option(name: .customLong("lr"), help: ArgumentHelp("Learning rate (default: 0.004 for adam, 0.05 for sgd).", valueName: "rate"))
    var learningRate: Float?

    @Option(help: "Optimizer.")
    var optimizer: OptimizerKind = .adam

    @Option(name: .customLong("lr-schedule"), help: "Learning-rate schedule over the run.")
    var schedule: LearningRateSchedule = .cosine

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Distil from the original model as well as learning from the labels (default: on with --labelled or --unlabeled, else off)."))
    var distill: Bool?

    @Option(help: ArgumentHelp(
        "Use only the first N training labels; the other training inputs are still distilled from the original model.",
        valueName: "N"))
    var labelled: Int?

    @Flag(help: "Ignore the labels: the original model alone teaches (distillation on every training input).")
    var unlabeled = false

    @Option(help: "Distillation temperature.")
    var temperature: Float = 2

    @Option(name: .customLong("distill-weight"), help: "Weight of the distillation term in the loss, in [0, 1].")
    var distillWeight: Float = 0.5

    func validate() throws {
        guard epochs >= 0 else { throw ValidationError("--epochs must be 0 or more") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--lr must be positive") }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive") }
        guard (0...1).contains(distillWeight) else { throw ValidationError("--distill-weight must be in [0, 1]") }
        if let labelled, labelled < 0 { throw ValidationError("--labelled must be 0 or more") }
        if unlabeled, labelled != nil { throw ValidationError("--unlabeled and --labelled exclude each other") }
        if unlabeled, distill == false { throw ValidationError("--unlabeled needs distillation: the original model is the only teacher") }
    }

    var labelUse: LabelUse {
        if unlabeled { return .none }
        return labelled.map { .first($0) } ?? .all
    }

    func trainingOptions(seed: UInt64) -> TrainingOptions {
        TrainingOptions(
            epochs: epochs, batchSize: batchSize, optimizer: optimizer, learningRate: learningRate, schedule: schedule,
            seed: seed, distillation: distill ?? (labelUse != .all) ? Distillation(temperature: temperature, weight: distillWeight) : nil,
            labels: labelUse)
    }
}
