import ByteKit

// On disk (HDF5 File Format Specification 4.0, VII.C, The Fixed Array Index; libhdf5's H5FAcache.c):
//
// Header:
//   Signature "FAHD"                      4 bytes
//   Version (0)                           1 byte
//   Client ID                             1 byte (0 chunks without filters, 1 chunks with filters)
//   Element Size                          1 byte
//   Max Data Block Page Elements Bits     1 byte (a page holds 2^bits elements)
//   Number of Elements                    size of lengths
//   Data Block Address                    size of offsets
//   Checksum                              4 bytes
//
// Data block:
//   Signature "FADB"                      4 bytes
//   Version (0)                           1 byte
//   Client ID                             1 byte
//   Header Address                        size of offsets
//   Page Init Bitmap                      ceil(pages / 8) bytes, only when paged (bit i, counted
//                                         from the high bit of the first byte, set: page i was
//                                         written)
//   Elements                              number of elements × element size, only when not paged
//   Checksum                              4 bytes (of everything before it)
//
// The data block is paged when the array has more elements than a page holds. Pages follow the
// data block one after another, each `page elements × element size` bytes of elements and a
// 4-byte checksum of them; the last page holds only the remaining elements. A page whose init
// bit is clear was never written: its elements are all the client's fill value.

/// A fixed array: a one-level array of fixed-size elements, which libhdf5 uses to index the
/// chunks of a dataset whose dimensions all have a fixed maximum (HDF5 File Format
/// Specification 4.0, VII.C, The Fixed Array Index).
///
/// The array knows nothing of chunks: `elements(view:decode:)` hands each element's bytes to a
/// client decoder (`ChunkIndexReader` is the chunk client).
public struct FixedArrayHeader: Sendable, Equatable {
    /// Absolute file offset of the header.
    public let address: UInt64
    /// What the elements are: 0 unfiltered chunks (an address), 1 filtered chunks (an address,
    /// a size and a filter mask).
    public let clientID: UInt8
    /// Bytes in one element.
    public let elementSize: Int
    /// log2 of the elements in one data block page.
    public let pageBits: UInt8
    /// Elements in the array.
    public let elementCount: UInt64
    /// Absolute file offset of the data block; nil when it was never allocated.
    public let dataBlockAddress: UInt64?
    /// The file's sizes.
    public let context: FormatContext

    static let structure = "fixed array header"
    static let dataBlockStructure = "fixed array data block"
    static let pageStructure = "fixed array data block page"

