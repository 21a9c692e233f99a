import BilinTestSupport
import Foundation
import Testing

/// One file (or dataset folder) of `fixtures/broken` and the one line the tool must print for it.
struct BrokenInput: CustomTestStringConvertible, Sendable {
    /// The model the tool reads: a file of `fixtures/broken`, or `fixtures/tiny_mlp.h5` for a dataset fault.
    var model: String
    /// The dataset (`--data`), a file or folder of `fixtures/broken`.
    var data: String?
    /// Files of `fixtures/broken` the model needs beside it (external data).
    var companions: [String] = []
    /// The path the message names, relative to the folder the inputs are copied to.
    var named: String
    var message: String

    var testDescription: String { data ?? model }

    /// A fault in a model; the message names the model unless `named` says otherwise.
    static func model(_ model: String, with companions: [String] = [], named: String? = nil, _ message: String) -> BrokenInput {
        BrokenInput(model: model, companions: companions, named: named ?? model, message: message)
    }

    /// A fault in a dataset for `tiny_mlp.h5` (784 inputs, 10 classes); the message names `named`, inside `data`.
    static func data(_ data: String, named: String? = nil, _ message: String) -> BrokenInput {
        BrokenInput(model: "tiny_mlp.h5", data: data, named: named.map { "\(data)/\($0)" } ?? data, message: message)
    }

    /// Copies the inputs into `folder` and returns the tool's arguments for them.
    func arguments(copyingInto folder: TemporaryFolder) throws -> [String] {
        try FileManager.default.copyItem(atPath: model == "tiny_mlp.h5" ? Fixtures.path(model) : BrokenInput.path(model),
                                         toPath: folder.file(model))
        for name in companions + [data].compactMap({ $0 }) {
            try FileManager.default.copyItem(atPath: BrokenInput.path(name), toPath: folder.file(name))
        }
        return [folder.file(model)] + (data.map { ["--data", folder.file($0)] } ?? [])
    }

    /// `fixtures/broken/<name>`.
    static func path(_ name: String) -> String { Fixtures.path("broken/\(name)") }
}

/// Every broken input of `fixtures/broken` (made by `make_broken_inputs.py`): one exact line on stderr, exit 1,
/// nothing written, inputs unchanged. The messages in parentheses after "HDF5 file" are HDF5 1.10's own.
@Suite("broken input corpus")
struct BrokenInputCorpusTests {
    static let hugeKernel = "declares shape [1000000, 1000000] of float32 values (4000000000000 bytes) but the file stores 0 bytes of it"
    static let needsFloat = "weights must be float16, float32 or float64"
    static let nonfinite = "holds 3 NaN or infinite values; --allow-nonfinite converts it anyway"

