/// Why a chunk could not be decoded. Every case names the filter and what went wrong, so that the
/// message can be pasted into a bug report and understood without a debugger.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline holds a filter this module has no decoder for, and the chunk was filtered by it.
    case unsupportedFilter(id: UInt16)
    /// The filter's client data (its parameters in the filter pipeline message) cannot be used.
    case invalidParameters(filter: KnownFilter, reason: String)
    /// The encoded bytes are not a valid stream of the filter's format (bad data, truncation).
    case corruptStream(filter: KnownFilter, reason: String)
    /// The filter decoded to a different number of bytes than the next stage or the chunk needs.
    case sizeMismatch(filter: KnownFilter, expected: Int, found: Int)
    /// A chunk stored unfiltered (every filter skipped) is not the chunk's size.
    case storedSizeMismatch(expected: Int, found: Int)
    /// The filter would decode to more than `limit` bytes: its stream declares `declared` bytes,
    /// or (when nil) it was stopped when the output was full.
    case outputOverrun(filter: KnownFilter, limit: Int, declared: UInt64?)
    /// A checksum stored with the data does not match the one computed over it.
    case checksumMismatch(filter: KnownFilter, stored: UInt32, computed: UInt32)
    /// The library that decodes the filter, loaded when first needed, could not be loaded.
    case libraryUnavailable(filter: KnownFilter, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFilter(let id):
            "filter \(id) is not supported: no decoder for it, and the chunk was filtered by it"
        case .invalidParameters(let filter, let reason):
            "\(filter): invalid parameters: \(reason)"
        case .corruptStream(let filter, let reason):
            "\(filter): corrupt data: \(reason)"
        case .sizeMismatch(let filter, let expected, let found):
            "\(filter): decoded \(found) bytes, expected \(expected)"
        case .storedSizeMismatch(let expected, let found):
            "a chunk stored unfiltered holds \(found) bytes, expected \(expected)"
        case .outputOverrun(let filter, let limit, let declared?):
            "\(filter): the data declares \(declared) decoded bytes, more than the \(limit) expected"
        case .outputOverrun(let filter, let limit, nil):
            "\(filter): the data decodes to more than the \(limit) bytes expected"
        case .checksumMismatch(let filter, let stored, let computed):
            "\(filter): checksum mismatch: stored 0x\(hex(stored)), computed 0x\(hex(computed))"
        case .libraryUnavailable(let filter, let reason):
            "\(filter): no decoder: \(reason)"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
