import ByteKit

/// What a version 2 B-tree's records are (HDF5 File Format Specification 4.0, III.A.2,
/// "Type" of the header).
public enum BTreeV2RecordType: UInt8, Sendable {
    /// A fractal heap's huge objects, found through the tree by their ID (not filtered).
    case indirectlyAccessedHugeObject = 1
    /// A fractal heap's huge objects, found through the tree by their ID (filtered).
    case indirectlyAccessedFilteredHugeObject = 2
    /// A fractal heap's huge objects whose heap ID holds their address (not filtered).
    case directlyAccessedHugeObject = 3
    /// A fractal heap's huge objects whose heap ID holds their address (filtered).
    case directlyAccessedFilteredHugeObject = 4
    /// A group's links indexed by the hash of their name.
    case linkName = 5
    /// A group's links indexed by creation order.
    case linkCreationOrder = 6
    /// A shared object header message index.
    case sharedObjectHeaderMessage = 7
    /// An object's attributes indexed by the hash of their name.
    case attributeName = 8
    /// An object's attributes indexed by creation order.
    case attributeCreationOrder = 9
    /// A chunked dataset's chunks, without filters.
    case chunk = 10
    /// A chunked dataset's chunks, with filters.
    case filteredChunk = 11
}

/// One record of a version 2 B-tree, undecoded: the record types in `BTreeV2Records.swift`
/// decode it.
public struct BTreeV2Record: Sendable, Equatable {
    /// The record's bytes ("record size" of them).
    public let bytes: Bytes
    /// Absolute file offset of the record.
    public let offset: UInt64

    public init(bytes: Bytes, offset: UInt64) {
        self.bytes = bytes
        self.offset = offset
    }

    /// A cursor over the record, naming `structure` in errors.
    public func cursor(_ structure: String) -> ByteCursor {
        ByteCursor(bytes: bytes, baseOffset: offset, structure: structure)
    }
}

// On disk (HDF5 File Format Specification 4.0, III.A.2):
//
// Header:
//   Signature "BTHD"                      4 bytes
//   Version (0)                           1 byte
//   Type                                  1 byte (see BTreeV2RecordType)
//   Node Size                             4 bytes (every node occupies this many bytes)
//   Record Size                           2 bytes
//   Depth                                 2 bytes (0: the root is a leaf)
//   Split Percent, Merge Percent          1 byte each
//   Root Node Address                     size of offsets
//   Number of Records in Root Node        2 bytes
//   Total Number of Records in Tree       size of lengths
//   Checksum                              4 bytes
//
// Internal node (at depth d ≥ 1, with n records, n known from the parent):
//   Signature "BTIN", Version (0), Type   6 bytes
//   Records                               n × record size
//   Child Pointers                        (n + 1) × (address; number of records in the child;
//                                         total records below the child, only when d > 1)
//   Checksum                              4 bytes (of everything before it)
//
// Leaf node (with n records):
//   Signature "BTLF", Version (0), Type   6 bytes
//   Records                               n × record size
//   Checksum                              4 bytes

/// A version 2 B-tree's header, from which its nodes are walked (HDF5 File Format
/// Specification 4.0, III.A.2, Version 2 B-trees).
///
/// The widths of the record counts in internal nodes are not stored: they are the bytes needed
/// for the most records a child (and everything below it) could hold, computed from the node
/// size, record size and depth as libhdf5 computes them (`H5B2__hdr_init`).
public struct BTreeV2Header: Sendable, Equatable {
    /// Absolute file offset of the header.
    public let address: UInt64
    /// The type number of the records (see `BTreeV2RecordType`).
    public let typeNumber: UInt8
    /// Bytes in each node.
    public let nodeSize: UInt32
    /// Bytes in each record.
    public let recordSize: UInt16
    /// Levels below the root; 0 when the root is a leaf.
    public let depth: UInt16
    public let splitPercent: UInt8
    public let mergePercent: UInt8
    /// Absolute file offset of the root node, or nil for an empty tree.
    public let rootNodeAddress: UInt64?
    /// Records in the root node.
    public let rootRecordCount: UInt16
    /// Records in the whole tree.
    public let totalRecordCount: UInt64
    /// The file's sizes, needed to decode the nodes.
    public let context: FormatContext
    /// Per depth (0 for leaves): the most records a node holds, and the width of the field
    /// that counts the records below a child pointer of a node one level up.
    let levels: [Level]
    /// Width of the "number of records in child node" fields.
    let childRecordCountSize: Int

