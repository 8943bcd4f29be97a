import ByteKit

/// A bounds-checked little-endian reader over a run of bytes whose absolute file offset is
/// known. Every read returns a value or throws `HDF5Error.truncated` naming the structure and
/// the offset; nothing traps. HDF5 is little-endian throughout its metadata.
public struct ByteCursor: Sendable {
    /// The bytes being read.
    public let bytes: Bytes
    /// Absolute file offset of `bytes`' first byte.
    public let baseOffset: UInt64
    /// The structure being decoded, for error messages.
    public let structure: String
    /// The next byte to read, relative to `bytes`.
    public private(set) var position: Int = 0

    public init(bytes: Bytes, baseOffset: UInt64, structure: String) {
        self.bytes = bytes
        self.baseOffset = baseOffset
        self.structure = structure
    }

    /// Absolute file offset of the next byte to read.
    public var offset: UInt64 { baseOffset &+ UInt64(position) }
    /// Bytes left to read.
    public var remaining: Int { bytes.count - position }
    /// True when every byte has been read.
    public var isAtEnd: Bool { position >= bytes.count }

    /// An `.invalid` error at the cursor's current offset.
    public func invalid(_ reason: String) -> HDF5Error {
        .invalid(structure: structure, offset: offset, reason: reason)
    }

    /// An `.unsupported` error at the cursor's current offset.
    public func unsupported(_ feature: String) -> HDF5Error {
        .unsupported(feature: feature, structure: structure, offset: offset)
    }

    /// Throws `.truncated` unless `count` more bytes are available.
    public func require(_ count: Int) throws {
        guard count >= 0, count <= remaining else {
            throw HDF5Error.truncated(
                structure: structure, offset: offset, needed: UInt64(max(count, 0)),
                available: UInt64(max(remaining, 0)))
        }
    }

    /// Throws `.truncated` unless `count` (a value read from the file) more bytes are available,
    /// and returns it as an `Int`.
    public func require(_ count: UInt64) throws -> Int {
        guard count <= UInt64(remaining) else {
            throw HDF5Error.truncated(
                structure: structure, offset: offset, needed: count, available: UInt64(max(remaining, 0)))
        }
        return Int(count)
    }

    /// Reads an unsigned little-endian integer of `width` bytes (1...8).
    public mutating func readUnsigned(width: Int) throws -> UInt64 {
        guard width >= 1, width <= 8 else { throw invalid("integer width \(width) is not 1 to 8") }
        try require(width)
        guard let value = bytes.littleEndianInteger(at: position, width: width) else {
            throw invalid("integer read out of bounds")
        }
        position += width
        return value
    }

    public mutating func readUInt8() throws -> UInt8 { UInt8(truncatingIfNeeded: try readUnsigned(width: 1)) }
    public mutating func readUInt16() throws -> UInt16 { UInt16(truncatingIfNeeded: try readUnsigned(width: 2)) }
    public mutating func readUInt32() throws -> UInt32 { UInt32(truncatingIfNeeded: try readUnsigned(width: 4)) }
    public mutating func readUInt64() throws -> UInt64 { try readUnsigned(width: 8) }

    /// Reads an address ("size of offsets" bytes) and makes it absolute by adding the base
    /// address. Returns nil for the undefined address (all bits set, spec II.A).
    public mutating func readAddress(_ context: FormatContext) throws -> UInt64? {
        let start = offset
        let raw = try readUnsigned(width: context.offsetSize)
        if raw == allOnes(width: context.offsetSize) { return nil }
        let (absolute, overflow) = raw.addingReportingOverflow(context.baseAddress)
        guard !overflow else {
            throw HDF5Error.invalid(structure: structure, offset: start, reason: "address \(hex(raw)) overflows")
        }
        return absolute
    }

    /// Reads a length ("size of lengths" bytes).
    public mutating func readLength(_ context: FormatContext) throws -> UInt64 {
        try readUnsigned(width: context.lengthSize)
    }

    /// Reads `count` bytes, sharing storage.
    public mutating func readBytes(_ count: Int) throws -> Bytes {
        try require(count)
        guard let slice = bytes.slice(from: position, count: count) else {
            throw invalid("slice out of bounds")
        }
        position += count
        return slice
    }

    /// Reads `count` bytes as a cursor of their own, for a nested structure.
    public mutating func readCursor(_ count: Int, structure: String? = nil) throws -> ByteCursor {
        let start = offset
        let slice = try readBytes(count)
        return ByteCursor(bytes: slice, baseOffset: start, structure: structure ?? self.structure)
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws {
        try require(count)
        position += count
    }

    /// Moves to `newPosition`, relative to the start of `bytes`.
    public mutating func seek(to newPosition: Int) throws {
        guard newPosition >= 0, newPosition <= bytes.count else {
            throw invalid("seek to \(newPosition) outside \(bytes.count) bytes")
        }
        position = newPosition
    }

    /// Skips to the next multiple of `alignment` bytes, counted from the start of `bytes`.
    public mutating func align(to alignment: Int) throws {
        let excess = position % alignment
        if excess != 0 { try skip(alignment - excess) }
    }

    /// Reads a fixed-size signature and throws `.badSignature` unless it equals `expected`.
    public mutating func expectSignature(_ expected: String) throws {
        let start = offset
        let found = try readBytes(expected.utf8.count)
        guard found.array.elementsEqual(expected.utf8) else {
            throw HDF5Error.badSignature(
                structure: structure, offset: start, expected: expected, found: printable(found.array))
        }
    }

    /// Reads a string that ends at the first NUL, within at most `maxLength` bytes (the NUL
    /// included). Throws when no NUL is found there.
    public mutating func readNullTerminatedString(maxLength: Int) throws -> String {
        let limit = min(maxLength, remaining)
        var length = 0
        while length < limit, bytes.byte(at: position + length) != 0 { length += 1 }
        guard length < limit else { throw invalid("string is not NUL-terminated within \(limit) bytes") }
        let text = try readBytes(length)
        position += 1
        return decodeText(text.array)
    }
}

/// The value of a `width`-byte integer with every bit set.
@inlinable public func allOnes(width: Int) -> UInt64 {
    width >= 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(width))) - 1
}

/// Text from bytes: UTF-8 where valid, otherwise each byte as the code point of that value
/// (Latin-1), so that no byte sequence fails to decode.
public func decodeText(_ bytes: [UInt8]) -> String {
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
}

func printable(_ bytes: [UInt8]) -> String {
    String(bytes.map { (0x20..<0x7f).contains($0) ? Character(Unicode.Scalar($0)) : "?" })
}
