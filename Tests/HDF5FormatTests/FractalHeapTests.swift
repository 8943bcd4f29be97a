import ByteKit
import Testing

@testable import HDF5Format

@Suite struct FractalHeapTests {
    static let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Appends the lookup3 checksum of `bytes[start...]`.
    static func checksummed(_ bytes: [UInt8], from start: Int = 0) -> [UInt8] {
        bytes + le(Lookup3.hash(Bytes(Array(bytes[start...]))))
    }

    /// The name in an encoded link message (IV.A.2.g), enough to compare with h5py.
    static func linkName(_ message: Bytes) throws -> String {
        var cursor = ByteCursor(bytes: message, baseOffset: 0, structure: "link message")
        #expect(try cursor.readUInt8() == 1)
        let flags = try cursor.readUInt8()
        if flags & 0x08 != 0 { try cursor.skip(1) }
        if flags & 0x04 != 0 { try cursor.skip(8) }
        if flags & 0x10 != 0 { try cursor.skip(1) }
        let length = try cursor.readUnsigned(width: 1 << Int(flags & 0x03))
        return decodeText(try cursor.readBytes(Int(length)).array)
    }

    @Test func aDenseGroupsLinksResolveToTheNamesH5pyLists() throws {
        let name = "test_large_group_latest.hdf5"
        guard let bytes = StructureFixtures.jhdf(name) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let heap = try FractalHeap.read(
            view: view, address: try #require(StructureFixtures.signatures("FRHP", in: bytes).first), context: context)
        // 1000 links outgrow the root direct block: the root is an indirect block.
        #expect(heap.doublingTable.currentRootRowCount > 0)
        #expect(heap.managedObjectCount == 1000)
        let tree = try BTreeV2Header.read(
            view: view, address: try #require(StructureFixtures.signatures("BTHD", in: bytes).first), context: context)
        let ids = try tree.records(view: view).map { try LinkNameRecord(parsing: $0).heapID }
        let names = try heap.objects(ids: ids, view: view).map(Self.linkName)
        let expected: [String] = try StructureFixtures.h5pyMemberNames(name, group: "large_group")
        #expect(names.sorted() == expected.sorted())
        #expect(try Self.linkName(heap.object(id: ids[0], view: view)) == names[0])
    }

    @Test func decodingOverAPartialViewAsksForExactlyTheBytesItNeeds() throws {
        let name = "test_large_group_latest.hdf5"
        guard let bytes = StructureFixtures.jhdf(name) else { return }
        let context = StructureFixtures.context(bytes)
        let heapAddress = try #require(StructureFixtures.signatures("FRHP", in: bytes).first)
        let treeAddress = try #require(StructureFixtures.signatures("BTHD", in: bytes).first)
        let (names, fetches) = try StructureFixtures.decodeIncrementally(bytes) { view in
            let heap = try FractalHeap.read(view: view, address: heapAddress, context: context)
            let tree = try BTreeV2Header.read(view: view, address: treeAddress, context: context)
            let ids = try tree.records(view: view).map { try LinkNameRecord(parsing: $0).heapID }
            return try heap.objects(ids: ids, view: view).map(Self.linkName)
        }
        #expect(Set(names) == Set(try StructureFixtures.h5pyMemberNames(name, group: "large_group")))
        // At most one fetch per structure (two for the heap header, whose first bytes give its
        // size): fetched bytes are never asked for again. The B-tree's nodes of a level, and the
        // heap blocks of all the objects, are asked for together: 8 fetches here, where one
        // structure at a time took more than 10.
        let structures = ["FRHP", "FHIB", "FHDB", "BTHD", "BTIN", "BTLF"].reduce(0) {
            $0 + StructureFixtures.signatures($1, in: bytes).count
        }
        #expect(fetches > 3)
        #expect(fetches <= 8)
        #expect(fetches <= structures + 1)
    }

    @Test func aHugeAttributeIsFoundThroughTheHugeObjectsTree() throws {
        let name = "test_large_attribute.hdf5"
        guard let bytes = StructureFixtures.jhdf(name) else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let heap = try FractalHeap.read(
            view: view, address: try #require(StructureFixtures.signatures("FRHP", in: bytes).first), context: context)
        #expect(heap.hugeObjectCount == 1)
        let trees = try StructureFixtures.signatures("BTHD", in: bytes).map {
            try BTreeV2Header.read(view: view, address: $0, context: context)
        }
        let names = try #require(trees.first { $0.type == .attributeName })
        let record = try AttributeNameRecord(parsing: try #require(names.records(view: view).first))
        // An 8-byte heap ID cannot hold an address and a length: it keys the huge objects tree.
        #expect(record.heapID.array[0] >> 4 & 0x03 == 1)
        let message = try heap.object(id: record.heapID, view: view)
        #expect(UInt64(message.count) == heap.hugeObjectsSize)
        // An attribute message, version 3: its name follows 9 bytes of header.
        var cursor = ByteCursor(bytes: message, baseOffset: 0, structure: "attribute message")
        #expect(try cursor.readUInt8() == 3)
        try cursor.skip(1)
        let nameSize = Int(try cursor.readUInt16())
        try cursor.skip(5)
        #expect(try cursor.readNullTerminatedString(maxLength: nameSize) == "large_attribute")
    }

    @Test func aFilteredHeapDecodesItsHeaderAndReportsItsBlocksUnsupported() throws {
        // A group whose creation property list has deflate: libhdf5 filters its link heap.
        let bytes = try StructureFixtures.generate(
            """
            import ctypes, glob, os
            lib = ctypes.CDLL(glob.glob(os.path.dirname(h5py.__file__) + '/../h5py.libs/libhdf5-*.so*')[0])
            f = h5py.File(path, 'w', libver='latest')
            gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
            assert lib.H5Pset_deflate(ctypes.c_int64(gcpl.id), 6) >= 0
            assert lib.H5Pset_link_phase_change(ctypes.c_int64(gcpl.id), 0, 0) >= 0
            g = h5py.Group(h5py.h5g.create(f.id, b'g', gcpl=gcpl))
            for i in range(20):
                g['link%02d' % i] = h5py.SoftLink('/target%d' % i)
            f.close()
            """)
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let heap = try FractalHeap.read(
            view: view, address: try #require(StructureFixtures.signatures("FRHP", in: bytes).first), context: context)
        #expect(heap.hasFilters)
        #expect(heap.ioFilterInformation?.count == Int(heap.ioFiltersEncodedLength))
        #expect(heap.filteredRootDirectBlockSize != nil && heap.rootDirectBlockFilterMask == 0)
        let tree = try BTreeV2Header.read(
            view: view, address: try #require(StructureFixtures.signatures("BTHD", in: bytes).first), context: context)
        let id = try LinkNameRecord(parsing: try #require(tree.records(view: view).first)).heapID
        #expect {
            try heap.object(id: id, view: view)
        } throws: { error in
            guard case .unsupported(let feature, _, _) = error as? HDF5Error else { return false }
            return feature == "filtered fractal heap blocks"
        }
    }

    // A heap built by hand: width 2, 256-byte blocks (so rows 0 and 1 are direct, row 2
    // indirect), 16-bit heap offsets (2 bytes), and a root indirect block of 3 rows at 256
    // whose first direct block is at 512.

    static let rootAddress: UInt64 = 256
    static let directAddress: UInt64 = 512

    static func header(idLength: UInt16 = 8, checksummedBlocks: Bool = false, rootRows: UInt16 = 3) -> [UInt8] {
        var bytes = Array("FRHP".utf8) + [0] + le(idLength) + le(UInt16(0)) + [checksummedBlocks ? 0x02 : 0]
        bytes += le(UInt32(200))  // maximum managed object size
        bytes += le(UInt64(0)) + le(UInt64.max)  // next huge ID, no huge objects tree
        bytes += le(UInt64(0)) + le(UInt64.max)  // free space, no free space manager
        bytes += [UInt8](repeating: 0, count: 8 * 8)  // statistics
        bytes += le(UInt16(2)) + le(UInt64(256)) + le(UInt64(256)) + le(UInt16(16)) + le(UInt16(1))
        bytes += le(rootRows == 0 ? directAddress : rootAddress) + le(rootRows)
        return checksummed(bytes)
    }

    /// Header at 0, root indirect block at 256 (row 2's first entry is `rowTwoChild`), and a
    /// direct block at 512 holding "hello" at heap offset 32.
    static func heapFile(
        checksummedBlocks: Bool = false, rootRows: UInt16 = 3, rowTwoChild: UInt64 = .max
    ) -> [UInt8] {
        var bytes = header(checksummedBlocks: checksummedBlocks, rootRows: rootRows)
        bytes += [UInt8](repeating: 0, count: Int(rootAddress) - bytes.count)
        var indirect = Array("FHIB".utf8) + [0] + le(UInt64(0)) + le(UInt16(0))
        indirect += le(directAddress) + [UInt8](repeating: 0xff, count: 3 * 8)  // rows 0 and 1
        indirect += le(rowTwoChild) + le(UInt64.max)  // row 2
        bytes += checksummed(indirect)
        bytes += [UInt8](repeating: 0, count: Int(directAddress) - bytes.count)
        var direct = Array("FHDB".utf8) + [0] + le(UInt64(0)) + le(UInt16(0))
        if checksummedBlocks { direct += [0, 0, 0, 0] }
        direct += [UInt8](repeating: 0, count: 32 - direct.count) + Array("hello".utf8)
        direct += [UInt8](repeating: 0, count: 256 - direct.count)
        if checksummedBlocks {
            direct.replaceSubrange(15..<19, with: le(Lookup3.hash(Bytes(direct))))
        }
        return bytes + direct
    }

    /// A managed object's heap ID: type 0, 2-byte offset, 1-byte length (200 needs one byte).
    static func managedID(offset: UInt16, length: UInt8) -> Bytes { Bytes([0] + le(offset) + [length] + [0, 0, 0, 0]) }

    @Test(arguments: [false, true])
    func managedObjectsAreFoundThroughTheRootIndirectBlock(checksummedBlocks: Bool) throws {
        let view = StructureFixtures.view(Self.heapFile(checksummedBlocks: checksummedBlocks))
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        #expect(heap.heapOffsetSize == 2 && heap.heapLengthSize == 1)
        #expect(try heap.object(id: Self.managedID(offset: 32, length: 5), view: view).array == Array("hello".utf8))
        // An object reaching into the block's header or past its end is rejected.
        #expect(throws: HDF5Error.self) { try heap.object(id: Self.managedID(offset: 4, length: 5), view: view) }
        #expect(throws: HDF5Error.self) { try heap.object(id: Self.managedID(offset: 250, length: 10), view: view) }
        // Heap offset 300 is in row 0's second block, never allocated.
        #expect(throws: HDF5Error.self) { try heap.object(id: Self.managedID(offset: 300, length: 5), view: view) }
    }

    @Test func aRootDirectBlockHoldsObjectsDirectly() throws {
        let view = StructureFixtures.view(Self.heapFile(rootRows: 0))
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        #expect(try heap.object(id: Self.managedID(offset: 32, length: 5), view: view).array == Array("hello".utf8))
        #expect(throws: HDF5Error.self) { try heap.object(id: Self.managedID(offset: 4000, length: 5), view: view) }
    }

    @Test func aFlippedByteInAChecksummedDirectBlockIsABadChecksum() throws {
        var bytes = Self.heapFile(checksummedBlocks: true)
        bytes[Int(Self.directAddress) + 100] ^= 0x01
        let view = StructureFixtures.view(bytes)
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        #expect {
            try heap.object(id: Self.managedID(offset: 32, length: 5), view: view)
        } throws: { error in
            guard case .badChecksum(let structure, let offset, _, _) = error as? HDF5Error else { return false }
            return structure == "fractal heap direct block" && offset == Self.directAddress
        }
    }

    @Test func flippedBytesInTheHeaderAndIndirectBlockAreBadChecksums() throws {
        var header = Self.heapFile()
        header[20] ^= 0x01
        #expect(throws: HDF5Error.self) {
            try FractalHeap.read(view: StructureFixtures.view(header), address: 0, context: Self.context)
        }
        var indirect = Self.heapFile()
        indirect[Int(Self.rootAddress) + 20] ^= 0x01
        let view = StructureFixtures.view(indirect)
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        #expect {
            try heap.object(id: Self.managedID(offset: 32, length: 5), view: view)
        } throws: { error in
            if case .badChecksum = error as? HDF5Error { return true }
            return false
        }
    }

    @Test func anIndirectBlockNamingItselfIsACycleNotAHang() throws {
        let view = StructureFixtures.view(Self.heapFile(rowTwoChild: Self.rootAddress))
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        // Row 2 starts at heap offset 2 × 256 × 2 = 1024.
        #expect(throws: HDF5Error.cycle(structure: "fractal heap indirect block", offset: Self.rootAddress)) {
            try heap.object(id: Self.managedID(offset: 1030, length: 5), view: view)
        }
    }

    @Test func tinyObjectsLiveInTheirIDs() throws {
        let short = try FractalHeap.read(view: StructureFixtures.view(Self.header()), address: 0, context: Self.context)
        let tinyShort = Bytes([0x20 | 2, 7, 8, 9, 0, 0, 0, 0])
        #expect(try short.object(id: tinyShort, view: StructureFixtures.view([])).array == [7, 8, 9])
        // IDs of more than 18 bytes spend a second byte on the length.
        let extendedHeader = Self.header(idLength: 24)
        let extended = try FractalHeap.read(
            view: StructureFixtures.view(extendedHeader), address: 0, context: Self.context)
        let payload = [UInt8](1...20)
        let tinyExtended = Bytes([0x20, 19] + payload + [0, 0])
        #expect(try extended.object(id: tinyExtended, view: StructureFixtures.view([])).array == payload)
        // A length running past the ID is an error, not a read past it.
        #expect(throws: HDF5Error.self) {
            try short.object(id: Bytes([0x20 | 15, 1, 2]), view: StructureFixtures.view([]))
        }
    }

    @Test func hugeObjectIDsCanHoldTheObjectsAddress() throws {
        var bytes = Self.header(idLength: 17)
        let objectAddress = UInt64(bytes.count)
        bytes += Array("a huge object".utf8)
        let view = StructureFixtures.view(bytes)
        let heap = try FractalHeap.read(view: view, address: 0, context: Self.context)
        let id = Bytes([0x10] + Self.le(objectAddress) + Self.le(UInt64(13)))
        #expect(try heap.object(id: id, view: view).array == Array("a huge object".utf8))
        // With 8-byte IDs the ID is a key of a huge objects tree, which this heap lacks.
        let keyed = try FractalHeap.read(view: StructureFixtures.view(Self.header()), address: 0, context: Self.context)
        #expect(throws: HDF5Error.self) { try keyed.object(id: Bytes([0x10, 1, 0, 0, 0, 0, 0, 0]), view: view) }
    }

    @Test func unknownIDVersionsAndTypesAreRejected() throws {
        let heap = try FractalHeap.read(view: StructureFixtures.view(Self.header()), address: 0, context: Self.context)
        #expect(throws: HDF5Error.self) {
            try heap.object(id: Bytes([0x40, 0, 0, 0]), view: StructureFixtures.view([]))
        }
        #expect(throws: HDF5Error.self) {
            try heap.object(id: Bytes([0x30, 0, 0, 0]), view: StructureFixtures.view([]))
        }
    }

    @Test func absurdDoublingTablesAreRejected() throws {
        // Table width 3 is not a power of two: patch it and re-checksum.
        var bytes = Array(Self.header().dropLast(4))
        let widthOffset = 14 + 10 * 8 + 2 * 8
        bytes.replaceSubrange(widthOffset..<widthOffset + 2, with: Self.le(UInt16(3)))
        #expect(throws: HDF5Error.self) {
            try FractalHeap.read(
                view: StructureFixtures.view(Self.checksummed(bytes)), address: 0, context: Self.context)
        }
    }
}
