import ByteKit

// On disk (HDF5 File Format Specification 4.0, III.G):
//
// Header:
//   Signature "FRHP", Version (0)                         5 bytes
//   Heap ID Length                                        2 bytes
//   I/O Filters' Encoded Length                           2 bytes
//   Flags                                                 1 byte (bit 0: huge object IDs have
//                                                         wrapped; bit 1: direct blocks are
//                                                         checksummed)
//   Maximum Size of Managed Objects                       4 bytes
//   Next Huge Object ID                                   size of lengths
//   v2 B-tree Address of Huge Objects                     size of offsets
//   Amount of Free Space in Managed Blocks                size of lengths
//   Address of Managed Block Free Space Manager           size of offsets
//   Amount of Managed Space in Heap                       size of lengths
//   Amount of Allocated Managed Space in Heap             size of lengths
//   Offset of Direct Block Allocation Iterator            size of lengths
//   Number of Managed Objects in Heap                     size of lengths
//   Size of Huge Objects in Heap                          size of lengths
//   Number of Huge Objects in Heap                        size of lengths
//   Size of Tiny Objects in Heap                          size of lengths
//   Number of Tiny Objects in Heap                        size of lengths
//   Table Width                                           2 bytes
//   Starting Block Size                                   size of lengths
//   Maximum Direct Block Size                             size of lengths
//   Maximum Heap Size                                     2 bytes (bits in a heap offset)
//   Starting # of Rows in Root Indirect Block             2 bytes
//   Address of Root Block                                 size of offsets
//   Current # of Rows in Root Indirect Block              2 bytes (0: the root is a direct block)
//   Size of Filtered Root Direct Block                    size of lengths (with filters only)
//   I/O Filter Mask                                       4 bytes (with filters only)
//   I/O Filter Information                                the encoded length (a filter pipeline
//                                                         message; with filters only)
//   Checksum                                              4 bytes
//
// Direct block ("FHDB"): version, heap header address, block offset (heap offset size bytes),
// checksum (4 bytes, when the header's flag says so; computed over the whole block with the
// checksum field zeroed), then objects up to the block's size.
//
// Indirect block ("FHIB"): version, heap header address, block offset, then for each direct
// block entry its address (plus, with filters, its filtered size and filter mask), then each
// indirect block entry's address, then a checksum of everything before it.

/// A fractal heap: the store of a new-style group's links, of dense attributes and of shared
/// messages, whose objects are found by heap IDs (HDF5 File Format Specification 4.0, III.G,
/// Fractal Heap).
///
/// Small objects ("managed") live in direct blocks arranged in a doubling table: rows of
/// `tableWidth` blocks whose size doubles every row, with indirect blocks holding the rows
/// beyond the largest direct block size. Tiny objects live inside their heap ID; huge objects
/// live elsewhere in the file, found through the ID or a version 2 B-tree.
public struct FractalHeap: Sendable, Equatable {
    /// Absolute file offset of the heap header.
    public let address: UInt64
    /// Bytes in this heap's IDs.
    public let heapIDLength: UInt16
    /// Bytes of the encoded filter pipeline; 0 when the heap has no filters.
    public let ioFiltersEncodedLength: UInt16
    public let flags: UInt8
    public let maximumManagedObjectSize: UInt32
    public let nextHugeObjectID: UInt64
    /// The version 2 B-tree of huge objects, when there is one.
    public let hugeObjectsBTreeAddress: UInt64?
    public let freeSpaceInManagedBlocks: UInt64
    public let managedBlockFreeSpaceManagerAddress: UInt64?
    public let managedSpace: UInt64
    public let allocatedManagedSpace: UInt64
    public let directBlockAllocationIteratorOffset: UInt64
    public let managedObjectCount: UInt64
    public let hugeObjectsSize: UInt64
    public let hugeObjectCount: UInt64
    public let tinyObjectsSize: UInt64
    public let tinyObjectCount: UInt64
    /// Where managed objects are.
    public let doublingTable: DoublingTable
    /// With filters: bytes of the filtered root direct block.
    public let filteredRootDirectBlockSize: UInt64?
    /// With filters: the filters skipped for the root direct block.
    public let rootDirectBlockFilterMask: UInt32?
    /// With filters: the encoded filter pipeline message, undecoded.
    public let ioFilterInformation: Bytes?
    /// The file's sizes, needed to decode the blocks.
    public let context: FormatContext

