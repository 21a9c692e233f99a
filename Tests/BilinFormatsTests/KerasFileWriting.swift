import BilinCore
@testable import BilinFormats

/// Hand-made legacy Keras `.h5` files for bad-input tests, written with the HDF5 wrapper in the layout of
/// `KerasH5Importer`'s documentation.
enum KerasFileWriting {
    /// A file with root attribute `model_config` (when given) and, when `weights` is given, a `model_weights` group
    /// whose layer groups hold the weights at `<layer>/<name>`.
    static func writeH5(to path: String, modelConfig: String?, weights: [(layer: String, tensors: [(name: String, value: Tensor)])]?) throws {
        let file = try HDF5File.create(path: path)
        let root = try file.rootGroup()
        if let modelConfig { try root.writeAttribute("model_config", string: modelConfig) }
        if let weights {
            let weightsGroup = try root.makeGroup("model_weights")
            try weightsGroup.writeAttribute("layer_names", strings: weights.map(\.layer))
            for (layer, tensors) in weights {
                let group = try weightsGroup.makeGroup(layer)
                let names = tensors.map { "\(layer)/\($0.name)" }
                try group.writeAttribute("weight_names", strings: names)
                for (name, tensor) in zip(names, tensors) { try group.write(tensor.value, to: name) }
            }
        }
        try file.flush()
    }

    /// A Keras 3 Sequential config: an InputLayer of `inputShape`, then the given `(class_name, config)` layers.
    static func sequentialConfig(inputShape: [Int], layers: [(className: String, config: String)]) -> String {
        let input = #"{"class_name": "InputLayer", "config": {"batch_shape": [null, \#(inputShape.map(String.init).joined(separator: ", "))], "name": "x"}}"#
        let entries = [input] + layers.map { #"{"class_name": "\#($0.className)", "config": \#($0.config)}"# }
        return #"{"class_name": "Sequential", "config": {"name": "handmade", "layers": [\#(entries.joined(separator: ", "))]}}"#
    }
}
