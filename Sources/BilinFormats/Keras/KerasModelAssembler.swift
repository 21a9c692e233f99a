import BilinCore

/// Builds a `Model` from a Keras model config and the weights of each layer, the part both Keras importers share.
enum KerasModelAssembler {
    /// The model: an input layer, each other layer decoded (`KerasLayerDecoder`), exported bilinear chains folded
    /// back (`KerasBilinearChain.fold`, then `KerasBilinearConvChain.fold`), and every weight shape checked against
    /// the configs.
    ///
    /// - Parameters:
    ///   - weights: The weights of a (non-input) layer, in Keras' variable order.
    ///   - metadata: Facts about the file for `Model.metadata`; `model_class` is added.
    /// - Throws: `BilinError`, without a file unless `weights` names one.
    static func model(config: KerasModelConfig, metadata: [String: String],
                      weights: (KerasLayerConfig) throws -> [Tensor]) throws -> Model {
        var layers = [LayerSpec(name: config.inputName, kind: .input(shape: config.inputShape))]
        for layer in config.layers where layer.className != "InputLayer" {
            // The shapes are recomputed per layer: quadratic, but a chain has tens of layers, not thousands.
            let input = Model(name: config.name, layers: layers).outputShapes().last ?? nil
            layers.append(try KerasLayerDecoder.layerSpec(layer, weights: weights(layer), input: input))
        }
        var metadata = metadata
        metadata["model_class"] = config.className
        let model = Model(name: config.name, layers: KerasBilinearConvChain.fold(KerasBilinearChain.fold(layers)), metadata: metadata)
        try model.checkWeightShapes()
        return model
    }
}
