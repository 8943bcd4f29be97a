import ArgumentParser

@main
struct NWBPeek: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwbpeek",
        abstract: "Read HDF5 and NWB files without libhdf5.",
        discussion: "Shell completion: nwbpeek --generate-completion-script bash (or zsh, fish).",
        subcommands: [List.self, Cat.self, Info.self, Table.self, Index.self, Check.self])
}
