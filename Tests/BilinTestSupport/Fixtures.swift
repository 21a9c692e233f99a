import Foundation

/// Paths of the repository's committed files, found from this source file's location.
public enum Fixtures {
    /// The repository root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `fixtures/<name>`.
    public static func path(_ name: String) -> String {
        root.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }
}
