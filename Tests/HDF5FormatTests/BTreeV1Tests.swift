import ByteKit
import Testing

@testable import HDF5Format

@Suite struct BTreeV1Tests {
    /// The names of the members of a version 1 group, through its B-tree and local heap.
    static func memberNames(
        _ view: FileView, _ entry: SymbolTableEntry, _ context: FormatContext
    ) throws -> [String: SymbolTableEntry] {
        guard case .symbolTable(let bTree, let heapAddress) = entry.scratchPad else {
            Issue.record("entry has no cached symbol table")
            return [:]
        }
        let heap = try LocalHeap.read(view: view, address: heapAddress, context: context)
        var members: [String: SymbolTableEntry] = [:]
        var order: [String] = []
        for member in try BTreeV1.groupEntries(view: view, address: bTree, context: context) {
            let name = try heap.string(at: member.linkNameOffset, view: view)
            order.append(name)
            members[name] = member
        }
        #expect(order == order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        return members
    }

    @Test func aLargeGroupListsTheSameMembersAsH5py() throws {
        let name = "test_large_group_earliest.hdf5"
        guard let bytes = StructureFixtures.jhdf(name) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let root = try Self.memberNames(view, try StructureFixtures.rootEntry(bytes), context)
        #expect(Array(root.keys) == ["large_group"])
        let group = try #require(root["large_group"])
        let members = try Self.memberNames(view, group, context)
        let expected: [String] = try StructureFixtures.h5pyMemberNames(name, group: "large_group")
        #expect(members.count == 1000)
        #expect(Set(members.keys) == Set(expected))
        // Datasets are not groups: nothing cached, and a defined object header.
        #expect(members.values.allSatisfy { $0.scratchPad == .nothing && $0.objectHeaderAddress != nil })
    }

    @Test func aGroupDecodesOverAPartialViewFetchingWhatItNeeds() throws {
        guard let bytes = StructureFixtures.jhdf("test_large_group_earliest.hdf5") else { return }
        let context = StructureFixtures.context(bytes)
        let root = try StructureFixtures.rootEntry(bytes)
        let whole = try Self.memberNames(StructureFixtures.view(bytes), root, context)
        let (partial, fetches) = try StructureFixtures.decodeIncrementally(bytes) { view in
            try Self.memberNames(view, root, context)
        }
        #expect(partial == whole)
        #expect(fetches > 2)
    }

    @Test func chunkRecordsMatchH5pyForEveryDataset() throws {
        let name = "test_chunked_datasets_earliest.hdf5"
        guard let bytes = StructureFixtures.jhdf(name) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        struct Dataset: Decodable {
            let path: String
            let rank: Int
            let chunks: [[UInt64]]
        }
        // Each chunk as [size, filter mask, address, offsets...].
        let datasets: [Dataset] = try StructureFixtures.python(
            """
            import h5py, json
            f = h5py.File(\(StructureFixtures.quoted(StructureFixtures.jhdfPath(name))), 'r')
            out = []
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset) and obj.chunks:
                    chunks = []
                    for i in range(obj.id.get_num_chunks()):
                        info = obj.id.get_chunk_info(i)
                        chunks.append([info.size, info.filter_mask, info.byte_offset] + list(info.chunk_offset))
                    out.append({'path': name, 'rank': len(obj.shape), 'chunks': chunks})
            f.visititems(visit)
            print(json.dumps(out))
            """)
        #expect(datasets.count == 7)
        let trees = StructureFixtures.signatures("TREE", in: bytes)
        for dataset in datasets {
            let expected = dataset.chunks.map {
                ChunkRecord(size: UInt32($0[0]), filterMask: UInt32($0[1]), offsets: Array($0[3...]), address: $0[2])
            }
            let matches = trees.filter { address in
                let records = try? BTreeV1.chunkRecords(
                    view: view, address: address, context: context, dimensionality: dataset.rank)
                return records == expected
            }
            #expect(matches.count == 1, "\(dataset.path): \(matches.count) trees match")
        }
    }

    /// Bytes of a one-leaf group tree at offset 0 whose only child is `child`.
    static func groupLeaf(child: UInt64, level: UInt8 = 0) -> [UInt8] {
        var bytes = Array("TREE".utf8) + [0, level, 1, 0]
        bytes += [UInt8](repeating: 0xff, count: 16)  // no siblings
        bytes += [UInt8](repeating: 0, count: 8)  // key 0
        bytes += withUnsafeBytes(of: child.littleEndian) { Array($0) }
        bytes += [UInt8](repeating: 0, count: 8)  // key 1
        return bytes
    }

    static let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    @Test func aChildPointingAtItsParentIsACycleNotAHang() throws {
        let bytes = Self.groupLeaf(child: 0, level: 1)
        #expect(throws: HDF5Error.cycle(structure: "version 1 B-tree node", offset: 0)) {
            try BTreeV1.groupEntries(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }

    @Test func aLeafNamingOneSymbolTableNodeTwiceIsACycle() throws {
        var bytes = Array("TREE".utf8) + [0, 0, 2, 0] + [UInt8](repeating: 0xff, count: 16)
        let snodAddress = UInt64(bytes.count + 40)
        for _ in 0..<2 {
            bytes += [UInt8](repeating: 0, count: 8) + withUnsafeBytes(of: snodAddress.littleEndian) { Array($0) }
        }
        bytes += [UInt8](repeating: 0, count: 8)
        #expect(bytes.count == Int(snodAddress))
        bytes += Array("SNOD".utf8) + [1, 0, 0, 0]
        #expect(throws: HDF5Error.cycle(structure: "symbol table node", offset: snodAddress)) {
            try BTreeV1.groupEntries(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }

    @Test func aChildAtTheWrongLevelIsRejected() throws {
        // The root (level 1) points at a level-1 node.
        var bytes = Self.groupLeaf(child: 64, level: 1)
        bytes += [UInt8](repeating: 0, count: 64 - bytes.count)
        bytes += Self.groupLeaf(child: 0, level: 1)
        #expect(throws: HDF5Error.self) {
            try BTreeV1.groupEntries(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }

    @Test func aBadSignatureAndATruncatedNodeAreErrors() throws {
        var bytes = Self.groupLeaf(child: 0)
        bytes[0] = UInt8(ascii: "X")
        #expect(
            throws: HDF5Error.badSignature(
                structure: "version 1 B-tree node", offset: 0, expected: "TREE", found: "XREE")
        ) {
            try BTreeV1.groupEntries(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
        let truncated = Array(Self.groupLeaf(child: 0).dropLast(4))
        #expect(throws: HDF5Error.self) {
            try BTreeV1.groupEntries(view: StructureFixtures.view(truncated), address: 0, context: Self.context)
        }
    }

    @Test func aTreeOfTheWrongTypeIsRejected() throws {
        let bytes = Self.groupLeaf(child: 0) + [UInt8](repeating: 0, count: 64)
        #expect(
            throws: HDF5Error.invalid(
                structure: "version 1 B-tree node", offset: 0, reason: "node type 0 in a tree of type 1")
        ) {
            try BTreeV1.chunkRecords(
                view: StructureFixtures.view(bytes), address: 0, context: Self.context, dimensionality: 1)
        }
    }
}
