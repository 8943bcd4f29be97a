import ArrayEngine
import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// Reads through a counting source: a slice transfers only what it needs.
@Suite struct DatasetReadTests {
    static func open(_ name: String) async throws -> (HDF5File, CountingSource) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "TestData/fixtures/" + name)))
        let source = CountingSource(bytes: bytes)
        return (try await HDF5File(source: source, readAhead: 512), source)
    }

    @Test func contiguousSliceReadsOnlyItsByteRuns() async throws {
        // Over `SievedSource.sizeLimit`: read directly, not through the metadata store.
        let source = CountingSource(bytes: try generatedFile(by: """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w', libver='earliest') as f:
                f.create_dataset('contiguous', data=np.arange(100_000, dtype='<i4'))
            """))
        let file = try await HDF5File(source: source, readAhead: 512)
        let dataset = try await file.resolve("/contiguous").object
        let before = source.bytesRead
        let slice = try await file.read(dataset, selection: try Selection.parse("10:30"))
        #expect(source.bytesRead - before == 20 * 4)
        #expect(slice.shape == [20])
        #expect(try await file.values(of: slice) == (10..<30).map { Value.signed(Int64($0)) })
    }

    @Test func aSmallContiguousDatasetIsReadWithTheBytesAroundIt() async throws {
        let (file, source) = try await Self.open("layouts_earliest.h5")
        let dataset = try await file.resolve("/layouts/contiguous").object
        guard case .contiguous(let address?, let size) = dataset.layout?.storage else {
            Issue.record("not contiguous")
            return
        }
        #expect(size <= SievedSource.sizeLimit)
        let before = source.bytesRead
        let slice = try await file.read(dataset, selection: try Selection.parse("10:30"))
        // Through the metadata store: its read-ahead (512 bytes here) brings all of it, once.
        #expect(try await file.store.decode { view in view.contains(ByteRange(offset: address, length: size)) })
        let afterSlice = source.bytesRead
        #expect(afterSlice - before <= 512 + 16 * 1024)
        let values = try await file.values(of: slice)
        let whole = try await file.values(of: try await file.read(dataset))
        #expect(source.bytesRead == afterSlice)
        #expect(values == Array(whole[10..<30]))
    }

    @Test func chunkedSliceReadsOnlyTheChunksItOverlaps() async throws {
        let (file, source) = try await Self.open("layouts_earliest.h5")
        let dataset = try await file.resolve("/layouts/btree_v2_filtered").object
        // Resolve the chunk index first, so that what follows counts chunk reads alone.
        let context = file.context
        guard let layout = dataset.layout, let dataspace = dataset.dataspace else {
            Issue.record("no layout")
            return
        }
        let records = try await file.store.decode { view in
            try ChunkIndexReader.records(view: view, layout: layout, dataspace: dataspace, filtered: true, context: context)
        }
        #expect(records.count == 64)  // (64 / 8) x (64 / 8) chunks
        let before = source.bytesRead
        _ = try await file.read(dataset, selection: try Selection.parse("5:12,30:33"))
        // Rows 5..11 touch chunk rows 0 and 1, columns 30..32 chunk columns 3 and 4: four chunks.
        // (The chunk index is metadata the store already holds: no reads.)
        let touched = records.filter { [0, 8].contains($0.offsets[0]) && [24, 32].contains($0.offsets[1]) }
        #expect(touched.count == 4)
        let chunkBytes = touched.reduce(UInt64(0)) { $0 + UInt64($1.size) }
        #expect(source.bytesRead - before == chunkBytes)
    }

    @Test func storedDataSmallerThanItsDataspaceIsRefusedBeforeReading() async throws {
        let bytes = try generatedFile(by: """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w', libver='earliest') as f:
                f.create_dataset('values', data=np.arange(5, dtype='<i4'))
            """)
        let whole = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let original = try await whole.resolve("/values").object
        let layout = try #require(original.header.firstMessage(of: .dataLayout))
        #expect(try await whole.values(of: try await whole.read(original)).count == 5)
        // Layout message version 3, class 1 (contiguous): the address, then the size, 20 here.
        var damaged = bytes
        let sizeOffset = Int(layout.bodyOffset) + 2 + 8
        #expect(damaged[sizeOffset] == 20)
        damaged[sizeOffset] = 12
        let file = try await HDF5File(source: MemorySource(name: "damaged", bytes: damaged))
        let dataset = try await file.resolve("/values").object
        do {
            _ = try await file.read(dataset)
            Issue.record("12 stored bytes for 20 were read")
        } catch HDF5Error.invalid(let structure, let offset, let reason) {
            #expect(structure == "data layout message" && offset == dataset.address)
            #expect(reason == "contiguous data of 12 bytes for 5 elements of 4 bytes")
        }
    }
}

/// Reading into a caller's buffer gives the bytes a read returns, and refuses a buffer of
/// another size.
@Suite struct ReadIntoBufferTests {
    @Test(arguments: ["/layouts/contiguous", "/layouts/btree_v2_filtered", "/layouts/compact"])
    func readIntoGivesTheBytesOfARead(path: String) async throws {
        let file = try await HDF5File(path: "TestData/fixtures/layouts_earliest.h5")
        let dataset = try await file.resolve(path).object
        for text in ["", "1:7", "::3"] {
            let selection = try Selection.parse(text)
            let expected = try await file.read(dataset, selection: selection)
            let shape = try file.readShape(of: dataset, selection: selection)
            #expect(shape.shape == expected.shape)
            #expect(shape.byteCount == expected.bytes.count)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: shape.byteCount, alignment: 16)
            defer { buffer.deallocate() }
            try await file.read(dataset, selection: selection, into: buffer)
            #expect(Array(buffer) == expected.bytes.array)
            let tooLarge = UnsafeMutableRawBufferPointer.allocate(byteCount: shape.byteCount + 1, alignment: 16)
            defer { tooLarge.deallocate() }
            await #expect(throws: ArrayError.self) { try await file.read(dataset, selection: selection, into: tooLarge) }
        }
    }
}
