import ByteKit

/// The chunk map of a chunked dataset: every allocated chunk's element offsets, address, stored
/// size and filter mask, whichever index the layout names (HDF5 File Format Specification 4.0,
/// VII, Appendix C: Types of Indexes for Dataset Chunks, and III.A.1 for version 1 B-trees).
///
/// The fixed and extensible arrays are generic arrays; this is their chunk client (libhdf5's
/// `H5Dfarray.c` and `H5Dearray.c`), whose elements are
///
/// ```text
/// Address                size of offsets (undefined: the chunk is not allocated)
/// Chunk Size             filtered only: the chunk's stored size, in the width the layout
///                        message's version implies (`DataLayoutMessage.filteredChunkSizeWidth`)
/// Filter Mask            filtered only: 4 bytes
/// ```
///
/// and whose element index is the chunk's position in the row-major grid of chunks over the
/// dataset's maximum dimensions. An extensible array first moves its unlimited dimension to
/// the front (libhdf5's `H5VM_swizzle_coords`), so that the array grows at its end.
public enum ChunkIndexReader {
    static let structure = "chunk index"

    /// Every allocated chunk of the dataset with this layout and dataspace, in the index's order;
    /// chunks never allocated are left out.
    /// - Parameters:
    ///   - filtered: whether the dataset has a filter pipeline (its chunks then have their own
    ///     stored sizes and filter masks).
    /// - Throws: `HDF5Error.invalid` when the layout is not chunked or does not fit the
    ///   dataspace, and the index's own errors (bad checksums, truncation, cycles).
    ///
    /// With `rows` (elements of the first dimension), only the parts of the index that can hold
    /// chunks overlapping those rows are read (pages of a fixed array, blocks of an extensible
    /// array, subtrees of a version 2 B-tree), and the records returned include at least those
    /// chunks. Version 1 B-trees are read a level at a time by `HDF5File` instead.
    public static func records(
        view: FileView, layout: DataLayoutMessage, dataspace: Dataspace, filtered: Bool, context: FormatContext,
        rows: Range<UInt64>? = nil
    ) throws -> [ChunkRecord] {
        guard case .chunked(let chunked) = layout.storage else {
            throw HDF5Error.invalid(structure: structure, offset: 0, reason: "the data layout is not chunked")
        }
        guard let address = chunked.address else { return [] }
        let grid = try ChunkGrid(chunked: chunked, dataspace: dataspace, indexAddress: address)
        let rank = chunked.chunkShape.count
        let chunkBytes = try storedSize(chunked.chunkByteCount, at: address)
        switch chunked.index {
        case .bTreeV1:
            return try BTreeV1.chunkRecords(view: view, address: address, context: context, dimensionality: rank)
        case .singleChunk(let filteredSize, let filterMask):
            guard filtered else {
                return [ChunkRecord(size: chunkBytes, filterMask: 0, offsets: grid.origin, address: address)]
            }
            guard let filteredSize, let filterMask else {
                throw HDF5Error.invalid(
                    structure: structure, offset: address, reason: "a filtered single chunk without its filtered size")
            }
            return [
                ChunkRecord(
                    size: try storedSize(filteredSize, at: address), filterMask: filterMask, offsets: grid.origin,
                    address: address)
            ]
        case .implicit:
            return try implicitRecords(view: view, grid: grid, chunkBytes: chunkBytes, address: address)
        case .fixedArray:
            let header = try FixedArrayHeader.read(view: view, address: address, context: context)
            let element = try ArrayElement(
                clientID: header.clientID, elementSize: header.elementSize, filtered: filtered, layout: layout,
                chunkBytes: chunked.chunkByteCount, context: context, structure: FixedArrayHeader.structure,
                address: address)
            let (count, overflow) = grid.maximumChunkCount
            guard !overflow, count == header.elementCount else {
                throw HDF5Error.invalid(
                    structure: FixedArrayHeader.structure, offset: address,
                    reason: "\(header.elementCount) elements for \(overflow ? "more than 2^64" : "\(count)") chunks")
            }
            return try header.elements(view: view, indices: rows.map(grid.fixedArrayIndices(overlappingRows:))) {
                cursor, index in
                try element.decode(&cursor, chunkBytes: chunkBytes) { try grid.offsets(ofFixedArrayIndex: index) }
            }
        case .extensibleArray(let maxBits, let indexElements, let minPointers, let minElements, let pageBits):
            let header = try ExtensibleArrayHeader.read(view: view, address: address, context: context)
            guard
                (header.maximumElementBits, header.indexBlockElementCount, header.minimumDataBlockPointerCount,
                    header.minimumDataBlockElementCount, header.pageBits)
                    == (maxBits, indexElements, minPointers, minElements, pageBits)
            else {
                throw HDF5Error.invalid(
                    structure: ExtensibleArrayHeader.structure, offset: address,
                    reason: "creation parameters differ from the data layout message's")
            }
            let element = try ArrayElement(
                clientID: header.clientID, elementSize: header.elementSize, filtered: filtered, layout: layout,
                chunkBytes: chunked.chunkByteCount, context: context, structure: ExtensibleArrayHeader.structure,
                address: address)
            let unlimited = try grid.unlimitedDimension()
            let wanted = rows.map { rows in
                { (indices: Range<UInt64>) in grid.extensibleArrayIndices(indices, overlapRows: rows, unlimitedDimension: unlimited) }
            }
            return try header.elements(view: view, wanted: wanted) { cursor, index in
                try element.decode(&cursor, chunkBytes: chunkBytes) {
                    try grid.offsets(ofExtensibleArrayIndex: index, unlimitedDimension: unlimited)
                }
            }
        case .bTreeV2:
            return try bTreeV2Records(
                view: view, layout: layout, chunked: chunked, grid: grid, filtered: filtered, address: address,
                chunkBytes: chunkBytes, context: context, rows: rows)
        }
    }

