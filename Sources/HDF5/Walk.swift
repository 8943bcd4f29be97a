import ByteKit
import HDF5Format

/// One line of a listing: an object, or a soft or external link, at a path.
public struct ListingEntry: Sendable {
    /// What a path leads to.
    public enum Target: Sendable {
        case object(HDF5Object)
        case softLink(target: String)
        case externalLink(file: String, target: String)
    }

    /// Absolute path; the root is `/`.
    public let path: String
    public let target: Target
}

extension HDF5File {
    /// The object at `path` and its members; with `recursive`, everything below it.
    ///
    /// Objects are decoded breadth-first, one batch per level of the tree, then listed
    /// depth-first with members in byte order of their names. A hard-linked object reached by
    /// more than one path is listed once, at the first path met, as libhdf5's `H5Ovisit` does.
    public func walk(from path: String = "/", recursive: Bool) async throws -> [ListingEntry] {
        let start = try await resolveAddress(path, softLinksFollowed: 0)
        try await decodeBreadthFirst(from: start.address, maximumDepth: recursive ? Int.max : 1)
        return try await listDepthFirst(from: try await object(at: start.address), path: start.path, recursive: recursive)
    }

    /// Decodes every object reachable from the one at `address` within `maximumDepth` levels,
    /// one batch of reads per round. Levels overlap: once a group's links are decoded, its
    /// members are decoded in the same rounds as what the group itself still needs (its
    /// attributes' strings, say), so the rounds follow the file's chain of addresses.
    ///
    /// Members guessed from a partial header (`GroupLinks.readAvailable`) are decoded too; any
    /// that the whole header does not list are decoded for nothing, never listed.
    func decodeBreadthFirst(from address: UInt64, maximumDepth: Int) async throws {
        struct Pending {
            let address: UInt64
            let depth: Int
            var rounds = 0
        }
        var seen: Set<UInt64> = [address]
        var pending = [Pending(address: address, depth: 0)]
        let (context, table) = (self.context, sharedMessageTable)
        while !pending.isEmpty {
            let view = await store.currentView
            let resolver = MessageResolver(view: view, context: context, sharedMessageTable: table)
            var decoded: [HDF5Object] = []
            var waiting: [Pending] = []
            var missing: [ByteRange] = []
            var members: [Pending] = []
            func queueMembers(of entry: Pending, links: [LinkMessage]) {
                guard entry.depth < maximumDepth else { return }
                for link in links {
                    guard case .hard(let member) = link.target, seen.insert(member).inserted else { continue }
                    members.append(Pending(address: member, depth: entry.depth + 1))
                }
            }
            let undecoded = Set(await objects.missing(pending.map(\.address)))
            for entry in pending {
                if !undecoded.contains(entry.address) {
                    queueMembers(of: entry, links: try await object(at: entry.address).links)
                    continue
                }
                do {
                    let object = try HDF5Object(resolver: resolver, address: entry.address)
                    decoded.append(object)
                    queueMembers(of: entry, links: object.links)
                } catch let needed as BytesNeeded {
                    missing += needed.ranges
                    // The links the fetched bytes already give (even before the header's
                    // continuation blocks): those members' reads then join this round. A guess
                    // only; the listing follows the links of the whole header.
                    do {
                        if let links = try GroupLinks.readAvailable(
                            view: view, address: entry.address, context: context,
                            cachedTable: superblock.cachedSymbolTable(of: entry.address))
                        {
                            queueMembers(of: entry, links: links)
                        }
                    } catch let more as BytesNeeded {
                        // What the guess needs joins this round too.
                        missing += more.ranges
                    }
                    waiting.append(entry)
                }
            }
            await objects.insert(decoded)
            // New members are first tried on the bytes there: their reads join this round's.
            if members.isEmpty, let first = waiting.first {
                guard !missing.isEmpty else {
                    throw HDF5Error.invalid(structure: "object header", offset: first.address, reason: "its decoder asked for no bytes")
                }
                for index in waiting.indices {
                    waiting[index].rounds += 1
                    guard waiting[index].rounds <= MetadataStore.maximumRounds else {
                        throw HDF5Error.limitExceeded(
                            structure: "object header", offset: waiting[index].address,
                            limit: "more than \(MetadataStore.maximumRounds) fetch rounds for one object")
                    }
                }
                try await store.fetch(missing)
            }
            pending = waiting + members
        }
    }

