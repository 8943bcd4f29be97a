import ByteKit

/// Failures of the array engine.
public enum ArrayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The selection text or its bounds are wrong.
    case badSelection(text: String, reason: String)
    /// The result would be larger than can be addressed.
    case tooLarge(elements: String)
    /// A chunk's decoded bytes are not the size the chunk must have.
    case chunkSize(coordinates: [UInt64], expected: Int, found: Int)
    /// A stored range handed back by the source is shorter than the engine needs.
    case shortRead(range: ByteRange, found: Int)
    /// A feature the engine does not implement.
    case unsupported(feature: String)
    /// The system refused memory of this many bytes for an output.
    case outOfMemory(bytes: Int)

    public var description: String {
        switch self {
        case .badSelection(let text, let reason): return "bad selection \"\(text)\": \(reason)"
        case .tooLarge(let elements): return "selection of \(elements) elements is too large to read at once"
        case .chunkSize(let coordinates, let expected, let found):
            return "chunk \(coordinates) decoded to \(found) bytes, expected \(expected)"
        case .shortRead(let range, let found): return "read of \(range) returned \(found) bytes"
        case .unsupported(let feature): return "unsupported: \(feature)"
        case .outOfMemory(let bytes): return "the system refused \(bytes) bytes of memory for the output"
        }
    }
}
