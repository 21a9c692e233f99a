/// One node of a `Model`: its name in the source file, what it computes, the nodes it reads, and its weights in
/// file order.
public struct LayerSpec: Sendable, Equatable {
    public var name: String
    public var kind: LayerKind
    public var weights: [Tensor]
    /// The names of the nodes whose outputs this one reads, in the order its kind takes them (a merge's operands).
    /// Empty means the node listed before it in `Model.layers`: a chain needs no names.
    public var inputs: [String]

    public init(name: String, kind: LayerKind, weights: [Tensor] = [], inputs: [String] = []) {
        self.name = name
        self.kind = kind
        self.weights = weights
        self.inputs = inputs
    }

    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } }

    /// This node as `replacement` computes it, reading what this one read.
    public func replaced(by replacement: LayerSpec) -> LayerSpec {
        var node = replacement
        node.inputs = inputs
        return node
    }
}
