import ByteKit
import ByteSources
import Foundation
import HDF5Format
import Testing

@testable import HDF5

/// A group's dense links and an object's dense attributes live in a fractal heap of many direct
/// blocks: the blocks their objects need are fetched together, a round per level of the heap
/// and of its name index, not one round per block.
@Suite struct DenseStorageRoundsTests {
    /// 2,000 links with 60-character names and 400 attributes: heaps of about 150 KB and 40 KB,
    /// in direct blocks of 512 bytes doubling up to 64 KiB under an indirect root.
    static let script = """
        import sys, h5py
        with h5py.File(sys.argv[1], 'w', libver='latest') as f:
            g = f.create_group('g')
            for i in range(2000):
                g.create_group('link %05d ' % i + 'x' * 49)
            for i in range(400):
                g.attrs['attribute %04d ' % i + 'y' * 40] = i
        """

    @Test func denseLinksAndAttributesCostAFewRounds() async throws {
        let bytes = try generatedFile(by: Self.script)
        let source = CountingSource(bytes: bytes)
        let file = try await HDF5File(source: source, readAhead: 512, readBehind: 0)
        let before = source.batches
        let group = try await file.resolve("/g").object
        let links = try await file.links(at: group.address)
        #expect(links.count == 2000)
        #expect(links.map(\.name).sorted().first == "link 00000 " + String(repeating: "x", count: 49))
        #expect(group.attributes.count == 400)
        #expect(group.attributes.contains { $0.name == "attribute 0399 " + String(repeating: "y", count: 40) })
        // The root's header and compact links, then the group's header, then its heaps' headers
        // and name indexes, their levels, and the heaps' indirect and direct blocks: 6 here,
        // where asking for one block at a time took 34.
        #expect(source.batches - before <= 8, "\(source.batches - before) rounds")
        // The same links and attributes as from the whole file at once.
        let mapped = try await HDF5File(source: MemorySource(name: "whole", bytes: bytes))
        let whole = try await mapped.resolve("/g").object
        #expect(try await mapped.links(at: whole.address).map(\.name) == links.map(\.name))
        #expect(whole.attributes.map(\.name) == group.attributes.map(\.name))
        #expect(whole.attributes.map(\.values) == group.attributes.map(\.values))
    }
}
