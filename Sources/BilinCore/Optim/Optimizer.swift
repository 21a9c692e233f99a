/// Updates parameters from their gradients. State (moments, velocities) is kept per `Parameter.key`.
public protocol Optimizer {
    var learningRate: Float { get set }
    mutating func step(_ parameters: [Parameter])
}

/// The optimizers the command line offers.
public enum OptimizerKind: String, Sendable, CaseIterable {
    case adam, sgd

    /// A fresh optimizer of this kind.
    public func make(learningRate: Float) -> any Optimizer {
        switch self {
        case .adam: Adam(learningRate: learningRate)
        case .sgd: SGD(learningRate: learningRate)
        }
    }

    /// The usual starting learning rate for the kind.
    public var defaultLearningRate: Float {
        switch self {
        case .adam: 1e-3
        case .sgd: 0.05
        }
    }
}
