import ByteKit

/// Reads header message bodies, following shared-message references to where the message
/// really is: another object header (a committed datatype) or the file's shared-message heap
/// (HDF5 File Format Specification 4.0, IV.A.2, "Shared Message", and III.H).
public struct MessageResolver: Sendable {
    public let view: FileView
    public let context: FormatContext
    /// The superblock extension's shared-message table, when the file has one.
    public let sharedMessageTable: SharedMessageTable?

    /// Committed datatypes may themselves carry shared messages; chains are followed this far.
    static let maximumSharingDepth = 8

    public init(view: FileView, context: FormatContext, sharedMessageTable: SharedMessageTable?) {
        self.view = view
        self.context = context
        self.sharedMessageTable = sharedMessageTable
    }

    /// A cursor over the message's body, the shared one if the message is a reference.
    public func body(_ message: HeaderMessage, structure: String) throws -> ByteCursor {
        guard message.isShared else {
            return ByteCursor(bytes: message.body, baseOffset: message.bodyOffset, structure: structure)
        }
        var reference = message.cursor(structure + " (shared)")
        return try resolve(&reference, type: message.typeNumber, structure: structure, depth: 0)
    }

    /// Follows the shared-message reference at `reference` to a message of type `type`.
    public func resolve(
        _ reference: inout ByteCursor, type: UInt16, structure: String, depth: Int = 0
    ) throws -> ByteCursor {
        let start = reference.offset
        guard depth < Self.maximumSharingDepth else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: start, limit: "shared messages chained more than \(Self.maximumSharingDepth) deep")
        }
        switch try SharedMessage(parsing: &reference, context: context) {
        case .objectHeader(let address):
            let header = try ObjectHeader.read(view: view, address: address, context: context)
            guard let message = header.messages.first(where: { $0.typeNumber == type }) else {
                throw HDF5Error.invalid(
                    structure: structure, offset: start,
                    reason: "shared message refers to object header \(hex(address)), which has no message of type \(type)")
            }
            guard message.isShared else {
                return ByteCursor(bytes: message.body, baseOffset: message.bodyOffset, structure: structure)
            }
            var next = message.cursor(structure + " (shared)")
            return try resolve(&next, type: type, structure: structure, depth: depth + 1)
        case .sharedMessageHeap(let heapID):
            guard let table = sharedMessageTable else {
                throw HDF5Error.invalid(
                    structure: structure, offset: start,
                    reason: "message is in the shared-message heap, but the file has no shared-message table")
            }
            let body = try table.message(type: type, heapID: heapID, view: view)
            return ByteCursor(bytes: body, baseOffset: start, structure: structure + " (from the shared-message heap)")
        }
    }

    /// The datatype of a datatype message, shared or not.
    public func datatype(_ message: HeaderMessage) throws -> Datatype {
        var cursor = try body(message, structure: "datatype message")
        return try Datatype(parsing: &cursor)
    }

    /// The dataspace of a dataspace message, shared or not.
    public func dataspace(_ message: HeaderMessage) throws -> Dataspace {
        var cursor = try body(message, structure: "dataspace message")
        return try Dataspace(parsing: &cursor, context: context)
    }
}
