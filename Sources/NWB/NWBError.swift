/// What can go wrong reading a file as NWB. Every case names the path in the file it concerns,
/// so that a message can be acted on without a debugger. Errors of the HDF5 layer below
/// (`HDF5Error`) pass through unchanged.
public enum NWBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No object at `path`; `suggestions` are the existing paths closest to it.
    case notFound(path: String, suggestions: [String])
    /// The object at `path` is not what was asked for (`expected`, such as "TimeSeries");
    /// `found` is its `neurodata_type` or HDF5 kind.
    case wrongType(path: String, expected: String, found: String)
    /// A field the NWB schema requires is absent (`field` is an attribute or member name).
    case missingField(path: String, field: String)
    /// A value at `path` is not what the NWB schema allows.
    case invalid(path: String, reason: String)
    /// A table has no column of that name.
    case noSuchColumn(table: String, column: String, available: [String])
    /// A table has no row at that index or with that id.
    case noSuchRow(table: String, row: String, rowCount: Int)

    public var description: String {
        switch self {
        case .notFound(let path, let suggestions):
            guard !suggestions.isEmpty else { return "no object at \(path)" }
            return "no object at \(path); did you mean " + suggestions.joined(separator: ", ") + "?"
        case .wrongType(let path, let expected, let found):
            return "expected a \(expected) at \(path), found \(found)"
        case .missingField(let path, let field):
            return "\(path) has no \(field), which NWB requires"
        case .invalid(let path, let reason):
            return "\(path): \(reason)"
        case .noSuchColumn(let table, let column, let available):
            return "table \(table) has no column \(column); its columns are " + available.joined(separator: ", ")
        case .noSuchRow(let table, let row, let rowCount):
            return "table \(table) has no row \(row) (it has \(rowCount) rows)"
        }
    }
}
