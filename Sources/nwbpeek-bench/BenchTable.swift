import Foundation

/// What a remote run cost on the wire, as the latency proxy saw it.
struct Traffic: Sendable {
    var requests: Double
    var roundTrips: Double
    var bytes: Double
}

/// One reader's figures in one row: medians over the runs (peak memory: the largest run's).
struct Figures: Sendable {
    var seconds: Double
    /// Peak resident memory of the nwbpeek process (peers run in-process, so theirs is not theirs alone).
    var peakResidentMiB: Double?
    var traffic: Traffic?
}

/// One row of the table: nwbpeek as a process, as a library in-process (local rows), then
/// each peer measured in the same run.
struct BenchRow: Sendable {
    var data: String
    var name: String
    var ours: Figures
    var library: Figures?
    var peers: [(reader: String, figures: Figures)]
}

/// The table `nwbpeek-bench` prints: one line per reader and row, each reader's time as a ratio
/// to nwbpeek's as a process and, where measured, to nwbpeek's as a library in-process (above 1:
/// nwbpeek is faster), and the bytes ratio for remote rows.
enum BenchTable {
    static let libraryReader = "nwbpeek library (in-process)"

    static func markdown(_ rows: [BenchRow]) -> String {
        var lines = [
            "| data | row | reader | s | reader / nwbpeek | reader / nwbpeek library | nwbpeek peak RSS MiB | requests "
                + "| round trips | MiB served | bytes / nwbpeek's |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows {
            lines.append(line([row.data, row.name], "nwbpeek", row.ours, against: row))
            if let library = row.library { lines.append(line(["", ""], libraryReader, library, against: row)) }
            for (reader, figures) in row.peers { lines.append(line(["", ""], reader, figures, against: row)) }
        }
        return lines.joined(separator: "\n")
    }

    /// One reader's line; `names` (the data and the row) are blank under the row's first line.
    private static func line(_ names: [String], _ reader: String, _ figures: Figures, against row: BenchRow) -> String {
        let ours = row.ours
        let memory = figures.peakResidentMiB.map { format($0, digits: 0) } ?? ""
        var traffic = ["", "", "", ""]
        if let wire = figures.traffic {
            let bytesRatio = ours.traffic.map { $0.bytes > 0 ? format(wire.bytes / $0.bytes, digits: 1) + "x" : "" } ?? ""
            traffic = [
                format(wire.requests, digits: 0), format(wire.roundTrips, digits: 0),
                format(wire.bytes / 1_048_576, digits: 2), bytesRatio,
            ]
        }
        let ratio = format(figures.seconds / ours.seconds, digits: 1) + "x"
        let libraryRatio = row.library.map { format(figures.seconds / $0.seconds, digits: 1) + "x" } ?? ""
        let cells = names + [reader, format(figures.seconds, digits: 3), ratio, libraryRatio, memory] + traffic
        return "| " + cells.joined(separator: " | ") + " |"
    }

    static func format(_ value: Double, digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : ""
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
