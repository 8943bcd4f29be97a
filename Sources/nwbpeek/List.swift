import ArgumentParser
import HDF5

/// `nwbpeek ls`: the tree of a file, or of one group, with every object's description.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the objects of an HDF5/NWB file.",
        discussion: """
            Lists the object at PATH (default /) and its members. With --json, prints one JSON \
            object per line per object, as documented in the README.
            """)

    @Flag(name: [.short, .long], help: "List everything below PATH, not only its members.")
    var recursive = false

    @Flag(help: "Print one JSON object per line per object.")
    var json = false

    @OptionGroup var source: SourceOptions

    @Argument(help: "The group or dataset to list (default /).")
    var path: String?

    func run() async throws {
        try await source.reporting { try await list() }
    }

    private func list() async throws {
        let file = try await source.open(commandArgument: path)
        let entries = try await file.walk(from: source.commandArgument(path) ?? "/", recursive: recursive)
        if json {
            let paths = try await file.referencedPaths(in: entries)
            for entry in entries { print(try entry.json(paths: paths).serialized()) }
        } else {
            var sizes: [UInt64: UInt64] = [:]
            for case .object(let object) in entries.map(\.target) where object.kind == .dataset {
                sizes[object.address] = try await file.storageSize(of: object)
            }
            print(TreeFormatter(entries: entries, storageSizes: sizes).render(), terminator: "")
        }
    }
}
