import BilinCore

/// A NumPy `.npz` archive (a zip, stored or deflated, of `.npy` arrays) holding `x_train`, `y_train`, `x_test` and `y_test`.
enum NPZFile {
    /// The training and test splits' images and labels, unconverted.
    ///
    /// - Throws: `BilinError` naming `path` when it is not a zip, lacks one of the four arrays, or one is corrupt or unsupported.
    static func read(path: String) throws -> (train: StoredSplit, test: StoredSplit) {
        let archive = try ZipArchiveReader(path: path, notAZip: "not a zip archive, which an .npz file is")
        let keys = ["x_train", "y_train", "x_test", "y_test"]
        let contents = try keys.map { try archive.contents(of: $0 + ".npy") }
        let missing = zip(keys, contents).filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            let present = archive.entryPaths.map { $0.hasSuffix(".npy") ? String($0.dropLast(4)) : $0 }
            throw BilinError("has no array \(missing.joined(separator: ", ")) (it holds \(present.isEmpty ? "none" : present.joined(separator: ", "))); "
                             + "an .npz dataset needs x_train, y_train, x_test and y_test", file: path)
        }
        let arrays = try zip(keys, contents.compactMap { $0 }).map { key, bytes in try NumPyArray.parse(bytes, file: path, key: key) }
        return (train: StoredSplit(images: arrays[0], labels: arrays[1]), test: StoredSplit(images: arrays[2], labels: arrays[3]))
    }
}
