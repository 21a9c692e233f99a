import BilinCore
internal import COnnxProto
import Foundation

/// The values of a `TensorProto` (an initializer), read and written.
///
/// Values are in `raw_data` (little-endian, row-major, possibly unaligned: always copied byte-wise, never rebound)
/// or in the typed field of the data type (`float_data`, `int32_data`, `int64_data`, `double_data`, `uint64_data`).
/// External data is resolved into `raw_data` by `ONNXExternalData` before any of this runs.
enum ONNXTensorData {
    static let floatType: Int32 = 1
    static let int64Type: Int32 = 7

    /// Bytes per element of the data types whose size is fixed; string and sub-byte types are absent.
    private static let elementBytes: [Int32: Int] = [
        1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
    ]

    /// The names messages give ONNX data types (`TensorProto.DataType`).
    private static let typeNames: [Int32: String] = [
        1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool",
        10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
    ]

    /// The error for a tensor of another data type than `expected`: `initializer 'w' is float64, not float32 (ONNX
    /// data type 11)`.
    private static func wrongType(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>, expected: Int32) -> BilinError {
        let type = tensor.pointee.data_type
        return BilinError("initializer '\(name(tensor))' is \(typeNames[type] ?? "of an unknown type"), not \(typeNames[expected]!) "
                          + "(ONNX data type \(type))")
    }

    /// The tensor's name, for messages.
    static func name(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) -> String {
        ONNXProtoMemory.text(tensor.pointee.name)
    }

    static func dimensions(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) -> [Int] {
        (0..<tensor.pointee.n_dims).map { Int(tensor.pointee.dims[$0]) }
    }

    /// The number of elements the dimensions declare, overflow-checked.
    ///
    /// - Throws: `BilinError` for a negative dimension or a product that overflows.
    static func elementCount(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) throws -> Int {
        let dimensions = dimensions(tensor)
        guard let count = dimensions.checkedProduct else {
            throw BilinError("initializer '\(name(tensor))' has an impossible shape \(dimensions)")
        }
        return count
    }

    /// The bytes the declared shape needs, or nil for a type whose element size is not fixed.
    ///
    /// - Throws: `BilinError` as `elementCount(_:)`, or when the byte count overflows.
    static func declaredByteCount(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) throws -> Int? {
        guard let size = elementBytes[tensor.pointee.data_type] else { return nil }
        let (bytes, overflow) = try elementCount(tensor).multipliedReportingOverflow(by: size)
        guard !overflow else { throw BilinError("initializer '\(name(tensor))' has an impossible shape \(dimensions(tensor))") }
        return bytes
    }

    /// Checks that a resident tensor holds exactly the values its shape declares.
    ///
    /// - Throws: `BilinError` such as `initializer 'w' declares shape [4, 3] (48 bytes of data) but holds 40 bytes`.
    static func checkSize(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) throws {
        guard let bytes = try declaredByteCount(tensor) else { return }
        let proto = tensor.pointee
        let type = proto.data_type
        if proto.has_raw_data != 0 || proto.raw_data.len > 0 {
            guard proto.raw_data.len == bytes else {
                throw BilinError("initializer '\(name(tensor))' declares shape \(dimensions(tensor)) (\(bytes) bytes of data) "
                                 + "but holds \(proto.raw_data.len) bytes")
            }
            return
        }
        let count = try elementCount(tensor)
        let (expected, held): (Int, Int) = switch type {
        case 1: (count, proto.n_float_data)
        case 14: (count * 2, proto.n_float_data)
        case 7: (count, proto.n_int64_data)
        case 11: (count, proto.n_double_data)
        case 15: (count * 2, proto.n_double_data)
        case 12, 13: (count, proto.n_uint64_data)
        default: (count, proto.n_int32_data)
        }
        guard expected == held else {
            throw BilinError("initializer '\(name(tensor))' declares shape \(dimensions(tensor)) (\(expected) values) "
                             + "but holds \(held) values")
        }
    }

