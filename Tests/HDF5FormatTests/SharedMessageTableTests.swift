import ByteKit
import Testing

@testable import HDF5Format

@Suite struct SharedMessageTableTests {
    /// A file with two shared message indexes, made with libhdf5 (h5py does not expose the
    /// property, so the script calls the bundled library): datatypes and dataspaces in a list
    /// (four messages), attributes in a version 2 B-tree (six attributes with distinct values).
    static func sharedMessagesFile() throws -> [UInt8] {
        try StructureFixtures.generate(
            """
            import ctypes, glob, os
            lib = ctypes.CDLL(glob.glob(os.path.dirname(h5py.__file__) + '/../h5py.libs/libhdf5-*.so*')[0])
            fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
            plist = ctypes.c_int64(fcpl.id)
            assert lib.H5Pset_shared_mesg_nindexes(plist, 2) >= 0
            assert lib.H5Pset_shared_mesg_index(plist, 0, (1 << 1) | (1 << 3), 1) >= 0
            assert lib.H5Pset_shared_mesg_index(plist, 1, 1 << 12, 1) >= 0
            assert lib.H5Pset_shared_mesg_phase_change(plist, 4, 2) >= 0
            f = h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl))
            for i in range(6):
                d = f.create_dataset('d%d' % i, data=np.arange(10, dtype='<i4'))
                d.attrs['units'] = np.int64(100 + i)
            f.close()
            """)
    }

    /// The H5Tencode bytes of a NumPy type, less their two-byte header: a datatype message.
    static func datatypeMessage(_ dtype: String) throws -> [UInt8] {
        let encoded: [UInt8] = try StructureFixtures.python(
            """
            import h5py, numpy as np, json
            print(json.dumps(list(h5py.h5t.py_create(np.dtype(\(StructureFixtures.quoted(dtype)))).encode())))
            """)
        return Array(encoded.dropFirst(2))
    }

    @Test func theTableListsItsIndexesAndTheirMessagesResolve() throws {
        let bytes = try Self.sharedMessagesFile()
        let view = StructureFixtures.view(bytes)
        let context = StructureFixtures.context(bytes)
        let address = try #require(StructureFixtures.signatures("SMTB", in: bytes).first)
        let table = try SharedMessageTable.read(view: view, address: address, indexCount: 2, context: context)
        #expect(table.indexes.map(\.type) == [.list, .bTree])
        #expect(table.indexes.map(\.messageTypeFlags) == [0x000a, 0x1000])
        #expect(table.indexes.map(\.messageCount) == [4, 6])
        #expect(table.indexes[0].holds(messageType: 1) && table.indexes[0].holds(messageType: 3))
        #expect(!table.indexes[0].holds(messageType: 12) && table.indexes[1].holds(messageType: 12))
        #expect(!table.indexes[0].holds(messageType: 4) && !table.indexes[0].holds(messageType: 0xffff))

        // The list: datatypes and dataspaces, every one in the heap.
        let listed = try table.indexes[0].records(view: view, context: context)
        #expect(listed.count == 4)
        var messages: [[UInt8]] = []
        for record in listed {
            guard case .heap(let references, let heapID) = record.location else {
                Issue.record("a listed message is not in the heap")
                continue
            }
            #expect(references >= 1)
            messages.append(try table.message(type: 3, heapID: heapID, view: view).array)
        }
        #expect(messages.contains(try Self.datatypeMessage("<i4")))
        #expect(messages.contains(try Self.datatypeMessage("<i8")))

        // The B-tree: six attribute messages, whose last 8 bytes are the attribute values.
        let attributes = try table.indexes[1].records(view: view, context: context)
        var values: Set<UInt64> = []
        for record in attributes {
            guard case .heap(_, let heapID) = record.location else { continue }
            let message = try table.message(type: 12, heapID: heapID, view: view)
            #expect(message.array[0] == 3)
            values.insert(try #require(message.littleEndianInteger(at: message.count - 8, width: 8)))
        }
        #expect(values == Set(100...105))
    }

    @Test func aMessageTypeNoIndexHoldsIsAnError() throws {
        let bytes = try Self.sharedMessagesFile()
        let view = StructureFixtures.view(bytes)
        let address = try #require(StructureFixtures.signatures("SMTB", in: bytes).first)
        let table = try SharedMessageTable.read(
            view: view, address: address, indexCount: 2, context: StructureFixtures.context(bytes))
        #expect(throws: HDF5Error.self) {
            try table.message(type: 11, heapID: Bytes([0, 0, 0, 0, 0, 0, 0, 0]), view: view)
        }
    }

    @Test func flippedBytesInTheTableAndListAreBadChecksums() throws {
        let bytes = try Self.sharedMessagesFile()
        let context = StructureFixtures.context(bytes)
        let table = try #require(StructureFixtures.signatures("SMTB", in: bytes).first)
        let list = try #require(StructureFixtures.signatures("SMLI", in: bytes).first)
        func isBadChecksum(_ error: any Error) -> Bool {
            if case .badChecksum = error as? HDF5Error { return true }
            return false
        }
        var corruptTable = bytes
        corruptTable[Int(table) + 6] ^= 0x01
        #expect {
            try SharedMessageTable.read(
                view: StructureFixtures.view(corruptTable), address: table, indexCount: 2, context: context)
        } throws: { isBadChecksum($0) }
        var corruptList = bytes
        corruptList[Int(list) + 10] ^= 0x01
        let view = StructureFixtures.view(corruptList)
        let decoded = try SharedMessageTable.read(view: view, address: table, indexCount: 2, context: context)
        #expect { try decoded.indexes[0].records(view: view, context: context) } throws: { isBadChecksum($0) }
    }
}
