/// The shape of a dataset or attribute: its rank, current and maximum dimension sizes
/// (HDF5 File Format Specification 4.0, IV.A.2.b, Dataspace Message).
///
/// Version 1:
///
///     version                 1 byte    1
///     dimensionality          1 byte    the rank; 0 for a scalar
///     flags                   1 byte    bit 0 maximum dimensions present, bit 1 permutation
///                                       indices present
///     reserved                1 byte
///     reserved                4 bytes
///     dimension sizes         rank × size of lengths
///     maximum dimension sizes rank × size of lengths, when flag bit 0 is set
///     permutation indices     rank × size of lengths, when flag bit 1 is set (never used)
///
/// Version 2 drops the reserved bytes and the permutation indices and adds a type byte after
/// the flags: 0 scalar, 1 simple, 2 null. A maximum dimension of all ones is unlimited.
public struct Dataspace: Sendable, Equatable {
    public var kind: Kind
    /// Current size of each dimension, slowest-varying first; empty unless simple.
    public var dimensions: [UInt64]
    /// Maximum size of each dimension, nil where unlimited; nil when not stored (the maximum
    /// is then the current size).
    public var maxDimensions: [UInt64?]?

    /// The kinds of dataspace.
    public enum Kind: Sendable, Equatable {
        /// One element, no dimensions.
        case scalar
        /// An array of `dimensions`.
        case simple
        /// No elements at all (an attribute or dataset with no data).
        case null
    }

    /// The most dimensions a dataspace may have (libhdf5's H5S_MAX_RANK).
    public static let maximumRank = 32

    public init(kind: Kind, dimensions: [UInt64] = [], maxDimensions: [UInt64?]? = nil) {
        self.kind = kind
        self.dimensions = dimensions
        self.maxDimensions = maxDimensions
    }

    /// Parses a dataspace message.
    public init(parsing cursor: inout ByteCursor, context: FormatContext) throws {
        let start = cursor.offset
        let version = try cursor.readUInt8()
        let rank = Int(try cursor.readUInt8())
        let flags = try cursor.readUInt8()
        switch version {
        case 1:
            try cursor.skip(1 + 4)
            kind = rank == 0 ? .scalar : .simple
        case 2:
            switch try cursor.readUInt8() {
            case 0: kind = .scalar
            case 1: kind = .simple
            case 2: kind = .null
            case let other:
                throw HDF5Error.invalid(
                    structure: cursor.structure, offset: start, reason: "unknown dataspace type \(other)")
            }
        default:
            throw HDF5Error.unknownVersion(structure: cursor.structure, offset: start, version: Int(version))
        }
        guard rank <= Self.maximumRank else {
            throw HDF5Error.invalid(structure: cursor.structure, offset: start, reason: "rank \(rank) above 32")
        }
        guard kind == .simple || rank == 0 else {
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: start, reason: "\(kind) dataspace with rank \(rank)")
        }
        dimensions = []
        for _ in 0..<rank { dimensions.append(try cursor.readLength(context)) }
        if flags & 0x01 != 0 {
            let unlimited = allOnes(width: context.lengthSize)
            var maximum: [UInt64?] = []
            for _ in 0..<rank {
                let size = try cursor.readLength(context)
                maximum.append(size == unlimited ? nil : size)
            }
            maxDimensions = maximum
        } else {
            maxDimensions = nil
        }
        // Version 1 permutation indices: reserved by the format, never written by the library.
        if version == 1, flags & 0x02 != 0 { try cursor.skip(rank * context.lengthSize) }
    }

    /// The number of elements: 1 for a scalar, 0 for null, the product of the dimensions for
    /// a simple dataspace.
    /// - Throws: `HDF5Error.invalid` when the product overflows 64 bits.
    public func elementCount(structure: String = "dataspace", offset: UInt64 = 0) throws -> UInt64 {
        switch kind {
        case .scalar: return 1
        case .null: return 0
        case .simple:
            var product: UInt64 = 1
            for dimension in dimensions {
                let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw HDF5Error.invalid(
                        structure: structure, offset: offset, reason: "element count of \(dimensions) overflows")
                }
                product = next
            }
            return product
        }
    }
}
