import ByteKit

/// The value that unwritten elements of a dataset read as, and when storage is allocated and
/// filled (HDF5 File Format Specification 4.0, IV.A.2.f, Data Storage - Fill Value Message,
/// type 0x0005, and IV.A.2.e, Data Storage - Fill Value (Old) Message, type 0x0004).
///
/// Fill value (old), type 0x0004:
///
/// ```text
/// size          4
/// fill value        size bytes, in the dataset's datatype
/// ```
///
/// Fill value, type 0x0005, versions 1 and 2:
///
/// ```text
/// version                   1   1 or 2
/// space allocation time     1   1 early, 2 late, 3 incremental
/// fill value write time     1   0 on allocation, 1 never, 2 if set by the user
/// fill value defined        1   0 undefined, 1 defined
/// size                      4   when defined (see below)
/// fill value                    size bytes, when defined
/// ```
///
/// The spec keeps version 1's size even when the value is undefined; libhdf5 reads neither
/// field then, and nor does this decoder, so both encodings read alike.
///
/// Version 3:
///
/// ```text
/// version                   1   3
/// flags                     1   bits 0-1 space allocation time, bits 2-3 fill value write time,
///                               bit 4 fill value undefined, bit 5 fill value defined
/// size                      4   (bit 5)
/// fill value                    size bytes (bit 5)
/// ```
public struct FillValueMessage: Sendable, Equatable {
    /// The message version: 1 to 3, or 0 for the old fill value message (type 0x0004).
    public let version: Int
    /// When storage is allocated; nil for the old message, which does not say.
    public let allocationTime: AllocationTime?
    /// When the fill value is written; nil for the old message, which does not say.
    public let writeTime: WriteTime?
    /// True when the file says there is no fill value: unwritten elements are undefined.
    public let isUndefined: Bool
    /// The fill value's bytes in the dataset's datatype; nil when none is stored (undefined, or
    /// the library default of all zero bytes).
    public let value: Bytes?

    /// When a dataset's storage is allocated (H5D_alloc_time_t).
    public enum AllocationTime: UInt8, Sendable {
        /// The library default for the layout (stored by some writers as 0).
        case `default` = 0
        /// When the dataset is created.
        case early = 1
        /// When data is first written.
        case late = 2
        /// Chunk by chunk, as data is written.
        case incremental = 3
    }

    /// When the fill value is written into allocated storage (H5D_fill_time_t).
    public enum WriteTime: UInt8, Sendable {
        /// Whenever storage is allocated.
        case onAllocation = 0
        /// Never.
        case never = 1
        /// Only when the user set a fill value.
        case ifSet = 2
    }

    public init(
        version: Int, allocationTime: AllocationTime?, writeTime: WriteTime?, isUndefined: Bool, value: Bytes?
    ) {
        self.version = version
        self.allocationTime = allocationTime
        self.writeTime = writeTime
        self.isUndefined = isUndefined
        self.value = value
    }

    /// Parses a fill value message (type 0x0005).
    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let version = try cursor.readVersion(1...3)
        self.version = Int(version)
        if version <= 2 {
            allocationTime = try Self.allocationTime(try cursor.readUInt8(), cursor: cursor)
            writeTime = try Self.writeTime(try cursor.readUInt8(), cursor: cursor)
            let defined = try cursor.readUInt8() != 0
            isUndefined = !defined
            value = defined ? try Self.readSizedValue(&cursor) : nil
        } else {
            let flagsOffset = cursor.offset
            let flags = try cursor.readUInt8()
            guard flags & 0xC0 == 0 else {
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: flagsOffset, reason: "unknown fill value flags \(flags)")
            }
            guard flags & 0x30 != 0x30 else {
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: flagsOffset,
                    reason: "fill value flags say both undefined and defined")
            }
            allocationTime = try Self.allocationTime(flags & 0x03, cursor: cursor)
            writeTime = try Self.writeTime((flags >> 2) & 0x03, cursor: cursor)
            isUndefined = flags & 0x10 != 0
            value = flags & 0x20 != 0 ? try Self.readSizedValue(&cursor) : nil
        }
    }

    /// Parses an old fill value message (type 0x0004): a size and the value.
    public init(parsingOld cursor: inout ByteCursor, context: FormatContext) throws {
        version = 0
        allocationTime = nil
        writeTime = nil
        isUndefined = false
        value = try Self.readSizedValue(&cursor)
    }

    /// Reads a 4-byte size and that many bytes; nil for size 0 (the default of zero bytes).
    private static func readSizedValue(_ cursor: inout ByteCursor) throws -> Bytes? {
        let size = try cursor.readUInt32()
        guard size > 0 else { return nil }
        return try cursor.readBytes(try cursor.require(UInt64(size)))
    }

    private static func allocationTime(_ raw: UInt8, cursor: ByteCursor) throws -> AllocationTime {
        guard let time = AllocationTime(rawValue: raw) else {
            throw cursor.invalid("unknown space allocation time \(raw)")
        }
        return time
    }

    private static func writeTime(_ raw: UInt8, cursor: ByteCursor) throws -> WriteTime {
        guard let time = WriteTime(rawValue: raw) else { throw cursor.invalid("unknown fill value write time \(raw)") }
        return time
    }
}