    /// A stored size as a record holds it: libhdf5 keeps chunk sizes in 32 bits.
    private static func storedSize(_ size: UInt64, at address: UInt64) throws -> UInt32 {
        guard let size = UInt32(exactly: size) else {
            throw HDF5Error.invalid(structure: structure, offset: address, reason: "chunk size \(size) exceeds 4 GiB")
        }
        return size
    }

    /// The implicit index (libhdf5's `H5D__none_idx_iterate`): every chunk of the current grid,
    /// at the index's address plus its position in the maximum grid times the chunk's size.
    private static func implicitRecords(
        view: FileView, grid: ChunkGrid, chunkBytes: UInt32, address: UInt64
    ) throws -> [ChunkRecord] {
        // The whole maximum grid is allocated at once: it must lie inside the file, which bounds
        // the number of records.
        let (count, countOverflow) = grid.maximumChunkCount
        let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: UInt64(chunkBytes))
        guard !countOverflow, !bytesOverflow, address <= view.fileSize, bytes <= view.fileSize - address else {
            throw HDF5Error.truncated(
                structure: "implicit chunk index", offset: address, needed: bytes,
                available: view.fileSize > address ? view.fileSize - address : 0)
        }
        guard zip(grid.currentChunks, grid.maximumChunks).allSatisfy({ $0 <= ($1 ?? 0) }) else {
            throw HDF5Error.invalid(
                structure: "implicit chunk index", offset: address, reason: "the dataspace exceeds its maximum")
        }
        guard grid.currentChunks.allSatisfy({ $0 > 0 }) else { return [] }
        var records: [ChunkRecord] = []
        var scaled = [UInt64](repeating: 0, count: grid.chunkShape.count)
        repeat {
            let index = grid.fixedArrayIndex(ofScaledOffsets: scaled)
            records.append(
                ChunkRecord(
                    size: chunkBytes, filterMask: 0, offsets: try grid.elementOffsets(scaled),
                    address: address + index * UInt64(chunkBytes)))
        } while grid.advance(&scaled, within: grid.currentChunks)
        return records
    }

    /// The version 2 B-tree index: records of type 10 (unfiltered) or 11 (filtered); with `rows`,
    /// only the subtrees that can hold chunks overlapping those rows.
    private static func bTreeV2Records(
        view: FileView, layout: DataLayoutMessage, chunked: DataLayoutMessage.Chunked, grid: ChunkGrid, filtered: Bool,
        address: UInt64, chunkBytes: UInt32, context: FormatContext, rows: Range<UInt64>?
    ) throws -> [ChunkRecord] {
        let header = try BTreeV2Header.read(view: view, address: address, context: context)
        let expected: BTreeV2RecordType = filtered ? .filteredChunk : .chunk
        guard header.type == expected else {
            throw HDF5Error.invalid(
                structure: BTreeV2Header.structure, offset: address,
                reason: "record type \(header.typeNumber) for \(filtered ? "filtered" : "unfiltered") chunks")
        }
        let rank = chunked.chunkShape.count
        let width = layout.filteredChunkSizeWidth(chunkBytes: chunked.chunkByteCount, context: context)
        func scaledOffsets(_ record: BTreeV2Record) throws -> [UInt64] {
            filtered
                ? try FilteredChunkBTreeRecord(
                    parsing: record, dimensionality: rank, chunkSizeWidth: width, context: context
                ).scaledOffsets
                : try ChunkBTreeRecord(parsing: record, dimensionality: rank, context: context).scaledOffsets
        }
        // Records are ordered by their scaled offsets, the first dimension's first (libhdf5's
        // `H5D__bt2_compare`): a subtree between two records holds chunks of the rows between theirs.
        var visiting: ((BTreeV2Record?, BTreeV2Record?) throws -> Bool)?
        if let chunkRows = rows.flatMap(grid.chunkRows(overlapping:)) {
            visiting = { below, above in
                try (below.map { try scaledOffsets($0)[0] <= chunkRows.upperBound } ?? true)
                    && (above.map { try scaledOffsets($0)[0] >= chunkRows.lowerBound } ?? true)
            }
        }
        return try header.records(view: view, visiting: visiting).map { record in
            if filtered {
                return try FilteredChunkBTreeRecord(
                    parsing: record, dimensionality: rank, chunkSizeWidth: width, context: context
                ).chunkRecord(chunkDimensions: chunked.chunkShape)
            }
            return try ChunkBTreeRecord(parsing: record, dimensionality: rank, context: context)
                .chunkRecord(chunkDimensions: chunked.chunkShape, size: chunkBytes)
        }
    }
}

