import ArrayEngine
import ByteKit
import ByteSources
import Foundation
import HDF5Format

/// One dataset as a Zarr v2 array of a kerchunk reference set: its `.zarray` and a reference
/// per stored chunk, either `[url, offset, length]` into the HDF5 file or the chunk's bytes
/// inline (`"base64:..."`).
struct ZarrArray {
    var metadata: ZarrArrayMetadata
    var chunks: [(key: String, reference: JSONValue)]
    /// True when the elements are object references written as paths.
    var holdsReferences = false
}

extension HDF5File {
    /// The Zarr array that reads as h5py reads `dataset`.
    ///
    /// Chunked data is referenced chunk by chunk when every filter has a numcodecs codec and
    /// every chunk went through every filter; contiguous data as virtual chunks of whole rows
    /// of about `ContiguousLocator.virtualChunkBytes`. The rest (compact data, scalars, external
    /// files, strings and references, filters numcodecs lacks, chunks that skipped a filter) is
    /// written inline, decoded, as one chunk, when its bytes are at most `inlineLimit`.
    /// - Throws: `Inexpressible` for what Zarr v2 cannot hold or what passes `inlineLimit`.
    func zarrArray(of dataset: HDF5Object, url: String, inlineLimit: Int) async throws -> ZarrArray {
        guard let datatype = dataset.datatype, let dataspace = dataset.dataspace, let layout = dataset.layout else {
            throw Inexpressible("a dataset without a datatype, dataspace or layout")
        }
        guard dataspace.kind != .null else {
            throw Inexpressible("a null dataspace (h5py's Empty): Zarr arrays have a shape")
        }
        let dimensions = dataspace.kind == .scalar ? [] : dataspace.dimensions
        let elementCount = try dataspace.elementCount()
        let (storedBytes, overflow) = elementCount.multipliedReportingOverflow(by: UInt64(datatype.size))
        guard !overflow else { throw Inexpressible("a size that overflows") }
        // The fill value is one element, written inline in the array's metadata.
        guard datatype.size <= inlineLimit else {
            throw Inexpressible("elements of \(datatype.size) bytes, whose fill value passes the inline limit of \(inlineLimit)")
        }
        let elementSize = Int(datatype.size)
        let fill = { [self] in try fillValue(of: dataset, elementSize: elementSize) ?? [UInt8](repeating: 0, count: elementSize) }

        // Integers that do not fill their bytes are written inline, converted.
        var narrowInteger: FixedPointType?
        if case .fixedPoint(let integer) = datatype.kind, integer.isNarrow(size: datatype.size) {
            narrowInteger = integer
        }
        if case .bitfield(let integer) = datatype.kind, integer.isNarrow(size: datatype.size) {
            narrowInteger = integer
        }
        let elements =
            narrowInteger == nil
            ? try ZarrElements.of(datatype, structure: "datatype", offset: dataset.address).get()
            : .stored(
                dtype: try DtypeDescription(datatype, structure: "datatype", offset: dataset.address).json,
                innerShape: [])
        switch elements {
        case .text:
            return try await inlineText(
                dataset, dimensions: dimensions, storedBytes: storedBytes, inlineLimit: inlineLimit)
        case .packed(let dtype, let members):
            guard storedBytes <= UInt64(inlineLimit) else {
                throw Inexpressible(
                    "a compound with padding (written inline, packed) of \(storedBytes) bytes, past the inline limit of \(inlineLimit)"
                )
            }
            let packedFill = try packedElements(Bytes(try fill()), elementSize: elementSize, members: members)
            let packed = try packedElements(try await read(dataset).bytes, elementSize: elementSize, members: members)
            let metadata = ZarrArrayMetadata(
                shape: dimensions, chunks: dimensions.map { max($0, 1) }, dtype: dtype,
                fillValue: .string(Data(packedFill).base64EncodedString()), filters: [])
            return ZarrArray(
                metadata: metadata, chunks: Self.singleChunk(Bytes(packed), rank: dimensions.count, count: elementCount)
            )
        case .stored(let dtype, let innerShape):
            let zarrFill = try ZarrArrayMetadata.fillValue(try fill(), datatype: datatype, dtype: dtype, context: context)
            let innerKey = innerShape.map { _ in UInt64(0) }
            func metadata(chunks: [UInt64], filters: [JSONValue] = []) -> ZarrArrayMetadata {
                ZarrArrayMetadata(
                    shape: dimensions + innerShape, chunks: chunks.map { max($0, 1) } + innerShape, dtype: dtype,
                    fillValue: zarrFill, filters: filters)
            }
            /// The whole dataset decoded, as one inline chunk.
            func inline(because reason: String) async throws -> ZarrArray {
                guard storedBytes <= UInt64(inlineLimit) else {
                    throw Inexpressible(
                        "\(reason), and its \(storedBytes) bytes pass the inline limit of \(inlineLimit)")
                }
                let slice = try await read(dataset)
                var bytes = slice.bytes
                if let integer = narrowInteger {
                    bytes = Bytes(
                        try integerBytes(try await values(of: slice), size: elementSize, byteOrder: integer.byteOrder))
                } else if case .string(let string) = datatype.kind, string.padding != .nullPad {
                    bytes = Bytes(nullPadded(slice.bytes, string: string, size: elementSize))
                }
                return ZarrArray(
                    metadata: metadata(chunks: dimensions),
                    chunks: Self.singleChunk(bytes, rank: dimensions.count + innerShape.count, count: elementCount))
            }
            if narrowInteger != nil {
                return try await inline(because: "integers narrower than their storage (libhdf5 converts them)")
            }
            if case .string(let string) = datatype.kind, string.padding != .nullPad {
                return try await inline(because: "strings \(string.padding) (libhdf5 converts them to NUL-padded)")
            }
            switch layout.storage {
            case .compact:
                return try await inline(because: "compact data")
            case .contiguous(let address, let size):
                if dimensions.isEmpty { return try await inline(because: "a scalar") }
                if dataset.header.firstMessage(of: .externalDataFiles) != nil {
                    return try await inline(because: "data in external files")
                }
                let chunkShape = ContiguousLocator.virtualChunkShape(shape: dimensions, elementSize: elementSize)
                guard let address, elementCount > 0 else {
                    return ZarrArray(metadata: metadata(chunks: chunkShape), chunks: [])
                }
                let chunks = try await virtualChunks(
                    address: address, size: size, dimensions: dimensions, chunkShape: chunkShape,
                    elementSize: elementSize, url: url, inlineLimit: inlineLimit)
                return ZarrArray(
                    metadata: metadata(chunks: chunkShape),
                    chunks: chunks.map { (ZarrArrayMetadata.chunkKey($0.coordinates + innerKey), $0.reference) })
            case .chunked(let chunked):
                let codecs: [JSONValue]
                switch ZarrArrayMetadata.codecs(of: dataset.filters, elementSize: elementSize) {
                case .failure(let reason): return try await inline(because: reason.reason)
                case .success(let found): codecs = found
                }
                let records = try await chunkRecords(of: dataset)
                if !dataset.filters.isEmpty,
                    chunked.doNotFilterPartialEdgeChunks || records.contains(where: { $0.filterMask != 0 })
                {
                    return try await inline(because: "chunks that skipped filters (Zarr applies one pipeline to all)")
                }
                let counts = zip(dimensions, chunked.chunkShape).map { extent, chunk in
                    extent == 0 ? 0 : (extent - 1) / max(chunk, 1) + 1
                }
                var chunks: [(key: String, reference: JSONValue)] = []
                for record in records where record.offsets.count == chunked.chunkShape.count {
                    let coordinates = zip(record.offsets, chunked.chunkShape).map { $0 / max($1, 1) }
                    // Chunks left outside a dataset that shrank are not part of it.
                    guard zip(coordinates, counts).allSatisfy({ $0 < $1 }) else { continue }
                    chunks.append(
                        (
                            ZarrArrayMetadata.chunkKey(coordinates + innerKey),
                            Self.reference(
                                url: url, range: ByteRange(offset: record.address, length: UInt64(record.size)))
                        ))
                }
                return ZarrArray(metadata: metadata(chunks: chunked.chunkShape, filters: codecs), chunks: chunks)
            case .virtual:
                throw Inexpressible("a virtual dataset (its data lives in other datasets)")
            }
        }
    }

