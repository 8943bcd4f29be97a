import ArgumentParser
import HDF5

#if canImport(Glibc)
import Glibc
#endif

/// `nwbpeek ls`: the tree of a file, or of one group, with every object's description.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the objects of an HDF5/NWB file.",
        discussion: """
            Lists the object at PATH (default /) and its members. With --json, prints one JSON \
            object per line per object, as documented in the README. --depth N lists N levels \
            below PATH; --match GLOB keeps the paths that match a shell pattern (`*` matches \
            across slashes: `--match '*/data'`), listed by their full paths.
            """)

    @Flag(name: [.short, .long], help: "List everything below PATH, not only its members.")
    var recursive = false

    @Flag(help: "Print one JSON object per line per object.")
    var json = false

    @Option(help: "List this many levels below PATH (1: its members; implies --recursive when above 1).")
    var depth: Int?

    @Option(help: "Keep only the paths matching this shell pattern (such as '/acquisition/*' or '*_index').")
    var match: String?

    @OptionGroup var sizes: StoredSizes

    @OptionGroup var source: SourceOptions

    @Argument(help: "The group or dataset to list (default /).")
    var path: String?

    func run() async throws {
        try await source.reporting(commandArgument: path) { file in try await list(file) }
    }

    func validate() throws {
        if let depth, depth < 0 { throw ValidationError("--depth takes a number of levels, 0 or more; got \(depth)") }
    }

    private func list(_ file: HDF5File) async throws {
        let walked = try await file.walk(from: source.commandArgument(path) ?? "/", recursive: recursive || (depth ?? 0) > 1)
        let entries = filtered(walked)
        if json {
            let paths = try await file.referencedPaths(in: entries)
            for entry in entries { print(try entry.json(paths: paths).serialized()) }
        } else {
            let datasets = entries.compactMap { entry -> HDF5Object? in
                guard case .object(let object) = entry.target, object.kind == .dataset else { return nil }
                return object
            }
            let sized = datasets.filter { sizes.reads($0, of: file, openedAs: source) }
            // Every dataset's chunk index at once: a remote file fetches each level of all of
            // them in one round.
            let storageSizes = try await withThrowingTaskGroup(of: (UInt64, UInt64?).self) { group in
                for object in sized {
                    group.addTask { (object.address, try await file.storageSize(of: object)) }
                }
                var storageSizes: [UInt64: UInt64] = [:]
                for try await (address, size) in group { storageSizes[address] = size }
                return storageSizes
            }
            print(TreeFormatter(entries: entries, storageSizes: storageSizes, fullPaths: match != nil).render(), terminator: "")
            StoredSizes.reportLeftOut(datasets.count - sized.count)
        }
    }

    /// The entries within `--depth` levels of the first, and matching `--match`.
    private func filtered(_ entries: [ListingEntry]) -> [ListingEntry] {
        guard let first = entries.first else { return entries }
        let startDepth = first.path.split(separator: "/").count
        return entries.filter { entry in
            if let depth, entry.path.split(separator: "/").count - startDepth > depth { return false }
            if let match { return fnmatch(match, entry.path, 0) == 0 }
            return true
        }
    }
}
