import ByteKit
import Foundation
import Testing
import TestSupport

@testable import ByteSources

/// HTTPSource against `range_server.py` on loopback: real sockets, real libcurl.
@Suite struct HTTPSourceTests {
    /// Retries that wait milliseconds, not seconds; no tail read and no spare connection, so that
    /// requests and bytes are those of the reads a test makes (`theTailIsFetchedInTheFirstRound`
    /// tests the tail; the Remote tests, through the fault proxy, the spare connection).
    static var quickOptions: HTTPSource.Options {
        var options = HTTPSource.Options()
        options.tailReadLength = 0
        options.spareConnections = 0
        options.initialBackoff = .milliseconds(1)
        options.maximumBackoff = .milliseconds(10)
        options.connectTimeout = .seconds(2)
        options.readDeadline = .seconds(30)
        return options
    }

    /// `quickOptions` with a tail read of 200,000 bytes, for the tests of the tail.
    static var tailOptions: HTTPSource.Options {
        var options = quickOptions
        options.tailReadLength = 200_000
        return options
    }

    /// Bytes keyed by position, so that a misplaced slice cannot pass.
    static func contents(count: Int, salt: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 % 251 &+ ($0 >> 16)) &+ salt }
    }

    static func expected(_ bytes: [UInt8], _ range: ByteRange) -> [UInt8] {
        Array(bytes[Int(range.offset)..<Int(range.offset + range.length)])
    }

    /// A batch that starts inside the first read and goes well past it.
    static let batch = [
        ByteRange(offset: 10, length: 100), ByteRange(offset: 70_000, length: 5000), ByteRange(offset: 70_100, length: 10),
        ByteRange(offset: 250_000, length: 49_000), ByteRange(offset: 0, length: 0), ByteRange(offset: 299_999, length: 1),
    ]

    func withServer(_ body: (RangeServer) async throws -> Void) async throws {
        try await RangeServer.with(body)
    }

    /// Serves `bytes` as `name` and opens it with `fault` injected.
    static func open(
        _ server: RangeServer, _ name: String, _ bytes: [UInt8], fault: String = "ok",
        options: HTTPSource.Options = quickOptions
    ) async throws -> HTTPSource {
        try server.put(name, bytes)
        return try await HTTPSource(url: server.url(name, fault: fault), options: options)
    }

    @Test func readsEqualTheFilesBytesAndTheFirstReadLearnsSizeAndETag() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 300_000)
            let source = try await Self.open(server, "data.bin", bytes)
            #expect(source.size == 300_000)
            #expect(source.entityTag?.hasPrefix("\"") == true)
            #expect(source.statistics.requests == 1)
            let results = try await source.read(Self.batch)
            #expect(results.map(\.array) == Self.batch.map { Self.expected(bytes, $0) })
            let afterFirstBatch = source.statistics
            // The ranges past the first read are within the 256 KiB merge gap: one request; the one
            // inside the first read costs nothing.
            #expect(afterFirstBatch.requests == 2)
            #expect(afterFirstBatch.cacheHits == 1)
            #expect(afterFirstBatch.roundTrips == 2)
            // Small spans are cached: the same batch again costs no request.
            let again = try await source.read(Array(Self.batch.prefix(3)))
            #expect(again.map(\.array) == Self.batch.prefix(3).map { Self.expected(bytes, $0) })
            #expect(source.statistics.requests == afterFirstBatch.requests)
        }
    }

    @Test func randomBatchesMatchTheFile() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 1_000_000, salt: 7)
            var options = Self.quickOptions
            options.coalescer = RangeCoalescer(mergeGap: 4096, partLength: 100_000)
            options.cacheCapacity = 200_000
            let source = try await Self.open(server, "random.bin", bytes, options: options)
            let seed = UInt64.random(in: 0...UInt64.max)
            print("HTTPSource random batches seed: \(seed)")
            var generator = SplitMix64(seed: seed)
            for _ in 0..<20 {
                let ranges = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
                    let offset = UInt64.random(in: 0..<1_000_000, using: &generator)
                    return ByteRange(offset: offset, length: UInt64.random(in: 0...min(400_000, 1_000_000 - offset), using: &generator))
                }
                let results = try await source.read(ranges)
                #expect(results.map(\.array) == ranges.map { Self.expected(bytes, $0) }, "seed \(seed)")
            }
        }
    }

    @Test func aLongRangeIsFetchedAsParallelPartsIntoOneBuffer() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 200_000)
            var options = Self.quickOptions
            options.coalescer = RangeCoalescer(mergeGap: 0, partLength: 10_000)
            options.firstReadLength = 100
            let source = try await Self.open(server, "long.bin", bytes, options: options)
            let range = ByteRange(offset: 1000, length: 195_000)
            let result = try await source.read([range])
            #expect(result[0].array == Self.expected(bytes, range))
            #expect(source.statistics.requests == 1 + 20)
            #expect(source.statistics.roundTrips == 2)
        }
    }

    /// Small requests wait on the round trip, so up to 32 run at once; large ones share the
    /// bandwidth, so at most 8 do (`maximumLargeTransfers`).
    @Test func manySmallRequestsRunAtOnceAndAtMostEightLargeOnes() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 13_000_000)
            var options = Self.quickOptions
            options.coalescer = RangeCoalescer(mergeGap: 0, partLength: 4 << 20)
            options.firstReadLength = 100
            let source = try await Self.open(server, "peaks.bin", bytes, fault: "peak", options: options)
            let small = (0..<40).map { ByteRange(offset: UInt64(1000 + $0 * 20_000), length: 1000) }
            #expect(try await source.read(small).map(\.array) == small.map { Self.expected(bytes, $0) })
            let afterSmall = try #require(server.peaks("peaks.bin"))
            #expect(afterSmall.all > 8 && afterSmall.all <= options.maximumConcurrentTransfers, "\(afterSmall)")
            #expect(afterSmall.large == 0)
            let large = (0..<10).map { ByteRange(offset: UInt64(1_000_000 + $0 * 1_200_000), length: 1_100_000) }
            #expect(try await source.read(large).map(\.array) == large.map { Self.expected(bytes, $0) })
            let afterLarge = try #require(server.peaks("peaks.bin"))
            #expect(afterLarge.large > 1 && afterLarge.large <= options.maximumLargeTransfers, "\(afterLarge)")
        }
    }

    @Test func aPartlyCachedRangeFetchesOnlyItsMissingBytes() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 300_000)
            var options = Self.quickOptions
            options.firstReadLength = 1000
            let source = try await Self.open(server, "partly.bin", bytes, options: options)
            let middle = ByteRange(offset: 100_000, length: 1000)
            _ = try await source.read([middle])
            let before = source.statistics.bytesFetched
            let range = ByteRange(offset: 500, length: 150_000)
            let result = try await source.read([range])
            #expect(result[0].array == Self.expected(bytes, range))
            // Neither the first read's bytes nor the middle run are fetched again.
            #expect(source.statistics.bytesFetched - before == 150_000 - 500 - 1000)
        }
    }

    @Test func concurrentReadsOfOneRangeShareOneFetch() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 500_000)
            var options = Self.quickOptions
            options.firstReadLength = 100
            let source = try await Self.open(server, "shared.bin", bytes, options: options)
            let range = ByteRange(offset: 100_000, length: 300_000)
            async let first = source.read([range])
            async let second = source.read([ByteRange(offset: 200_000, length: 10)])
            let (a, b) = try await (first, second)
            #expect(a[0].array == Self.expected(bytes, range))
            #expect(b[0].array == Self.expected(bytes, ByteRange(offset: 200_000, length: 10)))
            // Either the second read joined the first's fetch, or it ran first and the first fetched
            // its own: never more than one request each.
            #expect(source.statistics.requests <= 3)
        }
    }

    @Test func anObjectSmallerThanTheFirstReadIsReadWhole() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 1000)
            let source = try await Self.open(server, "small.bin", bytes)
            #expect(source.size == 1000)
            let result = try await source.read([ByteRange(offset: 0, length: 1000)])
            #expect(result[0].array == bytes)
            #expect(source.statistics.requests == 1)
        }
    }

    @Test func theTailIsFetchedInTheFirstRound() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 1_000_000)
            let source = try await Self.open(server, "tail.bin", bytes, options: Self.tailOptions)
            // The first bytes and the last, on two connections at once.
            #expect(source.statistics.requests == 2)
            #expect(source.statistics.roundTrips == 1)
            #expect(source.statistics.bytesFetched == 64 * 1024 + 200_000)
            let ranges = [ByteRange(offset: 800_000, length: 200_000), ByteRange(offset: 999_999, length: 1)]
            #expect(try await source.read(ranges).map(\.array) == ranges.map { Self.expected(bytes, $0) })
            #expect(source.statistics.requests == 2)
            // Just before the tail: a request.
            let before = ByteRange(offset: 799_000, length: 1001)
            #expect(try await source.read([before])[0].array == Self.expected(bytes, before))
            #expect(source.statistics.requests == 3)
        }
    }

    /// A tail that is not exactly the object's last bytes is dropped, not retried: a server that
    /// ignores suffix ranges (200, whose body is not read), a wrong Content-Range, an error.
    @Test(arguments: ["tailwhole", "tailshifted", "tail503"])
    func aTailTheServerGetsWrongIsDropped(fault: String) async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 1_000_000, salt: 5)
            let source = try await Self.open(server, "tail.bin", bytes, fault: fault, options: Self.tailOptions)
            #expect(source.size == 1_000_000)
            let range = ByteRange(offset: 900_000, length: 100_000)
            #expect(try await source.read([range])[0].array == Self.expected(bytes, range))
            // The last range was fetched by a request of its own: the tail was not kept.
            #expect(source.statistics.bytesFetched < 64 * 1024 + 200_000 + 100_000 + 64 * 1024)
            #expect(source.statistics.roundTrips == 2)
        }
    }

    @Test func aTailThatNeverComesDoesNotHoldTheOpenUp() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 1_000_000, salt: 9)
            var options = Self.tailOptions
            // Limits that would keep a transfer waiting for the whole 60 s stall.
            options.lowSpeedTime = .seconds(90)
            options.readDeadline = .seconds(90)
            let started = ContinuousClock.now
            let source = try await Self.open(server, "stalled.bin", bytes, fault: "tailhang", options: options)
            // Half a second of patience (the first read takes milliseconds), not the stall: the
            // bound leaves room for the other tests of the run, which start servers at once.
            #expect(ContinuousClock.now - started < .seconds(20))
            let range = ByteRange(offset: 900_000, length: 100_000)
            #expect(try await source.read([range])[0].array == Self.expected(bytes, range))
            #expect(source.statistics.roundTrips == 2)
        }
    }

    @Test func aTailLongerThanTheObjectIsTheWholeObject() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 100_000)
            let source = try await Self.open(server, "short.bin", bytes, options: Self.tailOptions)
            let range = ByteRange(offset: 0, length: 100_000)
            #expect(try await source.read([range])[0].array == bytes)
            #expect(source.statistics.requests == 2)
        }
    }

    @Test func anEmptyObjectHasSizeZero() async throws {
        try await withServer { server in
            let source = try await Self.open(server, "empty.bin", [])
            #expect(source.size == 0)
        }
    }

    /// An archive's download URL answers each request with a redirect to a presigned URL, which
    /// expires: only the open follows the redirect, later reads go where it led, and a target
    /// that refuses (403) is left for a new redirect.
    @Test func aRedirectIsFollowedOnceAndAnExpiredTargetIsRenewed() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 300_000, salt: 3)
            // At most 4 redirects, each target good for 3 requests: the open and 9 reads need 4
            // targets when each is used until it expires, 10 redirects when every request
            // follows one; and a 403 that is not retried elsewhere fails the third read.
            let source = try await Self.open(server, "archived.bin", bytes, fault: "redirectx4")
            for index in 0..<9 {
                let range = ByteRange(offset: UInt64(70_000 + index * 20_000), length: 1000)
                #expect(try await source.read([range])[0].array == Self.expected(bytes, range))
            }
        }
    }

    @Test func aRangeOutsideTheObjectIsRefusedBeforeAnyRequest() async throws {
        try await withServer { server in
            let source = try await Self.open(server, "bounds.bin", Self.contents(count: 100))
            await #expect(throws: ByteSourceError.self) {
                _ = try await source.read([ByteRange(offset: 90, length: 11)])
            }
            #expect(source.statistics.requests == 1)
        }
    }

    @Test func anObjectReplacedAfterOpeningGivesObjectChanged() async throws {
        try await withServer { server in
            try server.put("changing.bin", Self.contents(count: 200_000))
            let url = server.url("changing.bin")
            let source = try await HTTPSource(url: url, options: Self.quickOptions)
            try server.put("changing.bin", Self.contents(count: 200_001, salt: 1))
            let error = await #expect(throws: HTTPSourceError.self) {
                _ = try await source.read([ByteRange(offset: 100_000, length: 10)])
            }
            guard case .objectChanged(let failedURL, let tag) = error else {
                Issue.record("expected objectChanged, got \(String(describing: error))")
                return
            }
            #expect(failedURL == url && tag == source.entityTag)
            #expect(error?.description.contains("the object changed since it was opened") == true)
        }
    }

    @Test func aMissingObjectGivesNotFoundNamingTheURL() async throws {
        try await withServer { server in
            let url = server.url("absent.bin")
            let error = await #expect(throws: HTTPSourceError.self) {
                _ = try await HTTPSource(url: url, options: Self.quickOptions)
            }
            #expect(error == .notFound(url: url))
        }
    }

    @Test func aRefusedConnectionNamesTheHost() async throws {
        let server = try RangeServer()
        let url = server.url("nothing.bin")
        let port = server.port
        server.stop()
        var options = Self.quickOptions
        options.maximumAttempts = 2
        let error = await #expect(throws: HTTPSourceError.self) {
            _ = try await HTTPSource(url: url, options: options)
        }
        #expect(error == .retriesExhausted(url: url, attempts: 2, last: .cannotConnect(host: "127.0.0.1:\(port)", reason: error.flatMap(Self.reason) ?? "")))
        #expect(error?.description.contains("cannot connect to 127.0.0.1:\(port)") == true)
    }

    @Test func anUnresolvableHostIsNamedAndNotRetried() async throws {
        let error = await #expect(throws: HTTPSourceError.self) {
            _ = try await HTTPSource(url: "http://nwbpeek-no-such-host.invalid/x.nwb", options: Self.quickOptions)
        }
        guard case .hostNotFound(let host, _) = error else {
            Issue.record("expected hostNotFound, got \(String(describing: error))")
            return
        }
        #expect(host == "nwbpeek-no-such-host.invalid")
    }

    @Test func accessDeniedNamesTheIdentityButNoSecret() async throws {
        try await withServer { server in
            try server.put("private.bin", Self.contents(count: 10))
            let url = server.url("private.bin", fault: "403")
            let error = await #expect(throws: HTTPSourceError.self) {
                _ = try await HTTPSource(url: url, signer: FixedSigner(), options: Self.quickOptions)
            }
            #expect(
                error == .accessDenied(url: url, identity: FixedSigner().identityDescription, serverMessage: "AccessDenied: Access Denied"))
            #expect(error?.description.contains("EXAMPLEKEYID") == true)
            #expect(error?.description.contains("secret") == false)
        }
    }

    @Test(arguments: ["503x3", "500x2", "429x2", "slowdownx3", "truncatex3", "resetx2", "shiftedx2", "overlongx2", "whole"])
    func transientFaultsAreRetriedAndReadsStayCorrect(fault: String) async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 300_000, salt: 3)
            let source = try await Self.open(server, "faulty.bin", bytes, fault: fault)
            #expect(source.size == 300_000)
            let results = try await source.read(Self.batch)
            #expect(results.map(\.array) == Self.batch.map { Self.expected(bytes, $0) })
            if fault != "whole" { #expect(source.statistics.retries > 0) }
        }
    }

    @Test func aTruncatedBodyIsCompletedByAskingOnlyForTheRest() async throws {
        try await withServer { server in
            let bytes = Self.contents(count: 300_000)
            var options = Self.quickOptions
            options.firstReadLength = 100
            let source = try await Self.open(server, "cut.bin", bytes, fault: "truncatex2", options: options)
            let range = ByteRange(offset: 100_000, length: 100_000)
            let result = try await source.read([range])
            #expect(result[0].array == Self.expected(bytes, range))
            // Half of the first read, then half of the range twice; the rest is all that is fetched again.
            #expect(source.statistics.bytesFetched == 100 + 100_000)
        }
    }

    @Test(arguments: [("shifted", "Content-Range"), ("503", "503")])
    func persistentFaultsFailClearlyAfterBoundedAttempts(fault: String, mention: String) async throws {
        try await withServer { server in
            try server.put("broken.bin", Self.contents(count: 1000))
            var options = Self.quickOptions
            options.maximumAttempts = 3
            let error = await #expect(throws: HTTPSourceError.self) {
                _ = try await HTTPSource(url: server.url("broken.bin", fault: fault), options: options)
            }
            guard case .retriesExhausted(_, let attempts, _) = error else {
                Issue.record("expected retriesExhausted, got \(String(describing: error))")
                return
            }
            #expect(attempts == 3)
            #expect(error?.description.contains(mention) == true)
        }
    }

    static func reason(_ error: HTTPSourceError) -> String? {
        if case .retriesExhausted(_, _, .cannotConnect(_, let reason)) = error { return reason }
        return nil
    }
}

/// A signer that adds a fixed header and names a made-up identity.
struct FixedSigner: RequestSigner {
    func authorizationHeaders(
        method: String, url: String, headers: [(name: String, value: String)], date: Date
    ) throws -> [(name: String, value: String)] {
        [("Authorization", "Test EXAMPLEKEYID")]
    }

    var identityDescription: String { "access key EXAMPLEKEYID, region us-east-1" }
}
