extension HTTPSource {
    /// How an `HTTPSource` fetches: concurrency, time limits, retries, coalescing and caching.
    ///
    /// Retry defaults, against the two references:
    /// - AWS SDKs' standard mode makes 3 attempts with full-jitter backoff (`random(0, 2^i)` s)
    ///   capped at 20 s: tuned for API calls, where a failure should surface quickly.
    /// - arrow-rs object_store makes up to 10 retries from 100 ms, doubling, capped at 15 s, within
    ///   3 minutes: tuned for bulk transfers that should survive a throttling episode.
    /// We read many ranges in parallel from one object, which is what makes S3 answer 503 SlowDown;
    /// one failed range fails the whole command. So we retry more than the SDKs (6 attempts) but
    /// start as quickly as object_store (100 ms) and cap lower (10 s): with full jitter the five
    /// waits total 1.6 s on average and 3.1 s at worst, fine for an interactive tool. A 429 or 503
    /// whose `Retry-After` asks for longer than the backoff gets it, up to the same 10 s cap and
    /// never past `readDeadline`: the server knows when its throttling ends, and the cap keeps one
    /// throttled read from stalling a command for minutes.
    ///
    /// Time limits: `connectTimeout` (10 s; object_store uses 5 s, AWS SDKs 2–10 s) bounds
    /// a black-holed connect, so one costs at most 6 × 10 s + 3.1 s of backoff before the error
    /// names the host; `lowSpeedTime` (20 s below 1 KiB/s) aborts a stalled stream, which retrying
    /// resumes where it stopped; `readDeadline` (300 s: object_store's 180 s bounds only the retrying,
    /// ours also the transfers, which for a coalesced span of many MiB over a slow link take a while)
    /// bounds everything.
    /// `nwbpeek` exposes the first two as `--connect-timeout` and `--low-speed-time`.
    public struct Options: Sendable {
        /// Transfers running at once (more are queued). Most are small (a header, a B-tree
        /// node, at most `smallTransferLength`) and wait on the round trip, not on bandwidth: a
        /// chunk index of hundreds of nodes, asked for a level at a time, takes as many rounds as
        /// it has nodes per transfer slot. Building the index of a one-hour recording (383 nodes,
        /// 40 ms proxy) took 2.7 s with 8 at once and 1.2 s with 32 (Docs/BENCHMARKS.md).
        public var maximumConcurrentTransfers = 32
        /// Transfers of more than `smallTransferLength` bytes running at once. 8 saturates a
        /// 1 Gbit/s link at S3's 50–100 MB/s per connection; object_store runs 10, hidefix 16.
        public var maximumLargeTransfers = 8
        /// Connections to one host at once (HTTP/2 multiplexes transfers over fewer).
        public var maximumConnectionsPerHost = 32
        /// The longest transfer that counts as small for `maximumLargeTransfers`.
        public static let smallTransferLength: UInt64 = 1 << 20
        /// Bytes fetched by the first request, which also learns the size and ETag. 64 KiB holds
        /// the superblock and, in files h5py and pynwb write, the root group's header and heap.
        public var firstReadLength: UInt64 = 64 * 1024
        /// Bytes fetched from the object's end alongside the first request (0: none), on a
        /// connection of its own. libhdf5 allocates at the end of the file what grows last: root
        /// object header continuations, group heaps and B-tree nodes, the cached schema. On the
        /// 490 MB benchmark recording, 256 KiB saved one of six sequential rounds of a listing, a
        /// window and a unit's spike times, for 256 KiB more (see Docs/BENCHMARKS.md).
        public var tailReadLength: UInt64 = 256 * 1024
        /// Connections opened alongside the first request and the tail's, each by a HEAD request
        /// whose answer is not used, so that the requests of the round after the open find them
        /// ready. A new connection costs a round trip of its own (two or three with TLS); a
        /// recursive listing of the benchmark recording asks for three spans in its second round,
        /// one more than the open leaves connections for: with one spare connection it took
        /// 0.147 s instead of 0.188 (40 ms proxy), for one request more. (Over HTTP/2 the HEAD is
        /// one more stream of the shared connection, and opens none; S3 itself speaks HTTP/1.1.)
        public var spareConnections = 1
        /// Attempts for one request, the first included.
        public var maximumAttempts = 6
        /// The first retry waits up to this long; each later one up to twice as long as the last.
        public var initialBackoff: Duration = .milliseconds(100)
        /// No retry waits longer.
        public var maximumBackoff: Duration = .seconds(10)
        /// Giving up on a TCP/TLS connection (object_store's default is 5 s; AWS SDKs' 2–10 s).
        public var connectTimeout: Duration = .seconds(10)
        /// An attempt slower than `lowSpeedBytesPerSecond` for `lowSpeedTime` is aborted and retried
        /// (a stalled connection, which S3 occasionally gives).
        public var lowSpeedBytesPerSecond = 1024
        public var lowSpeedTime: Duration = .seconds(20)
        /// One `read` call, every retry included, takes at most this long.
        public var readDeadline: Duration = .seconds(300)
        /// How ranges of one batch become requests.
        public var coalescer = RangeCoalescer()
        /// Bytes of recently fetched small spans kept for re-reads (see `BlockCache`).
        public var cacheCapacity = 8 << 20
        /// Spans up to this long are cached; longer ones are bulk data read once.
        public var cacheableSpanLength = 1 << 20

        public init() {}
    }
}

extension Duration {
    /// Whole milliseconds, saturating.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return total >= Double(Int.max) ? Int.max : max(0, Int(total))
    }
}
