import ByteKit

/// How NumPy (through h5py 3.16) describes a datatype: NumPy's type string where one exists,
/// otherwise h5py's special types, as `nwbpeek ls --json` reports them (see README.md).
public indirect enum DtypeDescription: Sendable, Equatable {
    /// A NumPy type string: `<i2`, `>f8`, `|u1`, `|b1`, `|S10`, `|V8`, `<c16`.
    case numpy(String)
    /// A variable-length string (h5py's `string_dtype()`).
    case variableLengthString
    /// An object reference (h5py's `ref_dtype`).
    case objectReference
    /// A dataset region reference (h5py's `regionref_dtype`).
    case regionReference
    /// A compound's members, in datatype order.
    case compound([Field])
    /// An enumeration: its base integer type and its members' values, in datatype order.
    case enumeration(base: DtypeDescription, members: [EnumerationMember])
    /// An array type: its base type and dimensions.
    case array(base: DtypeDescription, shape: [UInt32])
    /// A variable-length sequence of the base type.
    case variableLength(base: DtypeDescription)

    /// One member of a compound description.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var dtype: DtypeDescription

        public init(name: String, dtype: DtypeDescription) {
            self.name = name
            self.dtype = dtype
        }
    }

    /// One member of an enumeration description.
    public struct EnumerationMember: Sendable, Equatable {
        public var name: String
        /// `.signed` or `.unsigned`.
        public var value: Value

        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// The description of `datatype`, as h5py would report it.
    /// - Throws: `HDF5Error.unsupported` for types with no NumPy equivalent (time, VAX floats,
    ///   integers of other than 1, 2, 4 or 8 bytes); `structure` and
    ///   `offset` name where the datatype came from.
    public init(_ datatype: Datatype, structure: String, offset: UInt64) throws {
        func unsupported(_ what: String) -> HDF5Error {
            .unsupported(feature: "\(what) (no NumPy equivalent)", structure: structure, offset: offset)
        }
        func nested(_ inner: Datatype) throws -> DtypeDescription {
            try DtypeDescription(inner, structure: structure, offset: offset)
        }
        let size = datatype.size
        switch datatype.kind {
        case .fixedPoint(let type), .bitfield(let type):
            guard [1, 2, 4, 8].contains(size) else { throw unsupported("\(size)-byte integers") }
            self = .numpy(Self.order(type.byteOrder, size: size) + (type.isSigned ? "i" : "u") + "\(size)")
        case .floatingPoint(let type):
            guard type.byteOrder != .vax else { throw unsupported("VAX floats") }
            guard [2, 4, 8, 16].contains(size) else { throw unsupported("\(size)-byte floats") }
            self = .numpy(Self.order(type.byteOrder, size: size) + "f\(size)")
        case .time:
            throw unsupported("time datatypes")
        case .string:
            self = .numpy("|S\(size)")
        case .opaque(let opaque):
            self = .numpy(opaque.numpyType ?? "|V\(size)")
        case .compound(let compound):
            if compound.isComplexPair, case .floatingPoint(let part) = compound.members[0].datatype.kind {
                self = .numpy(Self.order(part.byteOrder, size: size) + "c\(size)")
            } else {
                self = .compound(try compound.members.map { Field(name: $0.name, dtype: try nested($0.datatype)) })
            }
        case .reference(let reference):
            // h5py has no dtype for revised references; libhdf5's one revised reference
            // datatype holds object, region and attribute references alike: a generic "ref".
            self = reference.kind == .datasetRegion ? .regionReference : .objectReference
        case .enumeration(let enumeration):
            if enumeration.isBoolean {
                self = .numpy("|b1")
                return
            }
            guard case .fixedPoint(let base) = enumeration.base.kind else {
                throw unsupported("enumerations over non-integer types")
            }
            var members: [EnumerationMember] = []
            for member in enumeration.members {
                guard let raw = Bytes(member.value).integer(at: 0, width: member.value.count, order: base.byteOrder)
                else { throw unsupported("enumerations over \(member.value.count)-byte integers") }
                members.append(EnumerationMember(name: member.name, value: base.value(of: raw)))
            }
            self = .enumeration(base: try nested(enumeration.base), members: members)
        case .variableLength(let variableLength):
            switch variableLength.kind {
            case .string: self = .variableLengthString
            case .sequence: self = .variableLength(base: try nested(variableLength.base))
            }
        case .array(let array):
            self = .array(base: try nested(array.base), shape: array.dimensions)
        case .complex(let complex):
            guard case .floatingPoint(let part) = complex.base.kind, part.byteOrder != .vax,
                [8, 16, 32].contains(size)
            else { throw unsupported("complex numbers of \(size) bytes") }
            self = .numpy(Self.order(part.byteOrder, size: size) + "c\(size)")
        }
    }

    /// NumPy's byte order character: `|` when the order cannot matter.
    static func order(_ byteOrder: ByteOrder, size: UInt32) -> String {
        size == 1 ? "|" : byteOrder == .bigEndian ? ">" : "<"
    }
}
