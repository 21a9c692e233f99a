extension Tensor {
    /// Reads the scalars as an `(outer, middle, inner)` array and returns them as `(middle, outer, inner)`:
    /// the two leading axes swapped, the contiguous inner rows copied whole.
    public func swappingLeadingAxes(outer: Int, middle: Int, inner: Int) -> Tensor {
        swappingLeadingAxes(outer: outer, middle: middle, inner: inner, adding: nil)
    }

    /// `swappingLeadingAxes`, adding `rows[o]` (an `(outer, inner)` matrix) to every run that comes from outer index
    /// `o`, in the same pass: `result[m, o, i] = self[o, m, i] + rows[o, i]`.
    public func swappingLeadingAxes(outer: Int, middle: Int, inner: Int, adding rows: Tensor?) -> Tensor {
        precondition(outer * middle * inner == count, "swappingLeadingAxes: \(outer)×\(middle)×\(inner) for \(count) scalars")
        precondition(rows.map { $0.count == outer * inner } ?? true, "swappingLeadingAxes: \(rows?.count ?? 0) added scalars for \(outer)×\(inner)")
        guard count > 0 else { return Tensor(shape: [middle, outer * inner], scalars: []) }
        let result = scalars.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: count) { target, initialized in
                let (from, to) = (source.baseAddress!, target.baseAddress!)
                if let rows {
                    rows.scalars.withUnsafeBufferPointer { added in
                        let added = added.baseAddress!
                        // Writes in order (middle outermost); each run reads its source run and its added row.
                        for m in 0..<middle {
                            for o in 0..<outer {
                                let (s, a, t) = (from + (o * middle + m) * inner, added + o * inner, to + (m * outer + o) * inner)
                                var i = 0
                                while i + 8 <= inner {
                                    let sum = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self)
                                        + UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                                    UnsafeMutableRawPointer(t + i).storeBytes(of: sum, as: SIMD8<Float>.self)
                                    i += 8
                                }
                                while i < inner { t[i] = s[i] + a[i]; i += 1 }
                            }
                        }
                    }
                } else if inner % 8 == 0 && inner <= 256 {
                    // Short runs: copy them eight lanes at a time instead of a memmove call per run; writes in order.
                    for m in 0..<middle {
                        for o in 0..<outer {
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
