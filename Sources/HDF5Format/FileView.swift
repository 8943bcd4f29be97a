import ByteKit

/// The bytes of a file that decoders may read: the extents fetched so far.
///
/// Decoders are pure functions of a `FileView`. When one needs bytes that have not been fetched
/// it throws `BytesNeeded`; the planner fetches them and runs it again. A local file is one
/// extent covering everything, so decoding never stops there. Reads past the end of the file
/// throw `HDF5Error.truncated` instead: no fetch could satisfy them.
public struct FileView: Sendable {
    /// The file's size in bytes.
    public let fileSize: UInt64
    /// Non-overlapping fetched extents, sorted by offset.
    private var extents: [(offset: UInt64, bytes: Bytes)] = []
    /// Charged with every structure read through the view, when set.
    public var budget: WorkBudget?

    /// A view with nothing fetched yet.
    public init(fileSize: UInt64) {
        self.fileSize = fileSize
    }

    /// A view of a whole file held in memory (a mapped local file).
    public init(wholeFile: Bytes) {
        fileSize = UInt64(wholeFile.count)
        extents = [(0, wholeFile)]
    }

    /// Adds fetched bytes. Extents that touch or overlap the new one are merged with it into one
    /// (copying), so that a decoder which needs bytes from both sides finds them in one extent.
    public mutating func insert(_ bytes: Bytes, at offset: UInt64) {
        let end = offset + UInt64(bytes.count)
        let touching = extents.filter { $0.offset <= end && $0.offset + UInt64($0.bytes.count) >= offset }
        extents.removeAll { $0.offset <= end && $0.offset + UInt64($0.bytes.count) >= offset }
        var merged = (offset: offset, bytes: bytes)
        if !touching.isEmpty {
            let start = min(offset, touching.map(\.offset).min() ?? offset)
            let stop = max(end, touching.map { $0.offset + UInt64($0.bytes.count) }.max() ?? end)
            let storage = HeapByteStorage(count: Int(stop - start)) { buffer in
                // Older extents first, so that the newest bytes win where they overlap.
                for part in touching + [(offset, bytes)] {
                    part.bytes.withUnsafeBytes { source in
                        UnsafeMutableRawBufferPointer(rebasing: buffer[Int(part.offset - start)...])
                            .copyMemory(from: source)
                    }
                }
            }
            merged = (start, Bytes(storage: storage))
        }
        let index = extents.firstIndex { $0.offset > merged.offset } ?? extents.count
        extents.insert(merged, at: index)
    }

    /// True when every byte of `range` has been fetched.
    public func contains(_ range: ByteRange) -> Bool {
        extent(containing: range) != nil
    }

    /// The bytes `[offset, offset + length)`.
    /// - Throws: `HDF5Error.truncated` when the range passes the end of the file,
    ///   `BytesNeeded` when it has not been fetched.
    public func bytes(at offset: UInt64, length: UInt64, structure: String) throws -> Bytes {
        let range = ByteRange(offset: offset, length: length)
        guard let end = range.end, end <= fileSize else {
            throw HDF5Error.truncated(
                structure: structure, offset: offset, needed: length,
                available: offset < fileSize ? fileSize - offset : 0)
        }
        guard let (extentOffset, extentBytes) = extent(containing: range),
            let slice = extentBytes.slice(from: Int(offset - extentOffset), count: Int(length))
        else {
            throw BytesNeeded(range: range)
        }
        try budget?.charge(length, structure: structure, offset: offset)
        return slice
    }

    /// A cursor over `[offset, offset + length)`; see `bytes(at:length:structure:)`.
    public func cursor(at offset: UInt64, length: UInt64, structure: String) throws -> ByteCursor {
        ByteCursor(bytes: try bytes(at: offset, length: length, structure: structure), baseOffset: offset, structure: structure)
    }

    /// A cursor over at most `length` bytes from `offset`, fewer where the file ends first.
    /// For structures whose size is only known once their header is read.
    public func cursor(at offset: UInt64, upTo length: UInt64, structure: String) throws -> ByteCursor {
        guard offset <= fileSize else {
            throw HDF5Error.truncated(structure: structure, offset: offset, needed: length, available: 0)
        }
        return try cursor(at: offset, length: min(length, fileSize - offset), structure: structure)
    }

    private func extent(containing range: ByteRange) -> (UInt64, Bytes)? {
        guard let end = range.end else { return nil }
        // Binary search for the last extent starting at or before the range.
        var low = 0
        var high = extents.count
        while low < high {
            let middle = (low + high) / 2
            if extents[middle].offset <= range.offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let candidate = extents[low - 1]
        guard end <= candidate.offset + UInt64(candidate.bytes.count) else { return nil }
        return (candidate.offset, candidate.bytes)
    }
}

/// Runs two decoders that do not depend on each other: when both need bytes not fetched yet, one
/// `BytesNeeded` asks for both, so that a planner fetches them in the same round rather than one
/// after the other. Errors are those of running `first`, then `second`.
public func decodeTogether<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
    let firstResult: A
    do {
        firstResult = try first()
    } catch let needed as BytesNeeded {
        do {
            _ = try second()
        } catch let alsoNeeded as BytesNeeded {
            throw BytesNeeded(ranges: needed.ranges + alsoNeeded.ranges)
        } catch {
            // `second` runs again once `first` has its bytes, and fails then.
        }
        throw needed
    }
    return (firstResult, try second())
}

/// Runs `decode` on each item, in order, as independent decoders: every `BytesNeeded` among them
/// is thrown as one, so that a planner fetches a whole level of a structure in one round rather
/// than item after item. An item's other error is thrown once no item before it needs bytes (as a
/// run over the whole file would throw it).
public func decodeEach<Item, Result>(_ items: [Item], _ decode: (Item) throws -> Result) throws -> [Result] {
    var results: [Result] = []
    results.reserveCapacity(items.count)
    var missing: [ByteRange] = []
    for item in items {
        do {
            results.append(try decode(item))
        } catch let needed as BytesNeeded {
            missing += needed.ranges
        } catch {
            guard missing.isEmpty else { break }
            throw error
        }
    }
    guard missing.isEmpty else { throw BytesNeeded(ranges: missing) }
    return results
}