    /// The doubling table's parameters (HDF5 File Format Specification 4.0, III.G).
    public struct DoublingTable: Sendable, Equatable {
        /// Blocks per row (a power of two).
        public let tableWidth: UInt16
        /// Bytes of each block in rows 0 and 1 (a power of two).
        public let startingBlockSize: UInt64
        /// Bytes of the largest direct block (a power of two); larger rows hold indirect blocks.
        public let maximumDirectBlockSize: UInt64
        /// Bits in a heap offset: log2 of the heap's largest possible size.
        public let maximumHeapSize: UInt16
        public let startingRootRowCount: UInt16
        /// The root block, or nil while the heap has no managed objects.
        public let rootBlockAddress: UInt64?
        /// Rows in the root indirect block; 0 when the root is a direct block.
        public let currentRootRowCount: UInt16

        /// log2 of the bytes covered by row 0.
        var firstRowBits: Int { startingBlockSize.trailingZeroBitCount + Int(tableWidth).trailingZeroBitCount }
        /// Rows whose blocks are direct blocks.
        var maximumDirectRows: Int {
            maximumDirectBlockSize.trailingZeroBitCount - startingBlockSize.trailingZeroBitCount + 2
        }
        /// The most rows the root indirect block can have.
        var maximumRootRows: Int { Int(maximumHeapSize) - firstRowBits + 1 }

        /// Bytes of each block in `row` (valid for rows below `maximumRootRows`).
        func blockSize(row: Int) -> UInt64 { row == 0 ? startingBlockSize : startingBlockSize << UInt64(row - 1) }
        /// Offset of `row`'s first block from its indirect block's offset.
        func rowOffset(row: Int) -> UInt64 {
            row == 0 ? 0 : (startingBlockSize * UInt64(tableWidth)) << UInt64(row - 1)
        }
        /// Rows of an indirect block held in `row` of its parent (libhdf5: log2 of the block
        /// size less the first row's bits, plus one).
        func indirectBlockRows(row: Int) -> Int { row - Int(tableWidth).trailingZeroBitCount }
    }

    /// True when every direct block carries a checksum.
    public var directBlocksAreChecksummed: Bool { flags & 0x02 != 0 }
    /// True when the heap has an I/O filter pipeline.
    public var hasFilters: Bool { ioFiltersEncodedLength > 0 }
    /// Bytes of a heap offset: in heap IDs and block headers.
    public var heapOffsetSize: Int { (Int(doublingTable.maximumHeapSize) + 7) / 8 }
    /// Bytes of a managed object's length in its heap ID (libhdf5's `heap_len_size`).
    public var heapLengthSize: Int {
        let directBlockOffsetSize = (doublingTable.maximumDirectBlockSize.trailingZeroBitCount + 7) / 8
        return min(directBlockOffsetSize, BTreeV2Header.encodedSize(UInt64(maximumManagedObjectSize)))
    }

    static let structure = "fractal heap header"
    static let directBlockStructure = "fractal heap direct block"
    static let indirectBlockStructure = "fractal heap indirect block"
    static let idStructure = "fractal heap ID"

