import BilinCore
import Foundation

/// Minimal `.npy` (format 1.0, little-endian float32, C order) reading and writing, for exchanging arrays with the
/// Python oracles. The product's own reader is `BilinFormats`' NPZ support; this one only serves the tests.
public enum NumPyFile {
    public static func write(_ tensor: Tensor, to path: String) throws {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.rank == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        // The magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64 bytes.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        tensor.scalars.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    public static func read(_ path: String) throws -> Tensor {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
            let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else { throw CocoaError(.fileReadCorruptFile) }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let payload = data[(10 + headerLength)...]
        let scalars = payload.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// Runs the Keras oracle (`Tests/oracle/keras_predict.py`) with the test venv's Python (`PythonOracle.python`).
public enum KerasOracle {
    public static var python: String { PythonOracle.python }

    /// Keras' predictions of each model file on `input`, all in one Keras start-up.
    public static func predictions(of models: [String], on input: Tensor, in folder: TemporaryFolder) throws -> [Tensor] {
        try PythonOracle.predictions(script: "keras_predict.py", of: models, on: input, in: folder)
    }
}

/// Runs an oracle script of `Tests/oracle` that takes `MODEL INPUT.npy OUTPUT.npy` triples, with the test venv's
/// Python (`BILIN_PYTHON`, set by `make test`; otherwise `.venv/bin/python`).
public enum PythonOracle {
    public static var python: String {
        ProcessInfo.processInfo.environment["BILIN_PYTHON"] ?? Fixtures.root.appendingPathComponent(".venv/bin/python").path
    }

    /// Runs `script` (a path from the repository's root) with `arguments`, and `environment` added to this process's.
    ///
    /// - Throws: `BilinError` with the script's stderr when it fails.
    public static func run(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.root.appendingPathComponent(script).path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BilinError("\(script) failed (\(process.terminationStatus)): \(message)")
        }
    }

    /// The script's predictions of each model file on `input`, all in one start-up.
    ///
    /// - Throws: `BilinError` with the script's one-line message when it fails.
    public static func predictions(script: String, of models: [String], on input: Tensor, in folder: TemporaryFolder) throws -> [Tensor] {
        let inputPath = folder.file("oracle-input.npy")
        try NumPyFile.write(input, to: inputPath)
        let outputs = models.indices.map { folder.file("oracle-output-\($0).npy") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.root.appendingPathComponent("Tests/oracle/\(script)").path]
            + zip(models, outputs).flatMap { [$0, inputPath, $1] }
        let error = Pipe()
        process.standardError = error
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BilinError("\(script) failed (\(process.terminationStatus)): \(message)")
        }
        return try outputs.map(NumPyFile.read)
    }
}
