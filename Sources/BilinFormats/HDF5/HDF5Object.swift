internal import CHDF5

/// A group or dataset of an open HDF5 file: something that carries attributes.
protocol HDF5Object: AnyObject {
    /// The open HDF5 id, closed by the conforming class's `deinit`.
    var id: hid_t { get }
    /// The file named in error messages.
    var file: String { get }
    /// The object's path inside the file (`""` for the root group), for error messages.
    var path: String { get }
}

extension HDF5Object {
    /// `path/name`, or `name` at the root: how messages name a member of this object.
    func memberPath(_ name: String) -> String {
        path.isEmpty ? name : "\(path)/\(name)"
    }

    /// The size in bytes of the file holding this object (of the image, for a file in memory): the most data any
    /// of its objects can store.
    func fileByteCount() throws -> Int {
        let fileID = try check(H5Iget_file_id(id), "H5Iget_file_id(\"\(path)\")", file: file)
        defer { H5Fclose(fileID) }
        var size: hsize_t = 0
        try check(H5Fget_filesize(fileID, &size), "H5Fget_filesize", file: file)
        return Int(clamping: size)
    }
}
