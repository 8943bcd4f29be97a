import ByteKit
import Foundation
import Testing
import TestSupport

@testable import ByteSources

/// How the coalescer's thresholds were chosen: reads through `range_server.py`'s `slow` link
/// (40 ms per request, 50 MB/s per connection). Run with NWBPEEK_MEASURE=1; prints a table.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NWBPEEK_MEASURE"] == "1"))
struct CoalescerMeasurement {
    static let fileLength = 64 << 20

    func measure(
        _ server: RangeServer, coalescer: RangeCoalescer, ranges: [ByteRange]
    ) async throws -> (seconds: Double, statistics: SourceStatistics) {
        var options = HTTPSource.Options()
        options.coalescer = coalescer
        options.firstReadLength = 1
        let source = try await HTTPSource(url: server.url("measure.bin", fault: "slow"), options: options)
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await source.read(ranges)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (seconds, source.statistics)
    }

    @Test func mergeGapAndPartLengthOnASlowLink() async throws {
        try await RangeServer.with { server in
            try server.put("measure.bin", [UInt8](repeating: 7, count: Self.fileLength))
            var generator = SplitMix64(seed: 42)
            // Metadata-like: 300 runs of 4 KiB scattered over 32 MiB (mean gap about 100 KiB).
            let scattered = (0..<300).map { _ in
                ByteRange(offset: UInt64.random(in: 0..<(32 << 20), using: &generator), length: 4096)
            }
            for gap in [0, 64 << 10, 256 << 10, 1 << 20, 4 << 20] {
                let (seconds, statistics) = try await measure(
                    server, coalescer: RangeCoalescer(mergeGap: UInt64(gap)), ranges: scattered)
                print("scattered gap \(gap >> 10) KiB: \(String(format: "%.3f", seconds)) s, \(statistics)")
            }
            let bulk = [ByteRange(offset: 0, length: UInt64(Self.fileLength))]
            for part in [2, 4, 8, 16, 64] {
                let (seconds, statistics) = try await measure(
                    server, coalescer: RangeCoalescer(partLength: UInt64(part << 20)), ranges: bulk)
                print("bulk part \(part) MiB: \(String(format: "%.3f", seconds)) s, \(statistics)")
            }
        }
    }
}
