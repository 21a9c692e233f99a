import BilinCore
internal import CHDF5

/// An open HDF5 dataset; closed in `deinit`.
final class HDF5Dataset: HDF5Object {
    let id: hid_t
    let file: String
    let path: String

    /// Datasets above this many elements (8 GiB as `Float`) are refused rather than allocated: a corrupted header can
    /// claim any size.
    static let maximumElementCount = 1 << 31

    init(id: hid_t, file: String, path: String) {
        self.id = id
        self.file = file
        self.path = path
    }

    deinit { H5Dclose(id) }

    /// The dataset as a row-major `Tensor` with the dataset's shape (`[]` for a scalar).
    ///
    /// Any floating-point (float16, float32, float64) or integer type is converted to `Float` by HDF5.
    /// - Throws: `BilinError` for another element type, an oversized dataspace or a failed read.
    func read() throws -> Tensor {
        let type = try check(H5Dget_type(id), "H5Dget_type(\"\(path)\")", file: file)
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw BilinError("dataset \"\(path)\" does not hold numbers", file: file)
        }
        let space = try check(H5Dget_space(id), "H5Dget_space(\"\(path)\")", file: file)
        defer { H5Sclose(space) }
        let rank = Int(try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims(\"\(path)\")", file: file))
        var dimensions = [hsize_t](repeating: 0, count: rank)
        try check(H5Sget_simple_extent_dims(space, &dimensions, nil), "H5Sget_simple_extent_dims(\"\(path)\")", file: file)
        let shape = dimensions.map { Int(clamping: $0) }
        guard let count = StoredArray.checkedProduct(shape), count <= Self.maximumElementCount else {
            throw BilinError("dataset \"\(path)\" has an impossible shape \(shape)", file: file)
        }
        var scalars = [Float](repeating: 0, count: count)
        if count > 0 {
            try scalars.withUnsafeMutableBytes { buffer in
                _ = try check(H5Dread(id, bilin_h5t_native_float(), bilin_h5s_all(), bilin_h5s_all(), bilin_h5p_default(),
                                  buffer.baseAddress),
                          "H5Dread(\"\(path)\")", file: file)
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
