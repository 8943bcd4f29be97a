import ArgumentParser

@main
struct NWBPeek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwbpeek",
        abstract: "Read HDF5 and NWB files, local or remote, without libhdf5.",
        subcommands: [])
}
