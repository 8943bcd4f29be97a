import HDF5Format

extension HDF5File {
    /// What a chunk index node's fetch takes around it: the node whole (64 entries of a 2-D
    /// dataset's keys take 2.6 KB, of a 4-D one 3.7 KB) and nothing behind it. Its neighbours
    /// are chunks, not metadata: the store's 64 KiB ahead and 32 KiB behind made the stored sizes
    /// of a one-hour recording's series (383 nodes) fetch 36 MB.
    static let chunkNodeWidening = MetadataStore.Widening(ahead: 8 * 1024, behind: 0)

    /// The chunks of a version 1 B-tree chunk index (HDF5 File Format Specification 4.0, III.A.1)
    /// read a level at a time: every node of a level is fetched in one batch, so the fetch rounds
    /// are the tree's depth, not its number of nodes (a leaf holds at most 64 chunks by default,
    /// and libhdf5 writes leaves between the chunks, far apart). With `rows`, only the subtrees
    /// that can hold a chunk overlapping those elements of the first dimension are read: a window
    /// of an hour-long recording reads one path down the tree. Records come in key order.
    func bTreeV1ChunkRecords(
        address: UInt64, dimensionality: Int, firstExtent: UInt64, rows: Range<UInt64>?
    ) async throws -> [ChunkRecord] {
        let context = self.context
        let structure = "version 1 B-tree node"
        var level = [address]
        var expectedLevel: Int?
        var visited: Set<UInt64> = []
        var records: [ChunkRecord] = []
        for _ in 0..<Limits.treeDepth {
            guard !level.isEmpty else { return records }
            for node in level {
                guard visited.insert(node).inserted else { throw HDF5Error.cycle(structure: structure, offset: node) }
            }
            guard visited.count <= Limits.treeNodes else {
                throw HDF5Error.limitExceeded(
                    structure: structure, offset: address, limit: "more than \(Limits.treeNodes) nodes")
            }
            let nodes = try await store.decodeAll(
                level.map { node in
                    { @Sendable view in
                        try BTreeV1.ChunkNode.read(view: view, address: node, context: context, dimensionality: dimensionality)
                    }
                }, widening: Self.chunkNodeWidening)
            var next: [UInt64] = []
            for node in nodes {
                // Every node of a level has the level its parent implies (the root's own for the root).
                let expected = expectedLevel ?? node.level
                guard node.level == expected else {
                    throw HDF5Error.invalid(
                        structure: structure, offset: node.address,
                        reason: "node level \(node.level) where the parent expects \(expected)")
                }
                if node.level == 0 {
                    records += node.records
                } else if let rows {
                    next += node.children(overlapping: rows, extent: firstExtent)
                } else {
                    next += node.childAddresses
                }
            }
            if let first = nodes.first { expectedLevel = first.level - 1 }
            level = next
        }
        throw HDF5Error.limitExceeded(structure: structure, offset: address, limit: "depth over \(Limits.treeDepth)")
    }
}
