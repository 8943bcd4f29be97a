import ArgumentParser
import Foundation

/// `nwbpeek-bench`: every speed claim of Docs/BENCHMARKS.md, reproduced by one command.
///
/// nwbpeek runs as a process (as a user runs it), measured from spawn to exit with its peak
/// resident memory; the peers run in the same invocation: `h5dump` as a process, the Python
/// readers in-process in `Benchmarks/peers.py` (interpreter start-up and imports excluded, which
/// favours them). Each row's nwbpeek output is checked against h5py's values before it counts.
@main
struct NWBPeekBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwbpeek-bench",
        abstract: "Benchmark nwbpeek against h5dump, h5py (local, remfile, fsspec) and kerchunk + zarr.",
        discussion: """
            Run from the package root (it uses Benchmarks/ and Tests/Remote/). Generates the data if \
            absent (Benchmarks/generate_neuropixels.py: the same session written with libver earliest \
            and latest), then prints one Markdown table to standard output; progress goes to standard \
            error. `make bench` builds and runs it.
            """)

    @Option(help: "Runs per row (the median is printed).")
    var runs = 5

    @Option(help: "Runs of the full-read and full-dump rows (h5dump takes about 17 s per run).")
    var fullRuns = 3

    @Option(help: "Seconds the proxy adds per request and per new connection in the remote rows.")
    var latency = 0.04

    @Flag(help: "Only the local rows (no SeaweedFS, no proxy).")
    var localOnly = false

    @Option(help: "The nwbpeek binary (default: the one beside this program).")
    var nwbpeek: String?

    @Option(help: "The Python with h5py, remfile, fsspec, kerchunk and zarr (make setup installs them).")
    var python = "python3"

    @Option(help: "Where the benchmark data lives (generated when absent).")
    var data = "Benchmarks/data"

    func run() async throws {
        guard FileManager.default.fileExists(atPath: "Benchmarks/peers.py") else {
            throw BenchError.missing("Benchmarks/peers.py: run nwbpeek-bench from the package root")
        }
        let binary = nwbpeek ?? Self.besideThisProgram("nwbpeek")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError.missing("an nwbpeek binary at \(binary) (swift build -c release, or --nwbpeek)")
        }
        let files = try BenchData.ensure(in: data, python: python)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nwbpeek-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let session = try PeerSession(python: python, script: "Benchmarks/peers.py")
        var bench = BenchRuns(nwbpeek: binary, session: session, runs: runs, scratch: scratch)
        let loadBefore = Machine.loadAverage()
        try await bench.listingOfTheSample("TestData/fixtures/sample.nwb")
        for (label, path) in files {
            try await bench.localRows(label: label, file: path, fullRuns: fullRuns)
        }
        if let (_, path) = files.first {
            Progress.say("decoding every chunk on one core")
            let ceiling = try await DecodeCeiling.measure(file: path, dataset: BenchRuns.series, runs: fullRuns)
            bench.noteCeiling(ceiling, cores: ProcessInfo.processInfo.activeProcessorCount)
        }
        if !localOnly, let (label, path) = files.first {
            try bench.remoteRows(label: label, file: path, latency: latency)
        }
        try bench.noteProcessCosts()
        let versions = try session.send(["op": "versions"])
        print(Machine.describe(versions: versions, loadBefore: loadBefore, loadAfter: Machine.loadAverage()))
        print("Medians of \(runs) runs (\(fullRuns) for full reads and dumps); remote rows through a proxy adding "
            + "\(Int((latency * 1000).rounded())) ms per request and per new connection.\n")
        print(BenchTable.markdown(bench.rows))
        if !bench.notes.isEmpty { print("\n" + bench.notes.joined(separator: "\n")) }
    }

    /// A program installed beside this one (swift build puts every product in one directory).
    static func besideThisProgram(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
