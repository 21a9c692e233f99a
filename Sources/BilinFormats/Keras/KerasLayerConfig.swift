/// One layer entry of a Keras model config, `{"class_name": "Dense", "config": {"name": "dense_1", …}, …}`, as a node
/// of the model's graph once nested models are inlined (`KerasModelConfig`).
struct KerasLayerConfig {
    var className: String
    /// The node name: the entry's `name` (else its config's), made unique when a nested model's layer repeats a name.
    var name: String
    /// The entry's `config` object.
    var config: JSONValue
    /// The whole entry as the file has it, for layers carried verbatim.
    var entry: JSONValue
    /// The names of the nodes this one reads, in call order (a merge's operands); empty for the input layer.
    var inputs: [String] = []
    /// Where its weights are: the name Keras gave it, and the path of its group in each file layout.
    var location = Location(kerasName: "", h5Group: "", archivePath: nil, isNested: false)

    /// Where a layer's weights are stored.
    struct Location {
        /// The layer's name inside its own (possibly nested) model: what weight names and `vars/@name` carry.
        var kerasName: String
        /// The `model_weights` group of a legacy `.h5` holding its weights: its own, or its outermost model's.
        var h5Group: String
        /// `layers/<path>` (or `layers/<outer>/layers/<inner>`) in a `.keras` archive's weights; nil where Keras saves
        /// none (a Sequential model's `InputLayer`).
        var archivePath: String?
        /// Whether the layer sits inside a nested model, so that its `.h5` group holds other layers' weights too.
        var isNested: Bool
    }
}