    /// Strings and object references (as paths; a null reference as ""), in numcodecs'
    /// `vlen-utf8` encoding, as one inline chunk.
    private func inlineText(_ dataset: HDF5Object, dimensions: [UInt64], storedBytes: UInt64, inlineLimit: Int)
        async throws -> ZarrArray
    {
        guard storedBytes <= UInt64(inlineLimit) else {
            throw Inexpressible(
                "strings or references (written inline) of \(storedBytes) stored bytes, past the inline limit of \(inlineLimit)"
            )
        }
        let values = try await values(of: try await read(dataset))
        let holdsReferences = values.contains(where: \.containsReference)
        let paths = holdsReferences ? try await pathIndex() : [:]
        let strings = try values.map { value -> String in
            switch value {
            case .string(let text): return text
            case .objectReference(let target): return target.flatMap { paths[$0] } ?? ""
            default: throw Inexpressible("a value \(value) where a string or reference was expected")
            }
        }
        let encoded = variableLengthUTF8(strings)
        guard encoded.count <= inlineLimit else {
            throw Inexpressible("strings of \(encoded.count) bytes, past the inline limit of \(inlineLimit)")
        }
        let metadata = ZarrArrayMetadata(
            shape: dimensions, chunks: dimensions.map { max($0, 1) }, dtype: .string("|O"), fillValue: .null,
            filters: [.object([("id", .string("vlen-utf8"))])])
        return ZarrArray(
            metadata: metadata,
            chunks: Self.singleChunk(Bytes(encoded), rank: dimensions.count, count: UInt64(strings.count)),
            holdsReferences: holdsReferences)
    }

