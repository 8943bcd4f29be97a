import ByteKit
import ByteSources
import CCopyKernels

#if canImport(Glibc)
import Glibc
#endif

/// Reads selections of a chunked array: plans every chunk read of a selection as one batched
/// `ByteSource` read, decodes chunks concurrently, and copies each chunk's part straight into
/// the output. Unfiltered chunks are never read whole: only the byte runs the selection needs.
public struct ArrayReader: Sendable {
    public let layout: ArrayLayout
    public let locator: any ChunkLocator
    public let decoder: any ChunkDecoder
    public let source: any ByteSource
    /// Runs of an unfiltered chunk closer than this are read as one range.
    public var coalescingGap: UInt64 = 4096
    /// Above this many runs in an unfiltered chunk, the chunk is read whole.
    public var maximumRunsPerChunk = 65_536

    public init(layout: ArrayLayout, locator: any ChunkLocator, decoder: any ChunkDecoder, source: any ByteSource) {
        self.layout = layout
        self.locator = locator
        self.decoder = decoder
        self.source = source
    }

    /// The selected elements, row-major, `layout.elementSize` bytes each, in the stored byte
    /// order, and the shape they have (dimensions selected by an index dropped).
    public func read(_ selection: Selection) async throws -> (bytes: Bytes, shape: [UInt64]) {
        let resolved = try selection.resolve(shape: layout.shape)
        let bytes = try await read(resolved)
        return (bytes, zip(resolved, resolved.map(\.count)).filter { !$0.0.isIndex }.map(\.1))
    }

    /// The elements of a resolved selection; see `read(_:)`.
    public func read(_ selection: [ResolvedDimension]) async throws -> Bytes {
        let plan = try ReadPlan(layout: layout, selection: selection)
        let output = try OutputBuffer(count: try Self.byteCount(of: selection, elementSize: layout.elementSize))
        try await read(plan, into: output.target)
        return Bytes(storage: output)
    }

    /// Reads the elements of a resolved selection into `destination`, which must hold exactly
    /// their bytes (`byteCount(of:elementSize:)`): a caller streaming a large read in blocks
    /// reuses one buffer, where a new output's pages would each be zeroed by the system first.
    public func read(_ selection: [ResolvedDimension], into destination: UnsafeMutableRawBufferPointer) async throws {
        let plan = try ReadPlan(layout: layout, selection: selection)
        let count = try Self.byteCount(of: selection, elementSize: layout.elementSize)
        guard let base = destination.baseAddress, destination.count == count else {
            if count == 0, destination.isEmpty { return }
            throw ArrayError.badSelection(
                text: "\(selection.map(\.count))", reason: "the destination holds \(destination.count) bytes, not \(count)")
        }
        try await read(plan, into: OutputTarget(base: base, count: count))
    }

