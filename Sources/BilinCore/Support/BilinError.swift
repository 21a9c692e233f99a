import Foundation

/// The one error type users see: a one-line message, prefixed by the file it concerns.
///
/// Printed by the command line as `Error: <file>: <message>`.
public struct BilinError: Error, LocalizedError, Equatable, Sendable {
    public var file: String?
    public var message: String

    public init(_ message: String, file: String? = nil) {
        self.message = message
        self.file = file
    }

    /// This error with `file` filled in, unless it already names one.
    public func naming(file: String) -> BilinError {
        self.file == nil ? BilinError(message, file: file) : self
    }

    public var errorDescription: String? {
        if let file { "\(file): \(message)" } else { message }
    }
}
