/// The edges of a `Model`'s graph: which nodes each layer reads, which read it, and the checks that make the layer
/// list a graph this tool can run (every name known, every edge pointing backwards).
extension Model {
    /// For each layer, the indices of the nodes it reads, in its `inputs` order. A layer with no `inputs` reads the
    /// layer before it (none for the first). Names that do not resolve to an earlier layer are left out:
    /// `checkGraph()` reports them.
    public func inputIndices() -> [[Int]] {
        let index = nodeIndex()
        return layers.indices.map { position in
            let names = layers[position].inputs
            if names.isEmpty { return position > 0 && !layers[position].kind.isInput ? [position - 1] : [] }
            return names.compactMap { index[$0].flatMap { $0 < position ? $0 : nil } }
        }
    }

    /// For each layer, the indices of the layers that read it, in layer order.
    public func consumerIndices() -> [[Int]] {
        var consumers = [[Int]](repeating: [], count: layers.count)
        for (position, inputs) in inputIndices().enumerated() {
            for input in inputs where !consumers[input].contains(position) { consumers[input].append(position) }
        }
        return consumers
    }

    /// The indices of the nodes the model returns: `outputs`, or the last layer.
    public func outputIndices() -> [Int] {
        guard !outputs.isEmpty else { return layers.isEmpty ? [] : [layers.count - 1] }
        let index = nodeIndex()
        return outputs.compactMap { index[$0] }
    }

    /// Whether every layer reads only the one before it and the last is the only output: the models every
    /// chain-only path of the tool handles.
    public var isChain: Bool {
        inputIndices().enumerated().allSatisfy { position, inputs in position == 0 ? inputs.isEmpty : inputs == [position - 1] }
            && outputIndices() == [layers.count - 1]
    }

    /// The position of each layer by name (the first, where names repeat).
    public func nodeIndex() -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(layers.count)
        for (position, layer) in layers.enumerated() where index[layer.name] == nil { index[layer.name] = position }
        return index
    }

    /// Checks that the layers form a graph the tool can run: unique names, one input node first, every input name
    /// a layer listed earlier, merges with two or more inputs, and outputs that exist.
    /// - Throws: `BilinError` naming the first node at fault.
    public func checkGraph() throws {
        var seen: [String: Int] = [:]
        for (position, layer) in layers.enumerated() {
            if seen[layer.name] != nil { throw BilinError("more than one node is named '\(layer.name)'") }
            seen[layer.name] = position
            if layer.kind.isInput, position != 0 {
                throw BilinError("node '\(layer.name)' is a second model input; only models with one input can be read")
            }
            for input in layer.inputs {
                if input == layer.name { throw BilinError("node '\(layer.name)' reads its own output (a cycle)") }
                guard seen[input] != nil else {
                    let later = layers[(position + 1)...].contains { $0.name == input }
                    throw BilinError(later ? "node '\(layer.name)' reads '\(input)', which is computed after it (a cycle)"
                                           : "node '\(layer.name)' reads '\(input)', which no node writes")
                }
            }
            if layer.kind.isMultiInput, layer.inputs.count < 2 {
                throw BilinError("node '\(layer.name)' (\(layer.kind.displayName)) has \(layer.inputs.count) input\(layer.inputs.count == 1 ? "" : "s"); it needs two or more")
            }
        }
        for output in outputs where seen[output] == nil {
            throw BilinError("the model's output '\(output)' is not a node")
        }
    }

    /// `layers` in an order where every node comes after the nodes it reads, keeping the given order wherever it
    /// already is one (Kahn's algorithm, linear in nodes and edges). Every layer must name its inputs (the input
    /// node none).
    /// - Throws: `BilinError` naming a node that reads a name no node writes, or a node on a cycle.
    public static func topologicallyOrdered(_ layers: [LayerSpec]) throws -> [LayerSpec] {
        var position: [String: Int] = [:]
        for (index, layer) in layers.enumerated() {
            guard position[layer.name] == nil else { throw BilinError("more than one node is named '\(layer.name)'") }
            position[layer.name] = index
        }
        var waiting = [Int](repeating: 0, count: layers.count)
        var readers = [[Int]](repeating: [], count: layers.count)
        for (index, layer) in layers.enumerated() {
            for input in layer.inputs {
                guard let source = position[input] else {
                    throw BilinError("node '\(layer.name)' reads '\(input)', which no node writes")
                }
                if source == index { throw BilinError("node '\(layer.name)' reads its own output (a cycle)") }
                waiting[index] += 1
                readers[source].append(index)
            }
        }
        // A min-heap of ready positions keeps the file's order among nodes that are ready together.
        var ready = Heap(layers.indices.filter { waiting[$0] == 0 })
        var ordered: [LayerSpec] = []
        ordered.reserveCapacity(layers.count)
        while let next = ready.popMin() {
            ordered.append(layers[next])
            for reader in readers[next] {
                waiting[reader] -= 1
                if waiting[reader] == 0 { ready.insert(reader) }
            }
        }
        if ordered.count < layers.count, let stuck = layers.indices.first(where: { waiting[$0] > 0 }) {
            throw BilinError("node '\(layers[stuck].name)' is on a cycle: it depends on its own output")
        }
        return ordered
    }
}

extension LayerKind {
    var isInput: Bool { if case .input = self { true } else { false } }

    /// Whether the kind reads two or more nodes.
    public var isMultiInput: Bool {
        switch self {
        case .merge, .concatenate: true
        default: false
        }
    }
}

/// A binary min-heap of integers: the ready queue of `topologicallyOrdered`.
private struct Heap {
    private var items: [Int] = []

    init(_ values: [Int]) { values.forEach { insert($0) } }

    mutating func insert(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0, case let parent = (child - 1) / 2, items[parent] > items[child] {
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func popMin() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        while true {
            let (left, right) = (2 * parent + 1, 2 * parent + 2)
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