    /// Decodes and checks the header at `address`.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> FractalHeap {
        var prefix = try view.cursor(at: address, length: 9, structure: structure)
        try prefix.expectSignature("FRHP")
        let version = try prefix.readUInt8()
        guard version == 0 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address, version: Int(version))
        }
        let heapIDLength = try prefix.readUInt16()
        let filtersLength = try prefix.readUInt16()
        let lengths = context.lengthSize
        let filterPart = filtersLength > 0 ? lengths + 4 + Int(filtersLength) : 0
        let size = 26 + 12 * lengths + 3 * context.offsetSize + filterPart
        var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try cursor.skip(9)
        let flags = try cursor.readUInt8()
        let maximumManagedObjectSize = try cursor.readUInt32()
        let nextHugeObjectID = try cursor.readLength(context)
        let hugeObjectsBTreeAddress = try cursor.readAddress(context)
        let freeSpace = try cursor.readLength(context)
        let freeSpaceManager = try cursor.readAddress(context)
        let managedSpace = try cursor.readLength(context)
        let allocatedManagedSpace = try cursor.readLength(context)
        let iteratorOffset = try cursor.readLength(context)
        let managedObjectCount = try cursor.readLength(context)
        let hugeObjectsSize = try cursor.readLength(context)
        let hugeObjectCount = try cursor.readLength(context)
        let tinyObjectsSize = try cursor.readLength(context)
        let tinyObjectCount = try cursor.readLength(context)
        let tableOffset = cursor.offset
        let table = DoublingTable(
            tableWidth: try cursor.readUInt16(), startingBlockSize: try cursor.readLength(context),
            maximumDirectBlockSize: try cursor.readLength(context), maximumHeapSize: try cursor.readUInt16(),
            startingRootRowCount: try cursor.readUInt16(), rootBlockAddress: try cursor.readAddress(context),
            currentRootRowCount: try cursor.readUInt16())
        try check(table, offset: tableOffset)
        var filteredRootSize: UInt64?
        var filterMask: UInt32?
        var filterInformation: Bytes?
        if filtersLength > 0 {
            filteredRootSize = try cursor.readLength(context)
            filterMask = try cursor.readUInt32()
            filterInformation = try cursor.readBytes(Int(filtersLength))
        }
        return FractalHeap(
            address: address, heapIDLength: heapIDLength, ioFiltersEncodedLength: filtersLength, flags: flags,
            maximumManagedObjectSize: maximumManagedObjectSize, nextHugeObjectID: nextHugeObjectID,
            hugeObjectsBTreeAddress: hugeObjectsBTreeAddress, freeSpaceInManagedBlocks: freeSpace,
            managedBlockFreeSpaceManagerAddress: freeSpaceManager, managedSpace: managedSpace,
            allocatedManagedSpace: allocatedManagedSpace, directBlockAllocationIteratorOffset: iteratorOffset,
            managedObjectCount: managedObjectCount, hugeObjectsSize: hugeObjectsSize, hugeObjectCount: hugeObjectCount,
            tinyObjectsSize: tinyObjectsSize, tinyObjectCount: tinyObjectCount, doublingTable: table,
            filteredRootDirectBlockSize: filteredRootSize, rootDirectBlockFilterMask: filterMask,
            ioFilterInformation: filterInformation, context: context)
    }

    /// Rejects doubling tables whose arithmetic would overflow or whose blocks could not exist.
    private static func check(_ table: DoublingTable, offset: UInt64) throws {
        func invalid(_ reason: String) -> HDF5Error { .invalid(structure: structure, offset: offset, reason: reason) }
        guard table.tableWidth > 0, table.tableWidth.nonzeroBitCount == 1 else {
            throw invalid("table width \(table.tableWidth) is not a power of two")
        }
        guard table.startingBlockSize > 0, table.startingBlockSize.nonzeroBitCount == 1,
            table.maximumDirectBlockSize.nonzeroBitCount == 1,
            table.maximumDirectBlockSize >= table.startingBlockSize
        else {
            let sizes = "\(table.startingBlockSize) to \(table.maximumDirectBlockSize)"
            throw invalid("block sizes \(sizes) are not powers of two in order")
        }
        guard table.maximumDirectBlockSize <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: offset, limit: "direct blocks of \(table.maximumDirectBlockSize) bytes")
        }
        // Heap offsets are at most 64 bits, and the root must have room for at least row 0.
        guard table.maximumHeapSize <= 64, table.maximumRootRows >= 1 else {
            throw invalid("maximum heap size of \(table.maximumHeapSize) bits")
        }
        guard Int(table.currentRootRowCount) <= table.maximumRootRows else {
            throw invalid("\(table.currentRootRowCount) root rows where at most \(table.maximumRootRows) fit")
        }
    }

    /// The object whose heap ID is `id`.
    public func object(id: Bytes, view: FileView) throws -> Bytes {
        var reader = ObjectReader(heap: self, view: view)
        return try reader.object(id: id)
    }

    /// The objects of several heap IDs, in order; blocks shared by several objects are read and
    /// checked once, and the blocks they need are asked for together (`decodeEach`), so a reader
    /// fetches them in a round per level of the heap rather than one per block.
    public func objects(ids: [Bytes], view: FileView) throws -> [Bytes] {
        var reader = ObjectReader(heap: self, view: view)
        return try decodeEach(ids) { try reader.object(id: $0) }
    }
}

