import ByteSources
@testable import HDF5
import Testing
import TestSupport

/// The same listing over HTTP as from the mapped file, through a clean server and a faulty one.
@Suite struct RemoteListingTests {
    static let files = ["sample.nwb", "groups_earliest.h5", "filters_latest.h5", "userblock_latest.h5"]

    @Test(arguments: files)
    func listingOverHTTPEqualsTheLocalListing(name: String) async throws {
        let path = "TestData/fixtures/" + name
        let expected = try await MetadataStoreTests.lines(try await HDF5File(path: path))
        try await RangeServer.with { server in
            let bytes = try MappedFileSource(path: path).contents.array
            try server.put(name, bytes)
            var options = HTTPSource.Options()
            options.initialBackoff = .milliseconds(1)
            for fault in ["ok", "503x2", "truncatex2"] {
                let source = try await HTTPSource(url: server.url(name, fault: fault), options: options)
                let file = try await HDF5File(source: source)
                #expect(try await MetadataStoreTests.lines(file) == expected, "fault \(fault)")
                if fault == "ok" {
                    // Fetch rounds grow with the structure's depth; none is spent on cached bytes.
                    #expect(source.statistics.roundTrips <= 12)
                    // Nothing twice, but where the first read (64 KiB) and the tail read (256 KiB)
                    // of a small file overlap.
                    let overlap = UInt64(min(bytes.count, 64 * 1024))
                    #expect(source.statistics.bytesFetched <= UInt64(bytes.count) + overlap)
                }
            }
        }
    }

    @Test func whatTheOpenFetchedIsDecodedWithoutAskingAgain() async throws {
        // sample.nwb is no larger than the open's first and tail reads together: the whole
        // listing then needs no read at all after the open, not even from the block cache.
        let path = "TestData/fixtures/sample.nwb"
        let expected = try await MetadataStoreTests.lines(try await HDF5File(path: path))
        try await RangeServer.with { server in
            let bytes = try MappedFileSource(path: path).contents.array
            #expect(bytes.count <= (64 + 256) * 1024)
            try server.put("sample.nwb", bytes)
            let source = try await HTTPSource(url: server.url("sample.nwb", fault: "ok"))
            let opened = source.statistics
            let file = try await HDF5File(source: source)
            #expect(try await MetadataStoreTests.lines(file) == expected)
            #expect(source.statistics.requests == opened.requests)
            #expect(source.statistics.cacheHits == opened.cacheHits)
            // The bytes decoded from the open's still count as read: an index made from this
            // file carries them (here, the whole file).
            let segments = try await file.store.fetchedSegments()
            #expect(segments.map(\.offset) == [0])
            #expect(segments.first?.bytes.count == bytes.count)
        }
    }
}
