/// One layer of a `Model`: its name in the source file, what it computes, and its weights in file order.
public struct LayerSpec: Sendable, Equatable {
    public var name: String
    public var kind: LayerKind
    public var weights: [Tensor]

    public init(name: String, kind: LayerKind, weights: [Tensor] = []) {
        self.name = name
        self.kind = kind
        self.weights = weights
    }

    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } }
}
