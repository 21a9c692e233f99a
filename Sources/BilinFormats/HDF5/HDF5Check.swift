import BilinCore
internal import CHDF5

/// Turns a negative HDF5 return value (`herr_t`, `hid_t`, `htri_t`, `hssize_t`) into a `BilinError`.
///
/// The message names the failing call and adds HDF5's innermost error message, the most specific one:
/// `H5Dread("model_weights/dense/dense/kernel:0") failed: <HDF5 message>`.
///
/// - Parameters:
///   - status: The value the call returned; negative means failure.
///   - call: The call and the object it worked on, evaluated only on failure.
///   - file: The file the error concerns.
/// - Returns: `status`, so that ids can be checked where they are made.
@discardableResult
func check<Status: BinaryInteger>(_ status: Status, _ call: @autoclosure () -> String, file: String) throws -> Status {
    guard status < 0 else { return status }
    let detail = innermostHDF5ErrorMessage()
    throw BilinError(detail.isEmpty ? "\(call()) failed" : "\(call()) failed: \(detail)", file: file)
}

/// The description of the innermost error on this thread's HDF5 error stack, or "" when it is empty.
///
/// Read it before the next HDF5 call: every API call clears the stack.
func innermostHDF5ErrorMessage() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    bilin_h5_last_error(&buffer)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
