import ByteKit

/// Decodes raw elements of a datatype into `Value`s, following references and variable-length
/// data into the global heap (HDF5 File Format Specification 4.0, IV.A.2.d for the element
/// layouts, III.E for the global heap).
///
/// Integers and floats are read as libhdf5 converts them to native types: an integer's bits are
/// taken from its bit offset and precision and sign-extended; IEEE floats are read directly,
/// other float layouts from their sign, exponent and mantissa fields.
public struct ValueDecoder: Sendable {
    public let view: FileView
    public let context: FormatContext

    public init(view: FileView, context: FormatContext) {
        self.view = view
        self.context = context
    }

    /// Decodes `count` consecutive elements of `datatype` from `data`, whose first byte is at
    /// absolute file offset `offset` (or inside the structure named `structure`, for errors).
    /// Each global heap collection is read at most once per call.
    public func decode(_ data: Bytes, datatype: Datatype, count: Int, structure: String, offset: UInt64) throws
        -> [Value]
    {
        var decoding = Decoding(view: view, context: context, structure: structure)
        return try decoding.elements(of: datatype, count: count, in: data, offset: offset)
    }
}

/// The state of one `decode` call: the heap collections read so far and the elements produced.
private struct Decoding {
    let view: FileView
    let context: FormatContext
    let structure: String
    var collections: [UInt64: GlobalHeapCollection] = [:]
    /// Elements materialised so far, nested ones included; bounded by `Limits.attributeElements`.
    var produced = 0

    init(view: FileView, context: FormatContext, structure: String) {
        self.view = view
        self.context = context
        self.structure = structure
    }

    func invalid(_ offset: UInt64, _ reason: String) -> HDF5Error {
        .invalid(structure: structure, offset: offset, reason: reason)
    }

    func unsupported(_ offset: UInt64, _ feature: String) -> HDF5Error {
        .unsupported(feature: feature, structure: structure, offset: offset)
    }

