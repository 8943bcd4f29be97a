import ArrayEngine
import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// Extensible array and version 2 B-tree chunk indexes (libver latest with unlimited dimensions)
/// are read a level at a time, and a slice reads only the blocks or subtrees that reach it.
@Suite struct ChunkIndexSliceTests {
    /// One kind of index: the script that makes it, the dataset's shape, and whether h5py wrote
    /// the expected index.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let rows: Int
        let columns: Int
        /// Arguments of `create_dataset` after the data.
        let options: String
        /// How many times fewer index bytes a slice of a few rows reads than the whole index.
        let fewerIndexBytes: UInt64
        let isExpectedIndex: @Sendable (DataLayoutMessage.ChunkIndex) -> Bool

        var testDescription: String { name }

        /// Element (r, c) is r * columns + c.
        var script: String {
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w', libver='latest') as f:
                f.create_dataset('data', data=np.arange(\(rows * columns), dtype='<i4').reshape(\(rows), \(columns)), \(options))
            """
        }

        func values(rows range: Range<Int>) -> [Int64] {
            (range.lowerBound * columns..<range.upperBound * columns).map(Int64.init)
        }
    }

    static let cases = [
        // 10,000 chunks: secondary blocks, and data blocks of more than 1,024 elements are paged.
        Case(
            name: "extensible array", rows: 20_000, columns: 4, options: "chunks=(2, 4), maxshape=(None, 4)", fewerIndexBytes: 10,
            isExpectedIndex: { if case .extensibleArray = $0 { true } else { false } }),
        // The unlimited dimension second: the array runs over it first, so rows are spread out.
        Case(
            name: "extensible array, unlimited columns", rows: 2_000, columns: 40,
            // The 10 chunks of a row lie 1,000 elements apart, in 10 pages of 1,024: the slice
            // reads those pages (8 KiB each), the whole index 11.
            options: "chunks=(2, 4), maxshape=(2000, None)", fewerIndexBytes: 3,
            isExpectedIndex: { if case .extensibleArray = $0 { true } else { false } }),
        // Two unlimited dimensions: a version 2 B-tree of 10,000 records (unfiltered, type 10).
        Case(
            name: "version 2 B-tree", rows: 20_000, columns: 4, options: "chunks=(2, 4), maxshape=(None, None)", fewerIndexBytes: 10,
            isExpectedIndex: { if case .bTreeV2 = $0 { true } else { false } }),
        // The same with deflate: filtered records (type 11).
        Case(
            name: "version 2 B-tree, filtered", rows: 20_000, columns: 4,
            options: "chunks=(2, 4), maxshape=(None, None), compression='gzip'", fewerIndexBytes: 10,
            isExpectedIndex: { if case .bTreeV2 = $0 { true } else { false } }),
    ]

    static func integers(_ values: [Value]) -> [Int64] {
        values.compactMap { if case .signed(let value) = $0 { value } else { nil } }
    }

    /// The dataset, checked to have the index the case is about.
    static func dataset(_ file: HDF5File, _ testCase: Case) async throws -> HDF5Object {
        let dataset = try await file.resolve("/data").object
        guard case .chunked(let chunked) = dataset.layout?.storage, testCase.isExpectedIndex(chunked.index) else {
            Issue.record("h5py wrote another chunk index than a \(testCase.name)")
            throw CancellationError()
        }
        return dataset
    }

    @Test(arguments: cases)
    func theWholeIndexCostsOneFetchRoundPerLevel(_ testCase: Case) async throws {
        let bytes = try generatedFile(by: testCase.script)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
        let dataset = try await Self.dataset(file, testCase)
        let before = source.batches
        let records = try await file.chunkRecords(of: dataset)
        #expect(records.count == testCase.rows / 2 * testCase.columns / 4)
        // Extensible array: header, index block, secondary blocks, data blocks with their pages.
        // B-tree: header, root, one level of internal nodes at most, leaves.
        #expect(source.batches - before <= 4)
        // The same records as from the whole file at once, in the same order.
        let mapped = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        #expect(try await mapped.chunkRecords(of: try await mapped.resolve("/data").object) == records)
        let all = Self.integers(try await file.values(of: try await file.read(dataset)))
        #expect(all == testCase.values(rows: 0..<testCase.rows))
    }

    @Test(arguments: cases)
    func aSliceReadsOnlyThePartsOfTheIndexThatReachIt(_ testCase: Case) async throws {
        let bytes = try generatedFile(by: testCase.script)
        let whole = CountingSource(bytes: bytes)
        let wholeFile = try await HDF5File(source: whole, readAhead: 512, readBehind: 0)
        let wholeDataset = try await Self.dataset(wholeFile, testCase)
        let beforeWhole = whole.bytesRead
        _ = try await wholeFile.chunkRecords(of: wholeDataset)
        let wholeIndexBytes = whole.bytesRead - beforeWhole

        for rows in [testCase.rows / 2..<testCase.rows / 2 + 10, 0..<3, testCase.rows - 7..<testCase.rows] {
            let source = CountingSource(bytes: bytes)
            let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
            let dataset = try await Self.dataset(file, testCase)
            let before = source.bytesRead
            let map = try await file.chunkMap(of: dataset, rows: UInt64(rows.lowerBound)..<UInt64(rows.upperBound))
            let indexBytes = source.bytesRead - before
            // Every chunk of those rows is in the map.
            let wanted = Set(stride(from: rows.lowerBound / 2 * 2, to: rows.upperBound, by: 2))
            let found = Set(map.records.map { Int($0.offsets[0]) })
            #expect(wanted.isSubset(of: found), "rows \(rows)")
            #expect(indexBytes * testCase.fewerIndexBytes < wholeIndexBytes, "rows \(rows): \(indexBytes) of \(wholeIndexBytes) index bytes")
            let slice = try await file.read(dataset, selection: try Selection.parse("\(rows.lowerBound):\(rows.upperBound)"))
            #expect(Self.integers(try await file.values(of: slice)) == testCase.values(rows: rows), "rows \(rows)")
            // The partial map was not kept: a whole read still finds every chunk.
            let all = Self.integers(try await file.values(of: try await file.read(dataset)))
            #expect(all == testCase.values(rows: 0..<testCase.rows), "rows \(rows)")
        }
    }
}
