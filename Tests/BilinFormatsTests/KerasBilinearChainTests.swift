import BilinCore
@testable import BilinFormats
import Testing

/// Folding exported bilinear chains back into one layer, and leaving look-alikes alone.
@Suite("KerasBilinearChain")
struct KerasBilinearChainTests {
    /// The layers `KerasBilinearChain.entries` writes for a 3×4 → 2×5 layer named `proj`, as the importer decodes them.
    private func chain(name: String = "proj", leftEquation: String = "abd,be->aed", activation: String? = "relu") throws -> [LayerSpec] {
        func einsum(_ layerName: String, _ equation: String, _ outputShape: String, _ biasAxes: String) -> LayerKind {
            .opaque(className: "EinsumDense", config: #"{"class_name": "EinsumDense", "config": {"name": "\#(layerName)", "# +
                    #""equation": "\#(equation)", "output_shape": \#(outputShape), "activation": "linear", "bias_axes": \#(biasAxes)}}"#)
        }
        var layers = [
            LayerSpec(name: "\(name)_in", kind: .reshape(targetShape: [3, 4])),
            LayerSpec(name: "\(name)_v", kind: einsum("\(name)_v", "abc,cd->abd", "[3, 5]", "null"), weights: [Tensor(shape: [4, 5], repeating: 1)]),
            LayerSpec(name: name, kind: einsum(name, leftEquation, "[2, 5]", #""ed""#),
                      weights: [Tensor(shape: [3, 2], repeating: 2), Tensor(shape: [2, 5], repeating: 3)]),
            LayerSpec(name: "\(name)_out", kind: .reshape(targetShape: [10])),
        ]
        if let activation { layers.append(LayerSpec(name: "\(name)_act", kind: .activation(try #require(Activation(kerasName: activation))))) }
        return layers
    }

    @Test("the exporter's chain folds into one bilinear layer with weights [U, V, bias]")
    func folds() throws {
        let folded = KerasBilinearChain.fold(try chain())
        let shape = BilinearShape(inputRows: 3, inputColumns: 4, outputRows: 2, outputColumns: 5)
        #expect(folded == [LayerSpec(name: "proj", kind: .bilinear(shape, activation: .relu), weights: [
            Tensor(shape: [3, 2], repeating: 2), Tensor(shape: [4, 5], repeating: 1), Tensor(shape: [2, 5], repeating: 3),
        ])])
        #expect(KerasBilinearChain.fold(try chain(activation: nil)).map(\.kind) == [.bilinear(shape, activation: .linear)])
    }

    @Test("look-alikes stay as they are: another equation, or names outside the scheme")
    func leavesOthersAlone() throws {
        let otherEquation = try chain(leftEquation: "abd,be->ade")
        #expect(KerasBilinearChain.fold(otherEquation) == otherEquation)
        var renamed = try chain()
        renamed[0].name = "reshape"
        #expect(KerasBilinearChain.fold(renamed) == renamed)
    }

    @Test("on a graph, a chain folds only where it is a path: an inner layer read outside it or returned keeps it apart")
    func graphEdges() throws {
        let input = LayerSpec(name: "x", kind: .input(shape: [12]))
        let reader = LayerSpec(name: "reader", kind: .activation(.relu), inputs: ["proj_v"])
        let tapped = Model(name: "", layers: [input] + (try chain()) + [reader], outputs: ["proj_act", "reader"])
        #expect(KerasBilinearChain.fold(tapped) == tapped)
        let returned = Model(name: "", layers: [input] + (try chain()), outputs: ["proj", "proj_act"])
        #expect(KerasBilinearChain.fold(returned) == returned)
        // Readers of the chain's last layer read the folded layer under its own name.
        let residual = [LayerSpec(name: "sum", kind: .merge(.add), inputs: ["x", "proj_act"])]
        let folded = KerasBilinearChain.fold(Model(name: "", layers: [input] + (try chain()) + residual, outputs: ["sum"]))
        #expect(folded.layers.map(\.name) == ["x", "proj", "sum"] && folded.layers[2].inputs == ["x", "proj"] && folded.outputs == ["sum"])
    }
}

/// The folds on a chain's layer list.
extension KerasBilinearChain {
    static func fold(_ layers: [LayerSpec]) -> [LayerSpec] { fold(Model(name: "", layers: layers)).layers }
}

extension KerasBilinearConvChain {
    static func fold(_ layers: [LayerSpec]) -> [LayerSpec] { fold(Model(name: "", layers: layers)).layers }
}
