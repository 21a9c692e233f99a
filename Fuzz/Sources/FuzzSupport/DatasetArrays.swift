@testable import BilinFormats

/// The dataset readers below `DatasetLoader`, which are internal to BilinFormats: one array read and then converted
/// as `DatasetLoader` would, as images shaped like its own trailing dimensions (normalised) and as labels.
/// Like `DatasetLoader`, images are converted only for a model input shape of fixed, positive sizes.
public enum DatasetArrays {
    /// One IDX file, gzip-compressed when its name ends in `.gz`.
    public static func readIDX(path: String) throws {
        try convert(IDXFile.read(path: path))
    }

    /// One `.npy` array's bytes, as if it were `x_train` in an `.npz`.
    public static func readNPY(_ bytes: [UInt8]) throws {
        try convert(NumPyArray.parse(bytes, file: "fuzz.npz", key: "x_train"))
    }

    private static func convert(_ array: StoredArray) throws {
        let inputShape = Array(array.shape.dropFirst())
        if !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }), inputShape.checkedProduct != nil {
            _ = try? array.images(inputShape: inputShape, normalization: Normalization(mean: 0.5, standardDeviation: 0.25))
        }
        _ = try array.labels()
    }
}