/// How the chunk client encodes one element of a fixed or extensible array.
private struct ArrayElement {
    let filtered: Bool
    /// Bytes of the filtered chunk size field.
    let chunkSizeWidth: Int
    let context: FormatContext

    /// Checks the array header's client ID and element size against the dataset's filters and
    /// the layout's rules.
    init(
        clientID: UInt8, elementSize: Int, filtered: Bool, layout: DataLayoutMessage, chunkBytes: UInt64,
        context: FormatContext, structure: String, address: UInt64
    ) throws {
        guard clientID == (filtered ? 1 : 0) else {
            throw HDF5Error.invalid(
                structure: structure, offset: address,
                reason: "client ID \(clientID) for \(filtered ? "filtered" : "unfiltered") chunks")
        }
        self.filtered = filtered
        self.context = context
        chunkSizeWidth = filtered ? layout.filteredChunkSizeWidth(chunkBytes: chunkBytes, context: context) : 0
        let expected = context.offsetSize + (filtered ? chunkSizeWidth + 4 : 0)
        guard elementSize == expected else {
            throw HDF5Error.invalid(
                structure: structure, offset: address,
                reason: "element size \(elementSize) where the chunk elements take \(expected) bytes")
        }
    }

    /// The chunk the element describes, or nil when it is not allocated; `offsets` computes the
    /// chunk's element offsets (only for allocated chunks).
    func decode(
        _ cursor: inout ByteCursor, chunkBytes: UInt32, offsets: () throws -> [UInt64]
    ) throws -> ChunkRecord? {
        guard let address = try cursor.readAddress(context) else { return nil }
        guard filtered else {
            return ChunkRecord(size: chunkBytes, filterMask: 0, offsets: try offsets(), address: address)
        }
        let sizeOffset = cursor.offset
        let size = try cursor.readUnsigned(width: chunkSizeWidth)
        let filterMask = try cursor.readUInt32()
        guard let stored = UInt32(exactly: size) else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: sizeOffset, reason: "chunk size \(size) exceeds 4 GiB")
        }
        return ChunkRecord(size: stored, filterMask: filterMask, offsets: try offsets(), address: address)
    }
}

