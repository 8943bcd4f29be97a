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

    /// The Zarr view of `datatype`, or why Zarr v2 (as zarr-python 3 reads it) cannot hold it.
    static func of(_ datatype: Datatype, structure: String, offset: UInt64) throws -> Result<ZarrElements, Inexpressible> {
        let description = try DtypeDescription(datatype, structure: structure, offset: offset)
        switch description {
        case .variableLengthString, .objectReference: return .success(.text)
        default: return stored(datatype, description: description).map { .stored(dtype: $0.dtype, innerShape: $0.innerShape) }
        }
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
            // Zarr v2's structured types are packed: members in order, no padding.
            var packedOffset: UInt64 = 0
            var members: [JSONValue] = []
            for (member, field) in zip(compound.members, fields) {
                guard UInt64(member.byteOffset) == packedOffset else {
                    return .failure(Inexpressible("compound with padding or reordered members (Zarr v2 types are packed)"))
                }
                packedOffset += UInt64(member.datatype.size)
                switch stored(member.datatype, description: field.dtype) {
                case .failure(let reason):
                    return .failure(Inexpressible("compound member \(member.name): \(reason.reason)"))
                case .success(let inner):
                    let shape: [JSONValue] = inner.innerShape.isEmpty ? [] : [.array(inner.innerShape.map(JSONValue.uint))]
                    members.append(.array([.string(field.name), inner.dtype] + shape))
                }
            }
            guard packedOffset == UInt64(datatype.size) else {
                return .failure(Inexpressible("compound with trailing padding (Zarr v2 types are packed)"))
            }
            return .success((.array(members), []))
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
    static func codecs(of filters: [FilterPipelineMessage.Filter], elementSize: Int) -> Result<[JSONValue], Inexpressible> {
        var codecs: [JSONValue] = []
        for filter in filters {
            let data = filter.clientData
            switch filter.id {
            case 1:
                codecs.append(.object([("id", .string("zlib")), ("level", .uint(UInt64(min(data.first ?? 6, 9))))]))
            case 2:
                codecs.append(.object([("id", .string("shuffle")), ("elementsize", .uint(UInt64(data.first ?? UInt32(elementSize))))]))
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

    /// The `fill_value` for elements whose fill is `fill` (one stored element): a number or
    /// boolean for numeric types (non-finite floats as `"NaN"`, `"Infinity"`, `"-Infinity"`),
    /// base64 of the bytes for strings, opaque and structured types. For an HDF5 array type
    /// the fill of its first base element stands for all (Zarr's fill is per scalar).
    static func fillValue(_ fill: [UInt8], datatype: Datatype, context: FormatContext) throws -> JSONValue {
        var datatype = datatype
        var fill = fill
        while true {
            switch datatype.kind {
            case .array(let array):
                datatype = array.base
                fill = Array(fill.prefix(Int(array.base.size)))
                continue
            case .enumeration(let enumeration):
                datatype = enumeration.base
                continue
            case .fixedPoint, .floatingPoint, .bitfield, .complex:
                let values = try ValueDecoder(view: FileView(fileSize: 0), context: context).decode(
                    Bytes(fill), datatype: datatype, count: 1, structure: "fill value", offset: 0)
                guard let value = values.first else { return .null }
                if case .complex(let real, let imaginary) = value {
                    return .array([real.json(path: { _ in nil }), imaginary.json(path: { _ in nil })])
                }
                return value.json(path: { _ in nil })
            case .variableLength, .reference:
                return .null
            default:
                return .string(Data(fill).base64EncodedString())
            }
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
