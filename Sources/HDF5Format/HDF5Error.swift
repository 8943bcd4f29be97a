import ByteKit

/// Every way an HDF5 file can fail to decode. Each case names the structure being decoded and
/// the absolute file offset where the problem is, so that a message can be pasted into a bug
/// report and understood without a debugger.
public enum HDF5Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The structure needs bytes past the end of the file (or of its enclosing block).
    case truncated(structure: String, offset: UInt64, needed: UInt64, available: UInt64)
    /// A signature field did not match.
    case badSignature(structure: String, offset: UInt64, expected: String, found: String)
    /// A Jenkins lookup3 or Fletcher-32 checksum did not match the stored one.
    case badChecksum(structure: String, offset: UInt64, stored: UInt32, computed: UInt32)
    /// A version number this reader does not know.
    case unknownVersion(structure: String, offset: UInt64, version: Int)
    /// A field holds a value the specification does not allow.
    case invalid(structure: String, offset: UInt64, reason: String)
    /// A real format feature that this reader does not implement yet.
    case unsupported(feature: String, structure: String, offset: UInt64)
    /// A chain, tree or heap revisits a place it has been: the file is cyclic.
    case cycle(structure: String, offset: UInt64)
    /// A bound on work (depth, count, size) was exceeded; see `Limits`.
    case limitExceeded(structure: String, offset: UInt64, limit: String)
    /// No object at the path.
    case notFound(path: String)

    public var description: String {
        switch self {
        case .truncated(let structure, let offset, let needed, let available):
            return "\(structure) at \(hex(offset)): truncated, needs \(needed) bytes but \(available) remain"
        case .badSignature(let structure, let offset, let expected, let found):
            return "\(structure) at \(hex(offset)): bad signature, expected \"\(expected)\", found \"\(found)\""
        case .badChecksum(let structure, let offset, let stored, let computed):
            return "\(structure) at \(hex(offset)): checksum mismatch, stored \(hex(UInt64(stored))), computed \(hex(UInt64(computed)))"
        case .unknownVersion(let structure, let offset, let version):
            return "\(structure) at \(hex(offset)): unknown version \(version)"
        case .invalid(let structure, let offset, let reason):
            return "\(structure) at \(hex(offset)): \(reason)"
        case .unsupported(let feature, let structure, let offset):
            return "\(structure) at \(hex(offset)): unsupported: \(feature)"
        case .cycle(let structure, let offset):
            return "\(structure) at \(hex(offset)): cycle detected (this structure was already visited)"
        case .limitExceeded(let structure, let offset, let limit):
            return "\(structure) at \(hex(offset)): limit exceeded: \(limit)"
        case .notFound(let path):
            return "no object at \(path)"
        }
    }
}

/// `0x` followed by lowercase hexadecimal digits.
@inlinable public func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Signals that a decoder needs bytes the caller has not fetched yet. The planner fetches
/// `ranges` (in one round) and runs the decoder again; it never reaches a user.
public struct BytesNeeded: Error, Sendable, Equatable {
    /// What to fetch: one range, or several when independent parts of a decoder each need bytes.
    public let ranges: [ByteRange]
    public init(range: ByteRange) { ranges = [range] }
    public init(ranges: [ByteRange]) { self.ranges = ranges }
}
