import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing
import ZIPFoundation

/// The real Fashion-MNIST files shipped on the development machines.
private let fashionMNIST = "/usr/share/datasets/fashion-mnist"

@Suite("DatasetLoader")
struct DatasetLoaderTests {
    // MARK: - Real data

    @Test("loads the Fashion-MNIST folder")
    func fashionMNISTFolder() throws {
        let dataset = try DatasetLoader.load(path: fashionMNIST, inputShape: [784])
        #expect(dataset.train.count == 60000 && dataset.test.count == 10000)
        #expect(dataset.train.featureCount == 784 && dataset.test.featureCount == 784)
        // First labels and the first training image's byte sum, read once with
        //   zcat train-labels-idx1-ubyte.gz | od -A d -t u1 -N 18   (labels start at byte 8)
        //   zcat t10k-labels-idx1-ubyte.gz | od -A d -t u1 -N 18
        //   zcat train-images-idx3-ubyte.gz | od -A n -t u1 -v -j 16 -N 784 | awk '{for(i=1;i<=NF;i++)s+=$i} END{print s}'
        #expect(Array(dataset.train.labels.prefix(10)) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        #expect(Array(dataset.test.labels.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        let firstImageSum = dataset.train.images.scalars.prefix(784).reduce(0.0) { $0 + Double($1) } * 255
        #expect(abs(firstImageSum - 76247) < 0.05)
        for split in [dataset.train, dataset.test] {
            #expect(split.images.scalars.min() == 0 && split.images.scalars.max() == 1)
        }
    }

