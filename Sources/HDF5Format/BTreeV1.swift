import ByteKit

// On disk (HDF5 File Format Specification 4.0, III.A.1):
//
//   Signature "TREE"                      4 bytes
//   Node Type                             1 byte (0 group nodes, 1 raw data chunk nodes)
//   Node Level                            1 byte (0 for leaves)
//   Entries Used                          2 bytes (the number of children)
//   Address of Left Sibling               size of offsets
//   Address of Right Sibling              size of offsets
//   Key 0, Child 0, Key 1, ... Child N-1, Key N   (N = entries used; children are addresses)
//
// Group keys are one length (a name's offset in the group's local heap); a group leaf's
// children are symbol table nodes. Chunk keys are:
//
//   Size of Chunk                         4 bytes (bytes stored, after filters)
//   Filter Mask                           4 bytes (bit i set: filter i was skipped)
//   Offsets                               (dimensionality + 1) × 8 bytes (the chunk's first
//                                         element; the last is the datatype offset, always 0)
//
// and a chunk leaf's children are the chunks' addresses.

/// Version 1 B-trees, which index a version 1 group's members and the chunks of a dataset
/// with a version 1 to 3 data layout (HDF5 File Format Specification 4.0, III.A.1,
/// Version 1 B-trees).
public enum BTreeV1 {
    /// What a tree indexes.
    public enum NodeType: UInt8, Sendable {
        /// A group's symbol table nodes.
        case group = 0
        /// A chunked dataset's chunks.
        case rawDataChunk = 1
    }

    /// One node, with its keys left undecoded.
    public struct Node: Sendable {
        /// Absolute file offset of the node.
        public let address: UInt64
        public let type: NodeType
        /// 0 for a leaf; a child's level is one less than its parent's.
        public let level: Int
        public let leftSiblingAddress: UInt64?
        public let rightSiblingAddress: UInt64?
        /// The keys, one more than the children.
        public let keys: [Bytes]
        /// Absolute file offsets of the children.
        public let childAddresses: [UInt64]

        static let structure = "version 1 B-tree node"

        /// Decodes the node at `address`, whose keys are `keySize` bytes each.
        public static func read(view: FileView, address: UInt64, context: FormatContext, keySize: Int) throws -> Node {
            let headerSize = 8 + 2 * context.offsetSize
            var header = try view.cursor(at: address, length: UInt64(headerSize), structure: structure)
            try header.expectSignature("TREE")
            let typeNumber = try header.readUInt8()
            guard let type = NodeType(rawValue: typeNumber) else {
                throw HDF5Error.invalid(
                    structure: structure, offset: address, reason: "unknown node type \(typeNumber)")
            }
            let level = Int(try header.readUInt8())
            let entriesUsed = Int(try header.readUInt16())
            guard level == 0 || entriesUsed > 0 else {
                throw HDF5Error.invalid(structure: structure, offset: address, reason: "internal node with no children")
            }
            let left = try header.readAddress(context)
            let right = try header.readAddress(context)
            // At most 65,535 entries of a few hundred bytes each: the product fits in an Int, and
            // `address + headerSize` cannot overflow since the header was inside the file.
            let bodySize = entriesUsed * (keySize + context.offsetSize) + keySize
            var body = try view.cursor(
                at: address + UInt64(headerSize), length: UInt64(bodySize), structure: structure)
            var keys: [Bytes] = []
            var children: [UInt64] = []
            keys.reserveCapacity(entriesUsed + 1)
            children.reserveCapacity(entriesUsed)
            for _ in 0..<entriesUsed {
                keys.append(try body.readBytes(keySize))
                guard let child = try body.readAddress(context) else {
                    throw body.invalid("child address is undefined")
                }
                children.append(child)
            }
            keys.append(try body.readBytes(keySize))
            return Node(
                address: address, type: type, level: level, leftSiblingAddress: left, rightSiblingAddress: right,
                keys: keys, childAddresses: children)
        }
    }

