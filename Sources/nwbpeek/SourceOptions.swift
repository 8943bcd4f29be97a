import ArgumentParser
import HDF5

/// The file to read, shared by every subcommand.
struct SourceOptions: ParsableArguments {
    @Argument(help: "The HDF5/NWB file: a local path.")
    var source: String

    func open() async throws -> HDF5File {
        try await HDF5File(path: source)
    }
}
