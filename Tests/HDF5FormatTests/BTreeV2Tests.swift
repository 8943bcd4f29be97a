import ByteKit
import Testing

@testable import HDF5Format

@Suite struct BTreeV2Tests {
    struct Dataset: Decodable {
        let path: String
        let chunkShape: [UInt64]
        /// Bytes of one element in the file.
        let fileItemSize: UInt32
        /// Each chunk as [size, filter mask, address, offsets...].
        let chunks: [[UInt64]]

        var expected: [ChunkRecord] {
            chunks.map {
                ChunkRecord(size: UInt32($0[0]), filterMask: UInt32($0[1]), offsets: Array($0[3...]), address: $0[2])
            }
        }
    }

    static let chunkedFile = "chunked_v4_datasets.hdf5"

    static func datasets(in group: String) throws -> [Dataset] {
        try StructureFixtures.python(
            """
            import h5py, json
            f = h5py.File(\(StructureFixtures.quoted(StructureFixtures.jhdfPath(chunkedFile))), 'r')
            out = []
            for name, obj in f[\(StructureFixtures.quoted(group))].items():
                chunks = []
                for i in range(obj.id.get_num_chunks()):
                    info = obj.id.get_chunk_info(i)
                    chunks.append([info.size, info.filter_mask, info.byte_offset] + list(info.chunk_offset))
                # A variable-length string is 16 bytes in the file, whatever h5py says.
                filetype = obj.id.get_type()
                variable = filetype.get_class() == h5py.h5t.STRING and filetype.is_variable_str()
                size = 16 if variable else filetype.get_size()
                out.append({'path': name, 'chunkShape': list(obj.chunks), 'fileItemSize': size, 'chunks': chunks})
            print(json.dumps(out))
            """)
    }

    /// The chunk records of the tree at `address`, in the shared form.
    static func chunkRecords(
        _ view: FileView, _ address: UInt64, _ context: FormatContext, _ dataset: Dataset
    ) throws -> [ChunkRecord] {
        let header = try BTreeV2Header.read(view: view, address: address, context: context)
        let rank = dataset.chunkShape.count
        switch header.type {
        case .chunk:
            // Unfiltered chunks all have one size; h5py's in-memory item size can differ from
            // the file's (a variable-length string), so take the size from h5py's first chunk.
            let size = UInt32(dataset.chunks.first?.first ?? 0)
            return try header.records(view: view).map {
                try ChunkBTreeRecord(parsing: $0, dimensionality: rank, context: context)
                    .chunkRecord(chunkDimensions: dataset.chunkShape, size: size)
            }
        case .filteredChunk:
            let unfiltered = dataset.chunkShape.reduce(1, *) * UInt64(dataset.fileItemSize)
            let width = FilteredChunkBTreeRecord.chunkSizeWidth(chunkBytes: unfiltered)
            return try header.records(view: view).map {
                try FilteredChunkBTreeRecord(parsing: $0, dimensionality: rank, chunkSizeWidth: width, context: context)
                    .chunkRecord(chunkDimensions: dataset.chunkShape)
            }
        default:
            return []
        }
    }

    @Test(arguments: ["btree_v2", "filtered_btree_v2"])
    func chunkIndexesMatchH5pyIncludingDepthTwoTrees(group: String) throws {
        guard let bytes = StructureFixtures.jhdf(Self.chunkedFile) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let datasets = try Self.datasets(in: group)
        #expect(datasets.count == 7)
        let headers = StructureFixtures.signatures("BTHD", in: bytes)
        for dataset in datasets {
            let expected = dataset.expected.sorted { $0.address < $1.address }
            // Trees of other datasets may have another rank: their records do not parse.
            let matches = headers.filter { address in
                (try? Self.chunkRecords(view, address, context, dataset).sorted { $0.address < $1.address }) == expected
            }
            #expect(matches.count == 1, "\(group)/\(dataset.path): \(matches.count) trees match")
        }
        // The 10,000-chunk dataset's tree has depth 2: both internal levels were decoded.
        let deep = try headers.map { try BTreeV2Header.read(view: view, address: $0, context: context) }
            .filter { $0.totalRecordCount == 10_000 }
        #expect(deep.count == 2)
        #expect(deep.allSatisfy { $0.depth == 2 })
    }

