import BilinCore
internal import COnnxProto
import Foundation

/// Writes a `Model` as an ONNX file.
///
/// A model read from ONNX (`metadata["onnx_source"]`, set by `ONNXImporter`) is written by editing that source
/// file's `ModelProto`: the graph is read again (`ONNXLayerGraph`), and only the layers whose kind or weights changed
/// (converted, widened or fine-tuned), or whose input's shape did, have their nodes replaced by `ONNXLayerSpelling`'s,
/// writing the same output value, so every reader downstream is rewired for free. Every other node, initializer (bit-exact), opset import,
/// input, output, metadata prop and doc string is kept; value infos of values that no longer exist or changed shape
/// are dropped; initializers only the replaced nodes read are dropped. The default opset is kept: the new nodes
/// mean the same from opset 7 on; an older one is raised to 13, with a note on stderr. Below IR version 4 every
/// initializer must also be a graph input (`onnx.checker`): new ones are added as inputs too. External data is
/// written (`<file>.data`) when the source had it.
///
/// Any other model is written fresh (`ONNXExporter+Fresh`): IR version 7, opset 13, input `(batch, input shape…)`
/// (an image NHWC for a channels-last model, NCHW for a channels-first one), each layer spelled by
/// `ONNXLayerSpelling`; a layer without a spelling (an opaque Keras layer) is an error naming it.
public enum ONNXExporter {
    /// The oldest default-domain opset in which the nodes an edit adds mean what `ONNXLayerSpelling` intends.
    static let minimumEditOpset = 7

