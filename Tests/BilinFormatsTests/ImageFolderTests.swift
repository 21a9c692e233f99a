import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// Issue 20: image folders (`DIR/train/<class>/*`, `DIR/test/<class>/*`), decoded by libpng and libjpeg-turbo and
/// read a batch at a time.
@Suite("image folders")
struct ImageFolderTests {
    /// The first `train` and `test` Fashion-MNIST images as a PNG folder (`scripts/write_image_folder.py`).
    private func fashionFolder(train: Int, test: Int, in folder: TemporaryFolder) throws -> String {
        let path = folder.file("fashion")
        try PythonOracle.run("scripts/write_image_folder.py", ["--train", "\(train)", "--test", "\(test)", path])
        return path
    }

    /// The image cases of `Tests/oracle/write_images.py`, written by Pillow.
    private func imageCases(in folder: TemporaryFolder) throws -> TemporaryFolder {
        try PythonOracle.run("Tests/oracle/write_images.py", [folder.path])
        return folder
    }

    /// The oracle's synthetic pixel rule.
    private func pattern(_ row: Int, _ column: Int, _ channel: Int = 0) -> Float {
        Float((row * 7 + column * 3 + channel * 50) % 256)
    }

    /// `image` fitted to `layout`, in bytes 0…255.
    private func fitted(_ image: DecodedImage, _ layout: ImageLayout) -> [Float] {
        var output = [Float](repeating: .nan, count: layout.featureCount)
        output.withUnsafeMutableBufferPointer { layout.fill($0.baseAddress!, from: image, values: (0..<256).map(Float.init)) }
        return output
    }

    // MARK: - The folder layout

