import ByteKit

/// What the engine needs to know of an array: its shape, its chunk grid, the size of one
/// element and the value of elements no chunk holds. The engine knows nothing of HDF5: a
/// contiguous dataset is described as a grid of virtual chunks, a compact one as one chunk.
public struct ArrayLayout: Sendable, Equatable {
    public let shape: [UInt64]
    /// Elements per chunk in each dimension; chunks at the far edges may extend past `shape`.
    public let chunkShape: [UInt64]
    public let elementSize: Int
    /// One element's bytes, written where no chunk is stored; nil for zeros, which take no
    /// element-sized pattern (an element may be as large as a file says).
    public let fillValue: [UInt8]?

    public init(shape: [UInt64], chunkShape: [UInt64], elementSize: Int, fillValue: [UInt8]? = nil) throws {
        guard shape.count == chunkShape.count else {
            throw ArrayError.badSelection(
                text: "", reason: "chunk rank \(chunkShape.count) differs from array rank \(shape.count)")
        }
        guard elementSize > 0, !chunkShape.contains(0) else {
            throw ArrayError.unsupported(feature: "zero-sized elements or chunk dimensions")
        }
        self.shape = shape
        self.chunkShape = chunkShape
        self.elementSize = elementSize
        if let fillValue, fillValue.count != elementSize {
            throw ArrayError.unsupported(feature: "a fill value of \(fillValue.count) bytes for \(elementSize)-byte elements")
        }
        self.fillValue = fillValue
    }

    /// Bytes of one whole chunk, or nil when that overflows.
    public var chunkByteCount: Int? {
        bytes(of: chunkShape).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
    }

    /// Bytes of the whole array, or nil when that overflows.
    public var byteCount: UInt64? { bytes(of: shape) }

    /// Bytes of `extents` elements, or nil when that overflows.
    private func bytes(of extents: [UInt64]) -> UInt64? {
        var total = UInt64(elementSize)
        for extent in extents {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// The number of chunks along each dimension.
    public var chunkCounts: [UInt64] {
        zip(shape, chunkShape).map { extent, chunk in extent == 0 ? 0 : (extent - 1) / chunk + 1 }
    }
}

/// Where one chunk's stored bytes are.
public struct StoredChunk: Sendable, Equatable {
    public let range: ByteRange
    /// Bit i set: filter i of the pipeline was not applied to this chunk.
    public let filterMask: UInt32

    public init(range: ByteRange, filterMask: UInt32 = 0) {
        self.range = range
        self.filterMask = filterMask
    }
}

/// Finds chunks: the storage format's side of the engine (an HDF5 chunk index, a contiguous
/// dataset's arithmetic, a Zarr store's keys).
public protocol ChunkLocator: Sendable {
    /// The chunk at grid coordinates `coordinates`, or nil when none is stored (fill value).
    func chunk(at coordinates: [UInt64]) throws -> StoredChunk?
}

/// Turns a stored chunk into the chunk's elements (the reverse of a filter pipeline).
public protocol ChunkDecoder: Sendable {
    /// True when stored chunks are the elements themselves: the engine then reads only the
    /// byte runs a selection needs, never whole chunks.
    var isIdentity: Bool { get }
    /// Exactly `chunkByteCount` bytes decoded from `stored`: the elements, or the elements
    /// with their bytes still shuffled (`elementSize` is the layout's).
    func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int, elementSize: Int) throws -> DecodedChunk
}

/// A decoded chunk, as the engine copies it.
public enum DecodedChunk: Sendable {
    /// The elements, in order.
    case elements(Bytes)
    /// The elements' bytes as a byte shuffle leaves them: byte `b` of element `i` at
    /// `b * elements + i`, for elements of the layout's size. The engine interleaves them while
    /// it copies each run to the output, which saves writing the whole chunk once more.
    case shuffled(Bytes)

    var bytes: Bytes {
        switch self {
        case .elements(let bytes), .shuffled(let bytes): bytes
        }
    }
}

/// Stored chunks are raw elements.
public struct IdentityDecoder: ChunkDecoder {
    public init() {}
    public var isIdentity: Bool { true }
    public func decode(_ stored: Bytes, filterMask: UInt32, chunkByteCount: Int, elementSize: Int) throws -> DecodedChunk {
        .elements(stored)
    }
}
