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
    /// Bytes the dataset occupies in the file, as libhdf5's `H5Dget_storage_size` counts them,
    /// or nil where counting needs a chunk index this reader does not walk yet (fixed and
    /// extensible arrays), or for non-datasets.
    public func storageSize(of object: HDF5Object) async throws -> UInt64? {
        guard let layout = object.layout else { return nil }
        switch layout.storage {
        case .compact(let data, _):
            return UInt64(data.count)
        case .contiguous(let address, let size):
            return address == nil ? 0 : size
        case .virtual:
            return 0
        case .chunked(let chunked):
            guard let indexAddress = chunked.address else { return 0 }
            let context = self.context
            let rank = chunked.chunkShape.count
            let chunkBytes = chunked.chunkByteCount
            switch chunked.index {
            case .bTreeV1:
                let records = try await store.decode { view in
                    try BTreeV1.chunkRecords(view: view, address: indexAddress, context: context, dimensionality: rank)
                }
                return records.reduce(0) { $0 + UInt64($1.size) }
            case .singleChunk(let filteredSize, _):
                return filteredSize ?? chunkBytes
            case .implicit:
                guard let dataspace = object.dataspace else { return nil }
                var chunks: UInt64 = 1
                for (extent, chunk) in zip(dataspace.maxDimensions?.map { $0 ?? 0 } ?? dataspace.dimensions, chunked.chunkShape) {
                    chunks = chunks.multipliedReportingOverflow(by: (extent + chunk - 1) / chunk).partialValue
                }
                return chunks.multipliedReportingOverflow(by: chunkBytes).partialValue
            case .bTreeV2:
                let filtered = !object.filters.isEmpty
                let width = layout.filteredChunkSizeWidth(chunkBytes: chunkBytes, context: context)
                return try await store.decode { view in
                    let header = try BTreeV2Header.read(view: view, address: indexAddress, context: context)
                    return try header.records(view: view).reduce(UInt64(0)) { total, record in
                        if filtered {
                            let parsed = try FilteredChunkBTreeRecord(
                                parsing: record, dimensionality: rank, chunkSizeWidth: width, context: context)
                            return total + parsed.chunkSize
                        }
                        _ = try ChunkBTreeRecord(parsing: record, dimensionality: rank, context: context)
                        return total + chunkBytes
                    }
                }
            case .fixedArray, .extensibleArray:
                return nil
            }
        }
    }
}
