/// The members of a compound (class 6) datatype
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message, "Compound").
///
///     class bits 0-15    number of members
///     per member, version 1:
///         name                  NUL-terminated, NUL-padded to a multiple of 8 bytes
///         byte offset           4 bytes
///         dimensionality        1 byte    0 to 4: the member is an array of that rank
///         reserved              3 bytes
///         dimension permutation 4 bytes   (never used by the library)
///         reserved              4 bytes
///         dimension sizes       4 × 4 bytes
///         member type           a datatype message
///     version 2: name (padded), byte offset (4 bytes), member type
///     version 3 and later: name (not padded), byte offset in the fewest bytes that can hold
///         the compound's size, member type
public struct CompoundType: Sendable, Equatable {
    public var members: [Member]

    /// One named member of a compound.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// Offset of the member's first byte within the compound element.
        public var byteOffset: UInt32
        public var datatype: Datatype

        public init(name: String, byteOffset: UInt32, datatype: Datatype) {
            self.name = name
            self.byteOffset = byteOffset
            self.datatype = datatype
        }
    }

    public init(members: [Member]) { self.members = members }

    init(parsing cursor: inout ByteCursor, header: Datatype.Header, depth: Int) throws {
        let count = Int(header.classBits.bits(0, count: 16))
        guard count > 0 else { throw header.invalid(cursor, "compound datatype has no members") }
        guard count <= Limits.datatypeMembers else {
            throw HDF5Error.limitExceeded(
                structure: cursor.structure, offset: header.offset,
                limit: "more than \(Limits.datatypeMembers) compound members")
        }
        // The width of a version 3 member offset: the bytes needed to encode the size itself.
        let offsetWidth = (UInt32.bitWidth - header.size.leadingZeroBitCount - 1) / 8 + 1
        members = []
        for _ in 0..<count {
            let name = try cursor.readDatatypeName(version: header.version)
            let byteOffset: UInt32
            var arrayDimensions: [UInt32] = []
            switch header.version {
            case 1:
                byteOffset = try cursor.readUInt32()
                let rank = Int(try cursor.readUInt8())
                guard rank <= 4 else { throw cursor.invalid("compound member \"\(name)\" has rank \(rank) above 4") }
                // Reserved, dimension permutation (unused by every library version), reserved.
                try cursor.skip(3 + 4 + 4)
                for index in 0..<4 {
                    let dimension = try cursor.readUInt32()
                    if index < rank { arrayDimensions.append(dimension) }
                }
            case 2:
                byteOffset = try cursor.readUInt32()
            default:
                byteOffset = UInt32(try cursor.readUnsigned(width: offsetWidth))
            }
            var datatype = try Datatype(parsing: &cursor, depth: depth + 1)
            if !arrayDimensions.isEmpty {
                // A version 1 member with dimensions is what later versions encode as an array type.
                let array = ArrayType(dimensions: arrayDimensions, base: datatype)
                guard let size = array.size else {
                    throw cursor.invalid("compound member \"\(name)\" array size overflows")
                }
                datatype = Datatype(size: size, version: 2, kind: .array(array))
            }
            members.append(Member(name: name, byteOffset: byteOffset, datatype: datatype))
        }
    }
}

extension CompoundType {
    /// True for h5py's complex number convention: two members named "r" and "i" of one
    /// floating-point type of 4, 8 or 16 bytes. h5py reads such a compound as a NumPy complex.
    public var isComplexPair: Bool {
        guard members.count == 2, members[0].name == "r", members[1].name == "i",
            members[0].datatype == members[1].datatype, case .floatingPoint = members[0].datatype.kind
        else { return false }
        return [4, 8, 16].contains(members[0].datatype.size)
    }
}
