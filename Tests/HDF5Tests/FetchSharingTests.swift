import ByteKit
import HDF5Format
import Testing

@testable import HDF5

/// Reads that run at the same time share fetches: a decode waits for a fetch in flight whose
/// read-ahead brings its bytes, small contiguous datasets come with the read-ahead around them,
/// and resolving a path decodes the groups on the way for their links alone.
@Suite struct FetchSharingTests {
    /// Four short contiguous datasets whose data lie one after the other, 200 KB past their
    /// headers (contiguous storage is allocated when first written), as NWB writers put the
    /// session's strings; and two levels of groups with string attributes.
    static let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], 'w', libver='earliest') as f:
            for name in ('a', 'b', 'c', 'd'):
                f.create_dataset(name, shape=(4,), dtype='<i8')
            f.create_dataset('filler', data=np.zeros(200_000, dtype='u1'))
            for name in ('a', 'b', 'c', 'd'):
                f[name][:] = np.arange(4, dtype='<i8') + ord(name)
            g = f.create_group('outer/inner')
            f['outer'].attrs['description'] = 'the outer group'
            g.attrs['description'] = 'the inner group'
            g.create_dataset('data', data=np.arange(10, dtype='<i2'))
        """

    @Test func concurrentDecodesWaitForTheFetchThatBringsTheirBytes() async throws {
        let source = CountingSource(bytes: [UInt8](repeating: 7, count: 100_000), latency: .milliseconds(50))
        let store = MetadataStore(source: source, readAhead: 4096, readBehind: 4096)
        async let first = store.decode { view in try view.bytes(at: 100, length: 8, structure: "first").array }
        async let second = store.decode { view in try view.bytes(at: 300, length: 8, structure: "second").array }
        #expect(try await first == [UInt8](repeating: 7, count: 8))
        #expect(try await second == [UInt8](repeating: 7, count: 8))
        // Whichever decode runs first, its fetch ([0, 4196) or [0, 4396)) brings the other's
        // bytes too. (With no read-behind, the second running first left the first's bytes
        // outside its fetch: a second batch, seen once on a loaded machine.)
        #expect(source.batches == 1)
    }

    @Test func smallContiguousDatasetsReadTogetherCostOneFetch() async throws {
        let source = CountingSource(bytes: try generatedFile(by: Self.script), latency: .milliseconds(20))
        let file = try await HDF5File(source: source, readAhead: 4096, readBehind: 0)
        let datasets = try await file.objects(at: file.root().links.compactMap { link in
            guard ["a", "b", "c", "d"].contains(link.name), case .hard(let address) = link.target else { return nil }
            return address
        })
        #expect(datasets.count == 4)
        let before = source.batches
        let values = try await withThrowingTaskGroup(of: [Value].self) { group in
            for dataset in datasets {
                group.addTask { try await file.values(of: try await file.read(dataset)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let firsts: [Int64] = values.compactMap { if case .signed(let value)? = $0.first { value } else { nil } }
        #expect(firsts.sorted() == [97, 98, 99, 100])  // "a" to "d"
        #expect(source.batches - before == 1)
    }

    @Test func resolvingAPathDecodesTheGroupsOnTheWayForTheirLinksAlone() async throws {
        let file = try await HDF5File(source: CountingSource(bytes: try generatedFile(by: Self.script)))
        let (data, path) = try await file.resolve("/outer/inner/data")
        #expect(path == "/outer/inner/data")
        #expect(data.kind == .dataset)
        guard case .hard(let outer) = try await file.root().links.first(where: { $0.name == "outer" })?.target else {
            Issue.record("no hard link named outer")
            return
        }
        // Not decoded whole: its attributes were not read.
        #expect(await file.objects.missing([outer]) == [outer])
        let group = try await file.object(at: outer)
        #expect(group.attributes.first?.values == [.string("the outer group")])
        await #expect(throws: HDF5Error.notFound(path: "/outer/inner/data/deeper")) {
            try await file.resolve("/outer/inner/data/deeper")
        }
    }
}
