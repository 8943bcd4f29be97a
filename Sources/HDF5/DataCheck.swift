import ArrayEngine
import HDF5Format

/// What checking one dataset's stored data covered.
public struct DataCheck: Sendable, Equatable {
    /// Pieces read and decoded: allocated chunks, 1 MiB runs of contiguous data, or the compact data.
    public var pieces = 0
    /// Decoded bytes of those pieces.
    public var bytes: UInt64 = 0
    /// Why the data was not checked (a virtual dataset, whose data lives in other datasets).
    public var skipped: String?

    public init() {}
}

extension HDF5File {
    /// Reads and decodes every stored piece of a dataset's data: each allocated chunk through
    /// its filter pipeline (Fletcher-32 checksums verified), contiguous data in the engine's
    /// 1 MiB runs, compact data whole; variable-length and reference elements are resolved.
    ///
    /// The work is bounded by what the file stores, not by the dataset's declared shape: chunks
    /// never allocated, which read as the fill value, are not visited.
    public func checkData(of dataset: HDF5Object) async throws -> DataCheck {
        guard dataset.kind == .dataset, let datatype = dataset.datatype, let dataspace = dataset.dataspace,
            let layout = dataset.layout
        else {
            throw HDF5Error.invalid(structure: "object header", offset: dataset.address, reason: "not a dataset")
        }
        var check = DataCheck()
        let resolve = Self.hasIndirection(datatype)
        func readPiece(_ selection: Selection) async throws {
            let slice = try await self.read(dataset, selection: selection)
            if resolve { _ = try await values(of: slice) }
            check.pieces += 1
            check.bytes += UInt64(slice.bytes.count)
        }
        if dataspace.kind != .simple || dataspace.dimensions.contains(0) {
            if dataspace.kind == .scalar { try await readPiece(.all) }
            return check
        }
        let shape = dataspace.dimensions
        switch layout.storage {
        case .virtual:
            check.skipped = "a virtual dataset: its data is that of its source datasets"
        case .compact:
            try await readPiece(.all)
        case .contiguous(let address, _):
            guard address != nil || dataset.header.firstMessage(of: .externalDataFiles) != nil else { break }
            let rows = ContiguousLocator.virtualChunkShape(shape: shape, elementSize: Int(datatype.size))[0]
            // Each run's offset is checked against the stored size by the locator, so a shape
            // larger than the storage fails at the first run past its end.
            for start in stride(from: UInt64(0), to: shape[0], by: Int(clamping: rows)) {
                try await readPiece(Selection([try Self.slice(start, min(start + rows, shape[0]), at: dataset.address)]))
            }
        case .chunked(let chunked):
            for record in try await chunkRecords(of: dataset) {
                let dimensions = try zip(record.offsets, zip(chunked.chunkShape, shape)).map { offset, sizes in
                    let (chunk, extent) = sizes
                    guard offset < extent else {
                        throw HDF5Error.invalid(
                            structure: "chunk index", offset: record.address,
                            reason: "a chunk at element \(offset) lies outside the dimension of \(extent)")
                    }
                    let stop = extent - offset > chunk ? offset + chunk : extent
                    return try Self.slice(offset, stop, at: record.address)
                }
                try await readPiece(Selection(dimensions))
            }
        }
        return check
    }

    /// The selection `start..<stop` of one dimension.
    static func slice(_ start: UInt64, _ stop: UInt64, at offset: UInt64) throws -> Selection.Dimension {
        guard let first = Int64(exactly: start), let end = Int64(exactly: stop) else {
            throw HDF5Error.limitExceeded(
                structure: "dataspace", offset: offset, limit: "an extent beyond \(Int64.max) elements")
        }
        return .slice(start: first, stop: end, step: 1)
    }

    /// Whether elements of `datatype` point elsewhere in the file (variable-length data,
    /// references), so that checking them means resolving them.
    static func hasIndirection(_ datatype: Datatype) -> Bool {
        switch datatype.kind {
        case .variableLength, .reference: return true
        case .compound(let compound): return compound.members.contains { hasIndirection($0.datatype) }
        case .array(let array): return hasIndirection(array.base)
        default: return false
        }
    }
}
