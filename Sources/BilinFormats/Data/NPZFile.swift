import BilinCore
internal import CBilinZlib
import Foundation
internal import ZIPFoundation

/// A NumPy `.npz` archive (a zip, stored or deflated, of `.npy` arrays) holding `x_train`, `y_train`, `x_test` and `y_test`.
enum NPZFile {
    /// The training and test splits' images and labels, unconverted.
    ///
    /// - Throws: `BilinError` naming `path` when it is not a zip, lacks one of the four arrays, or one is corrupt or unsupported.
    static func read(path: String) throws -> (train: StoredSplit, test: StoredSplit) {
        let url = URL(fileURLWithPath: path)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw BilinError("not a zip archive, which an .npz file is", file: path)
        }
        let keys = ["x_train", "y_train", "x_test", "y_test"]
        let entries = keys.map { archive[$0 + ".npy"] }
        let missing = zip(keys, entries).filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else {
            let present = archive.map { $0.path.hasSuffix(".npy") ? String($0.path.dropLast(4)) : $0.path }
            throw BilinError("has no array \(missing.joined(separator: ", ")) (it holds \(present.isEmpty ? "none" : present.joined(separator: ", "))); "
                             + "an .npz dataset needs x_train, y_train, x_test and y_test", file: path)
        }
        let archiveSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
        let arrays = try zip(keys, entries.compactMap { $0 }).map { key, entry in
            try NumPyArray.parse(contents(of: entry, in: archive, archiveSize: archiveSize, file: path, key: key), file: path, key: key)
        }
        return (train: StoredSplit(images: arrays[0], labels: arrays[1]), test: StoredSplit(images: arrays[2], labels: arrays[3]))
    }

    /// The decompressed bytes of `entry`, checked against the sizes and checksum the archive records.
    private static func contents(of entry: Entry, in archive: Archive, archiveSize: UInt64, file: String, key: String) throws -> [UInt8] {
        func failure(_ message: String) -> BilinError { BilinError("\(key): \(message)", file: file) }
        let declared = entry.uncompressedSize
        let (limit, overflow) = archiveSize.multipliedReportingOverflow(by: UInt64(GzipByteSource.maximumExpansion))
        guard overflow || declared <= limit, declared <= UInt64(Int.max) else {
            throw failure("\(entry.path) claims \(declared) bytes, more than this archive can hold")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(declared))
        do {
            // ZIPFoundation's own checksum is byte-by-byte Swift on Linux; zlib's below is many times faster.
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard bytes.count + chunk.count <= Int(declared) else { throw failure("\(entry.path) is longer than the archive records") }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as BilinError {
            throw error
        } catch {
            throw failure("\(entry.path) is corrupt in the archive (\(error))")
        }
        guard bytes.count == Int(declared) else { throw failure("\(entry.path) is shorter than the archive records") }
        let checksum = bytes.withUnsafeBufferPointer { CRC32(crc32_z(0, $0.baseAddress, z_size_t($0.count))) }
        guard checksum == entry.checksum else { throw failure("\(entry.path) is corrupt in the archive (checksum mismatch)") }
        return bytes
    }
}
