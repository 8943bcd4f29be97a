import ArgumentParser
import HDF5
import HDF5Format
import NWB

/// `nwbpeek info`: a one-screen summary of an NWB file.
struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise an NWB file: session, subject, devices, time series, tables.",
        discussion: """
            For each time series: its type, data shape and dtype, sampling rate (or number of \
            timestamps), duration, stored size and compression. For each table: its type, rows \
            and columns (ragged ones marked []).
            """)

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @OptionGroup var sizes: StoredSizes

    @OptionGroup var source: SourceOptions

    func run() async throws {
        try await source.reporting(commandArgument: nil) { file in
            let nwb = try await NWBFile(file)
            let summary = try await ProgressLine.run("reading the file's structure") { _ in
                try await FileSummary(nwb, sizes: sizes, source: source)
            }
            print(json ? summary.json().serialized() : summary.text(), terminator: json ? "\n" : "")
        }
    }
}

/// What `info` prints, gathered once for both formats.
struct FileSummary: Sendable {
    struct Series: Sendable {
        let path: String
        let type: String
        let dtype: String
        let shape: [UInt64]
        let unit: String
        let rate: Double?
        let timestampCount: UInt64?
        let bounds: ClosedRange<Double>?
        /// Nil when left out (`StoredSizes`).
        let storageSize: UInt64?
        let filters: [String]
        /// Bytes of the data uncompressed.
        let logicalSize: UInt64
    }

    struct Table: Sendable {
        let path: String
        let type: String
        let rows: Int
        let columns: [(name: String, ragged: Bool)]
    }

    let nwb: NWBFile
    let session: Session
    let subject: Subject?
    let devices: [Device]
    let electrodeGroups: [ElectrodeGroup]
    let series: [Series]
    let tables: [Table]

    /// Gathers the summary of `nwb`, opened as `source` says; stored sizes as `sizes` allows,
    /// saying on stderr what was left out.
    init(_ nwb: NWBFile, sizes: StoredSizes, source: SourceOptions) async throws {
        self.nwb = nwb
        // Independent reads: remotely, their rounds of requests overlap.
        async let session = nwb.session()
        async let subject = nwb.subject()
        async let devices = nwb.devices()
        async let electrodeGroups = nwb.electrodeGroups()
        self.session = try await session
        self.subject = try await subject
        self.devices = try await devices
        self.electrodeGroups = try await electrodeGroups
        var series: [Series] = []
        for timeSeries in try await nwb.allTimeSeries() {
            let data = timeSeries.data.object
            let elementSize = UInt64(data.datatype?.size ?? 0)
            let logical = timeSeries.shape.reduce(elementSize) { $0.multipliedReportingOverflow(by: $1).partialValue }
            var timestampCount: UInt64?
            if case .timestamps(_, let count) = timeSeries.timing { timestampCount = count }
            series.append(
                Series(
                    path: timeSeries.path, type: timeSeries.neurodataType ?? "TimeSeries",
                    dtype: data.datatype.flatMap { try? DtypeDescription($0, structure: "datatype", offset: data.address).humanName }
                        ?? "?",
                    shape: timeSeries.shape, unit: timeSeries.unit, rate: timeSeries.rate, timestampCount: timestampCount,
                    bounds: try await timeSeries.timeBounds(),
                    storageSize: sizes.reads(data, of: nwb.hdf5, openedAs: source) ? try await nwb.hdf5.storageSize(of: data) ?? 0 : nil,
                    filters: data.filterNames,
                    logicalSize: logical))
        }
        self.series = series
        StoredSizes.reportLeftOut(series.filter { $0.storageSize == nil }.count)
        tables = try await nwb.allTables().map { table in
            Table(
                path: table.path, type: table.neurodataType ?? "DynamicTable", rows: table.rowCount,
                columns: table.columns.map { ($0.name, $0.isRagged) })
        }
    }

    // MARK: - Text

