import BilinCore

/// Builds a `Model` from a Keras model config and the weights of each layer, the part both Keras importers share.
enum KerasModelAssembler {
    /// The model: the input node, each other node decoded (`KerasLayerDecoder`) in the config's topological order,
    /// exported bilinear chains folded back (`KerasBilinearChain.fold`, then `KerasBilinearConvChain.fold`), and every
    /// weight shape checked against the configs. A model whose nodes each read the one before keeps no edge names.
    ///
    /// - Parameters:
    ///   - weights: The weights of a (non-input) layer, in Keras' variable order.
    ///   - metadata: Facts about the file for `Model.metadata`; `model_class` is added.
    /// - Throws: `BilinError`, without a file unless `weights` names one.
    static func model(config: KerasModelConfig, metadata: [String: String],
                      weights: (KerasLayerConfig) throws -> [Tensor]) throws -> Model {
        var layers: [LayerSpec] = []
        var shapes: [String: [Int]] = [:]
        for layer in config.layers {
            let inputShapes = layer.inputs.map { shapes[$0] }
            let spec = layer.name == config.inputName && layer.inputs.isEmpty
                ? LayerSpec(name: config.inputName, kind: .input(shape: config.inputShape))
                : try KerasLayerDecoder.layerSpec(layer, weights: weights(layer), input: inputShapes.first ?? nil)
            shapes[spec.name] = Model.outputShape(of: spec, reading: inputShapes)
            layers.append(spec)
        }
        var metadata = metadata
        metadata["model_class"] = config.className
        var model = Model(name: config.name, layers: layers, outputs: config.outputs, metadata: metadata)
        try model.checkGraph()
        model = KerasBilinearConvChain.fold(KerasBilinearChain.fold(model))
        if model.isChain {
            model.outputs = []
            for index in model.layers.indices { model.layers[index].inputs = [] }
        }
        try model.checkWeightShapes()
        return model
    }
}

extension Model {
    /// The output shape of `layer` when it reads nodes of these shapes (nil: unknown): `outputShapes()` of a model of
    /// stand-ins for its inputs and the layer, so that a whole graph's shapes cost time linear in its size.
    static func outputShape(of layer: LayerSpec, reading inputShapes: [[Int]?]) -> [Int]? {
        let standIns = inputShapes.enumerated().map { index, shape in
            LayerSpec(name: "input \(index)", kind: shape.map { .input(shape: $0) } ?? .opaque(className: "", config: ""))
        }
        var node = layer
        node.inputs = standIns.map(\.name)
        return Model(name: "", layers: standIns + [node]).outputShapes().last ?? nil
    }
}
