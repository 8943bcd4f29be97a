import ByteSources
import Testing

@testable import HDF5

/// A walk's levels overlap: once a group's links are known, its members are fetched in the same
/// round as what the group itself still needs (here its dense attributes), so the rounds follow
/// the chain of addresses, not levels times structures.
@Suite struct WalkRoundsTests {
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
