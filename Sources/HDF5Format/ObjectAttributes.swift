import ByteKit

/// An attribute with its value decoded.
public struct Attribute: Sendable {
    public let name: String
    public let datatype: Datatype
    public let dataspace: Dataspace
    /// The elements, flattened in row-major order; empty for a null dataspace.
    public let values: [Value]
}

/// An object's attributes, whatever their storage (HDF5 File Format Specification 4.0,
/// IV.A.2.m: attribute messages in the header; IV.A.2.v: dense storage, attribute messages in a
/// fractal heap indexed by a v2 B-tree of names; either may be shared in the shared-message heap).
public enum ObjectAttributes {
    /// Every attribute of the object, in byte order of the names, values decoded.
    public static func read(header: ObjectHeader, resolver: MessageResolver) throws -> [Attribute] {
        var bodies: [ByteCursor] = []
        for message in header.messages(of: .attribute) {
            bodies.append(try resolver.body(message, structure: "attribute message"))
        }
        if let message = header.firstMessage(of: .attributeInfo) {
            var cursor = message.cursor("attribute info message")
            let info = try AttributeInfoMessage(parsing: &cursor, context: resolver.context)
            bodies += try denseAttributes(info, resolver: resolver)
        }
        var attributes = try bodies.map { body in
            var cursor = body
            return try decode(try AttributeMessage(parsing: &cursor, context: resolver.context), resolver: resolver)
        }
        attributes.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return attributes
    }

    static func denseAttributes(_ info: AttributeInfoMessage, resolver: MessageResolver) throws -> [ByteCursor] {
        guard let heapAddress = info.fractalHeapAddress else { return [] }
        guard let indexAddress = info.nameIndexAddress else {
            throw HDF5Error.invalid(
                structure: "attribute info message", offset: heapAddress, reason: "dense attributes without a name index")
        }
        let view = resolver.view
        let (heap, records) = try decodeTogether(
            { try FractalHeap.read(view: view, address: heapAddress, context: resolver.context) },
            {
                try BTreeV2Header.read(view: view, address: indexAddress, context: resolver.context).records(view: view)
                    .map { try AttributeNameRecord(parsing: $0) }
            })
        // The heap's blocks (and shared messages) of every attribute asked for together.
        return try decodeEach(records) { record in
            // A shared attribute's heap ID names the shared-message heap, not this object's heap.
            if record.messageFlags & 0x02 != 0 {
                guard let table = resolver.sharedMessageTable else {
                    throw HDF5Error.invalid(
                        structure: "attribute name record", offset: indexAddress,
                        reason: "shared attribute, but the file has no shared-message table")
                }
                let body = try table.message(type: MessageType.attribute.rawValue, heapID: record.heapID, view: view)
                return ByteCursor(bytes: body, baseOffset: indexAddress, structure: "attribute message (shared)")
            }
            let body = try heap.object(id: record.heapID, view: view)
            return ByteCursor(bytes: body, baseOffset: heapAddress, structure: "attribute message (dense)")
        }
    }

    static func decode(_ message: AttributeMessage, resolver: MessageResolver) throws -> Attribute {
        let type = MessageType.self
        var datatypeCursor = message.datatype
        if message.isDatatypeShared {
            datatypeCursor = try resolver.resolve(
                &datatypeCursor, type: type.datatype.rawValue, structure: datatypeCursor.structure)
        }
        var dataspaceCursor = message.dataspace
        if message.isDataspaceShared {
            dataspaceCursor = try resolver.resolve(
                &dataspaceCursor, type: type.dataspace.rawValue, structure: dataspaceCursor.structure)
        }
        let datatype = try Datatype(parsing: &datatypeCursor)
        let dataspace = try Dataspace(parsing: &dataspaceCursor, context: resolver.context)
        let structure = "attribute \"\(message.name)\""
        let count = dataspace.kind == .null ? 0 : try dataspace.elementCount(structure: structure, offset: message.dataOffset)
        guard count <= UInt64(Limits.attributeElements) else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: message.dataOffset, limit: "\(count) elements in one attribute")
        }
        let values = try ValueDecoder(view: resolver.view, context: resolver.context).decode(
            message.data, datatype: datatype, count: Int(count), structure: structure, offset: message.dataOffset)
        return Attribute(name: message.name, datatype: datatype, dataspace: dataspace, values: values)
    }
}
