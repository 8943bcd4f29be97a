import Synchronization

/// The metadata work one open file may cost: structures read (each bounds-checked read of a
/// file region by a decoder) and the bytes they span, counted over the file's whole life.
///
/// Depth limits and visited sets stop cycles and deep nesting; the budget stops what they
/// cannot see, such as wide fan-outs of distinct structures, each valid on its own, whose
/// total work grows far beyond anything a real file needs.
public final class WorkBudget: Sendable {
    /// Structures a file may have read before decoding stops.
    public let structureLimit: UInt64
    /// Bytes those structures may span in total.
    public let byteLimit: UInt64
    private let structures = Atomic<UInt64>(0)
    private let bytes = Atomic<UInt64>(0)

    public init(structureLimit: UInt64 = Limits.structuresPerFile, byteLimit: UInt64 = Limits.structureBytesPerFile) {
        self.structureLimit = structureLimit
        self.byteLimit = byteLimit
    }

    /// Structures read so far.
    public var structuresRead: UInt64 { structures.load(ordering: .relaxed) }
    /// Bytes spanned by them so far.
    public var bytesRead: UInt64 { bytes.load(ordering: .relaxed) }

    /// Counts one structure of `length` bytes at `offset`.
    /// - Throws: `HDF5Error.limitExceeded` once either limit is passed.
    public func charge(_ length: UInt64, structure: String, offset: UInt64) throws {
        let count = structures.wrappingAdd(1, ordering: .relaxed).newValue
        let total = bytes.wrappingAdd(length, ordering: .relaxed).newValue
        guard count <= structureLimit else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: offset, limit: "work budget of \(structureLimit) structures read per file")
        }
        guard total >= length, total <= byteLimit else {  // smaller than `length`: it wrapped
            throw HDF5Error.limitExceeded(
                structure: structure, offset: offset, limit: "work budget of \(byteLimit) bytes of structures per file")
        }
    }
}
