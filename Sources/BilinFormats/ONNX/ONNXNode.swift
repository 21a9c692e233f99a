internal import COnnxProto

/// A read-only Swift view of one `NodeProto` of a graph, with its attributes read on demand.
///
/// Valid only while the `ONNXModelFile` that owns the node is alive.
struct ONNXNode {
    let proto: UnsafeMutablePointer<Onnx__NodeProto>
    /// The node's position in the graph's node list.
    let index: Int
    let name: String
    let opType: String
    /// `""` for the default domain (`ai.onnx` is folded to `""`).
    let domain: String
    let inputs: [String]
    let outputs: [String]

    init(_ proto: UnsafeMutablePointer<Onnx__NodeProto>, index: Int) {
        self.proto = proto
        self.index = index
        let node = proto.pointee
        name = ONNXProtoMemory.text(node.name)
        opType = ONNXProtoMemory.text(node.op_type)
        let domain = ONNXProtoMemory.text(node.domain)
        self.domain = domain == "ai.onnx" ? "" : domain
        inputs = (0..<node.n_input).map { ONNXProtoMemory.text(node.input[$0]) }
        outputs = (0..<node.n_output).map { ONNXProtoMemory.text(node.output[$0]) }
    }

    /// `Gemm`, or `ai.onnx.ml.ZipMap` for another domain: the name reports use.
    var qualifiedOpType: String { domain.isEmpty ? opType : "\(domain).\(opType)" }

    /// How messages name the node: `node 'dense_1'`, or `node 3` when it has no name.
    var label: String { name.isEmpty ? "node \(index)" : "node '\(name)'" }

    private func attribute(_ name: String) -> Onnx__AttributeProto? {
        for index in 0..<proto.pointee.n_attribute {
            let attribute = proto.pointee.attribute[index]!.pointee
            if ONNXProtoMemory.text(attribute.name) == name { return attribute }
        }
        return nil
    }

    func int(_ name: String) -> Int? {
        attribute(name).flatMap { $0.has_i != 0 ? Int($0.i) : nil }
    }

    /// A list-of-integers attribute (`kernel_shape`, `pads`, `perm`).
    func ints(_ name: String) -> [Int]? {
        attribute(name).flatMap { attribute in attribute.n_ints == 0 ? nil : (0..<attribute.n_ints).map { Int(attribute.ints[$0]) } }
    }

    func float(_ name: String) -> Float? {
        attribute(name).flatMap { $0.has_f != 0 ? $0.f : nil }
    }

    /// A tensor attribute (a `Constant` node's `value`).
    func tensor(_ name: String) -> UnsafeMutablePointer<Onnx__TensorProto>? {
        attribute(name)?.t
    }

    func string(_ name: String) -> String? {
        guard let attribute = attribute(name), attribute.has_s != 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: attribute.s.data, count: attribute.s.len), as: UTF8.self)
    }

    /// Whether the node has attributes other than `names` (an attribute this tool would ignore).
    func hasAttributes(besides names: Set<String>) -> Bool {
        (0..<proto.pointee.n_attribute).contains { !names.contains(ONNXProtoMemory.text(proto.pointee.attribute[$0]!.pointee.name)) }
    }
}
