import BilinCore
import Foundation
internal import ZIPFoundation

/// Reads whole entries of a zip archive (stored or deflated), checked against the sizes and checksums it records.
struct ZipArchiveReader {
    /// Deflate expands its input at most about 1032 times: a bound on what an honest entry can claim.
    private static let maximumExpansion: UInt64 = 1032

    private let archive: Archive
    private let path: String
    private let archiveSize: UInt64

    /// Opens the archive at `path`.
    ///
    /// - Throws: `BilinError` "not a zip archive" naming `path`.
    init(path: String) throws {
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw BilinError("not a zip archive", file: path)
        }
        self.path = path
        archiveSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
    }

    /// The paths of all entries, in archive order.
    var entryPaths: [String] { archive.map(\.path) }

    /// The bytes of entry `entryPath`, or nil if the archive has no such entry.
    ///
    /// - Throws: `BilinError` naming the archive when the entry is corrupt or its sizes are impossible.
    func contents(of entryPath: String) throws -> [UInt8]? {
        guard let entry = archive[entryPath] else { return nil }
        func failure(_ message: String) -> BilinError { BilinError("\(entryPath) \(message)", file: path) }
        let declared = entry.uncompressedSize
        let (limit, overflow) = archiveSize.multipliedReportingOverflow(by: Self.maximumExpansion)
        guard overflow || declared <= limit, declared <= UInt64(Int.max) else {
            throw failure("claims \(declared) bytes, more than this archive can hold")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(declared))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: 1 << 20) { chunk in
                guard bytes.count + chunk.count <= Int(declared) else { throw failure("is longer than the archive records") }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as BilinError {
            throw error
        } catch {
            throw failure("is corrupt in the archive (\(error))")
        }
        guard bytes.count == Int(declared) else { throw failure("is shorter than the archive records") }
        guard checksum == entry.checksum else { throw failure("is corrupt in the archive (checksum mismatch)") }
        return bytes
    }
}
