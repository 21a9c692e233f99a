import BilinCore
internal import COnnxProto

/// An attribute of a new node.
enum ONNXAttribute {
    case int(String, Int)
    case float(String, Float)
    case ints(String, [Int])
}

/// Makes new nodes, initializers and value infos for a graph, with names unique in it. Owns what it made until
/// `takeNodes()` / `takeInitializers()` hand it over (to be linked into a graph); frees the rest when released.
final class ONNXGraphBuilder {
    private var nodes: [UnsafeMutablePointer<Onnx__NodeProto>] = []
    private var initializers: [UnsafeMutablePointer<Onnx__TensorProto>] = []
    private var usedNames: Set<String>
    /// The graph's default-domain opset: some ops take their constants as attributes before opset 11 (Pad, Clip).
    let opset: Int

    /// - Parameter usedNames: every value, initializer and node name the graph already has.
    init(usedNames: Set<String>, opset: Int = 13) {
        self.usedNames = usedNames
        self.opset = opset
    }

    deinit {
        nodes.forEach { ONNXProtoMemory.free($0) }
        initializers.forEach { ONNXProtoMemory.free($0) }
    }

    /// `base`, or `base_1`, `base_2`, … if taken; the name is taken from then on.
    func uniqueName(_ base: String) -> String {
        let name = ONNXGraphBuilder.uniqueName(base) { usedNames.contains($0) }
        usedNames.insert(name)
        return name
    }

    /// `base`, or the first of `base_1`, `base_2`, … that is not `taken`.
    static func uniqueName(_ base: String, taken: (String) -> Bool) -> String {
        var name = base
        var suffix = 0
        while taken(name) {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        return name
    }

    /// Adds a default-domain node; its name is used as given (node names need not be unique in ONNX).
    func addNode(_ opType: String, name: String, inputs: [String], output: String, attributes: [ONNXAttribute] = []) {
        usedNames.insert(name)
        let node = ONNXProtoMemory.message(Onnx__NodeProto.self, initialize: onnx__node_proto__init)
        node.pointee.op_type = ONNXProtoMemory.string(opType)
        node.pointee.name = ONNXProtoMemory.string(name)
        node.pointee.input = ONNXProtoMemory.array(inputs.map { ONNXProtoMemory.string($0) as UnsafeMutablePointer<CChar>? })
        node.pointee.n_input = inputs.count
        node.pointee.output = ONNXProtoMemory.array([ONNXProtoMemory.string(output) as UnsafeMutablePointer<CChar>?])
        node.pointee.n_output = 1
        for attribute in attributes {
            let proto = ONNXProtoMemory.message(Onnx__AttributeProto.self, initialize: onnx__attribute_proto__init)
            proto.pointee.has_type = 1
            switch attribute {
            case .int(let name, let value):
                proto.pointee.name = ONNXProtoMemory.string(name)
                proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT
                proto.pointee.has_i = 1
                proto.pointee.i = Int64(value)
            case .float(let name, let value):
                proto.pointee.name = ONNXProtoMemory.string(name)
                proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
                proto.pointee.has_f = 1
                proto.pointee.f = value
            case .ints(let name, let values):
                proto.pointee.name = ONNXProtoMemory.string(name)
                proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
                proto.pointee.ints = ONNXProtoMemory.array(values.map(Int64.init))
                proto.pointee.n_ints = values.count
            }
            ONNXProtoMemory.append(Optional(proto), to: &node.pointee.attribute, count: &node.pointee.n_attribute)
        }
        nodes.append(node)
    }

    /// Adds a float initializer named after `base` holding `tensor` in `shape` (default its own); returns its name.
    func addInitializer(_ base: String, _ tensor: Tensor, shape: [Int]? = nil) -> String {
        let name = uniqueName(base)
        initializers.append(ONNXTensorData.makeFloat(name: name, tensor, shape: shape))
        return name
    }

    /// Adds an int64 initializer of shape `[values.count]` named after `base`; returns its name.
    func addInitializer(_ base: String, integers values: [Int]) -> String {
        let name = uniqueName(base)
        initializers.append(ONNXTensorData.makeInt64(name: name, values))
        return name
    }

    /// The nodes made since the last call, in order; the caller owns them now.
    func takeNodes() -> [UnsafeMutablePointer<Onnx__NodeProto>] {
        defer { nodes = [] }
        return nodes
    }

    /// The initializers made since the last call; the caller owns them now.
    func takeInitializers() -> [UnsafeMutablePointer<Onnx__TensorProto>] {
        defer { initializers = [] }
        return initializers
    }

    /// A tensor value `name` of `elementType` (float unless given) and shape `dimensions` (nil: the symbolic batch
    /// size `batch`).
    static func valueInfo(_ name: String, dimensions: [Int?],
                          elementType: Int32 = ONNXTensorData.floatType) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let shape = ONNXProtoMemory.message(Onnx__TensorShapeProto.self, initialize: onnx__tensor_shape_proto__init)
        for size in dimensions {
            let dimension = ONNXProtoMemory.message(Onnx__TensorShapeProto__Dimension.self,
                                                    initialize: onnx__tensor_shape_proto__dimension__init)
            if let size {
                dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                dimension.pointee.dim_value = Int64(size)
            } else {
                dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                dimension.pointee.dim_param = ONNXProtoMemory.string("batch")
            }
            ONNXProtoMemory.append(Optional(dimension), to: &shape.pointee.dim, count: &shape.pointee.n_dim)
        }
        let tensor = ONNXProtoMemory.message(Onnx__TypeProto__Tensor.self, initialize: onnx__type_proto__tensor__init)
        tensor.pointee.has_elem_type = 1
        tensor.pointee.elem_type = elementType
        tensor.pointee.shape = shape
        let type = ONNXProtoMemory.message(Onnx__TypeProto.self, initialize: onnx__type_proto__init)
        type.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        type.pointee.tensor_type = tensor
        let value = ONNXProtoMemory.message(Onnx__ValueInfoProto.self, initialize: onnx__value_info_proto__init)
        value.pointee.name = ONNXProtoMemory.string(name)
        value.pointee.type = type
        return value
    }
}
