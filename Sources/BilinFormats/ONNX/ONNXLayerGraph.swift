import BilinCore
internal import COnnxProto

/// One IR layer found in an ONNX graph, and the nodes and initializers it came from.
struct ONNXMatchedLayer {
    var layer: LayerSpec
    /// Indices of the graph nodes the layer spans, in graph order (none for the padding read out of a Conv's pads).
    var nodeIndices: [Int]
    /// The values the layer reads (a merge's operands, in order) and the value it writes.
    var inputs: [String]
    var output: String
    /// The initializers holding its weights (a dense kernel and bias; `Uᵀ`, `V` and the bias of a bilinear layer).
    var weightNames: [String]
    /// A Conv's pads that are neither valid nor same: read as a `.zeroPadding2D` layer before the (valid) convolution.
    var padding: ImagePadding? = nil
}
/// The model as a graph of IR layers: every node in the graph's order (`ONNXGraphIndex.order`), read as one of the
/// forms this tool knows where it can be, else carried as an opaque layer, untouched by `ONNXExporter`.
///
/// Known forms, each matched at a node whose data input a layer before it computes (its IR shape known); a form of
/// several nodes continues only through values that one node reads and that are not graph outputs:
///
///     Flatten(axis=1)                                  .flatten
///     Reshape(x, [-1 or 0, dims…])                     .reshape(dims), not to an image (of one: [-1, all], a .flatten)
///     Reshape(x, shape computed from Shape(x) that flattens)   .flatten (`ONNXPatternMatcher+ComputedShape`)
///     Gemm(x, B, C?) transA=0, any transB/alpha/beta   .dense: kernel alpha·B (transB=0) or alpha·Bᵀ (transB=1),
///       [→ Add(·, C') or Add(C', ·)]                   bias beta·C (C of Dout values, or one broadcast) + C'
///     MatMul(x, B) [→ Add(·, C) or Add(C, ·)]          .dense: kernel B (Din, Dout), bias C (Dout or 1×Dout)
///     Reshape[-1,d1,d2] → MatMul(·,V) → MatMul(Uᵀ,·)   .bilinear (as `ONNXLayerSpelling` writes it)
///       → Reshape[-1,p·q] → Add(·, b)
///     Relu, Sigmoid, Tanh, Softmax (last axis), Gelu (exact), LeakyRelu (alpha 0.2)   .activation
///     LeakyRelu (another alpha)                        .leakyReLU
///     Clip(0, 6)                                       .activation(.relu6)
///     Add, Sum, Sub, Mul, Max, Min, Mean of two or more computed values of one shape    .merge
///     Concat of computed values                        .concatenate (the axis as the IR's channels-last example's)
///     Mul(x, s) [→ Add(·, o)], Add(x, o); s, o scalars  .rescaling(scale: s, offset: o)
///
/// and on images, NCHW as PyTorch writes them (see `ONNXPatternMatcher+Spatial` for the details):
///
///     Conv (group 1, dilations 1) W (Cout,Cin,kh,kw), B?   .conv2D, kernel transposed to (kh,kw,Cin,Cout)
///       [→ Add(·, b (1,Cout,1,1) or (Cout,1,1))]            the bias, when written as a separate Add
///     Conv (group Cin) W (Cin·M,1,kh,kw), B?                .depthwiseConv2D (multiplier M)
///     Conv with pads neither valid nor same                 .zeroPadding2D, then the Conv as a valid one
///     Pad (constant 0, on height and width only)            .zeroPadding2D
///     Conv(group Cin, one-hot W) → Transpose(0,2,3,1)       .bilinearConv2D (as `ONNXLayerSpelling` writes it; W an
///                                                           initializer, or ConstantOfShape → EyeLike → Tile → Reshape)
///       → Reshape[-1,p,q] → MatMul(·,V) → MatMul(Uᵀ,·) → Reshape[-1,Ho,Wo,p'q'] → Add(·, b) → Transpose(0,3,1,2)
///     MaxPool, AveragePool (count_include_pad 0)            .pooling2D
///     GlobalAveragePool → Flatten or Reshape[-1, C]         .globalAveragePooling2D (alone: .pooling2D over all)
///     ReduceMean over H and W (keepdims 1: as GlobalAveragePool; 0: .globalAveragePooling2D)
///     BatchNormalization (inference)                        .batchNormalization
///
/// Pooling pads must be valid or same (`ONNXWindow`). The layout: a rank-4 graph input is NCHW, IR input shape
/// `(H, W, C)` and `.channelsFirst`, its `Flatten` in C,H,W order; unless the input's only reader is
/// `Transpose(0,3,1,2)` (as `ONNXExporter` writes a channels-last model): then the input is NHWC, the model
/// `.channelsLast`, that Transpose an adapter of no layer, and its images flatten through `Transpose(0,2,3,1)` →
/// `Flatten`. Inside the graph every image is NCHW.
///
/// `Identity` and `Cast` to float (skl2onnx starts with one) of a computed value are no layer: their output is read
/// as their input; an `Identity` of an initializer (PyTorch's copy of an equal parameter) is that initializer. `Gemm` with `transA=1` reads the batch as features: not a dense layer. Weights must be
/// initializers; a `Gemm`, `MatMul` or `Conv` whose weight is computed by other nodes is an opaque layer whose class
/// name says so: `MatMul [not convertible: weight 'w' is computed by other nodes, not an initializer]`; so is a
/// `Conv` or pooling node this tool cannot express (dilations, groups, other pads).
///
/// Each layer's `inputs` name the layers it reads, left empty where it reads just the layer before it (a chain
/// needs no names). An opaque layer reads the layers that compute its inputs (none: it reads only initializers).
struct ONNXLayerGraph {
    /// Every layer after the input, in the model's order: known forms and opaque nodes (config `Op(inputs) -> outputs`).
    let layers: [ONNXMatchedLayer]
    /// The IR input shape (channels-last for images) and the layout the graph gives images in.
    let inputShape: [Int]
    let dataLayout: DataLayout
    /// The layers writing the graph's outputs, in its order; empty when that is the last layer alone.
    let outputs: [String]

