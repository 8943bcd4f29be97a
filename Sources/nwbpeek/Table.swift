import ArgumentParser
import HDF5
import HDF5Format
import NWB

/// `nwbpeek table`: the rows of a DynamicTable (units, electrodes, trials, any table).
struct Table: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Print the rows of an NWB DynamicTable.",
        discussion: """
            ROWS is a range of row positions, Python style: `0:20`, `100:`, `:5`, `--rows=-10:`. In text \
            a ragged column shows its count and first values (`[12] 0.52, 1.03, 1.9, …`) and a \
            terminal gets the first \(textRowLimit) rows unless --rows is given; csv and json \
            hold every value (a list cell in csv is its JSON text). References show the path of \
            the object they point to.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, csv, json
    }

    /// Rows shown by text output to a terminal when --rows is not given.
    static let textRowLimit = 50

    @OptionGroup var source: SourceOptions

    @Argument(help: "The table's path, such as /units or /intervals/trials.")
    var table: String?

    @Option(help: "Columns to print, comma-separated (default: all, in the table's order).")
    var columns: String?

    @Option(help: "Row positions to print, start:stop.")
    var rows: String?

    @Option(help: "Output format: text, csv or json.")
    var format: Format = .text

    func validate() throws {
        guard source.commandArgument(table) != nil else { throw ValidationError("Missing expected argument '<table>'") }
        if let rows, RowRange(rows) == nil {
            throw ValidationError("--rows takes start:stop with integers, such as 0:20 or -10:; got \(rows)")
        }
    }

    func run() async throws {
        try await source.reporting(commandArgument: table) { file in
            let path = source.commandArgument(self.table) ?? "/"
            let nwb = try await NWBFile(file, prefetching: [path])
            let table = try await nwb.table(at: path)
            let names = columns.map { $0.split(separator: ",").map { String($0).trimmingCharacters() } } ?? table.columnNames
            for name in names { _ = try table.column(name) }
            var range = 0..<table.rowCount
            if let text = rows, let parsed = RowRange(text) { range = parsed.resolve(count: table.rowCount) }
            let limited = format == .text && rows == nil && Terminal.standardOutputIsTerminal && range.count > Self.textRowLimit
            if limited { range = range.lowerBound..<(range.lowerBound + Self.textRowLimit) }
            let selected = range
            let tableRows = try await ProgressLine.run("reading \(table.path)") { progress in
                try await table.rows(selected, columns: names) { await progress.update(fraction: $0) }
            }
            let hasReferences = tableRows.contains { $0.cells.contains { $0.flattened.contains(where: \.containsReference) } }
            let paths = hasReferences ? try await nwb.hdf5.pathIndex() : [:]
            let renderer = TableRenderer(names: names, rows: tableRows, paths: paths)
            switch format {
            case .text:
                print(renderer.text(), terminator: "")
                if limited {
                    print(Terminal.dim("(rows \(selected.lowerBound)..<\(selected.upperBound) of \(table.rowCount); --rows for others)"))
                }
            case .csv:
                print(renderer.csv(), terminator: "")
            case .json:
                print(renderer.json().serialized())
            }
        }
    }
}

/// `start:stop` with Python's rules: either end may be left out, negative values count from the end.
struct RowRange {
    let start: Int?
    let stop: Int?

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        func bound(_ part: Substring) -> Int?? {
            let trimmed = part.trimmingCharacters()
            if trimmed.isEmpty { return .some(nil) }
            return Int(trimmed).map { .some($0) }
        }
        guard let start = bound(parts[0]), let stop = bound(parts[1]) else { return nil }
        self.start = start
        self.stop = stop
    }

    func resolve(count: Int) -> Range<Int> {
        func clamp(_ value: Int?, _ fallback: Int) -> Int {
            guard let value else { return fallback }
            return min(max(value < 0 ? value + count : value, 0), count)
        }
        let low = clamp(start, 0)
        return low..<max(low, clamp(stop, count))
    }
}

/// Table rows as text, csv or JSON.
struct TableRenderer {
    let names: [String]
    let rows: [DynamicTable.Row]
    /// Paths of referenced objects, by header address.
    let paths: [UInt64: String]

    /// First values a summarised list shows.
    static let shownValues = 3

    func text() -> String {
        let header = ["id"] + names
        let body = rows.map { row in [String(row.id)] + row.cells.map(summary) }
        let widths = header.indices.map { column in
            min(([header[column]] + body.map { $0[column] }).map(\.count).max() ?? 0, 60)
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in
                let clipped = cell.count > width ? String(cell.prefix(width - 1)) + "…" : cell
                return clipped + String(repeating: " ", count: width - clipped.count)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([Terminal.bold(line(header))] + body.map(line)).joined(separator: "\n") + "\n"
    }

    func csv() -> String {
        let lines = [(["id"] + names).map(csvField)] + rows.map { row in
            [String(row.id)] + row.cells.map { cell in
                if case .value(let value) = cell, case .string(let text) = json(value) { return csvField(text) }
                return csvField(json(cell).serialized())
            }
        }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    func json() -> JSONValue {
        .array(rows.map { row in
            .object([("id", .int(row.id))] + zip(names, row.cells).map { ($0, json($1)) })
        })
    }

    /// A cell in a few characters: a value as JSON shows it (a string bare); a list as its count
    /// and first values, nested lists by their counts.
    func summary(_ cell: Cell) -> String {
        switch cell {
        case .value(let value):
            let rendered = json(value)
            if case .string(let text) = rendered { return text }
            return rendered.serialized()
        case .list(let cells):
            let shown = cells.prefix(Self.shownValues).map { cell -> String in
                if case .list(let inner) = cell { return "[\(inner.count)]" }
                return summary(cell)
            }
            return "[\(cells.count)]" + (shown.isEmpty ? "" : " " + shown.joined(separator: ", "))
                + (cells.count > Self.shownValues ? ", …" : "")
        }
    }

    private func json(_ cell: Cell) -> JSONValue {
        switch cell {
        case .value(let value): return json(value)
        case .list(let cells): return .array(cells.map(json))
        }
    }

    private func json(_ value: Value) -> JSONValue { value.json(path: { paths[$0] }) }

    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        flatMap { $0 == target ? Array(replacement) : [$0] }.map(String.init).joined()
    }
}
