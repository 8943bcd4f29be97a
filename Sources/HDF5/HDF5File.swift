import ByteKit
import ByteSources
import HDF5Format

/// An open HDF5 file: its superblock, and the objects reachable from its root group.
///
/// Every read goes through a `MetadataStore`, which fetches the bytes the decoders ask for.
/// Decoded objects are kept, so walking a tree twice decodes each object header once.
public final class HDF5File: Sendable {
    /// Where the bytes come from.
    public let source: any ByteSource
    /// The decoded superblock.
    public let superblock: Superblock
    /// The shared object header message table named by the superblock extension, if any.
    public let sharedMessageTable: SharedMessageTable?
    let store: MetadataStore
    let objects: ObjectCache

    /// The metadata work this open file may still cost (see `WorkBudget`).
    public let budget: WorkBudget

    /// Opens an HDF5 file from a byte source: reads and checks its superblock. `readAhead` and
    /// `readBehind` are the least a fetch reads after and before the bytes a decoder asked for.
    /// `prefetched` metadata (an index sidecar's) is decoded from without reading the source; see
    /// `MetadataStore`.
    /// `budget` bounds the metadata work of the file's whole life.
    public init(
        source: any ByteSource, readAhead: UInt64 = 64 * 1024, readBehind: UInt64 = 32 * 1024,
        prefetched: [MetadataSegment]? = nil, budget: WorkBudget = WorkBudget()
    ) async throws {
        self.source = source
        self.budget = budget
        store = MetadataStore(
            source: source, readAhead: readAhead, readBehind: readBehind, prefetched: prefetched, budget: budget)
        let superblock = try await store.decode { view in try Superblock.find(in: view) }
        self.superblock = superblock
        sharedMessageTable = try await store.decode { view in try Self.sharedMessageTable(view: view, superblock: superblock) }
        objects = ObjectCache()
    }

    /// Opens a local file, memory-mapped.
    public convenience init(path: String) async throws {
        try await self.init(source: try MappedFileSource(path: path))
    }

    /// The shared-message table named by the superblock extension's shared message table
    /// message (HDF5 File Format Specification 4.0, II.B and IV.A.2.p), if there is one.
    static func sharedMessageTable(view: FileView, superblock: Superblock) throws -> SharedMessageTable? {
        guard let extensionAddress = superblock.extensionAddress else { return nil }
        let context = superblock.context
        let header = try ObjectHeader.read(view: view, address: extensionAddress, context: context)
        guard let message = header.firstMessage(of: .sharedMessageTable) else { return nil }
        var cursor = message.cursor("shared message table message")
        let location = try SharedMessageTableMessage(parsing: &cursor, context: context)
        guard let tableAddress = location.tableAddress else { return nil }
        return try SharedMessageTable.read(
            view: view, address: tableAddress, indexCount: location.indexCount, context: context)
    }

    /// The file-wide decoding parameters.
    public var context: FormatContext { superblock.context }

    /// The object whose header is at `address`, decoded once and kept.
    public func object(at address: UInt64) async throws -> HDF5Object {
        try await objects(at: [address])[0]
    }

    /// The objects at `addresses`, decoding those not yet decoded together, so that their
    /// missing bytes are fetched in one batch per round.
    public func objects(at addresses: [UInt64]) async throws -> [HDF5Object] {
        try await objects(at: addresses, prefetching: [])
    }

    /// The objects at `addresses`; while a group among them waits for bytes, what is missing first
    /// on the way from it along each of `paths` (names below it) is fetched in the same rounds
    /// (`missingOnTheWay`).
    private func objects(at addresses: [UInt64], prefetching paths: [[String]]) async throws -> [HDF5Object] {
        let missing = await objects.missing(addresses)
        if !missing.isEmpty {
            let context = self.context
            let table = sharedMessageTable
            let superblock = self.superblock
            let decoded = try await store.decodeAll(
                missing.map { address in
                    { @Sendable view in
                        do {
                            return try HDF5Object(
                                resolver: MessageResolver(view: view, context: context, sharedMessageTable: table),
                                address: address)
                        } catch let needed as BytesNeeded {
                            let guesses = paths.flatMap { path in
                                Self.missingOnTheWay(
                                    along: path[...], from: address, superblock: superblock, view: view, context: context)
                            }
                            let strings = Self.missingForAvailableAttributes(at: address, view: view, context: context, table: table)
                            throw BytesNeeded(ranges: needed.ranges + guesses + strings)
                        }
                    }
                })
            await objects.insert(decoded)
        }
        return try await objects.lookup(addresses)
    }

    /// While continuation blocks of the header at `address` are on their way, what the attributes
    /// in its blocks already there lack (the global heap collections of their strings, a dense
    /// attribute heap), so that they come in the same round as the blocks rather than after.
    private static func missingForAvailableAttributes(
        at address: UInt64, view: FileView, context: FormatContext, table: SharedMessageTable?
    ) -> [ByteRange] {
        guard let (header, blocks) = try? ObjectHeader.readAvailable(view: view, address: address, context: context),
            !blocks.isEmpty
        else { return [] }
        do {
            _ = try ObjectAttributes.read(
                header: header, resolver: MessageResolver(view: view, context: context, sharedMessageTable: table))
        } catch let needed as BytesNeeded {
            return needed.ranges
        } catch {
            // A malformed attribute is for the decode itself to report.
        }
        return []
    }

