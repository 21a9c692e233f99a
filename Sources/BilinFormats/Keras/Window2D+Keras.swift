import BilinCore

extension Window2D {
    /// The config members Keras gives a window: `size` (`kernel_size` or `pool_size`) `[height, width]`, `strides`
    /// and `padding`. `KerasLayerDecoder.window` reads them back.
    func kerasConfig(size: String) -> [(key: String, value: JSONValue)] {
        [(size, .integers([height, width])), ("strides", .integers([strideHeight, strideWidth])),
         ("padding", .string(padding.rawValue))]
    }
}
