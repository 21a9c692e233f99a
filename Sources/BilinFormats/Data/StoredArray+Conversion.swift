import BilinCore

extension StoredArray {
    /// The images as a `(count, features)` tensor: integers scaled by 1/255, floats as stored, then normalised.
    ///
    /// - Throws: `BilinError` when the array is not `(count, …)`, its dtype is not uint8, float32 or float64,
    ///   or one image does not hold as many values as the model's `inputShape` (without the batch dimension).
    func images(inputShape: [Int], normalization: Normalization?) throws -> Tensor {
        guard shape.count >= 2 else {
            throw error("images must have shape count×… but have shape \(Self.describe(shape))")
        }
        let imageShape = Array(shape.dropFirst())
        let features = imageShape.checkedProduct ?? -1
        let expected = inputShape.checkedProduct ?? -1
        guard features == expected else {
            let images = imageShape.count == 1 ? "\(features) values" : "\(Self.describe(imageShape)) (\(features) values)"
            let model = inputShape.count == 1 ? "\(expected)" : "\(Self.describe(inputShape)) (\(expected) values)"
            throw error("images are \(images) but the model takes \(model)")
        }
        var scalars: [Float]
        switch elementType {
        case .uint8:
            let table = (0..<256).map { value in
                let scaled = Float(value) / 255
                return normalization?.apply(scaled) ?? scaled
            }
            scalars = table.withUnsafeBufferPointer { table in decoded { table[Int($0[$1])] } }
        case .float32:
            scalars = decoded { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 &* 4, as: UInt32.self))) }
            if let normalization { Self.normalize(&scalars, with: normalization) }
        case .float64:
            scalars = decoded { Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 &* 8, as: UInt64.self)))) }
            if let normalization { Self.normalize(&scalars, with: normalization) }
        case .int32, .int64:
            throw error("images have dtype \(elementType.name); expected uint8, float32 or float64")
        }
        return Tensor(shape: [shape[0], features], scalars: scalars)
    }

    /// Every element, decoded from the raw bytes by `decode(bytes, index)` in one pass.
    private func decoded(_ decode: (UnsafeRawBufferPointer, Int) -> Float) -> [Float] {
        let count = elementCount
        return bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { output, initialized in
                for index in 0..<count {
                    output[index] = decode(raw, index)
                }
                initialized = count
            }
        }
    }

    private static func normalize(_ values: inout [Float], with normalization: Normalization) {
        values.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                values[index] = normalization.apply(values[index])
            }
        }
    }

    /// The labels as class indices: shape `count` or `count×1`, dtype uint8, int32 or int64, every value in `0...Int32.max`
    /// and below `classCount` when it is given.
    func labels(classCount: Int? = nil) throws -> [Int32] {
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw error("labels must be class indices of shape count but have shape \(Self.describe(shape))")
        }
        let labels: [Int32]
        switch elementType {
        case .uint8:
            labels = bytes.map { Int32($0) }
        case .int32:
            labels = bytes.withUnsafeBytes { raw in
                (0..<elementCount).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 &* 4, as: Int32.self)) }
            }
        case .int64:
            let wide = bytes.withUnsafeBytes { raw in
                (0..<elementCount).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 &* 8, as: Int64.self)) }
            }
            if let index = wide.firstIndex(where: { $0 > Int64(Int32.max) }) {
                throw error("label \(wide[index]) at index \(index) is too large")
            }
            labels = wide.map { Int32(truncatingIfNeeded: $0) }
        case .float32, .float64:
            throw error("labels have dtype \(elementType.name); expected uint8, int32 or int64")
        }
        if let index = labels.firstIndex(where: { $0 < 0 }) {
            throw error("label \(labels[index]) at index \(index) is negative")
        }
        if let classCount, let index = labels.firstIndex(where: { Int($0) >= classCount }) {
            throw error("label \(labels[index]) at index \(index) is out of range: the model has \(classCount) classes (0 to \(classCount - 1))")
        }
        return labels
    }
}
