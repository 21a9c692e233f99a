import BilinCore
import Foundation

/// A dataset kept as image files: `DIR/train/<class>/*` and `DIR/test/<class>/*`, PNG or JPEG (`.png`, `.jpg`,
/// `.jpeg`, any case; other files and hidden ones are ignored).
///
/// The class names of `train`, sorted, are the label ids 0, 1, …; `test` may hold only those classes. Within a split,
/// examples are ordered by file name and then by class, so that files numbered in their source's order (as
/// `scripts/write_image_folder.py` writes them) keep it.
struct ImageFolder {
    var classNames: [String]
    var train: [(path: String, label: Int32)]
    var test: [(path: String, label: Int32)]

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Whether `folder` has the `train` and `test` subfolders of this layout.
    static func matches(_ folder: String) -> Bool {
        ["train", "test"].allSatisfy { isFolder((folder as NSString).appendingPathComponent($0)) }
    }

    /// - Throws: `BilinError` naming the folder at fault when a split has no class folder or no image, or `test`
    ///   holds a class `train` does not.
    init(folder: String) throws {
        let trainFolder = (folder as NSString).appendingPathComponent("train")
        classNames = try Self.classFolders(in: trainFolder)
        let labels = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int32($0)) })
        train = try Self.examples(in: trainFolder, classes: classNames, labels: labels)
        let testFolder = (folder as NSString).appendingPathComponent("test")
        let testClasses = try Self.classFolders(in: testFolder)
        if let stranger = testClasses.first(where: { labels[$0] == nil }) {
            throw BilinError("class folder '\(stranger)' is not among the training classes (\(classNames.joined(separator: ", ")))", file: testFolder)
        }
        test = try Self.examples(in: testFolder, classes: testClasses, labels: labels)
    }

    private static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    private static func visibleEntries(of folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
        } catch {
            throw BilinError("cannot be listed", file: folder)
        }
    }

    /// The names of the class folders in `split`, sorted.
    private static func classFolders(in split: String) throws -> [String] {
        let classes = try visibleEntries(of: split).filter { isFolder((split as NSString).appendingPathComponent($0)) }.sorted()
        guard !classes.isEmpty else {
            throw BilinError("has no class folders: an image dataset holds train/<class>/*.png|jpg and test/<class>/*.png|jpg", file: split)
        }
        return classes
    }

    /// Every image of the class folders of `split`, ordered by file name, then class.
    private static func examples(in split: String, classes: [String], labels: [String: Int32]) throws -> [(path: String, label: Int32)] {
        var found: [(name: String, className: String, label: Int32)] = []
        for className in classes {
            let classFolder = (split as NSString).appendingPathComponent(className)
            for name in try visibleEntries(of: classFolder) where extensions.contains((name as NSString).pathExtension.lowercased()) {
                found.append((name, className, labels[className]!))
            }
        }
        guard !found.isEmpty else { throw BilinError("holds no .png, .jpg or .jpeg images", file: split) }
        found.sort { ($0.name, $0.className) < ($1.name, $1.className) }
        return found.map { ("\(split)/\($0.className)/\($0.name)", $0.label) }
    }
}
