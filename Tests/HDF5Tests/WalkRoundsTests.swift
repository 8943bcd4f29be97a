import ByteKit
import ByteSources
import HDF5Format
import Testing

@testable import HDF5

/// A walk's levels overlap: once a group's links are known, its members are fetched in the same
/// round as what the group itself still needs (here its dense attributes), so the rounds follow
/// the chain of addresses, not levels times structures.
@Suite struct WalkRoundsTests {
    /// A libver-earliest file whose root header grows a continuation block: attributes added
    /// after its members.
    static let earliestScript = """
        import sys, h5py
        with h5py.File(sys.argv[1], 'w') as f:
            for i in range(6):
                f.create_group('member %d' % i).attrs['note'] = 'member %d' % i
            f.create_group('member 4/inner')
            for a in range(12):
                f.attrs['note %02d' % a] = 'a root attribute, %d' % a
        """

    /// New-style groups five levels deep, each with three siblings. A group's links are in its
    /// header; its 20 string attributes are dense, in a fractal heap indexed by a v2 B-tree.
    static let script = """
        import sys, h5py
        with h5py.File(sys.argv[1], 'w', libver='latest') as f:
            g = f
            for depth in range(5):
                for a in range(20):
                    g.attrs['note %02d' % a] = 'attribute %d of level %d' % (a, depth)
                for i in range(3):
                    g.create_group('sibling %d' % i).attrs['note'] = 'sibling %d of level %d' % (i, depth)
                g = g.create_group('next')
        """

    @Test func membersAreFetchedWhileTheirGroupsAttributesAre() async throws {
        let bytes = try generatedFile(by: Self.script)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 64, readBehind: 0)
        let before = source.batches
        let entries = try await file.walk(from: "/", recursive: true)
        let rounds = source.batches - before
        // 13 here; decoding each level only once the one above had finished took 35.
        #expect(rounds <= 16, "\(rounds) rounds")

        let mapped = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let whole = try await mapped.walk(from: "/", recursive: true)
        #expect(entries.map(\.path) == whole.map(\.path))
        #expect(entries.count == 1 + 5 * 4)
        let notes = { (listing: [ListingEntry]) in
            listing.map { entry -> [String] in
                guard case .object(let object) = entry.target else { return [] }
                return object.attributes.flatMap { $0.values.map { "\($0)" } }
            }
        }
        #expect(notes(entries) == notes(whole))
        #expect(notes(entries).joined().contains { $0.contains("attribute 19 of level 4") })
    }
}

