/// The order Keras 3 gives a functional model's layers (`model.layers`, from `keras.src.ops.function.map_graph`):
/// deepest first, a layer's depth being its longest path to an output, and layers of one depth in the order a
/// depth-first walk from the outputs (through each layer's inputs in call order) first reaches them.
///
/// A legacy `.h5` is loaded by pairing its weighted layers with the model's in this order, and a `.keras` archive names
/// weight groups (`layers/dense_1`) by it, so a functional model must be written in it. Keras drops layers no output
/// depends on; so does this order.
enum KerasLayerOrder {
    /// - Parameters:
    ///   - inbound: For each layer, the layers it reads (indices).
    ///   - outputs: The layers the model returns.
    /// - Returns: The layers the outputs depend on, in Keras' order.
    static func order(inbound: [[Int]], outputs: [Int]) -> [Int] {
        var reached = [Int?](repeating: nil, count: inbound.count)  // order of first visit
        var finished = [Bool](repeating: false, count: inbound.count)
        var finishing: [Int] = []  // every layer after the layers it reads
        var visits = 0
        for output in outputs where !finished[output] {
            // An explicit stack: graphs may be deeper than the call stack allows.
            var stack: [(layer: Int, next: Int)] = []
            func enter(_ layer: Int) {
                if reached[layer] == nil {
                    reached[layer] = visits
                    visits += 1
                }
                stack.append((layer, 0))
            }
            enter(output)
            while let (layer, next) = stack.last {
                if next < inbound[layer].count {
                    stack[stack.count - 1].next += 1
                    if !finished[inbound[layer][next]] { enter(inbound[layer][next]) }
                } else {
                    stack.removeLast()
                    finished[layer] = true
                    finishing.append(layer)
                }
            }
        }
        var depth = [Int](repeating: 0, count: inbound.count)
        for layer in finishing.reversed() {
            for source in inbound[layer] { depth[source] = max(depth[source], depth[layer] + 1) }
        }
        return finishing.sorted { (depth[$0], reached[$1] ?? 0) > (depth[$1], reached[$0] ?? 0) }
    }
}