    @Test("a PNG folder written from the IDX files reads the same images and labels; class names sort into label ids")
    func sameAsIDX() throws {
        let folder = try TemporaryFolder()
        let path = try fashionFolder(train: 300, test: 100, in: folder)
        let loaded = try DatasetLoader.open(path: path, inputShape: [784], classCount: 10)
        #expect(loaded.classNames == ["0-t-shirt", "1-trouser", "2-pullover", "3-dress", "4-coat", "5-sandal", "6-shirt",
                                      "7-sneaker", "8-bag", "9-ankle-boot"])
        let idx = try DatasetLoader.load(path: "/usr/share/datasets/fashion-mnist", inputShape: [784])
        #expect(loaded.feed.train.count == 300 && loaded.feed.test.count == 100)
        #expect(loaded.feed.train.labels == Array(idx.train.labels.prefix(300)))
        #expect(loaded.feed.test.labels == Array(idx.test.labels.prefix(100)))
        #expect(try loaded.feed.train.images(in: 0..<300) == idx.train.images.rows(0..<300))
        #expect(try loaded.feed.test.images(at: [99, 0, 42]) == idx.test.images(at: [99, 0, 42]))
    }

    @Test("fine-tuning on the folder feeds the same batches as the same images in memory: bit-identical weights")
    func sameTraining() throws {
        let folder = try TemporaryFolder()
        let path = try fashionFolder(train: 200, test: 50, in: folder)
        let streamed = try DatasetLoader.open(path: path, inputShape: [784]).feed
        let inMemory = Dataset(train: try LabelledSplit(images: streamed.train.images(in: 0..<200), labels: streamed.train.labels),
                               test: try LabelledSplit(images: streamed.test.images(in: 0..<50), labels: streamed.test.labels))
        let options = TrainingOptions(epochs: 2, batchSize: 32, seed: 3)
        let model = TestModels.mlp(sizes: [784, 16, 10], activations: [.relu, .linear], seed: 1)
        let (a, b) = (try Network(model: model), try Network(model: model))
        let streamedRecords = try Trainer(options: options).fineTune(a, on: streamed, resumingFrom: nil, epochSaved: { _ in })
        let inMemoryRecords = Trainer(options: options).fineTune(b, on: inMemory)
        #expect(a.variables.map(\.value) == b.variables.map(\.value))
        #expect(streamedRecords.map(\.loss) == inMemoryRecords.map(\.loss))
        #expect(streamedRecords.map(\.testAccuracy) == inMemoryRecords.map(\.testAccuracy))
        #expect(streamedRecords.dropFirst().allSatisfy { $0.data != nil })
    }

    @Test("a test class that training lacks, an empty split, or too many classes are one-line errors naming the folder")
    func layoutErrors() throws {
        let folder = try TemporaryFolder()
        // The first 100 training images hold every class.
        let path = try fashionFolder(train: 100, test: 20, in: folder)
        try FileManager.default.createDirectory(atPath: "\(path)/test/z-extra", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(path)/test/9-ankle-boot/00.png", toPath: "\(path)/test/z-extra/00.png")
        #expect(throws: BilinError("class folder 'z-extra' is not among the training classes (0-t-shirt, 1-trouser, 2-pullover, 3-dress, 4-coat, 5-sandal, 6-shirt, 7-sneaker, 8-bag, 9-ankle-boot)", file: "\(path)/test")) {
            try DatasetLoader.open(path: path, inputShape: [784])
        }
        try FileManager.default.removeItem(atPath: "\(path)/test/z-extra")
        #expect(throws: BilinError("has 10 class folders but the model has 3 classes", file: path)) {
            try DatasetLoader.open(path: path, inputShape: [784], classCount: 3)
        }
        #expect(throws: BilinError("the model's input shape [10] is not an image: image folders need (H, W, 1 or 3), (1 or 3, H, W), (H, W) or a flat square size such as 784")) {
            try DatasetLoader.open(path: path, inputShape: [10])
        }
        let empty = folder.file("empty")
        for split in ["train/a", "test/a"] { try FileManager.default.createDirectory(atPath: "\(empty)/\(split)", withIntermediateDirectories: true) }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(empty)/train/a/notes.txt"))
        #expect(throws: BilinError("holds no .png, .jpg or .jpeg images", file: "\(empty)/train")) {
            try DatasetLoader.open(path: empty, inputShape: [784])
        }
    }

    // MARK: - Decoding and fitting

    @Test("PNG grey, RGB, RGBA and palette decode to Pillow's pixels; JPEG decodes as Pillow's libjpeg-turbo does")
    func decoding() throws {
        let cases = try imageCases(in: TemporaryFolder())
        let grey = try DecodedImage.read(path: cases.file("grey.png"), channels: 1)
        #expect(grey.pixels.map(Float.init) == (0..<28).flatMap { row in (0..<28).map { pattern(row, $0) } })
        #expect(try DecodedImage.read(path: cases.file("palette.png"), channels: 1).pixels == grey.pixels)
        let rgb = (0..<5).flatMap { row in (0..<6).flatMap { column in (0..<3).map { pattern(row, column, $0) } } }
        for name in ["rgb.png", "rgba.png"] {
            let image = try DecodedImage.read(path: cases.file(name), channels: 3)
            #expect((image.width, image.height, image.channels) == (6, 5, 3))
            #expect(image.pixels.map(Float.init) == rgb, "\(name)")
        }
        let photo = try DecodedImage.read(path: cases.file("photo.jpg"), channels: 3)
        #expect((photo.width, photo.height) == (20, 16))
        let pillow = try NumPyFile.read(cases.file("photo.jpg.npy"))
        #expect(photo.pixels.map(Float.init) == pillow.scalars)
    }

    @Test("another size is scaled to cover the input (bilinear) and centre-cropped; a flat or channels-first input is laid out by the rule")
    func fitting() throws {
        let cases = try imageCases(in: TemporaryFolder())
        let square = try ImageLayout(inputShape: [784])
        #expect(square == (try ImageLayout(inputShape: [28, 28, 1])))
        let expected = (0..<28).flatMap { row in (0..<28).map { pattern(row, $0) } }
        // Every 2×2 block of double.png is one pixel of grey.png, and the halving samples each block's centre.
        #expect(fitted(try DecodedImage.read(path: cases.file("double.png"), channels: 1), square) == expected)
        // 40 columns cover 28 at scale 1: columns 6 to 33 are kept.
        let wide = fitted(try DecodedImage.read(path: cases.file("wide.png"), channels: 1), square)
        #expect(wide == (0..<28).flatMap { row in (6..<34).map { pattern(row, $0) } })
        // Channels first: the planes one after the other.
        let planar = try ImageLayout(inputShape: [3, 5, 6])
        let rgb = fitted(try DecodedImage.read(path: cases.file("rgb.png"), channels: 3), planar)
        #expect(rgb == (0..<3).flatMap { channel in (0..<5).flatMap { row in (0..<6).map { pattern(row, $0, channel) } } })
        #expect(try ImageLayout(inputShape: [12]).channels == 3)
    }

    @Test("empty, non-image, truncated and corrupt files are one-line errors naming the file")
    func badImages() throws {
        let cases = try imageCases(in: TemporaryFolder())
        let png = try Data(contentsOf: URL(fileURLWithPath: cases.file("grey.png")))
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: cases.file("photo.jpg")))
        let bad: [(name: String, bytes: Data, message: String)] = [
            ("empty.png", Data(), "is empty, not an image"),
            ("text.png", Data("hello".utf8), "is neither a PNG nor a JPEG image"),
            ("cut.png", png.prefix(60), "corrupt PNG: read beyond end of data"),
            ("header.png", png.prefix(20), "corrupt PNG: read beyond end of data"),
            ("cut.jpg", jpeg.prefix(300), "corrupt JPEG: Premature end of JPEG file"),
            ("header.jpg", jpeg.prefix(4), "corrupt JPEG: Premature end of JPEG file"),
        ]
        for (name, bytes, message) in bad {
            try bytes.write(to: URL(fileURLWithPath: cases.file(name)))
            #expect(throws: BilinError(message, file: cases.file(name))) {
                try DecodedImage.read(path: cases.file(name), channels: 1)
            }
        }
        #expect(throws: BilinError("cannot be read", file: cases.file("missing.png"))) {
            try DecodedImage.read(path: cases.file("missing.png"), channels: 1)
        }
    }
}
