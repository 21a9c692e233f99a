import BilinCore
import BilinFormats
import Foundation

/// What identifies a conversion run for `--resume`: the model file and the training data by content (so a moved
/// copy still matches), and every option of the request. Options are read by reflection, so one added later is
/// covered with no change here; paths are left out. Entries are named for the message that reports a difference.
enum RunFingerprint {
    typealias Entry = (name: String, value: String)

    /// The name of the training data's entry, known only once the data is loaded.
    static let dataEntryName = "training data"
    private static let modelEntryName = "model file"
    /// Request fields that are paths, fingerprinted by content or not at all, or expanded option by option.
    private static let unlistedFields: Set<String> = ["input", "output", "data", "checkpoint", "resume", "conversion", "training"]

    /// The model file's size and CRC-32, then every conversion, training and other option of `request`.
    static func entries(for request: ConvertRequest) throws -> [Entry] {
        let size = ((try? FileManager.default.attributesOfItem(atPath: request.input))?[.size] as? NSNumber)?.intValue ?? 0
        let model = (modelEntryName, "\(size) bytes, CRC-32 \(String(try Checksum.crc32(file: request.input), radix: 16))")
        return [model] + options(of: request.conversion, prefix: "conversion option ")
            + options(of: request.training, prefix: "training option ")
            + options(of: request, prefix: "option ").filter { !unlistedFields.contains(String($0.name.dropFirst("option ".count))) }
    }

    /// The training split's size and the CRC-32 of its values and labels (a streamed split is read once for it).
    static func entry(for train: any ExampleSource) throws -> Entry {
        var checksum: UInt32 = 0
        try train.forEachChunk { _, images in
            checksum = images.scalars.withUnsafeBytes { Checksum.crc32($0, continuing: checksum) }
        }
        checksum = train.labels.withUnsafeBytes { Checksum.crc32($0, continuing: checksum) }
        return (dataEntryName, "\(train.count) examples of \(train.featureCount) values, CRC-32 \(String(checksum, radix: 16))")
    }

    /// How `saved` differs from `expected` at the first entry of `expected` where it does, or `nil`.
    static func difference(saved: [String: String], expected: [Entry]) -> String? {
        guard let entry = expected.first(where: { saved[$0.name] != $0.value }) else { return nil }
        guard let old = saved[entry.name] else { return "it has no \(entry.name)" }
        switch entry.name {
        case modelEntryName, dataEntryName: return "the \(entry.name) is not the same"
        default: return "\(entry.name) is \(old) there, \(entry.value) here"
        }
    }

    /// One entry per stored property of `value`, optionals unwrapped.
    private static func options(of value: Any, prefix: String) -> [Entry] {
        Mirror(reflecting: value).children.compactMap { child in
            child.label.map { (prefix + $0, describe(child.value)) }
        }
    }

    private static func describe(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return String(describing: value) }
        return mirror.children.first.map { describe($0.value) } ?? "none"
    }
}
