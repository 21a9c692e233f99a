/// The sample ships `Models/tiny_mlp.h5`; the plugin writes the converted model beside it.
public let modelPath = "Models/tiny_mlp.h5"
