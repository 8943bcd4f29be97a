/// Memory that `Bytes` values point into. Immutable once created, so it can be shared across
/// tasks; subclasses own the memory and release it when the last reference goes.
open class ByteStorage: @unchecked Sendable {
    /// The first byte. Valid for `count` bytes for the lifetime of the object.
    public let baseAddress: UnsafeRawPointer
    /// The number of valid bytes.
    public let count: Int

    /// Subclasses pass memory they own and will release in `deinit`.
    public init(baseAddress: UnsafeRawPointer, count: Int) {
        self.baseAddress = baseAddress
        self.count = count
    }
}

/// Storage in a heap allocation owned by this object.
public final class HeapByteStorage: ByteStorage, @unchecked Sendable {
    private let allocation: UnsafeMutableRawPointer

    /// Copies `array` into a new allocation.
    public convenience init(copying array: [UInt8]) {
        self.init(count: array.count) { buffer in
            array.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
    }

    /// Allocates `count` bytes and lets `initialize` fill them before they become immutable.
    public init(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        // One byte at least, so that an empty buffer still has a valid address.
        let allocation = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        do {
            try initialize(UnsafeMutableRawBufferPointer(start: allocation, count: count))
        } catch {
            allocation.deallocate()
            throw error
        }
        self.allocation = allocation
        super.init(baseAddress: UnsafeRawPointer(allocation), count: count)
    }

    deinit { allocation.deallocate() }
}
