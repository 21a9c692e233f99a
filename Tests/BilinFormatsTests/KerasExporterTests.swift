import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Foundation
import Testing
import ZIPFoundation

/// Export → import round trips, the layout of the written files, and export errors.
/// (Keras itself loading and running these files is checked in KerasConsumerTests.)
@Suite("KerasExporter")
struct KerasExporterTests {
    // MARK: - Round trips

    @Test("import → export → import keeps every layer, name and weight",
          arguments: ["tiny_mlp.h5", "tiny_functional.h5", "tiny_opaque.h5", "tiny_keras2.h5", "tiny_mlp.keras", "tiny_cnn.h5",
                     "tiny_cnn.keras", "fmnist_cnn.h5"], ["h5", "keras"])
    func roundTrip(fixture: String, outputExtension: String) throws {
        let folder = try TemporaryFolder()
        let original = try ModelIO.load(path: Fixtures.path(fixture))
        let path = folder.file("model.\(outputExtension)")
        try ModelIO.save(original, to: path)
        let reloaded = try ModelIO.load(path: path)
        #expect(reloaded.layers == original.layers)
        #expect(reloaded.name == original.name)
        #expect(reloaded.metadata["format"] == (outputExtension == "h5" ? "keras-h5" : "keras"))
        #expect(reloaded.metadata["model_class"] == "Sequential")
        #expect(try folder.contents() == ["model.\(outputExtension)"])
    }

    @Test("a bilinear layer is written as Reshape → EinsumDense → EinsumDense → Reshape (→ Activation) and read back as one",
          arguments: [Activation.relu, .linear], ["h5", "keras"])
    func bilinearRoundTrip(activation: Activation, outputExtension: String) throws {
        let folder = try TemporaryFolder()
        let model = Self.bilinearModel(activation: activation)
        let path = folder.file("bilinear.\(outputExtension)")
        try ModelIO.save(model, to: path)
        #expect(try ModelIO.load(path: path).layers == model.layers)
    }

    // MARK: - Layout