    static let largeGroupFile = "test_large_group_latest.hdf5"

    @Test func linkNameRecordsHashTheNamesH5pyLists() throws {
        guard let bytes = StructureFixtures.jhdf(Self.largeGroupFile) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let address = try #require(StructureFixtures.signatures("BTHD", in: bytes).first)
        let header = try BTreeV2Header.read(view: view, address: address, context: context)
        #expect(header.type == .linkName)
        #expect(header.depth == 2)
        let records = try header.records(view: view).map { try LinkNameRecord(parsing: $0) }
        #expect(records.count == 1000)
        // Records are in hash order.
        #expect(records.map(\.nameHash) == records.map(\.nameHash).sorted())
        let names: [String] = try StructureFixtures.h5pyMemberNames(Self.largeGroupFile, group: "large_group")
        #expect(Set(records.map(\.nameHash)) == Set(names.map { Lookup3.hash(Bytes(Array($0.utf8))) }))
    }

    @Test func theRecordCountWidthsFollowLibhdf5() throws {
        // 512-byte nodes of 11-byte records: 45 per leaf, so one byte counts a node's records.
        #expect(BTreeV2Header.encodedSize(45) == 1)
        #expect(BTreeV2Header.encodedSize(255) == 1)
        #expect(BTreeV2Header.encodedSize(256) == 2)
        #expect(BTreeV2Header.encodedSize(0) == 1)
        #expect(BTreeV2Header.encodedSize(.max) == 8)
    }

    /// The large group's tree with `change` applied to its bytes.
    static func corrupted(_ change: (inout [UInt8], BTreeV2Header) throws -> Void) throws -> (FileView, BTreeV2Header)?
    {
        guard var bytes = StructureFixtures.jhdf(largeGroupFile) else { return nil }
        let context = StructureFixtures.context(bytes)
        let address = try #require(StructureFixtures.signatures("BTHD", in: bytes).first)
        let header = try BTreeV2Header.read(view: StructureFixtures.view(bytes), address: address, context: context)
        try change(&bytes, header)
        return (StructureFixtures.view(bytes), header)
    }