    /// The links of the object at `address` (none for a dataset), decoding only its header and
    /// links when it is not decoded yet: resolving a path needs nothing else of the groups on the
    /// way, whose attributes may cost more fetches (their strings' global heap collections).
    ///
    /// With `path` (the names still to follow below this group), what is missing first on that
    /// path is fetched along with what this group's header still lacks, when the bytes already
    /// there lead to it (`missingOnTheWay`): the path's next steps then cost no round of their
    /// own. The links returned are always the whole header's.
    func links(at address: UInt64, prefetching path: ArraySlice<String> = []) async throws -> [LinkMessage] {
        if let links = await objects.links(at: address) { return links }
        let context = self.context
        let superblock = self.superblock
        let links = try await store.decode { view in
            do {
                return try GroupLinks.read(
                    header: try ObjectHeader.read(view: view, address: address, context: context), view: view, context: context)
            } catch let needed as BytesNeeded {
                let guess = Self.missingOnTheWay(along: path, from: address, superblock: superblock, view: view, context: context)
                throw BytesNeeded(ranges: needed.ranges + guess)
            }
        }
        await objects.insert(links, at: address)
        return links
    }

    /// Following `path` from the group at `group` through the links the fetched bytes already
    /// give (`GroupLinks.readAvailable`; the root's also from the superblock's cached table), what
    /// is missing first on the way: a member's header, or the B-tree nodes and heaps that a
    /// group's links need. Empty when the way ends before.
    private static func missingOnTheWay(
        along path: ArraySlice<String>, from group: UInt64, superblock: Superblock, view: FileView, context: FormatContext
    ) -> [ByteRange] {
        var current = group
        for name in path {
            let links: [LinkMessage]?
            do {
                links = try GroupLinks.readAvailable(
                    view: view, address: current, context: context, cachedTable: superblock.cachedSymbolTable(of: current))
            } catch let needed as BytesNeeded {
                return needed.ranges
            } catch {
                return []
            }
            guard let link = links?.first(where: { $0.name == name }), case .hard(let address) = link.target,
                address < view.fileSize
            else { return [] }
            let range = ByteRange(offset: address, length: min(16, view.fileSize - address))
            do {
                _ = try view.bytes(at: range.offset, length: range.length, structure: "object header")
            } catch is BytesNeeded {
                return [range]
            } catch {
                return []
            }
            current = address
        }
        return []
    }

    /// The root group. With `paths` (absolute, the ones the caller reads next), the fetches the
    /// root's decode needs also bring what is missing first on the way to each, when the bytes
    /// already there lead to it: resolving them afterwards then costs fewer rounds.
    public func root(prefetching paths: [String] = []) async throws -> HDF5Object {
        let names = paths.map(Self.names(of:)).filter { !$0.isEmpty }
        return try await objects(at: [superblock.rootObjectHeaderAddress], prefetching: names)[0]
    }
}

/// Objects decoded so far, by address.
actor ObjectCache {
    private var byAddress: [UInt64: HDF5Object] = [:]
    private(set) var pathIndex: [UInt64: String]?
    /// Chunk maps of the chunked datasets read so far, by object header address: a dataset's
    /// chunk index is decoded once per open file, not once per read.
    private var chunkMaps: [UInt64: ChunkMap] = [:]
    /// Links of groups decoded for a path's resolution alone (`HDF5File.links(at:)`).
    private var linksByAddress: [UInt64: [LinkMessage]] = [:]

    func setPathIndex(_ index: [UInt64: String]) { pathIndex = index }

    func chunkMap(at address: UInt64) -> ChunkMap? { chunkMaps[address] }

    func insert(_ map: ChunkMap, at address: UInt64) { chunkMaps[address] = map }

    func missing(_ addresses: [UInt64]) -> [UInt64] {
        var seen = Set<UInt64>()
        return addresses.filter { byAddress[$0] == nil && seen.insert($0).inserted }
    }

    /// The links of the object at `address`, when it or its links alone were decoded.
    func links(at address: UInt64) -> [LinkMessage]? { byAddress[address]?.links ?? linksByAddress[address] }

    func insert(_ links: [LinkMessage], at address: UInt64) { linksByAddress[address] = links }

    func insert(_ objects: [HDF5Object]) {
        for object in objects { byAddress[object.address] = object }
    }

    func lookup(_ addresses: [UInt64]) throws -> [HDF5Object] {
        try addresses.map { address in
            guard let object = byAddress[address] else {
                throw HDF5Error.invalid(structure: "object cache", offset: address, reason: "object not decoded")
            }
            return object
        }
    }
}
