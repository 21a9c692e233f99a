import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing
import ZIPFoundation

/// Bad input gives one exact line naming the file, never a crash.
@Suite("ModelIO bad input")
struct ModelIOErrorTests {
    @Test("a missing file")
    func missing() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("absent.h5")
        #expect(throws: BilinError("no such file", file: path)) { try ModelIO.load(path: path) }
    }

    @Test("garbage bytes, by extension")
    func garbage() throws {
        let folder = try TemporaryFolder()
        let expectations = [
            "model.h5": "not an HDF5 file", "model.keras": "not a zip archive", "empty.h5": "not an HDF5 file",
            "model.bin": "not a model file this tool reads (no HDF5 or zip signature, and not named .h5, .keras or .onnx)",
        ]
        for (name, message) in expectations {
            let path = folder.file(name)
            try Data((name == "empty.h5" ? "" : "certainly not a model\n").utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: BilinError(message, file: path)) { try ModelIO.load(path: path) }
        }
    }

    @Test("a truncated .h5 file")
    func truncatedH5() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("truncated.h5")
        let original = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny_mlp.h5")))
        try original.prefix(4096).write(to: URL(fileURLWithPath: path))
        // The message in parentheses is HDF5 1.10's own.
        let message = "truncated or corrupted HDF5 file (truncated file: eof = 4096, sblock->base_addr = 0, stored_eof = \(original.count))"
        #expect(throws: BilinError(message, file: path)) { try ModelIO.load(path: path) }
    }

    @Test("a truncated .keras archive")
    func truncatedArchive() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("truncated.keras")
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny_mlp.keras"))).prefix(5000).write(to: URL(fileURLWithPath: path))
        #expect(throws: BilinError("not a zip archive", file: path)) { try ModelIO.load(path: path) }
    }

    @Test("a .keras archive without model.weights.h5 or without config.json")
    func incompleteArchive() throws {
        let folder = try TemporaryFolder()
        for (missing, present) in [("model.weights.h5", "config.json"), ("config.json", "model.weights.h5")] {
            let path = folder.file("no-\(missing).keras")
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            let bytes = Data("{}".utf8)
            try archive.addEntry(with: present, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
            #expect(throws: BilinError("not a Keras archive: it has no \(missing)", file: path)) { try ModelIO.load(path: path) }
        }
    }

    @Test("an HDF5 file without model_config, or without model_weights")
    func incompleteH5() throws {
        let folder = try TemporaryFolder()
        let weightsOnly = folder.file("weights-only.h5")
        try KerasFileWriting.writeH5(to: weightsOnly, modelConfig: nil, weights: [])
        #expect(throws: BilinError("no model_config attribute: not a full Keras model file (a weights-only file?)", file: weightsOnly)) {
            try ModelIO.load(path: weightsOnly)
        }
        let configOnly = folder.file("config-only.h5")
        let config = KerasFileWriting.sequentialConfig(inputShape: [3], layers: [("Flatten", #"{"name": "flatten"}"#)])
        try KerasFileWriting.writeH5(to: configOnly, modelConfig: config, weights: nil)
        #expect(throws: BilinError("no model_weights group: the file holds a model config but no weights", file: configOnly)) {
            try ModelIO.load(path: configOnly)
        }
    }

    @Test("a weight whose shape disagrees with the config")
    func shapeMismatch() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("mismatch.h5")
        let config = KerasFileWriting.sequentialConfig(inputShape: [3], layers: [("Dense", #"{"name": "dense", "units": 4}"#)])
        try KerasFileWriting.writeH5(to: path, modelConfig: config, weights: [
            ("dense", [("kernel", Tensor(shape: [3, 5])), ("bias", Tensor(shape: [4]))]),
        ])
        #expect(throws: BilinError("layer 'dense' (Dense): kernel has shape [3, 5], but the config implies [3, 4]", file: path)) {
            try ModelIO.load(path: path)
        }
    }

    @Test("a missing weight, an unknown activation, a config that is not JSON")
    func badConfigs() throws {
        let folder = try TemporaryFolder()
        let missingBias = folder.file("missing-bias.h5")
        try KerasFileWriting.writeH5(
            to: missingBias,
            modelConfig: KerasFileWriting.sequentialConfig(inputShape: [3], layers: [("Dense", #"{"name": "dense", "units": 4}"#)]),
            weights: [("dense", [("kernel", Tensor(shape: [3, 4]))])])
        #expect(throws: BilinError("layer 'dense' (Dense) has 1 weight, expected 2 (kernel, bias)", file: missingBias)) {
            try ModelIO.load(path: missingBias)
        }

        let unknownActivation = folder.file("activation.h5")
        try KerasFileWriting.writeH5(
            to: unknownActivation,
            modelConfig: KerasFileWriting.sequentialConfig(inputShape: [3], layers: [("Activation", #"{"name": "act", "activation": "swishy"}"#)]),
            weights: [("act", [])])
        #expect(throws: BilinError("layer 'act' has activation 'swishy', which this tool does not know", file: unknownActivation)) {
            try ModelIO.load(path: unknownActivation)
        }

        let notJSON = folder.file("not-json.h5")
        try KerasFileWriting.writeH5(to: notJSON, modelConfig: #"{"class_name": "Sequential", "config": {"#, weights: [])
        #expect(throws: BilinError("the model config is not valid JSON (invalid JSON at byte 40: expected a member name)", file: notJSON)) {
            try ModelIO.load(path: notJSON)
        }
    }
}
