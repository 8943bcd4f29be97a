import ByteKit

/// Bob Jenkins' lookup3 `hashlittle`, the checksum of every checksummed HDF5 metadata structure
/// (HDF5 File Format Specification 4.0, I.B "Checksums"; libhdf5's `H5_checksum_lookup3`).
public enum Lookup3 {
    /// The hash of `bytes` with the given initial value.
    public static func hash(_ bytes: UnsafeRawBufferPointer, initialValue: UInt32 = 0) -> UInt32 {
        var a: UInt32 = 0xdead_beef &+ UInt32(truncatingIfNeeded: bytes.count) &+ initialValue
        var b = a
        var c = a
        var index = 0
        var length = bytes.count

        func word(_ at: Int, _ count: Int) -> UInt32 {
            var value: UInt32 = 0
            for byteIndex in 0..<count {
                value |= UInt32(bytes[at + byteIndex]) << (8 * UInt32(byteIndex))
            }
            return value
        }

        while length > 12 {
            a &+= word(index, 4)
            b &+= word(index + 4, 4)
            c &+= word(index + 8, 4)
            mix(&a, &b, &c)
            length -= 12
            index += 12
        }
        if length == 0 { return c }
        // The tail: up to 12 bytes, spread over a, b and c as the C switch's fall-through does.
        a &+= word(index, min(length, 4))
        if length > 4 { b &+= word(index + 4, min(length - 4, 4)) }
        if length > 8 { c &+= word(index + 8, length - 8) }
        final(&a, &b, &c)
        return c
    }

    /// The hash of `bytes`.
    public static func hash(_ bytes: Bytes, initialValue: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { hash($0, initialValue: initialValue) }
    }

    /// Checks a structure whose last four bytes are the lookup3 checksum of everything before
    /// them. `bytes` is the whole structure including the checksum; `offset` is its file offset.
    public static func verify(_ bytes: Bytes, structure: String, offset: UInt64) throws {
        guard bytes.count >= 4,
            let covered = bytes.slice(from: 0, count: bytes.count - 4),
            let stored = bytes.littleEndianInteger(at: bytes.count - 4, width: 4)
        else {
            throw HDF5Error.truncated(structure: structure, offset: offset, needed: 4, available: UInt64(bytes.count))
        }
        let computed = hash(covered)
        guard UInt32(stored) == computed else {
            throw HDF5Error.badChecksum(structure: structure, offset: offset, stored: UInt32(stored), computed: computed)
        }
    }

    private static func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }

    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= c; a ^= rotate(c, 4); c &+= b
        b &-= a; b ^= rotate(a, 6); a &+= c
        c &-= b; c ^= rotate(b, 8); b &+= a
        a &-= c; a ^= rotate(c, 16); c &+= b
        b &-= a; b ^= rotate(a, 19); a &+= c
        c &-= b; c ^= rotate(b, 4); b &+= a
    }

    private static func final(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        c ^= b; c &-= rotate(b, 14)
        a ^= c; a &-= rotate(c, 11)
        b ^= a; b &-= rotate(a, 25)
        c ^= b; c &-= rotate(b, 16)
        a ^= c; a &-= rotate(c, 4)
        b ^= a; b &-= rotate(a, 14)
        c ^= b; c &-= rotate(b, 24)
    }
}
