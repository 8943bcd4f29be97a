import ArrayEngine
import HDF5
import HDF5Format

/// The elements of one selection, read whole or, when the read is large and a person watches
/// the terminal, in blocks of rows so that a progress bar can show the fraction done.
struct SliceBlocks: Sendable {
    /// Bytes above which a read is split for the progress bar.
    static let blockedReadBytes: UInt64 = 32 << 20
    /// Blocks a split read is made of, at most.
    static let maximumBlocks: UInt64 = 50

    /// The blocks, in row order; together the selection's elements, row-major.
    let blocks: [DatasetSlice]
    /// The shape of the whole selection.
    let shape: [UInt64]
    let datatype: Datatype

    var dataspace: Dataspace {
        shape.isEmpty ? Dataspace(kind: .scalar) : Dataspace(kind: .simple, dimensions: shape, maxDimensions: nil)
    }

    /// Reads `selection` of `dataset`: in one read, or in blocks along the first dimension
    /// when it is over `blockedReadBytes` and standard error is a terminal (each block one
    /// batched fetch), reporting the fraction done to `progress`.
    static func read(
        _ dataset: HDF5Object, selection: Selection, from file: HDF5File, progress: ProgressLine
    ) async throws -> SliceBlocks {
        guard Terminal.standardErrorIsTerminal, let datatype = dataset.datatype,
            let dataspace = dataset.dataspace, dataspace.kind == .simple
        else { return try await whole(dataset, selection: selection, from: file) }
        let resolved = try selection.resolve(shape: dataspace.dimensions)
        let elements = resolved.reduce(UInt64(1)) { $0.multipliedReportingOverflow(by: $1.count).partialValue }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: UInt64(datatype.size))
        guard let rows = resolved.first, !rows.isIndex, rows.count > 1, overflow || bytes > blockedReadBytes else {
            return try await whole(dataset, selection: selection, from: file)
        }
        let rowsPerBlock = (rows.count + maximumBlocks - 1) / maximumBlocks
        let others = resolved.dropFirst().map(\.selectionDimension)
        var blocks: [DatasetSlice] = []
        var done: UInt64 = 0
        while done < rows.count {
            let count = min(rowsPerBlock, rows.count - done)
            let block = ResolvedDimension(
                start: rows.start + done * rows.step, count: count, step: rows.step, isIndex: false)
            blocks.append(try await file.read(dataset, selection: Selection([block.selectionDimension] + others)))
            done += count
            await progress.update(fraction: Double(done) / Double(rows.count))
        }
        let shape = [rows.count] + resolved.dropFirst().filter { !$0.isIndex }.map(\.count)
        return SliceBlocks(blocks: blocks, shape: shape, datatype: datatype)
    }

    private static func whole(_ dataset: HDF5Object, selection: Selection, from file: HDF5File) async throws -> SliceBlocks {
        let slice = try await file.read(dataset, selection: selection)
        return SliceBlocks(blocks: [slice], shape: slice.shape, datatype: slice.datatype)
    }
}
