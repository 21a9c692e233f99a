/// An element-wise activation, spelled as Keras spells it in a layer config.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case linear, relu, relu6, sigmoid, tanh, softmax, gelu, elu, selu, swish, softplus, softsign
    case exponential, mish
    case hardSigmoid = "hard_sigmoid"
    case leakyRelu = "leaky_relu"

    /// Parses a Keras activation name, accepting the aliases Keras accepts (`silu` for `swish`, `None` for `linear`).
    public init?(kerasName: String?) {
        switch kerasName {
        case nil, "linear", "None": self = .linear
        case "silu": self = .swish
        case let name?: self.init(rawValue: name)
        }
    }

    /// Whether this is a final squashing whose input is the logits a cross-entropy loss wants.
    public var isLogitSquashing: Bool { self == .softmax || self == .sigmoid }
}
