import ByteKit

/// The properties of an enumeration (class 8) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Enumeration").
///
///     class bits 0-15    number of members
///     base type          a datatype message (an integer type)
///     names              one per member, NUL-terminated; NUL-padded to a multiple of 8 bytes
///                        before version 3
///     values             one per member, each the size of the base type, in member order
public struct EnumerationType: Sendable, Equatable {
    public var base: Datatype
    public var members: [Member]

    /// One named value.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// The value's bytes, encoded as the base type.
        public var value: [UInt8]

        public init(name: String, value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    public init(base: Datatype, members: [Member]) {
        self.base = base
        self.members = members
    }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header, depth: Int) throws {
        let count = Int(header.classBits.bits(0, count: 16))
        guard count <= Limits.datatypeMembers else {
            throw HDF5Error.limitExceeded(
                structure: cursor.structure, offset: header.offset,
                limit: "more than \(Limits.datatypeMembers) enumeration members")
        }
        base = try Datatype(parsing: &cursor, depth: depth + 1)
        guard base.size == header.size else {
            throw header.invalid(cursor, "enumeration size \(header.size) differs from its base's \(base.size)")
        }
        var names: [String] = []
        for _ in 0..<count { names.append(try cursor.readDatatypeName(version: header.version)) }
        let valueSize = Int(base.size)
        // count ≤ 65535 and valueSize < 2^32: the product fits an Int on 64-bit platforms.
        try cursor.require(count * valueSize)
        members = []
        for name in names {
            members.append(Member(name: name, value: try cursor.readBytes(valueSize).array))
        }
    }
}

extension EnumerationType {
    /// True for HDF5's boolean convention, as h5py reads it: exactly the members FALSE = 0 and
    /// TRUE = 1, in either order, over an integer base of any size.
    public var isBoolean: Bool {
        guard members.count == 2, case .fixedPoint(let base) = base.kind else { return false }
        let values = members.map { member -> (String, Value?) in
            let raw = Bytes(member.value).integer(at: 0, width: member.value.count, order: base.byteOrder)
            return (member.name, raw.map(base.value(of:)))
        }
        let isZero: (Value?) -> Bool = { $0 == .signed(0) || $0 == .unsigned(0) }
        let isOne: (Value?) -> Bool = { $0 == .signed(1) || $0 == .unsigned(1) }
        return values.contains { $0.0 == "FALSE" && isZero($0.1) } && values.contains { $0.0 == "TRUE" && isOne($0.1) }
    }
}
