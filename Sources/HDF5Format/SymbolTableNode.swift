import ByteKit

// On disk (HDF5 File Format Specification 4.0, III.C):
//
//   Link Name Offset                      size of offsets (into the group's local heap)
//   Object Header Address                 size of offsets
//   Cache Type                            4 bytes (0, 1 or 2)
//   Reserved                              4 bytes
//   Scratch-pad Space                     16 bytes:
//     cache type 1: Address of B-tree (size of offsets), Address of Name Heap (size of offsets)
//     cache type 2: Offset to Link Value (4 bytes, into the local heap)

/// One member of a version 1 group: where its name is in the group's local heap, where its
/// object header is, and what the writer cached about it (HDF5 File Format Specification 4.0,
/// III.C, Symbol Table Entry). The superblock of versions 0 and 1 holds the root group's entry.
public struct SymbolTableEntry: Sendable, Equatable {
    /// What the scratch-pad space holds, according to the cache type.
    public enum ScratchPad: Sendable, Equatable {
        /// Cache type 0: nothing is cached.
        case nothing
        /// Cache type 1: the object is a group; its symbol table's B-tree and local heap.
        case symbolTable(bTreeAddress: UInt64, localHeapAddress: UInt64)
        /// Cache type 2: the entry is a soft link; its value's offset in the local heap.
        case symbolicLink(linkValueOffset: UInt32)
    }

    /// Offset of the link's name in the group's local heap.
    public let linkNameOffset: UInt64
    /// Absolute file offset of the object header, or nil when undefined (a soft link).
    public let objectHeaderAddress: UInt64?
    /// The cached information.
    public let scratchPad: ScratchPad

    static let structure = "symbol table entry"

    /// Bytes in one entry for the file's size of offsets.
    public static func size(_ context: FormatContext) -> Int { 2 * context.offsetSize + 24 }

    public init(linkNameOffset: UInt64, objectHeaderAddress: UInt64?, scratchPad: ScratchPad) {
        self.linkNameOffset = linkNameOffset
        self.objectHeaderAddress = objectHeaderAddress
        self.scratchPad = scratchPad
    }

    /// Decodes an entry at the cursor and moves past it (always `size(context)` bytes).
    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        try cursor.require(Self.size(context))
        linkNameOffset = try cursor.readUnsigned(width: context.offsetSize)
        objectHeaderAddress = try cursor.readAddress(context)
        let cacheType = try cursor.readUInt32()
        try cursor.skip(4)
        var scratch = try cursor.readCursor(16)
        switch cacheType {
        case 0:
            scratchPad = .nothing
        case 1:
            guard let bTree = try scratch.readAddress(context), let heap = try scratch.readAddress(context) else {
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: start,
                    reason: "cached symbol table has an undefined B-tree or local heap address")
            }
            scratchPad = .symbolTable(bTreeAddress: bTree, localHeapAddress: heap)
        case 2:
            scratchPad = .symbolicLink(linkValueOffset: try scratch.readUInt32())
        default:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: start, reason: "unknown cache type \(cacheType)")
        }
    }
}

// On disk (HDF5 File Format Specification 4.0, III.B):
//
//   Signature "SNOD"                      4 bytes
//   Version (1)                           1 byte
//   Reserved                              1 byte
//   Number of Symbols                     2 bytes
//   Entries                               Number of Symbols symbol table entries (the node has
//                                         room for 2 × group leaf node K; the rest is unused)

/// A leaf of a version 1 group's B-tree: the symbol table entries of some of its members
/// (HDF5 File Format Specification 4.0, III.B, Group Symbol Table Nodes).
public struct SymbolTableNode: Sendable, Equatable {
    /// Absolute file offset of the node.
    public let address: UInt64
    /// The entries in use, in the order of their names.
    public let entries: [SymbolTableEntry]

    static let structure = "symbol table node"

    /// Decodes the node at `address`.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> SymbolTableNode {
        var header = try view.cursor(at: address, length: 8, structure: structure)
        try header.expectSignature("SNOD")
        let version = try header.readUInt8()
        guard version == 1 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address, version: Int(version))
        }
        try header.skip(1)
        let count = Int(try header.readUInt16())
        // At most 65,535 entries of at most 40 bytes: no overflow. `address + 8` cannot overflow
        // because the header's 8 bytes were inside the file.
        let entrySize = SymbolTableEntry.size(context)
        var cursor = try view.cursor(
            at: address + 8, length: UInt64(count * entrySize), structure: structure)
        var entries: [SymbolTableEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            entries.append(try SymbolTableEntry(parsing: &cursor, context: context))
        }
        return SymbolTableNode(address: address, entries: entries)
    }
}
