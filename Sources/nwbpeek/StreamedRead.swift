import ArrayEngine
import ByteSources
import Dispatch
import HDF5
import HDF5Format

#if canImport(Glibc)
import Glibc
#endif

/// Writes the stored bytes of a selection to a file as they are read: in blocks of rows aligned
/// to the dataset's chunks, through reused buffers, one more than the blocks being read, so that
/// the block before them is written meanwhile, on a thread of its own. Two reads in flight keep
/// every core decoding across the end of a block; a remote source gets more (`readsInFlight`).
/// Memory stays at a few blocks whatever the selection's size, so a whole recording of tens of
/// GB can be saved, and the system never zeroes the pages of an output the size of the
/// selection (for a 659 MiB read, most of the time the system spent).
struct StreamedRead {
    /// Bytes a block holds at least, before rounding up to whole chunks of the first dimension.
    static let blockBytes = 16 << 20
    /// Blocks read at once from a local source.
    static let localReadsInFlight = 2
    /// Bytes of blocks read at once from a remote source, at most: each read there waits a
    /// round trip first, and reads started together share their rounds. A 4 s window of 384
    /// channels (92 MB in four blocks) then fetches its chunks in one round, not two.
    static let remoteBytesInFlight = 128 << 20

    let file: HDF5File
    let dataset: HDF5Object
    let selection: Selection

    /// Writes `header`, then every element of the selection, to `output`; reports the fraction
    /// written to `progress`.
    ///
    /// A direct output (`OutputFile.isDirect`) takes whole pages at page-aligned offsets: block
    /// k is read into its buffer after `lead` bytes, which receive the last bytes of what came
    /// before it (the header or block k - 1) that did not fill a page; the last page is padded
    /// and the file cut to its size at the end.
    func write(to output: OutputFile, header: [UInt8], progress: ProgressLine) async throws {
        let page = output.isDirect ? OutputFile.directAlignment : 1
        let blocks = try blockSelections()
        let sizes = try blocks.map { try file.readShape(of: dataset, selection: $0).byteCount }
        // Where each block starts in its buffer: the file offset it continues, modulo a page.
        var leads = [header.count % page]
        for size in sizes.dropLast() { leads.append((leads[leads.count - 1] + size) % page) }
        let total = sizes.reduce(header.count, +)
        await output.reserve(total)
        // The header's whole pages now (from page-aligned memory); the rest goes with block 0.
        let headerBuffer = try OutputFile.Buffer(count: header.count)
        defer { headerBuffer.release() }
        header.withUnsafeBytes { headerBuffer.prefix(header.count).copyMemory(from: $0) }
        if header.count >= page { try await output.write(headerBuffer, count: header.count / page * page) }

        let largest = sizes.max() ?? 0
        let inFlight = readsInFlight(largestBlock: largest, blockCount: blocks.count)
        // Block k goes through buffer k % n: it is read into it once block k - n's write has ended.
        var buffers: [OutputFile.Buffer] = []
        defer { buffers.forEach { $0.release() } }
        for _ in 0..<min(blocks.count, inFlight + 1) {
            buffers.append(try OutputFile.Buffer(count: largest + 2 * page))
        }
        let (source, object) = (file, dataset)
        let read = { (index: Int) -> Task<Void, any Error> in
            let (block, buffer, size, lead) = (blocks[index], buffers[index % buffers.count], sizes[index], leads[index])
            return Task { try await source.read(object, selection: block, into: buffer.span(from: lead, count: size)) }
        }
        var reads = (0..<min(blocks.count, inFlight)).map(read)
        var writing: Task<Void, any Error>?
        do {
            for index in blocks.indices {
                try await reads[index].value
                try await writing?.value
                let (buffer, lead) = (buffers[index % buffers.count], leads[index])
                // What the write before left over: the tail of the header or of the last block.
                if lead > 0 {
                    let (previous, end) =
                        index == 0
                        ? (headerBuffer, header.count)
                        : (buffers[(index - 1) % buffers.count], leads[index - 1] + sizes[index - 1])
                    buffer.prefix(lead).copyMemory(from: UnsafeRawBufferPointer(previous.span(from: end - lead, count: lead)))
                }
                let filled = lead + sizes[index]
                var count = filled / page * page
                if index == blocks.count - 1, count < filled {
                    count += page
                    buffer.span(from: filled, count: count - filled).initializeMemory(as: UInt8.self, repeating: 0)
                }
                writing = Task { try await output.write(buffer, count: count) }
                if index + inFlight < blocks.count { reads.append(read(index + inFlight)) }
                await progress.update(fraction: Double(index + 1) / Double(blocks.count))
            }
            try await writing?.value
            if total % page != 0 { try await output.truncate(to: total) }
        } catch {
            // The buffers must outlive every read and write still running.
            for task in reads { task.cancel() }
            for task in reads { _ = await task.result }
            _ = await writing?.result
            throw error
        }
    }

