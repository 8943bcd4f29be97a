import ByteKit

/// Where and how a dataset's raw data is stored: inline in the header (compact), in one block
/// (contiguous), in chunks found through a chunk index (chunked), or mapped from other datasets
/// (virtual) (HDF5 File Format Specification 4.0, IV.A.2.i, Data Layout Message).
///
/// Versions 1 and 2:
///
/// ```text
/// version                 1   1 or 2
/// dimensionality          1   number of dimension sizes below
/// layout class            1   0 compact, 1 contiguous, 2 chunked
/// reserved                5
/// data address            O   contiguous: the data; chunked: the v1 B-tree; absent for compact
/// dimension sizes         dimensionality × 4
/// compact data size       4   (compact)
/// compact data                (compact)
/// ```
///
/// libhdf5 counts the spec's "dataset element size" of a chunked layout in the dimensionality:
/// it is the last dimension size. A contiguous layout stores no size: it is the product of the
/// dimension sizes (which include the element size), 32 bits each.
///
/// Version 3, and the compact and contiguous classes of versions 4 and 5:
///
/// ```text
/// version                 1   3, 4 or 5
/// layout class            1   0 compact, 1 contiguous, 2 chunked, 3 virtual (version 4 and up)
/// compact:    size 2, raw data
/// contiguous: address O, size L
/// chunked (version 3): dimensionality 1, v1 B-tree address O, dimension sizes dimensionality × 4
///                      (the last is the element size)
/// virtual:    global heap collection address O, global heap object index 4
/// ```
///
/// Versions 4 and 5, chunked (version 5, written by libhdf5 2.0, has the same fields; it tells
/// the chunk index that filtered chunk sizes are stored with the width of a length):
///
/// ```text
/// flags                       1   bit 0 do not filter partial edge chunks,
///                                 bit 1 single index with filter
/// dimensionality              1
/// dimension size encoded length 1 1 to 8
/// dimension sizes             dimensionality × encoded length (the last is the element size)
/// chunk indexing type         1   1 single chunk, 2 implicit, 3 fixed array,
///                                 4 extensible array, 5 version 2 B-tree
/// indexing type information       see `ChunkIndex`
/// address                     O   of the chunk index (or of the single chunk)
/// ```
public struct DataLayoutMessage: Sendable, Equatable {
    /// The message version, 1 to 5.
    public let version: Int
    /// The storage the layout describes.
    public let storage: Storage

    /// Bytes a chunk index uses for a filtered chunk's stored size: before version 5, one byte
    /// more than the unfiltered chunk size needs (at most 8, libhdf5's `H5D__chunk_size_width`
    /// rule); from version 5, the file's size of lengths.
    public func filteredChunkSizeWidth(chunkBytes: UInt64, context: FormatContext) -> Int {
        version >= 5 ? context.lengthSize : FilteredChunkBTreeRecord.chunkSizeWidth(chunkBytes: chunkBytes)
    }

    /// The layout classes.
    public enum Storage: Sendable, Equatable {
        /// The data is in the message itself.
        case compact(data: Bytes, dataOffset: UInt64)
        /// The data is one block of `size` bytes at `address`; nil when not yet allocated.
        case contiguous(address: UInt64?, size: UInt64)
        /// The data is in chunks.
        case chunked(Chunked)
        /// The data maps onto other datasets; the mappings are encoded in a global heap object
        /// that this reader does not resolve.
        case virtual(globalHeapAddress: UInt64?, index: UInt32)
    }

    /// The chunked layout's parameters.
    public struct Chunked: Sendable, Equatable {
        /// The size of a chunk in elements, slowest-varying dimension first (without the
        /// trailing element-size dimension stored on disk).
        public let chunkShape: [UInt64]
        /// The size of one element in bytes (the trailing dimension stored on disk).
        public let elementSize: UInt32
        /// The bytes in one unfiltered chunk: the product of the shape and the element size.
        public let chunkByteCount: UInt64
        /// The structure that finds the chunks.
        public let index: ChunkIndex
        /// Address of the chunk index (the single chunk itself for `.singleChunk`); nil when no
        /// storage is allocated yet.
        public let address: UInt64?
        /// Version 4 flag bit 0: partial edge chunks are stored without filters.
        public let doNotFilterPartialEdgeChunks: Bool
    }

