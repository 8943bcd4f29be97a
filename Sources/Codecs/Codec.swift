import ByteKit

/// The decoding side of one filter of a chunk's filter pipeline: encoded bytes in, decoded bytes out.
///
/// A codec is a value built from the filter's client data (HDF5 File Format Specification 4.0,
/// IV.A.2.l, Data Storage - Filter Pipeline Message). It performs no I/O and keeps no state between
/// calls, so one value decodes any number of chunks from any number of tasks.
///
/// Sizes read from the encoded bytes are untrusted: a codec writes into a buffer its caller sized
/// from what the chunk needs, and fails with `CodecError.outputOverrun` rather than grow it. A
/// 1 KiB stream that claims to expand to 1 GiB never allocates 1 GiB.
public protocol Codec: Sendable {
    /// The filter this codec decodes.
    var filter: KnownFilter { get }

    /// Decodes `input` into `output`, whose count is the most bytes the decoded form may take, and
    /// returns the number of bytes written (the first ones of `output`).
    ///
    /// Throws `CodecError` when the input is not a valid encoding or decodes to more than
    /// `output.count` bytes. Writing fewer bytes is not an error here: the caller knows whether the
    /// size must be exact.
    func decode(_ input: Bytes, into output: UnsafeMutableRawBufferPointer) throws -> Int

    /// Decodes `input` into new storage whose size satisfies `decodedSize`.
    ///
    /// The default implementation allocates `decodedSize.limit` bytes and calls
    /// `decode(_:into:)`; a codec that can return (a slice of) its input overrides it.
    func decode(_ input: Bytes, decodedSize: ByteCountBound) throws -> Bytes

    /// The size of the encoded form, given the size of the decoded form: how large the input of
    /// this filter can be when a writer encoded `decodedSize` bytes with it. The pipeline bounds
    /// the output of the stage before this one with it.
    func encodedSize(decodedSize: ByteCountBound) -> ByteCountBound

    /// The most bytes `count` encoded bytes can decode to, when the format bounds its ratio (nil
    /// otherwise): `decode(_:decodedSize:)` allocates no more, whatever size the chunk claims.
    func largestDecodedSize(encodedCount count: Int) -> Int?
}

extension Codec {
    public func largestDecodedSize(encodedCount count: Int) -> Int? { nil }

    public func decode(_ input: Bytes, decodedSize: ByteCountBound) throws -> Bytes {
        var written = 0
        // A size the input cannot reach is found short after decoding, without allocating it.
        let capacity = min(decodedSize.limit, largestDecodedSize(encodedCount: input.count) ?? .max)
        let storage = try HeapByteStorage(count: capacity) { buffer in
            written = try decode(input, into: buffer)
        }
        try decodedSize.check(written, filter: filter)
        guard let decoded = Bytes(storage: storage).slice(from: 0, count: written) else {
            throw CodecError.outputOverrun(filter: filter, limit: decodedSize.limit, declared: UInt64(max(written, 0)))
        }
        return decoded
    }
}

/// A bound on a byte count: known exactly, or known not to exceed a limit.
public enum ByteCountBound: Sendable, Equatable, CustomStringConvertible {
    /// Exactly this many bytes.
    case exactly(Int)
    /// At most this many bytes.
    case atMost(Int)

    /// The most bytes the bound allows.
    public var limit: Int {
        switch self {
        case .exactly(let count), .atMost(let count): count
        }
    }

    /// The bound with `transform` applied to its count, keeping exactness.
    func map(_ transform: (Int) -> Int) -> ByteCountBound {
        switch self {
        case .exactly(let count): .exactly(transform(count))
        case .atMost(let count): .atMost(transform(count))
        }
    }

    /// Throws when `count` bytes, produced by `filter`, do not satisfy the bound.
    func check(_ count: Int, filter: KnownFilter) throws {
        switch self {
        case .exactly(let expected) where count != expected:
            throw CodecError.sizeMismatch(filter: filter, expected: expected, found: count)
        case .atMost(let limit) where count > limit:
            throw CodecError.outputOverrun(filter: filter, limit: limit, declared: UInt64(count))
        default:
            return
        }
    }

    public var description: String {
        switch self {
        case .exactly(let count): "exactly \(count) bytes"
        case .atMost(let count): "at most \(count) bytes"
        }
    }
}

/// Sizes computed from untrusted counts saturate instead of trapping; a saturated bound is never
/// allocated, because the pipeline's bounds start from the chunk's size.
func saturatingSum(_ values: Int...) -> Int {
    var total = 0
    for value in values {
        let (sum, overflow) = total.addingReportingOverflow(value)
        if overflow { return Int.max }
        total = sum
    }
    return total
}

/// `left × right`, or `Int.max` when that overflows (both are non-negative).
func saturatingProduct(_ left: Int, _ right: Int) -> Int {
    let (product, overflow) = left.multipliedReportingOverflow(by: right)
    return overflow ? Int.max : product
}
