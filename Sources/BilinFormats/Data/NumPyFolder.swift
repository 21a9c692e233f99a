import BilinCore
import Foundation

/// A folder of four `.npy` arrays, `x_train.npy`, `y_train.npy`, `x_test.npy` and `y_test.npy` (as `np.save` writes
/// them; the same element types as an `.npz`). The image arrays are memory-mapped and read a batch at a time
/// (`MappedImages`), so they may be larger than memory; the labels are read whole.
enum NumPyFolder {
    static let names = ["x_train", "y_train", "x_test", "y_test"]

    /// Whether `folder` holds `x_train.npy`.
    static func matches(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("x_train.npy"))
    }

    /// - Throws: `BilinError` naming the folder when one of the four files is missing, or the file that is bad.
    static func open(folder: String, inputShape: [Int], normalization: Normalization?, classCount: Int?) throws -> DataFeed {
        let paths = try names.map { name in
            let path = (folder as NSString).appendingPathComponent(name + ".npy")
            guard FileManager.default.fileExists(atPath: path) else {
                throw BilinError("missing \(name).npy: a NumPy folder holds x_train.npy, y_train.npy, x_test.npy and y_test.npy", file: folder)
            }
            return path
        }
        func split(images: String, labels: String) throws -> MappedImages {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: labels))
            } catch {
                throw BilinError("cannot be read", file: labels)
            }
            let stored = try NumPyArray.parse([UInt8](data), file: labels, key: (labels as NSString).lastPathComponent)
            return try MappedImages(path: images, labels: stored.labels(classCount: classCount), labelFile: stored,
                                    inputShape: inputShape, normalization: normalization)
        }
        return DataFeed(train: try split(images: paths[0], labels: paths[1]), test: try split(images: paths[2], labels: paths[3]))
    }
}

/// The images of one memory-mapped `.npy` file, each batch's rows converted as `DatasetLoader` converts stored
/// arrays when it is read.
struct MappedImages: ExampleSource {
    private let data: Data
    private let dataStart: Int
    /// The array's header, with no data: converting rows borrows its shape, type and name.
    private let empty: StoredArray
    let labels: [Int32]
    private let inputShape: [Int]
    private let normalization: Normalization?
    let featureCount: Int

    var count: Int { labels.count }

    /// - Throws: `BilinError` naming `path` when it cannot be mapped, is not a `.npy` array the dataset rules accept,
    ///   or holds another number of images than `labelFile` has labels.
    init(path: String, labels: [Int32], labelFile: StoredArray, inputShape: [Int], normalization: Normalization?) throws {
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw BilinError("cannot be read", file: path)
        }
        let key = (path as NSString).lastPathComponent
        let (header, start) = try NumPyArray.layout(of: data, file: path, key: key)
        dataStart = start
        var empty = StoredArray(shape: header.shape, elementType: header.elementType, bytes: [], file: path, key: key)
        guard header.shape.count >= 2 else {
            throw empty.error("images must have shape count×… but have shape \(StoredArray.describe(header.shape))")
        }
        empty.shape[0] = 0
        // Converting no rows checks the image shape and element type now, before any batch.
        featureCount = try empty.images(inputShape: inputShape, normalization: normalization).shape[1]
        guard header.shape[0] == labels.count else {
            throw labelFile.error("has \(labels.count) labels but \(key) has \(header.shape[0]) images")
        }
        (self.empty, self.labels, self.inputShape, self.normalization) = (empty, labels, inputShape, normalization)
    }

    func images(at indices: [Int]) throws -> Tensor {
        let rowBytes = featureCount * empty.elementType.size
        var rows = [UInt8](repeating: 0, count: indices.count * rowBytes)
        data.withUnsafeBytes { file in
            rows.withUnsafeMutableBytes { target in
                for (row, index) in indices.enumerated() {
                    let source = UnsafeRawBufferPointer(rebasing: file[(dataStart + index * rowBytes)..<(dataStart + (index + 1) * rowBytes)])
                    UnsafeMutableRawBufferPointer(rebasing: target[(row * rowBytes)..<((row + 1) * rowBytes)]).copyMemory(from: source)
                }
            }
        }
        var batch = empty
        batch.shape[0] = indices.count
        batch.bytes = rows[...]
        return try batch.images(inputShape: inputShape, normalization: normalization)
    }
}
