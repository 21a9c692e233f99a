import Foundation

/// Names inside a Keras 3 `.keras` zip, as `keras.saving.save_model` writes them (checked against Keras 3.15):
///
///     metadata.json       {"keras_version": "3.15.1", "date_saved": "2025-01-31@12:00:00"}
///     config.json         {"module": "keras", "class_name": "Sequential", "config": {…}, "registered_name": null,
///                          "build_config": {"input_shape": [null, …]}, "compile_config": null}
///     model.weights.h5    vars/                       (the model's own variables; attribute name = model name)
///                         layers/<path>/vars/0, 1, …  (one group per layer; attribute name = layer name)
///
/// `<path>` is not the layer name: it is the snake_case class name, made unique with `_1`, `_2`, … in the order of
/// `model.layers` (which leaves out a Sequential model's `InputLayer` but keeps a functional model's):
/// `dense`, `dense_1`, `einsum_dense`, `reshape`, `reshape_1`, …
enum KerasArchiveLayout {
    static let configEntry = "config.json"
    static let metadataEntry = "metadata.json"
    static let weightsEntry = "model.weights.h5"

    /// The weight-group paths (`layers/dense_1`) of layers with these class names, in `model.layers` order.
    static func layerPaths(classNames: [String]) -> [String] {
        var used: [String: Int] = [:]
        return classNames.map { className in
            let base = snakeCase(className)
            defer { used[base, default: -1] += 1 }
            guard let count = used[base] else { return "layers/\(base)" }
            return "layers/\(base)_\(count + 1)"
        }
    }

    /// Keras' `naming.to_snake_case`: drop non-word characters, then `_` before each capitalised word and between a
    /// lower-case letter and a capital (`EinsumDense` → `einsum_dense`, `Conv2D` → `conv2d`, `ReLU` → `re_lu`).
    static func snakeCase(_ name: String) -> String {
        var text = name.replacingOccurrences(of: "\\W+", with: "", options: .regularExpression)
        text = text.replacingOccurrences(of: "(.)([A-Z][a-z]+)", with: "$1_$2", options: .regularExpression)
        text = text.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression)
        return text.lowercased()
    }
}
