import ByteKit

// On disk (HDF5 File Format Specification 4.0, VII.D, The Extensible Array Index; libhdf5's
// H5EAcache.c). Every block is version 0 and ends with a lookup3 checksum of what precedes it.
//
// Header:
//   Signature "EAHD", Version, Client ID  6 bytes (client 0 chunks without filters, 1 with)
//   Element Size                          1 byte
//   Max Number of Elements Bits           1 byte
//   Number of Elements in Index Block     1 byte
//   Min Number of Elements per Data Block 1 byte
//   Min Number of Data Block Pointers for a Super Block  1 byte
//   Max Number of Elements in Data Block Page Bits       1 byte
//   Number of Secondary Blocks, Size of Secondary Blocks, Number of Data Blocks, Size of Data
//   Blocks, Max Index Set, Number of Elements             size of lengths each (statistics)
//   Index Block Address                   size of offsets
//   Checksum                              4 bytes
//
// Index block:
//   Signature "EAIB", Version, Client ID  6 bytes
//   Header Address                        size of offsets
//   Elements                              index block elements × element size
//   Data Block Addresses                  2 × (min data block pointers − 1) × size of offsets
//   Secondary Block Addresses             (secondary blocks not reached through the index
//                                         block's own data blocks) × size of offsets
//   Checksum                              4 bytes
//
// Secondary block ("super block" in libhdf5):
//   Signature "EASB", Version, Client ID  6 bytes
//   Header Address                        size of offsets
//   Block Offset                          ceil(max elements bits / 8) bytes
//   Page Bitmap                           data blocks × ceil(pages per data block / 8) bytes, only
//                                         when its data blocks are paged
//   Data Block Addresses                  data blocks × size of offsets
//   Checksum                              4 bytes
//
// Data block:
//   Signature "EADB", Version, Client ID  6 bytes
//   Header Address                        size of offsets
//   Block Offset                          ceil(max elements bits / 8) bytes
//   Elements                              data block elements × element size, only when not paged
//   Checksum                              4 bytes
//
// A paged data block's pages follow its checksum, each page elements × element size bytes of
// elements and a 4-byte checksum of them.

/// An extensible array: an array that grows at its end, which libhdf5 uses to index the chunks
/// of a dataset with one unlimited dimension (HDF5 File Format Specification 4.0, VII.D,
/// The Extensible Array Index).
///
/// Elements are numbered from 0. The first few live in the index block; the rest in data blocks
/// grouped by secondary block `s` (0, 1, 2, ...): secondary block `s` has 2^⌊s/2⌋ data blocks of
/// 2^⌊(s+1)/2⌋ × minimum elements each. The data blocks of the first 2 × log2(minimum data block
/// pointers) secondary blocks are listed in the index block itself; later secondary blocks are
/// real blocks listing their data blocks. Blocks never written have the undefined address and
/// hold only the client's fill value. The array knows nothing of chunks:
/// `elements(view:decode:)` hands each element's bytes to a client decoder.
public struct ExtensibleArrayHeader: Sendable, Equatable {
    /// Absolute file offset of the header.
    public let address: UInt64
    /// What the elements are: 0 unfiltered chunks, 1 filtered chunks.
    public let clientID: UInt8
    /// Bytes in one element.
    public let elementSize: Int
    /// log2 of the most elements the array may hold.
    public let maximumElementBits: UInt8
    /// Elements stored in the index block itself.
    public let indexBlockElementCount: UInt8
    /// Elements in each data block of the first secondary block (a power of 2).
    public let minimumDataBlockElementCount: UInt8
    /// Data block pointers of the first real secondary block (a power of 2).
    public let minimumDataBlockPointerCount: UInt8
    /// log2 of the elements in a data block page.
    public let pageBits: UInt8
    /// Statistics: secondary blocks created.
    public let secondaryBlockCount: UInt64
    /// Statistics: bytes of the secondary blocks.
    public let secondaryBlockSize: UInt64
    /// Statistics: data blocks created.
    public let dataBlockCount: UInt64
    /// Statistics: bytes of the data blocks.
    public let dataBlockSize: UInt64
    /// One more than the highest index ever set: no element at or past it was written.
    public let maximumIndexSet: UInt64
    /// Statistics: elements realised (in blocks that exist).
    public let realizedElementCount: UInt64
    /// Absolute file offset of the index block; nil when no element was ever set.
    public let indexBlockAddress: UInt64?
    /// The file's sizes.
    public let context: FormatContext

