/// One layer entry of a Keras model config: `{"class_name": "Dense", "config": {"name": "dense_1", …}, …}`.
struct KerasLayerConfig {
    var className: String
    /// The layer name: the entry's `name`, else its config's.
    var name: String
    /// The entry's `config` object.
    var config: JSONValue
    /// The whole entry as the file has it, for layers carried verbatim.
    var entry: JSONValue
}
