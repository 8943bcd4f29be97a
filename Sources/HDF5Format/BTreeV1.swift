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
        var entries: [SymbolTableEntry] = []
        var symbolTableNodes: Set<UInt64> = []
        try walk(view: view, address: address, context: context, type: .group, keySize: context.lengthSize) { leaf in
            for child in leaf.childAddresses {
                guard symbolTableNodes.insert(child).inserted else {
                    throw HDF5Error.cycle(structure: SymbolTableNode.structure, offset: child)
                }
                entries += try SymbolTableNode.read(view: view, address: child, context: context).entries
            }
        }
        return entries
    }

    /// The chunks indexed by the version 1 B-tree at `address`, in key order.
    /// - Parameter dimensionality: the dataset's rank (the data layout message's dimensionality
    ///   less one); each key stores one more offset than this, the datatype offset.
    public static func chunkRecords(
        view: FileView, address: UInt64, context: FormatContext, dimensionality: Int
    ) throws -> [ChunkRecord] {
        try checkChunkDimensionality(dimensionality, structure: Node.structure, offset: address)
        let keySize = 8 + 8 * (dimensionality + 1)
        var records: [ChunkRecord] = []
        try walk(view: view, address: address, context: context, type: .rawDataChunk, keySize: keySize) { leaf in
            for (key, child) in zip(leaf.keys, leaf.childAddresses) {
                var cursor = ByteCursor(bytes: key, baseOffset: leaf.address, structure: Node.structure)
                let size = try cursor.readUInt32()
                let filterMask = try cursor.readUInt32()
                var offsets: [UInt64] = []
                offsets.reserveCapacity(dimensionality)
                for _ in 0..<dimensionality { offsets.append(try cursor.readUInt64()) }
                records.append(ChunkRecord(size: size, filterMask: filterMask, offsets: offsets, address: child))
            }
        }
        return records
    }

    /// Visits every leaf under the node at `address`, left to right, checking that levels
    /// descend by one, and bounding depth and node count; a node met twice is a cycle.
    private static func walk(
        view: FileView, address: UInt64, context: FormatContext, type: NodeType, keySize: Int,
        leaf: (Node) throws -> Void
    ) throws {
        var visited: Set<UInt64> = []
        func visit(_ address: UInt64, expectedLevel: Int?, depth: Int) throws {
            guard depth < Limits.treeDepth else {
                throw HDF5Error.limitExceeded(
                    structure: Node.structure, offset: address, limit: "depth over \(Limits.treeDepth)")
            }
            guard visited.insert(address).inserted else {
                throw HDF5Error.cycle(structure: Node.structure, offset: address)
            }
            guard visited.count <= Limits.treeNodes else {
                throw HDF5Error.limitExceeded(
                    structure: Node.structure, offset: address, limit: "more than \(Limits.treeNodes) nodes")
            }
            let node = try Node.read(view: view, address: address, context: context, keySize: keySize)
            guard node.type == type else {
                throw HDF5Error.invalid(
                    structure: Node.structure, offset: address,
                    reason: "node type \(node.type.rawValue) in a tree of type \(type.rawValue)")
            }
            if let expectedLevel, node.level != expectedLevel {
                throw HDF5Error.invalid(
                    structure: Node.structure, offset: address,
                    reason: "node level \(node.level) where the parent expects \(expectedLevel)")
            }
            if node.level == 0 {
                try leaf(node)
            } else {
                for child in node.childAddresses {
                    try visit(child, expectedLevel: node.level - 1, depth: depth + 1)
                }
            }
        }
        try visit(address, expectedLevel: nil, depth: 0)
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
