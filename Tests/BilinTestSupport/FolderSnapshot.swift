import Foundation

/// Every file under a folder (hidden ones and those in subfolders included) with its bytes: equal snapshots before
/// and after a run show that it neither left a file behind nor changed one.
public struct FolderSnapshot: Equatable {
    public let files: [String: Data]

    public init(_ folder: String) throws {
        var files: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: folder])
        }
        for case let relative as String in enumerator {
            let path = (folder as NSString).appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        self.files = files
    }
}
