extension Tensor {
    /// Reads the scalars as an `(outer, middle, inner)` array and returns them as `(middle, outer, inner)`:
    /// the two leading axes swapped, the contiguous inner rows copied whole.
    public func swappingLeadingAxes(outer: Int, middle: Int, inner: Int) -> Tensor {
        precondition(outer * middle * inner == count, "swappingLeadingAxes: \(outer)×\(middle)×\(inner) for \(count) scalars")
        var result = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for o in 0..<outer {
                    for m in 0..<middle {
                        let from = (o * middle + m) * inner
                        let to = (m * outer + o) * inner
                        for i in 0..<inner { target[to + i] = source[from + i] }
                    }
                }
            }
        }
        return Tensor(shape: [middle, outer * inner], scalars: result)
    }
}
