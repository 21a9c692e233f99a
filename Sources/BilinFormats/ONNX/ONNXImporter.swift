import BilinCore
import Foundation

/// Reads an ONNX model (`.onnx`, with any external-data side files beside it) into the IR.
///
/// The IR is the graph `ONNXLayerGraph` finds: an `.input` layer named after the graph input, with its shape without
/// the batch dimension, an image's channels last (`(N, 784)` → `[784]`; `(N, 1, 28, 28)` → `[28, 28, 1]`, read NCHW:
/// `Model.dataLayout` `.channelsFirst`; `(N, 28, 28, 1)` → `[28, 28, 1]` `.channelsLast` when a `Transpose(0,3,1,2)`
/// reads it), then every node in the graph's order: the known layers, each named after its main node (a dense layer
/// after its `Gemm` or `MatMul`, a bilinear one after its `MatMul(Uᵀ, ·)`, a convolution after its `Conv`), every
/// other node as an opaque layer. Activations stay separate layers. `Model.outputs` names the layers writing the
/// graph's outputs when that is not the last layer alone. Node names stay the file's (PyTorch's `/conv1/Conv`).
///
/// `Model.metadata`: `format` (`onnx`), `onnx_source` (the file's absolute path, which `ONNXExporter` re-reads to
/// carry everything else through), `onnx_opset`, `producer_name` when set. `Model.layerAliases` maps each weight
/// initializer's name to its layer, so that `--layers` accepts either.
public enum ONNXImporter {
    /// - Throws: `BilinError` naming `path`, a one-line message (see `ONNXModelFile.init(path:)`, `ONNXGraphIndex`).
    public static func importModel(from path: String) throws -> Model {
        let file = try ONNXModelFile(path: path)
        do {
            let graph = try ONNXGraphIndex(file)
            let layers = try ONNXLayerGraph(graph)
            let input = LayerSpec(name: graph.inputName, kind: .input(shape: layers.inputShape))
            var aliases: [String: String] = [:]
            for found in layers.layers {
                for weightName in found.weightNames where weightName != found.layer.name { aliases[weightName] = found.layer.name }
            }
            var metadata = ["format": "onnx", "onnx_source": URL(fileURLWithPath: path).standardizedFileURL.path,
                            "onnx_opset": String(graph.opset)]
            let producer = ONNXProtoMemory.text(file.model.pointee.producer_name)
            if !producer.isEmpty { metadata["producer_name"] = producer }
            let name = ONNXProtoMemory.text(file.graph.pointee.name)
            let model = Model(name: name.isEmpty ? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent : name,
                              layers: [input] + layers.layers.map(\.layer), outputs: layers.outputs, metadata: metadata,
                              layerAliases: aliases, dataLayout: layers.dataLayout)
            try model.checkGraph()
            try model.checkWeightShapes()
            return model
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }
}