    /// The references of contiguous data's virtual chunks (whole rows, `chunkShape`). Zarr
    /// reads every chunk at its full size, edge chunks included: the last one is referenced at
    /// full size too, running past the data into whatever the file holds next (bytes Zarr
    /// discards: they fall outside the array), or, when the file ends first, written inline
    /// padded with zeros.
    private func virtualChunks(
        address: UInt64, size: UInt64, dimensions: [UInt64], chunkShape: [UInt64], elementSize: Int, url: String,
        inlineLimit: Int
    ) async throws -> [(coordinates: [UInt64], reference: JSONValue)] {
        guard
            let chunkByteCount = try ArrayLayout(shape: dimensions, chunkShape: chunkShape, elementSize: elementSize)
                .chunkByteCount
        else { throw Inexpressible("virtual chunks whose size overflows") }
        let chunkBytes = UInt64(chunkByteCount)
        guard let first = dimensions.first, let rows = chunkShape.first, rows > 0, chunkBytes > 0 else { return [] }
        let count = (first - 1) / rows + 1
        var chunks: [(coordinates: [UInt64], reference: JSONValue)] = []
        for index in 0..<count {
            let (start, overflow) = index.multipliedReportingOverflow(by: chunkBytes)
            guard !overflow, start < size, address <= source.size, start <= source.size - address else {
                throw Inexpressible("contiguous storage of \(size) bytes smaller than its dataspace")
            }
            let coordinates = [index] + dimensions.dropFirst().map { _ in UInt64(0) }
            if chunkBytes <= source.size - address - start {
                chunks.append(
                    (
                        coordinates,
                        Self.reference(url: url, range: ByteRange(offset: address + start, length: chunkBytes))
                    ))
            } else {
                guard chunkBytes <= UInt64(inlineLimit) else {
                    throw Inexpressible(
                        "contiguous data ending a file, whose last virtual chunk of \(chunkBytes) bytes passes the inline limit"
                    )
                }
                let stored = try await source.read([
                    ByteRange(offset: address + start, length: min(size - start, source.size - address - start))
                ])
                let padded =
                    (stored.first?.array ?? [])
                    + [UInt8](repeating: 0, count: Int(chunkBytes) - (stored.first?.count ?? 0))
                chunks.append((coordinates, Self.inline(Bytes(padded))))
            }
        }
        return chunks
    }

    /// Fixed-length strings as libhdf5 converts them for NumPy: NUL-padded.
    private func nullPadded(_ elements: Bytes, string: StringType, size: Int) -> [UInt8] {
        let stored = elements.array
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stored.count)
        for start in stride(from: 0, to: stored.count, by: max(size, 1)) {
            let characters = string.characters(Array(stored[start..<min(start + size, stored.count)]))
            bytes += characters + [UInt8](repeating: 0, count: size - characters.count)
        }
        return bytes
    }

    /// The one inline chunk of an array of `count` elements and `rank` dimensions (none when
    /// the array is empty).
    static func singleChunk(_ bytes: Bytes, rank: Int, count: UInt64) -> [(key: String, reference: JSONValue)] {
        count == 0 ? [] : [(ZarrArrayMetadata.chunkKey([UInt64](repeating: 0, count: rank)), inline(bytes))]
    }

    /// A kerchunk reference to bytes of the file.
    static func reference(url: String, range: ByteRange) -> JSONValue {
        .array([.string(url), .uint(range.offset), .uint(range.length)])
    }

    /// A kerchunk inline value: the bytes in base64.
    static func inline(_ bytes: Bytes) -> JSONValue {
        .string("base64:" + bytes.withUnsafeBytes { Data($0) }.base64EncodedString())
    }
}
