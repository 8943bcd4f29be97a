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
        let start = try await resolve(path)
        try await decodeBreadthFirst(from: start.object, maximumDepth: recursive ? Int.max : 1)
        return try await listDepthFirst(from: start.object, path: start.path, recursive: recursive)
    }

    /// Decodes every object reachable from `object` within `maximumDepth` levels, one batch of
    /// reads per level.
    func decodeBreadthFirst(from object: HDF5Object, maximumDepth: Int) async throws {
        var seen: Set<UInt64> = [object.address]
        var level = [object]
        var depth = 0
        while !level.isEmpty, depth < maximumDepth {
            let next = level.flatMap { $0.links }.compactMap { link -> UInt64? in
                guard case .hard(let address) = link.target, seen.insert(address).inserted else { return nil }
                return address
            }
            level = try await objects(at: next)
            depth += 1
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
        try await resolve(path, softLinksFollowed: 0)
    }

    private func resolve(_ path: String, softLinksFollowed: Int) async throws -> (object: HDF5Object, path: String) {
        guard softLinksFollowed <= Limits.softLinkDepth else {
            throw HDF5Error.limitExceeded(
                structure: "soft link", offset: 0, limit: "more than \(Limits.softLinkDepth) soft links resolving \(path)")
        }
        // The groups on the way are decoded for their links alone; the object reached, whole.
        var current = superblock.rootObjectHeaderAddress
        var currentPath = "/"
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
            let name = String(component)
            guard let link = try await links(at: current).first(where: { $0.name == name }) else {
                throw HDF5Error.notFound(path: currentPath == "/" ? "/" + name : currentPath + "/" + name)
            }
            let parentPath = currentPath
            currentPath = currentPath == "/" ? "/" + name : currentPath + "/" + name
            switch link.target {
            case .hard(let address):
                current = address
            case .soft(let target):
                let absolute = target.hasPrefix("/") ? target : (parentPath == "/" ? "/" : parentPath + "/") + target
                current = try await resolve(absolute, softLinksFollowed: softLinksFollowed + 1).object.address
            case .external(let file, let target):
                throw HDF5Error.unsupported(
                    feature: "following the external link \(currentPath) to \(file):\(target)",
                    structure: "link", offset: current)
            case .userDefined(let type):
                throw HDF5Error.unsupported(
                    feature: "user-defined link type \(type) at \(currentPath)", structure: "link", offset: current)
            }
        }
        return (try await object(at: current), currentPath)
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
