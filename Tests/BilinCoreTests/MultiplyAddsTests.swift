import BilinCore
import BilinTestSupport
import Testing

@Suite("Model.multiplyAdds")
struct MultiplyAddsTests {
    /// 28×28×1 → Conv 32 3×3 same → MaxPool 2 → Conv 64 3×3 same → MaxPool 2 → Flatten → Dense 128 → Dense 10.
    static func cnn() -> Model {
        let same = Window2D(height: 3, width: 3, padding: .same)
        let pool = Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2)
        return Model(name: "cnn", layers: [
            LayerSpec(name: "input", kind: .input(shape: [28, 28, 1])),
            LayerSpec(name: "conv1", kind: .conv2D(filters: 32, window: same, activation: .relu, useBias: true)),
            LayerSpec(name: "pool1", kind: .pooling2D(.max, window: pool)),
            LayerSpec(name: "conv2", kind: .conv2D(filters: 64, window: same, activation: .relu, useBias: true)),
            LayerSpec(name: "pool2", kind: .pooling2D(.max, window: pool)),
            LayerSpec(name: "flatten", kind: .flatten),
            LayerSpec(name: "dense1", kind: .dense(units: 128, activation: .relu, useBias: true)),
            LayerSpec(name: "dense2", kind: .dense(units: 10, activation: .softmax, useBias: true)),
        ])
    }

    @Test("the MNIST-style CNN: 28·28·9·32, 14·14·9·32·64, 3136·128 and 128·10 multiply-adds")
    func cnnCounts() {
        let model = Self.cnn()
        #expect(model.multiplyAddsPerLayer() == [0, 225_792, 0, 3_612_672, 0, 0, 401_408, 1_280])
        #expect(model.multiplyAdds == 4_241_152)
    }

    @Test("bilinear layers count their two products; a bilinear convolution counts them at every output position")
    func bilinearCounts() {
        // Conv 3×3 valid over 6×6×2 → 4×4 positions of 18-value patches read as 3×6, projected to 4×2.
        let patch = BilinearShape(inputRows: 3, inputColumns: 6, outputRows: 4, outputColumns: 2)
        let flat = BilinearShape(inputRows: 8, inputColumns: 16, outputRows: 4, outputColumns: 4)
        let model = Model(name: "bilinear", layers: [
            LayerSpec(name: "input", kind: .input(shape: [6, 6, 2])),
            LayerSpec(name: "biconv", kind: .bilinearConv2D(patch, window: Window2D(height: 3, width: 3), activation: .relu)),
            LayerSpec(name: "bn", kind: .batchNormalization(epsilon: 1e-3, momentum: 0.99)),
            LayerSpec(name: "flatten", kind: .flatten),
            LayerSpec(name: "bilinear", kind: .bilinear(flat, activation: .relu)),
            LayerSpec(name: "head", kind: .dense(units: 10, activation: .softmax, useBias: true)),
        ])
        // Per position: X V = 3·6·2 = 36, Uᵀ T = 3·4·2 = 24; 16 positions. Flat: 8·16·4 + 8·4·4 = 640.
        #expect(model.multiplyAddsPerLayer() == [0, 16 * 60, 0, 0, 640, 160])
        #expect(model.multiplyAdds == 960 + 640 + 160)
    }

    @Test("an opaque layer and what follows an unknown shape are not counted; the total sums the known layers")
    func unknownCounts() {
        let model = Model(name: "m", layers: [
            LayerSpec(name: "input", kind: .input(shape: [12])),
            LayerSpec(name: "dense", kind: .dense(units: 8, activation: .relu, useBias: true)),
            LayerSpec(name: "odd", kind: .opaque(className: "Custom", config: "{}")),
            LayerSpec(name: "head", kind: .dense(units: 2, activation: .linear, useBias: true)),
        ])
        #expect(model.multiplyAddsPerLayer() == [0, 96, nil, nil])
        #expect(model.multiplyAdds == 96)
    }
}
