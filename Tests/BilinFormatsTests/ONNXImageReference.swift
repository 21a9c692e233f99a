import BilinCore
import Foundation

/// The image layers computed by direct loops over their definitions (`LayerKind`'s doc comment), example by example,
/// as the reference onnxruntime's output is checked against in the ONNX convolution tests.
///
/// An example's row is in the model's layout: `(H, W, C)` for a channels-last model, `(C, H, W)` for a channels-first
/// one, at the input, at a flatten and at an image output; in between images are kept `(H, W, C)`.
enum ONNXImageReference {
    /// A `(height, width, channels)` image, row-major.
    struct Image {
        var height: Int, width: Int, channels: Int
        var values: [Float]

        subscript(row: Int, column: Int, channel: Int) -> Float {
            values[(row * width + column) * channels + channel]
        }

        /// `(H, W, C)` values from or to `(C, H, W)` order.
        func reordered(fromChannelsFirst: Bool) -> [Float] {
            var result = [Float](repeating: 0, count: values.count)
            for row in 0..<height {
                for column in 0..<width {
                    for channel in 0..<channels {
                        let hwc = (row * width + column) * channels + channel
                        let chw = (channel * height + row) * width + column
                        if fromChannelsFirst { result[hwc] = values[chw] } else { result[chw] = values[hwc] }
                    }
                }
            }
            return result
        }
    }

    /// The model's output for each row of `input`.
    static func predict(_ model: Model, _ input: Tensor) -> Tensor {
        guard case .input(let shape) = model.layers[0].kind else { preconditionFailure("no input layer") }
        let channelsFirst = model.dataLayout == .channelsFirst
        let examples = input.shape[0]
        let size = input.count / examples
        var rows: [[Float]] = []
        for example in 0..<examples {
            let row = Array(input.scalars[(example * size)..<((example + 1) * size)])
            var image: Image?
            var flat: [Float] = row
            if shape.count == 3 {
                image = Image(height: shape[0], width: shape[1], channels: shape[2], values: row)
                if channelsFirst { image!.values = image!.reordered(fromChannelsFirst: true) }
            }
            for layer in model.layers.dropFirst() {
                if case .reshape(let target) = layer.kind, target.count == 3 {
                    precondition(!channelsFirst, "ONNXImageReference: a Reshape to an image in a channels-first model")
                    image = Image(height: target[0], width: target[1], channels: target[2], values: flat)
                } else if let current = image {
                    (image, flat) = apply(layer, to: current, channelsFirst: channelsFirst)
                } else {
                    flat = apply(layer, toVector: flat)
                }
            }
            if let image { flat = channelsFirst ? image.reordered(fromChannelsFirst: false) : image.values }
            rows.append(flat)
        }
        return Tensor(shape: [examples, rows[0].count], scalars: rows.flatMap { $0 })
    }

    /// One layer on an image: an image, or a vector (its `flat`) once flattened or pooled globally.
    private static func apply(_ layer: LayerSpec, to image: Image, channelsFirst: Bool) -> (Image?, [Float]) {
        switch layer.kind {
        case .conv2D(let filters, let window, let activation, let useBias):
            let kernel = layer.weights[0].scalars
            // Where patch value (c·kh + i)·kw + j starts its row of the (kh, kw, C, filters) kernel.
            let rows = (0..<window.patchSize(channels: image.channels)).map { index in
                let (c, i, j) = (index / (window.height * window.width), index / window.width % window.height, index % window.width)
                return ((i * window.width + j) * image.channels + c) * filters
            }
            let output = windowed(image, window, channels: filters) { patch in
                var sums = useBias ? layer.weights[1].scalars : [Float](repeating: 0, count: filters)
                for (value, row) in zip(patch, rows) where value != 0 {
                    for filter in 0..<filters { sums[filter] += value * kernel[row + filter] }
                }
                return sums
            }
            return (activate(output, activation), [])
        case .bilinearConv2D(let shape, let window, let activation):
            let (u, v, bias) = (layer.weights[0], layer.weights[1], layer.weights[2])
            let output = windowed(image, window, channels: shape.outputCount) { patch in
                // Y = Uᵀ X V + B, X the patch read row-major as (p, q); channel a·q' + b
                (0..<shape.outputCount).map { channel in
                    let (a, b) = (channel / shape.outputColumns, channel % shape.outputColumns)
                    var sum = bias.scalars[channel]
                    for i in 0..<shape.inputRows {
                        for j in 0..<shape.inputColumns {
                            sum += u[i, a] * patch[i * shape.inputColumns + j] * v[j, b]
                        }
                    }
                    return sum
                }
            }
            return (activate(output, activation), [])
        case .pooling2D(let kind, let window):
            let positions = window.height * window.width
            let output = windowed(image, window, channels: image.channels, padding: .nan) { patch in
                (0..<image.channels).map { channel in
                    let values = patch[(channel * positions)..<((channel + 1) * positions)].filter { !$0.isNaN }
                    return kind == .max ? values.max()! : values.reduce(0, +) / Float(values.count)
                }
            }
            return (output, [])
        case .globalAveragePooling2D:
            let positions = Float(image.height * image.width)
            return (nil, (0..<image.channels).map { channel in
                stride(from: channel, to: image.values.count, by: image.channels).map { image.values[$0] }.reduce(0, +) / positions
            })
        case .batchNormalization:
            var result = image
            result.values = normalized(image.values, layer)
            return (result, [])
        case .activation(let activation):
            return (activate(image, activation), [])
        case .dropout:
            return (image, [])
        case .flatten:
            return (nil, channelsFirst ? image.reordered(fromChannelsFirst: false) : image.values)
        default:
            preconditionFailure("ONNXImageReference: \(layer.kind.displayName) on an image")
        }
    }

