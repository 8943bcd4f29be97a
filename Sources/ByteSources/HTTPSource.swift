import ByteKit
import Dispatch

/// An object read by HTTP(S) range requests over libcurl: a public archive's `https://` URL, or
/// (with a `RequestSigner`) an S3 object.
///
/// Opening makes one request that both learns the object's size and version (ETag) and fetches
/// its first `Options.firstReadLength` bytes, where an HDF5 file keeps its superblock and root
/// group, and alongside it a suffix request for its last `Options.tailReadLength` bytes (kept
/// when of the same version), where libhdf5 puts what grew last, and `Options.spareConnections`
/// HEAD requests, for the connections they leave open. Every later request carries
/// `If-Match` with that ETag, so a replaced object gives `HTTPSourceError.objectChanged`, never a
/// mix of two versions. A batch of ranges is coalesced
/// (`RangeCoalescer`), fetched in parallel on keep-alive (HTTP/2 multiplexed when offered)
/// connections, checked range by range, retried when a failure is transient, and answered with
/// slices of the received buffers. Small spans stay in a block cache; a range that a fetch in
/// flight already covers waits for that fetch instead of asking again. Cancelling the task of a
/// `read` stops the transfers that no other read waits for (it then throws `CancellationError`).
public final class HTTPSource: OpeningBytesSource {
    /// The object's URL.
    public let url: String
    public let size: UInt64
    /// The ETag the object had when opened (nil when the server sends none).
    public let entityTag: String?
    private let driver: CurlTransferDriver
    private let scheduler: ReadScheduler
    private let recorder: StatisticsRecorder
    private let options: Options
    /// The first bytes and the tail fetched when opening (none when opened from a known version).
    public let openingBytes: [(offset: UInt64, bytes: Bytes)]

    public var name: String { url }

    /// What reading has cost so far: requests, bytes, round trips, cache hits, retries.
    public var statistics: SourceStatistics { recorder.snapshot }

