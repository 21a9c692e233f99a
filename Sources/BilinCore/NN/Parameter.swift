/// A trainable tensor and the gradient of the loss with respect to it, keyed by `layer/weight` names.
public final class Parameter {
    /// Stable name, `<layer name>/<weight name>`; optimizer state is kept under it.
    public let key: String
    public var value: Tensor
    /// Written (not accumulated) by the backward pass of the layer that owns the parameter.
    public var gradient: Tensor

    public init(key: String, value: Tensor) {
        self.key = key
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }
}
