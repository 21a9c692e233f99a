import BilinCore
internal import CBilinZlib
import Foundation

/// The decompressed bytes of gzip data (several concatenated members allowed), inflated by zlib as they are read.
final class GzipByteSource: ByteSource {
    /// Deflate expands its input at most about 1032 times.
    static let maximumExpansion = 1032
    /// Output zlib may still hold back beyond what the remaining input alone could give.
    private static let pendingSlack = 1 << 16

    private let compressed: Data
    private let file: String
    private let stream: UnsafeMutablePointer<z_stream>
    private var inputOffset = 0
    private var finished = false

    /// - Throws: `BilinError` naming `file` if zlib cannot start.
    init(compressed: Data, file: String) throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard bilin_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            throw BilinError("cannot start gzip decompression", file: file)
        }
        self.compressed = compressed
        self.file = file
        self.stream = stream
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    var maximumRemaining: Int {
        if finished { return 0 }
        let remaining = compressed.count - inputOffset
        let limit = (Int.max - Self.pendingSlack) / Self.maximumExpansion
        return remaining > limit ? .max : remaining * Self.maximumExpansion + Self.pendingSlack
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < buffer.count && !finished {
            written += try compressed.withUnsafeBytes { input in
                try inflateStep(input: input, output: UnsafeMutableRawBufferPointer(rebasing: buffer[written...]))
            }
        }
        return written
    }

    /// One call of `inflate`, from the unread input into the front of `output`; returns the bytes it wrote.
    private func inflateStep(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws -> Int {
        let inputCount = min(input.count - inputOffset, Int(UInt32.max))
        let outputCount = min(output.count, Int(UInt32.max))
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.advanced(by: inputOffset).assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = UInt32(inputCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(outputCount)
        let status = inflate(stream, Z_NO_FLUSH)
        inputOffset += inputCount - Int(stream.pointee.avail_in)
        switch status {
        case Z_OK:
            break
        case Z_STREAM_END:
            if inputOffset < input.count {
                inflateReset(stream)
            } else {
                finished = true
            }
        case Z_BUF_ERROR:
            throw BilinError("truncated gzip data: the compressed stream ends early", file: file)
        case Z_MEM_ERROR:
            throw BilinError("out of memory while decompressing", file: file)
        default:
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw BilinError("corrupt gzip data: \(reason)", file: file)
        }
        return outputCount - Int(stream.pointee.avail_out)
    }
}