    /// The structures that index a chunked dataset's chunks, with their creation parameters.
    public enum ChunkIndex: Sendable, Equatable {
        /// A version 1 B-tree (node type 1): the only index of versions 1 to 3.
        case bTreeV1
        /// Type 1: the dataset is one chunk at the layout's address. When the chunk is filtered
        /// (flag bit 1), its size after filtering and its filter mask.
        case singleChunk(filteredSize: UInt64?, filterMask: UInt32?)
        /// Type 2: chunks lie one after another from the layout's address, unfiltered.
        case implicit
        /// Type 3: a fixed array; `pageBits` is log2 of the elements in a data block page.
        case fixedArray(pageBits: UInt8)
        /// Type 4: an extensible array and its creation parameters.
        case extensibleArray(
            maxBits: UInt8, indexElements: UInt8, minPointers: UInt8, minElements: UInt8, pageBits: UInt8)
        /// Type 5: a version 2 B-tree (record type 10 or 11) and its creation parameters.
        case bTreeV2(nodeSize: UInt32, splitPercent: UInt8, mergePercent: UInt8)
    }

    /// The most dimensions a chunk may have (libhdf5's H5S_MAX_RANK).
    public static let maximumChunkRank = 32

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let version = try cursor.readVersion(1...5)
        self.version = Int(version)
        storage =
            version <= 2
            ? try Self.parseVersions1And2(&cursor, context: context)
            : try Self.parseVersions3To5(&cursor, version: version, context: context)
    }

    private static func parseVersions1And2(_ cursor: inout ByteCursor, context: FormatContext) throws -> Storage {
        let dimensionality = Int(try cursor.readUInt8())
        let layoutClassOffset = cursor.offset
        let layoutClass = try cursor.readUInt8()
        try cursor.skip(5)
        guard (1...maximumChunkRank + 1).contains(dimensionality) else {
            throw cursor.invalid("dimensionality \(dimensionality) is not 1 to \(maximumChunkRank + 1)")
        }
        switch layoutClass {
        case 0:
            try cursor.skip(4 * dimensionality)
            let size = try cursor.readUInt32()
            let dataOffset = cursor.offset
            return .compact(data: try cursor.readBytes(try cursor.require(UInt64(size))), dataOffset: dataOffset)
        case 1:
            let address = try cursor.readAddress(context)
            let sizesOffset = cursor.offset
            var size: UInt64 = 1
            for dimension in try readDimensionSizes(&cursor, count: dimensionality, width: 4) {
                let (next, overflow) = size.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw HDF5Error.invalid(
                        structure: cursor.structure, offset: sizesOffset, reason: "contiguous size overflows")
                }
                size = next
            }
            return .contiguous(address: address, size: size)
        case 2:
            let address = try cursor.readAddress(context)
            let dimensions = try readDimensionSizes(&cursor, count: dimensionality, width: 4)
            return .chunked(try Chunked(dimensions: dimensions, index: .bTreeV1, address: address, cursor: cursor))
        default:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: layoutClassOffset,
                reason: "layout class \(layoutClass) in a version 1 or 2 layout message")
        }
    }

    private static func parseVersions3To5(
        _ cursor: inout ByteCursor, version: UInt8, context: FormatContext
    ) throws -> Storage {
        let layoutClassOffset = cursor.offset
        switch try cursor.readUInt8() {
        case 0:
            let size = try cursor.readUInt16()
            let dataOffset = cursor.offset
            return .compact(data: try cursor.readBytes(Int(size)), dataOffset: dataOffset)
        case 1:
            return .contiguous(address: try cursor.readAddress(context), size: try cursor.readLength(context))
        case 2 where version == 3:
            let dimensionality = Int(try cursor.readUInt8())
            try checkChunkDimensionality(dimensionality, cursor: cursor)
            let address = try cursor.readAddress(context)
            let dimensions = try readDimensionSizes(&cursor, count: dimensionality, width: 4)
            return .chunked(try Chunked(dimensions: dimensions, index: .bTreeV1, address: address, cursor: cursor))
        case 2:
            return .chunked(try parseVersion4Chunked(&cursor, context: context))
        case 3 where version >= 4:
            return .virtual(globalHeapAddress: try cursor.readAddress(context), index: try cursor.readUInt32())
        case let other:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: layoutClassOffset,
                reason: "layout class \(other) in a version \(version) layout message")
        }
    }

    private static func parseVersion4Chunked(_ cursor: inout ByteCursor, context: FormatContext) throws -> Chunked {
        let flagsOffset = cursor.offset
        let flags = try cursor.readUInt8()
        guard flags & ~0x03 == 0 else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: flagsOffset, reason: "unknown chunked layout flags \(flags)")
        }
        let dimensionality = Int(try cursor.readUInt8())
        try checkChunkDimensionality(dimensionality, cursor: cursor)
        let encodedLength = Int(try cursor.readUInt8())
        guard (1...8).contains(encodedLength) else {
            throw cursor.invalid("dimension size encoded length \(encodedLength) is not 1 to 8")
        }
        let dimensions = try readDimensionSizes(&cursor, count: dimensionality, width: encodedLength)
        let typeOffset = cursor.offset
        let index: ChunkIndex
        switch try cursor.readUInt8() {
        case 1:
            if flags & 0x02 != 0 {
                index = .singleChunk(filteredSize: try cursor.readLength(context), filterMask: try cursor.readUInt32())
            } else {
                index = .singleChunk(filteredSize: nil, filterMask: nil)
            }
        case 2:
            index = .implicit
        case 3:
            index = .fixedArray(pageBits: try readNonZero(&cursor, "fixed array page bits"))
        case 4:
            index = .extensibleArray(
                maxBits: try readNonZero(&cursor, "extensible array maximum bits"),
                indexElements: try readNonZero(&cursor, "extensible array index elements"),
                minPointers: try readNonZero(&cursor, "extensible array minimum pointers"),
                minElements: try readNonZero(&cursor, "extensible array minimum elements"),
                pageBits: try readNonZero(&cursor, "extensible array page bits"))
        case 5:
            index = .bTreeV2(
                nodeSize: try cursor.readUInt32(), splitPercent: try cursor.readUInt8(),
                mergePercent: try cursor.readUInt8())
        case let other:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: typeOffset, reason: "unknown chunk indexing type \(other)")
        }
        let address = try cursor.readAddress(context)
        return try Chunked(
            dimensions: dimensions, index: index, address: address, cursor: cursor,
            doNotFilterPartialEdgeChunks: flags & 0x01 != 0)
    }

    /// Reads `count` (at most 33) dimension sizes of `width` bytes each.
    private static func readDimensionSizes(_ cursor: inout ByteCursor, count: Int, width: Int) throws -> [UInt64] {
        try cursor.require(count * width)
        return try (0..<count).map { _ in try cursor.readUnsigned(width: width) }
    }

    /// A chunked layout stores the chunk rank plus one (the element size).
    private static func checkChunkDimensionality(_ dimensionality: Int, cursor: ByteCursor) throws {
        guard (2...maximumChunkRank + 1).contains(dimensionality) else {
            throw cursor.invalid("chunk dimensionality \(dimensionality) is not 2 to \(maximumChunkRank + 1)")
        }
    }

    /// Reads a creation parameter byte that libhdf5 requires to be nonzero.
    private static func readNonZero(_ cursor: inout ByteCursor, _ name: String) throws -> UInt8 {
        let offset = cursor.offset
        let value = try cursor.readUInt8()
        guard value != 0 else {
            throw HDF5Error.invalid(structure: cursor.structure, offset: offset, reason: "\(name) is 0")
        }
        return value
    }
}

