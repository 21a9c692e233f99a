internal import COnnxProto
import Foundation

/// Building and editing protobuf-c messages from Swift.
///
/// Every part of a message tree is a separate `malloc` block (strings, repeated-field arrays, bytes, sub-messages),
/// exactly as `*_unpack` with the default allocator leaves it, so that `protobuf_c_message_free_unpacked` frees a
/// tree that mixes unpacked and built parts. Nothing here is ever allocated by Swift's own allocator.
enum ONNXProtoMemory {
    /// A `malloc` copy of `text`, NUL-terminated.
    static func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        strdup(text)!
    }

    /// A zeroed `malloc` block for one message of type `Message`, initialised by `initialize` (the generated
    /// `*_init`, which sets the descriptor and the defaults).
    static func message<Message>(_ type: Message.Type, initialize: (UnsafeMutablePointer<Message>) -> Void) -> UnsafeMutablePointer<Message> {
        let pointer = calloc(1, MemoryLayout<Message>.size)!.bindMemory(to: Message.self, capacity: 1)
        initialize(pointer)
        return pointer
    }

    /// Appends `element` to a repeated field held as a `malloc` array and its count.
    static func append<Element>(_ element: Element, to array: inout UnsafeMutablePointer<Element>?, count: inout Int) {
        let grown = realloc(array, (count + 1) * MemoryLayout<Element>.stride)!.bindMemory(to: Element.self, capacity: count + 1)
        grown[count] = element
        array = grown
        count += 1
    }

    /// A `malloc` array holding `elements` (nil when empty, as protobuf-c leaves an empty repeated field).
    static func array<Element>(_ elements: [Element]) -> UnsafeMutablePointer<Element>? {
        guard !elements.isEmpty else { return nil }
        let pointer = malloc(elements.count * MemoryLayout<Element>.stride)!.bindMemory(to: Element.self, capacity: elements.count)
        pointer.initialize(from: elements, count: elements.count)
        return pointer
    }

    /// A `malloc` copy of `bytes` as protobuf-c `bytes` field contents.
    static func binary(_ bytes: UnsafeRawBufferPointer) -> ProtobufCBinaryData {
        guard bytes.count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        let pointer = malloc(bytes.count)!
        pointer.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        return ProtobufCBinaryData(len: bytes.count, data: pointer.assumingMemoryBound(to: UInt8.self))
    }

    /// The Swift string of a possibly-NULL C string field.
    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// Frees one message tree (built or unpacked).
    static func free<Message>(_ message: UnsafeMutablePointer<Message>) {
        protobuf_c_message_free_unpacked(UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self), nil)
    }

    /// A `key`/`value` entry (metadata props, external-data keys).
    static func entry(key: String, value: String) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
        let entry = message(Onnx__StringStringEntryProto.self, initialize: onnx__string_string_entry_proto__init)
        entry.pointee.key = string(key)
        entry.pointee.value = string(value)
        return entry
    }
}
