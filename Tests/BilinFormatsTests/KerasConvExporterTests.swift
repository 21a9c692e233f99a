import BilinCore
@testable import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// The stock-layer spelling of a bilinear convolution and its folding back. (The CNN fixtures' round trips are in
/// KerasExporterTests; Keras running these files is checked in KerasConvConsumerTests.)
@Suite("Keras convolutional export")
struct KerasConvExporterTests {
    @Test("a bilinear convolution is written in stock layers and read back as one layer",
          arguments: BilinearConvolutionCase.all, ["h5", "keras"])
    func bilinearRoundTrip(testCase: BilinearConvolutionCase, outputExtension: String) throws {
        let folder = try TemporaryFolder()
        let model = testCase.model(seed: 7)
        let path = folder.file("biconv.\(outputExtension)")
        try ModelIO.save(model, to: path)
        #expect(try ModelIO.load(path: path).layers == model.layers)
    }

    @Test("the spelling: a frozen one-hot DepthwiseConv2D, Reshape, two EinsumDense, Reshape, Activation")
    func spelling() throws {
        let testCase = BilinearConvolutionCase.all[0]
        let sequential = try KerasModelSpelling(testCase.model(seed: 7))
        #expect(sequential.layers.map(\.className) == ["DepthwiseConv2D", "Reshape", "EinsumDense", "EinsumDense", "Reshape", "Activation", "Flatten"])
        #expect(sequential.layers.map(\.name) == ["conv_patches", "conv_in", "conv_v", "conv", "conv_out", "conv_act", "flat"])
        #expect(sequential.layers[0].entry(forArchive: false).text == #"{"class_name": "DepthwiseConv2D", "config": {"name": "conv_patches", "#
            + #""trainable": false, "dtype": "float32", "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "depth_multiplier": 9, "#
            + #""data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": false}}"#)
        #expect(sequential.layers[1].entry(forArchive: false).text.contains(#""target_shape": [7, 6, 3, 9]"#))
        #expect(sequential.layers[3].entry(forArchive: false).text.contains(#""output_shape": [7, 6, 2, 3], "equation": "abcdf,dg->abcgf""#))
        #expect(sequential.layers[4].entry(forArchive: false).text.contains(#""target_shape": [7, 6, 6]"#))
        // kernel[i, j, c, m] = 1 exactly when m = i·kw + j: input channel c, offset (i, j) lands on channel c·9 + i·3 + j.
        let kernel = sequential.layers[0].weights[0].value
        #expect(kernel.shape == [3, 3, 3, 9])
        for i in 0..<3 {
            for j in 0..<3 {
                for c in 0..<3 {
                    for m in 0..<9 { #expect(kernel.scalars[((i * 3 + j) * 3 + c) * 9 + m] == (m == i * 3 + j ? 1 : 0)) }
                }
            }
        }
    }

    @Test("look-alikes are not folded: a changed patch kernel, a renamed patch layer, another reshape")
    func lookAlikes() throws {
        let model = BilinearConvolutionCase.all[0].model(seed: 7)
        let layers = try decodedLayers(model)
        #expect(KerasBilinearConvChain.fold(KerasBilinearChain.fold(layers)) == model.layers)
        var changedKernel = layers
        changedKernel[1].weights[0].scalars[0] = 0.5
        var renamed = layers
        renamed[1].name = "patches"
        var reshaped = layers
        reshaped[2].kind = .reshape(targetShape: [7, 6, 9, 3])
        for unfolded in [changedKernel, renamed, reshaped] {
            #expect(KerasBilinearConvChain.fold(unfolded) == unfolded)
        }
    }

    @Test("a bilinear convolution that does not fit its input is refused")
    func refusal() throws {
        let folder = try TemporaryFolder()
        var model = BilinearConvolutionCase.all[0].model(seed: 7)
        model.layers[0].kind = .input(shape: [7, 6, 2])
        let path = folder.file("bad.h5")
        #expect(throws: BilinError("layer 'conv' (BilinearConv2D) reads 3×9 = 27 values per patch, but a 3×3 patch of its input "
                                   + "[7, 6, 2] holds 18", file: path)) { try ModelIO.save(model, to: path) }
        #expect(try folder.contents() == [])
    }

    /// The layers the importer decodes from `model`'s Keras entries before folding (input layer first).
    private func decodedLayers(_ model: Model) throws -> [LayerSpec] {
        let sequential = try KerasModelSpelling(model)
        return try [model.layers[0]] + sequential.layers.map { entry in
            let json = entry.entry(forArchive: false)
            let config = KerasLayerConfig(className: entry.className, name: entry.name, config: try #require(json["config"]), entry: json)
            return try KerasLayerDecoder.layerSpec(config, weights: entry.weights.map(\.value), input: nil)
        }
    }
}
