import Foundation

/// How to fine-tune.
public struct TrainingOptions: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    /// `nil`: the optimizer's usual rate.
    public var learningRate: Float?
    /// Cosine decay of the learning rate to zero over the run, or a constant rate.
    public var schedule: LearningRateSchedule
    public var seed: UInt64
    /// Distillation from the original model, or `nil` for labels only.
    public var distillation: Distillation?
    /// Which training labels may be used.
    public var labels: LabelUse

    public init(
        epochs: Int = 0, batchSize: Int = 128, optimizer: OptimizerKind = .adam, learningRate: Float? = nil,
        schedule: LearningRateSchedule = .cosine, seed: UInt64 = 0, distillation: Distillation? = nil,
        labels: LabelUse = .all
    ) {
        self.labels = labels
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.schedule = schedule
        self.seed = seed
        self.distillation = distillation
    }

    public var effectiveLearningRate: Float { learningRate ?? optimizer.defaultLearningRate }
}

/// Which training labels fine-tuning may use: the case of a user with many inputs and few (or no) labels.
public enum LabelUse: Sendable, Equatable, Codable {
    case all
    /// Only the labels of the first `count` training examples; with distillation the other inputs are still used,
    /// and the teacher alone teaches on them.
    case first(Int)
    /// No labels: every example is taught by the teacher alone (needs distillation).
    case none

    /// Whether the label of training example `index` may be used.
    public func allows(_ index: Int) -> Bool {
        switch self {
        case .all: true
        case .first(let count): index < count
        case .none: false
        }
    }
}

/// The loss mix for distillation: `(1 − weight) · cross-entropy(labels) + weight · T² · KL(teacher_T ‖ student_T)`.
public struct Distillation: Sendable, Codable {
    public var temperature: Float
    public var weight: Float

    public init(temperature: Float = 2, weight: Float = 0.5) {
        self.temperature = temperature
        self.weight = weight
    }
}

public enum LearningRateSchedule: String, Sendable, CaseIterable, Codable {
    case constant, cosine

    /// The rate at `step` of `totalSteps` for a base rate.
    public func rate(base: Float, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant: base
        case .cosine: base * 0.5 * (1 + Float(cos(Double.pi * Double(step) / Double(max(totalSteps, 1)))))
        }
    }
}
