@testable import BilinFormats
import FuzzSupport

// Keras model config JSON (an .h5's model_config, a .keras archive's config.json) → JSONParser and KerasModelConfig.
FuzzDriver.run { data, size in
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    FuzzDriver.expectBilinError { _ = try KerasModelConfig(text: text) }
    return 0
}
