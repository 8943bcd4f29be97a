/// The properties of an array (class 10) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Array").
///
///     dimensionality         1 byte
///     reserved               3 bytes         version 2 only
///     dimension sizes        rank × 4 bytes
///     permutation indices    rank × 4 bytes  version 2 only (never used by the library)
///     base type              a datatype message
public struct ArrayType: Sendable, Equatable {
    /// The array's dimensions, slowest-varying first.
    public var dimensions: [UInt32]
    public var base: Datatype

    /// The most dimensions an array may have (libhdf5's H5S_MAX_RANK).
    public static let maximumRank = 32

    public init(dimensions: [UInt32], base: Datatype) {
        self.dimensions = dimensions
        self.base = base
    }

    /// Elements of the base type in one array, or nil when that overflows.
    public var elementCount: UInt32? {
        var product: UInt32 = 1
        for dimension in dimensions {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// Bytes in one array, or nil when that overflows.
    var size: UInt32? {
        guard let count = elementCount else { return nil }
        let (size, overflow) = count.multipliedReportingOverflow(by: base.size)
        return overflow ? nil : size
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header, depth: Int) throws {
        guard header.version >= 2 else { throw header.invalid(cursor, "array datatype in a version 1 message") }
        let rank = Int(try cursor.readUInt8())
        guard rank <= Self.maximumRank else { throw header.invalid(cursor, "array rank \(rank) above 32") }
        if header.version == 2 { try cursor.skip(3) }
        var dimensions: [UInt32] = []
        for _ in 0..<rank { dimensions.append(try cursor.readUInt32()) }
        if header.version == 2 { try cursor.skip(4 * rank) }
        self.init(dimensions: dimensions, base: try Datatype(parsing: &cursor, depth: depth + 1))
        guard size == header.size else {
            throw header.invalid(cursor, "array of \(dimensions) × \(base.size) bytes does not fill \(header.size)")
        }
    }
}