    /// The bytes the elements of a resolved selection take, `elementSize` bytes each; throws
    /// `ArrayError.tooLarge` past `Int.max`.
    public static func byteCount(of selection: [ResolvedDimension], elementSize: Int) throws -> Int {
        var total = UInt64(elementSize)
        for dimension in selection {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension.count)
            guard !overflow, product <= UInt64(Int.max) else {
                throw ArrayError.tooLarge(elements: selection.map { String($0.count) }.joined(separator: " x "))
            }
            total = product
        }
        return Int(total)
    }

    private func read(_ plan: ReadPlan, into output: OutputTarget) async throws {
        guard let chunkByteCount = layout.chunkByteCount else {
            throw ArrayError.unsupported(feature: "chunks of more than \(Int.max) bytes")
        }

        // Where each chunk is, and what to fetch for it.
        var fetches: [ByteRange] = []
        var jobs: [Job] = []
        for task in plan.tasks {
            guard let stored = try locator.chunk(at: task.coordinates) else {
                jobs.append(Job(task: task, stored: nil, fetches: 0..<0, readsRuns: false))
                continue
            }
            let first = fetches.count
            let readsRuns = decoder.isIdentity && task.runCount <= UInt64(maximumRunsPerChunk)
            if readsRuns {
                fetches += coalescedRanges(task, chunk: stored.range)
            } else {
                fetches.append(stored.range)
            }
            jobs.append(Job(task: task, stored: stored, fetches: first..<fetches.count, readsRuns: readsRuns))
        }
        let fetched = try await source.read(fetches)
        guard fetched.count == fetches.count else {
            throw ArrayError.shortRead(range: fetches.first ?? ByteRange(offset: 0, length: 0), found: fetched.count)
        }

        let concurrency = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        try await withThrowingTaskGroup(of: Void.self) { group in
            var started = 0
            for job in jobs {
                if started >= concurrency { try await group.next() }
                let pieces = Array(fetched[job.fetches])
                let ranges = Array(fetches[job.fetches])
                group.addTask {
                    try self.run(job, pieces: pieces, ranges: ranges, chunkByteCount: chunkByteCount, output: output)
                }
                started += 1
            }
            try await group.waitForAll()
        }
    }

    /// One chunk's work: where it is stored (nil: fill value), and its slice of the fetches.
    struct Job: Sendable {
        let task: ReadPlan.ChunkTask
        let stored: StoredChunk?
        let fetches: Range<Int>
        let readsRuns: Bool
    }

    /// The byte ranges of an unfiltered chunk that hold the runs, near ones merged.
    func coalescedRanges(_ task: ReadPlan.ChunkTask, chunk: ByteRange) -> [ByteRange] {
        let elementSize = UInt64(layout.elementSize)
        var ranges: [ByteRange] = []
        // Runs come in source order.
        task.forEachRun { run in
            let start = chunk.offset + run.sourceElement * elementSize
            let end = chunk.offset + run.sourceEnd * elementSize
            if let last = ranges.last, let lastEnd = last.end, start <= lastEnd + coalescingGap {
                ranges[ranges.count - 1].length = max(lastEnd, end) - last.offset
            } else {
                ranges.append(ByteRange(offset: start, length: end - start))
            }
        }
        return ranges
    }

    private func run(
        _ job: Job, pieces: [Bytes], ranges: [ByteRange], chunkByteCount: Int, output: OutputTarget
    ) throws {
        let elementSize = layout.elementSize
        guard let stored = job.stored else {
            job.task.forEachRun { run in output.fill(run, with: layout.fillValue, elementSize: layout.elementSize) }
            return
        }
        for (range, bytes) in zip(ranges, pieces) where UInt64(bytes.count) != range.length {
            throw ArrayError.shortRead(range: range, found: bytes.count)
        }
        if job.readsRuns {
            // Each run lies inside one fetched range; runs and ranges both ascend.
            var index = 0
            try job.task.forEachRun { run in
                let start = stored.range.offset + run.sourceElement * UInt64(elementSize)
                while index + 1 < ranges.count, ranges[index + 1].offset <= start { index += 1 }
                guard index < ranges.count, ranges[index].offset <= start else {
                    throw ArrayError.shortRead(range: stored.range, found: 0)
                }
                try pieces[index].withUnsafeBytes { piece in
                    try output.copy(run, from: piece, base: Int(start - ranges[index].offset), elementSize: elementSize)
                }
            }
            return
        }
        guard let whole = pieces.first else { throw ArrayError.shortRead(range: stored.range, found: 0) }
        let decoded = try decoder.decode(
            whole, filterMask: stored.filterMask, chunkByteCount: chunkByteCount, elementSize: elementSize)
        if !decoder.isIdentity { source.discard(stored.range) }
        // An unfiltered chunk at the end of a contiguous dataset may be shorter than a chunk;
        // runs are checked against what is there.
        guard decoder.isIdentity || decoded.bytes.count == chunkByteCount else {
            throw ArrayError.chunkSize(coordinates: job.task.coordinates, expected: chunkByteCount, found: decoded.bytes.count)
        }
        switch decoded {
        case .elements(let elements):
            try elements.withUnsafeBytes { chunk in
                try job.task.forEachRunGroup { group in try output.copy(group, from: chunk, elementSize: elementSize) }
            }
        case .shuffled(let planes):
            try planes.withUnsafeBytes { chunk in
                try job.task.forEachRunGroup { group in
                    try output.copyUnshuffling(group, fromPlanes: chunk, elementSize: elementSize)
                }
            }
        }
    }
}

/// The output of a read, owned: `LargeMemory`, mapped with huge pages when large.
final class OutputBuffer: ByteStorage, @unchecked Sendable {
    private let memory: LargeMemory

    init(count: Int) throws {
        memory = try LargeMemory(count: count, alignment: 64)
        super.init(baseAddress: UnsafeRawPointer(memory.base), count: count)
    }

    deinit { memory.release() }

    var target: OutputTarget { OutputTarget(base: memory.base, count: count) }
}