/// The guesses a walk makes before a group's header is whole: the superblock's cached root
/// symbol table, and a header read as far as its fetched blocks go.
@Suite struct PartialHeaderTests {
    @Test func theSuperblockCachesTheRootsSymbolTable() async throws {
        let bytes = try generatedFile(by: WalkRoundsTests.earliestScript)
        let file = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let view = FileView(wholeFile: Bytes(bytes))
        let root = try ObjectHeader.read(view: view, address: file.superblock.rootObjectHeaderAddress, context: file.context)
        var cursor = try #require(root.firstMessage(of: .symbolTable)).cursor("symbol table message")
        #expect(file.superblock.rootCachedSymbolTable == (try SymbolTableMessage(parsing: &cursor, context: file.context)))
        let guessed = try #require(
            try GroupLinks.readAvailable(
                view: view, address: root.address, context: file.context, cachedTable: file.superblock.rootCachedSymbolTable))
        #expect(guessed.map(\.name) == (try await file.links(at: root.address)).map(\.name))
    }

    @Test func aHeaderIsReadAsFarAsItsFetchedBlocksGo() async throws {
        let bytes = try generatedFile(by: WalkRoundsTests.earliestScript)
        let file = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let address = file.superblock.rootObjectHeaderAddress
        let whole = FileView(wholeFile: Bytes(bytes))
        let header = try ObjectHeader.read(view: whole, address: address, context: file.context)
        // The root's first block (version 1: a 16-byte prefix, then 8-byte message headers)
        // ends in a continuation message; its block lies past the first block.
        var cursor = try whole.cursor(at: address, length: 16, structure: "test")
        try cursor.skip(8)
        let firstBlockSize = UInt64(try cursor.readUInt32())
        var messages = try whole.cursor(at: address + 16, length: firstBlockSize, structure: "test")
        var continuation: (offset: UInt64, length: UInt64)?
        while messages.remaining >= 8 {
            let type = try messages.readUInt16()
            let size = Int(try messages.readUInt16())
            try messages.skip(4)
            var body = try messages.readCursor(size)
            if type == 0x10 { continuation = (try body.readUInt64(), try body.readUInt64()) }
        }
        let block = try #require(continuation, "the fixture's root header has a continuation block")
        // The same bytes without that block.
        var partial = FileView(fileSize: UInt64(bytes.count))
        partial.insert(Bytes(Array(bytes[..<Int(block.offset)])), at: 0)
        partial.insert(Bytes(Array(bytes[Int(block.offset + block.length)...])), at: block.offset + block.length)
        #expect(throws: BytesNeeded.self) { try ObjectHeader.read(view: partial, address: address, context: file.context) }
        let (available, missing) = try ObjectHeader.readAvailable(view: partial, address: address, context: file.context)
        #expect(available.messages.count < header.messages.count)
        #expect(available.messages.allSatisfy { message in header.messages.contains { $0.bodyOffset == message.bodyOffset } })
        #expect(missing == [ByteRange(offset: block.offset, length: block.length)])
        // The walk's guess at the root's members then comes from the superblock's cached table.
        let guessed = try GroupLinks.readAvailable(
            view: partial, address: address, context: file.context, cachedTable: file.superblock.rootCachedSymbolTable)
        let members = try await file.links(at: address).map(\.name)
        #expect(guessed?.map(\.name) == members)
        #expect(members.count == 6)
    }

    @Test func resolvingAPathFetchesItsNextStepsWithTheRootsContinuation() async throws {
        // The root's symbol table message is in its continuation block; the superblock's cached
        // table and the members' own headers lead the way meanwhile.
        let bytes = try generatedFile(by: WalkRoundsTests.earliestScript)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 64, readBehind: 0)
        let before = source.batches
        let (object, path) = try await file.resolve("/member 4/inner")
        let rounds = source.batches - before
        #expect(path == "/member 4/inner")
        #expect(object.kind == .group)
        // 11 here, with a read-ahead of 64 bytes; following the path only once each header was
        // whole took 13.
        #expect(rounds <= 11, "\(rounds) rounds")
    }

    @Test func theRootsWholeDecodeFetchesTheWayToThePathsReadNext() async throws {
        // As an NWB file is opened: the root decoded whole, then a path resolved.
        let bytes = try generatedFile(by: WalkRoundsTests.earliestScript)
        let rounds = { (paths: [String]) async throws -> Int in
            let source = CountingSource(bytes: bytes)
            let file = try await HDF5File(source: source, readAhead: 64, readBehind: 0)
            let before = source.batches
            let root = try await file.root(prefetching: paths)
            #expect(root.attributes.count == 12)
            let (object, path) = try await file.resolve("/member 4/inner")
            #expect(path == "/member 4/inner" && object.kind == .group)
            return source.batches - before
        }
        let alone = try await rounds([])
        let prefetching = try await rounds(["/member 4/inner", "/absent/path"])
        // 11 and 13 here, with a read-ahead of 64 bytes.
        #expect(prefetching < alone, "\(prefetching) rounds prefetching, \(alone) without")
    }

    /// A root whose first block holds string attributes (their strings in a global heap
    /// collection) and whose later attributes spill into a continuation block.
    static let stringsFirstScript = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], 'w', libver='latest') as f:
            f.attrs['neurodata_type'] = 'NWBFile'
            f.attrs['nwb_version'] = '2.9.0'
            f.create_group('member')
            for a in range(5):
                f.attrs['later %d' % a] = np.arange(64.0) + a
        """

    @Test func theStringsOfAHeadersFirstBlockComeWithItsContinuation() async throws {
        let bytes = try generatedFile(by: Self.stringsFirstScript)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 0, readBehind: 0)
        let before = source.batches
        let root = try await file.root()
        let rounds = source.batches - before
        #expect(root.attributes.first { $0.name == "nwb_version" }?.values == [.string("2.9.0")])
        #expect(root.attributes.count == 7)
        // 3 here, without read-ahead; waiting for the continuation block before decoding any
        // string took 5.
        #expect(rounds <= 3, "\(rounds) rounds")
    }
}
