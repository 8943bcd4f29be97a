/// The version 1 B-tree "K" values of a file whose superblock (version 2 and up) does not hold
/// them; kept in the superblock extension (HDF5 File Format Specification 4.0, IV.A.2.t, B-tree
/// 'K' Values Message).
///
/// ```text
/// version                       1   0
/// indexed storage internal node K 2
/// group internal node K         2
/// group leaf node K             2
/// ```
public struct BTreeKValuesMessage: Sendable, Equatable {
    /// Half the most children of an internal node of a chunk-indexing v1 B-tree.
    public let indexedStorageInternalNodeK: UInt16
    /// Half the most children of an internal node of a group v1 B-tree.
    public let groupInternalNodeK: UInt16
    /// Half the most entries of a symbol table node.
    public let groupLeafNodeK: UInt16

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        _ = try cursor.readVersion(0...0)
        indexedStorageInternalNodeK = try cursor.readUInt16()
        groupInternalNodeK = try cursor.readUInt16()
        groupLeafNodeK = try cursor.readUInt16()
    }
}