    /// The symbol table entries of a version 1 group whose B-tree is at `address`, in the
    /// order of their names: the whole tree is walked and every symbol table node read.
    public static func groupEntries(view: FileView, address: UInt64, context: FormatContext) throws
        -> [SymbolTableEntry]
    {
        let nodeAddresses = try leaves(
            view: view, address: address, context: context, type: .group, keySize: context.lengthSize
        ).flatMap(\.childAddresses)
        var symbolTableNodes: Set<UInt64> = []
        for child in nodeAddresses where !symbolTableNodes.insert(child).inserted {
            throw HDF5Error.cycle(structure: SymbolTableNode.structure, offset: child)
        }
        // Every symbol table node at once: one round for all of them.
        return try decodeEach(nodeAddresses) { try SymbolTableNode.read(view: view, address: $0, context: context) }
            .flatMap(\.entries)
    }

    /// The chunks indexed by the version 1 B-tree at `address`, in key order.
    /// - Parameter dimensionality: the dataset's rank (the data layout message's dimensionality
    ///   less one); each key stores one more offset than this, the datatype offset.
    public static func chunkRecords(
        view: FileView, address: UInt64, context: FormatContext, dimensionality: Int
    ) throws -> [ChunkRecord] {
        try checkChunkDimensionality(dimensionality, structure: Node.structure, offset: address)
        return try leaves(
            view: view, address: address, context: context, type: .rawDataChunk,
            keySize: ChunkNode.keySize(dimensionality: dimensionality)
        ).flatMap { try ChunkNode($0, dimensionality: dimensionality).records }
    }

    /// A node of a chunk index with its keys decoded, for readers that walk the tree a level at a
    /// time (fetching a level's nodes together) and skip the subtrees a selection does not reach.
    public struct ChunkNode: Sendable {
        public let address: UInt64
        /// 0 for a leaf.
        public let level: Int
        /// Key i: the stored size, filter mask and first element of the first chunk child i
        /// holds; the last key bounds the last child. Libhdf5 keeps a child's chunks between its
        /// key and the next, in row-major order of their offsets.
        public let keys: [ChunkRecord]
        public let childAddresses: [UInt64]

        static func keySize(dimensionality: Int) -> Int { 8 + 8 * (dimensionality + 1) }

        /// Decodes the chunk index node at `address` of a dataset of rank `dimensionality`.
        public static func read(
            view: FileView, address: UInt64, context: FormatContext, dimensionality: Int
        ) throws -> ChunkNode {
            try checkChunkDimensionality(dimensionality, structure: Node.structure, offset: address)
            let node = try Node.read(
                view: view, address: address, context: context, keySize: keySize(dimensionality: dimensionality))
            guard node.type == .rawDataChunk else {
                throw HDF5Error.invalid(
                    structure: Node.structure, offset: address, reason: "a group node in a chunk index")
            }
            return try ChunkNode(node, dimensionality: dimensionality)
        }

        init(_ node: Node, dimensionality: Int) throws {
            address = node.address
            level = node.level
            childAddresses = node.childAddresses
            keys = try node.keys.enumerated().map { index, key in
                var cursor = ByteCursor(bytes: key, baseOffset: node.address, structure: Node.structure)
                let size = try cursor.readUInt32()
                let filterMask = try cursor.readUInt32()
                var offsets: [UInt64] = []
                offsets.reserveCapacity(dimensionality)
                for _ in 0..<dimensionality { offsets.append(try cursor.readUInt64()) }
                let child = index < node.childAddresses.count ? node.childAddresses[index] : 0
                return ChunkRecord(size: size, filterMask: filterMask, offsets: offsets, address: child)
            }
        }

        /// A leaf's chunks: each key names the chunk its child address points to.
        public var records: [ChunkRecord] { Array(keys.prefix(childAddresses.count)) }

