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

    /// `<file>: <message>`, always one line: control characters (a line break in a layer name read from a file)
    /// are written as Swift escapes such as `\n`.
    public var errorDescription: String? {
        let text = if let file { "\(file): \(message)" } else { message }
        return text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
}