    /// A float tensor's values in its own shape, or, with `transposed`, a matrix's transpose (read straight from the
    /// stored values, so that a big `(Dout, Din)` weight is never held twice besides its stored bytes).
    ///
    /// - Throws: `BilinError` naming the initializer when it is not float, its size disagrees with its shape, or it
    ///   is to be transposed but is not a matrix.
    static func floats(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>, transposed: Bool = false) throws -> Tensor {
        guard tensor.pointee.data_type == floatType else { throw wrongType(tensor, expected: floatType) }
        try checkSize(tensor)
        let count = try elementCount(tensor)
        let shape = dimensions(tensor)
        guard !transposed || shape.count == 2 else { throw BilinError("initializer '\(name(tensor))' is not a matrix") }
        let (rows, columns) = transposed ? (shape[0], shape[1]) : (1, count)
        var scalars = [Float](repeating: 0, count: count)
        let proto = tensor.pointee
        scalars.withUnsafeMutableBufferPointer { destination in
            // Element `index` of the stored row-major `(rows, columns)` values goes to `column · rows + row` when
            // transposing; stored little-endian (loading is a no-op on little-endian hosts).
            func place(_ index: Int, _ value: Float) {
                destination[transposed ? (index % columns) * rows + index / columns : index] = value
            }
            if proto.raw_data.len > 0 {
                let bytes = UnsafeRawBufferPointer(start: proto.raw_data.data, count: proto.raw_data.len)
                for index in 0..<count {
                    place(index, Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))))
                }
            } else {
                for index in 0..<count { place(index, proto.float_data[index]) }
            }
        }
        return Tensor(shape: transposed ? [shape[1], shape[0]] : shape, scalars: scalars)
    }

    /// An int64 tensor's values (a Reshape target, for one).
    ///
    /// - Throws: `BilinError` naming the initializer when it is not int64 or its size disagrees with its shape.
    static func integers(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) throws -> [Int] {
        guard tensor.pointee.data_type == int64Type else { throw wrongType(tensor, expected: int64Type) }
        try checkSize(tensor)
        let count = try elementCount(tensor)
        let proto = tensor.pointee
        guard proto.raw_data.len > 0 else { return (0..<count).map { Int(proto.int64_data[$0]) } }
        let bytes = UnsafeRawBufferPointer(start: proto.raw_data.data, count: proto.raw_data.len)
        return (0..<count).map { Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
    }

    /// A new float initializer named `name` holding `tensor`'s values in `shape` (default: the tensor's own).
    static func makeFloat(name: String, _ tensor: Tensor, shape: [Int]? = nil) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let little = tensor.scalars.map { $0.bitPattern.littleEndian }
        return make(name: name, type: floatType, shape: shape ?? tensor.shape) { body in little.withUnsafeBytes(body) }
    }

    /// A new int64 initializer named `name` of shape `[values.count]`.
    static func makeInt64(name: String, _ values: [Int]) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let little = values.map { Int64($0).littleEndian }
        return make(name: name, type: int64Type, shape: [values.count]) { body in little.withUnsafeBytes(body) }
    }

    private static func make(name: String, type: Int32, shape: [Int],
                             bytes: ((UnsafeRawBufferPointer) -> Void) -> Void) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let tensor = ONNXProtoMemory.message(Onnx__TensorProto.self, initialize: onnx__tensor_proto__init)
        tensor.pointee.name = ONNXProtoMemory.string(name)
        tensor.pointee.has_data_type = 1
        tensor.pointee.data_type = type
        tensor.pointee.dims = ONNXProtoMemory.array(shape.map(Int64.init))
        tensor.pointee.n_dims = shape.count
        bytes { buffer in
            tensor.pointee.raw_data = ONNXProtoMemory.binary(buffer)
            tensor.pointee.has_raw_data = 1
        }
        return tensor
    }
}