    private func listDepthFirst(from start: HDF5Object, path: String, recursive: Bool) async throws -> [ListingEntry] {
        var entries: [ListingEntry] = [ListingEntry(path: path, target: .object(start))]
        var visited: Set<UInt64> = [start.address]
        // An explicit stack: a file's nesting depth must not become this process's stack depth.
        var stack: [(object: HDF5Object, path: String, nextLink: Int)] = [(start, path, 0)]
        while let top = stack.last {
            let links = top.object.links
            guard top.nextLink < links.count else {
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].nextLink += 1
            let link = links[top.nextLink]
            let childPath = top.path == "/" ? "/" + link.name : top.path + "/" + link.name
            switch link.target {
            case .hard(let address):
                guard visited.insert(address).inserted else { continue }
                let child = try await object(at: address)
                entries.append(ListingEntry(path: childPath, target: .object(child)))
                if recursive, child.kind == .group { stack.append((child, childPath, 0)) }
            case .soft(let target):
                entries.append(ListingEntry(path: childPath, target: .softLink(target: target)))
            case .external(let file, let target):
                entries.append(ListingEntry(path: childPath, target: .externalLink(file: file, target: target)))
            case .userDefined:
                continue
            }
        }
        return entries
    }

    /// The object at an absolute path, following soft links (at most `Limits.softLinkDepth`),
    /// and the path it was reached by.
    public func resolve(_ path: String) async throws -> (object: HDF5Object, path: String) {
        let (address, resolvedPath) = try await resolveAddress(path, softLinksFollowed: 0)
        return (try await object(at: address), resolvedPath)
    }

    /// The link names a path follows: empty components and `.` left out.
    static func names(of path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.map(String.init)
    }

    /// The address of the object at a path: the groups on the way are decoded for their links
    /// alone.
    private func resolveAddress(_ path: String, softLinksFollowed: Int) async throws -> (address: UInt64, path: String) {
        guard softLinksFollowed <= Limits.softLinkDepth else {
            throw HDF5Error.limitExceeded(
                structure: "soft link", offset: 0, limit: "more than \(Limits.softLinkDepth) soft links resolving \(path)")
        }
        var current = superblock.rootObjectHeaderAddress
        var currentPath = "/"
        let names = Self.names(of: path)
        for (index, name) in names.enumerated() {
            guard let link = try await links(at: current, prefetching: names[index...]).first(where: { $0.name == name }) else {
                throw HDF5Error.notFound(path: currentPath == "/" ? "/" + name : currentPath + "/" + name)
            }
            let parentPath = currentPath
            currentPath = currentPath == "/" ? "/" + name : currentPath + "/" + name
            switch link.target {
            case .hard(let address):
                current = address
            case .soft(let target):
                let absolute = target.hasPrefix("/") ? target : (parentPath == "/" ? "/" : parentPath + "/") + target
                current = try await resolveAddress(absolute, softLinksFollowed: softLinksFollowed + 1).address
            case .external(let file, let target):
                throw HDF5Error.unsupported(
                    feature: "following the external link \(currentPath) to \(file):\(target)",
                    structure: "link", offset: current)
            case .userDefined(let type):
                throw HDF5Error.unsupported(
                    feature: "user-defined link type \(type) at \(currentPath)", structure: "link", offset: current)
            }
        }
        return (current, currentPath)
    }

    /// The first path of every object in a depth-first walk of the whole file, for naming the
    /// targets of object references.
    public func pathIndex() async throws -> [UInt64: String] {
        if let cached = await objects.pathIndex { return cached }
        var index: [UInt64: String] = [:]
        for entry in try await walk(from: "/", recursive: true) {
            if case .object(let object) = entry.target, index[object.address] == nil {
                index[object.address] = entry.path
            }
        }
        await objects.setPathIndex(index)
        return index
    }
}
