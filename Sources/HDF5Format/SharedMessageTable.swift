import ByteKit

// On disk (HDF5 File Format Specification 4.0, III.H):
//
// Master table:
//   Signature "SMTB"                      4 bytes
//   then per index (the count is in the superblock extension's shared message table message):
//     Version (0)                         1 byte
//     Index Type                          1 byte (0: list, 1: version 2 B-tree)
//     Message Type Flags                  2 bytes (bit n set: messages of type n are shared here)
//     Minimum Message Size                4 bytes
//     List Cutoff                         2 bytes
//     B-tree Cutoff                       2 bytes
//     Number of Messages                  2 bytes
//     Index Address                       size of offsets
//     Fractal Heap Address                size of offsets
//   Checksum                              4 bytes
//
// List index:
//   Signature "SMLI"                      4 bytes
//   Messages                              Number of Messages shared message records (the
//                                         layout of version 2 B-tree record type 7)
//   Checksum                              4 bytes (right after the messages in use)

/// The file's shared object header messages: indexes of messages (datatypes, dataspaces, fill
/// values, filter pipelines, attributes) stored once in a fractal heap and referenced from
/// many object headers (HDF5 File Format Specification 4.0, III.H, Shared Object Header
/// Message Table).
public struct SharedMessageTable: Sendable, Equatable {
    /// One index: which message types it holds and where.
    public struct Index: Sendable, Equatable {
        /// How the index records its messages.
        public enum IndexType: UInt8, Sendable {
            case list = 0
            case bTree = 1
        }

        public let type: IndexType
        /// Bit n set: messages of type n are shared in this index (libhdf5's `H5SM__type_to_flag`).
        public let messageTypeFlags: UInt16
        /// Messages smaller than this are not shared.
        public let minimumMessageSize: UInt32
        /// Above this many messages a list becomes a B-tree.
        public let listCutoff: UInt16
        /// Below this many messages a B-tree becomes a list.
        public let bTreeCutoff: UInt16
        public let messageCount: UInt16
        /// The list or B-tree, or nil while the index is empty.
        public let indexAddress: UInt64?
        /// The fractal heap holding the messages, or nil while the index is empty.
        public let fractalHeapAddress: UInt64?

        /// True when messages of `messageType` are shared in this index. The old fill value
        /// message is shared as the new one, as libhdf5 does.
        public func holds(messageType: UInt16) -> Bool {
            let type = messageType == MessageType.fillValueOld.rawValue ? MessageType.fillValue.rawValue : messageType
            return type < 16 && messageTypeFlags & (1 << type) != 0
        }

        /// The index's records: a list's messages or a version 2 B-tree's type 7 records.
        public func records(view: FileView, context: FormatContext) throws -> [SharedMessageRecord] {
            guard let address = indexAddress else { return [] }
            switch type {
            case .list:
                let recordSize = SharedMessageRecord.size(context)
                // At most 65,535 records of at most 17 bytes.
                let size = 4 + Int(messageCount) * recordSize + 4
                let structure = SharedMessageTable.listStructure
                var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
                try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
                try cursor.expectSignature("SMLI")
                return try (0..<Int(messageCount)).map { _ in
                    try SharedMessageRecord(parsing: &cursor, context: context)
                }
            case .bTree:
                let tree = try BTreeV2Header.read(view: view, address: address, context: context)
                guard tree.type == .sharedObjectHeaderMessage else {
                    throw HDF5Error.invalid(
                        structure: BTreeV2Header.structure, offset: address,
                        reason: "shared message index of record type \(tree.typeNumber)")
                }
                return try tree.records(view: view).map { try SharedMessageRecord(parsing: $0, context: context) }
            }
        }
    }

    /// Absolute file offset of the table.
    public let address: UInt64
    public let indexes: [Index]
    /// The file's sizes, needed to read the indexes and heaps.
    public let context: FormatContext

    static let structure = "shared message table"
    static let listStructure = "shared message list"

    /// Decodes and checks the table at `address`, which has `indexCount` indexes (the count is
    /// in the superblock extension's shared message table message, not in the table).
    public static func read(
        view: FileView, address: UInt64, indexCount: Int, context: FormatContext
    ) throws -> SharedMessageTable {
        // The message stores the count in one byte.
        guard (0...255).contains(indexCount) else {
            throw HDF5Error.invalid(structure: structure, offset: address, reason: "\(indexCount) indexes")
        }
        let indexSize = 14 + 2 * context.offsetSize
        var cursor = try view.cursor(
            at: address, length: UInt64(4 + indexCount * indexSize + 4), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try cursor.expectSignature("SMTB")
        var indexes: [Index] = []
        for _ in 0..<indexCount {
            let start = cursor.offset
            let version = try cursor.readUInt8()
            guard version == 0 else {
                throw HDF5Error.unknownVersion(structure: structure, offset: start, version: Int(version))
            }
            let typeNumber = try cursor.readUInt8()
            guard let type = Index.IndexType(rawValue: typeNumber) else {
                throw HDF5Error.invalid(structure: structure, offset: start, reason: "unknown index type \(typeNumber)")
            }
            indexes.append(
                Index(
                    type: type, messageTypeFlags: try cursor.readUInt16(), minimumMessageSize: try cursor.readUInt32(),
                    listCutoff: try cursor.readUInt16(), bTreeCutoff: try cursor.readUInt16(),
                    messageCount: try cursor.readUInt16(), indexAddress: try cursor.readAddress(context),
                    fractalHeapAddress: try cursor.readAddress(context)))
        }
        return SharedMessageTable(address: address, indexes: indexes, context: context)
    }

    /// The body of a message of type `messageType` shared in this table, given the 8-byte heap
    /// ID of its shared message reference (IV.A.2.w, version 3, type 2): the ID is a heap ID in
    /// the fractal heap of the index holding that message type.
    public func message(type messageType: UInt16, heapID: Bytes, view: FileView) throws -> Bytes {
        guard let index = indexes.first(where: { $0.holds(messageType: messageType) }) else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: address, reason: "no index shares messages of type \(messageType)")
        }
        guard let heapAddress = index.fractalHeapAddress else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: address, reason: "the index of message type \(messageType) is empty")
        }
        let heap = try FractalHeap.read(view: view, address: heapAddress, context: context)
        return try heap.object(id: heapID, view: view)
    }
}
