import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing
import ZIPFoundation

/// Bad input: one `Error: <file>: <what>` line on stderr, exit 1, no output file, the input untouched.
@Suite("bad input")
struct BadInputTests {
    /// Runs the tool on `model` (inside `folder`) and checks the failure contract; returns stderr.
    private func expectFailure(_ arguments: [String], in folder: TemporaryFolder, input: String) throws -> String {
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let contents = try folder.contents()
        let run = try ToolRun.run(arguments + ["--quiet"])
        #expect(run.status == 1)
        #expect(run.standardOutput.isEmpty)
        #expect(try folder.contents() == contents, "no output file may be left behind")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        return run.standardError
    }

    @Test("-o equal to the input")
    func outputIsInput() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let error = try expectFailure([model, "-o", folder.url.appendingPathComponent("./tiny_mlp.h5").path], in: folder, input: model)
        #expect(error == "Error: \(model): the output path is the input file; choose another -o\n")
    }

    @Test("a truncated HDF5 file")
    func truncated() throws {
        let folder = try TemporaryFolder()
        let model = folder.file("cut.h5")
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny_mlp.h5"))).prefix(5000).write(to: URL(fileURLWithPath: model))
        let error = try expectFailure([model], in: folder, input: model)
        #expect(error == "Error: \(model): truncated or corrupted HDF5 file (truncated file: eof = 5000, sblock->base_addr = 0, stored_eof = 1017912)\n")
    }

    @Test("a text file named .h5")
    func notHDF5() throws {
        let folder = try TemporaryFolder()
        let model = folder.file("text.h5")
        try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: model))
        #expect(try expectFailure([model], in: folder, input: model) == "Error: \(model): not an HDF5 file\n")
    }

    @Test("a .keras zip without its weights")
    func kerasWithoutWeights() throws {
        let folder = try TemporaryFolder()
        let model = folder.file("noweights.keras")
        let source = try Archive(url: URL(fileURLWithPath: Fixtures.path("tiny_mlp.keras")), accessMode: .read)
        let target = try Archive(url: URL(fileURLWithPath: model), accessMode: .create)
        for entry in source where entry.path != "model.weights.h5" {
            var bytes = Data()
            _ = try source.extract(entry) { bytes.append($0) }
            try target.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let error = try expectFailure([model], in: folder, input: model)
        #expect(error == "Error: \(model): not a Keras archive: it has no model.weights.h5\n")
    }

    @Test("a dataset folder with a file missing")
    func datasetFileMissing() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let data = folder.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: "/usr/share/datasets/fashion-mnist/\(name)", toPath: data.appendingPathComponent(name).path)
        }
        let error = try expectFailure([model, "--data", data.path, "--epochs", "1"], in: folder, input: model)
        #expect(error == "Error: \(data.path): missing train-images-idx3-ubyte (or train-images-idx3-ubyte.gz): an MNIST-format folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte\n")
    }

    @Test("a dataset whose images are the wrong size")
    func wrongImageSize() throws {
        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny_mlp.h5")
        let data = folder.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for split in ["train", "t10k"] {
            try idx(magic: 0x0803, dimensions: [2, 32, 32], payload: Data(count: 2 * 32 * 32))
                .write(to: data.appendingPathComponent("\(split)-images-idx3-ubyte"))
            try idx(magic: 0x0801, dimensions: [2], payload: Data([1, 2])).write(to: data.appendingPathComponent("\(split)-labels-idx1-ubyte"))
        }
        let error = try expectFailure([model, "--data", data.path], in: folder, input: model)
        #expect(error == "Error: \(data.appendingPathComponent("train-images-idx3-ubyte").path): images are 32×32 (1024 values) but the model takes 784\n")
    }

    @Test("a model with nothing to convert")
    func nothingToConvert() throws {
        let folder = try TemporaryFolder()
        var generator = SeededGenerator(seed: 1)
        let onlyHead = Model(name: "head", layers: [
            LayerSpec(name: "pixels", kind: .input(shape: [784])),
            LayerSpec(name: "logits", kind: .dense(units: 10, activation: .softmax, useBias: true), weights: [
                .glorotUniform(shape: [784, 10], fanIn: 784, fanOut: 10, using: &generator), Tensor(shape: [10]),
            ]),
        ])
        let head = folder.file("head.h5")
        try ModelIO.save(onlyHead, to: head)
        #expect(try expectFailure([head], in: folder, input: head)
            == "Error: \(head): nothing to convert: no Conv2D layer, and no Dense layer besides the last (--convert-last converts that one too)\n")

        var prime = onlyHead
        prime.layers.insert(LayerSpec(name: "hidden", kind: .dense(units: 97, activation: .relu, useBias: true), weights: [
            .glorotUniform(shape: [784, 97], fanIn: 784, fanOut: 97, using: &generator), Tensor(shape: [97]),
        ]), at: 1)
        prime.layers[2].weights[0] = .glorotUniform(shape: [97, 10], fanIn: 97, fanOut: 10, using: &generator)
        let primePath = folder.file("prime.h5")
        try ModelIO.save(prime, to: primePath)
        #expect(try expectFailure([primePath], in: folder, input: primePath)
            == "Error: \(primePath): nothing to convert: 'hidden' stays dense: output size 97 is prime: no useful matrix shape\n")

        // A classifier of prime width: --convert-last would not help, so it is not suggested.
        var primeHead = onlyHead
        primeHead.layers[1].kind = .dense(units: 7, activation: .softmax, useBias: true)
        primeHead.layers[1].weights = [.glorotUniform(shape: [784, 7], fanIn: 784, fanOut: 7, using: &generator), Tensor(shape: [7])]
        let primeHeadPath = folder.file("prime_head.h5")
        try ModelIO.save(primeHead, to: primeHeadPath)
        #expect(try expectFailure([primeHeadPath], in: folder, input: primeHeadPath)
            == "Error: \(primeHeadPath): nothing to convert: no Dense or Conv2D layer this tool can convert\n")
    }

    @Test("an argument mistake exits 64 with the reason, a negative scale too", arguments: ["0", "-1"])
    func badScale(scale: String) throws {
        let run = try ToolRun.run([Fixtures.path("tiny_mlp.h5"), "--scale", scale])
        #expect(run.status == 64)
        #expect(run.standardError.hasPrefix("Error: --scale must be at least 1\n"))
        let calibration = try ToolRun.run([Fixtures.path("tiny_mlp.h5"), "--calibration-examples", "0"])
        #expect(calibration.status == 64)
        #expect(calibration.standardError.hasPrefix("Error: --calibration-examples must be at least 1\n"))
    }

    /// An IDX file: magic, big-endian dimensions, then the bytes.
    private func idx(magic: UInt32, dimensions: [UInt32], payload: Data) -> Data {
        var data = Data()
        for word in [magic] + dimensions { withUnsafeBytes(of: word.bigEndian) { data.append(contentsOf: $0) } }
        return data + payload
    }
}
