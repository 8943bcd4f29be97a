import ByteKit

/// Recently fetched small spans of a remote object, least recently used dropped first, within a
/// byte budget. Metadata is read as many small ranges, often the same ones again (a header read
/// for a listing, then for a value); this makes a repeated read cost nothing.
struct BlockCache: Sendable {
    private struct Entry {
        var range: ByteRange
        var bytes: Bytes
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [Entry] = []
    private var storedBytes = 0
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The bytes of `range`, if one cached span holds all of them.
    mutating func lookup(_ range: ByteRange) -> Bytes? {
        guard let end = range.end else { return nil }
        for index in entries.indices {
            let entry = entries[index]
            guard entry.range.offset <= range.offset, let entryEnd = entry.range.end, end <= entryEnd else { continue }
            clock += 1
            entries[index].lastUse = clock
            return entry.bytes.slice(from: Int(range.offset - entry.range.offset), count: Int(range.length))
        }
        return nil
    }

    /// A part of a requested range: held by the cache, or still to fetch.
    enum Piece {
        case cached(Bytes)
        case missing(ByteRange)
    }

    /// `range` as cached runs and the missing runs between them, in order.
    mutating func pieces(of range: ByteRange) -> [Piece] {
        guard let end = range.end else { return [.missing(range)] }
        let overlapping = entries.indices.filter { index in
            let entry = entries[index].range
            return entry.offset < end && (entry.end ?? 0) > range.offset
        }.sorted { entries[$0].range.offset < entries[$1].range.offset }
        var pieces: [Piece] = []
        var cursor = range.offset
        for index in overlapping {
            let entry = entries[index]
            guard let entryEnd = entry.range.end, entryEnd > cursor else { continue }
            if entry.range.offset > cursor {
                pieces.append(.missing(ByteRange(offset: cursor, length: entry.range.offset - cursor)))
                cursor = entry.range.offset
            }
            let stop = min(end, entryEnd)
            guard let slice = entry.bytes.slice(from: Int(cursor - entry.range.offset), count: Int(stop - cursor)) else {
                continue
            }
            pieces.append(.cached(slice))
            clock += 1
            entries[index].lastUse = clock
            cursor = stop
        }
        if cursor < end { pieces.append(.missing(ByteRange(offset: cursor, length: end - cursor))) }
        return pieces
    }

    /// The runs the cache holds.
    var cachedRanges: [ByteRange] { entries.map(\.range) }

    /// Keeps `bytes`, the contents of `range`, dropping the least recently used spans to fit.
    mutating func insert(_ bytes: Bytes, at range: ByteRange) {
        guard bytes.count <= capacity, bytes.count > 0 else { return }
        while storedBytes + bytes.count > capacity,
            let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse })
        {
            storedBytes -= entries[oldest].bytes.count
            entries.remove(at: oldest)
        }
        clock += 1
        entries.append(Entry(range: range, bytes: bytes, lastUse: clock))
        storedBytes += bytes.count
    }
}