/// Reads objects of one heap, remembering the blocks it has checked.
private struct ObjectReader {
    let heap: FractalHeap
    let view: FileView
    /// Checked direct blocks by address.
    var directBlocks: [UInt64: Bytes] = [:]
    /// Checked indirect blocks' child addresses by address.
    var indirectBlocks: [UInt64: [UInt64?]] = [:]
    /// The huge objects B-tree's records, once read.
    var hugeObjects: [HugeObjectRecord]?

    init(heap: FractalHeap, view: FileView) {
        self.heap = heap
        self.view = view
    }

    mutating func object(id: Bytes) throws -> Bytes {
        var cursor = ByteCursor(bytes: id, baseOffset: 0, structure: FractalHeap.idStructure)
        let first = try cursor.readUInt8()
        guard first >> 6 == 0 else {
            throw HDF5Error.unknownVersion(
                structure: FractalHeap.idStructure, offset: heap.address, version: Int(first >> 6))
        }
        switch (first >> 4) & 0x03 {
        case 0:
            let offset = try cursor.readUnsigned(width: heap.heapOffsetSize)
            let length = try cursor.readUnsigned(width: heap.heapLengthSize)
            return try managedObject(offset: offset, length: length)
        case 1:
            return try hugeObject(&cursor)
        case 2:
            return try tinyObject(first: first, &cursor)
        default:
            throw invalid("heap ID type 3 is not defined")
        }
    }

    private func invalid(_ reason: String) -> HDF5Error {
        .invalid(structure: FractalHeap.idStructure, offset: heap.address, reason: reason)
    }

    /// A tiny object: its bytes follow its length in the ID. IDs of more than 18 bytes spend two
    /// bytes on the length (libhdf5's `H5HF__tiny_init`).
    private func tinyObject(first: UInt8, _ cursor: inout ByteCursor) throws -> Bytes {
        var encodedLength = Int(first & 0x0F)
        if Int(heap.heapIDLength) - 1 > 17 {
            encodedLength = encodedLength << 8 | Int(try cursor.readUInt8())
        }
        return try cursor.readBytes(encodedLength + 1)
    }

