import ByteKit
import ByteSources
import HDF5Format

/// Runs the sans-I/O decoders against a `ByteSource`: a decoder that throws `BytesNeeded` gets
/// its bytes fetched and is run again. Decoders submitted together have their missing bytes
/// fetched in one batch, so a traversal costs one round of reads per level, not per object.
public actor MetadataStore {
    public let source: any ByteSource
    private var view: FileView
    /// Bytes fetched around each missing range unless a decode asks otherwise: at least the
    /// read-ahead from its start, to save round trips on neighbours, and the read-behind before
    /// it. libhdf5 allocates a group's B-tree node, local heap and symbol table nodes near its
    /// object header, often just before it: fetching 16 KiB behind as well took a recursive
    /// listing of the 490 MB benchmark recording over HTTP from 14 sequential round trips to 6
    /// (478 KB fetched to 538 KB). 32 KiB saved one more round of the libver-latest recording's
    /// listing, window and spike times (5 to 4, 6 to 5, 5 to 4; 49 KB more for the listing), and
    /// none of the earliest one's; 48 or 64 KiB saved no more.
    private let widening: Widening
    /// Fetch rounds one decode may take before giving up (each round adds bytes, so a decoder
    /// that keeps asking is reading an absurd structure).
    static let maximumRounds = 256
    /// Every range fetched from the source so far, in fetch order.
    private var fetchedRanges: [ByteRange] = []
    /// Fetches not yet in the view, by number, with the ranges each brings.
    private var inFlight: [Int: (ranges: [ByteRange], task: Task<[Bytes], any Error>)] = [:]
    private var nextFetch = 0

    /// A store over `source`. A resident source (a mapped file) is visible whole at once,
    /// unless `prefetched` is given: then only those bytes are, and anything else a decoder
    /// needs is fetched (an index sidecar's metadata segments, over the file they came from).
    /// Every structure the decoders read is charged to `budget`.
    public init(
        source: any ByteSource, readAhead: UInt64 = 64 * 1024, readBehind: UInt64 = 32 * 1024,
        prefetched: [MetadataSegment]? = nil, budget: WorkBudget = WorkBudget()
    ) {
        self.source = source
        widening = Widening(ahead: readAhead, behind: readBehind)
        if let prefetched {
            view = FileView(fileSize: source.size)
            for segment in prefetched { view.insert(segment.bytes, at: segment.offset) }
        } else if let resident = source as? any ResidentByteSource {
            view = FileView(wholeFile: resident.contents)
        } else if let opened = source as? any OpeningBytesSource {
            // What the open fetched is decoded from at once, without a round through the source,
            // and counts as fetched (`fetchedSegments`, which an index carries).
            view = FileView(fileSize: source.size)
            for (offset, bytes) in opened.openingBytes {
                view.insert(bytes, at: offset)
                fetchedRanges.append(ByteRange(offset: offset, length: UInt64(bytes.count)))
            }
        } else {
            view = FileView(fileSize: source.size)
        }
        view.budget = budget
    }

    /// The bytes fetched from the source so far, as sorted runs with touching or overlapping
    /// fetches merged: everything the decoders run so far have read (and their read-ahead).
    public func fetchedSegments() throws -> [MetadataSegment] {
        var merged: [ByteRange] = []
        for range in fetchedRanges.sorted(by: { $0.offset < $1.offset }) where range.length > 0 {
            if let last = merged.last, let lastEnd = last.end, range.offset <= lastEnd {
                let end = max(lastEnd, range.end ?? lastEnd)
                merged[merged.count - 1] = ByteRange(offset: last.offset, length: end - last.offset)
            } else {
                merged.append(range)
            }
        }
        return try merged.map { range in
            MetadataSegment(offset: range.offset, bytes: try view.bytes(at: range.offset, length: range.length, structure: "metadata segment"))
        }
    }

    /// The bytes fetched so far.
    public var currentView: FileView { view }

    /// Runs `decode` until it returns, fetching whatever it asks for.
    public func decode<T: Sendable>(_ decode: @escaping @Sendable (FileView) throws -> T) async throws -> T {
        try await decodeAll([decode])[0]
    }

    /// Runs every decoder, fetching the bytes they ask for in one batch per round, each missing
    /// range widened by `widening` (the store's read-ahead and read-behind when nil).
    public func decodeAll<T: Sendable>(
        _ decoders: [@Sendable (FileView) throws -> T], widening: Widening? = nil
    ) async throws -> [T] {
        var results = [T?](repeating: nil, count: decoders.count)
        for _ in 0..<Self.maximumRounds {
            var missing: [ByteRange] = []
            for (index, decoder) in decoders.enumerated() where results[index] == nil {
                do {
                    results[index] = try decoder(view)
                } catch let needed as BytesNeeded {
                    missing += needed.ranges
                }
            }
            if missing.isEmpty { return results.compactMap { $0 } }
            try await fetch(missing, widening: widening)
        }
        throw HDF5Error.limitExceeded(
            structure: "metadata", offset: 0, limit: "more than \(Self.maximumRounds) fetch rounds for one decode")
    }

    /// The fetch in flight that brings every byte of `range`, if one does.
    private func fetchInFlight(bringing range: ByteRange) -> Int? {
        for (identifier, fetch) in inFlight {
            for fetched in fetch.ranges where fetched.contains(range) { return identifier }
        }
        return nil
    }

    /// Bytes fetched around a missing range: at least `ahead` from its start, `behind` before it.
    public struct Widening: Sendable {
        public let ahead: UInt64
        public let behind: UInt64

        public init(ahead: UInt64, behind: UInt64) {
            self.ahead = ahead
            self.behind = behind
        }
    }

    /// Starts fetching `ranges`, each widened; returns the fetch's number in `inFlight`.
    private func startFetch(_ ranges: [ByteRange], widening: Widening) -> Int {
        var widened: [ByteRange] = []
        for range in ranges {
            let start = range.offset > widening.behind ? range.offset - widening.behind : 0
            let end = min(source.size, range.offset &+ max(range.length, widening.ahead))
            widened.append(ByteRange(offset: start, length: end >= start ? end - start : 0))
        }
        let source = self.source
        let identifier = nextFetch
        inFlight[identifier] = (widened, Task { [widened] in try await source.read(widened) })
        nextFetch += 1
        fetchedRanges += widened
        return identifier
    }

    /// Fetches `ranges` widened by `widening` (the store's own when nil). A range that a fetch
    /// already in flight brings (another decode's, whose read-ahead reaches it) is waited for,
    /// not fetched again. A metadata fetch is small and may serve several decodes: it runs to its
    /// end even when the decode that started it is cancelled.
    func fetch(_ ranges: [ByteRange], widening: Widening? = nil) async throws {
        var awaited: [Int] = []
        var missing: [ByteRange] = []
        for range in ranges {
            if let identifier = fetchInFlight(bringing: range) {
                if !awaited.contains(identifier) { awaited.append(identifier) }
            } else {
                missing.append(range)
            }
        }
        if !missing.isEmpty { awaited.append(startFetch(missing, widening: widening ?? self.widening)) }
        for identifier in awaited {
            // A fetch is inserted by the first decode it resumes, and forgotten then.
            guard let fetch = inFlight[identifier] else { continue }
            let result = await fetch.task.result
            guard inFlight.removeValue(forKey: identifier) != nil else { continue }
            for (range, bytes) in zip(fetch.ranges, try result.get()) { view.insert(bytes, at: range.offset) }
        }
    }
}

/// Bytes of a file at an offset: a run of metadata fetched once and kept (in an index sidecar).
public struct MetadataSegment: Sendable {
    public let offset: UInt64
    public let bytes: Bytes

    public init(offset: UInt64, bytes: Bytes) {
        self.offset = offset
        self.bytes = bytes
    }
}
