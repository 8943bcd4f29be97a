import ByteKit
import Foundation
import HDF5Format

/// How a dataset's elements look to Zarr v2 (the `.zarray` of a kerchunk reference set).
enum ZarrElements {
    /// Elements Zarr reads as stored: `dtype` is NumPy's type string or a structured type's list
    /// of fields; `innerShape` the dimensions an HDF5 array type adds to each element.
    case stored(dtype: JSONValue, innerShape: [UInt64])
    /// Strings in an object array with the `vlen-utf8` codec: variable-length strings, and
    /// object references written as the referenced object's path.
    case text
    /// A compound with padding or members out of order, as the packed structured type `dtype`:
    /// the elements are rewritten, each member's bytes (at `offset`, `size` long) end to end.
    case packed(dtype: JSONValue, members: [(offset: Int, size: Int)])

    /// The Zarr view of `datatype`, or why Zarr v2 (as zarr-python 3 reads it) cannot hold it.
    static func of(_ datatype: Datatype, structure: String, offset: UInt64) throws -> Result<
        ZarrElements, Inexpressible
    > {
        let description = try DtypeDescription(datatype, structure: structure, offset: offset)
        switch (datatype.kind, description) {
        case (_, .variableLengthString), (_, .objectReference):
            return .success(.text)
        case (.compound(let compound), .compound(let fields)) where !compound.isPacked(size: datatype.size):
            return structured(compound, fields: fields).map { dtype in
                .packed(dtype: dtype, members: compound.members.map { (Int($0.byteOffset), Int($0.datatype.size)) })
            }
        default:
            return stored(datatype, description: description).map {
                .stored(dtype: $0.dtype, innerShape: $0.innerShape)
            }
        }
    }

    /// A compound's structured type: its members in order, each of a type Zarr reads as stored.
    private static func structured(_ compound: CompoundType, fields: [DtypeDescription.Field]) -> Result<
        JSONValue, Inexpressible
    > {
        var members: [JSONValue] = []
        for (member, field) in zip(compound.members, fields) {
            switch stored(member.datatype, description: field.dtype) {
            case .failure(let reason):
                return .failure(Inexpressible("compound member \(member.name): \(reason.reason)"))
            case .success(let inner):
                if case .array = inner.dtype {
                    return .failure(
                        Inexpressible(
                            "compound member \(member.name) of a compound type (zarr-python 3 reads no nested structured type)"
                        ))
                }
                if case .string(let string) = member.datatype.kind, string.padding != .nullPad {
                    return .failure(
                        Inexpressible(
                            "compound member \(member.name) of strings \(string.padding) (libhdf5 converts them)"))
                }
                guard inner.innerShape.isEmpty else {
                    return .failure(
                        Inexpressible(
                            "compound member \(member.name) of an array type (zarr-python 3 reads no structured type with subarrays)"
                        ))
                }
                members.append(.array([.string(field.name), inner.dtype]))
            }
        }
        return .success(.array(members))
    }

    /// A type whose elements Zarr reads from the bytes as stored.
    private static func stored(_ datatype: Datatype, description: DtypeDescription)
        -> Result<(dtype: JSONValue, innerShape: [UInt64]), Inexpressible>
    {
        switch (datatype.kind, description) {
        case (.enumeration(let enumeration), .enumeration(let base, _)):
            // h5py reads an enumeration as its base integers.
            return stored(enumeration.base, description: base)
        case (.array(let array), .array(let base, _)):
            return stored(array.base, description: base).map { inner in
                (inner.dtype, array.dimensions.map(UInt64.init) + inner.innerShape)
            }
        case (.compound(let compound), .compound(let fields)):
            guard compound.isPacked(size: datatype.size) else {
                return .failure(Inexpressible("a compound with padding inside another type (Zarr v2 types are packed)"))
            }
            return structured(compound, fields: fields).map { ($0, []) }
        case (.fixedPoint(let integer), .numpy), (.bitfield(let integer), .numpy):
            if integer.isNarrow(size: datatype.size) {
                return .failure(Inexpressible("integers narrower than their storage inside another type"))
            }
            return .success((description.json, []))
        case (_, .numpy(let type)):
            if type == "|b1", datatype.size != 1 {
                return .failure(Inexpressible("a \(datatype.size)-byte boolean"))
            }
            return .success((.string(type), []))
        case (_, .variableLengthString), (_, .objectReference):
            return .failure(Inexpressible("variable-length strings or references inside another type"))
        case (_, .regionReference):
            return .failure(Inexpressible("region references (no Zarr type holds a selection)"))
        case (_, .variableLength):
            return .failure(Inexpressible("variable-length sequences (zarr-python 3 reads no vlen-array data)"))
        default:
            return .failure(Inexpressible("datatype \(description.json.serialized())"))
        }
    }
}

