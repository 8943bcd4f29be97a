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
    /// Blocks read at once.
    static let readsInFlight = 4

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
        let selections = stride(from: UInt64(0), to: rows.count, by: Int(clamping: rowsPerBlock)).map { done in
            let block = ResolvedDimension(
                start: rows.start + done * rows.step, count: min(rowsPerBlock, rows.count - done), step: rows.step,
                isIndex: false)
            return Selection([block.selectionDimension] + others)
        }
        // Blocks are read `readsInFlight` at a time: remotely, each read waits a round trip first.
        var blocks = [DatasetSlice?](repeating: nil, count: selections.count)
        try await withThrowingTaskGroup(of: (Int, DatasetSlice).self) { group in
            var finished = 0
            func keep(_ done: Int, _ slice: DatasetSlice) async {
                blocks[done] = slice
                finished += 1
                await progress.update(fraction: Double(finished) / Double(selections.count))
            }
            for (index, selection) in selections.enumerated() {
                if index >= readsInFlight, let (done, slice) = try await group.next() { await keep(done, slice) }
                group.addTask { (index, try await file.read(dataset, selection: selection)) }
            }
            for try await (done, slice) in group { await keep(done, slice) }
        }
        let shape = [rows.count] + resolved.dropFirst().filter { !$0.isIndex }.map(\.count)
        return SliceBlocks(blocks: blocks.compactMap { $0 }, shape: shape, datatype: datatype)
    }

    private static func whole(_ dataset: HDF5Object, selection: Selection, from file: HDF5File) async throws -> SliceBlocks {
        let slice = try await file.read(dataset, selection: selection)
        return SliceBlocks(blocks: [slice], shape: slice.shape, datatype: slice.datatype)
    }
}
