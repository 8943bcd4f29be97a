import ByteKit

// The record layouts of version 2 B-trees (HDF5 File Format Specification 4.0, III.A.2,
// "Version 2 B-tree, Type N Record Layout"). Each type decodes one `BTreeV2Record` and
// rejects a record whose size is not the one its layout implies.

extension BTreeV2Record {
    /// A cursor over the record after checking that it is `expectedSize` bytes.
    func cursor(expecting expectedSize: Int, _ structure: String) throws -> ByteCursor {
        guard bytes.count == expectedSize else {
            throw HDF5Error.invalid(
                structure: structure, offset: offset,
                reason: "record of \(bytes.count) bytes where the layout has \(expectedSize)")
        }
        return cursor(structure)
    }
}

/// A huge object of a fractal heap: records of types 1 to 4 (HDF5 File Format Specification
/// 4.0, III.A.2, record types 1, 2, 3 and 4).
///
///   Huge Object Address                  size of offsets
///   Huge Object Length                   size of lengths (bytes stored, after filters)
///   Filter Mask                          4 bytes (types 2 and 4)
///   Filtered Huge Object Memory Size     size of lengths (types 2 and 4: bytes once unfiltered)
///   Huge Object ID                       size of lengths (types 1 and 2)
public struct HugeObjectRecord: Sendable, Equatable {
    /// Absolute file offset of the object's bytes.
    public let address: UInt64
    /// Bytes the object occupies in the file.
    public let length: UInt64
    /// For filtered objects: bit i set means filter i was skipped.
    public let filterMask: UInt32?
    /// For filtered objects: the object's size once unfiltered.
    public let memorySize: UInt64?
    /// For indirectly accessed objects: the ID the heap ID holds.
    public let id: UInt64?

    static let structure = "huge object record"

    /// Decodes a record of a tree of type 1, 2, 3 or 4.
    public init(parsing record: BTreeV2Record, type: BTreeV2RecordType, context: FormatContext) throws {
        let filtered = type == .indirectlyAccessedFilteredHugeObject || type == .directlyAccessedFilteredHugeObject
        let indirect = type == .indirectlyAccessedHugeObject || type == .indirectlyAccessedFilteredHugeObject
        guard indirect || type == .directlyAccessedHugeObject || type == .directlyAccessedFilteredHugeObject else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: record.offset,
                reason: "record type \(type.rawValue) is not a huge object")
        }
        let size =
            context.offsetSize + context.lengthSize * (1 + (filtered ? 1 : 0) + (indirect ? 1 : 0))
            + (filtered ? 4 : 0)
        var cursor = try record.cursor(expecting: size, Self.structure)
        guard let address = try cursor.readAddress(context) else { throw cursor.invalid("undefined object address") }
        self.address = address
        length = try cursor.readLength(context)
        filterMask = filtered ? try cursor.readUInt32() : nil
        memorySize = filtered ? try cursor.readLength(context) : nil
        id = indirect ? try cursor.readLength(context) : nil
    }
}

/// A link of a group with dense link storage, indexed by name (HDF5 File Format Specification
/// 4.0, III.A.2, record type 5).
///
///   Hash of Name                         4 bytes (lookup3 of the name)
///   ID                                   7 bytes (the link message's fractal heap ID)
public struct LinkNameRecord: Sendable, Equatable {
    public let nameHash: UInt32
    /// Heap ID of the link message in the group's fractal heap.
    public let heapID: Bytes

    public init(parsing record: BTreeV2Record) throws {
        var cursor = try record.cursor(expecting: 11, "link name record")
        nameHash = try cursor.readUInt32()
        heapID = try cursor.readBytes(7)
    }
}

/// A link of a group with dense link storage, indexed by creation order (HDF5 File Format
/// Specification 4.0, III.A.2, record type 6).
///
///   Creation Order                       8 bytes
///   ID                                   7 bytes (the link message's fractal heap ID)
public struct LinkCreationOrderRecord: Sendable, Equatable {
    public let creationOrder: UInt64
    /// Heap ID of the link message in the group's fractal heap.
    public let heapID: Bytes

    public init(parsing record: BTreeV2Record) throws {
        var cursor = try record.cursor(expecting: 15, "link creation order record")
        creationOrder = try cursor.readUInt64()
        heapID = try cursor.readBytes(7)
    }
}

