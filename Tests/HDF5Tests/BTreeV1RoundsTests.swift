import ByteKit
import ByteSources
import HDF5Format
import Testing

@testable import HDF5

/// A version 1 B-tree is read a level at a time: a level's missing nodes (and a group's symbol
/// table nodes) are asked for together, so the rounds follow the tree's depth, not its size.
@Suite struct BTreeV1RoundsTests {
    /// A dataset of 6000 chunks (a three-level chunk index of about a hundred nodes) and a group
    /// of 400 members (about fifty symbol table nodes under a two-level tree).
    static let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], 'w') as f:
            f.create_dataset('many', data=np.arange(60000, dtype='<i4'), chunks=(10,))
            g = f.create_group('big')
            for i in range(400):
                g.create_group('member %03d' % i)
        """

    @Test func aChunkIndexIsReadALevelAtATime() async throws {
        let bytes = try generatedFile(by: Self.script)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 0, readBehind: 0)
        let dataset = try await file.resolve("/many").object
        let (layout, dataspace) = (try #require(dataset.layout), try #require(dataset.dataspace))
        let context = file.context
        let before = source.batches
        let records = try await file.store.decode { view in
            try ChunkIndexReader.records(view: view, layout: layout, dataspace: dataspace, filtered: false, context: context)
        }
        let rounds = source.batches - before
        // Two rounds per level (a node's header, then its entries; 3 levels); node after node
        // took 218.
        #expect(rounds <= 6, "\(rounds) rounds")
        let inOrder = records.map(\.offsets) == (0..<6000).map { [UInt64($0 * 10)] }
        #expect(inOrder)
        let whole = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let same = try await whole.chunkRecords(of: try await whole.resolve("/many").object) == records
        #expect(same)
    }

    /// A chunk map's nodes are fetched whole, without the store's read-ahead and read-behind:
    /// their neighbours are chunks. 3000 chunks of 2000 bytes: about 50 leaves (libhdf5 splits a
    /// full one in two) about 100 KB apart.
    @Test func aChunkMapsNodesComeWithoutTheChunksAroundThem() async throws {
        let bytes = try generatedFile(
            by: """
                import sys, h5py, numpy as np
                with h5py.File(sys.argv[1], 'w') as f:
                    f.create_dataset('wide', data=np.arange(3_000_000, dtype='<i2'), chunks=(1000,))
                """)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source)
        let dataset = try await file.resolve("/wide").object
        let (batches, bytesRead) = (source.batches, source.bytesRead)
        let records = try await file.chunkRecords(of: dataset)
        #expect(records.count == 3000)
        // The leaves in one round (the root came with the dataset's header), each node's header
        // and entries together.
        #expect(source.batches - batches <= 2)
        // At most 64 nodes of 2.6 KB each, fetched with 8 KiB ahead at most (the store's 64 KiB
        // ahead and 32 KiB behind fetched 5.2 MB).
        #expect(source.bytesRead - bytesRead <= 64 * 8 * 1024, "\(source.bytesRead - bytesRead) bytes")
    }

    @Test func aGroupsSymbolTableNodesComeTogether() async throws {
        let bytes = try generatedFile(by: Self.script)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 0, readBehind: 0)
        let rootLinks = try await file.links(at: file.superblock.rootObjectHeaderAddress)
        guard case .hard(let address) = try #require(rootLinks.first { $0.name == "big" }).target else {
            Issue.record("/big is not a hard link")
            return
        }
        let before = source.batches
        let links = try await file.links(at: address)
        let rounds = source.batches - before
        // The group's header, the B-tree's two levels, the symbol table nodes and the local heap,
        // each in a round or two without read-ahead (10 here); node after node took 212.
        #expect(rounds <= 12, "\(rounds) rounds")
        #expect(links.map(\.name) == (0..<400).map { String(format: "member %03d", $0) })
    }
}
