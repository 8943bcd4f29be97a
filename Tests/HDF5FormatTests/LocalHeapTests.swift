import ByteKit
import Testing

@testable import HDF5Format

@Suite struct LocalHeapTests {
    static let context = FormatContext(offsetSize: 8, lengthSize: 8, baseAddress: 0)

    /// A heap header at 0 whose data segment (at 32) holds `segment`.
    static func heap(_ segment: [UInt8], freeList: UInt64 = .max) -> [UInt8] {
        var bytes = Array("HEAP".utf8) + [0, 0, 0, 0]
        bytes += withUnsafeBytes(of: UInt64(segment.count).littleEndian) { Array($0) }
        bytes += withUnsafeBytes(of: freeList.littleEndian) { Array($0) }
        bytes += withUnsafeBytes(of: UInt64(32).littleEndian) { Array($0) }
        return bytes + segment
    }

    @Test func stringsAreReadUpToTheirNul() throws {
        let bytes = Self.heap(Array("\0\0\0\0\0\0\0\0alpha\0beta\0\0\0".utf8))
        let view = StructureFixtures.view(bytes)
        let heap = try LocalHeap.read(view: view, address: 0, context: Self.context)
        #expect(heap.dataSegmentSize == 21)
        #expect(heap.dataSegmentAddress == 32)
        #expect(heap.freeListHeadOffset == nil)
        #expect(try heap.string(at: 0, view: view) == "")
        #expect(try heap.string(at: 8, view: view) == "alpha")
        #expect(try heap.string(at: 14, view: view) == "beta")
    }

    @Test func aStringRunningOffTheDataSegmentIsAnError() throws {
        // The segment ends without a NUL; more bytes follow in the file, but they are not the heap's.
        let bytes = Self.heap(Array("name".utf8), freeList: 2) + [0, 0]
        let view = StructureFixtures.view(bytes)
        let heap = try LocalHeap.read(view: view, address: 0, context: Self.context)
        #expect(heap.freeListHeadOffset == 2)
        #expect(throws: HDF5Error.self) { try heap.string(at: 0, view: view) }
        #expect(throws: HDF5Error.self) { try heap.string(at: 4, view: view) }
    }

    @Test func aBadVersionIsRejected() throws {
        var bytes = Self.heap([0])
        bytes[4] = 1
        #expect(throws: HDF5Error.unknownVersion(structure: "local heap", offset: 0, version: 1)) {
            try LocalHeap.read(view: StructureFixtures.view(bytes), address: 0, context: Self.context)
        }
    }

    @Test func theRootGroupHeapOfARealFileNamesItsMember() throws {
        guard let bytes = StructureFixtures.jhdf("test_medium_group_earliest.hdf5") else { return }
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        guard case .symbolTable(let bTree, let heapAddress) = try StructureFixtures.rootEntry(bytes).scratchPad else {
            Issue.record("the root entry caches no symbol table")
            return
        }
        let heap = try LocalHeap.read(view: view, address: heapAddress, context: context)
        let entries = try BTreeV1.groupEntries(view: view, address: bTree, context: context)
        #expect(try entries.map { try heap.string(at: $0.linkNameOffset, view: view) } == ["large_group"])
    }
}
