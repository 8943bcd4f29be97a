import ArrayEngine
import HDF5Format

extension HDF5Object {
    /// `compact`, `contiguous`, `chunked` or `virtual`; nil for an object without a layout.
    public var layoutName: String? {
        switch layout?.storage {
        case .compact: return "compact"
        case .contiguous: return "contiguous"
        case .chunked: return "chunked"
        case .virtual: return "virtual"
        case nil: return nil
        }
    }

    /// The chunk shape of a chunked dataset.
    public var chunkShape: [UInt64]? {
        guard case .chunked(let chunked) = layout?.storage else { return nil }
        return chunked.chunkShape
    }

    /// How many chunks the chunked dataset's grid has room for over its current extent (the
    /// allocated ones are at most that many; `ArrayLayout.chunkCounts` per dimension): nil for
    /// other layouts or a chunk shape that does not fit the dataspace, `UInt64.max` past it.
    public var chunkGridCount: UInt64? {
        guard let chunkShape, let dimensions = dataspace?.dimensions,
            let grid = try? ArrayLayout(shape: dimensions, chunkShape: chunkShape, elementSize: 1)
        else { return nil }
        return grid.chunkCounts.reduce(1) { count, chunks in
            let (product, overflow) = count.multipliedReportingOverflow(by: chunks)
            return overflow ? .max : product
        }
    }

    /// The names of the dataset's filters, in pipeline order.
    public var filterNames: [String] { filters.map(\.displayName) }

    /// The `layout`, `chunks` and `filters` keys of the `--json` contract.
    func storageJSON() throws -> [(String, JSONValue)] {
        guard let layoutName else {
            throw HDF5Error.invalid(structure: "object header", offset: address, reason: "dataset without a data layout message")
        }
        return [
            ("layout", .string(layoutName)),
            ("chunks", chunkShape.map { .array($0.map(JSONValue.uint)) } ?? .null),
            ("filters", .array(filterNames.map(JSONValue.string))),
        ]
    }
}

extension HDF5File {
    /// Bytes the dataset occupies in the file, as libhdf5's `H5Dget_storage_size` counts them
    /// (for a chunked dataset, the stored sizes of its allocated chunks), or nil for
    /// non-datasets.
    public func storageSize(of object: HDF5Object) async throws -> UInt64? {
        guard let layout = object.layout else { return nil }
        switch layout.storage {
        case .compact(let data, _):
            return UInt64(data.count)
        case .contiguous(let address, let size):
            // Data in external files has no address in this file; libhdf5 counts its size.
            let external = object.header.firstMessage(of: .externalDataFiles) != nil
            return address == nil && !external ? 0 : size
        case .virtual:
            return 0
        case .chunked:
            guard object.dataspace != nil else { return nil }
            return try await chunkRecords(of: object).reduce(UInt64(0)) { total, record in
                let (sum, overflow) = total.addingReportingOverflow(UInt64(record.size))
                guard !overflow else {
                    throw HDF5Error.invalid(
                        structure: "chunk index", offset: record.address, reason: "the chunks' total size overflows")
                }
                return sum
            }
        }
    }

    /// Every allocated chunk of a chunked dataset (see `ChunkIndexReader.records`), from the chunk
    /// map the file keeps.
    public func chunkRecords(of object: HDF5Object) async throws -> [ChunkRecord] {
        try await chunkMap(of: object).records
    }
}