    /// - Throws: `BilinError` naming `path`, or naming the source file when it cannot be read again.
    public static func write(_ model: Model, to path: String) throws {
        do {
            if let source = model.metadata["onnx_source"] {
                try edit(source: source, into: model, path: path)
            } else {
                try fresh(model, path: path)
            }
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }

    // MARK: - A model from ONNX

    private static func edit(source: String, into model: Model, path: String) throws {
        let file = try ONNXModelFile(path: source)
        let graph = try ONNXGraphIndex(file)
        let found = try ONNXLayerGraph(graph).layers
        let current = Array(model.layers.dropFirst())
        guard current.count == found.count, zip(current, found).allSatisfy({ $0.name == $1.layer.name && $0.inputs == $1.layer.inputs })
        else {
            throw BilinError("the model's layers no longer match its ONNX source \(source) (layers added, removed, renamed or rewired)")
        }
        var source = model
        source.layers = [model.layers[0]] + found.map(\.layer)
        // What each layer reads and writes, in the source and in the model now.
        let (before, after) = (source.outputShapes(), model.outputShapes())
        let edges = model.inputIndices()
        // A layer is spelled anew when it changed, or when what it reads did (a widened layer's consumer): its nodes
        // may hold sizes, such as a Reshape's target. Opaque layers are carried as they are.
        var replaced = found.indices.filter { index in
            !current[index].kind.isOpaque
                && (current[index] != found[index].layer || edges[index + 1].contains { before[$0] != after[$0] })
        }
        // The padding read out of a Conv's pads has no node of its own: it is spelled with its convolution.
        replaced = Set(replaced + replaced.compactMap { index in index > 0 && found[index - 1].nodeIndices.isEmpty ? index - 1 : nil }).sorted()
        if !replaced.isEmpty {
            let inputShapes = edges.map { $0.first.flatMap { after[$0] } }
            try replaceLayers(replaced, of: found, with: current, inputShapes: Array(inputShapes.dropFirst()), layout: model.dataLayout,
                              in: file, graph: graph)
            dropStaleValueInfo(file, changed: Set(found.indices.filter { before[$0 + 1] != after[$0 + 1] }.map { found[$0].output }))
            // The new nodes (Reshape with a shape input, MatMul, Add with broadcasting) mean the same from opset 7 on;
            // raising a newer opset would change other nodes' meaning (Squeeze, Unsqueeze, Split, Reduce* take axes as
            // inputs from 13), so only an older one is raised.
            if let opset = file.defaultOpset, opset < minimumEditOpset {
                file.raiseDefaultOpset(to: 13)
                FileHandle.standardError.write(Data("note: \(path): opset raised from \(opset) to 13 for the new nodes\n".utf8))
            }
        }
        try file.write(to: path, externalData: file.hadExternalData)
    }

    /// Swaps the nodes of each replaced layer for the spelling of its new version, at the place of the layer's last
    /// node (a padding read out of a Conv's pads at its convolution's), and drops the initializers nothing reads any
    /// more.
    private static func replaceLayers(_ replaced: [Int], of found: [ONNXMatchedLayer], with current: [LayerSpec], inputShapes: [[Int]?],
                                      layout: DataLayout, in file: ONNXModelFile, graph: ONNXGraphIndex) throws {
        var used = Set(graph.initializers.keys).union(graph.consumers.keys).union(graph.graphOutputs)
        for node in graph.nodes { used.formUnion(node.outputs); used.insert(node.name) }
        // An opset older than `minimumEditOpset` is raised to 13 after this.
        let builder = ONNXGraphBuilder(usedNames: used, opset: file.defaultOpset.map { $0 < minimumEditOpset ? 13 : $0 } ?? 13)
        var generated: [Int: [UnsafeMutablePointer<Onnx__NodeProto>]] = [:]
        var removed = Set<Int>()
        for index in replaced {
            let layer = found[index]
            _ = try ONNXLayerSpelling.spell(current[index], inputs: layer.inputs, output: layer.output, inputShape: inputShapes[index],
                                            layout: layout, into: builder)
            let place = (layer.nodeIndices.isEmpty ? found[index + 1].nodeIndices : layer.nodeIndices).max()!
            generated[place, default: []] += builder.takeNodes()
            removed.formUnion(layer.nodeIndices)
        }
        var nodes: [UnsafeMutablePointer<Onnx__NodeProto>?] = []
        var readByRemoved = Set<String>()
        for (index, node) in file.nodes.enumerated() {
            guard removed.contains(index) else { nodes.append(node); continue }
            readByRemoved.formUnion(graph.nodes[index].inputs)
            nodes += (generated[index] ?? []).map(Optional.init)
            ONNXProtoMemory.free(node)
        }
        let proto = file.graph
        free(proto.pointee.node)
        proto.pointee.node = ONNXProtoMemory.array(nodes)
        proto.pointee.n_node = nodes.count

        let stillRead = Set(nodes.flatMap { ONNXNode($0!, index: 0).inputs })
        let stale = readByRemoved.subtracting(stillRead).subtracting(graph.graphOutputs)
        var initializers: [UnsafeMutablePointer<Onnx__TensorProto>?] = []
        for tensor in file.initializers {
            if stale.contains(ONNXTensorData.name(tensor)) { ONNXProtoMemory.free(tensor) } else { initializers.append(tensor) }
        }
        let added = builder.takeInitializers()
        initializers += added.map(Optional.init)
        free(proto.pointee.initializer)
        proto.pointee.initializer = ONNXProtoMemory.array(initializers)
        proto.pointee.n_initializer = initializers.count
        // Old IR versions list initializers among the graph inputs too.
        var inputs: [UnsafeMutablePointer<Onnx__ValueInfoProto>?] = []
        for index in 0..<proto.pointee.n_input {
            let input = proto.pointee.input[index]!
            if stale.contains(ONNXProtoMemory.text(input.pointee.name)) { ONNXProtoMemory.free(input) } else { inputs.append(input) }
        }
        if file.model.pointee.ir_version < 4 {
            inputs += added.map { tensor in
                ONNXGraphBuilder.valueInfo(ONNXTensorData.name(tensor), dimensions: ONNXTensorData.dimensions(tensor),
                                           elementType: tensor.pointee.data_type)
            }
        }
        free(proto.pointee.input)
        proto.pointee.input = ONNXProtoMemory.array(inputs)
        proto.pointee.n_input = inputs.count
    }

    /// Drops value infos of values no node writes any more and of `changed` values.
    private static func dropStaleValueInfo(_ file: ONNXModelFile, changed: Set<String>) {
        let written = Set(file.nodes.flatMap { ONNXNode($0, index: 0).outputs })
        let proto = file.graph
        var kept: [UnsafeMutablePointer<Onnx__ValueInfoProto>?] = []
        for index in 0..<proto.pointee.n_value_info {
            let value = proto.pointee.value_info[index]!
            let name = ONNXProtoMemory.text(value.pointee.name)
            if written.contains(name) && !changed.contains(name) { kept.append(value) } else { ONNXProtoMemory.free(value) }
        }
        free(proto.pointee.value_info)
        proto.pointee.value_info = ONNXProtoMemory.array(kept)
        proto.pointee.n_value_info = kept.count
    }
}