    /// Blocks read at once: `localReadsInFlight`, or from a remote source as many as
    /// `remoteBytesInFlight` holds (at least as many).
    func readsInFlight(largestBlock: Int, blockCount: Int) -> Int {
        guard file.source is HTTPSource else { return Self.localReadsInFlight }
        return max(Self.localReadsInFlight, min(blockCount, Self.remoteBytesInFlight / max(largestBlock, 1)))
    }

    /// The selection cut along its first dimension into blocks of at least `blockBytes`, whose
    /// bounds are multiples of the chunks' first dimension: no chunk is decoded for two blocks.
    /// One block when the first dimension is indexed or the selection is small.
    func blockSelections() throws -> [Selection] {
        let readShape = try file.readShape(of: dataset, selection: selection)
        guard let dataspace = dataset.dataspace, dataspace.kind == .simple else { return [selection] }
        let resolved = try selection.resolve(shape: dataspace.dimensions)
        guard let rows = resolved.first, !rows.isIndex, rows.count > 1, readShape.byteCount > Self.blockBytes
        else { return [selection] }
        let others = resolved.dropFirst().map(\.selectionDimension)
        let rowBytes = UInt64(readShape.byteCount) / rows.count
        let chunkRows: UInt64
        if case .chunked(let chunked) = dataset.layout?.storage, let first = chunked.chunkShape.first, first > 0 {
            chunkRows = first
        } else {
            chunkRows = 1
        }
        // The rows a block spans in the dataset (steps included), a multiple of the chunks'.
        let selectedRows = max(1, UInt64(Self.blockBytes) / max(rowBytes, 1))
        // (Positions are below 2^63; a span that large makes one block of everything.)
        let (product, productOverflow) = selectedRows.multipliedReportingOverflow(by: rows.step)
        let span = productOverflow ? UInt64(Int64.max) : min(product, UInt64(Int64.max))
        let (roundedUp, overflow) = span.addingReportingOverflow(chunkRows - 1)
        let blockSpan = overflow ? UInt64(Int64.max) : max(chunkRows, roundedUp / chunkRows * chunkRows)
        var blocks: [Selection] = []
        var index: UInt64 = 0
        while index < rows.count {
            let first = rows.start + index * rows.step
            // Up to the next multiple of the span after the block's first row.
            let boundary = first / blockSpan * blockSpan + blockSpan
            let end = min(rows.count, index + (boundary - first + rows.step - 1) / rows.step)
            let block = ResolvedDimension(start: first, count: end - index, step: rows.step, isIndex: false)
            blocks.append(Selection([block.selectionDimension] + others))
            index = end
        }
        return blocks
    }
}

extension ResolvedDimension {
    /// The dimension written back as a selection. Positions fit in `Int64`: `Selection.resolve`
    /// refuses larger extents.
    var selectionDimension: Selection.Dimension {
        if isIndex { return .index(Int64(start)) }
        let stop = count == 0 ? start : start + (count - 1) * step + 1
        return .slice(start: Int64(start), stop: Int64(stop), step: Int64(step))
    }
}
