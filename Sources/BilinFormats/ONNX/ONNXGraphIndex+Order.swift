import BilinCore

/// The order `ONNXGraphIndex` walks a graph in, and the refusal of graphs that have none: a value written twice, a
/// node reading its own output, a cycle. A fuzzed file whose Relu read its own output once made the importer follow
/// that loop until it had allocated gigabytes; every check here is linear in nodes and edges.
extension ONNXGraphIndex {
    /// The file's order when every node reads only values `available` or written by earlier nodes; else Kahn's
    /// order (first-in first-out from the nodes ready at the start, in file order).
    /// - Throws: `BilinError` naming the node at fault.
    static func topologicalOrder(_ nodes: [ONNXNode], available: Set<String>) throws -> [Int] {
        var writer: [String: Int] = [:]
        for node in nodes {
            let inputs = Set(node.inputs)
            for output in node.outputs where !output.isEmpty {
                if inputs.contains(output) {
                    throw BilinError("\(node.label) (\(node.qualifiedOpType)) reads its own output '\(output)' (a cycle)")
                }
                if let first = writer[output] {
                    throw BilinError("\(node.label) (\(node.qualifiedOpType)) writes '\(output)', which \(nodes[first].label) writes too")
                }
                writer[output] = node.index
            }
        }
        // The producers of each node's inputs (initializers and graph inputs have none).
        let producers = nodes.map { node in Set(node.inputs.compactMap { available.contains($0) ? nil : writer[$0] }) }
        if producers.enumerated().allSatisfy({ index, inputs in inputs.allSatisfy { $0 < index } }) { return Array(nodes.indices) }
        var waiting = producers.map(\.count)
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (index, inputs) in producers.enumerated() { for producer in inputs { readers[producer].append(index) } }
        var order = nodes.indices.filter { waiting[$0] == 0 }
        var next = 0
        while next < order.count {
            for reader in readers[order[next]] {
                waiting[reader] -= 1
                if waiting[reader] == 0 { order.append(reader) }
            }
            next += 1
        }
        guard order.count < nodes.count else { return order }
        let stuck = nodes[onCycle(waiting: waiting, producers: producers)]
        throw BilinError("\(stuck.label) (\(stuck.qualifiedOpType)) is on a cycle: it depends on its own output")
    }

    /// A node on a cycle, found by walking back from a node still waiting through producers still waiting: each has
    /// one, so the walk returns to a node it met.
    private static func onCycle(waiting: [Int], producers: [Set<Int>]) -> Int {
        var node = waiting.firstIndex { $0 > 0 }!
        var met = Set<Int>()
        while met.insert(node).inserted {
            node = producers[node].first { waiting[$0] > 0 }!
        }
        return node
    }
}
