import ArgumentParser
import ArrayEngine
import ByteKit
import HDF5
import HDF5Format
import NWB

#if canImport(Glibc)
import Glibc
#endif

/// `nwbpeek cat`: a dataset's values, or a slice of them.
struct Cat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print or save the values of a dataset.",
        discussion: """
            SPEC follows NumPy: `0:30000,::2`, `5`, `-100:`. Formats: npy (NumPy's .npy), json \
            (nested lists, values as in `ls --json`), csv (up to two dimensions), raw (the bytes \
            as stored). Without --format, a terminal gets a short preview and a pipe gets json.
            With --time START:STOP (seconds; either end may be left out) on an NWB TimeSeries, \
            given as the series' path or its data's, the samples whose times t satisfy \
            START <= t < STOP are read, and only they; --slice then selects within each \
            sample (`0:4` for the first four channels).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case npy, json, csv, raw
    }

    @OptionGroup var source: SourceOptions

    @Argument(help: "The dataset's path (or, with --time, the TimeSeries').")
    var dataset: String?

    @Option(name: .long, help: "The elements to read, NumPy style.")
    var slice: String = ""

    @Option(name: .long, help: "A time range in seconds, START:STOP, of an NWB TimeSeries.")
    var time: String?

    @Option(name: .long, help: "Output format: npy, json, csv or raw.")
    var format: Format?

    @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard source.commandArgument(dataset) != nil else { throw ValidationError("Missing expected argument '<dataset>'") }
        do {
            _ = try Selection.parse(slice)
        } catch {
            throw ValidationError("\(error)")
        }
        if let time, TimeRange(time) == nil {
            throw ValidationError("--time takes START:STOP in seconds, such as 10:14, 2.5: or :1e-3; got \(time)")
        }
    }

    func run() async throws {
        try await source.reporting(commandArgument: dataset) { file in try await cat(file) }
    }

    private func cat(_ file: HDF5File) async throws {
        let (object, path, selection) = try await target(in: file)
        let chosen = format ?? (output == nil && isatty(STDOUT_FILENO) == 1 ? nil : .json)
        if chosen == .raw || chosen == .npy {
            // The stored bytes, written as they are read: large reads never sit whole in memory.
            // A read that fails leaves no partial file behind.
            let shape = try file.readShape(of: object, selection: selection)
            let header = chosen == .npy ? try NPY.header(shape: shape.shape, datatype: shape.datatype) : []
            // An output of several blocks is written past the page cache (see OutputFile).
            let direct = shape.byteCount > StreamedRead.blockBytes
            let destination = try output.map { try OutputFile(creating: $0, direct: direct) } ?? .standardOutput
            do {
                try await ProgressLine.run("reading \(path)") { progress in
                    try await StreamedRead(file: file, dataset: object, selection: selection)
                        .write(to: destination, header: header, progress: progress)
                }
            } catch {
                // Never a device or a pipe: `-o /dev/null` must not remove /dev/null.
                if let output, destination.isRegularFile { unlink(output) }
                throw error
            }
            return
        }
        let slice = try await ProgressLine.run("reading \(path)") { progress in
            try await SliceBlocks.read(object, selection: selection, from: file, progress: progress)
        }
        let encoder = ValueEncoder(file: file, slice: slice)
        let text: String
        switch chosen {
        case .json: text = try await encoder.json() + "\n"
        case .csv: text = try await encoder.csv()
        default: text = try await encoder.preview(path: path)
        }
        let destination = try output.map { try OutputFile(creating: $0) } ?? .standardOutput
        try await destination.write(Array(text.utf8))
    }

    /// The dataset's path as given (see `SourceOptions.commandArgument`).
    private var datasetPath: String { source.commandArgument(dataset) ?? "/" }

    /// The dataset to read, its path and the selection: `--slice` as given, or with `--time`
    /// the time series' samples in that time range, then `--slice` within each sample.
    private func target(in file: HDF5File) async throws -> (HDF5Object, String, Selection) {
        let selection = try Selection.parse(slice)
        guard let time, let range = TimeRange(time) else {
            let (object, path) = try await file.resolve(datasetPath)
            return (object, path, selection)
        }
        let nwb = try await NWBFile(file, prefetching: [datasetPath])
        let series = try await nwb.timeSeries(at: datasetPath)
        let samples = try await series.sampleRange(for: range.seconds)
        let rows = Selection.Dimension.slice(
            start: Int64(samples.lowerBound), stop: Int64(samples.upperBound), step: nil)
        return (series.data.object, series.data.path, Selection([rows] + selection.dimensions))
    }
}

struct CatFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// `START:STOP` in seconds; a missing end is unbounded.
struct TimeRange {
    let seconds: Range<Double>

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let start = parts[0].isEmpty ? -Double.infinity : Double(parts[0])
        let stop = parts[1].isEmpty ? Double.infinity : Double(parts[1])
        guard let start, let stop, !start.isNaN, !stop.isNaN, start <= stop else { return nil }
        seconds = start..<stop
    }
}
