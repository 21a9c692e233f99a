import BilinCore
import Foundation
internal import CHDF5

/// String attributes, read in every layout Keras files use and written as h5py 3 writes them.
///
/// Reading accepts a scalar or a 1-D array of either kind of HDF5 string:
/// - variable-length (h5py ≥ 3, Keras 3): each element a pointer to a NUL-terminated string, UTF-8 or ASCII;
/// - fixed-length (Keras 2 with older h5py, NumPy `S` arrays): `size` bytes per element, null-padded with no
///   terminator when the string fills the element.
/// The memory type is built to match the file type's size, padding and character set, or HDF5 refuses the read.
///
/// Writing uses variable-length UTF-8 strings, as h5py 3 writes a Python `str`.
extension HDF5Object {
    /// Whether the object has an attribute called `name`.
    func hasAttribute(_ name: String) throws -> Bool {
        try check(H5Aexists(id, name), "H5Aexists(\"\(path)\", \"\(name)\")", file: file) > 0
    }

    /// The strings of attribute `name`: one for a scalar, one per element for an array.
    ///
    /// An empty array of any type gives `[]`: h5py writes an empty Python list as a float64 array of length 0.
    /// - Throws: `BilinError` when the attribute is missing, is not a string, or cannot be read.
    func readStrings(attribute name: String) throws -> [String] {
        let call = "H5Aread(\"\(path)\", \"\(name)\")"
        let attribute = try check(H5Aopen(id, name, bilin_h5p_default()), "H5Aopen(\"\(path)\", \"\(name)\")", file: file)
        defer { H5Aclose(attribute) }
        let fileType = try check(H5Aget_type(attribute), call, file: file)
        defer { H5Tclose(fileType) }
        let space = try check(H5Aget_space(attribute), call, file: file)
        defer { H5Sclose(space) }
        let count = Int(try check(H5Sget_simple_extent_npoints(space), call, file: file))
        guard count > 0 else { return [] }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw BilinError("attribute \"\(name)\" of \"\(path)\" is not a string", file: file)
        }
        // Each string takes at least a byte of the file, so a count beyond its size is corruption, not data.
        let fileSize = try fileByteCount()
        guard count <= fileSize else {
            throw BilinError("attribute \"\(name)\" of \"\(path)\" claims \(count) strings, more than the file's \(fileSize) bytes hold",
                             file: file)
        }
        let memoryType = try check(H5Tcopy(bilin_h5t_c_s1()), call, file: file)
        defer { H5Tclose(memoryType) }
        try check(H5Tset_cset(memoryType, H5Tget_cset(fileType)), call, file: file)
        if try check(H5Tis_variable_str(fileType), call, file: file) > 0 {
            try check(H5Tset_size(memoryType, bilin_h5t_variable()), call, file: file)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Aread(attribute, memoryType, &pointers), call, file: file)
            defer { H5Dvlen_reclaim(memoryType, space, bilin_h5p_default(), &pointers) }
            return pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType)
        guard size > 0, let byteCount = [count, size].checkedProduct,
              byteCount <= fileSize else {
            throw BilinError("attribute \"\(name)\" of \"\(path)\" has a bad string size \(size)", file: file)
        }
        let padding = H5Tget_strpad(fileType)
        try check(H5Tset_size(memoryType, size), call, file: file)
        try check(H5Tset_strpad(memoryType, padding), call, file: file)
        var bytes = [UInt8](repeating: 0, count: byteCount)
        try check(H5Aread(attribute, memoryType, &bytes), call, file: file)
        return (0..<count).map { index in
            var element = bytes[(index * size)..<((index + 1) * size)]
            if let end = element.firstIndex(of: 0) { element = element[..<end] }
            if padding == H5T_STR_SPACEPAD { while element.last == 0x20 { element = element.dropLast() } }
            return String(decoding: element, as: UTF8.self)
        }
    }

    /// The single string of attribute `name`.
    func readString(attribute name: String) throws -> String {
        let strings = try readStrings(attribute: name)
        guard strings.count == 1 else {
            throw BilinError("attribute \"\(name)\" of \"\(path)\" holds \(strings.count) strings, expected 1", file: file)
        }
        return strings[0]
    }

    /// Writes `value` as a scalar variable-length UTF-8 string attribute.
    func writeAttribute(_ name: String, string value: String) throws {
        try writeStrings([value], isScalar: true, attribute: name)
    }

    /// Writes `values` as a 1-D array of variable-length UTF-8 strings, or, when empty, as h5py writes an empty
    /// Python list: a float64 array of length 0.
    func writeAttribute(_ name: String, strings values: [String]) throws {
        try writeStrings(values, isScalar: false, attribute: name)
    }

    private func writeStrings(_ values: [String], isScalar: Bool, attribute name: String) throws {
        let call = "H5Acreate2(\"\(path)\", \"\(name)\")"
        let type: hid_t
        if values.isEmpty {
            type = try check(H5Tcopy(bilin_h5t_native_double()), call, file: file)
        } else {
            type = try check(H5Tcopy(bilin_h5t_c_s1()), call, file: file)
            try check(H5Tset_size(type, bilin_h5t_variable()), call, file: file)
            try check(H5Tset_cset(type, H5T_CSET_UTF8), call, file: file)
        }
        defer { H5Tclose(type) }
        let space = try check(isScalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, [hsize_t(values.count)], nil),
                              call, file: file)
        defer { H5Sclose(space) }
        let attribute = try check(H5Acreate2(id, name, type, space, bilin_h5p_default(), bilin_h5p_default()), call, file: file)
        defer { H5Aclose(attribute) }
        guard !values.isEmpty else { return }
        let pointers = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        guard pointers.allSatisfy({ $0 != nil }) else { throw BilinError("out of memory writing attribute \"\(name)\"", file: file) }
        try check(H5Awrite(attribute, type, pointers), "H5Awrite(\"\(path)\", \"\(name)\")", file: file)
    }
}