/// Where a read writes its elements: memory written by many tasks at once, each to its own
/// elements, and alive until the read returns.
struct OutputTarget: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    /// Outputs from this size on are written with non-temporal stores where a copy allows them
    /// (`CCopyKernels`): too large to stay in a cache for whoever reads them next, their lines
    /// are written without being read first.
    static let streamingThreshold = 8 << 20

    var streams: Bool { count >= Self.streamingThreshold }

    /// Copies a run's elements; `base` is the byte offset of the run's first element in `source`.
    func copy(_ run: ReadPlan.Run, from source: UnsafeRawBufferPointer, base: Int, elementSize: Int) throws {
        let count = Int(run.count)
        let stride = Int(run.sourceStride) * elementSize
        let needed = base + (count - 1) * stride + elementSize
        guard base >= 0, needed <= source.count, let start = source.baseAddress else {
            throw ArrayError.shortRead(range: ByteRange(offset: UInt64(max(base, 0)), length: UInt64(needed)), found: source.count)
        }
        Self.copyElements(
            to: self.base + Int(run.outputElement) * elementSize, from: start + base, count: count, stride: stride,
            elementSize: elementSize)
    }

    /// Copies a group of runs from a chunk's elements (`source` starts at element 0).
    func copy(_ group: ReadPlan.RunGroup, from source: UnsafeRawBufferPointer, elementSize: Int) throws {
        let first = group.first
        let needed = Int(group.sourceEnd) * elementSize
        guard needed <= source.count, let start = source.baseAddress else {
            throw ArrayError.shortRead(range: ByteRange(offset: 0, length: UInt64(needed)), found: source.count)
        }
        let stride = Int(first.sourceStride) * elementSize
        let (sourceStep, outputStep) = (Int(group.sourceStep) * elementSize, Int(group.outputStep) * elementSize)
        var from = start + Int(first.sourceElement) * elementSize
        var to = base + Int(first.outputElement) * elementSize
        if streams, stride == elementSize {
            nwbpeek_copy_streaming(
                from.assumingMemoryBound(to: UInt8.self), Int(first.count) * elementSize, Int(group.repeats), sourceStep,
                to.assumingMemoryBound(to: UInt8.self), outputStep)
            return
        }
        for _ in 0..<group.repeats {
            Self.copyElements(to: to, from: from, count: Int(first.count), stride: stride, elementSize: elementSize)
            from += sourceStep
            to += outputStep
        }
    }

    /// Copies `count` elements, `stride` bytes apart from `from`, to consecutive elements at `to`.
    ///
    /// Never inlined: inlined into `copy(_:from:base:elementSize:)`, Swift 6.3's release build
    /// crashed in the task group's runtime (a bad pointer in `swift_retain`) on strided reads of
    /// contiguous data (`--slice ::7`, test_cat_streamed.py), where the debug build, an
    /// address-sanitized release build and this one read h5py's values.
    @inline(never)
    private static func copyElements(
        to: UnsafeMutableRawPointer, from: UnsafeRawPointer, count: Int, stride: Int, elementSize: Int
    ) {
        if stride == elementSize {
            memcpy(to, from, count * elementSize)
        } else {
            for index in 0..<count { memcpy(to + index * elementSize, from + index * stride, elementSize) }
        }
    }

    /// Copies a group of runs from a chunk whose bytes are shuffled (`DecodedChunk.shuffled`:
    /// `source` holds `elementSize` planes, plane `b` byte `b` of every element), interleaving
    /// each run's bytes into whole elements as it writes them.
    func copyUnshuffling(_ group: ReadPlan.RunGroup, fromPlanes source: UnsafeRawBufferPointer, elementSize: Int) throws {
        let elements = source.count / elementSize
        let needed = Int(group.sourceEnd)
        guard needed <= elements, let planes = source.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ArrayError.shortRead(range: ByteRange(offset: 0, length: UInt64(needed * elementSize)), found: source.count)
        }
        let first = group.first
        let (count, stride) = (Int(first.count), Int(first.sourceStride))
        let (sourceStep, outputStep) = (Int(group.sourceStep), Int(group.outputStep) * elementSize)
        var from = Int(first.sourceElement)
        var to = (base + Int(first.outputElement) * elementSize).assumingMemoryBound(to: UInt8.self)
        if stride == 1, elementSize == 2 || elementSize == 4 || elementSize == 8 {
            nwbpeek_unshuffle(
                planes + from, elements, elementSize, count, Int(group.repeats), sourceStep, to, outputStep, streams)
            return
        }
        for _ in 0..<group.repeats {
            for byte in 0..<elementSize {
                let plane = planes + byte * elements + from
                for index in 0..<count { to[index * elementSize + byte] = plane[index * stride] }
            }
            from += sourceStep
            to += outputStep
        }
    }

    /// Writes the fill value (nil: zeros) into a run's output elements.
    func fill(_ run: ReadPlan.Run, with value: [UInt8]?, elementSize: Int) {
        let destination = base + Int(run.outputElement) * elementSize
        guard let value else {
            memset(destination, 0, Int(run.count) * elementSize)
            return
        }
        value.withUnsafeBytes { pattern in
            guard let start = pattern.baseAddress else { return }
            for index in 0..<Int(run.count) { memcpy(destination + index * elementSize, start, elementSize) }
        }
    }
}
