/// The properties of a variable-length (class 9) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Variable-Length").
///
///     class bits 0-3     type: 0 sequence, 1 string
///     class bits 4-7     padding type (strings)
///     class bits 8-11    character set (strings)
///     base type          a datatype message: the sequence's element type (for strings, a
///                        one-byte character type)
///
/// Each element is stored as a 4-byte length and a global heap ID (collection address and
/// object index) of the bytes of the sequence or string.
public struct VariableLengthType: Sendable, Equatable {
    public var kind: Kind
    public var base: Datatype

    /// A sequence of base elements, or a string.
    public enum Kind: Sendable, Equatable {
        case sequence
        case string(StringType)
    }

    public init(kind: Kind, base: Datatype) {
        self.kind = kind
        self.base = base
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header, depth: Int) throws {
        let bits = header.classBits
        switch bits.bits(0, count: 4) {
        case 0:
            kind = .sequence
        case 1:
            kind = .string(
                try StringType(
                    paddingBits: bits.bits(4, count: 4), characterSetBits: bits.bits(8, count: 4), cursor: cursor,
                    header: header))
        case let other:
            throw header.invalid(cursor, "unknown variable-length type \(other)")
        }
        base = try Datatype(parsing: &cursor, depth: depth + 1)
    }
}