extension DataLayoutMessage.Chunked {
    /// Builds the chunked parameters from the on-disk dimension sizes, whose last is the element
    /// size. Every size must be 1 to 2³²−1 (libhdf5 keeps them in 32 bits) and the chunk's byte
    /// count must fit in 64 bits.
    fileprivate init(
        dimensions: [UInt64], index: DataLayoutMessage.ChunkIndex, address: UInt64?, cursor: ByteCursor,
        doNotFilterPartialEdgeChunks: Bool = false
    ) throws {
        guard dimensions.count >= 2, let last = dimensions.last else {
            throw cursor.invalid("chunked layout has \(dimensions.count) dimension sizes")
        }
        var byteCount: UInt64 = 1
        for dimension in dimensions {
            guard dimension != 0, dimension <= UInt64(UInt32.max) else {
                throw cursor.invalid("chunk dimension sizes \(dimensions) must be 1 to 2^32-1")
            }
            let (next, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw cursor.invalid("chunk byte count of \(dimensions) overflows") }
            byteCount = next
        }
        chunkShape = Array(dimensions.dropLast())
        elementSize = UInt32(last)
        chunkByteCount = byteCount
        self.index = index
        self.address = address
        self.doNotFilterPartialEdgeChunks = doNotFilterPartialEdgeChunks
    }
}
