import BilinCore
import Foundation

/// Loads a labelled dataset for fine-tuning and evaluation.
///
/// Two layouts are read:
/// - a folder with the four MNIST-format IDX files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
///   `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or gzip-compressed with a `.gz` name
///   (the raw one is used when both are there);
/// - an `.npz` file (`np.savez` or `np.savez_compressed`) with arrays `x_train`, `y_train`, `x_test` and `y_test`:
///   images uint8, float32 or float64, labels uint8, int32 or int64, little-endian and in C order.
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
            throw BilinError("unsupported dataset: expected a folder of MNIST-format IDX files or an .npz file", file: path)
        }
        return Dataset(train: try split(stored.train, inputShape: inputShape, normalization: normalization, classCount: classCount),
                       test: try split(stored.test, inputShape: inputShape, normalization: normalization, classCount: classCount))
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
