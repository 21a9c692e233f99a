import BilinCore

/// How an image fills the model's input: its height, width and channels, and whether channels come first.
///
/// The rule: a rank-3 input is `(H, W, C)` with C 1 or 3, or `(C, H, W)` (an ONNX NCHW model) when only its first
/// axis is 1 or 3; a rank-2 input is a grey `(H, W)`; a flat input of `n` values is a grey `√n × √n` image, or an
/// RGB `√(n/3) × √(n/3)` one (channels interleaved) when only that is square.
struct ImageLayout: Equatable {
    var height: Int
    var width: Int
    var channels: Int
    var channelsFirst = false

    var featureCount: Int { height * width * channels }

    /// - Throws: `BilinError` when the input shape is not an image by the rule above.
    init(inputShape: [Int]) throws {
        func square(_ count: Int) -> Int? {
            let side = Int(Double(count).squareRoot().rounded())
            return side > 0 && side * side == count ? side : nil
        }
        switch inputShape.count {
        case 3 where [1, 3].contains(inputShape[2]):
            (height, width, channels) = (inputShape[0], inputShape[1], inputShape[2])
        case 3 where [1, 3].contains(inputShape[0]):
            (height, width, channels, channelsFirst) = (inputShape[1], inputShape[2], inputShape[0], true)
        case 2:
            (height, width, channels) = (inputShape[0], inputShape[1], 1)
        case 1 where square(inputShape[0]) != nil:
            let side = square(inputShape[0])!
            (height, width, channels) = (side, side, 1)
        case 1 where inputShape[0] % 3 == 0 && square(inputShape[0] / 3) != nil:
            let side = square(inputShape[0] / 3)!
            (height, width, channels) = (side, side, 3)
        default:
            throw BilinError("the model's input shape \(inputShape) is not an image: image folders need (H, W, 1 or 3), "
                             + "(1 or 3, H, W), (H, W) or a flat square size such as 784")
        }
    }

    /// `image` as this layout's values, written to `output` (`featureCount` floats): scaled, keeping its aspect
    /// ratio, until it covers the input (bilinear), then centre-cropped; pixels `p` become `values[p]`.
    func fill(_ output: UnsafeMutablePointer<Float>, from image: DecodedImage, values: [Float]) {
        precondition(image.channels == channels, "decoded \(image.channels) channels for a \(channels)-channel input")
        let scale = max(Double(height) / Double(image.height), Double(width) / Double(image.width))
        let top = (Double(image.height) * scale - Double(height)) / 2
        let left = (Double(image.width) * scale - Double(width)) / 2
        let exact = image.height == height && image.width == width
        image.pixels.withUnsafeBufferPointer { pixels in
            for row in 0..<height {
                for column in 0..<width {
                    for channel in 0..<channels {
                        let value = exact
                            ? values[Int(pixels[(row * width + column) * channels + channel])]
                            : sample(pixels, image, y: (Double(row) + 0.5 + top) / scale - 0.5,
                                     x: (Double(column) + 0.5 + left) / scale - 0.5, channel: channel, values: values)
                        let target = channelsFirst ? (channel * height + row) * width + column : (row * width + column) * channels + channel
                        output[target] = value
                    }
                }
            }
        }
    }

    /// The bilinear interpolation of `image` at (`y`, `x`), edges clamped.
    private func sample(_ pixels: UnsafeBufferPointer<UInt8>, _ image: DecodedImage, y: Double, x: Double, channel: Int, values: [Float]) -> Float {
        let y = min(max(y, 0), Double(image.height - 1)), x = min(max(x, 0), Double(image.width - 1))
        let (y0, x0) = (Int(y), Int(x))
        let (y1, x1) = (min(y0 + 1, image.height - 1), min(x0 + 1, image.width - 1))
        let (fy, fx) = (Float(y - Double(y0)), Float(x - Double(x0)))
        func at(_ row: Int, _ column: Int) -> Float { values[Int(pixels[(row * image.width + column) * image.channels + channel])] }
        let upper = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
        let lower = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
        return upper * (1 - fy) + lower * fy
    }
}