/// A message of a shared object header message index (HDF5 File Format Specification 4.0,
/// III.A.2, record type 7; also the entries of a shared message list, III.H).
///
///   Message Location                     1 byte (0: in the index's fractal heap, 1: in an
///                                        object header)
///   Hash                                 4 bytes
///   then, in the heap:                   Reference Count (4 bytes), Heap ID (8 bytes)
///   or, in an object header:             Reserved (1), Message Type (1), Object Header
///                                        Index (2), Object Header Address (size of offsets)
///
/// The record is padded to the larger of the two layouts.
public struct SharedMessageRecord: Sendable, Equatable {
    /// Where the message is.
    public enum Location: Sendable, Equatable {
        /// In the index's fractal heap, under `heapID`, used by `referenceCount` objects.
        case heap(referenceCount: UInt32, heapID: Bytes)
        /// The `index`th message of type `messageType` in the object header at `address`.
        case objectHeader(messageType: UInt8, index: UInt16, address: UInt64)
    }

    public let hash: UInt32
    public let location: Location

    static let structure = "shared message record"

    /// Bytes in a record for the file's size of offsets (libhdf5's `H5SM_SOHM_ENTRY_SIZE`).
    public static func size(_ context: FormatContext) -> Int { 5 + max(12, 4 + context.offsetSize) }

    public init(parsing record: BTreeV2Record, context: FormatContext) throws {
        var cursor = try record.cursor(expecting: Self.size(context), Self.structure)
        try self.init(parsing: &cursor, context: context)
    }

    /// Decodes a record at the cursor, moving past its full padded size.
    init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        var entry = try cursor.readCursor(Self.size(context))
        let location = try entry.readUInt8()
        hash = try entry.readUInt32()
        switch location {
        case 0:
            self.location = .heap(referenceCount: try entry.readUInt32(), heapID: try entry.readBytes(8))
        case 1:
            try entry.skip(1)
            let messageType = try entry.readUInt8()
            let index = try entry.readUInt16()
            guard let address = try entry.readAddress(context) else {
                throw entry.invalid("undefined object header address")
            }
            self.location = .objectHeader(messageType: messageType, index: index, address: address)
        default:
            throw HDF5Error.invalid(
                structure: Self.structure, offset: entry.baseOffset, reason: "unknown message location \(location)")
        }
    }
}

/// An attribute of an object with dense attribute storage, indexed by name (HDF5 File Format
/// Specification 4.0, III.A.2, record type 8).
///
///   Heap ID                              8 bytes (the attribute message's fractal heap ID)
///   Message Flags                        1 byte
///   Creation Order                       4 bytes
///   Hash of Name                         4 bytes
public struct AttributeNameRecord: Sendable, Equatable {
    /// Heap ID of the attribute message in the object's attribute fractal heap.
    public let heapID: Bytes
    /// The attribute message's header message flags (bit 1: shared).
    public let messageFlags: UInt8
    public let creationOrder: UInt32
    public let nameHash: UInt32

    public init(parsing record: BTreeV2Record) throws {
        var cursor = try record.cursor(expecting: 17, "attribute name record")
        heapID = try cursor.readBytes(8)
        messageFlags = try cursor.readUInt8()
        creationOrder = try cursor.readUInt32()
        nameHash = try cursor.readUInt32()
    }
}

/// An attribute of an object with dense attribute storage, indexed by creation order (HDF5
/// File Format Specification 4.0, III.A.2, record type 9).
///
///   Heap ID                              8 bytes
///   Message Flags                        1 byte
///   Creation Order                       4 bytes
public struct AttributeCreationOrderRecord: Sendable, Equatable {
    /// Heap ID of the attribute message in the object's attribute fractal heap.
    public let heapID: Bytes
    /// The attribute message's header message flags (bit 1: shared).
    public let messageFlags: UInt8
    public let creationOrder: UInt32

    public init(parsing record: BTreeV2Record) throws {
        var cursor = try record.cursor(expecting: 13, "attribute creation order record")
        heapID = try cursor.readBytes(8)
        messageFlags = try cursor.readUInt8()
        creationOrder = try cursor.readUInt32()
    }
}

/// A chunk of a dataset without filters (HDF5 File Format Specification 4.0, III.A.2, record
/// type 10).
///
///   Address                              size of offsets
///   Dimension i Scaled Offset            8 bytes per dataset dimension (the chunk's first
///                                        element divided by the chunk size in that dimension)
public struct ChunkBTreeRecord: Sendable, Equatable {
    /// Absolute file offset of the chunk.
    public let address: UInt64
    /// The chunk's position in chunks, one per dataset dimension.
    public let scaledOffsets: [UInt64]

    /// - Parameter dimensionality: the dataset's rank (the data layout's dimensionality less one).
    public init(parsing record: BTreeV2Record, dimensionality: Int, context: FormatContext) throws {
        try checkChunkDimensionality(dimensionality, structure: "chunk record", offset: record.offset)
        var cursor = try record.cursor(expecting: context.offsetSize + 8 * dimensionality, "chunk record")
        guard let address = try cursor.readAddress(context) else { throw cursor.invalid("undefined chunk address") }
        self.address = address
        scaledOffsets = try readScaledOffsets(&cursor, dimensionality: dimensionality)
    }