    func text() -> String {
        var lines: [String] = [Terminal.bold(session.description)]
        var fields: [(String, String)] = [
            ("identifier", session.identifier), ("session start", session.startTime), ("NWB version", nwb.nwbVersion),
        ]
        if let subject {
            let parts = [subject.subjectID, subject.species, subject.sex, subject.age, subject.genotype].compactMap { $0 }
            fields.append(("subject", parts.joined(separator: ", ")))
        }
        for device in devices {
            let details = [device.description, device.manufacturer].compactMap { $0 }.joined(separator: ", ")
            fields.append(("device", details.isEmpty ? device.name : "\(device.name) (\(details))"))
        }
        for group in electrodeGroups {
            let details = [group.location, group.devicePath.map { NWBPath.name(of: $0) }].compactMap { $0 }
            fields.append(("electrode group", "\(group.name) (" + details.joined(separator: ", ") + ")"))
        }
        let width = fields.map(\.0.count).max() ?? 0
        for (name, value) in fields { lines.append("  " + Terminal.dim(pad(name, width)) + "  " + value) }

        if !series.isEmpty {
            lines.append("")
            lines.append(Terminal.bold("Time series"))
            lines += columns(
                header: ["path", "type", "dtype", "shape", "rate", "duration", "size", "compression"],
                rows: series.map { series in
                    [
                        series.path, series.type, series.dtype,
                        "(" + series.shape.map(String.init).joined(separator: ", ") + ")",
                        series.rate.map { formatRate($0) } ?? "\(series.timestampCount ?? 0) timestamps",
                        formatDuration(series),
                        series.storageSize.map(humanByteCount) ?? "?",
                        compression(series),
                    ]
                })
        }
        if !tables.isEmpty {
            lines.append("")
            lines.append(Terminal.bold("Tables"))
            lines += columns(
                header: ["path", "type", "rows", "columns"],
                rows: tables.map { table in
                    [
                        table.path, table.type, String(table.rows),
                        table.columns.map { $0.ragged ? $0.name + "[]" : $0.name }.joined(separator: ", "),
                    ]
                })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func compression(_ series: Series) -> String {
        guard !series.filters.isEmpty else { return "none" }
        guard let storageSize = series.storageSize, storageSize > 0 else { return series.filters.joined(separator: "+") }
        let ratio = Double(series.logicalSize) / Double(storageSize)
        return series.filters.joined(separator: "+") + " (\((ratio * 10).rounded() / 10)x)"
    }

    private func formatRate(_ rate: Double) -> String {
        rate >= 1000 && rate.truncatingRemainder(dividingBy: 1000) == 0
            ? "\(Int(rate / 1000)) kHz" : "\(compact(rate)) Hz"
    }

    /// `0.0667 s from 0`: the span the samples cover (samples ÷ rate for a regular series; last
    /// minus first timestamp otherwise) and the time of the first sample.
    private func formatDuration(_ series: Series) -> String {
        guard let bounds = series.bounds else { return "empty" }
        let span = series.rate.map { Double(series.shape.first ?? 0) / $0 } ?? bounds.upperBound - bounds.lowerBound
        return "\(compact(span)) s from \(compact(bounds.lowerBound))"
    }

    /// A number with at most four significant decimals, without trailing zeros.
    private func compact(_ value: Double) -> String {
        let rounded = (value * 10000).rounded() / 10000
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(width - text.count, 0))
    }

    /// Rows aligned in columns under a dimmed header, indented by two spaces.
    private func columns(header: [String], rows: [[String]]) -> [String] {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            "  " + zip(cells, widths).map { pad($0, $1) }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return [Terminal.dim(line(header))] + rows.map(line)
    }

    // MARK: - JSON

    func json() -> JSONValue {
        let subjectJSON: JSONValue = subject.map { subject in
            .object(subject.fields.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        } ?? .null
        let devicesJSON: [JSONValue] = devices.map { device in
            .object([
                ("path", .string(device.path)), ("description", optional(device.description)),
                ("manufacturer", optional(device.manufacturer)),
            ])
        }
        let groupsJSON: [JSONValue] = electrodeGroups.map { group in
            .object([
                ("path", .string(group.path)), ("description", optional(group.description)),
                ("location", optional(group.location)), ("device", optional(group.devicePath)),
            ])
        }
        return .object([
            ("nwb_version", .string(nwb.nwbVersion)),
            ("identifier", .string(session.identifier)),
            ("session_description", .string(session.description)),
            ("session_start_time", .string(session.startTime)),
            ("timestamps_reference_time", optional(session.timestampsReferenceTime)),
            ("subject", subjectJSON),
            ("devices", .array(devicesJSON)),
            ("electrode_groups", .array(groupsJSON)),
            ("time_series", .array(series.map(json))),
            ("tables", .array(tables.map(json))),
        ])
    }

    private func json(_ series: Series) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("path", .string(series.path)), ("type", .string(series.type)), ("dtype", .string(series.dtype)),
            ("shape", .array(series.shape.map(JSONValue.uint))), ("unit", .string(series.unit)),
        ]
        members.append(("rate", series.rate.map(number) ?? .null))
        members.append(("timestamps", series.timestampCount.map(JSONValue.uint) ?? .null))
        members.append(("start_time", series.bounds.map { number($0.lowerBound) } ?? .null))
        members.append(("end_time", series.bounds.map { number($0.upperBound) } ?? .null))
        members.append(("storage_size", series.storageSize.map(JSONValue.uint) ?? .null))
        members.append(("filters", .array(series.filters.map(JSONValue.string))))
        return .object(members)
    }

    private func json(_ table: Table) -> JSONValue {
        .object([
            ("path", .string(table.path)), ("type", .string(table.type)), ("rows", .int(Int64(table.rows))),
            ("columns", .array(table.columns.map { JSONValue.string($0.name) })),
            ("ragged", .array(table.columns.filter(\.ragged).map { JSONValue.string($0.name) })),
        ])
    }

    private func number(_ value: Double) -> JSONValue { Value.float64(value).json(path: { _ in nil }) }

    private func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}

/// The last component of a path.
enum NWBPath {
    static func name(of path: String) -> String { String(path.split(separator: "/").last ?? "") }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