/// The grid of chunks over a dataset, and libhdf5's mappings between a chunk's position in it
/// and an array index (`H5D__chunk_set_info_real`, `H5VM_array_offset_pre`).
private struct ChunkGrid {
    /// Elements per chunk in each dimension.
    let chunkShape: [UInt64]
    /// Chunks covering the current dimensions.
    let currentChunks: [UInt64]
    /// Chunks covering the maximum dimensions; nil where a dimension is unlimited.
    let maximumChunks: [UInt64?]
    let indexAddress: UInt64

    init(chunked: DataLayoutMessage.Chunked, dataspace: Dataspace, indexAddress: UInt64) throws {
        chunkShape = chunked.chunkShape
        self.indexAddress = indexAddress
        guard dataspace.kind == .simple, dataspace.dimensions.count == chunkShape.count else {
            throw HDF5Error.invalid(
                structure: ChunkIndexReader.structure, offset: indexAddress,
                reason: "chunks of rank \(chunkShape.count) for a dataspace of rank \(dataspace.dimensions.count)")
        }
        let maximum = dataspace.maxDimensions ?? dataspace.dimensions.map { Optional($0) }
        guard maximum.count == chunkShape.count else {
            throw HDF5Error.invalid(
                structure: ChunkIndexReader.structure, offset: indexAddress,
                reason: "\(maximum.count) maximum dimensions for chunks of rank \(chunkShape.count)")
        }
        // Chunk dimensions are 1 to 2^32-1 (checked by the layout message), so the rounding up
        // cannot overflow.
        currentChunks = zip(dataspace.dimensions, chunkShape).map { $0 / $1 + ($0 % $1 == 0 ? 0 : 1) }
        maximumChunks = zip(maximum, chunkShape).map { extent, chunk in
            extent.map { $0 / chunk + ($0 % chunk == 0 ? 0 : 1) }
        }
    }

    /// The first chunk's offsets: all zeros.
    var origin: [UInt64] { [UInt64](repeating: 0, count: chunkShape.count) }

    /// Chunks in the maximum grid, and whether counting them overflowed (or a dimension is
    /// unlimited).
    var maximumChunkCount: (UInt64, Bool) {
        var product: UInt64 = 1
        for chunks in maximumChunks {
            guard let chunks else { return (0, true) }
            let (next, overflow) = product.multipliedReportingOverflow(by: chunks)
            guard !overflow else { return (0, true) }
            product = next
        }
        return (product, false)
    }

    /// The one unlimited dimension an extensible array index requires.
    func unlimitedDimension() throws -> Int {
        let unlimited = maximumChunks.indices.filter { maximumChunks[$0] == nil }
        guard unlimited.count == 1, let dimension = unlimited.first else {
            throw HDF5Error.invalid(
                structure: ExtensibleArrayHeader.structure, offset: indexAddress,
                reason: "an extensible array index for \(unlimited.count) unlimited dimensions")
        }
        return dimension
    }

    /// Scaled offsets times the chunk shape, checked for overflow.
    func elementOffsets(_ scaled: [UInt64]) throws -> [UInt64] {
        try zip(scaled, chunkShape).map { position, chunk in
            let (offset, overflow) = position.multipliedReportingOverflow(by: chunk)
            guard !overflow else {
                throw HDF5Error.invalid(
                    structure: ChunkIndexReader.structure, offset: indexAddress, reason: "chunk offset overflows")
            }
            return offset
        }
    }

    /// Row-major position of a chunk in the maximum grid (the fixed array's and implicit
    /// index's element index). Only called on fixed grids whose chunk count fits in 64 bits.
    func fixedArrayIndex(ofScaledOffsets scaled: [UInt64]) -> UInt64 {
        zip(scaled, maximumChunks).reduce(0) { index, pair in index * (pair.1 ?? 1) + pair.0 }
    }

    /// The fixed array indices of the chunks that overlap `rows` of the first dimension: a run of
    /// whole rows of the maximum grid. Only called on fixed grids whose chunk count fits in 64 bits.
    func fixedArrayIndices(overlappingRows rows: Range<UInt64>) -> Range<UInt64> {
        guard let chunkRows = chunkRows(overlapping: rows) else { return 0..<0 }
        let perRow = maximumChunks.dropFirst().reduce(UInt64(1)) { $0 * ($1 ?? 1) }
        let (start, startOverflow) = chunkRows.lowerBound.multipliedReportingOverflow(by: perRow)
        let (end, endOverflow) = (chunkRows.upperBound + 1).multipliedReportingOverflow(by: perRow)
        return startOverflow ? 0..<0 : start..<(endOverflow ? UInt64.max : end)
    }

