import ArrayEngine
import ByteSources
import Foundation
import HDF5
import Testing
import TestSupport

/// Issue 8's soak: random slice reads over HTTP from a server failing 5% of requests with 503, 2%
/// with a reset and 1% with a truncated body (range_server.py's `soak` mode, seeded): every read
/// equals the local file's, and resident memory grows by at most 10% from the first thousand reads
/// to the last. Long (10,000 reads by default), so it runs with NWBPEEK_SOAK=1 (`make soak`); the
/// figures go to Docs/RELIABILITY.md.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NWBPEEK_SOAK"] == "1"))
struct SoakTests {
    static let reads = ProcessInfo.processInfo.environment["NWBPEEK_SOAK_READS"].flatMap(Int.init) ?? 10_000

    @Test func randomSlicesUnderInjectedFaultsAreAllRightAndMemoryStaysFlat() async throws {
        let path = "TestData/fixtures/sample.nwb"
        let dataset = "/acquisition/ElectricalSeries/data"
        let local = try await HDF5File(path: path)
        let (localObject, _) = try await local.resolve(dataset)
        let shape = try #require(localObject.dataspace?.dimensions)
        try await RangeServer.with { server in
            try server.put("sample.nwb", try MappedFileSource(path: path).contents.array)
            var options = HTTPSource.Options()
            options.initialBackoff = .milliseconds(1)
            options.maximumBackoff = .milliseconds(20)
            options.maximumAttempts = 10
            // No block cache: every read goes to the server (the file is small enough to be cached whole).
            options.cacheCapacity = 0
            let source = try await HTTPSource(url: server.url("sample.nwb", fault: "soak"), options: options)
            let remote = try await HDF5File(source: source)
            let (object, _) = try await remote.resolve(dataset)
            var generator = SplitMix64(seed: 8)
            var firstThousand: [Int] = []
            var lastThousand: [Int] = []
            for read in 0..<Self.reads {
                let selection = Selection(shape.map { extent in
                    let start = Int64(generator.next() % extent)
                    let stop = start + 1 + Int64(generator.next() % (extent - UInt64(start)))
                    return .slice(start: start, stop: stop, step: 1 + Int64(generator.next() % 3))
                })
                let ours = try await remote.read(object, selection: selection)
                let expected = try await local.read(localObject, selection: selection)
                #expect(ours.bytes.array == expected.bytes.array && ours.shape == expected.shape, "read \(read): \(selection)")
                if read < 1000 { firstThousand.append(Self.residentBytes()) }
                if read >= Self.reads - 1000 { lastThousand.append(Self.residentBytes()) }
            }
            let before = firstThousand.reduce(0, +) / max(firstThousand.count, 1)
            let after = lastThousand.reduce(0, +) / max(lastThousand.count, 1)
            let statistics = source.statistics
            print(
                "soak: \(Self.reads) reads, \(statistics.requests) requests, \(statistics.retries) retries, "
                    + "resident \(before / 1024) KiB over the first thousand reads, \(after / 1024) KiB over the last")
            #expect(statistics.retries > 0, "the server injected no fault")
            #expect(Double(after) <= Double(before) * 1.10, "resident memory grew from \(before) to \(after) bytes")
        }
    }

    /// This process's resident set size (Linux's /proc/self/statm, in pages).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