    /// `count` elements laid end to end from the start of `data`.
    mutating func elements(of datatype: Datatype, count: Int, in data: Bytes, offset: UInt64) throws -> [Value] {
        let size = Int(datatype.size)
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard count >= 0, !overflow, total <= data.count else {
            throw HDF5Error.truncated(
                structure: structure, offset: offset, needed: overflow ? UInt64.max : UInt64(max(total, 0)),
                available: UInt64(data.count))
        }
        let (newTotal, countOverflow) = produced.addingReportingOverflow(count)
        guard !countOverflow, newTotal <= Limits.attributeElements else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: offset, limit: "more than \(Limits.attributeElements) elements")
        }
        produced = newTotal
        var values: [Value] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            guard let element = data.slice(from: index * size, count: size) else {
                throw invalid(offset, "element \(index) out of bounds")
            }
            values.append(try value(of: datatype, in: element, offset: offset &+ UInt64(index * size)))
        }
        return values
    }

    /// The element of `datatype` that `element` (exactly `datatype.size` bytes) holds.
    mutating func value(of datatype: Datatype, in element: Bytes, offset: UInt64) throws -> Value {
        switch datatype.kind {
        case .fixedPoint(let type), .bitfield(let type):
            return try integer(type, in: element, offset: offset)
        case .floatingPoint(let type):
            return try float(type, in: element, offset: offset)
        case .time:
            throw unsupported(offset, "time datatype values")
        case .string(let type):
            return .string(decodeText(type.characters(element.array)))
        case .opaque(let opaque):
            return opaqueValue(opaque, element.array)
        case .compound(let compound) where compound.isComplexPair:
            let parts = try compound.members.map { member in
                try value(
                    of: member.datatype, in: try slice(element, member, offset: offset),
                    offset: offset &+ UInt64(member.byteOffset))
            }
            return .complex(real: parts[0], imaginary: parts[1])
        case .compound(let compound):
            var fields: [Value.CompoundField] = []
            for member in compound.members {
                let bytes = try slice(element, member, offset: offset)
                fields.append(
                    .init(
                        name: member.name,
                        value: try value(of: member.datatype, in: bytes, offset: offset &+ UInt64(member.byteOffset))))
            }
            return .compound(fields)
        case .reference(let reference):
            return try self.reference(reference, in: element, offset: offset)
        case .enumeration(let enumeration):
            let base = try value(of: enumeration.base, in: element, offset: offset)
            if enumeration.isBoolean {
                return .boolean(base != .signed(0) && base != .unsigned(0))
            }
            return base
        case .variableLength(let variableLength):
            return try self.variableLength(variableLength, in: element, offset: offset)
        case .array(let array):
            guard let count = array.elementCount else { throw invalid(offset, "array element count overflows") }
            let flat = try elements(of: array.base, count: Int(count), in: element, offset: offset)
            return nest(flat, dimensions: array.dimensions.map(Int.init))
        case .complex(let complex):
            guard complex.form == .rectangular else {
                throw unsupported(offset, "complex numbers in \(complex.form) form")
            }
            let parts = try elements(of: complex.base, count: 2, in: element, offset: offset)
            return .complex(real: parts[0], imaginary: parts[1])
        }
    }

    /// An opaque element: its bytes, or for the NumPy types h5py stores as opaque, the value
    /// h5py reads: a byte string's text, a `datetime64` or `timedelta64` count of its units.
    func opaqueValue(_ type: OpaqueType, _ bytes: [UInt8]) -> Value {
        switch type.numpyType {
        case "|S\(bytes.count)"?:
            return .string(decodeText(StringType(padding: .nullPad, characterSet: .ascii).characters(bytes)))
        case let numpy? where bytes.count == 8 && ["<M8", "<m8", ">M8", ">m8"].contains(numpy.prefix(3)):
            let raw = Bytes(bytes).integer(at: 0, width: 8, order: numpy.hasPrefix(">") ? .bigEndian : .littleEndian)
            return .signed(Int64(bitPattern: raw ?? 0))
        default:
            return .opaque(bytes)
        }
    }

    /// The bytes of a compound member within its element.
    func slice(_ element: Bytes, _ member: CompoundType.Member, offset: UInt64) throws -> Bytes {
        guard let bytes = element.slice(from: Int(member.byteOffset), count: Int(member.datatype.size)) else {
            throw invalid(offset, "compound member \"\(member.name)\" extends past its element")
        }
        return bytes
    }

    /// Splits `flat` into nested `.array`s, one level per dimension.
    func nest(_ flat: [Value], dimensions: [Int]) -> Value {
        guard dimensions.count > 1, let first = dimensions.first, first > 0 else { return .array(flat) }
        let stride = flat.count / first
        return .array(
            (0..<first).map { index in
                nest(Array(flat[index * stride..<(index + 1) * stride]), dimensions: Array(dimensions.dropFirst()))
            })
    }

    // MARK: Numbers

    func integer(_ type: FixedPointType, in element: Bytes, offset: UInt64) throws -> Value {
        guard element.count <= 8, let raw = element.integer(at: 0, width: element.count, order: type.byteOrder) else {
            throw unsupported(offset, "\(element.count)-byte integers")
        }
        return type.value(of: raw)
    }

    func float(_ type: FloatingPointType, in element: Bytes, offset: UInt64) throws -> Value {
        guard type.byteOrder != .vax else { throw unsupported(offset, "VAX floating-point byte order") }
        let size = UInt32(element.count)
        let bytes = type.byteOrder == .bigEndian ? Array(element.array.reversed()) : element.array
        if type.isIEEE(size: size) {
            let raw = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            switch size {
            case 2: return .float16(Float16(bitPattern: UInt16(truncatingIfNeeded: raw)))
            case 4: return .float32(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
            default: return .float64(Double(bitPattern: raw))
            }
        }
        let value = type.genericValue(littleEndianBytes: bytes)
        switch size {
        case 2: return .float16(Float16(value))
        case 4: return .float32(Float(value))
        case 8, 12, 16: return .float64(value)
        default: throw unsupported(offset, "\(size)-byte floating-point numbers")
        }
    }

    // MARK: The global heap

    /// The collection at `address`, read once per decode.
    mutating func collection(at address: UInt64) throws -> GlobalHeapCollection {
        if let cached = collections[address] { return cached }
        let collection = try GlobalHeapCollection.read(view: view, address: address, context: context)
        collections[address] = collection
        return collection
    }

    /// A global heap ID (collection address, object index) at the cursor; nil for the null ID.
    func readHeapID(_ cursor: inout ByteCursor) throws -> (address: UInt64, index: UInt32)? {
        let address = try readNullableAddress(&cursor)
        let index = try cursor.readUInt32()
        return address.map { ($0, index) }
    }

    /// An address at the cursor, nil when zero or undefined (libhdf5's null heap IDs and null
    /// object references are zero).
    func readNullableAddress(_ cursor: inout ByteCursor) throws -> UInt64? {
        let start = cursor.offset
        let raw = try cursor.readUnsigned(width: context.offsetSize)
        if raw == 0 || raw == allOnes(width: context.offsetSize) { return nil }
        let (absolute, overflow) = raw.addingReportingOverflow(context.baseAddress)
        guard !overflow else { throw invalid(start, "address \(hex(raw)) overflows") }
        return absolute
    }

    mutating func heapObject(_ id: (address: UInt64, index: UInt32)) throws -> GlobalHeapCollection.Object {
        try collection(at: id.address).object(index: id.index)
    }

    // MARK: Variable-length data

    mutating func variableLength(_ type: VariableLengthType, in element: Bytes, offset: UInt64) throws -> Value {
        var cursor = ByteCursor(bytes: element, baseOffset: offset, structure: structure)
        let length = try cursor.readUInt32()
        let id = try readHeapID(&cursor)
        var bytes = Bytes([])
        var bytesOffset = offset
        if let id {
            let object = try heapObject(id)
            bytes = object.data
            bytesOffset = object.offset
        } else if length != 0 {
            throw invalid(offset, "variable-length element of \(length) items has a null heap ID")
        }
        switch type.kind {
        case .string:
            guard let text = bytes.slice(from: 0, count: Int(length)) else {
                throw invalid(offset, "variable-length string of \(length) bytes exceeds its heap object")
            }
            // libhdf5 hands strings over NUL-terminated, so a reader sees them up to the first NUL.
            return .string(decodeText(Array(text.array.prefix { $0 != 0 })))
        case .sequence:
            return .sequence(try elements(of: type.base, count: Int(length), in: bytes, offset: bytesOffset))
        }
    }

    // MARK: References

    mutating func reference(_ type: ReferenceType, in element: Bytes, offset: UInt64) throws -> Value {
        var cursor = ByteCursor(bytes: element, baseOffset: offset, structure: structure)
        switch type.kind {
        case .object:
            return .objectReference(try readNullableAddress(&cursor))
        case .datasetRegion:
            guard let id = try readHeapID(&cursor) else { return .regionReference(target: nil, selection: []) }
            let object = try heapObject(id)
            var region = ByteCursor(
                bytes: object.data, baseOffset: object.offset, structure: "dataset region reference")
            let target = try readNullableAddress(&region)
            let selectionOffset = region.offset
            let selection = try region.readBytes(region.remaining).array
            _ = try DataspaceSelection(decoding: selection, offset: selectionOffset)  // checked once, here
            return .regionReference(target: target, selection: selection)
        case .revisedObject, .revisedDatasetRegion, .revisedAttribute:
            return try revisedReference(type.kind, &cursor, offset: offset)
        }
    }

    /// A revised reference (HDF5 1.12), as libhdf5's `H5T__ref_disk_write` and `H5R__encode`
    /// write it: the reference's own type and flags, then for an object reference in the same
    /// file its token size and token in place; for any other, the size of its encoding and the
    /// global heap ID of the encoding (token size, token, then the selection or the attribute
    /// name). The element's type byte, not the datatype, says what it references: libhdf5's one
    /// revised reference datatype (H5T_STD_REF) holds object, region and attribute references.
    mutating func revisedReference(_ kind: ReferenceType.Kind, _ cursor: inout ByteCursor, offset: UInt64) throws
        -> Value
    {
        let storedType = try cursor.readUInt8()
        let flags = try cursor.readUInt8()
        guard storedType != 0 else { return Self.nullReference(kind) }
        guard let storedKind = ReferenceType.Kind(rawValue: storedType), storedKind.isRevised else {
            throw invalid(offset, "revised reference of type \(storedType)")
        }
        guard flags & 0x01 == 0 else { throw unsupported(offset, "references to objects in other files") }
        if storedKind == .revisedObject {
            return .objectReference(try readToken(&cursor, offset: offset))
        }
        _ = try cursor.readUInt32()  // The encoding's size; the heap object carries its own.
        guard let id = try readHeapID(&cursor) else { return Self.nullReference(storedKind) }
        let object = try heapObject(id)
        var encoding = ByteCursor(bytes: object.data, baseOffset: object.offset, structure: "revised reference")
        let target = try readToken(&encoding, offset: offset)
        if storedKind == .revisedAttribute {
            let length = Int(try encoding.readUInt16())
            return .attributeReference(target: target, name: decodeText(try encoding.readBytes(length).array))
        }
        // libhdf5's H5R__encode_region: the serialized selection's length, the rank of the
        // dataset's extent, then the selection.
        let selectionLength = Int(try encoding.readUInt32())
        _ = try encoding.readUInt32()
        let selectionOffset = encoding.offset
        let selection = try encoding.readBytes(selectionLength).array
        _ = try DataspaceSelection(decoding: selection, offset: selectionOffset)  // checked once, here
        return .regionReference(target: target, selection: selection)
    }

    /// An object token (its size, then the object header's address in that many bytes).
    func readToken(_ cursor: inout ByteCursor, offset: UInt64) throws -> UInt64 {
        let tokenSize = Int(try cursor.readUInt8())
        guard (1...8).contains(tokenSize) else { throw unsupported(offset, "object tokens of \(tokenSize) bytes") }
        let token = try cursor.readUnsigned(width: tokenSize)
        let (target, overflow) = token.addingReportingOverflow(context.baseAddress)
        guard !overflow else { throw invalid(offset, "object token \(hex(token)) overflows") }
        return target
    }

    static func nullReference(_ kind: ReferenceType.Kind) -> Value {
        switch kind {
        case .datasetRegion, .revisedDatasetRegion: return .regionReference(target: nil, selection: [])
        case .revisedAttribute: return .attributeReference(target: nil, name: "")
        case .object, .revisedObject: return .objectReference(nil)
        }
    }
}

extension Bytes {
    /// The unsigned integer of `width` bytes (1...8) at `index` in `order`.
    func integer(at index: Int, width: Int, order: ByteOrder) -> UInt64? {
        guard let value = littleEndianInteger(at: index, width: width) else { return nil }
        guard order == .bigEndian else { return value }
        return value.byteSwapped >> (8 * UInt64(8 - width))
    }
}
