import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Testing

/// Hand-made functional configs in the Keras 2 `inbound_nodes` form: graphs that read, and graphs refused with one
/// line naming the file and the node.
@Suite("Keras graph errors")
struct KerasGraphErrorTests {
    /// A functional config over input `a` of shape [3]: `(class_name, name, config members, inbound layer names)`.
    static func config(_ layers: [(className: String, name: String, members: String, inbound: [String])], outputs: [String]) -> String {
        let input = #"{"class_name": "InputLayer", "name": "a", "config": {"batch_input_shape": [null, 3], "name": "a"}, "inbound_nodes": []}"#
        let entries = layers.map { layer in
            let calls = layer.inbound.map { #"["\#($0)", 0, 0, {}]"# }.joined(separator: ", ")
            return #"{"class_name": "\#(layer.className)", "name": "\#(layer.name)", "config": {"name": "\#(layer.name)"\#(layer.members)}, "#
                + #""inbound_nodes": [[\#(calls)]]}"#
        }
        let endpoints = outputs.map { #"["\#($0)", 0, 0]"# }.joined(separator: ", ")
        return #"{"class_name": "Functional", "config": {"name": "graph", "layers": [\#(([input] + entries).joined(separator: ", "))], "#
            + #""input_layers": [["a", 0, 0]], "output_layers": [\#(endpoints)]}}"#
    }

    private func write(_ folder: TemporaryFolder, _ name: String, _ config: String,
                       weights: [(layer: String, tensors: [(name: String, value: Tensor)])] = []) throws -> String {
        let path = folder.file(name)
        try KerasFileWriting.writeH5(to: path, modelConfig: config, weights: weights)
        return path
    }

    @Test("a layer read by two others (fan-out) and listed out of order imports as a graph in topological order")
    func fanOut() throws {
        let folder = try TemporaryFolder()
        let path = try write(folder, "fan-out.h5", Self.config([
            ("Add", "sum", "", ["left", "right"]), ("Activation", "left", #", "activation": "relu""#, ["a"]),
            ("Activation", "right", #", "activation": "tanh""#, ["a"]),
        ], outputs: ["sum"]))
        let model = try ModelIO.load(path: path)
        #expect(model.layers.map(\.name) == ["a", "left", "right", "sum"])
        #expect(model.layers.map(\.inputs) == [[], ["a"], ["a"], ["left", "right"]] && model.outputs == ["sum"])
        #expect(model.consumerIndices()[0] == [1, 2])
    }

    @Test("a cycle, a dangling input, a merge whose inputs disagree, a shared layer: one line naming the node")
    func refused() throws {
        let folder = try TemporaryFolder()
        let cases: [(String, String, [(layer: String, tensors: [(name: String, value: Tensor)])])] = [
            (Self.config([("Flatten", "d1", "", ["d2"]), ("Flatten", "d2", "", ["d1"])], outputs: ["d2"]),
             "node 'd1' is on a cycle: it depends on its own output", []),
            (Self.config([("Flatten", "d1", "", ["d1"])], outputs: ["d1"]), "node 'd1' reads its own output (a cycle)", []),
            (Self.config([("Flatten", "d1", "", ["ghost"])], outputs: ["d1"]), "node 'd1' reads 'ghost', which no node writes", []),
            (Self.config([("Dense", "d3", #", "units": 3"#, ["a"]), ("Dense", "d4", #", "units": 4"#, ["a"]), ("Add", "sum", "", ["d3", "d4"])],
                         outputs: ["sum"]),
             "node 'sum' (Add) reads 'd3' of shape [3] and 'd4' of shape [4]; it needs inputs of one shape",
             [("d3", [("kernel", Tensor(shape: [3, 3])), ("bias", Tensor(shape: [3]))]),
              ("d4", [("kernel", Tensor(shape: [3, 4])), ("bias", Tensor(shape: [4]))])]),
            (Self.config([("Add", "sum", "", ["a"])], outputs: ["sum"]), "node 'sum' (Add) has 1 input; it needs two or more", []),
            (Self.config([("Flatten", "d1", "", ["a"])], outputs: ["ghost"]), "the model's output 'ghost' is not a node", []),
        ]
        for (index, (config, message, weights)) in cases.enumerated() {
            let path = try write(folder, "case\(index).h5", config, weights: weights)
            #expect(throws: BilinError(message, file: path)) { try ModelIO.load(path: path) }
        }
        let shared = Self.config([("Flatten", "d1", "", ["a"])], outputs: ["d1"])
            .replacingOccurrences(of: #""inbound_nodes": [[["a", 0, 0, {}]]]"#, with: #""inbound_nodes": [[["a", 0, 0, {}]], [["a", 0, 0, {}]]]"#)
        let path = try write(folder, "shared.h5", shared)
        #expect(throws: BilinError("layer 'd1' is called 2 times (shared weights); only layers called once can be read", file: path)) {
            try ModelIO.load(path: path)
        }
    }
}
