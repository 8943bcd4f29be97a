import ByteKit

// On disk (HDF5 File Format Specification 4.0, III.D):
//
//   Signature "HEAP"                      4 bytes
//   Version (0)                           1 byte
//   Reserved                              3 bytes
//   Data Segment Size                     size of lengths
//   Offset to Head of Free-list           size of lengths (undefined: all bits set)
//   Address of Data Segment               size of offsets

/// A local heap: the names of a version 1 group's links, held in one contiguous data segment
/// and found by their offset into it (HDF5 File Format Specification 4.0, III.D, Local Heaps).
public struct LocalHeap: Sendable, Equatable {
    /// Absolute file offset of the heap's header.
    public let address: UInt64
    /// Bytes in the data segment.
    public let dataSegmentSize: UInt64
    /// Offset into the data segment of the first free block, or nil when nothing is free.
    public let freeListHeadOffset: UInt64?
    /// Absolute file offset of the data segment.
    public let dataSegmentAddress: UInt64

    static let structure = "local heap"

    /// Decodes the local heap header at `address`.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> LocalHeap {
        let headerSize = 8 + 2 * context.lengthSize + context.offsetSize
        var cursor = try view.cursor(at: address, length: UInt64(headerSize), structure: structure)
        try cursor.expectSignature("HEAP")
        let version = try cursor.readUInt8()
        guard version == 0 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address, version: Int(version))
        }
        try cursor.skip(3)
        let sizeOffset = cursor.offset
        let dataSegmentSize = try cursor.readLength(context)
        guard dataSegmentSize <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: sizeOffset,
                limit: "data segment of \(dataSegmentSize) bytes exceeds \(Limits.structureBytes)")
        }
        let freeList = try cursor.readLength(context)
        guard let dataSegmentAddress = try cursor.readAddress(context) else {
            throw cursor.invalid("the data segment address is undefined")
        }
        return LocalHeap(
            address: address, dataSegmentSize: dataSegmentSize,
            freeListHeadOffset: freeList == allOnes(width: context.lengthSize) ? nil : freeList,
            dataSegmentAddress: dataSegmentAddress)
    }

    /// The NUL-terminated string at `offset` into the data segment (a link name or a soft link's
    /// value). The string must end inside the data segment.
    public func string(at offset: UInt64, view: FileView) throws -> String {
        guard offset < dataSegmentSize else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: address,
                reason: "string offset \(offset) is outside the \(dataSegmentSize)-byte data segment")
        }
        let (start, overflow) = dataSegmentAddress.addingReportingOverflow(offset)
        guard !overflow else {
            throw HDF5Error.invalid(
                structure: Self.structure, offset: address, reason: "string offset \(offset) overflows")
        }
        var cursor = try view.cursor(at: start, length: dataSegmentSize - offset, structure: Self.structure)
        return try cursor.readNullTerminatedString(maxLength: cursor.remaining)
    }
}
