import ByteKit

/// A source whose every byte is already addressable in memory (a mapped file, a buffer).
/// Reads are zero-copy slices, and decoders may see the whole of `contents` at once.
public protocol ResidentByteSource: ByteSource {
    /// The whole source.
    var contents: Bytes { get }
}

extension ResidentByteSource {
    public var size: UInt64 { UInt64(contents.count) }

    public func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        try ranges.map { range in
            guard range.offset <= UInt64(Int.max), range.length <= UInt64(Int.max),
                let slice = contents.slice(from: Int(range.offset), count: Int(range.length))
            else {
                throw ByteSourceError.outOfBounds(name: name, range: range, size: size)
            }
            return slice
        }
    }
}

/// Bytes held in memory: for tests, and for data produced in-process.
public struct MemorySource: ResidentByteSource {
    public let name: String
    public let contents: Bytes

    public init(name: String = "memory", bytes: [UInt8]) {
        self.name = name
        contents = Bytes(bytes)
    }
}
