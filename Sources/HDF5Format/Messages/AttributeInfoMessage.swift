/// Where an object with dense attribute storage keeps its attributes
/// (HDF5 File Format Specification 4.0, IV.A.2.v, Attribute Info Message).
///
/// ```text
/// version (0)                                   1
/// flags                                         1   bit 0 creation order tracked, bit 1 indexed
/// maximum creation index                        2   (bit 0)
/// fractal heap address                          O   undefined while attributes are compact
/// address of v2 B-tree for name index           O
/// address of v2 B-tree for creation order index O   (bit 1)
/// ```
public struct AttributeInfoMessage: Sendable, Equatable {
    public let maximumCreationIndex: UInt16?
    /// The fractal heap holding attribute messages, nil when attributes are compact.
    public let fractalHeapAddress: UInt64?
    /// The version 2 B-tree (record type 8) indexing attributes by name hash.
    public let nameIndexAddress: UInt64?
    /// The version 2 B-tree (record type 9) indexing attributes by creation order.
    public let creationOrderIndexAddress: UInt64?

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(0...0)
        let flags = try cursor.readUInt8()
        maximumCreationIndex = flags & 0x01 != 0 ? try cursor.readUInt16() : nil
        fractalHeapAddress = try cursor.readAddress(context)
        nameIndexAddress = try cursor.readAddress(context)
        creationOrderIndexAddress = flags & 0x02 != 0 ? try cursor.readAddress(context) : nil
    }
}
