import BilinCore

/// One layer as the Keras exporter writes it: its config-list entry and its weights.
struct KerasLayerEntry {
    /// What goes into the config's layer list.
    enum Body {
        /// A config object this tool wrote; the entry around it is built per file format.
        case fresh(config: JSONValue)
        /// A layer carried from a Keras source file: its entry object, written back verbatim.
        case carried(entry: JSONValue)
    }

    var className: String
    var name: String
    var body: Body
    /// Variable names (`kernel`, `bias`; the index for a carried layer) and values, in Keras' variable order.
    var weights: [(name: String, value: Tensor)]
}

extension KerasLayerEntry {
    /// A fresh entry with the config members Keras 3 needs for every layer (`name`, `trainable`, `dtype`) first.
    init(className: String, name: String, trainable: Bool = true, config members: [(key: String, value: JSONValue)],
         weights: [(name: String, value: Tensor)] = []) {
        let common: [(key: String, value: JSONValue)] = [("name", .string(name)), ("trainable", .bool(trainable)), ("dtype", .string("float32"))]
        self.init(className: className, name: name, body: .fresh(config: .object(common + members)), weights: weights)
    }

    /// A carried entry; its weights are named by their index, as `.keras` files name variables.
    init(className: String, name: String, carried entry: JSONValue, weights: [Tensor]) {
        self.init(className: className, name: name, body: .carried(entry: entry),
                  weights: weights.enumerated().map { (String($0.offset), $0.element) })
    }

    /// The entry for the config's layer list: `{"class_name", "config"}` in a legacy `.h5`, and with `module` and
    /// `registered_name` added in a `.keras` archive, as Keras 3 writes each.
    func entry(forArchive: Bool) -> JSONValue {
        switch body {
        case .carried(let entry):
            return entry
        case .fresh(let config):
            let core: [(key: String, value: JSONValue)] = [("class_name", .string(className)), ("config", config)]
            return forArchive ? .object([("module", .string("keras.layers"))] + core + [("registered_name", .null)]) : .object(core)
        }
    }
}
