/// An immutable, contiguous run of bytes that shares its storage: slicing never copies.
///
/// The storage is either a memory-mapped file region or a heap buffer filled by a network read;
/// in both cases it stays alive as long as any `Bytes` refers to it (the model is swift-nio's
/// `ByteBuffer` slices).
public struct Bytes: Sendable {
    @usableFromInline let storage: ByteStorage
    @usableFromInline let start: Int
    /// The number of bytes in this run.
    public let count: Int

    /// Wraps storage whose whole extent is this run.
    public init(storage: ByteStorage) {
        self.storage = storage
        self.start = 0
        self.count = storage.count
    }

    /// Copies an array into a new heap buffer.
    public init(_ array: [UInt8]) {
        self.init(storage: HeapByteStorage(copying: array))
    }

    @usableFromInline init(storage: ByteStorage, start: Int, count: Int) {
        self.storage = storage
        self.start = start
        self.count = count
    }

    /// The sub-run `[from, from + count)`, sharing storage, or nil when it does not fit.
    public func slice(from offset: Int, count length: Int) -> Bytes? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        return Bytes(storage: storage, start: start + offset, count: length)
    }

    /// The byte at `index`, or nil when out of bounds.
    @inlinable public func byte(at index: Int) -> UInt8? {
        guard index >= 0, index < count else { return nil }
        return storage.baseAddress.load(fromByteOffset: start + index, as: UInt8.self)
    }

    /// Reads `width` bytes at `index` as a little-endian unsigned integer (width 1...8),
    /// or nil when the bytes are not all inside the run.
    @inlinable public func littleEndianInteger(at index: Int, width: Int) -> UInt64? {
        guard width >= 1, width <= 8, index >= 0, index <= count - width else { return nil }
        var value: UInt64 = 0
        let base = storage.baseAddress + start + index
        for byteIndex in 0..<width {
            value |= UInt64(base.load(fromByteOffset: byteIndex, as: UInt8.self)) << (8 * byteIndex)
        }
        return value
    }

    /// Calls `body` with a raw view of the bytes. The pointer must not escape `body`.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.baseAddress + start, count: count))
    }

    /// A copy of the bytes as an array.
    public var array: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension Bytes: Equatable {
    public static func == (lhs: Bytes, rhs: Bytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in left.elementsEqual(right) } }
    }
}
