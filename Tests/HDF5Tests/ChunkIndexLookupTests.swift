import ArrayEngine
import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// A version 1 B-tree chunk index is read a level at a time, and a slice reads only the subtrees
/// that reach it.
@Suite struct ChunkIndexLookupTests {
    /// 2,000 chunks of 10 rows: libhdf5's default B-tree (leaves of at most 64 chunks) gets a root
    /// and about 60 leaves, written between the chunks. Element (r, c) is r * 4 + c.
    static let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], 'w', libver='earliest') as f:
            f.create_dataset('data', data=np.arange(80000, dtype='<i4').reshape(20000, 4), chunks=(10, 4))
        """

    static func file() throws -> [UInt8] { try generatedFile(by: script) }

    static func integers(_ values: [Value]) -> [Int64] {
        values.compactMap { if case .signed(let value) = $0 { value } else { nil } }
    }

    @Test func theWholeIndexCostsOneFetchRoundPerLevel() async throws {
        let source = CountingSource(bytes: try Self.file())
        // A read-ahead that holds a whole node (about 2.6 KB), so that each level is one round.
        let file = try await HDF5File(source: source, readAhead: 4096, readBehind: 0)
        let dataset = try await file.resolve("/data").object
        let before = source.batches
        let records = try await file.chunkRecords(of: dataset)
        #expect(records.count == 2000)
        #expect(records.map { $0.offsets[0] } == (0..<2000).map { UInt64($0 * 10) })
        // The root, then every node of each lower level together, not leaf after leaf.
        guard case .chunked(let chunked) = dataset.layout?.storage, let address = chunked.address else {
            Issue.record("not chunked")
            return
        }
        let context = file.context
        let root = try await file.store.decode { view in
            try BTreeV1.ChunkNode.read(view: view, address: address, context: context, dimensionality: 2)
        }
        #expect(root.level == 1 && root.childAddresses.count > 20)
        // (The root may have come with the object header's read-ahead already.)
        #expect(source.batches - before <= root.level + 1)
        // The same chunks as the sequential walk of the sans-I/O decoder.
        let mapped = try await HDF5File(source: MemorySource(name: "chunks", bytes: try Self.file()))
        let layout = try #require(dataset.layout)
        let dataspace = try #require(dataset.dataspace)
        let walked = try await mapped.store.decode { view in
            try ChunkIndexReader.records(
                view: view, layout: layout, dataspace: dataspace, filtered: false, context: context)
        }
        #expect(walked == records)
    }

    @Test func aSliceReadsOnlyTheSubtreesThatReachIt() async throws {
        let bytes = try Self.file()
        let whole = CountingSource(bytes: bytes)
        let wholeFile = try await HDF5File(source: whole, readAhead: 512, readBehind: 0)
        let dataset = try await wholeFile.resolve("/data").object
        let beforeWhole = whole.bytesRead
        _ = try await wholeFile.chunkRecords(of: dataset)
        let wholeIndexBytes = whole.bytesRead - beforeWhole

        let sliced = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: sliced, readAhead: 512, readBehind: 0)
        let object = try await file.resolve("/data").object
        let before = sliced.bytesRead
        let slice = try await file.read(object, selection: try Selection.parse("12345:12367,1:3"))
        let values = Self.integers(try await file.values(of: slice))
        let expected: [Int64] = (12345..<12367).flatMap { (row: Int) -> [Int64] in [Int64(row * 4 + 1), Int64(row * 4 + 2)] }
        #expect(values == expected)
        // The root and one or two leaves (about 3 KB each), not the index's 60: and 3 chunks of 160 bytes.
        let indexBytes = sliced.bytesRead - before - 3 * 160
        #expect(indexBytes < wholeIndexBytes / 10)
        // A later whole read still sees every chunk (the partial lookup is not kept as the map).
        let all = Self.integers(try await file.values(of: try await file.read(object)))
        #expect(all == (0..<80000).map(Int64.init))
    }

    /// The same data with libver latest and chunks of 2 rows: a fixed array index whose 10,000
    /// elements fill ten pages of 1,024.
    static let pagedScript = script
        .replacingOccurrences(of: "libver='earliest'", with: "libver='latest'")
        .replacingOccurrences(of: "chunks=(10, 4)", with: "chunks=(2, 4)")

    @Test func aPagedFixedArrayIndexCostsOneRoundForAllItsPages() async throws {
        let source = CountingSource(bytes: try generatedFile(by: Self.pagedScript))
        let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
        let dataset = try await file.resolve("/data").object
        guard case .chunked(let chunked) = dataset.layout?.storage, case .fixedArray = chunked.index else {
            Issue.record("h5py wrote another chunk index than a fixed array")
            return
        }
        let before = source.batches
        let records = try await file.chunkRecords(of: dataset)
        #expect(records.map { $0.offsets[0] } == (0..<10000).map { UInt64($0 * 2) })
        // The header, the data block's prefix and page bitmap, then all ten pages together.
        #expect(source.batches - before <= 3)
        let all = Self.integers(try await file.values(of: try await file.read(dataset)))
        #expect(all == (0..<80000).map(Int64.init))
    }
}

/// A slice of a dataset whose fixed array index is paged reads only the pages that hold its chunks.
@Suite struct PagedFixedArraySliceTests {
    @Test(arguments: [(10_000, 10_010), (2_040, 2_060), (0, 3), (19_990, 20_000)])
    func aSliceReadsOnlyThePagesOfItsChunks(rows: (Int, Int)) async throws {
        let bytes = try generatedFile(by: ChunkIndexLookupTests.pagedScript)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
        let dataset = try await file.resolve("/data").object
        let before = source.bytesRead
        let range = UInt64(rows.0)..<UInt64(rows.1)
        let map = try await file.chunkMap(of: dataset, rows: range)
        // Chunks of 2 rows, 1,024 to a page of 8-byte addresses: the pages of chunks rows/2.
        let firstPage = rows.0 / 2 / 1024
        let lastPage = (rows.1 - 1) / 2 / 1024
        let chunks = (firstPage * 1024)..<min((lastPage + 1) * 1024, 10_000)
        #expect(map.records.map { $0.offsets[0] } == chunks.map { UInt64($0 * 2) })
        // The header, the data block's prefix, the wanted pages (8 KiB each), with read-ahead.
        #expect(source.bytesRead - before <= UInt64(lastPage - firstPage + 1) * 8196 + 3 * 512)
        let slice = try await file.read(dataset, selection: try Selection.parse("\(rows.0):\(rows.1)"))
        #expect(ChunkIndexLookupTests.integers(try await file.values(of: slice)) == (rows.0 * 4..<rows.1 * 4).map(Int64.init))
        // The partial map was not kept: a whole read still finds every chunk.
        let all = ChunkIndexLookupTests.integers(try await file.values(of: try await file.read(dataset)))
        #expect(all == (0..<80000).map(Int64.init))
    }
}
