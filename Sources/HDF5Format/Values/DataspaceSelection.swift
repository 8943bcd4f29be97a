import ByteKit

/// The elements of a dataset that a dataset region reference selects: libhdf5's serialized
/// dataspace selection (`H5S_select_serialize`), which a region reference carries after its
/// target's address (HDF5 File Format Specification 4.0, III.E, Global Heap, for the
/// reference; the selection itself is libhdf5's encoding, described in the `H5S` sources).
///
/// ```text
/// Selection Type      4 bytes: 0 none, 1 points, 2 hyperslabs, 3 all
/// Version             4 bytes
/// none / all          4 reserved bytes, 4-byte length (0)
/// points v1           4 reserved, 4-byte length, 4-byte rank, 4-byte count, count × rank
///                     4-byte coordinates
/// points v2           1-byte integer size (2, 4, 8), 4-byte rank, count and coordinates of
///                     that size
/// hyperslabs v1       4 reserved, 4-byte length, 4-byte rank, 4-byte block count, then per
///                     block rank 4-byte starts and rank 4-byte (inclusive) ends
/// hyperslabs v2       1-byte flags (bit 0: regular), 4-byte length, 4-byte rank; regular:
///                     per dimension 8-byte start, stride, count, block; else an 8-byte block
///                     count and 8-byte starts and ends
/// hyperslabs v3       1-byte flags, 1-byte integer size (2, 4, 8), 4-byte rank, then as v2 in
///                     integers of that size
/// ```
public enum DataspaceSelection: Sendable, Equatable {
    case none
    case all
    /// Single elements, each with one coordinate per dimension.
    case points([[UInt64]])
    /// Blocks, each its first and last (inclusive) coordinates, as libhdf5's
    /// `H5Sget_select_hyper_blocklist` lists them; a regular hyperslab is expanded to its blocks.
    case blocks([(start: [UInt64], end: [UInt64])])

    static let structure = "dataspace selection"

    /// Decodes `bytes`, which start at file offset `offset` (for errors).
    public init(decoding bytes: [UInt8], offset: UInt64) throws {
        var cursor = ByteCursor(bytes: Bytes(bytes), baseOffset: offset, structure: Self.structure)
        let type = try cursor.readUInt32()
        let version = try cursor.readUInt32()
        switch (type, version) {
        case (0, 1), (3, 1):
            self = type == 0 ? .none : .all
        case (1, 1), (1, 2):
            let width: Int
            if version == 1 {
                _ = try cursor.readBytes(8)  // reserved, length
                width = 4
            } else {
                width = try Self.integerWidth(&cursor)
            }
            let rank = try Self.rank(&cursor)
            let count = try Self.count(&cursor, width: width, perItem: rank * width)
            self = .points(try (0..<count).map { _ in try (0..<rank).map { _ in try cursor.readUnsigned(width: width) } })
        case (2, 1):
            _ = try cursor.readBytes(8)  // reserved, length
            let rank = try Self.rank(&cursor)
            self = .blocks(try Self.blockList(&cursor, rank: rank, width: 4, countWidth: 4))
        case (2, 2), (2, 3):
            let flags = try cursor.readUInt8()
            let width: Int
            if version == 2 {
                _ = try cursor.readUInt32()  // length
                width = 8
            } else {
                width = try Self.integerWidth(&cursor)
            }
            let rank = try Self.rank(&cursor)
            if flags & 1 != 0 {
                self = .blocks(try Self.regularBlocks(&cursor, rank: rank, width: width))
            } else {
                self = .blocks(try Self.blockList(&cursor, rank: rank, width: width, countWidth: width))
            }
        default:
            throw HDF5Error.unsupported(
                feature: "selection type \(type) version \(version)", structure: Self.structure, offset: offset)
        }
    }

    private static func integerWidth(_ cursor: inout ByteCursor) throws -> Int {
        let width = Int(try cursor.readUInt8())
        guard [2, 4, 8].contains(width) else { throw cursor.invalid("integer size \(width) is not 2, 4 or 8") }
        return width
    }

    private static func rank(_ cursor: inout ByteCursor) throws -> Int {
        let rank = try cursor.readUInt32()
        guard (1...32).contains(rank) else { throw cursor.invalid("rank \(rank) is not 1 to 32") }
        return Int(rank)
    }

    /// A count of items of `perItem` bytes each, checked against the bytes that remain.
    private static func count(_ cursor: inout ByteCursor, width: Int, perItem: Int) throws -> Int {
        let count = try cursor.readUnsigned(width: width)
        guard count <= UInt64(cursor.remaining / max(perItem, 1)) else {
            throw cursor.invalid("\(count) items do not fit in the \(cursor.remaining) bytes that remain")
        }
        return Int(count)
    }

    private static func blockList(
        _ cursor: inout ByteCursor, rank: Int, width: Int, countWidth: Int
    ) throws -> [(start: [UInt64], end: [UInt64])] {
        let count = try Self.count(&cursor, width: countWidth, perItem: 2 * rank * width)
        return try (0..<count).map { _ in
            let start = try (0..<rank).map { _ in try cursor.readUnsigned(width: width) }
            let end = try (0..<rank).map { _ in try cursor.readUnsigned(width: width) }
            return (start, end)
        }
    }

    /// A regular hyperslab's blocks, in row-major order of their positions.
    private static func regularBlocks(
        _ cursor: inout ByteCursor, rank: Int, width: Int
    ) throws -> [(start: [UInt64], end: [UInt64])] {
        var dimensions: [(start: UInt64, stride: UInt64, count: UInt64, block: UInt64)] = []
        var total: UInt64 = 1
        for _ in 0..<rank {
            let dimension = (
                start: try cursor.readUnsigned(width: width), stride: try cursor.readUnsigned(width: width),
                count: try cursor.readUnsigned(width: width), block: try cursor.readUnsigned(width: width)
            )
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension.count)
            guard !overflow, product <= UInt64(Limits.attributeElements), dimension.block > 0 else {
                throw cursor.invalid("a regular hyperslab of more than \(Limits.attributeElements) blocks, or empty blocks")
            }
            total = product
            dimensions.append(dimension)
        }
        var blocks: [(start: [UInt64], end: [UInt64])] = []
        var index = [UInt64](repeating: 0, count: rank)
        for _ in 0..<total {
            var start: [UInt64] = []
            var end: [UInt64] = []
            for (dimension, position) in zip(dimensions, index) {
                let (offset, overflowOffset) = position.multipliedReportingOverflow(by: dimension.stride)
                let (first, overflowFirst) = dimension.start.addingReportingOverflow(offset)
                let (last, overflowLast) = first.addingReportingOverflow(dimension.block - 1)
                guard !overflowOffset, !overflowFirst, !overflowLast else {
                    throw cursor.invalid("a regular hyperslab's coordinates overflow")
                }
                start.append(first)
                end.append(last)
            }
            blocks.append((start, end))
            // Row-major odometer over the block positions.
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < dimensions[axis].count { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return blocks
    }

    public static func == (left: Self, right: Self) -> Bool {
        switch (left, right) {
        case (.none, .none), (.all, .all): return true
        case (.points(let a), .points(let b)): return a == b
        case (.blocks(let a), .blocks(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.start == $1.start && $0.end == $1.end }
        default: return false
        }
    }
}
