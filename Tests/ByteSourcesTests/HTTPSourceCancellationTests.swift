import ByteKit
import Foundation
import Testing
import TestSupport

@testable import ByteSources

/// Cancelling the task of an `HTTPSource.read` stops the transfers that only it waits for.
@Suite struct HTTPSourceCancellationTests {
    /// 32 MiB in one request over one connection from the `slow` server (50 MB/s): at least 0.6 s.
    static let length = 32 << 20
    /// Keyed by position (`offset % 251`), made by copying one period: quick even in a debug build.
    static let bytes: [UInt8] = {
        let period = (0..<251).map { UInt8($0) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        while bytes.count < length { bytes += period.prefix(length - bytes.count) }
        return bytes
    }()

    static func open(_ server: RangeServer) async throws -> HTTPSource {
        try server.put("long.bin", bytes)
        var options = HTTPSourceTests.quickOptions
        options.firstReadLength = 100
        options.maximumConcurrentTransfers = 1
        options.coalescer = RangeCoalescer(mergeGap: 0, partLength: UInt64(length))
        options.cacheableSpanLength = 0
        return try await HTTPSource(url: server.url("long.bin", fault: "slow"), options: options)
    }

    static let range = ByteRange(offset: 100, length: UInt64(length - 100))

    /// Polls `condition` every millisecond, for at most 10 s: the steps of these tests wait for
    /// each other's effects rather than for guessed times.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(condition(), "waited 10 s in vain")
    }

    @Test func cancellingAReadStopsItsTransferInsteadOfLettingItRunOn() async throws {
        try await RangeServer.with { server in
            let source = try await Self.open(server)
            let read = Task { try await source.read([Self.range]) }
            // Its transfer has started (the open made the first request), and run a little.
            try await Self.waitUntil { source.statistics.requests == 2 }
            try await Task.sleep(for: .milliseconds(50))
            read.cancel()
            await #expect(throws: CancellationError.self) { _ = try await read.value }
            // The read ends only once its transfer has: had it run on, it would have brought every byte.
            let fetched = source.statistics.bytesFetched - 100
            #expect(fetched < Self.range.length, "the transfer ran to its end (\(fetched) bytes)")
            // The cancelled fetch is forgotten: a read inside its range is fetched anew, not failed.
            let inside = ByteRange(offset: 5_000_000, length: 1000)
            let again = try await source.read([inside])
            #expect(again[0].array == HTTPSourceTests.expected(Self.bytes, inside))
        }
    }

    @Test func aFetchAnotherReadWaitsForRunsOnWhenOneReaderIsCancelled() async throws {
        try await RangeServer.with { server in
            let source = try await Self.open(server)
            let first = Task { try await source.read([Self.range]) }
            try await Self.waitUntil { source.statistics.requests == 2 }
            let inside = ByteRange(offset: 1_000_000, length: 10)
            let second = Task { try await source.read([inside]) }
            // The second read has joined the first's fetch.
            try await Self.waitUntil { source.statistics.sharedInFlight == 1 }
            first.cancel()
            let bytes = try await second.value
            #expect(bytes[0].array == HTTPSourceTests.expected(Self.bytes, inside))
            // One transfer served both reads: the shared fetch was not stopped and started again.
            #expect(source.statistics.requests == 2)
            #expect(source.statistics.sharedInFlight == 1)
        }
    }
}
