import ByteKit

/// A datatype: the size and layout of one data element
/// (HDF5 File Format Specification 4.0, IV.A.2.d, Datatype Message).
///
/// The same encoding describes the elements of datasets and attributes, the base types of
/// enumerations, arrays and variable-length types, and the members of compounds, so the
/// parser recurses; nesting is bounded by `Limits.datatypeDepth`.
///
/// On disk:
///
///     class and version      1 byte    bits 0-3 class, bits 4-7 version (1 to 5)
///     class bit field        3 bytes   class-specific flags, little-endian
///     size                   4 bytes   bytes in one element
///     properties             variable  class-specific, see each class's type
///
/// Version 1 is the original encoding; version 2 adds the array class; version 3 adds VAX byte
/// order, unpadded member names and variable-width compound member offsets; version 4 adds the
/// revised references of HDF5 1.12; version 5 adds the complex number class of HDF5 2.0.
public struct Datatype: Sendable, Equatable {
    /// Bytes in one element.
    public var size: UInt32
    /// The datatype message version the type was encoded with (1 to 5).
    public var version: UInt8
    /// The class and its properties.
    public var kind: Kind

    /// A datatype's class with its class-specific properties.
    public indirect enum Kind: Sendable, Equatable {
        /// Class 0: an integer.
        case fixedPoint(FixedPointType)
        /// Class 1: a floating-point number.
        case floatingPoint(FloatingPointType)
        /// Class 2: a time value (no library version has used this for data in practice).
        case time(TimeType)
        /// Class 3: a fixed-length string.
        case string(StringType)
        /// Class 4: a bit field: laid out as a fixed-point type that is never signed.
        case bitfield(FixedPointType)
        /// Class 5: uninterpreted bytes with an ASCII tag.
        case opaque(OpaqueType)
        /// Class 6: a record of named members.
        case compound(CompoundType)
        /// Class 7: a reference to an object, a dataset region or an attribute.
        case reference(ReferenceType)
        /// Class 8: an integer type with named values.
        case enumeration(EnumerationType)
        /// Class 9: a variable-length sequence or string stored in the global heap.
        case variableLength(VariableLengthType)
        /// Class 10: a fixed-size multi-dimensional array of a base type.
        case array(ArrayType)
        /// Class 11: a complex number made of two floating-point parts.
        case complex(ComplexType)
    }

    public init(size: UInt32, version: UInt8, kind: Kind) {
        self.size = size
        self.version = version
        self.kind = kind
    }

    /// Parses a datatype message at the cursor. `depth` counts the enclosing datatypes.
    public init(parsing cursor: inout ByteCursor, depth: Int = 0) throws {
        guard depth < Limits.datatypeDepth else {
            throw HDF5Error.limitExceeded(
                structure: cursor.structure, offset: cursor.offset,
                limit: "datatypes nested more than \(Limits.datatypeDepth) deep")
        }
        let start = cursor.offset
        let classAndVersion = try cursor.readUInt8()
        let classBits = ClassBits(raw: UInt32(try cursor.readUInt16()) | UInt32(try cursor.readUInt8()) << 16)
        let size = try cursor.readUInt32()
        let version = classAndVersion >> 4
        let typeClass = classAndVersion & 0x0f
        guard (1...5).contains(version) else {
            throw HDF5Error.unknownVersion(structure: cursor.structure, offset: start, version: Int(version))
        }
        guard size > 0 else {
            throw HDF5Error.invalid(structure: cursor.structure, offset: start, reason: "datatype size is zero")
        }
        let header = Header(size: size, version: version, classBits: classBits, offset: start)
        let kind: Kind
        switch typeClass {
        case 0: kind = .fixedPoint(try FixedPointType(parsing: &cursor, header: header, signBit: true))
        case 1: kind = .floatingPoint(try FloatingPointType(parsing: &cursor, header: header))
        case 2: kind = .time(try TimeType(parsing: &cursor, header: header))
        case 3: kind = .string(try StringType(parsing: &cursor, header: header))
        case 4: kind = .bitfield(try FixedPointType(parsing: &cursor, header: header, signBit: false))
        case 5: kind = .opaque(try OpaqueType(parsing: &cursor, header: header))
        case 6: kind = .compound(try CompoundType(parsing: &cursor, header: header, depth: depth))
        case 7: kind = .reference(try ReferenceType(parsing: &cursor, header: header))
        case 8: kind = .enumeration(try EnumerationType(parsing: &cursor, header: header, depth: depth))
        case 9: kind = .variableLength(try VariableLengthType(parsing: &cursor, header: header, depth: depth))
        case 10: kind = .array(try ArrayType(parsing: &cursor, header: header, depth: depth))
        case 11: kind = .complex(try ComplexType(parsing: &cursor, header: header, depth: depth))
        default:
            throw HDF5Error.invalid(
                structure: cursor.structure, offset: start, reason: "unknown datatype class \(typeClass)")
        }
        self.init(size: size, version: version, kind: kind)
    }

    /// The fields every class's parser needs from the first eight bytes.
    struct Header {
        var size: UInt32
        var version: UInt8
        var classBits: ClassBits
        /// Absolute offset of the message's first byte, for errors.
        var offset: UInt64

        func invalid(_ cursor: ByteCursor, _ reason: String) -> HDF5Error {
            .invalid(structure: cursor.structure, offset: offset, reason: reason)
        }
    }
}

/// The 24-bit class bit field of a datatype message.
struct ClassBits: Sendable, Equatable {
    var raw: UInt32

    /// Bit `index`.
    func bit(_ index: Int) -> Bool { raw >> UInt32(index) & 1 == 1 }
    /// `count` bits starting at `index`.
    func bits(_ index: Int, count: Int) -> UInt32 { raw >> UInt32(index) & ((1 << UInt32(count)) - 1) }
}

/// The order of bytes in a multi-byte numeric element.
public enum ByteOrder: Sendable, Equatable {
    case littleEndian
    case bigEndian
    /// VAX floating-point order (datatype version 3 and later): recognised, not decoded.
    case vax

    /// Byte order from bit 0 of a fixed-point, bitfield or time class bit field.
    init(bit0: Bool) { self = bit0 ? .bigEndian : .littleEndian }
}

extension ByteCursor {
    /// Reads a NUL-terminated compound member or enumeration name. Datatype versions 1 and 2
    /// pad the name with NULs to a multiple of eight bytes (the terminator included); version 3
    /// dropped the padding.
    mutating func readDatatypeName(version: UInt8) throws -> String {
        let start = position
        let name = try readNullTerminatedString(maxLength: remaining)
        if version < 3 {
            let consumed = position - start
            try skip((consumed + 7) / 8 * 8 - consumed)
        }
        return name
    }
}
