/// A half-open range of absolute byte offsets in a source: `[offset, offset + length)`.
public struct ByteRange: Hashable, Sendable, CustomStringConvertible {
    /// The first byte's offset.
    public var offset: UInt64
    /// The number of bytes.
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }

    /// One past the last byte, or nil when that overflows 64 bits (a corrupt length).
    public var end: UInt64? {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        return overflow ? nil : sum
    }

    /// True when every byte of `other` is in this range.
    public func contains(_ other: ByteRange) -> Bool {
        guard let end, let otherEnd = other.end else { return false }
        return offset <= other.offset && otherEnd <= end
    }

    public var description: String {
        "[0x\(String(offset, radix: 16)), +\(length))"
    }
}
