import ByteKit
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// Variable-length strings spread over many global heap collections are fetched in one batch,
/// not one collection at a time.
@Suite struct GlobalHeapPrefetchTests {
    /// 300 strings of about 5 KB: libhdf5 puts each in the current collection while it fits, so
    /// they span dozens of collections (38 with HDF5 2.0).
    static let script = """
        import sys, h5py
        with h5py.File(sys.argv[1], 'w', libver='earliest') as f:
            f.create_dataset('strings', data=[f'string {i} ' + 'abcdefghij'[i % 10] * (5000 + i) for i in range(300)],
                             dtype=h5py.string_dtype())
        """

    static func expected(_ index: Int) -> String {
        "string \(index) " + String(repeating: Array("abcdefghij")[index % 10], count: 5000 + index)
    }

    @Test func stringsInManyCollectionsCostOneFetchBatchPerRound() async throws {
        let source = CountingSource(bytes: try generatedFile(by: Self.script))
        let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
        let dataset = try await file.resolve("/strings").object
        let slice = try await file.read(dataset)
        let collections = GlobalHeapReferences.collectionAddresses(
            in: slice.bytes, datatype: slice.datatype, count: slice.elementCount, context: file.context)
        #expect(collections.count > 20)

        let before = source.batches
        let values = try await file.values(of: slice)
        // A round for the collections' headers, one for the rest of the larger ones, and the decode.
        #expect(source.batches - before <= 3)
        #expect(values == (0..<300).map { .string(Self.expected($0)) })
    }
}