        /// The children of an internal node that can hold a chunk overlapping the elements
        /// `rows` of the first dimension, chunks being `extent` elements long in it. Child i holds
        /// chunks from key i up to key i + 1, so their first offsets lie between those keys'
        /// first offsets, both included.
        public func children(overlapping rows: Range<UInt64>, extent: UInt64) -> [UInt64] {
            // A chunk starting at o overlaps the rows when o < upperBound and o + extent > lowerBound.
            let earliestStart = rows.lowerBound >= extent ? rows.lowerBound - extent + 1 : 0
            return childAddresses.indices.compactMap { index in
                guard let first = keys[index].offsets.first, let last = keys[index + 1].offsets.first else {
                    return childAddresses[index]
                }
                return first < rows.upperBound && last >= earliestStart ? childAddresses[index] : nil
            }
        }
    }

    /// Every leaf under the node at `address`, left to right, read a level at a time (a level's
    /// missing nodes are asked for together: one round per level, not per node), checking that
    /// levels descend by one and bounding depth and node count; a node met twice is a cycle.
    private static func leaves(
        view: FileView, address: UInt64, context: FormatContext, type: NodeType, keySize: Int
    ) throws -> [Node] {
        var visited: Set<UInt64> = []
        var level = [address]
        var expectedLevel: Int?
        var leaves: [Node] = []
        for _ in 0..<Limits.treeDepth {
            guard !level.isEmpty else { return leaves }
            for node in level {
                guard visited.insert(node).inserted else { throw HDF5Error.cycle(structure: Node.structure, offset: node) }
            }
            guard visited.count <= Limits.treeNodes else {
                throw HDF5Error.limitExceeded(
                    structure: Node.structure, offset: address, limit: "more than \(Limits.treeNodes) nodes")
            }
            let nodes = try decodeEach(level) { try Node.read(view: view, address: $0, context: context, keySize: keySize) }
            var next: [UInt64] = []
            for node in nodes {
                guard node.type == type else {
                    throw HDF5Error.invalid(
                        structure: Node.structure, offset: node.address,
                        reason: "node type \(node.type.rawValue) in a tree of type \(type.rawValue)")
                }
                // Every node of a level has the level its parent implies (the root's own for the root).
                let expected = expectedLevel ?? node.level
                guard node.level == expected else {
                    throw HDF5Error.invalid(
                        structure: Node.structure, offset: node.address,
                        reason: "node level \(node.level) where the parent expects \(expected)")
                }
                if node.level == 0 {
                    leaves.append(node)
                } else {
                    next += node.childAddresses
                }
            }
            guard let first = nodes.first else { return leaves }
            expectedLevel = first.level - 1
            level = next
        }
        guard level.isEmpty else {
            throw HDF5Error.limitExceeded(structure: Node.structure, offset: address, limit: "depth over \(Limits.treeDepth)")
        }
        return leaves
    }
}

/// One chunk of a chunked dataset, as any chunk index records it.
public struct ChunkRecord: Sendable, Equatable {
    /// Bytes the chunk occupies in the file (after filters).
    public let size: UInt32
    /// Bit i set: filter i of the pipeline was not applied to this chunk.
    public let filterMask: UInt32
    /// The chunk's first element, one offset per dataset dimension (in elements, not chunks).
    public let offsets: [UInt64]
    /// Absolute file offset of the chunk's bytes.
    public let address: UInt64

    public init(size: UInt32, filterMask: UInt32, offsets: [UInt64], address: UInt64) {
        self.size = size
        self.filterMask = filterMask
        self.offsets = offsets
        self.address = address
    }
}

/// Throws unless `dimensionality` is a possible dataset rank for a chunked dataset (1 to 32).
func checkChunkDimensionality(_ dimensionality: Int, structure: String, offset: UInt64) throws {
    guard (1...32).contains(dimensionality) else {
        throw HDF5Error.invalid(
            structure: structure, offset: offset, reason: "chunk dimensionality \(dimensionality) is not 1 to 32")
    }
}
