import ArgumentParser
import ByteSources
import HDF5

/// The file to read, shared by every subcommand: a path, or an index sidecar (`--index`) and,
/// optionally, the path of the file it indexes.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            An index made by `nwbpeek index`: the file's metadata is taken from it (no reads), only \
            chunk data from the file. SOURCE may then be omitted (the index names it).
            """)
    var index: String?

    @Argument(help: "The HDF5/NWB file: a local path.")
    var source: String?

    func validate() throws {
        if source == nil, index == nil { throw ValidationError("Missing expected argument '<source>' (or --index)") }
    }

    /// How errors name the source.
    var name: String { source ?? index ?? "" }

    /// The command's own positional argument (PATH, DATASET) when it was given as `argument`,
    /// or, with --index and a lone positional argument, that argument: SOURCE is then omitted.
    func commandArgument(_ argument: String?) -> String? {
        argument ?? (index != nil ? source : nil)
    }

    /// Opens SOURCE, or the file of the index (the index's SOURCE unless one is given).
    /// `argument` is the command's positional argument as parsed (see `commandArgument`).
    func open(commandArgument argument: String?) async throws -> HDF5File {
        guard let index else {
            return try await HDF5File(source: try Self.byteSource(source ?? ""))
        }
        let sidecar = try IndexSidecar(path: index)
        let name = argument == nil ? sidecar.sourceURL : (source ?? sidecar.sourceURL)
        return try await HDF5File(index: sidecar, source: try Self.byteSource(name))
    }

    /// The bytes of a source as a person names it (a local path), for every command.
    static func byteSource(_ name: String) throws -> any ByteSource {
        try MappedFileSource(path: name)
    }
}