    static let keras3: [BrokenInput] = [
        .model("keras3_truncated.h5", "truncated or corrupted HDF5 file (truncated file: eof = 10528, sblock->base_addr = 0, stored_eof = 21056)"),
        .model("keras3_bitflip.h5", "the model config is not valid JSON (invalid JSON at byte 0: bad value)"),
        .model("keras3_magic.h5", "not an HDF5 file"),
        .model("keras3_empty.h5", "not an HDF5 file"),
        .model("keras3_huge.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" \(hugeKernel)"),
        // 2·10⁹ elements: under the 2³¹ cap this reader once had, which would have allocated 8 GB for it.
        .model("keras3_large.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" declares shape [50000, 40000] of float32 "
               + "values (8000000000 bytes) but the file stores 0 bytes of it"),
        .model("keras3_huge_compressed.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" declares shape [1000000, 1000000] "
               + "of float32 values (4000000000000 bytes), more than its 3898 bytes of compressed data can hold"),
        .model("keras3_external.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" keeps its data in other files, "
               + "which this tool does not read"),
        .model("keras3_int.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" holds int32 values; \(needsFloat)"),
        .model("keras3_string.h5", "dataset \"model_weights/dense_1/tiny_mlp/dense_1/kernel\" holds strings; \(needsFloat)"),
        .model("keras3_missing_weight.h5", "layer 'dense_1': weight 'tiny_mlp/dense_1/bias' is listed in weight_names but missing"),
        .model("keras3_mismatch.h5", "layer 'dense_1' (Dense): kernel has shape [16, 8], but the config implies [16, 5]"),
        .model("keras3_rank.h5", "layer 'dense_1' (Dense): kernel has shape [4, 4, 8], but the config implies [16, 8]"),
        .model("keras3_missing_layer.h5", "layer 'dense_2' (Dense) has no weights in the file, expected 2 (kernel, bias)"),
        .model("keras3_extra_layer.h5", "model_weights holds weights for layer 'dense_9', which the model config does not list"),
        .model("keras3_nan.h5", "layer 'logits' (Dense): kernel \(nonfinite)"),
        .model("keras3_huge_input.h5", "input 'pixels' has shape [null, 10000000, 10000000, 10000000], more than 2147483647 values per example"),
        .model("keras3_huge_reshape.h5", "layer 'reshape' (Reshape): target shape [10000000, 10000000, 10000000] does not hold the 16 values "
               + "of its input [16]"),
    ]

    static let keras2: [BrokenInput] = [
        .model("keras2_truncated.h5", "truncated or corrupted HDF5 file (truncated file: eof = 7720, sblock->base_addr = 0, stored_eof = 15440)"),
        .model("keras2_bitflip.h5", "the model config is not valid JSON (invalid JSON at byte 0: bad value)"),
        .model("keras2_huge.h5", "dataset \"model_weights/dense_1/dense_1/kernel:0\" \(hugeKernel)"),
        .model("keras2_int.h5", "dataset \"model_weights/dense_1/dense_1/kernel:0\" holds int32 values; \(needsFloat)"),
        .model("keras2_missing_weight.h5", "layer 'dense_1': weight 'dense_1/bias:0' is listed in weight_names but missing"),
        .model("keras2_mismatch.h5", "layer 'dense_1' (Dense): kernel has shape [16, 8], but the config implies [16, 5]"),
        .model("keras2_missing_layer.h5", "layer 'dense_2' (Dense) has no weights in the file, expected 2 (kernel, bias)"),
        .model("keras2_nan.h5", "layer 'logits' (Dense): kernel \(nonfinite)"),
    ]

    static let kerasArchive: [BrokenInput] = [
        .model("keras_truncated.keras", "not a zip archive"),
        .model("keras_bitflip.keras", "model.weights.h5 is corrupt in the archive (checksum mismatch)"),
        .model("keras_magic.keras", "not a zip archive"),
        .model("keras_empty.keras", "not a zip archive"),
        .model("keras_huge_entry.keras", "model.weights.h5 claims 4294967280 bytes, more than this archive can hold"),
        .model("keras_huge.keras", named: "keras_huge.keras (model.weights.h5)", "dataset \"layers/dense/vars/0\" \(hugeKernel)"),
        .model("keras_int.keras", named: "keras_int.keras (model.weights.h5)", "dataset \"layers/dense/vars/0\" holds int64 values; \(needsFloat)"),
        .model("keras_missing_weight.keras", "layer 'dense_1' (Dense) has 1 weight, expected 2 (kernel, bias)"),
        .model("keras_mismatch.keras", "layer 'dense_1' (Dense): kernel has shape [16, 8], but the config implies [16, 5]"),
        .model("keras_missing_layer.keras", "layer 'dense_2' (Dense) has no weights in the file, expected 2 (kernel, bias)"),
        .model("keras_nan.keras", "layer 'logits' (Dense): kernel \(nonfinite)"),
    ]

    static let onnx: [BrokenInput] = [
        .model("onnx_truncated.onnx", "not an ONNX model: the protobuf does not parse (truncated or not ONNX)"),
        .model("onnx_bitflip.onnx", "not an ONNX model: the protobuf does not parse (truncated or not ONNX)"),
        .model("onnx_magic.onnx", "not an ONNX model: the protobuf does not parse (truncated or not ONNX)"),
        .model("onnx_empty.onnx", "not an ONNX model: no IR version or no graph nodes"),
        .model("onnx_huge.onnx", "initializer 'w1' declares shape [1000000, 1000000] (4000000000000 bytes of data) but holds 512 bytes"),
        .model("onnx_float64.onnx", "initializer 'w1' is float64, not float32 (ONNX data type 11)"),
        .model("onnx_int64.onnx", "initializer 'w1' is int64, not float32 (ONNX data type 7)"),
        .model("onnx_string.onnx", "initializer 'w1' is string, not float32 (ONNX data type 8)"),
        .model("onnx_missing_weight.onnx", "node 'dense_2' (Gemm) reads 'w2', which no initializer, graph input or node provides"),
        .model("onnx_mismatch.onnx", "node 'dense_2' (Gemm): weight 'w2' of shape [7, 6] does not fit its input of 8 values"),
        .model("onnx_nan.onnx", "layer 'logits' (Dense): kernel \(nonfinite)"),
        .model("onnx_huge_input.onnx", "the graph input 'pixels' has shape [10000000, 10000000, 10000000], more than 2147483647 values per example"),
        // A Reshape that cannot hold its input is no layer this tool reads: the chain, and so the conversion, stops there.
        .model("onnx_huge_reshape.onnx", "nothing to convert: no Dense or Conv2D layer this tool can convert"),
        .model("ext_escape.onnx", with: ["good_ext.onnx.data"],
               "initializer 'w1': external data path '../good_ext.onnx.data' leaves the model's folder"),
        .model("ext_absolute.onnx", with: ["good_ext.onnx.data"], "initializer 'w1': external data path '/etc/passwd' leaves the model's folder"),
        .model("ext_missing.onnx", with: ["good_ext.onnx.data"], "initializer 'w1': external data file 'absent.onnx.data' does not exist"),
        .model("ext_short.onnx", with: ["good_ext.onnx.data"],
               "initializer 'w1': external data file 'good_ext.onnx.data' has 872 bytes, but the initializer needs bytes 772..<1284"),
        .model("ext_huge.onnx", with: ["good_ext.onnx.data"],
               "initializer 'w1': external data file 'good_ext.onnx.data' has 872 bytes, but the initializer needs bytes 0..<4000000000000"),
    ]

    static let idx: [BrokenInput] = [
        .data("idx_truncated", named: "train-images-idx3-ubyte", "truncated: the header declares 4×28×28 = 3136 bytes of data but only 3036 follow"),
        .data("idx_bitflip", named: "train-images-idx3-ubyte", "truncated: the header declares 5×28×28 = 3920 bytes of data but only 3136 follow"),
        .data("idx_gzip_bitflip", named: "train-images-idx3-ubyte.gz", "corrupt gzip data: incorrect data check"),
        .data("idx_magic", named: "train-images-idx3-ubyte", "bad IDX magic 00 01 08 03: expected 00 00 08 and a dimension count"),
        .data("idx_empty", named: "train-images-idx3-ubyte", "truncated: 0 bytes is too short for an IDX header"),
        .data("idx_huge", named: "train-images-idx3-ubyte",
              "truncated: the header declares 1000000×1000×1000 = 1000000000000 bytes of data but only 3136 follow"),
        .data("idx_dtype", named: "train-images-idx3-ubyte", "IDX element type 0x0d is not supported: only unsigned bytes (0x08) are"),
        .data("idx_image_size", named: "train-images-idx3-ubyte", "images are 32×32 (1024 values) but the model takes 784"),
        .data("idx_label_count", named: "train-labels-idx1-ubyte", "has 5 labels but train-images-idx3-ubyte has 4 images"),
        .data("idx_label_range", named: "train-labels-idx1-ubyte", "label 10 at index 2 is out of range: the model has 10 classes (0 to 9)"),
    ]

    static let npz: [BrokenInput] = [
        .data("npz_truncated.npz", "not a zip archive, which an .npz file is"),
        .data("npz_bitflip.npz", "x_train.npy is corrupt in the archive (checksum mismatch)"),
        .data("npz_magic.npz", "x_train: not a .npy array (bad magic)"),
        .data("npz_empty.npz", "not a zip archive, which an .npz file is"),
        .data("npz_huge.npz", "x_train: truncated: shape 1000000×1000000 of uint8 needs 1000000000000 bytes of data but only 3136 follow"),
        .data("npz_int.npz", "x_train: images have dtype int32; expected uint8, float32 or float64"),
        .data("npz_labels_float.npz", "y_train: labels have dtype float32; expected uint8, int32 or int64"),
        .data("npz_missing.npz", "has no array y_test (it holds x_train, y_train, x_test); an .npz dataset needs x_train, y_train, x_test and y_test"),
        .data("npz_image_size.npz", "x_train: images are 32×32 (1024 values) but the model takes 784"),
        .data("npz_label_count.npz", "y_train: has 5 labels but x_train has 4 images"),
        .data("npz_label_range.npz", "y_test: label 11 at index 1 is out of range: the model has 10 classes (0 to 9)"),
    ]

    @Test("one exact line, exit 1, nothing written, inputs unchanged", arguments: keras3 + keras2 + kerasArchive + onnx + idx + npz)
    func brokenInput(_ input: BrokenInput) throws {
        let folder = try TemporaryFolder()
        let arguments = try input.arguments(copyingInto: folder)
        try expectFailure(arguments, in: folder, message: "Error: \(folder.file(input.named)): \(input.message)\n")
    }

    @Test("every file of fixtures/broken is in a case")
    func corpusIsCovered() throws {
        let cases = Self.keras3 + Self.keras2 + Self.kerasArchive + Self.onnx + Self.idx + Self.npz
        let used = Set(cases.flatMap { [$0.model, $0.data].compactMap { $0 } + $0.companions })
            .union(Self.accepted.map(\.input)).union(Self.goodBases.map(\.input))
            .union(Self.nonfiniteWarnings.map(\.model)).union(["keras3_nan_converted.h5", "keras2_nan_converted.h5", "make_broken_inputs.py"])
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: BrokenInput.path("")))
        #expect(present.subtracting(used).sorted() == [])
    }

