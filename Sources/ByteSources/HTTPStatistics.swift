import Synchronization

/// What a remote source has cost so far.
public struct SourceStatistics: Sendable, Equatable, CustomStringConvertible {
    /// HTTP requests sent, retries and the first read included.
    public var requests = 0
    /// Body bytes received (including gaps fetched to merge ranges).
    public var bytesFetched: UInt64 = 0
    /// `read` calls that waited on the network: the round trips a person waits for in sequence.
    public var roundTrips = 0
    /// Requested ranges answered from the block cache.
    public var cacheHits = 0
    /// Requested ranges answered by a fetch another read already had in flight.
    public var sharedInFlight = 0
    /// Requests sent again after a transient failure.
    public var retries = 0

    public init() {}

    public var description: String {
        "requests: \(requests), bytes: \(bytesFetched), round trips: \(roundTrips), cache hits: \(cacheHits), "
            + "shared in-flight: \(sharedInFlight), retries: \(retries)"
    }
}

/// Counters updated from many tasks at once.
final class StatisticsRecorder: Sendable {
    private let counters = Mutex(SourceStatistics())

    var snapshot: SourceStatistics { counters.withLock { $0 } }

    func record(_ update: (inout SourceStatistics) -> Void) {
        counters.withLock { update(&$0) }
    }
}
