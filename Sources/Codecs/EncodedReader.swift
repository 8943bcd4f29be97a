import ByteKit

/// Reads an encoded chunk front to back: framing headers, length-prefixed blocks. Every read is
/// bounds-checked and a short input is a `CodecError.corruptStream` naming the filter.
struct EncodedReader {
    let bytes: Bytes
    let filter: KnownFilter
    /// The offset of the next byte to read.
    private(set) var offset = 0

    init(_ bytes: Bytes, filter: KnownFilter) {
        self.bytes = bytes
        self.filter = filter
    }

    /// The number of bytes not read yet.
    var remaining: Int { bytes.count - offset }

    /// Reads an unsigned big-endian integer of `width` bytes (1...8).
    mutating func readBigEndian(width: Int) throws -> UInt64 {
        let field = try read(width, what: "a \(width)-byte integer")
        return field.withUnsafeBytes { raw in raw.reduce(0) { ($0 << 8) | UInt64($1) } }
    }

    /// Reads the next `count` bytes as a slice of the input (no copy).
    mutating func read(_ count: Int, what: String) throws -> Bytes {
        guard count >= 0, let slice = bytes.slice(from: offset, count: count) else {
            throw CodecError.corruptStream(
                filter: filter,
                reason: "truncated: \(what) needs \(count) bytes at offset \(offset), \(remaining) remain")
        }
        offset += count
        return slice
    }

    /// The bytes not read yet.
    var rest: Bytes { bytes.slice(from: offset, count: remaining) ?? Bytes([]) }
}

extension UnsafeMutableRawBufferPointer {
    /// The sub-buffer `[offset, offset + count)`; the caller has checked that it fits.
    func region(from offset: Int, count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[offset..<(offset + count)])
    }
}

extension Bytes {
    /// Copies the bytes to the start of `destination`, which the caller has checked is large enough.
    func copy(to destination: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes { source in
            guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress else { return }
            destinationBase.copyMemory(from: sourceBase, byteCount: Swift.min(source.count, destination.count))
        }
    }
}