/// Why a dataset has no Zarr array in a reference set.
struct Inexpressible: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A Zarr v2 array's metadata: the `.zarray` document (Zarr storage specification version 2).
/// Chunks are C-ordered, their keys dot-separated (`0.3`); the HDF5 filter pipeline becomes
/// the `filters` list in pipeline order, with no separate compressor.
struct ZarrArrayMetadata {
    var shape: [UInt64]
    var chunks: [UInt64]
    var dtype: JSONValue
    var fillValue: JSONValue
    /// numcodecs configurations, applied in order when writing (undone in reverse when reading).
    var filters: [JSONValue]

    var json: JSONValue {
        .object([
            ("zarr_format", .int(2)),
            ("shape", .array(shape.map(JSONValue.uint))),
            ("chunks", .array(chunks.map(JSONValue.uint))),
            ("dtype", dtype),
            ("fill_value", fillValue),
            ("order", .string("C")),
            ("filters", filters.isEmpty ? .null : .array(filters)),
            ("compressor", .null),
            ("dimension_separator", .string(".")),
        ])
    }

    /// The key of the chunk at grid coordinates `coordinates` (`0` for a scalar).
    static func chunkKey(_ coordinates: [UInt64]) -> String {
        coordinates.isEmpty ? "0" : coordinates.map(String.init).joined(separator: ".")
    }

    /// The numcodecs codec of each HDF5 filter, or why one has none. Deflate's stream is zlib's,
    /// shuffle and Fletcher-32 are HDF5's own algorithms in numcodecs, and the Blosc and
    /// Zstandard filters store their library's frames as they are. The LZ4 filter frames its
    /// blocks differently from numcodecs' `lz4`; szip, n-bit, scale-offset, LZF and bitshuffle
    /// have no numcodecs codec.
    static func codecs(of filters: [FilterPipelineMessage.Filter], elementSize: Int) -> Result<
        [JSONValue], Inexpressible
    > {
        var codecs: [JSONValue] = []
        for filter in filters {
            let data = filter.clientData
            switch filter.id {
            case 1:
                codecs.append(.object([("id", .string("zlib")), ("level", .uint(UInt64(min(data.first ?? 6, 9))))]))
            case 2:
                // numcodecs shuffles whole elements only; HDF5 leaves a remainder in place, which
                // only a shuffle of the elements themselves (the first filter) never has.
                guard codecs.isEmpty else {
                    return .failure(
                        Inexpressible("shuffle after another filter (numcodecs shuffles whole elements only)"))
                }
                codecs.append(
                    .object([
                        ("id", .string("shuffle")), ("elementsize", .uint(UInt64(data.first ?? UInt32(elementSize)))),
                    ]))
            case 3:
                codecs.append(.object([("id", .string("fletcher32"))]))
            case 32001:
                // Client data 4..6: compression level, shuffle, compressor; only decoding uses this.
                let names = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"]
                let compressor = data.count > 6 && Int(data[6]) < names.count ? names[Int(data[6])] : "blosclz"
                codecs.append(
                    .object([
                        ("id", .string("blosc")), ("cname", .string(compressor)),
                        ("clevel", .uint(UInt64(data.count > 4 ? min(data[4], 9) : 5))),
                        ("shuffle", .uint(UInt64(data.count > 5 ? min(data[5], 2) : 1))), ("blocksize", .uint(0)),
                    ]))
            case 32015:
                codecs.append(.object([("id", .string("zstd")), ("level", .uint(UInt64(min(data.first ?? 0, 22))))]))
            default:
                return .failure(Inexpressible("filter \(filter.displayName) has no numcodecs codec"))
            }
        }
        return .success(codecs)
    }

