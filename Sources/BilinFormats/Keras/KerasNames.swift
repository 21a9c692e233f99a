import BilinCore

/// Layer names a Keras file can hold. Keras 3 refuses a layer name with `/` (its weight paths are built from names)
/// and an empty one; other formats allow both (PyTorch's ONNX export names nodes `/b1_conv1/Conv`).
enum KerasNames {
    /// `names` with each one Keras refuses replaced: `/` becomes `_`, leading and trailing `_` are dropped, an empty
    /// result is `layer`, and `_2`, `_3`, … make it unique. Names Keras accepts stay as they are.
    static func sanitized(_ names: [String]) -> [String] {
        let isAccepted = { (name: String) in !name.isEmpty && !name.contains("/") }
        var used = Set(names.filter(isAccepted))
        return names.map { name in
            guard !isAccepted(name) else { return name }
            var base = String(name.map { $0 == "/" ? "_" : $0 })
            while base.hasPrefix("_") { base.removeFirst() }
            while base.hasSuffix("_") { base.removeLast() }
            return unique(base.isEmpty ? "layer" : base, among: &used)
        }
    }

    /// `base`, or `base_2`, `base_3`, … : the first not in `used`, which it joins.
    static func unique(_ base: String, among used: inout Set<String>) -> String {
        var candidate = base
        var suffix = 2
        while used.contains(candidate) {
            candidate = "\(base)_\(suffix)"
            suffix += 1
        }
        used.insert(candidate)
        return candidate
    }

    /// `model` with its layers renamed by `sanitized`, and its edges and outputs following them.
    static func renamed(_ model: Model) -> Model {
        let names = model.layers.map(\.name)
        let sanitized = sanitized(names)
        guard sanitized != names else { return model }
        let mapping = Dictionary(zip(names, sanitized), uniquingKeysWith: { first, _ in first })
        var renamed = model
        for index in renamed.layers.indices {
            renamed.layers[index].name = sanitized[index]
            renamed.layers[index].inputs = renamed.layers[index].inputs.map { mapping[$0] ?? $0 }
        }
        renamed.outputs = model.outputs.map { mapping[$0] ?? $0 }
        return renamed
    }
}
