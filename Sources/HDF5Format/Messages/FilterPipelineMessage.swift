import ByteKit

/// The filters a dataset's chunks pass through when written, in order; reading undoes them in
/// reverse (HDF5 File Format Specification 4.0, IV.A.2.l, Data Storage - Filter Pipeline
/// Message).
///
/// ```text
/// version                      1   1 or 2
/// number of filters            1   at most 32
/// reserved                     6   (version 1)
/// filter descriptions, each:
///   filter identification      2
///   name length                2   version 1: a multiple of 8, NUL included;
///                                  version 2: present only for identifications of 256 and up
///   flags                      2   bit 0 optional
///   number of client data values 2
///   name                           NUL-terminated; version 1: padded to the name length
///   client data                    number of values × 4
///   padding                    4   (version 1, when the number of values is odd)
/// ```
public struct FilterPipelineMessage: Sendable, Equatable {
    /// The filters in the order they are applied when writing.
    public let filters: [Filter]

    /// The most filters a pipeline may hold (libhdf5's H5Z_MAX_NFILTERS).
    public static let maximumFilters = 32

    /// One filter of the pipeline.
    public struct Filter: Sendable, Equatable {
        /// The filter identification: below 256 assigned by The HDF Group, 256 to 511 for
        /// testing, 512 and up registered third-party filters.
        public let id: UInt16
        /// The filter flags as stored.
        public let flags: UInt16
        /// Flag bit 0: a chunk that the filter fails on is stored unfiltered (its bit in the
        /// chunk's filter mask is set) rather than failing the write.
        public var isOptional: Bool { flags & 0x0001 != 0 }
        /// The name stored with the filter, when there is one.
        public let name: String?
        /// The filter's parameters (for deflate, the compression level).
        public let clientData: [UInt32]

        public init(id: UInt16, flags: UInt16, name: String?, clientData: [UInt32]) {
            self.id = id
            self.flags = flags
            self.name = name
            self.clientData = clientData
        }

        /// The conventional name of a well-known filter, else "filter-<id>".
        public var displayName: String {
            switch id {
            case 1: "deflate"
            case 2: "shuffle"
            case 3: "fletcher32"
            case 4: "szip"
            case 5: "nbit"
            case 6: "scaleoffset"
            case 32000: "lzf"
            case 32001: "blosc"
            case 32004: "lz4"
            case 32008: "bitshuffle"
            case 32015: "zstd"
            default: "filter-\(id)"
            }
        }
    }

    public init(filters: [Filter]) {
        self.filters = filters
    }

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let version = try cursor.readVersion(1...2)
        let count = Int(try cursor.readUInt8())
        guard count <= Self.maximumFilters else {
            throw cursor.invalid("\(count) filters, more than \(Self.maximumFilters)")
        }
        if version == 1 { try cursor.skip(6) }
        var filters: [Filter] = []
        for _ in 0..<count {
            let id = try cursor.readUInt16()
            // Version 2 stores no name for the library's own filters.
            let hasNameLength = version == 1 || id >= 256
            let nameLengthOffset = cursor.offset
            let nameLength = hasNameLength ? Int(try cursor.readUInt16()) : 0
            if version == 1, nameLength % 8 != 0 {
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: nameLengthOffset,
                    reason: "filter name length \(nameLength) is not a multiple of 8")
            }
            let flags = try cursor.readUInt16()
            let valueCount = Int(try cursor.readUInt16())
            var name: String?
            if nameLength > 0 {
                var nameCursor = try cursor.readCursor(nameLength, structure: "filter name")
                name = try nameCursor.readNullTerminatedString(maxLength: nameLength)
            }
            try cursor.require(4 * valueCount)
            var clientData: [UInt32] = []
            clientData.reserveCapacity(valueCount)
            for _ in 0..<valueCount { clientData.append(try cursor.readUInt32()) }
            if version == 1, valueCount % 2 == 1 { try cursor.skip(4) }
            filters.append(Filter(id: id, flags: flags, name: name, clientData: clientData))
        }
        self.filters = filters
    }
}