    /// Decodes and checks the header at `address`.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> FixedArrayHeader {
        let size = 12 + context.lengthSize + context.offsetSize
        var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try cursor.expectSignature("FAHD")
        _ = try cursor.readVersion(0...0)
        let clientID = try cursor.readUInt8()
        let elementSize = Int(try cursor.readUInt8())
        let pageBitsOffset = cursor.offset
        let pageBits = try cursor.readUInt8()
        let elementCount = try cursor.readLength(context)
        let dataBlockAddress = try cursor.readAddress(context)
        guard elementSize > 0 else { throw HDF5Error.invalid(structure: structure, offset: address, reason: "element size 0") }
        guard pageBits > 0, pageBits < 64 else {
            throw HDF5Error.invalid(
                structure: structure, offset: pageBitsOffset, reason: "page bits \(pageBits) are not 1 to 63")
        }
        return FixedArrayHeader(
            address: address, clientID: clientID, elementSize: elementSize, pageBits: pageBits,
            elementCount: elementCount, dataBlockAddress: dataBlockAddress, context: context)
    }

    /// Elements in one data block page.
    public var pageElementCount: UInt64 { UInt64(1) << UInt64(pageBits) }

    /// The elements of the array in index order, each decoded by `decode` from a cursor over its
    /// `elementSize` bytes together with its index; elements `decode` maps to nil, and those of
    /// pages never written, are left out. Every checksum read is verified.
    ///
    /// With `indices`, a paged data block is read only in the pages that hold those elements (the
    /// others' elements are left out); an unpaged block, one checksummed structure, is read whole.
    public func elements<Element>(
        view: FileView, indices: Range<UInt64>? = nil, decode: (inout ByteCursor, UInt64) throws -> Element?
    ) throws -> [Element] {
        guard let dataBlockAddress, elementCount > 0 else { return [] }
        // All the elements must fit in the file (libhdf5 allocates every page with the data
        // block), which bounds every count below by the file's size.
        let (elementBytes, overflow) = elementCount.multipliedReportingOverflow(by: UInt64(elementSize))
        guard !overflow, dataBlockAddress <= view.fileSize, elementBytes <= view.fileSize - dataBlockAddress else {
            throw HDF5Error.truncated(
                structure: Self.dataBlockStructure, offset: dataBlockAddress, needed: overflow ? UInt64.max : elementBytes,
                available: view.fileSize > dataBlockAddress ? view.fileSize - dataBlockAddress : 0)
        }
        let prefixSize = UInt64(6 + context.offsetSize)
        var output: [Element] = []
        if elementCount <= pageElementCount {
            var block = try view.cursor(
                at: dataBlockAddress, length: prefixSize + elementBytes + 4, structure: Self.dataBlockStructure)
            try readPrefix(&block)
            try Self.decodeElements(&block, count: elementCount, size: elementSize, firstIndex: 0, into: &output, decode)
            return output
        }
        let pageCount = (elementCount - 1) / pageElementCount + 1
        let bitmapSize = (pageCount + 7) / 8
        var block = try view.cursor(
            at: dataBlockAddress, length: prefixSize + bitmapSize + 4, structure: Self.dataBlockStructure)
        try readPrefix(&block)
        let bitmap = try block.readBytes(Int(bitmapSize))
        // Bounded above: every page fits in the file, so this neither overflows nor runs long.
        let pageSize = pageElementCount * UInt64(elementSize) + 4
        var pageAddress = dataBlockAddress + prefixSize + bitmapSize + 4
        // The pages wanted: all, or those holding `indices`.
        var pages = 0..<pageCount
        if let indices {
            guard indices.lowerBound < min(indices.upperBound, elementCount) else { return [] }
            pages = (indices.lowerBound / pageElementCount)..<((min(indices.upperBound, elementCount) - 1) / pageElementCount + 1)
        }
        // The pages lie end to end after the block's prefix: asking for the wanted ones at once
        // makes a reader fetch them in one round rather than page after page. (The last page
        // holds only the elements left, and its checksum.) Bounded: every page fits in the file.
        pageAddress += pages.lowerBound * pageSize
        let lastPageBytes = (min(elementCount, pages.upperBound * pageElementCount) - (pages.upperBound - 1) * pageElementCount)
            * UInt64(elementSize) + 4
        let (fullPagesBytes, pagesOverflow) = UInt64(pages.count - 1).multipliedReportingOverflow(by: pageSize)
        let (pagesBytes, totalOverflow) = fullPagesBytes.addingReportingOverflow(lastPageBytes)
        guard !pagesOverflow, !totalOverflow else {
            throw HDF5Error.invalid(structure: Self.pageStructure, offset: pageAddress, reason: "the pages' size overflows")
        }
        _ = try view.cursor(at: pageAddress, length: pagesBytes, structure: Self.pageStructure)
        for page in pages {
            defer { pageAddress += pageSize }
            guard pageIsInitialized(bitmap, page) else { continue }
            let firstIndex = page * pageElementCount
            let count = min(pageElementCount, elementCount - firstIndex)
            var cursor = try view.cursor(
                at: pageAddress, length: count * UInt64(elementSize) + 4, structure: Self.pageStructure)
            try Lookup3.verify(cursor.bytes, structure: Self.pageStructure, offset: pageAddress)
            try Self.decodeElements(&cursor, count: count, size: elementSize, firstIndex: firstIndex, into: &output, decode)
        }
        return output
    }

    /// Checks the data block's checksum, signature, version, client and header address.
    private func readPrefix(_ block: inout ByteCursor) throws {
        try Lookup3.verify(block.bytes, structure: Self.dataBlockStructure, offset: block.baseOffset)
        try block.expectSignature("FADB")
        _ = try block.readVersion(0...0)
        try checkClientAndHeader(&block, clientID: clientID, headerAddress: address, context: context)
    }

    /// Decodes `count` elements of `size` bytes at the cursor, the first with index `firstIndex`,
    /// leaving out those whose index is `limit` or more.
    static func decodeElements<Element>(
        _ cursor: inout ByteCursor, count: UInt64, size: Int, firstIndex: UInt64, limit: UInt64 = .max,
        into output: inout [Element], _ decode: (inout ByteCursor, UInt64) throws -> Element?
    ) throws {
        for offset in 0..<count {
            var element = try cursor.readCursor(size)
            let index = firstIndex + offset
            guard index < limit else { continue }
            if let decoded = try decode(&element, index) { output.append(decoded) }
        }
    }
}

/// Reads a block's client ID and header address and checks them against the array's header:
/// the fields by which libhdf5 checks that a block belongs to its array.
func checkClientAndHeader(
    _ cursor: inout ByteCursor, clientID: UInt8, headerAddress: UInt64, context: FormatContext
) throws {
    let clientOffset = cursor.offset
    let blockClient = try cursor.readUInt8()
    guard blockClient == clientID else {
        throw HDF5Error.invalid(
            structure: cursor.structure, offset: clientOffset,
            reason: "client ID \(blockClient) where the array's header has \(clientID)")
    }
    let addressOffset = cursor.offset
    let owner = try cursor.readAddress(context)
    guard owner == headerAddress else {
        throw HDF5Error.invalid(
            structure: cursor.structure, offset: addressOffset,
            reason: "belongs to the array header at \(owner.map(hex) ?? "undefined"), not \(hex(headerAddress))")
    }
}

/// Bit `index` of a libhdf5 bitmap, whose bits run from the high bit of the first byte down
/// (`H5VM_bit_get`).
func pageIsInitialized(_ bitmap: Bytes, _ index: UInt64) -> Bool {
    guard let byte = bitmap.byte(at: Int(index / 8)) else { return false }
    return byte & (0x80 >> UInt8(index % 8)) != 0
}