    /// The `fill_value` for elements of Zarr type `dtype` whose fill is `fill` (one stored
    /// element of `datatype`): a number or boolean for numeric types (non-finite floats as
    /// `"NaN"`, `"Infinity"`, `"-Infinity"`), `[real, imaginary]` for complex numbers, base64
    /// of the bytes for strings, opaque and structured types. For an HDF5 array type the fill
    /// of its first base element stands for all (Zarr's fill is per scalar).
    static func fillValue(_ fill: [UInt8], datatype: Datatype, dtype: JSONValue, context: FormatContext) throws
        -> JSONValue
    {
        guard case .string(let type) = dtype, let kind = type.dropFirst().first else {
            return .string(Data(fill).base64EncodedString())
        }
        var datatype = datatype
        var fill = fill
        while true {
            if case .array(let array) = datatype.kind {
                datatype = array.base
                fill = Array(fill.prefix(Int(array.base.size)))
            } else if case .enumeration(let enumeration) = datatype.kind {
                datatype = enumeration.base
            } else {
                break
            }
        }
        switch kind {
        case "i", "u", "f", "b", "c":
            let values = try ValueDecoder(view: FileView(fileSize: 0), context: context).decode(
                Bytes(fill), datatype: datatype, count: 1, structure: "fill value", offset: 0)
            switch values.first {
            case .complex(let real, let imaginary)?:
                return .array([real.json(path: { _ in nil }), imaginary.json(path: { _ in nil })])
            case .compound(let parts)? where parts.count == 2:
                // h5py's complex numbers: a compound of two floats, `r` and `i`.
                return .array(parts.map { $0.value.json(path: { _ in nil }) })
            case let value?:
                return value.json(path: { _ in nil })
            case nil:
                return .null
            }
        case "M", "m":
            // NumPy datetimes and timedeltas (opaque types tagged `NUMPY:`): 64-bit integers.
            let ordered = type.first == ">" ? fill.reversed() : fill
            return .int(
                Int64(
                    bitPattern: ordered.prefix(8).enumerated().reduce(UInt64(0)) {
                        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                    }))
        case "O":
            return .null
        default:
            return .string(Data(fill).base64EncodedString())
        }
    }
}

/// numcodecs' `vlen-utf8` encoding of strings: the count, then each string's UTF-8 length and
/// bytes, lengths as little-endian 32-bit integers.
func variableLengthUTF8(_ strings: [String]) -> [UInt8] {
    var bytes: [UInt8] = []
    func append(_ value: Int) {
        let word = UInt32(truncatingIfNeeded: value)
        bytes += [UInt8(word & 0xff), UInt8(word >> 8 & 0xff), UInt8(word >> 16 & 0xff), UInt8(word >> 24)]
    }
    append(strings.count)
    for string in strings {
        let utf8 = Array(string.utf8)
        append(utf8.count)
        bytes += utf8
    }
    return bytes
}

extension FixedPointType {
    /// True when the integer does not fill its `size` bytes (n-bit data, a bit offset): its
    /// stored bytes are then not the value libhdf5 converts them to (shifted, sign-extended).
    func isNarrow(size: UInt32) -> Bool {
        bitOffset != 0 || UInt32(bitPrecision) != size * 8
    }
}

/// Integers as `size`-byte two's complement words in `byteOrder`: what libhdf5 converts n-bit
/// integers to, and NumPy reads.
func integerBytes(_ values: [Value], size: Int, byteOrder: ByteOrder) throws -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * size)
    for value in values {
        let word: UInt64
        switch value {
        case .signed(let number): word = UInt64(bitPattern: number)
        case .unsigned(let number): word = number
        default: throw Inexpressible("a value \(value) where an integer was expected")
        }
        let little = (0..<size).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }
        bytes += byteOrder == .bigEndian ? little.reversed() : little
    }
    return bytes
}

extension CompoundType {
    /// True when the members lie end to end in order, filling `size` bytes (as NumPy packs a
    /// structured type given as a list of fields).
    func isPacked(size: UInt32) -> Bool {
        var offset: UInt64 = 0
        for member in members {
            guard UInt64(member.byteOffset) == offset else { return false }
            offset += UInt64(member.datatype.size)
        }
        return offset == UInt64(size)
    }
}

/// Elements of `elementSize` bytes with each member's bytes moved end to end, in member order.
func packedElements(_ elements: Bytes, elementSize: Int, members: [(offset: Int, size: Int)]) throws -> [UInt8] {
    let stored = elements.array
    guard elementSize > 0, members.allSatisfy({ $0.offset >= 0 && $0.offset + $0.size <= elementSize }) else {
        throw Inexpressible("compound members outside their element")
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(stored.count / elementSize * members.reduce(0) { $0 + $1.size })
    for start in stride(from: 0, to: stored.count - elementSize + 1, by: elementSize) {
        for member in members { bytes += stored[(start + member.offset)..<(start + member.offset + member.size)] }
    }
    return bytes
}
