import ByteKit

/// How a dataset's raw data is stored: compact (in the header), contiguous, chunked (with one
/// of five chunk indexes in version 4) or virtual (HDF5 File Format Specification 4.0,
/// IV.A.2.i, Data Layout Message).
///
/// ```text
/// versions 1, 2                         version 3                   version 4 (chunked)
///   version 1, dimensionality 1,          version 1, class 1          version 1, class 1, flags 1,
///   class 1, reserved 5,                  compact: size 2, data       dimensionality 1,
///   address O (not compact),              contiguous: address O,      dimension size width 1,
///   dimensions 4 each,                      size L                    dimensions (width each),
///   (compact) size 4, data                chunked: dimensionality 1,  index type 1, index info,
///                                           address O, dims 4 each    address O
/// ```
/// Chunked dimensions carry one more entry than the dataset's rank: the element size.
public struct DataLayoutMessage: Sendable {
    /// The storage and where it is.
    public enum Storage: Sendable {
        /// The data is in the message itself.
        case compact(data: Bytes, dataOffset: UInt64)
        /// The data is one run of bytes; `address` is nil while no storage is allocated.
        /// `size` is nil in versions 1 and 2, which leave it to the dataspace and datatype.
        case contiguous(address: UInt64?, size: UInt64?)
        case chunked(Chunked)
        /// A virtual dataset's mappings, in the global heap (described, not resolved).
        case virtual(globalHeapAddress: UInt64?, index: UInt32)
    }

    /// Chunked storage: the chunk shape and the index locating each chunk.
    public struct Chunked: Sendable {
        /// Elements per chunk in each dimension (the dataset's rank of them).
        public let chunkShape: [UInt64]
        /// The element size stored as the last chunk dimension.
        public let elementSize: UInt64
        public let index: ChunkIndex
        /// The index's address (for a single chunk, the chunk's); nil while nothing is written.
        public let indexAddress: UInt64?
        /// Version 4 flag bit 0: partial edge chunks are stored unfiltered.
        public let dontFilterPartialEdgeChunks: Bool
    }

    /// Which structure indexes the chunks (version 4's chunk indexing types; a v1 B-tree before).
    public enum ChunkIndex: Sendable, Equatable {
        case bTreeV1
        /// One chunk holds the whole dataset; when filtered, its size and filter mask are here.
        case singleChunk(filteredSize: UInt64?, filterMask: UInt32?)
        /// Chunks are contiguous and in order: no index at all.
        case implicit
        case fixedArray(pageBits: UInt8)
        case extensibleArray(
            maximumBits: UInt8, indexElements: UInt8, minimumPointers: UInt8, minimumElements: UInt8, pageBits: UInt8)
        case bTreeV2(nodeSize: UInt32, splitPercent: UInt8, mergePercent: UInt8)
    }

    public let version: Int
    public let storage: Storage

    /// Bytes a chunk index uses for a filtered chunk's stored size: before version 5, one byte
    /// more than the unfiltered chunk size needs (at most 8, libhdf5's `H5D__chunk_size_width`
    /// rule); from version 5, the file's size of lengths.
    public func filteredChunkSizeWidth(chunkBytes: UInt64, context: FormatContext) -> Int {
        version >= 5 ? context.lengthSize : FilteredChunkBTreeRecord.chunkSizeWidth(chunkBytes: chunkBytes)
    }

