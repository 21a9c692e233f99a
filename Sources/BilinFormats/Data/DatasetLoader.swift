import BilinCore
import Foundation

/// Loads a labelled dataset for fine-tuning and evaluation.
///
/// Three layouts are read:
/// - a folder with the four MNIST-format IDX files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
///   `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or gzip-compressed with a `.gz` name
///   (the raw one is used when both are there);
/// - an `.npz` file (`np.savez` or `np.savez_compressed`) with arrays `x_train`, `y_train`, `x_test` and `y_test`:
///   images uint8, float32 or float64, labels uint8, int32 or int64, little-endian and in C order.
///
/// - a folder of image files, `train/<class>/*` and `test/<class>/*` (`ImageFolder`, `ImageLayout`), or of four
///   `.npy` arrays `x_train.npy`, `y_train.npy`, `x_test.npy`, `y_test.npy` (`NumPyFolder`, memory-mapped): both
///   opened by `open` only, and read a batch at a time, never whole.
///
/// Integer images are divided by 255 and float images kept as they are; then `normalization` applies.
/// Each image is flattened row-major and must hold as many values as `inputShape`; labels are class indices, 0 or more
/// and below `classCount` when it is given.
public enum DatasetLoader {
    /// The training and test splits at `path`.
    ///
    /// - Parameters:
    ///   - inputShape: The model's input shape without the batch dimension, such as `[784]` or `[28, 28]`.
    ///   - classCount: The model's number of outputs, when known: every label must be below it.
    /// - Throws: `BilinError`, a one-line message naming the offending file, for any missing, unreadable or bad input.
    public static func load(path: String, normalization: Normalization? = nil, inputShape: [Int], classCount: Int? = nil) throws -> Dataset {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }), inputShape.checkedProduct != nil else {
            throw BilinError("the model's input shape \(inputShape) is not a fixed image size")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw BilinError("no such file or folder", file: path)
        }
        let stored: (train: StoredSplit, test: StoredSplit)
        if isFolder.boolValue {
            stored = try IDXFolder.read(folder: path)
        } else if path.lowercased().hasSuffix(".npz") {
            stored = try NPZFile.read(path: path)
        } else {
            throw BilinError("unsupported dataset: expected a folder of MNIST-format IDX files or of train/ and test/ image folders, or an .npz file", file: path)
        }
        return Dataset(train: try split(stored.train, inputShape: inputShape, normalization: normalization, classCount: classCount),
                       test: try split(stored.test, inputShape: inputShape, normalization: normalization, classCount: classCount))
    }

    /// The dataset at `path` as a feed: an image folder or a `.npy` folder streamed from its files, IDX files and
    /// `.npz` archives loaded whole.
    ///
    /// - Parameters:
    ///   - skipBadImages: decode every image of a folder first and leave out those that fail, instead of failing
    ///     with the first one read.
    /// - Throws: `BilinError`, a one-line message naming the offending file or folder.
    public static func open(
        path: String, normalization: Normalization? = nil, inputShape: [Int], classCount: Int? = nil, skipBadImages: Bool = false
    ) throws -> LoadedData {
        if NumPyFolder.matches(path) {
            return LoadedData(feed: try NumPyFolder.open(folder: path, inputShape: inputShape, normalization: normalization, classCount: classCount))
        }
        guard ImageFolder.matches(path) else {
            let dataset = try load(path: path, normalization: normalization, inputShape: inputShape, classCount: classCount)
            return LoadedData(feed: dataset.feed)
        }
        let layout = try ImageLayout(inputShape: inputShape)
        let folder = try ImageFolder(folder: path)
        if let classCount, folder.classNames.count > classCount {
            throw BilinError("has \(folder.classNames.count) class folders but the model has \(classCount) classes", file: path)
        }
        var train = ImageFolderSource(examples: folder.train, layout: layout, normalization: normalization)
        var test = ImageFolderSource(examples: folder.test, layout: layout, normalization: normalization)
        var skipped: [String] = []
        if skipBadImages {
            let checked = (train.withoutUnreadable(), test.withoutUnreadable())
            (train, test, skipped) = (checked.0.source, checked.1.source, checked.0.skipped + checked.1.skipped)
        }
        return LoadedData(feed: DataFeed(train: train, test: test), classNames: folder.classNames, skippedImages: skipped)
    }

    /// One split converted; it must have exactly one label per image.
    private static func split(_ stored: StoredSplit, inputShape: [Int], normalization: Normalization?, classCount: Int?) throws -> LabelledSplit {
        let images = try stored.images.images(inputShape: inputShape, normalization: normalization)
        let labels = try stored.labels.labels(classCount: classCount)
        guard labels.count == images.shape[0] else {
            throw stored.labels.error("has \(labels.count) labels but \(stored.images.displayName) has \(images.shape[0]) images")
        }
        return LabelledSplit(images: images, labels: labels)
    }
}
