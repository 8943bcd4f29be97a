import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// A source that is not resident, so the store must fetch; it counts the batches it is asked for.
final class CountingSource: ByteSource, @unchecked Sendable {
    let inner: MemorySource
    private let lock = NSLock()
    private(set) var batches = 0
    private(set) var bytesRead: UInt64 = 0

    /// How long each batch takes, so that concurrent reads overlap as they do over a network.
    let latency: Duration

    init(bytes: [UInt8], latency: Duration = .zero) {
        inner = MemorySource(name: "counting", bytes: bytes)
        self.latency = latency
    }
    var size: UInt64 { inner.size }
    var name: String { inner.name }

    func read(_ ranges: [ByteRange]) async throws -> [Bytes] {
        lock.withLock {
            batches += 1
            bytesRead += ranges.reduce(0) { $0 + $1.length }
        }
        if latency > .zero { try await Task.sleep(for: latency) }
        return try await inner.read(ranges)
    }
}

@Suite struct MetadataStoreTests {
    static let files = ["sample.nwb", "sample_latest.nwb", "groups_earliest.h5", "groups_latest.h5"]

    @Test(arguments: files)
    func fetchedListingEqualsMappedListing(name: String) async throws {
        let path = "TestData/fixtures/" + name
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let mapped = try await HDF5File(path: path)
        let expected = try await Self.lines(mapped)

        let source = CountingSource(bytes: bytes)
        // A small read-ahead, so that decoders really stop and ask for bytes again and again.
        let fetched = try await HDF5File(source: source, readAhead: 512)
        #expect(try await Self.lines(fetched) == expected)
        #expect(source.batches > 1)
    }

    @Test func batchesGrowWithDepthNotWithObjectCount() async throws {
        let path = "TestData/fixtures/sample.nwb"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 4096)
        let entries = try await file.walk(from: "/", recursive: true)
        let depth = entries.map { $0.path.split(separator: "/").count }.max() ?? 0
        // Each level costs a few dependent fetch rounds (header, then heaps and B-trees), far
        // fewer than one per object.
        #expect(entries.count > 90)
        #expect(source.batches < entries.count / 2)
        #expect(source.batches <= 8 * (depth + 1))
    }

    static func lines(_ file: HDF5File) async throws -> [String] {
        let entries = try await file.walk(from: "/", recursive: true)
        let paths = try await file.referencedPaths(in: entries)
        return try entries.map { try $0.json(paths: paths).serialized() }
    }
}