    // MARK: - What is accepted

    /// The good bases the faults are made from, each a model or (`isData`) a dataset for `tiny_mlp.h5`.
    static let goodBases: [(input: String, isData: Bool)] = [
        ("good_keras3.h5", false), ("good_keras2.h5", false), ("good.keras", false), ("good.onnx", false), ("good_ext.onnx", false),
        ("good_idx", true), ("good.npz", true),
    ]

    /// Float64 weights and images (converted to float32, as Keras' own loading casts them) and gzip-compressed weights.
    static let accepted: [(input: String, isData: Bool)] = [
        ("keras3_float64.h5", false), ("keras3_compressed.h5", false), ("npz_float64.npz", true),
    ]

    @Test("the good bases, float64 and compressed files convert", arguments: goodBases + accepted)
    func convertsCleanly(_ input: (input: String, isData: Bool)) throws {
        let folder = try TemporaryFolder()
        let model = input.isData ? try folder.copyFixture("tiny_mlp.h5") : folder.file(input.input)
        let companions = input.input == "good_ext.onnx" ? [input.input, "good_ext.onnx.data"] : [input.input]
        for name in companions { try FileManager.default.copyItem(atPath: BrokenInput.path(name), toPath: folder.file(name)) }
        let output = folder.file("converted." + (input.isData ? "h5" : URL(fileURLWithPath: input.input).pathExtension))
        let run = try ToolRun.run([model, "-o", output, "--quiet"] + (input.isData ? ["--data", folder.file(input.input)] : []))
        #expect(run.status == 0 && run.standardError.isEmpty, "\(run.standardError)")
        #expect(FileManager.default.fileExists(atPath: output))
    }

