import BilinCore
internal import COnnxProto

/// Look-ups over one ONNX graph: its nodes as `ONNXNode`s, initializers by name, the nodes reading each value,
/// an order of its nodes where each comes after the nodes it reads, and its one real input (a graph input that is
/// not an initializer).
struct ONNXGraphIndex {
    let nodes: [ONNXNode]
    /// Node indices in an order where every node comes after those writing what it reads: the file's order when it
    /// is one (as ONNX asks), else the file's order repaired.
    let order: [Int]
    /// Initializers by name, and by the name of each `Identity` copy of one (`initializerCopies`).
    let initializers: [String: UnsafeMutablePointer<Onnx__TensorProto>]
    /// The `Identity` nodes that copy an initializer: no layer of their own.
    let initializerCopies: Set<Int>
    /// Node indices reading each value, in graph order, and the node writing each value.
    let consumers: [String: [Int]]
    let writers: [String: Int]
    let graphOutputs: Set<String>
    /// The graph's outputs in its order.
    let outputNames: [String]
    let inputName: String
    /// The input's shape without its first (batch) dimension.
    let inputShape: [Int]
    let opset: Int

    /// - Throws: `BilinError` when a node reads a value nothing provides (a missing weight), two nodes write one
    ///   value, a node reads its own output or is on a cycle, the graph has no or several real inputs, or an input
    ///   shape that is not `(batch, fixed sizes…)`. Every check is linear in the graph's size.
    init(_ file: ONNXModelFile) throws {
        nodes = file.nodes.enumerated().map { ONNXNode($1, index: $0) }
        var initializers = Dictionary(file.initializers.map { (ONNXTensorData.name($0), $0) }, uniquingKeysWith: { first, _ in first })
        var consumers: [String: [Int]] = [:]
        for node in nodes {
            for input in Set(node.inputs) where !input.isEmpty { consumers[input, default: []].append(node.index) }
        }
        self.consumers = consumers
        // `topologicalOrder` refuses a value written twice; until then the first writer stands.
        writers = Dictionary(nodes.flatMap { node in node.outputs.map { ($0, node.index) } }, uniquingKeysWith: { first, _ in first })
        let graph = file.graph.pointee
        let graphInputs = (0..<graph.n_input).map { ONNXProtoMemory.text(graph.input[$0]!.pointee.name) }
        let available = Set(graphInputs).union(initializers.keys)
        try ONNXGraphIndex.checkProvided(nodes, by: available)
        order = try ONNXGraphIndex.topologicalOrder(nodes, available: available)
        // PyTorch's exporter writes parameters of equal values once and the others as `Identity` of it (two batch
        // norms' betas before a residual Add train to the same values): such an output is that initializer.
        let inputNames = Set(graphInputs)
        initializerCopies = Set(nodes.filter { node in
            node.domain.isEmpty && node.opType == "Identity" && node.inputs.count == 1 && node.outputs.count == 1
                && initializers[node.inputs[0]] != nil && !inputNames.contains(node.outputs[0])
        }.map(\.index))
        for index in initializerCopies { initializers[nodes[index].outputs[0]] = initializers[nodes[index].inputs[0]] }
        self.initializers = initializers
        outputNames = (0..<graph.n_output).map { ONNXProtoMemory.text(graph.output[$0]!.pointee.name) }
        graphOutputs = Set(outputNames)
        let inputs = (0..<graph.n_input).map { graph.input[$0]! }.filter { initializers[ONNXProtoMemory.text($0.pointee.name)] == nil }
        guard inputs.count == 1 else {
            throw BilinError("the graph has \(inputs.count) inputs; this tool reads models with one input")
        }
        inputName = ONNXProtoMemory.text(inputs[0].pointee.name)
        inputShape = try ONNXGraphIndex.shapeWithoutBatch(inputs[0], name: inputName)
        opset = file.defaultOpset ?? 1
    }

    /// Checks that every value a node reads is a graph input, an initializer (`available`) or a node's output.
    private static func checkProvided(_ nodes: [ONNXNode], by available: Set<String>) throws {
        let provided = available.union(nodes.flatMap(\.outputs))
        for node in nodes {
            guard let missing = node.inputs.first(where: { !$0.isEmpty && !provided.contains($0) }) else { continue }
            throw BilinError("\(node.label) (\(node.qualifiedOpType)) reads '\(missing)', which no initializer, graph input or node provides")
        }
    }

    /// The fixed dimensions after the first of a float tensor value.
    private static func shapeWithoutBatch(_ value: UnsafeMutablePointer<Onnx__ValueInfoProto>, name: String) throws -> [Int] {
        guard let type = value.pointee.type, type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE,
              let tensor = type.pointee.tensor_type, tensor.pointee.elem_type == ONNXTensorData.floatType,
              let shape = tensor.pointee.shape, shape.pointee.n_dim >= 2
        else { throw BilinError("the graph input '\(name)' is not a float tensor of shape (batch, …)") }
        let dimensions = try (1..<shape.pointee.n_dim).map { index in
            let dimension = shape.pointee.dim[index]!.pointee
            guard dimension.value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE, dimension.dim_value > 0 else {
                throw BilinError("the graph input '\(name)' has a dimension \(index) that is not a fixed size")
            }
            return Int(dimension.dim_value)
        }
        guard let count = dimensions.checkedProduct, count <= Model.maximumInputCount else {
            throw BilinError("the graph input '\(name)' has shape \(dimensions), more than \(Model.maximumInputCount) values per example")
        }
        return dimensions
    }

    /// The one node reading `value`, when exactly one does, `value` is not also a graph output, and the node writes
    /// a value (every form of several nodes continues from its consumer's first output; a node that writes none ends it).
    func soleConsumer(of value: String) -> ONNXNode? {
        guard !graphOutputs.contains(value), let readers = consumers[value], readers.count == 1 else { return nil }
        let node = nodes[readers[0]]
        return node.outputs.isEmpty ? nil : node
    }
}
