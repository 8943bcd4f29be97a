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

    /// The header of NumPy's .npy format, version 1.0 (magic, header dictionary); the elements
    /// as stored follow it.
    func npyHeader() throws -> [UInt8] {
        let description = try DtypeDescription(slice.datatype, structure: "datatype", offset: 0)
        let descr = try npyDescr(description, size: Int(slice.datatype.size))
        let shape = slice.shape.map(String.init)
        let shapeText = "(" + shape.joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        var header = "{'descr': \(descr), 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended
        // by a newline to a multiple of 64 bytes.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)]
            + Array(header.utf8)
    }

    /// The `descr` of a NumPy dtype whose items are the stored bytes.
    private func npyDescr(_ description: DtypeDescription, size: Int) throws -> String {
        switch description {
        case .numpy(let type):
            if type == "|b1", size != 1 { break }
            return "'\(type)'"
        case .compound:
            guard case .compound(let compound) = slice.datatype.kind else { break }
            // A list of (name, type) fields in offset order, gaps as unnamed void fields: the
            // form `numpy.load` reads back (it refuses a dict with offsets).
            var fields: [String] = []
            var position = 0
            for member in compound.members.sorted(by: { $0.byteOffset < $1.byteOffset }) {
                let memberDescription = try DtypeDescription(member.datatype, structure: "datatype", offset: 0)
                guard case .numpy(let type) = memberDescription, Int(member.byteOffset) >= position else {
                    throw CatFailure(message: "npy cannot hold member \(member.name) (\(memberDescription)); use --format json")
                }
                if Int(member.byteOffset) > position { fields.append("('', '|V\(Int(member.byteOffset) - position)')") }
                let name = member.name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                fields.append("('\(name)', '\(type)')")
                position = Int(member.byteOffset) + Int(member.datatype.size)
            }
            if size > position { fields.append("('', '|V\(size - position)')") }
            return "[" + fields.joined(separator: ", ") + "]"
        default:
            break
        }
        throw CatFailure(message: "npy cannot hold \(description) values; use --format json")
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
