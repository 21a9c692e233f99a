import BilinCore
internal import CHDF5

/// An open HDF5 group; closed in `deinit`.
///
/// Member paths are relative and may hold several `/`-separated components (`model/dense/kernel`).
final class HDF5Group: HDF5Object {
    let id: hid_t
    let file: String
    let path: String

    init(id: hid_t, file: String, path: String) {
        self.id = id
        self.file = file
        self.path = path
    }

    deinit { H5Gclose(id) }

    /// Whether a link exists at the relative `memberPath`, checking each component in turn (as `H5Lexists` needs).
    func contains(_ memberPath: String) -> Bool {
        let components = memberPath.split(separator: "/")
        guard !components.isEmpty else { return false }
        for depth in 1...components.count {
            let prefix = components.prefix(depth).joined(separator: "/")
            guard H5Lexists(id, prefix, bilin_h5p_default()) > 0 else { return false }
        }
        return true
    }

    /// The number of links (groups and datasets) directly in this group.
    func memberCount() throws -> Int {
        var info = H5G_info_t()
        try check(H5Gget_info(id, &info), "H5Gget_info(\"\(path)\")", file: file)
        return Int(info.nlinks)
    }

    /// Opens the existing group at `memberPath`.
    func group(_ memberPath: String) throws -> HDF5Group {
        let fullPath = self.memberPath(memberPath)
        let groupID = try check(H5Gopen2(id, memberPath, bilin_h5p_default()), "H5Gopen2(\"\(fullPath)\")", file: file)
        return HDF5Group(id: groupID, file: file, path: fullPath)
    }

    /// The group at `memberPath`, creating it and any missing groups on the way.
    func makeGroup(_ memberPath: String) throws -> HDF5Group {
        var group = self
        for component in memberPath.split(separator: "/").map(String.init) {
            if group.contains(component) {
                group = try group.group(component)
            } else {
                let fullPath = group.memberPath(component)
                let groupID = try check(
                    H5Gcreate2(group.id, component, bilin_h5p_default(), bilin_h5p_default(), bilin_h5p_default()),
                    "H5Gcreate2(\"\(fullPath)\")", file: file)
                group = HDF5Group(id: groupID, file: file, path: fullPath)
            }
        }
        return group
    }

    /// Opens the existing dataset at `memberPath`.
    func dataset(_ memberPath: String) throws -> HDF5Dataset {
        let fullPath = self.memberPath(memberPath)
        let datasetID = try check(H5Dopen2(id, memberPath, bilin_h5p_default()), "H5Dopen2(\"\(fullPath)\")", file: file)
        return HDF5Dataset(id: datasetID, file: file, path: fullPath)
    }

    /// Writes `tensor` as a new float32 dataset at `memberPath` (creating missing groups on the way), with the
    /// tensor's shape (a scalar dataspace for rank 0), contiguous and unfiltered, as h5py writes by default.
    func write(_ tensor: Tensor, to memberPath: String) throws {
        var components = memberPath.split(separator: "/").map(String.init)
        guard let name = components.popLast() else {
            throw BilinError("empty dataset name in group \"\(path)\"", file: file)
        }
        let parent = try makeGroup(components.joined(separator: "/"))
        let fullPath = parent.memberPath(name)
        let dimensions = tensor.shape.map { hsize_t($0) }
        let space = try check(
            tensor.rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(tensor.rank), dimensions, nil),
            "H5Screate(\"\(fullPath)\")", file: file)
        defer { H5Sclose(space) }
        // Native float is IEEE little-endian binary32 on every platform Swift runs on: h5py's `<f4`.
        let dataset = try check(
            H5Dcreate2(parent.id, name, bilin_h5t_native_float(), space,
                       bilin_h5p_default(), bilin_h5p_default(), bilin_h5p_default()),
            "H5Dcreate2(\"\(fullPath)\")", file: file)
        defer { H5Dclose(dataset) }
        guard tensor.count > 0 else { return }
        try tensor.scalars.withUnsafeBytes { buffer in
            _ = try check(H5Dwrite(dataset, bilin_h5t_native_float(), bilin_h5s_all(), bilin_h5s_all(), bilin_h5p_default(),
                               buffer.baseAddress),
                      "H5Dwrite(\"\(fullPath)\")", file: file)
        }
    }
}
