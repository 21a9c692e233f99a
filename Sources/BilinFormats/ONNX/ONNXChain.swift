import BilinCore
internal import COnnxProto

/// One IR layer found in an ONNX graph, and the nodes and initializers it came from.
struct ONNXChainLayer {
    var layer: LayerSpec
    /// Indices of the graph nodes the layer spans, in graph order.
    var nodeIndices: [Int]
    /// The value the layer reads and the value it writes.
    var input: String
    var output: String
    /// The initializers holding its weights (a dense kernel and bias; `Uᵀ`, `V` and the bias of a bilinear layer).
    var weightNames: [String]
}

/// The model as a chain of IR layers: from the graph input through the ops this tool knows, then every other node
/// as an opaque layer, carried through untouched by `ONNXExporter`.
///
/// Known forms, each read from the current value when it is the only reader of it:
///
///     Flatten(axis=1)                                  .flatten
///     Reshape(x, [-1 or 0, dims…])                     .reshape(dims), not to an image (of one: [-1, all], a .flatten)
///     Gemm(x, B, C?) transA=0, any transB/alpha/beta   .dense: kernel alpha·B (transB=0) or alpha·Bᵀ (transB=1),
///       [→ Add(·, C') or Add(C', ·)]                   bias beta·C (C of Dout values, or one broadcast) + C'
///     MatMul(x, B) [→ Add(·, C) or Add(C, ·)]          .dense: kernel B (Din, Dout), bias C (Dout or 1×Dout)
///     Reshape[-1,d1,d2] → MatMul(·,V) → MatMul(Uᵀ,·)   .bilinear (as `ONNXLayerSpelling` writes it)
///       → Reshape[-1,p·q] → Add(·, b)
///     Relu, Sigmoid, Tanh, Softmax (last axis), Gelu (exact), LeakyRelu (alpha 0.2 only)   .activation
///
/// and on images, NCHW as PyTorch writes them (see `ONNXChainMatcher+Spatial` for the details):
///
///     Conv (group 1, dilations 1) W (Cout,Cin,kh,kw), B?   .conv2D, kernel transposed to (kh,kw,Cin,Cout)
///     Conv(group Cin, one-hot W) → Transpose(0,2,3,1)       .bilinearConv2D (as `ONNXLayerSpelling` writes it)
///       → Reshape[-1,p,q] → MatMul(·,V) → MatMul(Uᵀ,·) → Reshape[-1,Ho,Wo,p'q'] → Add(·, b) → Transpose(0,3,1,2)
///     MaxPool, AveragePool (count_include_pad 0)            .pooling2D
///     GlobalAveragePool → Flatten or Reshape[-1, C]         .globalAveragePooling2D (alone: .pooling2D over all)
///     BatchNormalization (inference)                        .batchNormalization
///
/// Window pads must be valid or same (`ONNXWindow`). The layout: a rank-4 graph input is NCHW, IR input shape
/// `(H, W, C)` and `.channelsFirst`, its `Flatten` in C,H,W order; unless the input's only reader is
/// `Transpose(0,3,1,2)` (as `ONNXExporter` writes a channels-last model): then the input is NHWC, the model
/// `.channelsLast`, that Transpose an adapter of no layer, and its images flatten through `Transpose(0,2,3,1)` →
/// `Flatten`. Inside the chain every image is NCHW.
///
/// `Identity` and `Cast` to float (skl2onnx starts with one) are folded into the layer after them. `Gemm` with
/// `transA=1` reads the batch as features: not a dense layer. Weights must be initializers; a `Gemm`, `MatMul` or
/// `Conv` whose weight is computed by other nodes ends the chain, and its opaque layer's class name says so:
/// `MatMul [not convertible: weight 'w' is computed by other nodes, not an initializer]`; so does a `Conv` or pooling
/// node this tool cannot express (dilations, groups, other pads).
struct ONNXChain {
    let layers: [ONNXChainLayer]
    /// The nodes after the chain, in graph order, as opaque layers (config: `Op(inputs) -> outputs`).
    let tail: [LayerSpec]
    /// The IR input shape (channels-last for images) and the layout the graph gives images in.
    let inputShape: [Int]
    let dataLayout: DataLayout

    init(_ graph: ONNXGraphIndex) throws {
        let (layout, adapter) = ONNXChain.inputLayout(graph)
        var matcher = ONNXChainMatcher(graph: graph, layout: layout)
        var layers: [ONNXChainLayer] = []
        var current = adapter?.outputs[0] ?? graph.inputName
        let raw = graph.inputShape
        var shape = raw.count == 3 && layout == .channelsFirst ? [raw[1], raw[2], raw[0]] : raw
        inputShape = shape
        dataLayout = layout
        var stopReason: [Int: String] = [:]
        // Identity-like nodes (Identity, Cast to float) waiting to be folded into the next layer.
        var prefix: [ONNXNode] = []
        while let node = graph.soleConsumer(of: current), node.domain.isEmpty {
            if ONNXChainMatcher.isIdentity(node) {
                prefix.append(node)
                current = node.outputs[0]
                continue
            }
            var found: ONNXChainLayer?
            do {
                found = try matcher.layer(at: node, reading: current, shape: shape)
            } catch let reason as NotConvertible {
                stopReason[node.index] = reason.message
                break
            }
            guard var found, let next = ONNXChain.outputShape(of: found.layer, input: shape) else { break }
            if let first = prefix.first {
                found.nodeIndices = prefix.map(\.index) + found.nodeIndices
                found.input = first.inputs[0]
                prefix = []
            }
            layers.append(found)
            current = found.output
            shape = next
        }
        let used = Set(layers.flatMap(\.nodeIndices) + (adapter.map { [$0.index] } ?? []))
        tail = graph.nodes.indices.filter { !used.contains($0) }.map { index in
            let node = graph.nodes[index]
            let config = "\(node.qualifiedOpType)(\(node.inputs.joined(separator: ", "))) -> \(node.outputs.joined(separator: ", "))"
            // The reason a dense-looking node is not convertible shows wherever the layer's kind is named.
            let className = stopReason[index].map { "\(node.qualifiedOpType) [\($0)]" } ?? node.qualifiedOpType
            return LayerSpec(name: matcher.uniqueName(node), kind: .opaque(className: className, config: config))
        }
        self.layers = layers
    }

    /// The layout of a rank-4 input, and the `Transpose(0,3,1,2)` adapter of an NHWC one (see the type's comment).
    private static func inputLayout(_ graph: ONNXGraphIndex) -> (DataLayout, adapter: ONNXNode?) {
        guard graph.inputShape.count == 3 else { return (.channelsLast, nil) }
        if let node = graph.soleConsumer(of: graph.inputName), node.domain.isEmpty, node.opType == "Transpose",
           node.outputs.count == 1, node.ints("perm") == [0, 3, 1, 2] {
            return (.channelsLast, node)
        }
        return (.channelsFirst, nil)
    }

    /// The IR output shape of `layer` reading `input` (nil when the layer does not fit it).
    private static func outputShape(of layer: LayerSpec, input: [Int]) -> [Int]? {
        Model(name: "", layers: [LayerSpec(name: "", kind: .input(shape: input)), layer]).outputShapes().last ?? nil
    }

    /// Why a dense-looking node cannot be read as a layer.
    struct NotConvertible: Error {
        var message: String
    }
}
