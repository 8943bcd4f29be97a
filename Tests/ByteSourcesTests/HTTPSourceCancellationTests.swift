import ByteKit
import Foundation
import Testing
import TestSupport

@testable import ByteSources

/// Cancelling the task of an `HTTPSource.read` stops the transfers that only it waits for.
@Suite struct HTTPSourceCancellationTests {
    /// 16 MiB in one request over one connection from the `slow` server (50 MB/s): at least 0.3 s.
    static let length = 16 << 20
    static let bytes = HTTPSourceTests.contents(count: length)

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

    @Test func cancellingAReadStopsItsTransferInsteadOfLettingItRunOn() async throws {
        try await RangeServer.with { server in
            let source = try await Self.open(server)
            let read = Task { try await source.read([Self.range]) }
            try await Task.sleep(for: .milliseconds(100))
            read.cancel()
            await #expect(throws: CancellationError.self) { _ = try await read.value }
            // The read ends only once its transfer has: had it run on, it would have brought every byte.
            let fetched = source.statistics.bytesFetched - 100
            #expect(fetched < Self.range.length, "the transfer ran to its end (\(fetched) bytes)")
            // The cancelled fetch is forgotten: the same range read again is fetched anew, whole.
            let again = try await source.read([Self.range])
            #expect(again[0].array == Array(Self.bytes[100...]))
        }
    }

    @Test func aFetchAnotherReadWaitsForRunsOnWhenOneReaderIsCancelled() async throws {
        try await RangeServer.with { server in
            let source = try await Self.open(server)
            let first = Task { try await source.read([Self.range]) }
            try await Task.sleep(for: .milliseconds(30))
            let inside = ByteRange(offset: 1_000_000, length: 10)
            let second = Task { try await source.read([inside]) }
            try await Task.sleep(for: .milliseconds(30))
            first.cancel()
            let bytes = try await second.value
            #expect(bytes[0].array == HTTPSourceTests.expected(Self.bytes, inside))
            // One transfer served both reads: the shared fetch was not stopped and started again.
            #expect(source.statistics.requests == 2)
            #expect(source.statistics.sharedInFlight == 1)
        }
    }
}
