import ByteKit

/// The filters a dataset's chunks pass through, in the order they were applied when writing
/// (HDF5 File Format Specification 4.0, IV.A.2.l, Filter Pipeline Message).
///
/// ```text
/// version 1                                   version 2
///   version 1, number of filters 1,             version 1, number of filters 1
///   reserved 2 + 4
/// each filter:                                each filter:
///   id 2, name length 2, flags 2,               id 2, (id >= 256) name length 2, flags 2,
///   client data count 2,                        client data count 2,
///   name (padded to 8), client data 4 each,     (id >= 256) name, client data 4 each
///   padding 4 when the count is odd
/// ```
public struct FilterPipelineMessage: Sendable {
    /// One filter of the pipeline.
    public struct Filter: Sendable, Equatable {
        /// 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 5 n-bit, 6 scale-offset; 256 and up are
        /// registered third-party filters (32000 LZF, 32001 Blosc, 32004 LZ4, 32008 bitshuffle,
        /// 32015 Zstandard).
        public let id: UInt16
        public let flags: UInt16
        /// The name the writer stored, if any.
        public let name: String?
        /// Parameters for the filter.
        public let clientData: [UInt32]

        /// Flag bit 0: the filter may be skipped when it fails.
        public var isOptional: Bool { flags & 0x01 != 0 }

        /// The name `nwbpeek ls` shows (README.md), `filter-<id>` for unknown ids.
        public var displayName: String {
            switch id {
            case 1: return "deflate"
            case 2: return "shuffle"
            case 3: return "fletcher32"
            case 4: return "szip"
            case 5: return "nbit"
            case 6: return "scaleoffset"
            case 32000: return "lzf"
            case 32001: return "blosc"
            case 32004: return "lz4"
            case 32008: return "bitshuffle"
            case 32015: return "zstd"
            default: return "filter-\(id)"
            }
        }
    }

    public let filters: [Filter]

    /// libhdf5's `H5Z_MAX_NFILTERS`.
    static let maximumFilters = 32

    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        let version = try cursor.readUInt8()
        guard version == 1 || version == 2 else {
            throw HDF5Error.unknownVersion(structure: cursor.structure, offset: start, version: Int(version))
        }
        let count = Int(try cursor.readUInt8())
        guard count <= Self.maximumFilters else { throw cursor.invalid("\(count) filters (at most 32)") }
        if version == 1 { try cursor.skip(6) }
        var filters: [Filter] = []
        for _ in 0..<count {
            let id = try cursor.readUInt16()
            let hasName = version == 1 || id >= 256
            let nameLength = hasName ? Int(try cursor.readUInt16()) : 0
            let flags = try cursor.readUInt16()
            let valueCount = Int(try cursor.readUInt16())
            var name: String?
            if nameLength > 0 {
                var nameCursor = try cursor.readCursor(version == 1 ? (nameLength + 7) / 8 * 8 : nameLength)
                let bytes = try nameCursor.readBytes(nameLength).array
                name = decodeText(Array(bytes.prefix { $0 != 0 }))
            }
            try cursor.require(valueCount * 4)
            var clientData: [UInt32] = []
            for _ in 0..<valueCount { clientData.append(try cursor.readUInt32()) }
            if version == 1, valueCount % 2 == 1 { try cursor.skip(4) }
            filters.append(Filter(id: id, flags: flags, name: name, clientData: clientData))
        }
        self.filters = filters
    }
}