    struct Level: Sendable, Equatable {
        /// The most records a node at this depth holds.
        let maximumRecords: UInt64
        /// The most records in a subtree whose root is at this depth.
        let cumulativeMaximumRecords: UInt64
        /// Bytes that encode `cumulativeMaximumRecords` (0 for leaves, whose parent stores none).
        let cumulativeMaximumRecordsSize: Int
    }

    /// The record type, or nil for a number the specification does not define.
    public var type: BTreeV2RecordType? { BTreeV2RecordType(rawValue: typeNumber) }

    static let structure = "version 2 B-tree header"
    static let internalStructure = "version 2 B-tree internal node"
    static let leafStructure = "version 2 B-tree leaf node"
    /// Signature, version, type and checksum: the bytes of a node that are not records or pointers.
    static let nodePrefixSize = 10

    /// Decodes and checks the header at `address`.
    public static func read(view: FileView, address: UInt64, context: FormatContext) throws -> BTreeV2Header {
        let size = 22 + context.offsetSize + context.lengthSize
        var cursor = try view.cursor(at: address, length: UInt64(size), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: address)
        try cursor.expectSignature("BTHD")
        let version = try cursor.readUInt8()
        guard version == 0 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: address, version: Int(version))
        }
        let typeNumber = try cursor.readUInt8()
        let nodeSize = try cursor.readUInt32()
        let recordSize = try cursor.readUInt16()
        let depth = try cursor.readUInt16()
        let splitPercent = try cursor.readUInt8()
        let mergePercent = try cursor.readUInt8()
        let root = try cursor.readAddress(context)
        let rootRecordCount = try cursor.readUInt16()
        let total = try cursor.readLength(context)
        guard Int(depth) < Limits.treeDepth else {
            throw HDF5Error.limitExceeded(
                structure: structure, offset: address, limit: "depth \(depth) over \(Limits.treeDepth)")
        }
        guard UInt64(nodeSize) <= Limits.structureBytes else {
            throw HDF5Error.limitExceeded(structure: structure, offset: address, limit: "node size \(nodeSize)")
        }
        let (levels, childRecordCountSize) = try computeLevels(
            nodeSize: UInt64(nodeSize), recordSize: UInt64(recordSize), depth: Int(depth),
            offsetSize: context.offsetSize, address: address)
        return BTreeV2Header(
            address: address, typeNumber: typeNumber, nodeSize: nodeSize, recordSize: recordSize, depth: depth,
            splitPercent: splitPercent, mergePercent: mergePercent, rootNodeAddress: root,
            rootRecordCount: rootRecordCount, totalRecordCount: total, context: context, levels: levels,
            childRecordCountSize: childRecordCountSize)
    }

    /// libhdf5's `H5B2__hdr_init`: node capacities per depth and the widths of the record counts.
    private static func computeLevels(
        nodeSize: UInt64, recordSize: UInt64, depth: Int, offsetSize: Int, address: UInt64
    ) throws -> ([Level], Int) {
        guard recordSize > 0, nodeSize > UInt64(nodePrefixSize) + recordSize else {
            throw HDF5Error.invalid(
                structure: structure, offset: address,
                reason: "node size \(nodeSize) holds no record of \(recordSize) bytes")
        }
        let leafMaximum = (nodeSize - UInt64(nodePrefixSize)) / recordSize
        var levels = [
            Level(maximumRecords: leafMaximum, cumulativeMaximumRecords: leafMaximum, cumulativeMaximumRecordsSize: 0)
        ]
        // Leaves hold the most records of any node, so this width fits every node's count.
        let childRecordCountSize = encodedSize(leafMaximum)
        for _ in stride(from: 1, through: depth, by: 1) {
            let below = levels[levels.count - 1]
            let pointerSize = UInt64(offsetSize + childRecordCountSize + below.cumulativeMaximumRecordsSize)
            guard nodeSize > UInt64(nodePrefixSize) + pointerSize + recordSize + pointerSize else {
                throw HDF5Error.invalid(
                    structure: structure, offset: address,
                    reason: "node size \(nodeSize) holds no internal record at depth \(levels.count)")
            }
            let maximum = (nodeSize - UInt64(nodePrefixSize) - pointerSize) / (recordSize + pointerSize)
            let (product, productOverflow) = (maximum + 1).multipliedReportingOverflow(
                by: below.cumulativeMaximumRecords)
            let (cumulative, sumOverflow) = product.addingReportingOverflow(maximum)
            guard !productOverflow, !sumOverflow else {
                throw HDF5Error.invalid(
                    structure: structure, offset: address, reason: "tree too deep to count its records")
            }
            levels.append(
                Level(
                    maximumRecords: maximum, cumulativeMaximumRecords: cumulative,
                    cumulativeMaximumRecordsSize: encodedSize(cumulative)))
        }
        return (levels, childRecordCountSize)
    }

    /// libhdf5's `H5VM_limit_enc_size`: the bytes needed to encode values up to `limit`.
    static func encodedSize(_ limit: UInt64) -> Int {
        let log2 = limit == 0 ? 0 : 63 - limit.leadingZeroBitCount
        return log2 / 8 + 1
    }

    /// Bytes of one child pointer in an internal node at `depth` (1 or more): the address, the
    /// child's record count, and (at depth 2 and above) the count of everything under the child.
    func childPointerSize(depth: Int) -> Int {
        context.offsetSize + childRecordCountSize + levels[depth - 1].cumulativeMaximumRecordsSize
    }

    /// Every record of the tree, in key order, each node's checksum verified. Nodes are read a
    /// level at a time (see `decodeEach`), so a reader fetches the tree in as many rounds as it
    /// has levels. Record counts are checked against node capacities and against the counts each
    /// parent (and the header, for the root) stores for the subtree below it.
    ///
    /// With `visiting`, a child subtree is read only when `visiting` returns true for the
    /// records either side of it in its parent (nil at the ends): every record below lies
    /// between them in key order. The records of the nodes read are returned, in key order.
    public func records(
        view: FileView, visiting: ((_ below: BTreeV2Record?, _ above: BTreeV2Record?) throws -> Bool)? = nil
    ) throws -> [BTreeV2Record] {
        guard let root = rootNodeAddress else {
            guard totalRecordCount == 0 else {
                throw HDF5Error.invalid(
                    structure: Self.structure, offset: address, reason: "no root node but \(totalRecordCount) records")
            }
            return []
        }
        var nodes: [UInt64: Node] = [:]
        var seen: Set<UInt64> = []
        var level = [ChildPointer(address: root, recordCount: UInt64(rootRecordCount), totalRecordCount: totalRecordCount)]
        for depth in stride(from: Int(depth), through: 0, by: -1) {
            for pointer in level where !seen.insert(pointer.address).inserted {
                throw HDF5Error.cycle(
                    structure: depth == 0 ? Self.leafStructure : Self.internalStructure, offset: pointer.address)
            }
            var next: [ChildPointer] = []
            for node in try decodeEach(level, { try node(view: view, pointer: $0, depth: depth) }) {
                nodes[node.address] = node
                for (index, child) in node.children.enumerated() {
                    let below = index > 0 ? node.records[index - 1] : nil
                    let above = index < node.records.count ? node.records[index] : nil
                    if try visiting?(below, above) ?? true { next.append(child) }
                }
                // Checked as the next level grows, so that it never holds more than the limit.
                guard seen.count + next.count <= Limits.treeNodes else {
                    throw HDF5Error.limitExceeded(
                        structure: Self.structure, offset: address, limit: "more than \(Limits.treeNodes) nodes")
                }
            }
            level = next
        }
        var records: [BTreeV2Record] = []
        records.reserveCapacity(nodes.values.reduce(0) { $0 + $1.records.count })
        appendInOrder(root, nodes: nodes, into: &records)
        return records
    }

    /// Appends the records of the subtree at `address` that were read, in key order; the
    /// recursion is as deep as the tree (bounded by the header's depth).
    private func appendInOrder(_ address: UInt64, nodes: [UInt64: Node], into records: inout [BTreeV2Record]) {
        guard let node = nodes[address] else { return }
        for (index, record) in node.records.enumerated() {
            if index < node.children.count { appendInOrder(node.children[index].address, nodes: nodes, into: &records) }
            records.append(record)
        }
        if let last = node.children.last, node.children.count > node.records.count {
            appendInOrder(last.address, nodes: nodes, into: &records)
        }
    }

    /// Where a node is and how many records it and its subtree hold.
    struct ChildPointer {
        let address: UInt64
        let recordCount: UInt64
        let totalRecordCount: UInt64
    }

    /// One node, decoded: its records and, for an internal node, its `records.count + 1` children.
    private struct Node {
        let address: UInt64
        let records: [BTreeV2Record]
        let children: [ChildPointer]
    }

    /// Decodes the node `pointer` points to, at `depth` (0 for leaves), checking its checksum,
    /// its capacity, and that its records and its children's add up to the pointer's total.
    private func node(view: FileView, pointer: ChildPointer, depth: Int) throws -> Node {
        let isLeaf = depth == 0
        let structure = isLeaf ? Self.leafStructure : Self.internalStructure
        let level = levels[depth]
        guard pointer.recordCount <= level.maximumRecords else {
            throw HDF5Error.invalid(
                structure: structure, offset: pointer.address,
                reason: "\(pointer.recordCount) records in a node that holds at most \(level.maximumRecords)")
        }
        // Capacities are below the node size, itself bounded, so none of this overflows.
        let count = Int(pointer.recordCount)
        let size = Int(recordSize)
        let pointers = isLeaf ? 0 : (count + 1) * childPointerSize(depth: depth)
        let usedSize = 6 + count * size + pointers + 4
        var cursor = try view.cursor(at: pointer.address, length: UInt64(usedSize), structure: structure)
        try Lookup3.verify(cursor.bytes, structure: structure, offset: pointer.address)
        try cursor.expectSignature(isLeaf ? "BTLF" : "BTIN")
        let version = try cursor.readUInt8()
        guard version == 0 else {
            throw HDF5Error.unknownVersion(structure: structure, offset: pointer.address, version: Int(version))
        }
        let type = try cursor.readUInt8()
        guard type == typeNumber else {
            throw HDF5Error.invalid(
                structure: structure, offset: pointer.address, reason: "record type \(type) in a tree of type \(typeNumber)")
        }
        var records: [BTreeV2Record] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let offset = cursor.offset
            records.append(BTreeV2Record(bytes: try cursor.readBytes(size), offset: offset))
        }
        var children: [ChildPointer] = []
        var total = pointer.recordCount
        if !isLeaf {
            children.reserveCapacity(count + 1)
            for _ in 0...count {
                guard let address = try cursor.readAddress(context) else {
                    throw cursor.invalid("child node address is undefined")
                }
                let recordCount = try cursor.readUnsigned(width: childRecordCountSize)
                let below =
                    depth > 1 ? try cursor.readUnsigned(width: levels[depth - 1].cumulativeMaximumRecordsSize) : recordCount
                children.append(ChildPointer(address: address, recordCount: recordCount, totalRecordCount: below))
                let (sum, overflow) = total.addingReportingOverflow(below)
                guard !overflow else { throw cursor.invalid("record count overflows") }
                total = sum
            }
        }
        guard total == pointer.totalRecordCount else {
            throw HDF5Error.invalid(
                structure: structure, offset: pointer.address,
                reason: "the subtree holds \(total) records, its \(pointer.address == rootNodeAddress ? "header" : "parent") says \(pointer.totalRecordCount)")
        }
        return Node(address: pointer.address, records: records, children: children)
    }
}
