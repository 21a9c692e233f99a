import BilinCore
import Foundation

/// Reads and writes a `Checkpoint` in a small versioned binary format of our own:
///
///     "BILINCKP"                      8 bytes
///     version                         UInt32, little-endian (1)
///     header length                   UInt64, little-endian
///     header                          UTF-8 JSON: fingerprint, epoch records, generator state (hex), step counts,
///                                     and the key and shape of every array that follows
///     parameters, by key              float32 each, little-endian
///     optimizer buffers, by key       float32 each
///     example order                   int64 each
///     CRC-32 of all the above         UInt32, little-endian
///
/// Why not HDF5, which the tool already writes: a checkpoint also holds 64-bit integers (the example order, the
/// generator state) and JSON, which the HDF5 wrapper has no writer for, and a format this plain is read with bounds
/// checks in one place, needs no libhdf5 error handling, and streams to disk through `OutputFile` without a second
/// copy in memory. The trailing CRC turns a torn or altered file into a clear error instead of wrong weights.
public enum CheckpointFile {
    public static let version: UInt32 = 1
    private static let magic = Array("BILINCKP".utf8)

    /// The JSON part: everything but the arrays' values.
    private struct Header: Codable {
        var fingerprint: [String: String]
        var records: [EpochRecord]
        var generator: String
        var steps: Int
        var optimizerSteps: Int
        var parameters: [Entry]
        var optimizerBuffers: [Entry]
        var exampleCount: Int
    }

    /// A key and the shape of its array; for optimizer buffers, one entry per buffer, in order.
    private struct Entry: Codable {
        var key: String
        var shape: [Int]
    }

    /// Writes `checkpoint` to `path` atomically.
    ///
    /// - Throws: `BilinError` naming `path` when it cannot be written; an earlier file at `path` is then intact.
    public static func write(_ checkpoint: Checkpoint, to path: String) throws {
        let state = checkpoint.state
        let parameterKeys = state.parameters.keys.sorted()
        let bufferKeys = state.optimizer.buffers.keys.sorted()
        let header = Header(
            fingerprint: checkpoint.fingerprint, records: state.records, generator: String(state.generator.state, radix: 16),
            steps: state.steps, optimizerSteps: state.optimizer.steps,
            parameters: parameterKeys.map { Entry(key: $0, shape: state.parameters[$0]!.shape) },
            optimizerBuffers: bufferKeys.flatMap { key in state.optimizer.buffers[key]!.map { Entry(key: key, shape: [$0.count]) } },
            exampleCount: state.order.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let headerBytes = Array(try encoder.encode(header))
        try AtomicFileWriter.write(to: path) { file in
            var checksum: UInt32 = 0
            func append(_ bytes: UnsafeRawBufferPointer) throws {
                checksum = Checksum.crc32(bytes, continuing: checksum)
                try file.write(bytes)
            }
            try magic.withUnsafeBytes(append)
            try withUnsafeBytes(of: version.littleEndian, append)
            try withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, append)
            try headerBytes.withUnsafeBytes(append)
            for key in parameterKeys { try state.parameters[key]!.scalars.withUnsafeBytes(append) }
            for key in bufferKeys { for buffer in state.optimizer.buffers[key]! { try buffer.withUnsafeBytes(append) } }
            try state.order.map { Int64($0) }.withUnsafeBytes(append)
            try withUnsafeBytes(of: checksum.littleEndian) { try file.write($0) }
        }
    }

    /// Reads the checkpoint at `path`, checking its signature, version, checksum and layout.
    ///
    /// - Throws: `BilinError` naming `path` for a missing, unreadable, foreign, newer, torn or altered file.
    public static func read(path: String) throws -> Checkpoint {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw BilinError(FileManager.default.fileExists(atPath: path) ? "cannot read the checkpoint" : "no such file", file: path)
        }
        var reader = ByteReader(data: data, path: path)
        guard data.count >= magic.count, Array(data.prefix(magic.count)) == magic else {
            throw BilinError("not a bilin-convert checkpoint", file: path)
        }
        reader.offset = magic.count
        let fileVersion = try reader.integer(UInt32.self)
        guard fileVersion == version else {
            throw BilinError("checkpoint format version \(fileVersion); this tool reads version \(version)", file: path)
        }
        guard data.count >= magic.count + 4 + 8 + 4 else { throw reader.damaged() }
        let stored = data.suffix(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard data.dropLast(4).withUnsafeBytes({ Checksum.crc32($0) }) == stored else { throw reader.damaged() }

        let headerLength = try reader.integer(UInt64.self)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard headerLength <= UInt64(data.count), let header = try? decoder.decode(Header.self, from: reader.bytes(Int(headerLength))),
              let generatorState = UInt64(header.generator, radix: 16) else { throw reader.damaged() }
        var parameters: [String: Tensor] = [:]
        for entry in header.parameters {
            parameters[entry.key] = Tensor(shape: entry.shape, scalars: try reader.values(Float.self, count: elementCount(entry.shape, reader)))
        }
        var buffers: [String: [[Float]]] = [:]
        for entry in header.optimizerBuffers {
            buffers[entry.key, default: []].append(try reader.values(Float.self, count: elementCount(entry.shape, reader)))
        }
        let order = try reader.values(Int64.self, count: header.exampleCount).map { Int($0) }
        guard reader.offset == data.count - 4 else { throw reader.damaged() }
        return Checkpoint(fingerprint: header.fingerprint, state: TrainingState(
            records: header.records, parameters: parameters, optimizer: OptimizerState(steps: header.optimizerSteps, buffers: buffers),
            generator: SeededGenerator(state: generatorState), order: order, steps: header.steps))
    }

    /// The number of values of an array of `shape`, refused when negative or absurd.
    private static func elementCount(_ shape: [Int], _ reader: ByteReader) throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { throw reader.damaged() }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw reader.damaged() }
            count = product
        }
        return count
    }
}

/// Reads a checkpoint's bytes front to back, refusing to read past the checksum.
private struct ByteReader {
    let data: Data
    let path: String
    var offset = 0

    func damaged() -> BilinError {
        BilinError("truncated or corrupted checkpoint", file: path)
    }

    mutating func bytes(_ count: Int) throws -> Data {
        guard count >= 0, count <= data.count - 4 - offset else { throw damaged() }
        defer { offset += count }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
    }

    mutating func integer<Value: FixedWidthInteger>(_ type: Value.Type) throws -> Value {
        try bytes(MemoryLayout<Value>.size).withUnsafeBytes { Value(littleEndian: $0.loadUnaligned(as: Value.self)) }
    }

    /// `count` little-endian values (the only byte order Swift's Linux and macOS platforms have, so no swap).
    mutating func values<Value>(_ type: Value.Type, count: Int) throws -> [Value] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Value>.stride)
        guard count >= 0, !overflow else { throw damaged() }
        let bytes = try bytes(byteCount)
        return [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = bytes.copyBytes(to: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}
