import HDF5
import HDF5Format

/// Writes a slice's values as `cat` prints them.
struct ValueEncoder {
    let file: HDF5File
    let slice: SliceBlocks

    /// JSON values, one per element, following the `ls --json` rules.
    func elements() async throws -> [JSONValue] {
        var values: [Value] = []
        for block in slice.blocks { values += try await file.values(of: block) }
        let paths = values.contains(where: \.containsReference) ? try await file.pathIndex() : [:]
        return values.map { $0.json(path: { paths[$0] }) }
    }

    /// Nested lists shaped like the slice.
    func json() async throws -> String {
        try JSONValue.shaped(try await elements(), dataspace: slice.dataspace).serialized()
    }

    /// One line per row; a row's values separated by commas (at most two dimensions).
    func csv() async throws -> String {
        guard slice.shape.count <= 2 else {
            throw CatFailure(
                message: "csv holds at most two dimensions; this slice has \(slice.shape.count): narrow it with --slice")
        }
        let columns = slice.shape.count == 2 ? max(Int(slice.shape[1]), 1) : 1
        let cells = try await elements().map(csvCell)
        var text = ""
        for start in stride(from: 0, to: cells.count, by: columns) {
            text += cells[start..<min(start + columns, cells.count)].joined(separator: ",") + "\n"
        }
        return text
    }

    private func csvCell(_ value: JSONValue) -> String {
        if case .string(let text) = value {
            let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            guard needsQuotes else { return text }
            return "\"" + text.flatMap { $0 == "\"" ? "\"\"" : String($0) } + "\""
        }
        return value.serialized()
    }

    /// A few lines for a terminal: the dataset, its type and shape, and its first values.
    func preview(path: String) async throws -> String {
        let description = (try? DtypeDescription(slice.datatype, structure: "datatype", offset: 0).json.serialized()) ?? "?"
        var text = "\(path): dtype \(description), shape (" + slice.shape.map(String.init).joined(separator: ", ") + ")\n"
        let shown = 20
        let values = try await elements()
        text += values.prefix(shown).map { $0.serialized() }.joined(separator: " ")
        if values.count > shown { text += " ... (\(values.count) values; use --format or -o for all)" }
        return text + "\n"
    }
}
