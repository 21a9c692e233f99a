import BilinCore
@testable import BilinFormats

/// Writes a well-formed HDF5 file in the legacy Keras layout whose contents come from fuzzer bytes, so that the
/// Keras layer above libhdf5 (config, layer and weight names, weight shapes) meets hostile values that raw bytes
/// would rarely reach through libhdf5's checksums and B-trees.
///
/// The bytes, read by `FuzzBytes`, in order:
///   model_config   string (UInt16 length), the root attribute; absent when empty
///   keras_version  string; absent when empty
///   layer_names    flag byte (bit 0: write it; bit 1: split it as layer_names0, layer_names1), then a string list
///   groups         count byte (≤ 8), each: a member path, a weight_names flag byte and string list, then a count
///                  byte (≤ 4) of datasets, each a member path, a rank byte (≤ 4) and a byte per dimension (≤ 8);
///                  values are the dataset's index.
public enum KerasH5Structure {
    /// Writes the file the bytes describe at `path`; false when HDF5 refuses it (such as a name HDF5 cannot hold).
    public static func write(_ bytes: [UInt8], to path: String) -> Bool {
        var input = FuzzBytes(bytes)
        do {
            let file = try HDF5File.create(path: path)
            let root = try file.rootGroup()
            let config = input.string(long: true)
            if !config.isEmpty { try root.writeAttribute("model_config", string: config) }
            let version = input.string()
            if !version.isEmpty { try root.writeAttribute("keras_version", string: version) }
            let weights = try root.makeGroup("model_weights")
            let layerFlags = input.byte()
            let layerNames = input.strings(limit: 8)
            if layerFlags & 1 != 0 {
                if layerFlags & 2 != 0 {
                    for (chunk, names) in [layerNames.prefix(1), layerNames.dropFirst()].enumerated() {
                        try weights.writeAttribute("layer_names\(chunk)", strings: Array(names))
                    }
                } else {
                    try weights.writeAttribute("layer_names", strings: layerNames)
                }
            }
            for _ in 0..<(input.byte() % 9) {
                let group = try weights.makeGroup(input.string())
                let writeNames = input.byte() & 1 != 0
                let weightNames = input.strings(limit: 4)
                if writeNames { try group.writeAttribute("weight_names", strings: weightNames) }
                for index in 0..<(input.byte() % 5) {
                    let memberPath = input.string()
                    let shape = (0..<(input.byte() % 5)).map { _ in Int(input.byte() % 9) }
                    guard !group.contains(memberPath) else { continue }
                    try group.write(Tensor(shape: shape, repeating: Float(index)), to: memberPath)
                }
            }
            try file.flush()
            return true
        } catch {
            return false
        }
    }
}
