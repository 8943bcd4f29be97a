import ByteKit

/// A group's links, whatever its storage (HDF5 File Format Specification 4.0, IV.A.2.r and
/// III.B–III.D for old-style groups: symbol table message, v1 B-tree, symbol table nodes, local
/// heap; IV.A.2.g for compact new-style groups: link messages in the header; IV.A.2.c for dense
/// new-style groups: link messages in a fractal heap indexed by a v2 B-tree of names).
public enum GroupLinks {
    /// Every link of the group whose header is `header`, in byte order of the names.
    /// Two links with the same name are an error: a group's names are unique.
    public static func read(header: ObjectHeader, view: FileView, context: FormatContext) throws -> [LinkMessage] {
        var links: [LinkMessage] = []
        if let message = header.firstMessage(of: .symbolTable) {
            var cursor = message.cursor("symbol table message")
            let table = try SymbolTableMessage(parsing: &cursor, context: context)
            links += try symbolTableLinks(table, view: view, context: context)
        }
        for message in header.messages(of: .link) {
            var cursor = message.cursor("link message")
            links.append(try LinkMessage(parsing: &cursor, context: context))
        }
        if let message = header.firstMessage(of: .linkInfo) {
            var cursor = message.cursor("link info message")
            let info = try LinkInfoMessage(parsing: &cursor, context: context)
            links += try denseLinks(info, view: view, context: context)
        }
        links.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for (previous, next) in zip(links, links.dropFirst()) where previous.name == next.name {
            throw HDF5Error.invalid(
                structure: "group", offset: header.address, reason: "two links are named \"\(next.name)\"")
        }
        return links
    }

    /// The links that the fetched part of a group's header already gives (`ObjectHeader.readAvailable`),
    /// or with `cachedTable` (the B-tree and heap that a symbol table entry caches for the group)
    /// those of that table: a guess at which members to fetch next while the header's
    /// continuation blocks are still missing (a whole header may hold more links, or a link info
    /// message that libhdf5 would read instead of a symbol table). Nil when neither gives any.
    /// - Throws: only `BytesNeeded`, for the structures (B-tree nodes, heaps) that the guess needs
    ///   and that are not fetched yet; any other failure makes no guess.
    public static func readAvailable(
        view: FileView, address: UInt64, context: FormatContext, cachedTable: SymbolTableMessage? = nil
    ) throws -> [LinkMessage]? {
        var needed: [ByteRange] = []
        let guesses: [() throws -> [LinkMessage]] = [
            {
                let (header, missing) = try ObjectHeader.readAvailable(view: view, address: address, context: context)
                let links = try read(header: header, view: view, context: context)
                // No links yet: they may be in the blocks still missing.
                if links.isEmpty, !missing.isEmpty { throw BytesNeeded(ranges: missing) }
                return links
            },
            { try cachedTable.map { try symbolTableLinks($0, view: view, context: context) } ?? [] },
        ]
        for guess in guesses {
            do {
                let links = try guess()
                if !links.isEmpty { return links }
            } catch let more as BytesNeeded {
                needed += more.ranges
            } catch {
                continue
            }
        }
        if !needed.isEmpty { throw BytesNeeded(ranges: needed) }
        return nil
    }

    /// Old-style group: names from the local heap, entries from the B-tree's symbol table nodes.
    static func symbolTableLinks(
        _ table: SymbolTableMessage, view: FileView, context: FormatContext
    ) throws -> [LinkMessage] {
        let (heap, entries) = try decodeTogether(
            { try LocalHeap.read(view: view, address: table.localHeapAddress, context: context) },
            { try BTreeV1.groupEntries(view: view, address: table.bTreeAddress, context: context) })
        return try entries.map { entry in
            let name = try heap.string(at: entry.linkNameOffset, view: view)
            if case .symbolicLink(let valueOffset) = entry.scratchPad {
                return LinkMessage(name: name, target: .soft(try heap.string(at: UInt64(valueOffset), view: view)))
            }
            guard let address = entry.objectHeaderAddress else {
                throw HDF5Error.invalid(
                    structure: "symbol table entry", offset: table.bTreeAddress,
                    reason: "entry \"\(name)\" has an undefined object header address")
            }
            return LinkMessage(name: name, target: .hard(address))
        }
    }

    /// Dense new-style group: every record of the name index gives a link message's heap ID.
    static func denseLinks(_ info: LinkInfoMessage, view: FileView, context: FormatContext) throws -> [LinkMessage] {
        guard let heapAddress = info.fractalHeapAddress else { return [] }
        guard let indexAddress = info.nameIndexAddress else {
            throw HDF5Error.invalid(
                structure: "link info message", offset: heapAddress, reason: "dense links without a name index")
        }
        let (heap, records) = try decodeTogether(
            { try FractalHeap.read(view: view, address: heapAddress, context: context) },
            { try BTreeV2Header.read(view: view, address: indexAddress, context: context).records(view: view) })
        let ids = try records.map { try LinkNameRecord(parsing: $0).heapID }
        return try heap.objects(ids: ids, view: view).map { body in
            var cursor = ByteCursor(bytes: body, baseOffset: heapAddress, structure: "link message (dense)")
            return try LinkMessage(parsing: &cursor, context: context)
        }
    }
}