    /// The chunk positions in the first dimension of the chunks overlapping `rows` of it (nil when
    /// none do).
    func chunkRows(overlapping rows: Range<UInt64>) -> ClosedRange<UInt64>? {
        guard !rows.isEmpty, let firstChunk = chunkShape.first, firstChunk > 0 else { return nil }
        return (rows.lowerBound / firstChunk)...((rows.upperBound - 1) / firstChunk)
    }

    /// Whether any of the extensible array's element `indices` is a chunk overlapping `rows` of
    /// the first dimension. In the swizzled grid (see `offsets(ofExtensibleArrayIndex:)`) the
    /// first dimension's chunk position is `index / stride` when it is the unlimited dimension,
    /// `(index / stride) % chunks` otherwise, with `stride` the chunks of the dimensions after it.
    func extensibleArrayIndices(_ indices: Range<UInt64>, overlapRows rows: Range<UInt64>, unlimitedDimension: Int) -> Bool {
        guard !indices.isEmpty, let wanted = chunkRows(overlapping: rows) else { return false }
        var stride: UInt64 = 1
        for (dimension, chunks) in maximumChunks.enumerated() where dimension != 0 && dimension != unlimitedDimension {
            let (product, overflow) = stride.multipliedReportingOverflow(by: chunks ?? 1)
            guard !overflow else { return true }
            stride = product
        }
        guard stride > 0 else { return false }
        let first = indices.lowerBound / stride
        let last = (indices.upperBound - 1) / stride
        guard unlimitedDimension != 0, let period = maximumChunks[0] else {
            return first <= wanted.upperBound && last >= wanted.lowerBound
        }
        guard period > 0 else { return false }
        guard last - first + 1 < period else { return true }
        // The positions first % period ... last % period, wrapping at most once.
        let (low, high) = (first % period, last % period)
        if low <= high { return low <= wanted.upperBound && high >= wanted.lowerBound }
        return high >= wanted.lowerBound || low <= wanted.upperBound
    }

    /// Moves `scaled` to the next chunk in row-major order within `bounds`; false after the last.
    func advance(_ scaled: inout [UInt64], within bounds: [UInt64]) -> Bool {
        for dimension in scaled.indices.reversed() {
            scaled[dimension] += 1
            if scaled[dimension] < bounds[dimension] { return true }
            scaled[dimension] = 0
        }
        return false
    }

    /// The element offsets of the chunk at row-major position `index` of the maximum grid.
    func offsets(ofFixedArrayIndex index: UInt64) throws -> [UInt64] {
        try elementOffsets(try unravel(index, extents: maximumChunks.map { $0 ?? 1 }))
    }

    /// The element offsets of the chunk at position `index` of an extensible array: the grid
    /// with the unlimited dimension moved first, row-major (libhdf5's
    /// `swizzled_max_down_chunks`).
    func offsets(ofExtensibleArrayIndex index: UInt64, unlimitedDimension: Int) throws -> [UInt64] {
        var swizzled = maximumChunks.map { $0 ?? 1 }
        swizzled.insert(swizzled.remove(at: unlimitedDimension), at: 0)
        var scaled = try unravel(index, extents: swizzled)
        scaled.insert(scaled.removeFirst(), at: unlimitedDimension)
        return try elementOffsets(scaled)
    }

    /// Row-major coordinates of `index` over `extents`; the first coordinate is unbounded.
    private func unravel(_ index: UInt64, extents: [UInt64]) throws -> [UInt64] {
        var remainder = index
        var coordinates = [UInt64](repeating: 0, count: extents.count)
        for dimension in extents.indices.reversed() {
            guard dimension > 0 else {
                coordinates[0] = remainder
                break
            }
            guard extents[dimension] > 0 else {
                throw HDF5Error.invalid(
                    structure: ChunkIndexReader.structure, offset: indexAddress,
                    reason: "chunk \(index) of a grid with no chunks in dimension \(dimension)")
            }
            coordinates[dimension] = remainder % extents[dimension]
            remainder /= extents[dimension]
        }
        return coordinates
    }
}
