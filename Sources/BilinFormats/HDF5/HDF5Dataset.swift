import BilinCore
internal import CHDF5

/// An open HDF5 dataset; closed in `deinit`.
final class HDF5Dataset: HDF5Object {
    let id: hid_t
    let file: String
    let path: String

    init(id: hid_t, file: String, path: String) {
        self.id = id
        self.file = file
        self.path = path
    }

    deinit { H5Dclose(id) }

    /// The dataset as a row-major `Tensor` with the dataset's shape (`[]` for a scalar).
    ///
    /// Floating-point values (float16, float32, float64) are converted to `Float` by HDF5; so are integers when
    /// `acceptingIntegers` (a layer this tool only carries may keep a counter). Nothing is allocated before the
    /// declared size is checked against the bytes the file stores for the dataset (`checkStorage`).
    /// - Throws: `BilinError` for another element type, a null dataspace, data kept outside the file, a declared
    ///   size the file cannot back, or a failed read.
    func read(acceptingIntegers: Bool = false) throws -> Tensor {
        let type = try check(H5Dget_type(id), "H5Dget_type(\"\(path)\")", file: file)
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || (acceptingIntegers && typeClass == H5T_INTEGER) else {
            throw BilinError("dataset \"\(path)\" holds \(Self.describe(type)); weights must be float16, float32 or float64",
                             file: file)
        }
        let space = try check(H5Dget_space(id), "H5Dget_space(\"\(path)\")", file: file)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_type(space) != H5S_NULL else {
            throw BilinError("dataset \"\(path)\" has no dataspace (an empty placeholder, not a weight)", file: file)
        }
        let rank = Int(try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims(\"\(path)\")", file: file))
        var dimensions = [hsize_t](repeating: 0, count: rank)
        try check(H5Sget_simple_extent_dims(space, &dimensions, nil), "H5Sget_simple_extent_dims(\"\(path)\")", file: file)
        let shape = dimensions.map { Int(clamping: $0) }
        guard let count = shape.checkedProduct,
              case (let declaredBytes, false) = count.multipliedReportingOverflow(by: H5Tget_size(type)) else {
            throw BilinError("dataset \"\(path)\" declares shape \(shape), too many values to address", file: file)
        }
        try checkStorage(declaredBytes: declaredBytes, shape: shape, typeName: Self.describe(type))
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

    /// Refuses a dataset whose declared size the file cannot back, before anything is allocated for it: unfiltered
    /// data must be stored in full inside the file, and filtered (compressed) data can expand at most
    /// `GzipByteSource.maximumExpansion` times. Data kept in other files (external storage, virtual datasets) is
    /// refused outright: a model file may not make the tool read elsewhere.
    private func checkStorage(declaredBytes: Int, shape: [Int], typeName: String) throws {
        let properties = try check(H5Dget_create_plist(id), "H5Dget_create_plist(\"\(path)\")", file: file)
        defer { H5Pclose(properties) }
        guard H5Pget_layout(properties) != H5D_VIRTUAL, H5Pget_external_count(properties) == 0 else {
            throw BilinError("dataset \"\(path)\" keeps its data in other files, which this tool does not read", file: file)
        }
        let filtered = H5Pget_nfilters(properties) > 0
        let stored = min(Int(clamping: H5Dget_storage_size(id)), try fileByteCount())
        let (expanded, overflow) = stored.multipliedReportingOverflow(by: filtered ? GzipByteSource.maximumExpansion : 1)
        guard overflow || declaredBytes <= expanded else {
            let declared = "dataset \"\(path)\" declares shape \(shape) of \(typeName) (\(declaredBytes) bytes)"
            throw BilinError(filtered ? "\(declared), more than its \(stored) bytes of compressed data can hold"
                                      : "\(declared) but the file stores \(stored) bytes of it", file: file)
        }
    }

    /// How messages name the values of an HDF5 type: `float64 values`, `int32 values`, `strings`, ….
    private static func describe(_ type: hid_t) -> String {
        let bits = H5Tget_size(type) * 8
        switch H5Tget_class(type) {
        case H5T_FLOAT: return "float\(bits) values"
        case H5T_INTEGER: return "\(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int")\(bits) values"
        case H5T_STRING: return "strings"
        case H5T_ENUM: return "enumerated values (booleans?)"
        case H5T_COMPOUND: return "compound records"
        default: return "values that are not numbers"
        }
    }
}