    @Test("the .h5 layout is Keras 3.15's legacy Sequential layout")
    func h5Layout() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("bilinear.h5")
        try KerasExporter.writeH5(Self.bilinearModel(activation: .relu), to: path)
        let root = try HDF5File.open(path: path).rootGroup()
        #expect(try root.readString(attribute: "keras_version") == "3.15.1")
        #expect(try root.readString(attribute: "backend") == "tensorflow")
        let config = try JSONValue(parsing: root.readString(attribute: "model_config"))
        #expect(config["class_name"]?.stringValue == "Sequential")
        #expect(config["config"]?["layers"]?.arrayValue?.compactMap { $0["class_name"]?.stringValue }
            == ["InputLayer", "Reshape", "EinsumDense", "EinsumDense", "Reshape", "Activation", "Dense"])
        #expect(config["config"]?["build_input_shape"]?.text == "[null, 12]")
        let weights = try root.group("model_weights")
        #expect(try weights.readStrings(attribute: "layer_names") == ["proj_in", "proj_v", "proj", "proj_out", "proj_act", "head"])
        #expect(try weights.readString(attribute: "keras_version") == "3.15.1")
        #expect(try weights.group("proj").readStrings(attribute: "weight_names") == ["bilin/proj/kernel", "bilin/proj/bias"])
        #expect(try weights.group("proj_v").readStrings(attribute: "weight_names") == ["bilin/proj_v/kernel"])
        #expect(try weights.group("proj_in").readStrings(attribute: "weight_names") == [])
        #expect(try weights.group("top_level_model_weights").readStrings(attribute: "weight_names") == [])
        #expect(try weights.dataset("proj/bilin/proj/kernel").read().shape == [3, 2])
        #expect(try weights.dataset("proj/bilin/proj/bias").read().shape == [2, 5])
        #expect(try weights.dataset("proj_v/bilin/proj_v/kernel").read().shape == [4, 5])
    }

    @Test("the .keras layout is Keras 3.15's zip layout")
    func archiveLayout() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("bilinear.keras")
        try KerasExporter.writeArchive(Self.bilinearModel(activation: .relu), to: path)
        let archive = try ZipArchiveReader(path: path)
        #expect(archive.entryPaths == ["metadata.json", "config.json", "model.weights.h5"])
        let config = try JSONValue(parsing: String(decoding: try #require(try archive.contents(of: "config.json")), as: UTF8.self))
        #expect(config["module"]?.stringValue == "keras" && config["class_name"]?.stringValue == "Sequential")
        #expect(config["build_config"]?.text == #"{"input_shape": [null, 12]}"#)
        #expect(config["config"]?["layers"]?.arrayValue?[1].text
            == #"{"module": "keras.layers", "class_name": "Reshape", "config": {"name": "proj_in", "trainable": true, "dtype": "float32", "target_shape": [3, 4]}, "registered_name": null}"#)
        let metadata = try JSONValue(parsing: String(decoding: try #require(try archive.contents(of: "metadata.json")), as: UTF8.self))
        #expect(metadata["keras_version"]?.stringValue == "3.15.1")
        let root = try HDF5File.open(image: try #require(try archive.contents(of: "model.weights.h5")), path: "weights").rootGroup()
        #expect(try root.group("vars").readString(attribute: "name") == "bilin")
        #expect(try root.group("layers/einsum_dense/vars").readString(attribute: "name") == "proj_v")
        #expect(try root.dataset("layers/einsum_dense/vars/0").read().shape == [4, 5])
        #expect(try root.dataset("layers/einsum_dense_1/vars/0").read().shape == [3, 2])
        #expect(try root.dataset("layers/einsum_dense_1/vars/1").read().shape == [2, 5])
        #expect(try root.group("layers/reshape_1/vars").readString(attribute: "name") == "proj_out")
        #expect(try root.dataset("layers/dense/vars/1").read().shape == [3])
    }

    // MARK: - Errors

    @Test("models Keras cannot take are refused with the reason, and an earlier file is left intact")
    func refusals() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("out.h5")
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: path))
        let good = Self.bilinearModel(activation: .relu)
        var noInput = good
        noInput.layers.removeFirst()
        var foreign = good
        foreign.layers.insert(LayerSpec(name: "gemm", kind: .opaque(className: "Gemm", config: "transB: 1")), at: 2)
        var slash = good
        slash.layers[2].name = "block/head"
        var clash = good
        clash.layers[2].name = "proj_in"
        var wrongShape = good
        wrongShape.layers[1].weights[2] = Tensor(shape: [10])
        let mismatch = Model(name: "m", layers: [
            LayerSpec(name: "x", kind: .input(shape: [3])),
            LayerSpec(name: "d3", kind: .dense(units: 3, activation: .linear, useBias: false), weights: [Tensor(shape: [3, 3])], inputs: ["x"]),
            LayerSpec(name: "d4", kind: .dense(units: 4, activation: .linear, useBias: false), weights: [Tensor(shape: [3, 4])], inputs: ["x"]),
            LayerSpec(name: "sum", kind: .merge(.add), inputs: ["d3", "d4"]),
        ])
        let cases: [(Model, String)] = [
            (noInput, "the model does not start with an input layer, which a Keras model needs"),
            (mismatch, "node 'sum' (Add) reads 'd3' of shape [3] and 'd4' of shape [4]; it needs inputs of one shape"),
            (foreign, "layer 'gemm' (Gemm) came from another format and cannot be written to a Keras file"),
            (slash, "layer name 'block/head' cannot be written to a Keras file (empty or containing '/')"),
            (clash, "two layers would be named 'proj_in' in the Keras file"),
            (wrongShape, "layer 'proj' (BilinearProjection): bias has shape [10], but the config implies [2, 5]"),
        ]
        for (model, message) in cases {
            for target in [path, folder.file("out.keras")] {
                #expect(throws: BilinError(message, file: target)) { try ModelIO.save(model, to: target) }
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "earlier")
        #expect(try folder.contents() == ["out.h5"])
        #expect(throws: BilinError("cannot tell the output format: name the file .h5, .keras or .onnx", file: folder.file("out.txt"))) {
            try ModelIO.save(good, to: folder.file("out.txt"))
        }
    }

    /// `x [12] → proj: bilinear (3×4 → 2×5) → head: Dense(3, softmax)` with seeded random weights.
    static func bilinearModel(activation: Activation) -> Model {
        var generator = SeededGenerator(seed: 42)
        let shape = BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 2, outputColumns: 5)
        return Model(name: "bilin", layers: [
            LayerSpec(name: "x", kind: .input(shape: [12])),
            LayerSpec(name: "proj", kind: .bilinear(shape, activation: activation), weights: [
                Reference.random([3, 2], using: &generator), Reference.random([4, 5], using: &generator),
                Reference.random([2, 5], using: &generator),
            ]),
            LayerSpec(name: "head", kind: .dense(units: 3, activation: .softmax, useBias: true), weights: [
                Reference.random([10, 3], using: &generator), Reference.random([3], using: &generator),
            ]),
        ])
    }
}