    /// The chunk in the form every chunk index shares, given the chunk's shape and its size in
    /// bytes (unfiltered chunks all have the same size).
    public func chunkRecord(chunkDimensions: [UInt64], size: UInt32) throws -> ChunkRecord {
        ChunkRecord(
            size: size, filterMask: 0,
            offsets: try elementOffsets(scaledOffsets, chunkDimensions: chunkDimensions, chunkAddress: address),
            address: address)
    }
}

/// A chunk of a dataset with filters (HDF5 File Format Specification 4.0, III.A.2, record
/// type 11).
///
///   Address                              size of offsets
///   Chunk Size                           1 to 8 bytes (the width libhdf5 derives from the
///                                        unfiltered chunk size; the caller supplies it)
///   Filter Mask                          4 bytes
///   Dimension i Scaled Offset            8 bytes per dataset dimension
public struct FilteredChunkBTreeRecord: Sendable, Equatable {
    /// Bytes of the chunk-size field for chunks of `chunkBytes` unfiltered bytes, as libhdf5
    /// sizes it (`H5D__btree2_idx_create`): room for the size plus one byte, at most 8.
    public static func chunkSizeWidth(chunkBytes: UInt64) -> Int {
        let log2 = chunkBytes == 0 ? 0 : 63 - chunkBytes.leadingZeroBitCount
        return min(8, 1 + (log2 + 8) / 8)
    }

    /// Absolute file offset of the chunk.
    public let address: UInt64
    /// Bytes the chunk occupies in the file.
    public let chunkSize: UInt64
    /// Bit i set: filter i was not applied.
    public let filterMask: UInt32
    /// The chunk's position in chunks, one per dataset dimension.
    public let scaledOffsets: [UInt64]

    /// - Parameters:
    ///   - dimensionality: the dataset's rank (the data layout's dimensionality less one).
    ///   - chunkSizeWidth: bytes of the chunk size field (1 to 8).
    public init(
        parsing record: BTreeV2Record, dimensionality: Int, chunkSizeWidth: Int, context: FormatContext
    ) throws {
        try checkChunkDimensionality(dimensionality, structure: "filtered chunk record", offset: record.offset)
        guard (1...8).contains(chunkSizeWidth) else {
            throw HDF5Error.invalid(
                structure: "filtered chunk record", offset: record.offset,
                reason: "chunk size width \(chunkSizeWidth) is not 1 to 8")
        }
        var cursor = try record.cursor(
            expecting: context.offsetSize + chunkSizeWidth + 4 + 8 * dimensionality, "filtered chunk record")
        guard let address = try cursor.readAddress(context) else { throw cursor.invalid("undefined chunk address") }
        self.address = address
        chunkSize = try cursor.readUnsigned(width: chunkSizeWidth)
        filterMask = try cursor.readUInt32()
        scaledOffsets = try readScaledOffsets(&cursor, dimensionality: dimensionality)
    }

    /// The chunk in the form every chunk index shares, given the chunk's shape.
    public func chunkRecord(chunkDimensions: [UInt64]) throws -> ChunkRecord {
        guard let size = UInt32(exactly: chunkSize) else {
            throw HDF5Error.invalid(
                structure: "filtered chunk record", offset: address, reason: "chunk size \(chunkSize) exceeds 4 GiB")
        }
        return ChunkRecord(
            size: size, filterMask: filterMask,
            offsets: try elementOffsets(scaledOffsets, chunkDimensions: chunkDimensions, chunkAddress: address),
            address: address)
    }
}

private func readScaledOffsets(_ cursor: inout ByteCursor, dimensionality: Int) throws -> [UInt64] {
    var offsets: [UInt64] = []
    offsets.reserveCapacity(dimensionality)
    for _ in 0..<dimensionality { offsets.append(try cursor.readUInt64()) }
    return offsets
}

/// Scaled offsets times the chunk dimensions, checked for overflow. Errors name the chunk's address.
private func elementOffsets(_ scaled: [UInt64], chunkDimensions: [UInt64], chunkAddress: UInt64) throws -> [UInt64] {
    guard chunkDimensions.count == scaled.count else {
        throw HDF5Error.invalid(
            structure: "chunk record", offset: chunkAddress,
            reason: "\(scaled.count) scaled offsets for \(chunkDimensions.count) chunk dimensions")
    }
    return try zip(scaled, chunkDimensions).map { offset, dimension in
        let (product, overflow) = offset.multipliedReportingOverflow(by: dimension)
        guard !overflow else {
            throw HDF5Error.invalid(structure: "chunk record", offset: chunkAddress, reason: "chunk offset overflows")
        }
        return product
    }
}