    /// Opens the object at `url` (http or https), signing every request with `signer` when given.
    ///
    /// With `knownVersion` (an index sidecar's record: size and strong ETag), opening costs no
    /// request: every read carries `If-Match` with that ETag, so an object that changed since
    /// fails its first read with `objectChanged` instead of being probed first.
    public init(
        url: String, signer: (any RequestSigner)? = nil, options: Options = .init(), knownVersion: SourceVersion? = nil
    ) async throws {
        let driver = try CurlTransferDriver(
            maximumConcurrentTransfers: options.maximumConcurrentTransfers,
            maximumLargeTransfers: options.maximumLargeTransfers,
            maximumConnectionsPerHost: options.maximumConnectionsPerHost)
        let recorder = StatisticsRecorder()
        var fetcher = RangeFetcher(
            url: url, signer: signer, options: options, driver: driver, recorder: recorder, validator: nil)
        var firstBytes: Bytes?
        var tailBytes: (offset: UInt64, bytes: Bytes)?
        if let knownVersion, let tag = knownVersion.entityTag, !tag.isEmpty, !tag.hasPrefix("W/") {
            fetcher.validator = .strongTag(tag)
            size = knownVersion.size
            entityTag = tag
        } else {
            let firstLength = max(1, min(options.firstReadLength, UInt64(Int.max)))
            let buffer = ReceiveBuffer(count: Int(firstLength))
            let tailLength = min(options.tailReadLength, UInt64(Int.max))
            let tailBuffer = ReceiveBuffer(count: Int(tailLength))
            let (tailFetcher, readDeadline) = (fetcher, options.readDeadline)
            let tail = Task {
                tailLength > 0
                    ? await tailFetcher.fetchSuffix(length: tailLength, into: tailBuffer, deadline: .now + readDeadline)
                    : nil
            }
            let spareFetcher = fetcher
            let spareCount = max(0, min(
                options.spareConnections, options.maximumConnectionsPerHost - 2, options.maximumConcurrentTransfers - 2))
            let spares = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<spareCount {
                        group.addTask { await spareFetcher.openSpareConnection(deadline: .now + readDeadline) }
                    }
                }
            }
            let opening = ContinuousClock.now
            let first: RangeFetcher.Result
            do {
                first = try await fetcher.fetch(
                    ByteRange(offset: 0, length: firstLength), into: buffer, at: 0, sizeKnown: false,
                    deadline: .now + options.readDeadline)
            } catch {
                tail.cancel()
                spares.cancel()
                _ = await tail.value
                await spares.value
                driver.shutdown()
                throw error
            }
            recorder.record { $0.roundTrips += 1 }
            guard let objectSize = first.objectSize else {
                driver.shutdown()
                throw HTTPSourceError.unusableResponse(
                    url: url, reason: "the server gave neither Content-Range nor Content-Length")
            }
            fetcher.validator = RangeFetcher.Validator(headers: first.headers)
            size = objectSize
            entityTag = first.headers["etag"]
            firstBytes = buffer.bytes(count: first.received)
            // The tail is speculative: it is waited for twice as long as the first read took (half a
            // second at least), then stopped, so that a slow or stalled answer never holds the open
            // up. It is kept only when it is of the same version of the object.
            // (A dispatch timer, which busy tasks of the caller's cannot hold back.)
            let patience = max(.milliseconds(500), (ContinuousClock.now - opening) * 2)
            let timer = DispatchWorkItem {
                tail.cancel()
                spares.cancel()
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(patience.milliseconds), execute: timer)
            let tailResult = await tail.value
            await spares.value
            timer.cancel()
            if let tail = tailResult, tail.objectSize == objectSize, let validator = fetcher.validator,
                RangeFetcher.Validator(headers: tail.headers)?.label == validator.label
            {
                tailBytes = (tail.offset, tailBuffer.bytes(count: tail.bytes))
            }
        }
        self.url = url
        self.driver = driver
        self.recorder = recorder
        self.options = options
        let spanFetcher = fetcher
        let readDeadline = options.readDeadline
        scheduler = ReadScheduler(
            coalescer: options.coalescer, cache: BlockCache(capacity: options.cacheCapacity),
            cacheableSpanLength: options.cacheableSpanLength, recorder: recorder
        ) { span in
            try await Self.fetch(span, with: spanFetcher, deadline: .now + readDeadline)
        }
        openingBytes = [firstBytes.map { (0, $0) }, tailBytes.map { ($0.offset, $0.bytes) }].compactMap { $0 }
        if let firstBytes {
            await scheduler.remember(firstBytes, at: ByteRange(offset: 0, length: UInt64(firstBytes.count)))
        }
        if let tailBytes {
            await scheduler.remember(tailBytes.bytes, at: ByteRange(offset: tailBytes.offset, length: UInt64(tailBytes.bytes.count)))
        }
    }

    deinit { driver.shutdown() }

    public func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        for range in ranges {
            guard let end = range.end, end <= size, range.length <= UInt64(Int.max) else {
                throw ByteSourceError.outOfBounds(name: name, range: range, size: size)
            }
        }
        let (resolutions, claim) = await scheduler.resolve(ranges)
        guard let claim else { return try await bytes(of: resolutions) }
        // Cancelling the read stops the fetches that only it waits for; ending it, however it ends,
        // gives them up too (a fetch still running after another failed is then stopped).
        let scheduler = self.scheduler
        do {
            let results = try await withTaskCancellationHandler {
                try await bytes(of: resolutions)
            } onCancel: {
                Task { await scheduler.release(claim) }
            }
            await scheduler.release(claim)
            return results
        } catch {
            await scheduler.release(claim)
            throw error
        }
    }

    private func bytes(of resolutions: [ReadScheduler.Resolution]) async throws -> [Bytes] {
        var waited = false
        var results: [Bytes] = []
        results.reserveCapacity(resolutions.count)
        for resolution in resolutions {
            results.append(try await bytes(of: resolution, waited: &waited))
        }
        if waited { recorder.record { $0.roundTrips += 1 } }
        return results
    }

    /// The bytes a resolution stands for, waiting for its fetch if it has one.
    private func bytes(of resolution: ReadScheduler.Resolution, waited: inout Bool) async throws -> Bytes {
        switch resolution {
        case .ready(let bytes):
            return bytes
        case .pending(let task, let offset, let length):
            waited = true
            let span = try await task.value
            guard let slice = span.slice(from: Int(offset), count: Int(length)) else {
                throw HTTPSourceError.unusableResponse(url: url, reason: "a fetched span is shorter than planned")
            }
            return slice
        case .assembled(let pieces):
            var parts: [Bytes] = []
            for piece in pieces { parts.append(try await bytes(of: piece, waited: &waited)) }
            return Bytes.joined(parts)
        }
    }

    /// Fetches every part of `span` in parallel into one buffer.
    private static func fetch(
        _ span: RangeCoalescer.Span, with fetcher: RangeFetcher, deadline: ContinuousClock.Instant
    ) async throws -> Bytes {
        let buffer = ReceiveBuffer(count: Int(span.range.length))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for part in span.parts {
                group.addTask {
                    _ = try await fetcher.fetch(
                        part, into: buffer, at: Int(part.offset - span.range.offset), sizeKnown: true, deadline: deadline)
                }
            }
            try await group.waitForAll()
        }
        return Bytes(storage: buffer)
    }
}