    // MARK: - Non-finite weights

    static let nonfiniteWarnings = [
        BrokenInput.model("keras3_nan.h5", "layer 'logits' (Dense): kernel holds 3 NaN or infinite values"),
        BrokenInput.model("keras2_nan.h5", "layer 'logits' (Dense): kernel holds 3 NaN or infinite values"),
        BrokenInput.model("keras_nan.keras", "layer 'logits' (Dense): kernel holds 3 NaN or infinite values"),
        BrokenInput.model("onnx_nan.onnx", "layer 'logits' (Dense): kernel holds 3 NaN or infinite values"),
    ]

    @Test("--allow-nonfinite: one warning per weight on stderr, then the conversion", arguments: nonfiniteWarnings)
    func nonfiniteAllowed(_ input: BrokenInput) throws {
        let folder = try TemporaryFolder()
        let model = try input.arguments(copyingInto: folder)[0]
        let run = try ToolRun.run([model, "--allow-nonfinite", "--quiet"])
        #expect(run.status == 0)
        #expect(run.standardError == "Warning: \(model): \(input.message)\n")
        let ext = URL(fileURLWithPath: model).pathExtension
        #expect(FileManager.default.fileExists(atPath: folder.file(URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent + ".bilinear.\(ext)")))
    }

    @Test("--allow-nonfinite still refuses to factorise a non-finite kernel", arguments: ["keras3_nan_converted.h5", "keras2_nan_converted.h5"])
    func nonfiniteKernelToConvert(_ name: String) throws {
        let folder = try TemporaryFolder()
        let model = try BrokenInput.model(name, "").arguments(copyingInto: folder)
        try expectFailure(model + ["--allow-nonfinite"], in: folder, message: "Error: \(model[0]): layer 'dense_2' (Dense): kernel holds 3 NaN or "
                          + "infinite values, but a layer to convert must be finite; leave it dense (--layers)\n")
        let run = try ToolRun.run(model + ["--allow-nonfinite", "--layers", "dense_1", "--quiet"])
        #expect(run.status == 0)
        #expect(run.standardError == "Warning: \(model[0]): layer 'dense_2' (Dense): kernel holds 3 NaN or infinite values\n")
    }