    /// Chunk dimensions (element size included) allowed by libhdf5 (`H5O_LAYOUT_NDIMS`).
    static let maximumChunkDimensions = 33

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        version = Int(try cursor.readUInt8())
        switch version {
        case 1, 2: storage = try Self.parseVersion1Or2(&cursor, context: context)
        // Version 5 (libhdf5 2.0) has version 4's fields; it changes how chunk indexes store
        // the sizes of filtered chunks (with the width of a length), see `filteredChunkSizeWidth`.
        case 3, 4, 5: storage = try Self.parseVersion3Or4(&cursor, version: version, context: context)
        default:
            throw HDF5Error.unknownVersion(structure: cursor.structure, offset: start, version: version)
        }
    }

    private static func parseVersion1Or2(_ cursor: inout ByteCursor, context: FormatContext) throws -> Storage {
        let dimensionality = Int(try cursor.readUInt8())
        let layoutClass = try cursor.readUInt8()
        try cursor.skip(5)
        let address = layoutClass == 0 ? nil : try cursor.readAddress(context)
        guard (1...maximumChunkDimensions).contains(dimensionality) else {
            throw cursor.invalid("layout dimensionality \(dimensionality)")
        }
        var dimensions: [UInt64] = []
        for _ in 0..<dimensionality { dimensions.append(UInt64(try cursor.readUInt32())) }
        switch layoutClass {
        case 0:
            let size = Int(try cursor.readUInt32())
            let dataOffset = cursor.offset
            return .compact(data: try cursor.readBytes(size), dataOffset: dataOffset)
        case 1:
            return .contiguous(address: address, size: nil)
        case 2:
            return .chunked(
                try chunked(dimensions, index: .bTreeV1, address: address, flags: 0, cursor: cursor))
        default:
            throw cursor.invalid("layout class \(layoutClass) in a version 1 or 2 layout message")
        }
    }

    private static func parseVersion3Or4(
        _ cursor: inout ByteCursor, version: Int, context: FormatContext
    ) throws -> Storage {
        let layoutClass = try cursor.readUInt8()
        switch layoutClass {
        case 0:
            let size = Int(try cursor.readUInt16())
            let dataOffset = cursor.offset
            return .compact(data: try cursor.readBytes(size), dataOffset: dataOffset)
        case 1:
            return .contiguous(address: try cursor.readAddress(context), size: try cursor.readLength(context))
        case 2 where version == 3:
            let dimensionality = Int(try cursor.readUInt8())
            guard (2...maximumChunkDimensions).contains(dimensionality) else {
                throw cursor.invalid("chunk dimensionality \(dimensionality)")
            }
            let address = try cursor.readAddress(context)
            var dimensions: [UInt64] = []
            for _ in 0..<dimensionality { dimensions.append(UInt64(try cursor.readUInt32())) }
            return .chunked(try chunked(dimensions, index: .bTreeV1, address: address, flags: 0, cursor: cursor))
        case 2:
            let flags = try cursor.readUInt8()
            let dimensionality = Int(try cursor.readUInt8())
            guard (2...maximumChunkDimensions).contains(dimensionality) else {
                throw cursor.invalid("chunk dimensionality \(dimensionality)")
            }
            let width = Int(try cursor.readUInt8())
            guard (1...8).contains(width) else { throw cursor.invalid("chunk dimension size width \(width)") }
            var dimensions: [UInt64] = []
            for _ in 0..<dimensionality { dimensions.append(try cursor.readUnsigned(width: width)) }
            let index = try chunkIndex(&cursor, flags: flags, context: context)
            let address = try cursor.readAddress(context)
            return .chunked(try chunked(dimensions, index: index, address: address, flags: flags, cursor: cursor))
        case 3 where version >= 4:
            return .virtual(globalHeapAddress: try cursor.readAddress(context), index: try cursor.readUInt32())
        default:
            throw cursor.invalid("layout class \(layoutClass) in a version \(version) layout message")
        }
    }

    private static func chunkIndex(_ cursor: inout ByteCursor, flags: UInt8, context: FormatContext) throws -> ChunkIndex {
        let type = try cursor.readUInt8()
        switch type {
        case 1:
            // Flag bit 1: the single chunk is filtered, so its stored size and mask are recorded.
            guard flags & 0x02 != 0 else { return .singleChunk(filteredSize: nil, filterMask: nil) }
            return .singleChunk(filteredSize: try cursor.readLength(context), filterMask: try cursor.readUInt32())
        case 2:
            return .implicit
        case 3:
            return .fixedArray(pageBits: try cursor.readUInt8())
        case 4:
            return .extensibleArray(
                maximumBits: try cursor.readUInt8(), indexElements: try cursor.readUInt8(),
                minimumPointers: try cursor.readUInt8(), minimumElements: try cursor.readUInt8(),
                pageBits: try cursor.readUInt8())
        case 5:
            return .bTreeV2(
                nodeSize: try cursor.readUInt32(), splitPercent: try cursor.readUInt8(),
                mergePercent: try cursor.readUInt8())
        default:
            throw cursor.invalid("chunk indexing type \(type)")
        }
    }

    /// Splits the stored dimensions into the chunk shape and the trailing element size.
    private static func chunked(
        _ dimensions: [UInt64], index: ChunkIndex, address: UInt64?, flags: UInt8, cursor: ByteCursor
    ) throws -> Chunked {
        guard let elementSize = dimensions.last, dimensions.count >= 2 else {
            throw cursor.invalid("chunked layout needs at least one dimension and the element size")
        }
        let shape = Array(dimensions.dropLast())
        guard !shape.contains(0), elementSize > 0 else {
            throw cursor.invalid("chunk dimension of zero in \(dimensions)")
        }
        return Chunked(
            chunkShape: shape, elementSize: elementSize, index: index, indexAddress: address,
            dontFilterPartialEdgeChunks: flags & 0x01 != 0)
    }
}
