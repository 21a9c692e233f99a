import BilinCore
internal import COnnxProto
import Foundation

/// Writes a `Model` as an ONNX file.
///
/// A model read from ONNX (`metadata["onnx_source"]`, set by `ONNXImporter`) is written by editing that source
/// file's `ModelProto`: the chain is found again (`ONNXChain`), and only the layers whose kind or weights changed
/// (converted, widened or fine-tuned), or whose input's shape did, have their nodes replaced by `ONNXLayerSpelling`'s,
/// writing the same output value, so every reader downstream is rewired for free. Every other node, initializer (bit-exact), opset import,
/// input, output, metadata prop and doc string is kept; value infos of values that no longer exist or changed shape
/// are dropped; initializers only the replaced nodes read are dropped. The default opset is kept: the new nodes
/// mean the same from opset 7 on; an older one is raised to 13, with a note on stderr. External data is written
/// (`<file>.data`) when the source had it.
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
        let chain = try ONNXChain(graph)
        let known = Array(model.layers.dropFirst().prefix(chain.layers.count))
        guard model.layers.count == 1 + chain.layers.count + chain.tail.count,
              zip(known, chain.layers).allSatisfy({ $0.name == $1.layer.name }),
              model.layers.suffix(chain.tail.count).map(\.name) == chain.tail.map(\.name)
        else {
            throw BilinError("the model's layers no longer match its ONNX source \(source) (layers added, removed or renamed)")
        }
        // shapes[i] is what chain layer i reads, shapes[i + 1] what it writes; in the source and in the model now.
        let input = LayerSpec(name: "", kind: .input(shape: chain.inputShape))
        let before = Model(name: "", layers: [input] + chain.layers.map(\.layer)).outputShapes()
        let after = Model(name: "", layers: [input] + known).outputShapes()
        // A layer is spelled anew when it changed, or when what it reads did (a widened layer's consumer): its nodes
        // may hold sizes, such as a Reshape's target.
        let replaced = chain.layers.indices.filter { known[$0] != chain.layers[$0].layer || before[$0] != after[$0] }
        if !replaced.isEmpty {
            try replaceLayers(replaced, of: chain, with: known, inputShapes: after, in: file, graph: graph)
            dropStaleValueInfo(file, changed: Set(chain.layers.indices.filter { before[$0 + 1] != after[$0 + 1] }.map { chain.layers[$0].output }))
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

    /// Swaps the nodes of each replaced chain layer for the spelling of its new version, at the place of the layer's
    /// last node, and drops the initializers nothing reads any more.
    private static func replaceLayers(_ replaced: [Int], of chain: ONNXChain, with known: [LayerSpec], inputShapes: [[Int]?],
                                      in file: ONNXModelFile, graph: ONNXGraphIndex) throws {
        var used = Set(graph.initializers.keys).union(graph.consumers.keys).union(graph.graphOutputs)
        for node in graph.nodes { used.formUnion(node.outputs); used.insert(node.name) }
        let builder = ONNXGraphBuilder(usedNames: used)
        var generated: [Int: [UnsafeMutablePointer<Onnx__NodeProto>]] = [:]
        var removed = Set<Int>()
        for index in replaced {
            let layer = chain.layers[index]
            _ = try ONNXLayerSpelling.spell(known[index], input: layer.input, output: layer.output, inputShape: inputShapes[index],
                                            layout: chain.dataLayout, into: builder)
            generated[layer.nodeIndices.max()!] = builder.takeNodes()
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
        initializers += builder.takeInitializers().map(Optional.init)
        free(proto.pointee.initializer)
        proto.pointee.initializer = ONNXProtoMemory.array(initializers)
        proto.pointee.n_initializer = initializers.count
        // Old IR versions list initializers among the graph inputs too.
        var inputs: [UnsafeMutablePointer<Onnx__ValueInfoProto>?] = []
        for index in 0..<proto.pointee.n_input {
            let input = proto.pointee.input[index]!
            if stale.contains(ONNXProtoMemory.text(input.pointee.name)) { ONNXProtoMemory.free(input) } else { inputs.append(input) }
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
