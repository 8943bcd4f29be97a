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