    init(_ graph: ONNXGraphIndex) throws {
        let (layout, adapter) = ONNXLayerGraph.inputLayout(graph)
        var matcher = ONNXPatternMatcher(graph: graph, layout: layout)
        let raw = graph.inputShape
        let shape = raw.count == 3 && layout == .channelsFirst ? [raw[1], raw[2], raw[0]] : raw
        inputShape = shape
        dataLayout = layout
        // The layer computing each value read so far.
        var writers = [graph.inputName: graph.inputName]
        matcher.valueShapes[graph.inputName] = shape
        if let adapter {
            writers[adapter.outputs[0]] = graph.inputName
            matcher.valueShapes[adapter.outputs[0]] = shape
        }
        var consumed = Set(adapter.map { [$0.index] } ?? [])
        // The nodes computing an operand a layer includes (a flattening Reshape's shape, a patch kernel) are read with
        // their reader: as part of its layer, or as opaque layers before it.
        var operandNodes: [Int: [Int]] = [:]
        for node in graph.nodes { operandNodes[node.index] = matcher.operandNodes(of: node) }
        let deferred = Set(operandNodes.values.joined())
        let position = Dictionary(uniqueKeysWithValues: graph.order.enumerated().map { ($1, $0) })
        var layers: [ONNXMatchedLayer] = []
        for index in graph.order where !consumed.contains(index) && !deferred.contains(index) && !graph.initializerCopies.contains(index) {
            let node = graph.nodes[index]
            if ONNXPatternMatcher.isIdentity(node), let writer = writers[node.inputs[0]] {
                writers[node.outputs[0]] = writer
                matcher.valueShapes[node.outputs[0]] = matcher.valueShapes[node.inputs[0]]
                continue
            }
            var found = [ONNXMatchedLayer]()
            var reason: String?
            do {
                found = try matcher.layers(at: node)
            } catch let notConvertible as NotConvertible {
                reason = notConvertible.message
            }
            if found.isEmpty {
                let helpers = (operandNodes[index] ?? []).sorted { position[$0]! < position[$1]! }
                found = helpers.map { matcher.opaque(graph.nodes[$0], reason: nil) } + [matcher.opaque(node, reason: reason)]
            }
            for var layer in found {
                let previous = layers.last?.layer.name ?? graph.inputName
                var names = layer.inputs.compactMap { writers[$0] }
                let opaque = layer.layer.kind.isOpaque
                if opaque {
                    var seen = Set<String>()
                    names = names.filter { seen.insert($0).inserted }
                }
                layer.layer.inputs = names == [previous] ? [] : names
                for output in opaque ? graph.nodes[layer.nodeIndices[0]].outputs : [layer.output] { writers[output] = layer.layer.name }
                consumed.formUnion(layer.nodeIndices)
                layers.append(layer)
            }
        }
        self.layers = layers
        var outputs: [String] = []
        var listed = Set<String>()
        for value in graph.outputNames { if let writer = writers[value], listed.insert(writer).inserted { outputs.append(writer) } }
        self.outputs = outputs == [layers.last?.layer.name ?? graph.inputName] ? [] : outputs
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

    /// Why a dense-looking node cannot be read as a layer.
    struct NotConvertible: Error {
        var message: String
    }
}

extension LayerKind {
    var isOpaque: Bool { if case .opaque = self { true } else { false } }
}
