import BilinCore
internal import COnnxProto

/// A model not read from ONNX (from Keras, say), written as a new graph.
///
/// Images are NCHW inside the graph, where ONNX's Conv and pooling want them. A channels-first model takes its
/// image input `(N, C, H, W)` and gives an image output the same way. A channels-last model (Keras) keeps its input
/// `(N, H, W, C)` and transposes it once (`Transpose(0,3,1,2)`, always, so that `ONNXLayerGraph` knows the layout when it
/// reads the file back); an image output is transposed back to `(N, H, W, C)`. Flatten and Reshape of images in
/// between: `ONNXLayerSpelling.imageLayoutSteps`. The layers are spelled in the model's (topological) order, each
/// reading the values of the layers it names; every model output is a graph output.
extension ONNXExporter {
    static func fresh(_ model: Model, path: String) throws {
        guard case .input(let inputShape)? = model.layers.first?.kind, let inputName = model.layers.first?.name else {
            throw BilinError("the model has no input layer")
        }
        try model.checkGraph()
        let channelsLast = model.dataLayout == .channelsLast
        let builder = ONNXGraphBuilder(usedNames: [inputName])
        let shapes = model.outputShapes()
        let edges = model.inputIndices()
        // The ONNX value holding each layer's output.
        var values = [inputName]
        if inputShape.count == 3, channelsLast {
            values[0] = transpose(inputName, [0, 3, 1, 2], name: "\(inputName)/channels_first", builder: builder)
        }
        for (index, layer) in model.layers.enumerated().dropFirst() {
            values.append(try ONNXLayerSpelling.spell(layer, inputs: edges[index].map { values[$0] }, output: nil,
                                                      inputShape: edges[index].first.flatMap { shapes[$0] }, layout: model.dataLayout,
                                                      into: builder))
        }
        let outputs = model.outputIndices()
        guard !outputs.contains(0) else { throw BilinError("the model has no layer to export") }
        var outputValues: [UnsafeMutablePointer<Onnx__ValueInfoProto>] = []
        for index in outputs {
            var value = values[index]
            var outputShape: [Int?] = shapes[index].map { [nil] + $0 } ?? [nil]
            if outputShape.count == 4 {
                if channelsLast {
                    value = transpose(value, [0, 2, 3, 1], name: "\(model.layers[index].name)/channels_last", builder: builder)
                } else {
                    outputShape = [nil, outputShape[3], outputShape[1], outputShape[2]]
                }
            }
            outputValues.append(ONNXGraphBuilder.valueInfo(value, dimensions: outputShape))
        }
        let inputDimensions: [Int?] = inputShape.count == 3 && !channelsLast ? [nil, inputShape[2], inputShape[0], inputShape[1]]
                                                                              : [nil] + inputShape
        let file = ONNXModelFile(graphName: model.name, producer: "bilin-convert")
        let graph = file.graph
        for node in builder.takeNodes() { ONNXProtoMemory.append(Optional(node), to: &graph.pointee.node, count: &graph.pointee.n_node) }
        for tensor in builder.takeInitializers() {
            ONNXProtoMemory.append(Optional(tensor), to: &graph.pointee.initializer, count: &graph.pointee.n_initializer)
        }
        ONNXProtoMemory.append(Optional(ONNXGraphBuilder.valueInfo(inputName, dimensions: inputDimensions)),
                               to: &graph.pointee.input, count: &graph.pointee.n_input)
        for output in outputValues { ONNXProtoMemory.append(Optional(output), to: &graph.pointee.output, count: &graph.pointee.n_output) }
        try file.write(to: path, externalData: false)
    }

    /// Adds `Transpose(value, perm)` named `name`; returns its output.
    private static func transpose(_ value: String, _ permutation: [Int], name: String, builder: ONNXGraphBuilder) -> String {
        let output = builder.uniqueName("\(name)_output")
        builder.addNode("Transpose", name: name, inputs: [value], output: output, attributes: [.ints("perm", permutation)])
        return output
    }
}
