import Foundation

/// A fresh folder under the system temporary directory, removed when the value is deinitialised.
public final class TemporaryFolder {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("bilin-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public var url: URL { URL(fileURLWithPath: path) }

    /// `path/name`.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The names of the files in the folder, sorted (hidden temporary files included).
    public func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    /// Copies `fixtures/<name>` here and returns the copy's path.
    public func copyFixture(_ name: String) throws -> String {
        try FileManager.default.copyItem(atPath: Fixtures.path(name), toPath: file(name))
        return file(name)
    }
}
