import ByteKit

/// Decides, for each range of a batch, where its bytes come from: the block cache, a fetch
/// already in flight that covers it, or a new fetch planned with the `RangeCoalescer`.
///
/// An actor because concurrent reads share the cache and the in-flight fetches. `resolve` does not
/// suspend, so a fetch is registered as in flight before any other read can look for it.
///
/// Each read claims the fetches it waits for and releases them when it ends; a fetch that no read
/// waits for any more (its readers were cancelled, or failed on another fetch) is cancelled, which
/// stops its transfers.
actor ReadScheduler {
    /// Where one requested range's bytes will be.
    indirect enum Resolution: Sendable {
        case ready(Bytes)
        /// `length` bytes at `offset` in the span the task fetches.
        case pending(Task<Bytes, any Error>, offset: UInt64, length: UInt64)
        /// Partly cached: the pieces, in order, to join (a copy, of metadata-sized runs only).
        case assembled([Resolution])
    }

    typealias SpanFetch = @Sendable (RangeCoalescer.Span) async throws -> Bytes

    private let coalescer: RangeCoalescer
    private let fetchSpan: SpanFetch
    private let recorder: StatisticsRecorder
    private let cacheableSpanLength: Int
    private var cache: BlockCache
    private var inFlight: [Int: (range: ByteRange, task: Task<Bytes, any Error>, readers: Int)] = [:]
    private var nextIdentifier = 0
    /// The fetches each unfinished read waits for, by claim.
    private var claims: [Int: Set<Int>] = [:]
    private var nextClaim = 0

    init(
        coalescer: RangeCoalescer, cache: BlockCache, cacheableSpanLength: Int, recorder: StatisticsRecorder,
        fetchSpan: @escaping SpanFetch
    ) {
        self.coalescer = coalescer
        self.cache = cache
        self.cacheableSpanLength = cacheableSpanLength
        self.recorder = recorder
        self.fetchSpan = fetchSpan
    }

    /// Where each range's bytes come from, starting the fetches that are needed. Only the parts
    /// of a range that the cache does not hold are fetched. The claim (nil when nothing is fetched)
    /// must be given back to `release` when the read ends, however it ends.
    func resolve(_ ranges: [ByteRange]) -> (resolutions: [Resolution], claim: Int?) {
        var resolutions = [Resolution?](repeating: nil, count: ranges.count)
        // Pieces of partly cached ranges; a nil piece is still to fetch.
        var assembled: [Int: [Resolution?]] = [:]
        // What to fetch, and whose (range index, piece index or nil for the whole range).
        var toFetch: [(range: ByteRange, owner: Int, piece: Int?)] = []
        var hits = 0
        var shared = 0
        var awaited = Set<Int>()
        for (index, range) in ranges.enumerated() {
            if range.length == 0 {
                resolutions[index] = .ready(Bytes([]))
            } else if let (identifier, fetch) = inFlight.first(where: { $0.value.range.contains(range) }) {
                resolutions[index] = .pending(fetch.task, offset: range.offset - fetch.range.offset, length: range.length)
                awaited.insert(identifier)
                shared += 1
            } else {
                let pieces = cache.pieces(of: range)
                if pieces.count == 1, case .cached(let bytes) = pieces[0] {
                    resolutions[index] = .ready(bytes)
                    hits += 1
                } else if pieces.count == 1 {
                    toFetch.append((range, index, nil))
                } else {
                    assembled[index] = pieces.enumerated().map { position, piece in
                        switch piece {
                        case .cached(let bytes):
                            return .ready(bytes)
                        case .missing(let missing):
                            toFetch.append((missing, index, position))
                            return nil
                        }
                    }
                }
            }
        }
        recorder.record { statistics in
            statistics.cacheHits += hits
            statistics.sharedInFlight += shared
        }
        let plan = coalescer.plan(toFetch.map(\.range), keepingApart: cache.cachedRanges)
        let started = plan.spans.map(start)
        let tasks = started.map(\.task)
        awaited.formUnion(started.map(\.identifier))
        for (position, need) in toFetch.enumerated() {
            guard let placement = plan.placements[position] else { continue }
            let pending = Resolution.pending(tasks[placement.span], offset: placement.offset, length: need.range.length)
            if let piece = need.piece {
                assembled[need.owner]?[piece] = pending
            } else {
                resolutions[need.owner] = pending
            }
        }
        for (index, pieces) in assembled { resolutions[index] = .assembled(pieces.map { $0 ?? .ready(Bytes([])) }) }
        var claim: Int?
        if !awaited.isEmpty {
            for identifier in awaited { inFlight[identifier]?.readers += 1 }
            claim = nextClaim
            claims[nextClaim] = awaited
            nextClaim += 1
        }
        return (resolutions.map { $0 ?? .ready(Bytes([])) }, claim)
    }

    /// A read that claimed fetches has ended (or was cancelled): a fetch still in flight that no
    /// other read waits for is cancelled, and forgotten, so that a later read starts its own.
    /// Releasing a claim twice does nothing.
    func release(_ claim: Int) {
        guard let identifiers = claims.removeValue(forKey: claim) else { return }
        for identifier in identifiers {
            guard var fetch = inFlight[identifier] else { continue }
            fetch.readers -= 1
            if fetch.readers > 0 {
                inFlight[identifier] = fetch
            } else {
                inFlight[identifier] = nil
                fetch.task.cancel()
            }
        }
    }

    /// Keeps bytes fetched outside the scheduler (the first read).
    func remember(_ bytes: Bytes, at range: ByteRange) {
        cache.insert(bytes, at: range)
    }

    private func start(_ span: RangeCoalescer.Span) -> (identifier: Int, task: Task<Bytes, any Error>) {
        let identifier = nextIdentifier
        nextIdentifier += 1
        let fetchSpan = self.fetchSpan
        // Detached: the transfer must not run on this actor. It cannot finish before it is
        // registered below, since `finished` needs the actor, which is busy until `resolve` returns.
        let task = Task.detached {
            do {
                let bytes = try await fetchSpan(span)
                await self.finished(identifier, bytes: bytes, range: span.range)
                return bytes
            } catch {
                await self.finished(identifier, bytes: nil, range: span.range)
                throw error
            }
        }
        inFlight[identifier] = (span.range, task, 0)
        return (identifier, task)
    }

    private func finished(_ identifier: Int, bytes: Bytes?, range: ByteRange) {
        inFlight[identifier] = nil
        if let bytes, bytes.count <= cacheableSpanLength { cache.insert(bytes, at: range) }
    }
}