    static let structure = "extensible array header"
    static let indexBlockStructure = "extensible array index block"
    static let secondaryBlockStructure = "extensible array secondary block"
    static let dataBlockStructure = "extensible array data block"
    static let pageStructure = "extensible array data block page"

    /// Decodes and checks the header at `address`, and the creation parameters libhdf5 derives
    /// its block sizes from.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> ExtensibleArrayHeader {
        let size = 16 + 6 * context.lengthSize + context.offsetSize
        var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try cursor.expectSignature("EAHD")
        _ = try cursor.readVersion(0...0)
        let header = ExtensibleArrayHeader(
            address: address, clientID: try cursor.readUInt8(), elementSize: Int(try cursor.readUInt8()),
            maximumElementBits: try cursor.readUInt8(), indexBlockElementCount: try cursor.readUInt8(),
            minimumDataBlockElementCount: try cursor.readUInt8(), minimumDataBlockPointerCount: try cursor.readUInt8(),
            pageBits: try cursor.readUInt8(), secondaryBlockCount: try cursor.readLength(context),
            secondaryBlockSize: try cursor.readLength(context), dataBlockCount: try cursor.readLength(context),
            dataBlockSize: try cursor.readLength(context), maximumIndexSet: try cursor.readLength(context),
            realizedElementCount: try cursor.readLength(context), indexBlockAddress: try cursor.readAddress(context),
            context: context)
        try header.checkCreationParameters()
        return header
    }

    /// libhdf5's checks of the creation parameters (`H5EA__hdr_create`), so that the sizes
    /// computed from them cannot overflow.
    private func checkCreationParameters() throws {
        func invalid(_ reason: String) -> HDF5Error { .invalid(structure: Self.structure, offset: address, reason: reason) }
        guard elementSize > 0 else { throw invalid("element size 0") }
        guard (1...64).contains(maximumElementBits) else { throw invalid("maximum element bits \(maximumElementBits)") }
        guard minimumDataBlockElementCount > 0, minimumDataBlockElementCount.nonzeroBitCount == 1,
            UInt64(minimumDataBlockElementCount.trailingZeroBitCount) <= UInt64(maximumElementBits)
        else { throw invalid("minimum data block elements \(minimumDataBlockElementCount)") }
        guard minimumDataBlockPointerCount > 0, minimumDataBlockPointerCount.nonzeroBitCount == 1,
            secondaryBlocksInIndexBlock <= secondaryBlockCountFromParameters
        else { throw invalid("minimum data block pointers \(minimumDataBlockPointerCount)") }
        guard pageBits > 0, pageBits < 64 else { throw invalid("page bits \(pageBits)") }
    }

    /// What libhdf5 computes for each secondary block (`H5EA__hdr_init`).
    struct SecondaryBlockInfo {
        /// Data blocks in the secondary block.
        let dataBlockCount: UInt64
        /// Elements in each of its data blocks.
        let dataBlockElementCount: UInt64
        /// Index of its first element, counted after the index block's elements.
        let startIndex: UInt64
        /// Index of its first data block among all data blocks.
        let startDataBlock: UInt64
    }

    /// The secondary blocks, stopping early where element indices would pass 2^64 (blocks
    /// past that are unreachable).
    var secondaryBlockInfo: [SecondaryBlockInfo] {
        var info: [SecondaryBlockInfo] = []
        var startIndex: UInt64 = 0
        var startDataBlock: UInt64 = 0
        for block in 0..<secondaryBlockCountFromParameters {
            let dataBlocks = UInt64(1) << UInt64(block / 2)
            let (elements, elementsOverflow) = (UInt64(1) << UInt64((block + 1) / 2))
                .multipliedReportingOverflow(by: UInt64(minimumDataBlockElementCount))
            guard !elementsOverflow else { break }
            info.append(
                SecondaryBlockInfo(
                    dataBlockCount: dataBlocks, dataBlockElementCount: elements, startIndex: startIndex,
                    startDataBlock: startDataBlock))
            let (span, spanOverflow) = dataBlocks.multipliedReportingOverflow(by: elements)
            let (next, nextOverflow) = startIndex.addingReportingOverflow(span)
            guard !spanOverflow, !nextOverflow else { break }
            startIndex = next
            startDataBlock += dataBlocks
        }
        return info
    }

    /// Secondary blocks of the array: 1 + maximum element bits − log2(minimum data block elements).
    var secondaryBlockCountFromParameters: Int {
        1 + Int(maximumElementBits) - minimumDataBlockElementCount.trailingZeroBitCount
    }

    /// Secondary blocks whose data blocks the index block lists itself (libhdf5's
    /// `H5EA_SBLK_FIRST_IDX`).
    var secondaryBlocksInIndexBlock: Int { 2 * minimumDataBlockPointerCount.trailingZeroBitCount }

    /// Data block addresses in the index block.
    var indexBlockDataBlockCount: Int { 2 * (Int(minimumDataBlockPointerCount) - 1) }

    /// Elements in one data block page.
    public var pageElementCount: UInt64 { UInt64(1) << UInt64(pageBits) }

    /// Bytes of a block offset field.
    var blockOffsetSize: Int { (Int(maximumElementBits) + 7) / 8 }

    /// The elements of the array below `maximumIndexSet`, in index order, each decoded by
    /// `decode` from a cursor over its `elementSize` bytes together with its index; elements
    /// `decode` maps to nil, and those of blocks or pages never written, are left out. Every
    /// checksum is verified and every block is read at most once.
    ///
    /// Blocks are read a level at a time (the index block, then every secondary block, then
    /// every data block and its pages; see `decodeEach`), so a reader fetches the array in three
    /// or four rounds. With `wanted`, a block or page is read only when `wanted` is true for
    /// the range of element indices it holds; the index block's own elements are always decoded.
    public func elements<Element>(
        view: FileView, wanted: ((Range<UInt64>) -> Bool)? = nil, decode: (inout ByteCursor, UInt64) throws -> Element?
    ) throws -> [Element] {
        guard let indexBlockAddress, maximumIndexSet > 0 else { return [] }
        var walk = Walk(header: self, view: view, visited: [address], wanted: wanted)
        let info = secondaryBlockInfo
        let secondaryAddressCount = secondaryBlockCountFromParameters - secondaryBlocksInIndexBlock
        let indexElements = UInt64(indexBlockElementCount)
        let size =
            6 + context.offsetSize + Int(indexBlockElementCount) * elementSize
            + (indexBlockDataBlockCount + secondaryAddressCount) * context.offsetSize + 4
        var block = try walk.block(at: indexBlockAddress, length: UInt64(size), structure: Self.indexBlockStructure)
        try block.expectSignature("EAIB")
        _ = try block.readVersion(0...0)
        try checkClientAndHeader(&block, clientID: clientID, headerAddress: address, context: context)
        var output: [Element] = []
        try FixedArrayHeader.decodeElements(
            &block, count: indexElements, size: elementSize, firstIndex: 0, limit: maximumIndexSet, into: &output, decode)
        let dataBlockAddresses = try (0..<indexBlockDataBlockCount).map { _ in try block.readAddress(context) }
        let secondaryAddresses = try (0..<secondaryAddressCount).map { _ in try block.readAddress(context) }

        var dataBlocks: [DataBlock] = []
        var secondaryBlocks: [(address: UInt64, info: SecondaryBlockInfo, firstIndex: UInt64)] = []
        for (secondary, blockInfo) in info.enumerated() {
            let (start, overflow) = indexElements.addingReportingOverflow(blockInfo.startIndex)
            guard !overflow, start < maximumIndexSet else { break }
            if secondary < secondaryBlocksInIndexBlock {
                // Only the data blocks of these first secondary blocks live in the index block.
                for dataBlock in 0..<blockInfo.dataBlockCount {
                    let slot = Int(blockInfo.startDataBlock + dataBlock)
                    let firstIndex = start + dataBlock * blockInfo.dataBlockElementCount
                    guard slot < dataBlockAddresses.count, let dataBlockAddress = dataBlockAddresses[slot],
                        walk.wants(firstIndex, count: blockInfo.dataBlockElementCount)
                    else { continue }
                    guard blockInfo.dataBlockElementCount <= pageElementCount else {
                        throw HDF5Error.unsupported(
                            feature: "paged data blocks listed in the index block", structure: Self.indexBlockStructure,
                            offset: indexBlockAddress)
                    }
                    dataBlocks.append(
                        DataBlock(
                            address: dataBlockAddress, firstIndex: firstIndex, count: blockInfo.dataBlockElementCount,
                            pages: nil))
                }
            } else if secondary - secondaryBlocksInIndexBlock < secondaryAddresses.count,
                let secondaryAddress = secondaryAddresses[secondary - secondaryBlocksInIndexBlock],
                let span = Self.span(first: start, count: blockInfo.dataBlockCount, each: blockInfo.dataBlockElementCount),
                walk.wants(start, count: span)
            {
                secondaryBlocks.append((secondaryAddress, blockInfo, start))
            }
        }
        dataBlocks += try decodeEach(secondaryBlocks) {
            try walk.secondaryBlock(at: $0.address, info: $0.info, firstIndex: $0.firstIndex)
        }.joined()
        for elements in try decodeEach(dataBlocks, { try walk.dataBlock($0, decode) }) { output += elements }
        return output
    }

    /// Elements in `count` blocks of `each` from `first`, or nil when that passes 2^64.
    private static func span(first: UInt64, count: UInt64, each: UInt64) -> UInt64? {
        let (span, overflow) = count.multipliedReportingOverflow(by: each)
        return overflow || first.addingReportingOverflow(span).overflow ? nil : span
    }

    /// A data block to read: where it is, the elements it holds, and for a paged data block,
    /// which bits of its secondary block's page bitmap are its pages'.
    private struct DataBlock {
        let address: UInt64
        let firstIndex: UInt64
        let count: UInt64
        let pages: (bitmap: Bytes, first: UInt64, count: UInt64)?
    }

    /// The state of one walk over the blocks.
    private struct Walk {
        let header: ExtensibleArrayHeader
        let view: FileView
        var visited: Set<UInt64>
        let wanted: ((Range<UInt64>) -> Bool)?

        /// Whether the `count` elements from `first` hold one below the maximum index set that
        /// the caller wants.
        func wants(_ first: UInt64, count: UInt64) -> Bool {
            let end = first.addingReportingOverflow(count)
            let last = min(end.overflow ? .max : end.partialValue, header.maximumIndexSet)
            guard first < last else { return false }
            return wanted?(first..<last) ?? true
        }

        /// A cursor over the block at `address`, checksum verified; each block is read once.
        mutating func block(at address: UInt64, length: UInt64, structure: String) throws -> ByteCursor {
            guard visited.insert(address).inserted else { throw HDF5Error.cycle(structure: structure, offset: address) }
            let cursor = try view.cursor(at: address, length: length, structure: structure)
            try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
            return cursor
        }

        /// Reads a block's signature, version, client, header address and block offset.
        func readPrefix(_ cursor: inout ByteCursor, signature: String) throws {
            try cursor.expectSignature(signature)
            _ = try cursor.readVersion(0...0)
            try checkClientAndHeader(
                &cursor, clientID: header.clientID, headerAddress: header.address, context: header.context)
            // libhdf5 writes the offset but never reads it back (and for data blocks listed in
            // the index block it counts it differently), so it is not checked.
            try cursor.skip(header.blockOffsetSize)
        }

        /// Decodes the secondary block at `address`: the data blocks it lists that are wanted.
        mutating func secondaryBlock(at address: UInt64, info: SecondaryBlockInfo, firstIndex: UInt64) throws -> [DataBlock] {
            let paged = info.dataBlockElementCount > header.pageElementCount
            let pagesPerDataBlock = paged ? info.dataBlockElementCount / header.pageElementCount : 0
            let bitmapBytesPerDataBlock = (pagesPerDataBlock + 7) / 8
            // The data block count is at most 2^32 and the bitmap bytes per block at most 2^61:
            // check the block's size before reading it.
            let (bitmapSize, bitmapOverflow) = info.dataBlockCount.multipliedReportingOverflow(by: bitmapBytesPerDataBlock)
            let (addressesSize, addressesOverflow) = info.dataBlockCount.multipliedReportingOverflow(
                by: UInt64(header.context.offsetSize))
            let fixedSize = UInt64(6 + header.context.offsetSize + header.blockOffsetSize + 4)
            let (partial, partialOverflow) = bitmapSize.addingReportingOverflow(addressesSize)
            let (size, sizeOverflow) = partial.addingReportingOverflow(fixedSize)
            guard !bitmapOverflow, !addressesOverflow, !partialOverflow, !sizeOverflow else {
                throw HDF5Error.invalid(
                    structure: ExtensibleArrayHeader.secondaryBlockStructure, offset: address,
                    reason: "secondary block size overflows")
            }
            var cursor = try block(at: address, length: size, structure: ExtensibleArrayHeader.secondaryBlockStructure)
            try readPrefix(&cursor, signature: "EASB")
            let bitmap = try cursor.readBytes(Int(bitmapSize))
            var dataBlocks: [DataBlock] = []
            for dataBlock in 0..<info.dataBlockCount {
                let dataBlockIndex = firstIndex + dataBlock * info.dataBlockElementCount
                guard let dataBlockAddress = try cursor.readAddress(header.context),
                    wants(dataBlockIndex, count: info.dataBlockElementCount)
                else { continue }
                let pages = paged ? (bitmap: bitmap, first: dataBlock * pagesPerDataBlock, count: pagesPerDataBlock) : nil
                dataBlocks.append(
                    DataBlock(
                        address: dataBlockAddress, firstIndex: dataBlockIndex, count: info.dataBlockElementCount,
                        pages: pages))
            }
            return dataBlocks
        }

        /// Decodes the elements of a data block, and for a paged one, of its wanted pages: the
        /// block's prefix and those pages are asked for together.
        mutating func dataBlock<Element>(
            _ dataBlock: DataBlock, _ decode: (inout ByteCursor, UInt64) throws -> Element?
        ) throws -> [Element] {
            let (address, count) = (dataBlock.address, dataBlock.count)
            let elementSize = UInt64(header.elementSize)
            let prefixSize = UInt64(6 + header.context.offsetSize + header.blockOffsetSize)
            // `count` elements must fit in the file before anything is sized by them.
            let (elementBytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
            guard !overflow, address <= view.fileSize, elementBytes <= view.fileSize - address else {
                throw HDF5Error.truncated(
                    structure: ExtensibleArrayHeader.dataBlockStructure, offset: address,
                    needed: overflow ? UInt64.max : elementBytes,
                    available: view.fileSize > address ? view.fileSize - address : 0)
            }
            let maximum = header.maximumIndexSet
            var output: [Element] = []
            guard let pages = dataBlock.pages else {
                var cursor = try block(
                    at: address, length: prefixSize + elementBytes + 4, structure: ExtensibleArrayHeader.dataBlockStructure)
                try readPrefix(&cursor, signature: "EADB")
                try FixedArrayHeader.decodeElements(
                    &cursor, count: count, size: header.elementSize, firstIndex: dataBlock.firstIndex, limit: maximum,
                    into: &output, decode)
                return output
            }
            let pageElements = header.pageElementCount
            let pageSize = pageElements * elementSize + 4
            // Bounded: the pages lie inside the data block, which fits in the file.
            let wantedPages = (0..<pages.count).filter { page in
                wants(dataBlock.firstIndex + page * pageElements, count: pageElements)
                    && pageIsInitialized(pages.bitmap, pages.first + page)
            }
            let pagesStart = address + prefixSize + 4
            // The block's prefix and its wanted pages are asked for together, then read.
            _ = try decodeTogether(
                { try view.cursor(at: address, length: prefixSize + 4, structure: ExtensibleArrayHeader.dataBlockStructure) },
                {
                    guard let first = wantedPages.first, let last = wantedPages.last else { return }
                    _ = try view.cursor(
                        at: pagesStart + first * pageSize, length: (last - first + 1) * pageSize,
                        structure: ExtensibleArrayHeader.pageStructure)
                })
            var cursor = try block(at: address, length: prefixSize + 4, structure: ExtensibleArrayHeader.dataBlockStructure)
            try readPrefix(&cursor, signature: "EADB")
            for page in wantedPages {
                let pageFirstIndex = dataBlock.firstIndex + page * pageElements
                var pageCursor = try block(
                    at: pagesStart + page * pageSize, length: pageSize, structure: ExtensibleArrayHeader.pageStructure)
                try FixedArrayHeader.decodeElements(
                    &pageCursor, count: pageElements, size: header.elementSize, firstIndex: pageFirstIndex,
                    limit: maximum, into: &output, decode)
            }
            return output
        }
    }
}
