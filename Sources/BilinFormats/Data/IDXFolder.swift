import BilinCore
import Foundation

/// A folder holding the four MNIST-format IDX files, each raw or gzip-compressed with a `.gz` name.
enum IDXFolder {
    /// The training and test splits' images and labels, unconverted.
    ///
    /// - Throws: `BilinError` naming the folder when one of the four files is missing, or naming a file that is bad.
    static func read(folder: String) throws -> (train: StoredSplit, test: StoredSplit) {
        let paths = try ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
            .map { try locate($0, in: folder) }
        return (train: StoredSplit(images: try IDXFile.read(path: paths[0]), labels: try IDXFile.read(path: paths[1])),
                test: StoredSplit(images: try IDXFile.read(path: paths[2]), labels: try IDXFile.read(path: paths[3])))
    }

    /// The path of `name` in `folder`, or else of `name.gz`.
    private static func locate(_ name: String, in folder: String) throws -> String {
        let folderURL = URL(fileURLWithPath: folder, isDirectory: true)
        for candidate in [name, name + ".gz"] {
            let path = folderURL.appendingPathComponent(candidate).path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw BilinError("missing \(name) (or \(name).gz): an MNIST-format folder holds train-images-idx3-ubyte, "
                         + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte", file: folder)
    }
}
