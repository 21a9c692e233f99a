extension Tensor {
    /// Reads the scalars as an `(outer, middle, inner)` array and returns them as `(middle, outer, inner)`:
    /// the two leading axes swapped, the contiguous inner rows copied whole.
    public func swappingLeadingAxes(outer: Int, middle: Int, inner: Int) -> Tensor {
        precondition(outer * middle * inner == count, "swappingLeadingAxes: \(outer)×\(middle)×\(inner) for \(count) scalars")
        guard count > 0 else { return Tensor(shape: [middle, outer * inner], scalars: []) }
        let result = scalars.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: count) { target, initialized in
                let (from, to) = (source.baseAddress!, target.baseAddress!)
                if inner % 8 == 0 && inner <= 256 {
                    // Short runs: copy them eight lanes at a time instead of a memmove call per run.
                    for o in 0..<outer {
                        for m in 0..<middle {
                            let source = UnsafeRawPointer(from + (o * middle + m) * inner)
                            let target = UnsafeMutableRawPointer(to + (m * outer + o) * inner)
                            var offset = 0
                            while offset < inner * 4 {
                                target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self),
                                                  toByteOffset: offset, as: SIMD8<Float>.self)
                                offset += 32
                            }
                        }
                    }
                } else {
                    for o in 0..<outer {
                        for m in 0..<middle {
                            (to + (m * outer + o) * inner).initialize(from: from + (o * middle + m) * inner, count: inner)
                        }
                    }
                }
                initialized = count
            }
        }
        return Tensor(shape: [middle, outer * inner], scalars: result)
    }
}