    private static func apply(_ layer: LayerSpec, toVector x: [Float]) -> [Float] {
        switch layer.kind {
        case .dense(let units, let activation, let useBias):
            let kernel = layer.weights[0]
            let y = (0..<units).map { unit in
                (0..<x.count).reduce(useBias ? layer.weights[1].scalars[unit] : 0) { $0 + x[$1] * kernel[$1, unit] }
            }
            return activate(y, activation)
        case .activation(let activation): return activate(x, activation)
        case .batchNormalization: return normalized(x, layer)
        case .dropout, .flatten: return x
        default: preconditionFailure("ONNXImageReference: \(layer.kind.displayName) on a vector")
        }
    }

    /// A window slid over `image`: `values(patch)`, the `channels` outputs at each position. The patch is in
    /// channel-major order `(c·kh + i)·kw + j`; outside the image it reads `padding` (NaN: pooling skips it).
    private static func windowed(_ image: Image, _ window: Window2D, channels: Int, padding: Float = 0,
                                 values: ([Float]) -> [Float]) -> Image {
        let (height, width) = window.outputSize(height: image.height, width: image.width)
        let pads = window.padding(height: image.height, width: image.width)
        var result: [Float] = []
        for row in 0..<height {
            for column in 0..<width {
                var patch: [Float] = []
                for c in 0..<image.channels {
                    for i in 0..<window.height {
                        for j in 0..<window.width {
                            let (y, x) = (row * window.strideHeight - pads.top + i, column * window.strideWidth - pads.left + j)
                            let inside = y >= 0 && y < image.height && x >= 0 && x < image.width
                            patch.append(inside ? image[y, x, c] : padding)
                        }
                    }
                }
                result += values(patch)
            }
        }
        precondition(result.count == height * width * channels)
        return Image(height: height, width: width, channels: channels, values: result)
    }

    /// Batch normalization over the last axis with the moving statistics.
    private static func normalized(_ values: [Float], _ layer: LayerSpec) -> [Float] {
        guard case .batchNormalization(let epsilon, _) = layer.kind else { preconditionFailure("not batch normalization") }
        let (gamma, beta, mean, variance) = (layer.weights[0].scalars, layer.weights[1].scalars, layer.weights[2].scalars, layer.weights[3].scalars)
        return values.enumerated().map { index, value in
            let c = index % gamma.count
            return gamma[c] * (value - mean[c]) / (variance[c] + epsilon).squareRoot() + beta[c]
        }
    }

    private static func activate(_ image: Image, _ activation: Activation) -> Image {
        precondition(activation != .softmax, "softmax of an image")
        var result = image
        result.values = activate(image.values, activation)
        return result
    }

    private static func activate(_ values: [Float], _ activation: Activation) -> [Float] {
        switch activation {
        case .linear: return values
        case .relu: return values.map { max($0, 0) }
        case .tanh: return values.map { Float(Foundation.tanh(Double($0))) }
        case .softmax:
            let top = values.max()!
            let exps = values.map { Float(Foundation.exp(Double($0 - top))) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        default: preconditionFailure("ONNXImageReference: activation \(activation.rawValue)")
        }
    }
}
