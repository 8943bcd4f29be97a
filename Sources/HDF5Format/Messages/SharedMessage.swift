import ByteKit

/// Where a shared message really is, when a header message's "shared" flag is set: in another
/// object header (a committed datatype) or in the file's shared-message heap
/// (HDF5 File Format Specification 4.0, IV.A.2, "Shared Message"; libhdf5's `H5O__shared_decode`).
///
/// ```text
/// version 1: version 1, type 1 (ignored), reserved 6, then a symbol table entry of which
///            libhdf5 skips a length-sized field and reads the object header address O
/// version 2: version 1, type 1, object header address O
/// version 3: version 1, type 1 (1 = shared-message heap, 2 = object header),
///            heap ID 8 (type 1) or object header address O (type 2)
/// ```
public enum SharedMessage: Sendable, Equatable {
    /// The message is in the object header at this address.
    case objectHeader(UInt64)
    /// The message is in the shared-message heap under this 8-byte heap ID.
    case sharedMessageHeap(heapID: Bytes)

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        let version = try cursor.readUInt8()
        let type = try cursor.readUInt8()
        switch version {
        case 1:
            // libhdf5 (`H5O__shared_decode`) skips the reserved bytes and the entry's first
            // field, one "size of lengths" wide, which the specification's table does not show.
            try cursor.skip(6 + context.lengthSize)
        case 2:
            break
        case 3:
            if type == 1 {
                self = .sharedMessageHeap(heapID: try cursor.readBytes(8))
                return
            }
            guard type == 2 else {
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: start, reason: "shared message type \(type) is not 1 or 2")
            }
        default:
            throw HDF5Error.unknownVersion(structure: cursor.structure, offset: start, version: Int(version))
        }
        guard let address = try cursor.readAddress(context) else {
            throw cursor.invalid("shared message's object header address is undefined")
        }
        self = .objectHeader(address)
    }
}
