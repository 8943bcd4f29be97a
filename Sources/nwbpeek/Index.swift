import ArgumentParser
import Foundation
import HDF5

/// `nwbpeek index`: writes a file's index sidecar, a kerchunk reference set that zarr reads and
/// from which `nwbpeek --index` opens the file without reading its metadata.
struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Write a kerchunk/Zarr reference set of an HDF5 file, usable with --index.",
        discussion: """
            The references name SOURCE as given: give the path or URL by which readers of the index \
            will reach the file. Datasets Zarr v2 cannot hold are listed on standard error.
            """)

    @Argument(help: "The HDF5/NWB file: a local path, an http:// or https:// URL, or s3://bucket/key.")
    var source: String

    @OptionGroup var remote: RemoteOptions

    @Option(name: [.customShort("o"), .long], help: "Where to write the index (JSON).")
    var output: String

    @Option(name: .long, help: "The most bytes of a dataset written into the index when it cannot be referenced.")
    var inlineLimit: Int = KerchunkExport.Options().inlineLimit

    @Option(
        name: .long,
        help: "The least read around each metadata range (kept in the index): fewer rounds, a larger index.")
    var readAhead: UInt64 = KerchunkExport.Options().readAhead

    func run() async throws {
        do {
            let export = try await KerchunkExport(
                source: try await remote.byteSource(source), url: source,
                options: KerchunkExport.Options(inlineLimit: inlineLimit, readAhead: readAhead))
            guard FileManager.default.createFile(atPath: output, contents: Data(export.json.utf8)) else {
                throw CatFailure(message: "cannot write \(output)")
            }
            for dataset in export.unexpressed {
                printError("not in the Zarr view: \(dataset.path): \(dataset.reason)")
            }
        } catch {
            throw CommandFailure(source: source, underlying: error)
        }
    }
}
