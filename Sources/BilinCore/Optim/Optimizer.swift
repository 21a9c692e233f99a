/// Updates parameters from their gradients. State (moments, velocities) is kept per `Parameter.key`.
public protocol Optimizer {
    var learningRate: Float { get set }
    mutating func step(_ parameters: [Parameter])
    /// Everything carried from one step to the next, read and replaced to continue a run exactly.
    var state: OptimizerState { get set }
}

/// An optimizer's state between steps: its step count and, per parameter key, its buffers (Adam: the first and
/// second moments; SGD: the velocity), each as long as the parameter.
public struct OptimizerState: Sendable, Equatable {
    public var steps: Int
    public var buffers: [String: [[Float]]]

    public init(steps: Int, buffers: [String: [[Float]]]) {
        self.steps = steps
        self.buffers = buffers
    }
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

    /// How many buffers of `OptimizerState` it keeps per parameter.
    public var buffersPerParameter: Int {
        switch self {
        case .adam: 2
        case .sgd: 1
        }
    }

    /// The starting learning rate for the kind. Adam's is 4e-3, not the usual 1e-3: fine-tuning here is a few epochs
    /// with cosine decay, and at 1e-3 every start, from scratch or converted, MLP or CNN, ends lower (Docs/results.md).
    public var defaultLearningRate: Float {
        switch self {
        case .adam: 4e-3
        case .sgd: 0.05
        }
    }
}
