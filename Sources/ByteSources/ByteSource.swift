import ByteKit

/// Random-access bytes: a local file, or (later) an HTTP/S3 object.
///
/// Reads are requested in batches so that a remote implementation can coalesce and parallelise
/// them; a local implementation answers each range with a zero-copy slice.
public protocol ByteSource: Sendable {
    /// The source's size in bytes.
    var size: UInt64 { get }
    /// How a person named the source (path or URL), for messages.
    var name: String { get }
    /// Reads every range, returning one `Bytes` per range in the same order.
    /// A range that is not entirely inside `0..<size` is an error.
    func read(_ ranges: [ByteRange]) async throws -> [Bytes]
    /// A hint that the bytes of `range` will not be read again soon: a source may drop them
    /// from memory (a mapped file gives its pages back; they are read again on demand).
    func discard(_ range: ByteRange)
}

extension ByteSource {
    public func discard(_ range: ByteRange) {}
}

/// A source that fetched some of its bytes when it opened (a remote object's first and last
/// bytes): a reader may decode from them at once, without asking.
public protocol OpeningBytesSource: ByteSource {
    /// The runs of bytes the source holds since it opened, by offset.
    var openingBytes: [(offset: UInt64, bytes: Bytes)] { get }
}

/// Failures of a `ByteSource`.
public enum ByteSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source could not be opened; `reason` is the system's explanation.
    case cannotOpen(name: String, reason: String)
    /// A read asked for bytes outside the source.
    case outOfBounds(name: String, range: ByteRange, size: UInt64)

    public var description: String {
        switch self {
        case .cannotOpen(let name, let reason):
            return "cannot open \(name): \(reason)"
        case .outOfBounds(let name, let range, let size):
            return "read of \(range) is outside \(name) (size \(size) bytes)"
        }
    }
}