    // MARK: - External data through a symbolic link

    @Test("an external-data file that is a symbolic link out of the model's folder")
    func externalDataSymlink() throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        let model = folder.file("good_ext.onnx")
        try FileManager.default.copyItem(atPath: BrokenInput.path("good_ext.onnx"), toPath: model)
        try FileManager.default.copyItem(atPath: BrokenInput.path("good_ext.onnx.data"), toPath: outside.file("secret.data"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("good_ext.onnx.data"), withDestinationPath: outside.file("secret.data"))
        try expectFailure([model], in: folder, message: "Error: \(model): initializer 'w1': external data path 'good_ext.onnx.data' "
                          + "leaves the model's folder through a symbolic link\n")

        // A link that stays inside the folder is followed.
        try FileManager.default.removeItem(atPath: folder.file("good_ext.onnx.data"))
        try FileManager.default.moveItem(atPath: outside.file("secret.data"), toPath: folder.file("real.data"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("good_ext.onnx.data"), withDestinationPath: "real.data")
        #expect(try ToolRun.run([model, "--quiet"]).status == 0)
    }

    // MARK: - Memory

    /// Every hostile file that declares a tensor of 2·10⁹ to 10¹² elements over a few bytes of data.
    static let hostile = keras3.filter { ["keras3_huge.h5", "keras3_large.h5", "keras3_huge_compressed.h5"].contains($0.model) } + keras2.filter { $0.model == "keras2_huge.h5" }
        + kerasArchive.filter { $0.model == "keras_huge.keras" } + onnx.filter { $0.model.hasSuffix("_huge.onnx") }
        + idx.filter { $0.data == "idx_huge" } + npz.filter { $0.data == "npz_huge.npz" }

    /// The bound is a deterministic one: the tool refuses the file before allocating for it, so its peak is its
    /// baseline (about 40 MB in a debug build) whatever the machine's load.
    @Test("a file declaring billions of elements (up to 10¹²) is refused in under 100 MB", .enabled(if: PeakMemory.isAvailable),
          arguments: hostile)
    func peakMemory(_ input: BrokenInput) throws {
        let folder = try TemporaryFolder()
        let run = try PeakMemory.measure(input.arguments(copyingInto: folder) + ["--quiet"])
        #expect(run.status == 1)
        #expect(run.maximumResidentBytes < 100 << 20, "peak \(run.maximumResidentBytes >> 20) MB")
    }

    /// Runs the tool and checks the failure contract: exactly `message` on stderr, exit 1, nothing on stdout, and
    /// every file under `folder` as it was (nothing added, nothing changed).
    private func expectFailure(_ arguments: [String], in folder: TemporaryFolder, message: String) throws {
        let before = try FolderSnapshot(folder.path)
        let run = try ToolRun.run(arguments + ["--quiet"])
        #expect(run.status == 1)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError == message)
        #expect(try FolderSnapshot(folder.path) == before, "no output file may be left behind and no input changed")
    }
}