    @Test("loads the numpy-written sample .npz (deflated, zip64 headers)")
    func numpySample() throws {
        let normalization = Normalization(mean: 0.2860, standardDeviation: 0.3530)
        let dataset = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), normalization: normalization, inputShape: [28, 28])
        #expect(dataset.train.count == 1000 && dataset.test.count == 256 && dataset.train.featureCount == 784)
        // The first 1000 / 256 Fashion-MNIST examples (fixtures/make_fixtures.py), so the same labels as above.
        #expect(Array(dataset.train.labels.prefix(10)) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        #expect(Array(dataset.test.labels.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        let black: Float = (0 - 0.2860) / 0.3530, white: Float = (1 - 0.2860) / 0.3530
        #expect(dataset.train.images.scalars.min() == black && dataset.train.images.scalars.max() == white)
    }

    // MARK: - IDX folders

    @Test("reads raw and gzip IDX files, scales by 1/255 and normalises")
    func idxFolder() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder, gzipped: ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
            let plain = try DatasetLoader.load(path: folder.path, inputShape: [2, 2])
            #expect(plain.train.images == Tensor(shape: [2, 4], scalars: pixels(count: 8).map { Float($0) / 255 }))
            #expect(plain.train.labels == [3, 1] && plain.test.labels == [7])
            #expect(plain.test.images == Tensor(shape: [1, 4], scalars: pixels(count: 4).map { Float($0) / 255 }))

            let normalised = try DatasetLoader.load(path: folder.path, normalization: Normalization(mean: 0.5, standardDeviation: 0.25), inputShape: [4])
            #expect(normalised.train.images.scalars == pixels(count: 8).map { (Float($0) / 255 - 0.5) / 0.25 })
        }
    }

    @Test("names the missing file of a folder")
    func missingFile() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder)
            try FileManager.default.removeItem(at: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
            #expect(throws: BilinError("missing t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz): an MNIST-format folder holds "
                                       + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte",
                                       file: folder.path)) {
                try DatasetLoader.load(path: folder.path, inputShape: [4])
            }
        }
    }

    @Test("rejects bad IDX files with one-line messages")
    func badIDX() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder)
            let images = folder.appendingPathComponent("train-images-idx3-ubyte")
            func expectError(_ bytes: [UInt8], _ message: String, file: URL? = nil) throws {
                try Data(bytes).write(to: file ?? images)
                #expect(throws: BilinError(message, file: (file ?? images).path)) {
                    try DatasetLoader.load(path: folder.path, inputShape: [4])
                }
                try writeMNISTFolder(folder)
            }
            try expectError(Array(idx(shape: [2, 2, 2], bytes: pixels(count: 8)).dropLast(4)),
                            "truncated: the header declares 2×2×2 = 8 bytes of data but only 4 follow")
            try expectError(idx(shape: [60000, 28, 28], bytes: pixels(count: 8)),
                            "truncated: the header declares 60000×28×28 = 47040000 bytes of data but only 8 follow")
            try expectError(idx(shape: [2, 2, 2], bytes: pixels(count: 9)),
                            "has more data than its header declares (2×2×2 = 8 bytes)")
            try expectError([0, 1, 8, 3] + idx(shape: [2, 2, 2], bytes: pixels(count: 8)).dropFirst(4),
                            "bad IDX magic 00 01 08 03: expected 00 00 08 and a dimension count")
            try expectError(gzip(idx(shape: [2, 2, 2], bytes: pixels(count: 8))),
                            "bad IDX magic 1f 8b 08 00: this is gzip data, so the name should end in .gz")
            try expectError([0, 0, 0x0D, 3] + idx(shape: [2, 2, 2], bytes: pixels(count: 8)).dropFirst(4),
                            "IDX element type 0x0d is not supported: only unsigned bytes (0x08) are")
            try expectError([0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
                            "the IDX header declares 4294967295×4294967295×4294967295 values, too many to hold")
            try expectError([0, 0, 8, 3, 0, 0, 0, 2], "truncated: the IDX header declares 3 dimensions but holds 1")
            try expectError([0, 0], "truncated: 2 bytes is too short for an IDX header")
            try expectError(idx(shape: [3], bytes: [1, 2, 3]), "has 3 labels but train-images-idx3-ubyte has 2 images",
                            file: folder.appendingPathComponent("train-labels-idx1-ubyte"))
            try expectError(idx(shape: [2, 2], bytes: [1, 2, 3, 4]), "labels must be class indices of shape count but have shape 2×2",
                            file: folder.appendingPathComponent("train-labels-idx1-ubyte"))
        }
    }

    @Test("rejects labels at or above the model's class count, when it is given")
    func labelRange() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder)
            #expect(try DatasetLoader.load(path: folder.path, inputShape: [4], classCount: 8).test.labels == [7])
            let labels = folder.appendingPathComponent("t10k-labels-idx1-ubyte").path
            #expect(throws: BilinError("label 7 at index 0 is out of range: the model has 7 classes (0 to 6)", file: labels)) {
                try DatasetLoader.load(path: folder.path, inputShape: [4], classCount: 7)
            }
        }
    }

    @Test("rejects images of the wrong size for the model")
    func wrongImageSize() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder)
            let images = folder.appendingPathComponent("train-images-idx3-ubyte.gz")
            try FileManager.default.removeItem(at: folder.appendingPathComponent("train-images-idx3-ubyte"))
            try Data(gzip(idx(shape: [2, 32, 32], bytes: pixels(count: 2048)))).write(to: images)
            #expect(throws: BilinError("images are 32×32 (1024 values) but the model takes 784", file: images.path)) {
                try DatasetLoader.load(path: folder.path, inputShape: [784])
            }
            #expect(throws: BilinError("images are 32×32 (1024 values) but the model takes 28×28 (784 values)", file: images.path)) {
                try DatasetLoader.load(path: folder.path, inputShape: [28, 28])
            }
        }
    }

    @Test("rejects corrupt and truncated gzip")
    func badGzip() throws {
        try withTemporaryFolder { folder in
            try writeMNISTFolder(folder, gzipped: ["train-images-idx3-ubyte"])
            let images = folder.appendingPathComponent("train-images-idx3-ubyte.gz")
            let good = gzip(idx(shape: [2, 2, 2], bytes: pixels(count: 8)))
            var badChecksum = good
            badChecksum[badChecksum.count - 8] ^= 0xFF
            for (bytes, message) in [(badChecksum, "corrupt gzip data: incorrect data check"),
                                     (Array(good.dropLast(12)), "truncated gzip data: the compressed stream ends early"),
                                     ([0x1F, 0x8B, 0x08, 0x00, 0x00], "truncated gzip data: the compressed stream ends early"),
                                     (Array("not gzip".utf8), "corrupt gzip data: incorrect header check")] {
                try Data(bytes).write(to: images)
                #expect(throws: BilinError(message, file: images.path)) {
                    try DatasetLoader.load(path: folder.path, inputShape: [4])
                }
            }
        }
    }

    // MARK: - npz

    @Test("reads .npz archives, stored and deflated, of every supported dtype")
    func npzArchive() throws {
        try withTemporaryFolder { folder in
            let stored = folder.appendingPathComponent("stored.npz")
            try writeNPZ(stored, [
                ("x_train", npy("|u1", shape: [2, 4], payload: pixels(count: 8))),
                ("y_train", npy("<i8", shape: [2], payload: littleEndian([Int64(3), 1]))),
                ("x_test", npy("<f4", shape: [1, 2, 2], payload: littleEndian([Float(0.5), -1, 2, 0.25].map(\.bitPattern)))),
                ("y_test", npy("<i4", shape: [1, 1], payload: littleEndian([Int32(7)]))),
            ])
            let dataset = try DatasetLoader.load(path: stored.path, inputShape: [4])
            #expect(dataset.train.images.scalars == pixels(count: 8).map { Float($0) / 255 })
            #expect(dataset.train.labels == [3, 1] && dataset.test.labels == [7])
            #expect(dataset.test.images.scalars == [0.5, -1, 2, 0.25])

            let deflated = folder.appendingPathComponent("deflated.NPZ")
            try writeNPZ(deflated, compression: .deflate, [
                ("x_train", npy("<f8", shape: [2, 4], payload: littleEndian((0..<8).map { Double($0).bitPattern }), version: 2)),
                ("y_train", npy("|u1", shape: [2], payload: [3, 1], version: 3)),
                ("x_test", npy("<u1", shape: [1, 4], payload: [0, 255, 0, 255])),
                ("y_test", npy("<i8", shape: [1], payload: littleEndian([Int64(7)]))),
            ])
            let normalization = Normalization(mean: 1, standardDeviation: 2)
            let normalised = try DatasetLoader.load(path: deflated.path, normalization: normalization, inputShape: [2, 2])
            #expect(normalised.train.images.scalars == (0..<8).map { (Float($0) - 1) / 2 })
            #expect(normalised.test.images.scalars == [-0.5, 0, -0.5, 0])
        }
    }

    @Test("rejects bad .npz archives with one-line messages")
    func badNPZ() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("data.npz")
            let good: [(String, Data)] = [
                ("x_train", npy("|u1", shape: [2, 4], payload: pixels(count: 8))),
                ("y_train", npy("<i8", shape: [2], payload: littleEndian([Int64(3), 1]))),
                ("x_test", npy("|u1", shape: [1, 4], payload: pixels(count: 4))),
                ("y_test", npy("|u1", shape: [1], payload: [7])),
            ]
            func expectError(replacing key: String, with array: Data?, _ message: String) throws {
                try? FileManager.default.removeItem(at: path)
                try writeNPZ(path, good.compactMap { $0.0 == key ? array.map { (key, $0) } : $0 })
                #expect(throws: BilinError(message, file: path.path)) {
                    try DatasetLoader.load(path: path.path, inputShape: [4])
                }
            }
            try expectError(replacing: "y_test", with: nil,
                            "has no array y_test (it holds x_train, y_train, x_test); an .npz dataset needs x_train, y_train, x_test and y_test")
            try expectError(replacing: "x_train", with: npy("<f2", shape: [2, 4], payload: pixels(count: 16)),
                            "x_train: unsupported dtype '<f2': images must be uint8, float32 or float64 and labels uint8, int32 or int64")
            try expectError(replacing: "x_train", with: npy(">f4", shape: [2, 4], payload: pixels(count: 32)),
                            "x_train: big-endian dtype '>f4' is not supported: save the array little-endian")
            try expectError(replacing: "x_train", with: npy("|u1", shape: [2, 4], payload: pixels(count: 8), fortranOrder: true),
                            "x_train: the array is stored in Fortran order; only C order is supported (save np.ascontiguousarray(array))")
            try expectError(replacing: "x_train", with: npy("<i4", shape: [2, 4], payload: pixels(count: 32)),
                            "x_train: images have dtype int32; expected uint8, float32 or float64")
            try expectError(replacing: "x_train", with: npy("|u1", shape: [2, 4], payload: pixels(count: 7)),
                            "x_train: truncated: shape 2×4 of uint8 needs 8 bytes of data but only 7 follow")
            try expectError(replacing: "x_train", with: Data("not numpy".utf8), "x_train: not a .npy array (bad magic)")
            try expectError(replacing: "x_train", with: npy("|u1", shape: [2, 2], payload: pixels(count: 4)),
                            "x_train: images are 2 values but the model takes 4")
            try expectError(replacing: "y_train", with: npy("<f4", shape: [2], payload: pixels(count: 8)),
                            "y_train: labels have dtype float32; expected uint8, int32 or int64")
            try expectError(replacing: "y_train", with: npy("<i8", shape: [2], payload: littleEndian([Int64(3), -1])),
                            "y_train: label -1 at index 1 is negative")
            try expectError(replacing: "y_train", with: npy("<i8", shape: [2], payload: littleEndian([Int64(3), 1 << 32])),
                            "y_train: label 4294967296 at index 1 is too large")
            try expectError(replacing: "y_train", with: npy("<i4", shape: [3], payload: littleEndian([Int32(3), 1, 2])),
                            "y_train: has 3 labels but x_train has 2 images")
            try expectError(replacing: "y_train", with: npy("|u1", shape: [2, 10], payload: pixels(count: 20)),
                            "y_train: labels must be class indices of shape count but have shape 2×10")

            try Data("not a zip".utf8).write(to: path)
            #expect(throws: BilinError("not a zip archive, which an .npz file is", file: path.path)) {
                try DatasetLoader.load(path: path.path, inputShape: [4])
            }
        }
    }

    // MARK: - Paths and options

    @Test("rejects unknown paths and formats")
    func badPaths() throws {
        try withTemporaryFolder { folder in
            let csv = folder.appendingPathComponent("data.csv")
            try Data("1,2".utf8).write(to: csv)
            #expect(throws: BilinError("unsupported dataset: expected a folder of MNIST-format IDX files or of train/ and test/ image folders, or an .npz file", file: csv.path)) {
                try DatasetLoader.load(path: csv.path, inputShape: [4])
            }
            #expect(throws: BilinError("the model's input shape [28, 0] is not a fixed image size")) {
                try DatasetLoader.load(path: folder.path, inputShape: [28, 0])
            }
            let absent = folder.appendingPathComponent("absent").path
            #expect(throws: BilinError("no such file or folder", file: absent)) {
                try DatasetLoader.load(path: absent, inputShape: [4])
            }
        }
    }

    @Test("parses MEAN,STD normalisation")
    func normalizationParsing() throws {
        #expect(try Normalization(parsing: "0.2860,0.3530") == Normalization(mean: 0.2860, standardDeviation: 0.3530))
        #expect(try Normalization(parsing: " -1 , 2e-1 ") == Normalization(mean: -1, standardDeviation: 0.2))
        for text in ["0.2860", "0.2,0.3,0.4", "a,b", "0.2;0.3", "nan,1", ""] {
            #expect(throws: BilinError("normalization must be MEAN,STD such as 0.2860,0.3530, got '\(text)'")) {
                try Normalization(parsing: text)
            }
        }
        #expect(throws: BilinError("normalization standard deviation must be positive, got '-0.5'")) {
            try Normalization(parsing: "0.2,-0.5")
        }
    }
}