    @Test func aFlippedByteInALeafIsABadChecksum() throws {
        var leaf: UInt64 = 0
        guard
            let (view, header) = try Self.corrupted({ bytes, _ in
                leaf = try #require(StructureFixtures.signatures("BTLF", in: bytes).first)
                bytes[Int(leaf) + 8] ^= 0x01
            })
        else { return }
        #expect {
            try header.records(view: view)
        } throws: { error in
            guard case .badChecksum(_, let offset, _, _) = error as? HDF5Error else { return false }
            return offset == leaf
        }
    }

    @Test func aFlippedByteInTheHeaderIsABadChecksum() throws {
        guard var bytes = StructureFixtures.jhdf(Self.largeGroupFile) else { return }
        let address = try #require(StructureFixtures.signatures("BTHD", in: bytes).first)
        bytes[Int(address) + 7] ^= 0x40
        #expect {
            try BTreeV2Header.read(
                view: StructureFixtures.view(bytes), address: address, context: StructureFixtures.context(bytes))
        } throws: { error in
            if case .badChecksum = error as? HDF5Error { return true }
            return false
        }
    }

    @Test func aChildPointingAtItsParentIsACycleNotAHang() throws {
        var root: UInt64 = 0
        guard
            let (view, header) = try Self.corrupted({ bytes, header in
                // The root is internal (depth 2): point its first child at the root itself and
                // re-checksum the node so that only the cycle is wrong.
                root = try #require(header.rootNodeAddress)
                let count = Int(header.rootRecordCount)
                let pointers = Int(root) + 6 + count * Int(header.recordSize)
                withUnsafeBytes(of: root.littleEndian) { bytes.replaceSubrange(pointers..<pointers + 8, with: $0) }
                let end = pointers + (count + 1) * header.childPointerSize(depth: Int(header.depth))
                let checksum = Lookup3.hash(Bytes(Array(bytes[Int(root)..<end])))
                withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(end..<end + 4, with: $0) }
            })
        else { return }
        #expect(throws: HDF5Error.cycle(structure: "version 2 B-tree internal node", offset: root)) {
            try header.records(view: view)
        }
    }

    @Test func aRecordOfTheWrongSizeIsRejected() throws {
        let record = BTreeV2Record(bytes: Bytes([UInt8](repeating: 0, count: 12)), offset: 100)
        #expect(
            throws: HDF5Error.invalid(
                structure: "link name record", offset: 100, reason: "record of 12 bytes where the layout has 11")
        ) {
            try LinkNameRecord(parsing: record)
        }
    }

    @Test func recordLayoutsDecodeTheirFields() throws {
        let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        func record(_ bytes: [UInt8]) -> BTreeV2Record { BTreeV2Record(bytes: Bytes(bytes), offset: 0) }

        let creation = try LinkCreationOrderRecord(parsing: record(le(UInt64(7)) + [1, 2, 3, 4, 5, 6, 7]))
        #expect(creation.creationOrder == 7 && creation.heapID.array == [1, 2, 3, 4, 5, 6, 7])

        let attribute = try AttributeNameRecord(
            parsing: record([1, 2, 3, 4, 5, 6, 7, 8, 0x02] + le(UInt32(3)) + le(UInt32(9))))
        #expect(attribute.messageFlags == 2 && attribute.creationOrder == 3 && attribute.nameHash == 9)
        let ordered = try AttributeCreationOrderRecord(parsing: record([1, 2, 3, 4, 5, 6, 7, 8, 0] + le(UInt32(4))))
        #expect(ordered.heapID.array == [1, 2, 3, 4, 5, 6, 7, 8] && ordered.creationOrder == 4)

        let huge = try HugeObjectRecord(
            parsing: record(le(UInt64(4096)) + le(UInt64(100)) + le(UInt32(1)) + le(UInt64(300)) + le(UInt64(5))),
            type: .indirectlyAccessedFilteredHugeObject, context: context)
        #expect(huge.address == 4096 && huge.length == 100 && huge.filterMask == 1)
        #expect(huge.memorySize == 300 && huge.id == 5)
        let direct = try HugeObjectRecord(
            parsing: record(le(UInt64(4096)) + le(UInt64(100))), type: .directlyAccessedHugeObject, context: context)
        #expect(direct.id == nil && direct.filterMask == nil && direct.length == 100)

        let inHeap = try SharedMessageRecord(
            parsing: record([0] + le(UInt32(0xabcd)) + le(UInt32(2)) + [1, 2, 3, 4, 5, 6, 7, 8]), context: context)
        #expect(inHeap.location == .heap(referenceCount: 2, heapID: Bytes([1, 2, 3, 4, 5, 6, 7, 8])))
        let inHeader = try SharedMessageRecord(
            parsing: record([1] + le(UInt32(0xabcd)) + [0, 3] + le(UInt16(1)) + le(UInt64(800))), context: context)
        #expect(inHeader.location == .objectHeader(messageType: 3, index: 1, address: 800))
        #expect(throws: HDF5Error.self) {
            try SharedMessageRecord(parsing: record([2] + [UInt8](repeating: 0, count: 16)), context: context)
        }

        let chunk = try FilteredChunkBTreeRecord(
            parsing: record(le(UInt64(640)) + [0x34, 0x12] + le(UInt32(2)) + le(UInt64(3)) + le(UInt64(1))),
            dimensionality: 2, chunkSizeWidth: 2, context: context)
        #expect(
            try chunk.chunkRecord(chunkDimensions: [10, 20])
                == ChunkRecord(size: 0x1234, filterMask: 2, offsets: [30, 20], address: 640))
        #expect(throws: HDF5Error.self) { try chunk.chunkRecord(chunkDimensions: [.max, 1]) }
        #expect(throws: HDF5Error.self) { try chunk.chunkRecord(chunkDimensions: [1]) }
    }
}
