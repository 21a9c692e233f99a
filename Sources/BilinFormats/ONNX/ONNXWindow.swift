import BilinCore

/// The window attributes of `Conv`, `MaxPool` and `AveragePool` (`kernel_shape`, `strides`, `pads`, `auto_pad`,
/// `dilations`) and the IR's `Window2D`.
///
/// ONNX `pads` are `[top, left, bottom, right]`. Zero pads are `valid`; the pads `same` gives this input (the odd
/// row or column after, as `SAME_UPPER`) are `same`; any other pads have no `Window2D`.
enum ONNXWindow {
    /// The window of `node` with a `height × width` kernel over a `(inputHeight, inputWidth)` input. With
    /// `zeroPadding` (a Conv, whose pads are zeros), pads that are neither valid nor same (PyTorch's stride-2
    /// `padding=1` on an even size) are returned as a padding to apply first, and the window is valid.
    ///
    /// - Throws: `ONNXLayerGraph.NotConvertible` with the reason for dilations other than 1, `SAME_LOWER`, or other
    ///   pads that are neither valid nor same.
    static func read(_ node: ONNXNode, height: Int, width: Int, inputHeight: Int, inputWidth: Int,
                     zeroPadding: Bool = false) throws -> (window: Window2D, padding: ImagePadding?) {
        if let dilations = node.ints("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: dilations \(dilations) (only 1 is read)")
        }
        // Sizes beyond what an example may hold are refused before any window arithmetic could overflow.
        let sizes = 1...Model.maximumInputCount
        guard sizes.contains(height), sizes.contains(width) else {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: kernel_shape \([height, width])")
        }
        let strides = node.ints("strides") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy(sizes.contains) else {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: strides \(strides)")
        }
        var window = Window2D(height: height, width: width, strideHeight: strides[0], strideWidth: strides[1])
        switch node.string("auto_pad") ?? "NOTSET" {
        case "VALID":
            return (window, nil)
        case "SAME_UPPER":
            window.padding = .same
            return (window, nil)
        case "NOTSET":
            let pads = node.ints("pads") ?? [0, 0, 0, 0]
            if pads == [0, 0, 0, 0] { return (window, nil) }
            var same = window
            same.padding = .same
            let samePads = same.padding(height: inputHeight, width: inputWidth)
            if pads == [samePads.top, samePads.left, samePads.bottom, samePads.right] { return (same, nil) }
            // Pads smaller than the window (as any framework writes them) keep a hostile file's shapes small.
            if zeroPadding, pads.count == 4, pads.allSatisfy({ $0 >= 0 }), max(pads[0], pads[2]) < height, max(pads[1], pads[3]) < width {
                return (window, ImagePadding(top: pads[0], bottom: pads[2], left: pads[1], right: pads[3]))
            }
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: pads \(pads) are neither valid nor same padding for a "
                                                + "\(height)×\(width) window, strides \(strides), on a \(inputHeight)×\(inputWidth) input")
        case let other:
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: auto_pad \(other) (VALID, SAME_UPPER or explicit pads are read)")
        }
    }

    /// `kernel_shape`, `strides` and explicit `pads` for `window` over a `(inputHeight, inputWidth)` input.
    static func attributes(_ window: Window2D, inputHeight: Int, inputWidth: Int) -> [ONNXAttribute] {
        let pads = window.padding(height: inputHeight, width: inputWidth)
        return [.ints("kernel_shape", [window.height, window.width]), .ints("strides", [window.strideHeight, window.strideWidth]),
                .ints("pads", [pads.top, pads.left, pads.bottom, pads.right])]
    }
}
