import BilinCore
import Foundation
internal import CHDF5

/// An open HDF5 file, on disk or in memory; closed when the last reference goes away.
///
/// HDF5 keeps a file open until its last group or dataset is closed too, so handles opened from it may outlive
/// this object.
final class HDF5File {
    let id: hid_t
    /// The file named in error messages.
    let path: String

    private init(id: hid_t, path: String) {
        self.id = id
        self.path = path
    }

    deinit { H5Fclose(id) }

    /// Opens an existing file read-only.
    ///
    /// - Throws: `BilinError` "not an HDF5 file" when the HDF5 signature is missing, or "truncated or corrupted
    ///   HDF5 file" when it is there but HDF5 cannot open the file.
    static func open(path: String) throws -> HDF5File {
        silenceErrorPrinting()
        let id = H5Fopen(path, bilin_h5f_acc_rdonly(), bilin_h5p_default())
        guard id >= 0 else {
            let detail = innermostHDF5ErrorMessage()
            switch H5Fis_hdf5(path) {
            case ..<0: throw BilinError("H5Fopen failed: \(detail)", file: path)
            case 0: throw BilinError("not an HDF5 file", file: path)
            default: throw corruptionError(detail: detail, path: path)
            }
        }
        return HDF5File(id: id, path: path)
    }

    /// Opens an HDF5 file image held in memory (such as `model.weights.h5` taken out of a zip), read-only.
    ///
    /// - Parameter path: How messages name the image.
    static func open(image: [UInt8], path: String) throws -> HDF5File {
        silenceErrorPrinting()
        let access = try check(H5Pcreate(bilin_h5p_file_access()), "H5Pcreate", file: path)
        defer { H5Pclose(access) }
        try check(H5Pset_fapl_core(access, 1 << 16, false), "H5Pset_fapl_core", file: path)
        try image.withUnsafeBytes { buffer in
            // HDF5 copies the image and never writes through this pointer, so it need not be mutable or outlive the call.
            _ = try check(H5Pset_file_image(access, UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count),
                          "H5Pset_file_image", file: path)
        }
        let id = H5Fopen(path, bilin_h5f_acc_rdonly(), access)
        guard id >= 0 else {
            let detail = innermostHDF5ErrorMessage()
            guard image.starts(with: ModelFormat.hdf5Signature) else { throw BilinError("not an HDF5 file", file: path) }
            throw corruptionError(detail: detail, path: path)
        }
        return HDF5File(id: id, path: path)
    }

    /// Creates a file at `path`, replacing any file there.
    static func create(path: String) throws -> HDF5File {
        silenceErrorPrinting()
        let id = try check(H5Fcreate(path, bilin_h5f_acc_trunc(), bilin_h5p_default(), bilin_h5p_default()),
                           "H5Fcreate", file: path)
        return HDF5File(id: id, path: path)
    }

    /// Creates a file that lives only in memory; `image()` returns its bytes.
    ///
    /// - Parameter path: How messages name the file.
    static func createInMemory(path: String) throws -> HDF5File {
        silenceErrorPrinting()
        let access = try check(H5Pcreate(bilin_h5p_file_access()), "H5Pcreate", file: path)
        defer { H5Pclose(access) }
        try check(H5Pset_fapl_core(access, 1 << 16, false), "H5Pset_fapl_core", file: path)
        let id = try check(H5Fcreate(path, bilin_h5f_acc_trunc(), bilin_h5p_default(), access), "H5Fcreate", file: path)
        return HDF5File(id: id, path: path)
    }

    /// The root group `/`.
    func rootGroup() throws -> HDF5Group {
        try HDF5Group(id: check(H5Gopen2(id, "/", bilin_h5p_default()), "H5Gopen2(\"/\")", file: path), file: path, path: "")
    }

    /// Writes everything buffered to the file, so that write errors (a full disk) surface here and not in `deinit`.
    func flush() throws {
        try check(H5Fflush(id, H5F_SCOPE_GLOBAL), "H5Fflush", file: path)
    }

    /// The bytes of the whole file, as they would be on disk.
    func image() throws -> [UInt8] {
        try flush()
        let size = try check(H5Fget_file_image(id, nil, 0), "H5Fget_file_image", file: path)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try check(H5Fget_file_image(id, buffer.baseAddress, buffer.count), "H5Fget_file_image", file: path)
        }
        return bytes
    }

    /// HDF5 prints its error stack to stderr unless told not to; we report errors ourselves. The thread-safe build
    /// Debian ships keeps this switch per thread, so it is set again on every open, on the opening thread.
    private static func silenceErrorPrinting() {
        bilin_h5_silence_errors()
    }

    /// The error for a file that has the HDF5 signature but that HDF5 cannot open.
    private static func corruptionError(detail: String, path: String) -> BilinError {
        BilinError(detail.isEmpty ? "truncated or corrupted HDF5 file" : "truncated or corrupted HDF5 file (\(detail))", file: path)
    }
}
