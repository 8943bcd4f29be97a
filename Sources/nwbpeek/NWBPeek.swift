import ArgumentParser

@main
struct NWBPeek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwbpeek",
        abstract: "Read HDF5 and NWB files without libhdf5.",
        subcommands: [List.self, Cat.self, Index.self])
}