// MARK: - Fixture writers

/// A fresh temporary folder for `body`, removed afterwards.
private func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let folder = try TemporaryFolder()
    try withExtendedLifetime(folder) { try body(folder.url) }
}

/// `count` distinct-looking pixel bytes.
private func pixels(count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
}

/// An IDX file of unsigned bytes.
private func idx(shape: [Int], bytes: [UInt8]) -> [UInt8] {
    [0, 0, 8, UInt8(shape.count)] + shape.flatMap { bigEndian(UInt32($0)) } + bytes
}

/// A small MNIST-format folder: two 2×2 training images labelled 3 and 1, one test image labelled 7.
/// Files named in `gzipped` are written gzip-compressed with a `.gz` name, the others raw.
private func writeMNISTFolder(_ folder: URL, gzipped: Set<String> = []) throws {
    let files = [
        ("train-images-idx3-ubyte", idx(shape: [2, 2, 2], bytes: pixels(count: 8))),
        ("train-labels-idx1-ubyte", idx(shape: [2], bytes: [3, 1])),
        ("t10k-images-idx3-ubyte", idx(shape: [1, 2, 2], bytes: pixels(count: 4))),
        ("t10k-labels-idx1-ubyte", idx(shape: [1], bytes: [7])),
    ]
    for (name, bytes) in files {
        if gzipped.contains(name) {
            try Data(gzip(bytes)).write(to: folder.appendingPathComponent(name + ".gz"))
        } else {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
    }
}

/// `bytes` as a gzip member of stored (uncompressed) deflate blocks, which any inflater reads.
private func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var result: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]
    var offset = 0
    repeat {
        let length = min(0xFFFF, bytes.count - offset)
        let isFinal: UInt8 = offset + length == bytes.count ? 1 : 0
        result += [isFinal] + littleEndian([UInt16(length), ~UInt16(length)]) + bytes[offset..<(offset + length)]
        offset += length
    } while offset < bytes.count
    return result + littleEndian([Data(bytes).crc32(checksum: 0), UInt32(truncatingIfNeeded: bytes.count)])
}

/// A `.npy` file: magic, version, header padded with spaces to a multiple of 64 bytes, then `payload`.
private func npy(_ descr: String, shape: [Int], payload: [UInt8], fortranOrder: Bool = false, version: UInt8 = 1) -> Data {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    let prefixLength = version == 1 ? 10 : 12
    header += String(repeating: " ", count: 63 - (prefixLength + header.utf8.count) % 64) + "\n"
    let length = version == 1 ? littleEndian([UInt16(header.utf8.count)]) : littleEndian([UInt32(header.utf8.count)])
    return Data([0x93] + Array("NUMPY".utf8) + [version, 0] + length + Array(header.utf8) + payload)
}

/// A zip of `key.npy` entries, as `np.savez` (stored) or `np.savez_compressed` (deflate) writes.
private func writeNPZ(_ url: URL, compression: CompressionMethod = .none, _ arrays: [(String, Data)]) throws {
    let archive = try Archive(url: url, accessMode: .create)
    for (key, data) in arrays {
        try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression) { position, size in
            data.subdata(in: Int(position)..<(Int(position) + size))
        }
    }
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian, Array.init)
}

private func littleEndian<Value: FixedWidthInteger>(_ values: [Value]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
}