    /// A huge object: its address and length are in the ID, or the ID is a key of the heap's
    /// B-tree of huge objects (libhdf5's `H5HF__huge_init` decides which from the ID length).
    private mutating func hugeObject(_ cursor: inout ByteCursor) throws -> Bytes {
        guard !heap.hasFilters else {
            throw HDF5Error.unsupported(
                feature: "filtered fractal heap huge objects", structure: FractalHeap.structure, offset: heap.address)
        }
        let context = heap.context
        let address: UInt64
        let length: UInt64
        if context.offsetSize + context.lengthSize <= Int(heap.heapIDLength) - 1 {
            guard let direct = try cursor.readAddress(context) else {
                throw invalid("huge object address is undefined")
            }
            address = direct
            length = try cursor.readLength(context)
        } else {
            let key = try cursor.readUnsigned(width: min(Int(heap.heapIDLength) - 1, 8))
            guard let record = try hugeObjectRecords().first(where: { $0.id == key }) else {
                throw invalid("no huge object with ID \(key)")
            }
            address = record.address
            length = record.length
        }
        guard length <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(
                structure: FractalHeap.idStructure, offset: address, limit: "huge object of \(length) bytes")
        }
        return try view.bytes(at: address, length: length, structure: "fractal heap huge object")
    }

    private mutating func hugeObjectRecords() throws -> [HugeObjectRecord] {
        if let hugeObjects { return hugeObjects }
        guard let treeAddress = heap.hugeObjectsBTreeAddress else { throw invalid("the heap has no huge objects") }
        let tree = try BTreeV2Header.read(view: view, address: treeAddress, context: heap.context)
        guard tree.type == .indirectlyAccessedHugeObject else {
            throw HDF5Error.invalid(
                structure: BTreeV2Header.structure, offset: treeAddress,
                reason: "huge objects tree of record type \(tree.typeNumber)")
        }
        let records = try tree.records(view: view).map {
            try HugeObjectRecord(parsing: $0, type: .indirectlyAccessedHugeObject, context: heap.context)
        }
        hugeObjects = records
        return records
    }

    /// A managed object: walks the doubling table from the root to the direct block that holds
    /// heap offset `offset`.
    private mutating func managedObject(offset: UInt64, length: UInt64) throws -> Bytes {
        guard !heap.hasFilters else {
            throw HDF5Error.unsupported(
                feature: "filtered fractal heap blocks", structure: FractalHeap.structure, offset: heap.address)
        }
        let table = heap.doublingTable
        guard var blockAddress = table.rootBlockAddress else { throw invalid("the heap has no managed objects") }
        var blockOffset: UInt64 = 0
        // Rows of the indirect block at `blockAddress`, or nil when it is a direct block.
        var rows: Int? = table.currentRootRowCount == 0 ? nil : Int(table.currentRootRowCount)
        var blockSize = table.startingBlockSize
        var visited: Set<UInt64> = []
        for _ in 0..<Limits.treeDepth {
            guard visited.insert(blockAddress).inserted else {
                throw HDF5Error.cycle(structure: FractalHeap.indirectBlockStructure, offset: blockAddress)
            }
            guard let indirectRows = rows else {
                return try objectInDirectBlock(
                    at: blockAddress, blockOffset: blockOffset, blockSize: blockSize, offset: offset, length: length)
            }
            let children = try indirectBlock(at: blockAddress, blockOffset: blockOffset, rows: indirectRows)
            // The row and column of the child covering the offset. Rows below the root's
            // maximum keep these shifts inside 64 bits (see `check`); offsets only grow towards
            // `offset`, so the subtractions cannot wrap.
            let relative = offset - blockOffset
            guard let row = (0..<indirectRows).first(where: { relative < table.rowOffset(row: $0 + 1) }) else {
                throw invalid("heap offset \(offset) is beyond the indirect block at \(hex(blockAddress))")
            }
            let column = (relative - table.rowOffset(row: row)) / table.blockSize(row: row)
            guard column < UInt64(table.tableWidth) else {
                throw invalid("heap offset \(offset) falls outside its row")
            }
            guard let child = children[row * Int(table.tableWidth) + Int(column)] else {
                throw invalid("heap offset \(offset) is in a block that was never allocated")
            }
            blockOffset += table.rowOffset(row: row) + column * table.blockSize(row: row)
            blockAddress = child
            if row < table.maximumDirectRows {
                rows = nil
                blockSize = table.blockSize(row: row)
            } else {
                let childRows = table.indirectBlockRows(row: row)
                guard childRows >= 1 else {
                    throw invalid("row \(row) would hold indirect blocks of no rows")
                }
                rows = childRows
            }
        }
        throw HDF5Error.limitExceeded(
            structure: FractalHeap.indirectBlockStructure, offset: blockAddress,
            limit: "depth over \(Limits.treeDepth)")
    }

    /// The object `[offset, offset + length)` of the heap, inside the direct block at `address`.
    private mutating func objectInDirectBlock(
        at address: UInt64, blockOffset: UInt64, blockSize: UInt64, offset: UInt64, length: UInt64
    ) throws -> Bytes {
        let block = try directBlock(at: address, blockOffset: blockOffset, size: blockSize)
        let headerSize = 5 + heap.context.offsetSize + heap.heapOffsetSize + (heap.directBlocksAreChecksummed ? 4 : 0)
        let start = offset - blockOffset
        guard start >= UInt64(headerSize), start < blockSize, length <= blockSize - start, length > 0,
            let object = block.slice(from: Int(start), count: Int(length))
        else {
            throw HDF5Error.invalid(
                structure: FractalHeap.directBlockStructure, offset: address,
                reason: "object of \(length) bytes at heap offset \(offset) does not fit the block")
        }
        return object
    }

    /// The checked bytes of the direct block at `address`.
    private mutating func directBlock(at address: UInt64, blockOffset: UInt64, size: UInt64) throws -> Bytes {
        if let block = directBlocks[address] { return block }
        let structure = FractalHeap.directBlockStructure
        var cursor = try view.cursor(at: address, length: size, structure: structure)
        try checkBlockPrefix(&cursor, signature: "FHDB", blockOffset: blockOffset)
        if heap.directBlocksAreChecksummed {
            let checksumPosition = cursor.position
            let stored = try cursor.readUInt32()
            var copy = cursor.bytes.array
            copy.replaceSubrange(checksumPosition..<checksumPosition + 4, with: [0, 0, 0, 0])
            let computed = Lookup3.hash(Bytes(copy))
            guard stored == computed else {
                throw HDF5Error.badChecksum(structure: structure, offset: address, stored: stored, computed: computed)
            }
        }
        directBlocks[address] = cursor.bytes
        return cursor.bytes
    }

    /// The child addresses of the indirect block at `address` with `rows` rows: the direct
    /// block entries, then the indirect block entries; nil where no block was allocated.
    private mutating func indirectBlock(at address: UInt64, blockOffset: UInt64, rows: Int) throws -> [UInt64?] {
        if let children = indirectBlocks[address] { return children }
        let table = heap.doublingTable
        let context = heap.context
        let width = Int(table.tableWidth)
        let directRows = min(rows, table.maximumDirectRows)
        // At most 64 rows of at most 32,768 entries of at most 24 bytes: no overflow.
        let directEntries = directRows * width
        let indirectEntries = (rows - directRows) * width
        let size =
            5 + context.offsetSize + heap.heapOffsetSize + directEntries * context.offsetSize
            + indirectEntries * context.offsetSize + 4
        let structure = FractalHeap.indirectBlockStructure
        var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try checkBlockPrefix(&cursor, signature: "FHIB", blockOffset: blockOffset)
        var children: [UInt64?] = []
        children.reserveCapacity(directEntries + indirectEntries)
        for _ in 0..<(directEntries + indirectEntries) { children.append(try cursor.readAddress(context)) }
        indirectBlocks[address] = children
        return children
    }

    /// Reads a block's signature, version, heap header address and block offset, checking that
    /// the block belongs to this heap and sits where the doubling table puts it.
    private func checkBlockPrefix(_ cursor: inout ByteCursor, signature: String, blockOffset: UInt64) throws {
        try cursor.expectSignature(signature)
        let version = try cursor.readUInt8()
        guard version == 0 else {
            throw HDF5Error.unknownVersion(
                structure: cursor.structure, offset: cursor.baseOffset, version: Int(version))
        }
        let owner = try cursor.readAddress(heap.context)
        guard owner == heap.address else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: cursor.baseOffset,
                reason: "block belongs to the heap at \(owner.map(hex) ?? "undefined"), not \(hex(heap.address))")
        }
        let found = try cursor.readUnsigned(width: heap.heapOffsetSize)
        guard found == blockOffset else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: cursor.baseOffset,
                reason: "block offset \(found) where the doubling table expects \(blockOffset)")
        }
    }
}
