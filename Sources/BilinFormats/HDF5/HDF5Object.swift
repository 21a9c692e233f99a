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
}
