import BilinCore
internal import CBilinZlib
import Foundation
internal import ZIPFoundation

/// Reads whole entries of a zip archive (stored or deflated), checked against the sizes and checksums it records.
struct ZipArchiveReader {
    private let archive: Archive
    private let path: String
    private let archiveSize: UInt64

    /// Opens the archive at `path`.
    ///
    /// The file must start with a local file header (or, empty, with the end record): ZIPFoundation finds entries
    /// from the central directory at the end, and would make a file with a broken start look like one without
    /// entries.
    /// - Throws: `BilinError` with `notAZip` (default "not a zip archive") naming `path`.
    init(path: String, notAZip: String = "not a zip archive") throws {
        let head = Self.firstBytes(of: path, count: 4)
        guard head == ModelFormat.zipSignature || head == [0x50, 0x4B, 0x05, 0x06] else {
            throw BilinError(notAZip, file: path)
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw BilinError(notAZip, file: path)
        }
        self.path = path
        archiveSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
    }

    /// Up to `count` bytes from the start of the file (none if it cannot be read).
    private static func firstBytes(of path: String, count: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: count)) ?? Data())
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
        let (limit, overflow) = archiveSize.multipliedReportingOverflow(by: UInt64(GzipByteSource.maximumExpansion))
        guard overflow || declared <= limit, declared <= UInt64(Int.max) else {
            throw failure("claims \(declared) bytes, more than this archive can hold")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(declared))
        do {
            // ZIPFoundation's own checksum is byte-by-byte Swift on Linux; zlib's below is many times faster.
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard bytes.count + chunk.count <= Int(declared) else { throw failure("is longer than the archive records") }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as BilinError {
            throw error
        } catch {
            throw failure("is corrupt in the archive (\(error))")
        }
        guard bytes.count == Int(declared) else { throw failure("is shorter than the archive records") }
        let checksum = bytes.withUnsafeBufferPointer { CRC32(crc32_z(0, $0.baseAddress, z_size_t($0.count))) }
        guard checksum == entry.checksum else { throw failure("is corrupt in the archive (checksum mismatch)") }
        return bytes
    }
}
